"""sync-collection (RFC 6578) over the core's change log (issue 6):
initial and incremental sync, changes made over JMAP, deletions and
moves reported as 404, DAV:limit with truncation, refused tokens."""
import pytest

import tern
from tern_dav import D, Dav, error_element, multistatus, vcard, vevent

CONTACTS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]


@pytest.fixture
def dav(account):
    return Dav(account)


def sync(dav, path, token="", **kw):
    ms = multistatus(dav.sync(path, token, **kw))
    token = ms.pop("sync-token")
    return token, ms


def names(ms, status=None):
    """Resource names of the responses with properties (status None) or
    with only that status."""
    return sorted(h.rsplit("/", 1)[1] for h, p in ms.items() if p.status == status)


def test_initial_and_incremental(dav):
    dav.put_card("a.vcf", vcard("a", "Ann A"))
    dav.put_card("b.vcf", vcard("b", "Bob B"))
    token, ms = sync(dav, dav.book)
    assert names(ms) == ["a.vcf", "b.vcf"]
    assert all(p.text(D + "getetag") for p in ms.values())
    token2, ms = sync(dav, dav.book, token)
    assert ms == {} and token2 == token
    dav.put_card("c.vcf", vcard("c", "Cid C"))
    dav.put_card("a.vcf", vcard("a", "Ann Changed"))
    assert dav.req("DELETE", dav.book + "b.vcf").status == 204
    token3, ms = sync(dav, dav.book, token)
    assert names(ms) == ["a.vcf", "c.vcf"]
    assert names(ms, 404) == ["b.vcf"]
    assert token3 != token
    assert sync(dav, dav.book, token3)[1] == {}


def test_changes_made_over_jmap(dav):
    dav.put_card("j.vcf", vcard("j", "Jo J"))
    dav.put_card("k.vcf", vcard("k", "Kim K"))
    token, _ = sync(dav, dav.book)
    ids = {c["uid"]: c["id"] for c in dav.account.ok(
        "ContactCard/get", {"properties": ["uid"]}, using=CONTACTS)["list"]}
    dav.account.ok("ContactCard/set", {"update": {ids["j"]: {"name/full": "Jo Jay"}},
                                       "destroy": [ids["k"]]}, using=CONTACTS)
    token, ms = sync(dav, dav.book, token, props=("D:getetag", "CR:address-data"))
    assert names(ms) == ["j.vcf"] and names(ms, 404) == ["k.vcf"]
    assert "Jo Jay" in ms[dav.book + "j.vcf"].text(
        "{urn:ietf:params:xml:ns:carddav}address-data")


def test_move_between_address_books(dav):
    other = dav.card_home + "other/"
    assert dav.req("MKCOL", other).status == 201
    dav.put_card("m.vcf", vcard("m", "Mo M"))
    t1, _ = sync(dav, dav.book)
    t2, _ = sync(dav, other)
    r = dav.req("MOVE", dav.book + "m.vcf", headers={
        "Destination": f"http://127.0.0.1:{dav.srv.http_port}{other}moved.vcf"})
    assert r.status == 201, r
    _, ms = sync(dav, dav.book, t1)
    assert names(ms, 404) == ["m.vcf"] and names(ms) == []
    _, ms = sync(dav, other, t2)
    assert names(ms) == ["moved.vcf"]


def test_limit_truncates_with_507(dav):
    for i in range(5):
        dav.put_event(f"e{i}.ics", vevent(f"e{i}", "20240101T000000Z"))
    token, ms = sync(dav, dav.cal)
    assert len(ms) == 5
    r = dav.sync(dav.cal, limit=2)
    assert error_element(r, 507) == D + "number-of-matches-within-limits"
    for i in range(5):
        dav.put_event(f"e{i}.ics", vevent(f"e{i}", "20240102T000000Z"))
    seen = []
    for _ in range(5):
        token, ms = sync(dav, dav.cal, token, limit=2)
        truncated = ms.pop(dav.cal, None)
        seen += names(ms)
        if truncated is None:
            break
        assert truncated.status == 507
    assert sorted(seen) == [f"e{i}.ics" for i in range(5)]


def test_bad_tokens(dav):
    token, _ = sync(dav, dav.book)
    for bad in ("nonsense", "urn:tern:sync:b999-1", token.replace("-", "-9999"),
                token.rsplit("-", 1)[0] + "-"):
        r = dav.sync(dav.book, bad)
        assert error_element(r, 403) == D + "valid-sync-token", bad
    cal_token, _ = sync(dav, dav.cal)
    assert error_element(dav.sync(dav.book, cal_token), 403) == D + "valid-sync-token"
    r = dav.report(dav.principal, '<D:sync-collection xmlns:D="DAV:"><D:sync-token/>'
                   "<D:sync-level>1</D:sync-level><D:prop/></D:sync-collection>")
    assert error_element(r, 403) == D + "supported-report"


def test_deletion_after_restart_reported(ternd_factory):
    """The core keeps where destroyed, moved and renamed objects were:
    a token from before a restart still gets the deletions as 404."""
    srv = ternd_factory().start()
    dav = Dav(tern.new_account(srv))
    other = dav.card_home + "other/"
    assert dav.req("MKCOL", other).status == 201
    for name in ("p", "q", "r", "s"):
        dav.put_card(f"{name}.vcf", vcard(name, f"{name.upper()}at {name.upper()}"))
    dav.put_event("ev.ics", vevent("ev", "20240101T100000Z"))
    token, _ = sync(dav, dav.book)
    cal_token, _ = sync(dav, dav.cal)
    srv.restart()
    ids = {c["uid"]: c["id"] for c in dav.account.ok(
        "ContactCard/get", {"properties": ["uid"]}, using=CONTACTS)["list"]}
    dav.account.ok("ContactCard/set", {"destroy": [ids["q"]]}, using=CONTACTS)
    assert dav.req("DELETE", dav.cal + "ev.ics").status == 204
    r = dav.req("MOVE", dav.book + "r.vcf", headers={
        "Destination": f"http://127.0.0.1:{srv.http_port}{other}r.vcf"})
    assert r.status == 201, r
    r = dav.req("MOVE", dav.book + "s.vcf", headers={
        "Destination": f"http://127.0.0.1:{srv.http_port}{dav.book}s2.vcf"})
    assert r.status == 201, r
    srv.restart()
    _, ms = sync(dav, dav.book, token)
    assert names(ms, 404) == ["q.vcf", "r.vcf", "s.vcf"]
    assert names(ms) == ["s2.vcf"]
    _, ms = sync(dav, dav.cal, cal_token)
    assert names(ms, 404) == ["ev.ics"]
