/* test_sfile.c - sealed repository files of every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/sfile.h"
#include "testutil.h"

#include <zstd.h>

typedef struct fixture {
	rp_blob_codec *c;
	uint8_t meta[32], pk[32], sk[32];
	uint8_t *big; /* 1 MiB of compressible text */
} fixture;

#define BIG_BYTES (1u << 20)

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (rp_blob_codec_new(&f->c, 3, NULL))
		return -1;
	tu_fill(f->meta, 32, 1);
	rp_x25519_keypair(f->pk, f->sk);
	f->big = malloc(BIG_BYTES);
	for (size_t i = 0; i < BIG_BYTES; i++)
		f->big[i] = (uint8_t)("Registre d'etat civil "[i % 22]);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_blob_codec_free(f->c);
	free(f->big);
	free(f);
	return 0;
}

static const rp_sfile_kind kinds[] = {RP_SF_CONFIG, RP_SF_INDEX, RP_SF_LOCK, RP_SF_SNAPSHOT};
static const char *magics[] = {"RCFG", "RIDX", "RLCK", "RSNP"};

/* Keys to seal and to open a file of kind k. */
static const uint8_t *seal_key(const fixture *f, rp_sfile_kind k)
{
	return k == RP_SF_SNAPSHOT ? f->pk : f->meta;
}

static const uint8_t *open_key(const fixture *f, rp_sfile_kind k)
{
	return k == RP_SF_SNAPSHOT ? f->sk : f->meta;
}

static void test_sfile_every_kind_roundtrip(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	const struct {
		const uint8_t *p;
		size_t n;
	} bodies[] = {{(const uint8_t *)"", 0}, {(const uint8_t *)"{\"version\":1}", 13}, {f->big, BIG_BYTES}};
	for (size_t k = 0; k < 4; k++)
		for (int comp = 0; comp < 2; comp++)
			for (int alg = RP_AEAD_AES256GCM; alg <= RP_AEAD_XCHACHA20; alg++)
				for (size_t b = 0; b < 3; b++) {
					rp_buf_reset(&file);
					rp_buf_reset(&body);
					assert_int_equal(rp_sfile_seal(f->c, alg, kinds[k], seal_key(f, kinds[k]), bodies[b].p,
								       bodies[b].n, comp, &file, NULL),
							 0);
					/* the header: magic, version, mode, reserved */
					assert_memory_equal(file.data, magics[k], 4);
					assert_int_equal(file.data[4], RP_SFILE_VERSION);
					assert_int_equal(file.data[5], kinds[k] == RP_SF_SNAPSHOT ? 2 : 1);
					assert_int_equal(file.data[6] | file.data[7], 0);
					assert_int_equal(rp_sfile_version(kinds[k], file.data, file.len), RP_SFILE_VERSION);
					/* compression makes the big body small; stored keeps it whole */
					if (b == 2)
						assert_true(comp ? file.len < BIG_BYTES / 100 : file.len > BIG_BYTES);
					assert_int_equal(rp_sfile_open(f->c, kinds[k], open_key(f, kinds[k]), f->pk, file.data,
								       file.len, &body, NULL),
							 0);
					assert_int_equal(body.len, bodies[b].n);
					if (bodies[b].n)
						assert_memory_equal(body.data, bodies[b].p, bodies[b].n);
				}
	rp_buf_free(&file);
	rp_buf_free(&body);
}

static void test_sfile_open_appends(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	assert_int_equal(rp_buf_put(&body, "prefix:", 7), 0);
	assert_int_equal(rp_sfile_seal(f->c, 2, RP_SF_INDEX, f->meta, "abc", 3, 1, &file, NULL), 0);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, NULL), 0);
	assert_int_equal(body.len, 10);
	assert_memory_equal(body.data, "prefix:abc", 10);
	rp_buf_free(&file);
	rp_buf_free(&body);
}

static void test_sfile_kind_confusion(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	for (size_t k = 0; k < 4; k++) {
		rp_buf_reset(&file);
		assert_int_equal(rp_sfile_seal(f->c, 1, kinds[k], seal_key(f, kinds[k]), "x", 1, 0, &file, NULL), 0);
		for (size_t other = 0; other < 4; other++) {
			if (other == k)
				continue;
			rp_err e;
			assert_int_equal(rp_sfile_version(kinds[other], file.data, file.len), -1);
			assert_int_equal(rp_sfile_open(f->c, kinds[other], open_key(f, kinds[other]), f->pk, file.data, file.len,
						       &body, &e),
					 RP_ECORRUPT);
			assert_non_null(strstr(e.msg, "bad header"));
		}
		/* the magic of another kind written over it breaks the seal */
		memcpy(file.data, magics[(k + 1) % 4], 4);
		if (kinds[(k + 1) % 4] != RP_SF_SNAPSHOT && kinds[k] != RP_SF_SNAPSHOT)
			assert_int_equal(rp_sfile_open(f->c, kinds[(k + 1) % 4], f->meta, NULL, file.data, file.len, &body, NULL),
					 RP_ECRYPTO);
	}
	assert_int_equal(body.len, 0);
	rp_buf_free(&file);
	rp_buf_free(&body);
}

static void test_sfile_header_tampering(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	for (size_t k = 0; k < 4; k++) {
		rp_sfile_kind kind = kinds[k];
		rp_buf_reset(&file);
		assert_int_equal(rp_sfile_seal(f->c, 1, kind, seal_key(f, kind), "hello", 5, 1, &file, NULL), 0);
		size_t hdr = kind == RP_SF_SNAPSHOT ? 40 : 8;
		static const struct {
			size_t at;
			uint8_t value;
			int rc;
		} t[] = {
			{4, 0, RP_ECORRUPT},  /* version 0 */
			{4, 2, RP_EVERSION},  /* a newer version */
			{4, 255, RP_EVERSION},
			{5, 0, RP_ECORRUPT},  /* mode */
			{5, 3, RP_ECORRUPT},
			{6, 1, RP_ECRYPTO},   /* reserved bytes are authenticated */
			{7, 0x80, RP_ECRYPTO},
		};
		for (size_t i = 0; i < sizeof t / sizeof *t; i++) {
			uint8_t keep = file.data[t[i].at];
			file.data[t[i].at] = t[i].value;
			rp_err e;
			int rc = rp_sfile_open(f->c, kind, open_key(f, kind), f->pk, file.data, file.len, &body, &e);
			if (rc != t[i].rc)
				fail_msg("kind %zu, byte %zu = %u: got %d (%s)", k, t[i].at, t[i].value, rc, e.msg);
			file.data[t[i].at] = keep;
		}
		/* the other mode's value is refused for this kind */
		file.data[5] = kind == RP_SF_SNAPSHOT ? 1 : 2;
		assert_int_equal(rp_sfile_open(f->c, kind, open_key(f, kind), f->pk, file.data, file.len, &body, NULL),
				 RP_ECORRUPT);
		file.data[5] = kind == RP_SF_SNAPSHOT ? 2 : 1;
		/* any flipped bit after the fixed header fails authentication */
		for (size_t at = hdr; at < file.len; at++) {
			file.data[at] ^= 0x04;
			int rc = rp_sfile_open(f->c, kind, open_key(f, kind), f->pk, file.data, file.len, &body, NULL);
			if (at == hdr)
				assert_int_equal(rc, RP_EVERSION); /* the AEAD byte: 1 ^ 4 = 5 */
			else
				assert_int_equal(rc, RP_ECRYPTO);
			file.data[at] ^= 0x04;
		}
		if (kind == RP_SF_SNAPSHOT) {
			/* the ephemeral key is part of the header */
			for (size_t at = 8; at < 40; at++) {
				file.data[at] ^= 0x01;
				int rc = rp_sfile_open(f->c, kind, f->sk, f->pk, file.data, file.len, &body, NULL);
				assert_true(rc == RP_ECRYPTO || rc == RP_ECORRUPT);
				file.data[at] ^= 0x01;
			}
		}
		assert_int_equal(rp_sfile_open(f->c, kind, open_key(f, kind), f->pk, file.data, file.len, &body, NULL), 0);
		assert_int_equal(body.len, 5);
		rp_buf_reset(&body);
	}
	rp_buf_free(&file);
	rp_buf_free(&body);
}

static void test_sfile_truncated_at_every_length(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	for (size_t k = 0; k < 4; k++) {
		rp_buf_reset(&file);
		assert_int_equal(rp_sfile_seal(f->c, 2, kinds[k], seal_key(f, kinds[k]), "{\"k\":1}", 7, 1, &file, NULL), 0);
		for (size_t cut = 0; cut < file.len; cut++) {
			int rc = rp_sfile_open(f->c, kinds[k], open_key(f, kinds[k]), f->pk, file.data, cut, &body, NULL);
			assert_true(rc == RP_ECORRUPT || rc == RP_ECRYPTO);
			assert_int_equal(body.len, 0);
		}
	}
	rp_buf_free(&file);
	rp_buf_free(&body);
}

static void test_sfile_wrong_keys(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0};
	uint8_t other[32], opk[32], osk[32];
	rp_err e;
	tu_fill(other, 32, 2);
	rp_x25519_keypair(opk, osk);
	assert_int_equal(rp_sfile_seal(f->c, 1, RP_SF_CONFIG, f->meta, "c", 1, 0, &file, NULL), 0);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_CONFIG, other, NULL, file.data, file.len, &body, &e), RP_ECRYPTO);
	assert_non_null(strstr(e.msg, "config file"));
	rp_buf_reset(&file);
	assert_int_equal(rp_sfile_seal(f->c, 2, RP_SF_SNAPSHOT, f->pk, "s", 1, 0, &file, NULL), 0);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_SNAPSHOT, osk, opk, file.data, file.len, &body, &e), RP_ECRYPTO);
	/* the right secret key with another public key: the derived key differs */
	assert_int_equal(rp_sfile_open(f->c, RP_SF_SNAPSHOT, f->sk, opk, file.data, file.len, &body, &e), RP_ECRYPTO);
	/* backup-only keys hold no secret key */
	assert_int_equal(rp_sfile_open(f->c, RP_SF_SNAPSHOT, NULL, f->pk, file.data, file.len, &body, &e), RP_EPERM);
	assert_int_equal(body.len, 0);
	rp_buf_free(&file);
	rp_buf_free(&body);
}

/* A file sealed by hand around an arbitrary plaintext (encoding byte and
 * body), to reach the decoder behind the AEAD. */
static void seal_plain(fixture *f, rp_sfile_kind kind, const void *pt, size_t n, rp_buf *out)
{
	uint8_t hdr[8] = {0, 0, 0, 0, RP_SFILE_VERSION, 1, 0, 0};
	memcpy(hdr, magics[kind], 4);
	assert_int_not_equal(kind, RP_SF_SNAPSHOT);
	rp_buf_reset(out);
	assert_int_equal(rp_buf_reserve(out, 8 + n + RP_SEAL_OVERHEAD_MAX), 0);
	memcpy(out->data, hdr, 8);
	size_t env;
	assert_int_equal(rp_seal(rp_blob_codec_aead(f->c), 1, f->meta, hdr, 8, pt, n, out->data + 8, &env, NULL), 0);
	out->len = 8 + env;
}

static void test_sfile_body_encodings(void **state)
{
	fixture *f = *state;
	rp_buf file = {0}, body = {0}, pt = {0};
	rp_err e;
	/* no encoding byte at all */
	seal_plain(f, RP_SF_INDEX, "", 0, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "unknown encoding"));
	/* an encoding from the future */
	seal_plain(f, RP_SF_INDEX, "\x02xyz", 4, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	/* stored */
	seal_plain(f, RP_SF_INDEX, "\x00xyz", 4, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), 0);
	assert_int_equal(body.len, 3);
	rp_buf_reset(&body);
	/* zstd: not a frame */
	seal_plain(f, RP_SF_INDEX, "\x01xyz", 4, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	/* zstd: a frame that does not say its size */
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	uint8_t frame[256];
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
	size_t z = ZSTD_compress2(cc, frame + 1, sizeof frame - 1, "bonjour", 7);
	assert_false(ZSTD_isError(z));
	frame[0] = 1;
	seal_plain(f, RP_SF_INDEX, frame, z + 1, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "without a valid size"));
	/* zstd: a frame that claims more than the body limit */
	ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 1);
	ZSTD_CCtx_setPledgedSrcSize(cc, (unsigned long long)RP_SFILE_MAX_BODY_BYTES + 1);
	ZSTD_outBuffer ob = {frame + 1, sizeof frame - 1, 0};
	ZSTD_inBuffer ib = {"x", 1, 0};
	ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_flush); /* header only: the frame is never finished */
	frame[0] = 1;
	seal_plain(f, RP_SF_INDEX, frame, ob.pos + 1, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "claims"));
	/* zstd: a frame whose size field lies (says 8, holds 7) */
	ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
	z = ZSTD_compress2(cc, frame + 1, sizeof frame - 1, "bonjour", 7);
	assert_false(ZSTD_isError(z));
	rp_buf_reset(&pt);
	rp_buf_put_u8(&pt, 1);
	rp_buf_put(&pt, frame + 1, z);
	/* the single-byte frame content size follows the frame header descriptor */
	assert_int_equal(pt.data[1 + 5] & 0xff, 7);
	pt.data[1 + 5] = 8;
	seal_plain(f, RP_SF_INDEX, pt.data, pt.len, &file);
	assert_int_equal(rp_sfile_open(f->c, RP_SF_INDEX, f->meta, NULL, file.data, file.len, &body, &e), RP_ECORRUPT);
	assert_int_equal(body.len, 0);
	ZSTD_freeCCtx(cc);
	rp_buf_free(&file);
	rp_buf_free(&body);
	rp_buf_free(&pt);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sfile_every_kind_roundtrip),
		cmocka_unit_test(test_sfile_open_appends),
		cmocka_unit_test(test_sfile_kind_confusion),
		cmocka_unit_test(test_sfile_header_tampering),
		cmocka_unit_test(test_sfile_truncated_at_every_length),
		cmocka_unit_test(test_sfile_wrong_keys),
		cmocka_unit_test(test_sfile_body_encodings),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
