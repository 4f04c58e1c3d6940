#!/usr/bin/python3
"""The DAV benchmark's client, run the same way against ternd, Radicale
and Xandikos (bench/dav.sh). On one server it makes a calendar
(MKCALENDAR) and an address book (extended MKCOL) in the user's homes
(CAL_HOME and CARD_HOME, which differ from server to server), PUTs COUNT
events and COUNT cards into them, then times PROPFIND Depth 1,
sync-collection full and incremental (after 10 changes), a time-range
calendar-query that matches about a tenth of the events, a multiget of
100 items (every COUNT/100th) and a GET. Each timed request is sent once
untimed and its answer checked (status and number of items), then the
median of up to RUNS runs is kept (fewer when one run is slow). Only the
request and the reading of the answer are timed, not the client's
parsing.

    dav_client.py run URL USER PASSWORD CAL_HOME CARD_HOME COUNT PID
        Prints the figures as one JSON object; PID is the server's
        process, whose CPU time per PUT is read from /proc.
    dav_client.py table TERND_JSON NAME=JSON...
        Prints ternd's figures and each other server's side by side, each
        followed by its ratio (how many times faster ternd is: ops/s
        divided, or milliseconds divided the other way)."""
import base64
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

RUNS = 7
MIN_RUNS = 3
BUDGET_S = 10.0
CHANGED = 10
DAV = "{DAV:}"


class Conn:
    """HTTP/1.1 with the user's credentials (a server without
    authentication, such as Xandikos, ignores them); reconnects by itself
    when a server closes the connection after each answer."""

    def __init__(self, url, user, password):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def req(self, method, path, body=None, headers=None):
        hdrs = {"Authorization": self.auth}
        hdrs.update(headers or {})
        if isinstance(body, str):
            body = body.encode()
        self.conn.request(method, path, body=body, headers=hdrs)
        r = self.conn.getresponse()
        return r.status, r.read()


def event_day(i):
    """Month and day of event i: 28 days of each month, month after month."""
    return 1 + (i // 28) % 12, 1 + i % 28


def event(i, rev=0):
    month, day = event_day(i)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tern bench//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:bench-{i}\r\nDTSTAMP:20240101T000000Z\r\n"
            f"DTSTART:2024{month:02d}{day:02d}T100000Z\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Bench event {i} rev {rev}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def card(i, rev=0):
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:bench-{i}\r\nFN:Bench Person {i}\r\n"
            f"N:Person {i};Bench;;;\r\nEMAIL:p{i}@example.org\r\nNOTE:rev {rev}\r\n"
            "END:VCARD\r\n")


# The time-range query: all of January and February 1-5 of 2024.
QUERY_START, QUERY_END = "20240101T000000Z", "20240206T000000Z"


def query_matches(count):
    return sum(1 for i in range(count) if event_day(i) < (2, 6))


PROPFIND = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
            "<D:getcontenttype/></D:prop></D:propfind>")
SYNC = ('<?xml version="1.0"?><D:sync-collection xmlns:D="DAV:"><D:sync-token>{}'
        "</D:sync-token><D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
        "</D:sync-collection>")
QUERY = ('<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" '
         'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop>'
         '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
         f'<C:time-range start="{QUERY_START}" end="{QUERY_END}"/>'
         "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>")
MKCALENDAR = ('<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" '
              'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>'
              "<D:displayname>Bench</D:displayname></D:prop></D:set></C:mkcalendar>")
MKCOL_BOOK = ('<?xml version="1.0"?><D:mkcol xmlns:D="DAV:" '
              'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:set><D:prop><D:resourcetype>'
              "<D:collection/><CR:addressbook/></D:resourcetype>"
              "<D:displayname>Bench</D:displayname></D:prop></D:set></D:mkcol>")
XML = {"Content-Type": "application/xml; charset=utf-8"}


def multiget(ns, root, path, names, data):
    hrefs = "".join(f"<D:href>{path}{n}</D:href>" for n in names)
    return (f'<?xml version="1.0"?><X:{root} xmlns:D="DAV:" xmlns:X="{ns}"><D:prop>'
            f"<D:getetag/><X:{data}/></D:prop>{hrefs}</X:{root}>")


def check(status, want, what):
    if status not in want:
        raise SystemExit(f"{what}: HTTP {status}, wanted {' or '.join(map(str, want))}")


def responses(body, what, want=None):
    """The multistatus's item responses (those whose href is not the
    collection's own); exits when their number is not WANT."""
    root = ET.fromstring(body)
    items = [r for r in root.iter(f"{DAV}response")
             if not r.findtext(f"{DAV}href", "").endswith("/")]
    if want is not None and len(items) != want:
        raise SystemExit(f"{what}: {len(items)} items in the answer, wanted {want}")
    return root


def timed(c, what, want_items, method, path, body=None, headers=None):
    """Checks one answer, then the median milliseconds of the timed runs."""
    status, answer = c.req(method, path, body, headers)
    check(status, (200, 207), what)
    if want_items is not None:
        responses(answer, what, want_items)
    times = []
    total = 0.0
    while len(times) < RUNS and (len(times) < MIN_RUNS or total < BUDGET_S):
        start = time.perf_counter()
        c.req(method, path, body, headers)
        spent = time.perf_counter() - start
        total += spent
        times.append(spent * 1000)
    return statistics.median(times)


def cpu_s(pid):
    """User and system CPU seconds process pid has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def put_all(c, path, count, make, ext, ctype, pid):
    """PUTs per second and the server's CPU milliseconds per PUT."""
    cpu = cpu_s(pid)
    start = time.perf_counter()
    for i in range(count):
        status, _ = c.req("PUT", f"{path}b{i}{ext}", make(i),
                          {"Content-Type": ctype, "If-None-Match": "*"})
        check(status, (201,), f"PUT b{i}{ext}")
    rate = count / (time.perf_counter() - start)
    return rate, (cpu_s(pid) - cpu) * 1000 / count


def bench_sync(c, path, make, ext, ctype, count, fig, kind):
    fig[f"{kind}: sync-collection full"] = timed(c, "sync full", count, "REPORT", path,
                                                 SYNC.format(""), XML)
    status, body = c.req("REPORT", path, SYNC.format(""), XML)
    check(status, (207,), "sync full")
    token = responses(body, "sync full").findtext(f"{DAV}sync-token")
    for i in range(CHANGED):
        status, _ = c.req("PUT", f"{path}b{i}{ext}", make(i, 1), {"Content-Type": ctype})
        check(status, (201, 204), "PUT again")
    fig[f"{kind}: sync-collection incremental ({CHANGED})"] = timed(
        c, "sync incremental", CHANGED, "REPORT", path, SYNC.format(token), XML)


def bench_collection(c, path, count, kind, pid, fig):
    if kind == "events":
        make, ext, ctype = event, ".ics", "text/calendar; charset=utf-8"
        check(c.req("MKCALENDAR", path, MKCALENDAR, XML)[0], (201,), "MKCALENDAR")
    else:
        make, ext, ctype = card, ".vcf", "text/vcard; charset=utf-8"
        check(c.req("MKCOL", path, MKCOL_BOOK, XML)[0], (201,), "MKCOL")
    fig[f"{kind}: PUT"], fig[f"{kind}: server CPU per PUT"] = put_all(
        c, path, count, make, ext, ctype, pid)
    fig[f"{kind}: PROPFIND Depth 1"] = timed(c, "PROPFIND", count, "PROPFIND", path,
                                             PROPFIND, dict(XML, Depth="1"))
    bench_sync(c, path, make, ext, ctype, count, fig, kind)
    if kind == "events":
        fig[f"events: calendar-query time-range ({query_matches(count)})"] = timed(
            c, "calendar-query", query_matches(count), "REPORT", path, QUERY,
            dict(XML, Depth="1"))
        ns, root, data = "urn:ietf:params:xml:ns:caldav", "calendar-multiget", "calendar-data"
    else:
        ns, root, data = "urn:ietf:params:xml:ns:carddav", "addressbook-multiget", "address-data"
    names = [f"b{i}{ext}" for i in range(0, count, max(1, count // 100))]
    fig[f"{kind}: multiget of {len(names)}"] = timed(
        c, "multiget", len(names), "REPORT", path, multiget(ns, root, path, names, data),
        dict(XML, Depth="1"))
    fig[f"{kind}: GET one"] = timed(c, "GET", None, "GET", f"{path}b{count // 2}{ext}")


def run(url, user, password, cal_home, card_home, count, pid):
    c = Conn(url, user, password)
    fig = {}
    bench_collection(c, f"{cal_home}bench-events/", count, "events", pid, fig)
    bench_collection(c, f"{card_home}bench-cards/", count, "cards", pid, fig)
    print(json.dumps(fig))


def table(tern_file, others):
    """others: NAME=JSON_FILE arguments, one column and ratio each."""
    with open(tern_file) as f:
        tern = json.load(f)
    servers = []
    for arg in others:
        name, path = arg.split("=", 1)
        with open(path) as f:
            servers.append((name, json.load(f)))
    head = "".join(f" {name:>10} {'ratio':>7}" for name, _ in servers)
    print(f"{'operation':<44} {'unit':>5} {'ternd':>10}{head}")
    for op, t in tern.items():
        unit = "op/s" if op.endswith(": PUT") else "ms"
        row = ""
        for _, figs in servers:
            r = figs[op]
            fast, slow = (t, r) if unit == "op/s" else (r, t)
            ratio = fast / slow if slow > 0 else float("inf")
            row += f" {r:>10.2f} {ratio:>7.1f}"
        print(f"{op:<44} {unit:>5} {t:>10.2f}{row}")


def main(argv):
    if len(argv) == 9 and argv[1] == "run":
        run(*argv[2:7], int(argv[7]), int(argv[8]))
    elif len(argv) >= 4 and argv[1] == "table":
        table(argv[2], argv[3:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
