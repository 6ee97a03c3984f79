/* blob.h - turning a chunk or tree into the sealed bytes stored in a pack.
 *
 * A blob is zstd-compressed when that pays, then sealed with the pack's
 * key.  The AEAD's associated data binds the blob type and id, so a blob
 * moved to another id or type fails authentication.
 *
 * rp_blob_codec holds one thread's compression, decompression and cipher
 * contexts; buffers are grown once and reused across blobs.
 */
#ifndef RP_BLOB_H
#define RP_BLOB_H

#include "../util/buf.h"
#include "crypto.h"

enum { RP_BLOB_DATA = 0, RP_BLOB_TREE = 1 };
#define RP_BLOB_FLAG_ZSTD 0x01
/* A blob stores at most this much plaintext (bounds decoder allocations). */
#define RP_BLOB_MAX_BYTES (64u << 20)

typedef struct rp_blob_codec rp_blob_codec;

int rp_blob_codec_new(rp_blob_codec **out, int zstd_level, rp_err *e);
void rp_blob_codec_free(rp_blob_codec *c);
rp_aead *rp_blob_codec_aead(rp_blob_codec *c);

/* Largest sealed size of a blob of n plaintext bytes. */
size_t rp_blob_sealed_bound(size_t n);

/* Compresses (when try_compress and it shrinks the data by at least 1/32)
 * and seals data[0..n) into out (reset first).  *flags receives
 * RP_BLOB_FLAG_ZSTD when compressed.  *out points at memory inside c that
 * stays valid until the next call on c. */
int rp_blob_seal(rp_blob_codec *c, int alg, const uint8_t key[RP_KEY_BYTES], uint8_t type, const rp_id *id,
		 const uint8_t *data, size_t n, int try_compress, const uint8_t **out, size_t *out_len,
		 uint8_t *flags, rp_err *e);

/* Opens a sealed blob and decompresses it; *out (inside c, valid until the
 * next call) receives exactly raw_len bytes or the call fails with
 * RP_ECRYPTO / RP_ECORRUPT. */
int rp_blob_open(rp_blob_codec *c, const uint8_t key[RP_KEY_BYTES], uint8_t type, const rp_id *id,
		 uint8_t flags, uint32_t raw_len, const uint8_t *sealed, size_t sealed_len, const uint8_t **out,
		 rp_err *e);

/* Plain zstd helpers for sealed files (index, snapshot): compress src into
 * dst (appending), and decompress src into dst (appending) with at most
 * max_out bytes of output. */
int rp_zstd_compress(rp_blob_codec *c, const void *src, size_t n, rp_buf *dst, rp_err *e);
int rp_zstd_decompress(rp_blob_codec *c, const void *src, size_t n, size_t max_out, rp_buf *dst, rp_err *e);

#endif
