/* crypto.h - the primitives of the repository format.
 *
 *  - blob ids: HMAC-SHA-256 keyed with the repository's id key, so an id
 *    reveals nothing about the plaintext to anyone without the key;
 *  - file names: plain SHA-256 of the file's bytes (write-once, verifiable
 *    by a server that holds no key);
 *  - sealing: an AEAD envelope `alg(1) nonce ciphertext tag(16)` with a
 *    fresh random nonce, AES-256-GCM (alg 1) or XChaCha20-Poly1305 (alg 2);
 *  - public-key sealing: X25519 between an ephemeral key and the repository's
 *    data key, hashed with BLAKE2b into a one-time symmetric key.
 *
 * Contexts (rp_hasher, rp_aead) hold scratch state and belong to one thread;
 * rp_idkey is read-only once made and may be shared.
 */
#ifndef RP_CRYPTO_H
#define RP_CRYPTO_H

#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>

#define RP_ID_BYTES 32
#define RP_KEY_BYTES 32

typedef struct rp_id {
	uint8_t b[RP_ID_BYTES];
} rp_id;

enum { RP_AEAD_AES256GCM = 1, RP_AEAD_XCHACHA20 = 2 };

#define RP_AEAD_TAG_BYTES 16
/* Largest envelope overhead of any algorithm (XChaCha20: 1 + 24 + 16). */
#define RP_SEAL_OVERHEAD_MAX 41

/* Must be called once by main before any other function here. */
int rp_crypto_init(rp_err *e);
/* The AEAD this CPU runs fastest: AES-256-GCM with AES-NI, else XChaCha20. */
int rp_aead_preferred(void);
/* Fills p with n bytes from the system CSPRNG. */
void rp_random(void *p, size_t n);
/* Overwrites memory holding secrets in a way the compiler keeps. */
void rp_wipe(void *p, size_t n);

/* ---- keyed blob ids ---- */

typedef struct rp_idkey rp_idkey;
typedef struct rp_hasher rp_hasher;

int rp_idkey_new(rp_idkey **out, const uint8_t key[RP_KEY_BYTES], rp_err *e);
void rp_idkey_free(rp_idkey *k);
int rp_hasher_new(rp_hasher **out, rp_err *e);
void rp_hasher_free(rp_hasher *h);
/* id = HMAC-SHA-256(key, data).  h is this thread's scratch. */
int rp_id_compute(const rp_idkey *k, rp_hasher *h, const void *data, size_t n, rp_id *id);

/* ---- SHA-256 of files ---- */

typedef struct rp_sha256 rp_sha256;
int rp_sha256_new(rp_sha256 **out, rp_err *e);
void rp_sha256_free(rp_sha256 *s);
int rp_sha256_reset(rp_sha256 *s);
int rp_sha256_update(rp_sha256 *s, const void *p, size_t n);
int rp_sha256_final(rp_sha256 *s, uint8_t out[32]);
/* One-shot SHA-256. */
int rp_sha256_once(const void *p, size_t n, uint8_t out[32]);

/* ---- AEAD envelopes ---- */

typedef struct rp_aead rp_aead;
int rp_aead_new(rp_aead **out, rp_err *e);
void rp_aead_free(rp_aead *a);
/* Bytes an envelope adds to its plaintext for algorithm alg (0 if unknown). */
size_t rp_seal_overhead(int alg);
/* Seals pt[0..n) into out, which must hold n + rp_seal_overhead(alg) bytes;
 * *out_len receives the envelope's length. */
int rp_seal(rp_aead *a, int alg, const uint8_t key[RP_KEY_BYTES], const void *aad, size_t aad_len,
	    const void *pt, size_t n, uint8_t *out, size_t *out_len, rp_err *e);
/* Opens an envelope into out (at least in_len bytes); *out_len gets the
 * plaintext length.  RP_ECRYPTO when the tag does not verify, RP_ECORRUPT
 * when the envelope is malformed, RP_EVERSION for an unknown algorithm. */
int rp_open(rp_aead *a, const uint8_t key[RP_KEY_BYTES], const void *aad, size_t aad_len,
	    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len, rp_err *e);

/* ---- public-key sealing (backup-only keys write, full keys read) ---- */

/* Makes a fresh X25519 key pair. */
void rp_x25519_keypair(uint8_t pk[32], uint8_t sk[32]);
/* Derives the public key of sk. */
int rp_x25519_public(uint8_t pk[32], const uint8_t sk[32]);
/* Writer side: picks an ephemeral key pair, returns its public half in
 * eph_pk and the symmetric key shared with the owner of repo_pk. */
int rp_seal_key_new(const uint8_t repo_pk[32], uint8_t eph_pk[32], uint8_t key[RP_KEY_BYTES], rp_err *e);
/* Reader side: the same symmetric key from the repository's secret key. */
int rp_seal_key_open(const uint8_t repo_sk[32], const uint8_t repo_pk[32], const uint8_t eph_pk[32],
		     uint8_t key[RP_KEY_BYTES], rp_err *e);

/* ---- passwords ---- */

#define RP_KDF_SALT_BYTES 16
/* Argon2id(password, salt, opslimit, memlimit) -> key. */
int rp_kdf_argon2id(uint8_t key[RP_KEY_BYTES], const char *password, size_t pw_len,
		    const uint8_t salt[RP_KDF_SALT_BYTES], uint64_t opslimit, uint64_t memlimit, rp_err *e);

#endif
