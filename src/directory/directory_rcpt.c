/* Where mail for an address goes (directory_rcpt.h): the address, its
 * group expanded, the address without "+tag", then the domain's
 * catch-all "@domain". */
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "directory/directory_private.h"
#include "directory/directory_rcpt.h"

/* Accounts one address may reach, and groups expanded on the way. */
#define RCPT_MAX_ACCOUNTS 1000
#define RCPT_MAX_GROUPS 1000

struct rcpt_expand {
	struct directory *dir;
	uint32_t *groups;	/* ids of the groups already expanded */
	size_t group_count;
	struct directory_rcpt *rcpt;
	size_t cap;
};

int directory_domain_is_local(struct directory *dir, const char *domain)
{
	struct store_principal *p = NULL;
	int ret = store_principal_get_by_name(dir->store, domain, &p);

	if (ret > 0)
		ret = p->type == STORE_PRINCIPAL_DOMAIN ? 1 : 0;
	store_principal_free(&p);
	return ret;
}

static bool rcpt_has(const uint32_t *ids, size_t count, uint32_t id)
{
	for (size_t i = 0; i < count; i++) {
		if (ids[i] == id)
			return true;
	}
	return false;
}

static void rcpt_add_account(struct rcpt_expand *x, uint32_t id)
{
	struct directory_rcpt *rcpt = x->rcpt;

	if (rcpt_has(rcpt->account_ids, rcpt->count, id) || rcpt->count >= RCPT_MAX_ACCOUNTS)
		return;
	if (rcpt->count == x->cap) {
		x->cap = x->cap == 0 ? 4 : x->cap * 2;
		rcpt->account_ids = xrealloc(rcpt->account_ids, x->cap * sizeof(uint32_t));
	}
	rcpt->account_ids[rcpt->count++] = id;
}

static int rcpt_expand_principal(struct rcpt_expand *x, const struct store_principal *p);

/* Members are named; a member that vanished since is skipped. */
static int rcpt_expand_group(struct rcpt_expand *x, const struct store_principal *group)
{
	if (rcpt_has(x->groups, x->group_count, group->id) || x->group_count >= RCPT_MAX_GROUPS)
		return 0;
	x->groups = xrealloc(x->groups, (x->group_count + 1) * sizeof(uint32_t));
	x->groups[x->group_count++] = group->id;
	for (size_t i = 0; i < group->member_count; i++) {
		struct store_principal *m = NULL;
		int ret = store_principal_get_by_name(x->dir->store, group->members[i], &m);

		if (ret > 0)
			ret = rcpt_expand_principal(x, m);
		store_principal_free(&m);
		if (ret < 0)
			return -1;
	}
	return 0;
}

static int rcpt_expand_principal(struct rcpt_expand *x, const struct store_principal *p)
{
	if (p->type == STORE_PRINCIPAL_INDIVIDUAL) {
		rcpt_add_account(x, p->id);
		return 0;
	}
	if (p->type == STORE_PRINCIPAL_GROUP)
		return rcpt_expand_group(x, p);
	return 0;
}

/* 1 when address (lowercase) belongs to someone who gets mail, 0 when
 * to nobody (or to a group with no individual in it), -1 on failure. */
static int rcpt_lookup(struct directory *dir, const char *address, struct directory_rcpt *rcpt)
{
	struct rcpt_expand x = { .dir = dir, .rcpt = rcpt };
	struct store_principal *p = NULL;
	int ret = store_principal_get_by_email(dir->store, address, &p);

	if (ret > 0)
		ret = rcpt_expand_principal(&x, p) < 0 ? -1 : rcpt->count > 0 ? 1 : 0;
	store_principal_free(&p);
	free(x.groups);
	if (ret <= 0)
		directory_rcpt_clear(rcpt);
	return ret;
}

/* "user+tag@domain" -> "user@domain"; NULL when there is no tag. */
static char *rcpt_strip_tag(const char *address, const char *at)
{
	const char *plus = memchr(address, '+', (size_t)(at - address));

	if (plus == NULL || plus == address)
		return NULL;
	return xasprintf("%.*s%s", (int)(plus - address), address, at);
}

/* The lookups in order; 1, 0 or -1 as rcpt_lookup(). */
static int rcpt_resolve_local(struct directory *dir, const char *address, const char *at,
			      struct directory_rcpt *rcpt)
{
	int ret = at != address ? rcpt_lookup(dir, address, rcpt) : 0;
	char *other;

	if (ret == 0 && (other = rcpt_strip_tag(address, at)) != NULL) {
		ret = rcpt_lookup(dir, other, rcpt);
		free(other);
	}
	if (ret == 0)
		ret = rcpt_lookup(dir, at, rcpt);
	return ret;
}

enum directory_rcpt_status directory_rcpt_resolve(struct directory *dir, const char *address,
						  struct directory_rcpt *rcpt_r)
{
	char lower[DIRECTORY_ADDRESS_MAX + 1];
	const char *at;
	int ret;

	memset(rcpt_r, 0, sizeof(*rcpt_r));
	if (strlen(address) > DIRECTORY_ADDRESS_MAX || (at = strrchr(address, '@')) == NULL ||
	    at[1] == '\0')
		return DIRECTORY_RCPT_UNKNOWN;
	memcpy(lower, address, strlen(address) + 1);
	directory_lowercase(lower);
	at = strrchr(lower, '@');
	ret = directory_domain_is_local(dir, at + 1);
	if (ret == 0)
		return DIRECTORY_RCPT_REMOTE;
	if (ret > 0)
		ret = rcpt_resolve_local(dir, lower, at, rcpt_r);
	if (ret < 0) {
		log_error("directory.rcpt", "address=%s error=%s", log_q(lower),
			  log_q("cannot read the directory"));
		return DIRECTORY_RCPT_INTERNAL;
	}
	return ret > 0 ? DIRECTORY_RCPT_LOCAL : DIRECTORY_RCPT_UNKNOWN;
}

void directory_rcpt_clear(struct directory_rcpt *rcpt)
{
	free(rcpt->account_ids);
	rcpt->account_ids = NULL;
	rcpt->count = 0;
}
