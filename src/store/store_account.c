/* Account handles: open account databases, each used by one thread at
 * a time and cached, when idle, for whichever thread opens the account
 * next (a thread pool delivering to many accounts would otherwise open
 * and parse each database again and again); and the bookkeeping that
 * keeps a deleted account from coming back. */

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/hash.h"
#include "core/log.h"
#include "core/rand.h"
#include "core/xalloc.h"
#include "store/store_private.h"

/* Called with store->mutex held. */
static bool store_deleted_contains(const struct store *store, uint32_t account_id)
{
	for (size_t i = 0; i < store->deleted_count; i++) {
		if (store->deleted[i] == account_id)
			return true;
	}
	return false;
}

/* Called with store->mutex held. */
static void store_deleted_add(struct store *store, uint32_t account_id)
{
	if (store_deleted_contains(store, account_id))
		return;
	if (store->deleted_count == store->deleted_cap) {
		store->deleted_cap = store->deleted_cap == 0 ? 16 : store->deleted_cap * 2;
		store->deleted = xrealloc(store->deleted, store->deleted_cap * sizeof(uint32_t));
	}
	store->deleted[store->deleted_count++] = account_id;
}

void store_account_mark_deleted(struct store *store, uint32_t account_id)
{
	pthread_mutex_lock(&store->mutex);
	store_deleted_add(store, account_id);
	pthread_mutex_unlock(&store->mutex);
}

bool store_account_is_deleted(struct store *store, uint32_t account_id)
{
	bool deleted;

	pthread_mutex_lock(&store->mutex);
	deleted = store_deleted_contains(store, account_id);
	pthread_mutex_unlock(&store->mutex);
	return deleted;
}

static void store_list_unlink(struct store_account_list *list, struct store_account *acct)
{
	if (acct->prev != NULL)
		acct->prev->next = acct->next;
	else
		list->head = acct->next;
	if (acct->next != NULL)
		acct->next->prev = acct->prev;
	else
		list->tail = acct->prev;
	acct->prev = acct->next = NULL;
	list->count--;
}

static void store_list_push(struct store_account_list *list, struct store_account *acct)
{
	acct->prev = NULL;
	acct->next = list->head;
	if (list->head != NULL)
		list->head->prev = acct;
	else
		list->tail = acct;
	list->head = acct;
	list->count++;
}

/* Closes a handle that is in no list. */
static void store_account_free(struct store_account *acct)
{
	store_txn_rollback(acct);
	store_db_close(&acct->db);
	store_db_close(&acct->fts);
	store_writer_unref(acct->store, &acct->writer);
	free(acct->blob_pending);
	store_blob_recent_clear(acct);
	store_fts_discard(acct);
	free(acct->dir);
	free(acct);
}

static void store_list_free(struct store_account_list *list)
{
	struct store_account *acct;

	while ((acct = list->head) != NULL) {
		store_list_unlink(list, acct);
		store_account_free(acct);
	}
}

void store_thread_close_accounts(struct store_thread *t)
{
	store_list_free(&t->accounts);
}

void store_accounts_close_idle(struct store *store)
{
	store_list_free(&store->idle);
}

/* An idle handle of the account, most recently used first; NULL if
 * the cache has none. */
static struct store_account *store_idle_take(struct store *store, uint32_t account_id)
{
	struct store_account *acct;

	pthread_mutex_lock(&store->mutex);
	for (acct = store->idle.head; acct != NULL; acct = acct->next) {
		if (acct->id == account_id) {
			store_list_unlink(&store->idle, acct);
			break;
		}
	}
	pthread_mutex_unlock(&store->mutex);
	return acct;
}

/* A handle no thread uses any more joins the cache, unless its account
 * was deleted; past the cache size the least recently used one closes. */
static void store_idle_put(struct store_account *acct)
{
	struct store *store = acct->store;
	struct store_account *drop = NULL;

	pthread_mutex_lock(&store->mutex);
	if (acct->dead || store_deleted_contains(store, acct->id)) {
		drop = acct;
	} else {
		store_list_push(&store->idle, acct);
		if (store->idle.count > STORE_ACCOUNT_CACHE_SIZE) {
			drop = store->idle.tail;
			store_list_unlink(&store->idle, drop);
		}
	}
	pthread_mutex_unlock(&store->mutex);
	/* closing takes the store's lock again (the writer reference) */
	if (drop != NULL)
		store_account_free(drop);
}

/* Marks this thread's handles of accounts deleted since it last looked:
 * they are closed when given back. */
static void store_thread_check_deleted(struct store *store, struct store_thread *t)
{
	uint64_t gen = atomic_load(&store->delete_gen);

	if (gen == t->seen_delete_gen)
		return;
	pthread_mutex_lock(&store->mutex);
	for (struct store_account *acct = t->accounts.head; acct != NULL; acct = acct->next) {
		if (store_deleted_contains(store, acct->id))
			acct->dead = true;
	}
	pthread_mutex_unlock(&store->mutex);
	t->seen_delete_gen = gen;
}

/* Creates the account's directories (durably: the first commit must
 * survive a crash) unless the account was deleted; the lock orders this
 * against store_account_forget(). */
static int store_account_prepare_dir(struct store *store, uint32_t account_id,
				     const char *dir, const char **error_r)
{
	char *blobs = xasprintf("%s/blobs", dir), *tmp = xasprintf("%s/tmp", dir);
	int ret;

	pthread_mutex_lock(&store->mutex);
	if (store_deleted_contains(store, account_id)) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "account open", "account deleted");
		ret = -1;
	} else {
		ret = store_fs_mkdir_durable(store->accounts_dir, dir, error_r) < 0 ||
		      store_fs_mkdir_durable(dir, blobs, error_r) < 0 ||
		      store_fs_mkdir_durable(dir, tmp, error_r) < 0 ? -1 : 0;
	}
	pthread_mutex_unlock(&store->mutex);
	free(blobs);
	free(tmp);
	return ret;
}

/* The account's two databases: its data and its full-text index. */
static int store_account_dbs_open(struct store_account *acct, const char **error_r)
{
	char *path = xasprintf("%s/account.db", acct->dir);
	int ret = store_db_open(&acct->db, path, &store_account_migrations, error_r);

	free(path);
	if (ret < 0)
		return -1;
	path = xasprintf("%s/fts.db", acct->dir);
	ret = store_db_open(&acct->fts, path, &store_fts_migrations, error_r);
	free(path);
	if (ret < 0) {
		store_db_close(&acct->db);
		return -1;
	}
	store_db_checkpoint_later(&acct->db);
	store_db_checkpoint_later(&acct->fts);
	return 0;
}

static int store_account_connect(struct store *store, uint32_t account_id,
				 struct store_account **acct_r, const char **error_r)
{
	struct store_account *acct = xcalloc(1, sizeof(*acct));

	acct->store = store;
	acct->id = account_id;
	acct->dir = xasprintf("%s/%u", store->accounts_dir, account_id);
	if (store_account_prepare_dir(store, account_id, acct->dir, error_r) < 0 ||
	    store_account_dbs_open(acct, error_r) < 0) {
		free(acct->dir);
		free(acct);
		return -1;
	}
	acct->writer = store_writer_ref(store, account_id);
	if (store_fts_prepare(acct, error_r) < 0) {
		store_account_free(acct);
		return -1;
	}
	*acct_r = acct;
	return 0;
}

int store_account_open(struct store *store, uint32_t account_id,
		       struct store_account **acct_r, const char **error_r)
{
	struct store_thread *t = store_thread_self(store);
	struct store_account *acct;

	if (account_id == 0) {
		*error_r = store_fail(STORE_ERR_NOT_FOUND, "account open", "no account 0");
		return -1;
	}
	store_thread_check_deleted(store, t);
	/* opened again further up this thread's stack: the same handle,
	 * so that a write transaction there covers this use too */
	for (acct = t->accounts.head; acct != NULL; acct = acct->next) {
		if (acct->id == account_id && !acct->dead)
			break;
	}
	if (acct == NULL) {
		acct = store_idle_take(store, account_id);
		if (acct == NULL && store_account_connect(store, account_id, &acct, error_r) < 0)
			return -1;
		acct->owner = t;
		store_list_push(&t->accounts, acct);
	}
	acct->refcount++;
	*acct_r = acct;
	return 0;
}

void store_account_release(struct store_account **acctp)
{
	struct store_account *acct = *acctp;

	if (acct == NULL)
		return;
	*acctp = NULL;
	if (--acct->refcount > 0)
		return;
	if (acct->txn != STORE_TXN_NONE) {
		log_warn("store.txn_abandoned", "account=%u", acct->id);
		store_txn_rollback(acct);
	}
	store_list_unlink(&acct->owner->accounts, acct);
	acct->owner = NULL;
	store_idle_put(acct);
}

uint32_t store_account_id(const struct store_account *acct)
{
	return acct->id;
}

/* Called with store->mutex held: moves the idle handles of account_id
 * to gone, to be closed once the lock is released. */
static void store_idle_drop_account(struct store *store, uint32_t account_id,
				    struct store_account_list *gone)
{
	struct store_account *acct, *next;

	for (acct = store->idle.head; acct != NULL; acct = next) {
		next = acct->next;
		if (acct->id == account_id) {
			store_list_unlink(&store->idle, acct);
			store_list_push(gone, acct);
		}
	}
}

/* Moves the account's directory out of the way under the lock, so no
 * thread can open or recreate it, then removes it at leisure. */
void store_account_forget(struct store *store, uint32_t account_id)
{
	char *dir = xasprintf("%s/%u", store->accounts_dir, account_id);
	uint8_t rnd[8];
	char token[2 * sizeof(rnd) + 1];
	struct store_account_list gone = { 0 };
	char *trash;
	bool moved;

	rand_bytes(rnd, sizeof(rnd));
	hex_encode(rnd, sizeof(rnd), token);
	trash = xasprintf("%s/" STORE_TRASH_PREFIX "%u-%s", store->accounts_dir, account_id, token);
	pthread_mutex_lock(&store->mutex);
	store_deleted_add(store, account_id);
	atomic_fetch_add(&store->delete_gen, 1);
	moved = rename(dir, trash) == 0;
	if (!moved && errno != ENOENT)
		log_error("store.account_remove", "account=%u error=%s", account_id,
			  log_q(strerror(errno)));
	store_idle_drop_account(store, account_id, &gone);
	pthread_mutex_unlock(&store->mutex);
	store_list_free(&gone);
	store_thread_check_deleted(store, store_thread_self(store));
	if (moved && store_fs_remove_tree(trash) == 0)
		log_info("store.account_removed", "account=%u", account_id);
	free(trash);
	free(dir);
}

/* A directory entry is a leftover if it is a trash directory or the
 * directory of a deleted account. */
static bool store_accounts_is_leftover(struct store *store, const char *name)
{
	char *end;
	unsigned long id;

	if (strncmp(name, STORE_TRASH_PREFIX, strlen(STORE_TRASH_PREFIX)) == 0)
		return true;
	if (name[0] < '1' || name[0] > '9')
		return false;
	errno = 0;
	id = strtoul(name, &end, 10);
	return errno == 0 && *end == '\0' && id <= UINT32_MAX &&
	       store_account_is_deleted(store, (uint32_t)id);
}

void store_accounts_sweep(struct store *store)
{
	DIR *dir = opendir(store->accounts_dir);
	struct dirent *d;
	char *path;

	if (dir == NULL)
		return;
	while ((d = readdir(dir)) != NULL) {
		if (!store_accounts_is_leftover(store, d->d_name))
			continue;
		path = xasprintf("%s/%s", store->accounts_dir, d->d_name);
		log_info("store.sweep", "path=%s", log_q(path));
		(void)store_fs_remove_tree(path);
		free(path);
	}
	closedir(dir);
}
