/* fcache.h - the local files cache: what the last backup of a path set
 * found, so the next one skips files whose inode, size, mtime and ctime
 * did not change, without reading old trees (a backup-only key cannot).
 * An unchanged file also keeps its extended attributes: changing them moves
 * the ctime, so the cache spares a listxattr per file.
 *
 * One file per (repository, host, path set), records in walk order:
 *   "RPFC" version(1)=2 repo_id(32) snapshot_id(32)
 *   record*: shared(varint) suffix_len(varint) suffix   (front-coded path)
 *            ino dev size mode (varints) mtime ctime (svarint s, varint ns)
 *            fp(u64le) content_len(varint) content scan_len(varint) scan
 *            pii_len(varint) pii xattrs_known(varint 0|1) xattrs_len(varint) xattrs
 *   end: 0xff, then SHA-256 of everything before it
 * A reader verifies the checksum before handing out any record: a damaged
 * cache is ignored, never trusted.
 */
#ifndef RP_FCACHE_H
#define RP_FCACHE_H

#include "util/buf.h"
#include "util/err.h"

#include <stdint.h>

#define RP_FCACHE_VERSION 3 /* the byte after "RPFC" */

typedef struct rp_fcache_rec {
	const char *path; /* full path, NUL-terminated (valid until the next call) */
	size_t path_len;
	uint64_t ino, dev, size;
	uint32_t mode;
	int64_t mtime_s, ctime_s;
	uint32_t mtime_ns, ctime_ns;
	uint64_t fp;
	const uint8_t *content; /* RP_CONTENT_ITEM_BYTES per item */
	size_t content_len;
	const uint8_t *scan;
	size_t scan_len;
	const uint8_t *pii;
	size_t pii_len;
	int xattrs_known; /* 0: they could not be read, read them again */
	const uint8_t *xattrs; /* the node's xattr list, as in a tree */
	size_t xattrs_len;
} rp_fcache_rec;

/* Path of the cache file for a repository cache dir, host and paths. */
int rp_fcache_path(const char *repo_cache_dir, const char *host, char *const *paths, size_t n_paths, char **out,
		   rp_err *e);

typedef struct rp_fcache_reader rp_fcache_reader;
/* Opens and verifies a cache file.  A missing, damaged or foreign file
 * yields *out = NULL and 0 (no cache); only memory errors fail. */
int rp_fcache_open(rp_fcache_reader **out, const char *path, const uint8_t repo_id[32], rp_err *e);
void rp_fcache_close(rp_fcache_reader *r);
/* The snapshot the cache describes. */
const uint8_t *rp_fcache_snapshot(const rp_fcache_reader *r);
/* 1 and the next record, or 0 at the end. */
int rp_fcache_next(rp_fcache_reader *r, rp_fcache_rec *rec);

typedef struct rp_fcache_writer rp_fcache_writer;
/* Starts a new cache file (a temporary beside path). */
int rp_fcache_create(rp_fcache_writer **out, const char *path, const uint8_t repo_id[32], rp_err *e);
int rp_fcache_put(rp_fcache_writer *w, const rp_fcache_rec *rec, rp_err *e);
/* Finishes the file for snapshot_id and moves it over the old cache. */
int rp_fcache_commit(rp_fcache_writer *w, const uint8_t snapshot_id[32], rp_err *e);
/* Drops the temporary file. */
void rp_fcache_abort(rp_fcache_writer *w);

#endif
