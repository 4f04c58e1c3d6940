"""JMAP for Calendars over HTTP (issue 6): the default calendar,
Calendar get/set/changes, CalendarEvent set/get/query/changes as a JMAP
client sees them, push of the new types, and the urn:tern:dav vendor
properties staying out of reach."""
import json
import time

from test_push import EventStream

import tern

CALENDARS = "urn:ietf:params:jmap:calendars"
USING = [tern.CORE, CALENDARS]


def ok(acct, method, args=None):
    return acct.ok(method, args, using=USING)


def default_calendar(acct):
    cals = ok(acct, "Calendar/get")["list"]
    return next(c["id"] for c in cals if c["isDefault"])


def create_event(acct, event):
    event = dict(event, calendarIds={default_calendar(acct): True})
    out = ok(acct, "CalendarEvent/set", {"create": {"e": event}})
    assert not out.get("notCreated"), out
    return out["created"]["e"]


def test_session_advertises_calendars(account):
    s = account.jmap.session()
    assert CALENDARS in s["capabilities"]
    caps = s["accounts"][account.id]["accountCapabilities"][CALENDARS]
    assert caps["maxCalendarsPerEvent"] == 1 and caps["mayCreateCalendar"] is True
    assert caps["maxParticipantsPerEvent"] >= 1 and caps["minDateTime"] < caps["maxDateTime"]
    assert s["primaryAccounts"][CALENDARS] == account.id


def test_new_account_has_default_calendar(account):
    out = ok(account, "Calendar/get")
    assert len(out["list"]) == 1
    cal = out["list"][0]
    assert cal["name"] == "Calendar" and cal["isDefault"] and cal["isSubscribed"]
    assert cal["myRights"]["mayWriteAll"] and cal["shareWith"] is None
    assert "davName" not in cal


def test_calendar_set_and_changes(account):
    state = ok(account, "Calendar/get", {"ids": []})["state"]
    out = ok(account, "Calendar/set", {"create": {"w": {
        "name": "Work", "color": "#3366ff", "timeZone": "Europe/Oslo"}}})
    created = out["created"]["w"]
    assert created["isDefault"] is False and created["isVisible"] is True
    out = ok(account, "Calendar/set", {"update": {created["id"]: {"name": "Job"}}})
    assert created["id"] in out["updated"]
    changes = ok(account, "Calendar/changes", {"sinceState": state})
    assert changes["created"] == [created["id"]]
    out = ok(account, "Calendar/set", {"destroy": [created["id"]]})
    assert out["destroyed"] == [created["id"]]


def test_event_round_trip_query_changes(account):
    state = ok(account, "CalendarEvent/get", {"ids": []})["state"]
    created = create_event(account, {
        "title": "Board meeting", "start": "2031-03-03T09:00:00",
        "timeZone": "Europe/London", "duration": "PT2H",
        "recurrenceRules": [{"@type": "RecurrenceRule", "frequency": "monthly", "count": 3}],
        "recurrenceOverrides": {"2031-04-03T09:00:00": {"excluded": True}},
        "participants": {"p1": {"@type": "Participant", "name": "Dana",
                                "email": "dana@example.com",
                                "sendTo": {"imip": "mailto:dana@example.com"},
                                "roles": {"attendee": True}, "expectReply": True}},
        "locations": {"room": {"@type": "Location", "name": "Boardroom"}},
        "alerts": {"a1": {"@type": "Alert", "trigger": {"@type": "OffsetTrigger",
                                                       "offset": "-PT30M"}}},
    })
    assert created["uid"] and created["@type"] == "Event"
    ev = ok(account, "CalendarEvent/get", {"ids": [created["id"]]})["list"][0]
    assert ev["title"] == "Board meeting" and ev["duration"] == "PT2H"
    assert ev["recurrenceRules"][0]["count"] == 3
    assert ev["recurrenceOverrides"]["2031-04-03T09:00:00"] == {"excluded": True}
    assert ev["participants"]["p1"]["email"] == "dana@example.com"
    assert ev["locations"]["room"]["name"] == "Boardroom"
    assert ev["alerts"]["a1"]["trigger"]["offset"] == "-PT30M"
    assert "davData" not in ev
    q = {"filter": {"after": "2031-05-03T08:30:00Z", "before": "2031-05-03T08:45:00Z"}}
    assert ok(account, "CalendarEvent/query", q)["ids"] == [created["id"]]
    q = {"filter": {"after": "2031-04-03T08:00:00Z", "before": "2031-04-03T12:00:00Z"}}
    assert ok(account, "CalendarEvent/query", q)["ids"] == []
    q = {"filter": {"text": "boardroom"}}
    assert ok(account, "CalendarEvent/query", q)["ids"] == [created["id"]]
    out = ok(account, "CalendarEvent/set", {"update": {created["id"]: {
        "title": "Board meeting (moved)",
        "participants/p1/participationStatus": "accepted"}}})
    assert created["id"] in out["updated"]
    ev = ok(account, "CalendarEvent/get", {"ids": [created["id"]]})["list"][0]
    assert ev["title"] == "Board meeting (moved)"
    assert ev["participants"]["p1"]["participationStatus"] == "accepted"
    changes = ok(account, "CalendarEvent/changes", {"sinceState": state})
    assert changes["created"] == [created["id"]]
    out = ok(account, "CalendarEvent/set", {"destroy": [created["id"]]})
    assert out["destroyed"] == [created["id"]]
    changes = ok(account, "CalendarEvent/changes", {"sinceState": state})
    assert changes["created"] == [] and changes["destroyed"] == []


def test_dav_properties_are_not_for_http(account):
    assert account.error("CalendarEvent/get", {"properties": ["davData"]},
                         using=USING) == "invalidArguments"
    out = ok(account, "CalendarEvent/set", {"create": {"x": {
        "calendarIds": {default_calendar(account): True},
        "davData": "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"}}})
    assert out["notCreated"]["x"]["properties"] == ["davData"]
    assert account.error("Calendar/get", {"properties": ["davName"]},
                         using=USING) == "invalidArguments"


def test_bad_events_change_nothing(account):
    before = ok(account, "CalendarEvent/query")["ids"]
    cal = default_calendar(account)
    out = ok(account, "CalendarEvent/set", {"create": {
        "a": {"calendarIds": {cal: True}, "start": "not a date"},
        "b": {"calendarIds": {cal: True}, "start": "2030-01-01T00:00:00",
              "timeZone": "Nowhere/Land"},
        "c": {"calendarIds": {cal: True}, "start": "2030-01-01T00:00:00",
              "recurrenceRules": [{"frequency": "sometimes"}]},
        "d": {"calendarIds": {"c999": True}, "start": "2030-01-01T00:00:00"},
    }})
    assert out["notCreated"]["a"]["properties"] == ["start"]
    assert out["notCreated"]["b"]["properties"] == ["timeZone"]
    assert out["notCreated"]["c"]["properties"] == ["recurrenceRules"]
    assert out["notCreated"]["d"]["properties"] == ["calendarIds"]
    assert ok(account, "CalendarEvent/query")["ids"] == before


def test_uid_conflict(account):
    first = create_event(account, {"uid": "twin-event", "start": "2030-01-01T00:00:00"})
    out = ok(account, "CalendarEvent/set", {"create": {"x": {
        "uid": "twin-event", "start": "2030-01-02T00:00:00",
        "calendarIds": {default_calendar(account): True}}}})
    err = out["notCreated"]["x"]
    assert err["type"] == "alreadyExists" and err["existingId"] == first["id"]


def test_push_carries_calendar_types(server, account):
    es = EventStream(server, account, "types=*&closeafter=no&ping=0")
    try:
        assert es.resp.status == 200
        time.sleep(0.2)
        create_event(account, {"title": "Pushed", "start": "2030-06-01T10:00:00"})
        ev = es.next_named("state", 1.0)
        change = json.loads(ev[1])
        assert "CalendarEvent" in change["changed"][account.id]
        ok(account, "Calendar/set", {"create": {"n": {"name": "New"}}})
        ev = es.next_named("state", 1.0)
        change = json.loads(ev[1])
        assert "Calendar" in change["changed"][account.id]
    finally:
        es.close()
