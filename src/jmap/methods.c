/* The method table: Core/echo and the standard methods of every type in
 * jmap_types, built once, sorted, searched by bisection. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/xalloc.h"
#include "jmap/core_echo.h"
#include "jmap/types.h"

#define METHODS_MAX_EXTRA_TYPES 8

struct methods_std {
	const char *suffix;
	jmap_method_fn *fn;
	unsigned flags;
};

/* A type has the methods its hooks make possible (RFC 8620 §5: a type
 * need not have all of them). */
static bool methods_type_has(const struct jmap_type *type, const char *suffix)
{
	if (strcmp(suffix, "get") == 0 || strcmp(suffix, "changes") == 0)
		return type->get != NULL;
	if (strcmp(suffix, "set") == 0)
		return type->create != NULL || type->update != NULL || type->destroy != NULL;
	return type->query != NULL;
}

static const struct methods_std methods_std[] = {
	{ "get", jmap_std_get, JMAP_METHOD_ACCOUNT },
	{ "changes", jmap_std_changes, JMAP_METHOD_ACCOUNT },
	{ "set", jmap_std_set, JMAP_METHOD_ACCOUNT | JMAP_METHOD_WRITE },
	{ "query", jmap_std_query, JMAP_METHOD_ACCOUNT },
	{ "queryChanges", jmap_std_query_changes, JMAP_METHOD_ACCOUNT },
};

#define METHODS_STD_COUNT (sizeof(methods_std) / sizeof(methods_std[0]))

static const struct jmap_type *methods_extra[METHODS_MAX_EXTRA_TYPES];
static size_t methods_extra_count;
static struct jmap_method *methods_table;
static size_t methods_count;
static pthread_once_t methods_once = PTHREAD_ONCE_INIT;
static atomic_bool methods_built;

static size_t methods_extra_count_of(const struct jmap_type *type)
{
	size_t n = 0;

	while (type->methods != NULL && type->methods[n].name != NULL)
		n++;
	return n;
}

static void methods_add_type(const struct jmap_type *type)
{
	for (size_t i = 0; i < methods_extra_count_of(type); i++)
		methods_table[methods_count++] = type->methods[i];
	for (size_t i = 0; i < METHODS_STD_COUNT; i++) {
		struct jmap_method *m;

		if (!methods_type_has(type, methods_std[i].suffix))
			continue;
		m = &methods_table[methods_count++];
		m->name = xasprintf("%s/%s", type->name, methods_std[i].suffix);
		m->capability = type->capability;
		m->fn = methods_std[i].fn;
		m->type = type;
		m->flags = methods_std[i].flags;
	}
}

static int methods_compare(const void *a, const void *b)
{
	return strcmp(((const struct jmap_method *)a)->name, ((const struct jmap_method *)b)->name);
}

static void methods_build(void)
{
	size_t slots = 1 + methods_extra_count * METHODS_STD_COUNT;

	for (size_t i = 0; jmap_types[i] != NULL; i++)
		slots += METHODS_STD_COUNT + methods_extra_count_of(jmap_types[i]);
	for (size_t i = 0; i < methods_extra_count; i++)
		slots += methods_extra_count_of(methods_extra[i]);
	methods_table = xcalloc(slots, sizeof(*methods_table));
	methods_table[methods_count++] = (struct jmap_method){
		"Core/echo", JMAP_CAP_CORE, jmap_core_echo, NULL, 0, NULL,
	};
	for (size_t i = 0; jmap_types[i] != NULL; i++)
		methods_add_type(jmap_types[i]);
	for (size_t i = 0; i < methods_extra_count; i++)
		methods_add_type(methods_extra[i]);
	qsort(methods_table, methods_count, sizeof(*methods_table), methods_compare);
	atomic_store(&methods_built, true);
}

void jmap_methods_register_type(const struct jmap_type *type)
{
	if (atomic_load(&methods_built) || methods_extra_count == METHODS_MAX_EXTRA_TYPES) {
		log_error("jmap.methods", "reason=\"type registered too late\" type=%s", type->name);
		abort();
	}
	methods_extra[methods_extra_count++] = type;
}

const struct jmap_method *jmap_method_find(const char *name)
{
	struct jmap_method key = { .name = name };

	pthread_once(&methods_once, methods_build);
	return bsearch(&key, methods_table, methods_count, sizeof(*methods_table), methods_compare);
}
