/* pack.h - layout of pack files.
 *
 *   header   "RPAK" version(1)=1 reserved(3)=0 eph_pk(32)        40 bytes
 *   blobs    sealed blobs back to back (see blob.h)
 *   trailer  envelope(pack key, aad = header) of the entry table
 *   length   u32le length of the trailer envelope
 *
 * The pack key is rp_seal_key_open(repo secret key, eph_pk): a backup-only
 * key can write a pack but not read it back.  The file's name is the
 * SHA-256 of all its bytes.
 */
#ifndef RP_PACK_H
#define RP_PACK_H

#include "../util/buf.h"
#include "crypto.h"

#define RP_PACK_VERSION 1
#define RP_PACK_HEADER_BYTES 40
/* A pack's trailer table may not describe more blobs than this. */
#define RP_PACK_MAX_BLOBS (1u << 22)
#define RP_PACK_MAX_TRAILER_BYTES (RP_PACK_MAX_BLOBS * 64u)

typedef struct rp_pack_entry {
	rp_id id;
	uint8_t type;
	uint8_t flags;
	uint32_t offset;     /* of the sealed blob within the pack */
	uint32_t sealed_len; /* bytes of the sealed blob */
	uint32_t raw_len;    /* plaintext bytes */
} rp_pack_entry;

void rp_pack_header_encode(uint8_t out[RP_PACK_HEADER_BYTES], const uint8_t eph_pk[32]);
/* RP_ECORRUPT for a wrong magic, RP_EVERSION for a newer version. */
int rp_pack_header_decode(const uint8_t *p, size_t n, uint8_t eph_pk[32], rp_err *e);

/* Appends the sealed trailer and its u32le length to out. */
int rp_pack_trailer_encode(rp_aead *a, int alg, const uint8_t key[RP_KEY_BYTES],
			   const uint8_t header[RP_PACK_HEADER_BYTES], const rp_pack_entry *entries, size_t n,
			   rp_buf *out, rp_err *e);

/* Length of the trailer envelope from the pack's last 4 bytes, checked
 * against the pack size. */
int rp_pack_trailer_len(const uint8_t last4[4], uint64_t pack_size, uint32_t *len, rp_err *e);

/* Opens a trailer envelope and decodes its table into *entries (malloc'd,
 * owned by the caller).  Every entry is checked to lie inside the blob area
 * [RP_PACK_HEADER_BYTES, blobs_end). */
int rp_pack_trailer_decode(rp_aead *a, const uint8_t key[RP_KEY_BYTES], const uint8_t header[RP_PACK_HEADER_BYTES],
			   const uint8_t *env, size_t env_len, uint64_t blobs_end, rp_pack_entry **entries,
			   size_t *count, rp_err *e);

#endif
