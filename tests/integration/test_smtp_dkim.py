"""DKIM (issue 5, item 6): the keys each domain gets, the records of
GET /api/dns/records/{domain} and `ternctl domain dns`, our signatures
checked by python3-dkim and python3-dkim's checked by us (through
tests/unit/dkim_tool), and mail sent through submission arriving signed
at a capturing server on loopback."""
import base64
import json
import re
import smtplib
import sqlite3
import subprocess
import threading
import time
from email.message import EmailMessage
from pathlib import Path

import dkim
import nacl.signing
import pytest

import tern

DKIM_TOOL = Path(tern.TERND).parent / "tests" / "unit" / "dkim_tool"
SRV_PORTS = {"_submission._tcp": 587, "_submissions._tcp": 465, "_imap._tcp": 143,
             "_imaps._tcp": 993, "_pop3._tcp": 110, "_pop3s._tcp": 995, "_jmap._tcp": 443}

MESSAGES = {
    "plain": b"From: Alice <alice@sign.test>\r\nTo: bob@example.net\r\n"
             b"Subject: Hello   there\r\nDate: Fri, 21 Nov 2025 10:00:00 +0000\r\n"
             b"Message-ID: <1@sign.test>\r\n\r\nHi Bob,\r\n\r\n  spaced \t line  \r\n\r\n\r\n",
    "bare-lf": b"From: alice@sign.test\nTo: bob@example.net\nSubject: lf\n\nline one\nline two\n",
    "empty-body": b"From: alice@sign.test\r\nSubject: nothing\r\n\r\n",
    "folded": b"From: alice@sign.test\r\nTo: a@example.net,\r\n b@example.net,\r\n\tc@example.net\r\n"
              b"Subject: a long subject that goes on\r\n  and on\r\nCc: d@example.net\r\n"
              b"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
              b"Content-Transfer-Encoding: 8bit\r\n\r\n"
              + "Grüße, ça va? ✓\r\n".encode() * 50,
    "no-final-crlf": b"From: alice@sign.test\r\nSubject: x\r\n\r\ntext without end",
    "large": b"From: alice@sign.test\r\nSubject: large\r\n\r\n"
             + b"".join(b"line %d \t with  some\tspace%s\r\n" % (i, b" " * (i % 5))
                        for i in range(20000)) + b"\r\n\r\n",
}


def _zone_txt(owner, value):
    parts = " ".join('"%s"' % value[i:i + 255] for i in range(0, len(value), 255))
    return f"{owner} IN TXT ( {parts} )\n"


def _tool(*args, data=None, check=True):
    if not DKIM_TOOL.exists():
        pytest.skip(f"{DKIM_TOOL} is not built")
    r = subprocess.run([str(DKIM_TOOL), *map(str, args)], input=data, capture_output=True,
                       timeout=60)
    if check:
        assert r.returncode == 0, r.stderr.decode()
    return r


def _verdicts(zone_path, msg):
    out = _tool("verify", zone_path, data=msg).stdout.decode()
    return [line.split(" ", 4) for line in out.splitlines()]


def _records_by(records, rtype, name):
    return [r for r in records if r["type"] == rtype and r["name"] == name]


# ---------------------------------------------------------------- server

@pytest.fixture(scope="module")
def dkim_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("dkim")
    zone = work / "zone.txt"
    zone.write_text("$ORIGIN remote.test.\n@ IN MX 10 mx\nmx IN A 127.0.0.1\n")
    sink = Sink()
    srv = tern.Ternd(work / "ternd", extra=(
        f'resolver = {{ zone-file = "{zone}"; }};\n'
        f"queue = {{ outbound = {{ port = {sink.port}; retry = [ \"1s\" ]; }}; }};"))
    srv.start()
    yield srv, sink
    sink.stop()
    problems = srv.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


class Sink:
    """A capturing SMTP server on loopback (aiosmtpd)."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        self.cond = threading.Condition()
        self.port = tern.free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                with sink.cond:
                    sink.messages.append(envelope)
                    sink.cond.notify_all()
                return "250 2.0.0 captured"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def wait(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.messages) < count and time.monotonic() < deadline:
                self.cond.wait(0.2)
            return list(self.messages)

    def stop(self):
        self.controller.stop()


# ---------------------------------------------------------------- the records

def test_dns_records(dkim_server):
    srv, _ = dkim_server
    admin = srv.admin()
    domain = tern.unique("d") + ".test"
    admin.create_domain(domain)
    records = admin.ok("GET", f"/dns/records/{domain.upper()}")
    d = domain + "."
    assert all(set(r) <= {"type", "name", "value", "priority"} for r in records)

    mx = _records_by(records, "MX", d)
    assert len(mx) == 1 and mx[0]["value"] == "mail.test." and mx[0]["priority"] == 10
    assert [r["value"] for r in _records_by(records, "TXT", d)] == ["v=spf1 mx -all"]
    month = time.strftime("%Y%m", time.gmtime())
    rsa = _records_by(records, "TXT", f"{month}r._domainkey.{d}")
    ed = _records_by(records, "TXT", f"{month}e._domainkey.{d}")
    assert len(rsa) == 1 and len(ed) == 1
    _, bits, ktag, _ = dkim.evaluate_pk(b"x", rsa[0]["value"])
    assert (bits, ktag) == (2048, b"rsa")
    _, _, ktag, _ = dkim.evaluate_pk(b"x", ed[0]["value"])
    assert ktag == b"ed25519"
    dmarc = _records_by(records, "TXT", f"_dmarc.{d}")
    assert dmarc[0]["value"] == f"v=DMARC1; p=reject; rua=mailto:postmaster@{domain}"
    sts = _records_by(records, "TXT", f"_mta-sts.{d}")
    assert re.fullmatch(r"v=STSv1; id=[A-Za-z0-9]{1,32}", sts[0]["value"])
    assert _records_by(records, "CNAME", f"mta-sts.{d}")[0]["value"] == "mail.test."
    assert _records_by(records, "TXT", f"_smtp._tls.{d}")[0]["value"] == \
        f"v=TLSRPTv1; rua=mailto:postmaster@{domain}"
    for service, port in SRV_PORTS.items():
        srv_rec = _records_by(records, "SRV", f"{service}.{d}")
        assert len(srv_rec) == 1, service
        assert srv_rec[0]["value"] == f"1 {port} mail.test." and srv_rec[0]["priority"] == 0
    for name in ("autoconfig", "autodiscover"):
        assert _records_by(records, "CNAME", f"{name}.{d}")[0]["value"] == "mail.test."
    # the same keys on every read
    assert admin.ok("GET", f"/dns/records/{domain}") == records


def test_dns_records_errors(dkim_server):
    srv, _ = dkim_server
    admin = srv.admin()
    r = admin.req("GET", "/dns/records/nowhere.test")
    assert r.status == 404 and r.json()["error"] == "notFound"
    user = tern.new_account(srv, domain="sign.test")
    r = admin.req("GET", f"/dns/records/{user.name}")
    assert r.status == 404
    r = admin.req("GET", "/dns/records/sign.test", auth=(user.name, user.password))
    assert r.status in (401, 403)
    r = admin.req("GET", "/dns/records/sign.test", auth=None)
    assert r.status == 401
    assert admin.req("POST", "/dns/records/sign.test", {}).status == 405
    assert admin.req("GET", "/dns/records/" + "a" * 2000).status == 404


def test_keys_go_with_the_domain(dkim_server):
    srv, _ = dkim_server
    admin = srv.admin()
    domain = tern.unique("g") + ".test"
    admin.create_domain(domain)
    before = admin.ok("GET", f"/dns/records/{domain}")
    admin.ok("DELETE", f"/principal/{domain}")
    assert admin.req("GET", f"/dns/records/{domain}").status == 404
    admin.create_domain(domain)
    after = admin.ok("GET", f"/dns/records/{domain}")
    keys = lambda recs: [r["value"] for r in recs if "._domainkey." in r["name"]]  # noqa: E731
    assert len(keys(after)) == 2 and not set(keys(before)) & set(keys(after))


# ---------------------------------------------------------------- ternctl

def _parse_zone_line(line):
    name, ttl, klass, rtype, rest = line.split("\t", 4)
    assert klass == "IN" and int(ttl) > 0
    return name, rtype, rest


def _txt_strings(rest):
    strings = re.findall(r'"((?:[^"\\]|\\.)*)"', rest)
    assert " ".join(f'"{s}"' for s in strings) == rest
    return [re.sub(r"\\(.)", r"\1", s) for s in strings]


def test_ternctl_domain_dns(dkim_server, tmp_path):
    srv, _ = dkim_server
    admin = srv.admin()
    domain = tern.unique("c") + ".test"
    admin.create_domain(domain)
    records = admin.ok("GET", f"/dns/records/{domain}")
    r = tern.ternctl(srv, "domain", "dns", domain)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == len(records)
    for line, rec in zip(lines, records):
        name, rtype, rest = _parse_zone_line(line)
        assert (name, rtype) == (rec["name"], rec["type"])
        if rtype == "TXT":
            strings = _txt_strings(rest)
            assert all(len(s.encode()) <= 255 for s in strings)
            assert "".join(strings) == rec["value"]
            if "k=rsa" in rec["value"]:
                assert len(strings) > 1
        elif "priority" in rec:
            assert rest == f"{rec['priority']} {rec['value']}"
        else:
            assert rest == rec["value"]
    r = tern.ternctl(srv, "--json", "domain", "dns", domain)
    assert r.returncode == 0 and json.loads(r.stdout) == records
    r = tern.ternctl(srv, "domain", "dns", "nowhere.test")
    assert r.returncode == 1 and "notFound" in r.stderr

    # the lines are a zone our resolver reads, and the stored key signs
    # mail that verifies against it, here and in python3-dkim
    zone = tmp_path / "zone.txt"
    zone.write_text(r_ok(srv, domain))
    pem, selector = _stored_key(srv, domain, "r")
    msg = MESSAGES["plain"].replace(b"sign.test", domain.encode())
    key = tmp_path / "key.pem"
    key.write_text(pem)
    sig = _tool("sign", domain, selector, "rsa", key, data=msg).stdout
    assert _verdicts(zone, sig + msg)[0][:3] == ["pass", domain, selector]
    txt = {f"{rec['name']}".encode(): rec["value"].encode() for rec in records
           if rec["type"] == "TXT"}
    assert dkim.verify(sig + msg, dnsfunc=lambda name, timeout=5: txt.get(name))


def r_ok(srv, domain):
    r = tern.ternctl(srv, "domain", "dns", domain)
    assert r.returncode == 0, r.stderr
    return r.stdout


def _stored_key(srv, domain, suffix):
    """The private key ternd keeps for domain (read from its system
    database, which only tests do)."""
    db = sqlite3.connect(f"file:{srv.data / 'system.db'}?mode=ro", uri=True)
    try:
        row = db.execute("SELECT k.private_pem, k.selector FROM dkim_keys k"
                         " JOIN principals p ON p.id = k.domain"
                         " WHERE p.name = ? AND k.selector LIKE ?",
                         (domain, "%" + suffix)).fetchone()
    finally:
        db.close()
    assert row is not None
    return row


# ---------------------------------------------------------------- interop

@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    work = tmp_path_factory.mktemp("keys")
    rsa_txt = _tool("keygen", "rsa", work / "rsa.pem").stdout.decode().strip()
    ed_txt = _tool("keygen", "ed25519", work / "ed.pem").stdout.decode().strip()
    sk = nacl.signing.SigningKey.generate()
    py_ed_txt = "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(sk.verify_key)).decode()
    records = {"sr": rsa_txt, "se": ed_txt, "py": py_ed_txt}
    zone = work / "zone.txt"
    zone.write_text("$ORIGIN sign.test.\n" + "".join(
        _zone_txt(f"{sel}._domainkey", txt) for sel, txt in records.items()))
    return {"dir": work, "zone": zone, "rsa_pem": (work / "rsa.pem").read_bytes(),
            "py_seed": base64.b64encode(bytes(sk)),
            "txt": {f"{sel}._domainkey.sign.test.".encode(): txt.encode()
                    for sel, txt in records.items()}}


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_python_dkim_verifies_ours(keys, name):
    msg = MESSAGES[name]
    rsa = _tool("sign", "sign.test", "sr", "rsa", keys["dir"] / "rsa.pem", data=msg).stdout
    ed = _tool("sign", "sign.test", "se", "ed25519", keys["dir"] / "ed.pem", data=msg).stdout
    assert rsa.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;")
    assert all(len(line) <= 78 for line in (rsa + ed).split(b"\r\n"))
    signed = ed + rsa + msg
    dnsfunc = lambda qname, timeout=5: keys["txt"].get(qname)  # noqa: E731
    d = dkim.DKIM(signed)
    assert d.verify(idx=0, dnsfunc=dnsfunc), "ed25519"
    assert d.verify(idx=1, dnsfunc=dnsfunc), "rsa"
    # and we agree with ourselves
    assert [v[0] for v in _verdicts(keys["zone"], signed)] == ["pass", "pass"]
    tampered = signed.replace(b"Subject: ", b"Subject: X", 1)
    assert not dkim.DKIM(tampered).verify(idx=1, dnsfunc=dnsfunc)
    assert [v[0] for v in _verdicts(keys["zone"], tampered)] == ["fail", "fail"]


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_we_verify_python_dkim(keys, name):
    msg = MESSAGES[name]
    sigs = b""
    for canon in [(b"relaxed", b"simple"), (b"simple", b"simple"), (b"relaxed", b"relaxed"),
                  (b"simple", b"relaxed")]:
        sigs += dkim.sign(msg, b"sr", b"sign.test", keys["rsa_pem"], canonicalize=canon)
    sigs += dkim.sign(msg, b"py", b"sign.test", keys["py_seed"],
                      signature_algorithm=b"ed25519-sha256")
    verdicts = _verdicts(keys["zone"], sigs + msg)
    assert [v[0] for v in verdicts] == ["pass"] * 5, verdicts
    assert verdicts[4][1:4] == ["sign.test", "py", "ed25519-sha256"]
    # l= with content appended past it is not a pass: "policy" when the
    # signed body is intact before it (it ends with a line end)
    sig = dkim.sign(msg, b"sr", b"sign.test", keys["rsa_pem"], length=True)
    assert _verdicts(keys["zone"], sig + msg)[0][0] == "pass"
    intact = name not in ("empty-body", "no-final-crlf")
    assert _verdicts(keys["zone"], sig + msg + b"appended\r\n")[0][0] == \
        ("policy" if intact else "fail")
    body_changed = sigs + msg + b"\r\nX\r\n"
    assert {v[0] for v in _verdicts(keys["zone"], body_changed)} == {"fail"}


def test_revoked_and_missing_keys(keys, tmp_path):
    msg = MESSAGES["plain"]
    zone = tmp_path / "zone.txt"
    zone.write_text("$ORIGIN sign.test.\nsr._domainkey IN TXT \"v=DKIM1; k=rsa; p=\"\n")
    sig = _tool("sign", "sign.test", "sr", "rsa", keys["dir"] / "rsa.pem", data=msg).stdout
    assert _verdicts(zone, sig + msg)[0][0] == "permerror"
    sig = _tool("sign", "sign.test", "other", "rsa", keys["dir"] / "rsa.pem", data=msg).stdout
    assert _verdicts(zone, sig + msg)[0][0] == "permerror"
    assert _verdicts(zone, msg) == []


# ---------------------------------------------------------------- a real send

def test_submission_is_signed(dkim_server):
    srv, sink = dkim_server
    admin = srv.admin()
    domain = tern.unique("s") + ".test"
    admin.create_domain(domain)
    user = tern.new_account(srv, domain=domain)
    records = admin.ok("GET", f"/dns/records/{domain}")
    txt = {rec["name"].encode(): rec["value"].encode() for rec in records
           if rec["type"] == "TXT"}

    msg = EmailMessage()
    msg["From"] = user.address
    msg["To"] = "bob@remote.test"
    msg["Subject"] = "signed on the way out"
    msg.set_content("Hello Bob,\n\nthis one is signed.\n")
    before = len(sink.messages)
    with smtplib.SMTP("127.0.0.1", srv.submission_port, timeout=30) as s:
        s.login(user.name, user.password)
        s.send_message(msg)
    got = sink.wait(before + 1)
    assert len(got) > before, "nothing reached the sink"
    data = got[-1].content
    data = data if isinstance(data, bytes) else data.encode()
    assert data.count(b"DKIM-Signature:") == 2
    d = dkim.DKIM(data)
    dnsfunc = lambda name, timeout=5: txt.get(name)  # noqa: E731
    algs = set()
    for i in range(2):
        assert d.verify(idx=i, dnsfunc=dnsfunc), f"signature {i}"
        algs.add(d.signature_fields[b"a"])
        assert d.domain == domain.encode()
    assert algs == {b"rsa-sha256", b"ed25519-sha256"}
