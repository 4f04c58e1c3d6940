"""Delivery through the SMTP gateway, against a real ternd: Python's
smtplib on the MTA port delivering to local users (seen over JMAP, by
IMAP IDLE and the JMAP event source within a second), recipients by
alias, sub-address, group and catch-all, unknown users and the open
relay refused, and submission with AUTH creating an EmailSubmission
whose status follows what the outbound queue did (a local recipient,
and an aiosmtpd sink on loopback found through the static zone)."""
import json
import smtplib
import time
from email.message import EmailMessage

import pytest

import tern
import tern_imap
from test_push import EventStream

from aiosmtpd.controller import Controller

DOMAIN = "deliver.test"
LATENCY = 1.0


class Sink:
    """An SMTP server on loopback that keeps what it receives."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 2.0.0 Kept"


@pytest.fixture(scope="module")
def sink():
    handler = Sink()
    controller = Controller(handler, hostname="127.0.0.1", port=tern.free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


@pytest.fixture(scope="module")
def srv(tmp_path_factory, sink):
    work = tmp_path_factory.mktemp("smtp-deliver")
    zone = work / "zone.txt"
    zone.write_text("$ORIGIN test.\n$TTL 300\n"
                    "sink.test. IN MX 10 mx.sink.test.\n"
                    "mx.sink.test. IN A 127.0.0.1\n")
    extra = (f'resolver = {{ zone-file = "{zone}"; }};\n'
             f"queue = {{ outbound = {{ port = {sink[1]}; retry = [ \"2s\" ]; }}; }};")
    server = tern.Ternd(work / "ternd", extra=extra)
    server.start()
    admin = server.admin()
    admin.ensure_domain(DOMAIN)
    yield server
    problems = server.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def new_user(srv, *aliases):
    name = tern.unique("d")
    password = "pw-" + name
    emails = [f"{name}@{DOMAIN}"] + [a.replace("NAME", name) for a in aliases]
    p = srv.admin().create_user(name, [password], emails)
    return tern.Account(srv, p, password, emails[0])


def message(sender, to, subject="hello", body="Hello over SMTP.\n"):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{tern.unique('m')}@remote.test>"
    msg.set_content(body)
    return msg.as_bytes()


def mta(srv):
    return smtplib.SMTP("127.0.0.1", srv.smtp_port, local_hostname="mx.remote.test", timeout=30)


def inbox_emails(acct):
    inbox = acct.ok("Mailbox/query", {"filter": {"role": "inbox"}})["ids"][0]
    ids = acct.ok("Email/query", {"filter": {"inMailbox": inbox},
                                  "sort": [{"property": "receivedAt", "isAscending": False}]})["ids"]
    props = ["subject", "header:Delivered-To:asText", "header:Return-Path",
             "header:Received:all", "header:Authentication-Results:asText"]
    return acct.ok("Email/get", {"ids": ids, "properties": props})["list"]


def wait_for(predicate, timeout=20.0, step=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


# ---------------------------------------------------------------- inbound

def test_inbound_delivery_with_trace_fields(srv):
    user = new_user(srv)
    with mta(srv) as s:
        refused = s.sendmail("rene@remote.test", [user.address],
                             message("rene@remote.test", user.address, "trace"))
    assert refused == {}
    (email,) = inbox_emails(user)
    assert email["subject"] == "trace"
    assert email["header:Delivered-To:asText"] == user.address
    assert email["header:Return-Path"].strip() == "<rene@remote.test>"
    received = email["header:Received:all"][0]
    assert "from mx.remote.test ([127.0.0.1])" in received
    assert "by mail.test with ESMTP id" in received
    assert f"for <{user.address}>;" in received
    results = email["header:Authentication-Results:asText"]
    assert results.startswith("mail.test;") and "spf=" in results


def test_recipient_forms(srv):
    user = new_user(srv, "alias-NAME@" + DOMAIN)
    other = new_user(srv)
    group = tern.unique("g")
    srv.admin().ok("POST", "/principal", {"type": "group", "name": group,
                                          "emails": [f"{group}@{DOMAIN}"],
                                          "members": [user.name, other.name]}, 201)
    local = user.address.split("@")[0]
    rcpts = [f"alias-{local}@{DOMAIN}", f"{local}+tag@{DOMAIN}", f"{group}@{DOMAIN}"]
    with mta(srv) as s:
        assert s.sendmail("rene@remote.test", rcpts, message("rene@remote.test", rcpts[0])) == {}
    # one copy per account, whichever addresses reached it
    assert [e["header:Delivered-To:asText"] for e in inbox_emails(user)] == [rcpts[0]]
    assert [e["header:Delivered-To:asText"] for e in inbox_emails(other)] == [rcpts[2]]


def test_catch_all(srv):
    domain = tern.unique("c") + ".test"
    admin = srv.admin()
    admin.ensure_domain(domain)
    name = tern.unique("d")
    p = admin.create_user(name, ["pw-" + name], [f"{name}@{domain}", f"@{domain}"])
    user = tern.Account(srv, p, "pw-" + name, f"{name}@{domain}")
    with mta(srv) as s:
        assert s.sendmail("rene@remote.test", [f"anyone@{domain}"],
                          message("rene@remote.test", f"anyone@{domain}")) == {}
    assert inbox_emails(user)[0]["header:Delivered-To:asText"] == f"anyone@{domain}"


def test_unknown_user_and_open_relay_refused(srv):
    with mta(srv) as s:
        s.ehlo()
        assert s.mail("rene@remote.test")[0] == 250
        code, text = s.rcpt(f"nobody-{tern.unique()}@{DOMAIN}")
        assert code == 550 and text.startswith(b"5.1.1"), (code, text)
        code, text = s.rcpt("victim@elsewhere.example")
        assert code == 554 and text.startswith(b"5.7.1"), (code, text)
        s.rset()


def test_imap_idle_and_push_see_delivery(srv):
    user = new_user(srv)
    raw = tern_imap.raw_login(srv, user)
    es = EventStream(srv, user, "types=Email&closeafter=no&ping=0")
    try:
        raw.ok("SELECT INBOX")
        tag = raw.tag()
        raw.send(f"{tag} IDLE\r\n")
        assert raw.line() == "+ idling"
        time.sleep(0.2)
        with mta(srv) as s:
            s.sendmail("rene@remote.test", [user.address], message("rene@remote.test",
                                                                   user.address, "pushed"))
            start = time.monotonic()
        _, waited = tern_imap.wait_line(raw, r"^\* 1 EXISTS$", 5)
        assert waited < LATENCY
        ev = es.next_named("state", LATENCY)
        assert time.monotonic() - start < LATENCY + 0.5
        assert user.id in json.loads(ev[1])["changed"]
        raw.send("DONE\r\n")
        raw.read_tagged(tag)
    finally:
        es.close()
        raw.close()


# ---------------------------------------------------------------- submission

def settled(user, rcpt):
    """The user's one submission once rcpt's delivery is no longer queued."""
    sub = submissions_of(user)[0]
    return sub if sub["deliveryStatus"][rcpt]["delivered"] != "queued" else None


def submission(srv, user):
    s = smtplib.SMTP("127.0.0.1", srv.submission_port, local_hostname="laptop", timeout=30)
    s.ehlo()
    s.login(user.name, user.password)
    return s


SUBMISSION = tern.USING + ["urn:ietf:params:jmap:submission"]


def submissions_of(user):
    return user.ok("EmailSubmission/get", {}, using=SUBMISSION)["list"]


def test_submission_needs_auth_and_own_sender(srv):
    user = new_user(srv)
    other = new_user(srv)
    with smtplib.SMTP("127.0.0.1", srv.submission_port, timeout=30) as s:
        s.ehlo()
        code, _ = s.mail(user.address)
        assert code == 530
    with submission(srv, user) as s:
        code, text = s.mail(other.address)
        assert code == 550 and text.startswith(b"5.7.1"), (code, text)


def test_submission_to_local_user_through_queue(srv):
    user = new_user(srv)
    friend = new_user(srv)
    with submission(srv, user) as s:
        assert s.sendmail(user.address, [friend.address],
                          message(user.address, friend.address, "via queue")) == {}
    emails = wait_for(lambda: inbox_emails(friend))
    assert emails[0]["subject"] == "via queue"
    assert emails[0]["header:Delivered-To:asText"] == friend.address
    assert any("by mail.test with ESMTPA" in r for r in emails[0]["header:Received:all"])
    (sub,) = submissions_of(user)
    assert sub["envelope"]["mailFrom"]["email"] == user.address
    done = wait_for(lambda: settled(user, friend.address))
    assert done["undoStatus"] == "final"
    assert done["deliveryStatus"][friend.address]["delivered"] == "yes"
    # SMTP submission keeps no copy: the draft it needed is gone
    drafts = user.ok("Mailbox/query", {"filter": {"role": "drafts"}})["ids"][0]
    assert user.ok("Email/query", {"filter": {"inMailbox": drafts}})["ids"] == []


def test_submission_to_remote_sink(srv, sink):
    handler, _ = sink
    user = new_user(srv)
    rcpt = f"{tern.unique('r')}@sink.test"
    with submission(srv, user) as s:
        s.sendmail(user.address, [rcpt], message(user.address, rcpt, "to the sink"),
                   rcpt_options=["NOTIFY=FAILURE"])
    envelope = wait_for(lambda: next((e for e in handler.messages if rcpt in e.rcpt_tos), None))
    assert envelope.mail_from == user.address
    assert b"to the sink" in envelope.content
    done = wait_for(lambda: settled(user, rcpt))
    assert done["undoStatus"] == "final"
    status = done["deliveryStatus"][rcpt]
    assert status["delivered"] == "yes" and status["smtpReply"].startswith("250")
    assert done["envelope"]["rcptTo"][0]["parameters"] == {"NOTIFY": "FAILURE"}


def test_check_sender_off_lets_users_send_as_anyone(ternd_factory, sink):
    """smtp.submission.check-sender = false: a foreign envelope sender and
    From pass MAIL, and EmailSubmission/set takes them too."""
    handler, port = sink
    srv = ternd_factory(extra=f"smtp = {{ submission = {{ check-sender = false; }}; }};\n"
                              f"queue = {{ outbound = {{ port = {port}; }}; }};")
    srv.start()
    srv.admin().ensure_domain(DOMAIN)
    user = new_user(srv)
    other = "newsletter@elsewhere.test"
    with submission(srv, user) as s:
        assert s.sendmail(other, [user.address], message(other, user.address, "as anyone")) == {}
    emails = wait_for(lambda: inbox_emails(user))
    assert emails[0]["subject"] == "as anyone"
    assert emails[0]["header:Return-Path"].strip() == f"<{other}>"
    (sub,) = submissions_of(user)
    assert sub["envelope"]["mailFrom"]["email"] == other
