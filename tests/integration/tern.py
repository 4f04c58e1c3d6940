"""Drives a real ternd for the integration tests: start and stop it, talk
HTTP, JMAP and the admin API to it, run ternctl against it.

Only the standard library is used, so the tests need nothing but pytest."""
import base64
import collections
import http.client
import json
import os
import re
import secrets
import select
import signal
import socket
import ssl
import subprocess
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TERND = os.environ.get("TERND") or str(ROOT / "build-test" / "ternd")
TERNCTL = os.environ.get("TERNCTL") or str(ROOT / "build-test" / "ternctl")

CORE = "urn:ietf:params:jmap:core"
MAIL = "urn:ietf:params:jmap:mail"
USING = [CORE, MAIL]
ERR = "urn:ietf:params:jmap:error:"

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")
# Sanitized binaries are slow to start and to stop (leak check at exit).
START_TIMEOUT = 60
STOP_TIMEOUT = 20
HTTP_TIMEOUT = 60


# Ports handed out lately: a port closed a moment ago can come back from
# bind(0) at once, and two listeners of one server (or two servers of one
# test) must not be given the same one.
_recent_ports = collections.deque(maxlen=1024)


def free_ports(count):
    """count distinct loopback ports, free now and not handed out lately.
    Every candidate stays bound until all are chosen, so the kernel
    cannot give one twice."""
    socks, ports = [], []
    try:
        while len(ports) < count and len(socks) < count + 2048:
            s = socket.socket()
            socks.append(s)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            if port not in _recent_ports:
                ports.append(port)
    finally:
        for s in socks:
            s.close()
    if len(ports) < count:
        raise RuntimeError("no free loopback ports")
    _recent_ports.extend(ports)
    return ports


def free_port():
    return free_ports(1)[0]


def port_open(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return "Basic " + token


def jmap_id_ok(s):
    """RFC 8620 §1.2: 1-255 octets of URL-safe base64 characters."""
    return isinstance(s, str) and re.fullmatch(r"[A-Za-z0-9_-]{1,255}", s) is not None


def unique(prefix="u"):
    return prefix + uuid.uuid4().hex[:10]


def tls_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers          # list of (name, value)
        self.body = body

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise AssertionError(f"HTTP {self.status}: body is not JSON ({e}): {self.body[:300]!r}")

    def __repr__(self):
        return f"<Response {self.status} {self.body[:200]!r}>"


def http_request(port, method, path, body=None, headers=None, auth=None, tls=False,
                 source=None, timeout=HTTP_TIMEOUT):
    """One request on a fresh connection. auth is (user, password) or a
    ready Authorization value; a dict or list body is sent as JSON."""
    hdrs = dict(headers or {})
    if isinstance(auth, tuple):
        hdrs["Authorization"] = basic(*auth)
    elif isinstance(auth, str):
        hdrs["Authorization"] = auth
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode()
        hdrs.setdefault("Content-Type", "application/json")
    elif isinstance(body, str):
        body = body.encode()
    src = (source, 0) if source else None
    if tls:
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=timeout,
                                           context=tls_context(), source_address=src)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout, source_address=src)
    try:
        conn.request(method, path, body=body, headers=hdrs)
        r = conn.getresponse()
        data = r.read()
        return Response(r.status, r.reason, r.getheaders(), data)
    finally:
        conn.close()


def _parse_raw_response(data):
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3}) ?(.*)", lines[0])
    if not m:
        raise AssertionError(f"no HTTP response: {data[:200]!r}")
    headers = []
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers.append((k.strip(), v.strip()))
    return int(m.group(1)), m.group(2), headers, body


def _raw_response_complete(data):
    if b"\r\n\r\n" not in data:
        return False
    _, _, headers, body = _parse_raw_response(data)
    length = next((v for k, v in headers if k.lower() == "content-length"), None)
    return length is not None and len(body) >= int(length)


def _body_pieces(total, prefix, suffix, fill):
    yield prefix
    left = total - len(prefix) - len(suffix)
    chunk = fill * 65536
    while left > 0:
        n = min(left, len(chunk))
        yield chunk[:n]
        left -= n
    yield suffix


def send_oversized(port, method, path, total_size, headers=None, auth=None,
                   prefix=b"", suffix=b"", fill=b"a", timeout=HTTP_TIMEOUT):
    """Sends a body of total_size bytes (prefix, filler, suffix) and
    returns the response. Stops sending as soon as the server answers, so
    an early 413 is read rather than lost to a reset connection."""
    hdrs = dict(headers or {})
    if auth:
        hdrs["Authorization"] = basic(*auth)
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    head += f"Content-Length: {total_size}\r\nConnection: close\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in hdrs.items()) + "\r\n"
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    data = b""
    try:
        sock.sendall(head.encode())
        pieces = _body_pieces(total_size, prefix, suffix, fill)
        buf = b""
        while True:
            if not buf:
                buf = next(pieces, None)
                if buf is None:
                    break
                continue
            readable, writable, _ = select.select([sock], [sock], [], timeout)
            if readable or not writable:
                break
            try:
                buf = buf[sock.send(buf):]
            except (BrokenPipeError, ConnectionResetError):
                break
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not _raw_response_complete(data):
            try:
                got = sock.recv(65536)
            except ConnectionResetError:
                break
            if not got:
                break
            data += got
    finally:
        sock.close()
    status, reason, headers, body = _parse_raw_response(data)
    return Response(status, reason, headers, body)


# ---------------------------------------------------------------- ternd

def libconfig_value(v):
    """A Python value in libconfig syntax (dicts become groups)."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "{ " + " ".join(f"{k} = {libconfig_value(x)};" for k, x in v.items()) + " }"
    if isinstance(v, list):
        return "[ " + ", ".join(libconfig_value(x) for x in v) + " ]"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


def config_text(srv, log_file=None, ban=None, jmap=None, extra="", server_extra=None,
                log_level="info", auth=None):
    """A configuration for srv (a Ternd): its ports, data dir, admin.
    server_extra and auth are dicts of further settings in the server and
    authentication groups."""
    ban = dict({"failures": 100000, "window": "10m", "duration": "1h"}, **(ban or {}))
    out = [
        "# written by tests/integration/tern.py",
        "server = {",
        '  hostname = "mail.test";',
    ]
    out += [f"  {k} = {libconfig_value(v)};" for k, v in (server_extra or {}).items()]
    out += [
        "  listener = {",
        f'    http = {{ bind = [ "127.0.0.1:{srv.http_port}" ]; protocol = "http"; }};',
        f'    https = {{ bind = [ "127.0.0.1:{srv.https_port}" ]; protocol = "http"; '
        "tls = { implicit = true; }; };",
        f'    imap = {{ bind = [ "127.0.0.1:{srv.imap_port}" ]; protocol = "imap"; }};',
        f'    imaps = {{ bind = [ "127.0.0.1:{srv.imaps_port}" ]; protocol = "imap"; '
        "tls = { implicit = true; }; };",
        f'    pop3 = {{ bind = [ "127.0.0.1:{srv.pop3_port}" ]; protocol = "pop3"; }};',
        f'    pop3s = {{ bind = [ "127.0.0.1:{srv.pop3s_port}" ]; protocol = "pop3"; '
        "tls = { implicit = true; }; };",
        f'    smtp = {{ bind = [ "127.0.0.1:{srv.smtp_port}" ]; protocol = "smtp"; }};',
        f'    submission = {{ bind = [ "127.0.0.1:{srv.submission_port}" ]; protocol = "smtp"; '
        "submission = true; };",
        f'    submissions = {{ bind = [ "127.0.0.1:{srv.submissions_port}" ]; protocol = "smtp"; '
        "submission = true; tls = { implicit = true; }; };",
        "  };",
        "};",
        f'storage = {{ path = "{srv.data}"; }};',
        f'authentication = {{ fallback-admin = {{ user = "admin"; secret = "{srv.admin_password}"; }};'
        + "".join(f" {k} = {libconfig_value(v)};" for k, v in (auth or {}).items()) + " };",
    ]
    if log_file:
        out.append(f'log = {{ level = "{log_level}"; file = "{log_file}"; }};')
    out.append(f"security = {{ auth-ban = {libconfig_value(ban)}; }};")
    if jmap:
        out.append(f"jmap = {libconfig_value(jmap)};")
    if "resolver" not in extra:
        # Tests never ask the network's DNS: an empty zone answers
        # NXDOMAIN for every name unless a test brings its own zone.
        zone = srv.dir / "empty.zone"
        zone.write_text("")
        out.append(f'resolver = {{ zone-file = "{zone}"; }};')
    if extra:
        out.append(extra)
    return "\n".join(out) + "\n"


class Ternd:
    """One ternd process (and its restarts) over one data directory."""

    def __init__(self, workdir, log_file=False, ban=None, jmap=None, extra="", server_extra=None,
                 log_level="info", auth=None):
        self.dir = Path(workdir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.data = self.dir / "data"
        (self.http_port, self.https_port, self.imap_port, self.imaps_port, self.pop3_port,
         self.pop3s_port, self.smtp_port, self.submission_port,
         self.submissions_port) = free_ports(9)
        self.admin_password = secrets.token_urlsafe(18)
        self.log_file = self.dir / "ternd.log" if log_file else None
        self.config_path = self.dir / "ternd.conf"
        self.config_path.write_text(config_text(self, self.log_file, ban, jmap, extra,
                                                server_extra, log_level, auth))
        self.proc = None
        self.runs = 0
        self.stderr_paths = []
        self.stdout_paths = []
        self.exit_codes = []
        self.domains = set()
        self.expected_exit = False

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.runs += 1
        self.expected_exit = False
        out = self.dir / f"stdout.{self.runs}.log"
        err = self.dir / f"stderr.{self.runs}.log"
        self.stdout_paths.append(out)
        self.stderr_paths.append(err)
        with open(out, "wb") as o, open(err, "wb") as e:
            self.proc = subprocess.Popen([TERND, "--config", str(self.config_path)],
                                         cwd=self.dir, stdout=o, stderr=e,
                                         stdin=subprocess.DEVNULL)
        wait_listening(self.proc, [self.http_port, self.https_port, self.imap_port,
                                   self.imaps_port, self.pop3_port, self.pop3s_port,
                                   self.smtp_port, self.submission_port,
                                   self.submissions_port], err)
        return self

    def stop(self, timeout=STOP_TIMEOUT):
        """SIGTERM by PID; returns the exit code (None if it hung)."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.expected_exit = True
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            rc = None
        self.exit_codes.append(rc)
        return rc

    def kill9(self):
        self.expected_exit = True
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(STOP_TIMEOUT)
        self.exit_codes.append("SIGKILL")

    def restart(self):
        rc = self.stop()
        assert rc == 0, f"ternd exited with {rc} on SIGTERM\n{self.stderr_tail()}"
        return self.start()

    def stdout(self, run=-1):
        return self.stdout_paths[run].read_text(errors="replace")

    def stderr(self, run=-1):
        return self.stderr_paths[run].read_text(errors="replace")

    def stderr_tail(self, n=40):
        if not self.stderr_paths:
            return ""
        return "\n".join(self.stderr().splitlines()[-n:])

    def log_text(self):
        """Everything ternd logged, wherever it logged it."""
        text = "".join(p.read_text(errors="replace") for p in self.stderr_paths)
        if self.log_file:
            for p in self.dir.glob("ternd.log*"):
                text += p.read_text(errors="replace")
        return text

    def sanitizer_reports(self):
        found = []
        for p in self.stderr_paths:
            text = p.read_text(errors="replace")
            for line in text.splitlines():
                if any(m in line for m in SANITIZER_MARKS):
                    found.append(f"{p.name}: {line}")
        return found

    def finish(self):
        """Stops the server and returns a list of problems: an unclean
        exit, or sanitizer reports seen on stderr at any time."""
        problems = []
        if self.proc is not None and self.proc.poll() is None:
            rc = self.stop()
            if rc != 0:
                problems.append(f"ternd exited with {rc} on SIGTERM (expected 0)")
        elif self.proc is not None and not self.expected_exit:
            problems.append(f"ternd died on its own with exit code {self.proc.returncode}")
        reports = self.sanitizer_reports()
        if reports:
            problems.append("sanitizer reports:\n" + "\n".join(reports[:20]))
        if problems:
            problems.append("stderr tail:\n" + self.stderr_tail())
        return problems

    # -- clients
    def request(self, method, path, **kw):
        tls = kw.pop("tls", False)
        return http_request(self.https_port if tls else self.http_port, method, path, tls=tls, **kw)

    def admin(self, user="admin", password=None):
        return Admin(self, user, password or self.admin_password)

    def jmap(self, user, password, tls=False):
        return Jmap(self, user, password, tls)


def wait_listening(proc, ports, stderr_path, timeout=START_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ternd exited with {proc.returncode} before listening:\n"
                                 + Path(stderr_path).read_text(errors="replace")[-4000:])
        if all(port_open(p) for p in ports):
            return
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"ternd did not listen on {ports} within {timeout}s")


# ---------------------------------------------------------------- admin API

class Admin:
    def __init__(self, srv, user, password):
        self.srv = srv
        self.auth = (user, password)

    def req(self, method, path, body=None, headers=None, auth="default"):
        return self.srv.request(method, "/api" + path, body=body, headers=headers,
                                auth=self.auth if auth == "default" else auth)

    def ok(self, method, path, body=None, status=200):
        r = self.req(method, path, body)
        assert r.status == status, f"{method} /api{path}: {r.status} {r.body[:500]!r}"
        return r.json()["data"]

    def create_domain(self, name):
        return self.ok("POST", "/principal", {"type": "domain", "name": name}, 201)

    def ensure_domain(self, name):
        if name not in self.srv.domains:
            r = self.req("POST", "/principal", {"type": "domain", "name": name})
            assert r.status in (201, 409), r
            self.srv.domains.add(name)

    def create_user(self, name, secrets_, emails, **extra):
        body = {"type": "individual", "name": name, "secrets": secrets_, "emails": emails, "quota": 0}
        body.update(extra)
        return self.ok("POST", "/principal", body, 201)


class Account:
    """A user with its JMAP client."""

    def __init__(self, srv, principal, password, address):
        self.srv = srv
        self.principal = principal
        self.name = principal["name"]
        self.password = password
        self.address = address
        self.id = principal["accountId"]
        self.jmap = srv.jmap(self.name, password)

    def ok(self, method, args=None, using=USING):
        return self.jmap.ok(method, self._args(method, args), using)

    def error(self, method, args=None, using=USING):
        return self.jmap.error(method, self._args(method, args), using)

    def _args(self, method, args):
        args = dict(args or {})
        if method != "Core/echo" and "accountId" not in args:
            args["accountId"] = self.id
        return args


def new_account(srv, domain="acct.test", prefix="u", role=None):
    admin = srv.admin()
    admin.ensure_domain(domain)
    name = unique(prefix)
    password = secrets.token_urlsafe(12)
    extra = {"role": role} if role else {}
    p = admin.create_user(name, [password], [f"{name}@{domain}"], **extra)
    return Account(srv, p, password, f"{name}@{domain}")


# ---------------------------------------------------------------- JMAP

class Jmap:
    def __init__(self, srv, user, password, tls=False):
        self.srv = srv
        self.auth = (user, password)
        self.tls = tls

    def get_session(self):
        return self.srv.request("GET", "/.well-known/jmap", auth=self.auth, tls=self.tls)

    def session(self):
        r = self.get_session()
        assert r.status == 200, r
        return r.json()

    def post(self, body, headers=None, auth="default"):
        return self.srv.request("POST", "/jmap/", body=body, headers=headers, tls=self.tls,
                                auth=self.auth if auth == "default" else auth)

    def request(self, calls, using=USING, created_ids=None):
        body = {"using": using, "methodCalls": calls}
        if created_ids is not None:
            body["createdIds"] = created_ids
        r = self.post(body)
        assert r.status == 200, r
        return r.json()

    def call(self, method, args, using=USING):
        resp = self.request([[method, args, "c0"]], using)["methodResponses"]
        assert len(resp) == 1 and resp[0][2] == "c0", resp
        return resp[0][0], resp[0][1]

    def ok(self, method, args, using=USING):
        name, out = self.call(method, args, using)
        assert name == method, f"{method} failed: {name} {out}"
        return out

    def error(self, method, args, using=USING):
        name, out = self.call(method, args, using)
        assert name == "error", f"{method} should have failed: {out}"
        return out["type"]


def problem(r, status=400):
    """Checks an RFC 7807 problem details response; returns the object."""
    assert r.status == status, r
    ctype = r.header("Content-Type", "")
    assert ctype.startswith("application/problem+json"), ctype
    return r.json()


# ---------------------------------------------------------------- ternctl

def ternctl(srv, *args, env=None, timeout=60, connection=True, password=None):
    """Runs ternctl. The connection goes through the documented options
    before the command (connection=True) or only through env."""
    cmd = [TERNCTL]
    if connection:
        cmd += ["--url", f"http://127.0.0.1:{srv.http_port}", "--user", "admin",
                "--password", password or srv.admin_password]
    cmd += list(args)
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=full_env,
                          stdin=subprocess.DEVNULL)


def ternctl_env(srv, password=None):
    return {"TERN_URL": f"http://127.0.0.1:{srv.http_port}", "TERN_USER": "admin",
            "TERN_PASSWORD": password or srv.admin_password}
