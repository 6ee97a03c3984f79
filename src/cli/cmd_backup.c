/* cmd_backup.c - rempart backup: a new snapshot of files and folders. */
#include "cli.h"

#include "engine/backup.h"
#include "engine/snaps.h"
#include "scan/detect.h"
#include "util/hex.h"
#include "util/json.h"

#include <errno.h>
#include <getopt.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct strvec {
	char **v;
	size_t n, cap;
} strvec;

static int strvec_add(strvec *s, const char *x)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **v = realloc(s->v, cap * sizeof *v);
		if (!v)
			return -1;
		s->v = v;
		s->cap = cap;
	}
	if (!(s->v[s->n] = strdup(x)))
		return -1;
	s->n++;
	return 0;
}

static void strvec_free(strvec *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

static int read_exclude_file(strvec *ex, const char *path, rp_err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rp_err_errno(e, errno, "exclude file %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while ((n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		if (n == 0 || line[0] == '#')
			continue;
		if (strvec_add(ex, line)) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
			break;
		}
	}
	free(line);
	fclose(f);
	return rc;
}

typedef struct bctx {
	rp_cli *cli;
	int line_shown;
} bctx;

static void on_warn(void *ctx, const char *msg)
{
	bctx *b = ctx;
	if (b->line_shown) {
		fprintf(stderr, "\r\033[K");
		b->line_shown = 0;
	}
	fprintf(stderr, "warning: %s\n", msg);
}

static void on_file(void *ctx, const char *status, const char *path)
{
	bctx *b = ctx;
	if (b->line_shown) {
		fprintf(stderr, "\r\033[K");
		b->line_shown = 0;
	}
	printf("%-8s %s\n", status, path);
}

static void on_progress(void *ctx, const rp_backup_progress *p)
{
	bctx *b = ctx;
	char done[32], rate[32], eta[32] = "";
	double mbps = p->seconds > 0 ? (double)p->bytes / p->seconds : 0;
	if (p->bytes_hint > p->bytes && mbps > 0) {
		double left = (double)(p->bytes_hint - p->bytes) / mbps;
		snprintf(eta, sizeof eta, " ETA %d:%02d", (int)left / 60, (int)left % 60);
	}
	rp_cli_bytes(done, (double)p->bytes);
	rp_cli_bytes(rate, mbps);
	fprintf(stderr, "\r\033[K[%d:%02d] %llu files, %s, %s/s%s%s", (int)p->seconds / 60, (int)p->seconds % 60,
		(unsigned long long)p->files, done, rate, eta, p->errors ? " (warnings)" : "");
	b->line_shown = 1;
}

/* The summary line of the evidence, or the bare verdict. */
static void print_verdict(const rp_backup_result *res)
{
	rp_json *j = NULL;
	const char *summary = NULL;
	rp_err e;
	if (res->evidence.len && !rp_json_parse((const char *)res->evidence.data, res->evidence.len, &j, &e))
		rp_json_get_str(j, "summary", &summary, NULL);
	if (res->verdict == 0)
		printf("  verdict:   clean\n");
	else
		printf("  verdict:   %s\n\n  %s\n\n  The previous snapshots are untouched. Inspect with 'rempart analyze %.8s';\n"
		       "  restore the last clean state with 'rempart restore latest-clean --target DIR'.\n",
		       rp_verdict_name(res->verdict), summary ? summary : "", res->snapshot_id);
	rp_json_free(j);
}

/* Runs the --on-alert command with the verdict as JSON on its input. */
static int run_alert(const char *cmd, const char *host, const rp_backup_result *res)
{
	FILE *f = popen(cmd, "w");
	if (!f) {
		fprintf(stderr, "rempart: cannot run --on-alert command: %s\n", strerror(errno));
		return -1;
	}
	rp_buf out = {0};
	rp_jw w;
	rp_jw_init(&w, &out, 0);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "snapshot_id"), rp_jw_str(&w, res->snapshot_id);
	rp_jw_key(&w, "host"), rp_jw_str(&w, host);
	rp_jw_key(&w, "verdict"), rp_jw_str(&w, rp_verdict_name(res->verdict));
	rp_jw_key(&w, "evidence"), rp_jw_raw(&w, (const char *)res->evidence.data, res->evidence.len);
	rp_jw_obj_end(&w);
	fwrite(out.data, 1, out.len, f);
	fputc('\n', f);
	rp_buf_free(&out);
	int st = pclose(f);
	if (st != 0)
		fprintf(stderr, "rempart: the --on-alert command exited with status %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	return st;
}

static void print_result(const rp_cli *cli, const rp_backup_result *res)
{
	const rp_snapshot_stats *s = &res->stats;
	if (cli->json) {
		rp_buf out = {0};
		rp_jw w;
		rp_jw_init(&w, &out, 0);
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "snapshot_id"), rp_jw_str(&w, res->snapshot_id);
		rp_jw_key(&w, "files"), rp_jw_uint(&w, s->files);
		rp_jw_key(&w, "dirs"), rp_jw_uint(&w, s->dirs);
		rp_jw_key(&w, "bytes"), rp_jw_uint(&w, s->bytes);
		rp_jw_key(&w, "files_new"), rp_jw_uint(&w, s->files_new);
		rp_jw_key(&w, "files_changed"), rp_jw_uint(&w, s->files_changed);
		rp_jw_key(&w, "files_unchanged"), rp_jw_uint(&w, s->files_unchanged);
		rp_jw_key(&w, "bytes_read"), rp_jw_uint(&w, s->bytes_read);
		rp_jw_key(&w, "bytes_added"), rp_jw_uint(&w, s->bytes_added);
		rp_jw_key(&w, "bytes_stored"), rp_jw_uint(&w, s->bytes_stored);
		rp_jw_key(&w, "warnings"), rp_jw_uint(&w, res->warnings);
		rp_jw_key(&w, "seconds"), rp_jw_double(&w, s->seconds);
		if (res->verdict >= 0) {
			rp_jw_key(&w, "verdict"), rp_jw_str(&w, rp_verdict_name(res->verdict));
			rp_jw_key(&w, "evidence"), rp_jw_raw(&w, (const char *)res->evidence.data, res->evidence.len);
		}
		rp_jw_obj_end(&w);
		if (!rp_jw_status(&w))
			printf("%.*s\n", (int)out.len, (char *)out.data);
		rp_buf_free(&out);
		return;
	}
	if (cli->quiet)
		return;
	char total[32], added[32], stored[32];
	printf("snapshot %.8s saved\n", res->snapshot_id);
	printf("  files:     %llu (%llu new, %llu changed, %llu unchanged), %llu folders\n",
	       (unsigned long long)s->files, (unsigned long long)s->files_new, (unsigned long long)s->files_changed,
	       (unsigned long long)s->files_unchanged, (unsigned long long)s->dirs);
	printf("  data:      %s processed, %s new, %s stored after compression\n", rp_cli_bytes(total, (double)s->bytes),
	       rp_cli_bytes(added, (double)s->bytes_added), rp_cli_bytes(stored, (double)s->bytes_stored));
	printf("  duration:  %.1f s\n", s->seconds);
	if (res->warnings)
		printf("  warnings:  %llu (some files could not be read; see above)\n", (unsigned long long)res->warnings);
	if (res->verdict >= 0)
		print_verdict(res);
}

static const char *usage_text = "usage: rempart backup [--exclude PAT] [--exclude-file F] [-x] [--tag T] [--host H] "
				"[--force] [--scan-pii|--no-scan-pii] [--on-alert CMD] PATH...";

int cmd_backup(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"exclude", required_argument, NULL, 'e'},
		{"exclude-file", required_argument, NULL, 'E'},
		{"one-file-system", no_argument, NULL, 'x'},
		{"tag", required_argument, NULL, 't'},
		{"host", required_argument, NULL, 'H'},
		{"force", no_argument, NULL, 'f'},
		{"workers", required_argument, NULL, 'w'},
		{"scan-pii", no_argument, NULL, 'p'},
		{"no-scan-pii", no_argument, NULL, 'P'},
		{"on-alert", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	strvec ex = {0}, tags = {0};
	rp_backup_opts o = {0};
	rp_backup_result res = {0};
	rp_session s;
	rp_err e;
	char host[256] = "";
	char **roots = NULL;
	size_t n_roots = 0;
	int rc = 0, c, opened = 0, scan_pii = -1;
	const char *on_alert = NULL;
	bctx bc = {cli, 0};
	gethostname(host, sizeof host - 1);
	optind = 1;
	while ((c = getopt_long(argc, argv, "e:xt:H:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			if (strvec_add(&ex, optarg))
				goto nomem;
			break;
		case 'E':
			if ((rc = read_exclude_file(&ex, optarg, &e)))
				goto fail;
			break;
		case 'x': o.one_file_system = 1; break;
		case 't': {
			char *copy = strdup(optarg), *save = NULL;
			if (!copy)
				goto nomem;
			for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
				if (strvec_add(&tags, t)) {
					free(copy);
					goto nomem;
				}
			free(copy);
			break;
		}
		case 'H': snprintf(host, sizeof host, "%s", optarg); break;
		case 'f': o.force = 1; break;
		case 'w': o.workers = atoi(optarg); break;
		case 'p': scan_pii = 1; break;
		case 'P': scan_pii = 0; break;
		case 'A': on_alert = optarg; break;
		default:
			rc = rp_cli_usage("backup", "%s", usage_text);
			goto out;
		}
	}
	if (optind >= argc) {
		rc = rp_cli_usage("backup", "%s", usage_text);
		goto out;
	}
	if ((rc = rp_backup_roots(argv + optind, (size_t)(argc - optind), &roots, &n_roots, &e)))
		goto fail;
	if ((rc = rp_session_open(cli, &s, RP_OPEN_SHARED, 1, &e)))
		goto fail;
	opened = 1;
	o.scan_pii = scan_pii >= 0 ? scan_pii : s.repo->cfg.scan_pii;
	o.paths = roots;
	o.n_paths = n_roots;
	o.excludes = ex.v;
	o.n_excludes = ex.n;
	o.tags = tags.v;
	o.n_tags = tags.n;
	o.host = host;
	o.warn = on_warn;
	o.file = cli->verbose && !cli->json ? on_file : NULL;
	o.progress = cli->progress ? on_progress : NULL;
	o.ctx = &bc;
	rc = rp_backup_run(s.repo, s.idx, &o, &res, &e);
	if (bc.line_shown)
		fprintf(stderr, "\r\033[K");
	if (rc)
		goto fail;
	print_result(cli, &res);
	rc = res.warnings ? RP_EXIT_PARTIAL : 0;
	if (res.verdict > 0) {
		rc = RP_EXIT_RANSOMWARE;
		if (on_alert)
			run_alert(on_alert, host, &res);
	}
	goto out;
nomem:
	rp_err_set(&e, RP_ENOMEM, "out of memory");
fail:
	rc = rp_cli_fail(cli, &e);
out:
	if (opened)
		rp_session_close(&s);
	rp_backup_result_free(&res);
	rp_backup_roots_free(roots, n_roots);
	strvec_free(&ex);
	strvec_free(&tags);
	return rc;
}
