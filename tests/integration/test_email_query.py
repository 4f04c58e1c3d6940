"""Email/query (RFC 8621 §4.4): every filter condition, every sort,
collapseThreads, windows and anchors; Email/queryChanges (§4.5); and
SearchSnippet/get (§5). Issue 3, items 1 and 3.

One module-wide account holds nine messages built so that each filter
and sort has one right answer."""
import base64

import pytest

from tern_mail import (account_with, crlf, email_set, import_raw, mailboxes, message,
                       update_email)

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256))

# name: (From, To, Cc, Bcc, Subject, body, Date, keywords, mailboxes, extra headers)
BIG = "The zebra crossing near the station is being repainted this week. " * 300
MESSAGES = {
    "m1": dict(frm="Alice Archer <alice@example.com>", to="Bob Baker <bob@example.com>",
               subject="Quarterly budget review",
               body="Please find the budget numbers for the zebra project.\n",
               date="Wed, 20 Dec 2023 10:00:00 +0000", keywords=["$seen"], boxes=["inbox"],
               headers=[("X-Priority", "1")]),
    "m2": dict(frm="Bob Baker <bob@example.com>", to="Alice Archer <alice@example.com>",
               cc="Carol Chen <carol@example.org>", subject="Re: Quarterly budget review",
               body="Looks good. The giraffe numbers are fine.\n",
               date="Tue, 19 Dec 2023 10:00:00 +0000", keywords=["$seen", "$flagged"],
               boxes=["inbox"], reply_to="m1"),
    "m3": dict(frm="Carol Chen <carol@example.org>", to="dave@example.com",
               bcc="Erin <erin@example.net>", subject="Holiday photos", body="Photos attached.\n",
               date="Mon, 18 Dec 2023 10:00:00 +0000", keywords=[], boxes=["inbox"],
               attachment=True),
    "m4": dict(frm="dave@example.com", to="Alice Archer <alice@example.com>",
               subject="Lunch on Friday?",
               html='<html><body><p class="secretclassname">Shall we meet for <b>lunch</b> at '
                    'the pelican cafe?</p></body></html>',
               date="Sun, 17 Dec 2023 10:00:00 +0000", keywords=["$answered"], boxes=["archive"]),
    "m5": dict(frm="dave@example.com", to="Carol Chen <carol@example.org>",
               subject="Re: Holiday photos", body="Nice pelican!\n",
               date="Sat, 16 Dec 2023 10:00:00 +0000", keywords=["$seen"], boxes=["inbox"],
               reply_to="m3"),
    "m6": dict(frm="Erin <erin@example.net>", to="Bob Baker <bob@example.com>",
               subject="Zebra crossing", body=BIG + "\n",
               date="Fri, 15 Dec 2023 10:00:00 +0000", keywords=["$seen"], boxes=["trash"]),
    "m7": dict(frm="Frank <frank@example.net>", to="Bob Baker <bob@example.com>",
               subject="invoice 2024-001", body="Your invoice is in this message.\n",
               date="Thu, 14 Dec 2023 10:00:00 +0000", keywords=["$flagged"],
               boxes=["inbox", "archive"]),
    "m8": dict(frm="Alice Archer <alice@example.com>", to="Bob Baker <bob@example.com>",
               subject="Re: Re: Quarterly budget review", body="Following up on the numbers.\n",
               date="Wed, 13 Dec 2023 10:00:00 +0000", keywords=[], boxes=["inbox"],
               reply_to="m2"),
    "m9": dict(frm="=?UTF-8?Q?J=C3=BCrgen?= <jurgen@example.de>", to="Bob Baker <bob@example.com>",
               subject="=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_M=C3=BCnchen?=", body="Servus.\n",
               date="Tue, 12 Dec 2023 10:00:00 +0000", keywords=[], boxes=["archive"]),
}
NAMES = list(MESSAGES)
ALL = set(NAMES)


def received(name):
    return f"2024-01-0{NAMES.index(name) + 1}T10:00:00Z"


def build(name, spec):
    lines = [f"From: {spec['frm']}", f"To: {spec['to']}"]
    if spec.get("cc"):
        lines.append(f"Cc: {spec['cc']}")
    if spec.get("bcc"):
        lines.append(f"Bcc: {spec['bcc']}")
    lines += [f"Subject: {spec['subject']}", f"Date: {spec['date']}",
              f"Message-ID: <{name}@q.example>"]
    parent = spec.get("reply_to")
    if parent:
        chain = [parent]
        while MESSAGES[chain[0]].get("reply_to"):
            chain.insert(0, MESSAGES[chain[0]]["reply_to"])
        lines.append(f"In-Reply-To: <{parent}@q.example>")
        lines.append("References: " + " ".join(f"<{c}@q.example>" for c in chain))
    lines += [f"{k}: {v}" for k, v in spec.get("headers", [])]
    lines.append("MIME-Version: 1.0")
    if spec.get("attachment"):
        lines += ['Content-Type: multipart/mixed; boundary="qq"', "", "--qq",
                  "Content-Type: text/plain; charset=utf-8", "", spec["body"].rstrip("\n"),
                  "--qq", "Content-Type: image/jpeg",
                  'Content-Disposition: attachment; filename="photo.jpg"',
                  "Content-Transfer-Encoding: base64", "",
                  base64.encodebytes(JPEG).decode().rstrip("\n"), "--qq--", ""]
    elif spec.get("html"):
        lines += ["Content-Type: text/html; charset=utf-8", "", spec["html"], ""]
    else:
        lines += ["Content-Type: text/plain; charset=utf-8", "", spec["body"]]
    return crlf("\n".join(lines))


class Corpus:
    def __init__(self, acct):
        self.acct = acct
        self.boxes = mailboxes(acct)
        self.ids, self.sizes, self.threads = {}, {}, {}
        for name, spec in MESSAGES.items():
            made = import_raw(acct, build(name, spec),
                              mailbox_ids={self.boxes[b]: True for b in spec["boxes"]},
                              keywords={k: True for k in spec["keywords"]},
                              received_at=received(name))
            self.ids[name] = made["id"]
            self.sizes[name] = made["size"]
            self.threads[name] = made["threadId"]
        self.names = {v: k for k, v in self.ids.items()}

    def query(self, **args):
        out = self.acct.ok("Email/query", args)
        return [self.names[i] for i in out["ids"]]

    def matching(self, flt):
        return set(self.query(filter=flt))

    def ordered(self, sort, **args):
        return self.query(sort=sort, **args)


@pytest.fixture(scope="module")
def corpus(server):
    return Corpus(account_with(server))


def test_threads_of_the_corpus(corpus):
    t = corpus.threads
    assert t["m1"] == t["m2"] == t["m8"]
    assert t["m3"] == t["m5"] != t["m1"]
    assert len({t[n] for n in ("m1", "m3", "m4", "m6", "m7", "m9")}) == 6


# ---------------------------------------------------------------- filters

FILTERS = [
    ({}, ALL),
    ({"inMailbox": "inbox"}, {"m1", "m2", "m3", "m5", "m7", "m8"}),
    ({"inMailbox": "archive"}, {"m4", "m7", "m9"}),
    ({"inMailboxOtherThan": ["trash"]}, ALL - {"m6"}),
    ({"inMailboxOtherThan": ["inbox"]}, {"m4", "m6", "m7", "m9"}),
    ({"inMailboxOtherThan": ["inbox", "archive"]}, {"m6"}),
    ({"before": "2024-01-04T00:00:00Z"}, {"m1", "m2", "m3"}),
    ({"before": "2024-01-03T10:00:00Z"}, {"m1", "m2"}),
    ({"after": "2024-01-07T10:00:00Z"}, {"m7", "m8", "m9"}),
    ({"after": "2024-01-03T00:00:00Z", "before": "2024-01-05T00:00:00Z"}, {"m3", "m4"}),
    ({"hasKeyword": "$flagged"}, {"m2", "m7"}),
    ({"hasKeyword": "$FLAGGED"}, {"m2", "m7"}),
    ({"notKeyword": "$seen"}, {"m3", "m4", "m7", "m8", "m9"}),
    ({"allInThreadHaveKeyword": "$seen"}, {"m6"}),
    ({"someInThreadHaveKeyword": "$flagged"}, {"m1", "m2", "m7", "m8"}),
    ({"noneInThreadHaveKeyword": "$seen"}, {"m4", "m7", "m9"}),
    ({"hasAttachment": True}, {"m3"}),
    ({"hasAttachment": False}, ALL - {"m3"}),
    ({"text": "pelican"}, {"m4", "m5"}),
    ({"text": "PELICAN"}, {"m4", "m5"}),
    ({"text": "alice"}, {"m1", "m2", "m4", "m8"}),
    ({"text": "zebra budget"}, {"m1"}),
    ({"text": '"pelican cafe"'}, {"m4"}),
    ({"text": '"cafe pelican"'}, set()),
    ({"text": "nosuchwordanywhere"}, set()),
    ({"from": "alice"}, {"m1", "m8"}),
    ({"from": "Archer"}, {"m1", "m8"}),
    ({"from": "jürgen"}, {"m9"}),
    ({"to": "alice"}, {"m2", "m4"}),
    ({"cc": "carol"}, {"m2"}),
    ({"bcc": "erin"}, {"m3"}),
    ({"subject": "budget"}, {"m1", "m2", "m8"}),
    ({"subject": "pelican"}, set()),
    ({"subject": "münchen"}, {"m9"}),
    ({"body": "giraffe"}, {"m2"}),
    ({"body": "budget"}, {"m1"}),
    ({"body": "lunch"}, {"m4"}),
    ({"body": "secretclassname"}, set()),
    ({"header": ["X-Priority"]}, {"m1"}),
    ({"header": ["x-priority", "1"]}, {"m1"}),
    ({"header": ["X-Priority", "5"]}, set()),
    ({"header": ["In-Reply-To"]}, {"m2", "m5", "m8"}),
    ({"inMailbox": "inbox", "hasKeyword": "$seen"}, {"m1", "m2", "m5"}),
    ({"operator": "OR", "conditions": [{"from": "alice"}, {"from": "frank"}]}, {"m1", "m7", "m8"}),
    ({"operator": "NOT", "conditions": [{"hasKeyword": "$seen"}]}, {"m3", "m4", "m7", "m8", "m9"}),
    ({"operator": "AND", "conditions": [
        {"inMailbox": "inbox"},
        {"operator": "NOT", "conditions": [{"from": "alice"}, {"hasAttachment": True}]}]},
     {"m2", "m5", "m7"}),
]


def _resolve(corpus, flt):
    """Mailbox roles in a filter -> mailbox ids."""
    if "conditions" in flt:
        return dict(flt, conditions=[_resolve(corpus, c) for c in flt["conditions"]])
    out = dict(flt)
    if "inMailbox" in out:
        out["inMailbox"] = corpus.boxes[out["inMailbox"]]
    if "inMailboxOtherThan" in out:
        out["inMailboxOtherThan"] = [corpus.boxes[b] for b in out["inMailboxOtherThan"]]
    return out


@pytest.mark.parametrize("flt, want", FILTERS, ids=[str(f) for f, _ in FILTERS])
def test_filter(corpus, flt, want):
    assert corpus.matching(_resolve(corpus, flt)) == want


def test_size_filters(corpus):
    big = corpus.sizes["m6"]
    assert max(corpus.sizes.values()) == big
    assert corpus.matching({"minSize": big}) == {"m6"}
    assert corpus.matching({"minSize": big + 1}) == set()
    assert corpus.matching({"maxSize": big}) == ALL - {"m6"}
    smallest = min(corpus.sizes, key=corpus.sizes.get)
    assert corpus.matching({"maxSize": corpus.sizes[smallest]}) == {
        n for n, s in corpus.sizes.items() if s < corpus.sizes[smallest]}
    assert corpus.matching({"minSize": 0}) == ALL


def test_null_filter_matches_everything(corpus):
    assert set(corpus.query(filter=None)) == ALL
    assert set(corpus.query()) == ALL


def test_unknown_filter_property_is_unsupported_filter(corpus):
    assert corpus.acct.error("Email/query", {"filter": {"noSuchCondition": "x"}}) \
        == "unsupportedFilter"


@pytest.mark.parametrize("flt", [
    {"before": "yesterday"}, {"minSize": -1}, {"hasAttachment": "yes"}, {"header": []},
    {"header": ["a", "b", "c"]}, {"inMailboxOtherThan": "notalist"}, {"text": 5},
    {"operator": "XOR", "conditions": [{"from": "a"}]},
])
def test_invalid_filter_arguments(corpus, flt):
    assert corpus.acct.error("Email/query", {"filter": flt}) in ("invalidArguments",
                                                                 "unsupportedFilter")


# ---------------------------------------------------------------- sorts

RECEIVED = [{"property": "receivedAt"}]
SORTS = [
    ([{"property": "receivedAt"}], NAMES),
    ([{"property": "receivedAt", "isAscending": False}], NAMES[::-1]),
    ([{"property": "sentAt"}], NAMES[::-1]),
    ([{"property": "sentAt", "isAscending": False}], NAMES),
    ([{"property": "from"}] + RECEIVED, ["m1", "m8", "m2", "m3", "m4", "m5", "m6", "m7", "m9"]),
    ([{"property": "from", "isAscending": False}] + RECEIVED,
     ["m9", "m7", "m6", "m4", "m5", "m3", "m2", "m1", "m8"]),
    ([{"property": "to"}] + RECEIVED, ["m2", "m4", "m1", "m6", "m7", "m8", "m9", "m5", "m3"]),
    ([{"property": "subject"}] + RECEIVED, ["m9", "m3", "m5", "m7", "m4", "m1", "m2", "m8", "m6"]),
    ([{"property": "hasKeyword", "keyword": "$flagged", "isAscending": False}] + RECEIVED,
     ["m2", "m7", "m1", "m3", "m4", "m5", "m6", "m8", "m9"]),
    ([{"property": "hasKeyword", "keyword": "$flagged"}] + RECEIVED,
     ["m1", "m3", "m4", "m5", "m6", "m8", "m9", "m2", "m7"]),
    ([{"property": "someInThreadHaveKeyword", "keyword": "$flagged", "isAscending": False}]
     + RECEIVED, ["m1", "m2", "m7", "m8", "m3", "m4", "m5", "m6", "m9"]),
    ([{"property": "allInThreadHaveKeyword", "keyword": "$seen", "isAscending": False}]
     + RECEIVED, ["m6", "m1", "m2", "m3", "m4", "m5", "m7", "m8", "m9"]),
    # RFC 8621 §4.4.2's example sort.
    ([{"property": "someInThreadHaveKeyword", "keyword": "$flagged", "isAscending": False},
      {"property": "subject", "collation": "i;ascii-casemap"},
      {"property": "receivedAt", "isAscending": False}],
     ["m7", "m8", "m2", "m1", "m9", "m5", "m3", "m4", "m6"]),
]


@pytest.mark.parametrize("sort, want", SORTS, ids=[str(s) for s, _ in SORTS])
def test_sort(corpus, sort, want):
    assert corpus.ordered(sort) == want


def test_sort_by_size(corpus):
    want = sorted(NAMES, key=lambda n: (corpus.sizes[n], NAMES.index(n)))
    assert corpus.ordered([{"property": "size"}] + RECEIVED) == want
    want = sorted(NAMES, key=lambda n: (-corpus.sizes[n], NAMES.index(n)))
    assert corpus.ordered([{"property": "size", "isAscending": False}] + RECEIVED) == want


def test_sort_is_stable_without_comparators(corpus):
    first = corpus.query()
    assert corpus.query() == first and corpus.query(sort=[]) == corpus.query(sort=[])


@pytest.mark.parametrize("sort, error", [
    ([{"property": "noSuchProperty"}], "unsupportedSort"),
    ([{"property": "subject", "collation": "i;no-such-collation"}], "unsupportedSort"),
    ([{"property": "hasKeyword"}], "invalidArguments"),
    ([{"property": "someInThreadHaveKeyword"}], "invalidArguments"),
    ([{"isAscending": True}], "invalidArguments"),
])
def test_sort_errors(corpus, sort, error):
    assert corpus.acct.error("Email/query", {"sort": sort}) == error


# ---------------------------------------------------------------- collapseThreads

def test_collapse_threads(corpus):
    desc = [{"property": "receivedAt", "isAscending": False}]
    out = corpus.acct.ok("Email/query", {"sort": desc, "collapseThreads": True,
                                         "calculateTotal": True})
    assert [corpus.names[i] for i in out["ids"]] == ["m9", "m8", "m7", "m6", "m5", "m4"]
    assert out["total"] == 6
    inbox = corpus.boxes["inbox"]
    assert corpus.query(filter={"inMailbox": inbox}, sort=RECEIVED, collapseThreads=True) == \
        ["m1", "m3", "m7"]
    assert corpus.query(filter={"hasKeyword": "$seen"}, sort=RECEIVED, collapseThreads=True) == \
        ["m1", "m5", "m6"]
    assert corpus.query(sort=RECEIVED, collapseThreads=False) == NAMES
    page = corpus.query(sort=desc, collapseThreads=True, position=1, limit=2)
    assert page == ["m8", "m7"]


# ---------------------------------------------------------------- windows and anchors

def _window(corpus, **args):
    out = corpus.acct.ok("Email/query", dict(args, sort=RECEIVED))
    return [corpus.names[i] for i in out["ids"]], out


def test_position_and_limit(corpus):
    ids, out = _window(corpus, position=2, limit=3)
    assert ids == ["m3", "m4", "m5"] and out["position"] == 2
    assert "total" not in out
    ids, out = _window(corpus, position=-2)
    assert ids == ["m8", "m9"] and out["position"] == 7
    ids, out = _window(corpus, position=-100, limit=1)
    assert ids == ["m1"] and out["position"] == 0
    ids, out = _window(corpus, position=100, calculateTotal=True)
    assert ids == [] and out["total"] == 9
    ids, out = _window(corpus, limit=0)
    assert ids == []
    assert corpus.acct.error("Email/query", {"limit": -1}) == "invalidArguments"
    assert isinstance(out["canCalculateChanges"], bool)
    assert isinstance(out["queryState"], str) and out["queryState"]


def test_anchors(corpus):
    m = corpus.ids
    ids, out = _window(corpus, anchor=m["m5"])
    assert ids == ["m5", "m6", "m7", "m8", "m9"] and out["position"] == 4
    ids, out = _window(corpus, anchor=m["m5"], anchorOffset=-2, limit=2)
    assert ids == ["m3", "m4"] and out["position"] == 2
    ids, out = _window(corpus, anchor=m["m2"], anchorOffset=-5, limit=1)
    assert ids == ["m1"] and out["position"] == 0
    ids, out = _window(corpus, anchor=m["m8"], anchorOffset=1)
    assert ids == ["m9"] and out["position"] == 8
    ids, out = _window(corpus, anchor=m["m5"], position=7, limit=1)
    assert ids == ["m5"] and out["position"] == 4, "position is ignored with an anchor"
    ids, out = _window(corpus, anchorOffset=3, limit=1)
    assert ids == ["m1"] and out["position"] == 0, "anchorOffset is ignored without an anchor"
    assert corpus.acct.error("Email/query", {
        "filter": {"inMailbox": corpus.boxes["inbox"]}, "anchor": m["m6"]}) == "anchorNotFound"
    assert corpus.acct.error("Email/query", {"anchor": "e999999999"}) == "anchorNotFound"


def test_query_state_is_stable(corpus):
    a = corpus.acct.ok("Email/query", {"sort": RECEIVED})
    b = corpus.acct.ok("Email/query", {"sort": RECEIVED})
    assert a["queryState"] == b["queryState"] and a["ids"] == b["ids"]


def test_query_chained_to_get(corpus):
    """The inbox list a client shows: query a page, get its properties by
    a result reference."""
    acct = corpus.acct
    out = acct.jmap.request([
        ["Email/query", {"accountId": acct.id, "filter": {"inMailbox": corpus.boxes["inbox"]},
                         "sort": [{"property": "receivedAt", "isAscending": False}],
                         "collapseThreads": True, "limit": 50}, "q"],
        ["Email/get", {"accountId": acct.id,
                       "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"},
                       "properties": ["threadId", "subject", "from", "receivedAt", "keywords",
                                      "preview", "hasAttachment", "size"]}, "g"],
    ])["methodResponses"]
    assert [r[0] for r in out] == ["Email/query", "Email/get"], out
    got = out[1][1]["list"]
    assert [e["id"] for e in got] == out[0][1]["ids"]
    assert [corpus.names[e["id"]] for e in got] == ["m8", "m7", "m5"]
    assert got[0]["subject"] == "Re: Re: Quarterly budget review"
    assert got[0]["from"] == [{"name": "Alice Archer", "email": "alice@example.com"}]


# ---------------------------------------------------------------- queryChanges

def _apply(old, changes):
    ids = [i for i in old if i not in set(changes["removed"])]
    for item in changes["added"]:
        ids.insert(item["index"], item["id"])
    return ids


def test_query_changes(server):
    acct = account_with(server)
    boxes = mailboxes(acct)
    inbox = boxes["inbox"]
    made = {n: import_raw(acct, message(subject=n), received_at=f"2024-02-0{i + 1}T00:00:00Z")["id"]
            for i, n in enumerate("abc")}
    args = {"filter": {"inMailbox": inbox}, "sort": [{"property": "receivedAt",
                                                      "isAscending": False}]}
    first = acct.ok("Email/query", args)
    assert first["ids"] == [made["c"], made["b"], made["a"]]
    assert first["canCalculateChanges"] is True

    d = import_raw(acct, message(subject="d"), received_at="2024-02-09T00:00:00Z")["id"]
    email_set(acct, destroy=[made["b"]])
    update_email(acct, made["a"], {"mailboxIds": {boxes["archive"]: True}})
    update_email(acct, made["c"], {"keywords/$seen": True})
    now = acct.ok("Email/query", args)
    assert now["ids"] == [d, made["c"]]
    assert now["queryState"] != first["queryState"]

    ch = acct.ok("Email/queryChanges", dict(args, sinceQueryState=first["queryState"],
                                            calculateTotal=True))
    assert ch["oldQueryState"] == first["queryState"]
    assert ch["newQueryState"] == now["queryState"]
    assert ch["total"] == 2
    assert {made["a"], made["b"]} <= set(ch["removed"])
    assert {"id": d, "index": 0} in ch["added"]
    assert [a["index"] for a in ch["added"]] == sorted(a["index"] for a in ch["added"])
    assert _apply(first["ids"], ch) == now["ids"]

    same = acct.ok("Email/queryChanges", dict(args, sinceQueryState=now["queryState"]))
    assert same["removed"] == [] and same["added"] == []
    assert acct.error("Email/queryChanges", dict(args, sinceQueryState=first["queryState"],
                                                 maxChanges=1)) == "tooManyChanges"
    assert acct.error("Email/queryChanges", dict(args, sinceQueryState="nosuchstate")) \
        == "cannotCalculateChanges"


def test_query_changes_with_collapsed_threads(server):
    acct = account_with(server)
    root = import_raw(acct, message(subject="Topic", message_id="<topic@x>"),
                      received_at="2024-03-01T00:00:00Z")["id"]
    other = import_raw(acct, message(subject="Other"), received_at="2024-03-02T00:00:00Z")["id"]
    args = {"sort": [{"property": "receivedAt", "isAscending": False}], "collapseThreads": True}
    first = acct.ok("Email/query", args)
    assert first["ids"] == [other, root]
    assert first["canCalculateChanges"] is True
    reply = import_raw(acct, message(subject="Re: Topic", message_id="<reply@x>",
                                     headers=[("In-Reply-To", "<topic@x>"),
                                              ("References", "<topic@x>")]),
                       received_at="2024-03-03T00:00:00Z")["id"]
    now = acct.ok("Email/query", args)
    assert now["ids"] == [reply, other]
    ch = acct.ok("Email/queryChanges", dict(args, sinceQueryState=first["queryState"]))
    assert root in ch["removed"]
    assert _apply(first["ids"], ch) == now["ids"]


# ---------------------------------------------------------------- SearchSnippet/get

@pytest.fixture(scope="module")
def snippets(server):
    acct = account_with(server)
    ids = {
        "s1": import_raw(acct, message(
            subject="Tom & Jerry <fun> pelican show",
            body="The pelican flew over the harbour while Tom & Jerry watched.\n"))["id"],
        "s2": import_raw(acct, message(subject="Nothing relevant",
                                       body="Just some text about a Pelican.\n"))["id"],
        "s3": import_raw(acct, message(subject="Other", body="No match here.\n"))["id"],
        "s4": import_raw(acct, message(subject="Long", body=("ü" * 1000) + " pelican "
                                       + ("ü" * 1000) + "\n"))["id"],
        "s5": import_raw(acct, message(
            subject="HTML", content_type="text/html; charset=utf-8",
            body="<html><body><p>A <i>pelican</i> in <b>HTML</b></p></body></html>\n"))["id"],
    }
    return acct, ids


def _snippets(acct, flt, ids):
    out = acct.ok("SearchSnippet/get", {"filter": flt, "emailIds": ids})
    assert out["accountId"] == acct.id
    for s in out["list"]:
        assert set(s) == {"emailId", "subject", "preview"}, s
        if s["preview"] is not None:
            assert len(s["preview"].encode()) <= 255, s
    return {s["emailId"]: s for s in out["list"]}, out.get("notFound")


def _unmarked(text):
    return text.replace("<mark>", "").replace("</mark>", "")


def test_snippets_mark_matches(snippets):
    acct, m = snippets
    got, not_found = _snippets(acct, {"text": "pelican"},
                               [m["s1"], m["s2"], m["s3"], "e999999999"])
    assert not_found == ["e999999999"]
    assert set(got) == {m["s1"], m["s2"], m["s3"]}
    s1 = got[m["s1"]]
    assert s1["subject"] == "Tom &amp; Jerry &lt;fun&gt; <mark>pelican</mark> show"
    assert "The <mark>pelican</mark> flew over the harbour" in s1["preview"]
    assert "Tom &amp; Jerry" in s1["preview"]
    assert "<" not in _unmarked(s1["preview"]) and ">" not in _unmarked(s1["preview"])
    s2 = got[m["s2"]]
    assert s2["subject"] is None
    assert "<mark>Pelican</mark>" in s2["preview"]
    assert got[m["s3"]] == {"emailId": m["s3"], "subject": None, "preview": None}


def test_snippet_fields_follow_the_filter(snippets):
    acct, m = snippets
    got, _ = _snippets(acct, {"subject": "pelican"}, [m["s1"]])
    assert got[m["s1"]]["subject"] == "Tom &amp; Jerry &lt;fun&gt; <mark>pelican</mark> show"
    got, _ = _snippets(acct, {"body": "harbour"}, [m["s1"]])
    assert got[m["s1"]]["subject"] is None
    assert "<mark>harbour</mark>" in got[m["s1"]]["preview"]
    got, _ = _snippets(acct, {"operator": "AND", "conditions": [{"text": "pelican"},
                                                                 {"body": "harbour"}]}, [m["s1"]])
    assert "<mark>pelican</mark>" in got[m["s1"]]["preview"]
    assert "<mark>harbour</mark>" in got[m["s1"]]["preview"]
    got, _ = _snippets(acct, None, [m["s1"]])
    assert got[m["s1"]]["subject"] is None and got[m["s1"]]["preview"] is None


def test_snippet_of_long_and_html_bodies(snippets):
    acct, m = snippets
    got, _ = _snippets(acct, {"text": "pelican"}, [m["s4"], m["s5"]])
    assert "<mark>pelican</mark>" in got[m["s4"]]["preview"]
    html = got[m["s5"]]["preview"]
    assert "<mark>pelican</mark>" in html
    assert "<i>" not in html and "<b>" not in html and "HTML" in html


def test_snippet_errors(snippets):
    acct, m = snippets
    assert acct.error("SearchSnippet/get", {"filter": {"noSuchCondition": 1},
                                            "emailIds": [m["s1"]]}) == "unsupportedFilter"
    assert acct.error("SearchSnippet/get", {"filter": {"text": "x"}}) == "invalidArguments"
