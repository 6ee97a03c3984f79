/* cmd_serve.c - `rempart serve`: run the repository server, and manage
 * its tokens (`rempart serve token add|list|remove`).
 *
 * Signals are handled here, not in the server: SIGTERM/SIGINT are blocked
 * in every thread and taken synchronously with sigwait(), then the server
 * is stopped gracefully (requests in flight finish); a second signal
 * during that wait ends the process at once.  SIGHUP re-reads the tokens.
 */
#include "cli.h"

#include "server/server.h"
#include "util/buf.h"
#include "util/json.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int serve_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "rempart serve: %s\n", msg);
	fprintf(stderr,
		"usage: rempart serve --root DIR --listen ADDR:PORT --tokens FILE [--tls-cert FILE --tls-key FILE]\n"
		"                     [--max-connections N] [--max-body-bytes N[K|M|G]] [--timeout SECONDS]\n"
		"                     [--threads N] [--drain-seconds N]\n"
		"       rempart serve token add TENANT ROLE --tokens FILE   (ROLE: read, append, admin; or '*' metrics)\n"
		"       rempart serve token list --tokens FILE [--json]\n"
		"       rempart serve token remove ID --tokens FILE\n");
	return RP_EXIT_USAGE;
}

static int serve_fail(const rp_err *e)
{
	fprintf(stderr, "rempart serve: %s\n", e->msg);
	return RP_EXIT_FATAL;
}

/* Matches "--name VALUE" or "--name=VALUE" at argv[*i]; 1 when matched
 * (and *val set), -1 when the value is missing, 0 otherwise. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	size_t n = strlen(name);
	if (strncmp(argv[*i], name, n))
		return 0;
	if (argv[*i][n] == '=') {
		*val = argv[*i] + n + 1;
		return 1;
	}
	if (argv[*i][n])
		return 0;
	if (*i + 1 >= argc)
		return -1;
	*val = argv[++*i];
	return 1;
}

/* Parses a positive count with an optional K/M/G/T (binary) suffix. */
static int parse_count(const char *s, uint64_t *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	default: break;
	}
	if (*end || (shift && x > (UINT64_MAX >> shift)))
		return -1;
	*v = (uint64_t)x << shift;
	return 0;
}

static int parse_uint(const char *s, unsigned *v, unsigned max)
{
	uint64_t x;
	if (parse_count(s, &x) || x > max)
		return -1;
	*v = (unsigned)x;
	return 0;
}

/* ---- tokens ---- */

static int token_list(const char *path, int json)
{
	rp_tokens *t;
	rp_err e;
	if (rp_tokens_load(&t, path, &e))
		return serve_fail(&e);
	if (json) {
		rp_buf b = {0};
		rp_jw w;
		rp_jw_init(&w, &b, 1);
		rp_jw_arr_begin(&w);
		for (size_t i = 0; i < rp_tokens_count(t); i++) {
			const rp_token_entry *x = rp_tokens_at(t, i);
			rp_jw_obj_begin(&w);
			rp_jw_key(&w, "id");
			rp_jw_str(&w, x->id);
			rp_jw_key(&w, "tenant");
			rp_jw_str(&w, x->tenant);
			rp_jw_key(&w, "role");
			rp_jw_str(&w, rp_role_name(x->role));
			rp_jw_key(&w, "created");
			rp_jw_int(&w, x->created);
			rp_jw_obj_end(&w);
		}
		rp_jw_arr_end(&w);
		int rc = rp_jw_status(&w);
		if (!rc)
			printf("%.*s\n", (int)b.len, (const char *)b.data);
		rp_buf_free(&b);
		rp_tokens_free(t);
		return rc ? RP_EXIT_FATAL : RP_EXIT_OK;
	}
	printf("%-16s  %-20s  %-7s  %s\n", "ID", "TENANT", "ROLE", "CREATED");
	for (size_t i = 0; i < rp_tokens_count(t); i++) {
		const rp_token_entry *x = rp_tokens_at(t, i);
		char when[32];
		time_t tt = (time_t)x->created;
		struct tm tm;
		gmtime_r(&tt, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		printf("%-16s  %-20s  %-7s  %s\n", x->id, x->tenant, rp_role_name(x->role), when);
	}
	rp_tokens_free(t);
	return RP_EXIT_OK;
}

static int cmd_token(rp_cli *cli, int argc, char **argv)
{
	const char *tokens = NULL, *pos[3] = {0};
	int npos = 0, json = cli->json;
	for (int i = 1; i < argc; i++) {
		const char *v;
		int m = opt_value(argc, argv, &i, "--tokens", &v);
		if (m < 0)
			return serve_usage("--tokens needs a file");
		if (m > 0) {
			tokens = v;
			continue;
		}
		if (!strcmp(argv[i], "--json")) {
			json = 1;
			continue;
		}
		if (argv[i][0] == '-' && argv[i][1] == '-')
			return serve_usage("unknown option for token");
		if (npos == 3)
			return serve_usage("too many arguments");
		pos[npos++] = argv[i];
	}
	if (!tokens)
		return serve_usage("token commands need --tokens FILE");
	if (npos == 0)
		return serve_usage("token needs add, list or remove");
	rp_err e;
	if (!strcmp(pos[0], "list") && npos == 1)
		return token_list(tokens, json);
	if (!strcmp(pos[0], "remove") && npos == 2) {
		if (rp_tokens_remove(tokens, pos[1], &e))
			return serve_fail(&e);
		fprintf(stderr, "rempart serve: token %s removed (a running server notices within a second)\n", pos[1]);
		return RP_EXIT_OK;
	}
	if (!strcmp(pos[0], "add") && npos == 3) {
		rp_role role;
		char token[RP_TOKEN_CHARS + 1], id[RP_TOKEN_ID_CHARS + 1];
		if (rp_role_parse(pos[2], &role))
			return serve_usage("ROLE is read, append, admin or metrics");
		if (rp_tokens_add(tokens, pos[1], role, token, id, &e))
			return serve_fail(&e);
		/* the token on stdout alone, so scripts can capture it */
		printf("%s\n", token);
		fflush(stdout);
		memset(token, 0, sizeof token);
		fprintf(stderr,
			"rempart serve: new %s token for %s (id %s). It is shown only this once: store it now "
			"(REMPART_TOKEN or --token-file on the client).\n",
			rp_role_name(role), pos[1], id);
		return RP_EXIT_OK;
	}
	return serve_usage("token needs: add TENANT ROLE | list | remove ID");
}

/* ---- the server ---- */

static void *second_signal_main(void *arg)
{
	sigset_t *set = arg;
	int sig;
	if (sigwait(set, &sig) == 0) {
		fprintf(stderr, "rempart serve: second signal, stopping now\n");
		_exit(RP_EXIT_FATAL);
	}
	return NULL;
}

int cmd_serve(rp_cli *cli, int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "token"))
		return cmd_token(cli, argc - 1, argv + 1);
	rp_server_opts o;
	rp_server_opts_default(&o);
	for (int i = 1; i < argc; i++) {
		const char *v = NULL;
		int m;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			serve_usage(NULL);
			return RP_EXIT_OK;
		}
#define STR_OPT(name, field)                                                   \
	if ((m = opt_value(argc, argv, &i, name, &v)) != 0) {                   \
		if (m < 0)                                                     \
			return serve_usage(name " needs a value");             \
		o.field = v;                                                   \
		continue;                                                      \
	}
#define UINT_OPT(name, field, max)                                             \
	if ((m = opt_value(argc, argv, &i, name, &v)) != 0) {                   \
		if (m < 0 || parse_uint(v, &o.field, max))                     \
			return serve_usage(name " needs a number");            \
		continue;                                                      \
	}
		STR_OPT("--root", root)
		STR_OPT("--listen", listen)
		STR_OPT("--tokens", tokens)
		STR_OPT("--tls-cert", tls_cert)
		STR_OPT("--tls-key", tls_key)
		UINT_OPT("--max-connections", max_connections, 1000000)
		UINT_OPT("--timeout", timeout_seconds, 86400)
		UINT_OPT("--threads", threads, 1024)
		UINT_OPT("--drain-seconds", drain_seconds, 86400)
#undef STR_OPT
#undef UINT_OPT
		if ((m = opt_value(argc, argv, &i, "--max-body-bytes", &v)) != 0) {
			if (m < 0 || parse_count(v, &o.max_body_bytes))
				return serve_usage("--max-body-bytes needs a size such as 1073741824 or 1G");
			continue;
		}
		fprintf(stderr, "rempart serve: unknown argument '%s'\n", argv[i]);
		return serve_usage(NULL);
	}
	if (!o.root || !o.listen || !o.tokens)
		return serve_usage("--root, --listen and --tokens are required");
	o.log = stderr;

	/* every thread the server starts inherits this mask */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	signal(SIGPIPE, SIG_IGN);

	rp_server *s = NULL;
	rp_err e;
	if (rp_server_new(&s, &o, &e) || rp_server_start(s, &e)) {
		rp_server_free(s);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		return serve_fail(&e);
	}
	fprintf(stderr, "rempart serve: serving %s on %s://%.*s:%d\n", o.root, o.tls_cert ? "https" : "http",
		(int)(strrchr(o.listen, ':') - o.listen), o.listen, rp_server_port(s));
	int sig = 0;
	for (;;) {
		if (sigwait(&set, &sig))
			continue;
		if (sig != SIGHUP)
			break;
		if (rp_server_reload_tokens(s, &e))
			fprintf(stderr, "rempart serve: SIGHUP: %s (keeping the previous tokens)\n", e.msg);
		else
			fprintf(stderr, "rempart serve: SIGHUP: tokens reloaded\n");
	}
	fprintf(stderr, "rempart serve: %s received, finishing %u requests in flight (at most %u s)\n",
		strsignal(sig), rp_server_in_flight(s), o.drain_seconds);
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGTERM);
	pthread_t t;
	if (pthread_create(&t, NULL, second_signal_main, &stop_set) == 0)
		pthread_detach(t);
	rp_server_free(s);
	fprintf(stderr, "rempart serve: stopped\n");
	return RP_EXIT_OK;
}
