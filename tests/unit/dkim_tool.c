/* A small command-line front to src/mailauth/dkim.h for the integration
 * tests, which check our signatures with python3-dkim and python3-dkim's
 * with ours:
 *
 *   dkim_tool keygen rsa|ed25519 PEMFILE      writes the key, prints the TXT
 *   dkim_tool sign DOMAIN SELECTOR rsa|ed25519 PEMFILE < msg
 *                                             prints the DKIM-Signature field
 *   dkim_tool verify ZONEFILE [NOW] < msg     prints one verdict a line:
 *                                             result d= s= a= reason */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/config.h"
#include "core/strbuf.h"
#include "core/xalloc.h"
#include "dns/dns.h"
#include "mailauth/dkim.h"

#define DKIM_TOOL_INPUT_MAX (64 * 1024 * 1024)

static int dkim_tool_read(FILE *f, struct strbuf *out)
{
	char buf[65536];
	size_t n;

	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (out->len + n > DKIM_TOOL_INPUT_MAX)
			return -1;
		strbuf_append(out, buf, n);
	}
	return ferror(f) ? -1 : 0;
}

static int dkim_tool_alg(const char *name, enum dkim_algorithm *alg_r)
{
	if (strcmp(name, "rsa") == 0)
		*alg_r = DKIM_RSA_SHA256;
	else if (strcmp(name, "ed25519") == 0)
		*alg_r = DKIM_ED25519_SHA256;
	else
		return -1;
	return 0;
}

static int dkim_tool_keygen(char **argv)
{
	enum dkim_algorithm alg;
	const char *error = NULL;
	char *pem, *txt;
	FILE *f;

	if (dkim_tool_alg(argv[2], &alg) < 0 ||
	    dkim_key_generate(alg, &pem, &txt, &error) < 0 || (f = fopen(argv[3], "w")) == NULL)
		return 1;
	fputs(pem, f);
	fclose(f);
	printf("%s\n", txt);
	free(pem);
	free(txt);
	return 0;
}

static int dkim_tool_sign(char **argv)
{
	struct strbuf pem = { 0 }, msg = { 0 };
	enum dkim_algorithm alg;
	const char *error = "bad arguments";
	char *sig = NULL;
	FILE *f = fopen(argv[5], "r");

	if (f != NULL && dkim_tool_read(f, &pem) == 0 && dkim_tool_read(stdin, &msg) == 0 &&
	    dkim_tool_alg(argv[4], &alg) == 0)
		sig = dkim_sign(argv[2], argv[3], alg, pem.s, msg.s, msg.len, time(NULL), &error);
	if (f != NULL)
		fclose(f);
	strbuf_free(&pem);
	strbuf_free(&msg);
	if (sig == NULL) {
		fprintf(stderr, "dkim_tool: %s\n", error);
		return 1;
	}
	fputs(sig, stdout);
	free(sig);
	return 0;
}

static const char *dkim_tool_or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

static int dkim_tool_verify(int argc, char **argv)
{
	struct strbuf msg = { 0 };
	struct config *cfg;
	struct dns *dns = NULL;
	struct dkim_verdict *v = NULL;
	size_t count = 0;
	const char *error = NULL;
	char *conf = xasprintf("resolver = { zone-file = \"%s\"; };\n", argv[2]);
	time_t now = argc > 3 ? (time_t)strtoll(argv[3], NULL, 10) : time(NULL);

	cfg = config_load_string(conf, "dkim_tool", &error);
	free(conf);
	if (cfg == NULL || dns_open(cfg, &dns, &error) < 0 || dkim_tool_read(stdin, &msg) < 0) {
		fprintf(stderr, "dkim_tool: %s\n", error != NULL ? error : "cannot read");
		config_free(&cfg);
		return 1;
	}
	dkim_verify(dns, msg.s, msg.len, now, &v, &count);
	for (size_t i = 0; i < count; i++)
		printf("%s %s %s %s %s\n", dkim_result_name(v[i].result),
		       dkim_tool_or_dash(v[i].domain), dkim_tool_or_dash(v[i].selector),
		       dkim_tool_or_dash(v[i].algorithm), dkim_tool_or_dash(v[i].reason));
	dkim_verdicts_free(&v, count);
	strbuf_free(&msg);
	dns_close(&dns);
	config_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "keygen") == 0)
		return dkim_tool_keygen(argv);
	if (argc == 6 && strcmp(argv[1], "sign") == 0)
		return dkim_tool_sign(argv);
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "verify") == 0)
		return dkim_tool_verify(argc, argv);
	fprintf(stderr, "usage: dkim_tool keygen|sign|verify ...\n");
	return 2;
}
