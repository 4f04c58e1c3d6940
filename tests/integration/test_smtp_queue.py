"""The outbound queue (issue 5, item 5): submissions through JMAP
EmailSubmission/set (and SMTP submission) leave over SMTP to a capturing
server on loopback (aiosmtpd), found by MX in a static zone, signed with
both DKIM keys of the sender's domain (verified with python3-dkim);
retries after 4xx, DSN after 5xx and after expiry, a next hop with AUTH
over STARTTLS, kill -9 during a burst, and the admin queue endpoints."""
import asyncio
import email
import email.policy
import smtplib
import ssl
import subprocess
import threading
import time

import dkim
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

import tern
from tern_mail import SUBMIT_USING, create_email, mailbox

LOCAL = "example.test"
REMOTE = "remote.test"
WAIT = 30


# ---------------------------------------------------------------- the capturing server

class Sink:
    """What a remote server does with each recipient, by local part:
    temp-* 451 on the first try then 250, fail-* 550, slow-* holds the
    DATA reply (hold_event set while it holds), always4-* 451 forever;
    others 250. Messages are kept only when the client is still there
    to read the 250."""

    def __init__(self):
        self.messages = []
        self.tries = {}
        self.lock = threading.Lock()
        self.hold = 0.0
        self.holding = threading.Event()
        self.holds = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        with self.lock:
            n = self.tries[address] = self.tries.get(address, 0) + 1
        if local.startswith("fail-"):
            return "550 5.1.1 No such user here"
        if local.startswith("always4-") or (local.startswith("temp-") and n == 1):
            return "451 4.3.2 Try again later"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.append(rcpt_options)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hold:
            self.holds += 1
            self.holding.set()
            await asyncio.sleep(self.hold)
            self.holding.clear()
            if server.transport is None or server.transport.is_closing():
                return "451 4.4.2 gone"
        with self.lock:
            self.messages.append({
                "mail_from": envelope.mail_from,
                "rcpts": list(envelope.rcpt_tos),
                "data": envelope.original_content,
                "tls": session.ssl is not None,
                "auth": session.authenticated,
            })
        return "250 2.0.0 Queued here"

    def wait(self, pred, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                found = [m for m in self.messages if pred(m)]
            if found:
                return found
            time.sleep(0.05)
        raise AssertionError(f"no such message arrived; got {len(self.messages)}")

    def subjects(self):
        with self.lock:
            return [email.message_from_bytes(m["data"])["Subject"] for m in self.messages]


def start_sink(sink, **kw):
    port = tern.free_port()
    c = Controller(sink, hostname="127.0.0.1", port=port, **kw)
    c.start()
    return c, port


def zone_file(path):
    path.write_text(
        "$TTL 300\n"
        f"{REMOTE}. IN MX 10 mx.{REMOTE}.\n"
        f"mx.{REMOTE}. IN A 127.0.0.1\n"
        "nomx.test. IN A 127.0.0.1\n"
        "nullmx.test. IN MX 0 .\n"
        f"remote2.test. IN MX 10 mx.{REMOTE}.\n"
        f"relay.test. IN A 127.0.0.1\n")
    return path


def queue_config(zone, port, **outbound):
    settings = {"port": port, "threads": 2, "retry": ["1s"], "retry-every": "1s",
                "expire": "1h", "timeout": "10s"}
    settings.update(outbound)
    return (f'resolver = {{ zone-file = "{zone}"; }};\n'
            f"queue = {{ outbound = {tern.libconfig_value(settings)}; }};\n")


def make_server(factory, tmp_path, port, **outbound):
    zone = zone_file(tmp_path / "zone.txt")
    srv = factory(extra=queue_config(zone, port, **outbound), log_file=True)
    srv.start()
    return srv


# ---------------------------------------------------------------- JMAP helpers

def sender_account(srv):
    admin = srv.admin()
    admin.ensure_domain(LOCAL)
    return tern.new_account(srv, domain=LOCAL, prefix="s")


def jmap(acct, method, args):
    return acct.ok(method, args, using=SUBMIT_USING)


def identity(acct):
    return jmap(acct, "Identity/get", {"ids": None})["list"][0]["id"]


def send(acct, to, subject, body="Hello from the queue.\n", envelope=None):
    """A draft to `to` (a list), submitted: the submission id."""
    email_id = create_email(acct, {
        "mailboxIds": {mailbox(acct, "drafts"): True},
        "from": [{"name": "Sender", "email": acct.address}],
        "to": [{"name": None, "email": a} for a in to],
        "subject": subject,
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "bodyValues": {"1": {"value": body}},
    })
    sub = {"emailId": email_id["id"], "identityId": identity(acct)}
    if envelope is not None:
        sub["envelope"] = envelope
    out = jmap(acct, "EmailSubmission/set", {"create": {"k": sub}})
    assert "k" in (out.get("created") or {}), out.get("notCreated")
    return out["created"]["k"]["id"]


def submission(acct, sub_id):
    return jmap(acct, "EmailSubmission/get", {"ids": [sub_id]})["list"][0]


def wait_submission(acct, sub_id, pred, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = submission(acct, sub_id)
        if pred(s):
            return s
        time.sleep(0.1)
    raise AssertionError(f"submission never got there: {s}")


def delivered(s, address):
    return s["deliveryStatus"][address]["delivered"]


def inbox_subjects(acct):
    ids = acct.ok("Email/query", {"filter": {"inMailbox": mailbox(acct, "inbox")}})["ids"]
    if not ids:
        return []
    got = acct.ok("Email/get", {"ids": ids, "properties": ["subject", "blobId"]})["list"]
    return got


def admin_queue(srv):
    return srv.admin().ok("GET", "/queue/messages")["items"]


# ---------------------------------------------------------------- DKIM

def dns_records(srv, domain):
    data = srv.admin().ok("GET", f"/dns/records/{domain}")
    return data["records"] if isinstance(data, dict) else data


def dkim_dnsfunc(srv, domain):
    txt = {}
    for r in dns_records(srv, domain):
        if r["type"] == "TXT":
            txt[r["name"].rstrip(".").lower()] = r["value"]

    def lookup(name, timeout=5):
        key = name.decode() if isinstance(name, bytes) else name
        value = txt.get(key.rstrip(".").lower())
        return value.encode() if value is not None else None
    return lookup


def verify_all(data, dnsfunc):
    d = dkim.DKIM(data)
    sigs = [h for h in d.headers if h[0].lower() == b"dkim-signature"]
    algos = []
    for i, sig in enumerate(sigs):
        assert d.verify(idx=i, dnsfunc=dnsfunc), f"signature {i} does not verify: {sig[1][:80]}"
        algos.append(dkim.util.parse_tag_value(sig[1].replace(b"\r\n", b""))[b"a"])
    return sorted(algos)


# ---------------------------------------------------------------- fixtures

@pytest.fixture(scope="module")
def sink():
    s = Sink()
    controller, port = start_sink(s)
    s.port = port
    yield s
    controller.stop()


@pytest.fixture(scope="module")
def mta(sink, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("queue")
    zone = zone_file(tmp / "zone.txt")
    srv = tern.Ternd(tmp / "ternd", extra=queue_config(zone, sink.port), log_file=True)
    srv.start()
    yield srv
    problems = srv.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


# ---------------------------------------------------------------- delivery

def test_submission_arrives_signed_with_both_keys(mta, sink):
    acct = sender_account(mta)
    sub_id = send(acct, [f"bob@{REMOTE}"], "signed hello")
    msg = sink.wait(lambda m: b"signed hello" in m["data"])[0]
    assert msg["mail_from"] == acct.address
    assert msg["rcpts"] == [f"bob@{REMOTE}"]
    assert verify_all(msg["data"], dkim_dnsfunc(mta, LOCAL)) == [b"ed25519-sha256", b"rsa-sha256"]
    s = wait_submission(acct, sub_id, lambda s: delivered(s, f"bob@{REMOTE}") == "yes")
    assert s["undoStatus"] == "final"
    assert s["deliveryStatus"][f"bob@{REMOTE}"]["smtpReply"].startswith("250")


def test_new_submission_goes_out_at_once(mta, sink):
    acct = sender_account(mta)
    t0 = time.monotonic()
    send(acct, [f"quick@{REMOTE}"], "quick one")
    sink.wait(lambda m: b"quick one" in m["data"], timeout=10)
    assert time.monotonic() - t0 < 5


def test_local_and_remote_recipients(mta, sink):
    acct = sender_account(mta)
    other = tern.new_account(mta, domain=LOCAL, prefix="r")
    sub_id = send(acct, [other.address, f"carol@{REMOTE}"], "mixed recipients")
    sink.wait(lambda m: b"mixed recipients" in m["data"])
    s = wait_submission(acct, sub_id, lambda s: delivered(s, other.address) == "yes" and
                        delivered(s, f"carol@{REMOTE}") == "yes")
    assert [e["subject"] for e in inbox_subjects(other)] == ["mixed recipients"]
    assert s["undoStatus"] == "final"


def test_changes_see_the_outcome(mta, sink):
    acct = sender_account(mta)
    state = jmap(acct, "EmailSubmission/get", {"ids": []})["state"]
    sub_id = send(acct, [f"dave@{REMOTE}"], "changes please")
    wait_submission(acct, sub_id, lambda s: delivered(s, f"dave@{REMOTE}") == "yes")
    changes = jmap(acct, "EmailSubmission/changes", {"sinceState": state})
    assert sub_id in changes["created"] + changes["updated"]


def test_dot_stuffing_and_8bit(mta, sink):
    acct = sender_account(mta)
    body = "line one\n.leading dot\n..two dots\nünïcödé\n"
    send(acct, [f"erin@{REMOTE}"], "dots and bytes", body=body)
    msg = sink.wait(lambda m: b"dots and bytes" in m["data"])[0]
    parsed = email.message_from_bytes(msg["data"], policy=email.policy.default)
    text = parsed.get_content()
    assert ".leading dot" in text and "..two dots" in text and "ünïcödé" in text


def test_retry_after_temporary_failure(mta, sink):
    acct = sender_account(mta)
    rcpt = f"temp-frank@{REMOTE}"
    sub_id = send(acct, [rcpt], "try twice")
    # The retry comes 1 s after the 451: a slow poll may only see the
    # end, so the queued state is checked when it is seen.
    s = wait_submission(acct, sub_id, lambda s: delivered(s, rcpt) == "yes" or (
        delivered(s, rcpt) == "queued" and
        s["deliveryStatus"][rcpt]["smtpReply"].startswith("451")))
    assert s["undoStatus"] == "final"
    sink.wait(lambda m: b"try twice" in m["data"])
    s = wait_submission(acct, sub_id, lambda s: delivered(s, rcpt) == "yes")
    assert sink.tries[rcpt] == 2


def test_bounce_sends_a_dsn(mta, sink):
    acct = sender_account(mta)
    rcpt = f"fail-gina@{REMOTE}"
    sub_id = send(acct, [rcpt, f"hank@{REMOTE}"], "will bounce")
    s = wait_submission(acct, sub_id, lambda s: delivered(s, rcpt) == "no")
    assert s["deliveryStatus"][rcpt]["smtpReply"].startswith("550 5.1.1")
    assert delivered(s, f"hank@{REMOTE}") == "yes"
    assert len(s["dsnBlobIds"]) == 1
    dsn = next(e for e in wait_inbox(acct, 1) if "Undelivered" in e["subject"])
    raw = download(acct, dsn["blobId"])
    report = email.message_from_bytes(raw, policy=email.policy.default)
    assert report.get_content_type() == "multipart/report"
    assert report.get_param("report-type") == "delivery-status"
    assert report["From"].addresses[0].addr_spec == f"MAILER-DAEMON@mail.test"
    status = raw.decode(errors="replace")
    assert f"Final-Recipient: rfc822; {rcpt}" in status
    assert "Action: failed" in status and "Status: 5.1.1" in status
    assert "Remote-MTA: dns; mx.remote.test" in status
    assert "Reporting-MTA: dns; mail.test" in status
    assert "hank@" not in status.split("message/delivery-status")[1].split("Content-Type")[0]
    stored = download(acct, s["dsnBlobIds"][0])
    assert b"multipart/report" in stored


def test_null_mx_and_missing_domain_fail_for_good(mta, sink):
    acct = sender_account(mta)
    sub_id = send(acct, ["x@nullmx.test", "y@nowhere.test"], "no route")
    s = wait_submission(acct, sub_id, lambda s: delivered(s, "x@nullmx.test") == "no" and
                        delivered(s, "y@nowhere.test") == "no")
    assert s["deliveryStatus"]["x@nullmx.test"]["smtpReply"].startswith("556 5.1.10")
    assert s["deliveryStatus"]["y@nowhere.test"]["smtpReply"].startswith("550 5.1.2")


def test_implicit_mx(mta, sink):
    acct = sender_account(mta)
    sub_id = send(acct, ["ivan@nomx.test"], "implicit mx")
    sink.wait(lambda m: b"implicit mx" in m["data"])
    wait_submission(acct, sub_id, lambda s: delivered(s, "ivan@nomx.test") == "yes")


def test_smtp_submission_goes_out_signed(mta, sink):
    acct = sender_account(mta)
    body = (f"From: <{acct.address}>\r\nTo: <judy@{REMOTE}>\r\nSubject: over submission\r\n"
            "Message-ID: <sub-1@example.test>\r\n\r\nSent with smtplib.\r\n")
    with smtplib.SMTP("127.0.0.1", mta.submission_port, timeout=WAIT) as c:
        c.ehlo("client.test")
        if c.has_extn("starttls"):
            c.starttls(context=tern.tls_context())
            c.ehlo("client.test")
        c.login(acct.name, acct.password)
        c.sendmail(acct.address, [f"judy@{REMOTE}"], body.encode())
    msg = sink.wait(lambda m: b"over submission" in m["data"])[0]
    assert verify_all(msg["data"], dkim_dnsfunc(mta, LOCAL)) == [b"ed25519-sha256", b"rsa-sha256"]


# ---------------------------------------------------------------- admin

def test_admin_lists_retries_and_cancels(mta, sink):
    acct = sender_account(mta)
    rcpt = f"always4-kim@{REMOTE}"
    sub_id = send(acct, [rcpt], "stuck one")
    wait_submission(acct, sub_id, lambda s: delivered(s, rcpt) == "queued" and
                    s["deliveryStatus"][rcpt]["smtpReply"].startswith("451"))
    entry = next(e for e in admin_queue(mta) if e["submissionId"] == sub_id)
    assert entry["accountId"] == acct.id and entry["from"] == acct.address
    assert entry["recipients"][0]["address"] == rcpt
    assert entry["recipients"][0]["status"] == "queued"
    assert entry["recipients"][0]["reply"].startswith("451")
    assert entry["attempts"] >= 1 and entry["nextAttemptAt"] and entry["createdAt"]
    before = sink.tries[rcpt]
    r = mta.admin().req("PATCH", f"/queue/messages/{entry['id']}")
    assert r.status in (200, 409), r
    deadline = time.monotonic() + WAIT
    while sink.tries[rcpt] == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sink.tries[rcpt] > before
    for _ in range(100):
        r = mta.admin().req("DELETE", f"/queue/messages/{entry['id']}")
        if r.status != 409:
            break
        time.sleep(0.05)
    assert r.status == 200, r
    s = submission(acct, sub_id)
    assert delivered(s, rcpt) == "no" and s["undoStatus"] == "final"
    assert all(e["id"] != entry["id"] for e in admin_queue(mta))
    assert mta.admin().req("DELETE", f"/queue/messages/{entry['id']}").status == 404
    assert mta.admin().req("PATCH", "/queue/messages/nope").status == 404


def test_admin_cancel_before_the_first_attempt(ternd_factory, tmp_path):
    s = Sink()
    s.hold = 3
    controller, port = start_sink(s)
    try:
        srv = make_server(ternd_factory, tmp_path, port, threads=1)
        acct = sender_account(srv)
        send(acct, [f"leo@{REMOTE}"], "keeps the sender busy")
        assert s.holding.wait(WAIT)
        sub_id = send(acct, [f"max@{REMOTE}"], "cancel me")
        entry = next(e for e in admin_queue(srv) if e["submissionId"] == sub_id)
        assert entry["attempts"] == 0 and entry["state"] == "pending"
        assert srv.admin().req("DELETE", f"/queue/messages/{entry['id']}").status == 200
        assert submission(acct, sub_id)["undoStatus"] == "canceled"
        s.wait(lambda m: b"keeps the sender busy" in m["data"])
        time.sleep(1)
        assert b"cancel me" not in b"".join(m["data"] for m in s.messages)
    finally:
        controller.stop()


# ---------------------------------------------------------------- expiry, next hop

def test_expiry_sends_a_dsn(ternd_factory, tmp_path):
    s = Sink()
    controller, port = start_sink(s)
    try:
        srv = make_server(ternd_factory, tmp_path, port, expire="3s")
        acct = sender_account(srv)
        rcpt = f"always4-mia@{REMOTE}"
        sub_id = send(acct, [rcpt], "never gets there")
        sub = wait_submission(acct, sub_id, lambda x: delivered(x, rcpt) == "no", timeout=20)
        assert "4.4.7" in sub["deliveryStatus"][rcpt]["smtpReply"]
        assert s.tries[rcpt] >= 2
        assert len(sub["dsnBlobIds"]) == 1
        dsn = next(e for e in wait_inbox(acct, 1) if "Undelivered" in e["subject"])
        raw = download(acct, dsn["blobId"]).decode(errors="replace")
        assert "Action: failed" in raw and "Status: 4.4.7" in raw
        assert not admin_queue(srv)
    finally:
        controller.stop()


def self_signed(tmp_path):
    key, cert = tmp_path / "relay.key", tmp_path / "relay.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=relay.test"],
                   check=True, capture_output=True)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


def test_next_hop_with_auth_over_starttls(ternd_factory, tmp_path):
    s = Sink()
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"tern" and auth_data.password == b"relay-secret"
        return AuthResult(success=ok)

    controller, port = start_sink(s, tls_context=self_signed(tmp_path), require_starttls=True,
                                  authenticator=authenticator, auth_require_tls=True)
    try:
        srv = make_server(ternd_factory, tmp_path, 1, **{
            "next-hop": f"127.0.0.1:{port}",
            "auth": {"user": "tern", "secret": "relay-secret"}})
        acct = sender_account(srv)
        sub_id = send(acct, ["nora@far-away.example"], "via the relay")
        msg = s.wait(lambda m: b"via the relay" in m["data"])[0]
        assert msg["tls"] and msg["auth"]
        assert logins and logins[0][0] == "PLAIN"
        wait_submission(acct, sub_id, lambda x: delivered(x, "nora@far-away.example") == "yes")
    finally:
        controller.stop()


def test_to_another_ternd_over_starttls_with_bdat(ternd_factory, tmp_path):
    """Tern's own inbound MTA offers STARTTLS, CHUNKING and DSN: the
    message goes over TLS in one BDAT, with the DSN parameters."""
    zone = zone_file(tmp_path / "zone.txt")
    far = ternd_factory(extra=f'resolver = {{ zone-file = "{zone}"; }};\n', log_file=True)
    far.start()
    far.admin().ensure_domain("remote2.test")
    rcpt = tern.new_account(far, domain="remote2.test", prefix="far")
    near = make_server(ternd_factory, tmp_path, far.smtp_port)
    acct = sender_account(near)
    envelope = {"mailFrom": {"email": acct.address, "parameters": {"ENVID": "id 7", "RET": "HDRS"}},
                "rcptTo": [{"email": rcpt.address, "parameters": {
                    "NOTIFY": "SUCCESS,FAILURE", "ORCPT": f"rfc822;{rcpt.address}"}}]}
    sub_id = send(acct, [rcpt.address], "ternd to ternd", body="a\n.\n..b\n", envelope=envelope)
    s = wait_submission(acct, sub_id, lambda x: delivered(x, rcpt.address) == "yes")
    assert s["deliveryStatus"][rcpt.address]["smtpReply"].startswith("250")
    got = wait_inbox(rcpt, 1)[0]
    raw = download(rcpt, got["blobId"])
    assert b"ESMTPS" in raw.split(b"\r\n\r\n")[0]
    assert b"\r\na\r\n.\r\n..b\r\n" in raw
    assert raw.count(b"DKIM-Signature:") == 2
    assert "tls=yes chunking=yes dsn=yes" in near.log_text()


# ---------------------------------------------------------------- durability

def test_kill9_during_a_burst_loses_and_repeats_nothing(ternd_factory, tmp_path):
    s = Sink()
    s.hold = 0.3
    controller, port = start_sink(s)
    try:
        srv = make_server(ternd_factory, tmp_path, port)
        acct = sender_account(srv)
        accepted, unknown = set(), set()

        def burst():
            for i in range(24):
                subject = f"burst {i:02d}"
                try:
                    send(acct, [f"p{i}@{REMOTE}"], subject)
                    accepted.add(subject)
                except Exception:
                    unknown.add(subject)
                    return

        t = threading.Thread(target=burst)
        t.start()
        deadline = time.monotonic() + WAIT
        while s.holds < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert s.holding.is_set()
        srv.kill9()
        t.join()
        srv.start()
        deadline = time.monotonic() + 45
        while time.monotonic() < deadline and not accepted <= set(s.subjects()):
            time.sleep(0.1)
        got = s.subjects()
        assert accepted <= set(got), sorted(accepted - set(got))
        assert len(got) == len(set(got)), sorted(x for x in got if got.count(x) > 1)
        assert set(got) <= accepted | unknown
        assert unknown or len(accepted) == 24
    finally:
        controller.stop()


# ---------------------------------------------------------------- helpers used above

def wait_inbox(acct, n, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = inbox_subjects(acct)
        if len(got) >= n:
            return got
        time.sleep(0.1)
    raise AssertionError("the Inbox stayed empty")


def download(acct, blob_id):
    from tern_mail import download as dl
    return dl(acct, blob_id, ctype="message/rfc822", name="m.eml")
