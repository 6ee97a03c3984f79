/* idxwriter.h - collects committed packs and writes index files.
 *
 * Thread-safe.  An index file is written once enough packs accumulate,
 * and on rp_idxwriter_flush.  Before an index file is written the store
 * is synced, so an index never names a pack that could vanish in a crash.
 */
#ifndef RP_IDXWRITER_H
#define RP_IDXWRITER_H

#include "index.h"

typedef struct rp_idxwriter rp_idxwriter;

int rp_idxwriter_new(rp_idxwriter **out, rp_repo *r, rp_index *idx, rp_err *e);
void rp_idxwriter_free(rp_idxwriter *w);
/* Records a committed pack: adds it to the in-memory index at once, and
 * to the next index file. */
int rp_idxwriter_add(rp_idxwriter *w, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
		     size_t n, rp_err *e);
/* Writes the pending entries as an index file (if any). */
int rp_idxwriter_flush(rp_idxwriter *w, rp_err *e);
/* Statistics: packs and bytes written through this writer. */
uint64_t rp_idxwriter_packs(const rp_idxwriter *w);

/* A rp_pack_done_fn that forwards to rp_idxwriter_add (ctx = writer). */
int rp_idxwriter_pack_done(void *ctx, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
			   size_t n, uint64_t pack_bytes, rp_err *e);

#endif
