"""Email, RFC 8621 §4: Email/import, Email/parse, Email/get (metadata,
every header form, body parts, body values), Email/set (create, update,
destroy), Email/changes, Email/copy; and a real client (jmap-jam) doing
the same. Issue 3, item 1."""
import base64
import datetime
import email.utils
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import tern
from tern import MAIL
from tern_mail import (BODY_DEFAULT_PROPS, EMAIL_DEFAULT_PROPS, PARSE_DEFAULT_PROPS, crlf,
                       create_email, create_error, download, email_set, email_state, get_email,
                       import_error, import_raw, leaves, mailbox, mailbox_counts,
                       mailboxes, message, parse_date, parse_mime, raw_header_block,
                       update_email, update_error, upload)

JS_DIR = Path(__file__).resolve().parent / "js"

# ---------------------------------------------------------------- messages

FULL = crlf("""\
Return-Path: <secretary@example.com>
Received: from relay.example.net by mx.test; Tue, 01 Aug 2023 10:00:00 +0200
Received: from client.example.com by relay.example.net; Tue, 01 Aug 2023 09:59:00 +0200
Message-ID: <msg1@example.com>
In-Reply-To: <parent@example.com>
References: <root@example.com>
 <parent@example.com>
Sender: Secretary <secretary@example.com>
From: =?UTF-8?Q?J=C3=B6hn_Sm=C3=AEth?= <john@example.com>
To: "  James Smythe" <james@example.com>, Friends:
  jane@example.com, =?UTF-8?Q?John_Sm=C3=AEth?=
  <john@example.com>;
Cc: Carol <carol@example.org>
Bcc: <hidden@example.net>
Reply-To: "Replies, Inc." <replies@example.com>
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?=
Date: Tue, 15 Nov 1994 08:12:31 -0500
List-Unsubscribe: <mailto:unsub@example.com?subject=unsubscribe>,
 <https://example.com/unsub>
X-Custom: one
X-Custom: two
X-Folded: first line
 second line
X-When: Wed, 02 Jan 2019 03:04:05 +0100
X-Bad-Date: not a date at all
Comments: =?UTF-8?B?w6lsw6h2ZQ==?=
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Hello James, this is the body of the message.
""")

FULL_HEADERS = [
    ("Return-Path", " <secretary@example.com>"),
    ("Received", " from relay.example.net by mx.test; Tue, 01 Aug 2023 10:00:00 +0200"),
    ("Received", " from client.example.com by relay.example.net; Tue, 01 Aug 2023 09:59:00 +0200"),
    ("Message-ID", " <msg1@example.com>"),
    ("In-Reply-To", " <parent@example.com>"),
    ("References", " <root@example.com>\r\n <parent@example.com>"),
    ("Sender", " Secretary <secretary@example.com>"),
    ("From", " =?UTF-8?Q?J=C3=B6hn_Sm=C3=AEth?= <john@example.com>"),
    ("To", ' "  James Smythe" <james@example.com>, Friends:\r\n  jane@example.com, '
           '=?UTF-8?Q?John_Sm=C3=AEth?=\r\n  <john@example.com>;'),
    ("Cc", " Carol <carol@example.org>"),
    ("Bcc", " <hidden@example.net>"),
    ("Reply-To", ' "Replies, Inc." <replies@example.com>'),
    ("Subject", " =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?="),
    ("Date", " Tue, 15 Nov 1994 08:12:31 -0500"),
    ("List-Unsubscribe", " <mailto:unsub@example.com?subject=unsubscribe>,\r\n"
                         " <https://example.com/unsub>"),
    ("X-Custom", " one"),
    ("X-Custom", " two"),
    ("X-Folded", " first line\r\n second line"),
    ("X-When", " Wed, 02 Jan 2019 03:04:05 +0100"),
    ("X-Bad-Date", " not a date at all"),
    ("Comments", " =?UTF-8?B?w6lsw6h2ZQ==?="),
    ("MIME-Version", " 1.0"),
    ("Content-Type", " text/plain; charset=utf-8"),
    ("Content-Transfer-Encoding", " 8bit"),
]

TO_ADDRESSES = [
    {"name": "James Smythe", "email": "james@example.com"},
    {"name": None, "email": "jane@example.com"},
    {"name": "John Smîth", "email": "john@example.com"},
]
TO_GROUPED = [
    {"name": None, "addresses": [{"name": "James Smythe", "email": "james@example.com"}]},
    {"name": "Friends", "addresses": [{"name": None, "email": "jane@example.com"},
                                      {"name": "John Smîth", "email": "john@example.com"}]},
]

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 2
XLS = b"PK\x03\x04" + bytes(range(200))
INNER = crlf("""\
From: Inner Sender <inner@example.com>
To: someone@example.com
Subject: Inner message
Date: Mon, 01 Jan 2024 09:00:00 +0000
Message-ID: <inner@example.com>

Inner body text.""")


def _b64(data):
    return base64.encodebytes(data).decode().rstrip("\n")


# The structure of RFC 8621 §4.1.4's example, each leaf named by its Content-ID.
STRUCTURE = crlf(f"""\
From: Struct <struct@example.com>
To: b@example.com
Subject: Structure
Date: Mon, 01 Jan 2024 10:00:00 +0000
Message-ID: <structure@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="b1"

preamble
--b1
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-ID: <A@x>

Part A
--b1
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: multipart/alternative; boundary="b3"

--b3
Content-Type: multipart/mixed; boundary="b4"

--b4
Content-Type: text/plain; charset=utf-8
Content-Disposition: inline
Content-ID: <B@x>

Part B
--b4
Content-Type: image/jpeg
Content-Disposition: inline
Content-Transfer-Encoding: base64
Content-ID: <C@x>

{_b64(JPEG)}
--b4
Content-Type: text/plain
Content-Disposition: inline
Content-ID: <D@x>

Part D
--b4--
--b3
Content-Type: multipart/related; boundary="b5"

--b5
Content-Type: text/html; charset=utf-8
Content-ID: <E@x>

<p>Part E <img src="cid:F@x"></p>
--b5
Content-Type: image/jpeg
Content-Transfer-Encoding: base64
Content-ID: <F@x>

{_b64(JPEG)}
--b5--
--b3--
--b2
Content-Type: image/jpeg
Content-Disposition: attachment; filename="g.jpg"
Content-Transfer-Encoding: base64
Content-ID: <G@x>

{_b64(JPEG)}
--b2
Content-Type: application/x-excel
Content-Transfer-Encoding: base64
Content-ID: <H@x>
Content-Language: en, fr
Content-Location: https://example.com/h.xls

{_b64(XLS)}
--b2
Content-Type: message/rfc822
Content-ID: <J@x>

""") + INNER + crlf("""
--b2--
--b1
Content-Disposition: inline
Content-ID: <K@x>

Part K
--b1--
""")

HTML = ('<html><head><style>p {color: red}</style></head><body><p>Caf\u00e9 cr\u00e8me</p>'
        '<p><a href="https://example.com/a/very/long/link/to/somewhere">the link</a></p>'
        '</body></html>')

VALUES = crlf(f"""\
From: Values <values@example.com>
To: b@example.com
Subject: Values
Date: Mon, 01 Jan 2024 10:00:00 +0000
Message-ID: <values@example.com>
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="m"

--m
Content-Type: multipart/alternative; boundary="a"

--a
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable
Content-ID: <plain@x>

Caf=E9 cr=E8me
Second line
--a
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64
Content-ID: <html@x>

{_b64(HTML.encode())}
--a--
--m
Content-Type: text/plain; charset=utf-8; name="notes.txt"
Content-Disposition: attachment; filename="notes.txt"
Content-Transfer-Encoding: 8bit
Content-ID: <notes@x>

Attached notes \u2713
--m
Content-Type: text/plain; charset=x-no-such-charset
Content-Disposition: attachment; filename="weird.txt"
Content-ID: <weird@x>

abc
--m
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="broken.txt"
Content-Transfer-Encoding: 8bit
Content-ID: <broken@x>

bad @@ bytes
--m--
""").replace(b"@@", b"\xff\xfe")


def by_cid(structure):
    return {p["cid"].split("@")[0]: p for p in leaves(structure)}


def same_instant(a, b):
    da, db = parse_date(a), parse_date(b)
    return da == db and da.utcoffset() == db.utcoffset()


# ---------------------------------------------------------------- session

def test_session_advertises_mail(account):
    s = account.jmap.session()
    assert s["capabilities"][MAIL] == {}
    caps = s["accounts"][account.id]["accountCapabilities"][MAIL]
    for key in ("maxMailboxesPerEmail", "maxMailboxDepth", "maxSizeMailboxName",
                "maxSizeAttachmentsPerEmail", "emailQuerySortOptions", "mayCreateTopLevelMailbox"):
        assert key in caps, key
    assert caps["maxMailboxesPerEmail"] is None or caps["maxMailboxesPerEmail"] >= 1
    assert caps["maxSizeMailboxName"] >= 100
    # §4.4.2: receivedAt MUST be supported; the others SHOULD be.
    sorts = {"receivedAt", "size", "from", "to", "subject", "sentAt", "hasKeyword",
             "allInThreadHaveKeyword", "someInThreadHaveKeyword"}
    assert sorts <= set(caps["emailQuerySortOptions"])
    assert s["primaryAccounts"][MAIL] == account.id


# ---------------------------------------------------------------- import

def test_import_sets_mailboxes_keywords_and_received_at(account):
    boxes = mailboxes(account)
    raw = message(subject="Imported", body="An imported message.\n")
    blob = upload(account, raw)
    before = email_state(account)
    out = account.ok("Email/import", {"emails": {"k1": {
        "blobId": blob, "mailboxIds": {boxes["inbox"]: True, boxes["archive"]: True},
        "keywords": {"$seen": True, "$Flagged": True, "Custom_Label": True},
        "receivedAt": "2023-04-05T06:07:08Z"}}})
    assert out["accountId"] == account.id
    assert out["oldState"] == before and out["newState"] != before
    assert out["newState"] == email_state(account)
    assert out.get("notCreated") in (None, {}), out
    made = out["created"]["k1"]
    assert {"id", "blobId", "threadId", "size"} <= set(made), made
    assert all(tern.jmap_id_ok(made[k]) for k in ("id", "blobId", "threadId"))
    assert made["size"] == len(raw)

    got = get_email(account, made["id"], ["id", "blobId", "threadId", "mailboxIds", "keywords",
                                          "size", "receivedAt", "subject"])
    assert got["id"] == made["id"] and got["blobId"] == made["blobId"]
    assert got["threadId"] == made["threadId"] and got["size"] == len(raw)
    assert got["mailboxIds"] == {boxes["inbox"]: True, boxes["archive"]: True}
    # §4.1.1: keywords are case-insensitive and MUST be returned lowercase.
    assert got["keywords"] == {"$seen": True, "$flagged": True, "custom_label": True}
    assert got["receivedAt"] == "2023-04-05T06:07:08Z"
    assert got["subject"] == "Imported"
    assert download(account, made["blobId"], "message/rfc822") == raw
    assert mailbox_counts(account, boxes["inbox"]) == {
        "totalEmails": 1, "unreadEmails": 0, "totalThreads": 1, "unreadThreads": 0}


def test_import_received_at_defaults_to_latest_received_header(account):
    made = import_raw(account, FULL)
    got = get_email(account, made["id"], ["receivedAt", "keywords"])
    assert got["receivedAt"] == "2023-08-01T08:00:00Z", got
    assert got["keywords"] == {}


def test_import_received_at_defaults_to_now(account):
    made = import_raw(account, message(subject="No Received header"))
    got = get_email(account, made["id"], ["receivedAt"])["receivedAt"]
    assert got.endswith("Z"), got
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((parse_date(got) - now).total_seconds()) < 300, got


def test_import_many_in_one_call_with_creation_references(account):
    """Upload three blobs, import them in one call; Email/get them in the
    same request through their creation ids (RFC 8620 §5.3)."""
    inbox = mailbox(account, "inbox")
    raws = [message(subject=f"Batch {i}") for i in range(3)]
    blobs = [upload(account, r) for r in raws]
    out = account.jmap.request([
        ["Email/import", {"accountId": account.id, "emails": {
            f"b{i}": {"blobId": b, "mailboxIds": {inbox: True}} for i, b in enumerate(blobs)}},
         "0"],
        ["Email/get", {"accountId": account.id, "properties": ["subject"],
                       "ids": ["#b0", "#b1", "#b2"]}, "1"],
    ])["methodResponses"]
    assert out[0][0] == "Email/import", out
    assert sorted(out[0][1]["created"]) == ["b0", "b1", "b2"]
    assert out[1][0] == "Email/get", out
    assert sorted(e["subject"] for e in out[1][1]["list"]) == ["Batch 0", "Batch 1", "Batch 2"]


@pytest.mark.parametrize("change", [
    "no-mailboxes", "empty-mailboxes", "unknown-mailbox", "false-mailbox", "unknown-blob",
    "no-blob", "bad-keyword", "false-keyword", "bad-received-at",
])
def test_import_invalid_properties(account, change):
    inbox = mailbox(account, "inbox")
    item = {"blobId": upload(account, message()), "mailboxIds": {inbox: True}}
    if change == "no-mailboxes":
        del item["mailboxIds"]
    elif change == "empty-mailboxes":
        item["mailboxIds"] = {}
    elif change == "unknown-mailbox":
        item["mailboxIds"] = {"m999999999": True}
    elif change == "false-mailbox":
        item["mailboxIds"] = {inbox: False}
    elif change == "unknown-blob":
        item["blobId"] = "Gnosuchblob0"
    elif change == "no-blob":
        del item["blobId"]
    elif change == "bad-keyword":
        item["keywords"] = {"has space": True}
    elif change == "false-keyword":
        item["keywords"] = {"$seen": False}
    elif change == "bad-received-at":
        item["receivedAt"] = "yesterday"
    err = import_error(account, item)
    # §4.8: invalid blobId, mailboxIds or keywords MUST give invalidProperties.
    assert err["type"] == "invalidProperties", err
    assert account.ok("Email/query", {})["ids"] == []


def test_import_state_mismatch_and_foreign_account(account, other_account):
    inbox = mailbox(account, "inbox")
    blob = upload(account, message())
    assert account.error("Email/import", {"ifInState": "nosuchstate", "emails": {
        "m": {"blobId": blob, "mailboxIds": {inbox: True}}}}) == "stateMismatch"
    assert other_account.error("Email/import", {"accountId": account.id, "emails": {
        "m": {"blobId": blob, "mailboxIds": {inbox: True}}}}) == "accountNotFound"
    # A blob uploaded by one account is not visible to another.
    other_inbox = mailbox(other_account, "inbox")
    err = import_error(other_account, {"blobId": blob, "mailboxIds": {other_inbox: True}})
    assert err["type"] == "invalidProperties", err


def test_import_duplicate_is_refused_or_independent(account):
    """§4.8: a server MAY refuse duplicates (alreadyExists with existingId);
    otherwise the copy MUST be an independent object."""
    inbox = mailbox(account, "inbox")
    raw = message(subject="Twice", message_id="<twice@example.com>")
    first = import_raw(account, raw)
    blob = upload(account, raw)
    out = account.ok("Email/import", {"emails": {"m": {"blobId": blob, "mailboxIds": {inbox: True},
                                                      "keywords": {"$seen": True}}}})
    if out.get("notCreated"):
        err = out["notCreated"]["m"]
        assert err["type"] == "alreadyExists" and err["existingId"] == first["id"], err
    else:
        second = out["created"]["m"]["id"]
        assert second != first["id"]
        assert get_email(account, first["id"], ["keywords"])["keywords"] == {}
        assert get_email(account, second, ["keywords"])["keywords"] == {"$seen": True}


# ---------------------------------------------------------------- get: properties

def test_get_default_properties(account):
    made = import_raw(account, FULL)
    out = account.ok("Email/get", {"ids": [made["id"]]})
    e = out["list"][0]
    assert set(e) == EMAIL_DEFAULT_PROPS, set(e) ^ EMAIL_DEFAULT_PROPS
    assert e["bodyValues"] == {}
    assert isinstance(out["state"], str) and out["state"]
    for part in e["textBody"] + e["htmlBody"] + e["attachments"]:
        assert set(part) == BODY_DEFAULT_PROPS, part


def test_get_metadata_and_convenience_headers(account):
    made = import_raw(account, FULL, keywords={"$seen": True})
    e = get_email(account, made["id"], sorted(EMAIL_DEFAULT_PROPS))
    assert e["messageId"] == ["msg1@example.com"]
    assert e["inReplyTo"] == ["parent@example.com"]
    assert e["references"] == ["root@example.com", "parent@example.com"]
    assert e["sender"] == [{"name": "Secretary", "email": "secretary@example.com"}]
    assert e["from"] == [{"name": "Jöhn Smîth", "email": "john@example.com"}]
    assert e["to"] == TO_ADDRESSES
    assert e["cc"] == [{"name": "Carol", "email": "carol@example.org"}]
    assert e["bcc"] == [{"name": None, "email": "hidden@example.net"}]
    assert e["replyTo"] == [{"name": "Replies, Inc.", "email": "replies@example.com"}]
    assert e["subject"] == "Grüße aus Köln"
    assert same_instant(e["sentAt"], "1994-11-15T08:12:31-05:00"), e["sentAt"]
    assert e["size"] == len(FULL)
    assert e["hasAttachment"] is False
    assert e["preview"].startswith("Hello James, this is the body of the message.")
    assert len(e["preview"]) <= 256
    assert e["keywords"] == {"$seen": True}
    assert len(e["textBody"]) == 1 and e["textBody"] == e["htmlBody"]
    assert e["attachments"] == []
    part = e["textBody"][0]
    assert part["type"] == "text/plain" and part["charset"] == "utf-8"
    assert part["size"] == len(b"Hello James, this is the body of the message.\r\n")


def test_missing_headers_are_null(account):
    raw = crlf("From: a@example.com\nSubject: bare\n\nBody\n")
    made = import_raw(account, raw)
    e = get_email(account, made["id"], ["messageId", "inReplyTo", "references", "sender", "to",
                                        "cc", "bcc", "replyTo", "sentAt", "subject"])
    for k in ("messageId", "inReplyTo", "references", "sender", "to", "cc", "bcc", "replyTo",
              "sentAt"):
        assert e[k] is None, (k, e)
    assert e["subject"] == "bare"


def test_headers_property_is_raw_and_ordered(account):
    made = import_raw(account, FULL)
    e = get_email(account, made["id"], ["headers"])
    assert [(h["name"], h["value"]) for h in e["headers"]] == FULL_HEADERS


HEADER_FORMS = {
    "header:Subject": " =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?=",
    "header:Subject:asRaw": " =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= aus =?ISO-8859-1?Q?K=F6ln?=",
    "header:Subject:asText": "Grüße aus Köln",
    "header:subject:asText": "Grüße aus Köln",
    "header:Comments:asText": "élève",
    "header:From:asAddresses": [{"name": "Jöhn Smîth", "email": "john@example.com"}],
    "header:From:asGroupedAddresses": [
        {"name": None, "addresses": [{"name": "Jöhn Smîth", "email": "john@example.com"}]}],
    "header:To:asAddresses": TO_ADDRESSES,
    "header:To:asGroupedAddresses": TO_GROUPED,
    "header:Message-ID:asMessageIds": ["msg1@example.com"],
    "header:References:asMessageIds": ["root@example.com", "parent@example.com"],
    "header:In-Reply-To:asMessageIds": ["parent@example.com"],
    "header:List-Unsubscribe:asURLs": ["mailto:unsub@example.com?subject=unsubscribe",
                                       "https://example.com/unsub"],
    "header:X-Custom": " two",
    "header:x-CUSTOM": " two",
    "header:X-Custom:all": [" one", " two"],
    "header:X-Custom:asText:all": ["one", "two"],
    "header:X-Folded": " first line\r\n second line",
    "header:X-Folded:asText": "first line second line",
    "header:X-Bad-Date:asDate": None,
    "header:X-Missing": None,
    "header:X-Missing:all": [],
    "header:X-Missing:asAddresses:all": [],
    "header:Received:all": [" from relay.example.net by mx.test; Tue, 01 Aug 2023 10:00:00 +0200",
                            " from client.example.com by relay.example.net; "
                            "Tue, 01 Aug 2023 09:59:00 +0200"],
}


def test_header_forms(account):
    made = import_raw(account, FULL)
    props = list(HEADER_FORMS) + ["header:Date:asDate", "header:X-When:asDate", "header:Date"]
    e = get_email(account, made["id"], props)
    # §4.2: the property name comes back with the capitalization asked for.
    assert set(e) == set(props) | {"id"}, set(e) ^ (set(props) | {"id"})
    for prop, want in HEADER_FORMS.items():
        assert e[prop] == want, (prop, e[prop], want)
    assert same_instant(e["header:Date:asDate"], "1994-11-15T08:12:31-05:00")
    assert same_instant(e["header:X-When:asDate"], "2019-01-02T03:04:05+01:00")
    assert e["header:Date"] == " Tue, 15 Nov 1994 08:12:31 -0500"


@pytest.mark.parametrize("prop", [
    "header:From:asDate", "header:From:asText", "header:Subject:asAddresses",
    "header:Date:asText", "header:Date:asAddresses", "header:Message-ID:asURLs",
    "header:List-Unsubscribe:asText", "header:To:asMessageIds", "header:Subject:asDate",
    "header:X-Thing:asNothing", "header:X-Thing:all:asText", "header:", "header:Bad Name",
    "notAProperty",
])
def test_forbidden_or_unknown_properties(account, prop):
    made = import_raw(account, message())
    assert account.error("Email/get", {"ids": [made["id"]], "properties": [prop]}) \
        == "invalidArguments"


def test_address_comment_becomes_name(account):
    """§4.1.2.3: with no display-name, a comment right after the
    addr-spec SHOULD be used as the name."""
    raw = crlf("From: carol@example.org (Carol Comment)\nTo: b@example.com\nSubject: c\n\nx\n")
    made = import_raw(account, raw)
    assert get_email(account, made["id"], ["from"])["from"] == [
        {"name": "Carol Comment", "email": "carol@example.org"}]


def test_raw_form_replaces_bad_utf8_and_drops_nul(account):
    raw = (b"From: a@example.com\r\nSubject: caf\xe9 ok\r\nX-Nul: a\x00b\r\n"
           b"X-Utf8: gr\xc3\xbc\xc3\x9fe\r\n\r\nbody\r\n")
    made = import_raw(account, raw)
    e = get_email(account, made["id"], ["header:Subject", "header:X-Nul", "header:X-Utf8:asText",
                                        "subject"])
    assert e["header:Subject"] == " caf\ufffd ok", e
    assert e["header:X-Nul"] == " ab", e
    assert e["header:X-Utf8:asText"] == "grüße"
    assert isinstance(e["subject"], str) and e["subject"].startswith("caf")


# ---------------------------------------------------------------- get: body parts

def test_body_structure(account):
    made = import_raw(account, STRUCTURE)
    e = get_email(account, made["id"], ["bodyStructure", "hasAttachment", "size"])
    root = e["bodyStructure"]

    def shape(p):
        if p["type"].startswith("multipart/"):
            assert p["partId"] is None and p["blobId"] is None, p
            return [p["type"], [shape(s) for s in p["subParts"]]]
        assert p.get("subParts") in (None, []), p
        assert isinstance(p["partId"], str) and tern.jmap_id_ok(p["blobId"]), p
        return p["cid"].split("@")[0]

    assert shape(root) == ["multipart/mixed", [
        "A", ["multipart/mixed", [
            ["multipart/alternative", [["multipart/mixed", ["B", "C", "D"]],
                                       ["multipart/related", ["E", "F"]]]],
            "G", "H", "J"]],
        "K"]]
    parts = by_cid(root)
    assert len({p["partId"] for p in parts.values()}) == 10
    a, c, d, e_, g, h, j, k = (parts[x] for x in "ACDEGHJK")
    assert (a["type"], a["charset"], a["disposition"], a["size"]) == \
        ("text/plain", "utf-8", "inline", len(b"Part A"))
    assert (d["type"], d["charset"]) == ("text/plain", "us-ascii")
    assert (k["type"], k["charset"], k["disposition"]) == ("text/plain", "us-ascii", "inline")
    assert (c["type"], c["charset"], c["size"], c["name"]) == ("image/jpeg", None, len(JPEG), None)
    assert (e_["type"], e_["disposition"]) == ("text/html", None)
    assert (g["name"], g["disposition"], g["size"]) == ("g.jpg", "attachment", len(JPEG))
    assert (h["type"], h["language"], h["location"], h["size"]) == \
        ("application/x-excel", ["en", "fr"], "https://example.com/h.xls", len(XLS))
    assert a["language"] is None and a["location"] is None
    assert (j["type"], j["size"]) == ("message/rfc822", len(INNER))
    assert e["hasAttachment"] is True
    assert download(account, c["blobId"]) == JPEG
    assert download(account, h["blobId"]) == XLS
    assert download(account, j["blobId"]) == INNER


def test_text_html_attachments_follow_the_rfc_algorithm(account):
    """§4.1.4's example: textBody A B C D K, htmlBody A E K, attachments
    C F G H J."""
    made = import_raw(account, STRUCTURE)
    e = get_email(account, made["id"], ["textBody", "htmlBody", "attachments", "bodyStructure"])

    def names(lst):
        return [p["cid"].split("@")[0] for p in lst]

    assert names(e["textBody"]) == list("ABCDK")
    assert names(e["htmlBody"]) == list("AEK")
    assert names(e["attachments"]) == list("CFGHJ")
    parts = by_cid(e["bodyStructure"])
    for p in e["textBody"] + e["htmlBody"] + e["attachments"]:
        whole = {k: v for k, v in parts[p["cid"].split("@")[0]].items() if k != "subParts"}
        assert p == whole, p


def test_body_properties_argument(account):
    made = import_raw(account, STRUCTURE)
    props = ["partId", "type", "headers", "header:Content-Type", "header:Content-ID:asMessageIds"]
    e = get_email(account, made["id"], ["attachments"], bodyProperties=props)
    g = next(p for p in e["attachments"] if p["header:Content-ID:asMessageIds"] == ["G@x"])
    assert set(g) == set(props), g
    assert g["header:Content-Type"] == " image/jpeg"
    assert [h["name"] for h in g["headers"]] == ["Content-Type", "Content-Disposition",
                                                 "Content-Transfer-Encoding", "Content-ID"]
    assert account.error("Email/get", {"ids": [made["id"]], "properties": ["textBody"],
                                       "bodyProperties": ["noSuchThing"]}) == "invalidArguments"


def test_attached_message_parses_through_its_part_blob(account):
    made = import_raw(account, STRUCTURE)
    j = by_cid(get_email(account, made["id"], ["bodyStructure"])["bodyStructure"])["J"]
    out = account.ok("Email/parse", {"blobIds": [j["blobId"]],
                                     "properties": ["subject", "from", "messageId", "textBody"],
                                     "fetchTextBodyValues": True})
    parsed = out["parsed"][j["blobId"]]
    assert parsed["subject"] == "Inner message"
    assert parsed["from"] == [{"name": "Inner Sender", "email": "inner@example.com"}]
    assert parsed["messageId"] == ["inner@example.com"]


def test_body_values(account):
    made = import_raw(account, VALUES)
    eid = made["id"]
    e = get_email(account, eid, ["bodyStructure", "textBody", "htmlBody", "attachments",
                                 "bodyValues"])
    parts = by_cid(e["bodyStructure"])
    pid = {k: p["partId"] for k, p in parts.items()}
    assert [p["partId"] for p in e["textBody"]] == [pid["plain"]]
    assert [p["partId"] for p in e["htmlBody"]] == [pid["html"]]
    assert [p["partId"] for p in e["attachments"]] == [pid["notes"], pid["weird"], pid["broken"]]
    assert e["bodyValues"] == {}
    assert parts["notes"]["name"] == "notes.txt"

    def values(**flags):
        return get_email(account, eid, ["bodyValues"], **flags)["bodyValues"]

    text = values(fetchTextBodyValues=True)
    assert set(text) == {pid["plain"]}
    assert text[pid["plain"]]["value"] == "Café crème\nSecond line"
    assert text[pid["plain"]].get("isEncodingProblem", False) is False
    assert text[pid["plain"]].get("isTruncated", False) is False
    html = values(fetchHTMLBodyValues=True)
    assert set(html) == {pid["html"]} and html[pid["html"]]["value"] == HTML
    both = values(fetchTextBodyValues=True, fetchHTMLBodyValues=True)
    assert set(both) == {pid["plain"], pid["html"]}
    every = values(fetchAllBodyValues=True)
    assert set(every) == set(pid.values())
    assert every[pid["notes"]]["value"] == "Attached notes \u2713"
    assert every[pid["weird"]]["isEncodingProblem"] is True
    assert every[pid["broken"]]["isEncodingProblem"] is True
    assert "\ufffd" in every[pid["broken"]]["value"]
    assert every[pid["broken"]]["value"].startswith("bad ")


def test_max_body_value_bytes(account):
    made = import_raw(account, VALUES)
    got = get_email(account, made["id"], ["bodyValues", "textBody", "htmlBody"],
                    fetchTextBodyValues=True, fetchHTMLBodyValues=True, maxBodyValueBytes=4)
    plain = got["bodyValues"][got["textBody"][0]["partId"]]
    # "Café": C a f are 1 octet, é 2: never cut inside the é.
    assert "Café crème".startswith(plain["value"]), plain
    assert 0 < len(plain["value"].encode()) <= 4 and plain["isTruncated"] is True, plain
    limit = HTML.index("very/long") + 1
    got = get_email(account, made["id"], ["bodyValues", "htmlBody"], fetchHTMLBodyValues=True,
                    maxBodyValueBytes=limit)
    html = got["bodyValues"][got["htmlBody"][0]["partId"]]
    assert html["isTruncated"] is True
    assert len(html["value"].encode()) <= limit and HTML.startswith(html["value"])
    # SHOULD NOT cut inside a tag: here, inside <a href="...">.
    assert html["value"].rfind("<") < html["value"].rfind(">"), html["value"]
    whole = get_email(account, made["id"], ["bodyValues", "htmlBody"], fetchHTMLBodyValues=True,
                      maxBodyValueBytes=100000)
    assert whole["bodyValues"][whole["htmlBody"][0]["partId"]].get("isTruncated", False) is False


def test_preview_and_has_attachment(account):
    long_body = ("word " * 4000) + "\n"
    plain = import_raw(account, message(body=long_body))
    e = get_email(account, plain["id"], ["preview", "hasAttachment"])
    assert 0 < len(e["preview"]) <= 256 and e["preview"].startswith("word word")
    assert e["hasAttachment"] is False
    html_only = import_raw(account, message(
        body="<html><body><p>Only <b>HTML</b> here</p></body></html>\n",
        content_type="text/html; charset=utf-8"))
    e = get_email(account, html_only["id"], ["preview"])
    assert "Only HTML here" in re.sub(r"\s+", " ", e["preview"]) and "<" not in e["preview"]
    attached = import_raw(account, VALUES)
    assert get_email(account, attached["id"], ["hasAttachment"])["hasAttachment"] is True


# ---------------------------------------------------------------- parse

def test_parse(account):
    blob = upload(account, FULL)
    out = account.ok("Email/parse", {"blobIds": [blob, "Gnosuchblob0"]})
    assert out["accountId"] == account.id
    assert out["notFound"] == ["Gnosuchblob0"]
    parsed = out["parsed"][blob]
    assert set(parsed) == PARSE_DEFAULT_PROPS, set(parsed) ^ PARSE_DEFAULT_PROPS
    assert parsed["subject"] == "Grüße aus Köln" and parsed["to"] == TO_ADDRESSES
    meta = account.ok("Email/parse", {"blobIds": [blob], "properties": [
        "id", "mailboxIds", "keywords", "receivedAt", "size", "blobId", "header:X-Custom:all"]})
    m = meta["parsed"][blob]
    assert (m["id"], m["mailboxIds"], m["keywords"], m["receivedAt"]) == (None, None, None, None)
    assert m["size"] == len(FULL) and m["blobId"] == blob
    assert m["header:X-Custom:all"] == [" one", " two"]
    assert account.ok("Email/query", {})["ids"] == [], "parse must not import"
    vals = account.ok("Email/parse", {"blobIds": [upload(account, VALUES)],
                                      "fetchAllBodyValues": True, "maxBodyValueBytes": 3})
    body_values = next(iter(vals["parsed"].values()))["bodyValues"]
    assert len(body_values) == 5
    assert all(len(v["value"].encode()) <= 3 for v in body_values.values())
    assert account.error("Email/parse", {"blobIds": [blob], "properties": ["header:From:asDate"]}) \
        == "invalidArguments"


# ---------------------------------------------------------------- set: create

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
ATT_NAME = "Résumé très long — ÄÖÜ attachment name with many words 2024.pdf"
SUBJECT = "Grüße aus Köln — ünïcode ✓ and a fairly long subject line that must be folded"


def _compose(account, **over):
    boxes = mailboxes(account)
    obj = {
        "mailboxIds": {boxes["drafts"]: True},
        "keywords": {"$draft": True, "$seen": True},
        "from": [{"name": "Zoë Ünïcode", "email": account.address}],
        "to": [{"name": "Bob Example", "email": "bob@example.com"}],
        "cc": [{"name": None, "email": "carol@example.org"}],
        "bcc": [{"name": None, "email": "hidden@example.net"}],
        "replyTo": [{"name": "Replies", "email": "replies@example.com"}],
        "subject": SUBJECT,
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "htmlBody": [{"partId": "h", "type": "text/html"}],
        "bodyValues": {"t": {"value": "Hallo Welt ✓\nZweite Zeile\n"},
                       "h": {"value": "<p>Hallo <b>Welt</b> ✓</p>"}},
        "attachments": [{"blobId": upload(account, PDF, "application/pdf"),
                         "type": "application/pdf", "name": ATT_NAME,
                         "disposition": "attachment"}],
    }
    obj.update(over)
    return obj


def test_create_from_text_html_and_attachments(account):
    before = email_state(account)
    out = email_set(account, create={"c": _compose(account)})
    assert out["oldState"] == before and out["newState"] != before
    made = out["created"]["c"]
    assert {"id", "blobId", "threadId", "size"} <= set(made), made
    raw = download(account, made["blobId"], "message/rfc822")
    assert made["size"] == len(raw)

    head = raw_header_block(raw)
    head.decode("ascii")  # RFC 2047/2231: the generated header block is 7-bit
    msg = parse_mime(raw)
    mid = msg["Message-ID"].strip()
    assert re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", mid), mid
    # the generated Message-ID is in the configured server.hostname
    assert mid.endswith("@mail.test>"), mid
    sent = email.utils.parsedate_to_datetime(msg["Date"])
    assert abs((sent - datetime.datetime.now(datetime.timezone.utc)).total_seconds()) < 300
    assert b"=?" in re.search(rb"(?mi)^Subject:.*(\r\n[ \t].*)*", head).group(0)
    assert str(msg["Subject"]) == SUBJECT
    assert msg["From"].addresses[0].display_name == "Zoë Ünïcode"
    assert msg["From"].addresses[0].addr_spec == account.address
    assert msg["Bcc"].addresses[0].addr_spec == "hidden@example.net"
    assert msg.get_body(("plain",)).get_content().replace("\r\n", "\n") == \
        "Hallo Welt ✓\nZweite Zeile\n"
    assert "<b>Welt</b> ✓" in msg.get_body(("html",)).get_content()
    atts = list(msg.iter_attachments())
    assert len(atts) == 1
    assert atts[0].get_content_type() == "application/pdf"
    assert atts[0].get_filename() == ATT_NAME
    assert atts[0].get_content() == PDF
    # RFC 2231 for the non-ASCII parameter, not an encoded word.
    assert re.search(rb"filename\*(0\*)?=", raw, re.I), raw[:2000]

    e = get_email(account, made["id"], sorted(EMAIL_DEFAULT_PROPS), fetchTextBodyValues=True,
                  fetchHTMLBodyValues=True)
    assert e["subject"] == SUBJECT
    assert e["from"] == [{"name": "Zoë Ünïcode", "email": account.address}]
    assert e["bcc"] == [{"name": None, "email": "hidden@example.net"}]
    assert e["replyTo"] == [{"name": "Replies", "email": "replies@example.com"}]
    assert e["keywords"] == {"$draft": True, "$seen": True}
    assert e["mailboxIds"] == {mailbox(account, "drafts"): True}
    assert e["messageId"] == [mid[1:-1]]
    assert e["bodyValues"][e["textBody"][0]["partId"]]["value"] == "Hallo Welt ✓\nZweite Zeile\n"
    assert e["textBody"][0]["type"] == "text/plain" and e["htmlBody"][0]["type"] == "text/html"
    att = e["attachments"]
    assert len(att) == 1 and (att[0]["name"], att[0]["type"], att[0]["size"]) == \
        (ATT_NAME, "application/pdf", len(PDF))
    assert e["hasAttachment"] is True
    assert download(account, att[0]["blobId"]) == PDF
    assert abs((parse_date(e["receivedAt"]) - sent).total_seconds()) < 300


def test_create_with_body_structure_and_header_properties(account):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    obj = {
        "mailboxIds": {mailbox(account, "drafts"): True},
        "from": [{"name": None, "email": account.address}],
        "to": [{"name": None, "email": "bob@example.com"}],
        "subject": "Structured",
        "messageId": ["custom-id@example.com"],
        "inReplyTo": ["parent@example.com"],
        "references": ["root@example.com", "parent@example.com"],
        "sentAt": "2024-01-02T03:04:05+01:00",
        "header:X-Custom-Thing:asText": "välue ✓",
        "header:List-Unsubscribe:asURLs": ["https://example.com/u"],
        "header:X-Raw": " raw value kept",
        "bodyStructure": {"type": "multipart/mixed", "subParts": [
            {"partId": "1", "type": "text/plain"},
            {"blobId": upload(account, png, "image/png"), "type": "image/png",
             "name": "pïc.png", "disposition": "inline", "cid": "img1@x",
             "header:X-Part-Note:asText": "note"},
        ]},
        "bodyValues": {"1": {"value": "See the picture.\n"}},
    }
    made = create_email(account, obj)
    raw = download(account, made["blobId"])
    raw_header_block(raw).decode("ascii")
    msg = parse_mime(raw)
    assert msg["Message-ID"].strip() == "<custom-id@example.com>"
    assert msg["In-Reply-To"].strip() == "<parent@example.com>"
    assert msg["References"].split() == ["<root@example.com>", "<parent@example.com>"]
    assert email.utils.parsedate_to_datetime(msg["Date"]) == \
        parse_date("2024-01-02T03:04:05+01:00")
    assert re.search(rb"(?m)^Date: .*\+0100\r$", raw), "Date keeps the given offset"
    assert str(msg["X-Custom-Thing"]) == "välue ✓"
    assert msg["List-Unsubscribe"].strip() == "<https://example.com/u>"
    assert msg.get_content_type() == "multipart/mixed"
    kids = list(msg.iter_parts())
    assert [k.get_content_type() for k in kids] == ["text/plain", "image/png"]
    assert kids[1].get_filename() == "pïc.png" and kids[1]["Content-ID"].strip() == "<img1@x>"
    assert kids[1].get_content() == png and kids[1]["X-Part-Note"] == "note"

    e = get_email(account, made["id"], ["messageId", "inReplyTo", "references", "sentAt",
                                        "header:X-Custom-Thing:asText", "header:X-Raw",
                                        "bodyStructure"])
    assert e["messageId"] == ["custom-id@example.com"]
    assert e["references"] == ["root@example.com", "parent@example.com"]
    assert same_instant(e["sentAt"], "2024-01-02T03:04:05+01:00")
    assert e["header:X-Custom-Thing:asText"] == "välue ✓"
    assert e["header:X-Raw"] == " raw value kept"
    sub = e["bodyStructure"]["subParts"]
    assert sub[1]["cid"] == "img1@x" and sub[1]["disposition"] == "inline"
    assert sub[1]["name"] == "pïc.png" and sub[1]["size"] == len(png)


def test_create_attaching_parts_and_whole_messages(account):
    """Forwarding: a part's blobId and an email's blobId used as
    attachments of a new email."""
    original = import_raw(account, STRUCTURE)
    c = by_cid(get_email(account, original["id"], ["bodyStructure"])["bodyStructure"])["C"]
    made = create_email(account, {
        "mailboxIds": {mailbox(account, "drafts"): True},
        "from": [{"email": account.address, "name": None}],
        "subject": "Fwd: Structure",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "Forwarding.\n"}},
        "attachments": [
            {"blobId": c["blobId"], "type": "image/jpeg", "name": "c.jpg",
             "disposition": "attachment"},
            {"blobId": original["blobId"], "type": "message/rfc822", "name": "original.eml",
             "disposition": "attachment"},
        ]})
    att = get_email(account, made["id"], ["attachments"])["attachments"]
    assert [a["type"] for a in att] == ["image/jpeg", "message/rfc822"]
    assert download(account, att[0]["blobId"]) == JPEG
    assert download(account, att[1]["blobId"]) == STRUCTURE


@pytest.mark.parametrize("ctype", ["application/octet-stream", "application/pdf", "image/png"])
def test_attachments_keep_their_bytes(account, ctype):
    """Non-text content that looks like text (LF line ends, a lone CR,
    trailing spaces) is carried unchanged, from an upload or from a part
    of another email."""
    data = b"%PDF-1.4\nline two  \nline\rthree\n\n%%EOF\n"
    first = create_email(account, _compose(account, attachments=[
        {"blobId": upload(account, data, ctype), "type": ctype, "name": "a.bin",
         "disposition": "attachment"}]))
    att = get_email(account, first["id"], ["attachments"])["attachments"]
    assert att[0]["size"] == len(data) and download(account, att[0]["blobId"]) == data
    second = create_email(account, _compose(account, attachments=[
        {"blobId": att[0]["blobId"], "type": ctype, "name": "b.bin",
         "disposition": "attachment"}]))
    att = get_email(account, second["id"], ["attachments"])["attachments"]
    assert att[0]["size"] == len(data) and download(account, att[0]["blobId"]) == data


def test_create_blob_not_found(account):
    obj = _compose(account, attachments=[
        {"blobId": "Gnosuchblob0", "type": "application/pdf", "name": "x.pdf"},
        {"blobId": "Gnosuchblob1", "type": "application/pdf", "name": "y.pdf"}])
    err = create_error(account, obj)
    assert err["type"] == "blobNotFound", err
    assert sorted(err["notFound"]) == ["Gnosuchblob0", "Gnosuchblob1"]


def _bad_creates(account):
    body = {"textBody": [{"partId": "t", "type": "text/plain"}],
            "bodyValues": {"t": {"value": "x"}}}
    inbox = {mailbox(account, "drafts"): True}
    base = dict(body, mailboxIds=inbox, subject="bad")
    part = {"partId": "t", "type": "text/plain"}
    return {
        "headers": dict(base, headers=[{"name": "X-A", "value": " b"}]),
        "duplicate-header": dict(base, **{"header:Subject": " twice"}),
        "duplicate-from": dict(base, **{"from": [{"email": "a@example.com"}],
                                        "header:From:asAddresses": [{"email": "a@example.com"}]}),
        "forbidden-form": dict(base, **{"header:From:asDate": "2024-01-01T00:00:00Z"}),
        "content-header-on-email": dict(base, **{"header:Content-Type": " text/plain"}),
        "structure-and-text": dict(base, bodyStructure=part),
        "two-text-parts": dict(base, textBody=[part, {"partId": "u", "type": "text/plain"}],
                               bodyValues={"t": {"value": "x"}, "u": {"value": "y"}}),
        "html-as-text": dict(base, textBody=[{"partId": "t", "type": "text/html"}]),
        "text-as-html": dict(base, textBody=None, htmlBody=[part]),
        "part-not-in-values": dict(base, bodyValues={}),
        "part-and-blob": dict(base, textBody=[dict(part, blobId=upload(account, b"x",
                                                                       "text/plain"))]),
        "charset-with-part": dict(base, textBody=[dict(part, charset="utf-8")]),
        "size-with-part": dict(base, textBody=[dict(part, size=1)]),
        "cte-in-part": dict(base, textBody=[dict(part, **{
            "header:Content-Transfer-Encoding": " base64"})]),
        "truncated-value": dict(base, bodyValues={"t": {"value": "x", "isTruncated": True}}),
        "encoding-problem-value": dict(base, bodyValues={"t": {"value": "x",
                                                               "isEncodingProblem": True}}),
        "no-mailbox": dict(body, subject="bad"),
        "empty-mailboxes": dict(base, mailboxIds={}),
        "unknown-mailbox": dict(base, mailboxIds={"m999999999": True}),
        "bad-keyword": dict(base, keywords={"a(b": True}),
        "server-set-id": dict(base, id="e1"),
        "server-set-size": dict(base, size=5),
        "server-set-thread": dict(base, threadId="t1"),
        "bad-address": dict(base, **{"from": "alice@example.com"}),
        "unknown-property": dict(base, noSuchProperty=1),
    }


BAD_CREATES = ["headers", "duplicate-header", "duplicate-from", "forbidden-form",
               "content-header-on-email", "structure-and-text", "two-text-parts", "html-as-text",
               "text-as-html", "part-not-in-values", "part-and-blob", "charset-with-part",
               "size-with-part", "cte-in-part", "truncated-value", "encoding-problem-value",
               "no-mailbox", "empty-mailboxes", "unknown-mailbox", "bad-keyword", "server-set-id",
               "server-set-size", "server-set-thread", "bad-address", "unknown-property"]


@pytest.mark.parametrize("case", BAD_CREATES)
def test_create_invalid(account, case):
    obj = _bad_creates(account)[case]
    if obj.get("textBody") is None:
        obj.pop("textBody", None)
    before = email_state(account)
    err = create_error(account, obj)
    assert err["type"] == "invalidProperties", (case, err)
    assert email_state(account) == before


# ---------------------------------------------------------------- set: update and destroy

def test_update_keywords_whole_and_by_patch(account):
    inbox = mailbox(account, "inbox")
    made = import_raw(account, message())
    eid = made["id"]
    assert mailbox_counts(account, inbox)["unreadEmails"] == 1
    before = email_state(account)
    out = update_email(account, eid, {"keywords": {"$seen": True, "$Flagged": True}})
    assert out["oldState"] == before and out["newState"] != before
    assert get_email(account, eid, ["keywords"])["keywords"] == {"$seen": True, "$flagged": True}
    assert mailbox_counts(account, inbox)["unreadEmails"] == 0
    update_email(account, eid, {"keywords/$answered": True, "keywords/$seen": None})
    assert get_email(account, eid, ["keywords"])["keywords"] == {"$flagged": True,
                                                                "$answered": True}
    assert mailbox_counts(account, inbox) == {"totalEmails": 1, "unreadEmails": 1,
                                              "totalThreads": 1, "unreadThreads": 1}
    update_email(account, eid, {"keywords": {}})
    assert get_email(account, eid, ["keywords"])["keywords"] == {}


def test_update_mailboxes_whole_and_by_patch(account):
    boxes = mailboxes(account)
    eid = import_raw(account, message())["id"]
    update_email(account, eid, {f"mailboxIds/{boxes['archive']}": True,
                                f"mailboxIds/{boxes['inbox']}": None})
    assert get_email(account, eid, ["mailboxIds"])["mailboxIds"] == {boxes["archive"]: True}
    assert mailbox_counts(account, boxes["inbox"])["totalEmails"] == 0
    assert mailbox_counts(account, boxes["archive"])["totalEmails"] == 1
    update_email(account, eid, {"mailboxIds": {boxes["trash"]: True, boxes["junk"]: True}})
    assert get_email(account, eid, ["mailboxIds"])["mailboxIds"] == {boxes["trash"]: True,
                                                                     boxes["junk"]: True}
    assert account.ok("Email/query", {"filter": {"inMailbox": boxes["junk"]}})["ids"] == [eid]


@pytest.mark.parametrize("patch_of", [
    "no-mailbox", "removing-last-mailbox", "unknown-mailbox", "false-mailbox", "false-keyword",
    "patch-false-keyword", "bad-keyword", "bad-keyword-patch", "subject", "blobId", "receivedAt",
    "unknown",
])
def test_update_invalid(account, patch_of):
    boxes = mailboxes(account)
    eid = import_raw(account, message())["id"]
    patch = {
        "no-mailbox": {"mailboxIds": {}},
        "removing-last-mailbox": {f"mailboxIds/{boxes['inbox']}": None},
        "unknown-mailbox": {"mailboxIds/m999999999": True},
        "false-mailbox": {"mailboxIds": {boxes["inbox"]: False}},
        "false-keyword": {"keywords": {"$seen": False}},
        "patch-false-keyword": {"keywords/$seen": False},
        "bad-keyword": {"keywords": {"a]b": True}},
        "bad-keyword-patch": {"keywords/a%b": True},
        "subject": {"subject": "changed"},
        "blobId": {"blobId": "Gother"},
        "receivedAt": {"receivedAt": "2020-01-01T00:00:00Z"},
        "unknown": {"noSuchProperty": 1},
    }[patch_of]
    err = update_error(account, eid, patch)
    assert err["type"] == "invalidProperties", (patch_of, err)
    got = get_email(account, eid, ["mailboxIds", "keywords"])
    assert got == {"id": eid, "mailboxIds": {boxes["inbox"]: True}, "keywords": {}}


def test_destroy(account):
    inbox = mailbox(account, "inbox")
    keep = import_raw(account, message(subject="keep"))["id"]
    gone = import_raw(account, message(subject="gone"))["id"]
    out = email_set(account, destroy=[gone, "e999999999"])
    assert out["destroyed"] == [gone]
    assert out["notDestroyed"]["e999999999"]["type"] == "notFound"
    got = account.ok("Email/get", {"ids": [keep, gone], "properties": ["subject"]})
    assert [e["id"] for e in got["list"]] == [keep] and got["notFound"] == [gone]
    assert mailbox_counts(account, inbox)["totalEmails"] == 1
    assert account.ok("Email/query", {})["ids"] == [keep]
    out = email_set(account, update={gone: {"keywords": {}}})
    assert out["notUpdated"][gone]["type"] == "notFound"


def test_create_update_destroy_in_one_call_with_creation_references(account):
    drafts = mailbox(account, "drafts")
    old = import_raw(account, message(subject="old"))["id"]
    out = account.jmap.request([
        ["Email/set", {"accountId": account.id,
                       "create": {"d": {"mailboxIds": {drafts: True}, "subject": "draft",
                                        "keywords": {"$draft": True},
                                        "textBody": [{"partId": "1", "type": "text/plain"}],
                                        "bodyValues": {"1": {"value": "draft body"}}}},
                       "update": {old: {"keywords/$seen": True}},
                       "destroy": []}, "0"],
        ["Email/set", {"accountId": account.id, "update": {"#d": {"keywords/$flagged": True}}},
         "1"],
        ["Email/get", {"accountId": account.id, "ids": ["#d", old],
                       "properties": ["subject", "keywords"]}, "2"],
    ])["methodResponses"]
    assert out[0][0] == "Email/set" and "d" in out[0][1]["created"], out
    new_id = out[0][1]["created"]["d"]["id"]
    assert new_id in out[1][1]["updated"], out
    got = {e["id"]: e for e in out[2][1]["list"]}
    assert got[new_id]["keywords"] == {"$draft": True, "$flagged": True}
    assert got[old]["keywords"] == {"$seen": True}


# ---------------------------------------------------------------- changes

def test_changes(account):
    s0 = email_state(account)
    a = import_raw(account, message(subject="a"))["id"]
    b = import_raw(account, message(subject="b"))["id"]
    ch = account.ok("Email/changes", {"sinceState": s0})
    assert ch["oldState"] == s0 and ch["newState"] == email_state(account)
    assert sorted(ch["created"]) == sorted([a, b])
    assert ch["updated"] == [] and ch["destroyed"] == [] and ch["hasMoreChanges"] is False
    s1 = ch["newState"]
    update_email(account, a, {"keywords/$seen": True})
    email_set(account, destroy=[b])
    ch = account.ok("Email/changes", {"sinceState": s1})
    assert ch["created"] == [] and ch["updated"] == [a] and ch["destroyed"] == [b]
    # RFC 8620 §5.2: created then updated shows as created; created then
    # destroyed is left out, or shown as destroyed (and maybe created).
    ch = account.ok("Email/changes", {"sinceState": s0})
    assert a in ch["created"] and b not in ch["updated"]
    assert b not in ch["created"] or b in ch["destroyed"]
    paged = account.ok("Email/changes", {"sinceState": s1, "maxChanges": 1})
    assert len(paged["created"]) + len(paged["updated"]) + len(paged["destroyed"]) <= 1
    assert paged["hasMoreChanges"] is True
    assert account.error("Email/changes", {"sinceState": "nosuchstate"}) == "cannotCalculateChanges"


def test_email_delivery_is_not_a_method(account):
    assert account.error("EmailDelivery/get", {"ids": None}) == "unknownMethod"


# ---------------------------------------------------------------- copy

def test_copy_errors_with_a_single_account(account, other_account):
    eid = import_raw(account, message())["id"]
    inbox = mailbox(account, "inbox")
    create = {"c": {"id": eid, "mailboxIds": {inbox: True}}}
    # RFC 8620 §5.4: accountId MUST be different to fromAccountId.
    assert account.error("Email/copy", {"fromAccountId": account.id, "create": create}) \
        == "invalidArguments"
    assert account.error("Email/copy", {"fromAccountId": "Anosuchaccount", "create": create}) \
        == "fromAccountNotFound"
    # An account the user cannot see does not exist for them.
    assert account.error("Email/copy", {"fromAccountId": other_account.id, "create": create}) \
        == "fromAccountNotFound"
    assert account.error("Email/copy", {"fromAccountId": account.id,
                                        "accountId": "Anosuchaccount", "create": create}) \
        == "accountNotFound"
    assert account.ok("Email/query", {})["ids"] == [eid]


# ---------------------------------------------------------------- isolation

def test_accounts_are_isolated(account, other_account):
    eid = import_raw(account, message(subject="private"))["id"]
    out = other_account.ok("Email/get", {"ids": [eid], "properties": ["subject"]})
    assert out["list"] == [] and out["notFound"] == [eid]
    assert other_account.ok("Email/query", {})["ids"] == []
    assert other_account.error("Email/get", {"accountId": account.id, "ids": [eid]}) \
        == "accountNotFound"


# ---------------------------------------------------------------- a real client

def _node():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "jmap-jam").is_dir():
        npm = shutil.which("npm")
        assert npm, "node without npm: cannot install jmap-jam"
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def test_jmap_jam_mail_scenario(server, account):
    """jmap-jam uploads a message, imports it, queries and reads it,
    flags it, and reads it back (tests/integration/js/mail.mjs)."""
    node = _node()
    env = dict(os.environ, TERN_SESSION_URL=f"http://127.0.0.1:{server.http_port}/.well-known/jmap",
               TERN_USER=account.name, TERN_PASSWORD=account.password)
    proc = subprocess.run([node, str(JS_DIR / "mail.mjs")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    eid = report["emailId"]
    got = get_email(account, eid, ["subject", "keywords", "mailboxIds", "from", "size"])
    assert got["subject"] == report["subject"] == "Hello from jmap-jam ✓"
    assert got["keywords"] == {"$seen": True, "$flagged": True}
    assert got["mailboxIds"] == {mailbox(account, "inbox"): True}
    assert got["from"] == [{"name": "Jam Client", "email": "jam@example.com"}]
    assert report["queried"] == [eid]
    assert report["bodyText"] == "Sent by a real JMAP client.\n"
    assert got["size"] == report["size"]
