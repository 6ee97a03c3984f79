/* cmd_restore.c - rempart restore: bring a snapshot back into a folder. */
#include "cli.h"

#include "engine/restore.h"
#include "engine/snaps.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct rctx {
	int line_shown;
} rctx;

static void on_warn(void *ctx, const char *msg)
{
	rctx *c = ctx;
	if (c->line_shown) {
		fprintf(stderr, "\r\033[K");
		c->line_shown = 0;
	}
	fprintf(stderr, "warning: %s\n", msg);
}

static void on_progress(void *ctx, const rp_restore_progress *p)
{
	rctx *c = ctx;
	char done[32], total[32], rate[32];
	double mbps = p->seconds > 0 ? (double)p->bytes / p->seconds : 0;
	fprintf(stderr, "\r\033[K[%d:%02d] %llu files, %s of %s, %s/s", (int)p->seconds / 60, (int)p->seconds % 60,
		(unsigned long long)p->files, rp_cli_bytes(done, (double)p->bytes),
		rp_cli_bytes(total, (double)p->bytes_total_hint), rp_cli_bytes(rate, mbps));
	c->line_shown = 1;
}

int cmd_restore(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"target", required_argument, NULL, 't'},
		{"include", required_argument, NULL, 'i'},
		{"workers", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static const char *usage_text = "usage: rempart restore SNAPSHOT --target DIR [--include PATTERN]...";
	rp_restore_opts o = {0};
	char **inc = NULL;
	size_t n_inc = 0;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "t:i:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': o.target = optarg; break;
		case 'i': {
			char **v = realloc(inc, (n_inc + 1) * sizeof *v);
			if (!v) {
				free(inc);
				return RP_EXIT_FATAL;
			}
			inc = v;
			inc[n_inc++] = optarg;
			break;
		}
		case 'w': o.workers = atoi(optarg); break;
		default: free(inc); return rp_cli_usage("restore", "%s", usage_text);
		}
	}
	if (optind + 1 != argc || !o.target) {
		free(inc);
		return rp_cli_usage("restore", "%s", usage_text);
	}
	o.includes = inc;
	o.n_includes = n_inc;
	rctx rc_ctx = {0};
	o.warn = on_warn;
	o.progress = cli->progress ? on_progress : NULL;
	o.ctx = &rc_ctx;
	rp_session s;
	rp_snap_list l = {0};
	const rp_snap_entry *snap;
	rp_restore_result res;
	rp_err e;
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, 1, &e);
	if (rc) {
		free(inc);
		return rp_cli_fail(cli, &e);
	}
	if (!(rc = rp_snaps_load(s.repo, &l, &e)) && !(rc = rp_cli_resolve(&s, &l, argv[optind], &snap, &e))) {
		rc = rp_restore_run(s.repo, s.idx, &snap->s, &o, &res, &e);
		if (rc_ctx.line_shown)
			fprintf(stderr, "\r\033[K");
		if (!rc || rc == RP_EPARTIAL) {
			char b[32];
			if (cli->json)
				printf("{\"snapshot_id\":\"%s\",\"files\":%llu,\"dirs\":%llu,\"others\":%llu,\"bytes\":%llu,"
				       "\"damaged\":%llu,\"errors\":%llu}\n",
				       snap->id, (unsigned long long)res.files, (unsigned long long)res.dirs,
				       (unsigned long long)res.others, (unsigned long long)res.bytes,
				       (unsigned long long)res.damaged, (unsigned long long)res.errors);
			else if (!cli->quiet)
				printf("restored snapshot %.8s into %s: %llu files, %llu folders, %llu others, %s\n", snap->id,
				       o.target, (unsigned long long)res.files, (unsigned long long)res.dirs,
				       (unsigned long long)res.others, rp_cli_bytes(b, (double)res.bytes));
		}
	}
	rp_snaps_free(&l);
	rp_session_close(&s);
	free(inc);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
