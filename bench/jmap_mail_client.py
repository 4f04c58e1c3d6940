#!/usr/bin/python3
"""The client side of bench/jmap_mail.sh, standard library only.

    jmap_mail_client.py import CORPUS COUNT --workers 2 --batch 200
        Imports the first COUNT messages of a gen_corpus.py file into the
        Inbox: each request is Blob/upload of the batch's messages as
        inline data (RFC 9404) and Email/import of "#b<i>" in the same
        request. Worker processes each own one keep-alive connection and
        build their request bodies before the clock starts. Prints
        "imported N in S s" and a JSON line.

    jmap_mail_client.py latency --runs 200 --words w1,w2,...
        Times, one request at a time on one connection: the Inbox page
        (Email/query inMailbox, receivedAt descending, limit 50, chained
        to Email/get of what a message list shows) and a full-text
        Email/query (text: a word, limit 50). Prints a JSON line.

The server, the user and the password come from TERN_BENCH_URL,
TERN_BENCH_USER and TERN_BENCH_PASSWORD."""
import argparse
import base64
import http.client
import json
import multiprocessing
import os
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gen_corpus  # noqa: E402

USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:blob"]
LIST_PROPS = ["threadId", "mailboxIds", "keywords", "from", "subject", "receivedAt", "preview",
              "hasAttachment", "size"]


class Client:
    def __init__(self):
        url = urllib.parse.urlsplit(os.environ["TERN_BENCH_URL"])
        self.host, self.port = url.hostname, url.port
        token = f"{os.environ['TERN_BENCH_USER']}:{os.environ['TERN_BENCH_PASSWORD']}"
        self.headers = {"Authorization": "Basic " + base64.b64encode(token.encode()).decode(),
                        "Content-Type": "application/json"}
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=600)

    def get(self, path):
        self.conn.request("GET", path, headers=self.headers)
        r = self.conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {body[:300]!r}")
        return json.loads(body)

    def post(self, body):
        """body: bytes of a JMAP request; returns methodResponses."""
        self.conn.request("POST", "/jmap/", body=body, headers=self.headers)
        r = self.conn.getresponse()
        data = r.read()
        if r.status != 200:
            raise RuntimeError(f"POST /jmap/: {r.status} {data[:300]!r}")
        out = json.loads(data)["methodResponses"]
        for name, args, _ in out:
            if name == "error":
                raise RuntimeError(f"JMAP error: {args}")
        return out

    def call(self, calls):
        return self.post(json.dumps({"using": USING, "methodCalls": calls}).encode())


def session_info(client):
    s = client.get("/.well-known/jmap")
    account = s["primaryAccounts"]["urn:ietf:params:jmap:mail"]
    out = client.call([["Mailbox/query", {"accountId": account, "filter": {"role": "inbox"}}, "0"]])
    return account, out[0][1]["ids"][0]


def import_body(account, inbox, batch):
    blobs, emails = {}, {}
    for index, received, raw in batch:
        try:
            data = {"data:asText": raw.decode()}
        except UnicodeDecodeError:
            data = {"data:asBase64": base64.b64encode(raw).decode()}
        blobs[f"b{index}"] = {"data": [data], "type": "message/rfc822"}
        emails[f"e{index}"] = {"blobId": f"#b{index}", "mailboxIds": {inbox: True},
                               "keywords": {"$seen": True} if index % 3 else {},
                               "receivedAt": received}
    return json.dumps({"using": USING, "methodCalls": [
        ["Blob/upload", {"accountId": account, "create": blobs}, "u"],
        ["Email/import", {"accountId": account, "emails": emails}, "i"],
    ]}).encode()


def import_worker(args, worker, barrier, results):
    try:
        client = Client()
        account, inbox = session_info(client)
        bodies, batch = [], []
        for record in gen_corpus.read_corpus(args.corpus, 0, args.count):
            if (record[0] // args.batch) % args.workers != worker:
                continue
            batch.append(record)
            if len(batch) == args.batch:
                bodies.append(import_body(account, inbox, batch))
                batch = []
        if batch:
            bodies.append(import_body(account, inbox, batch))
    except Exception as e:  # noqa: BLE001 - reported to the parent
        barrier.abort()
        results.put((worker, 0, f"{type(e).__name__}: {e}"))
        return
    barrier.wait()
    count = 0
    try:
        for body in bodies:
            got = client.post(body)[1][1]
            if got.get("notCreated"):
                raise RuntimeError(f"not imported: {list(got['notCreated'].items())[:3]}")
            count += len(got.get("created") or {})
    except Exception as e:  # noqa: BLE001 - reported to the parent
        results.put((worker, count, f"{type(e).__name__}: {e}"))
        return
    results.put((worker, count, None))


def run_import(args):
    barrier = multiprocessing.Barrier(args.workers + 1)
    results = multiprocessing.Queue()
    procs = [multiprocessing.Process(target=import_worker, args=(args, w, barrier, results))
             for w in range(args.workers)]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=1800)
    except threading.BrokenBarrierError:
        pass
    start = time.monotonic()
    got = [results.get(timeout=7200) for _ in procs]
    elapsed = time.monotonic() - start
    for p in procs:
        p.join()
    errors = [g[2] for g in got if g[2]]
    if errors:
        sys.exit("import failed: " + "; ".join(errors))
    imported = sum(g[1] for g in got)
    print(f"imported {imported} messages in {elapsed:.1f} s")
    print(json.dumps({"imported": imported, "seconds": elapsed,
                      "rate": imported / elapsed if elapsed else 0}))


def percentile(values, p):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def timed(client, body, runs, warmup=20):
    for _ in range(warmup):
        client.post(body)
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        client.post(body)
        times.append((time.perf_counter() - t) * 1000)
    return {"p50": percentile(times, 50), "p99": percentile(times, 99),
            "mean": sum(times) / len(times)}


def run_latency(args):
    client = Client()
    account, inbox = session_info(client)
    page = json.dumps({"using": USING, "methodCalls": [
        ["Email/query", {"accountId": account, "filter": {"inMailbox": inbox},
                         "sort": [{"property": "receivedAt", "isAscending": False}],
                         "limit": 50, "calculateTotal": False}, "q"],
        ["Email/get", {"accountId": account, "properties": LIST_PROPS,
                       "#ids": {"resultOf": "q", "name": "Email/query", "path": "/ids"}}, "g"],
    ]}).encode()
    out = client.post(page)
    if len(out[1][1]["list"]) != 50:
        sys.exit(f"the Inbox page has {len(out[1][1]['list'])} emails, not 50")
    result = {"page": timed(client, page, args.runs)}
    words = args.words.split(",")
    matches = {}
    for w in words:
        q = {"accountId": account, "filter": {"text": w}, "limit": 50, "calculateTotal": True,
             "sort": [{"property": "receivedAt", "isAscending": False}]}
        matches[w] = client.call([["Email/query", q, "t"]])[0][1]["total"]
    newest = [{"property": "receivedAt", "isAscending": False}]
    bodies = [json.dumps({"using": USING, "methodCalls": [
        ["Email/query", {"accountId": account, "filter": {"text": w}, "limit": 50,
                         "sort": newest}, "t"]]}).encode() for w in words]
    times = []
    for i in range(20 + args.runs):
        t = time.perf_counter()
        client.post(bodies[i % len(bodies)])
        if i >= 20:
            times.append((time.perf_counter() - t) * 1000)
    result["fulltext"] = {"p50": percentile(times, 50), "p99": percentile(times, 99),
                          "mean": sum(times) / len(times)}
    result["matches"] = matches
    print(json.dumps(result))


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import")
    imp.add_argument("corpus")
    imp.add_argument("count", type=int)
    imp.add_argument("--workers", type=int, default=2)
    imp.add_argument("--batch", type=int, default=200)
    lat = sub.add_parser("latency")
    lat.add_argument("--runs", type=int, default=200)
    lat.add_argument("--words", default="meeting,budget,project,invoice,schedule")
    args = parser.parse_args()
    if args.command == "import":
        run_import(args)
    else:
        run_latency(args)


if __name__ == "__main__":
    main()
