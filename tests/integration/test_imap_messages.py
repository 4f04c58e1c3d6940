"""IMAP message commands (issue 4): FETCH, STORE, SEARCH, SORT, THREAD,
COPY, MOVE, EXPUNGE and APPEND through Python's imaplib and raw
exchanges, their error paths (BAD on syntax, NO with response codes),
round trips with the MIME corpus, and what JMAP sees of IMAP and IMAP
of JMAP."""
import imaplib
import re
import time
from pathlib import Path

import pytest

import tern_imap
import tern_mail
from tern_imap import ok, raw
from tern_mail import message

CORPUS = Path(__file__).resolve().parents[1] / "corpus"


@pytest.fixture
def acct(server):
    return tern_mail.account_with(server, prefix="im")


@pytest.fixture
def imap(server, acct):
    client = tern_imap.login(server, acct)
    yield client
    try:
        client.logout()
    except Exception:
        pass


def append(imap, raw_msg, mailbox="INBOX", flags=None, date=None):
    """APPEND; returns (uidvalidity, uid) from APPENDUID."""
    typ, data = imap.append(mailbox, flags, date, raw_msg)
    assert typ == "OK", data
    m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    assert m, data
    return int(m.group(1)), int(m.group(2))


def fill(imap, count, **kw):
    """count simple messages, subjects m1..mN."""
    return [append(imap, message(subject=f"m{i}", **kw))[1] for i in range(1, count + 1)]


def drop_literals(line):
    """line with each literal's announcement and bytes taken out."""
    out = b""
    while True:
        m = re.search(rb"~?\{(\d+)\}\r\n", line)
        if m is None:
            return out + line
        out += line[:m.start()]
        line = line[m.end() + int(m.group(1)):]


def expunged(lines):
    assert all(re.fullmatch(rb"\d+ EXPUNGE", u) for u in lines), lines
    return len(lines)


def numbers(line, prefix):
    assert line.startswith(prefix), line
    return [int(x) for x in line[len(prefix):].split()]


def flags_of(imap, uid):
    typ, data = imap.uid("FETCH", str(uid), "(FLAGS)")
    assert typ == "OK", data
    m = re.search(rb"FLAGS \(([^)]*)\)", data[0])
    return set(m.group(1).decode().split())


# ---------------------------------------------------------------- APPEND and FETCH


def test_append_fetch_body_byte_exact(imap):
    raw_msg = message(subject="Exact", body="line one\nline two\n")
    uidvalidity, uid = append(imap, raw_msg)
    assert uidvalidity > 0 and uid > 0
    tern_imap.select(imap)
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[] RFC822.SIZE)")
    assert typ == "OK"
    assert data[0][1] == raw_msg
    assert f"RFC822.SIZE {len(raw_msg)}".encode() in data[1]


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_corpus_round_trip_and_bodystructure(imap, path):
    raw_msg = path.read_bytes()
    if not raw_msg:
        status, text, _ = raw(imap, "APPEND INBOX {0+}\r\n")
        assert status == "NO"
        return
    _, uid = append(imap, raw_msg)
    tern_imap.select(imap)
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[] BODYSTRUCTURE ENVELOPE)")
    assert typ == "OK", data
    # imaplib sends bare LF as CRLF
    assert data[0][1] == imaplib.MapCRLF.sub(b"\r\n", raw_msg)
    status, _, untagged = raw(imap, f"UID FETCH {uid} (BODYSTRUCTURE BODY)")
    assert status == "OK"
    text = untagged[0]
    # balanced parentheses outside literals and quoted strings
    depth = 0
    stripped = re.sub(rb'"(?:[^"\\]|\\.)*"', b'""', drop_literals(text))
    for c in stripped:
        depth += {40: 1, 41: -1}.get(c, 0)
        assert depth >= 0, text
    assert depth == 0, text
    assert b"BODYSTRUCTURE (" in text and b" BODY (" in text


def test_append_flags_date_and_internaldate(imap):
    date = '"05-Mar-2024 14:15:16 +0100"'
    _, uid = append(imap, message(), flags="(\\Seen $Label1)", date=date)
    tern_imap.select(imap)
    untagged = ok(imap, f"UID FETCH {uid} (FLAGS INTERNALDATE)")
    assert b'INTERNALDATE "05-Mar-2024 13:15:16 +0000"' in untagged[0]
    assert flags_of(imap, uid) == {"\\Seen", "$label1"}


def test_append_internal_date_defaults_to_now(imap):
    raw_msg = message(headers=[("Received", "from a by b; Mon, 6 Jan 2020 10:00:00 +0000")])
    append(imap, raw_msg)
    tern_imap.select(imap)
    line = ok(imap, "FETCH 1 (INTERNALDATE)")[0]
    year = time.gmtime().tm_year
    years = f"{year - 1}|{year}|{year + 1}"
    assert re.search(rf'INTERNALDATE "\d\d-\w\w\w-({years}) '.encode(), line), line


def test_append_errors(imap, server):
    status, text, _ = raw(imap, "APPEND NoSuchBox {5+}\r\nHello")
    assert status == "NO" and "[TRYCREATE]" in text
    status, text, _ = raw(imap, 'APPEND INBOX (\\Seen) "not a date" {5+}\r\nHello')
    assert status == "BAD"
    status, text, _ = raw(imap, "APPEND INBOX (\\Bogus) {5+}\r\nHello")
    assert status == "BAD"
    status, text, _ = raw(imap, "APPEND INBOX")
    assert status == "BAD"
    # still usable
    assert imap.noop()[0] == "OK"


def test_multiappend(imap):
    a, b = message(subject="one"), message(subject="two")
    data = (f"{{{len(a)}+}}\r\n".encode() + a + f" (\\Flagged) {{{len(b)}+}}\r\n".encode() + b)
    status, text, _ = raw(imap, "APPEND INBOX ", data)
    assert status == "OK", text
    m = re.search(r"\[APPENDUID \d+ (\d+):(\d+)\]", text)
    assert m and int(m.group(2)) == int(m.group(1)) + 1, text
    assert tern_imap.select(imap) == 2
    assert "\\Flagged" in flags_of(imap, int(m.group(2)))


def test_append_literal8_binary(imap):
    body = b"Subject: bin\r\nContent-Type: application/octet-stream\r\n\r\nA\x00B\r\n"
    status, text, _ = raw(imap, f"APPEND INBOX ~{{{len(body)}+}}\r\n".encode(), body)
    assert status == "OK", text
    tern_imap.select(imap)
    typ, data = imap.fetch("1", "(BODY.PEEK[])")
    assert data[0][1] == body


def test_fetch_macros_and_items(imap):
    append(imap, message(subject="Macro test", frm="Ann <ann@example.com>"))
    tern_imap.select(imap)
    for macro, names in (("ALL", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE", b"ENVELOPE"]),
                         ("FAST", [b"FLAGS", b"INTERNALDATE", b"RFC822.SIZE"]),
                         ("FULL", [b"ENVELOPE", b"BODY ("])):
        line = ok(imap, f"FETCH 1 {macro}")[0]
        for name in names:
            assert name in line, (macro, line)
    line = ok(imap, "FETCH 1 (ENVELOPE)")[0]
    assert b'"Macro test"' in line
    assert b'(("Ann" NIL "ann" "example.com"))' in line


def test_fetch_sections_and_partial(imap):
    raw_msg = message(subject="Sections", body="the body text\n")
    append(imap, raw_msg)
    tern_imap.select(imap)
    header, _, body = raw_msg.partition(b"\r\n\r\n")
    typ, data = imap.fetch("1", "(BODY.PEEK[HEADER] BODY.PEEK[TEXT])")
    assert data[0][1] == header + b"\r\n\r\n"
    assert data[1][1] == body
    typ, data = imap.fetch("1", "(BODY.PEEK[HEADER.FIELDS (subject)])")
    assert b"BODY[HEADER.FIELDS (SUBJECT)]" in data[0][0]
    assert data[0][1] == b"Subject: Sections\r\n\r\n"
    line = ok(imap, "FETCH 1 (BODY.PEEK[]<0.10>)")[0]
    assert b"BODY[]<0> " in line and raw_msg[:10] in line
    line = ok(imap, f"FETCH 1 (BODY.PEEK[]<{len(raw_msg) + 5}.10>)")[0]
    assert b'BODY[]<' in line and line.endswith(b' "")')
    line = ok(imap, "FETCH 1 (BODY.PEEK[1] RFC822.HEADER)")[0]
    assert b"BODY[1]" in line and b"the body text" in line and b"RFC822.HEADER" in line
    line = ok(imap, "FETCH 1 (BODY.PEEK[5])")[0]
    assert b"BODY[5] NIL" in line


def test_fetch_body_sets_seen_peek_does_not(imap):
    append(imap, message())
    tern_imap.select(imap)
    line = ok(imap, "FETCH 1 (BODY.PEEK[TEXT])")[0]
    assert b"FLAGS" not in line
    line = ok(imap, "FETCH 1 (BODY[TEXT])")[0]
    assert b"\\Seen" in line
    assert "\\Seen" in flags_of(imap, 1)


def test_fetch_examine_does_not_set_seen(imap):
    append(imap, message())
    imap.select("INBOX", readonly=True)
    ok(imap, "FETCH 1 (BODY[])")
    assert "\\Seen" not in flags_of(imap, 1)


def test_fetch_errors(imap):
    append(imap, message())
    tern_imap.select(imap)
    assert raw(imap, "FETCH 5 (FLAGS)")[0] == "BAD"
    assert raw(imap, "FETCH 1 (NOSUCHITEM)")[0] == "BAD"
    assert raw(imap, "FETCH 1 (BODY[HEADER.FIELDS])")[0] == "BAD"
    assert raw(imap, "FETCH 1 (BODY[1.TEXT.X])")[0] == "BAD"
    assert raw(imap, "FETCH 1 (FLAGS ALL)")[0] == "BAD"
    assert raw(imap, "FETCH 1 FLAGS (CHANGEDSINCE x)")[0] == "BAD"
    assert raw(imap, "FETCH 1 FLAGS (CHANGEDSINCE 1 VANISHED)")[0] == "BAD"
    status, _, untagged = raw(imap, "UID FETCH 999 (FLAGS)")
    assert status == "OK" and untagged == []


def test_fetch_binary(imap):
    raw_msg = tern_mail.crlf(
        "Subject: b\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n"
        "--XX\nContent-Type: text/plain\n\nhello\n--XX\n"
        "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
        "AAECAwQ=\n--XX--\n")
    append(imap, raw_msg)
    tern_imap.select(imap)
    line = ok(imap, "FETCH 1 (BINARY.PEEK[2] BINARY.SIZE[2])")[0]
    assert b"BINARY[2] ~{5}\r\n\x00\x01\x02\x03\x04" in line
    assert b"BINARY.SIZE[2] 5" in line
    line = ok(imap, "FETCH 1 (BINARY.PEEK[1]<1.3>)")[0]
    assert b'BINARY[1]<1> "ell"' in line


def test_fetch_large_mailbox_uses_resume(imap):
    """Big answers go out as the client reads them."""
    big = message(subject="big", body="x" * 200000 + "\n")
    for _ in range(8):
        append(imap, big)
    tern_imap.select(imap)
    typ, data = imap.fetch("1:*", "(BODY.PEEK[])")
    bodies = [d[1] for d in data if isinstance(d, tuple)]
    assert len(bodies) == 8 and all(b == big for b in bodies)


def test_fetch_whole_message_from_its_blob(server, acct, imap):
    """BODY[] and RFC822 are the stored bytes, small (quoted when they
    can be), read, or mapped (past 256 KiB), whole or in part, over a
    plain connection, TLS and COMPRESS."""
    msgs = [message(subject=f"w{n}", body=("y" * 70 + "\n") * (n // 72) + "z\n")
            for n in (10, 5000, 300000, 700000)]
    for m in msgs:
        append(imap, m)
    tern_imap.select(imap)
    typ, data = imap.fetch("1:*", "(BODY.PEEK[] RFC822.SIZE)")
    assert [d[1] for d in data if isinstance(d, tuple)] == msgs
    typ, data = imap.fetch("4", "(BODY.PEEK[]<650000.2000> BODY.PEEK[]<7.20>)")
    assert data[0][1] == msgs[3][650000:652000]
    assert f'BODY[]<7> "{msgs[3][7:27].decode()}"'.encode() in data[1]
    typ, data = imap.fetch("3", "(RFC822)")
    assert data[0][1] == msgs[2] and b"\\Seen" in data[1]
    for tls, compress in ((True, False), (False, True)):
        raw = tern_imap.raw_login(server, acct, tls=tls)
        if compress:
            raw.compress()
        raw.ok("EXAMINE INBOX")
        lines = raw.ok("FETCH 1:* (BODY.PEEK[])")
        assert len(lines) == 4
        for line, m in zip(lines, msgs):
            assert line.endswith(m.decode() + ")")
        raw.close()


def test_fetch_body_of_expunged_message(server, acct, imap):
    """A message expunged by another session while this one still shows
    it: FETCH answers the others with NO [EXPUNGEISSUED], UID FETCH
    skips it."""
    ids = [tern_mail.import_raw(acct, message(subject=f"x{i}"))["id"] for i in range(3)]
    tern_imap.select(imap)
    tern_mail.email_set(acct, destroy=[ids[1]])
    status, tagged, untagged = raw(imap, "FETCH 1:3 (BODY.PEEK[])")
    assert status == "NO" and "EXPUNGEISSUED" in tagged
    assert [u.split(b" ")[0] for u in untagged] == [b"1", b"3"]
    status, tagged, untagged = raw(imap, "UID FETCH 1:3 (BODY.PEEK[])")
    assert status == "OK" and [u.split(b" ")[0] for u in untagged] == [b"1", b"3", b"2"]
    assert untagged[2] == b"2 EXPUNGE"


def test_fetch_modseq_and_changedsince(imap):
    fill(imap, 3)
    tern_imap.select(imap)
    untagged = ok(imap, "FETCH 1:* (MODSEQ)")
    assert any(b"HIGHESTMODSEQ" in u for u in untagged)
    mods = [int(re.search(rb"MODSEQ \((\d+)\)", u).group(1)) for u in untagged if b"FETCH" in u]
    assert len(mods) == 3
    ok(imap, "STORE 2 +FLAGS.SILENT (\\Flagged)")
    untagged = ok(imap, f"FETCH 1:* (FLAGS) (CHANGEDSINCE {max(mods)})")
    assert len(untagged) == 1 and untagged[0].startswith(b"2 FETCH") and b"MODSEQ" in untagged[0]


# ---------------------------------------------------------------- STORE


def test_store_flags(imap):
    fill(imap, 3)
    tern_imap.select(imap)
    # the new keyword comes with FLAGS and PERMANENTFLAGS first
    untagged = [u for u in ok(imap, "STORE 1:2 +FLAGS (\\Flagged $Work)") if b"FETCH" in u]
    assert len(untagged) == 2 and all(b"\\Flagged" in u and b"$work" in u.lower() for u in untagged)
    untagged = ok(imap, "STORE 1 -FLAGS ($Work)")
    assert b"$work" not in untagged[0].lower() and b"\\Flagged" in untagged[0]
    untagged = ok(imap, "STORE 3 FLAGS (\\Seen \\Answered)")
    assert re.search(rb"FLAGS \((\\Seen \\Answered|\\Answered \\Seen)\)", untagged[0])
    assert ok(imap, "STORE 1:3 +FLAGS.SILENT (\\Draft)") == []
    assert all("\\Draft" in flags_of(imap, u) for u in (1, 2, 3))
    untagged = ok(imap, "UID STORE 2 +FLAGS (\\Seen)")
    assert b"UID 2" in untagged[0]


def test_store_errors(imap):
    fill(imap, 1)
    tern_imap.select(imap)
    assert raw(imap, "STORE 1 +FLAGS (\\Bogus)")[0] == "BAD"
    assert raw(imap, "STORE 1 FLAGZ (\\Seen)")[0] == "BAD"
    assert raw(imap, "STORE 9 +FLAGS (\\Seen)")[0] == "BAD"
    assert raw(imap, "STORE 1 (UNCHANGEDSINCE x) +FLAGS (\\Seen)")[0] == "BAD"
    imap.select("INBOX", readonly=True)
    status, text, _ = raw(imap, "STORE 1 +FLAGS (\\Seen)")
    assert status == "NO"


def test_store_unchangedsince(imap):
    fill(imap, 2)
    tern_imap.select(imap)
    untagged = ok(imap, "FETCH 1:2 (MODSEQ)")
    mods = {int(re.match(rb"(\d+) FETCH", u).group(1)):
            int(re.search(rb"MODSEQ \((\d+)\)", u).group(1))
            for u in untagged if b"FETCH" in u}
    ok(imap, "STORE 2 +FLAGS.SILENT ($Changed)")
    status, text, untagged = raw(imap,
                                 f"STORE 1:2 (UNCHANGEDSINCE {mods[2]}) +FLAGS.SILENT (\\Seen)")
    assert status == "OK" and "[MODIFIED 2]" in text, text
    assert any(u.startswith(b"1 FETCH") and b"MODSEQ" in u for u in untagged)
    assert "\\Seen" in flags_of(imap, 1) and "\\Seen" not in flags_of(imap, 2)
    status, text, _ = raw(imap, "STORE 1 (UNCHANGEDSINCE 0) +FLAGS.SILENT ($x)")
    assert "[MODIFIED 1]" in text


# ---------------------------------------------------------------- SEARCH


@pytest.fixture
def searchable(imap):
    append(imap, message(subject="Quarterly report", frm="Alice <alice@example.com>",
                         to="Bob <bob@example.com>", body="numbers inside\n",
                         date="Mon, 01 Jan 2024 10:00:00 +0000"),
           flags="(\\Seen)", date='"01-Jan-2024 10:00:00 +0000"')
    append(imap, message(subject="Lunch", frm="Carol <carol@example.com>",
                         to="Dave <dave@example.com>", body="pizza today\n" + "y" * 3000,
                         date="Wed, 10 Jan 2024 12:00:00 +0000",
                         headers=[("X-Priority", "1")]),
           flags="(\\Flagged $Food)", date='"10-Jan-2024 12:00:00 +0000"')
    append(imap, message(subject="Re: Quarterly report", frm="Bob <bob@example.com>",
                         to="Alice <alice@example.com>", body="thanks\n",
                         date="Sat, 20 Jan 2024 08:00:00 +0000"),
           date='"20-Jan-2024 08:00:00 +0000"')
    tern_imap.select(imap)
    return imap


@pytest.mark.parametrize("criteria,expected", [
    ("ALL", [1, 2, 3]),
    ("SEEN", [1]), ("UNSEEN", [2, 3]), ("FLAGGED", [2]), ("UNFLAGGED", [1, 3]),
    ("ANSWERED", []), ("UNANSWERED", [1, 2, 3]), ("DELETED", []), ("UNDELETED", [1, 2, 3]),
    ("DRAFT", []), ("UNDRAFT", [1, 2, 3]),
    ("KEYWORD $Food", [2]), ("UNKEYWORD $Food", [1, 3]),
    ("NEW", []), ("RECENT", []), ("OLD", [1, 2, 3]),
    ("FROM alice", [1]), ("TO alice", [3]), ("SUBJECT quarterly", [1, 3]),
    ("BODY pizza", [2]), ("TEXT thanks", [3]), ("TEXT lunch", [2]),
    ("HEADER X-Priority 1", [2]), ('HEADER X-Priority ""', [2]),
    ("LARGER 2000", [2]), ("SMALLER 2000", [1, 3]),
    ("BEFORE 10-Jan-2024", [1]), ("ON 10-Jan-2024", [2]), ("SINCE 10-Jan-2024", [2, 3]),
    ("SENTBEFORE 10-Jan-2024", [1]), ("SENTON 20-Jan-2024", [3]), ("SENTSINCE 2-Jan-2024", [2, 3]),
    ("NOT SEEN", [2, 3]), ("OR SEEN FLAGGED", [1, 2]), ("(SEEN FROM alice)", [1]),
    ("NOT (OR SEEN FLAGGED)", [3]), ("2:3", [2, 3]), ("UID 1,3", [1, 3]), ("1:*", [1, 2, 3]),
    ("CHARSET UTF-8 SUBJECT lunch", [2]), ("CHARSET US-ASCII ALL", [1, 2, 3]),
    ("SUBJECT quarterly NOT FROM bob", [1]), ('FROM ""', [1, 2, 3]),
])
def test_search_keys(searchable, criteria, expected):
    untagged = ok(searchable, f"SEARCH {criteria}")
    assert numbers(untagged[0], b"SEARCH") == expected


def test_uid_search_and_esearch(searchable):
    untagged = ok(searchable, "UID SEARCH UNSEEN")
    assert numbers(untagged[0], b"SEARCH") == [2, 3]
    untagged = ok(searchable, "SEARCH RETURN (MIN MAX COUNT) UNSEEN")
    assert re.fullmatch(rb'ESEARCH \(TAG "[^"]+"\) MIN 2 MAX 3 COUNT 2', untagged[0]), untagged
    untagged = ok(searchable, "UID SEARCH RETURN () ALL")
    assert untagged[0].endswith(b"UID ALL 1:3")
    untagged = ok(searchable, "SEARCH RETURN (COUNT MIN) DELETED")
    assert untagged[0].endswith(b"COUNT 0")
    assert b"MIN" not in untagged[0]


def test_search_modseq(searchable):
    ok(searchable, "STORE 3 +FLAGS.SILENT ($Late)")
    untagged = ok(searchable, "FETCH 3 (MODSEQ)")
    mod = int(re.search(rb"MODSEQ \((\d+)\)", untagged[-1]).group(1))
    untagged = ok(searchable, f"SEARCH MODSEQ {mod}")
    line = [u for u in untagged if u.startswith(b"SEARCH")][0]
    assert line == f"SEARCH 3 (MODSEQ {mod})".encode()
    untagged = ok(searchable, f'SEARCH MODSEQ "/flags/$late" all {mod}')
    assert [u for u in untagged if u.startswith(b"SEARCH")][0].startswith(b"SEARCH 3")


def test_search_errors(searchable):
    status, text, _ = raw(searchable, "SEARCH CHARSET KOI8-R SUBJECT x")
    assert status == "NO" and "[BADCHARSET" in text
    for bad in ("SEARCH", "SEARCH FOO", "SEARCH FROM", "SEARCH BEFORE 32-Foo-2024",
                "SEARCH LARGER x", "SEARCH OR SEEN", "SEARCH RETURN (BOGUS) ALL", "SEARCH ()",
                "SEARCH UID x", "SEARCH " + "NOT " * 100 + "ALL"):
        assert raw(searchable, bad)[0] == "BAD", bad
    assert searchable.noop()[0] == "OK"


# ---------------------------------------------------------------- SEARCHRES


def fetched_uids(imap, command):
    """The UIDs in the untagged FETCH responses of command."""
    return [int(re.search(rb"UID (\d+)", u).group(1)) for u in ok(imap, command)
            if re.match(rb"\d+ FETCH", u)]


def test_searchres_save_then_use(searchable, acct):
    # SAVE alone answers no ESEARCH
    assert ok(searchable, "SEARCH RETURN (SAVE) UNSEEN") == []
    assert fetched_uids(searchable, "FETCH $ (UID)") == [2, 3]
    assert fetched_uids(searchable, "UID FETCH $ (FLAGS)") == [2, 3]
    ok(searchable, "UID STORE $ +FLAGS.SILENT (\\Answered)")
    assert numbers(ok(searchable, "SEARCH ANSWERED")[0], b"SEARCH") == [2, 3]
    ok(searchable, "STORE $ -FLAGS.SILENT (\\Answered)")
    assert numbers(ok(searchable, "SEARCH ANSWERED")[0], b"SEARCH") == []
    # "$" as a search key, alone, with UID, ANDed and ORed
    assert numbers(ok(searchable, "SEARCH $ FLAGGED")[0], b"SEARCH") == [2]
    assert numbers(ok(searchable, "UID SEARCH UID $ SMALLER 2000")[0], b"SEARCH") == [3]
    assert numbers(ok(searchable, "SEARCH OR $ 1")[0], b"SEARCH") == [1, 2, 3]
    assert numbers(ok(searchable, "SEARCH NOT $")[0], b"SEARCH") == [1]
    status, text, _ = raw(searchable, "COPY $ Archive")
    assert status == "OK" and re.search(r"\[COPYUID \d+ 2:3 \d+:\d+\]", text), text
    assert tern_mail.mailbox_counts(acct, tern_mail.mailbox(acct, "archive"))["totalEmails"] == 2
    # SAVE with ALL answers as usual and saves everything found
    untagged = ok(searchable, "UID SEARCH RETURN (ALL SAVE) SEEN")
    assert untagged[0].endswith(b"UID ALL 1"), untagged
    assert fetched_uids(searchable, "FETCH $ (UID)") == [1]
    for bad in ("FETCH $,1 (UID)", "FETCH $:2 (UID)", "SEARCH $:2", "SEARCH UID $,1"):
        assert raw(searchable, bad)[0] == "BAD", bad


def test_searchres_min_max(searchable):
    untagged = ok(searchable, "SEARCH RETURN (SAVE MIN) UNSEEN")
    assert re.fullmatch(rb'ESEARCH \(TAG "[^"]+"\) MIN 2', untagged[0]), untagged
    assert fetched_uids(searchable, "FETCH $ (UID)") == [2]
    untagged = ok(searchable, "SEARCH RETURN (MAX SAVE MIN) ALL")
    assert untagged[0].endswith(b"MIN 1 MAX 3"), untagged
    assert fetched_uids(searchable, "FETCH $ (UID)") == [1, 3]
    ok(searchable, "SEARCH RETURN (SAVE MAX) ALL")
    assert fetched_uids(searchable, "FETCH $ (UID)") == [3]
    # one match: MIN and MAX are the same message
    ok(searchable, "SEARCH RETURN (SAVE MIN MAX) SEEN")
    assert fetched_uids(searchable, "FETCH $ (UID)") == [1]
    # with COUNT (or ALL), "$" holds every match
    untagged = ok(searchable, "SEARCH RETURN (MAX SAVE MIN COUNT) ALL")
    assert untagged[0].endswith(b"MIN 1 MAX 3 COUNT 3"), untagged
    assert fetched_uids(searchable, "FETCH $ (UID)") == [1, 2, 3]
    # nothing found: "$" is empty, which is no error
    ok(searchable, "SEARCH RETURN (SAVE MIN) DELETED")
    assert fetched_uids(searchable, "FETCH $ (UID)") == []
    assert ok(searchable, "UID STORE $ +FLAGS (\\Seen)") == []


def test_searchres_after_expunge(imap):
    fill(imap, 4)
    tern_imap.select(imap)
    ok(imap, "UID SEARCH RETURN (SAVE) 2:4")
    ok(imap, "STORE 3 +FLAGS.SILENT (\\Deleted)")
    assert expunged(ok(imap, "EXPUNGE")) == 1
    # the expunged message left "$"; the others keep their place in it
    assert fetched_uids(imap, "FETCH $ (UID)") == [2, 4]
    assert numbers(ok(imap, "SEARCH $")[0], b"SEARCH") == [2, 3]
    ok(imap, "UID STORE 4 +FLAGS.SILENT (\\Deleted)")
    assert ok(imap, "UID EXPUNGE $") == [b"3 EXPUNGE"]
    assert fetched_uids(imap, "UID FETCH $ (UID)") == [2]


def test_searchres_errors_and_reset(imap):
    fill(imap, 2)
    tern_imap.select(imap)
    # before any SAVE "$" is empty
    assert fetched_uids(imap, "FETCH $ (UID)") == []
    ok(imap, "SEARCH RETURN (SAVE) ALL")
    # BAD leaves "$" alone; a search without SAVE does not touch it
    assert raw(imap, "SEARCH RETURN (SAVE) FOO")[0] == "BAD"
    ok(imap, "SEARCH RETURN (MIN) 2")
    assert fetched_uids(imap, "FETCH $ (UID)") == [1, 2]
    # NO with SAVE empties it
    assert raw(imap, "SEARCH RETURN (SAVE) CHARSET KOI8-R ALL")[0] == "NO"
    assert fetched_uids(imap, "FETCH $ (UID)") == []
    # SELECT, EXAMINE and UNSELECT start afresh
    for again in ("SELECT INBOX", "EXAMINE INBOX", "UNSELECT"):
        ok(imap, "SEARCH RETURN (SAVE) ALL")
        ok(imap, again)
        if again == "UNSELECT":
            ok(imap, "SELECT INBOX")
        assert fetched_uids(imap, "FETCH $ (UID)") == [], again


# ---------------------------------------------------------------- SORT and THREAD


def test_sort(searchable):
    def sort(criteria, uid=False):
        return numbers(ok(searchable, f"{'UID ' if uid else ''}SORT ({criteria}) UTF-8 ALL")[0],
                       b"SORT")
    assert sort("ARRIVAL") == [1, 2, 3]
    assert sort("REVERSE ARRIVAL") == [3, 2, 1]
    assert sort("SIZE")[-1] == 2
    assert sort("SUBJECT") == [2, 1, 3]
    assert sort("SUBJECT REVERSE DATE") == [2, 3, 1]
    assert sort("FROM") == [1, 3, 2]
    assert sort("TO") == [3, 1, 2]
    assert sort("REVERSE DATE", uid=True) == [3, 2, 1]
    assert numbers(ok(searchable, "SORT (DATE) UTF-8 UNSEEN")[0], b"SORT") == [2, 3]
    assert raw(searchable, "SORT (BOGUS) UTF-8 ALL")[0] == "BAD"
    assert raw(searchable, "SORT (DATE) ALL")[0] in ("BAD", "NO")
    assert raw(searchable, "SORT (DATE) KOI8-R ALL")[0] == "NO"


def test_sort_base_subject(imap):
    for subject in ("Re: [list] Fwd: banana", "apple", "[fwd: cherry]", "Re: apple (fwd)"):
        append(imap, message(subject=subject))
    tern_imap.select(imap)
    assert numbers(ok(imap, "SORT (SUBJECT) UTF-8 ALL")[0], b"SORT") == [2, 4, 1, 3]


def test_sort_addresses_as_envelope(imap):
    """FROM, TO, CC sort on the addr-mailbox of the first ENVELOPE address:
    a group counts by its name."""
    append(imap, message(to="Friends: zed@example.com;", headers=[("Cc", "carl@example.com")]))
    append(imap, message(to="Amy Zimmer <amy@example.com>"))
    append(imap, message(to="bob@example.com", headers=[("Cc", "Ann <ann@example.com>")]))
    tern_imap.select(imap)
    assert numbers(ok(imap, "SORT (TO) UTF-8 ALL")[0], b"SORT") == [2, 3, 1]
    assert numbers(ok(imap, "SORT (CC) UTF-8 ALL")[0], b"SORT") == [2, 3, 1]


def test_thread(imap):
    root = "<root@x>"
    append(imap, message(subject="Plan", message_id=root, date="Mon, 01 Jan 2024 10:00:00 +0000"))
    append(imap, message(subject="Other", message_id="<o@x>",
                         date="Mon, 01 Jan 2024 11:00:00 +0000"))
    append(imap, message(subject="Re: Plan", message_id="<r1@x>", headers=[("In-Reply-To", root)],
                         date="Mon, 01 Jan 2024 12:00:00 +0000"))
    append(imap, message(subject="Re: Plan", message_id="<r2@x>",
                         headers=[("References", f"{root} <r1@x>")],
                         date="Mon, 01 Jan 2024 13:00:00 +0000"))
    append(imap, message(subject="Re: Plan", message_id="<r3@x>", headers=[("In-Reply-To", root)],
                         date="Mon, 01 Jan 2024 14:00:00 +0000"))
    tern_imap.select(imap)
    line = ok(imap, "THREAD REFERENCES UTF-8 ALL")[0]
    assert line == b"THREAD (1 (3 4)(5))(2)", line
    line = ok(imap, "THREAD ORDEREDSUBJECT UTF-8 ALL")[0]
    assert line == b"THREAD (1 (3)(4)(5))(2)", line
    line = ok(imap, "UID THREAD REFERENCES UTF-8 NOT SUBJECT other")[0]
    assert line == b"THREAD (1 (3 4)(5))", line
    assert ok(imap, "THREAD REFERENCES UTF-8 SUBJECT nothingmatches")[0] == b"THREAD"
    assert raw(imap, "THREAD BOGUS UTF-8 ALL")[0] == "BAD"


def test_thread_missing_parent_and_subject_merge(imap):
    append(imap, message(subject="Lost", message_id="<a@x>", headers=[("References", "<gone@x>")],
                         date="Mon, 01 Jan 2024 10:00:00 +0000"))
    append(imap, message(subject="Lost", message_id="<b@x>", headers=[("References", "<gone@x>")],
                         date="Mon, 01 Jan 2024 11:00:00 +0000"))
    append(imap, message(subject="Re: Lost", message_id="<c@x>",
                         date="Mon, 01 Jan 2024 12:00:00 +0000"))
    tern_imap.select(imap)
    line = ok(imap, "THREAD REFERENCES UTF-8 ALL")[0]
    assert line == b"THREAD ((1)(2)(3))", line


# ---------------------------------------------------------------- COPY, MOVE, EXPUNGE


def test_copy_and_copyuid(imap, acct):
    fill(imap, 3)
    tern_imap.select(imap)
    status, text, _ = raw(imap, "COPY 2:3 Archive")
    m = re.search(r"\[COPYUID (\d+) 2:3 (\d+):(\d+)\]", text)
    assert status == "OK" and m, text
    assert tern_imap.select(imap, "Archive") == 2
    ok(imap, "SELECT INBOX")
    # the same email in both mailboxes
    archive = tern_mail.mailbox(acct, "archive")
    ids = acct.ok("Email/query", {"filter": {"inMailbox": archive}})["ids"]
    assert len(ids) == 2
    got = acct.ok("Email/get", {"ids": ids, "properties": ["mailboxIds"]})["list"]
    assert all(len(e["mailboxIds"]) == 2 for e in got)
    # copying into a mailbox that has it already makes a new email
    status, text, untagged = raw(imap, "COPY 1 INBOX")
    assert status == "OK" and "[COPYUID" in text
    assert b"4 EXISTS" in untagged


def test_copy_errors(imap):
    fill(imap, 1)
    tern_imap.select(imap)
    status, text, _ = raw(imap, "COPY 1 NoSuchBox")
    assert status == "NO" and "[TRYCREATE]" in text
    assert raw(imap, "COPY 5 Archive")[0] == "BAD"
    assert raw(imap, "COPY 1")[0] == "BAD"
    status, text, _ = raw(imap, "UID COPY 77 Archive")
    assert status == "OK" and "COPYUID" not in text


def test_move(imap, acct):
    fill(imap, 3)
    tern_imap.select(imap)
    status, text, untagged = raw(imap, "MOVE 1:2 Archive")
    assert status == "OK", text
    assert re.match(rb"OK \[COPYUID \d+ 1:2 \d+:\d+\]", untagged[0]), untagged
    assert expunged(untagged[1:]) == 2
    assert numbers(ok(imap, "SEARCH ALL")[0], b"SEARCH") == [1]
    assert tern_mail.mailbox_counts(acct, tern_mail.mailbox(acct, "archive"))["totalEmails"] == 2
    status, text, untagged = raw(imap, "UID MOVE 3 Archive")
    assert status == "OK" and untagged[-1] == b"1 EXPUNGE"
    imap.select("Archive", readonly=True)
    assert raw(imap, "MOVE 1 INBOX")[0] == "NO"


def test_expunge(imap, acct):
    fill(imap, 4)
    tern_imap.select(imap)
    ok(imap, "COPY 2 Archive")
    ok(imap, "STORE 1:2 +FLAGS.SILENT (\\Deleted)")
    untagged = ok(imap, "EXPUNGE")
    assert expunged(untagged) == 2 and len(untagged) == 2
    # the one also in Archive lives on there
    assert tern_mail.mailbox_counts(acct, tern_mail.mailbox(acct, "archive"))["totalEmails"] == 1
    assert acct.ok("Email/query", {})["ids"].__len__() == 3
    ok(imap, "STORE 1:2 +FLAGS.SILENT (\\Deleted)")
    status, text, untagged = raw(imap, "UID EXPUNGE 4")
    assert status == "OK" and untagged == [b"2 EXPUNGE"]
    assert numbers(ok(imap, "SEARCH DELETED")[0], b"SEARCH") == [1]
    imap.select("INBOX", readonly=True)
    assert raw(imap, "EXPUNGE")[0] == "NO"


def test_close_expunges_silently(imap):
    fill(imap, 2)
    tern_imap.select(imap)
    ok(imap, "STORE 1 +FLAGS.SILENT (\\Deleted)")
    assert ok(imap, "CLOSE") == []
    assert tern_imap.select(imap) == 1


# ---------------------------------------------------------------- across faces


def test_append_visible_in_jmap(imap, acct):
    _, uid = append(imap, message(subject="From IMAP"), flags="(\\Flagged)")
    ids = acct.ok("Email/query", {"filter": {"subject": "From IMAP"}})["ids"]
    assert len(ids) == 1
    got = tern_mail.get_email(acct, ids[0], ["keywords", "mailboxIds", "subject"])
    assert got["keywords"] == {"$flagged": True}
    assert list(got["mailboxIds"]) == [tern_mail.mailbox(acct, "inbox")]


def test_jmap_keyword_change_seen_by_imap(imap, acct):
    created = tern_mail.import_raw(acct, message(subject="From JMAP"))
    tern_imap.select(imap)
    assert flags_of(imap, 1) == set()
    tern_mail.update_email(acct, created["id"], {"keywords/$seen": True, "keywords/$label": True})
    deadline = time.monotonic() + 5
    seen = b""
    while time.monotonic() < deadline and b"\\Seen" not in seen:
        seen = b" ".join(ok(imap, "NOOP"))
    assert b"1 FETCH" in seen and b"\\Seen" in seen and b"$label" in seen
    assert flags_of(imap, 1) == {"\\Seen", "$label"}


# ---------------------------------------------------------------- limits


def test_append_over_quota(server):
    acct = tern_mail.account_with(server, quota=3000, prefix="iq")
    imap = tern_imap.login(server, acct)
    append(imap, message(body="a" * 1000))
    status, text, _ = raw(imap, "APPEND INBOX {4000+}\r\n".encode(),
                          message(body="b" * 4000)[:4000])
    assert status == "NO" and "[OVERQUOTA]" in text, text
    assert tern_imap.select(imap) == 1
    imap.logout()


def test_append_too_big(ternd_factory):
    srv = ternd_factory(jmap={"max-size-upload": "2K"},
                        extra='imap = { max-message-size = "8K"; };')
    srv.start()
    acct = tern_mail.account_with(srv, prefix="ib")
    imap = tern_imap.login(srv, acct)
    # past JMAP's upload limit
    status, text, _ = raw(imap, "APPEND INBOX {4000+}\r\n".encode(), b"x" * 4000)
    assert status == "NO" and "[TOOBIG]" in text, text
    # past imap.max-message-size: refused before the bytes are read
    status, text, _ = raw(imap, "APPEND INBOX {100000}")
    assert status == "NO" and "[TOOBIG]" in text, text
    append(imap, message())
    imap.logout()
