#ifndef TERN_JMAP_STDMETHODS_H
#define TERN_JMAP_STDMETHODS_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "jmap/call.h"
#include "store/store.h"

/* The standard methods (RFC 8620 §5): /get, /changes, /set, /query,
 * /queryChanges, written once. An object type declares its properties,
 * its filters and sorts, and a few hooks; the generic code parses and
 * validates arguments, checks states and limits, and builds responses. */

enum jmap_prop_kind {
	JMAP_KIND_ID,		/* JMAP Id string */
	JMAP_KIND_STRING,
	JMAP_KIND_UINT,		/* UnsignedInt */
	JMAP_KIND_INT,
	JMAP_KIND_BOOL,
	JMAP_KIND_DATE,		/* UTCDate string */
	JMAP_KIND_OBJECT,	/* object, any content (type checks it) */
	JMAP_KIND_ARRAY,
	JMAP_KIND_ANY,
};

enum jmap_prop_flags {
	JMAP_PROP_SERVER_SET = 1 << 0,	/* clients may not set it */
	JMAP_PROP_IMMUTABLE = 1 << 1,	/* set on create only */
	JMAP_PROP_NULLABLE = 1 << 2,
	JMAP_PROP_NOT_DEFAULT = 1 << 3,	/* only when asked for by name */
	/* has a default value: null (in a create or a patch) means the
	 * default (RFC 8620 §5.3) */
	JMAP_PROP_DEFAULTED = 1 << 4,
};

struct jmap_prop {
	const char *name;
	enum jmap_prop_kind kind;
	unsigned flags;
};

/* An extra method argument a type accepts. */
struct jmap_arg {
	const char *name;
	enum json_type type;
	bool nullable;		/* null allowed (and means the default) */
};

/* What /get hands the type. */
struct jmap_get {
	json_object *ids;	/* NULL: all; else array of id strings */
	json_object *properties;/* array of names, always with "id" */
	json_object *list;	/* the type appends found objects */
	json_object *not_found;	/* the type appends unknown ids */
};

/* What /query hands the type and what it hands back. */
struct jmap_query {
	json_object *filter;	/* NULL or a validated Filter */
	json_object *sort;	/* NULL or an array of validated Comparators */
	/* out: every matching id, in order (the generic code windows it) */
	json_object *ids;
	/* out: false when the result depends on more than the changed
	 * objects themselves (e.g. sortAsTree) */
	bool can_calculate_changes;
	/* out: /queryChanges must also follow the type's related objects
	 * (query_changes_related) for this query */
	bool related_changes;

	/* A type with many objects may apply the window itself (in SQL).
	 * In: may_window is set only by /query, with the window asked for
	 * (anchor already resolved; limit already capped, never -1). */
	bool may_window;
	int64_t position;	/* as given: negative counts from the end */
	const char *anchor;	/* NULL: none */
	int64_t anchor_offset;
	int64_t limit;
	bool calculate_total;
	/* Out, when the type did: windowed set, ids holds only the window,
	 * start is the index of ids[0], total the full count (when asked),
	 * anchor_not_found set if the anchor is not in the results. */
	bool windowed;
	int64_t start;
	int64_t total;
	bool anchor_not_found;
};

enum jmap_type_flags {
	/* /changes answers "updatedProperties": null (RFC 8621 §2.2) */
	JMAP_TYPE_UPDATED_PROPERTIES = 1 << 0,
};

struct jmap_type {
	const char *name;		/* "Mailbox" */
	const char *capability;
	enum store_type store_type;
	char id_prefix;			/* 'm' */
	const struct jmap_prop *props;	/* terminated by {NULL} */
	/* Property names beyond the table (Email's "header:X:asForm"): the
	 * property that name stands for (static), or NULL if unknown. May
	 * be NULL. */
	const struct jmap_prop *(*prop_match)(const char *name);

	/* Extra arguments each method accepts, with their JSON types (lists
	 * terminated by {NULL}); a value of another type (null included)
	 * is invalidArguments before the method runs. */
	const struct jmap_arg *get_args;
	const struct jmap_arg *set_args;
	const struct jmap_arg *query_args;

	/* /get: append the objects (all their properties, or at least the
	 * asked ones: the generic code removes the rest). */
	int (*get)(struct jmap_call *call, struct jmap_get *get);

	/* /set, called in order: every create, every update, every destroy.
	 * Each returns 0, or -1 with a SetError in *error_r (then nothing
	 * of that object changed), or -1 with *error_r NULL after
	 * jmap_call_error() to fail the whole method (its transaction is
	 * rolled back). On create, *created_r gets the id and
	 * every server-set or defaulted property; on update, *updated_r may
	 * get the properties that changed other than as asked (or NULL). */
	int (*create)(struct jmap_call *call, const char *creation_id, json_object *obj,
		      json_object **created_r, json_object **error_r);
	int (*update)(struct jmap_call *call, const char *id, json_object *patch,
		      json_object **updated_r, json_object **error_r);
	int (*destroy)(struct jmap_call *call, const char *id, json_object **error_r);

	/* /query: is one FilterCondition valid? Returns 0, or -1 with the
	 * error type ("unsupportedFilter" or "invalidArguments"). */
	int (*filter_check)(json_object *condition, const char **error_type_r);
	/* property names that Comparators may name */
	const char *const *sort_props;
	/* Comparator properties beyond property, isAscending and collation
	 * (Email's "keyword"), with their JSON types; terminated by {NULL} */
	const struct jmap_arg *comparator_args;
	int (*query)(struct jmap_call *call, struct jmap_query *query);
	/* /queryChanges (optional): objects whose place in a result may
	 * have moved although they did not change themselves (the other
	 * emails of a changed email's thread, under collapseThreads or a
	 * thread keyword condition). Returns 0 and a caller-owned array of
	 * store ids (duplicates allowed), or -1 with a method error set. */
	int (*query_changes_related)(struct jmap_call *call, uint64_t since,
				     const struct store_change *changes, size_t count,
				     uint64_t **ids_r, size_t *count_r);

	/* /changes (optional): adds members of the type's own to the
	 * response resp (its created, updated and destroyed lists filled)
	 * for the changes with since < modseq <= until. Returns 0, or -1
	 * with a method error set. */
	int (*changes_extra)(struct jmap_call *call, uint64_t since, uint64_t until,
			     json_object *resp);

	unsigned flags;			/* enum jmap_type_flags */

	/* Methods beyond the standard five (Email/import, SearchSnippet/get,
	 * Blob/get, ...), terminated by {NULL}. A type may have only these. */
	const struct jmap_method *methods;
};

/* The five standard method handlers; call->def->type says which type. */
int jmap_std_get(struct jmap_call *call);
int jmap_std_changes(struct jmap_call *call);
int jmap_std_set(struct jmap_call *call);
int jmap_std_query(struct jmap_call *call);
int jmap_std_query_changes(struct jmap_call *call);

const struct jmap_prop *jmap_prop_find(const struct jmap_type *type, const char *name);
/* Whether /get asked for property name. */
bool jmap_get_wants(const struct jmap_get *get, const char *name);

/* Evaluates a validated Filter (operators AND, OR, NOT over conditions)
 * for one object: match() judges one FilterCondition. */
bool jmap_filter_eval(json_object *filter, bool (*match)(json_object *condition, void *obj),
		      void *obj);

/* The type's state string for call's account (the type's modseq). */
void jmap_state_format(uint64_t modseq, char out[24]);
int jmap_state_parse(const char *s, uint64_t *modseq_r);

#endif
