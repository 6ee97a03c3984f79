/* indexfile.h - body of index files: which blobs each pack holds.
 *
 *   version(1)=1
 *   n_supersedes(varint) index_id(32) * n   -- index files this one replaces
 *   n_packs(varint), then per pack:
 *     pack_id(32) eph_pk(32) n_blobs(varint)
 *     per blob: type(1) flags(1) id(32) offset(varint) sealed_len(varint) raw_len(varint)
 */
#ifndef RP_INDEXFILE_H
#define RP_INDEXFILE_H

#include "../util/buf.h"
#include "pack.h"

#define RP_INDEXFILE_VERSION 1

typedef struct rp_index_pack {
	rp_id pack_id;
	uint8_t eph_pk[32];
	const rp_pack_entry *entries;
	size_t count;
} rp_index_pack;

int rp_indexfile_encode(rp_buf *out, const rp_id *supersedes, size_t n_supersedes, const rp_index_pack *packs,
			size_t n_packs, rp_err *e);

typedef struct rp_indexfile_visitor {
	void *ctx;
	/* each callback returns 0 to go on, or an error code to stop */
	int (*on_supersedes)(void *ctx, const rp_id *index_id);
	int (*on_pack)(void *ctx, const rp_id *pack_id, const uint8_t eph_pk[32], size_t n_blobs);
	int (*on_blob)(void *ctx, const rp_pack_entry *entry);
} rp_indexfile_visitor;

/* Walks a decoded body, calling the visitor for everything in it.  Stops
 * with RP_ECORRUPT (message set) on malformed input. */
int rp_indexfile_decode(const uint8_t *body, size_t n, const rp_indexfile_visitor *v, rp_err *e);

#endif
