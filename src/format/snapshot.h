/* snapshot.h - snapshot file bodies (JSON, sealed as RSNP to the data key).
 *
 * A snapshot names the root tree of one backup run and says when, where
 * and how it was taken.  `scan` and `pii` are JSON objects written by the
 * scanners and kept verbatim.
 */
#ifndef RP_SNAPSHOT_H
#define RP_SNAPSHOT_H

#include "../util/buf.h"
#include "crypto.h"

#include <stdint.h>

#define RP_SNAPSHOT_VERSION 1

typedef struct rp_snapshot_stats {
	uint64_t files, dirs, others;
	uint64_t bytes;           /* sum of regular file sizes */
	uint64_t files_new, files_changed, files_unchanged;
	uint64_t bytes_read;      /* content bytes actually read */
	uint64_t blobs_added;
	uint64_t bytes_added;     /* plaintext bytes of new blobs */
	uint64_t bytes_stored;    /* sealed bytes of new blobs */
	uint64_t errors;
	double seconds;
} rp_snapshot_stats;

typedef struct rp_snapshot {
	int64_t time_s;
	uint32_t time_ns;
	char *host;
	char *username;
	char **paths;
	size_t n_paths;
	char **tags;
	size_t n_tags;
	rp_id tree;
	int has_parent;
	rp_id parent;
	char *verdict;   /* "clean", "suspicious", "attack", or NULL (not analysed) */
	char *scan_json; /* JSON object text, or NULL */
	char *pii_json;  /* JSON object text, or NULL */
	rp_snapshot_stats stats;
} rp_snapshot;

int rp_snapshot_encode(const rp_snapshot *s, rp_buf *out, rp_err *e);
/* Fills *s with strings it allocates; free with rp_snapshot_clear. */
int rp_snapshot_decode(const uint8_t *p, size_t n, rp_snapshot *s, rp_err *e);
void rp_snapshot_clear(rp_snapshot *s);
/* Formats time as "2026-11-23T16:05:13.123456789Z" (buf of 40 bytes). */
void rp_time_format(char buf[40], int64_t s, uint32_t ns);

#endif
