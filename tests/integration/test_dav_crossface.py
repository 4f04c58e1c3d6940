"""One object, two faces (issue 6): what DAV PUTs, JMAP reads with the
ids and states DAV names (sync tokens carry the collection id and the
JMAP state); what JMAP sets, DAV GETs and syncs; and a DAV PUT is
pushed to JMAP clients (EventSource) within a second."""
import json
import re
import time

import pytest

from tern_dav import D, Dav, multistatus, vcard, vevent
from test_push import EventStream

CONTACTS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]
CALENDARS = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"]
LATENCY = 1.0


@pytest.fixture
def dav(account):
    return Dav(account)


def token_parts(dav, path):
    """The collection id and state of the sync token of path."""
    ms = dav.propfind(path, "D:sync-token")
    token = ms[path].text(D + "sync-token")
    m = re.fullmatch(r"urn:tern:sync:([A-Za-z0-9_-]+)-(\S+)", token)
    assert m, token
    return m.group(1), m.group(2)


def sync(dav, path, token=""):
    ms = multistatus(dav.sync(path, token))
    return ms.pop("sync-token"), ms


@pytest.mark.parametrize("kind", ["card", "event"])
def test_dav_put_seen_by_jmap(dav, kind):
    if kind == "card":
        path, using, type_ = dav.book, CONTACTS, "ContactCard"
        r = dav.put_card("x1.vcf", vcard("x1", "Xavier One"))
        parents = "addressBookIds"
    else:
        path, using, type_ = dav.cal, CALENDARS, "CalendarEvent"
        r = dav.put_event("x1.ics", vevent("x1", "20240601T090000Z", summary="Planning"))
        parents = "calendarIds"
    assert r.status == 201
    coll_id, state = token_parts(dav, path)
    ids = dav.account.ok(f"{type_}/query", {"filter": {"uid": "x1"}}, using=using)["ids"]
    got = dav.account.ok(f"{type_}/get", {"ids": ids}, using=using)
    assert len(got["list"]) == 1
    obj = got["list"][0]
    assert obj[parents] == {coll_id: True}
    assert got["state"] == state
    if kind == "card":
        assert obj["name"]["full"] == "Xavier One"
    else:
        assert obj["title"] == "Planning" and obj["start"] == "2024-06-01T09:00:00"
    # a change over JMAP moves the DAV state to the JMAP one
    change = {"name/full": "Xavier Changed"} if kind == "card" else {"title": "Changed"}
    out = dav.account.ok(f"{type_}/set", {"update": {ids[0]: change}}, using=using)
    assert token_parts(dav, path) == (coll_id, out["newState"])


def test_jmap_set_seen_by_dav(dav):
    token, _ = sync(dav, dav.book)
    cal_token, _ = sync(dav, dav.cal)
    book_id, _ = token_parts(dav, dav.book)
    cal_id, _ = token_parts(dav, dav.cal)
    dav.account.ok("ContactCard/set", {"create": {"c": {
        "addressBookIds": {book_id: True}, "uid": "jm-1",
        "name": {"full": "Jay Emm"}}}}, using=CONTACTS)
    dav.account.ok("CalendarEvent/set", {"create": {"e": {
        "calendarIds": {cal_id: True}, "uid": "jm-ev", "title": "From JMAP",
        "start": "2024-07-01T10:00:00", "timeZone": "Etc/UTC",
        "duration": "PT1H"}}}, using=CALENDARS)
    r = dav.req("GET", dav.book + "jm-1.vcf")
    assert r.status == 200 and "Jay Emm" in r.body.decode()
    assert r.header("ETag")
    r = dav.req("GET", dav.cal + "jm-ev.ics")
    assert r.status == 200 and "SUMMARY:From JMAP" in r.body.decode()
    _, ms = sync(dav, dav.book, token)
    assert [h.rsplit("/", 1)[1] for h in ms] == ["jm-1.vcf"]
    _, ms = sync(dav, dav.cal, cal_token)
    assert [h.rsplit("/", 1)[1] for h in ms] == ["jm-ev.ics"]


def test_dav_put_pushed(dav):
    es = EventStream(dav.srv, dav.account, "types=*&closeafter=no&ping=0")
    try:
        assert es.resp.status == 200
        time.sleep(0.2)
        for kind in ("ContactCard", "CalendarEvent"):
            start = time.monotonic()
            if kind == "ContactCard":
                assert dav.put_card("p.vcf", vcard("p", "Push Pat")).status == 201
                path = dav.book
            else:
                assert dav.put_event("p.ics", vevent("p", "20240601T090000Z")).status == 201
                path = dav.cal
            _, state = token_parts(dav, path)
            while True:
                ev = es.next_named("state", LATENCY)
                assert ev is not None and time.monotonic() - start < LATENCY
                changed = json.loads(ev[1])["changed"][dav.account.id]
                if changed.get(kind) == state:
                    break
    finally:
        es.close()
