/* packer.h - writes blobs into pack files, one open pack per packer.
 *
 * A packer belongs to one thread.  Each pack gets a fresh ephemeral key
 * (so the writer cannot read earlier packs), is streamed to a store
 * writer through a small buffer, hashed as it goes, and committed under
 * its SHA-256 once it reaches the repository's pack size or on flush.
 * Committed packs are announced to the sink (index + index writer).
 */
#ifndef RP_PACKER_H
#define RP_PACKER_H

#include "format/pack.h"
#include "repo.h"

typedef int (*rp_pack_done_fn)(void *ctx, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
			       size_t n, uint64_t pack_bytes, rp_err *e);

typedef struct rp_packer rp_packer;

int rp_packer_new(rp_packer **out, rp_repo *r, rp_pack_done_fn done, void *ctx, rp_err *e);
/* Aborts a pack still open (nothing becomes visible) and frees p. */
void rp_packer_free(rp_packer *p);

/* Seals data as a blob of the given type and id and appends it.
 * *stored receives the sealed size. */
int rp_packer_add(rp_packer *p, rp_blob_codec *c, uint8_t type, const rp_id *id, const uint8_t *data, size_t n,
		  int try_compress, uint32_t *stored, rp_err *e);
/* Uses a fixed session key for every pack from now on (instead of a new
 * ephemeral key per pack). */
void rp_packer_set_key(rp_packer *p, const uint8_t eph_pk[32], const uint8_t key[RP_KEY_BYTES]);

/* Appends a blob already sealed with the session key. */
int rp_packer_add_sealed(rp_packer *p, rp_blob_codec *c, uint8_t type, const rp_id *id, uint8_t flags, uint32_t raw_len,
			 const uint8_t *sealed, size_t sealed_len, rp_err *e);

/* Commits the open pack, if any. */
int rp_packer_flush(rp_packer *p, rp_blob_codec *c, rp_err *e);

#endif
