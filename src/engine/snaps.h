/* snaps.h - the repository's snapshots: listing, loading, choosing.
 *
 * A snapshot reference is a unique prefix of a snapshot id, "latest", or
 * "latest-clean" (the newest snapshot whose stored verdict is "clean").
 * Both "latest" forms may be narrowed by host and paths.
 */
#ifndef RP_SNAPS_H
#define RP_SNAPS_H

#include "format/snapshot.h"
#include "repo.h"

typedef struct rp_snap_entry {
	char id[65];
	rp_snapshot s;
} rp_snap_entry;

typedef struct rp_snap_list {
	rp_snap_entry *v; /* sorted by time, oldest first */
	size_t n;
	char (*damaged)[65]; /* snapshot files that could not be read */
	size_t n_damaged;
} rp_snap_list;

typedef struct rp_snap_filter {
	const char *host;   /* NULL: any */
	char **paths;       /* NULL: any */
	size_t n_paths;
	char **tags;        /* every tag listed must be present */
	size_t n_tags;
} rp_snap_filter;

/* Loads every snapshot (full key needed).  Damaged files are listed in
 * out->damaged rather than failing the whole list. */
int rp_snaps_load(rp_repo *r, rp_snap_list *out, rp_err *e);
void rp_snaps_free(rp_snap_list *l);
/* Loads the one snapshot id (64 hex digits) into out; rp_snapshot_clear
 * (&out->s) frees it.  Fails when it is missing or damaged. */
int rp_snaps_load_one(rp_repo *r, const char *id, rp_snap_entry *out, rp_err *e);
int rp_snap_matches(const rp_snapshot *s, const rp_snap_filter *f);
/* Resolves a reference; RP_ENOTFOUND or RP_EINVAL (ambiguous) with a
 * message naming the reference. */
int rp_snaps_resolve(const rp_snap_list *l, const char *ref, const rp_snap_filter *f, const rp_snap_entry **out,
		     rp_err *e);
/* The newest snapshot with the same host and paths, or NULL. */
const rp_snap_entry *rp_snaps_parent(const rp_snap_list *l, const char *host, char **paths, size_t n_paths);

#endif
