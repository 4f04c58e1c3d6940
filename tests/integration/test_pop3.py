"""The POP3 gateway (issue 4, items 4-6): RFC 1939 with CAPA, UIDL, TOP,
USER/PASS, AUTH PLAIN, STLS, RESP-CODES, PIPELINING, driven with
Python's poplib and, where the bytes on the wire matter, a raw socket.
The maildrop is the Inbox, read and changed through JMAP only."""
import base64
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

import poplib
import pytest

import tern
from tern_mail import crlf, import_raw, mailbox, message, update_email

TIMEOUT = 30


# ---------------------------------------------------------------- clients

def pop(srv, tls=False):
    if tls:
        return poplib.POP3_SSL("127.0.0.1", srv.pop3s_port, timeout=TIMEOUT,
                               context=tern.tls_context())
    return poplib.POP3("127.0.0.1", srv.pop3_port, timeout=TIMEOUT)


def login(srv, acct, tls=False):
    p = pop(srv, tls)
    p.user(acct.name)
    p.pass_(acct.password)
    return p


class Raw:
    """A POP3 connection at the byte level: what the server sends, as is."""

    def __init__(self, port, host="127.0.0.1", tls=False, source=None):
        src = (source, 0) if source else None
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT, source_address=src)
        if tls:
            self.sock = tern.tls_context().wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")
        self.greeting = self.line()

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def line(self):
        """One line without its CRLF; None at end of stream."""
        data = self.file.readline()
        if not data:
            return None
        assert data.endswith(b"\r\n"), data
        return data[:-2]

    def cmd(self, text):
        self.send(text + "\r\n")
        return self.line()

    def body(self):
        """The lines of a multi-line response up to ".", still stuffed."""
        lines = []
        while True:
            line = self.line()
            assert line is not None, "connection closed inside a multi-line response"
            if line == b".":
                return lines
            lines.append(line)

    def starttls(self):
        self.sock = tern.tls_context().wrap_socket(self.sock)
        self.file = self.sock.makefile("rb")

    def login(self, acct):
        assert self.cmd(f"USER {acct.name}").startswith(b"+OK")
        reply = self.cmd(f"PASS {acct.password}")
        assert reply.startswith(b"+OK"), reply

    def close(self):
        self.file.close()
        self.sock.close()


def unstuff(lines):
    return b"".join((line[1:] if line.startswith(b".") else line) + b"\r\n" for line in lines)


def retr_bytes(p, n):
    _, lines, _ = p.retr(n)
    return b"".join(line + b"\r\n" for line in lines)


def err(fn, *args):
    """The -ERR line a poplib call got (it must fail)."""
    with pytest.raises(poplib.error_proto) as e:
        fn(*args)
    text = e.value.args[0]
    return text if isinstance(text, bytes) else text.encode()


def inbox_ids(acct):
    """Every Inbox id, oldest first, page by page (the server may cap a page)."""
    inbox, ids = mailbox(acct, "inbox"), []
    while True:
        got = acct.ok("Email/query", {"filter": {"inMailbox": inbox}, "position": len(ids),
                                      "sort": [{"property": "receivedAt", "isAscending": True}]})
        if not got["ids"]:
            return ids
        ids += got["ids"]


def fill(acct, count, body="Hello.\n"):
    """count messages, received a minute apart; returns [(raw, created)]."""
    out = []
    for i in range(count):
        raw = message(subject=f"Message {i + 1}", body=body)
        created = import_raw(acct, raw, received_at=f"2024-01-01T10:{i:02d}:00Z")
        out.append((raw, created))
    return out


def email_exists(acct, email_id):
    got = acct.ok("Email/get", {"ids": [email_id], "properties": ["mailboxIds"]})
    return got["list"][0]["mailboxIds"] if got["list"] else None


# ---------------------------------------------------------------- greeting, CAPA

def test_greeting_and_capa(server):
    p = pop(server)
    assert p.getwelcome().startswith(b"+OK")
    caps = p.capa()
    for cap in ("TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "STLS",
                "IMPLEMENTATION"):
        assert cap in caps, caps
    assert caps["SASL"] == ["PLAIN"], caps
    p.quit()


def test_capa_after_login_and_over_tls(server, account):
    p = login(server, account)
    caps = p.capa()
    assert "STLS" not in caps and "TOP" in caps and "UIDL" in caps, caps
    p.quit()
    p = pop(server, tls=True)
    caps = p.capa()
    assert "STLS" not in caps and "USER" in caps, caps
    p.quit()


# ---------------------------------------------------------------- login

def test_user_pass(server, account):
    p = pop(server)
    assert p.user(account.name).startswith(b"+OK")
    assert p.pass_(account.password).startswith(b"+OK")
    assert p.stat() == (0, 0)
    assert p.quit().startswith(b"+OK")


def test_login_by_address(server, account):
    p = pop(server)
    p.user(account.address)
    p.pass_(account.password)
    p.quit()


def test_wrong_password_and_retry(server, account):
    p = pop(server)
    p.user(account.name)
    assert err(p.pass_, account.password + "x").startswith(b"-ERR [AUTH]")
    # still in AUTHORIZATION: a new attempt may follow
    assert err(p.stat).startswith(b"-ERR")
    p.user(account.name)
    p.pass_(account.password)
    assert p.stat() == (0, 0)
    p.quit()


def test_pass_without_user_and_wrong_state(server, account):
    p = pop(server)
    assert err(p.pass_, account.password).startswith(b"-ERR")
    for fn, args in ((p.stat, ()), (p.list, ()), (p.retr, (1,)), (p.dele, (1,)),
                     (p.noop, ()), (p.rset, ()), (p.uidl, ()), (p.top, (1, 0))):
        assert err(fn, *args).startswith(b"-ERR"), fn
    p.user(account.name)
    p.pass_(account.password)
    assert err(p.user, account.name).startswith(b"-ERR")
    assert err(p.pass_, account.password).startswith(b"-ERR")
    assert err(p._shortcmd, "STLS").startswith(b"-ERR")
    p.quit()


def test_admins_refused(server):
    boss = tern.new_account(server, prefix="boss", role="admin")
    for name, password in ((boss.name, boss.password), ("admin", server.admin_password)):
        p = pop(server)
        p.user(name)
        assert err(p.pass_, password).startswith(b"-ERR [AUTH]")
        p.quit()


def test_quit_in_authorization(server):
    r = Raw(server.pop3_port)
    assert r.cmd("QUIT").startswith(b"+OK")
    assert r.line() is None
    r.close()


# ---------------------------------------------------------------- AUTH PLAIN

def plain(name, password, authzid=""):
    return base64.b64encode(f"{authzid}\0{name}\0{password}".encode()).decode()


def test_auth_plain_initial_response(server, account):
    r = Raw(server.pop3_port)
    assert r.cmd("AUTH PLAIN " + plain(account.name, account.password)).startswith(b"+OK")
    assert r.cmd("STAT") == b"+OK 0 0"
    r.close()


def test_auth_plain_continuation(server, account):
    r = Raw(server.pop3_port)
    assert r.cmd("AUTH PLAIN") == b"+ "
    assert r.cmd(plain(account.name, account.password, authzid=account.name)).startswith(b"+OK")
    assert r.cmd("STAT") == b"+OK 0 0"
    r.close()


def test_auth_plain_errors(server, account):
    r = Raw(server.pop3_port)
    assert r.cmd("AUTH PLAIN") == b"+ "
    assert r.cmd("*").startswith(b"-ERR")
    assert r.cmd("AUTH PLAIN !!!notbase64").startswith(b"-ERR")
    assert r.cmd("AUTH PLAIN " + plain(account.name, "wrong")).startswith(b"-ERR [AUTH]")
    assert r.cmd("AUTH PLAIN " + plain(account.name, account.password,
                                        authzid="someone-else")).startswith(b"-ERR")
    assert r.cmd("AUTH CRAM-MD5").startswith(b"-ERR")
    assert r.cmd("AUTH").startswith(b"+OK")
    assert b"PLAIN" in r.body()
    # none of it broke the session
    assert r.cmd("AUTH PLAIN " + plain(account.name, account.password)).startswith(b"+OK")
    r.close()


# ---------------------------------------------------------------- listing

def test_stat_list_uidl(server, account):
    msgs = fill(account, 3)
    sizes = [len(raw) for raw, _ in msgs]
    p = login(server, account)
    assert p.stat() == (3, sum(sizes))
    resp, lines, _ = p.list()
    assert resp.startswith(b"+OK")
    assert lines == [f"{i + 1} {s}".encode() for i, s in enumerate(sizes)]
    assert p.list(2) == f"+OK 2 {sizes[1]}".encode()
    _, uidls, _ = p.uidl()
    assert uidls == [f"{i + 1} {c['id']}".encode() for i, (_, c) in enumerate(msgs)]
    assert p.uidl(3) == f"+OK 3 {msgs[2][1]['id']}".encode()
    for bad in ("0", "4", "abc", "-1", "1x"):
        assert err(p.list, bad).startswith(b"-ERR")
        assert err(p.uidl, bad).startswith(b"-ERR")
    p.quit()


def test_order_is_received_at_then_id(server, account):
    made = {}
    for subject, when in (("b", "2024-03-03T00:00:00Z"), ("a", "2024-03-01T00:00:00Z"),
                          ("c", "2024-03-02T00:00:00Z")):
        made[subject] = import_raw(account, message(subject=subject), received_at=when)["id"]
    p = login(server, account)
    _, uidls, _ = p.uidl()
    assert [u.split()[1].decode() for u in uidls] == [made["a"], made["c"], made["b"]]
    p.quit()


def test_uidl_stable_and_valid(server, account):
    fill(account, 4)
    p = login(server, account)
    _, first, _ = p.uidl()
    p.dele(1)
    p.quit()
    p = login(server, account)
    _, second, _ = p.uidl()
    p.quit()
    ids = [line.split(b" ", 1)[1] for line in first]
    assert len(set(ids)) == 4
    for uid in ids:
        assert re.fullmatch(rb"[\x21-\x7e]{1,70}", uid), uid
    # numbers are given anew, unique ids stay with their messages
    assert [line.split(b" ", 1)[1] for line in second] == ids[1:]


def test_empty_maildrop(server, account):
    p = login(server, account)
    assert p.stat() == (0, 0)
    assert p.list()[1] == []
    assert p.uidl()[1] == []
    assert err(p.retr, 1).startswith(b"-ERR")
    p.quit()


# ---------------------------------------------------------------- RETR, TOP

DOTTED = crlf("""\
From: Alice <alice@example.com>
To: Bob <bob@example.com>
Subject: dots
Message-ID: <dots@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8

.leading dot
..two dots
.
middle . dot
last line
""")


def test_retr_byte_exact(server, account):
    import_raw(account, DOTTED)
    p = login(server, account)
    resp, _, _ = p.retr(1)
    assert resp.startswith(b"+OK")
    assert retr_bytes(p, 1) == DOTTED
    p.quit()


def test_retr_wire_is_stuffed(server, account):
    import_raw(account, DOTTED)
    r = Raw(server.pop3_port)
    r.login(account)
    assert r.cmd("RETR 1").startswith(b"+OK")
    lines = r.body()
    assert b"..leading dot" in lines and b"...two dots" in lines and b".." in lines
    assert unstuff(lines) == DOTTED
    r.close()


def test_retr_bare_lf_gets_crlf(server, account):
    raw = b"From: a@example.com\nSubject: lf\n\nline one\n.dot\nno newline at end"
    import_raw(account, raw)
    p = login(server, account)
    assert retr_bytes(p, 1) == raw.replace(b"\n", b"\r\n") + b"\r\n"
    p.quit()


def test_retr_large_message_streams(server, account):
    lines = [f"{i:08d} " + "x" * 70 for i in range(40000)]
    lines[100] = "." + lines[100]
    raw = message(subject="big", body="\n".join(lines) + "\n")
    assert len(raw) > 3 * 1024 * 1024
    import_raw(account, raw)
    r = Raw(server.pop3_port)
    r.login(account)
    # pipelined behind the RETR: answered after the whole message
    r.send("RETR 1\r\nNOOP\r\n")
    assert r.line() == f"+OK {len(raw)} octets".encode()
    assert unstuff(r.body()) == raw
    assert r.line().startswith(b"+OK")
    r.close()


def test_top(server, account):
    raw = message(subject="top", body="b1\n.b2\nb3\n")
    import_raw(account, raw)
    head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    p = login(server, account)

    def top(n):
        _, lines, _ = p.top(1, n)
        return b"".join(line + b"\r\n" for line in lines)

    assert top(0) == head
    assert top(1) == head + b"b1\r\n"
    assert top(2) == head + b"b1\r\n.b2\r\n"
    assert top(3) == raw
    assert top(1000) == raw
    assert err(p.top, 2, 0).startswith(b"-ERR")
    assert err(p.top, 1, -1).startswith(b"-ERR")
    assert err(p._shortcmd, "TOP 1").startswith(b"-ERR")
    p.quit()


def test_retr_errors(server, account):
    fill(account, 2)
    p = login(server, account)
    for bad in (0, 3, "x", "1 2"):
        assert err(p.retr, bad).startswith(b"-ERR")
    assert err(p._shortcmd, "RETR").startswith(b"-ERR")
    p.quit()


# ---------------------------------------------------------------- DELE, RSET, QUIT

def test_dele_marks_and_quit_deletes(server, account):
    msgs = fill(account, 3)
    p = login(server, account)
    assert p.dele(2).startswith(b"+OK")
    assert err(p.dele, 2).startswith(b"-ERR")
    assert err(p.retr, 2).startswith(b"-ERR")
    assert err(p.top, 2, 0).startswith(b"-ERR")
    assert err(p.list, 2).startswith(b"-ERR")
    assert err(p.uidl, 2).startswith(b"-ERR")
    assert p.stat() == (2, len(msgs[0][0]) + len(msgs[2][0]))
    assert [line.split()[0] for line in p.list()[1]] == [b"1", b"3"]
    # nothing is removed before QUIT
    assert email_exists(account, msgs[1][1]["id"]) is not None
    assert p.quit().startswith(b"+OK")
    assert email_exists(account, msgs[1][1]["id"]) is None
    assert inbox_ids(account) == [msgs[0][1]["id"], msgs[2][1]["id"]]


def test_rset_unmarks(server, account):
    fill(account, 2)
    p = login(server, account)
    p.dele(1)
    p.dele(2)
    assert p.stat()[0] == 0
    assert p.rset().startswith(b"+OK")
    assert p.stat()[0] == 2
    p.quit()
    assert len(inbox_ids(account)) == 2


def test_no_deletion_without_quit(server, account):
    msgs = fill(account, 2)
    p = login(server, account)
    p.dele(1)
    p.dele(2)
    p.sock.close()
    p.file.close()
    time.sleep(0.5)
    assert len(inbox_ids(account)) == 2
    p = login(server, account)
    assert p.stat()[0] == 2
    p.quit()
    assert email_exists(account, msgs[0][1]["id"]) is not None


def test_dele_of_message_in_other_mailboxes_only_leaves_the_inbox(server, account):
    inbox, archive = mailbox(account, "inbox"), mailbox(account, "archive")
    created = import_raw(account, message(), mailbox_ids={inbox: True, archive: True})
    p = login(server, account)
    p.dele(1)
    p.quit()
    assert email_exists(account, created["id"]) == {archive: True}


def test_retr_marks_seen_at_quit(server, account):
    msgs = fill(account, 2)
    p = login(server, account)
    p.retr(1)
    p.top(2, 0)
    p.quit()
    got = account.ok("Email/get", {"ids": [c["id"] for _, c in msgs], "properties": ["keywords"]})
    seen = {e["id"]: e["keywords"].get("$seen", False) for e in got["list"]}
    assert seen == {msgs[0][1]["id"]: True, msgs[1][1]["id"]: False}


def test_batches_within_jmap_limits(ternd_factory):
    srv = ternd_factory(jmap={"max-objects-in-get": 7, "max-objects-in-set": 5})
    srv.start()
    acct = tern.new_account(srv)
    msgs = fill(acct, 20)
    p = login(srv, acct)
    assert p.stat()[0] == 20
    _, uidls, _ = p.uidl()
    assert [u.split()[1].decode() for u in uidls] == [c["id"] for _, c in msgs]
    for n in range(1, 13):
        p.dele(n)
    for n in range(13, 21):
        assert retr_bytes(p, n) == msgs[n - 1][0]
    assert p.quit().startswith(b"+OK")
    assert inbox_ids(acct) == [c["id"] for _, c in msgs[12:]]
    left = inbox_ids(acct)
    for i in range(0, len(left), 7):
        got = acct.ok("Email/get", {"ids": left[i:i + 7], "properties": ["keywords"]})
        assert all(e["keywords"].get("$seen") for e in got["list"])


# ---------------------------------------------------------------- the list is fixed

def test_later_arrivals_not_shown(server, account):
    fill(account, 1)
    p = login(server, account)
    import_raw(account, message(subject="late"))
    assert p.stat()[0] == 1
    assert err(p.retr, 2).startswith(b"-ERR")
    p.quit()
    p = login(server, account)
    assert p.stat()[0] == 2
    p.quit()


def test_removed_elsewhere_answers_err(server, account):
    msgs = fill(account, 3)
    archive = mailbox(account, "archive")
    p = login(server, account)
    account.ok("Email/set", {"destroy": [msgs[0][1]["id"]]})
    update_email(account, msgs[1][1]["id"], {"mailboxIds": {archive: True}})
    assert err(p.retr, 1).startswith(b"-ERR")
    assert err(p.top, 2, 0).startswith(b"-ERR")
    assert retr_bytes(p, 3) == msgs[2][0]
    p.dele(1)
    p.dele(2)
    assert p.quit().startswith(b"+OK")
    # the message moved away is left alone
    assert email_exists(account, msgs[1][1]["id"]) == {archive: True}


def test_two_sessions_at_once(server, account):
    msgs = fill(account, 2)
    a = login(server, account)
    b = login(server, account)
    assert a.stat()[0] == b.stat()[0] == 2
    a.dele(1)
    a.quit()
    assert err(b.retr, 1).startswith(b"-ERR")
    b.dele(1)
    assert b.quit().startswith(b"+OK")
    assert inbox_ids(account) == [msgs[1][1]["id"]]


# ---------------------------------------------------------------- the wire

def test_pipelining(server, account):
    msgs = fill(account, 2)
    r = Raw(server.pop3_port)
    r.send(f"USER {account.name}\r\nPASS {account.password}\r\nSTAT\r\nLIST\r\n"
           "RETR 2\r\nUIDL 1\r\nBOGUS\r\nNOOP\r\nQUIT\r\n")
    assert r.line().startswith(b"+OK")
    assert r.line().startswith(b"+OK")
    assert r.line() == f"+OK 2 {len(msgs[0][0]) + len(msgs[1][0])}".encode()
    assert r.line().startswith(b"+OK")
    assert len(r.body()) == 2
    assert r.line().startswith(b"+OK")
    assert unstuff(r.body()) == msgs[1][0]
    assert r.line() == f"+OK 1 {msgs[0][1]['id']}".encode()
    assert r.line().startswith(b"-ERR")
    assert r.line().startswith(b"+OK")
    assert r.line().startswith(b"+OK")
    assert r.line() is None
    r.close()


def test_commands_are_case_insensitive(server, account):
    r = Raw(server.pop3_port)
    assert r.cmd(f"user {account.name}").startswith(b"+OK")
    assert r.cmd(f"pass {account.password}").startswith(b"+OK")
    assert r.cmd("stat") == b"+OK 0 0"
    assert r.cmd("NoOp").startswith(b"+OK")
    r.close()


def test_unknown_and_malformed_commands(server, account):
    r = Raw(server.pop3_port)
    for line in ("FOO", "", " STAT", "XXXXXXXXXXXXXXXXXX", "APOP user digest"):
        assert r.cmd(line).startswith(b"-ERR"), line
    r.send(b"US\x00ER x\r\n")
    assert r.line().startswith(b"-ERR")
    r.login(account)
    assert r.cmd("STAT extra").startswith(b"-ERR")
    assert r.cmd("LIST 1 2").startswith(b"-ERR")
    assert r.cmd("NOOP").startswith(b"+OK")
    r.close()


def test_long_line_refused_session_goes_on(server, account):
    r = Raw(server.pop3_port)
    assert r.cmd("NOOP " + "x" * 10000).startswith(b"-ERR")
    assert r.cmd("USER " + "y" * 5000).startswith(b"-ERR")
    r.login(account)
    assert r.cmd("STAT") == b"+OK 0 0"
    r.close()


def test_too_many_bad_commands_closes(ternd_factory):
    srv = ternd_factory(extra="pop3 = { max-bad-commands = 3; };")
    srv.start()
    r = Raw(srv.pop3_port)
    assert r.cmd("FOO").startswith(b"-ERR")
    assert r.cmd("BAR").startswith(b"-ERR")
    assert r.cmd("BAZ").startswith(b"-ERR")
    assert r.line() is None
    r.close()


def test_idle_timeout(ternd_factory):
    srv = ternd_factory(extra='pop3 = { timeout = "2s"; };')
    srv.start()
    acct = tern.new_account(srv)
    fill(acct, 1)
    r = Raw(srv.pop3_port)
    r.login(acct)
    r.cmd("DELE 1")
    time.sleep(3)
    assert r.line().startswith(b"-ERR")
    assert r.line() is None
    r.close()
    # a timeout is not a QUIT: nothing deleted
    assert len(inbox_ids(acct)) == 1


# ---------------------------------------------------------------- TLS

def test_stls(server, account):
    import_raw(account, DOTTED)
    p = pop(server)
    assert p.stls(tern.tls_context()).startswith(b"+OK")
    assert isinstance(p.sock, ssl.SSLSocket)
    assert "STLS" not in p.capa()
    assert err(p._shortcmd, "STLS").startswith(b"-ERR")
    p.user(account.name)
    p.pass_(account.password)
    assert retr_bytes(p, 1) == DOTTED
    p.quit()


def test_stls_discards_pipelined_plaintext(server, account):
    r = Raw(server.pop3_port)
    r.send(f"STLS\r\nUSER {account.name}\r\n")
    assert r.line().startswith(b"+OK")
    r.starttls()
    # the injected USER was dropped: PASS has no user to go with
    assert r.cmd(f"PASS {account.password}").startswith(b"-ERR")
    r.login(account)
    r.close()


def test_implicit_tls(server, account):
    import_raw(account, DOTTED)
    p = login(server, account, tls=True)
    assert retr_bytes(p, 1) == DOTTED
    p.quit()


# ---------------------------------------------------------------- plaintext policy

# Without 127.0.0.1 in authentication.secure-networks, loopback stands
# for a client on another network: tests connect to loopback only.

def test_plaintext_refused_off_secure_networks(ternd_factory):
    srv = ternd_factory(auth={"secure-networks": []}).start()
    acct = tern.new_account(srv)
    r = Raw(srv.pop3_port)
    assert r.cmd("CAPA").startswith(b"+OK")
    caps = r.body()
    assert b"STLS" in caps and b"USER" not in caps
    assert not any(c.startswith(b"SASL") for c in caps), caps
    assert r.cmd(f"USER {acct.name}").startswith(b"-ERR [AUTH]")
    assert r.cmd("AUTH PLAIN " + plain(acct.name, acct.password)).startswith(b"-ERR [AUTH]")
    assert r.cmd("STLS").startswith(b"+OK")
    r.starttls()
    assert r.cmd("CAPA").startswith(b"+OK")
    caps = r.body()
    assert b"USER" in caps and b"SASL PLAIN" in caps
    r.login(acct)
    r.close()
    # implicit TLS needs nothing more
    login(srv, acct, tls=True).quit()


def test_plaintext_allowed_by_config(ternd_factory):
    srv = ternd_factory(auth={"secure-networks": [], "allow-plaintext": True}).start()
    acct = tern.new_account(srv)
    r = Raw(srv.pop3_port)
    assert r.cmd("CAPA").startswith(b"+OK")
    assert b"USER" in r.body()
    r.login(acct)
    r.close()
    r = Raw(srv.pop3_port)
    assert r.cmd("AUTH PLAIN " + plain(acct.name, acct.password)).startswith(b"+OK")
    r.close()


def test_plaintext_from_a_listed_network(ternd_factory):
    srv = ternd_factory(auth={"secure-networks": ["127.0.0.2/32", "::1"]}).start()
    acct = tern.new_account(srv)
    r = Raw(srv.pop3_port, source="127.0.0.2")
    r.login(acct)
    r.close()
    r = Raw(srv.pop3_port, source="127.0.0.3")
    assert r.cmd(f"USER {acct.name}").startswith(b"-ERR [AUTH]")
    r.close()


# ---------------------------------------------------------------- brute force

def test_brute_force_ban(ternd_factory):
    srv = ternd_factory(ban={"failures": 3, "window": "10m", "duration": "1h"})
    srv.start()
    acct = tern.new_account(srv)
    r = Raw(srv.pop3_port)
    replies = []
    for i in range(5):
        r.cmd(f"USER {acct.name}")
        replies.append(r.cmd(f"PASS wrong{i}"))
    assert all(x.startswith(b"-ERR") for x in replies), replies
    r.cmd(f"USER {acct.name}")
    assert r.cmd(f"PASS {acct.password}").startswith(b"-ERR [LOGIN-DELAY]")
    assert r.cmd("AUTH PLAIN " + plain(acct.name, acct.password)).startswith(
        b"-ERR [LOGIN-DELAY]")
    r.close()
    # the same guard as JMAP's
    status = srv.request("GET", "/.well-known/jmap", auth=(acct.name, acct.password)).status
    assert status == 403
    # another address is not blocked
    r = Raw(srv.pop3_port, source="127.0.0.2")
    r.login(acct)
    r.close()


# ---------------------------------------------------------------- a real client

def _fetchmail(srv, acct, tmp_path, keep):
    mbox = tmp_path / "mbox"
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        "set no bouncemail\n"
        f"poll 127.0.0.1 with proto POP3 service {srv.pop3s_port} and options no dns\n"
        f'  user "{acct.name}" there with password "{acct.password}" is "root" here\n'
        f"  options ssl no sslcertck fetchall {'keep' if keep else 'nokeep'}\n"
        f'  mda "/bin/sh -c \'cat >> {mbox}\'"\n')
    rc.chmod(0o600)
    env = dict(os.environ, HOME=str(tmp_path), FETCHMAILHOME=str(tmp_path))
    run = subprocess.run(["fetchmail", "-f", str(rc), "--nosyslog", "-v"], capture_output=True,
                         text=True, timeout=120, env=env, stdin=subprocess.DEVNULL)
    # 0: mail fetched, 1: none waiting
    assert run.returncode in (0, 1), run.stdout + run.stderr
    return mbox.read_bytes() if mbox.exists() else b""


@pytest.mark.skipif(shutil.which("fetchmail") is None, reason="fetchmail is not installed")
def test_fetchmail(server, account, tmp_path):
    msgs = fill(account, 3)
    got = _fetchmail(server, account, tmp_path, keep=True)
    for raw, _ in msgs:
        subject = re.search(rb"Subject: [^\r\n]*", raw).group(0)
        assert subject in got
    assert len(inbox_ids(account)) == 3
    got = _fetchmail(server, account, tmp_path, keep=False)
    assert got.count(b"Subject: Message 1") == 2
    assert inbox_ids(account) == []
