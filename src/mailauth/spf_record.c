/* The SPF record syntax of RFC 7208 §4.6.1, §5 and §6: a record is
 * checked whole before any term is evaluated. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/xalloc.h"
#include "mailauth/spf_private.h"

static const struct {
	const char *name;
	enum spf_mechanism mechanism;
} spf_mechanisms[] = {
	{ "all", SPF_MECH_ALL }, { "include", SPF_MECH_INCLUDE }, { "a", SPF_MECH_A },
	{ "mx", SPF_MECH_MX }, { "ptr", SPF_MECH_PTR }, { "ip4", SPF_MECH_IP4 },
	{ "ip6", SPF_MECH_IP6 }, { "exists", SPF_MECH_EXISTS },
};

bool spf_record_is_spf(const char *text)
{
	return strncasecmp(text, "v=spf1", 6) == 0 && (text[6] == '\0' || text[6] == ' ');
}

/* A CIDR length as ip4-cidr-length / ip6-cidr-length write it: no
 * leading zero, at most max. */
static int spf_cidr_parse(const char *s, size_t len, unsigned max, unsigned *value_r)
{
	unsigned v = 0;

	if (len == 0 || len > 3 || (len > 1 && s[0] == '0'))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*value_r = v;
	return 0;
}

/* The "/digits" that ends arg, or NULL. */
static char *spf_cidr_suffix(char *arg)
{
	char *slash = strrchr(arg, '/');

	if (slash == NULL || slash[1] == '\0' || strspn(slash + 1, "0123456789") != strlen(slash + 1))
		return NULL;
	return slash;
}

/* Cuts a trailing "/n" or "//n" or "/n//n" off arg (in place). */
static int spf_dual_cidr(char *arg, struct spf_term *term)
{
	char *slash;

	term->cidr4 = 32;
	term->cidr6 = 128;
	if ((slash = spf_cidr_suffix(arg)) != NULL && slash > arg && slash[-1] == '/') {
		if (spf_cidr_parse(slash + 1, strlen(slash + 1), 128, &term->cidr6) < 0)
			return -1;
		slash[-1] = '\0';
	}
	if ((slash = spf_cidr_suffix(arg)) != NULL) {
		if (spf_cidr_parse(slash + 1, strlen(slash + 1), 32, &term->cidr4) < 0)
			return -1;
		*slash = '\0';
	}
	return 0;
}

/* ip4:network[/n] or ip6:network[/n]; arg is after the colon. */
static int spf_ip_network(char *arg, bool v6, struct spf_term *term)
{
	char *slash = strchr(arg, '/');
	unsigned max = v6 ? 128 : 32;

	term->net.prefix = max;
	if (slash != NULL) {
		if (spf_cidr_parse(slash + 1, strlen(slash + 1), max, &term->net.prefix) < 0)
			return -1;
		*slash = '\0';
	}
	memset(&term->net.addr, 0, sizeof(term->net.addr));
	term->net.addr.family = v6 ? AF_INET6 : AF_INET;
	if (!v6 && strspn(arg, "0123456789.") != strlen(arg))
		return -1;
	return inet_pton(term->net.addr.family, arg, term->net.addr.bytes) == 1 ? 0 : -1;
}

/* The argument of a mechanism; arg is what follows its name. */
static int spf_mechanism_arg(char *arg, struct spf_term *term)
{
	bool takes_spec = term->mechanism != SPF_MECH_ALL && term->mechanism != SPF_MECH_IP4 &&
			  term->mechanism != SPF_MECH_IP6;
	bool needs_arg = term->mechanism == SPF_MECH_INCLUDE || term->mechanism == SPF_MECH_EXISTS ||
			 term->mechanism == SPF_MECH_IP4 || term->mechanism == SPF_MECH_IP6;

	if ((term->mechanism == SPF_MECH_A || term->mechanism == SPF_MECH_MX) &&
	    spf_dual_cidr(arg, term) < 0)
		return -1;
	if (arg[0] == '\0')
		return needs_arg ? -1 : 0;
	if (arg[0] != ':' || term->mechanism == SPF_MECH_ALL)
		return -1;
	arg++;
	if (!takes_spec)
		return spf_ip_network(arg, term->mechanism == SPF_MECH_IP6, term);
	if (!spf_macro_valid(arg, true))
		return -1;
	term->domain_spec = arg;
	return 0;
}

static int spf_directive(char *word, struct spf_term *term)
{
	static const char qualifiers[] = "+-~?";
	static const enum spf_result results[] = { SPF_PASS, SPF_FAIL, SPF_SOFTFAIL, SPF_NEUTRAL };
	const char *q = strchr(qualifiers, word[0]);
	size_t len;

	memset(term, 0, sizeof(*term));
	term->qualifier = SPF_PASS;
	if (word[0] != '\0' && q != NULL) {
		term->qualifier = results[q - qualifiers];
		word++;
	}
	len = strcspn(word, ":/");
	for (size_t i = 0; i < sizeof(spf_mechanisms) / sizeof(spf_mechanisms[0]); i++) {
		if (strlen(spf_mechanisms[i].name) == len &&
		    strncasecmp(word, spf_mechanisms[i].name, len) == 0) {
			term->mechanism = spf_mechanisms[i].mechanism;
			return spf_mechanism_arg(word + len, term);
		}
	}
	return -1;
}

/* name "=" macro-string; redirect= and exp= at most once each. */
static int spf_modifier(char *word, char *eq, struct spf_record *rec, bool *exp_seen)
{
	const char *value = eq + 1;
	size_t len = (size_t)(eq - word);

	if (!isalpha((unsigned char)word[0]))
		return -1;
	for (size_t i = 1; i < len; i++) {
		if (!isalnum((unsigned char)word[i]) && strchr("-_.", word[i]) == NULL)
			return -1;
	}
	if (len == 8 && strncasecmp(word, "redirect", 8) == 0) {
		if (rec->redirect != NULL || !spf_macro_valid(value, true))
			return -1;
		rec->redirect = value;
		return 0;
	}
	if (len == 3 && strncasecmp(word, "exp", 3) == 0) {
		if (*exp_seen || !spf_macro_valid(value, true))
			return -1;
		*exp_seen = true;
		return 0;
	}
	return spf_macro_valid(value, false) ? 0 : -1;
}

static int spf_term_parse(char *word, struct spf_record *rec, bool *exp_seen)
{
	char *eq = strchr(word, '=');
	size_t sep = strcspn(word, ":/");

	if (eq != NULL && (size_t)(eq - word) < sep)
		return spf_modifier(word, eq, rec, exp_seen);
	if (rec->count == SPF_TERMS_MAX)
		return -1;
	if (spf_directive(word, &rec->terms[rec->count]) < 0)
		return -1;
	rec->count++;
	return 0;
}

int spf_record_parse(const char *text, struct spf_record *rec_r)
{
	bool exp_seen = false;
	char *p, *word;

	memset(rec_r, 0, sizeof(*rec_r));
	if (!spf_record_is_spf(text) || strlen(text) > SPF_RECORD_MAX)
		return -1;
	rec_r->text = xstrdup(text + 6);
	rec_r->terms = xcalloc(SPF_TERMS_MAX, sizeof(*rec_r->terms));
	for (p = rec_r->text; *p != '\0'; p++) {
		if (*p == ' ')
			continue;
		word = p;
		p += strcspn(p, " ");
		if (*p == '\0')
			p--;
		else
			*p = '\0';
		if (spf_term_parse(word, rec_r, &exp_seen) < 0) {
			spf_record_free(rec_r);
			return -1;
		}
	}
	return 0;
}

void spf_record_free(struct spf_record *rec)
{
	free(rec->text);
	free(rec->terms);
	memset(rec, 0, sizeof(*rec));
}
