/* Content-addressed blobs of an account, with reference counts.
 *
 * A small blob is kept in memory while it is written and stored in the
 * account database (store_blob_inline.c). A larger one spills to a file
 * in tmp/, which is fsynced, renamed to blobs/<xx>/<hex> and recorded
 * in the account database. Inside a caller's write transaction the
 * syncs wait for its commit, which makes every file of the batch
 * durable at once before the rows that name them. Renaming into place and deleting
 * expired files both happen under the account's write lock, so an
 * upload and an expiry of the same content cannot interleave. */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "store/store_private.h"

/* The copy kept for store_blob_recent_add() is also the content of a
 * blob still in memory. */
_Static_assert(STORE_BLOB_INLINE_MAX <= STORE_BLOB_RECENT_BYTES,
	       "an inline blob must fit the copy of the data");

struct store_blob_writer {
	struct store_account *acct;
	/* The temporary file, once the content outgrew memory. */
	int fd;
	char *tmp_path;
	struct sha256_ctx *sha;
	uint64_t size;
	/* A copy of the data: the content itself while there is no file,
	 * and for store_blob_recent_add(), given up past what it would
	 * keep */
	unsigned char *copy;
	size_t copy_cap;
	bool copy_dropped;
	bool closed;
};

/* "G" and 64 lowercase hex digits, nothing else. */
static bool store_blob_id_valid(const char *blob_id)
{
	if (blob_id == NULL || blob_id[0] != 'G' || strlen(blob_id) != STORE_BLOB_ID_LEN)
		return false;
	for (size_t i = 1; i < STORE_BLOB_ID_LEN; i++) {
		char c = blob_id[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return false;
	}
	return true;
}

static char *store_blob_dir(const struct store_account *acct, const char *blob_id)
{
	return xasprintf("%s/blobs/%.2s", acct->dir, blob_id + 1);
}

static char *store_blob_path(const struct store_account *acct, const char *blob_id)
{
	return xasprintf("%s/blobs/%.2s/%s", acct->dir, blob_id + 1, blob_id + 1);
}

int store_blob_write_begin(struct store_account *acct, struct store_blob_writer **w_r,
			   const char **error_r)
{
	struct store_blob_writer *w = xcalloc(1, sizeof(*w));

	w->acct = acct;
	w->fd = -1;
	w->sha = sha256_new();
	*w_r = w;
	return 0;
}

static void store_blob_copy(struct store_blob_writer *w, const void *data, size_t len)
{
	size_t have = (size_t)w->size;

	if (w->copy_dropped)
		return;
	if (len > STORE_BLOB_RECENT_BYTES - have || have > STORE_BLOB_RECENT_BYTES) {
		free(w->copy);
		w->copy = NULL;
		w->copy_dropped = true;
		return;
	}
	if (have + len > w->copy_cap) {
		w->copy_cap = have + len > 2 * w->copy_cap ? have + len : 2 * w->copy_cap;
		w->copy = xrealloc(w->copy, w->copy_cap);
	}
	if (len > 0)
		memcpy(w->copy + have, data, len);
}

static int store_blob_fd_write(struct store_blob_writer *w, const void *data, size_t len,
			       const char **error_r)
{
	const uint8_t *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(w->fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*error_r = store_fail(STORE_ERR_INTERNAL, "blob write", strerror(errno));
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Moves the content so far (all in the copy) to a new temporary file,
 * which takes the rest. */
static int store_blob_spill(struct store_blob_writer *w, const char **error_r)
{
	uint8_t rnd[16];
	char name[2 * sizeof(rnd) + 1];

	rand_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), name);
	w->tmp_path = xasprintf("%s/tmp/%s", w->acct->dir, name);
	w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, STORE_FILE_MODE);
	if (w->fd < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob create",
				      err_fmt("%s: %s", w->tmp_path, strerror(errno)));
		free(w->tmp_path);
		w->tmp_path = NULL;
		return -1;
	}
	return store_blob_fd_write(w, w->copy, (size_t)w->size, error_r);
}

int store_blob_write(struct store_blob_writer *w, const void *data, size_t len,
		     const char **error_r)
{
	if (w->closed) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob write", "the writer is closed");
		return -1;
	}
	if (w->tmp_path == NULL && len > STORE_BLOB_INLINE_MAX - w->size &&
	    store_blob_spill(w, error_r) < 0)
		return -1;
	sha256_update(w->sha, data, len);
	store_blob_copy(w, data, len);
	w->size += len;
	return w->tmp_path == NULL ? 0 : store_blob_fd_write(w, data, len, error_r);
}

static void store_blob_writer_free(struct store_blob_writer **wp)
{
	struct store_blob_writer *w = *wp;
	uint8_t digest[SHA256_LEN];

	*wp = NULL;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp_path != NULL)
		unlink(w->tmp_path);
	if (w->sha != NULL)
		sha256_final(&w->sha, digest);
	free(w->copy);
	free(w->tmp_path);
	free(w);
}

void store_blob_write_abort(struct store_blob_writer **w)
{
	if (*w != NULL)
		store_blob_writer_free(w);
}

static void store_blob_pending_add(struct store_account *acct, char *path)
{
	if (acct->blob_pending_count == acct->blob_pending_cap) {
		acct->blob_pending_cap = acct->blob_pending_cap == 0 ? 64 : acct->blob_pending_cap * 2;
		acct->blob_pending = xrealloc(acct->blob_pending,
					      acct->blob_pending_cap * sizeof(char *));
	}
	acct->blob_pending[acct->blob_pending_count++] = path;
}

/* 1 if a row names blob_id and its file is there: nothing to place. */
static int store_blob_present(struct store_account *acct, const char *blob_id,
			      const char *path)
{
	uint64_t size;
	int ret = store_blob_stat(acct, blob_id, &size);

	return ret > 0 ? access(path, F_OK) == 0 : ret;
}

/* Renames the temporary file to path, making the fan-out directory
 * first if it is not there yet: trying the rename first spares a
 * mkdir() per blob once the directories exist. */
static int store_blob_rename(struct store_blob_writer *w, const char *blob_id, const char *path,
			     const char **error_r)
{
	char *parent, *dir;
	int ret;

	if (rename(w->tmp_path, path) == 0)
		return 0;
	if (errno == ENOENT) {
		parent = xasprintf("%s/blobs", w->acct->dir);
		dir = store_blob_dir(w->acct, blob_id);
		ret = store_fs_mkdir_durable(parent, dir, error_r);
		free(parent);
		free(dir);
		if (ret < 0)
			return -1;
		if (rename(w->tmp_path, path) == 0)
			return 0;
	}
	*error_r = store_fail(STORE_ERR_INTERNAL, "blob rename",
			      err_fmt("%s: %s", path, strerror(errno)));
	return -1;
}

/* Moves the temporary file to its content address, unless a recorded
 * blob is already there; a file there that no row names is a leftover
 * of a crash and is replaced. Outside a caller's transaction the rename
 * is made durable now; inside one, at its commit. */
static int store_blob_place(struct store_blob_writer *w, const char *blob_id, bool deferred,
			    const char **error_r)
{
	char *path = store_blob_path(w->acct, blob_id);
	char *dir;
	int ret = store_blob_present(w->acct, blob_id, path);

	if (ret < 0)
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob place", "cannot look the blob up");
	if (ret == 0)
		ret = store_blob_rename(w, blob_id, path, error_r);
	if (ret == 0) {
		free(w->tmp_path);
		w->tmp_path = NULL;
		if (deferred) {
			store_blob_pending_add(w->acct, path);
			path = NULL;
		} else {
			dir = store_blob_dir(w->acct, blob_id);
			ret = store_fs_fsync_dir(dir, error_r);
			free(dir);
		}
	}
	free(path);
	return ret > 0 ? 0 : ret;
}

int store_blob_sync_pending(struct store_account *acct, const char **error_r)
{
	int fd, ret = 0;

	if (acct->blob_pending_count == 0)
		return 0;
	fd = open(acct->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || syncfs(fd) < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob sync",
				      err_fmt("%s: %s", acct->dir, strerror(errno)));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

void store_blob_keep_pending(struct store_account *acct)
{
	store_strings_free(acct->blob_pending, acct->blob_pending_count);
	acct->blob_pending = NULL;
	acct->blob_pending_count = acct->blob_pending_cap = 0;
}

void store_blob_drop_pending(struct store_account *acct)
{
	store_blob_recent_clear(acct);
	for (size_t i = 0; i < acct->blob_pending_count; i++) {
		if (unlink(acct->blob_pending[i]) < 0 && errno != ENOENT)
			log_warn("store.blob_drop", "path=%s error=%s", log_q(acct->blob_pending[i]),
				 log_q(strerror(errno)));
	}
	store_blob_keep_pending(acct);
}

/* A new upload of known content counts as a fresh upload: its expiry
 * starts again. content is the blob_contents row holding it, or 0 for
 * a file (a row already recorded keeps its own). */
static int store_blob_record(struct store_account *acct, const char *blob_id, uint64_t size,
			     int64_t content, const char **error_r)
{
	static const char sql[] =
		"INSERT INTO blobs (id, size, refcount, uploaded_at, content)"
		" VALUES (?1, ?2, 0, ?3, ?4)"
		" ON CONFLICT (id) DO UPDATE SET"
		"  uploaded_at = max(uploaded_at, excluded.uploaded_at),"
		"  content = coalesce(content, excluded.content)";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (int64_t)size);
	sqlite3_bind_int64(stmt, 3, (int64_t)time(NULL));
	if (content != 0)
		sqlite3_bind_int64(stmt, 4, content);
	else
		sqlite3_bind_null(stmt, 4);
	return store_db_run(&acct->db, stmt, "blob record", error_r);
}

/* Closes the file, first syncing it unless a sync at commit will; a
 * file closed early is opened again to be synced. */
static int store_blob_close(struct store_blob_writer *w, bool sync, const char **error_r)
{
	int ret, saved_errno;

	if (w->tmp_path == NULL)
		return 0;
	if (w->fd < 0 && sync)
		w->fd = open(w->tmp_path, O_RDONLY | O_CLOEXEC);
	if (w->fd < 0 && sync) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob fsync", strerror(errno));
		return -1;
	}
	if (w->fd < 0)
		return 0;
	ret = sync ? fsync(w->fd) : 0;
	saved_errno = errno;
	if (close(w->fd) < 0 && ret == 0) {
		ret = -1;
		saved_errno = errno;
	}
	w->fd = -1;
	if (ret < 0)
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob fsync", strerror(saved_errno));
	return ret;
}

int store_blob_write_close(struct store_blob_writer *w, const char **error_r)
{
	w->closed = true;
	return store_blob_close(w, false, error_r);
}

/* Inside the caller's write transaction (a batch of messages), the
 * files wait for the one sync of store_txn_commit(). */
static int store_blob_commit(struct store_blob_writer *w, const char *blob_id,
			     const char **error_r)
{
	struct store_account *acct = w->acct;
	bool deferred = acct->txn == STORE_TXN_WRITE;
	int64_t content = 0;
	bool own;
	int ret;

	if (store_blob_close(w, !deferred, error_r) < 0 ||
	    store_txn_enter(acct, &own, error_r) < 0)
		return -1;
	if (w->tmp_path == NULL)
		ret = store_blob_inline_put(acct, blob_id, w->copy, (size_t)w->size, &content,
					    error_r);
	else
		ret = store_blob_place(w, blob_id, deferred, error_r);
	if (ret == 0)
		ret = store_blob_record(acct, blob_id, w->size, content, error_r);
	return store_txn_end(acct, own, ret, error_r);
}

int store_blob_write_finish(struct store_blob_writer **wp, char blob_id_r[STORE_BLOB_ID_LEN + 1],
			    uint64_t *size_r, const char **error_r)
{
	struct store_blob_writer *w = *wp;
	uint8_t digest[SHA256_LEN];
	char blob_id[STORE_BLOB_ID_LEN + 1];
	int ret;

	sha256_final(&w->sha, digest);
	blob_id[0] = 'G';
	hex_encode(digest, sizeof(digest), blob_id + 1);
	ret = store_blob_commit(w, blob_id, error_r);
	if (ret == 0) {
		memcpy(blob_id_r, blob_id, sizeof(blob_id));
		*size_r = w->size;
		if (!w->copy_dropped)
			store_blob_recent_add(w->acct, blob_id, (void **)&w->copy, (size_t)w->size);
	}
	store_blob_writer_free(wp);
	return ret;
}

int store_blob_stat(struct store_account *acct, const char *blob_id, uint64_t *size_r)
{
	static const char sql[] = "SELECT size FROM blobs WHERE id = ?1";
	const char *error;
	sqlite3_stmt *stmt;
	int ret;

	if (!store_blob_id_valid(blob_id))
		return 0;
	if ((stmt = store_db_stmt(&acct->db, sql, &error)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	ret = store_db_row(&acct->db, stmt, "blob stat", &error);
	if (ret > 0) {
		*size_r = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return ret;
}

int store_blob_open(struct store_account *acct, const char *blob_id, int *found_r)
{
	const char *error;
	uint64_t size;
	char *path;
	int fd = -1, ret = 0;

	if (store_blob_id_valid(blob_id))
		ret = store_blob_inline_open(acct, blob_id, &size, &fd, &error);
	*found_r = ret > 0 ? 1 : 0;
	if (ret <= 0 || fd >= 0)
		return fd;
	path = store_blob_path(acct, blob_id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		(void)store_fail(STORE_ERR_INTERNAL, "blob open",
				 err_fmt("%s: %s", path, strerror(errno)));
	free(path);
	return fd;
}

/* Reads up to size bytes of the blob's file (a shorter file is what it
 * is). */
static int store_blob_file_read(struct store_account *acct, const char *blob_id,
				uint64_t size, void **data_r, size_t *len_r,
				const char **error_r)
{
	char *path = store_blob_path(acct, blob_id), *data;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;
	ssize_t n = 0;

	free(path);
	if (fd < 0 || size > SIZE_MAX - 1) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob read",
				      fd < 0 ? strerror(errno) : "too large");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	data = xmalloc((size_t)size + 1);
	while (done < size && ((n = read(fd, data + done, (size_t)size - done)) > 0 ||
			       (n < 0 && errno == EINTR)))
		done += n > 0 ? (size_t)n : 0;
	close(fd);
	if (n < 0) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob read", strerror(errno));
		free(data);
		return -1;
	}
	data[done] = '\0';
	*data_r = data;
	*len_r = done;
	return 1;
}

int store_blob_read(struct store_account *acct, const char *blob_id, void **data_r,
		    size_t *len_r, const char **error_r)
{
	uint64_t size;
	int ret;

	if (!store_blob_id_valid(blob_id))
		return 0;
	ret = store_blob_inline_read(acct, blob_id, &size, data_r, len_r, error_r);
	if (ret <= 0 || *data_r != NULL)
		return ret;
	return store_blob_file_read(acct, blob_id, size, data_r, len_r, error_r);
}

int store_blob_ref(struct store_account *acct, const char *blob_id, int delta,
		   const char **error_r)
{
	static const char sql[] =
		"UPDATE blobs SET refcount = refcount + ?2 WHERE id = ?1 AND refcount + ?2 >= 0";
	uint64_t size;
	sqlite3_stmt *stmt;

	if (store_txn_require_write(acct, "blob ref", error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, delta);
	if (store_db_run(&acct->db, stmt, "blob ref", error_r) < 0)
		return -1;
	if (sqlite3_changes(acct->db.handle) > 0)
		return 0;
	if (store_blob_stat(acct, blob_id, &size) == 0)
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "blob ref", "no such blob");
	else
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob ref", "reference count underflow");
	return -1;
}

uint64_t store_blob_pending_bytes(struct store_account *acct)
{
	static const char sql[] = "SELECT coalesce(sum(size), 0) FROM blobs WHERE refcount = 0";
	const char *error;
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, &error);
	uint64_t bytes = 0;

	if (stmt != NULL && store_db_row(&acct->db, stmt, "blob pending", &error) > 0) {
		bytes = (uint64_t)sqlite3_column_int64(stmt, 0);
		store_stmt_done(stmt);
	}
	return bytes;
}

#define STORE_BLOB_EXPIRE_BATCH 256

static int store_blob_expire_ids(struct store_account *acct, time_t before, char ***ids_r,
				 size_t *count_r, const char **error_r)
{
	static const char sql[] =
		"SELECT id FROM blobs WHERE refcount = 0 AND uploaded_at < ?1 LIMIT ?2";
	sqlite3_stmt *stmt = store_db_stmt(&acct->db, sql, error_r);

	if (stmt == NULL)
		return -1;
	sqlite3_bind_int64(stmt, 1, (int64_t)before);
	sqlite3_bind_int(stmt, 2, STORE_BLOB_EXPIRE_BATCH);
	return store_db_strings(&acct->db, stmt, "blob expire", ids_r, count_r, error_r);
}

static int store_blob_delete(struct store_account *acct, const char *blob_id,
			     const char **error_r)
{
	static const char sql[] = "DELETE FROM blobs WHERE id = ?1 AND refcount = 0";
	sqlite3_stmt *stmt;
	char *path;
	int ret = 0;

	if (store_blob_inline_delete(acct, blob_id, error_r) < 0 ||
	    (stmt = store_db_stmt(&acct->db, sql, error_r)) == NULL)
		return -1;
	sqlite3_bind_text(stmt, 1, blob_id, -1, SQLITE_STATIC);
	if (store_db_run(&acct->db, stmt, "blob delete", error_r) < 0)
		return -1;
	/* Referenced again since it was chosen: it stays. */
	if (sqlite3_changes(acct->db.handle) == 0)
		return 0;
	path = store_blob_path(acct, blob_id);
	if (store_blob_id_valid(blob_id) && unlink(path) < 0 && errno != ENOENT) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob unlink",
				      err_fmt("%s: %s", path, strerror(errno)));
		ret = -1;
	}
	free(path);
	return ret;
}

/* Deletes up to STORE_BLOB_EXPIRE_BATCH expired blobs, rows and files,
 * under the write lock. Sets *done_r when no more remain. */
static int store_blob_expire_batch(struct store_account *acct, time_t before, bool *done_r,
				   const char **error_r)
{
	char **ids = NULL;
	size_t count = 0;
	int ret;

	if (store_txn_begin(acct, true, error_r) < 0)
		return -1;
	ret = store_blob_expire_ids(acct, before, &ids, &count, error_r);
	for (size_t i = 0; i < count && ret == 0; i++)
		ret = store_blob_delete(acct, ids[i], error_r);
	store_strings_free(ids, count);
	*done_r = count < STORE_BLOB_EXPIRE_BATCH;
	if (ret < 0) {
		store_txn_rollback(acct);
		return -1;
	}
	return store_txn_commit(acct, error_r);
}

/* Temporary files older than the cutoff belong to writers that died. */
static void store_blob_sweep_tmp(struct store_account *acct, time_t before)
{
	char *tmp = xasprintf("%s/tmp", acct->dir);
	DIR *dir = opendir(tmp);
	struct dirent *d;
	struct stat st;

	while (dir != NULL && (d = readdir(dir)) != NULL) {
		if (d->d_name[0] == '.' ||
		    fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_mtime >= before)
			continue;
		if (unlinkat(dirfd(dir), d->d_name, 0) < 0)
			log_warn("store.tmp_sweep", "account=%u error=%s", acct->id,
				 log_q(strerror(errno)));
	}
	if (dir != NULL)
		closedir(dir);
	free(tmp);
}

int store_blobs_expire(struct store_account *acct, time_t upload_before, const char **error_r)
{
	bool done = false;

	if (acct->txn != STORE_TXN_NONE) {
		*error_r = store_fail(STORE_ERR_INTERNAL, "blob expire", "inside a transaction");
		return -1;
	}
	while (!done) {
		if (store_blob_expire_batch(acct, upload_before, &done, error_r) < 0)
			return -1;
	}
	store_blob_sweep_tmp(acct, upload_before);
	return 0;
}
