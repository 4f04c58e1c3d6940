"""Real DAV clients against Tern (issue 6): python3-caldav driving
calendars, events, todos and time-range searches; vdirsyncer syncing
address books and calendars both ways, edits and deletions included.
Each is skipped when its Debian package is not installed."""
import datetime
import os
import shutil
import subprocess

import pytest

import tern
from tern_dav import Dav, vcard, vevent


@pytest.fixture
def dav(account):
    return Dav(account)


def dav_url(dav):
    return f"http://127.0.0.1:{dav.srv.http_port}/dav/"


def test_python_caldav(dav):
    caldav = pytest.importorskip("caldav")
    client = caldav.DAVClient(url=dav_url(dav), username=dav.name,
                              password=dav.account.password)
    principal = client.principal()
    assert str(principal.url).endswith(dav.principal)
    assert [str(c.url).rsplit("/", 2)[1] for c in principal.calendars()] == ["default"]
    cal = principal.make_calendar(name="Trips", cal_id="trips")
    assert "Trips" in [c.name for c in principal.calendars()]
    utc = datetime.timezone.utc
    cal.save_event(dtstart=datetime.datetime(2024, 5, 17, 6, tzinfo=utc),
                   dtend=datetime.datetime(2024, 5, 17, 8, tzinfo=utc),
                   summary="Yearly", rrule={"FREQ": "YEARLY"})
    cal.save_event(dtstart=datetime.datetime(2024, 6, 1, 9, tzinfo=utc),
                   dtend=datetime.datetime(2024, 6, 1, 10, tzinfo=utc), summary="Once")
    cal.save_todo(summary="Pack", due=datetime.date(2024, 6, 1))
    assert len(cal.events()) == 2
    assert [t.vobject_instance.vtodo.summary.value for t in cal.todos()] == ["Pack"]
    found = cal.search(start=datetime.datetime(2026, 5, 1, tzinfo=utc),
                       end=datetime.datetime(2026, 6, 1, tzinfo=utc), event=True)
    assert [e.vobject_instance.vevent.summary.value for e in found] == ["Yearly"]
    found = cal.search(start=datetime.datetime(2026, 5, 1, tzinfo=utc),
                       end=datetime.datetime(2026, 6, 1, tzinfo=utc), event=True, expand=True)
    assert len(found) == 1
    assert found[0].vobject_instance.vevent.dtstart.value.year == 2026
    once = [e for e in cal.events() if "Once" in e.data][0]
    once.vobject_instance.vevent.summary.value = "Twice"
    once.save()
    assert any("Twice" in e.data for e in cal.events())
    once.delete()
    assert len(cal.events()) == 1
    cal.delete()
    assert [str(c.url).rsplit("/", 2)[1] for c in principal.calendars()] == ["default"]


def vdirsyncer_config(tmp_path, dav, kind):
    local = tmp_path / kind
    local.mkdir()
    cfg = tmp_path / f"{kind}.conf"
    remote = "carddav" if kind == "contacts" else "caldav"
    ext = ".vcf" if kind == "contacts" else ".ics"
    cfg.write_text(f"""
[general]
status_path = "{tmp_path}/status-{kind}/"

[pair p]
a = "local"
b = "remote"
collections = ["from a", "from b"]
conflict_resolution = "b wins"

[storage local]
type = "filesystem"
path = "{local}/"
fileext = "{ext}"

[storage remote]
type = "{remote}"
url = "{dav_url(dav)}"
username = "{dav.name}"
password = "{dav.account.password}"
""")
    return cfg, local


def vdirsyncer(cfg, *args):
    env = dict(os.environ, VDIRSYNCER_CONFIG=str(cfg))
    r = subprocess.run(["vdirsyncer", *args], env=env, capture_output=True, text=True,
                       input="y\n" * 10, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.mark.parametrize("kind", ["contacts", "calendars"])
def test_vdirsyncer_two_way(tmp_path, dav, kind):
    if shutil.which("vdirsyncer") is None:
        pytest.skip("vdirsyncer is not installed")
    cfg, local = vdirsyncer_config(tmp_path, dav, kind)
    is_card = kind == "contacts"
    remote = dav.book if is_card else dav.cal

    def item(uid, text):
        return vcard(uid, text) if is_card else vevent(uid, "20240101T100000Z", summary=text)

    def put(uid, text):
        r = (dav.put_card if is_card else dav.put_event)(uid + ("." + ("vcf" if is_card else
                                                                        "ics")), item(uid, text))
        assert r.status in (201, 204), r

    put("keep", "Kept Item")
    vdirsyncer(cfg, "discover")
    coll = local / "default"
    vdirsyncer(cfg, "sync")
    assert sorted(p.stem for p in coll.iterdir()) == ["keep"]
    # local to server: a new item, an edit, and a deletion
    (coll / f"local1{'.vcf' if is_card else '.ics'}").write_text(item("local1", "Local One"))
    vdirsyncer(cfg, "sync")
    names = dav.propfind(remote, "D:getetag", depth=1)
    assert any("local1" in h for h in names)
    f = next(p for p in coll.iterdir() if p.stem == "local1")
    f.write_text(item("local1", "Local Edited"))
    vdirsyncer(cfg, "sync")
    href = next(h for h in dav.propfind(remote, "D:getetag", depth=1) if "local1" in h)
    assert b"Local Edited" in dav.req("GET", href).body
    f.unlink()
    vdirsyncer(cfg, "sync")
    assert not any("local1" in h for h in dav.propfind(remote, "D:getetag", depth=1))
    # server to local: a new item, an edit, and a deletion
    put("srv1", "Server One")
    vdirsyncer(cfg, "sync")
    assert "srv1" in [p.stem for p in coll.iterdir()]
    put("srv1", "Server Edited")
    vdirsyncer(cfg, "sync")
    assert "Server Edited" in next(p for p in coll.iterdir() if p.stem == "srv1").read_text()
    ext = "vcf" if is_card else "ics"
    assert dav.req("DELETE", f"{remote}srv1.{ext}").status == 204
    vdirsyncer(cfg, "sync")
    assert sorted(p.stem for p in coll.iterdir()) == ["keep"]


def test_vdirsyncer_sees_jmap_changes(tmp_path, dav):
    if shutil.which("vdirsyncer") is None:
        pytest.skip("vdirsyncer is not installed")
    using = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]
    cfg, local = vdirsyncer_config(tmp_path, dav, "contacts")
    dav.put_card("base.vcf", vcard("base", "Base Card"))
    vdirsyncer(cfg, "discover")
    vdirsyncer(cfg, "sync")
    book = next(b["id"] for b in dav.account.ok("AddressBook/get", {}, using=using)["list"])
    dav.account.ok("ContactCard/set", {"create": {"n": {
        "addressBookIds": {book: True}, "uid": "jmap-made", "name": {"full": "Jay Made"}}}},
        using=using)
    vdirsyncer(cfg, "sync")
    made = next(p for p in (local / "default").iterdir() if p.stem == "jmap-made")
    assert "Jay Made" in made.read_text()
    assert tern.jmap_id_ok(book)


# ---------------------------------------------------------------- tsdav (npm)

JS_DIR = __import__("pathlib").Path(__file__).parent / "js"


def _node_with_tsdav():
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    if not (JS_DIR / "node_modules" / "tsdav").is_dir():
        npm = shutil.which("npm")
        assert npm, "node without npm: cannot install tsdav"
        subprocess.run([npm, "install", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)
    return node


def test_tsdav(dav):
    """tsdav logs in by discovery, makes, reads, changes and deletes
    cards, makes events and fetches them by time range, and follows a
    deletion with sync-collection (tests/integration/js/tsdav.mjs); JMAP
    then sees the same cards and events."""
    import json
    node = _node_with_tsdav()
    env = dict(os.environ, TERN_DAV_URL=dav_url(dav), TERN_USER=dav.name,
               TERN_PASSWORD=dav.account.password)
    proc = subprocess.run([node, str(JS_DIR / "tsdav.mjs")], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    base = f"http://127.0.0.1:{dav.srv.http_port}"
    assert report["addressBooks"] == [base + dav.book]
    assert report["calendars"] == [base + dav.cal]
    assert [c["url"] for c in report["cards"]] == [base + dav.book + "ts-1.vcf"]
    assert "FN:Ada Updated" in report["cards"][0]["data"]
    assert report["march"] == ["tse-1.ics", "tse-2.ics"]
    assert report["syncFirst"] == ["tse-1.ics", "tse-2.ics", "tse-3.ics"]
    assert report["syncNext"] == [{"name": "tse-1.ics", "status": 404}]
    cards = dav.account.ok("ContactCard/get", {}, using=[
        "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"])["list"]
    assert [(c["uid"], c["name"]["full"]) for c in cards] == [("ts-1", "Ada Updated")]
    events = dav.account.ok("CalendarEvent/get", {"properties": ["uid"]}, using=[
        "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"])["list"]
    assert sorted(e["uid"] for e in events) == ["tse-2", "tse-3"]
