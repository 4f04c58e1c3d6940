"""WebDAV classes 2 and 3 (RFC 4918) on calendars and address books
(issue 6): COPY and MOVE, LOCK and UNLOCK with the If header, and
collections renamed."""
import xml.etree.ElementTree as ET

import pytest

from tern_dav import C, CR, D, Dav, error_element, multistatus, vcard, vevent

CONTACTS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]

LOCKINFO = ('<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:{scope}/>'
            "</D:lockscope><D:locktype><D:write/></D:locktype>"
            "<D:owner><D:href>mailto:me@example.org</D:href></D:owner></D:lockinfo>")


@pytest.fixture
def dav(account):
    return Dav(account)


def dest(dav, path):
    return {"Destination": f"http://127.0.0.1:{dav.srv.http_port}{path}"}


def lock(dav, path, scope="exclusive", depth="infinity", headers=None):
    hdrs = {"Timeout": "Second-600"}
    hdrs.update(headers or {})
    return dav.req("LOCK", path, LOCKINFO.format(scope=scope), depth=depth, headers=hdrs)


def token_of(r):
    t = r.header("Lock-Token")
    assert t and t.startswith("<") and t.endswith(">"), r
    return t[1:-1]


def test_copy_and_move_objects(dav):
    text = vcard("cm", "Cora Move")
    assert dav.put_card("cm.vcf", text).status == 201
    other = dav.card_home + "other/"
    assert dav.req("MKCOL", other).status == 201
    r = dav.req("COPY", dav.book + "cm.vcf", headers=dest(dav, other + "copy.vcf"))
    assert r.status == 201, r
    assert dav.req("GET", other + "copy.vcf").body == text.encode()
    assert dav.req("GET", dav.book + "cm.vcf").status == 200
    r = dav.req("COPY", dav.book + "cm.vcf", headers=dict(dest(dav, other + "copy.vcf"),
                                                         Overwrite="F"))
    assert r.status == 412
    # the same UID may not be twice in one address book
    r = dav.req("COPY", dav.book + "cm.vcf", headers=dest(dav, other + "copy2.vcf"))
    assert error_element(r, 409) == CR + "no-uid-conflict"
    r = dav.req("COPY", dav.book + "cm.vcf", headers=dest(dav, other + "copy.vcf"))
    assert r.status == 204
    ids = dav.account.ok("ContactCard/query", {"filter": {"uid": "cm"}}, using=CONTACTS)["ids"]
    assert len(ids) == 2
    assert dav.req("DELETE", other + "copy.vcf").status == 204
    moved_id = [i for i in dav.account.ok("ContactCard/query", {"filter": {"uid": "cm"}},
                                          using=CONTACTS)["ids"]]
    r = dav.req("MOVE", dav.book + "cm.vcf", headers=dest(dav, other + "moved.vcf"))
    assert r.status == 201, r
    assert dav.req("GET", dav.book + "cm.vcf").status == 404
    assert dav.req("GET", other + "moved.vcf").body == text.encode()
    assert dav.account.ok("ContactCard/query", {"filter": {"uid": "cm"}},
                          using=CONTACTS)["ids"] == moved_id


def test_copy_move_refusals(dav):
    dav.put_card("r.vcf", vcard("r", "Rae R"))
    r = dav.req("MOVE", dav.book + "r.vcf", headers=dest(dav, dav.cal + "r.ics"))
    assert r.status == 403
    r = dav.req("COPY", dav.book + "r.vcf", headers=dest(dav, dav.book + "r.vcf"))
    assert r.status == 403
    r = dav.req("COPY", dav.book + "r.vcf", headers=dest(dav, dav.card_home + "none/r.vcf"))
    assert r.status == 409
    assert dav.req("COPY", dav.book + "r.vcf").status == 400
    r = dav.req("MOVE", dav.book + "r.vcf", headers={"Destination": "http://elsewhere/x/y"})
    assert r.status == 502
    r = dav.req("COPY", dav.book + "nope.vcf", headers=dest(dav, dav.book + "n2.vcf"))
    assert r.status == 404


def test_move_collection_renames_it(dav):
    path = dav.cal_home + "old/"
    assert dav.req("MKCALENDAR", path).status == 201
    dav.put_event("e.ics", vevent("e", "20240101T000000Z"), cal=path)
    r = dav.req("MOVE", path, headers=dest(dav, dav.cal_home + "new/"))
    assert r.status == 201, r
    assert dav.req("PROPFIND", path, depth=0).status == 404
    assert dav.req("GET", dav.cal_home + "new/e.ics").status == 200
    r = dav.req("MOVE", dav.cal_home + "new/", headers=dest(dav, dav.cal))
    assert r.status == 412


def test_lock_unlock_and_if(dav):
    path = dav.book + "locked.vcf"
    assert dav.put_card("locked.vcf", vcard("locked", "Lee Locked")).status == 201
    r = lock(dav, path, depth="0")
    assert r.status == 200, r
    token = token_of(r)
    root = ET.fromstring(r.body)
    active = root.find(f"{D}lockdiscovery/{D}activelock")
    assert active.find(f"{D}locktoken/{D}href").text == token
    assert active.find(f"{D}owner/{D}href").text == "mailto:me@example.org"
    assert active.find(f"{D}lockroot/{D}href").text == path
    assert lock(dav, path, scope="shared").status == 423
    r = dav.put_card("locked.vcf", vcard("locked", "Lee Changed"))
    assert error_element(r, 423) == D + "lock-token-submitted"
    assert dav.req("DELETE", path).status == 423
    r = dav.put_card("locked.vcf", vcard("locked", "Lee Changed"),
                     {"If": "(<urn:uuid:00000000-0000-0000-0000-000000000000>)"})
    assert r.status == 412
    r = dav.put_card("locked.vcf", vcard("locked", "Lee Changed"), {"If": f"(<{token}>)"})
    assert r.status == 204, r
    ms = dav.propfind(path, "D:lockdiscovery")
    assert ms[path].ok(D + "lockdiscovery").find(f"{D}activelock") is not None
    r = dav.req("LOCK", path, headers={"If": f"(<{token}>)", "Timeout": "Second-100"})
    assert r.status == 200
    assert dav.req("UNLOCK", path, headers={"Lock-Token": "<urn:uuid:nope>"}).status == 409
    assert dav.req("UNLOCK", path, headers={"Lock-Token": f"<{token}>"}).status == 204
    assert dav.req("DELETE", path).status == 204


def test_collection_lock_covers_new_members(dav):
    r = lock(dav, dav.book)
    assert r.status == 200
    token = token_of(r)
    r = dav.put_card("new.vcf", vcard("new", "Nat New"))
    assert r.status == 423
    r = dav.put_card("new.vcf", vcard("new", "Nat New"),
                     {"If": f"<http://127.0.0.1:{dav.srv.http_port}{dav.book}> (<{token}>)"})
    assert r.status == 201, r
    assert dav.req("UNLOCK", dav.book, headers={"Lock-Token": f"<{token}>"}).status == 204
    assert dav.put_card("new2.vcf", vcard("new2", "Nia New")).status == 201


def test_lock_unmapped_name_reserves_it(dav):
    path = dav.cal + "later.ics"
    r = lock(dav, path, depth="0")
    assert r.status == 201
    token = token_of(r)
    assert dav.put_event("later.ics", vevent("later", "20240101T000000Z")).status == 423
    r = dav.put_event("later.ics", vevent("later", "20240101T000000Z"), {"If": f"(<{token}>)"})
    assert r.status == 201
    assert dav.req("UNLOCK", path, headers={"Lock-Token": f"<{token}>"}).status == 204


def test_lock_refusals(dav):
    assert dav.req("LOCK", dav.book, LOCKINFO.format(scope="exclusive"), depth="1").status == 400
    assert dav.req("LOCK", dav.book, "<D:lockinfo xmlns:D='DAV:'/>").status == 400
    assert dav.req("LOCK", dav.book).status == 412
    assert dav.req("UNLOCK", dav.book).status == 400
    assert lock(dav, dav.card_home + "none/x.vcf").status == 409


def test_if_header_with_etags(dav):
    r = dav.put_card("if.vcf", vcard("if", "Ivy If"))
    etag = r.header("ETag")
    r = dav.put_card("if.vcf", vcard("if", "Ivy Two"), {"If": '(["bogus"])'})
    assert r.status == 412
    r = dav.put_card("if.vcf", vcard("if", "Ivy Two"), {"If": f"([{etag}])"})
    assert r.status == 204
    r = dav.put_card("if.vcf", vcard("if", "Ivy Three"), {"If": f"(Not [{etag}])"})
    assert r.status == 204
    assert dav.put_card("if.vcf", vcard("if", "X"), {"If": "garbage"}).status == 400
