/* cmd_analyze.c - rempart analyze: does a snapshot look like an attack? */
#include "cli.h"

#include "engine/analyze.h"
#include "engine/cleanstate.h"
#include "engine/snaps.h"
#include "scan/detect.h"
#include "util/hex.h"
#include "util/json.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <time.h>

/* The snapshot before s of the same host and paths: its recorded parent
 * when that is still there, else the newest older one. */
static const rp_snap_entry *find_parent(const rp_snap_list *l, const rp_snap_entry *s)
{
	if (s->s.has_parent) {
		char hex[65];
		rp_hex_encode(hex, s->s.parent.b, 32);
		for (size_t i = 0; i < l->n; i++)
			if (!strcmp(l->v[i].id, hex))
				return &l->v[i];
	}
	rp_snap_filter f = {s->s.host, s->s.paths, s->s.n_paths, NULL, 0};
	for (const rp_snap_entry *x = s; x-- > l->v;)
		if (rp_snap_matches(&x->s, &f))
			return x;
	return NULL;
}

/* The newest clean state of the same host and paths, or NULL. */
static const rp_snap_entry *find_clean(rp_session *ss, const rp_snap_list *l, const rp_snap_entry *s)
{
	rp_snap_filter f = {s->s.host, s->s.paths, s->s.n_paths, NULL, 0};
	const rp_snap_entry *c = NULL;
	rp_err e;
	if (rp_latest_clean(ss->repo, ss->idx, l, &f, &c, &e))
		return NULL;
	return c;
}

static void print_text(const rp_snap_entry *s, const rp_snap_entry *parent, const rp_snap_entry *clean, int verdict,
		       const rp_json *ev)
{
	const char *summary = NULL;
	rp_json_get_str(ev, "summary", &summary, NULL);
	printf("snapshot %.8s (%s): %s\n", s->id, s->s.host ? s->s.host : "", rp_verdict_name(verdict));
	if (summary)
		printf("  %s\n", summary);
	printf("  compared with: %s%.8s\n", parent ? "" : "no parent snapshot", parent ? parent->id : "");
	const rp_json *files = rp_json_get(ev, "files"), *sig = rp_json_get(ev, "signals");
	int64_t v;
	if (files) {
		printf("  files: ");
		static const char *keys[] = {"total", "new", "changed", "unchanged", "deleted", "moved"};
		for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
			if (!rp_json_get_int(files, keys[i], &v))
				printf("%s%s %lld", i ? ", " : "", keys[i], (long long)v);
		printf("\n");
	}
	if (sig) {
		for (const rp_json *c = sig->child; c; c = c->next) {
			if (c->type == RP_JSON_NUM && c->inum)
				printf("  %-28s %lld\n", c->key, (long long)c->inum);
			else if (c->type == RP_JSON_OBJ) {
				rp_buf b = {0};
				rp_jw w;
				rp_jw_init(&w, &b, 0);
				rp_json_write(&w, c);
				printf("  %-28s %.*s\n", c->key, (int)b.len, (char *)b.data);
				rp_buf_free(&b);
			}
		}
	}
	const rp_json *folders = rp_json_get(ev, "folders"), *ex = rp_json_get(ev, "examples");
	if (folders && folders->count) {
		printf("  most affected folders:\n");
		for (const rp_json *c = folders->child; c; c = c->next) {
			const char *p = NULL;
			int64_t n = 0;
			rp_json_get_str(c, "path", &p, NULL);
			rp_json_get_int(c, "files", &n);
			printf("    %6lld  %s\n", (long long)n, p ? p : "");
		}
	}
	if (ex && ex->count) {
		printf("  examples:\n");
		for (const rp_json *c = ex->child; c; c = c->next) {
			const char *p = NULL, *why = NULL;
			rp_json_get_str(c, "path", &p, NULL);
			rp_json_get_str(c, "reason", &why, NULL);
			printf("    %s (%s)\n", p ? p : "", why ? why : "");
		}
	}
	if (clean) {
		char when[32];
		time_t t = (time_t)clean->s.time_s;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("  latest clean snapshot: %.8s (%s)%s\n", clean->id, when,
		       verdict ? ": rempart restore latest-clean --target DIR" : "");
	} else {
		printf("  latest clean snapshot: none\n");
	}
}

/* --files: one line per file judged encrypted or destroyed;
 * --judgements FILE: every file, "0|1<TAB>path" (bytes outside printable
 * ASCII and the backslash as \xHH), for benchmarks. */
typedef struct files_out {
	FILE *all;
	int list;
} files_out;

static void on_judged(void *ctx, const char *path, size_t len, int judged)
{
	files_out *o = ctx;
	if (o->list && judged)
		printf("%.*s\n", (int)len, path);
	if (!o->all)
		return;
	fprintf(o->all, "%d\t", judged);
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)path[i];
		if (ch < 0x20 || ch > 0x7e || ch == '\\')
			fprintf(o->all, "\\x%02x", ch);
		else
			fputc(ch, o->all);
	}
	fputc('\n', o->all);
}

int cmd_analyze(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"files", no_argument, NULL, 'f'},
		{"judgements", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	files_out fo = {NULL, 0};
	const char *jpath = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'f')
			fo.list = 1;
		else if (c == 'j')
			jpath = optarg;
		else
			return rp_cli_usage("analyze", "usage: rempart analyze [SNAPSHOT] [--json] [--files]");
	}
	if (argc - optind > 1)
		return rp_cli_usage("analyze", "usage: rempart analyze [SNAPSHOT] [--json]");
	const char *ref = optind < argc ? argv[optind] : "latest";
	rp_session s;
	rp_snap_list l = {0};
	const rp_snap_entry *snap;
	rp_buf evidence = {0};
	rp_json *ev = NULL;
	rp_err e;
	int verdict = 0;
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, 1, &e);
	if (rc)
		return rp_cli_fail(cli, &e);
	if ((rc = rp_snaps_load(s.repo, &l, &e)) || (rc = rp_cli_resolve(&s, &l, ref, &snap, &e)))
		goto done;
	const rp_snap_entry *parent = find_parent(&l, snap);
	if (jpath && !(fo.all = fopen(jpath, "w"))) {
		rc = rp_err_errno(&e, errno, "%s", jpath);
		goto done;
	}
	rc = rp_analyze_trees(s.repo, s.idx, &snap->s.tree, parent ? &parent->s.tree : NULL, &verdict, &evidence,
			      fo.list || fo.all ? on_judged : NULL, &fo, &e);
	if (fo.all && fclose(fo.all) && !rc)
		rc = rp_err_errno(&e, errno, "%s", jpath);
	if (rc || fo.list)
		goto done;
	if ((rc = rp_json_parse((const char *)evidence.data, evidence.len, &ev, &e)))
		goto done;
	const rp_snap_entry *clean = find_clean(&s, &l, snap);
	if (cli->json) {
		rp_buf out = {0};
		rp_jw w;
		rp_jw_init(&w, &out, 0);
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "snapshot"), rp_jw_str(&w, snap->id);
		rp_jw_key(&w, "verdict"), rp_jw_str(&w, rp_verdict_name(verdict));
		rp_jw_key(&w, "stored_verdict");
		if (snap->s.verdict)
			rp_jw_str(&w, snap->s.verdict);
		else
			rp_jw_null(&w);
		rp_jw_key(&w, "parent");
		if (parent)
			rp_jw_str(&w, parent->id);
		else
			rp_jw_null(&w);
		rp_jw_key(&w, "evidence"), rp_json_write(&w, ev);
		rp_jw_key(&w, "latest_clean");
		if (clean)
			rp_jw_str(&w, clean->id);
		else
			rp_jw_null(&w);
		rp_jw_obj_end(&w);
		printf("%.*s\n", (int)out.len, (char *)out.data);
		rp_buf_free(&out);
	} else {
		print_text(snap, parent, clean, verdict, ev);
	}
done:
	rp_json_free(ev);
	rp_buf_free(&evidence);
	rp_snaps_free(&l);
	rp_session_close(&s);
	if (rc)
		return rp_cli_fail(cli, &e);
	return verdict ? RP_EXIT_RANSOMWARE : 0;
}
