/* Push types and StateChange objects (RFC 8620 §7.1): bus type bits to
 * JMAP type names through jmap_types, and each type's current state. */
#include <string.h>

#include "core/log.h"
#include "jmap/push.h"
#include "jmap/types.h"

/* Longer than any type name: such a name is skipped unread. */
#define PUSH_TYPE_NAME_MAX 64

/* A type has a state when it has a /get: the standard one, or one of
 * its own methods (Quota, VacationResponse). */
static bool push_type_has_state(const struct jmap_type *type)
{
	bool has_get = type->get != NULL;

	for (size_t i = 0; !has_get && type->methods != NULL && type->methods[i].name != NULL; i++) {
		const char *slash = strchr(type->methods[i].name, '/');

		has_get = slash != NULL && strcmp(slash, "/get") == 0;
	}
	return has_get && (unsigned)type->store_type < 64;
}

uint64_t jmap_push_types_all(void)
{
	uint64_t all = 0;

	for (size_t i = 0; jmap_types[i] != NULL; i++) {
		if (push_type_has_state(jmap_types[i]))
			all |= 1ULL << jmap_types[i]->store_type;
	}
	return all;
}

static uint64_t push_type_bit_n(const char *name, size_t len)
{
	for (size_t i = 0; jmap_types[i] != NULL; i++) {
		const struct jmap_type *type = jmap_types[i];

		if (push_type_has_state(type) && strlen(type->name) == len &&
		    memcmp(type->name, name, len) == 0)
			return 1ULL << type->store_type;
	}
	return 0;
}

uint64_t jmap_push_type_bit(const char *name)
{
	return push_type_bit_n(name, strlen(name));
}

int jmap_push_types_parse(const char *list, uint64_t *types_r)
{
	uint64_t types = 0;

	if (strcmp(list, "*") == 0) {
		*types_r = jmap_push_types_all();
		return 0;
	}
	for (;;) {
		size_t len = strcspn(list, ",");

		if (len == 0)
			return -1;
		if (len <= PUSH_TYPE_NAME_MAX)
			types |= push_type_bit_n(list, len);
		if (list[len] == '\0')
			break;
		list += len + 1;
	}
	*types_r = types;
	return 0;
}

int jmap_push_state_parse(const char *s, uint64_t *since_r)
{
	return jmap_state_parse(s, since_r);
}

/* One TypeState entry per type of types whose state is past since. */
static json_object *push_type_states(struct store_account *acct, uint64_t types, uint64_t since)
{
	json_object *states = json_object_new_object();

	for (size_t i = 0; jmap_types[i] != NULL; i++) {
		const struct jmap_type *type = jmap_types[i];
		char state[JMAP_PUSH_STATE_SIZE];
		uint64_t modseq;

		if (!push_type_has_state(type) || (types & (1ULL << type->store_type)) == 0)
			continue;
		modseq = store_type_state(acct, type->store_type);
		if (modseq <= since)
			continue;
		jmap_state_format(modseq, state);
		json_object_object_add(states, type->name, json_object_new_string(state));
	}
	if (json_object_object_length(states) == 0) {
		json_object_put(states);
		return NULL;
	}
	return states;
}

static json_object *push_state_change_new(uint32_t account_id, json_object *states,
					  const char *push_state)
{
	json_object *change = json_object_new_object(), *changed = json_object_new_object();
	char account[16];

	jmap_account_id_format(account_id, account);
	json_object_object_add(changed, account, states);
	json_object_object_add(change, "@type", json_object_new_string("StateChange"));
	json_object_object_add(change, "changed", changed);
	if (push_state != NULL)
		json_object_object_add(change, "pushState", json_object_new_string(push_state));
	return change;
}

json_object *jmap_push_state_change(struct jmap_server *srv, uint32_t account_id,
				    uint64_t types, uint64_t since, bool with_push_state,
				    char push_state_r[JMAP_PUSH_STATE_SIZE])
{
	struct store_account *acct;
	json_object *states;
	const char *error;

	push_state_r[0] = '\0';
	if (store_account_open(srv->store, account_id, &acct, &error) < 0) {
		log_warn("push.state", "account=%u error=%s", account_id, log_q(error));
		return NULL;
	}
	/* one snapshot: the push state covers exactly the states read */
	if (store_txn_begin(acct, false, &error) < 0) {
		log_warn("push.state", "account=%u error=%s", account_id, log_q(error));
		store_account_release(&acct);
		return NULL;
	}
	states = push_type_states(acct, types, since);
	jmap_state_format(store_modseq_current(acct), push_state_r);
	store_txn_rollback(acct);
	store_account_release(&acct);
	if (states == NULL)
		return NULL;
	return push_state_change_new(account_id, states, with_push_state ? push_state_r : NULL);
}
