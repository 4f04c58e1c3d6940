// Drives ternd's SMTP server with nodemailer, a real SMTP client from
// npm: submission with STARTTLS required and AUTH LOGIN, implicit TLS
// with AUTH PLAIN, both with DSN parameters and an attachment; the
// inbound port without authentication; a wrong password. Prints one
// JSON line for the pytest side, which checks delivery over JMAP.
import nodemailer from "nodemailer";

const env = process.env;
const tls = { rejectUnauthorized: false };
const auth = { user: env.TERN_USER, pass: env.TERN_PASSWORD };

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function send(options, mail) {
  const transport = nodemailer.createTransport({ host: "127.0.0.1", tls, ...options });
  try {
    return await transport.sendMail({ from: env.TERN_FROM, to: env.TERN_TO, ...mail });
  } finally {
    transport.close();
  }
}

const attachment = { filename: "notes.txt", content: "line one\n.line two\n".repeat(200) };
const dsn = { id: "env-1+2", return: "headers", notify: ["failure", "delay"], recipient: env.TERN_FROM };
const out = {};

const starttls = await send(
  { port: Number(env.TERN_SUBMISSION_PORT), secure: false, requireTLS: true, auth: { ...auth }, authMethod: "LOGIN" },
  { subject: "nodemailer starttls", text: "Sent with STARTTLS and AUTH LOGIN.\n", attachments: [attachment], dsn },
);
check(starttls.accepted.length === 1, `starttls accepted: ${JSON.stringify(starttls)}`);
out.starttls = starttls.response;

const implicit = await send(
  { port: Number(env.TERN_SUBMISSIONS_PORT), secure: true, auth: { ...auth }, authMethod: "PLAIN" },
  { subject: "nodemailer implicit tls", text: "Sent over implicit TLS, h\u00e9llo.\n", dsn },
);
check(implicit.accepted.length === 1, `implicit accepted: ${JSON.stringify(implicit)}`);
out.implicit = implicit.response;

const inbound = await send(
  { port: Number(env.TERN_SMTP_PORT), secure: false, ignoreTLS: true },
  { from: "someone@elsewhere.example", subject: "nodemailer inbound", text: "From another server.\n" },
);
check(inbound.accepted.length === 1, `inbound accepted: ${JSON.stringify(inbound)}`);
out.inbound = inbound.response;

try {
  await send(
    { port: Number(env.TERN_SUBMISSION_PORT), secure: false, requireTLS: true, auth: { user: env.TERN_USER, pass: "wrong" } },
    { subject: "nodemailer wrong password", text: "Never sent.\n" },
  );
  out.badAuth = "accepted";
} catch (e) {
  out.badAuth = { code: e.code, responseCode: e.responseCode };
}

console.log(JSON.stringify(out));
