#!/usr/bin/python3
"""Times Tern's DAV face on one calendar of N events (default 2,000):
PUT rate, PROPFIND Depth 1, sync-collection full and incremental, a
time-range calendar-query, a calendar-multiget, and the same for an
address book of N cards. Prints the median of several runs of each.

    TERND=build-rel/ternd TERNCTL=build-rel/ternctl bench/dav_perf.py [N]

Use a release build: sanitized binaries are many times slower. The
server runs in a temporary directory that is removed afterwards."""
import base64
import http.client
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "integration"))
import tern  # noqa: E402

RUNS = 7


class Conn:
    """One kept-alive HTTP connection with the account's credentials."""

    def __init__(self, port, user, password):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def req(self, method, path, body=None, headers=None):
        hdrs = {"Authorization": self.auth}
        hdrs.update(headers or {})
        if body is not None and isinstance(body, str):
            body = body.encode()
        self.conn.request(method, path, body=body, headers=hdrs)
        r = self.conn.getresponse()
        return r.status, r.read()


def event(i, rev=0):
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:bench-{i}\r\nDTSTAMP:20240101T000000Z\r\n"
            f"DTSTART:2024{month:02d}{day:02d}T100000Z\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Bench event {i} rev {rev}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def card(i, rev=0):
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-{i}\r\nFN:Bench Person {i}\r\n"
            f"N:Person {i};Bench;;;\r\nEMAIL:p{i}@example.org\r\nNOTE:rev {rev}\r\n"
            "END:VCARD\r\n")


def timed(fn):
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def expect(status, want, what):
    if status != want:
        raise SystemExit(f"{what}: HTTP {status}, wanted {want}")


PROPFIND = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
            "<D:getcontenttype/></D:prop></D:propfind>")
SYNC = ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>{}'
        "</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
        "</D:sync-collection>")
QUERY = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
         'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
         '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
         '<C:time-range start="20240101T000000Z" end="20240206T000000Z"/>'
         "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>")


def multiget(ns, root, path, names, data):
    hrefs = "".join(f"<D:href>{path}{n}</D:href>" for n in names)
    return (f'<?xml version="1.0"?><X:{root} xmlns:D="DAV:" xmlns:X="{ns}"><D:prop>'
            f"<D:getetag/><X:{data}/></D:prop>{hrefs}</X:{root}>")


def bench_collection(c, path, n, make, ext, ctype, report):
    start = time.perf_counter()
    for i in range(n):
        status, _ = c.req("PUT", f"{path}b{i}{ext}", make(i), {"Content-Type": ctype})
        expect(status, 201, "PUT")
    report["PUT /s"] = n / (time.perf_counter() - start)
    report["PROPFIND Depth 1 ms"] = timed(lambda: expect(
        c.req("PROPFIND", path, PROPFIND, {"Depth": "1"})[0], 207, "PROPFIND"))
    report["sync full ms"] = timed(lambda: expect(
        c.req("REPORT", path, SYNC.format(""))[0], 207, "sync"))
    body = c.req("REPORT", path, SYNC.format(""))[1].decode()
    token = body.split("<D:sync-token>")[1].split("<")[0]
    for i in range(10):
        expect(c.req("PUT", f"{path}b{i}{ext}", make(i, 1), {"Content-Type": ctype})[0],
               204, "PUT again")
    report["sync incremental (10) ms"] = timed(lambda: expect(
        c.req("REPORT", path, SYNC.format(token))[0], 207, "sync"))
    names = [f"b{i}{ext}" for i in range(0, n, max(1, n // 100))]
    if ext == ".ics":
        body = multiget("urn:ietf:params:xml:ns:caldav", "calendar-multiget", path, names,
                        "calendar-data")
        report["calendar-query time-range ms"] = timed(lambda: expect(
            c.req("REPORT", path, QUERY, {"Depth": "1"})[0], 207, "query"))
    else:
        body = multiget("urn:ietf:params:xml:ns:carddav", "addressbook-multiget", path,
                        names, "address-data")
    report[f"multiget of {len(names)} ms"] = timed(lambda: expect(
        c.req("REPORT", path, body, {"Depth": "1"})[0], 207, "multiget"))
    report["GET one ms"] = timed(lambda: expect(c.req("GET", f"{path}b{n // 2}{ext}")[0],
                                                200, "GET"))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory(prefix="dav-bench-") as tmp:
        srv = tern.Ternd(Path(tmp)).start()
        try:
            account = tern.new_account(srv)
            c = Conn(srv.http_port, account.name, account.password)
            for kind, path, make, ext, ctype in (
                    ("events", f"/dav/cal/{account.name}/default/", event, ".ics",
                     "text/calendar"),
                    ("cards", f"/dav/card/{account.name}/default/", card, ".vcf",
                     "text/vcard")):
                report = {}
                bench_collection(c, path, n, make, ext, ctype, report)
                print(f"{n} {kind}:")
                for key, value in report.items():
                    print(f"  {key:32} {value:10.1f}")
        finally:
            srv.stop()


if __name__ == "__main__":
    main()
