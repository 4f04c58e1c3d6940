"""A success answer means the data is on disk: kill -9 right after an
acknowledged write, restart on the same data dir, the write is there
(DESIGN.md, Durability; issue 2, item 11)."""
import concurrent.futures
import os

import tern


def test_acknowledged_mailbox_set_survives_kill_9(ternd_factory):
    srv = ternd_factory()
    srv.start()
    acct = tern.new_account(srv)
    out = acct.ok("Mailbox/set", {"create": {"k": {"name": "Durable"}}})
    made = out["created"]["k"]["id"]
    state = out["newState"]
    srv.kill9()

    srv.start()
    got = acct.ok("Mailbox/get", {"ids": [made]})
    assert [m["name"] for m in got["list"]] == ["Durable"], got
    assert got["state"] == state
    ch = acct.ok("Mailbox/changes", {"sinceState": state})
    assert ch["created"] == [] and ch["newState"] == state


def test_every_acknowledged_write_survives_kill_9(ternd_factory):
    """Writers in parallel, killed in the middle of more writes: everything
    that was answered is there afterwards, and the store opens cleanly."""
    srv = ternd_factory()
    srv.start()
    accounts = [tern.new_account(srv) for _ in range(3)]
    acked = []

    def write(i):
        acct = accounts[i % len(accounts)]
        out = acct.ok("Mailbox/set", {"create": {"k": {"name": f"W{i}"}}})
        return acct, out["created"]["k"]["id"], f"W{i}"

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        acked = list(pool.map(write, range(60)))
        # more writes in flight while the process dies
        late = [pool.submit(write, 1000 + i) for i in range(30)]
        srv.kill9()
        for f in late:
            try:
                acked.append(f.result())
            except Exception:  # refused or cut off: not acknowledged
                pass

    srv.start()
    for acct in accounts:
        boxes = {m["id"]: m["name"] for m in acct.ok("Mailbox/get", {"ids": None})["list"]}
        for owner, mid, name in acked:
            if owner is acct:
                assert boxes.get(mid) == name, f"acknowledged {name} ({mid}) lost"
        # the store still works
        acct.ok("Mailbox/set", {"create": {"k": {"name": "After restart"}}})


def test_directory_changes_survive_kill_9(ternd_factory):
    srv = ternd_factory()
    srv.start()
    admin = srv.admin()
    acct = tern.new_account(srv)
    admin.ok("PATCH", f"/principal/{acct.name}", [
        {"action": "set", "field": "secrets", "value": "after-kill-pw"}])
    dom = tern.unique("k") + ".test"
    admin.create_domain(dom)
    srv.kill9()
    srv.start()
    assert srv.request("GET", "/.well-known/jmap", auth=(acct.name, "after-kill-pw")).status == 200
    assert srv.request("GET", "/.well-known/jmap", auth=(acct.name, acct.password)).status == 401
    assert srv.admin().ok("GET", f"/principal/{dom}")["type"] == "domain"


def test_uploaded_blob_survives_kill_9(ternd_factory):
    srv = ternd_factory()
    srv.start()
    acct = tern.new_account(srv)
    data = os.urandom(100000)
    up = srv.request("POST", f"/jmap/upload/{acct.id}/", body=data,
                     headers={"Content-Type": "application/octet-stream"},
                     auth=(acct.name, acct.password))
    assert up.status == 201, up
    blob = up.json()["blobId"]
    srv.kill9()
    srv.start()
    down = srv.request("GET", f"/jmap/download/{acct.id}/{blob}/b.bin?accept=application/octet-stream",
                       auth=(acct.name, acct.password))
    assert down.status == 200 and down.body == data


def test_restart_after_clean_stop_keeps_everything(ternd_factory):
    srv = ternd_factory()
    srv.start()
    acct = tern.new_account(srv)
    made = acct.ok("Mailbox/set", {"create": {"k": {"name": "Kept"}}})["created"]["k"]["id"]
    srv.restart()
    assert acct.ok("Mailbox/get", {"ids": [made]})["list"][0]["name"] == "Kept"
