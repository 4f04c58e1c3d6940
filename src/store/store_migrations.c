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
};

const struct store_migrations store_system_migrations = {
	"system", store_system_steps, STORE_N_ELEMENTS(store_system_steps),
};

const struct store_migrations store_account_migrations = {
	"account", store_account_steps, STORE_N_ELEMENTS(store_account_steps),
};
