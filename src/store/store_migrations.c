/* The schemas, as ordered migration steps. A database at user_version
 * N has had the first N steps of its list applied. Never edit a step
 * that has shipped: append a new one. */

#include "store/store_private.h"

static const char *const store_system_steps[] = {
	/* 1: settings, directory, bans */
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL"
	") WITHOUT ROWID;"
	/* AUTOINCREMENT: an id is also an account id, never reused. */
	"CREATE TABLE principals ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  type INTEGER NOT NULL,"
	"  name TEXT NOT NULL UNIQUE,"
	"  description TEXT,"
	"  role TEXT NOT NULL,"
	"  quota INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  secret_version INTEGER NOT NULL DEFAULT 1"
	");"
	"CREATE TABLE principal_secrets ("
	"  principal INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  secret TEXT NOT NULL,"
	"  PRIMARY KEY (principal, position)"
	") WITHOUT ROWID;"
	"CREATE TABLE principal_emails ("
	"  address TEXT PRIMARY KEY,"
	"  principal INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX principal_emails_owner ON principal_emails(principal, position);"
	"CREATE TABLE group_members ("
	"  group_id INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  member INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  PRIMARY KEY (group_id, member)"
	") WITHOUT ROWID;"
	"CREATE INDEX group_members_member ON group_members(member);"
	"CREATE TABLE deleted_accounts ("
	"  id INTEGER PRIMARY KEY,"
	"  deleted_at INTEGER NOT NULL"
	");"
	"CREATE TABLE bans ("
	"  ip TEXT PRIMARY KEY,"
	"  until INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/* 2: outbound queue: one row per submission still to send (state 0
	 * pending, 1 claimed by a sender), with its recipients */
	"CREATE TABLE outbound_queue ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  account_id INTEGER NOT NULL,"
	"  submission_id INTEGER NOT NULL,"
	"  blob_id TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mail_from TEXT NOT NULL,"
	"  mail_from_parameters TEXT,"
	"  state INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  UNIQUE (account_id, submission_id)"
	");"
	"CREATE INDEX outbound_queue_due ON outbound_queue(next_attempt_at) WHERE state = 0;"
	"CREATE TABLE outbound_recipients ("
	"  queue_id INTEGER NOT NULL REFERENCES outbound_queue(id) ON DELETE CASCADE,"
	"  position INTEGER NOT NULL,"
	"  address TEXT NOT NULL,"
	"  parameters TEXT,"
	"  status TEXT NOT NULL,"
	"  smtp_reply TEXT NOT NULL,"
	"  PRIMARY KEY (queue_id, position)"
	") WITHOUT ROWID;",
	/* 3: the DKIM keys of each domain principal, gone with it */
	"CREATE TABLE dkim_keys ("
	"  domain INTEGER NOT NULL REFERENCES principals(id) ON DELETE CASCADE,"
	"  selector TEXT NOT NULL,"
	"  algorithm INTEGER NOT NULL,"
	"  private_pem TEXT NOT NULL,"
	"  dns_txt TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (domain, selector)"
	") WITHOUT ROWID;",
};

static const char *const store_account_steps[] = {
	/* 1: counters, change log, mailboxes, blobs */
	"CREATE TABLE account ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  modseq INTEGER NOT NULL DEFAULT 0,"
	"  tombstone_floor INTEGER NOT NULL DEFAULT 0,"
	"  last_uid_validity INTEGER NOT NULL DEFAULT 0"
	");"
	"INSERT INTO account (one) VALUES (1);"
	"CREATE TABLE type_state ("
	"  type INTEGER PRIMARY KEY,"
	"  modseq INTEGER NOT NULL"
	");"
	/* One row per object ever created, of every type: its creation and
	 * latest modseq; destroyed_at set makes it a tombstone. */
	"CREATE TABLE changes ("
	"  type INTEGER NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  destroyed_at INTEGER,"
	"  PRIMARY KEY (type, id)"
	") WITHOUT ROWID;"
	"CREATE UNIQUE INDEX changes_modseq ON changes(type, modseq);"
	"CREATE INDEX changes_tombstones ON changes(destroyed_at)"
	"  WHERE destroyed_at IS NOT NULL;"
	"CREATE TABLE mailboxes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  parent_id INTEGER REFERENCES mailboxes(id),"
	"  name TEXT NOT NULL,"
	"  role TEXT,"
	"  sort_order INTEGER NOT NULL DEFAULT 0,"
	"  is_subscribed INTEGER NOT NULL DEFAULT 0,"
	"  total_emails INTEGER NOT NULL DEFAULT 0,"
	"  unread_emails INTEGER NOT NULL DEFAULT 0,"
	"  total_threads INTEGER NOT NULL DEFAULT 0,"
	"  unread_threads INTEGER NOT NULL DEFAULT 0,"
	"  uid_validity INTEGER NOT NULL,"
	"  uid_next INTEGER NOT NULL DEFAULT 1,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL"
	");"
	"CREATE INDEX mailboxes_parent ON mailboxes(parent_id);"
	"CREATE TABLE blobs ("
	"  id TEXT PRIMARY KEY,"
	"  size INTEGER NOT NULL,"
	"  refcount INTEGER NOT NULL DEFAULT 0 CHECK (refcount >= 0),"
	"  uploaded_at INTEGER NOT NULL"
	") WITHOUT ROWID;"
	"CREATE INDEX blobs_unreferenced ON blobs(uploaded_at) WHERE refcount = 0;",
	/* 2: emails, threads, memberships with UIDs, keywords, full text */
	"ALTER TABLE account ADD COLUMN mail_bytes INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE threads ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  modseq INTEGER NOT NULL"
	");"
	/* The row holds what queries filter and sort on and what a page of
	 * Email/get reads; the large model lives in email_models so that
	 * scans stay small. unread: neither $seen nor $draft. */
	"CREATE TABLE emails ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  thread_id INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  sent_at INTEGER NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  unread INTEGER NOT NULL,"
	"  has_attachment INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  blob_id TEXT NOT NULL,"
	"  thread_subject TEXT NOT NULL,"
	"  message_id TEXT,"
	"  refs TEXT,"
	"  subject TEXT,"
	"  from_sort TEXT,"
	"  to_sort TEXT,"
	"  preview TEXT"
	");"
	"CREATE INDEX emails_thread ON emails(thread_id, received_at);"
	"CREATE INDEX emails_received ON emails(received_at);"
	"CREATE TABLE email_models ("
	"  email_id INTEGER PRIMARY KEY,"
	"  model TEXT NOT NULL"
	");"
	/* received_at is copied here (it never changes) so that a mailbox
	 * page sorted by date is one walk of a covering index. */
	"CREATE TABLE email_mailboxes ("
	"  mailbox_id INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  email_id INTEGER NOT NULL,"
	"  received_at INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  PRIMARY KEY (mailbox_id, uid)"
	") WITHOUT ROWID;"
	"CREATE UNIQUE INDEX email_mailboxes_email ON email_mailboxes(email_id, mailbox_id);"
	"CREATE INDEX email_mailboxes_received ON email_mailboxes(mailbox_id, received_at, email_id);"
	"CREATE INDEX email_mailboxes_modseq ON email_mailboxes(mailbox_id, modseq);"
	"CREATE TABLE email_keywords ("
	"  email_id INTEGER NOT NULL,"
	"  keyword TEXT NOT NULL,"
	"  PRIMARY KEY (email_id, keyword)"
	") WITHOUT ROWID;"
	"CREATE INDEX email_keywords_keyword ON email_keywords(keyword, email_id);"
	/* Per thread and mailbox: its emails there, and the unread ones;
	 * the mailbox thread counts follow from the 0 <-> 1 transitions. */
	"CREATE TABLE thread_mailboxes ("
	"  thread_id INTEGER NOT NULL,"
	"  mailbox_id INTEGER NOT NULL,"
	"  total INTEGER NOT NULL,"
	"  unread INTEGER NOT NULL,"
	"  PRIMARY KEY (thread_id, mailbox_id)"
	") WITHOUT ROWID;"
	/* Threading keys: each email's own Message-ID and the ids it refers
	 * to, with a hash of its base subject. */
	"CREATE TABLE email_msgids ("
	"  msgid TEXT NOT NULL,"
	"  subject_hash INTEGER NOT NULL,"
	"  email_id INTEGER NOT NULL,"
	"  PRIMARY KEY (msgid, subject_hash, email_id)"
	") WITHOUT ROWID;"
	"CREATE VIRTUAL TABLE email_fts USING fts5("
	"  subject, addr_from, addr_to, addr_cc, addr_bcc, body, attachments, headers,"
	"  tokenize = 'unicode61 remove_diacritics 2');",
	/* 3: identities, email submissions, the vacation response */
	"CREATE TABLE identities ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  email TEXT NOT NULL,"
	"  reply_to TEXT,"
	"  bcc TEXT,"
	"  text_signature TEXT NOT NULL,"
	"  html_signature TEXT NOT NULL,"
	"  is_default INTEGER NOT NULL DEFAULT 0,"
	"  modseq INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX identities_default ON identities(email) WHERE is_default = 1;"
	"CREATE TABLE email_submissions ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  identity_id INTEGER NOT NULL,"
	"  email_id INTEGER NOT NULL,"
	"  thread_id INTEGER NOT NULL,"
	"  blob_id TEXT NOT NULL,"
	"  envelope TEXT NOT NULL,"
	"  send_at INTEGER NOT NULL,"
	"  undo_status TEXT NOT NULL CHECK (undo_status IN ('pending', 'final', 'canceled')),"
	"  delivery_status TEXT,"
	"  dsn_blob_ids TEXT NOT NULL,"
	"  mdn_blob_ids TEXT NOT NULL,"
	"  modseq INTEGER NOT NULL"
	");"
	"CREATE TABLE vacation_response ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  is_enabled INTEGER NOT NULL,"
	"  from_date INTEGER,"
	"  to_date INTEGER,"
	"  subject TEXT,"
	"  text_body TEXT,"
	"  html_body TEXT,"
	"  modseq INTEGER NOT NULL"
	");",
	/* 4: address books and contact cards (the vCard text as sent, with
	 * the search fields the JMAP layer computes, one list per column) */
	"CREATE TABLE address_books ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  description TEXT,"
	"  sort_order INTEGER NOT NULL DEFAULT 0,"
	"  is_default INTEGER NOT NULL DEFAULT 0,"
	"  is_subscribed INTEGER NOT NULL DEFAULT 1,"
	"  dav_name TEXT NOT NULL UNIQUE,"
	"  dead_props TEXT,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX address_books_default ON address_books(is_default)"
	"  WHERE is_default = 1;"
	"CREATE TABLE contact_cards ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  address_book_id INTEGER NOT NULL REFERENCES address_books(id),"
	"  uid TEXT NOT NULL,"
	"  dav_name TEXT NOT NULL,"
	"  vcard TEXT NOT NULL,"
	"  etag TEXT NOT NULL,"
	"  kind TEXT,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  full_name TEXT, given TEXT, surname TEXT, surname2 TEXT, names TEXT,"
	"  nicknames TEXT, organizations TEXT, emails TEXT, phones TEXT, online TEXT,"
	"  addresses TEXT, notes TEXT, members TEXT, search_text TEXT,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  UNIQUE (address_book_id, uid),"
	"  UNIQUE (address_book_id, dav_name)"
	");",
	/* 5: IMAP expunge records: each membership that ended, with the
	 * modseq of its removal, kept like change records; a mailbox's
	 * floor is the highest modseq of its expired records. Removals
	 * before this step were not recorded: the floor starts at the
	 * account's modseq. */
	"CREATE TABLE imap_expunges ("
	"  mailbox_id INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  expunged_at INTEGER NOT NULL,"
	"  PRIMARY KEY (mailbox_id, uid)"
	") WITHOUT ROWID;"
	"CREATE INDEX imap_expunges_modseq ON imap_expunges(mailbox_id, modseq);"
	"CREATE INDEX imap_expunges_expired ON imap_expunges(expunged_at);"
	"ALTER TABLE mailboxes ADD COLUMN imap_expunge_floor INTEGER NOT NULL DEFAULT 0;"
	"UPDATE mailboxes SET imap_expunge_floor = (SELECT modseq FROM account);",
	/* 6: calendars and calendar events (the iCalendar text as sent,
	 * last in the row so that scans skip it; the time range it covers,
	 * NULL when unbounded; the search fields the JMAP layer computes) */
	"CREATE TABLE calendars ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  name TEXT NOT NULL,"
	"  description TEXT,"
	"  color TEXT,"
	"  sort_order INTEGER NOT NULL DEFAULT 0,"
	"  is_default INTEGER NOT NULL DEFAULT 0,"
	"  is_subscribed INTEGER NOT NULL DEFAULT 1,"
	"  is_visible INTEGER NOT NULL DEFAULT 1,"
	"  include_in_availability TEXT NOT NULL DEFAULT 'all',"
	"  default_alerts_with_time TEXT,"
	"  default_alerts_without_time TEXT,"
	"  time_zone TEXT,"
	"  dav_name TEXT NOT NULL UNIQUE,"
	"  dead_props TEXT,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL"
	");"
	"CREATE UNIQUE INDEX calendars_default ON calendars(is_default) WHERE is_default = 1;"
	"CREATE TABLE calendar_events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  calendar_id INTEGER NOT NULL REFERENCES calendars(id),"
	"  uid TEXT NOT NULL,"
	"  dav_name TEXT NOT NULL,"
	"  etag TEXT NOT NULL,"
	"  component TEXT NOT NULL,"
	"  first_start INTEGER,"
	"  last_end INTEGER,"
	"  flags INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  title TEXT, description TEXT, locations TEXT, owners TEXT, attendees TEXT,"
	"  search_text TEXT,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  ical TEXT NOT NULL,"
	"  UNIQUE (calendar_id, uid),"
	"  UNIQUE (calendar_id, dav_name)"
	");"
	"CREATE INDEX calendar_events_range ON calendar_events(calendar_id, first_start);",
	/* 7: the places (collection, DAV name) cards and events left by
	 * being destroyed, moved or renamed, so that a DAV client syncing
	 * from before learns which hrefs went, across restarts. Triggers
	 * write them with the change's modseq (a destroy allocates it in
	 * account.modseq before the DELETE); type is the store_type (8
	 * events, 10 cards); they expire with the tombstones. */
	"CREATE TABLE dav_gone ("
	"  type INTEGER NOT NULL,"
	"  id INTEGER NOT NULL,"
	"  collection_id INTEGER NOT NULL,"
	"  dav_name TEXT NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  gone_at INTEGER NOT NULL"
	");"
	"CREATE INDEX dav_gone_modseq ON dav_gone(type, modseq);"
	"CREATE INDEX dav_gone_at ON dav_gone(gone_at);"
	"CREATE TRIGGER contact_cards_gone AFTER DELETE ON contact_cards BEGIN"
	"  INSERT INTO dav_gone VALUES (10, OLD.id, OLD.address_book_id, OLD.dav_name,"
	"   (SELECT modseq FROM account), unixepoch());"
	" END;"
	"CREATE TRIGGER contact_cards_moved AFTER UPDATE OF address_book_id, dav_name"
	"  ON contact_cards WHEN OLD.address_book_id <> NEW.address_book_id"
	"  OR OLD.dav_name <> NEW.dav_name BEGIN"
	"  INSERT INTO dav_gone VALUES (10, OLD.id, OLD.address_book_id, OLD.dav_name,"
	"   NEW.modseq, unixepoch());"
	" END;"
	"CREATE TRIGGER calendar_events_gone AFTER DELETE ON calendar_events BEGIN"
	"  INSERT INTO dav_gone VALUES (8, OLD.id, OLD.calendar_id, OLD.dav_name,"
	"   (SELECT modseq FROM account), unixepoch());"
	" END;"
	"CREATE TRIGGER calendar_events_moved AFTER UPDATE OF calendar_id, dav_name"
	"  ON calendar_events WHEN OLD.calendar_id <> NEW.calendar_id"
	"  OR OLD.dav_name <> NEW.dav_name BEGIN"
	"  INSERT INTO dav_gone VALUES (8, OLD.id, OLD.calendar_id, OLD.dav_name,"
	"   NEW.modseq, unixepoch());"
	" END;",
	/* 8: the DAV file tree (parent 0 is the root; a file's content is a
	 * blob it holds a reference on) */
	"CREATE TABLE file_nodes ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  parent_id INTEGER NOT NULL,"
	"  name TEXT NOT NULL,"
	"  is_folder INTEGER NOT NULL,"
	"  blob_id TEXT,"
	"  type TEXT,"
	"  size INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL,"
	"  dead_props TEXT,"
	"  created_modseq INTEGER NOT NULL,"
	"  modseq INTEGER NOT NULL,"
	"  UNIQUE (parent_id, name)"
	");",
	/* 9: the full-text index keeps a whole import batch in memory and
	 * writes it as one segment (hashsize), and merges segments eight
	 * at a time rather than four (automerge): a third less work per
	 * indexed message, with queries as fast */
	"INSERT INTO email_fts (email_fts, rank) VALUES ('hashsize', 8388608);"
	"INSERT INTO email_fts (email_fts, rank) VALUES ('automerge', 8);",
	/* 10: full-text segments merge sixteen at a time, which rewrites
	 * each indexed message one level fewer times on the way to a large
	 * account; a level merges at once (crisismerge) only well past
	 * that, so that the work stays spread over the writes rather than
	 * falling on one commit */
	"INSERT INTO email_fts (email_fts, rank) VALUES ('automerge', 16);"
	"INSERT INTO email_fts (email_fts, rank) VALUES ('crisismerge', 64);",
	/* 11: the content of small blobs (STORE_BLOB_INLINE_MAX), written
	 * with the rows that record them instead of as files; a blob's
	 * content names its row (NULL: the content is a file) */
	"CREATE TABLE blob_contents (data BLOB NOT NULL);"
	"ALTER TABLE blobs ADD COLUMN content INTEGER;",
};

static const char *const store_fts_steps[] = {
	/* 1: the index, with account.db's options of migrations 9 and 10;
	 * every email created or destroyed at or before fts_state.modseq
	 * is in it or out of it */
	"CREATE VIRTUAL TABLE email_fts USING fts5("
	"  subject, addr_from, addr_to, addr_cc, addr_bcc, body, attachments, headers,"
	"  tokenize = 'unicode61 remove_diacritics 2');"
	"INSERT INTO email_fts (email_fts, rank) VALUES ('hashsize', 8388608);"
	"INSERT INTO email_fts (email_fts, rank) VALUES ('automerge', 16);"
	"INSERT INTO email_fts (email_fts, rank) VALUES ('crisismerge', 64);"
	"CREATE TABLE fts_state ("
	"  one INTEGER PRIMARY KEY CHECK (one = 1),"
	"  modseq INTEGER NOT NULL"
	");"
	"INSERT INTO fts_state (one, modseq) VALUES (1, 0);",
};

const struct store_migrations store_system_migrations = {
	"system", store_system_steps, STORE_N_ELEMENTS(store_system_steps),
};

const struct store_migrations store_account_migrations = {
	"account", store_account_steps, STORE_N_ELEMENTS(store_account_steps),
};

const struct store_migrations store_fts_migrations = {
	"fts", store_fts_steps, STORE_N_ELEMENTS(store_fts_steps),
};
