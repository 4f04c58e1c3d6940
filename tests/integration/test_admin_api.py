"""The admin REST API (docs/http-api.md) and ternctl over it (issue 2,
item 7)."""
import json
import subprocess
import warnings

import pytest

import tern

PRINCIPAL_KEYS = {"id", "type", "name", "description", "role", "quota", "emails", "members",
                  "accountId"}


def _error(r, status, code):
    assert r.status == status, r
    body = r.json()
    assert body.get("error") == code, body
    assert isinstance(body.get("details"), str) and body["details"], body
    assert "data" not in body
    return body


def _jmap_status(srv, user, password):
    return srv.request("GET", "/.well-known/jmap", auth=(user, password)).status


def _crypt(password, method):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
    return crypt.crypt(password, crypt.mksalt(getattr(crypt, method)))


# ---------------------------------------------------------------- domains

def test_domain_create_get_list_delete(server):
    admin = server.admin()
    name = tern.unique("d") + ".test"
    data = admin.create_domain(name)
    assert data["type"] == "domain" and data["name"] == name
    assert isinstance(data["id"], int)

    got = admin.ok("GET", f"/principal/{name}")
    assert got["name"] == name and got["type"] == "domain"

    listed = admin.ok("GET", "/principal?types=domain")
    assert name in [p["name"] for p in listed["items"]]
    assert all(p["type"] == "domain" for p in listed["items"])
    assert listed["total"] == len(listed["items"])

    assert admin.ok("DELETE", f"/principal/{name}") is None
    _error(admin.req("GET", f"/principal/{name}"), 404, "notFound")


def test_domain_duplicate_is_409(server):
    admin = server.admin()
    name = tern.unique("d") + ".test"
    admin.create_domain(name)
    _error(admin.req("POST", "/principal", {"type": "domain", "name": name}), 409, "alreadyExists")
    _error(admin.req("POST", "/principal", {"type": "domain", "name": name.upper()}), 409,
           "alreadyExists")


def test_domain_with_addresses_is_in_use(server):
    admin = server.admin()
    dom = tern.unique("d") + ".test"
    admin.create_domain(dom)
    name = tern.unique()
    admin.create_user(name, ["pw-12345678"], [f"{name}@{dom}"])
    _error(admin.req("DELETE", f"/principal/{dom}"), 409, "inUse")
    assert admin.ok("GET", f"/principal/{dom}")["name"] == dom
    admin.ok("DELETE", f"/principal/{name}")
    assert admin.ok("DELETE", f"/principal/{dom}") is None


# ---------------------------------------------------------------- individuals

def test_individual_lifecycle(server):
    admin = server.admin()
    admin.ensure_domain("life.test")
    name = tern.unique("alice")
    p = admin.ok("POST", "/principal", {
        "type": "individual", "name": name, "secrets": ["first-pw-1"],
        "emails": [f"{name}@life.test"], "quota": 1000000, "description": "Alice A."}, 201)
    assert PRINCIPAL_KEYS <= set(p), p
    assert "secrets" not in p and "secret" not in json.dumps(p).lower()
    assert p["type"] == "individual" and p["name"] == name and p["role"] == "user"
    assert p["quota"] == 1000000 and p["description"] == "Alice A."
    assert p["emails"] == [f"{name}@life.test"] and p["members"] == []
    assert p["accountId"] == f"a{p['id']}"

    assert admin.ok("GET", f"/principal/{name}") == p
    assert _jmap_status(server, name, "first-pw-1") == 200
    assert _jmap_status(server, f"{name}@life.test", "first-pw-1") == 200

    # PATCH: every action on every field kind
    alias = f"{name}.x@life.test"
    p2 = admin.ok("PATCH", f"/principal/{name}", [
        {"action": "addItem", "field": "emails", "value": alias},
        {"action": "set", "field": "description", "value": "Alice B."},
        {"action": "set", "field": "quota", "value": 5000},
    ])
    assert p2["emails"] == [f"{name}@life.test", alias] or sorted(p2["emails"]) == sorted(
        [f"{name}@life.test", alias])
    assert p2["description"] == "Alice B." and p2["quota"] == 5000
    assert _jmap_status(server, alias, "first-pw-1") == 200

    p3 = admin.ok("PATCH", f"/principal/{name}", [
        {"action": "removeItem", "field": "emails", "value": alias}])
    assert p3["emails"] == [f"{name}@life.test"]
    assert _jmap_status(server, alias, "first-pw-1") == 401

    admin.ok("PATCH", f"/principal/{name}", [
        {"action": "set", "field": "secrets", "value": "second-pw-2"}])
    assert _jmap_status(server, name, "first-pw-1") == 401
    assert _jmap_status(server, name, "second-pw-2") == 200

    admin.ok("PATCH", f"/principal/{name}", [
        {"action": "addItem", "field": "secrets", "value": "third-pw-3"}])
    assert _jmap_status(server, name, "second-pw-2") == 200
    assert _jmap_status(server, name, "third-pw-3") == 200
    admin.ok("PATCH", f"/principal/{name}", [
        {"action": "set", "field": "emails", "value": [f"{name}@life.test", alias]}])
    assert sorted(admin.ok("GET", f"/principal/{name}")["emails"]) == sorted(
        [f"{name}@life.test", alias])

    assert admin.ok("DELETE", f"/principal/{name}") is None
    _error(admin.req("GET", f"/principal/{name}"), 404, "notFound")
    assert _jmap_status(server, name, "second-pw-2") == 401
    # the address is free again
    admin.create_user(tern.unique(), ["pw-12345678"], [alias])


def test_rename_principal(server):
    admin = server.admin()
    admin.ensure_domain("life.test")
    name, new = tern.unique("r"), tern.unique("r")
    admin.create_user(name, ["rename-pw-1"], [f"{name}@life.test"])
    p = admin.ok("PATCH", f"/principal/{name}", [{"action": "set", "field": "name", "value": new}])
    assert p["name"] == new
    _error(admin.req("GET", f"/principal/{name}"), 404, "notFound")
    assert _jmap_status(server, new, "rename-pw-1") == 200
    assert _jmap_status(server, name, "rename-pw-1") == 401


def test_names_and_addresses_are_lowercased(server):
    admin = server.admin()
    admin.ensure_domain("life.test")
    name = tern.unique("Bob")
    p = admin.create_user(name, ["pw-12345678"], [f"{name}@LIFE.test"])
    assert p["name"] == name.lower()
    assert p["emails"] == [f"{name.lower()}@life.test"]
    assert _jmap_status(server, f"{name.upper()}@life.test", "pw-12345678") == 200


def test_list_filters_and_orders(server):
    admin = server.admin()
    admin.ensure_domain("list.test")
    names = sorted(tern.unique("l") for _ in range(3))
    for n in reversed(names):
        admin.create_user(n, ["pw-12345678"], [f"{n}@list.test"])
    group = tern.unique("g")
    admin.ok("POST", "/principal", {"type": "group", "name": group}, 201)

    every = admin.ok("GET", "/principal")
    all_names = [p["name"] for p in every["items"]]
    assert all_names == sorted(all_names), "not ordered by name"
    assert set(names) | {group, "list.test"} <= set(all_names)
    assert every["total"] == len(every["items"])

    two = admin.ok("GET", "/principal?types=individual,domain")
    types = {p["type"] for p in two["items"]}
    assert types <= {"individual", "domain"} and group not in [p["name"] for p in two["items"]]
    assert set(names) <= {p["name"] for p in two["items"]}

    only = admin.ok("GET", "/principal?types=group")
    assert [p["type"] for p in only["items"]] == ["group"] * len(only["items"])
    assert group in [p["name"] for p in only["items"]]


def test_group_members(server):
    admin = server.admin()
    admin.ensure_domain("grp.test")
    a, b = tern.unique("m"), tern.unique("m")
    for n in (a, b):
        admin.create_user(n, ["pw-12345678"], [f"{n}@grp.test"])
    g = tern.unique("team")
    p = admin.ok("POST", "/principal", {"type": "group", "name": g, "members": [a],
                                        "emails": [f"{g}@grp.test"], "description": "Team"}, 201)
    assert p["type"] == "group" and p["members"] == [a] and p["emails"] == [f"{g}@grp.test"]
    p = admin.ok("PATCH", f"/principal/{g}", [{"action": "addItem", "field": "members", "value": b}])
    assert sorted(p["members"]) == sorted([a, b])
    p = admin.ok("PATCH", f"/principal/{g}", [{"action": "removeItem", "field": "members",
                                               "value": a}])
    assert p["members"] == [b]
    _error(admin.req("PATCH", f"/principal/{g}", [{"action": "addItem", "field": "members",
                                                   "value": tern.unique("ghost")}]),
           404, "notFound")
    assert admin.ok("DELETE", f"/principal/{g}") is None


def test_admin_role_principal_uses_api(server):
    admin = server.admin()
    admin.ensure_domain("life.test")
    name = tern.unique("boss")
    p = admin.create_user(name, ["boss-pw-1"], [f"{name}@life.test"], role="admin")
    assert p["role"] == "admin"
    r = server.request("GET", "/api/principal", auth=(name, "boss-pw-1"))
    assert r.status == 200, r
    r = server.request("GET", "/api/principal", auth=(f"{name}@life.test", "boss-pw-1"))
    assert r.status == 200, r


# ---------------------------------------------------------------- imported hashes

@pytest.mark.parametrize("method, prefix", [
    ("METHOD_BLOWFISH", "$2b$"),
    ("METHOD_SHA512", "$6$"),
    ("METHOD_SHA256", "$5$"),
])
def test_imported_hash_logs_in(server, method, prefix):
    admin = server.admin()
    admin.ensure_domain("hash.test")
    name = tern.unique("h")
    hashed = _crypt("imported-pw-1", method)
    assert hashed.startswith(prefix), hashed
    p = admin.create_user(name, [hashed], [f"{name}@hash.test"])
    assert hashed not in json.dumps(p)
    assert _jmap_status(server, name, "imported-pw-1") == 200
    assert _jmap_status(server, name, "imported-pw-2") == 401
    # a hash is not a password
    assert _jmap_status(server, name, hashed) == 401


def test_imported_openssl_sha512_hash(server):
    out = subprocess.run(["openssl", "passwd", "-6", "openssl-pw-1"], capture_output=True,
                         text=True, check=True).stdout.strip()
    admin = server.admin()
    admin.ensure_domain("hash.test")
    name = tern.unique("h")
    admin.create_user(name, [out], [f"{name}@hash.test"])
    assert _jmap_status(server, name, "openssl-pw-1") == 200


def test_imported_hash_as_new_secret(server):
    admin = server.admin()
    admin.ensure_domain("hash.test")
    name = tern.unique("h")
    admin.create_user(name, ["plain-pw-1"], [f"{name}@hash.test"])
    admin.ok("PATCH", f"/principal/{name}", [
        {"action": "set", "field": "secrets", "value": [_crypt("patched-pw-1", "METHOD_SHA512")]}])
    assert _jmap_status(server, name, "plain-pw-1") == 401
    assert _jmap_status(server, name, "patched-pw-1") == 200


# ---------------------------------------------------------------- errors

def test_address_in_unknown_domain_is_404(server):
    admin = server.admin()
    name = tern.unique()
    r = admin.req("POST", "/principal", {"type": "individual", "name": name, "secrets": ["pw"],
                                         "emails": [f"{name}@no-such-domain.test"]})
    _error(r, 404, "notFound")
    _error(admin.req("GET", f"/principal/{name}"), 404, "notFound")

    admin.ensure_domain("life.test")
    admin.create_user(name, ["pw-12345678"], [f"{name}@life.test"])
    _error(admin.req("PATCH", f"/principal/{name}", [
        {"action": "addItem", "field": "emails", "value": f"x@no-such-domain.test"}]),
        404, "notFound")


def test_duplicates_are_409(server):
    admin = server.admin()
    admin.ensure_domain("dup.test")
    name = tern.unique()
    admin.create_user(name, ["pw-12345678"], [f"{name}@dup.test"])
    _error(admin.req("POST", "/principal", {"type": "individual", "name": name, "secrets": ["x"],
                                            "emails": []}), 409, "alreadyExists")
    other = tern.unique()
    _error(admin.req("POST", "/principal", {"type": "individual", "name": other, "secrets": ["x"],
                                            "emails": [f"{name}@dup.test"]}), 409, "alreadyExists")
    admin.create_user(other, ["pw-12345678"], [f"{other}@dup.test"])
    _error(admin.req("PATCH", f"/principal/{other}", [
        {"action": "addItem", "field": "emails", "value": f"{name}@dup.test"}]), 409,
        "alreadyExists")
    _error(admin.req("PATCH", f"/principal/{other}", [
        {"action": "set", "field": "name", "value": name}]), 409, "alreadyExists")


@pytest.mark.parametrize("body", [
    b"{not json",
    b"",
    b"[1, 2",
    b'"a string"',
    b"[]",
    b'{"name": "x"}',
    b'{"type": "individual"}',
    b'{"type": "planet", "name": "x"}',
    b'{"type": "individual", "name": 5}',
    b'{"type": "individual", "name": "x", "secrets": "notalist-but-string", "emails": 7}',
    b'{"type": "individual", "name": "x", "quota": "lots"}',
    b'{"type": "individual", "name": "x", "emails": ["not-an-address"]}',
    b'{"type": "individual", "name": "x", "role": "emperor"}',
    b'{"type": "domain", "name": ""}',
    b'{"type": "domain", "name": "ev\\u0000il.test"}',
    b'{"type": "individual", "name": "nul\\u0000", "secrets": ["pw-12345678"]}',
    b"[" * 100000,
])
def test_bad_bodies_are_400(server, body):
    r = server.admin().req("POST", "/principal", body, headers={"Content-Type": "application/json"})
    _error(r, 400, "invalidRequest")


@pytest.mark.parametrize("body", [
    b"{not json",
    b'{"action": "set"}',
    b'[{"action": "explode", "field": "quota", "value": 1}]',
    b'[{"action": "set", "field": "colour", "value": "red"}]',
    b'[{"action": "set", "field": "quota", "value": "x"}]',
    b'[{"action": "addItem", "field": "description", "value": "x"}]',
])
def test_bad_patches_are_400(server, body):
    admin = server.admin()
    admin.ensure_domain("life.test")
    name = tern.unique()
    admin.create_user(name, ["pw-12345678"], [f"{name}@life.test"])
    r = admin.req("PATCH", f"/principal/{name}", body, headers={"Content-Type": "application/json"})
    _error(r, 400, "invalidRequest")


def test_unknown_principal_is_404(server):
    admin = server.admin()
    ghost = tern.unique("ghost")
    _error(admin.req("GET", f"/principal/{ghost}"), 404, "notFound")
    _error(admin.req("PATCH", f"/principal/{ghost}", [
        {"action": "set", "field": "quota", "value": 1}]), 404, "notFound")
    _error(admin.req("DELETE", f"/principal/{ghost}"), 404, "notFound")


def test_no_auth_is_401_with_challenge(server):
    for auth in (None, ("admin", "wrong"), ("nobody", "x"), "Bearer abc", "Basic !!!notb64"):
        r = server.request("GET", "/api/principal", auth=auth)
        _error(r, 401, "unauthorized")
        challenge = r.header("WWW-Authenticate", "")
        assert challenge.startswith("Basic") and 'realm="Tern"' in challenge, challenge


def test_non_admin_is_403(server, account):
    r = server.request("GET", "/api/principal", auth=(account.name, account.password))
    _error(r, 403, "forbidden")
    r = server.request("POST", "/api/principal", body={"type": "domain", "name": "evil.test"},
                       auth=(account.name, account.password))
    _error(r, 403, "forbidden")
    _error(server.admin().req("GET", "/principal/evil.test"), 404, "notFound")


@pytest.mark.parametrize("method, path", [
    ("PUT", "/principal"),
    ("DELETE", "/principal"),
    ("PATCH", "/principal"),
    ("POST", "/principal/someone"),
    ("PUT", "/principal/someone"),
])
def test_wrong_method_is_405(server, method, path):
    r = server.admin().req(method, path, body=b"{}")
    _error(r, 405, "methodNotAllowed")


def test_unknown_api_path_is_404(server):
    _error(server.admin().req("GET", "/no-such-thing"), 404, "notFound")


def test_too_large_body_is_413(server):
    r = tern.send_oversized(server.http_port, "POST", "/api/principal", 64 * 1024 * 1024,
                            headers={"Content-Type": "application/json"},
                            auth=("admin", server.admin_password),
                            prefix=b'{"type":"domain","name":"big.test","description":"', suffix=b'"}')
    _error(r, 413, "tooLarge")
    # and the server is still fine
    assert server.admin().req("GET", "/principal").status == 200


def test_new_individual_gets_six_mailboxes(server, account):
    out = account.ok("Mailbox/get", {"ids": None})
    roles = sorted(m["role"] for m in out["list"])
    assert roles == sorted(["inbox", "drafts", "sent", "trash", "junk", "archive"])


def test_delete_removes_account_data(server):
    admin = server.admin()
    acct = tern.new_account(server)
    acct.ok("Mailbox/set", {"create": {"k": {"name": "Keep"}}})
    admin.ok("DELETE", f"/principal/{acct.name}")
    # a new principal of the same name starts empty
    p = admin.create_user(acct.name, ["pw-12345678"], [acct.address])
    fresh = tern.Account(server, p, "pw-12345678", acct.address)
    names = [m["name"] for m in fresh.ok("Mailbox/get", {"ids": None})["list"]]
    assert "Keep" not in names and len(names) == 6


# ---------------------------------------------------------------- ternctl

def _ok(proc):
    assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def test_ternctl_domains(server):
    dom = tern.unique("ctl") + ".test"
    _ok(tern.ternctl(server, "domain", "add", dom))
    assert dom in _ok(tern.ternctl(server, "domain", "list"))
    assert server.admin().ok("GET", f"/principal/{dom}")["type"] == "domain"
    again = tern.ternctl(server, "domain", "add", dom)
    assert again.returncode != 0 and again.stderr.strip()
    _ok(tern.ternctl(server, "domain", "delete", dom))
    assert dom not in _ok(tern.ternctl(server, "domain", "list"))


def test_ternctl_accounts(server):
    env = tern.ternctl_env(server)
    dom = tern.unique("ctl") + ".test"
    _ok(tern.ternctl(server, "domain", "add", dom, env=env, connection=False))
    name = tern.unique("carol")
    addr = f"{name}@{dom}"

    def ctl(*args):
        return tern.ternctl(server, *args, env=env, connection=False)

    _ok(ctl("account", "add", addr, "--password", "ctl-pw-1", "--description", "Carol C"))
    assert name in _ok(ctl("account", "list"))
    shown = _ok(ctl("account", "show", name))
    assert addr in shown and name in shown
    assert _jmap_status(server, addr, "ctl-pw-1") == 200
    p = server.admin().ok("GET", f"/principal/{name}")
    assert p["description"] == "Carol C" and p["emails"] == [addr] and p["role"] == "user"

    _ok(ctl("account", "passwd", name, "--password", "ctl-pw-2"))
    assert _jmap_status(server, name, "ctl-pw-1") == 401
    assert _jmap_status(server, name, "ctl-pw-2") == 200

    alias = f"{name}.alias@{dom}"
    _ok(ctl("account", "alias", "add", name, alias))
    assert alias in _ok(ctl("account", "show", name))
    assert alias in server.admin().ok("GET", f"/principal/{name}")["emails"]
    assert _jmap_status(server, alias, "ctl-pw-2") == 200
    _ok(ctl("account", "alias", "remove", name, alias))
    assert alias not in server.admin().ok("GET", f"/principal/{name}")["emails"]

    busy = ctl("domain", "delete", dom)
    assert busy.returncode != 0, "deleting a domain in use must fail"

    _ok(ctl("account", "delete", name))
    assert _jmap_status(server, name, "ctl-pw-2") == 401
    assert server.admin().req("GET", f"/principal/{name}").status == 404
    _ok(ctl("domain", "delete", dom))


def test_ternctl_account_options(server):
    env = tern.ternctl_env(server)
    server.admin().ensure_domain("opt.test")
    name = tern.unique("dave")
    _ok(tern.ternctl(server, "account", "add", f"dave@opt.test", "--password", "opt-pw-1",
                     "--name", name, "--quota", "1G", env=env, connection=False))
    p = server.admin().ok("GET", f"/principal/{name}")
    assert p["emails"] == ["dave@opt.test"] and p["role"] == "user"
    assert p["quota"] == 1024 ** 3, p  # sizes are powers of 1024 (conf/ternd.conf)
    boss = tern.unique("boss")
    _ok(tern.ternctl(server, "account", "add", f"{boss}@opt.test", "--password", "opt-pw-2",
                     "--admin", env=env, connection=False))
    assert server.admin().ok("GET", f"/principal/{boss}")["role"] == "admin"


def test_ternctl_errors(server):
    env = tern.ternctl_env(server)
    r = tern.ternctl(server, "account", "add", f"{tern.unique()}@no-such-domain.test",
                     "--password", "x-12345678", env=env, connection=False)
    assert r.returncode != 0 and r.stderr.strip()
    r = tern.ternctl(server, "account", "show", tern.unique("ghost"), env=env, connection=False)
    assert r.returncode != 0 and r.stderr.strip()
    r = tern.ternctl(server, "domain", "list", password="wrong-password")
    assert r.returncode != 0 and r.stderr.strip()
    r = tern.ternctl(server, "frobnicate", env=env, connection=False)
    assert r.returncode != 0
    r = tern.ternctl(server, "domain", "list", env={"TERN_URL": "http://127.0.0.1:1",
                                                     "TERN_PASSWORD": "x"}, connection=False)
    assert r.returncode != 0 and r.stderr.strip()


def test_role_change_moves_between_api_and_jmap(server, account):
    admin = server.admin()
    auth = (account.name, account.password)
    admin.ok("PATCH", f"/principal/{account.name}", [{"action": "set", "field": "role",
                                                      "value": "admin"}])
    assert server.request("GET", "/.well-known/jmap", auth=auth).status == 403
    assert server.request("GET", "/api/principal", auth=auth).status == 200
    admin.ok("PATCH", f"/principal/{account.name}", [{"action": "set", "field": "role",
                                                      "value": "user"}])
    assert server.request("GET", "/.well-known/jmap", auth=auth).status == 200
    assert server.request("GET", "/api/principal", auth=auth).status == 403


def test_configured_request_size_limit(ternd_factory):
    srv = ternd_factory(server_extra={"http": {"max-request-size": "1K"}})
    srv.start()
    r = srv.admin().req("POST", "/principal", {"type": "domain", "name": "big.test",
                                               "description": "d" * 2000})
    _error(r, 413, "tooLarge")
    assert srv.admin().req("POST", "/principal", {"type": "domain", "name": "small.test",
                                                  "description": "d" * 100}).status == 201


def test_unknown_type_in_list_filter_is_400(server):
    _error(server.admin().req("GET", "/principal?types=planet"), 400, "invalidRequest")
