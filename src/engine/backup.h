/* backup.h - the backup pipeline.
 *
 *   walker (calling thread)   lists directories in sorted order, stats
 *                             every entry, reuses the files cache for
 *                             unchanged files, queues the others
 *   workers (N threads)       read, chunk, hash, deduplicate, compress,
 *                             seal and pack file contents
 *   assembler (1 thread)      takes entries back in walk order, builds and
 *                             stores tree blobs, writes the new files cache
 *
 * The three meet in a ring of fixed size, so memory stays bounded however
 * large the tree.  The snapshot is written last, after every pack and
 * index file it needs is durable: a backup killed at any moment leaves at
 * most unreferenced packs.
 */
#ifndef RP_BACKUP_H
#define RP_BACKUP_H

#include "format/snapshot.h"
#include "index.h"
#include "repo.h"

typedef struct rp_backup_progress {
	uint64_t files, dirs, bytes;  /* entries and file bytes processed */
	uint64_t bytes_read;          /* content actually read */
	uint64_t bytes_stored;        /* new sealed bytes written */
	uint64_t errors;
	uint64_t bytes_hint;          /* total bytes of the previous backup, or 0 */
	double seconds;
} rp_backup_progress;

typedef struct rp_backup_opts {
	char **paths;
	size_t n_paths;
	char **excludes; /* glob patterns: with '/', matched on the full path; else on the name */
	size_t n_excludes;
	int one_file_system;
	char **tags;
	size_t n_tags;
	const char *host;
	int workers;     /* 0: a default for this machine */
	int force;       /* re-read every file (ignore the files cache) */
	int scan_pii;    /* count personal data in every file read */
	void (*progress)(void *ctx, const rp_backup_progress *p);
	void (*warn)(void *ctx, const char *msg);
	/* every new or changed file (status "new" or "changed"), when set */
	void (*file)(void *ctx, const char *status, const char *path);
	void *ctx;
} rp_backup_opts;

typedef struct rp_backup_result {
	char snapshot_id[65];
	rp_snapshot_stats stats;
	uint64_t warnings;
	int verdict; /* RP_VERDICT_*, or -1 when not analysed */
	rp_buf evidence;
} rp_backup_result;

/* Backs up o->paths into a new snapshot.  idx must hold the repository's
 * index (rp_index_load).  Files that cannot be read are reported through
 * o->warn and counted in res->warnings; the snapshot is still written.
 * Fatal errors (the repository cannot be written) leave no snapshot. */
int rp_backup_run(rp_repo *r, rp_index *idx, const rp_backup_opts *o, rp_backup_result *res, rp_err *e);
void rp_backup_result_free(rp_backup_result *res);

/* The absolute, normalized, sorted form of backup paths, as snapshots
 * record them (nested and repeated paths dropped).  *roots is malloc'd,
 * each string too. */
int rp_backup_roots(char *const *paths, size_t n, char ***roots, size_t *n_roots, rp_err *e);
void rp_backup_roots_free(char **roots, size_t n);

#endif
