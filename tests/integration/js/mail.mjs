// A mail session with jmap-jam, a JMAP client from npm: upload a message,
// Email/import it into the Inbox, find it with Email/query chained to
// Email/get, flag it with Email/set, and read it back with its body.
// Prints one JSON line for test_email.py to check.
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

const raw = [
  "From: Jam Client <jam@example.com>",
  `To: ${TERN_USER}@acct.test`,
  "Subject: =?UTF-8?Q?Hello_from_jmap-jam_=E2=9C=93?=",
  "Date: Mon, 01 Jan 2024 12:00:00 +0000",
  "Message-ID: <jam-scenario@example.com>",
  "MIME-Version: 1.0",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Sent by a real JMAP client.",
  "",
].join("\r\n");

const jam = new JamClient({ sessionUrl: TERN_SESSION_URL, bearerToken: token });
const accountId = await jam.getPrimaryAccount();
check(accountId, "primary mail account");

const [boxes] = await jam.api.Mailbox.query({ accountId, filter: { role: "inbox" } });
check(boxes.ids.length === 1, `one inbox: ${JSON.stringify(boxes)}`);
const inbox = boxes.ids[0];

const uploaded = await jam.uploadBlob(accountId, new Blob([raw], { type: "message/rfc822" }));
check(uploaded.blobId && uploaded.size === Buffer.byteLength(raw),
      `upload: ${JSON.stringify(uploaded)}`);

const [imported] = await jam.request(["Email/import", {
  accountId,
  emails: { jam1: { blobId: uploaded.blobId, mailboxIds: { [inbox]: true },
                    keywords: { $seen: true } } },
}]);
const created = imported.created?.jam1;
check(created?.id, `Email/import: ${JSON.stringify(imported)}`);

const [listed] = await jam.requestMany((t) => {
  const query = t.Email.query({
    accountId,
    filter: { inMailbox: inbox },
    sort: [{ property: "receivedAt", isAscending: false }],
    limit: 50,
  });
  const get = t.Email.get({
    accountId,
    ids: query.$ref("/ids"),
    properties: ["subject", "from", "receivedAt", "keywords", "preview", "threadId"],
  });
  return { query, get };
});
check(listed.get.list.length === listed.query.ids.length, "query and get agree");

const [updated] = await jam.api.Email.set({
  accountId,
  update: { [created.id]: { "keywords/$flagged": true } },
});
check(updated.updated && created.id in updated.updated, `Email/set: ${JSON.stringify(updated)}`);

const [read] = await jam.api.Email.get({
  accountId,
  ids: [created.id],
  properties: ["subject", "keywords", "textBody", "bodyValues", "size"],
  fetchTextBodyValues: true,
});
const email = read.list[0];
check(email.keywords.$flagged && email.keywords.$seen, `keywords: ${JSON.stringify(email)}`);
const partId = email.textBody[0].partId;

const downloaded = await jam.downloadBlob({
  accountId, blobId: created.blobId, mimeType: "message/rfc822", fileName: "m.eml",
});
check(downloaded.ok && (await downloaded.text()) === raw, "download of the raw message");

console.log(JSON.stringify({
  emailId: created.id,
  subject: email.subject,
  queried: listed.query.ids,
  bodyText: email.bodyValues[partId].value,
  size: email.size,
}));
