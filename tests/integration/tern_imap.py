"""IMAP helpers for the integration tests: imaplib clients on a test
server's listeners, raw() to send exact bytes on an imaplib connection,
and Raw, a socket client that reads responses line by line (literals
included), with COMPRESS=DEFLATE.

Only the standard library is used."""
import imaplib
import re
import socket
import time
import zlib

import tern

TIMEOUT = 30


def client(srv, tls=False):
    """An imaplib client on the plain or the implicit-TLS listener."""
    if tls:
        return imaplib.IMAP4_SSL("127.0.0.1", srv.imaps_port, ssl_context=tern.tls_context(),
                                 timeout=TIMEOUT)
    return imaplib.IMAP4("127.0.0.1", srv.imap_port, timeout=TIMEOUT)


def login(srv, acct, tls=False):
    m = client(srv, tls)
    typ, _ = m.login(acct.name, acct.password)
    assert typ == "OK"
    return m


def check(result):
    """imaplib's (typ, data) must be OK; returns data."""
    typ, data = result
    assert typ == "OK", (typ, data)
    return data


def select(imap, mailbox="INBOX"):
    """SELECT through imaplib; returns the number of messages."""
    typ, data = imap.select(mailbox)
    assert typ == "OK", data
    return int(data[0])


def _response_line(imap):
    """One response line from imaplib's connection, CRLF gone, literals
    kept inline as "{n}\r\n" + their bytes."""
    line = imap.readline()
    if not line:
        raise EOFError("connection closed")
    line = line.rstrip(b"\r\n")
    while True:
        m = re.search(rb"~?\{(\d+)\}$", line)
        if m is None:
            return line
        data = imap.read(int(m.group(1)))
        line += b"\r\n" + data + imap.readline().rstrip(b"\r\n")


def raw(imap, text, data=b""):
    """Sends "<tag> " + text + data + CRLF on an imaplib client's
    connection, as is. Returns (status, the rest of the tagged line, the
    untagged responses as bytes without "* ")."""
    tag = imap._new_tag()
    if isinstance(text, str):
        text = text.encode()
    imap.send(tag + b" " + text + data + b"\r\n")
    untagged = []
    while True:
        line = _response_line(imap)
        if line.startswith(tag + b" "):
            status, _, rest = line[len(tag) + 1:].partition(b" ")
            return status.decode(), rest.decode("utf-8", "replace"), untagged
        if line.startswith(b"* "):
            untagged.append(line[2:])


def ok(imap, text):
    """raw() that must answer OK; returns the untagged responses."""
    status, rest, untagged = raw(imap, text)
    assert status == "OK", (text, status, rest)
    return untagged


class Raw:
    """A line-level IMAP client: what is sent and read is exactly bytes."""

    def __init__(self, srv, tls=False, port=None):
        port = port or (srv.imaps_port if tls else srv.imap_port)
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        if tls:
            sock = tern.tls_context().wrap_socket(sock)
        self.sock = sock
        self.buf = b""
        self.count = 0
        self.deflate = None
        self.inflate = None
        self.greeting = self.line()

    # -- bytes
    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        if self.deflate is not None:
            data = self.deflate.compress(data) + self.deflate.flush(zlib.Z_SYNC_FLUSH)
        self.sock.sendall(data)

    def _fill(self, timeout):
        self.sock.settimeout(timeout)
        got = self.sock.recv(65536)
        if not got:
            raise EOFError("connection closed")
        if self.inflate is not None:
            got = self.inflate.decompress(got)
        self.buf += got

    def _raw_line(self, timeout):
        while b"\r\n" not in self.buf:
            self._fill(timeout)
        line, _, self.buf = self.buf.partition(b"\r\n")
        return line

    def line(self, timeout=TIMEOUT):
        """The next response line as str; a literal ({n} at the end) is
        read in with the rest of its line."""
        out = self._raw_line(timeout)
        while True:
            m = re.search(rb"~?\{(\d+)\}$", out)
            if not m:
                return out.decode("utf-8", "replace")
            n = int(m.group(1))
            while len(self.buf) < n:
                self._fill(timeout)
            out += b"\r\n" + self.buf[:n]
            self.buf = self.buf[n:]
            out += self._raw_line(timeout)

    def closed(self, timeout=5):
        """True once the server closed the connection (after any output)."""
        try:
            while True:
                self._fill(timeout)
                self.buf = b""
        except (EOFError, ConnectionResetError):
            return True
        except socket.timeout:
            return False

    # -- commands
    def tag(self):
        self.count += 1
        return f"t{self.count}"

    def read_tagged(self, tag, timeout=TIMEOUT):
        """(untagged and continuation lines, the tagged line)."""
        lines = []
        while True:
            line = self.line(timeout)
            if line.startswith(tag + " "):
                return lines, line
            lines.append(line)

    def cmd(self, text, timeout=TIMEOUT):
        tag = self.tag()
        self.send(f"{tag} {text}\r\n")
        return self.read_tagged(tag, timeout)

    def ok(self, text):
        lines, tagged = self.cmd(text)
        assert tagged.split(" ")[1] == "OK", (text, lines, tagged)
        return lines

    def login(self, acct):
        self.ok(f"LOGIN {quote(acct.name)} {quote(acct.password)}")
        return self

    def compress(self):
        lines, tagged = self.cmd("COMPRESS DEFLATE")
        assert " OK " in tagged, tagged
        assert not self.buf
        self.deflate = zlib.compressobj(wbits=-15)
        self.inflate = zlib.decompressobj(wbits=-15)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def raw_login(srv, acct, tls=False):
    return Raw(srv, tls).login(acct)


def wait_line(raw, pattern, timeout):
    """Reads lines until one matches pattern (a regex); returns (line,
    seconds waited). Fails after timeout."""
    start = time.monotonic()
    seen = []
    while True:
        left = timeout - (time.monotonic() - start)
        assert left > 0, f"no line matching {pattern!r} within {timeout}s: {seen}"
        try:
            line = raw.line(left)
        except socket.timeout:
            continue
        seen.append(line)
        if re.search(pattern, line):
            return line, time.monotonic() - start


def untagged(lines, kind):
    """The untagged lines of kind ("LIST", "STATUS", "FETCH" ...)."""
    out = []
    for line in lines:
        parts = line.split(" ", 2)
        if parts[0] == "*" and (parts[1] == kind or (len(parts) > 2 and
                                                     parts[2].split(" ", 1)[0] == kind)):
            out.append(line)
    return out


def list_names(lines, kind="LIST"):
    """name -> attribute set from "* LIST (attrs) "/" name" lines."""
    out = {}
    for line in untagged(lines, kind):
        m = re.match(r'\* \w+ \(([^)]*)\) (?:"/"|NIL) (?:"((?:[^"\\]|\\.)*)"|(\S+))(.*)$', line)
        assert m, line
        name = m.group(2) if m.group(2) is not None else m.group(3)
        out[name.replace('\\"', '"').replace("\\\\", "\\")] = set(m.group(1).split())
    return out
