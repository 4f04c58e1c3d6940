"""Threads, RFC 8621 §3: replies join their thread through Message-ID,
In-Reply-To and References together with a matching base subject;
Thread/get and Thread/changes. Issue 3, item 2."""
import pytest

import tern
from tern_mail import (create_email, email_set, get_email, import_raw, mailbox, message,
                       update_email)


def thread_state(acct):
    return acct.ok("Thread/get", {"ids": []})["state"]


def thread_of(acct, email_id):
    return get_email(acct, email_id, ["threadId"])["threadId"]


def emails_of(acct, thread_id):
    out = acct.ok("Thread/get", {"ids": [thread_id]})
    assert out["notFound"] == [] and len(out["list"]) == 1, out
    t = out["list"][0]
    assert set(t) == {"id", "emailIds"}, t
    return t["emailIds"]


def reply(subject, mid, parent, refs=None, **kw):
    headers = [("In-Reply-To", f"<{parent}>"),
               ("References", " ".join(f"<{r}>" for r in (refs or [parent])))]
    return message(subject=subject, message_id=f"<{mid}>", headers=headers, **kw)


def test_replies_join_the_thread(account):
    root = import_raw(account, message(subject="Plans for the weekend", message_id="<root@t>"),
                      received_at="2024-01-01T10:00:00Z")
    r1 = import_raw(account, reply("Re: Plans for the weekend", "r1@t", "root@t"),
                    received_at="2024-01-01T11:00:00Z")
    r2 = import_raw(account, reply("RE: Re: Plans for the weekend", "r2@t", "r1@t",
                                   ["root@t", "r1@t"]), received_at="2024-01-01T12:00:00Z")
    fwd = import_raw(account, reply("Fwd: Plans for the weekend", "f1@t", "root@t"),
                     received_at="2024-01-01T13:00:00Z")
    tagged = import_raw(account, reply("[weekend-list] Re: Plans for the weekend", "l1@t",
                                       "r2@t", ["root@t", "r1@t", "r2@t"]),
                        received_at="2024-01-01T14:00:00Z")
    spaced = import_raw(account, reply("Re:   Plans  for the   weekend", "s1@t", "root@t"),
                        received_at="2024-01-01T15:00:00Z")
    tid = root["threadId"]
    for made in (r1, r2, fwd, tagged, spaced):
        assert made["threadId"] == tid
        assert thread_of(account, made["id"]) == tid
    assert emails_of(account, tid) == [root["id"], r1["id"], r2["id"], fwd["id"],
                                       tagged["id"], spaced["id"]]


def test_a_reference_with_a_new_subject_starts_a_new_thread(account):
    """§3 condition 2: replying to an old message to start a new
    conversation with a new subject is a new thread."""
    root = import_raw(account, message(subject="Budget 2024", message_id="<b24@t>"))
    other = import_raw(account, reply("Completely different topic", "cd@t", "b24@t"))
    assert other["threadId"] != root["threadId"]
    assert emails_of(account, root["threadId"]) == [root["id"]]
    assert emails_of(account, other["threadId"]) == [other["id"]]


def test_the_same_subject_without_references_is_a_new_thread(account):
    """§3 condition 1: a shared subject alone does not join threads."""
    a = import_raw(account, message(subject="Hello", message_id="<h1@t>"))
    b = import_raw(account, message(subject="Re: Hello", message_id="<h2@t>"))
    assert a["threadId"] != b["threadId"]


def test_a_reply_arriving_first_is_joined_by_its_parent(account):
    child = import_raw(account, reply("Re: Early bird", "child@t", "parent@t"),
                       received_at="2024-01-02T10:00:00Z")
    parent = import_raw(account, message(subject="Early bird", message_id="<parent@t>"),
                        received_at="2024-01-01T10:00:00Z")
    tid = thread_of(account, parent["id"])
    assert thread_of(account, child["id"]) == tid
    # §3: emailIds sorted by receivedAt, oldest first.
    assert emails_of(account, tid) == [parent["id"], child["id"]]


def test_siblings_join_through_a_shared_reference(account):
    """Two replies to a message the account never saw share its id in
    their References: one thread."""
    a = import_raw(account, reply("Re: Missing root", "sa@t", "missing@t"))
    b = import_raw(account, reply("Re: Missing root", "sb@t", "missing@t"))
    assert a["threadId"] == b["threadId"]


def test_email_ids_sorted_by_received_at(account):
    late = import_raw(account, message(subject="Order", message_id="<o1@t>"),
                      received_at="2024-05-05T00:00:00Z")
    early = import_raw(account, reply("Re: Order", "o2@t", "o1@t"),
                       received_at="2024-01-01T00:00:00Z")
    mid = import_raw(account, reply("Re: Order", "o3@t", "o1@t"),
                     received_at="2024-03-03T00:00:00Z")
    assert emails_of(account, late["threadId"]) == [early["id"], mid["id"], late["id"]]


def test_draft_reply_created_with_email_set_joins_the_thread(account):
    root = import_raw(account, message(subject="Question", message_id="<q@t>",
                                       frm="Asker <asker@example.com>"))
    draft = create_email(account, {
        "mailboxIds": {mailbox(account, "drafts"): True},
        "keywords": {"$draft": True},
        "from": [{"name": None, "email": account.address}],
        "to": [{"name": "Asker", "email": "asker@example.com"}],
        "subject": "Re: Question",
        "inReplyTo": ["q@t"],
        "references": ["q@t"],
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "bodyValues": {"1": {"value": "An answer."}},
    })
    assert draft["threadId"] == root["threadId"]
    assert emails_of(account, root["threadId"]) == [root["id"], draft["id"]]


def test_thread_get(account):
    a = import_raw(account, message(subject="Get me", message_id="<g@t>"))
    out = account.ok("Thread/get", {"ids": [a["threadId"], "t999999999"]})
    assert out["accountId"] == account.id
    assert isinstance(out["state"], str) and out["state"]
    assert out["list"] == [{"id": a["threadId"], "emailIds": [a["id"]]}]
    assert out["notFound"] == ["t999999999"]
    assert tern.jmap_id_ok(a["threadId"])
    only = account.ok("Thread/get", {"ids": [a["threadId"]], "properties": ["emailIds"]})
    assert only["list"] == [{"id": a["threadId"], "emailIds": [a["id"]]}]
    assert account.error("Thread/get", {"ids": [a["threadId"]], "properties": ["nope"]}) \
        == "invalidArguments"


def test_thread_get_by_reference_from_email_get(account):
    a = import_raw(account, message(subject="Chain", message_id="<c1@t>"))
    b = import_raw(account, reply("Re: Chain", "c2@t", "c1@t"))
    out = account.jmap.request([
        ["Email/get", {"accountId": account.id, "ids": [b["id"]], "properties": ["threadId"]},
         "0"],
        ["Thread/get", {"accountId": account.id,
                        "#ids": {"resultOf": "0", "name": "Email/get", "path": "/list/*/threadId"}},
         "1"],
    ])["methodResponses"]
    assert out[1][0] == "Thread/get", out
    assert out[1][1]["list"] == [{"id": a["threadId"], "emailIds": [a["id"], b["id"]]}]


def test_thread_changes(account):
    s0 = thread_state(account)
    a = import_raw(account, message(subject="Changes", message_id="<ch1@t>"),
                   received_at="2024-01-01T00:00:00Z")
    ch = account.ok("Thread/changes", {"sinceState": s0})
    assert ch["oldState"] == s0 and ch["newState"] == thread_state(account)
    assert ch["created"] == [a["threadId"]] and ch["destroyed"] == []
    s1 = ch["newState"]

    b = import_raw(account, reply("Re: Changes", "ch2@t", "ch1@t"),
                   received_at="2024-01-02T00:00:00Z")
    ch = account.ok("Thread/changes", {"sinceState": s1})
    assert ch["updated"] == [a["threadId"]] and ch["created"] == [] and ch["destroyed"] == []
    s2 = ch["newState"]

    # Keywords do not change a thread's emailIds: no thread change needed.
    update_email(account, b["id"], {"keywords/$seen": True})
    ch = account.ok("Thread/changes", {"sinceState": s2})
    assert ch["created"] == [] and ch["destroyed"] == []
    s3 = ch["newState"]

    email_set(account, destroy=[b["id"]])
    ch = account.ok("Thread/changes", {"sinceState": s3})
    assert ch["updated"] == [a["threadId"]] and ch["destroyed"] == []
    assert emails_of(account, a["threadId"]) == [a["id"]]
    s4 = ch["newState"]

    email_set(account, destroy=[a["id"]])
    ch = account.ok("Thread/changes", {"sinceState": s4})
    assert ch["destroyed"] == [a["threadId"]] and ch["created"] == []
    out = account.ok("Thread/get", {"ids": [a["threadId"]]})
    assert out["list"] == [] and out["notFound"] == [a["threadId"]]
    assert account.error("Thread/changes", {"sinceState": "nosuchstate"}) \
        == "cannotCalculateChanges"


def test_thread_changes_paging(account):
    s0 = thread_state(account)
    made = [import_raw(account, message(subject=f"Thread {i}"))["threadId"] for i in range(5)]
    seen, state = [], s0
    for _ in range(10):
        ch = account.ok("Thread/changes", {"sinceState": state, "maxChanges": 2})
        assert len(ch["created"]) + len(ch["updated"]) + len(ch["destroyed"]) <= 2
        seen += ch["created"]
        state = ch["newState"]
        if not ch["hasMoreChanges"]:
            break
    assert sorted(seen) == sorted(made)
    assert state == thread_state(account)


def test_thread_counts_on_mailboxes(account):
    inbox = mailbox(account, "inbox")
    a = import_raw(account, message(subject="Counted", message_id="<cnt@t>"))
    import_raw(account, reply("Re: Counted", "cnt2@t", "cnt@t"), keywords={"$seen": True})
    import_raw(account, message(subject="Alone"), keywords={"$seen": True})
    got = account.ok("Mailbox/get", {"ids": [inbox]})["list"][0]
    assert (got["totalEmails"], got["unreadEmails"], got["totalThreads"], got["unreadThreads"]) \
        == (3, 1, 2, 1)
    update_email(account, a["id"], {"keywords/$seen": True})
    got = account.ok("Mailbox/get", {"ids": [inbox]})["list"][0]
    assert (got["unreadEmails"], got["unreadThreads"]) == (0, 0)


@pytest.mark.parametrize("subject, base", [
    ("Re: Fwd: [list] Re: topic", "topic"),
    ("FW: topic", "topic"),
    ("Re[2]: topic", "topic"),
    ("topic (fwd)", "topic"),
])
def test_base_subject_variants_join(account, subject, base):
    """RFC 5256 §2.1 base subjects, as the sort and the threading use them."""
    root = import_raw(account, message(subject=base, message_id="<v-root@t>"))
    other = import_raw(account, reply(subject, "v-reply@t", "v-root@t"))
    assert other["threadId"] == root["threadId"]
