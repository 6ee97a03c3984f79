/* snapscan.h - feeding the files of a snapshot to scanners, in parallel.
 *
 * The tree is walked once; every regular file becomes a job for one of
 * `workers` threads, which reads its blobs in order and hands them to the
 * caller's callbacks with that worker's own context.  Memory: a bounded
 * queue of jobs plus one blob per worker.  Damaged data is reported per
 * file (the callbacks see complete == 0) and never stops the scan.
 */
#ifndef RP_SNAPSCAN_H
#define RP_SNAPSCAN_H

#include "format/tree.h"
#include "index.h"

typedef struct rp_snapscan_ops {
	/* one context per worker, indexed 0..workers-1 */
	void **worker_ctx;
	int workers;
	/* before a file: 0 to read it, 1 to skip its content */
	int (*begin)(void *wctx, const char *path, size_t len, const rp_node *n, rp_err *e);
	/* a piece of content in order: 0 go on, 1 enough (stop reading), <0 fail */
	int (*data)(void *wctx, const uint8_t *p, size_t n, rp_err *e);
	/* after a file that begin accepted; complete is 0 when data was missing or damaged */
	int (*end)(void *wctx, const char *path, size_t len, int complete, const char *problem, rp_err *e);
} rp_snapscan_ops;

/* Scans every regular file under root.  Returns the first callback error,
 * or a failure to read the trees themselves. */
int rp_snapscan_run(rp_repo *r, rp_index *idx, const rp_id *root, const rp_snapscan_ops *ops, rp_err *e);

#endif
