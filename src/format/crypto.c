/* crypto.c - the primitives of the repository format (OpenSSL + libsodium). */
#include "crypto.h"

#include <openssl/evp.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HMAC_BLOCK_BYTES 64
#define GCM_NONCE_BYTES 12
#define XCHACHA_NONCE_BYTES 24

int rp_crypto_init(rp_err *e)
{
	if (sodium_init() < 0)
		return rp_err_set(e, RP_EIO, "libsodium failed to initialise");
	return 0;
}

int rp_aead_preferred(void)
{
	return sodium_runtime_has_aesni() && sodium_runtime_has_pclmul() ? RP_AEAD_AES256GCM
									  : RP_AEAD_XCHACHA20;
}

void rp_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}

void rp_wipe(void *p, size_t n)
{
	sodium_memzero(p, n);
}

/* ---- keyed ids: HMAC-SHA-256 with the two padded key blocks absorbed once ---- */

struct rp_idkey {
	EVP_MD_CTX *inner; /* state after absorbing key ^ ipad */
	EVP_MD_CTX *outer; /* state after absorbing key ^ opad */
};

struct rp_hasher {
	EVP_MD_CTX *ctx;
};

void rp_idkey_free(rp_idkey *k)
{
	if (!k)
		return;
	EVP_MD_CTX_free(k->inner);
	EVP_MD_CTX_free(k->outer);
	free(k);
}

int rp_idkey_new(rp_idkey **out, const uint8_t key[RP_KEY_BYTES], rp_err *e)
{
	uint8_t ipad[HMAC_BLOCK_BYTES], opad[HMAC_BLOCK_BYTES];
	rp_idkey *k = calloc(1, sizeof *k);
	if (!k)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	memset(ipad, 0x36, sizeof ipad);
	memset(opad, 0x5c, sizeof opad);
	for (int i = 0; i < RP_KEY_BYTES; i++) {
		ipad[i] ^= key[i];
		opad[i] ^= key[i];
	}
	k->inner = EVP_MD_CTX_new();
	k->outer = EVP_MD_CTX_new();
	int ok = k->inner && k->outer && EVP_DigestInit_ex(k->inner, EVP_sha256(), NULL) &&
		 EVP_DigestInit_ex(k->outer, EVP_sha256(), NULL) &&
		 EVP_DigestUpdate(k->inner, ipad, sizeof ipad) &&
		 EVP_DigestUpdate(k->outer, opad, sizeof opad);
	rp_wipe(ipad, sizeof ipad);
	rp_wipe(opad, sizeof opad);
	if (!ok) {
		rp_idkey_free(k);
		return rp_err_set(e, RP_EIO, "OpenSSL: SHA-256 unavailable");
	}
	*out = k;
	return 0;
}

int rp_hasher_new(rp_hasher **out, rp_err *e)
{
	rp_hasher *h = calloc(1, sizeof *h);
	if (!h || !(h->ctx = EVP_MD_CTX_new())) {
		free(h);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	*out = h;
	return 0;
}

void rp_hasher_free(rp_hasher *h)
{
	if (!h)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

int rp_id_compute(const rp_idkey *k, rp_hasher *h, const void *data, size_t n, rp_id *id)
{
	uint8_t inner[32];
	unsigned len = 0;
	if (!EVP_MD_CTX_copy_ex(h->ctx, k->inner) || !EVP_DigestUpdate(h->ctx, data, n) ||
	    !EVP_DigestFinal_ex(h->ctx, inner, &len))
		return RP_EIO;
	if (!EVP_MD_CTX_copy_ex(h->ctx, k->outer) || !EVP_DigestUpdate(h->ctx, inner, sizeof inner) ||
	    !EVP_DigestFinal_ex(h->ctx, id->b, &len))
		return RP_EIO;
	return 0;
}

/* ---- SHA-256 ---- */

struct rp_sha256 {
	EVP_MD_CTX *ctx;
};

int rp_sha256_new(rp_sha256 **out, rp_err *e)
{
	rp_sha256 *s = calloc(1, sizeof *s);
	if (!s || !(s->ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL)) {
		rp_sha256_free(s);
		return rp_err_set(e, RP_ENOMEM, "cannot set up SHA-256");
	}
	*out = s;
	return 0;
}

void rp_sha256_free(rp_sha256 *s)
{
	if (!s)
		return;
	EVP_MD_CTX_free(s->ctx);
	free(s);
}

int rp_sha256_reset(rp_sha256 *s)
{
	return EVP_DigestInit_ex(s->ctx, EVP_sha256(), NULL) ? 0 : RP_EIO;
}

int rp_sha256_update(rp_sha256 *s, const void *p, size_t n)
{
	return EVP_DigestUpdate(s->ctx, p, n) ? 0 : RP_EIO;
}

int rp_sha256_final(rp_sha256 *s, uint8_t out[32])
{
	unsigned len;
	return EVP_DigestFinal_ex(s->ctx, out, &len) ? 0 : RP_EIO;
}

int rp_sha256_once(const void *p, size_t n, uint8_t out[32])
{
	unsigned len;
	return EVP_Digest(p, n, out, &len, EVP_sha256(), NULL) ? 0 : RP_EIO;
}

/* ---- AEAD envelopes ---- */

struct rp_aead {
	EVP_CIPHER_CTX *gcm;
};

int rp_aead_new(rp_aead **out, rp_err *e)
{
	rp_aead *a = calloc(1, sizeof *a);
	if (!a || !(a->gcm = EVP_CIPHER_CTX_new()) ||
	    !EVP_EncryptInit_ex(a->gcm, EVP_aes_256_gcm(), NULL, NULL, NULL)) {
		rp_aead_free(a);
		return rp_err_set(e, RP_ENOMEM, "cannot set up AES-256-GCM");
	}
	*out = a;
	return 0;
}

void rp_aead_free(rp_aead *a)
{
	if (!a)
		return;
	EVP_CIPHER_CTX_free(a->gcm);
	free(a);
}

size_t rp_seal_overhead(int alg)
{
	switch (alg) {
	case RP_AEAD_AES256GCM: return 1 + GCM_NONCE_BYTES + RP_AEAD_TAG_BYTES;
	case RP_AEAD_XCHACHA20: return 1 + XCHACHA_NONCE_BYTES + RP_AEAD_TAG_BYTES;
	default: return 0;
	}
}

static int gcm_seal(rp_aead *a, const uint8_t *key, const uint8_t *nonce, const void *aad,
		    size_t aad_len, const void *pt, size_t n, uint8_t *ct, uint8_t *tag)
{
	int len;
	EVP_CIPHER_CTX *c = a->gcm;
	if (n > INT32_MAX || aad_len > INT32_MAX)
		return RP_EINVAL;
	if (!EVP_EncryptInit_ex(c, NULL, NULL, key, nonce))
		return RP_EIO;
	if (aad_len && !EVP_EncryptUpdate(c, NULL, &len, aad, (int)aad_len))
		return RP_EIO;
	if (n && !EVP_EncryptUpdate(c, ct, &len, pt, (int)n))
		return RP_EIO;
	if (!EVP_EncryptFinal_ex(c, ct + n, &len) ||
	    !EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, RP_AEAD_TAG_BYTES, tag))
		return RP_EIO;
	return 0;
}

static int gcm_open(rp_aead *a, const uint8_t *key, const uint8_t *nonce, const void *aad,
		    size_t aad_len, const uint8_t *ct, size_t n, const uint8_t *tag, uint8_t *pt)
{
	int len;
	EVP_CIPHER_CTX *c = a->gcm;
	if (n > INT32_MAX || aad_len > INT32_MAX)
		return RP_EINVAL;
	if (!EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce))
		return RP_EIO;
	if (aad_len && !EVP_DecryptUpdate(c, NULL, &len, aad, (int)aad_len))
		return RP_EIO;
	if (n && !EVP_DecryptUpdate(c, pt, &len, ct, (int)n))
		return RP_EIO;
	if (!EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, RP_AEAD_TAG_BYTES, (void *)tag))
		return RP_EIO;
	int ok = EVP_DecryptFinal_ex(c, pt + n, &len) > 0;
	/* back to encrypt mode so the next rp_seal needs no cipher lookup */
	EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL);
	return ok ? 0 : RP_ECRYPTO;
}

int rp_seal(rp_aead *a, int alg, const uint8_t key[RP_KEY_BYTES], const void *aad, size_t aad_len,
	    const void *pt, size_t n, uint8_t *out, size_t *out_len, rp_err *e)
{
	if (alg == RP_AEAD_AES256GCM) {
		uint8_t *nonce = out + 1, *ct = nonce + GCM_NONCE_BYTES;
		out[0] = RP_AEAD_AES256GCM;
		rp_random(nonce, GCM_NONCE_BYTES);
		if (gcm_seal(a, key, nonce, aad, aad_len, pt, n, ct, ct + n))
			return rp_err_set(e, RP_EIO, "AES-256-GCM encryption failed");
	} else if (alg == RP_AEAD_XCHACHA20) {
		uint8_t *nonce = out + 1, *ct = nonce + XCHACHA_NONCE_BYTES;
		unsigned long long clen;
		out[0] = RP_AEAD_XCHACHA20;
		rp_random(nonce, XCHACHA_NONCE_BYTES);
		crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &clen, pt, n, aad, aad_len, NULL, nonce, key);
	} else {
		return rp_err_set(e, RP_EINVAL, "unknown AEAD algorithm %d", alg);
	}
	*out_len = n + rp_seal_overhead(alg);
	return 0;
}

int rp_open(rp_aead *a, const uint8_t key[RP_KEY_BYTES], const void *aad, size_t aad_len,
	    const uint8_t *in, size_t in_len, uint8_t *out, size_t *out_len, rp_err *e)
{
	if (in_len < 1)
		return rp_err_set(e, RP_ECORRUPT, "empty envelope");
	size_t over = rp_seal_overhead(in[0]);
	if (over == 0)
		return rp_err_set(e, RP_EVERSION, "unknown encryption algorithm %u", in[0]);
	if (in_len < over)
		return rp_err_set(e, RP_ECORRUPT, "envelope of %zu bytes is too short", in_len);
	size_t n = in_len - over;
	if (in[0] == RP_AEAD_AES256GCM) {
		const uint8_t *nonce = in + 1, *ct = nonce + GCM_NONCE_BYTES;
		int rc = gcm_open(a, key, nonce, aad, aad_len, ct, n, ct + n, out);
		if (rc == RP_ECRYPTO)
			return rp_err_set(e, rc, "authentication failed (data damaged or wrong key)");
		if (rc)
			return rp_err_set(e, rc, "AES-256-GCM decryption failed");
	} else {
		const uint8_t *nonce = in + 1, *ct = nonce + XCHACHA_NONCE_BYTES;
		unsigned long long mlen;
		if (crypto_aead_xchacha20poly1305_ietf_decrypt(out, &mlen, NULL, ct, n + RP_AEAD_TAG_BYTES,
							       aad, aad_len, nonce, key))
			return rp_err_set(e, RP_ECRYPTO, "authentication failed (data damaged or wrong key)");
	}
	*out_len = n;
	return 0;
}

/* ---- public-key sealing ---- */

void rp_x25519_keypair(uint8_t pk[32], uint8_t sk[32])
{
	crypto_box_keypair(pk, sk);
}

int rp_x25519_public(uint8_t pk[32], const uint8_t sk[32])
{
	return crypto_scalarmult_base(pk, sk) ? RP_ECRYPTO : 0;
}

/* key = BLAKE2b-256("rempart seal v1" || shared || eph_pk || repo_pk) */
static void seal_kdf(uint8_t key[RP_KEY_BYTES], const uint8_t shared[32], const uint8_t eph_pk[32],
		     const uint8_t repo_pk[32])
{
	static const char label[] = "rempart seal v1";
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, RP_KEY_BYTES);
	crypto_generichash_update(&st, (const uint8_t *)label, sizeof label - 1);
	crypto_generichash_update(&st, shared, 32);
	crypto_generichash_update(&st, eph_pk, 32);
	crypto_generichash_update(&st, repo_pk, 32);
	crypto_generichash_final(&st, key, RP_KEY_BYTES);
	rp_wipe(&st, sizeof st);
}

int rp_seal_key_new(const uint8_t repo_pk[32], uint8_t eph_pk[32], uint8_t key[RP_KEY_BYTES], rp_err *e)
{
	uint8_t eph_sk[32], shared[32];
	rp_x25519_keypair(eph_pk, eph_sk);
	int bad = crypto_scalarmult(shared, eph_sk, repo_pk);
	rp_wipe(eph_sk, sizeof eph_sk);
	if (bad)
		return rp_err_set(e, RP_ECRYPTO, "repository public key is invalid");
	seal_kdf(key, shared, eph_pk, repo_pk);
	rp_wipe(shared, sizeof shared);
	return 0;
}

int rp_seal_key_open(const uint8_t repo_sk[32], const uint8_t repo_pk[32], const uint8_t eph_pk[32],
		     uint8_t key[RP_KEY_BYTES], rp_err *e)
{
	uint8_t shared[32];
	if (crypto_scalarmult(shared, repo_sk, eph_pk))
		return rp_err_set(e, RP_ECORRUPT, "invalid ephemeral public key");
	seal_kdf(key, shared, eph_pk, repo_pk);
	rp_wipe(shared, sizeof shared);
	return 0;
}

int rp_kdf_argon2id(uint8_t key[RP_KEY_BYTES], const char *password, size_t pw_len,
		    const uint8_t salt[RP_KDF_SALT_BYTES], uint64_t opslimit, uint64_t memlimit, rp_err *e)
{
	if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_MAX ||
	    memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > (uint64_t)1 << 34)
		return rp_err_set(e, RP_ECORRUPT, "Argon2id parameters out of range (ops %llu, mem %llu)",
				  (unsigned long long)opslimit, (unsigned long long)memlimit);
	if (crypto_pwhash(key, RP_KEY_BYTES, password, pw_len, salt, opslimit, (size_t)memlimit,
			  crypto_pwhash_ALG_ARGON2ID13))
		return rp_err_set(e, RP_ENOMEM, "Argon2id needs %llu MiB of memory and could not get it",
				  (unsigned long long)(memlimit >> 20));
	return 0;
}
