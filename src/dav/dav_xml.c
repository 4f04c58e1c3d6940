/* Reading request bodies with libxml2: no network, no DTD (so no
 * entities to expand, internal or external), bounded depth. */
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlsave.h>

#include "core/xalloc.h"
#include "dav/dav_private.h"

/* libxml2 keeps references to entities unexpanded without NOENT, and
 * loads nothing without DTDLOAD; NONET forbids the network anyway. */
#define DAV_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | \
	XML_PARSE_NOCDATA)

static bool dav_xml_depth_ok(const xmlNode *node, int depth)
{
	if (depth > DAV_XML_MAX_DEPTH)
		return false;
	for (const xmlNode *c = node->children; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && !dav_xml_depth_ok(c, depth + 1))
			return false;
	}
	return true;
}

static bool dav_xml_blank(const char *body, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (body[i] != ' ' && body[i] != '\t' && body[i] != '\r' && body[i] != '\n')
			return false;
	}
	return true;
}

/* The document if it is well-formed, namespaces included; else NULL. */
static xmlDoc *dav_xml_read(const char *body, size_t len)
{
	xmlParserCtxt *ctxt = xmlNewParserCtxt();
	xmlDoc *doc;

	if (ctxt == NULL)
		return NULL;
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "request.xml", NULL, DAV_XML_OPTIONS);
	if (doc != NULL && (!ctxt->wellFormed || !ctxt->nsWellFormed ||
			    xmlDocGetRootElement(doc) == NULL)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

int dav_xml_parse(const char *body, size_t len, xmlDoc **doc_r, const char **error_r)
{
	xmlDoc *doc;

	*doc_r = NULL;
	if (body == NULL || dav_xml_blank(body, len))
		return 0;
	if (len > (size_t)INT32_MAX) {
		*error_r = "the body is too large";
		return -1;
	}
	/* A document type declaration is where entities are declared: a
	 * DAV body never needs one. */
	if (memmem(body, len, "<!DOCTYPE", 9) != NULL || memmem(body, len, "<!ENTITY", 8) != NULL) {
		*error_r = "document type declarations are not accepted";
		return -1;
	}
	if ((doc = dav_xml_read(body, len)) == NULL) {
		*error_r = "the body is not well-formed XML";
		return -1;
	}
	if (doc->intSubset != NULL || !dav_xml_depth_ok(xmlDocGetRootElement(doc), 1)) {
		xmlFreeDoc(doc);
		*error_r = "the XML nests too deep or declares a document type";
		return -1;
	}
	*doc_r = doc;
	return 1;
}

const char *dav_xml_ns(const xmlNode *node)
{
	return node->ns != NULL && node->ns->href != NULL ? (const char *)node->ns->href : "";
}

const char *dav_xml_name(const xmlNode *node)
{
	return (const char *)node->name;
}

bool dav_xml_is(const xmlNode *node, const char *ns, const char *name)
{
	return node != NULL && node->type == XML_ELEMENT_NODE &&
		strcmp(dav_xml_name(node), name) == 0 && strcmp(dav_xml_ns(node), ns) == 0;
}

static xmlNode *dav_xml_element_from(xmlNode *node)
{
	while (node != NULL && node->type != XML_ELEMENT_NODE)
		node = node->next;
	return node;
}

xmlNode *dav_xml_first(const xmlNode *parent)
{
	return parent != NULL ? dav_xml_element_from(parent->children) : NULL;
}

xmlNode *dav_xml_next(const xmlNode *node)
{
	return dav_xml_element_from(node->next);
}

xmlNode *dav_xml_child(const xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = dav_xml_first(parent); c != NULL; c = dav_xml_next(c)) {
		if (dav_xml_is(c, ns, name))
			return c;
	}
	return NULL;
}

char *dav_xml_text(const xmlNode *node)
{
	xmlChar *s = xmlNodeGetContent(node);
	char *out = xstrdup(s != NULL ? (const char *)s : "");

	xmlFree(s);
	return out;
}

char *dav_xml_attr(const xmlNode *node, const char *name)
{
	xmlChar *s = xmlGetNoNsProp(node, (const xmlChar *)name);
	char *out;

	if (s == NULL)
		return NULL;
	out = xstrdup((const char *)s);
	xmlFree(s);
	return out;
}

char *dav_xml_dump(const xmlNode *node)
{
	xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *copy = xmlDocCopyNode((xmlNode *)node, doc, 1);
	xmlBuffer *buf = xmlBufferCreate();
	char *out;

	xmlDocSetRootElement(doc, copy);
	/* the copy lost the declarations its ancestors made */
	xmlReconciliateNs(doc, copy);
	xmlNodeDump(buf, doc, copy, 0, 0);
	out = xstrdup((const char *)xmlBufferContent(buf));
	xmlBufferFree(buf);
	xmlFreeDoc(doc);
	return out;
}

xmlNode *dav_body_root(struct dav_ctx *ctx, const char *ns, const char *name,
		       bool may_be_empty)
{
	const char *error = NULL;
	xmlNode *root;
	int ret;

	if (ctx->doc == NULL) {
		ret = dav_xml_parse(ctx->req->body, ctx->req->body_len, &ctx->doc, &error);
		if (ret < 0) {
			dav_respond_text(ctx, 400, error);
			return NULL;
		}
		if (ret == 0) {
			if (!may_be_empty)
				dav_respond_text(ctx, 400, "a request body is required");
			return NULL;
		}
	}
	root = xmlDocGetRootElement(ctx->doc);
	if (!dav_xml_is(root, ns, name)) {
		dav_respond_text(ctx, 400, "unexpected XML root element");
		return NULL;
	}
	return root;
}
