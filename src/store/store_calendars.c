/* Calendars of an account. */

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "store/store_calendars_private.h"

#define STORE_CALENDAR_COLUMNS \
	"id, name, description, color, sort_order, is_default, is_subscribed, is_visible," \
	" include_in_availability, default_alerts_with_time, default_alerts_without_time," \
	" time_zone, dav_name, dead_props, modseq"

void store_calendar_clear(struct store_calendar *cal)
{
	free(cal->name);
	free(cal->description);
	free(cal->color);
	free(cal->include_in_availability);
	free(cal->default_alerts_with_time);
	free(cal->default_alerts_without_time);
	free(cal->time_zone);
	free(cal->dav_name);
	free(cal->dead_props);
	memset(cal, 0, sizeof(*cal));
}

static void store_calendar_clear_item(void *item)
{
	store_calendar_clear(item);
}

void store_calendar_list_free(struct store_calendar **listp, size_t count)
{
	store_items_free(*listp, count, sizeof(**listp), store_calendar_clear_item);
	*listp = NULL;
}

static void store_calendar_read(sqlite3_stmt *stmt, void *item, const void *context)
{
	struct store_calendar *cal = item;

	(void)context;
	cal->id = (uint64_t)sqlite3_column_int64(stmt, 0);
	cal->name = store_column_strdup(stmt, 1);
	cal->description = store_column_strdup(stmt, 2);
	cal->color = store_column_strdup(stmt, 3);
	cal->sort_order = (uint32_t)sqlite3_column_int64(stmt, 4);
	cal->is_default = sqlite3_column_int(stmt, 5) != 0;
	cal->is_subscribed = sqlite3_column_int(stmt, 6) != 0;
	cal->is_visible = sqlite3_column_int(stmt, 7) != 0;
	cal->include_in_availability = store_column_strdup(stmt, 8);
	cal->default_alerts_with_time = store_column_strdup(stmt, 9);
	cal->default_alerts_without_time = store_column_strdup(stmt, 10);
	cal->time_zone = store_column_strdup(stmt, 11);
	cal->dav_name = store_column_strdup(stmt, 12);
	cal->dead_props = store_column_strdup(stmt, 13);
	cal->modseq = (uint64_t)sqlite3_column_int64(stmt, 14);
}

static const struct store_rows store_calendar_rows = {
	sizeof(struct store_calendar), store_calendar_read, store_calendar_clear_item, NULL
};

int store_calendar_list(struct store_account *acct, struct store_calendar **list_r,
			size_t *count_r, const char **error_r)
{
	static const char sql[] = "SELECT " STORE_CALENDAR_COLUMNS " FROM calendars ORDER BY id";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	void *list;

	if (stmt == NULL ||
	    store_db_rows(&acct->db, stmt, "calendar list", &store_calendar_rows, &list, count_r,
			  error_r) < 0)
		return -1;
	*list_r = list;
	return 0;
}

int store_calendar_get(struct store_account *acct, uint64_t id, struct store_calendar *cal_r)
{
	static const char sql[] =
		"SELECT " STORE_CALENDAR_COLUMNS " FROM calendars WHERE id = ?1";

	return store_db_row_by_id(&acct->db, sql, id, "calendar get", store_calendar_read, NULL,
				  cal_r);
}

/* Binds ?1..?12: every column but is_default. */
static void store_calendar_bind(sqlite3_stmt *stmt, const struct store_calendar *cal)
{
	sqlite3_bind_text(stmt, 1, cal->name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 2, cal->description);
	store_bind_text_or_null(stmt, 3, cal->color);
	sqlite3_bind_int64(stmt, 4, cal->sort_order);
	sqlite3_bind_int(stmt, 5, cal->is_subscribed ? 1 : 0);
	sqlite3_bind_int(stmt, 6, cal->is_visible ? 1 : 0);
	sqlite3_bind_text(stmt, 7, cal->include_in_availability, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 8, cal->default_alerts_with_time);
	store_bind_text_or_null(stmt, 9, cal->default_alerts_without_time);
	store_bind_text_or_null(stmt, 10, cal->time_zone);
	sqlite3_bind_text(stmt, 11, cal->dav_name, -1, SQLITE_STATIC);
	store_bind_text_or_null(stmt, 12, cal->dead_props);
}

static bool store_calendar_valid(const struct store_calendar *cal, const char *what,
				 const char **error_r)
{
	if (cal->name != NULL && cal->dav_name != NULL && cal->include_in_availability != NULL)
		return true;
	*error_r = store_fail(STORE_ERR_INTERNAL, what, "no name, dav name or availability");
	return false;
}

int store_calendar_create(struct store_account *acct, struct store_calendar *cal,
			  const char **error_r)
{
	static const char sql[] =
		"INSERT INTO calendars (name, description, color, sort_order, is_subscribed,"
		" is_visible, include_in_availability, default_alerts_with_time,"
		" default_alerts_without_time, time_zone, dav_name, dead_props, is_default,"
		" created_modseq, modseq)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_calendar_valid(cal, "calendar create", error_r) ||
	    (modseq = store_change_modseq(acct, "calendar create", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_calendar_bind(stmt, cal);
	sqlite3_bind_int(stmt, 13, cal->is_default ? 1 : 0);
	sqlite3_bind_int64(stmt, 14, (int64_t)modseq);
	if (store_db_run(&acct->db, stmt, "calendar create", error_r) < 0)
		return -1;
	cal->id = (uint64_t)sqlite3_last_insert_rowid(acct->db.handle);
	cal->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CALENDAR, cal->id, modseq,
				   STORE_CHANGE_CREATED, error_r);
}

int store_calendar_update(struct store_account *acct, struct store_calendar *cal,
			  const char **error_r)
{
	static const char sql[] =
		"UPDATE calendars SET name = ?1, description = ?2, color = ?3, sort_order = ?4,"
		" is_subscribed = ?5, is_visible = ?6, include_in_availability = ?7,"
		" default_alerts_with_time = ?8, default_alerts_without_time = ?9,"
		" time_zone = ?10, dav_name = ?11, dead_props = ?12, modseq = ?13 WHERE id = ?14";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (!store_calendar_valid(cal, "calendar update", error_r) ||
	    (modseq = store_change_modseq(acct, "calendar update", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	store_calendar_bind(stmt, cal);
	sqlite3_bind_int64(stmt, 13, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 14, (int64_t)cal->id);
	if (store_db_run_one(&acct->db, stmt, "calendar update", "no such calendar", error_r) < 0)
		return -1;
	cal->modseq = modseq;
	return store_change_record(acct, STORE_TYPE_CALENDAR, cal->id, modseq,
				   STORE_CHANGE_UPDATED, error_r);
}

/* Sets is_default of one calendar; 1 if a row changed. */
static int store_calendar_flag_default(struct store_account *acct, uint64_t id, bool value,
				       const char **error_r)
{
	static const char sql[] =
		"UPDATE calendars SET is_default = ?1, modseq = ?2 WHERE id = ?3 AND is_default != ?1";
	uint64_t modseq = store_change_modseq(acct, "calendar default", error_r);
	sqlite3_stmt *stmt;

	if (modseq == 0 || (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int(stmt, 1, value ? 1 : 0);
	sqlite3_bind_int64(stmt, 2, (int64_t)modseq);
	sqlite3_bind_int64(stmt, 3, (int64_t)id);
	if (store_db_run(&acct->db, stmt, "calendar default", error_r) < 0)
		return -1;
	if (sqlite3_changes(acct->db.handle) == 0)
		return 0;
	if (store_change_record(acct, STORE_TYPE_CALENDAR, id, modseq, STORE_CHANGE_UPDATED,
				error_r) < 0)
		return -1;
	return 1;
}

/* The current default's id, 0 if none. */
static int store_calendar_default_id(struct store_account *acct, uint64_t *id_r,
				     const char **error_r)
{
	static const char sql[] = "SELECT id FROM calendars WHERE is_default = 1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	*id_r = 0;
	if (stmt == NULL)
		return -1;
	ret = store_db_row(&acct->db, stmt, "calendar default", error_r);
	if (ret > 0) {
		*id_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret < 0 ? -1 : 0;
}

int store_calendar_set_default(struct store_account *acct, uint64_t id, const char **error_r)
{
	struct store_calendar cal;
	uint64_t old;
	int ret;

	if ((ret = store_calendar_get(acct, id, &cal)) <= 0) {
		*error_r = ret == 0 ? store_fail(STORE_ERR_NOT_FOUND, "calendar default",
						 "no such calendar") :
				      "calendar default: cannot read";
		return -1;
	}
	store_calendar_clear(&cal);
	if (store_calendar_default_id(acct, &old, error_r) < 0)
		return -1;
	if (old == id)
		return 0;
	if (old != 0 && store_calendar_flag_default(acct, old, false, error_r) < 0)
		return -1;
	return store_calendar_flag_default(acct, id, true, error_r) < 0 ? -1 : 0;
}

int store_calendar_destroy(struct store_account *acct, uint64_t id, const char **error_r)
{
	static const char sql[] = "DELETE FROM calendars WHERE id = ?1";
	uint64_t modseq;
	sqlite3_stmt *stmt;

	if (store_calendar_events_destroy_in(acct, id, error_r) < 0 ||
	    (modseq = store_change_modseq(acct, "calendar destroy", error_r)) == 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	if (store_db_run_one(&acct->db, stmt, "calendar destroy", "no such calendar", error_r) < 0)
		return -1;
	return store_change_record(acct, STORE_TYPE_CALENDAR, id, modseq, STORE_CHANGE_DESTROYED,
				   error_r);
}

int store_calendar_event_count(struct store_account *acct, uint64_t id, uint64_t *count_r,
			       const char **error_r)
{
	static const char sql[] = "SELECT count(*) FROM calendar_events WHERE calendar_id = ?1";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);
	int ret;

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)id);
	ret = store_db_row(&acct->db, stmt, "calendar event count", error_r);
	if (ret <= 0) {
		if (ret == 0)
			*error_r = store_fail(STORE_ERR_INTERNAL, "calendar event count", "no row");
		return -1;
	}
	*count_r = (uint64_t)sqlite3_column_int64(stmt, 0);
	store_stmt_done(stmt);
	return 0;
}
