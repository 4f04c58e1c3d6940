"""Mail helpers for the integration tests of JMAP Mail (issue 3): raw
messages, uploads and downloads, Email/import, Email/get and Email/set
shortcuts, and accounts with several addresses or a quota.

Everything goes through the public HTTP API, as a client would."""
import base64
import datetime
import email
import email.policy
import secrets
import urllib.parse

import tern
from tern import CORE, MAIL

SUBMISSION = "urn:ietf:params:jmap:submission"
VACATION = "urn:ietf:params:jmap:vacationresponse"
QUOTA = "urn:ietf:params:jmap:quota"
BLOB = "urn:ietf:params:jmap:blob"
MAIL_USING = [CORE, MAIL]
SUBMIT_USING = [CORE, MAIL, SUBMISSION]

# RFC 8621 §4.2: what Email/get returns when properties is omitted.
EMAIL_DEFAULT_PROPS = {
    "id", "blobId", "threadId", "mailboxIds", "keywords", "size", "receivedAt", "messageId",
    "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo", "subject",
    "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody", "attachments",
}
# §4.2: the default bodyProperties.
BODY_DEFAULT_PROPS = {"partId", "blobId", "size", "name", "type", "charset", "disposition",
                      "cid", "language", "location"}
# §4.9: what Email/parse returns when properties is omitted.
PARSE_DEFAULT_PROPS = {
    "messageId", "inReplyTo", "references", "sender", "from", "to", "cc", "bcc", "replyTo",
    "subject", "sentAt", "hasAttachment", "preview", "bodyValues", "textBody", "htmlBody",
    "attachments",
}


# ---------------------------------------------------------------- raw messages

def crlf(text):
    """str (UTF-8) or bytes with LF or CRLF line ends -> bytes with CRLF."""
    data = text.encode() if isinstance(text, str) else text
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def message(subject="Hello", frm="Alice Archer <alice@example.com>", to="Bob <bob@example.com>",
            body="Hello there.\n", date="Mon, 01 Jan 2024 10:00:00 +0000", message_id=None,
            headers=(), content_type="text/plain; charset=utf-8"):
    """A simple single-part message as CRLF bytes. headers: (name, value)
    pairs added after the standard ones. A value None leaves the field out."""
    lines = []
    if frm is not None:
        lines.append(f"From: {frm}")
    if to is not None:
        lines.append(f"To: {to}")
    if subject is not None:
        lines.append(f"Subject: {subject}")
    if date is not None:
        lines.append(f"Date: {date}")
    mid = message_id if message_id is not None else f"<{secrets.token_hex(8)}@test.example>"
    if mid:
        lines.append(f"Message-ID: {mid}")
    lines += [f"{k}: {v}" for k, v in headers]
    lines += ["MIME-Version: 1.0", f"Content-Type: {content_type}",
              "Content-Transfer-Encoding: 8bit", "", body]
    return crlf("\n".join(lines))


def parse_mime(raw):
    """The stdlib's view of raw bytes (headers decoded, RFC 2231 names)."""
    return email.message_from_bytes(raw, policy=email.policy.default)


def raw_header_block(raw):
    return raw.split(b"\r\n\r\n", 1)[0]


def parse_date(value):
    """A JMAP Date or UTCDate string -> aware datetime."""
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def utc(value):
    """'2024-01-02T03:04:05Z' style string for a datetime or a string."""
    if isinstance(value, str):
        value = parse_date(value)
    return value.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- accounts

def account_with(srv, addresses=1, quota=0, domain="acct.test", prefix="m"):
    """A user with `addresses` addresses (the first is the login name's)
    and a quota in bytes (0 = none)."""
    admin = srv.admin()
    admin.ensure_domain(domain)
    name = tern.unique(prefix)
    password = secrets.token_urlsafe(12)
    emails = [f"{name}@{domain}"] + [f"{name}.alias{i}@{domain}" for i in range(1, addresses)]
    p = admin.create_user(name, [password], emails, quota=quota)
    acct = tern.Account(srv, p, password, emails[0])
    acct.addresses = emails
    return acct


def mailboxes(acct):
    """role (or name when it has no role) -> mailbox id."""
    out = acct.ok("Mailbox/get", {"ids": None, "properties": ["name", "role"]})["list"]
    return {m["role"] or m["name"]: m["id"] for m in out}


def mailbox(acct, role):
    return mailboxes(acct)[role]


def mailbox_counts(acct, mailbox_id):
    got = acct.ok("Mailbox/get", {"ids": [mailbox_id]})["list"][0]
    return {k: got[k] for k in ("totalEmails", "unreadEmails", "totalThreads", "unreadThreads")}


# ---------------------------------------------------------------- blobs

def upload(acct, data, ctype="message/rfc822"):
    """Uploads data (RFC 8620 §6.1); returns the blobId."""
    r = acct.srv.request("POST", f"/jmap/upload/{acct.id}/", body=data,
                         headers={"Content-Type": ctype}, auth=(acct.name, acct.password))
    assert r.status == 201, r
    out = r.json()
    assert out["size"] == len(data), out
    return out["blobId"]


def download_response(acct, blob_id, ctype="application/octet-stream", name="blob"):
    template = acct.jmap.session()["downloadUrl"]
    url = template
    for k, v in (("accountId", acct.id), ("blobId", blob_id), ("type", ctype), ("name", name)):
        url = url.replace("{" + k + "}", urllib.parse.quote(v, safe=""))
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    return acct.srv.request("GET", path, auth=(acct.name, acct.password))


def download(acct, blob_id, ctype="application/octet-stream", name="blob"):
    r = download_response(acct, blob_id, ctype, name)
    assert r.status == 200, (blob_id, r)
    return r.body


def b64(data):
    return base64.b64encode(data).decode()


# ---------------------------------------------------------------- emails

def import_raw(acct, raw, mailbox_ids=None, keywords=None, received_at=None, role="inbox"):
    """Uploads raw and imports it; returns the created object (id, blobId,
    threadId, size). mailbox_ids defaults to the mailbox with `role`."""
    blob = upload(acct, raw)
    item = {"blobId": blob, "mailboxIds": mailbox_ids or {mailbox(acct, role): True}}
    if keywords is not None:
        item["keywords"] = keywords
    if received_at is not None:
        item["receivedAt"] = received_at
    out = acct.ok("Email/import", {"emails": {"m": item}})
    assert not out.get("notCreated"), out
    return out["created"]["m"]


def import_error(acct, item):
    """Runs one Email/import expected to fail; returns its SetError."""
    out = acct.ok("Email/import", {"emails": {"m": item}})
    assert not out.get("created"), out
    return out["notCreated"]["m"]


def get_emails(acct, ids, properties=None, **extra):
    args = dict(extra, ids=ids)
    if properties is not None:
        args["properties"] = properties
    return acct.ok("Email/get", args)


def get_email(acct, email_id, properties=None, **extra):
    out = get_emails(acct, [email_id], properties, **extra)
    assert len(out["list"]) == 1 and not out.get("notFound"), out
    return out["list"][0]


def email_set(acct, **args):
    return acct.ok("Email/set", args)


def create_email(acct, obj):
    """Email/set create of one email; returns the created object."""
    out = email_set(acct, create={"c": obj})
    assert not out.get("notCreated"), out
    return out["created"]["c"]


def create_error(acct, obj):
    out = email_set(acct, create={"c": obj})
    assert not (out.get("created") or {}).get("c"), out
    return out["notCreated"]["c"]


def update_email(acct, email_id, patch):
    out = email_set(acct, update={email_id: patch})
    assert email_id in (out.get("updated") or {}), out
    return out


def update_error(acct, email_id, patch):
    out = email_set(acct, update={email_id: patch})
    assert email_id not in (out.get("updated") or {}), out
    return out["notUpdated"][email_id]


def leaves(part):
    """The leaf parts of a bodyStructure, depth first."""
    if part.get("subParts"):
        out = []
        for sub in part["subParts"]:
            out += leaves(sub)
        return out
    return [part]


def email_state(acct):
    return acct.ok("Email/get", {"ids": []})["state"]
