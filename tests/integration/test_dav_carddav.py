"""CardDAV (RFC 6352) over AddressBook and ContactCard (issue 6): PUT,
GET, DELETE with ETags and conditions, address books made and changed,
addressbook-query and multiget, and the same cards seen through JMAP."""
import pytest

import tern
from tern_dav import CR, CS, D, NS_DECL, Dav, error_element, multistatus, vcard

CONTACTS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]


@pytest.fixture
def dav(account):
    return Dav(account)


def jmap(dav, method, args):
    return dav.account.ok(method, args, using=CONTACTS)


def test_put_get_byte_exact(dav):
    # Apple's vCard 3.0 with groups and X- properties comes back as sent
    text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
            "N:Appleseed;Johnny;;;\r\nFN:Johnny Appleseed\r\nUID:apple-1\r\n"
            "item1.EMAIL;type=INTERNET;type=pref:johnny@example.com\r\n"
            "item1.X-ABLabel:_$!<Other>!$_\r\nX-ABUID:1234:ABPerson\r\nEND:VCARD\r\n")
    r = dav.put_card("apple-1.vcf", text, {"If-None-Match": "*"})
    assert r.status == 201, r
    etag = r.header("ETag")
    assert etag and etag.startswith('"')
    r = dav.req("GET", dav.book + "apple-1.vcf")
    assert r.status == 200 and r.body == text.encode()
    assert r.header("ETag") == etag
    assert r.header("Content-Type").startswith("text/vcard")
    r = dav.req("HEAD", dav.book + "apple-1.vcf")
    assert r.status == 200 and r.body == b"" and r.header("ETag") == etag
    r = dav.req("GET", dav.book + "apple-1.vcf", headers={"If-None-Match": etag})
    assert r.status == 304


def test_put_conditions(dav):
    r = dav.put_card("c.vcf", vcard("c-uid", "Carl Cond"))
    assert r.status == 201
    etag = r.header("ETag")
    r = dav.put_card("c.vcf", vcard("c-uid", "Carl Other"), {"If-None-Match": "*"})
    assert r.status == 412
    r = dav.put_card("c.vcf", vcard("c-uid", "Carl Other"), {"If-Match": '"nope"'})
    assert r.status == 412
    r = dav.put_card("c.vcf", vcard("c-uid", "Carl Second"), {"If-Match": etag})
    assert r.status == 204, r
    new = r.header("ETag")
    assert new != etag
    assert dav.req("GET", dav.book + "c.vcf").header("ETag") == new
    r = dav.put_card("fresh.vcf", vcard("fresh", "Fred Fresh"), {"If-Match": "*"})
    assert r.status == 412
    r = dav.req("DELETE", dav.book + "c.vcf", headers={"If-Match": etag})
    assert r.status == 412
    assert dav.req("DELETE", dav.book + "c.vcf", headers={"If-Match": new}).status == 204
    assert dav.req("GET", dav.book + "c.vcf").status == 404
    assert dav.req("DELETE", dav.book + "c.vcf").status == 404


def test_put_preconditions(dav):
    r = dav.put_card("bad.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:No end\r\n")
    assert error_element(r, 403) == CR + "valid-address-data"
    r = dav.put_card("bad.vcf", "hello")
    assert error_element(r, 403) == CR + "valid-address-data"
    r = dav.put("%sbad.vcf" % dav.book, vcard("x", "X Y"), "application/json")
    assert error_element(r, 403) == CR + "supported-address-data"
    assert dav.put_card("one.vcf", vcard("same-uid", "One Person")).status == 201
    r = dav.put_card("two.vcf", vcard("same-uid", "Two Person"))
    assert error_element(r, 409) == CR + "no-uid-conflict"
    r = dav.put_card("one.vcf", vcard("other-uid", "One Person"))
    assert error_element(r, 409) == CR + "no-uid-conflict"
    assert dav.req("GET", dav.book + "two.vcf").status == 404
    r = dav.put_card("x.vcf", vcard("x", "X Y"), book=dav.card_home + "nobook/")
    assert r.status == 409
    assert dav.req("PUT", dav.book, vcard("x", "X Y")).status == 405


def test_card_seen_through_jmap_and_back(dav):
    r = dav.put_card("grace.vcf", vcard("grace", "Grace Hopper",
                                        extra="EMAIL:grace@navy.example\r\n"))
    assert r.status == 201
    cards = jmap(dav, "ContactCard/query", {"filter": {"email": "navy"}})["ids"]
    assert len(cards) == 1
    card = jmap(dav, "ContactCard/get", {"ids": cards})["list"][0]
    assert card["name"]["full"] == "Grace Hopper" and card["uid"] == "grace"
    out = jmap(dav, "ContactCard/set", {"update": {cards[0]: {"name/full": "Amazing Grace"}}})
    assert cards[0] in out["updated"]
    r = dav.req("GET", dav.book + "grace.vcf")
    assert b"Amazing Grace" in r.body
    book = next(b["id"] for b in jmap(dav, "AddressBook/get", {})["list"] if b["isDefault"])
    out = jmap(dav, "ContactCard/set", {"create": {"n": {
        "addressBookIds": {book: True}, "uid": "made-in-jmap", "name": {"full": "Jay Map"}}}})
    assert "n" in out["created"]
    ms = dav.propfind(dav.book, "D:getetag", depth=1)
    assert dav.book + "made-in-jmap.vcf" in ms
    r = dav.req("GET", dav.book + "made-in-jmap.vcf")
    assert r.status == 200 and b"Jay Map" in r.body


def test_mkcol_extended_and_proppatch(dav):
    path = dav.card_home + "work/"
    body = (f'<?xml version="1.0"?><D:mkcol {NS_DECL}><D:set><D:prop>'
            "<D:resourcetype><D:collection/><CR:addressbook/></D:resourcetype>"
            "<D:displayname>Work</D:displayname>"
            "<CR:addressbook-description>Colleagues</CR:addressbook-description>"
            '<X:color xmlns:X="urn:example:x">blue</X:color>'
            "</D:prop></D:set></D:mkcol>")
    r = dav.req("MKCOL", path, body)
    assert r.status == 201, r
    assert dav.req("MKCOL", path, body).status == 405
    ms = dav.propfind(path, "D:displayname", "CR:addressbook-description", "D:resourcetype")
    assert ms[path].text(D + "displayname") == "Work"
    assert ms[path].text(CR + "addressbook-description") == "Colleagues"
    r = dav.req("PROPFIND", path, '<D:propfind xmlns:D="DAV:"><D:prop>'
                '<X:color xmlns:X="urn:example:x"/></D:prop></D:propfind>', depth=0)
    assert multistatus(r)[path].text("{urn:example:x}color") == "blue"
    books = jmap(dav, "AddressBook/get", {})["list"]
    assert any(b["name"] == "Work" and b["description"] == "Colleagues" for b in books)
    patch = (f'<?xml version="1.0"?><D:propertyupdate {NS_DECL}>'
             "<D:set><D:prop><D:displayname>Office</D:displayname>"
             '<Y:note xmlns:Y="urn:example:y"><Y:b>bold</Y:b> text</Y:note></D:prop></D:set>'
             '<D:remove><D:prop><X:color xmlns:X="urn:example:x"/></D:prop></D:remove>'
             "</D:propertyupdate>")
    ms = multistatus(dav.req("PROPPATCH", path, patch))
    assert all(s == 200 for s, _ in ms[path].props.values())
    r = dav.req("PROPFIND", path, '<D:propfind xmlns:D="DAV:"><D:prop><D:displayname/>'
                '<X:color xmlns:X="urn:example:x"/><Y:note xmlns:Y="urn:example:y"/>'
                "</D:prop></D:propfind>", depth=0)
    p = multistatus(r)[path]
    assert p.text(D + "displayname") == "Office"
    assert p.props["{urn:example:x}color"][0] == 404
    note = p.ok("{urn:example:y}note")
    assert note.find("{urn:example:y}b").text == "bold"


def test_proppatch_is_all_or_nothing(dav):
    patch = ('<?xml version="1.0"?><D:propertyupdate xmlns:D="DAV:"><D:set><D:prop>'
             "<D:displayname>Changed</D:displayname><D:getetag>x</D:getetag>"
             "</D:prop></D:set></D:propertyupdate>")
    ms = multistatus(dav.req("PROPPATCH", dav.book, patch))
    assert ms[dav.book].props[D + "displayname"][0] == 424
    assert ms[dav.book].props[D + "getetag"][0] == 403
    assert dav.propfind(dav.book, "D:displayname")[dav.book].text(D + "displayname") == "Contacts"


def test_mkcol_refusals(dav):
    r = dav.req("MKCOL", dav.card_home + "bad/", "<x>not a mkcol</x>")
    assert r.status == 415
    body = (f'<?xml version="1.0"?><D:mkcol {NS_DECL}><D:set><D:prop>'
            "<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>"
            "</D:prop></D:set></D:mkcol>")
    r = dav.req("MKCOL", dav.card_home + "bad/", body)
    assert r.status == 403
    assert dav.req("PROPFIND", dav.card_home + "bad/", depth=0).status == 404
    assert dav.req("MKCALENDAR", dav.card_home + "cal/").status == 403
    assert dav.req("MKCOL", dav.book + "sub/").status in (403, 404)
    assert dav.req("MKCOL", dav.card_home).status == 405


def test_delete_address_book(dav):
    assert dav.req("MKCOL", dav.card_home + "gone/").status == 201
    assert dav.put_card("a.vcf", vcard("gone-a", "Al Gone"), book=dav.card_home + "gone/").status == 201
    assert dav.req("DELETE", dav.card_home + "gone/").status == 204
    assert dav.req("PROPFIND", dav.card_home + "gone/", depth=0).status == 404
    assert jmap(dav, "ContactCard/query", {"filter": {"uid": "gone-a"}})["ids"] == []


def query_body(filter_xml, limit=None, props="<D:getetag/><CR:address-data/>"):
    lim = f"<CR:limit><CR:nresults>{limit}</CR:nresults></CR:limit>" if limit else ""
    return (f'<?xml version="1.0"?><CR:addressbook-query {NS_DECL}><D:prop>{props}</D:prop>'
            f"<CR:filter{filter_xml}</CR:filter>{lim}</CR:addressbook-query>")


def test_addressbook_query(dav):
    dav.put_card("q1.vcf", vcard("q1", "Ada Lovelace", extra="EMAIL;TYPE=work:ada@engine.example\r\n"))
    dav.put_card("q2.vcf", vcard("q2", "Charles Babbage", extra="TEL;TYPE=cell:+44 1\r\n"))
    dav.put_card("q3.vcf", vcard("q3", "Émile Zola", version="4.0"))

    def names(filter_xml, **kw):
        ms = multistatus(dav.report(dav.book, query_body(filter_xml, **kw), depth=1))
        return sorted(h.rsplit("/", 1)[1] for h, p in ms.items() if p.status is None)

    assert names('><CR:prop-filter name="FN"><CR:text-match>LOVE</CR:text-match>'
                 "</CR:prop-filter>") == ["q1.vcf"]
    assert names('><CR:prop-filter name="FN"><CR:text-match match-type="starts-with">'
                 "charles</CR:text-match></CR:prop-filter>") == ["q2.vcf"]
    assert names('><CR:prop-filter name="FN"><CR:text-match match-type="equals" '
                 'collation="i;unicode-casemap">ÉMILE ZOLA</CR:text-match></CR:prop-filter>') \
        == ["q3.vcf"]
    assert names('><CR:prop-filter name="FN"><CR:text-match match-type="ends-with" '
                 'collation="i;octet">babbage</CR:text-match></CR:prop-filter>') == []
    assert names('><CR:prop-filter name="FN"><CR:text-match negate-condition="yes">a'
                 "</CR:text-match></CR:prop-filter>") == []
    assert names('><CR:prop-filter name="EMAIL"><CR:is-not-defined/></CR:prop-filter>') \
        == ["q2.vcf", "q3.vcf"]
    assert names('><CR:prop-filter name="TEL"><CR:param-filter name="TYPE">'
                 "<CR:text-match>cell</CR:text-match></CR:param-filter></CR:prop-filter>") \
        == ["q2.vcf"]
    assert names(' test="anyof"><CR:prop-filter name="EMAIL"/><CR:prop-filter name="TEL"/>') \
        == ["q1.vcf", "q2.vcf"]
    assert names(' test="allof"><CR:prop-filter name="EMAIL"/><CR:prop-filter name="TEL"/>') \
        == []
    ms = multistatus(dav.report(dav.book, query_body('><CR:prop-filter name="FN"/>', limit=1),
                                depth=1))
    assert ms[dav.book].status == 507
    assert ms[dav.book].error.find(D + "number-of-matches-within-limits") is not None
    r = dav.report(dav.book, query_body('><CR:prop-filter name="FN"><CR:text-match '
                                        'collation="i;klingon">x</CR:text-match>'
                                        "</CR:prop-filter>"))
    assert error_element(r, 403) == CR + "supported-collation"


def test_addressbook_multiget(dav):
    text = vcard("m1", "Mia Multi")
    dav.put_card("m1.vcf", text)
    dav.put_card("m2.vcf", vcard("m2", "Max Multi"))
    body = (f'<?xml version="1.0"?><CR:addressbook-multiget {NS_DECL}><D:prop><D:getetag/>'
            f"<CR:address-data/></D:prop><D:href>{dav.book}m1.vcf</D:href>"
            f"<D:href>{dav.book}m2.vcf</D:href><D:href>{dav.book}missing.vcf</D:href>"
            "<D:href>/dav/card/someone/else/x.vcf</D:href></CR:addressbook-multiget>")
    ms = multistatus(dav.report(dav.book, body))
    assert ms[dav.book + "m1.vcf"].text(CR + "address-data") == text
    assert ms[dav.book + "m2.vcf"].text(D + "getetag")
    assert ms[dav.book + "missing.vcf"].status == 404
    assert ms["/dav/card/someone/else/x.vcf"].status in (403, 404)


def test_ctag_changes_with_the_cards(dav):
    def ctag():
        return dav.propfind(dav.book, "CS:getctag")[dav.book].text(CS + "getctag")
    before = ctag()
    dav.put_card("t.vcf", vcard("t", "Tina Tag"))
    after = ctag()
    assert after != before
    assert ctag() == after


def test_report_refusals(dav):
    body = '<?xml version="1.0"?><X:weird xmlns:X="urn:x"/>'
    assert error_element(dav.report(dav.book, body), 403) == D + "supported-report"
    cal_query = (f'<?xml version="1.0"?><C:calendar-query {NS_DECL}><C:filter>'
                 '<C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>')
    assert error_element(dav.report(dav.book, cal_query), 403) == D + "supported-report"


def test_accounts_are_apart(server, dav):
    other = Dav(tern.new_account(server))
    dav.put_card("mine.vcf", vcard("mine", "Mine Only"))
    assert other.req("GET", other.book + "mine.vcf").status == 404
    r = other.req("GET", dav.book + "mine.vcf")
    assert r.status == 403
