/* ternctl's output: principals as text (aligned columns, key: value
 * lines) or the API's JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ternctl.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

const char *ternctl_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || json_object_is_type(v, json_type_null))
		return "";
	return json_object_get_string(v);
}

static char *ternctl_join(json_object *obj, const char *key)
{
	struct strbuf b = { 0 };
	json_object *arr;

	if (json_object_object_get_ex(obj, key, &arr) && json_object_is_type(arr, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			if (i > 0)
				strbuf_puts(&b, ", ");
			strbuf_puts(&b, json_object_get_string(json_object_array_get_idx(arr, i)));
		}
	}
	return strbuf_steal(&b);
}

static char *ternctl_quota_text(json_object *obj)
{
	static const char units[] = "KMGT";
	json_object *v;
	int64_t q = json_object_object_get_ex(obj, "quota", &v) ? json_object_get_int64(v) : 0;
	int unit = -1;

	if (q <= 0)
		return xstrdup("unlimited");
	while (unit < 3 && q % 1024 == 0) {
		q /= 1024;
		unit++;
	}
	if (unit < 0)
		return xasprintf("%lld", (long long)q);
	return xasprintf("%lld%c", (long long)q, units[unit]);
}

void ternctl_print_json(json_object *data)
{
	puts(json_object_to_json_string_ext(data, JSON_C_TO_STRING_PRETTY |
		JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

#define TERNCTL_COLUMNS_MAX 4

/* Rows of ncols strings (the first row the titles), printed aligned. */
static void ternctl_print_table(char **cells, size_t nrows, size_t ncols)
{
	size_t width[TERNCTL_COLUMNS_MAX] = { 0 };

	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t len = strlen(cells[r * ncols + c]);

			if (len > width[c])
				width[c] = len;
		}
	}
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			const char *cell = cells[r * ncols + c];

			if (c + 1 == ncols)
				printf("%s\n", cell);
			else
				printf("%-*s  ", (int)width[c], cell);
		}
	}
}

/* The items of a principal list as a table; columns names keys of each
 * item, "quota" and "emails" shown as text. */
void ternctl_print_principals(json_object *data, const char *const *titles,
			      const char *const *keys, size_t ncols)
{
	json_object *items;
	size_t n, nrows;
	char **cells;

	if (!json_object_object_get_ex(data, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		return;
	n = json_object_array_length(items);
	nrows = n + 1;
	cells = xcalloc(nrows * ncols, sizeof(*cells));
	for (size_t c = 0; c < ncols; c++)
		cells[c] = xstrdup(titles[c]);
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(items, i);

		for (size_t c = 0; c < ncols; c++) {
			char **cell = &cells[(i + 1) * ncols + c];

			if (strcmp(keys[c], "quota") == 0)
				*cell = ternctl_quota_text(p);
			else if (strcmp(keys[c], "emails") == 0)
				*cell = ternctl_join(p, "emails");
			else
				*cell = xstrdup(ternctl_str(p, keys[c]));
		}
	}
	ternctl_print_table(cells, nrows, ncols);
	for (size_t i = 0; i < nrows * ncols; i++)
		free(cells[i]);
	free(cells);
}

void ternctl_print_principal(json_object *p)
{
	char *quota = ternctl_quota_text(p);
	char *emails = ternctl_join(p, "emails");
	char *members = ternctl_join(p, "members");

	printf("name:         %s\n", ternctl_str(p, "name"));
	printf("id:           %s\n", ternctl_str(p, "id"));
	printf("type:         %s\n", ternctl_str(p, "type"));
	printf("role:         %s\n", ternctl_str(p, "role"));
	printf("description:  %s\n", ternctl_str(p, "description"));
	printf("quota:        %s\n", quota);
	printf("emails:       %s\n", emails);
	if (members[0] != '\0')
		printf("members:      %s\n", members);
	if (ternctl_str(p, "accountId")[0] != '\0')
		printf("account id:   %s\n", ternctl_str(p, "accountId"));
	free(quota);
	free(emails);
	free(members);
}

/* Prints data as JSON under --json, else the line given; takes data. */
int ternctl_done(struct ternctl *t, json_object *data, const char *line)
{
	if (t->json)
		ternctl_print_json(data);
	else
		puts(line);
	json_object_put(data);
	return 0;
}
