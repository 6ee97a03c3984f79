/* cmd_snapshots.c - rempart snapshots: list snapshots. */
#include "cli.h"

#include "engine/snaps.h"
#include "util/hex.h"
#include "util/json.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void json_snapshot(rp_jw *w, const rp_snap_entry *x)
{
	const rp_snapshot *s = &x->s;
	char t[40], hex[65];
	rp_jw_obj_begin(w);
	rp_jw_key(w, "id"), rp_jw_str(w, x->id);
	rp_jw_key(w, "short_id"), rp_jw_strn(w, x->id, 8);
	rp_time_format(t, s->time_s, s->time_ns);
	rp_jw_key(w, "time"), rp_jw_str(w, t);
	rp_jw_key(w, "host"), rp_jw_str(w, s->host ? s->host : "");
	rp_jw_key(w, "username"), rp_jw_str(w, s->username ? s->username : "");
	rp_jw_key(w, "paths"), rp_jw_arr_begin(w);
	for (size_t i = 0; i < s->n_paths; i++)
		rp_jw_str(w, s->paths[i]);
	rp_jw_arr_end(w);
	rp_jw_key(w, "tags"), rp_jw_arr_begin(w);
	for (size_t i = 0; i < s->n_tags; i++)
		rp_jw_str(w, s->tags[i]);
	rp_jw_arr_end(w);
	rp_hex_encode(hex, s->tree.b, 32);
	rp_jw_key(w, "tree"), rp_jw_str(w, hex);
	if (s->has_parent) {
		rp_hex_encode(hex, s->parent.b, 32);
		rp_jw_key(w, "parent"), rp_jw_str(w, hex);
	}
	rp_jw_key(w, "verdict");
	if (s->verdict)
		rp_jw_str(w, s->verdict);
	else
		rp_jw_null(w);
	rp_jw_key(w, "files"), rp_jw_uint(w, s->stats.files);
	rp_jw_key(w, "bytes"), rp_jw_uint(w, s->stats.bytes);
	rp_jw_key(w, "bytes_added"), rp_jw_uint(w, s->stats.bytes_added);
	rp_jw_key(w, "bytes_stored"), rp_jw_uint(w, s->stats.bytes_stored);
	rp_jw_key(w, "errors"), rp_jw_uint(w, s->stats.errors);
	rp_jw_obj_end(w);
}

static void table_row(const rp_snap_entry *x)
{
	const rp_snapshot *s = &x->s;
	char when[32], size[32], tags[128] = "";
	time_t t = (time_t)s->time_s;
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
	for (size_t i = 0; i < s->n_tags; i++) {
		size_t l = strlen(tags);
		snprintf(tags + l, sizeof tags - l, "%s%s", i ? "," : "", s->tags[i]);
	}
	printf("%.8s  %s  %-16.16s %-10s %-10s %10s  %s", x->id, when, s->host ? s->host : "", tags[0] ? tags : "-",
	       s->verdict ? s->verdict : "-", rp_cli_bytes(size, (double)s->stats.bytes), s->n_paths ? s->paths[0] : "");
	for (size_t i = 1; i < s->n_paths; i++)
		printf(", %s", s->paths[i]);
	printf("\n");
}

int cmd_snapshots(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"host", required_argument, NULL, 'H'},
		{"tag", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	rp_snap_filter f = {0};
	char *tag = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "H:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'H': f.host = optarg; break;
		case 't':
			tag = optarg;
			f.tags = &tag;
			f.n_tags = 1;
			break;
		default: return rp_cli_usage("snapshots", "usage: rempart snapshots [--host H] [--tag T] [--json]");
		}
	}
	rp_session s;
	rp_snap_list l;
	rp_err e;
	if (rp_session_open(cli, &s, RP_OPEN_NOLOCK, 0, &e))
		return rp_cli_fail(cli, &e);
	if (rp_snaps_load(s.repo, &l, &e)) {
		rp_session_close(&s);
		return rp_cli_fail(cli, &e);
	}
	if (cli->json) {
		rp_buf out = {0};
		rp_jw w;
		rp_jw_init(&w, &out, 0);
		rp_jw_arr_begin(&w);
		for (size_t i = 0; i < l.n; i++)
			if (rp_snap_matches(&l.v[i].s, &f))
				json_snapshot(&w, &l.v[i]);
		rp_jw_arr_end(&w);
		printf("%.*s\n", (int)out.len, (char *)out.data);
		rp_buf_free(&out);
	} else {
		printf("%-8s  %-19s  %-16s %-10s %-10s %10s  %s\n", "ID", "Time", "Host", "Tags", "Verdict", "Size", "Paths");
		size_t shown = 0;
		for (size_t i = 0; i < l.n; i++)
			if (rp_snap_matches(&l.v[i].s, &f)) {
				table_row(&l.v[i]);
				shown++;
			}
		printf("%zu snapshot%s\n", shown, shown == 1 ? "" : "s");
	}
	for (size_t i = 0; i < l.n_damaged; i++)
		fprintf(stderr, "rempart: warning: snapshot %.16s could not be read (damaged); run 'rempart check'\n",
			l.damaged[i]);
	int rc = l.n_damaged ? RP_EXIT_FATAL : 0;
	rp_snaps_free(&l);
	rp_session_close(&s);
	return rc;
}
