"""Inbound checks against a real ternd and a static zone: SPF, DMARC
(pass, p=quarantine delivered, p=reject refused) and DKIM signatures
made by an independent implementation (Debian's python3-dkim), all
reported in the Authentication-Results field of the delivered copy."""
import base64
import smtplib
import textwrap
from email.message import EmailMessage

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import tern

DOMAIN = "checks.test"


def _txt(owner, value):
    """A TXT line with value cut into quoted strings of 200 bytes."""
    parts = " ".join(f'"{p}"' for p in textwrap.wrap(value, 200, drop_whitespace=False))
    return f"{owner} IN TXT ( {parts} )\n"


@pytest.fixture(scope="module")
def rsa_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    der = key.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(der).decode()


@pytest.fixture(scope="module")
def srv(tmp_path_factory, rsa_key):
    work = tmp_path_factory.mktemp("smtp-dns")
    zone = work / "zone.txt"
    zone.write_text(
        "$ORIGIN test.\n$TTL 300\n"
        + _txt("remote", "v=spf1 ip4:127.0.0.0/8 -all")
        + _txt("_dmarc.remote", "v=DMARC1; p=reject")
        + "mx.remote IN A 127.0.0.1\n"
        + _txt("mx.remote", "v=spf1 a -all")
        + _txt("reject", "v=spf1 -all")
        + _txt("_dmarc.reject", "v=DMARC1; p=reject")
        + _txt("quarantine", "v=spf1 -all")
        + _txt("_dmarc.quarantine", "v=DMARC1; p=quarantine")
        + _txt("signed", "v=spf1 -all")
        + _txt("_dmarc.signed", "v=DMARC1; p=reject; adkim=s")
        + _txt("sel._domainkey.signed", f"v=DKIM1; k=rsa; p={rsa_key[1]}")
        + _txt("_dmarc.lax", "v=DMARC1; p=none")
        + _txt("sel._domainkey.lax", f"v=DKIM1; k=rsa; p={rsa_key[1]}"))
    server = tern.Ternd(work / "ternd", extra=f'resolver = {{ zone-file = "{zone}"; }};\n')
    server.start()
    server.admin().ensure_domain(DOMAIN)
    yield server
    problems = server.finish()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


def new_user(srv):
    name = tern.unique("c")
    p = srv.admin().create_user(name, ["pw-" + name], [f"{name}@{DOMAIN}"])
    return tern.Account(srv, p, "pw-" + name, f"{name}@{DOMAIN}")


def message(sender, to, subject):
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{tern.unique('m')}@remote.test>"
    msg.set_content("Checked on the way in.\n")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def send(srv, mail_from, rcpt, data, helo="mx.remote.test"):
    with smtplib.SMTP("127.0.0.1", srv.smtp_port, local_hostname=helo, timeout=30) as s:
        return s.sendmail(mail_from, [rcpt], data)


def results(acct):
    """The Authentication-Results field of the one message in the Inbox."""
    inbox = acct.ok("Mailbox/query", {"filter": {"role": "inbox"}})["ids"][0]
    ids = acct.ok("Email/query", {"filter": {"inMailbox": inbox}})["ids"]
    (email,) = acct.ok("Email/get", {"ids": ids, "properties": [
        "header:Authentication-Results:asText"]})["list"]
    return " ".join(email["header:Authentication-Results:asText"].split())


def test_spf_and_dmarc_pass(srv):
    user = new_user(srv)
    assert send(srv, "alice@remote.test", user.address,
                message("Alice <alice@remote.test>", user.address, "pass")) == {}
    assert results(user) == ("mail.test; spf=pass smtp.mailfrom=remote.test; dkim=none; "
                             "dmarc=pass header.from=remote.test")


def test_null_sender_checks_helo(srv):
    user = new_user(srv)
    assert send(srv, "", user.address,
                message("mailer-daemon@remote.test", user.address, "bounce")) == {}
    assert results(user).startswith("mail.test; spf=pass smtp.helo=mx.remote.test; dkim=none;")


def test_dmarc_reject_refused(srv):
    user = new_user(srv)
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(srv, "eve@reject.test", user.address,
             message("eve@reject.test", user.address, "forged"))
    assert err.value.smtp_code == 550
    assert err.value.smtp_error.startswith(b"5.7.1")


def test_dmarc_quarantine_delivered(srv):
    user = new_user(srv)
    assert send(srv, "eve@quarantine.test", user.address,
                message("eve@quarantine.test", user.address, "doubtful")) == {}
    assert results(user) == ("mail.test; spf=fail smtp.mailfrom=quarantine.test; dkim=none; "
                             "dmarc=fail (p=quarantine) header.from=quarantine.test")


def test_dkim_from_python_dkim(srv, rsa_key):
    user = new_user(srv)
    data = message("news@signed.test", user.address, "signed")
    sig = dkim.sign(data, b"sel", b"signed.test", rsa_key[0],
                    include_headers=[b"from", b"to", b"subject", b"message-id"])
    b_value = "".join(sig.decode().split("b=")[-1].split())[:8]
    # SPF fails for the bounce domain: DMARC passes on the signature alone
    assert send(srv, "bounce@other.example", user.address, sig + data) == {}
    found = results(user)
    assert found.startswith("mail.test; spf=none smtp.mailfrom=other.example; "
                            "dkim=pass header.d=signed.test header.s=sel header.b=")
    assert b_value in found
    assert found.endswith("; dmarc=pass header.from=signed.test")


def test_dkim_tampered(srv, rsa_key):
    user = new_user(srv)
    data = message("news@lax.test", user.address, "tampered")
    sig = dkim.sign(data, b"sel", b"lax.test", rsa_key[0])
    assert send(srv, "news@lax.test", user.address,
                sig + data.replace(b"Checked", b"Changed")) == {}
    found = results(user)
    assert "; dkim=fail" in found and "header.d=lax.test header.s=sel" in found
    assert found.endswith("; dmarc=fail (p=none) header.from=lax.test")
    # the same under p=reject is refused
    data = message("news@signed.test", user.address, "tampered")
    sig = dkim.sign(data, b"sel", b"signed.test", rsa_key[0])
    with pytest.raises(smtplib.SMTPDataError) as err:
        send(srv, "news@signed.test", user.address, sig + data.replace(b"Checked", b"Changed"))
    assert err.value.smtp_code == 550
