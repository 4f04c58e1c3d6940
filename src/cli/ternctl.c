/* ternctl: the admin CLI, a client of the REST admin API (/api). It
 * parses the command line, makes one request per step through
 * ternctl_http.c and prints the answer. Exit status: 0 success, 1 the
 * server refused or could not be reached, 2 a usage error. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli/ternctl.h"
#include "core/config.h"
#include "core/xalloc.h"

#define TERNCTL_DEFAULT_URL "http://127.0.0.1:8080"
#define TERNCTL_DEFAULT_USER "admin"
#define TERNCTL_SECRET_MAX 1024

static void ternctl_usage(FILE *out)
{
	fprintf(out,
"usage: ternctl [CONNECTION OPTIONS] COMMAND [ARGUMENTS] [OPTIONS]\n"
"\n"
"Administers a Tern server through its REST admin API.\n"
"\n"
"Connection options (before the command):\n"
"  --url URL          server base URL (default $TERN_URL, else %s)\n"
"  --user NAME        administrator name (default $TERN_USER, else %s)\n"
"  --password SECRET  administrator password (default $TERN_PASSWORD; asked\n"
"                     for on a terminal when neither is set)\n"
"  --cacert FILE      https: trust the PEM certificate(s) in FILE, for instance\n"
"                     the server's self-signed var/tls-cert.pem\n"
"  -k, --insecure     https: do not verify the server's certificate\n"
"  --json             print the API's data as JSON rather than as text\n"
"  -h, --help         show this help\n"
"\n"
"Commands:\n"
"  domain add DOMAIN [--description TEXT]\n"
"  domain list\n"
"  domain delete DOMAIN          refused while addresses use the domain\n"
"  domain dns DOMAIN             the DNS records to publish, as zone-file lines\n"
"  account add ADDRESS --password SECRET [--name NAME] [--quota SIZE]\n"
"              [--description TEXT] [--admin]\n"
"                                the account is named after the local part of\n"
"                                ADDRESS unless --name is given; its domain\n"
"                                must exist. SIZE is bytes or 512K, 50M, 1G;\n"
"                                0 means no quota. --admin gives the admin role.\n"
"  account list\n"
"  account show NAME\n"
"  account passwd NAME --password SECRET\n"
"  account alias add NAME ADDRESS\n"
"  account alias remove NAME ADDRESS\n"
"  account delete NAME           deletes the account and all its data\n"
"\n"
"A command's --password is the account's new password; when it is left\n"
"out it is read from the terminal (or one line of standard input).\n"
"--json may also follow the command.\n"
"\n"
"Exit status: 0 done, 1 the server refused or could not be reached,\n"
"2 a usage error.\n",
		TERNCTL_DEFAULT_URL, TERNCTL_DEFAULT_USER);
}

int ternctl_usage_error(const char *what)
{
	fprintf(stderr, "ternctl: %s\nTry 'ternctl --help'.\n", what);
	return TERNCTL_EXIT_USAGE;
}

/* Reads a secret from the terminal without echo, or a line of stdin. */
char *ternctl_read_secret(const char *prompt)
{
	char buf[TERNCTL_SECRET_MAX];
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char *ret = NULL;

	if (tty) {
		fprintf(stderr, "%s", prompt);
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (fgets(buf, sizeof(buf), stdin) != NULL) {
		buf[strcspn(buf, "\r\n")] = '\0';
		if (buf[0] != '\0')
			ret = xstrdup(buf);
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* Matches the longest command whose words start argv; *used_r says how
 * many words it took. */
static const struct ternctl_command *ternctl_command_find(int argc, char **argv, int *used_r)
{
	const struct ternctl_command *best = NULL;
	int best_used = 0;

	for (size_t i = 0; i < ternctl_command_count; i++) {
		const char *w = ternctl_commands[i].words;
		int used = 0;

		while (*w != '\0') {
			size_t len = strcspn(w, " ");

			if (used >= argc || strlen(argv[used]) != len ||
			    strncmp(argv[used], w, len) != 0)
				break;
			used++;
			w += len;
			w += strspn(w, " ");
		}
		if (*w == '\0' && used > best_used) {
			best = &ternctl_commands[i];
			best_used = used;
		}
	}
	*used_r = best_used;
	return best;
}

static int ternctl_command_option(struct ternctl *t, const struct ternctl_command *cmd,
				  int opt, const char *arg)
{
	static const struct { int opt; unsigned int bit; } bits[] = {
		{ 'p', OPT_PASSWORD }, { 'n', OPT_NAME }, { 'q', OPT_QUOTA },
		{ 'd', OPT_DESCRIPTION }, { 'a', OPT_ADMIN },
	};

	if (opt == 'j') {
		t->json = true;
		return 0;
	}
	for (size_t i = 0; i < sizeof(bits) / sizeof(bits[0]); i++) {
		if (bits[i].opt == opt && (cmd->opts & bits[i].bit) != 0)
			t->given |= bits[i].bit;
		else if (bits[i].opt == opt)
			return -1;
	}
	switch (opt) {
	case 'p': t->password = arg; break;
	case 'n': t->name = arg; break;
	case 'd': t->description = arg; break;
	case 'q': return config_parse_size(arg, &t->quota);
	}
	return 0;
}

/* Parses the options and arguments after the command words (argv[0] is
 * the last word). Returns 0 with the arguments in args, or an exit
 * status. */
static int ternctl_command_args(struct ternctl *t, const struct ternctl_command *cmd,
				int argc, char **argv, char **args)
{
	static const struct option options[] = {
		{ "password", required_argument, NULL, 'p' },
		{ "name", required_argument, NULL, 'n' },
		{ "quota", required_argument, NULL, 'q' },
		{ "description", required_argument, NULL, 'd' },
		{ "admin", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, longindex = 0;

	optind = 0;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":", options, &longindex)) != -1) {
		if (opt == '?' || opt == ':') {
			fprintf(stderr, "ternctl %s: %s %s\n", cmd->words,
				opt == ':' ? "missing the value of" : "unknown option",
				argv[optind - 1]);
			return ternctl_usage_error("bad option");
		}
		if (ternctl_command_option(t, cmd, opt, optarg) < 0) {
			fprintf(stderr, "ternctl %s: --%s %s\n", cmd->words,
				options[longindex].name, opt == 'q' && (cmd->opts & OPT_QUOTA) != 0 ?
				"wants a size like 512M or 1G" : "is not valid here");
			return ternctl_usage_error("bad option");
		}
	}
	if (argc - optind != cmd->nargs) {
		fprintf(stderr, "usage: ternctl %s %s\n", cmd->words, cmd->args);
		return ternctl_usage_error("wrong number of arguments");
	}
	for (int i = 0; i < cmd->nargs; i++)
		args[i] = argv[optind + i];
	return 0;
}

/* Connection options before the command. Returns -1 to go on with
 * the command at argv[optind], else an exit status. */
static int ternctl_global_options(struct ternctl *t, int argc, char **argv)
{
	static const struct option options[] = {
		{ "url", required_argument, NULL, 'u' },
		{ "user", required_argument, NULL, 'U' },
		{ "password", required_argument, NULL, 'P' },
		{ "cacert", required_argument, NULL, 'C' },
		{ "insecure", no_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "+hk", options, NULL)) != -1) {
		switch (opt) {
		case 'u': t->server.url = optarg; break;
		case 'U': t->server.user = optarg; break;
		case 'P': t->server.password = optarg; break;
		case 'C': t->server.cacert = optarg; break;
		case 'k': t->server.insecure = true; break;
		case 'j': t->json = true; break;
		case 'h': ternctl_usage(stdout); return 0;
		default: return ternctl_usage_error("bad option");
		}
	}
	return -1;
}

/* $TERN_* and the defaults for what the command line left out. */
static int ternctl_connection_defaults(struct ternctl *t, char **password_r)
{
	const char *env, *error;

	if (t->server.url == NULL)
		t->server.url = (env = getenv("TERN_URL")) != NULL ? env : TERNCTL_DEFAULT_URL;
	if (t->server.user == NULL)
		t->server.user = (env = getenv("TERN_USER")) != NULL ? env : TERNCTL_DEFAULT_USER;
	if (ternctl_http_url_check(t->server.url, &error) < 0)
		return ternctl_usage_error(error);
	if (t->server.password == NULL)
		t->server.password = getenv("TERN_PASSWORD");
	if (t->server.password != NULL)
		return 0;
	if (!isatty(STDIN_FILENO))
		return ternctl_usage_error("no administrator password: use --password or "
					   "$TERN_PASSWORD");
	*password_r = ternctl_read_secret("Administrator password: ");
	if (*password_r == NULL)
		return ternctl_usage_error("no administrator password");
	t->server.password = *password_r;
	return 0;
}

int main(int argc, char **argv)
{
	struct ternctl t = { 0 };
	const struct ternctl_command *cmd;
	char *args[2] = { NULL, NULL }, *password = NULL;
	int ret, used;

	if ((ret = ternctl_global_options(&t, argc, argv)) >= 0)
		return ret;
	if (optind >= argc)
		return ternctl_usage_error("no command given");
	cmd = ternctl_command_find(argc - optind, argv + optind, &used);
	if (cmd == NULL)
		return ternctl_usage_error("unknown command");
	ret = ternctl_command_args(&t, cmd, argc - optind - used + 1,
				   argv + optind + used - 1, args);
	if (ret == 0)
		ret = ternctl_connection_defaults(&t, &password);
	if (ret == 0)
		ret = cmd->run(&t, args);
	if (password != NULL) {
		explicit_bzero(password, strlen(password));
		free(password);
	}
	return ret;
}
