"""DAV discovery (issue 6): well-known redirects (RFC 6764), OPTIONS,
the principal and its homes, PROPFIND depths and forms, and who may
see what."""
import pytest

import tern
from tern_dav import A, C, CR, CS, D, Dav, error_element, multistatus, prop_body


@pytest.fixture
def dav(account):
    return Dav(account)


@pytest.mark.parametrize("path", ["/.well-known/caldav", "/.well-known/carddav"])
def test_well_known_redirects_to_dav_root(server, path):
    for method in ("GET", "PROPFIND"):
        r = server.request(method, path)
        assert r.status == 301, r
        assert r.header("Location") == "/dav/"


def test_options_names_the_classes(dav):
    r = dav.req("OPTIONS", "/dav/")
    assert r.status == 200
    classes = [c.strip() for c in r.header("DAV").split(",")]
    for c in ("1", "2", "3", "calendar-access", "addressbook", "extended-mkcol"):
        assert c in classes
    allow = r.header("Allow")
    for m in ("PROPFIND", "REPORT", "MKCALENDAR", "LOCK", "PUT"):
        assert m in allow


def test_authentication_is_required(server, dav):
    r = server.request("PROPFIND", "/dav/", headers={"Depth": "0"})
    assert r.status == 401
    assert r.header("WWW-Authenticate", "").startswith("Basic")
    r = server.request("PROPFIND", "/dav/", headers={"Depth": "0"}, auth=(dav.name, "wrong"))
    assert r.status == 401


def test_login_with_an_address_finds_the_same_tree(dav):
    r = dav.req("PROPFIND", "/dav/", tern_body(), depth=0,
                auth=(dav.account.address, dav.account.password))
    ms = multistatus(r)
    assert ms["/dav/"].hrefs(D + "current-user-principal") == [dav.principal]


def tern_body():
    return prop_body("D:current-user-principal")


def test_current_user_principal_everywhere(dav):
    for path in ("/dav/", dav.principal, dav.card_home, dav.cal_home, dav.book, dav.cal):
        ms = dav.propfind(path, "D:current-user-principal")
        assert ms[path].hrefs(D + "current-user-principal") == [dav.principal]


def test_principal_properties(dav):
    ms = dav.propfind(dav.principal, "D:resourcetype", "D:displayname", "D:principal-URL",
                      "C:calendar-home-set", "CR:addressbook-home-set",
                      "C:calendar-user-address-set", "D:supported-report-set",
                      "D:current-user-privilege-set", "C:calendar-user-type")
    p = ms[dav.principal]
    assert p.ok(D + "resourcetype").find(D + "principal") is not None
    assert p.text(D + "displayname") == dav.name
    assert p.hrefs(D + "principal-URL") == [dav.principal]
    assert p.hrefs(C + "calendar-home-set") == [dav.cal_home]
    assert p.hrefs(CR + "addressbook-home-set") == [dav.card_home]
    addresses = p.hrefs(C + "calendar-user-address-set")
    assert "mailto:" + dav.account.address in addresses
    assert p.text(C + "calendar-user-type") == "INDIVIDUAL"
    privs = [x.tag for x in p.ok(D + "current-user-privilege-set").iter() if x.tag != D + "privilege"]
    assert D + "read" in privs


def test_homes_list_the_default_collections(dav):
    ms = dav.propfind(dav.card_home, "D:resourcetype", "D:displayname", "D:owner", depth=1)
    book = ms[dav.book]
    assert book.ok(D + "resourcetype").find(CR + "addressbook") is not None
    assert book.text(D + "displayname") == "Contacts"
    assert book.hrefs(D + "owner") == [dav.principal]
    ms = dav.propfind(dav.cal_home, "D:resourcetype", "D:displayname", depth=1)
    cal = ms[dav.cal]
    assert cal.ok(D + "resourcetype").find(C + "calendar") is not None
    assert cal.text(D + "displayname") == "Calendar"


def test_collection_properties(dav):
    ms = dav.propfind(dav.cal, "D:supported-report-set", "C:supported-calendar-component-set",
                      "C:supported-calendar-data", "CS:getctag", "D:sync-token",
                      "C:max-resource-size", "D:current-user-privilege-set",
                      "C:supported-collation-set", "A:calendar-color")
    cal = ms[dav.cal]
    reports = [r.tag for r in cal.ok(D + "supported-report-set").iter()]
    for name in (C + "calendar-query", C + "calendar-multiget", C + "free-busy-query",
                 D + "sync-collection"):
        assert name in reports
    comps = [c.get("name") for c in cal.ok(C + "supported-calendar-component-set")]
    assert set(comps) == {"VEVENT", "VTODO", "VJOURNAL"}
    assert cal.text(CS + "getctag")
    assert cal.text(D + "sync-token").startswith("urn:tern:sync:")
    assert int(cal.text(C + "max-resource-size")) > 0
    privs = [x.tag for x in cal.ok(D + "current-user-privilege-set").iter()]
    assert D + "write-content" in privs and D + "bind" in privs
    ms = dav.propfind(dav.book, "CR:supported-address-data", "D:supported-report-set")
    versions = [e.get("version") for e in ms[dav.book].ok(CR + "supported-address-data")]
    assert set(versions) == {"3.0", "4.0"}
    reports = [r.tag for r in ms[dav.book].ok(D + "supported-report-set").iter()]
    assert CR + "addressbook-query" in reports and CR + "addressbook-multiget" in reports


def test_propfind_depth_infinity_is_refused(dav):
    r = dav.req("PROPFIND", dav.card_home, prop_body("D:displayname"), depth="infinity")
    assert error_element(r, 403) == D + "propfind-finite-depth"


def test_propfind_bad_depth(dav):
    r = dav.req("PROPFIND", dav.card_home, prop_body("D:displayname"), depth="2")
    assert r.status == 400


def test_propfind_without_body_is_allprop_at_depth_0(dav):
    ms = multistatus(dav.req("PROPFIND", dav.book))
    assert list(ms) == [dav.book]
    assert ms[dav.book].ok(D + "resourcetype") is not None
    assert ms[dav.book].text(D + "displayname") == "Contacts"


def test_propname(dav):
    body = '<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:propname/></D:propfind>'
    ms = multistatus(dav.req("PROPFIND", dav.cal, body, depth=0))
    names = set(ms[dav.cal].props)
    assert {D + "resourcetype", D + "sync-token", CS + "getctag",
            C + "supported-calendar-component-set"} <= names
    assert all(len(el) == 0 for _, el in ms[dav.cal].props.values())


def test_allprop_with_include(dav):
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:allprop/>'
            "<D:include><D:current-user-principal/></D:include></D:propfind>")
    ms = multistatus(dav.req("PROPFIND", dav.book, body, depth=0))
    assert ms[dav.book].hrefs(D + "current-user-principal") == [dav.principal]
    assert D + "displayname" in ms[dav.book].props


def test_unknown_property_is_404(dav):
    ms = dav.propfind(dav.book, "D:displayname", "CS:nosuchthing")
    assert ms[dav.book].props[CS + "nosuchthing"][0] == 404
    r = dav.req("PROPFIND", dav.book, prop_body("D:displayname", "CS:nosuchthing"), depth=0,
                headers={"Prefer": "return=minimal"})
    assert CS + "nosuchthing" not in multistatus(r)[dav.book].props


def test_missing_resources_are_404(dav):
    for path in (dav.card_home + "nope/", dav.book + "nope.vcf", "/dav/nothing/",
                 "/dav/cal/", "/davx"):
        r = dav.req("PROPFIND", path, prop_body("D:displayname"), depth=0)
        assert r.status in (404, 207), (path, r)
    assert dav.req("PROPFIND", dav.book + "nope.vcf", depth=0).status == 404


def test_other_accounts_tree_is_forbidden(dav, other_account):
    for path in (f"/dav/principal/{other_account.name}/", f"/dav/card/{other_account.name}/",
                 f"/dav/cal/{other_account.name}/default/"):
        r = dav.req("PROPFIND", path, prop_body("D:displayname"), depth=0)
        assert error_element(r, 403) == D + "need-privileges"


def test_admin_cannot_use_dav(server):
    r = server.request("PROPFIND", "/dav/", headers={"Depth": "0"},
                       auth=("admin", server.admin_password))
    assert r.status == 403


def test_quota_properties_follow_the_account_quota(server):
    acct = tern.new_account(server)
    dav = Dav(acct)
    ms = dav.propfind(dav.cal, "D:quota-available-bytes", "D:quota-used-bytes")
    assert ms[dav.cal].props[D + "quota-used-bytes"][0] == 404
    admin = server.admin()
    r = admin.req("PATCH", f"/principal/{acct.name}", [{"action": "set", "field": "quota",
                                                         "value": 1000000}])
    assert r.status == 200, r
    ms = dav.propfind(dav.cal, "D:quota-available-bytes", "D:quota-used-bytes")
    used = int(ms[dav.cal].text(D + "quota-used-bytes"))
    assert int(ms[dav.cal].text(D + "quota-available-bytes")) == 1000000 - used


def test_expand_property(dav):
    body = ('<?xml version="1.0"?><D:expand-property xmlns:D="DAV:">'
            '<D:property name="current-user-principal">'
            '<D:property name="displayname"/>'
            '<D:property name="calendar-home-set" namespace="urn:ietf:params:xml:ns:caldav"/>'
            "</D:property><D:property name=\"nosuch\"/></D:expand-property>")
    ms = multistatus(dav.report("/dav/", body))
    cup = ms["/dav/"].ok(D + "current-user-principal")
    inner = cup.find(D + "response")
    assert inner.find(D + "href").text == dav.principal
    props = inner.find(f"{D}propstat/{D}prop")
    assert props.find(D + "displayname").text == dav.name
    assert props.find(f"{C}calendar-home-set/{D}href").text == dav.cal_home
    assert ms["/dav/"].props[D + "nosuch"][0] == 404


def test_principal_property_search(dav):
    def search(match, test="allof"):
        body = (f'<?xml version="1.0"?><D:principal-property-search xmlns:D="DAV:" '
                f'test="{test}"><D:property-search><D:prop><D:displayname/></D:prop>'
                f"<D:match>{match}</D:match></D:property-search>"
                "<D:prop><D:displayname/></D:prop></D:principal-property-search>")
        return multistatus(dav.report("/dav/principal/", body, depth=0))
    ms = search(dav.name[1:6].upper())
    assert list(ms) == [dav.principal]
    assert search("no-such-person") == {}
    r = dav.report("/dav/", '<D:principal-search-property-set xmlns:D="DAV:"/>')
    assert r.status == 200 and b"displayname" in r.body
