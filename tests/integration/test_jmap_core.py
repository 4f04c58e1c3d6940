"""The JMAP core, RFC 8620: session, request envelope, every request-level
and method-level error, result references, created ids, blobs, CORS
(issue 2, item 9). Mailbox is only the vehicle here; test_mailbox.py
covers it."""
import concurrent.futures
import http.client
import json
import os
import shutil
import subprocess
import urllib.parse
from pathlib import Path

import pytest

import tern
from tern import CORE, ERR, MAIL, USING, problem

LIMITS = ["maxSizeUpload", "maxConcurrentUpload", "maxSizeRequest", "maxConcurrentRequests",
          "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet"]
MAIL_ACCOUNT_CAPS = ["maxMailboxesPerEmail", "maxMailboxDepth", "maxSizeMailboxName",
                     "maxSizeAttachmentsPerEmail", "emailQuerySortOptions",
                     "mayCreateTopLevelMailbox"]
JS_DIR = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def limits(server):
    acct = tern.new_account(server)
    return acct.jmap.session()["capabilities"][CORE]


def _responses(acct, calls, using=USING, created_ids=None):
    return acct.jmap.request(calls, using, created_ids)["methodResponses"]


def _expand(template, **values):
    out = template
    for k, v in values.items():
        assert "{" + k + "}" in out, (template, k)
        out = out.replace("{" + k + "}", urllib.parse.quote(v, safe=""))
    return out


def _path_of(url):
    parts = urllib.parse.urlsplit(url)
    return parts.path + ("?" + parts.query if parts.query else "")


def _inbox(acct):
    out = acct.ok("Mailbox/query", {"filter": {"role": "inbox"}})
    assert len(out["ids"]) == 1, out
    return out["ids"][0]


# ---------------------------------------------------------------- session

def test_session_resource(server, account):
    r = account.jmap.get_session()
    assert r.status == 200, r
    assert r.header("Content-Type", "").startswith("application/json")
    s = r.json()

    core = s["capabilities"][CORE]
    for k in LIMITS:
        assert isinstance(core.get(k), int) and core[k] > 0, (k, core)
    assert isinstance(core["collationAlgorithms"], list)
    assert s["capabilities"][MAIL] == {}, "RFC 8621 §1.3.1: an empty object in the session"

    assert list(s["accounts"]) == [account.id], s["accounts"]
    acc = s["accounts"][account.id]
    assert isinstance(acc["name"], str) and acc["name"]
    assert acc["isPersonal"] is True and acc["isReadOnly"] is False
    mail = acc["accountCapabilities"][MAIL]
    for k in MAIL_ACCOUNT_CAPS:
        assert k in mail, (k, mail)
    assert isinstance(mail["maxSizeMailboxName"], int) and mail["maxSizeMailboxName"] >= 100
    assert mail["mayCreateTopLevelMailbox"] is True
    assert s["primaryAccounts"][MAIL] == account.id
    assert isinstance(s["username"], str)

    base = f"http://127.0.0.1:{server.http_port}"
    assert s["apiUrl"] == base + "/jmap/"
    assert s["downloadUrl"].startswith(base + "/")
    for var in ("{accountId}", "{blobId}", "{type}", "{name}"):
        assert var in s["downloadUrl"]
    assert s["uploadUrl"].startswith(base + "/") and "{accountId}" in s["uploadUrl"]
    assert s["eventSourceUrl"].startswith(base + "/")
    for var in ("{types}", "{closeafter}", "{ping}"):
        assert var in s["eventSourceUrl"]
    assert isinstance(s["state"], str) and s["state"]

    again = account.jmap.session()
    assert again["state"] == s["state"]
    resp = account.jmap.request([["Core/echo", {}, "0"]], [CORE])
    assert resp["sessionState"] == s["state"]


def test_session_urls_follow_the_https_listener(server, account):
    s = server.jmap(account.name, account.password, tls=True).session()
    base = f"https://127.0.0.1:{server.https_port}"
    assert s["apiUrl"] == base + "/jmap/"
    assert s["uploadUrl"].startswith(base + "/")
    resp = server.jmap(account.name, account.password, tls=True).request(
        [["Core/echo", {"tls": True}, "0"]], [CORE])
    assert resp["methodResponses"] == [["Core/echo", {"tls": True}, "0"]]


def test_session_over_keep_alive(server, account):
    conn = http.client.HTTPConnection("127.0.0.1", server.http_port, timeout=30)
    try:
        for _ in range(5):
            conn.request("GET", "/.well-known/jmap",
                         headers={"Authorization": tern.basic(account.name, account.password)})
            r = conn.getresponse()
            assert r.status == 200
            json.loads(r.read())
    finally:
        conn.close()


# ---------------------------------------------------------------- envelope

def test_core_echo(account):
    args = {"hello": True, "high": 5, "list": [1, "two", None, 2.5],
            "nested": {"a": {"b": "ü€𝄞"}}}
    resp = account.jmap.request([["Core/echo", args, "b3ff"], ["Core/echo", {}, "second"]], [CORE])
    assert resp["methodResponses"] == [["Core/echo", args, "b3ff"], ["Core/echo", {}, "second"]]
    assert isinstance(resp["sessionState"], str)
    assert "createdIds" not in resp


def test_empty_method_calls(account):
    resp = account.jmap.request([], [CORE])
    assert resp["methodResponses"] == []


def test_charset_parameter_is_accepted(account):
    body = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {"x": 1}, "0"]]})
    r = account.jmap.post(body.encode(), headers={"Content-Type": "application/json; charset=utf-8"})
    assert r.status == 200, r
    assert r.json()["methodResponses"] == [["Core/echo", {"x": 1}, "0"]]


def test_unknown_request_properties_are_ignored(account):
    r = account.jmap.post({"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]],
                           "futureThing": {"x": 1}})
    assert r.status == 200, r


@pytest.mark.parametrize("body", [b"{", b"nope", b'{"using": [}', b"\xff\xfe\x00{}",
                                  b'{"using": ["' + b"\xc3\x28" + b'"], "methodCalls": []}', b"",
                                  b"[" * 100000])
def test_not_json(account, body):
    r = account.jmap.post(body, headers={"Content-Type": "application/json"})
    p = problem(r)
    assert p["type"] == ERR + "notJSON", p
    assert p.get("status", 400) == 400


def test_wrong_content_type_is_not_json(account):
    body = json.dumps({"using": [CORE], "methodCalls": [["Core/echo", {}, "0"]]})
    r = account.jmap.post(body.encode(), headers={"Content-Type": "text/plain"})
    assert problem(r)["type"] == ERR + "notJSON"


@pytest.mark.parametrize("req", [
    [],
    {},
    "a string",
    42,
    None,
    {"using": [CORE]},
    {"methodCalls": []},
    {"using": CORE, "methodCalls": []},
    {"using": [CORE, 5], "methodCalls": []},
    {"using": [CORE], "methodCalls": {}},
    {"using": [CORE], "methodCalls": [["Core/echo", {}]]},
    {"using": [CORE], "methodCalls": [["Core/echo", {}, "0", "extra"]]},
    {"using": [CORE], "methodCalls": [["Core/echo", [], "0"]]},
    {"using": [CORE], "methodCalls": [[5, {}, "0"]]},
    {"using": [CORE], "methodCalls": [["Core/echo", {}, 7]]},
    {"using": [CORE], "methodCalls": ["Core/echo"]},
    {"using": [CORE], "methodCalls": [], "createdIds": []},
    {"using": [CORE], "methodCalls": [], "createdIds": {"k": 5}},
])
def test_not_request(account, req):
    r = account.jmap.post(json.dumps(req).encode(), headers={"Content-Type": "application/json"})
    p = problem(r)
    assert p["type"] == ERR + "notRequest", (req, p)


def test_unknown_capability(account):
    r = account.jmap.post({"using": [CORE, "urn:example:nope"],
                           "methodCalls": [["Core/echo", {}, "0"]]})
    p = problem(r)
    assert p["type"] == ERR + "unknownCapability"
    assert "urn:example:nope" in json.dumps(p)


def test_vendor_capabilities_are_not_for_http_clients(account):
    """urn:tern:* is for in-process callers and clients that ask; asking
    over HTTP is allowed only if the session advertises it."""
    caps = account.jmap.session()["capabilities"]
    if "urn:tern:imap" in caps:
        pytest.skip("urn:tern:imap advertised to HTTP clients")
    r = account.jmap.post({"using": [CORE, "urn:tern:imap"], "methodCalls": []})
    assert problem(r)["type"] == ERR + "unknownCapability"


def test_limit_max_calls_in_request(account, limits):
    n = limits["maxCallsInRequest"]
    calls = [["Core/echo", {"i": i}, str(i)] for i in range(n)]
    assert len(account.jmap.request(calls, [CORE])["methodResponses"]) == n
    r = account.jmap.post({"using": [CORE], "methodCalls": calls + [["Core/echo", {}, "x"]]})
    p = problem(r)
    assert p["type"] == ERR + "limit" and p["limit"] == "maxCallsInRequest", p


def test_limit_max_size_request(server, account, limits):
    size = limits["maxSizeRequest"] + 1
    prefix = b'{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"pad":"'
    suffix = b'"},"0"]]}'
    r = tern.send_oversized(server.http_port, "POST", "/jmap/", size,
                            headers={"Content-Type": "application/json"},
                            auth=(account.name, account.password), prefix=prefix, suffix=suffix)
    p = problem(r, 413)
    assert p["type"] == ERR + "limit" and p["limit"] == "maxSizeRequest", p
    # just under the limit is processed
    pad = limits["maxSizeRequest"] - len(prefix) - len(suffix) - 64
    if pad < 4 * 1024 * 1024:
        body = prefix + b"a" * pad + suffix
        ok = account.jmap.post(body, headers={"Content-Type": "application/json"})
        assert ok.status == 200, ok


# ---------------------------------------------------------------- method-level errors

def test_unknown_method(account):
    out = _responses(account, [["Nope/nope", {}, "c1"], ["Core/echo", {"after": 1}, "c2"]])
    assert out[0][0] == "error" and out[0][1]["type"] == "unknownMethod" and out[0][2] == "c1"
    assert out[1] == ["Core/echo", {"after": 1}, "c2"]


def test_method_of_capability_not_in_using_is_unknown(account):
    assert account.error("Mailbox/get", {"ids": None}, using=[CORE]) == "unknownMethod"


@pytest.mark.parametrize("method, args", [
    ("Mailbox/get", {"ids": "m1"}),
    ("Mailbox/get", {"ids": [5]}),
    ("Mailbox/get", {"properties": "name"}),
    ("Mailbox/get", {"properties": ["name", "noSuchProperty"]}),
    ("Mailbox/get", {"accountId": 5}),
    ("Mailbox/get", {"accountId": None}),
    ("Mailbox/changes", {}),
    ("Mailbox/changes", {"sinceState": 5}),
    ("Mailbox/changes", {"sinceState": "1", "maxChanges": 0}),
    ("Mailbox/changes", {"sinceState": "1", "maxChanges": -1}),
    ("Mailbox/set", {"create": []}),
    ("Mailbox/set", {"update": {"m1": "x"}}),
    ("Mailbox/set", {"destroy": "m1"}),
    ("Mailbox/set", {"ifInState": 7}),
    ("Mailbox/query", {"position": "x"}),
    ("Mailbox/query", {"limit": -1}),
    ("Mailbox/query", {"calculateTotal": "yes"}),
    ("Mailbox/query", {"sort": {"property": "name"}}),
    ("Mailbox/query", {"sort": [{"isAscending": True}]}),
    ("Mailbox/query", {"filter": "name"}),
    ("Mailbox/query", {"filter": {"operator": "XOR", "conditions": []}}),
    ("Mailbox/queryChanges", {}),
])
def test_invalid_arguments(account, method, args):
    assert account.error(method, args) == "invalidArguments"


def test_missing_account_id_is_invalid(account):
    assert account.jmap.error("Mailbox/get", {"ids": None}) == "invalidArguments"


def test_argument_and_reference_together_is_invalid(account):
    out = _responses(account, [
        ["Mailbox/query", {"accountId": account.id}, "q"],
        ["Mailbox/get", {"accountId": account.id, "ids": [],
                         "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"}}, "g"]])
    assert out[1][0] == "error" and out[1][1]["type"] == "invalidArguments", out


@pytest.mark.parametrize("ref", [
    {"resultOf": "nope", "name": "Mailbox/query", "path": "/ids"},
    {"resultOf": "q", "name": "Mailbox/get", "path": "/ids"},
    {"resultOf": "q", "name": "Mailbox/query", "path": "/noSuchThing"},
    {"resultOf": "q", "name": "Mailbox/query", "path": "ids"},
    {"resultOf": "q", "name": "Mailbox/query", "path": "/ids/*/x"},
    {"resultOf": "q", "name": "Mailbox/query", "path": "/queryState/*"},
    {"resultOf": "q", "name": "Mailbox/query", "path": "/ids/999"},
    {"resultOf": "later", "name": "Core/echo", "path": "/x"},
    {"resultOf": "q", "name": "Mailbox/query"},
    "not an object",
])
def test_invalid_result_reference(account, ref):
    out = _responses(account, [
        ["Mailbox/query", {"accountId": account.id}, "q"],
        ["Mailbox/get", {"accountId": account.id, "#ids": ref}, "g"],
        ["Core/echo", {"x": 1}, "later"]])
    assert out[1][0] == "error", out
    expected = {"invalidResultReference"}
    if not isinstance(ref, dict) or "path" not in ref:
        # not a ResultReference at all: either answer is fair
        expected.add("invalidArguments")
    assert out[1][1]["type"] in expected, out
    assert out[2] == ["Core/echo", {"x": 1}, "later"]


def test_reference_to_an_error_response_fails(account):
    out = _responses(account, [
        ["Nope/nope", {}, "bad"],
        ["Core/echo", {"#v": {"resultOf": "bad", "name": "Nope/nope", "path": "/type"}}, "e"]])
    assert out[1][0] == "error" and out[1][1]["type"] == "invalidResultReference", out


def test_account_not_found(account, other_account):
    for acc in ("a99999999", "garbage", other_account.id):
        assert account.error("Mailbox/get", {"accountId": acc, "ids": None}) == "accountNotFound", acc
        assert account.error("Mailbox/set", {"accountId": acc, "create": {
            "x": {"name": "Intruder"}}}) == "accountNotFound", acc
    names = [m["name"] for m in other_account.ok("Mailbox/get", {"ids": None})["list"]]
    assert "Intruder" not in names


def test_state_mismatch(account):
    state = account.ok("Mailbox/get", {"ids": []})["state"]
    out = account.jmap.call("Mailbox/set", {"accountId": account.id, "ifInState": state + "9",
                                            "create": {"k": {"name": "NotMade"}}})
    assert out[0] == "error" and out[1]["type"] == "stateMismatch", out
    assert account.ok("Mailbox/get", {"ids": []})["state"] == state
    made = account.ok("Mailbox/set", {"ifInState": state, "create": {"k": {"name": "Made"}}})
    assert made["oldState"] == state and "k" in made["created"]


def test_request_too_large(account, limits):
    ids = [f"m{i}" for i in range(1, limits["maxObjectsInGet"] + 2)]
    assert account.error("Mailbox/get", {"ids": ids}) == "requestTooLarge"
    n = limits["maxObjectsInSet"] + 1
    assert account.error("Mailbox/set", {"destroy": [f"m{i}" for i in range(1, n + 1)]}) == \
        "requestTooLarge"
    create = {f"k{i}": {"name": f"Big {i}"} for i in range(n)}
    assert account.error("Mailbox/set", {"create": create}) == "requestTooLarge"
    names = [m["name"] for m in account.ok("Mailbox/get", {"ids": None})["list"]]
    assert not any(x.startswith("Big ") for x in names)


@pytest.mark.parametrize("since", ["garbage", "99999999999", "-1"])
def test_cannot_calculate_changes(account, since):
    assert account.error("Mailbox/changes", {"sinceState": since}) == "cannotCalculateChanges"


def test_query_errors(account):
    assert account.error("Mailbox/query", {"anchor": "m99999999"}) == "anchorNotFound"
    assert account.error("Mailbox/query", {"filter": {"noSuchFilter": 1}}) == "unsupportedFilter"
    assert account.error("Mailbox/query", {"filter": {"operator": "AND", "conditions": [
        {"role": "inbox"}, {"noSuchFilter": 1}]}}) == "unsupportedFilter"
    assert account.error("Mailbox/query", {"sort": [{"property": "totalEmailz"}]}) == \
        "unsupportedSort"
    assert account.error("Mailbox/query", {"sort": [{"property": "name",
                                                     "collation": "x-no-such-collation"}]}) == \
        "unsupportedSort"


def test_query_changes_errors(account):
    assert account.error("Mailbox/queryChanges", {"sinceQueryState": "garbage"}) == \
        "cannotCalculateChanges"


# ---------------------------------------------------------------- result references

def test_result_reference_star_flattens(account):
    out = _responses(account, [
        ["Core/echo", {"a": [{"x": [1, 2]}, {"x": [3]}, {"x": 4}], "b/c": {"m~n": "esc"}}, "e1"],
        ["Core/echo", {"#flat": {"resultOf": "e1", "name": "Core/echo", "path": "/a/*/x"},
                       "#esc": {"resultOf": "e1", "name": "Core/echo", "path": "/b~1c/m~0n"},
                       "#first": {"resultOf": "e1", "name": "Core/echo", "path": "/a/0"},
                       "plain": True}, "e2"]], [CORE])
    assert out[1] == ["Core/echo", {"flat": [1, 2, 3, 4], "esc": "esc", "first": {"x": [1, 2]},
                                    "plain": True}, "e2"], out


def test_result_reference_chain(account):
    out = _responses(account, [
        ["Mailbox/query", {"accountId": account.id, "filter": {"hasAnyRole": True},
                           "sort": [{"property": "name"}]}, "q"],
        ["Mailbox/get", {"accountId": account.id, "properties": ["name", "parentId"],
                         "#ids": {"resultOf": "q", "name": "Mailbox/query", "path": "/ids"}}, "g"],
        ["Mailbox/get", {"accountId": account.id, "properties": ["role"],
                         "#ids": {"resultOf": "g", "name": "Mailbox/get", "path": "/list/*/id"}},
         "g2"]])
    assert [x[0] for x in out] == ["Mailbox/query", "Mailbox/get", "Mailbox/get"], out
    ids = out[0][1]["ids"]
    assert len(ids) == 6
    assert sorted(m["id"] for m in out[1][1]["list"]) == sorted(ids)
    assert sorted(m["id"] for m in out[2][1]["list"]) == sorted(ids)
    assert all(set(m) == {"id", "role"} for m in out[2][1]["list"])


def test_calls_are_processed_in_order(account):
    out = _responses(account, [
        ["Mailbox/set", {"accountId": account.id, "create": {"a": {"name": "Ordered"}}}, "s"],
        ["Mailbox/query", {"accountId": account.id, "filter": {"name": "Ordered"}}, "q"],
        ["Mailbox/set", {"accountId": account.id, "#destroy": {
            "resultOf": "q", "name": "Mailbox/query", "path": "/ids"}}, "d"],
        ["Mailbox/query", {"accountId": account.id, "filter": {"name": "Ordered"}}, "q2"]])
    made = out[0][1]["created"]["a"]["id"]
    assert out[1][1]["ids"] == [made]
    assert out[2][1]["destroyed"] == [made]
    assert out[3][1]["ids"] == []


# ---------------------------------------------------------------- created ids

def test_creation_references_within_and_across_calls(account):
    resp = account.jmap.request([
        ["Mailbox/set", {"accountId": account.id, "create": {
            "p": {"name": "Parent"}, "c": {"name": "Child", "parentId": "#p"}}}, "s1"],
        ["Mailbox/set", {"accountId": account.id, "create": {
            "g": {"name": "Grandchild", "parentId": "#c"}}}, "s2"],
    ], created_ids={})
    out = resp["methodResponses"]
    p = out[0][1]["created"]["p"]["id"]
    c = out[0][1]["created"]["c"]["id"]
    g = out[1][1]["created"]["g"]["id"]
    assert resp["createdIds"] == {"p": p, "c": c, "g": g}
    got = {m["id"]: m for m in account.ok("Mailbox/get", {"ids": [p, c, g]})["list"]}
    assert got[c]["parentId"] == p and got[g]["parentId"] == c


def test_created_ids_passed_in_and_out(account):
    inbox = _inbox(account)
    resp = account.jmap.request([
        ["Mailbox/set", {"accountId": account.id, "create": {
            "n": {"name": "UnderInbox", "parentId": "#pre"}}}, "s"]],
        created_ids={"pre": inbox})
    created = resp["methodResponses"][0][1]["created"]["n"]["id"]
    assert resp["createdIds"] == {"pre": inbox, "n": created}
    got = account.ok("Mailbox/get", {"ids": [created], "properties": ["parentId"]})["list"]
    assert got == [{"id": created, "parentId": inbox}]


def test_unknown_creation_reference(account):
    out = account.ok("Mailbox/set", {"create": {"n": {"name": "Orphan", "parentId": "#nope"}}})
    assert "n" in (out.get("notCreated") or {}), out
    assert not out.get("created")


# ---------------------------------------------------------------- blobs

def _upload(srv, acct, data, ctype, account_id=None, auth=None):
    return srv.request("POST", f"/jmap/upload/{account_id or acct.id}/", body=data,
                       headers={"Content-Type": ctype},
                       auth=auth or (acct.name, acct.password))


def test_upload_and_download_round_trip(server, account):
    s = account.jmap.session()
    data = "hello, blob ü\n".encode() + os.urandom(16)
    up = _upload(server, account, data, "text/plain")
    assert up.status == 201, up
    assert up.header("Content-Type", "").startswith("application/json")
    blob = up.json()
    assert blob["accountId"] == account.id
    assert blob["type"] == "text/plain" and blob["size"] == len(data)
    assert tern.jmap_id_ok(blob["blobId"])

    url = _expand(s["downloadUrl"], accountId=account.id, blobId=blob["blobId"],
                  type="text/plain", name="hello.txt")
    down = server.request("GET", _path_of(url), auth=(account.name, account.password))
    assert down.status == 200, down
    assert down.body == data
    assert down.header("Content-Type", "").startswith("text/plain")
    disposition = down.header("Content-Disposition")
    if disposition is not None:
        assert "hello.txt" in disposition

    # the type comes from the URL, not from the upload
    url = _expand(s["downloadUrl"], accountId=account.id, blobId=blob["blobId"],
                  type="application/x-thing", name="x.bin")
    down = server.request("GET", _path_of(url), auth=(account.name, account.password))
    assert down.status == 200 and down.header("Content-Type", "").startswith("application/x-thing")
    assert down.body == data


def test_binary_upload(server, account):
    data = bytes(range(256)) * 4096
    up = _upload(server, account, data, "application/octet-stream")
    assert up.status == 201, up
    blob = up.json()
    assert blob["size"] == len(data)
    url = _expand(account.jmap.session()["downloadUrl"], accountId=account.id,
                  blobId=blob["blobId"], type="image/png", name="all bytes.png")
    down = server.request("GET", _path_of(url), auth=(account.name, account.password))
    assert down.status == 200 and down.body == data
    assert down.header("Content-Type", "").startswith("image/png")


def test_blobs_are_private_to_their_account(server, account, other_account):
    s = account.jmap.session()
    data = os.urandom(64)
    blob = _upload(server, account, data, "application/octet-stream").json()
    mine = _path_of(_expand(s["downloadUrl"], accountId=account.id, blobId=blob["blobId"],
                            type="application/octet-stream", name="b"))
    theirs = _path_of(_expand(s["downloadUrl"], accountId=other_account.id, blobId=blob["blobId"],
                              type="application/octet-stream", name="b"))
    other_auth = (other_account.name, other_account.password)
    r = server.request("GET", mine, auth=other_auth)
    assert r.status in (403, 404), r
    assert data not in r.body
    r = server.request("GET", theirs, auth=other_auth)
    assert r.status == 404, r
    assert data not in r.body
    missing = _path_of(_expand(s["downloadUrl"], accountId=account.id, blobId="Gnosuchblob0",
                               type="a/b", name="c"))
    assert server.request("GET", missing, auth=(account.name, account.password)).status == 404


def test_upload_into_another_account_is_refused(server, account, other_account):
    r = _upload(server, account, b"x", "text/plain", account_id=other_account.id)
    problem(r, 403)
    r = _upload(server, account, b"x", "text/plain", account_id="a99999999")
    problem(r, 404)


def test_upload_over_max_size_is_413(server, account, limits):
    size = limits["maxSizeUpload"] + 1
    r = tern.send_oversized(server.http_port, "POST", f"/jmap/upload/{account.id}/", size,
                            headers={"Content-Type": "application/octet-stream"},
                            auth=(account.name, account.password))
    problem(r, 413)
    assert _upload(server, account, b"still fine", "text/plain").status == 201


# ---------------------------------------------------------------- CORS, HTTP

@pytest.mark.parametrize("path", ["/jmap/", "/.well-known/jmap", "/jmap/upload/a1/",
                                  "/jmap/download/a1/b1/n?accept=text/plain"])
def test_cors_preflight(server, path):
    method = "POST" if path.startswith(("/jmap/upload", "/jmap/")) and "download" not in path \
        else "GET"
    r = server.request("OPTIONS", path, headers={
        "Origin": "https://webmail.example",
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert r.status in (200, 204), r
    assert r.header("Access-Control-Allow-Origin") == "*"
    methods = r.header("Access-Control-Allow-Methods", "").upper()
    assert method in methods, methods
    allowed = r.header("Access-Control-Allow-Headers", "").lower()
    assert "authorization" in allowed and "content-type" in allowed, allowed


def test_cors_on_responses(server, account):
    r = server.request("GET", "/.well-known/jmap", auth=(account.name, account.password),
                       headers={"Origin": "https://webmail.example"})
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "*"
    r = account.jmap.post({"using": [CORE], "methodCalls": []},
                          headers={"Origin": "https://webmail.example"})
    assert r.status == 200 and r.header("Access-Control-Allow-Origin") == "*"


def test_unknown_path_is_404(server, account):
    r = server.request("GET", "/no/such/thing", auth=(account.name, account.password))
    assert r.status == 404, r


def test_parallel_requests(server, account):
    def work(i):
        out = account.jmap.request([["Core/echo", {"i": i}, "e"],
                                    ["Mailbox/get", {"accountId": account.id, "ids": None}, "g"]])
        return out["methodResponses"][0][1]["i"], len(out["methodResponses"][1][1]["list"])

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(64)))
    assert results == [(i, 6) for i in range(64)]


def test_parallel_large_requests(server, account):
    """Requests with large bodies are answered by request workers rather
    than by the thread that read them; parallel ones all get their own
    answers, and small ones in between still go through."""
    pad = "x" * (200 * 1024)

    def work(i):
        client = server.jmap(account.name, account.password)
        got = []
        for j in range(4):
            calls = [["Core/echo", {"i": i, "j": j, "pad": pad}, "e"],
                     ["Mailbox/get", {"accountId": account.id, "ids": None}, "g"]]
            out = client.request(calls if j % 2 == 0 else calls[1:])
            answers = out["methodResponses"]
            if j % 2 == 0:
                assert answers[0][1]["pad"] == pad
                got.append((answers[0][1]["i"], answers[0][1]["j"]))
            assert len(answers[-1][1]["list"]) == 6
        return got

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        results = list(pool.map(work, range(12)))
    assert results == [[(i, 0), (i, 2)] for i in range(12)]


# ---------------------------------------------------------------- a real client

def _node_ready():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "jmap-jam").is_dir():
        npm = shutil.which("npm")
        assert npm, "node without npm: cannot install jmap-jam"
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def test_jmap_jam_client(server, account):
    node = _node_ready()
    env = dict(os.environ, TERN_SESSION_URL=f"http://127.0.0.1:{server.http_port}/.well-known/jmap",
               TERN_USER=account.name, TERN_PASSWORD=account.password)
    proc = subprocess.run([node, str(JS_DIR / "smoke.mjs")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["accountId"] == account.id
    assert sorted(report["roles"]) == sorted(["inbox", "drafts", "sent", "trash", "junk", "archive"])
    made = report["created"]
    got = account.ok("Mailbox/get", {"ids": [made]})["list"]
    assert got and got[0]["name"] == "Made by jmap-jam"
    assert report["queried"] == report["mailboxCount"] == 7


# ---------------------------------------------------------------- configured limits

def test_configured_limits_are_advertised_and_enforced(ternd_factory):
    srv = ternd_factory(jmap={"max-calls-in-request": 3, "max-size-upload": "1K",
                              "max-objects-in-get": 5, "max-objects-in-set": 4,
                              "max-size-request": "2K",
                              "mailbox": {"max-depth": 2, "max-name-length": 120}})
    srv.start()
    acct = tern.new_account(srv)
    s = acct.jmap.session()
    core = s["capabilities"][CORE]
    assert (core["maxCallsInRequest"], core["maxSizeUpload"], core["maxObjectsInGet"],
            core["maxObjectsInSet"], core["maxSizeRequest"]) == (3, 1024, 5, 4, 2048), core
    mail = s["accounts"][acct.id]["accountCapabilities"][MAIL]
    assert mail["maxMailboxDepth"] == 2 and mail["maxSizeMailboxName"] == 120, mail

    r = acct.jmap.post({"using": [CORE], "methodCalls": [["Core/echo", {}, str(i)]
                                                         for i in range(4)]})
    assert problem(r)["limit"] == "maxCallsInRequest"
    r = acct.jmap.post({"using": [CORE], "methodCalls": [["Core/echo", {"p": "x" * 2100}, "0"]]})
    p = problem(r, 413)
    assert p["limit"] == "maxSizeRequest", p
    assert _upload(srv, acct, b"x" * 1024, "text/plain").status == 201
    problem(_upload(srv, acct, b"x" * 1025, "text/plain"), 413)
    assert acct.error("Mailbox/get", {"ids": [f"m{i}" for i in range(1, 7)]}) == "requestTooLarge"
    assert acct.error("Mailbox/set", {"create": {f"k{i}": {"name": f"n{i}"} for i in range(5)}}) \
        == "requestTooLarge"

    top = acct.ok("Mailbox/set", {"create": {"a": {"name": "A"}}})["created"]["a"]["id"]
    mid = acct.ok("Mailbox/set", {"create": {"b": {"name": "B", "parentId": top}}})["created"]
    out = acct.ok("Mailbox/set", {"create": {"c": {"name": "C", "parentId": mid["b"]["id"]}}})
    assert out["notCreated"]["c"]["type"] == "invalidProperties", out
    out = acct.ok("Mailbox/set", {"create": {"n": {"name": "n" * 121}}})
    assert out["notCreated"]["n"]["type"] == "invalidProperties", out


def test_strings_with_nul_survive(account):
    args = {"s": "a\u0000b"}
    out = _responses(account, [["Core/echo", args, "0"]], [CORE])
    assert out == [["Core/echo", args, "0"]]


def test_nul_in_a_name_is_not_silently_cut(account):
    """A member name with U+0000 must come back whole or be refused
    (notJSON), never answered for a different, truncated name."""
    args = {"k\u0000ey": 1}
    r = account.jmap.post({"using": [CORE], "methodCalls": [["Core/echo", args, "0"]]})
    if r.status == 200:
        assert r.json()["methodResponses"] == [["Core/echo", args, "0"]], r
    else:
        assert problem(r)["type"] == ERR + "notJSON"


def test_max_concurrent_upload(ternd_factory):
    import socket
    srv = ternd_factory(jmap={"max-concurrent-upload": 1})
    srv.start()
    acct = tern.new_account(srv)
    assert acct.jmap.session()["capabilities"][CORE]["maxConcurrentUpload"] == 1
    held = socket.create_connection(("127.0.0.1", srv.http_port), timeout=30)
    try:
        held.sendall((f"POST /jmap/upload/{acct.id}/ HTTP/1.1\r\nHost: x\r\n"
                      f"Authorization: {tern.basic(acct.name, acct.password)}\r\n"
                      "Content-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n"
                      ).encode() + b"x" * 50000)
        import time
        time.sleep(0.5)
        r = _upload(srv, acct, b"second", "text/plain")
        p = problem(r, r.status)
        assert 400 <= r.status < 500 and p["type"] == ERR + "limit", (r.status, p)
        assert p["limit"] == "maxConcurrentUpload", p
        held.sendall(b"x" * 50000)
        assert b" 201 " in held.recv(4096).split(b"\r\n")[0] + b" "
    finally:
        held.close()
    assert _upload(srv, acct, b"third", "text/plain").status == 201
