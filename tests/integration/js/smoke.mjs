// Drives ternd with jmap-jam, a JMAP client from npm: the session,
// Mailbox/get, Mailbox/set and a query chained to a get by result
// reference. Prints one JSON line for the pytest side to check.
//
// jmap-jam only speaks Bearer tokens; Tern uses Basic auth, so fetch is
// wrapped to turn "Bearer <base64 user:pass>" into "Basic <same>".
import JamClient from "jmap-jam";

const { TERN_SESSION_URL, TERN_USER, TERN_PASSWORD } = process.env;
const token = Buffer.from(`${TERN_USER}:${TERN_PASSWORD}`).toString("base64");

const realFetch = globalThis.fetch;
globalThis.fetch = (url, init = {}) => {
  const headers = new Headers(init.headers ?? {});
  const auth = headers.get("Authorization");
  if (auth?.startsWith("Bearer ")) headers.set("Authorization", "Basic " + auth.slice(7));
  return realFetch(url, { ...init, headers });
};

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

const jam = new JamClient({ sessionUrl: TERN_SESSION_URL, bearerToken: token });
const session = await jam.session;
check(session.capabilities?.["urn:ietf:params:jmap:core"], "core capability");
const accountId = await jam.getPrimaryAccount();
check(accountId, "primary mail account");

const [got] = await jam.api.Mailbox.get({ accountId, ids: null });
const roles = got.list.map((m) => m.role).filter((r) => r);

const [set] = await jam.api.Mailbox.set({
  accountId,
  create: { n1: { name: "Made by jmap-jam" } },
});
check(set.created?.n1?.id, `Mailbox/set created: ${JSON.stringify(set)}`);

const [chained] = await jam.requestMany((t) => {
  const query = t.Mailbox.query({ accountId, sort: [{ property: "name" }] });
  const get = t.Mailbox.get({ accountId, ids: query.$ref("/ids"), properties: ["name"] });
  return { query, get };
});
check(chained.get.list.length === chained.query.ids.length, "query and get agree");

console.log(JSON.stringify({
  accountId,
  roles,
  created: set.created.n1.id,
  queried: chained.query.ids.length,
  mailboxCount: chained.get.list.length,
}));
