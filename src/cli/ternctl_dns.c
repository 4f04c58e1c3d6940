/* ternctl domain dns DOMAIN: the records of GET /api/dns/records/{domain}
 * as master-file lines (RFC 1035 §5) an administrator pastes into a
 * zone. TXT values are cut into quoted strings of at most 255 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/ternctl.h"
#include "core/strbuf.h"
#include "core/xalloc.h"

#define TERNCTL_DNS_TTL 3600
#define TERNCTL_TXT_STRING_MAX 255

/* value as quoted strings of at most 255 bytes each ('"' and '\'
 * escaped, which does not count against the bound). */
static void ternctl_dns_txt(struct strbuf *out, const char *value)
{
	size_t len = strlen(value);

	if (len == 0)
		strbuf_puts(out, "\"\"");
	for (size_t i = 0; i < len; i += TERNCTL_TXT_STRING_MAX) {
		size_t end = len - i < TERNCTL_TXT_STRING_MAX ? len : i + TERNCTL_TXT_STRING_MAX;
		if (i > 0)
			strbuf_putc(out, ' ');
		strbuf_putc(out, '"');
		for (size_t j = i; j < end; j++) {
			if (value[j] == '"' || value[j] == '\\')
				strbuf_putc(out, '\\');
			strbuf_putc(out, value[j]);
		}
		strbuf_putc(out, '"');
	}
}

/* One record as a zone line; rdata with the priority first for MX and
 * SRV. */
static void ternctl_dns_line(json_object *rec)
{
	struct strbuf b = { 0 };
	const char *type = ternctl_str(rec, "type");
	json_object *prio;

	strbuf_printf(&b, "%s\t%d\tIN\t%s\t", ternctl_str(rec, "name"), TERNCTL_DNS_TTL, type);
	if (json_object_object_get_ex(rec, "priority", &prio))
		strbuf_printf(&b, "%d ", json_object_get_int(prio));
	if (strcmp(type, "TXT") == 0)
		ternctl_dns_txt(&b, ternctl_str(rec, "value"));
	else
		strbuf_puts(&b, ternctl_str(rec, "value"));
	puts(b.s);
	strbuf_free(&b);
}

int ternctl_cmd_domain_dns(struct ternctl *t, char **args)
{
	char *seg = ternctl_path_segment(args[0]);
	char *path = xasprintf("/dns/records/%s", seg);
	json_object *data = NULL;
	int ret = ternctl_call(t, "GET", path, NULL, &data);

	free(seg);
	free(path);
	if (ret != 0)
		return ret;
	if (t->json) {
		ternctl_print_json(data);
	} else if (json_object_is_type(data, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(data); i++)
			ternctl_dns_line(json_object_array_get_idx(data, i));
	}
	json_object_put(data);
	return 0;
}
