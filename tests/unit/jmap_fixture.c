/* Shared JMAP-over-a-real-store fixture for the unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/config.h"
#include "jmap_fixture.h"

void jmap_fixture_open(struct jmap_fixture *fx, const char *name, const char *config_text,
		       struct store_principal *p)
{
	const char *tmp = getenv("TERN_TEST_TMP"), *error;

	snprintf(fx->dir, sizeof(fx->dir), "%s/%s-XXXXXX", tmp != NULL ? tmp : "/tmp", name);
	assert_non_null(mkdtemp(fx->dir));
	assert_int_equal(store_open(fx->dir, &fx->store, &error), 0);
	assert_int_equal(store_principal_create(fx->store, p, &error), 0);
	fx->cfg = config_load_string(config_text, "test", &error);
	assert_non_null(fx->cfg);
	fx->srv = jmap_server_new(fx->store, NULL, fx->cfg);
	assert_int_equal(jmap_account_provision(fx->srv, p->id, &error), 0);
	fx->user.principal_id = p->id;
	fx->user.account_id = p->id;
	snprintf(fx->user.name, sizeof(fx->user.name), "alice");
	jmap_account_id_format(p->id, fx->account);
}

void jmap_fixture_close(struct jmap_fixture *fx)
{
	char cmd[300];

	jmap_server_free(&fx->srv);
	store_close(&fx->store);
	config_free(&fx->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
}

int jmap_fixture_setup(void **state)
{
	struct jmap_fixture *fx = calloc(1, sizeof(*fx));
	struct store_principal p = { .type = STORE_PRINCIPAL_INDIVIDUAL, .name = "alice",
				     .role = "user" };

	jmap_fixture_open(fx, "jmap", "", &p);
	*state = fx;
	return 0;
}

int jmap_fixture_teardown(void **state)
{
	struct jmap_fixture *fx = *state;

	jmap_fixture_close(fx);
	free(fx);
	return 0;
}

json_object *jmap_fixture_vparse(const char *fmt, va_list ap)
{
	char *text;
	json_tokener *tok;
	json_object *obj;

	assert_true(vasprintf(&text, fmt, ap) > 0);
	tok = json_tokener_new_ex(256);
	obj = json_tokener_parse_ex(tok, text, (int)strlen(text));
	json_tokener_free(tok);
	if (obj == NULL)
		fail_msg("bad test JSON: %s", text);
	free(text);
	return obj;
}

json_object *jmap_fixture_parse(const char *fmt, ...)
{
	va_list ap;
	json_object *obj;

	va_start(ap, fmt);
	obj = jmap_fixture_vparse(fmt, ap);
	va_end(ap);
	return obj;
}

json_object *jmap_fixture_invoke_all(struct jmap_fixture *fx, const char *method,
				     json_object *args)
{
	return jmap_invoke(fx->srv, &fx->user, method, args);
}

json_object *jmap_fixture_invoke(struct jmap_fixture *fx, const char *method, json_object *args,
				 char name_r[64])
{
	json_object *responses = jmap_invoke(fx->srv, &fx->user, method, args);
	json_object *first = json_object_array_get_idx(responses, 0);
	json_object *result;

	assert_non_null(first);
	snprintf(name_r, 64, "%s", json_object_get_string(json_object_array_get_idx(first, 0)));
	result = json_object_get(json_object_array_get_idx(first, 1));
	json_object_put(responses);
	return result;
}

json_object *jpath(json_object *obj, const char *path)
{
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *seg = strtok_r(buf, "/", &save); seg != NULL && obj != NULL;
	     seg = strtok_r(NULL, "/", &save)) {
		if (json_object_is_type(obj, json_type_array))
			obj = json_object_array_get_idx(obj, (size_t)atoi(seg));
		else
			obj = json_object_object_get(obj, seg);
	}
	return obj;
}

const char *jstr(json_object *obj, const char *path)
{
	json_object *v = jpath(obj, path);

	return v != NULL ? json_object_get_string(v) : NULL;
}
