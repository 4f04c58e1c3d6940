"""MIME robustness (issue 3, items 8 and 9): every message of the
project's corpus (tests/corpus/*.eml) imports and reads back sensibly;
malformed and hostile messages made here import without error and with
bounded structure; messages composed with Email/set survive download and
re-import unchanged, in their JMAP form."""
import json
import re
from pathlib import Path

import pytest

from tern_mail import (account_with, create_email, crlf, download, get_email, import_raw, leaves,
                       mailbox, parse_date, upload)

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CORPUS_FILES = sorted(CORPUS.glob("*.eml")) if CORPUS.is_dir() else []

READ_PROPS = ["subject", "from", "to", "cc", "sender", "replyTo", "sentAt", "messageId",
              "inReplyTo", "references", "size", "blobId", "preview", "hasAttachment", "headers",
              "bodyStructure", "textBody", "htmlBody", "attachments", "bodyValues"]
BODY_PROPS = ["partId", "blobId", "size", "name", "type", "charset", "disposition", "cid",
              "language", "location", "subParts", "headers"]


@pytest.fixture(scope="module")
def acct(server):
    return account_with(server)


@pytest.fixture(scope="module")
def other(server):
    return account_with(server)


def read_back(acct, email_id, props=READ_PROPS):
    return get_email(acct, email_id, props, fetchAllBodyValues=True, bodyProperties=BODY_PROPS)


def no_nul(value, path="email"):
    """No string anywhere in a JSON value holds U+0000."""
    if isinstance(value, str):
        assert "\x00" not in value, path
    elif isinstance(value, list):
        for i, v in enumerate(value):
            no_nul(v, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, v in value.items():
            no_nul(v, f"{path}.{k}")


def all_parts(part):
    out = [part]
    for sub in part.get("subParts") or []:
        out += all_parts(sub)
    return out


def depth(part):
    return 1 + max((depth(s) for s in part.get("subParts") or []), default=0)


def check_sane(acct, e, raw):
    """What every imported message must look like, however broken."""
    no_nul({k: v for k, v in e.items() if k != "bodyValues"})
    assert e["subject"] is None or isinstance(e["subject"], str)
    for key in ("from", "to", "cc", "sender", "replyTo"):
        assert e[key] is None or all(isinstance(a["email"], str) and
                                     (a["name"] is None or isinstance(a["name"], str))
                                     for a in e[key]), (key, e[key])
    assert isinstance(e["preview"], str) and len(e["preview"]) <= 256
    assert isinstance(e["hasAttachment"], bool)
    stored = download(acct, e["blobId"], "message/rfc822")
    assert e["size"] == len(stored)
    if stored != raw:
        assert e["blobId"] != upload(acct, raw), "a modified message needs a new blobId"
    structure = e["bodyStructure"]
    parts = [p for p in all_parts(structure) if not p["type"].lower().startswith("multipart/")]
    ids = {p["partId"] for p in parts}
    assert None not in ids and len(ids) == len(parts), "leaf partIds unique and set"
    for p in all_parts(structure):
        assert isinstance(p["type"], str) and p["type"], p
        assert (p["partId"] is None) == p["type"].lower().startswith("multipart/"), p
    for lst in ("textBody", "htmlBody", "attachments"):
        for p in e[lst]:
            assert p["partId"] in ids, (lst, p)
    text_leaves = {p["partId"] for p in parts if p["type"].lower().startswith("text/")}
    assert set(e["bodyValues"]) == text_leaves
    for v in e["bodyValues"].values():
        assert isinstance(v["value"], str)
    for p in parts[:30]:
        assert len(download(acct, p["blobId"])) == p["size"], p


# ---------------------------------------------------------------- what each corpus file shows

def _values(e, key):
    """The body values of the text parts in e[key]."""
    return [e["bodyValues"][p["partId"]]["value"] for p in e[key]
            if p["type"].startswith("text/")]


def _atts(e):
    return [(p["type"], p["name"]) for p in e["attachments"]]


def _instant(value, want):
    got = parse_date(value)
    assert got == parse_date(want) and got.utcoffset() == parse_date(want).utcoffset(), value


def _alternative(acct, e):
    assert e["subject"] == "Quartalszahlen für Q3"
    assert e["from"] == [{"name": "Jörg Müller", "email": "joerg@example.com"}]
    assert e["cc"] == [{"name": "Team, Sales", "email": "sales@example.com"}]
    assert _values(e, "textBody") == ["Hello Bob,\n\nthe quarterly figures are attached below. "
                                      "Revenue grew by 12 % and costs stayed flat.\n\nGrüße,\n"
                                      "Jörg\n"]
    assert [p["type"] for p in e["htmlBody"]] == ["text/html"]
    assert e["attachments"] == [] and e["hasAttachment"] is False
    assert e["preview"].startswith("Hello Bob,")


def _attachment_only(acct, e):
    assert e["subject"] == "Scan"
    assert _atts(e) == [("application/pdf", "scan.pdf")] and e["hasAttachment"] is True
    assert e["textBody"] == [] and e["htmlBody"] == []


def _iso_2022_jp(acct, e):
    assert e["subject"] == "日本語の件名"
    assert _values(e, "textBody") == ["こんにちは、世界。\n日本語のテストです。\n"]


def _iso_8859_1(acct, e):
    assert e["subject"] == "Grüße"
    assert e["from"] == [{"name": "Jürgen", "email": "juergen@example.de"}]
    text = "Grüße aus Köln, à bientôt. Prix: 10 £."
    assert _values(e, "textBody") == [text]
    assert _atts(e) == [("text/plain", "raw8bit.txt")]
    assert _values(e, "attachments") == [text]
    assert e["attachments"][0]["charset"].lower() == "latin1"


def _koi8_r(acct, e):
    assert e["subject"] == "Привет"
    assert _values(e, "textBody") == ["Привет, мир! Это тест.\n"]


def _windows_1252(acct, e):
    assert _values(e, "textBody") == ["\u201cSmart quotes\u201d \u2013 and the \u20ac sign "
                                      "\u2026 \u2122\n"]
    assert e["bodyValues"][e["textBody"][0]["partId"]].get("isEncodingProblem", False) is False


def _digest(acct, e):
    assert e["subject"] == "Weekly digest"
    kids = e["bodyStructure"]["subParts"]
    # RFC 2046 §5.1.5: parts of a digest default to message/rfc822.
    assert [k["type"] for k in kids] == ["message/rfc822"] * 3 + ["text/plain"]
    assert [p["type"] for p in e["attachments"]][:3] == ["message/rfc822"] * 3
    first = kids[0]["blobId"]
    parsed = acct.ok("Email/parse", {"blobIds": [first], "properties": ["subject"]})
    assert parsed["parsed"][first]["subject"] == "Digest item 0"


def _empty(acct, e):
    assert e["size"] == 0 and e["subject"] is None and e["from"] is None


def _headers_only(acct, e):
    assert e["subject"] == "Only headers, no blank line"
    assert e["messageId"] == ["onlyheaders@example.com"]


def _html_only(acct, e):
    assert e["subject"] == "Your order"
    assert [p["type"] for p in e["htmlBody"]] == ["text/html"]
    assert [p["type"] for p in e["textBody"]] == ["text/html"]
    preview = " ".join(e["preview"].split())
    assert "Thanks for your order & welcome!" in preview, preview
    for noise in ("font-family", "not text", "a comment", "<", "&amp;"):
        assert noise not in preview, (noise, preview)


def _list_headers(acct, e):
    assert e["from"] == [{"name": "Dev List", "email": "dev@lists.example.org"}]
    assert e["sender"] == [{"name": None, "email": "dev-bounces@lists.example.org"}]
    assert e["replyTo"] == [{"name": None, "email": "dev@lists.example.org"}]
    assert e["to"] == [{"name": None, "email": "jane@example.com"},
                       {"name": "John Smîth", "email": "john@example.com"},
                       {"name": "James Smythe", "email": "james@example.com"}]
    assert e["cc"] == []
    assert e["subject"] == "Re: [dev] Fwd: Re: Release plan (fwd)"
    _instant(e["sentAt"], "2026-12-09T23:59:59-03:30")
    assert e["messageId"] == ["reply.3@example.com"]
    assert e["inReplyTo"] == ["reply.2@example.com"]
    assert e["references"] == ["root@example.com", "reply.1@example.com", "reply.2@example.com"]
    got = get_email(acct, e["id"], [
        "header:To:asGroupedAddresses", "header:Cc:asGroupedAddresses",
        "header:List-Unsubscribe:asURLs", "header:List-Id:asText", "header:Comments:asText",
        "header:Keywords:asText", "header:Resent-From:asAddresses", "header:Resent-Date:asDate"])
    assert got["header:To:asGroupedAddresses"] == [
        {"name": "Friends", "addresses": [{"name": None, "email": "jane@example.com"},
                                          {"name": "John Smîth", "email": "john@example.com"}]},
        {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]}]
    assert got["header:Cc:asGroupedAddresses"] == [{"name": "undisclosed-recipients",
                                                    "addresses": []}]
    assert got["header:List-Unsubscribe:asURLs"] == [
        "mailto:dev-leave@lists.example.org?subject=unsubscribe",
        "https://lists.example.org/dev/leave"]
    assert got["header:List-Id:asText"] == "Developers <dev.lists.example.org>"
    assert got["header:Comments:asText"] == "Kommentar ü"
    assert got["header:Keywords:asText"] == "release, plan"
    assert got["header:Resent-From:asAddresses"] == [{"name": None,
                                                     "email": "resender@example.com"}]
    _instant(got["header:Resent-Date:asDate"], "2026-12-10T00:10:00+00:00")


def _long_lines(acct, e):
    assert e["subject"].startswith("very long subject very long subject")
    (text,) = _values(e, "textBody")
    assert text.endswith("A short line after a 256 KiB line.\n")
    assert max(len(line) for line in text.split("\n")) >= 262144


def _8bit_headers(acct, e):
    assert e["from"][0]["email"] == "juergen@example.de"
    subject = e["subject"]
    assert subject.startswith("Gr") and subject.endswith("e in raw Latin-1"), subject
    assert "\ufffd" in subject or subject == "Grüße in raw Latin-1", subject
    got = get_email(acct, e["id"], ["header:X-Utf8-Subject:asText"])
    assert got["header:X-Utf8-Subject:asText"] == "Grüße in raw UTF-8"
    assert _values(e, "textBody") == ["Schöne Grüße.\n"]


def _bad_charset(acct, e):
    parts = e["textBody"]
    assert len(parts) == 3, parts
    unknown, invalid, control = (e["bodyValues"][p["partId"]] for p in parts)
    assert "Plain ASCII text under a charset nobody knows." in unknown["value"]
    assert unknown["isEncodingProblem"] is True
    assert invalid["value"].startswith("Invalid UTF-8: ") and "\ufffd" in invalid["value"]
    assert invalid["isEncodingProblem"] is True
    assert "Control characters in the charset name." in control["value"]


def _broken_headers(acct, e):
    assert e["from"] and "a@example.com" in json.dumps(e["from"]), e["from"]
    assert e["to"] == [{"name": None, "email": "b@example.com"}]
    assert e["sentAt"] is None
    assert any("Body after broken headers." in v["value"] for v in e["bodyValues"].values())


def _no_boundary(acct, e):
    assert e["subject"] == "Multipart without a boundary"
    values = " ".join(v["value"] for v in e["bodyValues"].values())
    assert "There is no boundary parameter" in values + e["preview"], e


def _no_close(acct, e):
    assert _values(e, "textBody") == ["First part."]
    assert _atts(e) == [("text/plain", "second.txt")]
    assert _values(e, "attachments")[0].startswith("Second part, and the message ends")


def _mixed(acct, e):
    assert _values(e, "textBody") == ["Please find the contract and my notes attached."]
    assert _atts(e) == [("application/pdf", "contract.pdf"), ("text/plain", "notes.txt"),
                        ("image/png", "photo.png")]
    assert e["attachments"][1]["language"] == ["en", "de"]
    assert e["attachments"][2]["location"] == "http://example.com/photo.png"
    assert e["hasAttachment"] is True


def _nested(acct, e):
    assert _values(e, "textBody") == ["See the forwarded message below."]
    (att,) = e["attachments"]
    assert att["type"] == "message/rfc822" and att["disposition"] == "attachment"
    out = acct.ok("Email/parse", {"blobIds": [att["blobId"]], "fetchTextBodyValues": True,
                                  "properties": ["subject", "from", "sentAt", "textBody",
                                                 "htmlBody", "bodyValues"]})
    inner = out["parsed"][att["blobId"]]
    assert inner["subject"] == "The original question"
    assert inner["from"] == [{"name": "Carol", "email": "carol@example.net"}]
    _instant(inner["sentAt"], "2026-11-19T11:11:11-08:00")
    assert [inner["bodyValues"][p["partId"]]["value"] for p in inner["textBody"]] == \
        ["What time does the meeting start?"]
    assert [p["type"] for p in inner["htmlBody"]] == ["text/html"]


def _nesting_100(acct, e):
    assert e["subject"] == "100 levels of nesting"


def _nesting_rfc822(acct, e):
    assert e["subject"] == "level 0"
    assert [p["type"] for p in e["attachments"]] == ["message/rfc822"]


def _no_body(acct, e):
    assert e["subject"] == "Headers, a blank line, and nothing else"
    assert _values(e, "textBody") == [""]
    assert e["preview"] == ""


def _nul_bytes(acct, e):
    assert e["subject"] == "NULbytes in a header"
    assert _atts(e) == [("application/octet-stream", "zeros.bin")]
    assert e["attachments"][0]["size"] == 11
    assert download(acct, e["attachments"][0]["blobId"]) == b"\0\0\0\0binary\0"


def _parts_3000(acct, e):
    assert e["subject"] == "3000 parts"
    assert len(e["attachments"]) >= 100
    assert e["attachments"][0]["name"] == "part0.txt"


def _plain_lf(acct, e):
    assert e["subject"] == "Line feeds only"
    assert _values(e, "textBody") == ["This message uses bare LF line endings, as some tools "
                                      "write them.\nSecond line.\n"]
    _instant(e["sentAt"], "2026-11-22T09:15:00-05:00")


def _plain_simple(acct, e):
    assert e["subject"] == "Lunch on Friday?"
    assert e["from"] == [{"name": "Alice Example", "email": "alice@example.com"}]
    _instant(e["sentAt"], "2026-11-21T14:00:00+01:00")
    got = get_email(acct, e["id"], ["receivedAt"])
    assert got["receivedAt"] == "2026-11-21T13:00:05Z"
    assert e["preview"].startswith("Hi Bob,")


def _related(acct, e):
    assert _values(e, "textBody") == ["Our new logo is shown in the HTML version of this "
                                      "message."]
    assert [p["type"] for p in e["htmlBody"]] == ["text/html"]
    (img,) = e["attachments"]
    assert (img["type"], img["name"], img["cid"], img["disposition"]) == \
        ("image/png", "logo.png", "logo.png@example.com", "inline")
    # §4.1.4: only attachments without Content-Disposition: inline count.
    assert e["hasAttachment"] is False


def _rfc2047(acct, e):
    assert e["from"] == [{"name": "André Pirard", "email": "pirard@example.be"}]
    assert e["to"][0] == {"name": "Иван Петров", "email": "ivan@example.ru"}
    assert e["to"][1]["email"] == "zoe@example.com"
    # Adjacent encoded words join; one glued to a word is not decoded.
    assert e["subject"] == "café crème and not=?UTF-8?Q?encoded?="
    got = get_email(acct, e["id"], ["header:X-Comment:asText"])
    assert got["header:X-Comment:asText"] == "ab (adjacent words join)"
    assert _atts(e) == [("application/pdf", "Résumé.pdf")]


def _rfc2231(acct, e):
    assert _atts(e) == [("application/octet-stream", "€ rates for München.csv"),
                        ("text/plain", "Grüße.txt"), ("application/octet-stream", "日本語.bin")]
    assert _values(e, "attachments") == ["Hallo"]


def _text_inline(acct, e):
    assert [p["type"] for p in e["textBody"]] == ["text/plain", "image/png", "text/plain"]
    assert e["htmlBody"] == e["textBody"]
    assert _atts(e) == [("text/plain", "log.txt")]
    assert _values(e, "textBody")[0] == "The main text."


EXPECTED = {
    "alternative.eml": _alternative,
    "attachment-only.eml": _attachment_only,
    "charset-iso-2022-jp.eml": _iso_2022_jp,
    "charset-iso-8859-1.eml": _iso_8859_1,
    "charset-koi8-r.eml": _koi8_r,
    "charset-windows-1252.eml": _windows_1252,
    "digest.eml": _digest,
    "empty.eml": _empty,
    "headers-only.eml": _headers_only,
    "html-only.eml": _html_only,
    "list-headers.eml": _list_headers,
    "long-lines.eml": _long_lines,
    "malformed-8bit-headers.eml": _8bit_headers,
    "malformed-bad-charset.eml": _bad_charset,
    "malformed-broken-headers.eml": _broken_headers,
    "malformed-missing-boundary-param.eml": _no_boundary,
    "malformed-missing-close-boundary.eml": _no_close,
    "mixed-attachments.eml": _mixed,
    "nested-rfc822.eml": _nested,
    "nesting-100.eml": _nesting_100,
    "nesting-rfc822-50.eml": _nesting_rfc822,
    "no-body.eml": _no_body,
    "nul-bytes.eml": _nul_bytes,
    "parts-3000.eml": _parts_3000,
    "plain-lf.eml": _plain_lf,
    "plain-simple.eml": _plain_simple,
    "related-inline-image.eml": _related,
    "rfc2047-headers.eml": _rfc2047,
    "rfc2231-names.eml": _rfc2231,
    "text-attachment-inline.eml": _text_inline,
}


# ---------------------------------------------------------------- the corpus

def test_corpus_exists():
    assert len(CORPUS_FILES) >= 10, f"expected the MIME corpus in {CORPUS}"


def test_every_corpus_file_has_expectations():
    """Each file of the corpus is checked for what it was written to show."""
    assert sorted(p.name for p in CORPUS_FILES) == sorted(EXPECTED)


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus_message_imports_and_reads_back(acct, path):
    raw = path.read_bytes()
    made = import_raw(acct, raw)
    e = read_back(acct, made["id"])
    check_sane(acct, e, raw)
    expect = EXPECTED.get(path.name)
    if expect is not None:
        expect(acct, e)
    if re.search(rb"(?mi)^from:", raw):
        assert e["from"], "a From field gives at least one address"
    parsed = acct.ok("Email/parse", {"blobIds": [e["blobId"]],
                                     "properties": ["subject", "from", "textBody"]})
    if e["size"] == 0 and e["blobId"] in (parsed.get("notParsable") or []):
        return
    got = parsed["parsed"][e["blobId"]]
    assert got["subject"] == e["subject"] and got["from"] == e["from"]


@pytest.mark.parametrize("path", CORPUS_FILES, ids=[p.name for p in CORPUS_FILES])
def test_corpus_message_recomposed(acct, other, path):
    """JMAP form of a corpus message -> Email/set -> raw -> re-import
    elsewhere: the same subject, addresses, text and attachments."""
    made = import_raw(acct, path.read_bytes())
    e = read_back(acct, made["id"])
    obj = {"mailboxIds": {mailbox(acct, "drafts"): True}, "bodyValues": {}}
    for key in ("from", "to", "cc", "replyTo", "subject"):
        if e[key]:
            obj[key] = e[key]
    for key, kind in (("textBody", "text/plain"), ("htmlBody", "text/html")):
        parts = [p for p in e[key] if p["type"] == kind]
        if len(parts) == 1 and parts[0]["partId"] in e["bodyValues"]:
            pid = f"{key}-1"
            obj[key] = [{"partId": pid, "type": kind}]
            obj["bodyValues"][pid] = {"value": e["bodyValues"][parts[0]["partId"]]["value"]}
    # Twenty attachments are enough to show they survive; more makes
    # this a test of scale, which it is not.
    kept = e["attachments"][:20]
    obj["attachments"] = [{k: p[k] for k in ("blobId", "type", "name", "disposition", "cid")
                           if p.get(k) is not None} for p in kept]
    for a in obj["attachments"]:
        a["disposition"] = "attachment"
    composed = create_email(acct, obj)
    again = import_raw(other, download(acct, composed["blobId"]))
    first, second = read_back(acct, composed["id"]), read_back(other, again["id"])
    for key in ("subject", "from", "to", "cc", "replyTo", "sentAt", "messageId"):
        assert first[key] == second[key], key
    assert first["subject"] == e["subject"]
    assert [a["email"] for a in first["from"] or []] == [a["email"] for a in e["from"] or []]

    def texts(x):
        return [x["bodyValues"][p["partId"]]["value"] for p in x["textBody"] + x["htmlBody"]
                if p["partId"] in x["bodyValues"]]

    assert texts(first) == texts(second)
    for key, _ in (("textBody", 0), ("htmlBody", 0)):
        if key in obj:
            pid = obj[key][0]["partId"]
            want = obj["bodyValues"][pid]["value"].replace("\r\n", "\n")
            assert want.rstrip("\n") in [t.rstrip("\n") for t in texts(first)], key

    def atts(x):
        # text/* may come back with canonical CRLF line ends (RFC 2046
        # §4.1.1); anything else must keep its size.
        return [(p["type"], p["name"], None if p["type"].startswith("text/") else p["size"])
                for p in x["attachments"]]

    assert atts(first) == atts(second)
    assert sorted(atts(first)) == sorted(atts({"attachments": kept}))


# ---------------------------------------------------------------- made here

def nested(levels):
    head = "From: a@example.com\nSubject: deep\nMIME-Version: 1.0\n"
    body = ""
    for i in range(levels):
        body += f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n'
    body += "Content-Type: text/plain\n\ninnermost\n"
    for i in reversed(range(levels)):
        body += f"--b{i}--\n"
    return crlf(head + body)


def nested_messages(levels):
    raw = "From: a@example.com\nSubject: level 0\n\nbottom\n"
    for i in range(1, levels):
        raw = (f"From: a@example.com\nSubject: level {i}\nMIME-Version: 1.0\n"
               f"Content-Type: message/rfc822\n\n{raw}")
    return crlf(raw)


def many_parts(n):
    out = 'From: a@example.com\nSubject: many\nMIME-Version: 1.0\n' \
          'Content-Type: multipart/mixed; boundary="z"\n\n'
    for i in range(n):
        out += f"--z\nContent-Type: text/plain\n\npart {i}\n"
    return crlf(out + "--z--\n")


HOSTILE = {
    "no-closing-boundary": crlf('From: a@example.com\nSubject: open\nMIME-Version: 1.0\n'
                               'Content-Type: multipart/mixed; boundary="x"\n\n--x\n'
                               'Content-Type: text/plain\n\nnever closed\n'),
    "no-boundary-parameter": crlf('From: a@example.com\nSubject: nobound\nMIME-Version: 1.0\n'
                                  'Content-Type: multipart/alternative\n\n--x\n'
                                  'Content-Type: text/plain\n\ntext\n--x--\n'),
    "wrong-boundary": crlf('From: a@example.com\nSubject: wrong\nMIME-Version: 1.0\n'
                           'Content-Type: multipart/mixed; boundary="right"\n\n--wrong\n'
                           'Content-Type: text/plain\n\ntext\n--wrong--\n'),
    "empty-multipart": crlf('From: a@example.com\nSubject: empty\nMIME-Version: 1.0\n'
                            'Content-Type: multipart/mixed; boundary="e"\n\n--e--\n'),
    "header-without-colon": crlf("From: a@example.com\nThis line has no colon\n"
                                 "Subject: after junk\n\nbody\n"),
    "eight-bit-latin1-headers": b"From: J\xf6rg <joerg@example.com>\r\nSubject: Gr\xfc\xdfe "
                                b"aus K\xf6ln\r\n\r\nK\xf6rper\r\n",
    "unknown-charsets": crlf("From: =?x-no-such?Q?Who?= <w@example.com>\n"
                             "Subject: =?x-no-such?Q?abc?= and =?utf-8?Q?ok?=\nMIME-Version: 1.0\n"
                             "Content-Type: text/plain; charset=x-no-such\n\nbody\n"),
    "bad-encoded-words": crlf("From: a@example.com\nSubject: =?utf-8?B?!!!?= =?utf-8?Q?a=ZZb?= "
                              "=?utf-8?X?c?= =?broken\n\nbody\n"),
    "bad-base64": crlf("From: a@example.com\nSubject: b64\nMIME-Version: 1.0\n"
                       "Content-Type: text/plain; charset=utf-8\n"
                       "Content-Transfer-Encoding: base64\n\n@@@ not base64 at all ***\n"),
    "unknown-transfer-encoding": crlf("From: a@example.com\nSubject: cte\nMIME-Version: 1.0\n"
                                      "Content-Transfer-Encoding: x-strange\n\nbody\n"),
    "nul-bytes": b"From: a@example.com\r\nSubject: nul\x00here\r\n\r\nbody\x00with nul\r\n",
    "lf-only": b"From: a@example.com\nTo: b@example.com\nSubject: lf only\n\nbody\nmore\n",
    "headers-only": crlf("From: a@example.com\nSubject: no body\n"),
    "body-only": crlf("\njust a body, no header fields\n"),
    "huge-header": crlf("From: a@example.com\nSubject: big\nX-Big: " + "y" * 200000 + "\n\nb\n"),
    "long-line": crlf("From: a@example.com\nSubject: long\n\n" + "z" * 300000 + "\n"),
    "garbage-dates-and-addresses": crlf("From: <<<@@@>>>, ,,\nTo: undisclosed-recipients:;\n"
                                        "Date: 99 Foo 99999 99:99:99 +9999\nMessage-ID: nope\n"
                                        "References: <a@b> garbage <c@d\nSubject: x\n\nbody\n"),
    "binary-junk": bytes(range(256)) * 8,
    "deep-multipart": nested(500),
    "deep-rfc822": nested_messages(200),
    "many-parts": many_parts(10000),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_malformed_message_imports(acct, name):
    raw = HOSTILE[name]
    made = import_raw(acct, raw)
    e = read_back(acct, made["id"])
    check_sane(acct, e, raw)


def test_nesting_and_part_count_are_bounded(acct):
    deep = read_back(acct, import_raw(acct, HOSTILE["deep-multipart"])["id"])
    assert depth(deep["bodyStructure"]) < 500
    many = read_back(acct, import_raw(acct, HOSTILE["many-parts"])["id"], ["bodyStructure"])
    assert len(all_parts(many["bodyStructure"])) < 10000


def test_malformed_messages_read_sensibly(acct):
    def get(name, props):
        return get_email(acct, import_raw(acct, HOSTILE[name])["id"], props,
                         fetchAllBodyValues=True)

    e = get("no-closing-boundary", ["textBody", "bodyValues"])
    assert any("never closed" in v["value"] for v in e["bodyValues"].values())
    e = get("header-without-colon", ["subject", "from"])
    assert e["from"] == [{"name": None, "email": "a@example.com"}]
    e = get("eight-bit-latin1-headers", ["subject", "from", "bodyValues", "textBody"])
    assert e["subject"].startswith("Gr") and e["subject"].endswith("aus K\ufffdln") or \
        e["subject"] == "Grüße aus Köln", e["subject"]
    assert e["from"][0]["email"] == "joerg@example.com"
    e = get("unknown-charsets", ["subject"])
    assert e["subject"].endswith("and ok") and isinstance(e["subject"], str)
    e = get("lf-only", ["subject", "to", "bodyValues", "textBody"])
    assert e["subject"] == "lf only" and e["to"] == [{"name": None, "email": "b@example.com"}]
    assert e["bodyValues"][e["textBody"][0]["partId"]]["value"] == "body\nmore\n"
    e = get("deep-rfc822", ["subject", "attachments"])
    assert e["subject"] == "level 199"
    assert [a["type"] for a in e["attachments"]] == ["message/rfc822"]


# ---------------------------------------------------------------- compose round trips

def _round_trip(acct, other, obj):
    obj = dict(obj, mailboxIds={mailbox(acct, "drafts"): True})
    made = create_email(acct, obj)
    raw = download(acct, made["blobId"])
    assert b"\n" not in raw.replace(b"\r\n", b""), "CRLF line ends only"
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998, "RFC 5322 line length"
    raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
    again = import_raw(other, raw)
    props = ["subject", "from", "to", "cc", "bcc", "replyTo", "sender", "sentAt", "messageId",
             "inReplyTo", "references", "hasAttachment", "preview", "size", "textBody",
             "htmlBody", "attachments", "bodyValues", "bodyStructure"]
    first = get_email(acct, made["id"], props, fetchAllBodyValues=True)
    second = get_email(other, again["id"], props, fetchAllBodyValues=True)

    def strip(x):
        if isinstance(x, dict):
            return {k: strip(v) for k, v in x.items() if k not in ("blobId", "id")}
        if isinstance(x, list):
            return [strip(v) for v in x]
        return x

    assert strip(first) == strip(second)
    return first


ROUND_TRIPS = {
    "plain-unicode": {
        "from": [{"name": "Doe, John \"JD\" Ünïcode", "email": "john@example.com"}],
        "to": [{"name": "Zoë 🦊", "email": "zoe@example.org"},
               {"name": None, "email": "plain@example.net"}],
        "subject": "🦊 Fuchs — ünïcode, \"quotes\", and =?not-an-encoded-word?= text",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "Zeile 1 ✓\nFrom the start of a line\n.\n"
                                      "trailing spaces   \n🦊\n"}},
    },
    "long-lines": {
        "subject": "x" * 300,
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": ("word" * 600) + "\n" + ("ü" * 2000) + "\n"}},
    },
    "text-html-attachments": {
        "subject": "Anhänge",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "htmlBody": [{"partId": "h", "type": "text/html"}],
        "bodyValues": {"t": {"value": "Text ✓"}, "h": {"value": "<p>HTML ✓</p>"}},
        "attachments": "ATTACHMENTS",
    },
    "related-with-inline-image": {
        "subject": "Related",
        "bodyStructure": {"type": "multipart/alternative", "subParts": [
            {"partId": "t", "type": "text/plain"},
            {"type": "multipart/related", "subParts": [
                {"partId": "h", "type": "text/html"},
                {"blobId": "IMAGE", "type": "image/png", "cid": "logo@x", "disposition": "inline",
                 "name": "lögo.png"}]}]},
        "bodyValues": {"t": {"value": "See logo."},
                       "h": {"value": '<p>See <img src="cid:logo@x"></p>'}},
    },
    "reply-headers": {
        "subject": "Re: thread",
        "messageId": ["rt-1@example.com"],
        "inReplyTo": ["rt-0@example.com"],
        "references": ["rt-root@example.com", "rt-0@example.com"],
        "sentAt": "2023-06-07T08:09:10-07:00",
        "sender": [{"name": "Assistant", "email": "assist@example.com"}],
        "replyTo": [{"name": "List", "email": "list@example.com"}],
        "cc": [{"name": "Ç", "email": "c@example.com"}],
        "bcc": [{"name": None, "email": "b@example.com"}],
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "reply"}},
    },
}


@pytest.mark.parametrize("name", list(ROUND_TRIPS))
def test_compose_download_reimport(acct, other, name):
    obj = dict(ROUND_TRIPS[name])
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
    if obj.get("attachments") == "ATTACHMENTS":
        obj["attachments"] = [
            {"blobId": upload(acct, bytes(range(256)) * 40, "application/octet-stream"),
             "type": "application/octet-stream", "name": "bïnary dätä.bin",
             "disposition": "attachment"},
            {"blobId": upload(acct, "plain ✓\n".encode(), "text/plain"), "type": "text/plain",
             "name": "notes — 2024.txt", "disposition": "attachment"},
            {"blobId": upload(acct, crlf("From: x@example.com\nSubject: inner\n\nhi\n"),
                              "message/rfc822"),
             "type": "message/rfc822", "name": "fwd.eml", "disposition": "attachment"}]
    if "bodyStructure" in obj:
        image = upload(acct, png, "image/png")
        obj["bodyStructure"]["subParts"][1]["subParts"][1]["blobId"] = image
    e = _round_trip(acct, other, obj)
    if "subject" in obj:
        assert e["subject"] == obj["subject"]
    for key in ("from", "to", "cc", "bcc", "replyTo", "sender", "messageId", "inReplyTo",
                "references"):
        if key in obj:
            assert e[key] == obj[key], key
    values = [e["bodyValues"][p["partId"]]["value"] for p in e["textBody"]]
    if name == "plain-unicode":
        assert values == [obj["bodyValues"]["t"]["value"]]
    if name == "long-lines":
        assert values[0].replace("\n", "") == obj["bodyValues"]["t"]["value"].replace("\n", "")
    if name == "text-html-attachments":
        assert [(a["name"], a["type"]) for a in e["attachments"]] == [
            ("bïnary dätä.bin", "application/octet-stream"), ("notes — 2024.txt", "text/plain"),
            ("fwd.eml", "message/rfc822")]
        assert e["hasAttachment"] is True
    if name == "related-with-inline-image":
        assert [p["type"] for p in e["htmlBody"]] == ["text/html"]
        img = [p for p in leaves(e["bodyStructure"]) if p["type"] == "image/png"]
        assert len(img) == 1 and img[0]["cid"] == "logo@x" and img[0]["name"] == "lögo.png"
        assert img[0]["size"] == len(png)
