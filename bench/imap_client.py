#!/usr/bin/python3
"""The IMAP benchmark's client, run the same way against ternd and
Dovecot (bench/imap.sh). A small raw-socket IMAP client: it reads
responses line by line, skipping literals, so that the client's own
parsing costs little next to the server's work.

    imap_client.py load HOST PORT USER PASS CORPUS COUNT
        APPEND COUNT messages of the corpus (bench/gen_corpus.py) to INBOX.
    imap_client.py ops HOST PORT USER PASS SECONDS WORKERS COUNT
        For each operation, WORKERS processes repeat it for SECONDS on
        the COUNT-message INBOX; prints "op ops_per_second" lines.
    imap_client.py idle HOST PORT USER PASS COUNT
        Opens COUNT connections, each logged in, INBOX selected, in IDLE;
        prints "ready", holds them until stdin closes or a line arrives."""
import multiprocessing
import os
import random
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_corpus import read_corpus  # noqa: E402

WORDS = ["meeting", "budget", "invoice", "workshop", "roadmap", "release", "contract"]


class Imap:
    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        # unread input is buf[pos:]: lines are taken by moving pos, not by
        # copying the rest of a large response once per line
        self.buf = b""
        self.pos = 0
        self.seq = 0
        self.line()  # greeting

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("server closed the connection")
        self.buf = self.buf[self.pos:] + data
        self.pos = 0

    def line(self):
        while True:
            i = self.buf.find(b"\r\n", self.pos)
            if i >= 0:
                out, self.pos = self.buf[self.pos:i], i + 2
                return out
            self._fill()

    def skip(self, n):
        while len(self.buf) - self.pos < n:
            self._fill()
        self.pos += n

    def send(self, text):
        self.sock.sendall(text.encode() if isinstance(text, str) else text)

    def cmd(self, text, literal=None):
        """Sends "tag text" and reads to the tagged reply; returns the
        untagged line count. A literal is sent after the server's "+"."""
        self.seq += 1
        tag = b"b%d" % self.seq
        if literal is None:
            self.send(tag + b" " + text.encode() + b"\r\n")
        else:
            self.send(tag + b" " + text.encode() + b" {%d}\r\n" % len(literal))
            while not self.line().startswith(b"+"):
                pass
            self.send(literal + b"\r\n")
        count = 0
        while True:
            ln = self.line()
            if ln.endswith(b"}"):
                j = ln.rfind(b"{")
                if j >= 0 and ln[j + 1:-1].rstrip(b"+").isdigit():
                    self.skip(int(ln[j + 1:-1].rstrip(b"+")))
                    # the rest of the response follows the literal
                    continue
            if ln.startswith(tag + b" "):
                if not ln[len(tag) + 1:].startswith(b"OK"):
                    raise RuntimeError(ln.decode(errors="replace"))
                return count
            count += 1

    def login(self, user, password):
        self.cmd(f'LOGIN "{user}" "{password}"')

    def close(self):
        try:
            self.cmd("LOGOUT")
        except (EOFError, OSError, RuntimeError):
            pass
        self.sock.close()


def load(host, port, user, password, corpus, count):
    c = Imap(host, port)
    c.login(user, password)
    start = time.monotonic()
    for _i, _received, raw in read_corpus(corpus, 0, count):
        c.cmd("APPEND INBOX ()", raw)
    elapsed = time.monotonic() - start
    c.close()
    print(f"appended {count} in {elapsed:.1f} s ({count / elapsed:.0f}/s)")


def op_login(c, env):
    d = Imap(env["host"], env["port"])
    d.login(env["user"], env["password"])
    d.close()


def op_select(c, env):
    c.cmd("SELECT INBOX")


def op_fetch_flags(c, env):
    n = c.cmd("FETCH 1:* (FLAGS UID)")
    assert n >= env["count"], n


def op_fetch_bodies(c, env):
    uids = ",".join(str(random.randint(1, env["count"])) for _ in range(10))
    c.cmd(f"UID FETCH {uids} (BODY.PEEK[])")


def op_search(c, env):
    c.cmd(f"SEARCH TEXT {random.choice(WORDS)}")


def op_store(c, env):
    uid = random.randint(1, env["count"])
    sign = random.choice("+-")
    c.cmd(f"UID STORE {uid} {sign}FLAGS.SILENT (\\Flagged)")


def op_idle(c, env):
    c.seq += 1
    tag = b"i%d" % c.seq
    c.send(tag + b" IDLE\r\n")
    while not c.line().startswith(b"+"):
        pass
    c.send(b"DONE\r\n")
    while not c.line().startswith(tag + b" OK"):
        pass


OPS = [("login", op_login), ("select", op_select), ("fetch_flags", op_fetch_flags),
       ("fetch_bodies", op_fetch_bodies), ("search_text", op_search), ("store", op_store),
       ("idle", op_idle)]


def worker(args):
    fn, env, seconds = args
    random.seed(os.getpid())
    c = Imap(env["host"], env["port"])
    c.login(env["user"], env["password"])
    c.cmd("SELECT INBOX")
    done = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        fn(c, env)
        done += 1
    c.close()
    return done


def ops(host, port, user, password, seconds, workers, count):
    env = {"host": host, "port": port, "user": user, "password": password, "count": count}
    with multiprocessing.Pool(workers) as pool:
        for name, fn in OPS:
            start = time.monotonic()
            done = sum(pool.map(worker, [(fn, env, seconds)] * workers))
            elapsed = time.monotonic() - start
            print(f"{name} {done / elapsed:.1f}", flush=True)


def idle(host, port, user, password, count):
    conns = []
    for _ in range(count):
        c = Imap(host, port)
        c.login(user, password)
        c.cmd("SELECT INBOX")
        c.send(b"idle IDLE\r\n")
        while not c.line().startswith(b"+"):
            pass
        conns.append(c)
    print("ready", flush=True)
    sys.stdin.readline()
    for c in conns:
        c.sock.close()


def main(argv):
    mode, host, port, user, password = argv[1], argv[2], int(argv[3]), argv[4], argv[5]
    if mode == "load":
        load(host, port, user, password, argv[6], int(argv[7]))
    elif mode == "ops":
        ops(host, port, user, password, float(argv[6]), int(argv[7]), int(argv[8]))
    elif mode == "idle":
        idle(host, port, user, password, int(argv[6]))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
