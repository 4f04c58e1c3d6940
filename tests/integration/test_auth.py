"""Authentication: Basic auth by name and address, admins refused on JMAP,
the brute-force guard (issue 2, items 6 and 8)."""
import re
import time

import pytest

import tern

JMAP_PATHS = [("GET", "/.well-known/jmap"), ("POST", "/jmap/")]


def _session_status(srv, auth, source=None):
    return srv.request("GET", "/.well-known/jmap", auth=auth, source=source).status


def _challenge_ok(r):
    assert r.status == 401, r
    challenge = r.header("WWW-Authenticate", "")
    assert re.match(r'Basic realm="Tern"(, ?charset="UTF-8")?$', challenge), challenge


def test_basic_by_name_and_by_address(server, account):
    assert _session_status(server, (account.name, account.password)) == 200
    assert _session_status(server, (account.address, account.password)) == 200
    assert _session_status(server, (account.address.upper(), account.password)) == 200
    r = server.request("POST", "/jmap/", auth=(account.address, account.password),
                       body={"using": [tern.CORE], "methodCalls": [["Core/echo", {}, "0"]]})
    assert r.status == 200, r


def test_alias_logs_in(server, account):
    alias = tern.unique("alias") + "@acct.test"
    server.admin().ok("PATCH", f"/principal/{account.name}", [
        {"action": "addItem", "field": "emails", "value": alias}])
    assert _session_status(server, (alias, account.password)) == 200


@pytest.mark.parametrize("method, path", JMAP_PATHS + [("POST", "/jmap/upload/a1/"),
                                                        ("GET", "/jmap/download/a1/b1/x?accept=a/b")])
def test_missing_or_wrong_credentials_are_401(server, account, method, path):
    for auth in (None, (account.name, account.password + "x"), (account.name, ""),
                 ("nobody-" + account.name, account.password), "Bearer " + account.password,
                 "Basic", "Basic ***", "Basic " + "QQ==" * 1000):
        r = server.request(method, path, auth=auth, body=b"{}" if method == "POST" else None)
        _challenge_ok(r)


def test_utf8_password(server):
    admin = server.admin()
    admin.ensure_domain("acct.test")
    name = tern.unique("u")
    admin.create_user(name, ["pässwörd-ü-€"], [f"{name}@acct.test"])
    assert _session_status(server, (name, "pässwörd-ü-€")) == 200
    assert _session_status(server, (name, "passwort")) == 401


def test_fallback_admin_refused_on_jmap(server):
    auth = ("admin", server.admin_password)
    assert server.request("GET", "/api/principal", auth=auth).status == 200
    for method, path in JMAP_PATHS:
        r = server.request(method, path, auth=auth,
                           body={"using": [tern.CORE], "methodCalls": []} if method == "POST" else None)
        assert r.status == 403, r


def test_admin_principal_refused_on_jmap(server):
    boss = tern.new_account(server, prefix="boss", role="admin")
    for method, path in JMAP_PATHS:
        r = server.request(method, path, auth=(boss.name, boss.password),
                           body={"using": [tern.CORE], "methodCalls": []} if method == "POST" else None)
        assert r.status == 403, r
    r = server.request(f"POST", f"/jmap/upload/{boss.id}/", auth=(boss.name, boss.password),
                       body=b"x", headers={"Content-Type": "text/plain"})
    assert r.status == 403, r


def test_password_change_drops_cached_login(server, account):
    auth = (account.name, account.password)
    for _ in range(3):  # warm the cache
        assert _session_status(server, auth) == 200
    server.admin().ok("PATCH", f"/principal/{account.name}", [
        {"action": "set", "field": "secrets", "value": "brand-new-pw-1"}])
    assert _session_status(server, auth) == 401
    assert _session_status(server, (account.name, "brand-new-pw-1")) == 200


def test_deleted_principal_cannot_use_cached_login(server):
    acct = tern.new_account(server)
    auth = (acct.name, acct.password)
    assert _session_status(server, auth) == 200
    server.admin().ok("DELETE", f"/principal/{acct.name}")
    assert _session_status(server, auth) == 401


def test_parallel_logins(server, account):
    import concurrent.futures
    auth = (account.name, account.password)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(lambda _: _session_status(server, auth), range(32)))
    assert statuses == [200] * 32


# ---------------------------------------------------------------- brute-force guard

def _fail(srv, n, source=None, path="/.well-known/jmap"):
    statuses = [srv.request("GET", path, auth=("nobody", f"wrong{i}"), source=source).status
                for i in range(n)]
    assert set(statuses) <= {401, 403}, statuses
    return statuses


def _banned(srv, acct, source=None):
    r = srv.request("GET", "/.well-known/jmap", auth=(acct.name, acct.password), source=source)
    assert r.status in (200, 403), r
    return r.status == 403


def test_ban_after_failures_survives_restart(ternd_factory):
    srv = ternd_factory(ban={"failures": 3, "window": "10m", "duration": "1h"})
    srv.start()
    acct = tern.new_account(srv)
    _fail(srv, 2)
    assert not _banned(srv, acct), "banned below the threshold"
    statuses = _fail(srv, 3)
    assert statuses[-1] == 403, f"still not blocked after {2 + 3} failures: {statuses}"

    # blocked whatever the credentials, with a problem details body
    r = srv.request("GET", "/.well-known/jmap", auth=(acct.name, acct.password))
    body = tern.problem(r, 403)
    assert isinstance(body.get("type"), str), body
    r = srv.request("POST", "/jmap/", auth=(acct.name, acct.password),
                    body={"using": [tern.CORE], "methodCalls": [["Core/echo", {}, "0"]]})
    assert r.status == 403, r
    r = srv.request("GET", "/api/principal", auth=("admin", srv.admin_password))
    assert r.status == 403 and r.json().get("error") == "forbidden", r

    # per IP: another loopback address is not blocked
    assert not _banned(srv, acct, source="127.0.0.2")

    # the block is logged, naming the address
    assert re.search(r"(?i)(ban|block)[^\n]*127\.0\.0\.1|127\.0\.0\.1[^\n]*(ban|block)",
                     srv.log_text()), "the block was not logged"

    srv.restart()
    assert _banned(srv, acct), "the block did not survive a restart"
    assert not _banned(srv, acct, source="127.0.0.2")


def test_admin_api_failures_count_too(ternd_factory):
    srv = ternd_factory(ban={"failures": 2})
    srv.start()
    acct = tern.new_account(srv)
    for _ in range(3):
        srv.request("GET", "/api/principal", auth=("admin", "not-the-password"))
    assert _banned(srv, acct)


def test_ban_expires(ternd_factory):
    srv = ternd_factory(ban={"failures": 2, "window": "10m", "duration": "3s"})
    srv.start()
    acct = tern.new_account(srv)
    _fail(srv, 3)
    assert _banned(srv, acct)
    time.sleep(4.5)
    assert not _banned(srv, acct), "the block outlived security.auth-ban.duration"


def test_failures_outside_the_window_do_not_add_up(ternd_factory):
    srv = ternd_factory(ban={"failures": 3, "window": "2s", "duration": "1h"})
    srv.start()
    acct = tern.new_account(srv)
    _fail(srv, 2)
    time.sleep(3)
    _fail(srv, 2)
    assert not _banned(srv, acct), "failures older than the window were counted"


@pytest.mark.parametrize("exempt, source", [
    (["127.0.0.2"], "127.0.0.2"),
    (["127.0.0.0/8"], "127.0.0.1"),
    (["10.9.9.9", "127.0.0.3/32"], "127.0.0.3"),
])
def test_exempt_addresses_are_never_blocked(ternd_factory, exempt, source):
    srv = ternd_factory(ban={"failures": 2, "exempt": exempt})
    srv.start()
    acct = tern.new_account(srv)
    _fail(srv, 6, source=source)
    assert not _banned(srv, acct, source=source)
    if source != "127.0.0.1":
        # loopback is not exempt unless configured
        _fail(srv, 3, source="127.0.0.1")
        assert _banned(srv, acct, source="127.0.0.1")


def test_successes_do_not_count(ternd_factory):
    srv = ternd_factory(ban={"failures": 2})
    srv.start()
    acct = tern.new_account(srv)
    for _ in range(10):
        assert _session_status(srv, (acct.name, acct.password)) == 200
