"""Push: the JMAP event source (RFC 8620 §7.3) and JMAP over WebSocket
(RFC 8887), against a real ternd. A change made through the API must
reach a subscriber within a second."""
import asyncio
import base64
import http.client
import json
import queue
import socket
import threading
import time

import pytest

import tern

try:
    import websockets
except ImportError:
    websockets = None

# The WebSocket client is Debian's python3-websockets (asyncio API).
needs_ws = pytest.mark.skipif(websockets is None, reason="python3-websockets is not installed")

WS = "urn:ietf:params:jmap:websocket"
LATENCY = 1.0


def auth_header(account):
    return tern.basic(account.name, account.password)


class EventStream:
    """An open event-source response, read on a thread into a queue of
    (event name, data, id) as they arrive; None marks its end."""

    def __init__(self, srv, account, query, headers=None, tls=False):
        port = srv.https_port if tls else srv.http_port
        if tls:
            self.conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=30,
                                                    context=tern.tls_context())
        else:
            self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        hdrs = {"Authorization": auth_header(account), "Accept": "text/event-stream"}
        hdrs.update(headers or {})
        self.conn.request("GET", "/jmap/eventsource/?" + query, headers=hdrs)
        self.resp = self.conn.getresponse()
        self.sock = self.conn.sock
        self.events = queue.Queue()
        if self.resp.status == 200:
            threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        name, data, event_id = "message", [], None
        try:
            while True:
                line = self.resp.readline()
                if not line:
                    break
                line = line.decode().rstrip("\r\n")
                if line == "":
                    if data:
                        self.events.put((name, "\n".join(data), event_id))
                    name, data, event_id = "message", [], None
                elif line.startswith(":"):
                    continue
                else:
                    field, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if field == "event":
                        name = value
                    elif field == "data":
                        data.append(value)
                    elif field == "id":
                        event_id = value
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            # the socket was shut down under the reader by close()
            pass
        self.events.put(None)

    def next(self, timeout):
        """The next event, or None at the end; raises queue.Empty."""
        return self.events.get(timeout=timeout)

    def next_named(self, name, timeout):
        deadline = time.monotonic() + timeout
        while True:
            ev = self.next(max(0.01, deadline - time.monotonic()))
            if ev is None or ev[0] == name:
                return ev

    def close(self):
        # shut down first: closing alone waits for the reader's readline
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.conn.close()


def create_mailbox(account, name=None):
    out = account.ok("Mailbox/set", {"create": {"k": {"name": name or tern.unique("box")}}})
    assert "k" in out["created"], out
    return out["newState"]


# ---------------------------------------------------------------- EventSource

def test_eventsource_state_within_a_second(server, account):
    es = EventStream(server, account, "types=*&closeafter=no&ping=0")
    try:
        assert es.resp.status == 200
        assert es.resp.getheader("Content-Type").startswith("text/event-stream")
        assert es.resp.getheader("Cache-Control") == "no-cache"
        time.sleep(0.2)
        start = time.monotonic()
        new_state = create_mailbox(account)
        ev = es.next_named("state", LATENCY)
        assert time.monotonic() - start < LATENCY
        change = json.loads(ev[1])
        assert change["@type"] == "StateChange"
        assert change["changed"][account.id]["Mailbox"] == new_state
        assert ev[2], "a state event carries an id (the push state)"
    finally:
        es.close()


def test_eventsource_coalesces_and_keeps_up(server, account):
    es = EventStream(server, account, "types=Mailbox&closeafter=no&ping=0")
    try:
        time.sleep(0.2)
        last = None
        for _ in range(5):
            last = create_mailbox(account)
        deadline = time.monotonic() + LATENCY
        seen = None
        while seen != last and time.monotonic() < deadline:
            ev = es.next_named("state", deadline - time.monotonic())
            seen = json.loads(ev[1])["changed"][account.id]["Mailbox"]
        assert seen == last
    finally:
        es.close()


def test_eventsource_ping(server, account):
    es = EventStream(server, account, "types=*&closeafter=no&ping=1")
    try:
        start = time.monotonic()
        ev = es.next_named("ping", 3)
        assert ev is not None
        assert 0.8 < time.monotonic() - start < 2.5
        assert json.loads(ev[1]) == {"interval": 1}
        assert ev[2] is None, "a ping sets no event id"
    finally:
        es.close()


def test_eventsource_closeafter_state(server, account):
    es = EventStream(server, account, "types=*&closeafter=state&ping=0")
    try:
        time.sleep(0.2)
        create_mailbox(account)
        assert es.next_named("state", LATENCY)[0] == "state"
        assert es.next(5) is None, "the response ends after the state event"
    finally:
        es.close()


def test_eventsource_types_filter(server, account):
    other = EventStream(server, account, "types=Email,NoSuchType&closeafter=no&ping=1")
    mine = EventStream(server, account, "types=Mailbox&closeafter=no&ping=0")
    try:
        time.sleep(0.2)
        create_mailbox(account)
        assert mine.next_named("state", LATENCY) is not None
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                ev = other.next(deadline - time.monotonic())
            except queue.Empty:
                break
            assert ev is not None and ev[0] == "ping", ev
    finally:
        other.close()
        mine.close()


def test_eventsource_other_account_not_told(server, account, other_account):
    es = EventStream(server, other_account, "types=*&closeafter=no&ping=1")
    try:
        time.sleep(0.2)
        create_mailbox(account)
        ev = es.next(2.5)
        assert ev is not None and ev[0] == "ping", ev
    finally:
        es.close()


def test_eventsource_last_event_id(server, account):
    create_mailbox(account)
    es = EventStream(server, account, "types=*&closeafter=no&ping=0",
                     headers={"Last-Event-ID": "0"})
    try:
        ev = es.next_named("state", LATENCY)
        assert "Mailbox" in json.loads(ev[1])["changed"][account.id]
        current = ev[2]
    finally:
        es.close()
    es = EventStream(server, account, "types=*&closeafter=no&ping=1",
                     headers={"Last-Event-ID": current})
    try:
        assert es.next(2.5)[0] == "ping", "nothing was missed"
    finally:
        es.close()


def test_eventsource_tls(server, account):
    es = EventStream(server, account, "types=*&closeafter=state&ping=0", tls=True)
    try:
        time.sleep(0.2)
        create_mailbox(account)
        assert es.next_named("state", LATENCY) is not None
    finally:
        es.close()


@pytest.mark.parametrize("query", ["closeafter=maybe", "ping=-1", "ping=abc", "types=",
                                  "types=Mailbox,,Email"])
def test_eventsource_bad_parameters(server, account, query):
    r = server.request("GET", "/jmap/eventsource/?" + query, auth=(account.name, account.password))
    tern.problem(r, 400)


def test_eventsource_needs_auth(server):
    r = server.request("GET", "/jmap/eventsource/?types=*&closeafter=no&ping=0")
    assert r.status == 401


def test_push_connection_limit(ternd_factory):
    srv = ternd_factory(jmap={"push": {"max-connections-per-user": 2}}).start()
    account = tern.new_account(srv)
    streams = [EventStream(srv, account, "types=*&closeafter=no&ping=0") for _ in range(2)]
    try:
        assert all(s.resp.status == 200 for s in streams)
        r = srv.request("GET", "/jmap/eventsource/?types=*&closeafter=no&ping=0",
                        auth=(account.name, account.password))
        assert r.status == 429
        assert r.header("Retry-After")
        other = tern.new_account(srv, prefix="o")
        third = EventStream(srv, other, "types=*&closeafter=no&ping=0")
        assert third.resp.status == 200, "the limit is per user"
        third.close()
    finally:
        for s in streams:
            s.close()
    # the places of clients that left are found again when the limit is hit
    deadline = time.monotonic() + 5
    while True:
        again = EventStream(srv, account, "types=*&closeafter=no&ping=0")
        again.close()
        if again.resp.status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert again.resp.status == 200


# ---------------------------------------------------------------- WebSocket

def ws_url(srv, account, tls=False):
    session = srv.jmap(account.name, account.password, tls=tls).session()
    cap = session["capabilities"][WS]
    assert cap["supportsPush"] is True
    return cap["url"]


def ws_connect(srv, account, url, **kw):
    kw.setdefault("subprotocols", ["jmap"])
    kw.setdefault("extra_headers", {"Authorization": auth_header(account)})
    if url.startswith("wss:"):
        kw.setdefault("ssl", tern.tls_context())
    return websockets.connect(url, **kw)


async def ws_recv(ws, timeout):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


def request_message(account, calls, request_id=None):
    msg = {"@type": "Request", "using": tern.USING, "methodCalls": calls}
    if request_id is not None:
        msg["id"] = request_id
    return json.dumps(msg)


@needs_ws
def test_websocket_capability(server, account):
    assert ws_url(server, account) == f"ws://127.0.0.1:{server.http_port}/jmap/ws"
    assert ws_url(server, account, tls=True) == f"wss://127.0.0.1:{server.https_port}/jmap/ws"


@needs_ws
def test_websocket_request_response(server, account):
    async def run():
        async with ws_connect(server, account, ws_url(server, account)) as ws:
            assert ws.subprotocol == "jmap"
            await ws.send(request_message(account, [["Mailbox/get",
                                                     {"accountId": account.id, "ids": None},
                                                     "c0"]], "r1"))
            resp = await ws_recv(ws, 10)
            assert resp["@type"] == "Response" and resp["requestId"] == "r1"
            assert resp["methodResponses"][0][0] == "Mailbox/get"
            assert resp["sessionState"]
            await ws.send(request_message(account, [["Core/echo", {"x": 1}, "e"]]))
            resp = await ws_recv(ws, 10)
            assert resp["@type"] == "Response" and "requestId" not in resp
            await ws.send("{not json")
            err = await ws_recv(ws, 10)
            assert err["@type"] == "RequestError"
            assert err["type"] == tern.ERR + "notJSON"
            await ws.send(json.dumps({"@type": "Request", "id": "r2", "using": ["urn:x"],
                                      "methodCalls": []}))
            err = await ws_recv(ws, 10)
            assert err["@type"] == "RequestError" and err["requestId"] == "r2"
            assert err["type"] == tern.ERR + "unknownCapability"
    asyncio.run(run())


@needs_ws
def test_websocket_push_enable_disable(server, account):
    async def run():
        async with ws_connect(server, account, ws_url(server, account)) as ws:
            await ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None}))
            await asyncio.sleep(0.2)
            start = time.monotonic()
            new_state = await asyncio.to_thread(create_mailbox, account)
            change = await ws_recv(ws, LATENCY)
            assert time.monotonic() - start < LATENCY + 0.5
            assert change["@type"] == "StateChange"
            assert change["changed"][account.id]["Mailbox"] == new_state
            assert change["pushState"]
            await ws.send(json.dumps({"@type": "WebSocketPushDisable"}))
            await ws.send(request_message(account, [["Core/echo", {}, "e"]], "sync"))
            assert (await ws_recv(ws, 10))["requestId"] == "sync"
            await asyncio.to_thread(create_mailbox, account)
            with pytest.raises(asyncio.TimeoutError):
                await ws_recv(ws, 1)
    asyncio.run(run())


@needs_ws
def test_websocket_push_state(server, account):
    async def run():
        async with ws_connect(server, account, ws_url(server, account)) as ws:
            await ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Mailbox"],
                                      "pushState": "0"}))
            change = await ws_recv(ws, LATENCY)
            assert "Mailbox" in change["changed"][account.id]
            current = change["pushState"]
            # the client is up to date: nothing to send
            await ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Mailbox"],
                                      "pushState": current}))
            with pytest.raises(asyncio.TimeoutError):
                await ws_recv(ws, 0.8)
            # a change made while the client was away is sent at once
            new_state = await asyncio.to_thread(create_mailbox, account)
            assert (await ws_recv(ws, LATENCY))["changed"][account.id]["Mailbox"] == new_state
            await ws.send(json.dumps({"@type": "WebSocketPushDisable"}))
            await asyncio.to_thread(create_mailbox, account)
            await ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None,
                                      "pushState": current}))
            change = await ws_recv(ws, LATENCY)
            assert change["pushState"] != current
    asyncio.run(run())


@needs_ws
def test_websocket_types_filter(server, account):
    async def run():
        async with ws_connect(server, account, ws_url(server, account)) as ws:
            await ws.send(json.dumps({"@type": "WebSocketPushEnable",
                                      "dataTypes": ["Email", "NoSuchType"]}))
            await asyncio.sleep(0.2)
            await asyncio.to_thread(create_mailbox, account)
            with pytest.raises(asyncio.TimeoutError):
                await ws_recv(ws, 1)
    asyncio.run(run())


@needs_ws
def test_websocket_tls(server, account):
    async def run():
        async with ws_connect(server, account, ws_url(server, account, tls=True)) as ws:
            await ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None}))
            await ws.send(request_message(account, [["Mailbox/set", {
                "accountId": account.id, "create": {"k": {"name": tern.unique("wss")}}}, "c"]],
                "r"))
            got = [await ws_recv(ws, 10), await ws_recv(ws, LATENCY)]
            assert sorted(m["@type"] for m in got) == ["Response", "StateChange"]
    asyncio.run(run())


@needs_ws
def test_websocket_handshake_refused(server, account):
    url = ws_url(server, account)

    async def run(**kw):
        with pytest.raises(websockets.InvalidStatusCode) as e:
            async with ws_connect(server, account, url, **kw):
                pass
        return e.value.status_code
    assert asyncio.run(run(subprotocols=["other"])) == 400
    assert asyncio.run(run(extra_headers={})) == 401


@needs_ws
def test_websocket_protocol_errors(ternd_factory):
    srv = ternd_factory(jmap={"max-size-request": 4096}).start()
    account = tern.new_account(srv)
    url = ws_url(srv, account)

    async def closed_with(message):
        async with ws_connect(srv, account, url, max_size=None) as ws:
            await ws.send(message)
            with pytest.raises(websockets.ConnectionClosed) as e:
                await ws_recv(ws, 10)
            return e.value.code
    assert asyncio.run(closed_with(b"\x00binary")) == 1003
    assert asyncio.run(closed_with("x" * 5000)) == 1009

    async def fragmented():
        async with ws_connect(srv, account, url) as ws:
            msg = request_message(account, [["Core/echo", {"a": 1}, "e"]], "frag")
            await ws.send(iter([msg[:10], msg[10:30], msg[30:]]))
            await ws.ping()
            return await ws_recv(ws, 10)
    assert asyncio.run(fragmented())["requestId"] == "frag"
