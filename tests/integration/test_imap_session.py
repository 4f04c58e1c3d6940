"""IMAP sessions (issue 4): greeting and capabilities, LOGIN and
AUTHENTICATE, STARTTLS, implicit TLS, COMPRESS, the parser's error paths
(BAD, TOOBIG, too many bad commands), LIST in its forms, CREATE, DELETE,
RENAME, SUBSCRIBE, STATUS, NAMESPACE, ID, ENABLE, SELECT and EXAMINE
with CONDSTORE and QRESYNC, UNSELECT, CLOSE, IDLE and NOOP seeing
changes made through JMAP and other sessions, QUOTA, and what JMAP sees
of IMAP's mailboxes.

imaplib drives the common paths; tern_imap.Raw sends exact bytes where
the test is about the wire."""
import base64
import imaplib
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import tern
import tern_imap
import tern_mail
from tern_imap import Raw, check, list_names, raw_login, untagged, wait_line
from tern_mail import message


@pytest.fixture
def acct(server):
    return tern_mail.account_with(server, prefix="is")


def tagged_status(tagged):
    return tagged.split(" ")[1]


def mailbox_ids(acct):
    """name -> id over JMAP (names are the JMAP leaf names)."""
    got = acct.ok("Mailbox/get", {"ids": None, "properties": ["name", "parentId", "role"]})
    return got["list"]


def jmap_mailbox(acct, name, parent_id=None):
    for m in mailbox_ids(acct):
        if m["name"] == name and m["parentId"] == parent_id:
            return m
    return None


# ---------------------------------------------------------------- greeting, login

def test_greeting_and_capabilities(server, acct):
    raw = Raw(server)
    assert raw.greeting.startswith("* OK [CAPABILITY IMAP4rev1 IMAP4rev2 ")
    caps = raw.greeting.split("]")[0].split()[2:]
    # loopback: passwords may be sent; STARTTLS is offered
    assert "AUTH=PLAIN" in caps and "AUTH=LOGIN" in caps and "STARTTLS" in caps
    assert "LOGINDISABLED" not in caps
    lines = raw.ok("CAPABILITY")
    assert lines[0].startswith("* CAPABILITY IMAP4rev1 IMAP4rev2")
    _, tagged = raw.cmd(f"LOGIN {acct.name} {acct.password}")
    assert tagged_status(tagged) == "OK"
    after = re.search(r"\[CAPABILITY ([^\]]+)\]", tagged).group(1).split()
    for cap in ("IDLE", "UIDPLUS", "MOVE", "CONDSTORE", "QRESYNC", "ENABLE", "ID", "NAMESPACE",
                "LITERAL+", "SPECIAL-USE", "LIST-EXTENDED", "LIST-STATUS", "ESEARCH", "SORT",
                "SEARCHRES",
                "THREAD=REFERENCES", "THREAD=ORDEREDSUBJECT", "UNSELECT", "SASL-IR", "QUOTA",
                "STATUS=SIZE", "BINARY", "COMPRESS=DEFLATE", "UTF8=ACCEPT"):
        assert cap in after, cap
    assert "STARTTLS" not in after and "AUTH=PLAIN" not in after
    raw.close()


def test_login_failures(server, acct):
    m = tern_imap.client(server)
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        m.login(acct.name, "wrong password")
    # admins do not log in to mail, and are not told apart from a wrong password
    with pytest.raises(imaplib.IMAP4.error, match="AUTHENTICATIONFAILED"):
        m.login("admin", server.admin_password)
    check(m.login(acct.name, acct.password))
    assert m.state == "AUTH"
    # LOGIN again is refused
    with pytest.raises(imaplib.IMAP4.error):
        m._simple_command("LOGIN", acct.name, acct.password)
    m.logout()


def test_login_literals_and_logout(server, acct):
    raw = Raw(server)
    tag = raw.tag()
    raw.send(f"{tag} LOGIN {{{len(acct.name)}}}\r\n")
    assert raw.line() == "+ OK"
    raw.send(f"{acct.name} {{{len(acct.password)}+}}\r\n{acct.password}\r\n")
    lines, tagged = raw.read_tagged(tag)
    assert tagged_status(tagged) == "OK", (lines, tagged)
    lines, tagged = raw.cmd("LOGOUT")
    assert lines == ["* BYE Logging out"] and tagged_status(tagged) == "OK"
    assert raw.closed()


def test_authenticate_plain_and_login(server, acct):
    plain = base64.b64encode(f"\0{acct.name}\0{acct.password}".encode()).decode()
    # SASL-IR
    raw = Raw(server)
    _, tagged = raw.cmd(f"AUTHENTICATE PLAIN {plain}")
    assert tagged_status(tagged) == "OK" and "[CAPABILITY " in tagged
    raw.close()
    # a continuation
    raw = Raw(server)
    tag = raw.tag()
    raw.send(f"{tag} AUTHENTICATE PLAIN\r\n")
    assert raw.line() == "+ "
    raw.send(plain + "\r\n")
    assert tagged_status(raw.read_tagged(tag)[1]) == "OK"
    raw.close()
    # LOGIN: name, then password
    raw = Raw(server)
    tag = raw.tag()
    raw.send(f"{tag} AUTHENTICATE LOGIN\r\n")
    assert raw.line() == "+ VXNlcm5hbWU6"
    raw.send(base64.b64encode(acct.name.encode()).decode() + "\r\n")
    assert raw.line() == "+ UGFzc3dvcmQ6"
    raw.send(base64.b64encode(acct.password.encode()).decode() + "\r\n")
    assert tagged_status(raw.read_tagged(tag)[1]) == "OK"
    raw.close()
    # cancelled, a bad password, an unknown mechanism, malformed base64
    raw = Raw(server)
    tag = raw.tag()
    raw.send(f"{tag} AUTHENTICATE PLAIN\r\n")
    assert raw.line() == "+ "
    raw.send("*\r\n")
    assert tagged_status(raw.read_tagged(tag)[1]) == "BAD"
    bad = base64.b64encode(f"\0{acct.name}\0nope".encode()).decode()
    assert "[AUTHENTICATIONFAILED]" in raw.cmd(f"AUTHENTICATE PLAIN {bad}")[1]
    assert tagged_status(raw.cmd("AUTHENTICATE CRAM-MD5")[1]) == "NO"
    assert "NO" in raw.cmd("AUTHENTICATE PLAIN !!!")[1]
    # imaplib's own AUTHENTICATE PLAIN
    raw.close()
    m = tern_imap.client(server)
    check(m.authenticate("PLAIN", lambda _: f"\0{acct.name}\0{acct.password}".encode()))
    m.logout()


def test_ban_after_failures(ternd_factory):
    srv = ternd_factory(ban={"failures": 3, "window": "10m", "duration": "1h"})
    srv.start()
    acct = tern.new_account(srv)
    raw = Raw(srv)
    for _ in range(3):
        assert "[AUTHENTICATIONFAILED]" in raw.cmd(f"LOGIN {acct.name} wrong")[1]
    # the right password no longer helps from this address
    _, tagged = raw.cmd(f"LOGIN {acct.name} {acct.password}")
    assert tagged_status(tagged) == "NO" and "[UNAVAILABLE]" in tagged
    raw.close()


def _capabilities(raw):
    lines, tagged = raw.cmd("CAPABILITY")
    assert tagged_status(tagged) == "OK"
    return untagged(lines, "CAPABILITY")[0].split()[2:]


# Without 127.0.0.1 in authentication.secure-networks, loopback stands
# for a client on another network: tests connect to loopback only.

def test_logindisabled_off_secure_networks(ternd_factory):
    srv = ternd_factory(auth={"secure-networks": []}).start()
    acct = tern.new_account(srv)
    plain = base64.b64encode(f"\0{acct.name}\0{acct.password}".encode()).decode()
    raw = Raw(srv)
    for caps in (raw.greeting.split("]")[0].split()[2:], _capabilities(raw)):
        assert "LOGINDISABLED" in caps and "STARTTLS" in caps
        assert not any(c.startswith("AUTH=") for c in caps), caps
    _, tagged = raw.cmd(f"LOGIN {acct.name} {acct.password}")
    assert tagged_status(tagged) == "NO" and "[PRIVACYREQUIRED]" in tagged
    for cmd in (f"AUTHENTICATE PLAIN {plain}", "AUTHENTICATE PLAIN", "AUTHENTICATE LOGIN"):
        lines, tagged = raw.cmd(cmd)
        assert tagged_status(tagged) == "NO" and "[PRIVACYREQUIRED]" in tagged, cmd
        assert lines == [], cmd
    assert tagged_status(raw.cmd("STARTTLS")[1]) == "OK"
    raw.sock = tern.tls_context().wrap_socket(raw.sock)
    caps = _capabilities(raw)
    assert "AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps and "STARTTLS" not in caps
    _, tagged = raw.cmd(f"AUTHENTICATE PLAIN {plain}")
    assert tagged_status(tagged) == "OK"
    raw.close()
    # LOGIN after STARTTLS, through imaplib; implicit TLS needs nothing more
    m = tern_imap.client(srv)
    check(m.starttls(ssl_context=tern.tls_context()))
    check(m.login(acct.name, acct.password))
    m.logout()
    tern_imap.login(srv, acct, tls=True).logout()


def test_plaintext_allowed_by_config(ternd_factory):
    srv = ternd_factory(auth={"secure-networks": [], "allow-plaintext": True}).start()
    acct = tern.new_account(srv)
    raw = Raw(srv)
    caps = raw.greeting.split("]")[0].split()[2:]
    assert "AUTH=PLAIN" in caps and "LOGINDISABLED" not in caps
    raw.login(acct)
    raw.close()
    m = tern_imap.client(srv)
    check(m.authenticate("PLAIN", lambda _: f"\0{acct.name}\0{acct.password}".encode()))
    m.logout()


def test_commands_need_the_right_state(server, acct):
    raw = Raw(server)
    for cmd in ("SELECT INBOX", "LIST \"\" *", "FETCH 1 FLAGS", "ENABLE CONDSTORE", "IDLE"):
        assert tagged_status(raw.cmd(cmd)[1]) == "BAD", cmd
    raw.login(acct)
    for cmd in ("FETCH 1 FLAGS", "CLOSE", "UNSELECT", "EXPUNGE", "STARTTLS"):
        assert tagged_status(raw.cmd(cmd)[1]) == "BAD", cmd
    assert tagged_status(raw.cmd("UID LIST \"\" *")[1]) == "BAD"
    raw.close()


# ---------------------------------------------------------------- TLS, COMPRESS

def test_starttls(server, acct):
    m = tern_imap.client(server)
    check(m.starttls(ssl_context=tern.tls_context()))
    caps = check(m.capability())[0].decode().split()
    assert "STARTTLS" not in caps and "AUTH=PLAIN" in caps
    check(m.login(acct.name, acct.password))
    assert tern_imap.select(m) == 0
    m.logout()


def test_starttls_discards_injected_commands(server):
    raw = Raw(server)
    tag = raw.tag()
    # a command sent with STARTTLS, before the handshake, must not run
    raw.send(f"{tag} STARTTLS\r\nx1 NOOP\r\n")
    _, tagged = raw.read_tagged(tag)
    assert tagged_status(tagged) == "OK"
    assert raw.buf == b""
    raw.sock = tern.tls_context().wrap_socket(raw.sock)
    lines, tagged = raw.cmd("NOOP")
    assert tagged_status(tagged) == "OK" and lines == []
    assert tagged_status(raw.cmd("STARTTLS")[1]) == "BAD"
    raw.close()


def test_implicit_tls(server, acct):
    m = tern_imap.login(server, acct, tls=True)
    assert "STARTTLS" not in [c.decode() if isinstance(c, bytes) else c for c in m.capabilities]
    check(m.noop())
    m.logout()


def test_compress_deflate(server, acct):
    raw = raw_login(server, acct)
    raw.compress()
    lines = raw.ok('LIST "" INBOX')
    assert list_names(lines) == {"INBOX": {"\\HasNoChildren"}}
    _, tagged = raw.cmd("COMPRESS DEFLATE")
    assert tagged_status(tagged) == "NO" and "[COMPRESSIONACTIVE]" in tagged
    caps = raw.ok("CAPABILITY")[0]
    assert "COMPRESS" not in caps
    raw.close()


def test_compress_then_starttls_refused(server, acct):
    raw = Raw(server)
    assert tagged_status(raw.cmd("COMPRESS DEFLATE")[1]) == "BAD"   # not before login
    raw.login(acct)
    assert tagged_status(raw.cmd("COMPRESS GZIP")[1]) == "BAD"
    raw.close()


# ---------------------------------------------------------------- the parser

def test_syntax_errors_answer_bad(server, acct):
    raw = raw_login(server, acct)
    assert tagged_status(raw.cmd("FROBNICATE")[1]) == "BAD"
    assert tagged_status(raw.cmd('LIST "" "unterminated')[1]) == "BAD"
    assert tagged_status(raw.cmd("LIST (")[1]) == "BAD"
    assert tagged_status(raw.cmd("STATUS INBOX (MESSAGES")[1]) == "BAD"
    assert tagged_status(raw.cmd("STATUS INBOX (NOSUCH)")[1]) == "BAD"
    assert tagged_status(raw.cmd("NOOP extra")[1]) == "BAD"
    # no valid tag: an untagged BAD
    raw.send("+bad NOOP\r\n")
    assert raw.line().startswith("* BAD ")
    # empty lines are ignored; the session goes on
    raw.send("\r\n\r\n")
    assert raw.ok("NOOP") == []
    raw.close()


def test_too_many_bad_commands(ternd_factory):
    srv = ternd_factory(extra="imap = { max-bad-commands = 3; };")
    srv.start()
    raw = Raw(srv)
    raw.cmd("BOGUS1")
    raw.cmd("BOGUS2")
    tag = raw.tag()
    raw.send(f"{tag} BOGUS3\r\n")
    lines = [raw.line(), raw.line()]
    assert lines[0].startswith(f"{tag} BAD") and lines[1].startswith("* BYE")
    assert raw.closed()


def test_toobig_literals_and_lines(ternd_factory):
    srv = ternd_factory(extra='imap = { max-literal-size = "1K"; max-line-length = "2K"; '
                              'max-message-size = "10K"; };')
    srv.start()
    acct = tern.new_account(srv)
    raw = raw_login(srv, acct)
    # synchronizing: refused before the client sends it
    _, tagged = raw.cmd("LOGIN {2000}")
    assert tagged.split(" ")[1:3] == ["BAD", "[TOOBIG]"]
    # APPEND has its own bound, and answers NO
    _, tagged = raw.cmd("APPEND INBOX {20000}")
    assert tagged.split(" ")[1:3] == ["NO", "[TOOBIG]"]
    # LITERAL+: the octets sent anyway are skipped, and the session goes on
    tag = raw.tag()
    raw.send(f"{tag} STATUS {{3000+}}\r\n" + "x" * 3000 + " (MESSAGES)\r\n")
    _, tagged = raw.read_tagged(tag)
    assert tagged.split(" ")[1:3] == ["BAD", "[TOOBIG]"]
    assert raw.ok("NOOP") == []
    # a line too long
    tag = raw.tag()
    raw.send(f"{tag} NOOP " + "y" * 5000 + "\r\n")
    _, tagged = raw.read_tagged(tag)
    assert tagged.split(" ")[1:3] == ["BAD", "[TOOBIG]"]
    assert raw.ok("NOOP") == []
    raw.close()


def test_pipelined_commands(server, acct):
    raw = raw_login(server, acct)
    raw.send("p1 NOOP\r\np2 NAMESPACE\r\np3 SELECT INBOX\r\np4 UNSELECT\r\np5 NOOP\r\n")
    for tag in ("p1", "p2", "p3", "p4", "p5"):
        _, tagged = raw.read_tagged(tag)
        assert tagged_status(tagged) == "OK", tagged
    raw.close()


def test_auth_timeout(ternd_factory):
    srv = ternd_factory(extra='imap = { auth-timeout = "2s"; };')
    srv.start()
    raw = Raw(srv)
    line, waited = wait_line(raw, r"^\* BYE", 15)
    assert waited < 10
    assert raw.closed()


# ---------------------------------------------------------------- mailboxes

def test_list_basic_and_special_use(server, acct):
    raw = raw_login(server, acct)
    names = list_names(raw.ok('LIST "" "*"'))
    assert names["INBOX"] == {"\\HasNoChildren"}
    assert "\\Sent" in names["Sent"] and "\\Trash" in names["Trash"]
    assert "\\Drafts" in names["Drafts"] and "\\Junk" in names["Junk"]
    # the delimiter
    assert raw.ok('LIST "" ""') == ['* LIST (\\Noselect) "/" ""']
    # INBOX in any case
    assert list(list_names(raw.ok('LIST "" "inbox"'))) == ["INBOX"]
    # SPECIAL-USE selection
    special = list_names(raw.ok('LIST (SPECIAL-USE) "" "*"'))
    assert "INBOX" not in special and "Sent" in special
    raw.close()


def test_create_hierarchy_and_list_patterns(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Work/2024/Q1")
    raw.ok("CREATE Work/Misc/")
    names = list_names(raw.ok('LIST "" "*"'))
    assert names["Work"] == {"\\HasChildren"}
    assert names["Work/2024"] == {"\\HasChildren"}
    assert names["Work/2024/Q1"] == {"\\HasNoChildren"}
    assert names["Work/Misc"] == {"\\HasNoChildren"}
    top = list_names(raw.ok('LIST "" "%"'))
    assert "Work" in top and "Work/2024" not in top
    assert set(list_names(raw.ok('LIST "Work/" "%"'))) == {"Work/2024", "Work/Misc"}
    assert set(list_names(raw.ok('LIST "" "Work/*/Q%"'))) == {"Work/2024/Q1"}
    # several patterns (LIST-EXTENDED)
    assert set(list_names(raw.ok('LIST "" ("INBOX" "Work/M*")'))) == {"INBOX", "Work/Misc"}
    # the parents exist over JMAP too
    work = jmap_mailbox(acct, "Work")
    year = jmap_mailbox(acct, "2024", work["id"])
    assert jmap_mailbox(acct, "Q1", year["id"]) is not None
    raw.close()


def test_list_extended_subscribed_and_childinfo(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Lists/Sub")
    # new mailboxes are subscribed, as JMAP makes them
    assert "\\Subscribed" in list_names(raw.ok('LIST "" "Lists" RETURN (SUBSCRIBED)'))["Lists"]
    raw.ok("UNSUBSCRIBE Lists")
    names = list_names(raw.ok('LIST "" "*" RETURN (SUBSCRIBED CHILDREN)'))
    assert "\\Subscribed" in names["Lists/Sub"] and "\\Subscribed" not in names["Lists"]
    sub = list_names(raw.ok('LIST (SUBSCRIBED) "" "*"'))
    assert "Lists/Sub" in sub and "Lists" not in sub
    lines = raw.ok('LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    lists = [x for x in lines if '"Lists"' in x]
    assert len(lists) == 1 and '("CHILDINFO" ("SUBSCRIBED"))' in lists[0], lines
    assert tagged_status(raw.cmd('LIST (RECURSIVEMATCH) "" "*"')[1]) == "BAD"
    assert tagged_status(raw.cmd('LIST (BOGUS) "" "*"')[1]) == "BAD"
    assert tagged_status(raw.cmd('LIST "" "*" RETURN (BOGUS)')[1]) == "BAD"
    # LSUB, the old form
    lsub = list_names(raw.ok('LSUB "" "*"'), "LSUB")
    assert "Lists/Sub" in lsub and "Lists" not in lsub
    lsub = list_names(raw.ok('LSUB "" "%"'), "LSUB")
    assert lsub.get("Lists") == {"\\Noselect"}
    raw.ok("UNSUBSCRIBE Lists/Sub")
    assert "Lists/Sub" not in list_names(raw.ok('LSUB "" "*"'), "LSUB")
    assert "[NONEXISTENT]" in raw.cmd("SUBSCRIBE NoSuchBox")[1]
    raw.close()


def test_list_status(server, acct):
    tern_mail.import_raw(acct, message(subject="one"))
    tern_mail.import_raw(acct, message(subject="two"), keywords={"$seen": True})
    raw = raw_login(server, acct)
    lines = raw.ok('LIST "" "INBOX" RETURN (STATUS (MESSAGES UNSEEN))')
    assert lines[0].startswith('* LIST (\\HasNoChildren) "/" "INBOX"')
    assert lines[1] == '* STATUS "INBOX" (MESSAGES 2 UNSEEN 1)'
    raw.close()


def test_create_errors_and_use(server, acct):
    raw = raw_login(server, acct)
    assert "[ALREADYEXISTS]" in raw.cmd("CREATE INBOX")[1]
    assert "[ALREADYEXISTS]" in raw.cmd("CREATE inbox")[1]
    raw.ok("CREATE Dup")
    assert "[ALREADYEXISTS]" in raw.cmd("CREATE Dup")[1]
    assert "[CANNOT]" in raw.cmd('CREATE "a//b"')[1]
    assert "[CANNOT]" in raw.cmd('CREATE "/lead"')[1]
    assert "[CANNOT]" in raw.cmd('CREATE "Bad&-mUTF7&AGE-"')[1]
    # a special use (RFC 6154 CREATE-SPECIAL-USE)
    raw.ok("CREATE Starred (USE (\\Flagged))")
    assert "\\Flagged" in list_names(raw.ok('LIST "" Starred'))["Starred"]
    assert jmap_mailbox(acct, "Starred")["role"] == "flagged"
    assert "[USEATTR]" in raw.cmd("CREATE Starred2 (USE (\\Flagged))")[1]
    assert "[USEATTR]" in raw.cmd("CREATE Odd (USE (\\Bogus))")[1]
    assert tagged_status(raw.cmd("CREATE Odd (USE)")[1]) == "BAD"
    raw.close()


def test_delete(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Gone")
    box = jmap_mailbox(acct, "Gone")["id"]
    only_here = tern_mail.import_raw(acct, message(subject="only"), mailbox_ids={box: True})
    inbox = tern_mail.mailbox(acct, "inbox")
    shared = tern_mail.import_raw(acct, message(subject="both"),
                                  mailbox_ids={box: True, inbox: True})
    raw.ok("DELETE Gone")
    assert jmap_mailbox(acct, "Gone") is None
    got = acct.ok("Email/get", {"ids": [only_here["id"], shared["id"]],
                                "properties": ["mailboxIds"]})
    assert got["notFound"] == [only_here["id"]]
    assert got["list"][0]["mailboxIds"] == {inbox: True}
    assert "[NONEXISTENT]" in raw.cmd("DELETE Gone")[1]
    assert tagged_status(raw.cmd("DELETE INBOX")[1]) == "NO"
    raw.ok("CREATE Parent/Child")
    assert "[HASCHILDREN]" in raw.cmd("DELETE Parent")[1]
    raw.ok("DELETE Parent/Child")
    raw.ok("DELETE Parent")
    raw.close()


def test_delete_selected_mailbox(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Doomed")
    raw.ok("SELECT Doomed")
    lines = raw.ok("DELETE Doomed")
    assert any("[CLOSED]" in x for x in lines)
    assert tagged_status(raw.cmd("FETCH 1 FLAGS")[1]) == "BAD"   # nothing selected
    raw.close()


def test_rename(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Old/Kid")
    raw.ok("RENAME Old New/Place")
    names = list_names(raw.ok('LIST "" "*"'))
    assert "New/Place" in names and "New/Place/Kid" in names and "Old" not in names
    assert "[NONEXISTENT]" in raw.cmd("RENAME Old Other")[1]
    raw.ok("CREATE Taken")
    assert "[ALREADYEXISTS]" in raw.cmd("RENAME Taken New/Place")[1]
    assert "[ALREADYEXISTS]" in raw.cmd("RENAME Taken INBOX")[1]
    assert "[CANNOT]" in raw.cmd("RENAME New New/Place/Kid/Deeper")[1]
    raw.close()


def test_rename_inbox_moves_its_messages(server, acct):
    for i in range(3):
        tern_mail.import_raw(acct, message(subject=f"in{i}"))
    raw = raw_login(server, acct)
    raw.ok("CREATE INBOX/Child")
    raw.ok("RENAME INBOX Saved")
    assert raw.ok("STATUS INBOX (MESSAGES)") == ['* STATUS "INBOX" (MESSAGES 0)']
    assert raw.ok("STATUS Saved (MESSAGES)") == ['* STATUS "Saved" (MESSAGES 3)']
    # INBOX's children stay where they are
    assert "INBOX/Child" in list_names(raw.ok('LIST "" "*"'))
    raw.close()


def test_status_items(server, acct):
    a = tern_mail.import_raw(acct, message(subject="a"))
    b = tern_mail.import_raw(acct, message(subject="b"), keywords={"$seen": True,
                                                                   "$deleted": True})
    raw = raw_login(server, acct)
    line = raw.ok("STATUS INBOX (MESSAGES UIDNEXT UIDVALIDITY UNSEEN DELETED SIZE RECENT "
                  "HIGHESTMODSEQ)")[0]
    got = dict(re.findall(r"([A-Z]+) (\d+)", line.split("(", 1)[1]))
    assert got["MESSAGES"] == "2" and got["UNSEEN"] == "1" and got["DELETED"] == "1"
    assert got["UIDNEXT"] == "3" and int(got["UIDVALIDITY"]) > 0 and got["RECENT"] == "0"
    assert int(got["SIZE"]) == a["size"] + b["size"]
    assert int(got["HIGHESTMODSEQ"]) > 0
    assert "[NONEXISTENT]" in raw.cmd("STATUS Nope (MESSAGES)")[1]
    assert tagged_status(raw.cmd("STATUS INBOX ()")[1]) == "BAD"
    raw.close()


def test_utf8_mailbox_names(server, acct):
    raw = raw_login(server, acct)
    raw.ok('CREATE "Entw&APw-rfe"')
    assert jmap_mailbox(acct, "Entwürfe") is not None
    assert "Entw&APw-rfe" in list_names(raw.ok('LIST "" "Entw*"'))
    raw.ok("ENABLE UTF8=ACCEPT")
    lines = raw.ok('LIST "" "Entw*"')
    assert lines == ['* LIST (\\HasNoChildren) "/" "Entwürfe"']
    raw.ok('STATUS "Entwürfe" (MESSAGES)')
    raw.close()


def test_jmap_mailboxes_seen_by_imap_and_back(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE FromImap")
    assert jmap_mailbox(acct, "FromImap") is not None
    out = acct.ok("Mailbox/set", {"create": {"n": {"name": "FromJmap", "parentId": None}}})
    assert "n" in out["created"]
    assert "FromJmap" in list_names(raw.ok('LIST "" "*"'))
    raw.close()


def test_namespace_id_enable(server, acct):
    raw = raw_login(server, acct)
    assert raw.ok("NAMESPACE") == ['* NAMESPACE (("" "/")) NIL NIL']
    assert raw.ok('ID ("name" "pytest" "version" "1")') == ['* ID ("name" "Tern")']
    assert raw.ok("ID NIL") == ['* ID ("name" "Tern")']
    assert tagged_status(raw.cmd('ID ("odd")')[1]) == "BAD"
    assert raw.ok("ENABLE CONDSTORE X-UNKNOWN") == ["* ENABLED CONDSTORE"]
    assert raw.ok("ENABLE CONDSTORE") == ["* ENABLED"]
    assert raw.ok("ENABLE QRESYNC IMAP4rev2") == ["* ENABLED QRESYNC IMAP4rev2"]
    raw.close()


def test_quota(server):
    limited = tern_mail.account_with(server, quota=10 * 1024 * 1024, prefix="q")
    tern_mail.import_raw(limited, message(body="x" * 3000))
    raw = raw_login(server, limited)
    lines = raw.ok("GETQUOTAROOT INBOX")
    assert lines[0] == '* QUOTAROOT "INBOX" ""'
    m = re.fullmatch(r'\* QUOTA "" \(STORAGE (\d+) (\d+)\)', lines[1])
    assert m and int(m.group(1)) >= 3 and int(m.group(2)) == 10 * 1024
    assert re.fullmatch(r'\* QUOTA "" \(STORAGE \d+ 10240\)', raw.ok('GETQUOTA ""')[0])
    assert "[NONEXISTENT]" in raw.cmd('GETQUOTA "other"')[1]
    assert tagged_status(raw.cmd('SETQUOTA "" (STORAGE 1)')[1]) == "NO"
    assert "[NONEXISTENT]" in raw.cmd("GETQUOTAROOT Nope")[1]
    raw.close()
    free = tern_mail.account_with(server, prefix="nq")
    raw = raw_login(server, free)
    assert raw.ok("GETQUOTAROOT INBOX") == ['* QUOTAROOT "INBOX"']
    assert tagged_status(raw.cmd('GETQUOTA ""')[1]) == "NO"
    raw.close()


# ---------------------------------------------------------------- SELECT

def test_select_and_examine(server, acct):
    tern_mail.import_raw(acct, message(subject="unseen"))
    tern_mail.import_raw(acct, message(subject="flagged"), keywords={"$flagged": True,
                                                                     "$seen": True,
                                                                     "custom": True})
    raw = raw_login(server, acct)
    lines, tagged = raw.cmd("SELECT INBOX")
    assert "[READ-WRITE]" in tagged
    assert lines[0] == "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft custom)"
    assert lines[1].startswith("* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen "
                               "\\Draft custom \\*)]")
    assert "* 2 EXISTS" in lines and "* 0 RECENT" in lines
    assert any(x.startswith("* OK [UIDVALIDITY ") for x in lines)
    assert any(x.startswith("* OK [UIDNEXT 3]") for x in lines)
    assert any(x.startswith("* OK [HIGHESTMODSEQ ") for x in lines)
    assert any(x.startswith("* OK [UNSEEN 1]") for x in lines)
    lines, tagged = raw.cmd("EXAMINE INBOX")
    assert "[READ-ONLY]" in tagged
    assert lines[0].startswith("* OK [CLOSED]")
    assert "* OK [PERMANENTFLAGS ()] Flags permitted" in lines
    # a failed SELECT leaves nothing selected
    assert "[NONEXISTENT]" in raw.cmd("SELECT Nope")[1]
    assert tagged_status(raw.cmd("FETCH 1 FLAGS")[1]) == "BAD"
    assert tagged_status(raw.cmd("SELECT INBOX (BOGUS)")[1]) == "BAD"
    raw.close()


def test_select_imap4rev2(server, acct):
    raw = raw_login(server, acct)
    raw.ok("ENABLE IMAP4rev2")
    lines = raw.ok("SELECT inbox")
    assert '* LIST () "/" "INBOX"' in lines
    assert not any("RECENT" in x for x in lines)
    raw.close()


def test_unselect_keeps_and_close_expunges(server, acct):
    kept = tern_mail.import_raw(acct, message(subject="d1"), keywords={"$deleted": True})
    raw = raw_login(server, acct)
    raw.ok("SELECT INBOX")
    raw.ok("UNSELECT")
    assert acct.ok("Email/get", {"ids": [kept["id"]]})["notFound"] == []
    raw.ok("EXAMINE INBOX")
    assert raw.ok("CLOSE") == []           # read-only: nothing removed
    assert acct.ok("Email/get", {"ids": [kept["id"]]})["notFound"] == []
    raw.ok("SELECT INBOX")
    assert raw.ok("CLOSE") == []           # no EXPUNGE responses
    assert acct.ok("Email/get", {"ids": [kept["id"]]})["notFound"] == [kept["id"]]
    raw.close()


def test_select_condstore(server, acct):
    tern_mail.import_raw(acct, message(subject="c"))
    raw = raw_login(server, acct)
    lines = raw.ok("SELECT INBOX (CONDSTORE)")
    hms = int(re.search(r"HIGHESTMODSEQ (\d+)", " ".join(lines)).group(1))
    line = raw.ok("FETCH 1 (FLAGS)")[0]
    m = re.search(r"MODSEQ \((\d+)\)", line)
    assert m and 0 < int(m.group(1)) <= hms
    raw.close()


def test_qresync_select_and_vanished(server, acct):
    ids = [tern_mail.import_raw(acct, message(subject=f"q{i}"))["id"] for i in range(4)]
    raw = raw_login(server, acct)
    assert tagged_status(raw.cmd("SELECT INBOX (QRESYNC (1 1))")[1]) == "BAD"  # not enabled
    raw.ok("ENABLE QRESYNC")
    lines = raw.ok("SELECT INBOX")
    uidvalidity = int(re.search(r"UIDVALIDITY (\d+)", " ".join(lines)).group(1))
    modseq = int(re.search(r"HIGHESTMODSEQ (\d+)", " ".join(lines)).group(1))
    # a removal elsewhere: VANISHED, not EXPUNGE, with QRESYNC
    acct.ok("Email/set", {"destroy": [ids[1]]})
    assert raw.ok("NOOP") == ["* VANISHED 2"]
    raw.ok("UNSELECT")
    # more changes while away, then a quick resync
    acct.ok("Email/set", {"destroy": [ids[2]], "update": {ids[3]: {"keywords/$seen": True}}})
    lines = raw.ok(f"SELECT INBOX (QRESYNC ({uidvalidity} {modseq} 1:4))")
    assert "* VANISHED (EARLIER) 2:3" in lines
    fetches = untagged(lines, "FETCH")
    assert len(fetches) == 1 and "UID 4" in fetches[0] and "\\Seen" in fetches[0]
    assert "MODSEQ (" in fetches[0]
    # another UIDVALIDITY: no resync information
    lines = raw.ok(f"SELECT INBOX (QRESYNC ({uidvalidity + 1} {modseq}))")
    assert not untagged(lines, "VANISHED") and not untagged(lines, "FETCH")
    raw.close()


# ---------------------------------------------------------------- changes from elsewhere

def test_noop_reports_jmap_changes(server, acct):
    first = tern_mail.import_raw(acct, message(subject="n1"))
    raw = raw_login(server, acct)
    raw.ok("SELECT INBOX")
    assert raw.ok("NOOP") == []
    second = tern_mail.import_raw(acct, message(subject="n2"))
    assert raw.ok("NOOP") == ["* 2 EXISTS"]
    acct.ok("Email/set", {"update": {second["id"]: {"keywords/$flagged": True,
                                                     "keywords/newkw": True}}})
    lines = raw.ok("NOOP")
    assert lines[0].startswith("* FLAGS (") and "newkw" in lines[0]
    assert lines[-1] == "* 2 FETCH (UID 2 FLAGS (\\Flagged newkw))"
    acct.ok("Email/set", {"destroy": [first["id"]]})
    assert raw.ok("NOOP") == ["* 1 EXPUNGE"]
    # a message moved out of the mailbox is expunged from it too
    archive = tern_mail.mailbox(acct, "archive")
    acct.ok("Email/set", {"update": {second["id"]: {"mailboxIds": {archive: True}}}})
    assert raw.ok("CHECK") == ["* 1 EXPUNGE"]
    raw.close()


def test_idle_sees_jmap_changes_within_a_second(server, acct):
    raw = raw_login(server, acct)
    raw.ok("SELECT INBOX")
    tag = raw.tag()
    raw.send(f"{tag} IDLE\r\n")
    assert raw.line() == "+ idling"
    start = time.monotonic()
    created = tern_mail.import_raw(acct, message(subject="pushed"))
    line, _ = wait_line(raw, r"^\* 1 EXISTS$", 5)
    assert time.monotonic() - start < 1.0 + 0.5, "EXISTS took too long"
    start = time.monotonic()
    acct.ok("Email/set", {"update": {created["id"]: {"keywords/$seen": True}}})
    line, _ = wait_line(raw, r"^\* 1 FETCH \(UID 1 FLAGS \(\\Seen\)\)$", 5)
    assert time.monotonic() - start < 1.5
    acct.ok("Email/set", {"destroy": [created["id"]]})
    wait_line(raw, r"^\* 1 EXPUNGE$", 5)
    raw.send("DONE\r\n")
    _, tagged = raw.read_tagged(tag)
    assert tagged_status(tagged) == "OK"
    raw.close()


def test_idle_sees_another_imap_session(server, acct):
    watcher = raw_login(server, acct)
    watcher.ok("SELECT INBOX")
    tag = watcher.tag()
    watcher.send(f"{tag} IDLE\r\n")
    assert watcher.line() == "+ idling"
    writer = tern_imap.login(server, acct)
    check(writer.create("Other"))
    check(writer.append("INBOX", None, None, message(subject="from imap")))
    wait_line(watcher, r"^\* 1 EXISTS$", 5)
    writer.logout()
    watcher.send("done\r\n")
    assert tagged_status(watcher.read_tagged(tag)[1]) == "OK"
    # IDLE ends with DONE only
    tag = watcher.tag()
    watcher.send(f"{tag} IDLE\r\n")
    assert watcher.line() == "+ idling"
    watcher.send("NOOP\r\n")
    assert tagged_status(watcher.read_tagged(tag)[1]) == "BAD"
    watcher.close()


def test_mailbox_deleted_elsewhere_ends_session(server, acct):
    raw = raw_login(server, acct)
    raw.ok("CREATE Fleeting")
    raw.ok("SELECT Fleeting")
    box = jmap_mailbox(acct, "Fleeting")["id"]
    acct.ok("Mailbox/set", {"destroy": [box], "onDestroyRemoveEmails": True})
    lines, tagged = raw.cmd("NOOP")
    assert any(x.startswith("* BYE") for x in lines)
    assert raw.closed()


# ---------------------------------------------------------------- a real client

JS_DIR = Path(__file__).resolve().parent / "js"


def _node_with_imapflow():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "imapflow").is_dir():
        npm = shutil.which("npm")
        assert npm, "node without npm: cannot install imapflow"
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def test_imapflow_idle_condstore_qresync(server, acct):
    """imapflow (tests/integration/js/imapflow.mjs) upgrades with
    STARTTLS, IDLEs while JMAP adds, flags and removes a message, reads
    changes with CHANGEDSINCE, stores, and reopens with QRESYNC."""
    node = _node_with_imapflow()
    env = dict(os.environ, TERN_HTTP=f"http://127.0.0.1:{server.http_port}",
               TERN_IMAP_PORT=str(server.imap_port), TERN_USER=acct.name,
               TERN_PASSWORD=acct.password, TERN_ACCOUNT=acct.id)
    proc = subprocess.run([node, str(JS_DIR / "imapflow.mjs")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["secure"] is True
    assert {"CONDSTORE", "QRESYNC", "IMAP4REV2", "UTF8=ACCEPT"} <= \
        {e.upper() for e in report["enabled"]}
    assert report["exists0"] == 0
    assert report["existsMs"] < 1000 and report["flagsMs"] < 1000, report
    assert report["flags"] == ["\\Flagged", "\\Seen"] and report["flagsModseq"]
    assert len(report["changed"]) == 1 and report["changed"][0]["uid"] == 1
    assert report["storeOk"] is True
    assert report["afterStore"] == ["\\Answered", "\\Flagged", "\\Seen"]
    assert report["qresync"] is True
    assert report["vanished"] == [{"uid": 1, "vanished": True, "earlier": True}]
    assert report["existsAfter"] == 0
