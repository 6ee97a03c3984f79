/* restore.h - restoring a snapshot into a folder.
 *
 * The tree is walked once; directories, links and special files are made
 * as they come, regular files are created at their final size (holes stay
 * holes) and their content is gathered in batches.  Each batch reads the
 * packs it needs in order, each range once, on several threads, and
 * writes blobs to every place that uses them.  Metadata (owner, mode,
 * extended attributes, times) is applied after content; directories last,
 * deepest first, so their times survive.
 *
 * Damaged or missing data never stops the restore: every unaffected file
 * is restored and the damaged ones are reported by path.
 */
#ifndef RP_RESTORE_H
#define RP_RESTORE_H

#include "format/snapshot.h"
#include "index.h"

typedef struct rp_restore_progress {
	uint64_t files, bytes, bytes_total_hint;
	double seconds;
} rp_restore_progress;

typedef struct rp_restore_opts {
	const char *target;
	char **includes; /* glob patterns; with '/': full path, else the name; a folder brings its contents */
	size_t n_includes;
	int workers;     /* 0: a default */
	void (*warn)(void *ctx, const char *msg);
	void (*progress)(void *ctx, const rp_restore_progress *p);
	void *ctx;
} rp_restore_opts;

typedef struct rp_restore_result {
	uint64_t files, dirs, others, bytes;
	uint64_t damaged; /* files whose content could not be restored completely */
	uint64_t errors;  /* every problem reported through warn */
} rp_restore_result;

/* 0 when everything was restored; RP_EPARTIAL when some files or
 * metadata could not be (each reported through o->warn); other codes for
 * failures that stopped the restore. */
int rp_restore_run(rp_repo *r, rp_index *idx, const rp_snapshot *snap, const rp_restore_opts *o,
		   rp_restore_result *res, rp_err *e);

#endif
