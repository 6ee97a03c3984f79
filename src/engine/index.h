/* index.h - the in-memory index: where every blob of the repository is.
 *
 * Two parts.  The frozen part holds everything the repository's index
 * files say, sorted by blob id: in memory only an 8-byte prefix of each
 * id and a bucket directory (about 9 bytes per blob); the full entries
 * (id and location, 48 bytes) live in a cache file that is mapped, so only
 * the pages that lookups hit become resident.  The cache file is named by
 * a hash of the set of index files, so it is rebuilt exactly when that
 * set changes.  The overlay holds what is added while a command runs
 * (packs written by a backup): a hash table in memory.
 *
 * Lookups and additions may come from several threads at once.  While a
 * backup runs, a worker first claims an id it is about to store
 * (rp_index_claim), so two workers that meet the same new chunk store it
 * once.
 */
#ifndef RP_INDEX_H
#define RP_INDEX_H

#include "format/pack.h"
#include "repo.h"

typedef struct rp_blob_loc {
	uint32_t pack; /* number of the pack in this index's pack table */
	uint32_t offset;
	uint32_t sealed_len;
	uint32_t raw_len;
	uint8_t type;
	uint8_t flags;
} rp_blob_loc;

typedef struct rp_index rp_index;

int rp_index_new(rp_index **out, rp_err *e);
void rp_index_free(rp_index *x);

enum {
	RP_INDEX_STRICT = 1,   /* a damaged index file is an error */
	RP_INDEX_NO_CACHE = 2, /* read every index file (check, prune) */
};

/* Reads the repository's index (through the cache file when it is
 * current).  Index files superseded by another one present are skipped.
 * Without RP_INDEX_STRICT a damaged index file is counted in *damaged and
 * skipped. */
int rp_index_load(rp_index *x, rp_repo *r, int flags, size_t *damaged, rp_err *e);

/* Records that pack holds the given blobs (the overlay). */
int rp_index_add_pack(rp_index *x, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
		      size_t n, rp_err *e);

/* 1 and *loc when id is stored, 0 when not. */
int rp_index_lookup(rp_index *x, const rp_id *id, rp_blob_loc *loc);
/* 1 when id is stored or already claimed by another writer; otherwise
 * claims it for the caller and returns 0.  -1 when out of memory. */
int rp_index_claim(rp_index *x, const rp_id *id);
/* Gives up a claim (the blob was not stored after all). */
void rp_index_unclaim(rp_index *x, const rp_id *id);

size_t rp_index_pack_count(const rp_index *x);
size_t rp_index_blob_count(const rp_index *x);
const rp_id *rp_index_pack_id(const rp_index *x, uint32_t pack);
const uint8_t *rp_index_pack_eph(const rp_index *x, uint32_t pack);
/* Number of the pack with this id, or -1. */
int64_t rp_index_find_pack(const rp_index *x, const rp_id *pack);

/* Calls fn for every blob; stops early when fn returns nonzero. */
int rp_index_foreach(rp_index *x, int (*fn)(void *ctx, const rp_id *id, const rp_blob_loc *loc), void *ctx);

/* The ids of the index files rp_index_load read (not superseded). */
size_t rp_index_file_count(const rp_index *x);
const char *rp_index_file_id(const rp_index *x, size_t i);

/* ---- the cache file, also for tools that build huge synthetic indexes ---- */

typedef struct rp_index_cache_writer rp_index_cache_writer;
/* Starts a cache file at path with the given pack table. */
int rp_index_cache_create(rp_index_cache_writer **out, const char *path, const uint8_t key[32], size_t n_packs,
			  const rp_id *pack_ids, const uint8_t (*ephs)[32], rp_err *e);
/* Appends an entry; entries must come in increasing id order. */
int rp_index_cache_add(rp_index_cache_writer *w, const rp_id *id, const rp_blob_loc *loc, rp_err *e);
/* Completes the file (atomically renamed into place) and frees w. */
int rp_index_cache_finish(rp_index_cache_writer *w, rp_err *e);
/* Makes the cache file at path the frozen part of x (x must be empty). */
int rp_index_open_cache(rp_index *x, const char *path, const uint8_t key[32], rp_err *e);

#endif
