"""Start-up and process behaviour: the embedded default, configuration
errors, signals and logging (issue 2, items 2-4)."""
import os
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

import tern

LOG_LINE = re.compile(r"^\S+ level=(debug|info|warn|error) event=[\w.-]+( |$)")


# ---------------------------------------------------------------- embedded default

@pytest.fixture
def default_ternd(tmp_path):
    """ternd with no arguments, in an empty working directory."""
    if tern.port_open(8080) or tern.port_open(8443):
        pytest.skip("ports 8080/8443 are taken on this machine: the embedded default needs them")
    procs = []

    def start():
        n = len(procs) + 1
        out = open(tmp_path / f"stdout.{n}", "wb")
        err = open(tmp_path / f"stderr.{n}", "wb")
        proc = subprocess.Popen([tern.TERND], cwd=tmp_path, stdout=out, stderr=err,
                                stdin=subprocess.DEVNULL)
        out.close()
        err.close()
        procs.append(proc)
        tern.wait_listening(proc, [8080, 8443], tmp_path / f"stderr.{n}")
        return proc

    def stop(proc):
        proc.send_signal(signal.SIGTERM)
        rc = proc.wait(tern.STOP_TIMEOUT)
        assert rc == 0, (tmp_path / f"stderr.{len(procs)}").read_text(errors="replace")[-3000:]

    yield tmp_path, start, stop
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reports = [line for p in tmp_path.glob("stderr.*")
               for line in p.read_text(errors="replace").splitlines()
               if any(m in line for m in tern.SANITIZER_MARKS)]
    assert not reports, reports


def _generated_password(text):
    m = re.search(r'password[:= ]+"?([^"\s]+)"?', text)
    return m.group(1) if m else None


def _served_certificate(port):
    ctx = tern.tls_context()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw, server_hostname="localhost") as s:
            return s.getpeercert(binary_form=True)


def _cert_subject_issuer(der, tmp_path):
    pem = tmp_path / "served.pem"
    pem.write_text(ssl.DER_cert_to_PEM_cert(der))
    out = subprocess.run(["openssl", "x509", "-in", str(pem), "-noout", "-subject", "-issuer"],
                         capture_output=True, text=True, check=True).stdout
    subject = re.search(r"subject=\s*(.*)", out).group(1).strip()
    issuer = re.search(r"issuer=\s*(.*)", out).group(1).strip()
    return subject, issuer


def _files_containing(root, needle):
    hits = []
    for p in Path(root).rglob("*"):
        if p.is_file() and needle in p.read_bytes():
            hits.append(str(p))
    return hits


def test_embedded_default_first_and_second_start(default_ternd):
    cwd, start, stop = default_ternd
    proc = start()
    var = cwd / "var"
    assert var.is_dir(), "ternd with no arguments must keep its data under ./var"

    first_out = (cwd / "stdout.1").read_text()
    password = _generated_password(first_out)
    assert password, f"no generated admin password printed on first start: {first_out!r}"
    assert len(password) >= 12

    # The password works on the admin API, over HTTP and HTTPS.
    r = tern.http_request(8080, "GET", "/api/principal", auth=("admin", password))
    assert r.status == 200, r
    r = tern.http_request(8443, "GET", "/api/principal", auth=("admin", password), tls=True)
    assert r.status == 200, r
    r = tern.http_request(8080, "GET", "/api/principal", auth=("admin", password + "x"))
    assert r.status == 401, r

    # Data is SQLite under ./var; only a hash of the password is kept.
    sqlite = [p for p in var.rglob("*") if p.is_file()
              and p.read_bytes()[:16] == b"SQLite format 3\x00"]
    assert sqlite, "no SQLite database under ./var"
    assert not _files_containing(var, password.encode()), "plaintext admin password stored"
    assert password not in (cwd / "stderr.1").read_text(errors="replace"), \
        "the generated password must be printed once, not logged"

    # A self-signed certificate is generated and served on the HTTPS port.
    der1 = _served_certificate(8443)
    subject, issuer = _cert_subject_issuer(der1, cwd)
    assert subject == issuer, (subject, issuer)

    stop(proc)

    proc = start()
    second_out = (cwd / "stdout.2").read_text()
    assert password not in second_out and _generated_password(second_out) is None, \
        f"password printed again on the second start: {second_out!r}"
    r = tern.http_request(8080, "GET", "/api/principal", auth=("admin", password))
    assert r.status == 200, "the first start's password must keep working"
    assert _served_certificate(8443) == der1, "the generated certificate must be kept"
    stop(proc)


def test_embedded_default_listens_on_loopback_only(default_ternd):
    cwd, start, stop = default_ternd
    proc = start()
    try:
        addrs = set()
        for port in (8080, 8443):
            try:
                out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True,
                                     text=True).stdout
            except FileNotFoundError:
                pytest.skip("no ss here")
            for line in out.splitlines():
                addrs.add(line.split()[3].rsplit(":", 1)[0])
        if not addrs:
            pytest.skip("ss shows no sockets here")
        assert addrs <= {"127.0.0.1", "[::1]", "[::ffff:127.0.0.1]"}, addrs
    finally:
        stop(proc)


# ---------------------------------------------------------------- configuration errors

def _run_config(tmp_path, text, timeout=30):
    path = tmp_path / "bad.conf"
    path.write_text(text)
    proc = subprocess.run([tern.TERND, "--config", str(path)], capture_output=True, text=True,
                          timeout=timeout, cwd=tmp_path, stdin=subprocess.DEVNULL)
    return path, proc


def _valid_config(tmp_path):
    return (f'server = {{\n  hostname = "mail.test";\n  listener = {{\n'
            f'    http = {{ bind = [ "127.0.0.1:{tern.free_port()}" ]; protocol = "http"; }};\n'
            f'  }};\n}};\nstorage = {{ path = "{tmp_path}/data"; }};\n'
            f'authentication = {{ fallback-admin = {{ user = "admin"; secret = "pw-123456"; }}; }};\n')


def _names_line(output, line):
    return re.search(rf"(:{line}\b|line {line}\b)", output) is not None


def test_config_syntax_error_names_file_and_line(tmp_path):
    text = 'server = {\n  hostname = "mail.test";\n  listener = { http = { bind = [ "127.0.0.1:1" ] \n};\n'
    path, proc = _run_config(tmp_path, text)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert str(path) in out or path.name in out, out
    assert re.search(r"(:|line )\d+", out), out
    assert not (tmp_path / "data").exists()


def test_config_wrong_type_names_file_line_and_key(tmp_path):
    text = _valid_config(tmp_path).replace('hostname = "mail.test";', "hostname = 42;")
    path, proc = _run_config(tmp_path, text)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert path.name in out, out
    assert _names_line(out, 2), f"line 2 not named: {out}"
    assert "server.hostname" in out, out


@pytest.mark.parametrize("bad, key", [
    ('storage = { path = 5; };', "storage.path"),
    ('security = { auth-ban = { failures = "many"; }; };', "security.auth-ban.failures"),
    ('security = { auth-ban = { window = "ten minutes"; }; };', "security.auth-ban.window"),
    ('jmap = { max-size-request = "huge"; };', "jmap.max-size-request"),
    ('log = { level = "chatty"; };', "log.level"),
    ('server = { listener = { x = { bind = "127.0.0.1:1"; protocol = "gopher"; }; }; };',
     "server.listener.x.protocol"),
])
def test_config_bad_values_are_refused(tmp_path, bad, key):
    lines = _valid_config(tmp_path).splitlines()
    if key.startswith("storage."):
        lines = [line for line in lines if not line.startswith("storage")]
    if key.startswith("server."):
        lines = lines[6:]
    lines.append(bad)
    path, proc = _run_config(tmp_path, "\n".join(lines) + "\n")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert path.name in out and key in out, out
    assert _names_line(out, len(lines)), f"line {len(lines)} not named: {out}"


def test_config_missing_file_fails(tmp_path):
    proc = subprocess.run([tern.TERND, "--config", str(tmp_path / "nope.conf")],
                          capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert "nope.conf" in proc.stdout + proc.stderr


def test_unknown_key_warns_and_starts(ternd_factory):
    srv = ternd_factory(extra='frobnicate = "yes";\nserver2 = { x = 1; };')
    # an unknown key inside a known group, too
    text = srv.config_path.read_text().replace('hostname = "mail.test";',
                                               'hostname = "mail.test";\n  colour = "blue";')
    srv.config_path.write_text(text)
    srv.start()
    r = srv.request("GET", "/api/principal", auth=("admin", srv.admin_password))
    assert r.status == 200, r
    err = srv.stderr()
    for key in ("frobnicate", "server.colour", "server2"):
        assert key in err, f"no warning naming {key}: {err[-2000:]}"
    assert re.search(r"(?i)warn[^\n]*colour", err), err[-2000:]


# ---------------------------------------------------------------- signals and logging

def test_sigterm_drains_and_exits_zero(ternd_factory):
    srv = ternd_factory()
    srv.start()
    admin = srv.admin()
    admin.ensure_domain("sig.test")
    # an idle keep-alive connection must not hold the shutdown
    idle = socket.create_connection(("127.0.0.1", srv.http_port))
    idle.sendall(b"GET /.well-known/jmap HTTP/1.1\r\nHost: x\r\n\r\n")
    idle.recv(4096)
    t0 = time.monotonic()
    rc = srv.stop()
    idle.close()
    assert rc == 0, srv.stderr_tail()
    assert time.monotonic() - t0 < tern.STOP_TIMEOUT
    assert not tern.port_open(srv.http_port)
    # and the data is all there on the next start
    srv.start()
    r = srv.admin().req("GET", "/principal/sig.test")
    assert r.status == 200, r


def test_sigint_exits_zero(ternd_factory):
    srv = ternd_factory()
    srv.start()
    srv.proc.send_signal(signal.SIGINT)
    assert srv.proc.wait(tern.STOP_TIMEOUT) == 0, srv.stderr_tail()
    srv.expected_exit = True


def test_log_lines_are_key_value(ternd_factory):
    srv = ternd_factory(log_file=True)
    srv.start()
    srv.request("GET", "/.well-known/jmap")
    srv.stop()
    lines = srv.log_file.read_text().splitlines()
    assert lines, "nothing logged to log.file"
    bad = [line for line in lines if not LOG_LINE.match(line)]
    assert not bad, bad[:5]


def test_sighup_reopens_log_file(ternd_factory):
    srv = ternd_factory(log_file=True)
    srv.start()
    log = srv.log_file
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (log.exists() and log.stat().st_size > 0):
        time.sleep(0.1)
    assert log.exists() and log.stat().st_size > 0, "nothing logged at start"
    rotated = log.with_name("ternd.log.1")
    os.rename(log, rotated)
    before = rotated.read_text()

    srv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not log.exists():
        time.sleep(0.1)
    assert log.exists(), "SIGHUP did not reopen the log file"
    assert srv.proc.poll() is None, "SIGHUP must not stop ternd"

    # more events go to the new file, not the rotated one
    for _ in range(3):
        srv.request("GET", "/api/principal", auth=("admin", "wrong-password"))
    rc = srv.stop()
    assert rc == 0
    new = log.read_text()
    assert new.strip(), "the reopened log file stayed empty"
    assert all(LOG_LINE.match(line) for line in new.splitlines()), new
    assert "stop" in new, f"the shutdown was not logged to the new file: {new}"
    after = rotated.read_text()
    assert after.startswith(before)
    assert "stop" not in after[len(before):], "events still went to the rotated file"


# ---------------------------------------------------------------- TLS and command line

def _make_cert(tmp_path, cn):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", f"/CN={cn}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def test_configured_certificate_is_served(ternd_factory, tmp_path):
    cert, key = _make_cert(tmp_path, "configured.test")
    srv = ternd_factory(server_extra={"tls": {"certificate": str(cert),
                                              "private-key": str(key)}})
    srv.start()
    subject, issuer = _cert_subject_issuer(_served_certificate(srv.https_port), tmp_path)
    assert "configured.test" in subject, subject
    assert not (srv.data / "tls-cert.pem").exists(), "made a self-signed pair despite the config"
    r = srv.request("GET", "/api/principal", auth=("admin", srv.admin_password), tls=True)
    assert r.status == 200, r


def test_self_signed_certificate_names_the_hostname(ternd_factory, tmp_path):
    srv = ternd_factory()
    srv.start()
    subject, issuer = _cert_subject_issuer(_served_certificate(srv.https_port), tmp_path)
    assert "mail.test" in subject and subject == issuer, (subject, issuer)


def test_tls_needs_both_files(tmp_path):
    cert, _ = _make_cert(tmp_path, "half.test")
    text = _valid_config(tmp_path).replace(
        'hostname = "mail.test";', f'hostname = "mail.test";\n  tls = {{ certificate = "{cert}"; }};')
    path, proc = _run_config(tmp_path, text)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "private-key" in out, out


def test_unreadable_certificate_fails_start(tmp_path):
    text = _valid_config(tmp_path).replace(
        'hostname = "mail.test";',
        f'hostname = "mail.test";\n  tls = {{ certificate = "{tmp_path}/none.pem"; '
        f'private-key = "{tmp_path}/none.key"; }};').replace(
        '    http = {', f'    https = {{ bind = [ "127.0.0.1:{tern.free_port()}" ]; '
        'protocol = "http"; tls = { implicit = true; }; };\n    http = {')
    _, proc = _run_config(tmp_path, text)
    assert proc.returncode != 0
    assert "none.pem" in proc.stdout + proc.stderr


def test_check_option(tmp_path):
    good = tmp_path / "good.conf"
    good.write_text(_valid_config(tmp_path))
    proc = subprocess.run([tern.TERND, "--config", str(good), "--check"], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert not (tmp_path / "data").exists(), "--check must not start anything"
    bad = tmp_path / "bad.conf"
    bad.write_text(_valid_config(tmp_path) + "log = { level = 3; };\n")
    proc = subprocess.run([tern.TERND, "--config", str(bad), "--check"], capture_output=True,
                          text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0 and "log.level" in proc.stderr + proc.stdout


def test_unknown_argument_fails(tmp_path):
    proc = subprocess.run([tern.TERND, "--frobnicate"], capture_output=True, text=True,
                          timeout=30, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert proc.returncode != 0
    assert not (tmp_path / "var").exists()


def test_log_level_warn_drops_info(ternd_factory):
    srv = ternd_factory(log_file=True, log_level="warn")
    srv.start()
    srv.request("GET", "/.well-known/jmap")
    srv.admin().ensure_domain("quiet.test")
    srv.stop()
    text = srv.log_file.read_text() if srv.log_file.exists() else ""
    assert "level=info" not in text and "level=debug" not in text, text


def test_garbage_on_the_wire_does_not_hurt(server):
    payloads = [b"\x00\x01\x02 garbage\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                b"POST /jmap/ HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
                b"POST /jmap/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999\r\n\r\n",
                b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n\r\n",
                b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"b" * 100000 + b"\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64]
    for payload in payloads:
        with socket.create_connection(("127.0.0.1", server.http_port), timeout=10) as s:
            try:
                s.sendall(payload)
                s.recv(4096)
            except OSError:
                pass
    with socket.create_connection(("127.0.0.1", server.https_port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        try:
            s.recv(4096)
        except OSError:
            pass
    r = server.request("GET", "/api/principal", auth=("admin", server.admin_password))
    assert r.status == 200, r
    r = server.request("GET", "/api/principal", auth=("admin", server.admin_password), tls=True)
    assert r.status == 200, r
