"""litmus (the WebDAV server protocol compliance suite, Debian's
package) against the plain file collections under /dav/file/ (issue 6):
every suite must finish with no failures; warnings are allowed."""
import re
import shutil
import subprocess

import pytest

SUITES = ["basic", "copymove", "props", "locks", "http"]

pytestmark = pytest.mark.skipif(shutil.which("litmus") is None, reason="litmus not installed")


def run_litmus(srv, account, tmp_path):
    url = f"http://127.0.0.1:{srv.http_port}/dav/file/{account.name}/"
    proc = subprocess.run(["litmus", "-k", url, account.name, account.password],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path,
                          env={"TESTS": " ".join(SUITES), "PATH": "/usr/bin:/bin"})
    return proc.stdout + proc.stderr


def summaries(output):
    """suite -> (passed, failed) from litmus' "<- summary for `x'" lines."""
    out = {}
    for m in re.finditer(r"<- summary for `(\w+)': of (\d+) tests run: (\d+) passed, "
                         r"(\d+) failed", output):
        out[m.group(1)] = (int(m.group(3)), int(m.group(4)))
    return out


def test_litmus_all_suites(server, account, tmp_path):
    output = run_litmus(server, account, tmp_path)
    got = summaries(output)
    assert set(got) == set(SUITES), output
    failed = {s: f for s, (p, f) in got.items() if f != 0}
    assert not failed, output
