/* ternd: arguments, configuration, start, signals, stop. */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "admin/admin.h"
#include "core/config.h"
#include "core/log.h"
#include "core/tls_cert.h"
#include "core/xalloc.h"
#include "directory/directory.h"
#include "gateways/imap/imap.h"
#include "gateways/net.h"
#include "gateways/pop3/pop3.h"
#include "gateways/smtp/smtp.h"
#include "http/http.h"
#include "jmap/jmap.h"
#include "store/store.h"

struct ternd {
	struct config *cfg;
	struct store *store;
	struct directory *dir;
	struct jmap_server *jmap;
	struct admin_api *admin;
	struct http_server *http;
	struct net_protocol *imap;
	struct net_protocol *pop3;
	struct smtp_gateway *smtp;
	struct net *net;
	struct ternd_cleanup *cleanup;
	char *cert_path;
	char *key_path;
};

/* A thread that runs jmap_maintenance_run() every storage.cleanup-interval
 * until told to stop. */
struct ternd_cleanup {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
	int64_t interval;
	struct jmap_server *jmap;
};

static void *ternd_cleanup_main(void *context)
{
	struct ternd_cleanup *c = context;
	struct timespec until;

	pthread_mutex_lock(&c->lock);
	while (!c->stopping) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += c->interval;
		if (pthread_cond_timedwait(&c->wake, &c->lock, &until) == ETIMEDOUT &&
		    !c->stopping) {
			pthread_mutex_unlock(&c->lock);
			jmap_maintenance_run(c->jmap, time(NULL));
			pthread_mutex_lock(&c->lock);
		}
	}
	pthread_mutex_unlock(&c->lock);
	return NULL;
}

static struct ternd_cleanup *ternd_cleanup_start(struct jmap_server *jmap, int64_t interval)
{
	struct ternd_cleanup *c = xcalloc(1, sizeof(*c));

	pthread_mutex_init(&c->lock, NULL);
	pthread_cond_init(&c->wake, NULL);
	c->interval = interval > 0 ? interval : 3600;
	c->jmap = jmap;
	if (pthread_create(&c->thread, NULL, ternd_cleanup_main, c) != 0) {
		log_error("cleanup.start", "error=%s", log_q(strerror(errno)));
		abort();
	}
	return c;
}

static void ternd_cleanup_stop(struct ternd_cleanup **cp)
{
	struct ternd_cleanup *c = *cp;

	if (c == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	c->stopping = true;
	pthread_cond_signal(&c->wake);
	pthread_mutex_unlock(&c->lock);
	pthread_join(c->thread, NULL);
	pthread_cond_destroy(&c->wake);
	pthread_mutex_destroy(&c->lock);
	free(c);
	*cp = NULL;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: ternd [--config FILE] [--check]\n"
		"  --config FILE  read FILE instead of the embedded default\n"
		"  --check        load and check the configuration, then exit\n");
}

static struct config *ternd_config_load(const char *path)
{
	const char *error;
	struct config *cfg = path != NULL ?
		config_load_file(path, &error) :
		config_load_string(config_default_text, "(embedded default)", &error);

	if (cfg == NULL)
		fprintf(stderr, "ternd: %s\n", error);
	return cfg;
}

static int ternd_log_open(const struct config *cfg)
{
	enum log_level level;
	const char *error;
	const char *name = config_string(cfg, "log.level", "info");

	if (log_level_parse(name, &level) < 0) {
		fprintf(stderr, "ternd: log.level: unknown level \"%s\"\n", name);
		return -1;
	}
	if (log_open(config_string(cfg, "log.file", NULL), level, &error) < 0) {
		fprintf(stderr, "ternd: %s\n", error);
		return -1;
	}
	return 0;
}

static bool ternd_wants_tls(const struct config *cfg)
{
	size_t n = config_group_count(cfg, "server.listener");

	for (size_t i = 0; i < n; i++) {
		const char *name = config_group_name(cfg, "server.listener", i);
		char *key = xasprintf("server.listener.%s.tls.implicit", name);
		char *proto_key = xasprintf("server.listener.%s.protocol", name);
		/* gateways offer STARTTLS, so they need a certificate too */
		bool tls = config_bool(cfg, key, false) ||
			strcmp(config_string(cfg, proto_key, "http"), "http") != 0;

		free(key);
		free(proto_key);
		if (tls)
			return true;
	}
	return false;
}

/* The configured certificate, or a self-signed one kept in the data
 * directory and made on first start. */
static int ternd_tls_prepare(struct ternd *t, const char *data_path)
{
	const char *cert = config_string(t->cfg, "server.tls.certificate", NULL);
	const char *key = config_string(t->cfg, "server.tls.private-key", NULL);
	const char *error;
	int generated = 0;

	if (cert != NULL || key != NULL) {
		if (cert == NULL || key == NULL) {
			log_error("tls.config", "error=%s",
				  log_q("server.tls needs both certificate and private-key"));
			return -1;
		}
		t->cert_path = xstrdup(cert);
		t->key_path = xstrdup(key);
		return 0;
	}
	if (!ternd_wants_tls(t->cfg))
		return 0;
	t->cert_path = xasprintf("%s/tls-cert.pem", data_path);
	t->key_path = xasprintf("%s/tls-key.pem", data_path);
	if (tls_cert_ensure_self_signed(t->cert_path, t->key_path,
					config_string(t->cfg, "server.hostname", "localhost"),
					&generated, &error) < 0) {
		log_error("tls.selfsigned", "error=%s", log_q(error));
		return -1;
	}
	if (generated)
		log_info("tls.selfsigned", "certificate=%s", log_q(t->cert_path));
	return 0;
}

static int ternd_gateways_start(struct ternd *t)
{
	const struct net_protocol *protocols[4];
	const char *error;

	t->imap = imap_protocol_new(t->jmap, t->dir, t->cfg);
	t->pop3 = pop3_protocol_new(t->jmap, t->dir, t->cfg);
	if (smtp_gateway_new(t->jmap, t->dir, t->cfg, &t->smtp, &error) < 0) {
		log_error("smtp.start", "error=%s", log_q(error));
		return -1;
	}
	protocols[0] = t->imap;
	protocols[1] = t->pop3;
	protocols[2] = smtp_gateway_protocol(t->smtp);
	protocols[3] = NULL;
	if (net_start(t->cfg, t->cert_path, t->key_path, protocols, &t->net, &error) < 0) {
		log_error("gateway.start", "error=%s", log_q(error));
		return -1;
	}
	return 0;
}

static int ternd_start(struct ternd *t)
{
	const char *data_path = config_string(t->cfg, "storage.path", "./var");
	const char *error;
	char *password = NULL;

	if (mkdir(data_path, 0700) < 0 && errno != EEXIST) {
		log_error("storage.open", "path=%s error=%s", log_q(data_path),
			  log_q(strerror(errno)));
		return -1;
	}
	if (store_open(data_path, &t->store, &error) < 0) {
		log_error("storage.open", "path=%s error=%s", log_q(data_path), log_q(error));
		return -1;
	}
	if (ternd_tls_prepare(t, data_path) < 0)
		return -1;
	if (directory_open(t->store, t->cfg, &t->dir, &password, &error) < 0) {
		log_error("directory.open", "error=%s", log_q(error));
		return -1;
	}
	if (password != NULL) {
		/* Printed once, never logged: only its hash is kept. */
		printf("ternd: generated administrator account: user \"admin\" password \"%s\"\n",
		       password);
		fflush(stdout);
		free(password);
	}
	t->jmap = jmap_server_new(t->store, t->dir, t->cfg);
	t->admin = admin_api_new(t->dir, t->jmap);
	t->cleanup = ternd_cleanup_start(t->jmap,
					 config_duration(t->cfg, "storage.cleanup-interval", 3600));
	if (http_server_start(t->cfg, t->cert_path, t->key_path, t->dir, t->jmap, t->admin,
			      &t->http, &error) < 0) {
		log_error("http.start", "error=%s", log_q(error));
		return -1;
	}
	return ternd_gateways_start(t);
}

static void ternd_stop(struct ternd *t)
{
	net_stop(&t->net);
	imap_protocol_free(&t->imap);
	pop3_protocol_free(&t->pop3);
	smtp_gateway_free(&t->smtp);
	http_server_stop(&t->http);
	ternd_cleanup_stop(&t->cleanup);
	admin_api_free(&t->admin);
	jmap_server_free(&t->jmap);
	directory_close(&t->dir);
	store_close(&t->store);
	free(t->cert_path);
	free(t->key_path);
	config_free(&t->cfg);
}

/* Every thread inherits this mask, so only sigwait() sees the signals. */
static void ternd_signals_block(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static void ternd_wait(const sigset_t *set)
{
	for (;;) {
		int sig;

		if (sigwait(set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			log_reopen();
			log_info("log.reopen", "signal=HUP");
			continue;
		}
		log_info("server.stop", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
		return;
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ternd t = { 0 };
	const char *config_path = NULL;
	bool check_only = false;
	sigset_t set;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': config_path = optarg; break;
		case 'k': check_only = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if ((t.cfg = ternd_config_load(config_path)) == NULL)
		return 1;
	if (check_only) {
		config_free(&t.cfg);
		return 0;
	}
	if (ternd_log_open(t.cfg) < 0)
		return 1;
	ternd_signals_block(&set);
	if (ternd_start(&t) < 0) {
		ternd_stop(&t);
		log_close();
		return 1;
	}
	log_info("server.ready", "hostname=%s",
		 log_q(config_string(t.cfg, "server.hostname", "localhost")));
	ternd_wait(&set);
	ternd_stop(&t);
	log_info("server.stopped", "status=clean");
	log_close();
	return 0;
}
