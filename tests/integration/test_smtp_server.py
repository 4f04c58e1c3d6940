"""The ESMTP server (issue 5 items 1, 2 and 8): the inbound MTA and the
submission ports, driven by swaks, Python's smtplib, nodemailer and a
raw socket for exact bytes (pipelining, dot-stuffing, BDAT, STARTTLS
injection, smuggling). What a test delivers is looked up over JMAP.

Every server runs with a static zone file, so nothing touches the
network."""
import base64
import concurrent.futures
import json
import os
import shutil
import smtplib
import socket
import subprocess
import time
from pathlib import Path

import pytest

import tern
import tern_mail

TIMEOUT = 30
MAX_MESSAGE = 2 * 1024 * 1024
MAX_RCPTS = 20
MAX_BAD = 5
DOMAIN = "smtp.test"
JS_DIR = Path(__file__).resolve().parent / "js"

ZONE = """$ORIGIN elsewhere.example.
$TTL 300
@ IN TXT "v=spf1 ip4:127.0.0.1 -all"
"""


def smtp_config(zone, **smtp):
    settings = {"max-message-size": MAX_MESSAGE, "max-recipients": MAX_RCPTS,
                "max-bad-commands": MAX_BAD}
    settings.update(smtp)
    return (f'resolver = {{ zone-file = "{zone}"; }};\n'
            f"smtp = {tern.libconfig_value(settings)};")


def make_server(workdir, auth=None, **smtp):
    workdir.mkdir(parents=True, exist_ok=True)
    zone = workdir / "zone.txt"
    zone.write_text(ZONE)
    return tern.Ternd(workdir / "ternd", extra=smtp_config(zone, **smtp), auth=auth)


def finish(srv):
    problems = srv.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = make_server(tmp_path_factory.mktemp("smtp"))
    s.start()
    yield s
    finish(s)


@pytest.fixture(scope="module")
def alice(srv):
    return tern.new_account(srv, domain=DOMAIN, prefix="alice")


@pytest.fixture(scope="module")
def bob(srv):
    return tern.new_account(srv, domain=DOMAIN, prefix="bob")


# ---------------------------------------------------------------- clients

class Smtp:
    """A socket client reading replies as (code, [texts]); for exact
    bytes and pipelining."""

    def __init__(self, port, tls=False):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.sock = tern.tls_context().wrap_socket(sock) if tls else sock
        self.buf = b""
        self.greeting = self.reply()

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self):
        while b"\r\n" not in self.buf:
            got = self.sock.recv(65536)
            if not got:
                raise EOFError(f"connection closed; left: {self.buf!r}")
            self.buf += got
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line.decode()

    def reply(self):
        texts = []
        while True:
            line = self.line()
            texts.append(line[4:])
            if line[3:4] != "-":
                return int(line[:3]), texts

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def ok(self, line, code=250):
        got = self.cmd(line)
        assert got[0] == code, (line, got)
        return got

    def starttls(self):
        assert self.cmd("STARTTLS")[0] == 220
        self.sock = tern.tls_context().wrap_socket(self.sock)

    def closed(self):
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, socket.timeout):
            return False

    def close(self):
        self.sock.close()


def plain(user, password):
    return base64.b64encode(f"\0{user}\0{password}".encode()).decode()


def swaks(port, *args, timeout=90):
    assert shutil.which("swaks"), "swaks is not installed (scripts/deps.sh)"
    return subprocess.run(["swaks", "--server", "127.0.0.1", "--port", str(port),
                           "--ehlo", "client.test", "--timeout", str(TIMEOUT), *args],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def server_lines(out):
    """The server's replies in a swaks transcript."""
    return [line[3:].strip() for line in out.splitlines() if line[:2] in ("<-", "<~", "<*")]


def find_emails(acct, subject, want=1, timeout=10):
    """The account's emails with subject, waiting up to timeout for want
    of them (0: look once)."""
    deadline = time.monotonic() + timeout
    while True:
        ids = acct.ok("Email/query", {"filter": {"subject": subject}})["ids"]
        if len(ids) >= want or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if not ids:
        return []
    props = ["blobId", "subject", "size", "mailboxIds", "attachments", "textBody", "bodyValues"]
    return acct.ok("Email/get", {"ids": ids, "properties": props,
                                 "fetchTextBodyValues": True})["list"]


def raw_of(acct, email):
    return tern_mail.download(acct, email["blobId"])


def body_text(email):
    return "".join(email["bodyValues"][p["partId"]]["value"] for p in email["textBody"])


def message(subject, frm="sender@elsewhere.example", to="you@smtp.test", body="Hello.\r\n"):
    return (f"From: {frm}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <{tern.unique()}@elsewhere.example>\r\n\r\n{body}")


def transaction(c, sender, rcpts):
    c.ok("EHLO client.test")
    c.ok(f"MAIL FROM:<{sender}>")
    for r in rcpts:
        c.ok(f"RCPT TO:<{r}>")


# ---------------------------------------------------------------- session

def test_greeting_and_ehlo(srv):
    c = Smtp(srv.smtp_port)
    assert c.greeting == (220, ["mail.test ESMTP Tern"])
    code, lines = c.ok("EHLO client.test")
    assert lines[0] == "mail.test Hello client.test"
    keywords = {line.split(" ")[0] for line in lines[1:]}
    assert {"PIPELINING", "SIZE", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES", "STARTTLS",
            "CHUNKING", "DSN", "AUTH"} <= keywords
    assert f"SIZE {MAX_MESSAGE}" in lines
    assert "AUTH PLAIN LOGIN" in lines
    assert c.cmd("HELO client.test") == (250, ["mail.test"])
    assert c.cmd("EHLO") == (501, ["Syntax: EHLO hostname"])
    assert c.cmd("QUIT") == (221, ["2.0.0 mail.test Bye"])
    assert c.closed()


def test_session_commands(srv):
    c = Smtp(srv.smtp_port)
    assert c.cmd("MAIL FROM:<a@elsewhere.example>")[1][0].startswith("5.5.1")
    assert c.cmd("NOOP") == (250, ["2.0.0 OK"])
    c.ok("EHLO client.test")
    assert c.cmd("RCPT TO:<x@smtp.test>")[0] == 503
    assert c.cmd("DATA")[0] == 503
    assert c.cmd("DATA now")[0] == 501
    assert c.cmd("VRFY postmaster")[0] == 252
    assert c.cmd("EXPN list")[0] == 502
    assert c.cmd("HELP")[0] == 214
    assert c.cmd("RSET") == (250, ["2.0.0 OK"])
    assert c.cmd("RSET \t") == (250, ["2.0.0 OK"])
    assert c.cmd("FROB")[1] == ["5.5.2 Command not recognized"]
    code, lines = c.cmd("NOOP " + "x" * 5000)
    assert (code, lines[0][:5]) == (500, "5.5.2")
    c.ok("NOOP")
    c.close()


def test_bad_commands_end_the_session(srv):
    c = Smtp(srv.smtp_port)
    for _ in range(MAX_BAD - 1):
        assert c.cmd("FROB")[0] == 500
    code, lines = c.cmd("FROB")
    assert code == 421 and lines[0].startswith("4.7.0 mail.test")
    assert c.closed()


def test_parameters(srv, alice):
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    assert c.cmd("MAIL FROM:<a@elsewhere.example> FROB=1")[1][0].startswith("5.5.4")
    assert c.cmd("MAIL FROM:<a@elsewhere.example> BODY=BINARYMIME")[0] == 501
    assert c.cmd("MAIL FROM:<a@elsewhere.example> SIZE=x")[0] == 501
    assert c.cmd("MAIL FROM:<a..b@elsewhere.example>")[1][0].startswith("5.1.7")
    c.ok("MAIL FROM:<a@elsewhere.example> RET=HDRS ENVID=id+2B1 BODY=8BITMIME SIZE=100")
    assert c.cmd("MAIL FROM:<a@elsewhere.example>")[0] == 503
    assert c.cmd(f"RCPT TO:<{alice.address}> NOTIFY=NEVER,DELAY")[0] == 501
    assert c.cmd(f"RCPT TO:<{alice.address}> ORCPT=rfc822")[0] == 501
    assert c.cmd("RCPT TO:<j\u00f6rg@smtp.test>")[1][0].startswith("5.6.7")
    c.ok(f"RCPT TO:<{alice.address}> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;{alice.address}")
    c.ok("RSET")
    c.ok("MAIL FROM:<j\u00f6rg@elsewhere.example> SMTPUTF8")
    c.ok(f"RCPT TO:<{alice.address}>")
    c.close()


def test_unknown_user_and_open_relay(srv):
    c = Smtp(srv.smtp_port)
    transaction(c, "a@elsewhere.example", [])
    code, lines = c.cmd("RCPT TO:<nobody@smtp.test>")
    assert (code, lines[0][:5]) == (550, "5.1.1")
    code, lines = c.cmd("RCPT TO:<victim@remote.example>")
    assert code in (550, 554) and lines[0].startswith("5.7.1"), (code, lines)
    assert c.cmd("DATA") == (554, ["5.5.1 No valid recipients"])
    c.close()
    out = swaks(srv.smtp_port, "--from", "a@elsewhere.example", "--to", "victim@remote.example")
    assert out.returncode != 0
    assert any(line.startswith("554 5.7.1") or line.startswith("550 5.7.1")
               for line in server_lines(out.stdout)), out.stdout


# ---------------------------------------------------------------- delivery

def test_swaks_plain(srv, alice):
    subject = tern.unique("plain")
    out = swaks(srv.smtp_port, "--from", "sender@elsewhere.example", "--to", alice.address,
                "--header", f"Subject: {subject}", "--body", "Plain delivery.")
    assert out.returncode == 0, out.stdout + out.stderr
    [email] = find_emails(alice, subject)
    raw = raw_of(alice, email)
    assert b"Return-Path: <sender@elsewhere.example>" in raw
    assert b"Received: " in raw
    assert "Plain delivery." in body_text(email)


@pytest.mark.parametrize("mech", ["PLAIN", "LOGIN"])
def test_swaks_auth(srv, alice, bob, mech):
    subject = tern.unique("auth")
    out = swaks(srv.submission_port, "--auth", mech, "--auth-user", alice.name,
                "--auth-password", alice.password, "--from", alice.address, "--to", bob.address,
                "--header", f"From: {alice.address}", "--header", f"Subject: {subject}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "235 2.7.0 Authentication successful" in server_lines(out.stdout)
    assert len(find_emails(bob, subject)) == 1


def test_swaks_bad_password(srv, alice):
    out = swaks(srv.submission_port, "--auth", "PLAIN", "--auth-user", alice.name,
                "--auth-password", "not-the-password", "--from", alice.address,
                "--to", alice.address)
    assert out.returncode != 0
    assert "535 5.7.8 Authentication credentials invalid" in server_lines(out.stdout)


def test_submission_needs_auth(srv, alice):
    c = Smtp(srv.submission_port)
    c.ok("EHLO client.test")
    assert c.cmd(f"MAIL FROM:<{alice.address}>") == (530, ["5.7.0 Authentication required"])
    c.ok("AUTH PLAIN " + plain(alice.name, alice.password), 235)
    c.ok(f"MAIL FROM:<{alice.address}>")
    c.close()


def test_auth_exchanges(srv, alice):
    c = Smtp(srv.smtp_port)
    assert c.cmd("AUTH PLAIN")[0] == 503            # EHLO first
    c.ok("EHLO client.test")
    assert c.cmd("AUTH CRAM-MD5")[0] == 504
    assert c.cmd("AUTH PLAIN") == (334, [""])
    assert c.cmd("*") == (501, ["5.0.0 Authentication cancelled"])
    assert c.cmd("AUTH LOGIN") == (334, ["VXNlcm5hbWU6"])
    assert c.cmd("%%%")[0] == 501
    assert c.cmd("AUTH LOGIN") == (334, ["VXNlcm5hbWU6"])
    assert c.cmd(base64.b64encode(alice.name.encode()).decode()) == (334, ["UGFzc3dvcmQ6"])
    assert c.cmd(base64.b64encode(alice.password.encode()).decode())[0] == 235
    assert c.cmd("AUTH PLAIN " + plain(alice.name, alice.password))[0] == 503
    c.close()
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    c.ok("MAIL FROM:<a@elsewhere.example>")
    assert c.cmd("AUTH PLAIN " + plain(alice.name, alice.password))[0] == 503
    c.close()


def test_authenticated_user_may_relay_on_the_inbound_port(srv, alice):
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    c.ok("AUTH PLAIN " + plain(alice.name, alice.password), 235)
    c.ok(f"MAIL FROM:<{alice.address}>")
    c.ok("RCPT TO:<friend@remote.example>")
    c.ok("RSET")
    c.close()


def test_pipelining(srv, alice):
    subject = tern.unique("pipe")
    out = swaks(srv.smtp_port, "--pipeline", "--from", "p@elsewhere.example",
                "--to", alice.address, "--header", f"Subject: {subject}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert len(find_emails(alice, subject)) == 1
    # every command in one packet: answered one by one, in order
    subject = tern.unique("pipe")
    c = Smtp(srv.smtp_port)
    c.send("EHLO client.test\r\nMAIL FROM:<p@elsewhere.example>\r\n"
           "RCPT TO:<nobody@smtp.test>\r\n"
           f"RCPT TO:<{alice.address}>\r\nDATA\r\n")
    assert c.reply()[0] == 250
    assert c.reply()[0] == 250
    assert c.reply()[0] == 550
    assert c.reply()[0] == 250
    assert c.reply()[0] == 354
    c.send(message(subject) + ".\r\nNOOP\r\nQUIT\r\n")
    assert c.reply()[0] == 250
    assert c.reply() == (250, ["2.0.0 OK"])
    assert c.reply()[0] == 221
    assert c.closed()
    assert len(find_emails(alice, subject)) == 1


def test_pipelined_auth_and_transaction(srv, alice):
    # AUTH, MAIL and RCPT in one packet: each waits for the one before
    # (the password check and the recipient lookup run off the loop)
    subject = tern.unique("pipe-auth")
    c = Smtp(srv.submission_port)
    c.send(f"EHLO client.test\r\nAUTH PLAIN {plain(alice.name, alice.password)}\r\n"
           f"MAIL FROM:<{alice.address}>\r\nRCPT TO:<{alice.address}>\r\n"
           "RCPT TO:<nobody@smtp.test>\r\nDATA\r\n")
    assert c.reply()[0] == 250
    assert c.reply()[0] == 235
    assert c.reply()[0] == 250
    assert c.reply()[0] == 250
    assert c.reply()[0] == 550
    assert c.reply()[0] == 354
    c.send(message(subject, frm=alice.address) + ".\r\nQUIT\r\n")
    assert c.reply()[0] == 250
    assert c.reply()[0] == 221
    assert c.closed()
    assert len(find_emails(alice, subject)) == 1


def test_parallel_sessions(srv, alice, bob):
    # many sessions delivering at once, to two accounts: every message
    # arrives once
    subject = tern.unique("parallel")

    def session(n):
        with smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=TIMEOUT) as s:
            s.ehlo("client.test")
            for i in range(5):
                to = alice.address if (n + i) % 2 == 0 else bob.address
                msg = message(f"{subject} {n}.{i}", to=to)
                s.sendmail("p@elsewhere.example", [to], msg.encode())

    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(session, range(16)))
    assert len(find_emails(alice, subject, want=40, timeout=30)) == 40
    assert len(find_emails(bob, subject, want=40, timeout=30)) == 40


def test_peer_gone_during_delivery(srv, alice):
    # the client leaves while its message is being stored: the message
    # is delivered all the same, and the server goes on serving
    subject = tern.unique("gone")
    c = Smtp(srv.smtp_port)
    c.send(f"EHLO client.test\r\nMAIL FROM:<g@elsewhere.example>\r\n"
           f"RCPT TO:<{alice.address}>\r\nDATA\r\n")
    for code in (250, 250, 250, 354):
        assert c.reply()[0] == code
    c.send(message(subject) + ".\r\n")
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    c.close()
    assert len(find_emails(alice, subject)) == 1
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    c.ok("QUIT", 221)
    c.close()


def test_many_recipients(srv, alice, bob):
    subject = tern.unique("many")
    local_a, dom = alice.address.split("@")
    local_b = bob.address.split("@")[0]
    rcpts = [f"{local_a}+{i}@{dom}" for i in range(MAX_RCPTS // 2)]
    rcpts += [f"{local_b}+{i}@{dom}" for i in range(MAX_RCPTS - len(rcpts))]
    c = Smtp(srv.smtp_port)
    transaction(c, "list@elsewhere.example", rcpts)
    assert c.cmd(f"RCPT TO:<{alice.address}>") == (452, ["4.5.3 Too many recipients"])
    c.ok("DATA", 354)
    c.send(message(subject) + ".\r\n")
    assert c.reply()[0] == 250
    c.close()
    assert find_emails(alice, subject) and find_emails(bob, subject)


def test_8bit_and_smtputf8(srv, alice):
    subject = tern.unique("utf8")
    body = "Gr\u00fc\u00dfe aus M\u00fcnchen, \u65e5\u672c.\r\n"
    raw = (f"From: j\u00f6rg@elsewhere.example\r\nTo: {alice.address}\r\nSubject: {subject}\r\n"
           "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}").encode()
    with smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=TIMEOUT) as s:
        s.ehlo("client.test")
        assert s.has_extn("smtputf8") and s.has_extn("8bitmime")
        s.sendmail("j\u00f6rg@elsewhere.example", [alice.address], raw,
                   mail_options=["BODY=8BITMIME", "SMTPUTF8"])
    [email] = find_emails(alice, subject)
    assert body.strip() in body_text(email)


def test_dot_stuffing(srv, alice):
    subject = tern.unique("dots")
    c = Smtp(srv.smtp_port)
    transaction(c, "d@elsewhere.example", [alice.address])
    c.ok("DATA", 354)
    c.send(message(subject, body="..hidden\r\n...double\r\n. \r\n..\r\nend\r\n") + ".\r\n")
    assert c.reply()[0] == 250
    c.close()
    [email] = find_emails(alice, subject)
    raw = raw_of(alice, email)
    assert raw.endswith(b"\r\n\r\n.hidden\r\n..double\r\n \r\n.\r\nend\r\n"), raw[-80:]


def test_smuggled_end_of_data_is_not_one(srv, alice):
    carrier, payload = tern.unique("carrier"), tern.unique("payload")
    c = Smtp(srv.smtp_port)
    transaction(c, "s@elsewhere.example", [alice.address])
    c.ok("DATA", 354)
    c.send(message(carrier, body="first\n.\r\nMAIL FROM:<evil@elsewhere.example>\r\n"
                   f"RCPT TO:<{alice.address}>\r\nDATA\r\n{message(payload)}") + ".\r\n")
    assert c.reply()[0] == 250
    c.ok("NOOP")
    c.close()
    [email] = find_emails(alice, carrier)
    assert b"MAIL FROM:<evil@elsewhere.example>" in raw_of(alice, email)
    assert find_emails(alice, payload, timeout=0) == []


def test_attachment_of_one_megabyte(srv, alice, tmp_path):
    subject = tern.unique("big")
    data = os.urandom(1024 * 1024)
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    out = swaks(srv.smtp_port, "--from", "a@elsewhere.example", "--to", alice.address,
                "--header", f"Subject: {subject}", "--attach-type", "application/octet-stream",
                "--attach-name", "blob.bin", "--attach", f"@{path}")
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr
    [email] = find_emails(alice, subject)
    [att] = email["attachments"]
    assert att["name"] == "blob.bin" and att["size"] == len(data)
    assert tern_mail.download(alice, att["blobId"]) == data


def test_null_sender(srv, alice):
    subject = tern.unique("bounce")
    with smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=TIMEOUT) as s:
        s.ehlo("client.test")
        assert s.mail("")[0] == 250
        assert s.rcpt(alice.address)[0] == 250
        assert s.data(message(subject, frm="MAILER-DAEMON@elsewhere.example"))[0] == 250
    [email] = find_emails(alice, subject)
    assert b"Return-Path: <>" in raw_of(alice, email)


def test_quit_after_rcpt(srv, alice):
    subject = tern.unique("quit")
    out = swaks(srv.smtp_port, "--quit-after", "RCPT", "--from", "q@elsewhere.example",
                "--to", alice.address, "--header", f"Subject: {subject}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert any(line.startswith("221 ") for line in server_lines(out.stdout))
    assert find_emails(alice, subject, timeout=0) == []


def test_oversized_message(srv, alice):
    subject = tern.unique("huge")
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    code, lines = c.cmd(f"MAIL FROM:<h@elsewhere.example> SIZE={MAX_MESSAGE + 1}")
    assert (code, lines[0][:5]) == (552, "5.3.4")
    c.ok("MAIL FROM:<h@elsewhere.example>")
    c.ok(f"RCPT TO:<{alice.address}>")
    c.ok("DATA", 354)
    line = b"x" * 998 + b"\r\n"
    c.send(message(subject).encode() + line * (MAX_MESSAGE // len(line) + 10) + b".\r\n")
    code, lines = c.reply()
    assert (code, lines[0][:5]) == (552, "5.3.4")
    c.ok("NOOP")
    c.close()
    assert find_emails(alice, subject, timeout=0) == []


# ---------------------------------------------------------------- BDAT

def test_bdat(srv, alice):
    subject = tern.unique("bdat")
    head = message(subject, body="").encode()
    chunks = [head + b"first line\r", b"\nsecond line\r\n.third\r\n", b""]
    c = Smtp(srv.smtp_port)
    transaction(c, "b@elsewhere.example", [alice.address])
    c.send(b"BDAT %d\r\n" % len(chunks[0]) + chunks[0])
    assert c.reply() == (250, [f"2.0.0 {len(chunks[0])} octets received"])
    # the rest pipelined, with the empty last chunk
    c.send(b"BDAT %d\r\n" % len(chunks[1]) + chunks[1] + b"BDAT 0 LAST\r\n")
    assert c.reply()[0] == 250
    assert c.reply()[0] == 250
    c.ok("NOOP")
    [email] = find_emails(alice, subject)
    assert raw_of(alice, email).endswith(b"\r\n\r\nfirst line\r\nsecond line\r\n.third\r\n")
    # DATA may not follow BDAT; RSET clears the transaction
    transaction(c, "b@elsewhere.example", [alice.address])
    c.send(b"BDAT 5\r\nabcde")
    assert c.reply()[0] == 250
    assert c.cmd("DATA")[0] == 503
    c.ok("RSET")
    c.close()


def test_byte_at_a_time(srv, alice):
    """Commands, a BDAT chunk and DATA's message sent one byte per
    packet: the session resumes wherever a packet ends."""
    chunked, dotted = tern.unique("bytes"), tern.unique("bytes")
    chunk = message(chunked, body="..kept\r\n").encode()
    envelope = f"MAIL FROM:<b@elsewhere.example>\r\nRCPT TO:<{alice.address}>\r\n".encode()
    c = Smtp(srv.smtp_port)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def trickle(data):
        for i in range(len(data)):
            c.send(data[i:i + 1])

    trickle(b"EHLO client.test\r\n" + envelope + b"BDAT %d LAST\r\n" % len(chunk) + chunk
            + envelope + b"DATA\r\n")
    assert [c.reply()[0] for _ in range(7)] == [250, 250, 250, 250, 250, 250, 354]
    trickle(message(dotted, body="..unstuffed\r\n").encode() + b".\r\n")
    assert c.reply()[0] == 250
    c.close()
    [email] = find_emails(alice, chunked)
    assert raw_of(alice, email).endswith(b"\r\n\r\n..kept\r\n")
    [email] = find_emails(alice, dotted)
    assert raw_of(alice, email).endswith(b"\r\n\r\n.unstuffed\r\n")


def test_bdat_errors_skip_the_chunk(srv, alice):
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    # no transaction: the chunk's bytes are read and dropped
    c.send(b"BDAT 14 LAST\r\nNOOP\r\nNOOP\r\n\r\nNOOP\r\n")
    assert c.reply()[0] == 503
    assert c.reply() == (250, ["2.0.0 OK"])
    assert c.cmd("BDAT x")[0] == 501
    # too big: read to its end, then 552, and the transaction is over
    transaction(c, "b@elsewhere.example", [alice.address])
    size = MAX_MESSAGE + 100
    c.send(b"BDAT %d\r\n" % size + b"y" * size + b"BDAT 3 LAST\r\nabc")
    code, lines = c.reply()
    assert (code, lines[0][:5]) == (552, "5.3.4")
    assert c.reply()[0] == 503
    c.ok("NOOP")
    c.close()


# ---------------------------------------------------------------- TLS

def test_starttls(srv, alice):
    subject = tern.unique("tls")
    with smtplib.SMTP("127.0.0.1", srv.smtp_port, timeout=TIMEOUT) as s:
        s.ehlo("client.test")
        assert s.has_extn("starttls")
        s.starttls(context=tern.tls_context())
        s.ehlo("client.test")
        assert not s.has_extn("starttls")
        assert s.docmd("STARTTLS")[0] == 503
        s.sendmail("t@elsewhere.example", [alice.address], message(subject))
    assert len(find_emails(alice, subject)) == 1
    out = swaks(srv.smtp_port, "--tls", "--from", "t@elsewhere.example", "--to", alice.address,
                "--header", f"Subject: {subject}-swaks")
    assert out.returncode == 0, out.stdout + out.stderr


def test_starttls_drops_injected_commands(srv):
    c = Smtp(srv.smtp_port)
    c.ok("EHLO client.test")
    c.send("STARTTLS\r\nRSET\r\n")
    assert c.reply()[0] == 220
    c.sock = tern.tls_context().wrap_socket(c.sock)
    # the RSET sent in clear was dropped, and the EHLO state forgotten
    assert c.cmd("MAIL FROM:<a@elsewhere.example>")[0] == 503
    code, lines = c.ok("EHLO client.test")
    assert "STARTTLS" not in lines
    c.close()


def test_submissions_implicit_tls(srv, alice, bob):
    subject = tern.unique("smtps")
    with smtplib.SMTP_SSL("127.0.0.1", srv.submissions_port, timeout=TIMEOUT,
                          context=tern.tls_context()) as s:
        s.login(alice.name, alice.password)
        s.sendmail(alice.address, [bob.address],
                   message(subject, frm=alice.address, to=bob.address))
    assert len(find_emails(bob, subject)) == 1


def test_auth_needs_tls_off_secure_networks_and_timeouts(tmp_path):
    srv = make_server(tmp_path, auth={"secure-networks": []}, timeout="2s",
                      **{"data-timeout": "2s"})
    srv.start()
    try:
        user = tern.new_account(srv, domain=DOMAIN)
        c = Smtp(srv.submission_port)
        code, lines = c.ok("EHLO client.test")
        assert not any(line.startswith("AUTH") for line in lines)
        assert c.cmd("AUTH PLAIN " + plain(user.name, user.password))[1][0].startswith("5.7.11")
        assert c.cmd(f"MAIL FROM:<{user.address}>")[0] == 530
        c.starttls()
        code, lines = c.ok("EHLO client.test")
        assert "AUTH PLAIN LOGIN" in lines
        time.sleep(3)
        code, lines = c.reply()
        assert code == 421 and lines[0].startswith("4.4.2")
        assert c.closed()
        # the data timeout
        c = Smtp(srv.smtp_port)
        transaction(c, "a@elsewhere.example", [user.address])
        c.ok("DATA", 354)
        c.send("Subject: slow\r\n")
        time.sleep(3)
        code, lines = c.reply()
        assert code == 421 and lines[0].startswith("4.4.2")
        assert c.closed()
    finally:
        finish(srv)


# ---------------------------------------------------------------- nodemailer

def test_nodemailer(srv, alice, bob):
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "nodemailer").is_dir():
        npm = shutil.which("npm")
        assert npm, "node without npm: cannot install nodemailer"
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)
    env = dict(os.environ, TERN_SMTP_PORT=str(srv.smtp_port),
               TERN_SUBMISSION_PORT=str(srv.submission_port),
               TERN_SUBMISSIONS_PORT=str(srv.submissions_port), TERN_USER=alice.name,
               TERN_PASSWORD=alice.password, TERN_FROM=alice.address, TERN_TO=bob.address)
    proc = subprocess.run([node, str(JS_DIR / "nodemailer.mjs")], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["badAuth"] == {"code": "EAUTH", "responseCode": 535}, report
    for subject in ("nodemailer starttls", "nodemailer implicit tls", "nodemailer inbound"):
        assert find_emails(bob, subject), subject
    [email] = find_emails(bob, "nodemailer starttls")
    [att] = email["attachments"]
    assert tern_mail.download(bob, att["blobId"]) == b"line one\n.line two\n" * 200
