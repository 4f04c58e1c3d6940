"""CalDAV (RFC 4791) over Calendar and CalendarEvent (issue 6):
MKCALENDAR and calendar properties, resources with their preconditions,
calendar-query with time ranges over recurrences, multiget, expand,
limit-recurrence-set, free-busy, and the same events through JMAP."""
import pytest

from tern_dav import A, C, D, NS_DECL, Dav, error_element, multistatus, vevent

CALENDARS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"]


@pytest.fixture
def dav(account):
    return Dav(account)


def jmap(dav, method, args):
    return dav.account.ok(method, args, using=CALENDARS)


def query(dav, filter_xml, props="<D:getetag/>", path=None):
    body = (f'<?xml version="1.0"?><C:calendar-query {NS_DECL}><D:prop>{props}</D:prop>'
            f'<C:filter><C:comp-filter name="VCALENDAR">{filter_xml}</C:comp-filter>'
            "</C:filter></C:calendar-query>")
    r = dav.report(path or dav.cal, body, depth=1)
    return r


def found(r):
    return sorted(h.rsplit("/", 1)[1] for h, p in multistatus(r).items() if p.status is None)


def time_range(start, end):
    return (f'<C:comp-filter name="VEVENT"><C:time-range start="{start}" end="{end}"/>'
            "</C:comp-filter>")


def test_mkcalendar_with_properties(dav):
    path = dav.cal_home + "work/"
    body = (f'<?xml version="1.0"?><C:mkcalendar {NS_DECL}><D:set><D:prop>'
            "<D:displayname>Work</D:displayname>"
            "<C:calendar-description>Meetings</C:calendar-description>"
            "<A:calendar-color>#FF0000FF</A:calendar-color>"
            '<C:supported-calendar-component-set><C:comp name="VTODO"/>'
            "</C:supported-calendar-component-set>"
            "<C:calendar-timezone>BEGIN:VCALENDAR...</C:calendar-timezone>"
            "</D:prop></D:set></C:mkcalendar>")
    r = dav.req("MKCALENDAR", path, body)
    assert r.status == 201, r
    assert dav.req("MKCALENDAR", path).status == 405
    ms = dav.propfind(path, "D:displayname", "C:calendar-description", "A:calendar-color",
                      "C:supported-calendar-component-set", "C:calendar-timezone",
                      "D:resourcetype")
    p = ms[path]
    assert p.text(D + "displayname") == "Work"
    assert p.text(C + "calendar-description") == "Meetings"
    assert p.text(A + "calendar-color") == "#FF0000FF"
    assert [c.get("name") for c in p.ok(C + "supported-calendar-component-set")] == ["VTODO"]
    assert p.text(C + "calendar-timezone") == "BEGIN:VCALENDAR..."
    cals = jmap(dav, "Calendar/get", {})["list"]
    work = next(c for c in cals if c["name"] == "Work")
    assert work["description"] == "Meetings" and work["color"] == "#FF0000FF"
    r = dav.put_event("e.ics", vevent("e", "20240101T100000Z"), cal=path)
    assert error_element(r, 403) == C + "supported-calendar-component"
    r = dav.put_event("t.ics", vevent("t", "20240101T100000Z", comp="VTODO"), cal=path)
    assert r.status == 201, r


def test_mkcalendar_refusals(dav):
    assert dav.req("MKCALENDAR", dav.card_home + "x/").status == 403
    body = (f'<?xml version="1.0"?><C:mkcalendar {NS_DECL}><D:set><D:prop>'
            '<C:supported-calendar-component-set><C:comp name="VPOLL"/>'
            "</C:supported-calendar-component-set><D:displayname>X</D:displayname>"
            "</D:prop></D:set></C:mkcalendar>")
    r = dav.req("MKCALENDAR", dav.cal_home + "poll/", body)
    assert r.status == 403
    assert dav.req("PROPFIND", dav.cal_home + "poll/", depth=0).status == 404


def test_event_put_get_and_jmap(dav):
    text = vevent("ev-1", "20240301T090000Z", "20240301T100000Z", "Standup",
                  extra="LOCATION:Room 1\r\nX-CUSTOM;X-P=1:kept\r\n")
    r = dav.put_event("ev-1.ics", text, {"If-None-Match": "*"})
    assert r.status == 201, r
    etag = r.header("ETag")
    r = dav.req("GET", dav.cal + "ev-1.ics")
    assert r.body == text.encode() and r.header("ETag") == etag
    assert r.header("Content-Type").startswith("text/calendar")
    ids = jmap(dav, "CalendarEvent/query", {"filter": {"uid": "ev-1"}})["ids"]
    assert len(ids) == 1
    ev = jmap(dav, "CalendarEvent/get", {"ids": ids})["list"][0]
    assert ev["title"] == "Standup" and ev["start"] == "2024-03-01T09:00:00"
    out = jmap(dav, "CalendarEvent/set", {"update": {ids[0]: {"title": "Sit-down"}}})
    assert ids[0] in out["updated"]
    r = dav.req("GET", dav.cal + "ev-1.ics")
    assert b"Sit-down" in r.body and b"X-CUSTOM" in r.body
    assert r.header("ETag") != etag
    cal = next(c["id"] for c in jmap(dav, "Calendar/get", {})["list"] if c["isDefault"])
    out = jmap(dav, "CalendarEvent/set", {"create": {"n": {
        "calendarIds": {cal: True}, "uid": "from-jmap", "title": "Lunch",
        "start": "2024-03-02T12:00:00", "timeZone": "Europe/Paris", "duration": "PT1H"}}})
    assert "n" in out["created"], out
    r = dav.req("GET", dav.cal + "from-jmap.ics")
    assert r.status == 200 and b"SUMMARY:Lunch" in r.body


def test_event_preconditions(dav):
    r = dav.put_event("bad.ics", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    assert error_element(r, 403) in (C + "valid-calendar-data",
                                     C + "valid-calendar-object-resource")
    r = dav.put_event("bad.ics", vevent("b", "not-a-date"))
    assert error_element(r, 403) in (C + "valid-calendar-data",
                                     C + "valid-calendar-object-resource")
    r = dav.put("%sbad.ics" % dav.cal, vevent("b", "20240101T000000Z"), "text/plain")
    assert error_element(r, 403) == C + "supported-calendar-data"
    assert dav.put_event("u1.ics", vevent("dup", "20240101T000000Z")).status == 201
    r = dav.put_event("u2.ics", vevent("dup", "20240102T000000Z"))
    assert error_element(r, 409) == C + "no-uid-conflict"
    assert dav.req("GET", dav.cal + "u2.ics").status == 404
    two = vevent("a", "20240101T000000Z").replace(
        "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:b\r\nDTSTART:20240101T000000Z\r\n"
        "END:VEVENT\r\nEND:VCALENDAR")
    r = dav.put_event("two.ics", two)
    assert error_element(r, 403) in (C + "valid-calendar-object-resource",
                                     C + "valid-calendar-data")


def test_calendar_query_time_range_with_recurrence(dav):
    dav.put_event("once.ics", vevent("once", "20240110T100000Z", "20240110T110000Z"))
    dav.put_event("daily.ics", vevent("daily", "20240101T080000Z", "20240101T083000Z",
                                      extra="RRULE:FREQ=DAILY;COUNT=5\r\n"
                                            "EXDATE:20240103T080000Z\r\n"))
    dav.put_event("moved.ics", vevent("moved", "20240201T080000Z", "20240201T090000Z",
                                      extra="RRULE:FREQ=WEEKLY;COUNT=3\r\n").replace(
        "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:moved\r\nDTSTAMP:20240101T000000Z\r\n"
        "RECURRENCE-ID:20240208T080000Z\r\nDTSTART:20240301T080000Z\r\n"
        "DTEND:20240301T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR"))
    dav.put_event("allday.ics", vevent("allday", "20240120", extra="").replace(
        "DTSTART:20240120", "DTSTART;VALUE=DATE:20240120"))
    dav.put_event("task.ics", vevent("task", "20240105T000000Z", comp="VTODO"))
    assert found(query(dav, time_range("20240110T000000Z", "20240111T000000Z"))) == ["once.ics"]
    assert found(query(dav, time_range("20240104T000000Z", "20240105T000000Z"))) == ["daily.ics"]
    assert found(query(dav, time_range("20240103T000000Z", "20240104T000000Z"))) == []
    assert found(query(dav, time_range("20240208T000000Z", "20240209T000000Z"))) == []
    assert found(query(dav, time_range("20240301T000000Z", "20240302T000000Z"))) == ["moved.ics"]
    assert found(query(dav, time_range("20240120T120000Z", "20240120T130000Z"))) == ["allday.ics"]
    assert found(query(dav, time_range("20240110T110000Z", "20240110T120000Z"))) == []
    assert found(query(dav, '<C:comp-filter name="VTODO"/>')) == ["task.ics"]
    assert found(query(dav, '<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">'
                            '<C:text-match>EVENT</C:text-match></C:prop-filter>'
                            "</C:comp-filter>")) == \
        ["allday.ics", "daily.ics", "moved.ics", "once.ics"]
    # the override of moved.ics is a VEVENT without RRULE (RFC 4791 §9.7.1)
    assert found(query(dav, '<C:comp-filter name="VEVENT"><C:prop-filter name="RRULE">'
                            "<C:is-not-defined/></C:prop-filter></C:comp-filter>")) == \
        ["allday.ics", "moved.ics", "once.ics"]
    assert found(query(dav, '<C:comp-filter name="VEVENT"><C:prop-filter name="DTSTART">'
                            '<C:param-filter name="VALUE"><C:text-match>DATE</C:text-match>'
                            "</C:param-filter></C:prop-filter></C:comp-filter>")) == ["allday.ics"]


def test_calendar_query_refusals(dav):
    body = (f'<?xml version="1.0"?><C:calendar-query {NS_DECL}><C:filter>'
            '<C:comp-filter name="VEVENT"/></C:filter></C:calendar-query>')
    assert error_element(dav.report(dav.cal, body), 403) == C + "valid-filter"
    r = query(dav, '<C:comp-filter name="VEVENT"><C:time-range start="2024-01-01"/>'
                   "</C:comp-filter>")
    assert error_element(r, 403) == C + "valid-filter"
    r = query(dav, '<C:comp-filter name="VEVENT"><C:prop-filter name="SUMMARY">'
                   '<C:text-match collation="i;nope">x</C:text-match></C:prop-filter>'
                   "</C:comp-filter>")
    assert error_element(r, 403) == C + "supported-collation"


def test_expand_and_limit_recurrence_set(dav):
    dav.put_event("r.ics", vevent("r", "20240101T080000Z", "20240101T090000Z",
                                  extra="RRULE:FREQ=DAILY;COUNT=10\r\n"))
    props = ('<C:calendar-data><C:expand start="20240103T000000Z" end="20240105T000000Z"/>'
             "</C:calendar-data>")
    r = query(dav, time_range("20240103T000000Z", "20240105T000000Z"), props=props)
    data = multistatus(r)[dav.cal + "r.ics"].text(C + "calendar-data")
    assert "RRULE" not in data
    assert data.count("BEGIN:VEVENT") == 2
    assert "RECURRENCE-ID:20240103T080000Z" in data and "RECURRENCE-ID:20240104T080000Z" in data
    props = ('<C:calendar-data><C:limit-recurrence-set start="20240103T000000Z" '
             'end="20240105T000000Z"/></C:calendar-data>')
    r = query(dav, time_range("20240103T000000Z", "20240105T000000Z"), props=props)
    data = multistatus(r)[dav.cal + "r.ics"].text(C + "calendar-data")
    assert "RRULE:FREQ=DAILY;COUNT=10" in data


def test_calendar_multiget_and_data_as_stored(dav):
    text = vevent("mg", "20240101T080000Z", "20240101T090000Z")
    dav.put_event("mg.ics", text)
    body = (f'<?xml version="1.0"?><C:calendar-multiget {NS_DECL}><D:prop><D:getetag/>'
            f"<C:calendar-data/></D:prop><D:href>{dav.cal}mg.ics</D:href>"
            f"<D:href>{dav.cal}none.ics</D:href></C:calendar-multiget>")
    ms = multistatus(dav.report(dav.cal, body))
    assert ms[dav.cal + "mg.ics"].text(C + "calendar-data") == text
    assert ms[dav.cal + "none.ics"].status == 404


def test_free_busy_query(dav):
    dav.put_event("busy.ics", vevent("busy", "20240401T090000Z", "20240401T100000Z"))
    dav.put_event("free.ics", vevent("free", "20240401T110000Z", "20240401T120000Z",
                                     extra="TRANSP:TRANSPARENT\r\n"))
    dav.put_event("maybe.ics", vevent("maybe", "20240401T130000Z", "20240401T140000Z",
                                      extra="STATUS:TENTATIVE\r\n"))
    dav.put_event("weekly.ics", vevent("weekly", "20240325T150000Z", "20240325T160000Z",
                                       extra="RRULE:FREQ=WEEKLY\r\n"))
    body = (f'<?xml version="1.0"?><C:free-busy-query {NS_DECL}>'
            '<C:time-range start="20240401T000000Z" end="20240402T000000Z"/>'
            "</C:free-busy-query>")
    r = dav.report(dav.cal, body, depth=1)
    assert r.status == 200 and r.header("Content-Type").startswith("text/calendar")
    text = r.body.decode()
    assert "BEGIN:VFREEBUSY" in text
    assert "FREEBUSY;FBTYPE=BUSY:20240401T090000Z/20240401T100000Z" in text
    assert "FREEBUSY;FBTYPE=BUSY:20240401T150000Z/20240401T160000Z" in text
    assert "FREEBUSY;FBTYPE=BUSY-TENTATIVE:20240401T130000Z/20240401T140000Z" in text
    assert "110000Z" not in text


def test_delete_calendar_and_events(dav):
    path = dav.cal_home + "temp/"
    assert dav.req("MKCALENDAR", path).status == 201
    assert dav.put_event("x.ics", vevent("x", "20240101T000000Z"), cal=path).status == 201
    assert dav.req("DELETE", path + "x.ics").status == 204
    assert jmap(dav, "CalendarEvent/query", {"filter": {"uid": "x"}})["ids"] == []
    assert dav.req("DELETE", path, depth=0).status == 400
    assert dav.req("DELETE", path).status == 204
    assert dav.req("PROPFIND", path, depth=0).status == 404
