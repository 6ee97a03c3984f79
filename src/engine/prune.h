/* prune.h - removing data no snapshot uses.
 *
 * Marks every blob the remaining snapshots reach, then: deletes packs that
 * hold nothing used (and packs no index names, left by interrupted
 * backups); rewrites packs that are mostly unused (their used blobs are
 * decrypted and sealed again into new packs); writes one new index that
 * supersedes all old ones; and only then deletes old index files and
 * packs.  A crash at any point leaves a repository that check accepts:
 * superseded index files are ignored, unreferenced packs are only warned
 * about.  Needs a full key and the exclusive lock; refuses to run when an
 * index or snapshot is damaged (it could not know what is used).
 */
#ifndef RP_PRUNE_H
#define RP_PRUNE_H

#include "index.h"

typedef struct rp_prune_opts {
	int dry_run;
	double repack_unused_fraction; /* repack packs with more unused bytes than this (0.2 by default) */
	void (*note)(void *ctx, const char *msg);
	void *ctx;
} rp_prune_opts;

typedef struct rp_prune_result {
	uint64_t packs_total, packs_deleted, packs_repacked, packs_unreferenced;
	uint64_t blobs_used, blobs_unused;
	uint64_t bytes_before, bytes_freed, bytes_repacked;
	uint64_t index_files_replaced;
} rp_prune_result;

int rp_prune_run(rp_repo *r, const rp_prune_opts *o, rp_prune_result *res, rp_err *e);

#endif
