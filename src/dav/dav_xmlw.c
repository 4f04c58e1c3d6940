/* Writing XML answers: escaping, elements in the namespaces we bind to
 * fixed prefixes (others declared where used), multistatus bodies. */
#include <string.h>

#include "dav/dav_private.h"

static const struct {
	const char *ns;
	const char *prefix;
} dav_prefixes[] = {
	{ DAV_NS, "D" },
	{ DAV_NS_CALDAV, "C" },
	{ DAV_NS_CARDDAV, "CR" },
	{ DAV_NS_CS, "CS" },
	{ DAV_NS_APPLE, "A" },
};

/* Text keeps its carriage returns (as &#13;, which XML parsers do not
 * fold into line feeds); attributes escape quotes too. */
static void dav_xml_escape_any(struct strbuf *b, const char *s, size_t len, bool attr)
{
	size_t start = 0;

	for (size_t i = 0; i < len; i++) {
		const char *rep = NULL;

		switch (s[i]) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = attr ? "&quot;" : NULL; break;
		case '\r': rep = "&#13;"; break;
		}
		if (rep == NULL)
			continue;
		strbuf_append(b, s + start, i - start);
		strbuf_puts(b, rep);
		start = i + 1;
	}
	strbuf_append(b, s + start, len - start);
}

void dav_xml_escape_len(struct strbuf *b, const char *s, size_t len)
{
	dav_xml_escape_any(b, s, len, false);
}

void dav_xml_escape(struct strbuf *b, const char *s)
{
	dav_xml_escape_any(b, s, strlen(s), false);
}

void dav_xml_escape_attr(struct strbuf *b, const char *s)
{
	dav_xml_escape_any(b, s, strlen(s), true);
}

const char *dav_xml_prefix(const char *ns)
{
	for (size_t i = 0; i < sizeof(dav_prefixes) / sizeof(dav_prefixes[0]); i++) {
		if (strcmp(dav_prefixes[i].ns, ns) == 0)
			return dav_prefixes[i].prefix;
	}
	return NULL;
}

/* "<P:name" for a bound namespace; else the element declares its own
 * (the empty namespace included). */
static void dav_xml_start(struct strbuf *b, const char *ns, const char *name)
{
	const char *prefix = dav_xml_prefix(ns);

	if (prefix != NULL) {
		strbuf_printf(b, "<%s:%s", prefix, name);
		return;
	}
	strbuf_printf(b, "<%s xmlns=\"", name);
	dav_xml_escape_attr(b, ns);
	strbuf_putc(b, '"');
}

void dav_xml_open(struct strbuf *b, const char *ns, const char *name)
{
	dav_xml_start(b, ns, name);
	strbuf_putc(b, '>');
}

void dav_xml_close(struct strbuf *b, const char *ns, const char *name)
{
	const char *prefix = dav_xml_prefix(ns);

	if (prefix != NULL)
		strbuf_printf(b, "</%s:%s>", prefix, name);
	else
		strbuf_printf(b, "</%s>", name);
}

void dav_xml_empty(struct strbuf *b, const char *ns, const char *name)
{
	dav_xml_start(b, ns, name);
	strbuf_puts(b, "/>");
}

void dav_xml_text_elem(struct strbuf *b, const char *ns, const char *name, const char *text)
{
	dav_xml_open(b, ns, name);
	dav_xml_escape(b, text);
	dav_xml_close(b, ns, name);
}

void dav_xml_href(struct strbuf *b, const char *href)
{
	dav_xml_text_elem(b, DAV_NS, "href", href);
}

void dav_ms_begin(struct strbuf *b)
{
	strbuf_puts(b, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus");
	for (size_t i = 0; i < sizeof(dav_prefixes) / sizeof(dav_prefixes[0]); i++)
		strbuf_printf(b, " xmlns:%s=\"%s\"", dav_prefixes[i].prefix, dav_prefixes[i].ns);
	strbuf_puts(b, ">\n");
}

void dav_ms_end(struct strbuf *b)
{
	strbuf_puts(b, "</D:multistatus>\n");
}

void dav_ms_status(struct strbuf *b, const char *href, unsigned int status, const char *ns,
		   const char *precondition)
{
	strbuf_puts(b, "<D:response>");
	dav_xml_href(b, href);
	dav_xml_text_elem(b, DAV_NS, "status", dav_status_line(status));
	if (precondition != NULL) {
		strbuf_puts(b, "<D:error>");
		dav_xml_empty(b, ns, precondition);
		strbuf_puts(b, "</D:error>");
	}
	strbuf_puts(b, "</D:response>\n");
}
