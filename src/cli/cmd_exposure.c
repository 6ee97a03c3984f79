/* cmd_exposure.c - rempart exposure: which personal data a snapshot holds. */
#include "cli.h"

#include "engine/snaps.h"
#include "engine/snapscan.h"
#include "format/crypto.h"
#include "scan/pii.h"
#include "scan/pii_report.h"

#include <getopt.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct xp_shared {
	rp_pii_report *report;
	pthread_mutex_t mu;
	uint64_t damaged;
} xp_shared;

typedef struct xp_worker {
	xp_shared *sh;
	rp_pii_scanner *sc;
} xp_worker;

static int xp_begin(void *wctx, const char *path, size_t len, const rp_node *n, rp_err *e)
{
	xp_worker *w = wctx;
	return rp_pii_file_begin(w->sc, (const uint8_t *)path, len, n->size, e);
}

static int xp_data(void *wctx, const uint8_t *p, size_t n, rp_err *e)
{
	xp_worker *w = wctx;
	int rc = rp_pii_file_update(w->sc, p, n, e);
	if (rc)
		return rc;
	/* binaries and oversized containers: no need to read the rest */
	return rp_pii_file_skipping(w->sc) ? 1 : 0;
}

static int xp_end(void *wctx, const char *path, size_t len, int complete, const char *problem, rp_err *e)
{
	xp_worker *w = wctx;
	rp_pii_counts c;
	int rc = rp_pii_file_end(w->sc, &c, e);
	if (rc)
		return rc;
	if (!complete) {
		pthread_mutex_lock(&w->sh->mu);
		w->sh->damaged++;
		fprintf(stderr, "warning: %.*s: damaged in the repository, scanned only in part: %s\n", (int)len, path,
			problem);
		pthread_mutex_unlock(&w->sh->mu);
	}
	return rp_pii_report_add(w->sh->report, (const uint8_t *)path, len, &c, e);
}

int cmd_exposure(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"workers", required_argument, NULL, 'w'},
		{"max-files", required_argument, NULL, 'm'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static const char *usage_text = "usage: rempart exposure [SNAPSHOT] [--format table|json|csv|html]";
	int format = cli->json ? RP_PII_OUT_JSON : RP_PII_OUT_TABLE, workers = 0, c;
	size_t max_files = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if ((format = rp_pii_report_format(optarg)) < 0)
				return rp_cli_usage("exposure", "unknown format '%s' (table, json, csv or html)", optarg);
			break;
		case 'w': workers = atoi(optarg); break;
		case 'm': max_files = (size_t)atoll(optarg); break;
		default: return rp_cli_usage("exposure", "%s", usage_text);
		}
	}
	if (argc - optind > 1)
		return rp_cli_usage("exposure", "%s", usage_text);
	const char *ref = optind < argc ? argv[optind] : "latest";
	if (workers <= 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		workers = (int)(n < 1 ? 1 : n > 8 ? 8 : n) + 1;
	}
	rp_session s;
	rp_snap_list l = {0};
	const rp_snap_entry *snap;
	rp_pii_distinct *d = NULL;
	xp_shared sh = {0};
	xp_worker *ws = calloc((size_t)workers, sizeof *ws);
	void **wctx = calloc((size_t)workers, sizeof *wctx);
	rp_buf out = {0};
	rp_err e;
	uint8_t key[32];
	pthread_mutex_init(&sh.mu, NULL);
	/* distinct values are counted under a key that lives only in memory */
	rp_random(key, sizeof key);
	int rc = !ws || !wctx ? rp_err_set(&e, RP_ENOMEM, "out of memory") : rp_session_open(cli, &s, RP_OPEN_NOLOCK, 1, &e);
	if (rc) {
		free(ws);
		free(wctx);
		return rp_cli_fail(cli, &e);
	}
	if ((rc = rp_snaps_load(s.repo, &l, &e)) || (rc = rp_cli_resolve(&s, &l, ref, &snap, &e)) ||
	    (rc = rp_pii_distinct_new(&d, key, &e)) || (rc = rp_pii_report_new(&sh.report, max_files, 0, &e)))
		goto done;
	for (int i = 0; i < workers; i++) {
		ws[i].sh = &sh;
		wctx[i] = &ws[i];
		if ((rc = rp_pii_scanner_new(&ws[i].sc, d, &e)))
			goto done;
	}
	rp_snapscan_ops ops = {wctx, workers, xp_begin, xp_data, xp_end};
	if ((rc = rp_snapscan_run(s.repo, s.idx, &snap->s.tree, &ops, &e)))
		goto done;
	if ((rc = rp_pii_report_write(sh.report, d, snap->id, format, &out, &e)))
		goto done;
	fwrite(out.data, 1, out.len, stdout);
	if (sh.damaged)
		rc = rp_err_set(&e, RP_EPARTIAL, "%llu file(s) could not be read completely (see above)",
				(unsigned long long)sh.damaged);
done:
	rp_wipe(key, sizeof key);
	for (int i = 0; i < workers && ws; i++)
		rp_pii_scanner_free(ws[i].sc);
	rp_pii_report_free(sh.report);
	rp_pii_distinct_free(d);
	pthread_mutex_destroy(&sh.mu);
	rp_buf_free(&out);
	free(ws);
	free(wctx);
	rp_snaps_free(&l);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
