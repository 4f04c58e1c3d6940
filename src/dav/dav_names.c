/* Where members were seen: id -> the (collection, name) places it had,
 * and name -> the id seen there last. The core finds objects by id, DAV
 * clients by name; and a destroyed or moved object leaves only its id
 * in /changes, while sync-collection must report the hrefs a client may
 * have known. Ids are never reused, so places of destroyed objects stay
 * true. Entries are hints: every name found here is read again before
 * use, and an id never seen makes sync start over. Bounded: past
 * DAV_NAMES_MAX ids the table starts empty again. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

#define DAV_NAMES_MAX 200000
/* Places remembered per id: renames and moves between two syncs. */
#define DAV_NAMES_PLACES 8

struct dav_names {
	pthread_mutex_t lock;
	json_object *by_id;	/* "acct|fam|id" -> ["coll|name", ...] */
	json_object *by_name;	/* "acct|fam|coll|name" -> id */
};

struct dav_names *dav_names_new(void)
{
	struct dav_names *names = xcalloc(1, sizeof(*names));

	pthread_mutex_init(&names->lock, NULL);
	names->by_id = json_object_new_object();
	names->by_name = json_object_new_object();
	return names;
}

void dav_names_free(struct dav_names **_names)
{
	struct dav_names *names = *_names;

	if (names == NULL)
		return;
	*_names = NULL;
	json_object_put(names->by_id);
	json_object_put(names->by_name);
	pthread_mutex_destroy(&names->lock);
	free(names);
}

static char *dav_names_id_key(const char *account_id, const struct dav_family *fam,
			      const char *member_id)
{
	return xasprintf("%s|%s|%s", account_id, fam->segment, member_id);
}

static char *dav_names_name_key(const char *account_id, const struct dav_family *fam,
				const char *where)
{
	return xasprintf("%s|%s|%s", account_id, fam->segment, where);
}

/* Under the lock: starts over when the table is full. */
static void dav_names_bound(struct dav_names *names)
{
	if (json_object_object_length(names->by_id) < DAV_NAMES_MAX)
		return;
	json_object_put(names->by_id);
	json_object_put(names->by_name);
	names->by_id = json_object_new_object();
	names->by_name = json_object_new_object();
}

/* Under the lock: adds where to the places of id_key, the latest last,
 * unless it is the latest already. */
static void dav_names_add_place(struct dav_names *names, const char *id_key, const char *where)
{
	json_object *places, *latest;
	size_t n;

	if (!json_object_object_get_ex(names->by_id, id_key, &places)) {
		places = json_object_new_array();
		json_object_object_add(names->by_id, id_key, places);
	}
	n = json_object_array_length(places);
	latest = n > 0 ? json_object_array_get_idx(places, n - 1) : NULL;
	if (latest != NULL && strcmp(json_object_get_string(latest), where) == 0)
		return;
	if (n >= DAV_NAMES_PLACES)
		json_object_array_del_idx(places, 0, 1);
	json_object_array_add(places, json_object_new_string(where));
}

void dav_names_note(struct dav_names *names, const char *account_id,
		    const struct dav_family *fam, const char *coll_id, json_object *member)
{
	const char *id = dav_json_str(member, "id"), *name = dav_json_str(member, "davName");
	char *id_key, *where, *name_key;

	if (*id == '\0' || *name == '\0' || *coll_id == '\0')
		return;
	id_key = dav_names_id_key(account_id, fam, id);
	where = xasprintf("%s|%s", coll_id, name);
	name_key = dav_names_name_key(account_id, fam, where);
	pthread_mutex_lock(&names->lock);
	dav_names_bound(names);
	dav_names_add_place(names, id_key, where);
	json_object_object_add(names->by_name, name_key, json_object_new_string(id));
	pthread_mutex_unlock(&names->lock);
	free(id_key);
	free(where);
	free(name_key);
}

char *dav_names_id(struct dav_names *names, const char *account_id,
		   const struct dav_family *fam, const char *coll_id, const char *name)
{
	char *where = xasprintf("%s|%s", coll_id, name);
	char *key = dav_names_name_key(account_id, fam, where), *id = NULL;
	json_object *v;

	pthread_mutex_lock(&names->lock);
	if (json_object_object_get_ex(names->by_name, key, &v))
		id = xstrdup(json_object_get_string(v));
	pthread_mutex_unlock(&names->lock);
	free(key);
	free(where);
	return id;
}

int dav_names_places(struct dav_names *names, const char *account_id,
		     const struct dav_family *fam, const char *member_id, const char *coll_id,
		     json_object **names_r)
{
	char *key = dav_names_id_key(account_id, fam, member_id);
	size_t clen = strlen(coll_id);
	json_object *places;
	int ret = 0;

	*names_r = NULL;
	pthread_mutex_lock(&names->lock);
	if (json_object_object_get_ex(names->by_id, key, &places)) {
		size_t n = json_object_array_length(places);

		*names_r = json_object_new_array();
		for (size_t i = 0; i < n; i++) {
			const char *w = json_object_get_string(json_object_array_get_idx(places, i));

			if (strncmp(w, coll_id, clen) == 0 && w[clen] == '|')
				json_object_array_add(*names_r, json_object_new_string(w + clen + 1));
		}
		ret = 1;
	}
	pthread_mutex_unlock(&names->lock);
	free(key);
	return ret;
}

/* The marker is an entry of the table, so that it goes when the table
 * starts over. */
bool dav_names_family_known(struct dav_names *names, const char *account_id,
			    const struct dav_family *fam)
{
	char *key = dav_names_id_key(account_id, fam, "*");
	bool known;

	pthread_mutex_lock(&names->lock);
	known = json_object_object_get_ex(names->by_id, key, NULL);
	pthread_mutex_unlock(&names->lock);
	free(key);
	return known;
}

void dav_names_family_set(struct dav_names *names, const char *account_id,
			  const struct dav_family *fam)
{
	char *key = dav_names_id_key(account_id, fam, "*");

	pthread_mutex_lock(&names->lock);
	json_object_object_add(names->by_id, key, json_object_new_array());
	pthread_mutex_unlock(&names->lock);
	free(key);
}
