// Drives ternd's CardDAV and CalDAV with tsdav, a DAV client from npm:
// discovery and login, address books and cards (create, fetch, update,
// delete), calendars and events (create, fetch by time range), and
// sync-collection before and after a deletion. Prints one JSON line for
// the pytest side to check (tests/integration/test_dav_clients.py).
import { DAVClient } from "tsdav";

const { TERN_DAV_URL, TERN_USER, TERN_PASSWORD } = process.env;

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function client(accountType) {
  return new DAVClient({
    serverUrl: TERN_DAV_URL,
    credentials: { username: TERN_USER, password: TERN_PASSWORD },
    authMethod: "Basic",
    defaultAccountType: accountType,
  });
}

const card = (uid, fn) =>
  `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn};;;;\r\nEND:VCARD\r\n`;
const event = (uid, start, summary) =>
  "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tsdav test//EN\r\nBEGIN:VEVENT\r\n" +
  `UID:${uid}\r\nDTSTAMP:20240101T000000Z\r\nDTSTART:${start}\r\nDURATION:PT1H\r\n` +
  `SUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

async function carddav(report) {
  const c = client("carddav");
  await c.login();
  const books = await c.fetchAddressBooks();
  const book = books.find((b) => b.url.endsWith("/default/"));
  check(book, `default address book in ${books.map((b) => b.url)}`);
  report.addressBooks = books.map((b) => b.url);
  for (const [uid, fn] of [["ts-1", "Ada Tsdav"], ["ts-2", "Bo Tsdav"]]) {
    const r = await c.createVCard({ addressBook: book, filename: `${uid}.vcf`, vCardString: card(uid, fn) });
    check(r.status === 201, `createVCard ${uid}: ${r.status}`);
  }
  let cards = await c.fetchVCards({ addressBook: book });
  check(cards.length === 2, `two cards, got ${cards.length}`);
  const ada = cards.find((v) => v.url.endsWith("/ts-1.vcf"));
  check(ada && ada.etag && ada.data.includes("FN:Ada Tsdav"), "Ada fetched with data and etag");
  const up = await c.updateVCard({ vCard: { ...ada, data: card("ts-1", "Ada Updated") } });
  check(up.ok, `updateVCard: ${up.status}`);
  const bo = cards.find((v) => v.url.endsWith("/ts-2.vcf"));
  const del = await c.deleteVCard({ vCard: bo });
  check(del.ok, `deleteVCard: ${del.status}`);
  cards = await c.fetchVCards({ addressBook: book });
  report.cards = cards.map((v) => ({ url: v.url, etag: v.etag, data: v.data }));
}

async function caldav(report) {
  const c = client("caldav");
  await c.login();
  const cals = await c.fetchCalendars();
  const cal = cals.find((k) => k.url.endsWith("/default/"));
  check(cal, `default calendar in ${cals.map((k) => k.url)}`);
  report.calendars = cals.map((k) => k.url);
  const events = [["tse-1", "20240310T100000Z"], ["tse-2", "20240320T100000Z"],
    ["tse-3", "20240501T100000Z"]];
  for (const [uid, start] of events) {
    const r = await c.createCalendarObject({ calendar: cal, filename: `${uid}.ics`,
      iCalString: event(uid, start, `Event ${uid}`) });
    check(r.status === 201, `createCalendarObject ${uid}: ${r.status}`);
  }
  const march = await c.fetchCalendarObjects({ calendar: cal,
    timeRange: { start: "2024-03-01T00:00:00.000Z", end: "2024-04-01T00:00:00.000Z" } });
  report.march = march.map((o) => o.url.split("/").pop()).sort();
  const props = { "d:getetag": {} };
  const first = await c.syncCollection({ url: cal.url, props, syncLevel: 1 });
  report.syncFirst = first.filter((r) => r.href).map((r) => r.href.split("/").pop()).sort();
  const token = await syncToken(c, cal.url);
  const gone = march.find((o) => o.url.endsWith("/tse-1.ics"));
  const del = await c.deleteCalendarObject({ calendarObject: gone });
  check(del.ok, `deleteCalendarObject: ${del.status}`);
  const next = await c.syncCollection({ url: cal.url, props, syncLevel: 1, syncToken: token });
  report.syncNext = next.filter((r) => r.href).map((r) => ({
    name: r.href.split("/").pop(), status: r.status })).sort((a, b) => a.name < b.name ? -1 : 1);
}

// The collection's sync-token, by PROPFIND.
async function syncToken(c, url) {
  const [r] = await c.propfind({ url, props: { "d:sync-token": {} }, depth: "0" });
  const token = r?.props?.syncToken;
  check(token, `sync-token of ${url}`);
  return token;
}

const report = {};
await carddav(report);
await caldav(report);
console.log(JSON.stringify(report));
