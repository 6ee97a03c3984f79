/* cmd_check.c - rempart check: verify the repository. */
#include "cli.h"

#include "engine/check.h"
#include "util/json.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

typedef struct cctx {
	rp_cli *cli;
	rp_jw *w; /* JSON: messages collected as objects */
	int line_shown;
} cctx;

static void clear_line(cctx *c)
{
	if (c->line_shown) {
		fprintf(stderr, "\r\033[K");
		c->line_shown = 0;
	}
}

static void on_error(void *ctx, const char *msg)
{
	cctx *c = ctx;
	clear_line(c);
	if (c->w) {
		rp_jw_obj_begin(c->w);
		rp_jw_key(c->w, "level"), rp_jw_str(c->w, "error");
		rp_jw_key(c->w, "message"), rp_jw_str(c->w, msg);
		rp_jw_obj_end(c->w);
	} else {
		printf("error: %s\n", msg);
	}
}

static void on_warning(void *ctx, const char *msg)
{
	cctx *c = ctx;
	clear_line(c);
	if (c->w) {
		rp_jw_obj_begin(c->w);
		rp_jw_key(c->w, "level"), rp_jw_str(c->w, "warning");
		rp_jw_key(c->w, "message"), rp_jw_str(c->w, msg);
		rp_jw_obj_end(c->w);
	} else if (!c->cli->quiet) {
		printf("warning: %s\n", msg);
	}
}

static void on_progress(void *ctx, uint64_t done, uint64_t total)
{
	cctx *c = ctx;
	char a[32], b[32];
	fprintf(stderr, "\r\033[Kreading data: %s of %s", rp_cli_bytes(a, (double)done), rp_cli_bytes(b, (double)total));
	c->line_shown = 1;
}

int cmd_check(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"read-data", no_argument, NULL, 'd'},
		{"workers", required_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	rp_check_opts o = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'd')
			o.read_data = 1;
		else if (c == 'w')
			o.workers = atoi(optarg);
		else
			return rp_cli_usage("check", "usage: rempart check [--read-data]");
	}
	if (optind != argc)
		return rp_cli_usage("check", "usage: rempart check [--read-data]");
	rp_buf out = {0};
	rp_jw w;
	cctx cc = {cli, NULL, 0};
	if (cli->json) {
		rp_jw_init(&w, &out, 0);
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "messages");
		rp_jw_arr_begin(&w);
		cc.w = &w;
	}
	o.error = on_error;
	o.warning = on_warning;
	o.progress = cli->progress ? on_progress : NULL;
	o.ctx = &cc;
	rp_session s;
	rp_check_result res;
	rp_err e;
	int rc = rp_session_open(cli, &s, RP_OPEN_READ, 0, &e);
	if (rc) {
		rp_buf_free(&out);
		return rp_cli_fail(cli, &e);
	}
	rc = rp_check_run(s.repo, &o, &res, &e);
	clear_line(&cc);
	rp_session_close(&s);
	if (cli->json) {
		rp_jw_arr_end(&w);
		rp_jw_key(&w, "ok"), rp_jw_bool(&w, rc == 0);
		rp_jw_key(&w, "errors"), rp_jw_uint(&w, res.errors);
		rp_jw_key(&w, "warnings"), rp_jw_uint(&w, res.warnings);
		rp_jw_key(&w, "packs"), rp_jw_uint(&w, res.packs);
		rp_jw_key(&w, "blobs"), rp_jw_uint(&w, res.blobs);
		rp_jw_key(&w, "snapshots"), rp_jw_uint(&w, res.snapshots);
		rp_jw_key(&w, "unreferenced_packs"), rp_jw_uint(&w, res.unreferenced_packs);
		rp_jw_key(&w, "read_data"), rp_jw_bool(&w, o.read_data);
		rp_jw_key(&w, "bytes_read"), rp_jw_uint(&w, res.bytes_read);
		rp_jw_obj_end(&w);
		printf("%.*s\n", (int)out.len, (char *)out.data);
		rp_buf_free(&out);
		return rc ? RP_EXIT_FATAL : 0;
	}
	if (rc && rc != RP_ECORRUPT)
		return rp_cli_fail(cli, &e);
	if (!cli->quiet) {
		char b[32];
		printf("checked %llu snapshots, %llu packs, %llu blobs%s%s\n", (unsigned long long)res.snapshots,
		       (unsigned long long)res.packs, (unsigned long long)res.blobs, o.read_data ? ", read " : "",
		       o.read_data ? rp_cli_bytes(b, (double)res.bytes_read) : "");
	}
	if (rc) {
		fprintf(stderr, "rempart: the repository is damaged: %s\n", e.msg);
		return RP_EXIT_FATAL;
	}
	if (!cli->quiet)
		printf("no errors were found\n");
	return 0;
}
