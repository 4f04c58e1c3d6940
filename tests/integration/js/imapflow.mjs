// Drives ternd's IMAP gateway with imapflow, a real IMAP client from
// npm: STARTTLS, ENABLE (CONDSTORE, QRESYNC, IMAP4rev2), IDLE seeing
// changes made through JMAP (a new message, flags, a removal), FETCH
// CHANGEDSINCE with MODSEQ, STORE, and a QRESYNC reopen that learns
// what vanished while it was away. JMAP changes go through fetch() with
// Basic auth. Prints one JSON line for the pytest side to check.
import { ImapFlow } from "imapflow";

const { TERN_HTTP, TERN_IMAP_PORT, TERN_USER, TERN_PASSWORD, TERN_ACCOUNT } = process.env;
const auth = "Basic " + Buffer.from(`${TERN_USER}:${TERN_PASSWORD}`).toString("base64");
const USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"];

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function jmap(method, args) {
  const r = await fetch(`${TERN_HTTP}/jmap/`, {
    method: "POST",
    headers: { Authorization: auth, "Content-Type": "application/json" },
    body: JSON.stringify({ using: USING, methodCalls: [[method, { accountId: TERN_ACCOUNT, ...args }, "c"]] }),
  });
  const body = await r.json();
  const [name, out] = body.methodResponses[0];
  check(name === method, `${method}: ${JSON.stringify(out)}`);
  return out;
}

// Resolves with the first event of that name whose payload passes test.
function waitEvent(client, name, test, ms = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off(name, on);
      reject(new Error(`no ${name} event within ${ms} ms`));
    }, ms);
    function on(ev) {
      if (!test(ev)) return;
      clearTimeout(timer);
      client.off(name, on);
      resolve(ev);
    }
    client.on(name, on);
  });
}

// Resolves once the client sits in IDLE (it starts on its own when idle).
async function idling(client, ms = 5000) {
  const until = Date.now() + ms;
  while (!client.idling) {
    check(Date.now() < until, "the client did not start IDLE");
    await new Promise((r) => setTimeout(r, 20));
  }
}

function newClient(qresync) {
  return new ImapFlow({
    host: "127.0.0.1",
    port: Number(TERN_IMAP_PORT),
    secure: false,
    tls: { rejectUnauthorized: false },
    auth: { user: TERN_USER, pass: TERN_PASSWORD },
    qresync,
    autoIdleDelay: 100,
    logger: process.env.FLOW_DEBUG ? console : false,
    emitLogs: false,
  });
}

const report = {};
const mailboxes = await jmap("Mailbox/get", { ids: null, properties: ["role"] });
const inbox = mailboxes.list.find((m) => m.role === "inbox").id;

const client = newClient(true);
await client.connect();
report.secure = client.secureConnection;
report.enabled = [...client.enabled].sort();
const opened = await client.mailboxOpen("INBOX");
const uidValidity = opened.uidValidity;
const modseq0 = opened.highestModseq;
report.exists0 = opened.exists;

// IDLE: a message created through JMAP
await idling(client);
let t = Date.now();
const existsEv = waitEvent(client, "exists", (ev) => ev.count === 1);
const created = await jmap("Email/set", {
  create: {
    m: {
      mailboxIds: { [inbox]: true },
      subject: "Hello from JMAP",
      from: [{ email: "jmap@example.com" }],
      bodyStructure: { type: "text/plain", partId: "1" },
      bodyValues: { 1: { value: "pushed to IMAP" } },
    },
  },
});
const emailId = created.created.m.id;
await existsEv;
report.existsMs = Date.now() - t;

// IDLE: flags changed through JMAP
await idling(client);
t = Date.now();
const flagsEv = waitEvent(client, "flags", (ev) => ev.flags.has("\\Seen"));
await jmap("Email/set", { update: { [emailId]: { "keywords/$seen": true, "keywords/$flagged": true } } });
const flags = await flagsEv;
report.flagsMs = Date.now() - t;
report.flags = [...flags.flags].sort();
report.flagsModseq = flags.modseq !== undefined;

// CONDSTORE: what changed since the mailbox was opened
const changed = [];
for await (const msg of client.fetch("1:*", { uid: true, flags: true }, { changedSince: modseq0 })) {
  changed.push({ uid: msg.uid, modseq: msg.modseq.toString(), flags: [...msg.flags].sort() });
}
report.changed = changed;
const uid = changed[0].uid;
// a STORE of its own (imapflow puts UNCHANGEDSINCE after the flags, where
// RFC 7162 does not have it, so it is not used here)
report.storeOk = await client.messageFlagsAdd({ uid }, ["\\Answered"], { uid: true });
const after = await client.fetchOne(String(uid), { flags: true }, { uid: true });
report.afterStore = [...after.flags].sort();
const modseq1 = client.mailbox.highestModseq;
await client.logout();

// QRESYNC: removed through JMAP while away, then a quick reopen
await jmap("Email/set", { destroy: [emailId] });
const again = newClient(true);
await again.connect();
const vanished = [];
again.on("expunge", (ev) => vanished.push({ uid: ev.uid, vanished: ev.vanished, earlier: ev.earlier }));
const reopened = await again.mailboxOpen("INBOX", { uidValidity, changedSince: modseq1 });
report.qresync = reopened.qresync === true;
report.vanished = vanished;
report.existsAfter = reopened.exists;
await again.logout();

console.log(JSON.stringify(report));
