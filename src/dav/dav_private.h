#ifndef TERN_DAV_PRIVATE_H
#define TERN_DAV_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <libxml/tree.h>

#include "core/strbuf.h"
#include "dav/dav.h"
#include "dav/dav_if.h"

/* What the files of src/dav share: the server, one request's context,
 * the two families of collections (address books and calendars), the
 * resources a request names, and the helpers every method uses.
 * Nothing here leaves the layer. */

#define DAV_NS "DAV:"
#define DAV_NS_CALDAV "urn:ietf:params:xml:ns:caldav"
#define DAV_NS_CARDDAV "urn:ietf:params:xml:ns:carddav"
#define DAV_NS_CS "http://calendarserver.org/ns/"
#define DAV_NS_APPLE "http://apple.com/ns/ical/"

/* Request bodies are small documents: deeper nesting is refused. */
#define DAV_XML_MAX_DEPTH 32
/* The core refuses larger texts (vCard and iCalendar alike). */
#define DAV_MAX_RESOURCE_SIZE (4 * 1024 * 1024)
/* Dead properties of one collection, and the bytes of one value. */
#define DAV_DEAD_PROPS_MAX 256
#define DAV_DEAD_VALUE_MAX (64 * 1024)

struct dav_locks;

struct dav_server {
	struct jmap_server *jmap;
	size_t max_body;
	struct dav_locks *locks;
};

/* Address books (/dav/card/) and calendars (/dav/cal/): the same
 * generic code over the JMAP types each names. */
struct dav_family {
	const char *segment;		/* URL segment: "card", "cal" */
	const char *coll_type;		/* "AddressBook" */
	const char *member_type;	/* "ContactCard" */
	const char *parent_prop;	/* "addressBookIds" */
	const char *in_filter;		/* "inAddressBook" */
	bool in_filter_list;		/* the filter takes an array of ids */
	const char *destroy_arg;	/* "onDestroyRemoveContents" */
	const char *extension;		/* ".vcf" */
	const char *media_type;		/* "text/vcard" */
	const char *ns;			/* CardDAV or CalDAV */
	const char *coll_element;	/* resourcetype: "addressbook" */
	const char *data_element;	/* "address-data" */
	const char *valid_data;		/* "valid-address-data" */
	const char *home_set;		/* "addressbook-home-set" */
	const char *description;	/* "addressbook-description" */
	const char *default_name;	/* a new collection's JMAP name */
	const char *const *coll_props;	/* what /get reads of a collection */
};

extern const struct dav_family dav_family_card;
extern const struct dav_family dav_family_cal;

enum dav_kind {
	DAV_KIND_ROOT,		/* /dav/ */
	DAV_KIND_TOP,		/* /dav/principal/, /dav/cal/, /dav/card/ */
	DAV_KIND_PRINCIPAL,	/* /dav/principal/{account}/ */
	DAV_KIND_HOME,		/* /dav/cal/{account}/ */
	DAV_KIND_COLLECTION,	/* /dav/cal/{account}/{calendar}/ */
	DAV_KIND_OBJECT,	/* /dav/cal/{account}/{calendar}/{name} */
};

/* A request path, parsed (dav_path.c). Strings are decoded. */
struct dav_target {
	enum dav_kind kind;
	const struct dav_family *fam;	/* NULL at the root and under principal */
	char *account;			/* NULL above the account level */
	char *collection;
	char *member;
};

/* A resource a request names or lists. */
struct dav_res {
	enum dav_kind kind;
	const struct dav_family *fam;
	char *href;			/* absolute path, percent-encoded */
	json_object *coll;		/* the collection (COLLECTION, OBJECT) */
	json_object *member;		/* the object (OBJECT): id, davName,
					 * davEtag, davData when read */
};

/* One request. */
struct dav_ctx {
	struct dav_server *srv;
	const struct dav_request *req;
	struct dav_response *resp;
	char account_id[16];		/* the user's JMAP account id */
	struct dav_target target;
	xmlDoc *doc;			/* the parsed body, or NULL */
	/* state strings read once per request: [family][0 collections,
	 * 1 members] (dav_props_coll.c) */
	char *states[2][2];
	json_object *quota;		/* Quota/get's object, once read */
	bool quota_read;
	/* the calendar-data element a REPORT asked for (expand,
	 * limit-recurrence-set), or NULL */
	xmlNode *data_request;
};

#define DAV_COMPLIANCE "1, 2, 3, calendar-access, addressbook, extended-mkcol"
#define DAV_ALLOW "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, " \
	"MKCALENDAR, COPY, MOVE, LOCK, UNLOCK, REPORT"

/* ---- dav_server.c ---- */
const char *dav_header(struct dav_ctx *ctx, const char *name);

/* ---- dav_response.c ---- */
void dav_respond(struct dav_ctx *ctx, unsigned int status);
void dav_add_header(struct dav_ctx *ctx, const char *name, const char *value);
/* Takes the buffer's text as the body. */
void dav_set_body(struct dav_ctx *ctx, struct strbuf *body, const char *content_type);
/* A short text/plain answer. */
void dav_respond_text(struct dav_ctx *ctx, unsigned int status, const char *text);
/* status with a DAV:error body naming the precondition ns:name. */
void dav_respond_error(struct dav_ctx *ctx, unsigned int status, const char *ns,
		       const char *precondition);
/* The same with the precondition's content (XML, may be NULL). */
void dav_respond_error_with(struct dav_ctx *ctx, unsigned int status, const char *ns,
			    const char *precondition, const char *content);
void dav_respond_internal(struct dav_ctx *ctx, const char *what);
/* "HTTP/1.1 207 Multi-Status" and the like. */
const char *dav_status_line(unsigned int status);

/* ---- dav_xmlw.c: writing XML ---- */
void dav_xml_escape(struct strbuf *b, const char *s);
void dav_xml_escape_len(struct strbuf *b, const char *s, size_t len);
void dav_xml_escape_attr(struct strbuf *b, const char *s);
/* The prefix every document we write binds ns to, NULL for others. */
const char *dav_xml_prefix(const char *ns);
void dav_xml_open(struct strbuf *b, const char *ns, const char *name);
void dav_xml_close(struct strbuf *b, const char *ns, const char *name);
void dav_xml_empty(struct strbuf *b, const char *ns, const char *name);
/* <ns:name>escaped text</ns:name> */
void dav_xml_text_elem(struct strbuf *b, const char *ns, const char *name, const char *text);
/* <D:href>href</D:href> */
void dav_xml_href(struct strbuf *b, const char *href);
/* The XML declaration and <D:multistatus ...> with our prefixes bound. */
void dav_ms_begin(struct strbuf *b);
void dav_ms_end(struct strbuf *b);
/* A response of only a status (and an error element when precondition
 * is not NULL). */
void dav_ms_status(struct strbuf *b, const char *href, unsigned int status, const char *ns,
		   const char *precondition);
/* Sends the multistatus in b as a 207. */
void dav_respond_multistatus(struct dav_ctx *ctx, struct strbuf *b);

/* ---- dav_xml.c: reading XML ---- */
/* Parses a request body with no network, no DTD and no entities, at
 * most DAV_XML_MAX_DEPTH deep. 1 and *doc_r, 0 for an empty body, -1
 * with *error_r when it is not acceptable XML. */
int dav_xml_parse(const char *body, size_t len, xmlDoc **doc_r, const char **error_r);
bool dav_xml_is(const xmlNode *node, const char *ns, const char *name);
/* The namespace URI of an element ("" when it has none). */
const char *dav_xml_ns(const xmlNode *node);
const char *dav_xml_name(const xmlNode *node);
/* Element children: the first, the next after node. */
xmlNode *dav_xml_first(const xmlNode *parent);
xmlNode *dav_xml_next(const xmlNode *node);
/* The first element child ns:name, or NULL. */
xmlNode *dav_xml_child(const xmlNode *parent, const char *ns, const char *name);
/* The text of node and its descendants (caller frees). */
char *dav_xml_text(const xmlNode *node);
/* An attribute without namespace (caller frees), or NULL. */
char *dav_xml_attr(const xmlNode *node, const char *name);
/* node as a standalone element with every namespace it uses declared
 * (caller frees). */
char *dav_xml_dump(const xmlNode *node);
/* The body's root element if it is ns:name; else answers 400 and
 * returns NULL. A request with no body gets NULL without an answer
 * when may_be_empty. */
xmlNode *dav_body_root(struct dav_ctx *ctx, const char *ns, const char *name,
		       bool may_be_empty);

/* ---- dav_path.c ---- */
/* Parses the request path. 0, or -1 after answering (400 for a bad
 * path, 403 for another account, 404 outside the tree). */
int dav_target_parse(struct dav_ctx *ctx, const char *path, struct dav_target *t_r);
void dav_target_clear(struct dav_target *t);
/* Appends s percent-encoded as one path segment. */
void dav_href_segment(struct strbuf *b, const char *s);
/* Hrefs (caller frees). */
char *dav_href_principal(struct dav_ctx *ctx);
char *dav_href_home(struct dav_ctx *ctx, const struct dav_family *fam);
char *dav_href_collection(struct dav_ctx *ctx, const struct dav_family *fam, const char *name);
char *dav_href_member(struct dav_ctx *ctx, const struct dav_family *fam, const char *coll,
		      const char *name);
/* The href of target t (caller frees). */
char *dav_href_target(struct dav_ctx *ctx, const struct dav_target *t);
/* Parses an href (an absolute URI or a path) into a target of this
 * user: 0, or the status it deserves (400, 403, 404). */
unsigned int dav_target_from_href(struct dav_ctx *ctx, const char *href, struct dav_target *t_r);
/* Parses a Destination header (an absolute URI or path) into a target of
 * this user. 0, or -1 after answering. */
int dav_target_destination(struct dav_ctx *ctx, struct dav_target *t_r);

/* ---- dav_jmap.c: calls into the core ---- */
/* Runs method with args (taken; accountId added). Returns the response
 * arguments (new reference), or NULL with the JMAP error type in
 * *error_r ("serverFail" and the like). */
json_object *dav_jmap_call(struct dav_ctx *ctx, const char *method, json_object *args,
			   const char **error_r);
/* The collections of fam, each with its dav* properties (new array
 * reference), and their state. NULL after answering 500. */
json_object *dav_jmap_collections(struct dav_ctx *ctx, const struct dav_family *fam,
				  char **state_r);
/* The collection called name: 1 and *coll_r, 0, -1 after answering. */
int dav_jmap_collection(struct dav_ctx *ctx, const struct dav_family *fam, const char *name,
			json_object **coll_r);
/* The state string of type (caller frees), NULL on failure. */
char *dav_jmap_state(struct dav_ctx *ctx, const char *type);
/* The string member key of obj (borrowed), or "" when there is none. */
const char *dav_json_str(json_object *obj, const char *key);
/* One /set of one object: create (id NULL) or update. Returns 1 with
 * the created or updated report in *result_r, 0 with the SetError in
 * *result_r, -1 on a method error (type in *error_r). */
int dav_jmap_set_one(struct dav_ctx *ctx, const char *type, const char *id,
		     json_object *value, json_object *extra_args, json_object **result_r,
		     const char **error_r);
/* Destroys id: 1 done, 0 with the SetError in *result_r, -1 error. */
int dav_jmap_destroy(struct dav_ctx *ctx, const char *type, const char *id,
		     json_object *extra_args, json_object **result_r, const char **error_r);

/* ---- dav_members.c: the objects of a collection ---- */
/* Every member of coll: a new array of {id, davName, davEtag, uid,
 * the parent ids [, davData]}. NULL after answering 500. */
json_object *dav_members_list(struct dav_ctx *ctx, const struct dav_family *fam,
			      json_object *coll, bool with_data);
/* The members of coll that also pass conditions (FilterCondition
 * members of the family's /query), as dav_members_list(). */
json_object *dav_members_filtered(struct dav_ctx *ctx, const struct dav_family *fam,
				  json_object *coll, json_object *conditions, bool with_data);
/* The members with these ids, in one /get (new array; ids not found
 * are left out). NULL after answering 500. */
json_object *dav_members_get(struct dav_ctx *ctx, const struct dav_family *fam,
			     json_object *ids, bool with_data);
/* The same without answering: NULL with *error_r. */
json_object *dav_members_get_error(struct dav_ctx *ctx, const struct dav_family *fam,
				   json_object *ids, bool with_data, const char **error_r);
/* The member of coll called name (the core's davName filter, one
 * lookup): 1 and *member_r, 0, -1 after answering. */
int dav_member_find(struct dav_ctx *ctx, const struct dav_family *fam, json_object *coll,
		    const char *name, bool with_data, json_object **member_r);
/* The id of the collection member is in ("" if none). */
const char *dav_member_coll_id(const struct dav_family *fam, json_object *member);
/* Whether member is in coll. */
bool dav_member_in(const struct dav_family *fam, json_object *member, json_object *coll);

/* ---- dav_resource.c ---- */
/* Loads what the target names. 1 with *res_r filled, 0 when it does not
 * exist (*res_r still names it: kind, fam, href, coll when the
 * collection exists), -1 after answering. */
int dav_resource_load(struct dav_ctx *ctx, bool with_data, struct dav_res *res_r);
/* The same for another target (a Destination). */
int dav_resource_load_at(struct dav_ctx *ctx, const struct dav_target *t, bool with_data,
			 struct dav_res *res_r);
void dav_res_clear(struct dav_res *res);
/* The members of a collection-like resource as resources, for Depth 1
 * (new array of allocated struct dav_res, see dav_res_list_free). */
int dav_resource_children(struct dav_ctx *ctx, const struct dav_res *res, bool with_data,
			  struct dav_res **children_r, size_t *count_r);
void dav_res_list_free(struct dav_res **list, size_t count);
/* A member resource of coll (takes a reference of both). */
void dav_res_member(struct dav_ctx *ctx, struct dav_res *res, const struct dav_family *fam,
		    json_object *coll, json_object *member);
bool dav_res_is_collection(const struct dav_res *res);
/* The quoted ETag of an object ("\"hex\""); caller frees. */
char *dav_res_etag(const struct dav_res *res);

/* ---- dav_props*.c: properties ---- */
enum dav_prop_flags {
	DAV_PROP_ALLPROP = 1 << 0,	/* returned by allprop */
	DAV_PROP_PROTECTED = 1 << 1,	/* PROPPATCH refuses it */
	DAV_PROP_DATA = 1 << 2,		/* needs the object's text */
	DAV_PROP_EXPENSIVE = 1 << 3,	/* not in allprop either way */
};

/* Writes the content of the property for res into out: 1, or 0 when
 * res has no such property. */
typedef int dav_prop_get_fn(struct dav_ctx *ctx, const struct dav_res *res,
			    struct strbuf *out);

struct dav_live_prop {
	const char *ns;
	const char *name;
	unsigned int kinds;		/* bit (1 << enum dav_kind) */
	const struct dav_family *fam;	/* NULL: any */
	unsigned int flags;
	dav_prop_get_fn *get;
};

#define DAV_KIND_BIT(k) (1u << (k))
#define DAV_KINDS_ALL 0x3fu
#define DAV_KINDS_COLLECTIONS (DAV_KIND_BIT(DAV_KIND_ROOT) | DAV_KIND_BIT(DAV_KIND_TOP) | \
	DAV_KIND_BIT(DAV_KIND_PRINCIPAL) | DAV_KIND_BIT(DAV_KIND_HOME) | \
	DAV_KIND_BIT(DAV_KIND_COLLECTION))

/* Every live property, NULL-name terminated (dav_props.c). */
extern const struct dav_live_prop dav_live_props[];
/* The live property ns:name that applies to res, or NULL. */
const struct dav_live_prop *dav_prop_find(const struct dav_res *res, const char *ns,
					  const char *name);
/* Whether a live property ns:name exists at all (for any resource). */
bool dav_prop_is_live(const char *ns, const char *name);

/* Getters shared by the tables (dav_props_principal.c). */
int dav_prop_current_user_principal(struct dav_ctx *ctx, const struct dav_res *res,
				    struct strbuf *out);
int dav_prop_principal_url(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_owner(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_calendar_home(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_card_home(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_user_address_set(struct dav_ctx *ctx, const struct dav_res *res,
			      struct strbuf *out);
int dav_prop_principal_collection_set(struct dav_ctx *ctx, const struct dav_res *res,
				      struct strbuf *out);
int dav_prop_privileges(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_supported_reports(struct dav_ctx *ctx, const struct dav_res *res,
			       struct strbuf *out);
int dav_prop_user_type(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
/* Collection getters (dav_props_coll.c). */
int dav_prop_ctag(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_sync_token(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_quota_used(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_quota_available(struct dav_ctx *ctx, const struct dav_res *res,
			     struct strbuf *out);
int dav_prop_coll_description(struct dav_ctx *ctx, const struct dav_res *res,
			      struct strbuf *out);
int dav_prop_calendar_color(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_calendar_order(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_comp_set(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_supported_data(struct dav_ctx *ctx, const struct dav_res *res, struct strbuf *out);
int dav_prop_max_resource_size(struct dav_ctx *ctx, const struct dav_res *res,
			       struct strbuf *out);
int dav_prop_supported_collations(struct dav_ctx *ctx, const struct dav_res *res,
				  struct strbuf *out);
/* Frees the state strings read for this request (after a change). */
void dav_states_clear(struct dav_ctx *ctx);
/* Whether a calendar takes components of this kind ("VEVENT"): those
 * MKCALENDAR named (kept in davProperties "components"), else all. */
bool dav_coll_takes_component(json_object *coll, const char *component);

/* Dead properties: kept in the collection's davProperties, each under
 * its Clark name "{ns}name" as the element's XML text. */
char *dav_clark_name(const char *ns, const char *name);
/* The dead property element of res (borrowed), or NULL. */
const char *dav_dead_prop(const struct dav_res *res, const char *ns, const char *name);

/* ---- dav_propfind.c ---- */
/* Writes one DAV:response for res with the properties a DAV:prop
 * element names, or (prop NULL) every property, values or only names
 * (propname); include names more for allprop. */
void dav_propfind_response(struct dav_ctx *ctx, const struct dav_res *res,
			   xmlNode *prop, bool propname, xmlNode *include, struct strbuf *b);

/* ---- dav_proppatch.c ---- */
/* Applies the DAV:set and DAV:remove instructions under update (a
 * propertyupdate, or the mkcol or mkcalendar element of a request that
 * makes a collection: creating) to patch, a JMAP object or patch of
 * the collection: live properties become its members, dead ones its
 * davProperties (starting from old, the collection's current ones).
 * Appends one {ns, name, status[, preNs, pre]} per property to results.
 * Returns whether every instruction may be applied. */
bool dav_props_apply(struct dav_ctx *ctx, const struct dav_family *fam, xmlNode *update,
		     json_object *old, json_object *patch, json_object *results, bool creating);
/* Writes one DAV:response (with href unless NULL) with a propstat per
 * status of results; when failed, the successes show as 424. */
void dav_props_results(struct strbuf *b, const char *href, json_object *results, bool failed);

/* ---- dav_textmatch.c: text-match (RFC 4791 §9.7.5, RFC 6352 §10.5.4) ---- */
/* The collations we support, NULL-terminated. */
extern const char *const dav_collations[];
enum dav_match_type {
	DAV_MATCH_EQUALS,
	DAV_MATCH_CONTAINS,
	DAV_MATCH_STARTS_WITH,
	DAV_MATCH_ENDS_WITH,
};
struct dav_text_match {
	char *text;
	const char *collation;		/* one of dav_collations */
	enum dav_match_type type;
	bool negate;
};
/* Reads a text-match element (collation by default default_collation).
 * 0, or -1 with the precondition to answer (supported-collation) or
 * NULL for a plain 400. */
int dav_text_match_parse(xmlNode *node, const char *default_collation,
			 struct dav_text_match *m_r, const char **precondition_r);
void dav_text_match_clear(struct dav_text_match *m);
bool dav_text_match_eval(const struct dav_text_match *m, const char *value);

/* ---- dav_sync.c ---- */
/* The sync token of a collection at a member state (caller frees). */
char *dav_sync_token(const char *coll_id, const char *state);

/* ---- dav_report*.c: REPORTs ---- */
/* What a REPORT asks of each resource: DAV:prop, propname or allprop. */
struct dav_report_props {
	xmlNode *prop;
	bool propname;
	bool allprop;
};
void dav_report_props_read(xmlNode *root, struct dav_report_props *p_r);
bool dav_report_needs_data(const struct dav_report_props *p);
/* The ns:limit/ns:nresults of a REPORT body, 0 when none. */
size_t dav_report_limit(xmlNode *root, const char *ns);
/* One DAV:response of res with what p asks. */
void dav_report_response(struct dav_ctx *ctx, const struct dav_report_props *p,
			 const struct dav_res *res, struct strbuf *b);
/* Each report: res is the request's resource (it exists), root the body. */
void dav_report_multiget(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_addressbook_query(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_calendar_query(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_free_busy(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_sync(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_expand_property(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_principal_search(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
void dav_report_search_set(struct dav_ctx *ctx, struct dav_res *res, xmlNode *root);
/* The objects a query report looks at: res itself, or the members of
 * the collection res (new array, with their text). NULL after
 * answering. */
json_object *dav_report_candidates(struct dav_ctx *ctx, struct dav_res *res);
/* Writes the matches as responses, at most limit of them (0: all),
 * with a 507 for the request when more matched (RFC 6352 §8.6.1). */
void dav_report_matches(struct dav_ctx *ctx, struct dav_res *res,
			const struct dav_report_props *p, json_object *matches, size_t limit);

/* ---- dav_data.c ---- */
/* Whether a Content-Type (NULL: none given) is one the family takes. */
bool dav_media_type_ok(const struct dav_family *fam, const char *content_type);
/* The UID of a vCard or iCalendar text (caller frees), NULL if none. */
char *dav_data_uid(const char *text, size_t len);
/* The first component of an iCalendar text ("VEVENT"), NULL if none. */
const char *dav_data_component(const char *text, size_t len);
/* Answers a SetError of the core with its DAV status and precondition. */
void dav_respond_set_error(struct dav_ctx *ctx, const struct dav_family *fam,
			   json_object *error);
/* 409 with no-uid-conflict naming href (may be NULL). */
void dav_respond_uid_conflict(struct dav_ctx *ctx, const struct dav_family *fam,
			      const char *href);

/* ---- methods (one file each) ---- */
void dav_method_options(struct dav_ctx *ctx);
/* 405 with the Allow header. */
void dav_respond_not_allowed(struct dav_ctx *ctx, const char *why);
void dav_method_propfind(struct dav_ctx *ctx);
void dav_method_proppatch(struct dav_ctx *ctx);
void dav_method_mkcol(struct dav_ctx *ctx);
void dav_method_get(struct dav_ctx *ctx);
void dav_method_put(struct dav_ctx *ctx);
void dav_method_delete(struct dav_ctx *ctx);
void dav_method_copy(struct dav_ctx *ctx);
void dav_method_move(struct dav_ctx *ctx);
void dav_method_lock(struct dav_ctx *ctx);
void dav_method_unlock(struct dav_ctx *ctx);
/* LOCK of a loaded res (exists says whether it does): a new lock from
 * the lockinfo body, or a refresh when there is none. */
void dav_lock_run(struct dav_ctx *ctx, struct dav_res *res, bool exists);
void dav_method_report(struct dav_ctx *ctx);

/* ---- dav_depth.c / dav_if.c: request headers ---- */
enum dav_depth {
	DAV_DEPTH_0,
	DAV_DEPTH_1,
	DAV_DEPTH_INFINITY,
};
/* The Depth header (def when absent): 0, or -1 after answering 400. */
int dav_depth(struct dav_ctx *ctx, enum dav_depth def, enum dav_depth *depth_r);
enum dav_cond_flags {
	/* the method changes res: the locks on it apply */
	DAV_COND_WRITE = 1 << 0,
	/* it adds or removes a member of res's parent: the parent's locks
	 * apply too */
	DAV_COND_MEMBERSHIP = 1 << 1,
	/* locks on resources under res apply too (DELETE, MOVE) */
	DAV_COND_TREE = 1 << 2,
};
/* Checks If-Match, If-None-Match and If against res (exists says
 * whether it does) and, by flags, the locks over it, whose tokens the If
 * header must submit. 0, or -1 after answering (304, 400, 412, 423). */
int dav_check_conditions(struct dav_ctx *ctx, const struct dav_res *res, bool exists,
			 unsigned int flags);
/* The If header: 1 with *h_r, 0 when absent, -1 after answering 400. */
int dav_if_read(struct dav_ctx *ctx, struct dav_if *h_r);
/* The href of the collection res is in (caller frees). */
char *dav_href_parent(const char *href);

/* ---- dav_lock.c: the lock table ---- */
struct dav_lock_info {
	char token[64];			/* "urn:uuid:..." */
	char *root;			/* href the lock was taken on */
	char *owner;			/* the DAV:owner XML as sent, or NULL */
	uint32_t account_id;		/* who holds it */
	bool exclusive;
	bool infinite;
	int64_t timeout;		/* seconds asked */
	int64_t expires_ms;		/* monotonic */
};

struct dav_locks *dav_locks_new(size_t max_locks, int64_t max_timeout);
void dav_locks_free(struct dav_locks **locks);
/* Takes a lock on href. 1 with *info_r (caller frees with
 * dav_lock_info_clear), 0 when a conflicting lock holds it, -1 when the
 * table is full. */
int dav_locks_take(struct dav_locks *locks, const char *href, uint32_t account_id,
		   bool exclusive, bool infinite, int64_t timeout, const char *owner,
		   struct dav_lock_info *info_r);
/* Refreshes token if it covers href. 1 with *info_r, 0 if not. */
int dav_locks_refresh(struct dav_locks *locks, const char *href, const char *token,
		      int64_t timeout, struct dav_lock_info *info_r);
/* Removes token if it covers href: 1, or 0. */
int dav_locks_release(struct dav_locks *locks, const char *href, const char *token);
/* The live locks covering href (its own and depth-infinity ones of its
 * ancestors; with members, those on resources under href too). */
void dav_locks_covering(struct dav_locks *locks, const char *href, bool members,
			struct dav_lock_info **list_r, size_t *count_r);
/* Drops the locks on href and under it (after DELETE or MOVE). */
void dav_locks_drop(struct dav_locks *locks, const char *href);
void dav_lock_info_clear(struct dav_lock_info *info);
void dav_lock_list_free(struct dav_lock_info **list, size_t count);
/* DAV:lockdiscovery's and DAV:supportedlock's content. */
void dav_lock_discovery(struct dav_ctx *ctx, const char *href, struct strbuf *out);
void dav_lock_write_active(struct strbuf *out, const struct dav_lock_info *info);

#endif
