/* cmd_forget.c - rempart forget and rempart prune: retention and cleanup. */
#include "cli.h"

#include "engine/cleanstate.h"
#include "engine/prune.h"
#include "engine/retention.h"
#include "engine/snaps.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void on_note(void *ctx, const char *msg)
{
	const rp_cli *cli = ctx;
	rp_cli_note(cli, "%s\n", msg);
}

static int run_prune(rp_cli *cli, rp_session *s, int dry_run, rp_err *e)
{
	rp_prune_opts o = {dry_run, 0, on_note, cli};
	rp_prune_result r;
	int rc = rp_prune_run(s->repo, &o, &r, e);
	if (rc)
		return rc;
	char freed[32], before[32];
	if (cli->json)
		printf("{\"packs\":%llu,\"packs_deleted\":%llu,\"packs_repacked\":%llu,\"packs_unreferenced\":%llu,"
		       "\"blobs_unused\":%llu,\"bytes_freed\":%llu,\"dry_run\":%s}\n",
		       (unsigned long long)r.packs_total, (unsigned long long)r.packs_deleted,
		       (unsigned long long)r.packs_repacked, (unsigned long long)r.packs_unreferenced,
		       (unsigned long long)r.blobs_unused, (unsigned long long)r.bytes_freed, dry_run ? "true" : "false");
	else if (!cli->quiet)
		printf("%s%llu of %llu packs %s, %llu rewritten, %llu unreferenced; %s of %s %s\n", dry_run ? "would prune: " : "",
		       (unsigned long long)r.packs_deleted, (unsigned long long)r.packs_total,
		       dry_run ? "deletable" : "deleted", (unsigned long long)r.packs_repacked,
		       (unsigned long long)r.packs_unreferenced, rp_cli_bytes(freed, (double)r.bytes_freed),
		       rp_cli_bytes(before, (double)r.bytes_before), dry_run ? "would be freed" : "freed");
	return 0;
}

int cmd_prune(rp_cli *cli, int argc, char **argv)
{
	int dry = argc == 2 && !strcmp(argv[1], "--dry-run");
	if (argc > 1 + dry)
		return rp_cli_usage("prune", "usage: rempart prune [--dry-run]");
	rp_session s;
	rp_err e;
	int rc = rp_session_open(cli, &s, RP_OPEN_EXCLUSIVE, 0, &e);
	if (!rc)
		rc = run_prune(cli, &s, dry, &e);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}

static int parse_count(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (*end || v < 0 || v > 1000000)
		return -1;
	*out = (int)v;
	return 0;
}

int cmd_forget(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"keep-last", required_argument, NULL, 'l'},
		{"keep-hourly", required_argument, NULL, 'H'},
		{"keep-daily", required_argument, NULL, 'd'},
		{"keep-weekly", required_argument, NULL, 'w'},
		{"keep-monthly", required_argument, NULL, 'm'},
		{"keep-yearly", required_argument, NULL, 'y'},
		{"keep-tag", required_argument, NULL, 't'},
		{"host", required_argument, NULL, 'o'},
		{"dry-run", no_argument, NULL, 'n'},
		{"prune", no_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	static const char *usage_text = "usage: rempart forget [--keep-last/hourly/daily/weekly/monthly/yearly N] "
					"[--keep-tag T] [--host H] [--dry-run] [--prune] [SNAPSHOT...]";
	rp_retention pol = {0};
	char **tags = NULL;
	const char *host = NULL;
	int dry = 0, prune = 0, c, bad = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'l': bad |= parse_count(optarg, &pol.last); break;
		case 'H': bad |= parse_count(optarg, &pol.hourly); break;
		case 'd': bad |= parse_count(optarg, &pol.daily); break;
		case 'w': bad |= parse_count(optarg, &pol.weekly); break;
		case 'm': bad |= parse_count(optarg, &pol.monthly); break;
		case 'y': bad |= parse_count(optarg, &pol.yearly); break;
		case 't': {
			char **v = realloc(tags, (pol.n_keep_tags + 1) * sizeof *v);
			if (!v) {
				free(tags);
				return RP_EXIT_FATAL;
			}
			tags = v;
			tags[pol.n_keep_tags++] = optarg;
			pol.keep_tags = tags;
			break;
		}
		case 'o': host = optarg; break;
		case 'n': dry = 1; break;
		case 'p': prune = 1; break;
		default: bad = 1;
		}
	}
	int explicit = optind < argc;
	if (bad || (explicit && rp_retention_any(&pol)) || (!explicit && !rp_retention_any(&pol))) {
		free(tags);
		return rp_cli_usage("forget", "%s", usage_text);
	}
	rp_session s;
	rp_snap_list l = {0};
	rp_retention_decision *d = NULL;
	rp_err e;
	uint8_t *clean = NULL;
	int rc = rp_session_open(cli, &s, RP_OPEN_EXCLUSIVE, 1, &e);
	if (rc) {
		free(tags);
		return rp_cli_fail(cli, &e);
	}
	if ((rc = rp_snaps_load(s.repo, &l, &e)))
		goto done;
	if (!(d = calloc(l.n + 1, sizeof *d))) {
		rc = rp_err_set(&e, RP_ENOMEM, "out of memory");
		goto done;
	}
	if (explicit) {
		for (size_t i = 0; i < l.n; i++)
			d[i].keep = 1;
		for (int a = optind; a < argc; a++) {
			const rp_snap_entry *x;
			if ((rc = rp_snaps_resolve(&l, argv[a], NULL, &x, &e)))
				goto done;
			d[x - l.v].keep = 0;
		}
	} else {
		if (!(clean = calloc(l.n + 1, 1))) {
			rc = rp_err_set(&e, RP_ENOMEM, "out of memory");
			goto done;
		}
		if ((rc = rp_clean_states(s.repo, s.idx, &l, clean, &e)) || (rc = rp_retention_apply(&l, &pol, clean, d, &e)))
			goto done;
	}
	size_t removed = 0;
	for (size_t i = 0; i < l.n; i++) {
		const rp_snapshot *sn = &l.v[i].s;
		if (host && strcmp(sn->host ? sn->host : "", host))
			d[i].keep = 1, snprintf(d[i].reason, sizeof d[i].reason, "other host");
		char when[32];
		time_t t = (time_t)sn->time_s;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
		if (!cli->quiet && !cli->json)
			printf("%-6s %.8s  %s  %-10s  %s\n", d[i].keep ? "keep" : "remove", l.v[i].id, when,
			       sn->verdict ? sn->verdict : "-", d[i].keep ? d[i].reason : "");
		if (d[i].keep || dry)
			continue;
		char name[RP_NAME_BYTES];
		rp_repo_name(name, "snapshots", l.v[i].id);
		if ((rc = rp_store_remove(s.repo->store, name, &e)))
			goto done;
		removed++;
	}
	if ((rc = rp_store_sync(s.repo->store, &e)))
		goto done;
	if (cli->json) {
		printf("[");
		for (size_t i = 0; i < l.n; i++)
			printf("%s{\"id\":\"%s\",\"keep\":%s,\"reason\":\"%s\"}", i ? "," : "", l.v[i].id,
			       d[i].keep ? "true" : "false", d[i].keep ? d[i].reason : "");
		printf("]\n");
	} else if (!cli->quiet) {
		printf("%s%zu snapshot(s) removed\n", dry ? "dry run: " : "", dry ? 0 : removed);
	}
	if (prune)
		rc = run_prune(cli, &s, dry, &e);
done:
	free(clean);
	free(d);
	free(tags);
	rp_snaps_free(&l);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
