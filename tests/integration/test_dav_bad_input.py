"""Bad input to DAV (issue 6): malformed XML, entities and external
references, deep nesting, oversized bodies, invalid vCard and iCalendar,
path traversal. Each gets its status (and precondition), the server
stays up, and nothing stored changes."""
import pytest

import tern
from tern_dav import C, CR, D, Dav, error_element, multistatus, prop_body, vcard

CONTACTS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]


@pytest.fixture
def dav(account):
    return Dav(account)


def card_count(dav):
    return len(dav.account.ok("ContactCard/query", {}, using=CONTACTS)["ids"])


MALFORMED = [
    "<D:propfind xmlns:D='DAV:'><D:prop>",
    "<D:propfind xmlns:D='DAV:'><D:prop></D:propfind>",
    "not xml at all",
    "<?xml version='1.0'?><a:b xmlns:a='x'>\x01</a:b>",
    b"<?xml version='1.0' encoding='utf-8'?><D:propfind xmlns:D='DAV:'>\xff\xfe</D:propfind>",
]


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("method", ["PROPFIND", "PROPPATCH", "REPORT", "MKCOL", "LOCK"])
def test_malformed_xml_is_400(dav, method, body):
    path = dav.card_home + "new/" if method == "MKCOL" else dav.book
    r = dav.req(method, path, body, depth=0)
    assert r.status == 400, (method, r)
    assert dav.req("PROPFIND", dav.card_home + "new/", depth=0).status == 404


def test_external_entity_is_refused(dav):
    body = ('<?xml version="1.0"?><!DOCTYPE D:propfind [<!ENTITY xxe SYSTEM '
            '"file:///etc/passwd">]><D:propfind xmlns:D="DAV:"><D:prop><D:displayname>&xxe;'
            "</D:displayname></D:prop></D:propfind>")
    r = dav.req("PROPFIND", dav.book, body, depth=0)
    assert r.status == 400 and b"root:" not in r.body
    patch = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
             '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><X:p xmlns:X="urn:x">&xxe;'
             "</X:p></D:prop></D:set></D:propertyupdate>")
    assert dav.req("PROPPATCH", dav.book, patch).status == 400
    r = dav.req("PROPFIND", dav.book, '<D:propfind xmlns:D="DAV:"><D:prop>'
                '<X:p xmlns:X="urn:x"/></D:prop></D:propfind>', depth=0)
    assert multistatus(r)[dav.book].props["{urn:x}p"][0] == 404


def test_entity_expansion_bomb_is_refused(dav):
    ents = '<!ENTITY a0 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx">'
    for i in range(1, 12):
        ents += f'<!ENTITY a{i} "{"&a%d;" % (i - 1) * 10}">'
    body = (f'<?xml version="1.0"?><!DOCTYPE D:propfind [{ents}]><D:propfind xmlns:D="DAV:">'
            "<D:prop><D:displayname>&a11;</D:displayname></D:prop></D:propfind>")
    r = dav.req("PROPFIND", dav.book, body, depth=0)
    assert r.status == 400
    assert dav.req("PROPFIND", dav.book, depth=0).status == 207


def test_deep_nesting_is_refused(dav):
    deep = "<X:a>" * 2000 + "</X:a>" * 2000
    body = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x"><D:set>'
            f"<D:prop><X:p>{deep}</X:p></D:prop></D:set></D:propertyupdate>")
    assert dav.req("PROPPATCH", dav.book, body).status == 400
    deep = "<X:a>" * 40 + "</X:a>" * 40
    body = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:" xmlns:X="urn:x"><D:set>'
            f"<D:prop><X:p>{deep}</X:p></D:prop></D:set></D:propertyupdate>")
    assert dav.req("PROPPATCH", dav.book, body).status == 400


def test_oversized_bodies(ternd_factory):
    srv = ternd_factory(extra='dav = { max-request-size = "64K"; };').start()
    dav = Dav(tern.new_account(srv))
    r = tern.send_oversized(srv.http_port, "PROPFIND", dav.book, 10 * 1024 * 1024,
                            auth=dav.auth, prefix=b'<D:propfind xmlns:D="DAV:">',
                            headers={"Depth": "0"})
    assert r.status == 413
    big = vcard("big", "Big Card", extra="NOTE:" + "x" * 70000 + "\r\n")
    r = dav.put_card("big.vcf", big)
    assert r.status == 413
    assert card_count(dav) == 0
    assert dav.put_card("small.vcf", vcard("small", "Small Card")).status == 201


def test_resource_too_large(ternd_factory):
    srv = ternd_factory(extra='dav = { max-request-size = "8M"; };').start()
    dav = Dav(tern.new_account(srv))
    big = vcard("big", "Big Card", extra="NOTE:" + "x" * (5 * 1024 * 1024) + "\r\n")
    r = dav.put_card("big.vcf", big)
    assert error_element(r, 403) == CR + "max-resource-size"
    assert card_count(dav) == 0


INVALID_CARDS = [
    "",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:x\r\n",
    "BEGIN:VCARD\r\nVERSION:9.0\r\nUID:x\r\nFN:x\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:no uid\r\nEND:VCARD\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:x\x00y\r\nEND:VCARD\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
]


@pytest.mark.parametrize("text", INVALID_CARDS)
def test_invalid_vcard_changes_nothing(dav, text):
    before = card_count(dav)
    r = dav.put_card("bad.vcf", text)
    assert error_element(r, 403) == CR + "valid-address-data"
    assert card_count(dav) == before
    assert dav.req("GET", dav.book + "bad.vcf").status == 404


INVALID_CALENDARS = [
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:x\r\n"
    "DTSTAMP:20240101T000000Z\r\nDTSTART:20240101T000000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:garbage\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n",
    "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:x\r\nFN:x\r\nEND:VCARD\r\n",
]


@pytest.mark.parametrize("text", INVALID_CALENDARS)
def test_invalid_icalendar_changes_nothing(dav, text):
    r = dav.put_event("bad.ics", text)
    assert r.status == 403
    assert error_element(r, 403) in (C + "valid-calendar-data",
                                     C + "valid-calendar-object-resource")
    assert dav.req("GET", dav.cal + "bad.ics").status == 404


@pytest.mark.parametrize("path", [
    "/dav/card/{u}/../../principal/{u}/",
    "/dav/card/{u}/%2e%2e/",
    "/dav/card/{u}/default/..",
    "/dav/card/{u}/default/a%2Fb.vcf",
    "/dav/card/{u}/default/a%00b.vcf",
    "/dav/card/{u}/default/%zz.vcf",
    "/dav/card/{u}/default/" + "x" * 300 + ".vcf",
])
def test_bad_paths_are_400(dav, path):
    r = dav.req("PROPFIND", path.format(u=dav.name), depth=0)
    assert r.status == 400, (path, r)
    r = dav.put_card("", vcard("x", "X Y"), book=path.format(u=dav.name))
    assert r.status in (400, 404, 405), (path, r)
    assert card_count(dav) == 0


def test_paths_outside_the_tree(dav):
    for path in ("/dav/cal/{u}/default/a/b.ics", "/dav/x/{u}/",
                 "/dav/principal/{u}/extra/"):
        r = dav.req("PROPFIND", path.format(u=dav.name), depth=0)
        assert r.status == 404, (path, r)


def test_multiget_of_other_accounts_is_not_shown(server, dav):
    other = Dav(tern.new_account(server))
    other.put_card("secret.vcf", vcard("secret", "Sec Ret"))
    body = ('<?xml version="1.0"?><CR:addressbook-multiget xmlns:D="DAV:" '
            'xmlns:CR="urn:ietf:params:xml:ns:carddav"><D:prop><CR:address-data/></D:prop>'
            f"<D:href>{other.book}secret.vcf</D:href></CR:addressbook-multiget>")
    r = dav.report(dav.book, body)
    assert b"Sec Ret" not in r.body
    assert multistatus(r)[other.book + "secret.vcf"].status in (403, 404)
    r = dav.req("COPY", other.book + "secret.vcf",
                headers={"Destination": dav.book + "stolen.vcf"})
    assert error_element(r, 403) == D + "need-privileges"
    r = other.req("MOVE", other.book + "secret.vcf",
                  headers={"Destination": dav.book + "given.vcf"})
    assert error_element(r, 403) == D + "need-privileges"


def test_server_survives(dav):
    for _ in range(3):
        dav.req("PROPFIND", dav.book, "<<<", depth=0)
    assert multistatus(dav.req("PROPFIND", dav.book, prop_body("D:displayname"), depth=0))
