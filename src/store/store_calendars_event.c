/* Calendar events: the iCalendar text as sent, its ETag, its time range
 * and search fields. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/xalloc.h"
#include "store/store_calendars_private.h"

/* The search columns, in enum store_event_field order. */
#define STORE_EVENT_FIELD_COLUMNS \
	"title, description, locations, owners, attendees, search_text"
#define STORE_EVENT_COLUMNS \
	"id, calendar_id, uid, dav_name, etag, component, first_start, last_end, flags," \
	" created_at, updated_at, modseq, " STORE_EVENT_FIELD_COLUMNS
/* Index of the first search column in STORE_EVENT_COLUMNS. */
#define STORE_EVENT_FIELD_FIRST 12
#define STORE_EVENT_ICAL_COLUMN (STORE_EVENT_FIELD_FIRST + STORE_EVENT_FIELD__COUNT)

void store_calendar_event_clear(struct store_calendar_event *ev)
{
	free(ev->uid);
	free(ev->dav_name);
	free(ev->component);
	free(ev->ical);
	for (size_t i = 0; i < STORE_EVENT_FIELD__COUNT; i++)
		free(ev->fields[i]);
	memset(ev, 0, sizeof(*ev));
}

static void store_event_clear_item(void *item)
{
	store_calendar_event_clear(item);
}

void store_calendar_event_list_free(struct store_calendar_event **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_event_clear_item);
	*listp = NULL;
}

static void store_event_read_etag(sqlite3_stmt *stmt, int col, char *out, size_t size)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	out[0] = '\0';
	if (s != NULL) {
		strncpy(out, (const char *)s, size - 1);
		out[size - 1] = '\0';
	}
}

static void store_event_read_ical(sqlite3_stmt *stmt, struct store_calendar_event *ev)
{
	size_t len = (size_t)sqlite3_column_bytes(stmt, STORE_EVENT_ICAL_COLUMN);
	const void *data = sqlite3_column_blob(stmt, STORE_EVENT_ICAL_COLUMN);

	ev->ical = xmalloc(len + 1);
	if (len > 0)
		memcpy(ev->ical, data, len);
	ev->ical[len] = '\0';
	ev->ical_len = len;
}

/* context: the unsigned STORE_EVENT_WITH_* flags of the statement. */
static void store_event_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_calendar_event *ev = item;
	unsigned what = *(const unsigned *)context;

	ev->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	ev->calendar_id = (uint64_t)sqlite3_column_int64(stmt, 1);
	ev->uid = store_column_strdup(stmt, 2);
	ev->dav_name = store_column_strdup(stmt, 3);
	store_event_read_etag(stmt, 4, ev->etag, sizeof(ev->etag));
	ev->component = store_column_strdup(stmt, 5);
	ev->has_start = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
	ev->first_start = sqlite3_column_int64(stmt, 6);
	ev->has_end = sqlite3_column_type(stmt, 7) != SQLITE_NULL;
	ev->last_end = sqlite3_column_int64(stmt, 7);
	ev->flags = (unsigned)sqlite3_column_int(stmt, 8);
	ev->created_at = sqlite3_column_int64(stmt, 9);
	ev->updated_at = sqlite3_column_int64(stmt, 10);
	ev->modseq = (uint64_t)sqlite3_column_int64(stmt, 11);
	for (int i = 0; i < STORE_EVENT_FIELD__COUNT; i++)
		ev->fields[i] = store_column_strdup(stmt, STORE_EVENT_FIELD_FIRST + i);
	if ((what & STORE_EVENT_WITH_ICAL) != 0)
		store_event_read_ical(stmt, ev);
}

int store_calendar_event_get(struct store_account *acct, uint64_t id, unsigned what,
			     struct store_calendar_event *ev_r)
{
	static const char sql_meta[] =
		"SELECT " STORE_EVENT_COLUMNS " FROM calendar_events WHERE id = ?1";
	static const char sql_full[] =
		"SELECT " STORE_EVENT_COLUMNS ", ical FROM calendar_events WHERE id = ?1";
	const char *sql = (what & STORE_EVENT_WITH_ICAL) != 0 ? sql_full : sql_meta;

	return store_db_row_by_id(&acct->db, sql, id, "event get", store_event_read, &what, ev_r);
}

static int store_event_rows(struct store_account *acct, sqlite3_stmt *stmt, unsigned what,
			    struct store_calendar_event **list_r, size_t *count_r,
			    const char **error_r)
{
	const struct store_rows rows = {
		sizeof(struct store_calendar_event), store_event_read, store_event_clear_item, &what
	};
	void *list;

	if (store_db_rows(&acct->db, stmt, "event list", &rows, &list, count_r, error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

static sqlite3_stmt *store_event_list_stmt(struct store_account *acct, uint64_t calendar,
					   unsigned what, const char **error_r)
{
	static const char sql_all[] =
		"SELECT " STORE_EVENT_COLUMNS " FROM calendar_events ORDER BY id";
	static const char sql_all_full[] =
		"SELECT " STORE_EVENT_COLUMNS ", ical FROM calendar_events ORDER BY id";
	static const char sql_cal[] =
		"SELECT " STORE_EVENT_COLUMNS " FROM calendar_events"
		" WHERE calendar_id = ?1 ORDER BY id";
	static const char sql_cal_full[] =
		"SELECT " STORE_EVENT_COLUMNS ", ical FROM calendar_events"
		" WHERE calendar_id = ?1 ORDER BY id";
	bool full = (what & STORE_EVENT_WITH_ICAL) != 0;
	sqlite3_stmt *stmt;

	if (calendar == 0)
		return store_db_stmt(&acct->db, full ? sql_all_full : sql_all, error_r);
	stmt = store_db_stmt(&acct->db, full ? sql_cal_full : sql_cal, error_r);
	if (stmt != NULL)
		sqlite3_bind_int64(stmt, 1, (int64_t)calendar);
	return stmt;
}

int store_calendar_event_list(struct store_account *acct, uint64_t calendar_id, unsigned what,
			      struct store_calendar_event **list_r, size_t *count_r,
			      const char **error_r)
{
	sqlite3_stmt *stmt = store_event_list_stmt(acct, calendar_id, what, error_r);

	if (stmt == NULL)
		return -1;
	return store_event_rows(acct, stmt, what, list_r, count_r, error_r);
}

/* ?2 = after, ?3 = before. */
#define STORE_EVENT_RANGE_WHERE \
	" (first_start IS NULL OR first_start < ?3) AND (last_end IS NULL OR last_end > ?2" \
	" OR (last_end = first_start AND first_start >= ?2))"

static sqlite3_stmt *store_event_range_stmt(struct store_account *acct, uint64_t calendar,
					    unsigned what, const char **error_r)
{
	static const char sql_all[] =
		"SELECT " STORE_EVENT_COLUMNS " FROM calendar_events WHERE ?1 = 0 AND"
		STORE_EVENT_RANGE_WHERE " ORDER BY id";
	static const char sql_all_full[] =
		"SELECT " STORE_EVENT_COLUMNS ", ical FROM calendar_events WHERE ?1 = 0 AND"
		STORE_EVENT_RANGE_WHERE " ORDER BY id";
	static const char sql_cal[] =
		"SELECT " STORE_EVENT_COLUMNS " FROM calendar_events WHERE calendar_id = ?1 AND"
		STORE_EVENT_RANGE_WHERE " ORDER BY id";
	static const char sql_cal_full[] =
		"SELECT " STORE_EVENT_COLUMNS ", ical FROM calendar_events WHERE calendar_id = ?1"
		" AND" STORE_EVENT_RANGE_WHERE " ORDER BY id";
	bool full = (what & STORE_EVENT_WITH_ICAL) != 0;

	if (calendar == 0)
		return store_db_stmt(&acct->db, full ? sql_all_full : sql_all, error_r);
	return store_db_stmt(&acct->db, full ? sql_cal_full : sql_cal, error_r);
}

int store_calendar_event_range(struct store_account *acct, uint64_t calendar_id, int64_t after,
			       int64_t before, unsigned what, struct store_calendar_event **list_r,
			       size_t *count_r, const char **error_r)
{
	sqlite3_stmt *stmt = store_event_range_stmt(acct, calendar_id, what, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)calendar_id);
	sqlite3_bind_int64(stmt, 2, after);
	sqlite3_bind_int64(stmt, 3, before);
	return store_event_rows(acct, stmt, what, list_r, count_r, error_r);
}

static int store_event_find(struct store_account *acct, const char *sql, uint64_t calendar,
			    const char *value, uint64_t *id_r)
{
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)calendar);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	ret = store_db_row(&acct->db, stmt, "event find", &error);
	if (ret > 0) {
		*id_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_calendar_event_find_uid(struct store_account *acct, uint64_t calendar_id,
				  const char *uid, uint64_t *id_r)
{
	static const char sql[] =
		"SELECT id FROM calendar_events WHERE calendar_id = ?1 AND uid = ?2";

	return store_event_find(acct, sql, calendar_id, uid, id_r);
}

int store_calendar_event_find_dav_name(struct store_account *acct, uint64_t calendar_id,
				       const char *dav_name, uint64_t *id_r)
{
	static const char sql[] =
		"SELECT id FROM calendar_events WHERE calendar_id = ?1 AND dav_name = ?2";

	return store_event_find(acct, sql, calendar_id, dav_name, id_r);
}

static bool store_event_valid(const struct store_calendar_event *ev, const char *what,
			      const char **error_r)
{
	if (ev->uid == NULL || ev->dav_name == NULL || ev->ical == NULL ||
	    ev->component == NULL || ev->calendar_id == 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, what, "incomplete event");
		return false;
	}
	if (ev->ical_len > INT32_MAX) {
		*error_r = store_fail(STORE_ERR_INTERNAL, what, "iCalendar text too large");
		return false;
	}
	return true;
}

static void store_event_etag(struct store_calendar_event *ev)
{
	uint8_t digest[SHA256_LEN];

	sha256(ev->ical, ev->ical_len, digest);
	hex_encode(digest, sizeof(digest), ev->etag);
}

/* Binds ?1..?11 (calendar, uid, dav name, etag, component, first start,
 * last end, flags, created, updated, ical) and the fields from ?12 on. */
static void store_event_bind(sqlite3_stmt *stmt, const struct store_calendar_event *ev)
{
	sqlite3_bind_int64(stmt, 1, (int64_t)ev->calendar_id);
	sqlite3_bind_text(stmt, 2, ev->uid, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, ev->dav_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 4, ev->etag, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, ev->component, -1, SQLITE_STATIC);
	if (ev->has_start)
		sqlite3_bind_int64(stmt, 6, ev->first_start);
	if (ev->has_end)
		sqlite3_bind_int64(stmt, 7, ev->last_end);
	sqlite3_bind_int(stmt, 8, (int)ev->flags);
	sqlite3_bind_int64(stmt, 9, ev->created_at);
	sqlite3_bind_int64(stmt, 10, ev->updated_at);
	sqlite3_bind_text(stmt, 11, ev->ical, (int)ev->ical_len, SQLITE_STATIC);
	for (int i = 0; i < STORE_EVENT_FIELD__COUNT; i++) {
		if (ev->fields[i] != NULL)
			sqlite3_bind_text(stmt, 12 + i, ev->fields[i], -1, SQLITE_STATIC);
	}
}

/* The parameter after the fields (?18) holds the modseq. */
#define STORE_EVENT_PARAM_MODSEQ (12 + STORE_EVENT_FIELD__COUNT)

int store_calendar_event_create(struct store_account *acct, struct store_calendar_event *ev,
				const char **error_r)
{
	static const char sql[] =
		"INSERT INTO calendar_events (calendar_id, uid, dav_name, etag, component,"
		" first_start, last_end, flags, created_at, updated_at, ical, "
		STORE_EVENT_FIELD_COLUMNS ", created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
		" ?17, ?18, ?18)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_event_valid(ev, "event create", error_r) ||
	    (modseq = store_change_modseq(acct, "event create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_event_etag(ev);
	store_event_bind(stmt, ev);
	sqlite3_bind_int64(stmt, STORE_EVENT_PARAM_MODSEQ, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "event create", error_r) < 0)
		return -1;
	ev->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	ev->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CALENDAR_EVENT, ev->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_calendar_event_update(struct store_account *acct, struct store_calendar_event *ev,
				const char **error_r)
{
	static const char sql[] =
		"UPDATE calendar_events SET calendar_id = ?1, uid = ?2, dav_name = ?3, etag = ?4,"
		" component = ?5, first_start = ?6, last_end = ?7, flags = ?8, created_at = ?9,"
		" updated_at = ?10, ical = ?11, title = ?12, description = ?13, locations = ?14,"
		" owners = ?15, attendees = ?16, search_text = ?17, modseq = ?18 WHERE id = ?19";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_event_valid(ev, "event update", error_r) ||
	    (modseq = store_change_modseq(acct, "event update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_event_etag(ev);
	store_event_bind(stmt, ev);
	sqlite3_bind_int64(stmt, STORE_EVENT_PARAM_MODSEQ, (int64_t)modseq);
	sqlite3_bind_int64(stmt, STORE_EVENT_PARAM_MODSEQ + 1, (int64_t)ev->id);
	if (store_db_run_one(&acct->db, stmt, "event update", "no such event", error_r) < 0)
		return -1;
	ev->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CALENDAR_EVENT, ev->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

int store_calendar_event_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM calendar_events WHERE id = ?1";
	uint64_t modseq = store_change_modseq(acct, "event destroy", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "event destroy", "no such event", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_CALENDAR_EVENT, id, modseq,
				   STORE_CHANGE_DESTROYED, error_r);
}

/* The ids first, then one destroy each: a statement stepping over the
 * table must not run while rows are deleted from it. */
int store_calendar_events_destroy_in(struct store_account *acct, uint64_t calendar_id,
				     const char **error_r)
{
	static const char sql[] = "SELECT id FROM calendar_events WHERE calendar_id = ?1";
	uint64_t *ids;
	size_t count;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret = 0;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)calendar_id);
	if (store_db_ids(&acct->db, stmt, "events of calendar", &ids, &count, error_r) < 0)
		return -1;
	for (size_t i = 0; ret == 0 && i < count; i++)
		ret = store_calendar_event_destroy(acct, ids[i], error_r);
	free(ids);
	return ret < 0 ? -1 : 0;
}
