/* check.h - verifying a repository.
 *
 * Structure (always): config and keys open, every index file decrypts and
 * decodes, every pack the index names exists with a plausible size, every
 * snapshot decrypts, every tree of every snapshot reads back and every
 * blob it references is in the index.
 * Data (read_data): every pack is read in full; its SHA-256 must match its
 * name, its trailer must open and agree with the index, and every blob
 * must decrypt, decompress and hash back to its id.  Damaged blobs are
 * traced back to the paths (and snapshots) that use them.
 *
 * Packs that no index names are reported as "unreferenced" (what an
 * interrupted backup leaves; prune removes them): a warning, not an error.
 */
#ifndef RP_CHECK_H
#define RP_CHECK_H

#include "index.h"

typedef struct rp_check_opts {
	int read_data;
	int workers;
	void (*error)(void *ctx, const char *msg);   /* damage */
	void (*warning)(void *ctx, const char *msg); /* harmless findings */
	void (*progress)(void *ctx, uint64_t done, uint64_t total);
	void *ctx;
} rp_check_opts;

typedef struct rp_check_result {
	uint64_t errors, warnings;
	uint64_t packs, blobs, snapshots, trees;
	uint64_t bytes_read;
	uint64_t unreferenced_packs;
} rp_check_result;

/* 0 when the repository is sound (warnings allowed), RP_ECORRUPT when
 * errors were reported, other codes when the check itself could not run. */
int rp_check_run(rp_repo *r, const rp_check_opts *o, rp_check_result *res, rp_err *e);

#endif
