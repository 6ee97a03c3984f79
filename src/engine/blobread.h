/* blobread.h - reading single blobs back from packs (one per thread).
 *
 * A blob is read by range from its pack, opened with the pack's key
 * (derived once per pack and cached), decompressed, and checked against
 * its id (HMAC of the plaintext), so nothing wrong is ever handed out.
 */
#ifndef RP_BLOBREAD_H
#define RP_BLOBREAD_H

#include "index.h"

typedef struct rp_blob_reader rp_blob_reader;

int rp_blob_reader_new(rp_blob_reader **out, rp_repo *r, rp_index *idx, rp_err *e);
void rp_blob_reader_free(rp_blob_reader *b);

/* The symmetric key of a pack (full key needed). */
int rp_blob_reader_pack_key(rp_blob_reader *b, uint32_t pack, uint8_t key[RP_KEY_BYTES], rp_err *e);

/* Reads blob id of the given type; *data (valid until the next call on b)
 * receives the plaintext.  RP_ENOTFOUND when the index has no such blob,
 * RP_ECRYPTO / RP_ECORRUPT for damage, with the pack named. */
int rp_blob_read(rp_blob_reader *b, const rp_id *id, uint8_t type, const uint8_t **data, size_t *n, rp_err *e);

/* Opens a sealed blob already in memory (from a larger pack read). */
int rp_blob_open_at(rp_blob_reader *b, const rp_id *id, const rp_blob_loc *loc, const uint8_t *sealed,
		    const uint8_t **data, rp_err *e);

#endif
