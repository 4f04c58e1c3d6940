"""Identity (RFC 8621 §6) and EmailSubmission (§7): one identity per
address of the account, forbiddenFrom; submissions checked against the
account's addresses, kept pending in a durable outbound queue,
onSuccessUpdateEmail/onSuccessDestroyEmail, query and changes.
Issue 3, item 4."""
import datetime

import pytest

import tern
from tern_mail import (SUBMISSION, SUBMIT_USING, account_with, create_email, get_email, mailbox,
                       mailboxes, parse_date)

IDENTITY_PROPS = {"id", "name", "email", "replyTo", "bcc", "textSignature", "htmlSignature",
                  "mayDelete"}
SUBMISSION_PROPS = {"id", "identityId", "emailId", "threadId", "envelope", "sendAt",
                    "undoStatus", "deliveryStatus", "dsnBlobIds", "mdnBlobIds"}


# The queue is held (no sender threads) so that submissions stay pending:
# these tests look at what EmailSubmission/set stored, before any attempt.
# Sending is tested in test_smtp_queue.py.
HOLD_QUEUE = "queue = { outbound = { threads = 0; }; };"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = tern.Ternd(tmp_path_factory.mktemp("ternd"), extra=HOLD_QUEUE)
    srv.start()
    yield srv
    problems = srv.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture
def sender(server):
    """An account with three addresses."""
    return account_with(server, addresses=3)


def ok(acct, method, args):
    return acct.ok(method, args, using=SUBMIT_USING)


def error(acct, method, args):
    return acct.error(method, args, using=SUBMIT_USING)


def identities(acct):
    return ok(acct, "Identity/get", {"ids": None})["list"]


def identity_for(acct, address):
    return next(i for i in identities(acct) if i["email"] == address)


def draft(acct, frm=None, to=("rcpt@example.net",), cc=(), bcc=(), sender=None, subject="Send me"):
    obj = {
        "mailboxIds": {mailbox(acct, "drafts"): True},
        "keywords": {"$draft": True},
        "from": [{"name": "Me", "email": frm or acct.address}],
        "subject": subject,
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "bodyValues": {"1": {"value": "Body of the message.\n"}},
    }
    for key, addrs in (("to", to), ("cc", cc), ("bcc", bcc)):
        if addrs:
            obj[key] = [{"name": None, "email": a} for a in addrs]
    if sender:
        obj["sender"] = [{"name": None, "email": sender}]
    return create_email(acct, obj)


def submit(acct, email_id, identity_id=None, envelope=None, **extra):
    sub = {"emailId": email_id, "identityId": identity_id or identity_for(acct, acct.address)["id"]}
    if envelope is not None:
        sub["envelope"] = envelope
    return ok(acct, "EmailSubmission/set", dict(extra, create={"k": sub}))


def submit_error(acct, email_id, **kw):
    out = submit(acct, email_id, **kw)
    assert not (out.get("created") or {}).get("k"), out
    return out["notCreated"]["k"]


def env(mail_from, *rcpts):
    return {"mailFrom": {"email": mail_from, "parameters": None},
            "rcptTo": [{"email": r, "parameters": None} for r in rcpts]}


# ---------------------------------------------------------------- capability

def test_session_advertises_submission(sender):
    s = sender.jmap.session()
    assert s["capabilities"][SUBMISSION] == {}
    caps = s["accounts"][sender.id]["accountCapabilities"][SUBMISSION]
    assert isinstance(caps["maxDelayedSend"], int) and caps["maxDelayedSend"] >= 0
    assert isinstance(caps["submissionExtensions"], dict)
    for name, args in caps["submissionExtensions"].items():
        assert isinstance(name, str) and isinstance(args, list)
    assert s["primaryAccounts"][SUBMISSION] == sender.id


def test_methods_need_the_submission_capability(sender):
    assert sender.error("Identity/get", {"ids": None}) == "unknownMethod"
    assert sender.error("EmailSubmission/get", {"ids": None}) == "unknownMethod"


# ---------------------------------------------------------------- Identity

def test_one_identity_per_address(sender):
    got = identities(sender)
    assert sorted(i["email"] for i in got) == sorted(sender.addresses)
    for i in got:
        assert set(i) == IDENTITY_PROPS, i
        assert tern.jmap_id_ok(i["id"])
        assert isinstance(i["name"], str)
        assert i["replyTo"] is None and i["bcc"] is None
        assert i["textSignature"] == "" and i["htmlSignature"] == ""
        assert isinstance(i["mayDelete"], bool)
    out = ok(sender, "Identity/get", {"ids": [got[0]["id"], "I999999"], "properties": ["email"]})
    assert out["list"] == [{"id": got[0]["id"], "email": got[0]["email"]}]
    assert out["notFound"] == ["I999999"]


def test_identity_update(sender):
    ident = identity_for(sender, sender.address)
    before = ok(sender, "Identity/get", {"ids": []})["state"]
    out = ok(sender, "Identity/set", {"update": {ident["id"]: {
        "name": "Zoë Sender", "textSignature": "-- \nZoë", "htmlSignature": "<p>Zoë</p>",
        "replyTo": [{"name": "Replies", "email": "replies@example.com"}],
        "bcc": [{"name": None, "email": "archive@example.com"}]}}})
    assert ident["id"] in out["updated"], out
    assert out["oldState"] == before and out["newState"] != before
    got = identity_for(sender, sender.address)
    assert got["name"] == "Zoë Sender" and got["textSignature"] == "-- \nZoë"
    assert got["htmlSignature"] == "<p>Zoë</p>"
    assert got["replyTo"] == [{"name": "Replies", "email": "replies@example.com"}]
    assert got["bcc"] == [{"name": None, "email": "archive@example.com"}]
    out = ok(sender, "Identity/set", {"update": {ident["id"]: {"email": "other@example.com"}}})
    assert out["notUpdated"][ident["id"]]["type"] == "invalidProperties"
    ch = ok(sender, "Identity/changes", {"sinceState": before})
    assert ch["updated"] == [ident["id"]] and ch["created"] == [] and ch["destroyed"] == []


def test_identity_create_and_destroy(sender):
    before = ok(sender, "Identity/get", {"ids": []})["state"]
    alias = sender.addresses[1]
    out = ok(sender, "Identity/set", {"create": {
        "mine": {"name": "Second persona", "email": alias},
        "foreign": {"name": "Not mine", "email": "ceo@elsewhere.example"},
        "other-user": {"email": "admin@acct.test"},
        "no-email": {"name": "Nameless"},
    }})
    made = out["created"]["mine"]
    assert tern.jmap_id_ok(made["id"]) and "mayDelete" in made
    assert out["notCreated"]["foreign"]["type"] == "forbiddenFrom"
    assert out["notCreated"]["other-user"]["type"] == "forbiddenFrom"
    assert out["notCreated"]["no-email"]["type"] == "invalidProperties"
    # §6: several identities may share an address.
    assert sorted(i["email"] for i in identities(sender)) == sorted(sender.addresses + [alias])
    ch = ok(sender, "Identity/changes", {"sinceState": before})
    assert ch["created"] == [made["id"]]
    got = ok(sender, "Identity/get", {"ids": [made["id"]]})["list"][0]
    assert got["mayDelete"] is True and got["name"] == "Second persona"
    out = ok(sender, "Identity/set", {"destroy": [made["id"]]})
    assert out["destroyed"] == [made["id"]]
    assert len(identities(sender)) == len(sender.addresses)


def test_identity_with_may_delete_false_cannot_be_destroyed(sender):
    fixed = [i for i in identities(sender) if not i["mayDelete"]]
    for ident in fixed:
        out = ok(sender, "Identity/set", {"destroy": [ident["id"]]})
        assert out["notDestroyed"][ident["id"]]["type"] == "forbidden"


# ---------------------------------------------------------------- EmailSubmission/set

def test_submission_is_pending_with_generated_envelope(sender):
    e = draft(sender, to=["bob@example.net", "Carol@Example.org"], cc=["bob@example.net"],
              bcc=["dan@example.com"])
    ident = identity_for(sender, sender.address)
    before = ok(sender, "EmailSubmission/get", {"ids": []})["state"]
    out = submit(sender, e["id"], ident["id"])
    assert out["oldState"] == before and out["newState"] != before
    made = out["created"]["k"]
    assert tern.jmap_id_ok(made["id"])
    got = ok(sender, "EmailSubmission/get", {"ids": [made["id"]]})["list"][0]
    assert set(got) == SUBMISSION_PROPS, got
    assert got["emailId"] == e["id"] and got["identityId"] == ident["id"]
    assert got["threadId"] == e["threadId"]
    assert got["undoStatus"] == "pending"
    assert got["dsnBlobIds"] == [] and got["mdnBlobIds"] == []
    envelope = got["envelope"]
    assert envelope["mailFrom"]["email"] == sender.address
    assert not envelope["mailFrom"].get("parameters")
    rcpts = [r["email"].lower() for r in envelope["rcptTo"]]
    assert sorted(rcpts) == ["bob@example.net", "carol@example.org", "dan@example.com"]
    assert all(not r.get("parameters") for r in envelope["rcptTo"])
    now = datetime.datetime.now(datetime.timezone.utc)
    assert abs((parse_date(got["sendAt"]) - now).total_seconds()) < 300
    assert got["sendAt"].endswith("Z")


def test_submission_with_explicit_envelope_and_alias(sender):
    alias = sender.addresses[2]
    e = draft(sender, frm=alias)
    ident = identity_for(sender, alias)
    out = submit(sender, e["id"], ident["id"], envelope=env(alias, "x@example.net",
                                                            "y@example.net"))
    made = out["created"]["k"]
    got = ok(sender, "EmailSubmission/get", {"ids": [made["id"]]})["list"][0]
    assert got["envelope"]["mailFrom"]["email"] == alias
    assert [r["email"] for r in got["envelope"]["rcptTo"]] == ["x@example.net", "y@example.net"]


def test_generated_mail_from_prefers_sender_header(sender):
    e = draft(sender, frm=sender.addresses[1], sender=sender.address)
    made = submit(sender, e["id"])["created"]["k"]
    got = ok(sender, "EmailSubmission/get", {"ids": [made["id"]]})["list"][0]
    assert got["envelope"]["mailFrom"]["email"] == sender.address


def test_forbidden_mail_from(sender):
    e = draft(sender)
    err = submit_error(sender, e["id"], envelope=env("ceo@elsewhere.example", "x@example.net"))
    assert err["type"] == "forbiddenMailFrom", err


def test_forbidden_from(sender):
    e = draft(sender, frm="ceo@elsewhere.example")
    err = submit_error(sender, e["id"], envelope=env(sender.address, "x@example.net"))
    assert err["type"] == "forbiddenFrom", err
    # With no envelope, mailFrom falls back to the identity (§7): the
    # From header field is still not the user's.
    err = submit_error(sender, e["id"])
    assert err["type"] == "forbiddenFrom", err


def test_another_users_address_is_forbidden(server, sender):
    other = account_with(server)
    e = draft(sender, frm=other.address)
    err = submit_error(sender, e["id"], envelope=env(sender.address, "x@example.net"))
    assert err["type"] == "forbiddenFrom", err
    e = draft(sender)
    err = submit_error(sender, e["id"], envelope=env(other.address, "x@example.net"))
    assert err["type"] == "forbiddenMailFrom", err


def test_no_recipients(sender):
    e = draft(sender, to=())
    assert submit_error(sender, e["id"])["type"] == "noRecipients"
    e = draft(sender)
    err = submit_error(sender, e["id"], envelope=env(sender.address))
    assert err["type"] == "noRecipients", err


def test_invalid_recipients(sender):
    e = draft(sender)
    err = submit_error(sender, e["id"], envelope=env(sender.address, "good@example.net",
                                                     "not an address"))
    assert err["type"] == "invalidRecipients", err
    assert err["invalidRecipients"] == ["not an address"]


def test_unknown_email_or_identity(sender):
    e = draft(sender)
    err = submit_error(sender, "e999999999")
    assert err["type"] == "invalidProperties", err
    err = submit_error(sender, e["id"], identity_id="I999999999")
    assert err["type"] == "invalidProperties", err


def test_failed_submission_leaves_no_trace(sender):
    before = ok(sender, "EmailSubmission/get", {"ids": []})["state"]
    e = draft(sender)
    submit_error(sender, e["id"], envelope=env("ceo@elsewhere.example", "x@example.net"))
    assert ok(sender, "EmailSubmission/get", {"ids": []})["state"] == before
    assert ok(sender, "EmailSubmission/get", {"ids": None})["list"] == []


# ---------------------------------------------------------------- onSuccess*

def test_on_success_update_email(sender):
    boxes = mailboxes(sender)
    e = draft(sender)
    out = sender.jmap.request([["EmailSubmission/set", {
        "accountId": sender.id,
        "create": {"k1": {"emailId": e["id"],
                          "identityId": identity_for(sender, sender.address)["id"]}},
        "onSuccessUpdateEmail": {"#k1": {
            "keywords/$draft": None, "keywords/$seen": True,
            f"mailboxIds/{boxes['drafts']}": None, f"mailboxIds/{boxes['sent']}": True}},
    }, "0"]], SUBMIT_USING)["methodResponses"]
    assert [r[0] for r in out] == ["EmailSubmission/set", "Email/set"], out
    assert "k1" in out[0][1]["created"]
    assert e["id"] in out[1][1]["updated"], out
    got = get_email(sender, e["id"], ["keywords", "mailboxIds"])
    assert got["keywords"] == {"$seen": True}
    assert got["mailboxIds"] == {boxes["sent"]: True}


def test_on_success_destroy_email(sender):
    e = draft(sender)
    out = sender.jmap.request([["EmailSubmission/set", {
        "accountId": sender.id,
        "create": {"k1": {"emailId": e["id"],
                          "identityId": identity_for(sender, sender.address)["id"]}},
        "onSuccessDestroyEmail": ["#k1"],
    }, "0"]], SUBMIT_USING)["methodResponses"]
    assert [r[0] for r in out] == ["EmailSubmission/set", "Email/set"], out
    assert out[1][1]["destroyed"] == [e["id"]]
    sub_id = out[0][1]["created"]["k1"]["id"]
    got = ok(sender, "EmailSubmission/get", {"ids": [sub_id]})["list"][0]
    # §7.5: destroying the email does not change the submission.
    assert got["emailId"] == e["id"] and got["undoStatus"] == "pending"
    assert sender.ok("Email/get", {"ids": [e["id"]]})["notFound"] == [e["id"]]


def test_on_success_not_applied_when_creation_fails(sender):
    e = draft(sender)
    out = sender.jmap.request([["EmailSubmission/set", {
        "accountId": sender.id,
        "create": {"k1": {"emailId": e["id"],
                          "identityId": identity_for(sender, sender.address)["id"],
                          "envelope": env("ceo@elsewhere.example", "x@example.net")}},
        "onSuccessDestroyEmail": ["#k1"],
    }, "0"]], SUBMIT_USING)["methodResponses"]
    assert out[0][0] == "EmailSubmission/set" and "k1" in out[0][1]["notCreated"]
    assert all(r[0] != "Email/set" or not r[1].get("destroyed") for r in out[1:])
    assert get_email(sender, e["id"], ["subject"])["subject"] == "Send me"


# ---------------------------------------------------------------- update, destroy

def test_cancel_a_pending_submission(sender):
    e = draft(sender)
    sub_id = submit(sender, e["id"])["created"]["k"]["id"]
    out = ok(sender, "EmailSubmission/set", {"update": {sub_id: {"undoStatus": "canceled"}}})
    if sub_id in (out.get("updated") or {}):
        got = ok(sender, "EmailSubmission/get", {"ids": [sub_id]})["list"][0]
        assert got["undoStatus"] == "canceled"
    else:
        assert out["notUpdated"][sub_id]["type"] == "cannotUnsend", out


@pytest.mark.parametrize("patch", [
    {"emailId": "e999999999"}, {"identityId": "i999999999"}, {"envelope": None},
    {"undoStatus": "final"},
    {"sendAt": "2030-01-01T00:00:00Z"}, {"noSuchProperty": 1},
])
def test_update_errors(sender, patch):
    e = draft(sender)
    sub_id = submit(sender, e["id"])["created"]["k"]["id"]
    out = ok(sender, "EmailSubmission/set", {"update": {sub_id: patch}})
    assert out["notUpdated"][sub_id]["type"] == "invalidProperties", out


def test_destroy_submission_and_changes(sender):
    s0 = ok(sender, "EmailSubmission/get", {"ids": []})["state"]
    e = draft(sender)
    sub_id = submit(sender, e["id"])["created"]["k"]["id"]
    ch = ok(sender, "EmailSubmission/changes", {"sinceState": s0})
    assert ch["created"] == [sub_id] and ch["updated"] == [] and ch["destroyed"] == []
    s1 = ch["newState"]
    out = ok(sender, "EmailSubmission/set", {"destroy": [sub_id]})
    if out.get("destroyed") == [sub_id]:
        ch = ok(sender, "EmailSubmission/changes", {"sinceState": s1})
        assert ch["destroyed"] == [sub_id]
        assert ok(sender, "EmailSubmission/get", {"ids": [sub_id]})["notFound"] == [sub_id]
    else:
        # §7.5: a server MAY forbid destroying submissions.
        assert out["notDestroyed"][sub_id]["type"] == "forbidden", out
    assert get_email(sender, e["id"], ["subject"])["subject"] == "Send me"


# ---------------------------------------------------------------- query

def test_query(sender):
    alias = sender.addresses[1]
    ident_main = identity_for(sender, sender.address)["id"]
    ident_alias = identity_for(sender, alias)["id"]
    e1, e2, e3 = draft(sender, subject="one"), draft(sender, subject="two", frm=alias), \
        draft(sender, subject="three")
    s1 = submit(sender, e1["id"], ident_main)["created"]["k"]["id"]
    s2 = submit(sender, e2["id"], ident_alias)["created"]["k"]["id"]
    s3 = submit(sender, e3["id"], ident_main)["created"]["k"]["id"]

    def q(**args):
        return ok(sender, "EmailSubmission/query", args)["ids"]

    assert sorted(q()) == sorted([s1, s2, s3])
    assert sorted(q(filter={"identityIds": [ident_main]})) == sorted([s1, s3])
    assert q(filter={"identityIds": [ident_alias]}) == [s2]
    assert sorted(q(filter={"emailIds": [e1["id"], e2["id"]]})) == sorted([s1, s2])
    assert q(filter={"threadIds": [e3["threadId"]]}) == [s3]
    assert sorted(q(filter={"undoStatus": "pending"})) == sorted([s1, s2, s3])
    assert q(filter={"undoStatus": "final"}) == []
    assert sorted(q(filter={"after": "2000-01-01T00:00:00Z"})) == sorted([s1, s2, s3])
    assert q(filter={"before": "2000-01-01T00:00:00Z"}) == []
    assert q(filter={"operator": "NOT", "conditions": [{"identityIds": [ident_main]}]}) == [s2]
    by_email = q(sort=[{"property": "emailId"}])
    assert sorted(by_email) == sorted([s1, s2, s3]) and len(by_email) == 3
    for prop in ("emailId", "threadId", "sentAt"):
        out = ok(sender, "EmailSubmission/query", {"sort": [{"property": prop}],
                                                  "calculateTotal": True})
        assert out["total"] == 3
    assert error(sender, "EmailSubmission/query", {"sort": [{"property": "nope"}]}) \
        == "unsupportedSort"
    assert error(sender, "EmailSubmission/query", {"filter": {"nope": 1}}) == "unsupportedFilter"
    page = ok(sender, "EmailSubmission/query", {"sort": [{"property": "sentAt"}], "position": 1,
                                                "limit": 1})
    assert page["position"] == 1 and len(page["ids"]) == 1


# ---------------------------------------------------------------- durability

def test_pending_submissions_survive_a_restart(ternd_factory):
    srv = ternd_factory(extra=HOLD_QUEUE)
    srv.start()
    acct = account_with(srv)
    e = draft(acct)
    sub_id = submit(acct, e["id"])["created"]["k"]["id"]
    srv.restart()
    got = ok(acct, "EmailSubmission/get", {"ids": [sub_id]})["list"]
    assert len(got) == 1 and got[0]["undoStatus"] == "pending"
    assert got[0]["envelope"]["rcptTo"][0]["email"] == "rcpt@example.net"
