/* What the names of GET /api/dns/records/{domain} find here:
 * mta-sts.<domain> gets the MTA-STS policy (RFC 8461 §3.2),
 * autoconfig.<domain> Thunderbird's clientConfig 1.1, autodiscover.<domain>
 * Outlook's POX Autodiscover answer. None asks for credentials: clients
 * ask before they have an account set up. The servers they describe are
 * this server's own listeners, read once from the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "admin/admin.h"
#include "core/config.h"
#include "core/error.h"
#include "core/xalloc.h"
#include "directory/directory_rcpt.h"
#include "http/http_private.h"

/* RFC 5321 §4.5.3.1.3: a path holds at most 254 octets of address. */
#define HTTP_MAIL_ADDRESS_MAX 254
#define HTTP_MAIL_DOMAIN_MAX 253
/* RFC 8461 §3.2: max_age is at most 31557600 seconds. */
#define HTTP_MTA_STS_MAX_AGE_MAX 31557600
#define HTTP_MTA_STS_MAX_AGE_DEFAULT (7 * 24 * 3600)
#define HTTP_MAIL_CONTENT_TYPE "text/xml; charset=utf-8"
#define HTTP_AUTOCONFIG_PREFIX "autoconfig."

#define HTTP_AUTODISCOVER_RESPONSE_NS \
	"http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
#define HTTP_AUTODISCOVER_OUTLOOK_NS \
	"http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
/* no network, no DTD loaded, entities left unexpanded */
#define HTTP_AUTODISCOVER_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | \
	XML_PARSE_NOWARNING | XML_PARSE_NOCDATA)

/* The protocols clients are told about, in the order they are listed. */
static const struct http_mail_kind {
	const char *protocol;		/* server.listener.*.protocol */
	const char *autoconfig;		/* clientConfig server type */
	const char *autodiscover;	/* POX Protocol Type */
	bool outgoing;
} http_mail_kinds[] = {
	{ "imap", "imap", "IMAP", false },
	{ "pop3", "pop3", "POP3", false },
	{ "smtp", "smtp", "SMTP", true },
};
#define HTTP_MAIL_KIND_COUNT (sizeof(http_mail_kinds) / sizeof(http_mail_kinds[0]))

/* One port of one listener; smtp ones are submission listeners only. */
struct http_mail_service {
	const struct http_mail_kind *kind;
	unsigned int port;
	bool tls;	/* implicit TLS; STARTTLS otherwise */
};

struct http_mail {
	char *sts_policy;
	struct http_mail_service *services;
	size_t count;
};

/* ---- settings ---- */

static int http_mail_bind_port(const char *bind, unsigned int *port_r)
{
	const char *colon = strrchr(bind, ':');
	unsigned int port = 0;

	if (colon == NULL || colon[1] == '\0')
		return -1;
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return -1;
		port = port * 10 + (unsigned int)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return -1;
	*port_r = port;
	return 0;
}

static void http_mail_service_add(struct http_mail *mail, const struct http_mail_kind *kind,
				  unsigned int port, bool tls)
{
	for (size_t i = 0; i < mail->count; i++) {
		if (mail->services[i].kind == kind && mail->services[i].port == port &&
		    mail->services[i].tls == tls)
			return;
	}
	mail->services = xrealloc(mail->services, (mail->count + 1) * sizeof(*mail->services));
	mail->services[mail->count++] = (struct http_mail_service){ kind, port, tls };
}

static const struct http_mail_kind *http_mail_kind_find(const struct config *cfg,
							const char *name)
{
	char *key = xasprintf("server.listener.%s.protocol", name);
	const char *protocol = config_string(cfg, key, "");
	const struct http_mail_kind *kind = NULL;

	for (size_t i = 0; i < HTTP_MAIL_KIND_COUNT && kind == NULL; i++) {
		if (strcmp(protocol, http_mail_kinds[i].protocol) == 0)
			kind = &http_mail_kinds[i];
	}
	free(key);
	if (kind == NULL || !kind->outgoing)
		return kind;
	/* mail from other servers is no client's business */
	key = xasprintf("server.listener.%s.submission", name);
	if (!config_bool(cfg, key, false))
		kind = NULL;
	free(key);
	return kind;
}

static int http_mail_listener_read(struct http_mail *mail, const struct config *cfg,
				   const char *name, const char **error_r)
{
	const struct http_mail_kind *kind = http_mail_kind_find(cfg, name);
	char *key;
	bool tls;
	size_t count;
	int ret = 0;

	if (kind == NULL)
		return 0;
	key = xasprintf("server.listener.%s.tls.implicit", name);
	tls = config_bool(cfg, key, false);
	free(key);
	key = xasprintf("server.listener.%s.bind", name);
	count = config_list_count(cfg, key);
	for (size_t i = 0; i < count && ret == 0; i++) {
		const char *bind = config_list_string(cfg, key, i);
		unsigned int port;

		if ((ret = http_mail_bind_port(bind, &port)) < 0)
			*error_r = err_fmt("listener %s: bad bind address \"%s\"", name, bind);
		else
			http_mail_service_add(mail, kind, port, tls);
	}
	free(key);
	return ret;
}

static char *http_mta_sts_policy(const struct config *cfg, const char *hostname)
{
	const char *mode = config_string(cfg, "smtp.mta-sts.mode", "testing");
	int64_t max_age = config_duration(cfg, "smtp.mta-sts.max-age",
					  HTTP_MTA_STS_MAX_AGE_DEFAULT);

	if (max_age < 0)
		max_age = HTTP_MTA_STS_MAX_AGE_DEFAULT;
	if (max_age > HTTP_MTA_STS_MAX_AGE_MAX)
		max_age = HTTP_MTA_STS_MAX_AGE_MAX;
	return xasprintf("version: STSv1\r\nmode: %s\r\nmx: %s\r\nmax_age: %lld\r\n",
			 mode, hostname, (long long)max_age);
}

int http_wellknown_mail_start(struct http_server *srv, const struct config *cfg,
			      const char **error_r)
{
	struct http_mail *mail = xcalloc(1, sizeof(*mail));
	size_t n = config_group_count(cfg, "server.listener");

	srv->mail = mail;
	for (size_t i = 0; i < n; i++) {
		if (http_mail_listener_read(mail, cfg, config_group_name(cfg, "server.listener", i),
					    error_r) < 0)
			return -1;
	}
	mail->sts_policy = http_mta_sts_policy(cfg, srv->hostname);
	admin_api_set_mta_sts_policy(srv->admin, mail->sts_policy);
	return 0;
}

void http_wellknown_mail_free(struct http_server *srv)
{
	if (srv->mail == NULL)
		return;
	free(srv->mail->sts_policy);
	free(srv->mail->services);
	free(srv->mail);
	srv->mail = NULL;
}

/* ---- MTA-STS ---- */

void http_wellknown_mta_sts_finish(struct http_request *req)
{
	const char *policy = req->daemon->srv->mail->sts_policy;
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(policy),
		(void *)policy, MHD_RESPMEM_MUST_COPY);

	/* RFC 8461 §3.2: senders check for text/plain */
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain");
	http_respond(req, MHD_HTTP_OK, resp);
}

/* ---- the domain asked about ---- */

/* A copy of s (len bytes) lowercased, or NULL when it is empty, too long
 * or holds a byte no domain name has. */
static char *http_mail_domain_copy(const char *s, size_t len)
{
	char *domain;

	if (len == 0 || len > HTTP_MAIL_DOMAIN_MAX)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f || strchr("@/\\[]:", s[i]) != NULL)
			return NULL;
	}
	domain = xstrndup(s, len);
	for (char *c = domain; *c != '\0'; c++) {
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	}
	return domain;
}

/* The lowercased domain of "local@domain"; NULL when malformed. */
static char *http_mail_address_domain(const char *address)
{
	size_t len = strlen(address);
	const char *at = strrchr(address, '@');

	if (len > HTTP_MAIL_ADDRESS_MAX || at == NULL || at == address)
		return NULL;
	for (const char *p = address; p < at; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return NULL;
	}
	return http_mail_domain_copy(at + 1, strlen(at + 1));
}

/* Answers 404 (or 500) unless domain is a local domain. */
static int http_mail_domain_check(struct http_request *req, const char *domain)
{
	int ret = directory_domain_is_local(req->daemon->srv->dir, domain);

	if (ret > 0)
		return 0;
	if (ret < 0)
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the directory");
	else
		http_respond_error(req, MHD_HTTP_NOT_FOUND, "no such mail domain here");
	return -1;
}

/* Takes doc. */
static void http_mail_respond_xml(struct http_request *req, xmlDoc *doc)
{
	xmlChar *text = NULL;
	int len = 0;
	struct MHD_Response *resp;

	xmlDocDumpFormatMemoryEnc(doc, &text, &len, "UTF-8", 1);
	xmlFreeDoc(doc);
	if (text == NULL || len <= 0) {
		xmlFree(text);
		http_respond_error(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write the answer");
		return;
	}
	resp = MHD_create_response_from_buffer((size_t)len, text, MHD_RESPMEM_MUST_COPY);
	xmlFree(text);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, HTTP_MAIL_CONTENT_TYPE);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
	http_respond(req, MHD_HTTP_OK, resp);
}

static void http_xml_text(xmlNode *parent, const char *name, const char *text)
{
	xmlNewTextChild(parent, NULL, BAD_CAST name, BAD_CAST text);
}

static void http_xml_port(xmlNode *parent, const char *name, unsigned int port)
{
	char text[8];

	snprintf(text, sizeof(text), "%u", port);
	http_xml_text(parent, name, text);
}

/* ---- Thunderbird autoconfig ---- */

/* The domain of ?emailaddress=, or else of the Host the client used
 * (autoconfig.<domain> or <domain> itself). 0 with *domain_r, or -1
 * after answering 400. */
static int http_autoconfig_domain(struct http_request *req, char **domain_r)
{
	json_object *query = http_query_parse(req->query), *v;
	const char *host = http_request_header(req, MHD_HTTP_HEADER_HOST);

	*domain_r = NULL;
	if (query == NULL) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "malformed query string");
		return -1;
	}
	if (json_object_object_get_ex(query, "emailaddress", &v)) {
		*domain_r = http_mail_address_domain(json_object_get_string(v));
	} else if (host != NULL) {
		if (strncasecmp(host, HTTP_AUTOCONFIG_PREFIX, strlen(HTTP_AUTOCONFIG_PREFIX)) == 0)
			host += strlen(HTTP_AUTOCONFIG_PREFIX);
		*domain_r = http_mail_domain_copy(host, strcspn(host, ":"));
	}
	json_object_put(query);
	if (*domain_r == NULL) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "expected ?emailaddress=user@domain");
		return -1;
	}
	return 0;
}

static void http_autoconfig_server(xmlNode *provider, const struct http_mail_service *s,
				   const char *hostname)
{
	xmlNode *node = xmlNewChild(provider, NULL, BAD_CAST(s->kind->outgoing ?
		"outgoingServer" : "incomingServer"), NULL);

	xmlNewProp(node, BAD_CAST "type", BAD_CAST s->kind->autoconfig);
	http_xml_text(node, "hostname", hostname);
	http_xml_port(node, "port", s->port);
	http_xml_text(node, "socketType", s->tls ? "SSL" : "STARTTLS");
	http_xml_text(node, "authentication", "password-cleartext");
	/* a literal placeholder: the client puts the address in */
	http_xml_text(node, "username", "%EMAILADDRESS%");
}

/* Every listener, each protocol's implicit TLS ones first (RFC 8314
 * §3): clients take the first server that works. */
static xmlDoc *http_autoconfig_build(const struct http_mail *mail, const char *hostname,
				     const char *domain)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "clientConfig");
	xmlNode *provider;

	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "version", BAD_CAST "1.1");
	provider = xmlNewChild(root, NULL, BAD_CAST "emailProvider", NULL);
	xmlNewProp(provider, BAD_CAST "id", BAD_CAST domain);
	http_xml_text(provider, "domain", domain);
	http_xml_text(provider, "displayName", domain);
	http_xml_text(provider, "displayShortName", domain);
	for (size_t k = 0; k < HTTP_MAIL_KIND_COUNT; k++) {
		for (int tls = 1; tls >= 0; tls--) {
			for (size_t i = 0; i < mail->count; i++) {
				const struct http_mail_service *s = &mail->services[i];

				if (s->kind == &http_mail_kinds[k] && s->tls == (tls == 1))
					http_autoconfig_server(provider, s, hostname);
			}
		}
	}
	return doc;
}

void http_autoconfig_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	char *domain;

	if (http_autoconfig_domain(req, &domain) < 0)
		return;
	if (http_mail_domain_check(req, domain) == 0)
		http_mail_respond_xml(req, http_autoconfig_build(srv->mail, srv->hostname, domain));
	free(domain);
}

/* ---- Outlook autodiscover ---- */

static xmlNode *http_xml_child(const xmlNode *parent, const char *name)
{
	for (xmlNode *c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next) {
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			return c;
	}
	return NULL;
}

static xmlDoc *http_autodiscover_read(const char *body, size_t len)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;

	/* entities are declared in a document type: a request needs none */
	if (memmem(body, len, "<!DOCTYPE", 9) != NULL || memmem(body, len, "<!ENTITY", 8) != NULL)
		return NULL;
	if ((ctxt = xmlNewParserCtxt()) == NULL)
		return NULL;
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "autodiscover.xml", NULL,
				HTTP_AUTODISCOVER_XML_OPTIONS);
	if (doc != NULL && (!ctxt->wellFormed || doc->intSubset != NULL)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	return doc;
}

/* The EMailAddress of <Autodiscover><Request>, trimmed, caller frees;
 * NULL with *error_r when the body is not such a request. Elements are
 * matched by local name: clients differ in the namespaces they use. */
static char *http_autodiscover_address(const char *body, size_t len, const char **error_r)
{
	xmlDoc *doc = body != NULL && len > 0 ? http_autodiscover_read(body, len) : NULL;
	xmlNode *root = doc != NULL ? xmlDocGetRootElement(doc) : NULL;
	xmlNode *email = http_xml_child(http_xml_child(root, "Request"), "EMailAddress");
	xmlChar *text = email != NULL ? xmlNodeGetContent(email) : NULL;
	char *address = NULL;

	if (root == NULL || strcmp((const char *)root->name, "Autodiscover") != 0) {
		*error_r = "the body is not an Autodiscover request in well-formed XML";
	} else if (text == NULL) {
		*error_r = "the request has no EMailAddress";
	} else {
		const char *s = (const char *)text;
		size_t n;

		s += strspn(s, " \t\r\n");
		n = strlen(s);
		while (n > 0 && strchr(" \t\r\n", s[n - 1]) != NULL)
			n--;
		address = xstrndup(s, n);
	}
	xmlFree(text);
	xmlFreeDoc(doc);
	return address;
}

/* The first listener of the kind, implicit TLS preferred: Outlook reads
 * one Protocol per type. */
static const struct http_mail_service *http_autodiscover_pick(const struct http_mail *mail,
							      const struct http_mail_kind *kind)
{
	const struct http_mail_service *found = NULL;

	for (size_t i = 0; i < mail->count; i++) {
		const struct http_mail_service *s = &mail->services[i];

		if (s->kind == kind && (found == NULL || (s->tls && !found->tls)))
			found = s;
	}
	return found;
}

static void http_autodiscover_protocol(xmlNode *account, const struct http_mail_service *s,
				       const char *hostname, const char *address)
{
	xmlNode *node = xmlNewChild(account, NULL, BAD_CAST "Protocol", NULL);

	http_xml_text(node, "Type", s->kind->autodiscover);
	http_xml_text(node, "Server", hostname);
	http_xml_port(node, "Port", s->port);
	http_xml_text(node, "DomainRequired", "off");
	http_xml_text(node, "LoginName", address);
	http_xml_text(node, "SPA", "off");
	http_xml_text(node, "SSL", "on");
	/* Outlook 2010 and later: overrides SSL, TLS meaning STARTTLS */
	http_xml_text(node, "Encryption", s->tls ? "SSL" : "TLS");
	http_xml_text(node, "AuthRequired", "on");
}

static xmlDoc *http_autodiscover_build(const struct http_mail *mail, const char *hostname,
				       const char *address)
{
	xmlDoc *doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNode *root = xmlNewNode(NULL, BAD_CAST "Autodiscover");
	xmlNode *resp, *account;

	xmlDocSetRootElement(doc, root);
	xmlSetNs(root, xmlNewNs(root, BAD_CAST HTTP_AUTODISCOVER_RESPONSE_NS, NULL));
	resp = xmlNewChild(root, NULL, BAD_CAST "Response", NULL);
	xmlSetNs(resp, xmlNewNs(resp, BAD_CAST HTTP_AUTODISCOVER_OUTLOOK_NS, NULL));
	account = xmlNewChild(resp, NULL, BAD_CAST "Account", NULL);
	http_xml_text(account, "AccountType", "email");
	http_xml_text(account, "Action", "settings");
	for (size_t k = 0; k < HTTP_MAIL_KIND_COUNT; k++) {
		const struct http_mail_service *s =
			http_autodiscover_pick(mail, &http_mail_kinds[k]);

		if (s != NULL)
			http_autodiscover_protocol(account, s, hostname, address);
	}
	return doc;
}

void http_autodiscover_finish(struct http_request *req)
{
	struct http_server *srv = req->daemon->srv;
	const char *error = NULL;
	char *address, *domain;

	if (req->body_overflow) {
		http_respond_error(req, MHD_HTTP_CONTENT_TOO_LARGE,
				   "the request body is larger than the server accepts");
		return;
	}
	address = http_autodiscover_address(req->body.s, req->body.len, &error);
	if (address == NULL) {
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, error);
		return;
	}
	if ((domain = http_mail_address_domain(address)) == NULL)
		http_respond_error(req, MHD_HTTP_BAD_REQUEST, "EMailAddress is not an address");
	else if (http_mail_domain_check(req, domain) == 0)
		http_mail_respond_xml(req, http_autodiscover_build(srv->mail, srv->hostname,
								   address));
	free(domain);
	free(address);
}
