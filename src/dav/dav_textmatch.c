/* text-match (RFC 4791 §9.7.5, RFC 6352 §10.5.4): a substring, prefix,
 * suffix or equality test under a collation (RFC 4790): i;octet,
 * i;ascii-casemap, or i;unicode-casemap (case folded, then NFKD, as
 * JMAP compares). */
#include <stdlib.h>
#include <string.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"
#include "jmap/collation.h"

const char *const dav_collations[] = {
	"i;ascii-casemap", "i;octet", "i;unicode-casemap", NULL,
};

static const struct {
	const char *name;
	enum dav_match_type type;
} dav_match_types[] = {
	{ "equals", DAV_MATCH_EQUALS },
	{ "contains", DAV_MATCH_CONTAINS },
	{ "starts-with", DAV_MATCH_STARTS_WITH },
	{ "ends-with", DAV_MATCH_ENDS_WITH },
};

static const char *dav_collation_find(const char *name)
{
	for (size_t i = 0; dav_collations[i] != NULL; i++) {
		if (strcmp(dav_collations[i], name) == 0)
			return dav_collations[i];
	}
	return NULL;
}

static int dav_match_type_parse(const char *name, enum dav_match_type *type_r)
{
	for (size_t i = 0; i < sizeof(dav_match_types) / sizeof(dav_match_types[0]); i++) {
		if (strcmp(dav_match_types[i].name, name) == 0) {
			*type_r = dav_match_types[i].type;
			return 0;
		}
	}
	return -1;
}

int dav_text_match_parse(xmlNode *node, const char *default_collation,
			 struct dav_text_match *m_r, const char **precondition_r)
{
	char *collation = dav_xml_attr(node, "collation");
	char *type = dav_xml_attr(node, "match-type");
	char *negate = dav_xml_attr(node, "negate-condition");
	int ret = 0;

	memset(m_r, 0, sizeof(*m_r));
	*precondition_r = NULL;
	m_r->type = DAV_MATCH_CONTAINS;
	m_r->collation = dav_collation_find(collation != NULL ? collation : default_collation);
	if (m_r->collation == NULL) {
		*precondition_r = "supported-collation";
		ret = -1;
	} else if ((type != NULL && dav_match_type_parse(type, &m_r->type) < 0) ||
		   (negate != NULL && strcmp(negate, "yes") != 0 && strcmp(negate, "no") != 0)) {
		ret = -1;
	}
	m_r->negate = negate != NULL && strcmp(negate, "yes") == 0;
	if (ret == 0)
		m_r->text = dav_xml_text(node);
	free(collation);
	free(type);
	free(negate);
	return ret;
}

void dav_text_match_clear(struct dav_text_match *m)
{
	free(m->text);
	memset(m, 0, sizeof(*m));
}

/* The form of s that the collation compares octet by octet. */
static char *dav_collation_key(const char *collation, const char *s)
{
	char *key;

	if (strcmp(collation, "i;unicode-casemap") == 0)
		return jmap_collation_key(collation, s);
	key = xstrdup(s);
	if (strcmp(collation, "i;ascii-casemap") == 0) {
		for (char *p = key; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		}
	}
	return key;
}

static bool dav_keys_match(enum dav_match_type type, const char *value, const char *text)
{
	size_t vlen = strlen(value), tlen = strlen(text);

	switch (type) {
	case DAV_MATCH_EQUALS:
		return strcmp(value, text) == 0;
	case DAV_MATCH_CONTAINS:
		return strstr(value, text) != NULL;
	case DAV_MATCH_STARTS_WITH:
		return strncmp(value, text, tlen) == 0;
	case DAV_MATCH_ENDS_WITH:
		return vlen >= tlen && strcmp(value + vlen - tlen, text) == 0;
	}
	return false;
}

bool dav_text_match_eval(const struct dav_text_match *m, const char *value)
{
	char *v = dav_collation_key(m->collation, value);
	char *t = dav_collation_key(m->collation, m->text);
	bool found = dav_keys_match(m->type, v, t);

	free(v);
	free(t);
	return found != m->negate;
}
