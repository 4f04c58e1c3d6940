/* addressbook-query (RFC 6352 §8.6, §10.5): prop-filters with
 * text-match and param-filter, anyof or allof, over the vCards of the
 * address book, and the nresults limit. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dav/dav_private.h"
#include "jmap/vcard.h"

#define DAV_CARD_COLLATION "i;unicode-casemap"

/* Whether test="allof" (the default is anyof). */
static bool dav_card_allof(const xmlNode *node)
{
	char *test = dav_xml_attr(node, "test");
	bool allof = test != NULL && strcmp(test, "allof") == 0;

	free(test);
	return allof;
}

static bool dav_card_text_match(xmlNode *node, const char *value)
{
	struct dav_text_match m;
	const char *pre;
	bool found;

	if (dav_text_match_parse(node, DAV_CARD_COLLATION, &m, &pre) < 0)
		return false;
	found = dav_text_match_eval(&m, value);
	dav_text_match_clear(&m);
	return found;
}

static bool dav_card_param_filter(xmlNode *node, const struct vcard_prop *prop)
{
	char *name = dav_xml_attr(node, "name");
	const struct vcard_param *param = NULL;
	xmlNode *test = dav_xml_first(node);
	bool found = false;

	for (size_t i = 0; name != NULL && i < prop->param_count && param == NULL; i++) {
		if (strcasecmp(prop->params[i].name, name) == 0)
			param = &prop->params[i];
	}
	free(name);
	if (dav_xml_is(test, DAV_NS_CARDDAV, "is-not-defined"))
		return param == NULL;
	if (param == NULL || test == NULL)
		return param != NULL;
	for (size_t i = 0; i < param->value_count && !found; i++)
		found = dav_card_text_match(test, param->values[i]);
	return found;
}

/* One property against the prop-filter's tests. */
static bool dav_card_prop_tests(xmlNode *pf, const struct vcard_prop *prop)
{
	bool allof = dav_card_allof(pf), any_test = false, result = allof;
	char *value = vcard_text_unescape(prop->value, strlen(prop->value));

	for (xmlNode *t = dav_xml_first(pf); t != NULL; t = dav_xml_next(t)) {
		bool r;

		if (dav_xml_is(t, DAV_NS_CARDDAV, "text-match"))
			r = dav_card_text_match(t, value);
		else if (dav_xml_is(t, DAV_NS_CARDDAV, "param-filter"))
			r = dav_card_param_filter(t, prop);
		else
			continue;
		any_test = true;
		result = allof ? result && r : result || r;
	}
	free(value);
	return any_test ? result : true;
}

static bool dav_card_prop_filter(xmlNode *pf, const struct vcard *card)
{
	char *name = dav_xml_attr(pf, "name");
	bool defined = false, matched = false;

	for (size_t i = 0; name != NULL && i < card->prop_count && !matched; i++) {
		if (strcasecmp(card->props[i].name, name) != 0)
			continue;
		defined = true;
		matched = dav_card_prop_tests(pf, &card->props[i]);
	}
	free(name);
	if (dav_xml_child(pf, DAV_NS_CARDDAV, "is-not-defined") != NULL)
		return !defined;
	return matched;
}

static bool dav_card_filter(xmlNode *filter, const struct vcard *card)
{
	bool allof = dav_card_allof(filter), result = allof;

	for (xmlNode *pf = dav_xml_first(filter); pf != NULL; pf = dav_xml_next(pf)) {
		bool r = dav_card_prop_filter(pf, card);

		result = allof ? result && r : result || r;
	}
	return dav_xml_first(filter) == NULL ? true : result;
}

/* Checks the whole filter first, so that a bad one is answered before
 * any card is read. 0, or -1 after answering. */
static int dav_card_filter_check(struct dav_ctx *ctx, xmlNode *node, int depth)
{
	for (xmlNode *c = dav_xml_first(node); c != NULL; c = dav_xml_next(c)) {
		struct dav_text_match m;
		const char *pre;

		if (dav_xml_is(c, DAV_NS_CARDDAV, "text-match")) {
			if (dav_text_match_parse(c, DAV_CARD_COLLATION, &m, &pre) < 0) {
				if (pre != NULL)
					dav_respond_error(ctx, 403, DAV_NS_CARDDAV, pre);
				else
					dav_respond_text(ctx, 400, "bad text-match");
				return -1;
			}
			dav_text_match_clear(&m);
		} else if ((dav_xml_is(c, DAV_NS_CARDDAV, "prop-filter") ||
			    dav_xml_is(c, DAV_NS_CARDDAV, "param-filter")) && depth < 2 &&
			   dav_card_filter_check(ctx, c, depth + 1) < 0) {
			return -1;
		}
	}
	return 0;
}

/* The members whose vCard passes filter (new array). */
static json_object *dav_card_select(json_object *members, xmlNode *filter)
{
	json_object *out = json_object_new_array();
	size_t n = json_object_array_length(members);

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(members, i);
		json_object *data = json_object_object_get(m, "davData");
		struct vcard *card;
		const char *error;

		if (data == NULL || vcard_parse(json_object_get_string(data),
						(size_t)json_object_get_string_len(data), NULL,
						&card, &error) < 0)
			continue;
		if (dav_card_filter(filter, card))
			json_object_array_add(out, json_object_get(m));
		vcard_free(&card);
	}
	return out;
}

void dav_report_addressbook_query(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root)
{
	xmlNode *filter = dav_xml_child(root, DAV_NS_CARDDAV, "filter");
	struct dav_report_props p;
	json_object *members, *matches;

	if (filter == NULL) {
		dav_respond_text(ctx, 400, "addressbook-query needs a filter");
		return;
	}
	if (dav_card_filter_check(ctx, filter, 0) < 0)
		return;
	dav_report_props_read(root, &p);
	if ((members = dav_report_candidates(ctx, res)) == NULL)
		return;
	matches = dav_card_select(members, filter);
	dav_report_matches(ctx, res, &p, matches, dav_report_limit(root, DAV_NS_CARDDAV));
	json_object_put(matches);
	json_object_put(members);
}
