"""A real sync client both ways (issue 4): isync's mbsync syncs the Inbox
down to a local Maildir over IMAPS, flags are changed and a message is
deleted and another created locally, and the next sync carries all of
it back; JMAP then shows the result."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

import tern_mail
from tern_mail import message

MBSYNC = shutil.which("mbsync")

pytestmark = pytest.mark.skipif(MBSYNC is None, reason="isync (mbsync) is not installed")


def mbsync_config(srv, acct, root):
    cert = srv.data / "tls-cert.pem"
    assert cert.exists(), cert
    return "\n".join([
        "IMAPAccount tern",
        "Host 127.0.0.1",
        f"Port {srv.imaps_port}",
        f"User {acct.name}",
        f"Pass {acct.password}",
        "SSLType IMAPS",
        "SystemCertificates no",
        f"CertificateFile {cert}",
        "",
        "IMAPStore tern-far",
        "Account tern",
        "",
        "MaildirStore tern-near",
        f"Path {root}/",
        f"Inbox {root}/INBOX",
        "",
        "Channel tern",
        "Far :tern-far:",
        "Near :tern-near:",
        "Patterns INBOX",
        "Create Both",
        "Expunge Both",
        "SyncState *",
        "",
    ])


def run_mbsync(config):
    r = subprocess.run([MBSYNC, "-c", str(config), "-V", "tern"], capture_output=True, text=True,
                       timeout=120, stdin=subprocess.DEVNULL)
    assert r.returncode == 0, f"mbsync failed ({r.returncode}):\n{r.stdout}\n{r.stderr}"
    return r


def maildir_files(root):
    inbox = Path(root) / "INBOX"
    return sorted(p for sub in ("cur", "new") for p in (inbox / sub).iterdir())


def subject_of(path):
    # mbsync keeps local files with LF line ends
    for line in path.read_bytes().split(b"\n"):
        if line.startswith(b"Subject: "):
            return line[9:].rstrip(b"\r").decode()
    raise AssertionError(f"no subject in {path}")


def with_flags(path, flags):
    """Renames a Maildir file to carry exactly flags (e.g. "FS")."""
    base = path.name.split(":2,")[0]
    target = path.parent.parent / "cur" / f"{base}:2,{''.join(sorted(flags))}"
    os.rename(path, target)
    return target


def inbox_emails(acct):
    inbox = tern_mail.mailbox(acct, "inbox")
    ids = acct.ok("Email/query", {"filter": {"inMailbox": inbox}})["ids"]
    got = acct.ok("Email/get", {"ids": ids, "properties": ["subject", "keywords"]})["list"]
    return {e["subject"]: e["keywords"] for e in got}


def test_mbsync_both_ways(server, tmp_path):
    acct = tern_mail.account_with(server, prefix="mb")
    for i, keywords in enumerate(({}, {"$seen": True}, {}, {"$flagged": True})):
        tern_mail.import_raw(acct, message(subject=f"sync {i}"), keywords=keywords)
    root = tmp_path / "mail"
    root.mkdir()
    config = tmp_path / "mbsyncrc"
    config.write_text(mbsync_config(server, acct, root))

    # down
    run_mbsync(config)
    files = {subject_of(p): p for p in maildir_files(root)}
    assert set(files) == {"sync 0", "sync 1", "sync 2", "sync 3"}
    assert files["sync 1"].name.endswith(":2,S")
    assert files["sync 3"].name.endswith(":2,F")

    # local changes: flags, a deletion, a new message
    with_flags(files["sync 0"], "FS")
    with_flags(files["sync 1"], "")
    files["sync 2"].unlink()
    new = root / "INBOX" / "new" / "1700000000.local1.host"
    new.write_bytes(message(subject="made locally"))

    # up
    run_mbsync(config)
    emails = inbox_emails(acct)
    assert set(emails) == {"sync 0", "sync 1", "sync 3", "made locally"}, emails
    assert emails["sync 0"] == {"$seen": True, "$flagged": True}
    assert emails["sync 1"] == {}
    assert emails["sync 3"] == {"$flagged": True}
    # the deleted one is gone from the account, not just the Inbox
    assert acct.ok("Email/query", {"filter": {"subject": "sync 2"}})["ids"] == []

    # a change on the server comes down again
    ids = acct.ok("Email/query", {"filter": {"subject": "made locally"}})["ids"]
    tern_mail.update_email(acct, ids[0], {"keywords/$answered": True})
    run_mbsync(config)
    files = {subject_of(p): p for p in maildir_files(root)}
    assert set(files) == {"sync 0", "sync 1", "sync 3", "made locally"}
    assert "R" in files["made locally"].name.split(":2,")[1]
