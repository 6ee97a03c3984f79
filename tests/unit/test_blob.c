/* test_blob.c - sealing and opening blobs, zstd frames that lie. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/blob.h"
#include "testutil.h"

#include <zstd.h>

static const uint8_t KEY[32] = {0xb1, 0x0b};
static const rp_id ID = {{0x1d, 0x1d}};

typedef struct fixture {
	rp_blob_codec *c;
	uint8_t text[100000]; /* compressible */
	uint8_t noise[100000];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	if (rp_blob_codec_new(&f->c, 3, NULL))
		return -1;
	for (size_t i = 0; i < sizeof f->text; i++)
		f->text[i] = (uint8_t)("Proces-verbal du conseil municipal. "[i % 36]);
	tu_fill(f->noise, sizeof f->noise, 4);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_blob_codec_free(f->c);
	free(f);
	return 0;
}

/* Seals into a private copy (the codec's buffer is reused by open). */
static uint8_t *seal(fixture *f, int alg, uint8_t type, const void *p, size_t n, int compress, size_t *len,
		     uint8_t *flags)
{
	const uint8_t *out;
	assert_int_equal(rp_blob_seal(f->c, alg, KEY, type, &ID, p, n, compress, &out, len, flags, NULL), 0);
	uint8_t *copy = malloc(*len);
	memcpy(copy, out, *len);
	return copy;
}

static void test_blob_roundtrips(void **state)
{
	fixture *f = *state;
	static const size_t sizes[] = {0, 1, 63, 64, 65, 4096, 100000};
	for (int alg = RP_AEAD_AES256GCM; alg <= RP_AEAD_XCHACHA20; alg++)
		for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
			for (int src = 0; src < 2; src++)
				for (int comp = 0; comp < 2; comp++) {
					const uint8_t *p = src ? f->noise : f->text, *out;
					size_t n = sizes[s], len;
					uint8_t flags;
					uint8_t *b = seal(f, alg, RP_BLOB_DATA, p, n, comp, &len, &flags);
					/* compressed only when asked, when long enough and when it pays */
					int want_zstd = comp && n >= 64 && !src;
					assert_int_equal(flags, want_zstd ? RP_BLOB_FLAG_ZSTD : 0);
					if (!want_zstd)
						assert_int_equal(len, n + rp_seal_overhead(alg));
					else
						assert_true(len < n - n / 32 + rp_seal_overhead(alg));
					assert_true(len <= rp_blob_sealed_bound(n));
					assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, flags, (uint32_t)n, b, len, &out,
								      NULL),
							 0);
					if (n)
						assert_memory_equal(out, p, n);
					free(b);
				}
}

static void test_blob_length_must_match(void **state)
{
	fixture *f = *state;
	const uint8_t *out;
	size_t len;
	uint8_t flags;
	rp_err e;
	/* stored */
	uint8_t *b = seal(f, 2, RP_BLOB_DATA, f->noise, 1000, 1, &len, &flags);
	assert_int_equal(flags, 0);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 999, b, len, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 1001, b, len, &out, &e), RP_ECORRUPT);
	/* a stored blob opened as compressed: not a zstd frame */
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, RP_BLOB_FLAG_ZSTD, 1000, b, len, &out, &e),
			 RP_ECORRUPT);
	free(b);
	/* compressed */
	b = seal(f, 2, RP_BLOB_DATA, f->text, 50000, 1, &len, &flags);
	assert_int_equal(flags, RP_BLOB_FLAG_ZSTD);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, flags, 49999, b, len, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, flags, 50001, b, len, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, flags, 0, b, len, &out, &e), RP_ECORRUPT);
	/* a compressed blob opened as stored gives the frame, of the wrong length */
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 50000, b, len, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, flags, 50000, b, len, &out, NULL), 0);
	free(b);
}

/* Frames stored as they are and opened with the zstd flag: the sizes a
 * frame announces must not be trusted. */
static void test_blob_lying_zstd_frames(void **state)
{
	fixture *f = *state;
	const uint8_t *out;
	size_t len, z;
	uint8_t flags, frame[4096], two[8192];
	rp_err e;
	z = ZSTD_compress(frame, sizeof frame, f->text, 1000, 3);
	assert_false(ZSTD_isError(z));
	uint8_t *b = seal(f, 1, RP_BLOB_TREE, frame, z, 0, &len, &flags);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 1000, b, len, &out, NULL), 0);
	assert_memory_equal(out, f->text, 1000);
	/* the frame says 1000: any other length is refused */
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 999, b, len, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 1001, b, len, &out, &e), RP_ECORRUPT);
	free(b);
	/* a frame cut short */
	b = seal(f, 1, RP_BLOB_TREE, frame, z - 3, 0, &len, &flags);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 1000, b, len, &out, &e), RP_ECORRUPT);
	free(b);
	/* a frame whose header claims far more than the index says */
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	ZSTD_CCtx_setPledgedSrcSize(cc, (unsigned long long)RP_BLOB_MAX_BYTES * 4);
	ZSTD_outBuffer ob = {frame, sizeof frame, 0};
	ZSTD_inBuffer ib = {f->text, 100, 0};
	ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_flush);
	b = seal(f, 1, RP_BLOB_TREE, frame, ob.pos, 0, &len, &flags);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 100, b, len, &out, &e), RP_ECORRUPT);
	free(b);
	/* two frames back to back: the content of both, or refused */
	ZSTD_CCtx_reset(cc, ZSTD_reset_session_and_parameters);
	z = ZSTD_compress2(cc, two, sizeof two, f->text, 500);
	size_t z2 = ZSTD_compress2(cc, two + z, sizeof two - z, f->noise, 500);
	assert_false(ZSTD_isError(z) || ZSTD_isError(z2));
	b = seal(f, 1, RP_BLOB_TREE, two, z + z2, 0, &len, &flags);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 500, b, len, &out, &e), RP_ECORRUPT);
	int rc = rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, RP_BLOB_FLAG_ZSTD, 1000, b, len, &out, &e);
	if (rc == 0) {
		assert_memory_equal(out, f->text, 500);
		assert_memory_equal(out + 500, f->noise, 500);
	} else {
		assert_int_equal(rc, RP_ECORRUPT);
	}
	free(b);
	ZSTD_freeCCtx(cc);
}

static void test_blob_limits_and_tampering(void **state)
{
	fixture *f = *state;
	const uint8_t *out;
	size_t len;
	uint8_t flags;
	rp_err e;
	/* the size check comes before anything is read */
	assert_int_equal(rp_blob_seal(f->c, 1, KEY, RP_BLOB_DATA, &ID, f->text, (size_t)RP_BLOB_MAX_BYTES + 1, 1, &out,
				      &len, &flags, &e),
			 RP_EINVAL);
	uint8_t *b = seal(f, 1, RP_BLOB_DATA, f->text, 100, 0, &len, &flags);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, RP_BLOB_MAX_BYTES + 1, b, len, &out, &e),
			 RP_ECORRUPT);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 100, b,
				      (size_t)RP_BLOB_MAX_BYTES + RP_SEAL_OVERHEAD_MAX + 1, &out, &e),
			 RP_ECORRUPT);
	/* wrong key, type, id; every truncation; every flipped byte */
	uint8_t key2[32] = {1};
	rp_id id2 = ID;
	id2.b[0] ^= 0x80;
	assert_int_equal(rp_blob_open(f->c, key2, RP_BLOB_DATA, &ID, 0, 100, b, len, &out, &e), RP_ECRYPTO);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_TREE, &ID, 0, 100, b, len, &out, &e), RP_ECRYPTO);
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &id2, 0, 100, b, len, &out, &e), RP_ECRYPTO);
	for (size_t cut = 0; cut < len; cut++) {
		int rc = rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 100, b, cut, &out, &e);
		assert_true(rc == RP_ECORRUPT || rc == RP_ECRYPTO);
	}
	for (size_t at = 1; at < len; at++) {
		b[at] ^= 0x01;
		assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 100, b, len, &out, &e), RP_ECRYPTO);
		b[at] ^= 0x01;
	}
	b[0] = 9; /* unknown AEAD */
	assert_int_equal(rp_blob_open(f->c, KEY, RP_BLOB_DATA, &ID, 0, 100, b, len, &out, &e), RP_EVERSION);
	free(b);
}

static void test_zstd_helpers(void **state)
{
	fixture *f = *state;
	rp_buf z = {0}, out = {0};
	rp_err e;
	assert_int_equal(rp_zstd_compress(f->c, f->text, 20000, &z, NULL), 0);
	assert_true(z.len < 2000);
	rp_buf_put(&out, "keep", 4);
	assert_int_equal(rp_zstd_decompress(f->c, z.data, z.len, 20000, &out, NULL), 0);
	assert_int_equal(out.len, 20004);
	assert_memory_equal(out.data, "keep", 4);
	assert_memory_equal(out.data + 4, f->text, 20000);
	/* a limit below the frame's size is refused before decompressing */
	assert_int_equal(rp_zstd_decompress(f->c, z.data, z.len, 19999, &out, &e), RP_ECORRUPT);
	assert_int_equal(out.len, 20004);
	/* not a frame, and a cut frame */
	assert_int_equal(rp_zstd_decompress(f->c, "nope", 4, 100, &out, &e), RP_ECORRUPT);
	assert_int_equal(rp_zstd_decompress(f->c, z.data, z.len - 1, 20000, &out, &e), RP_ECORRUPT);
	assert_int_equal(out.len, 20004);
	rp_buf_free(&z);
	rp_buf_free(&out);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blob_roundtrips),
		cmocka_unit_test(test_blob_length_must_match),
		cmocka_unit_test(test_blob_lying_zstd_frames),
		cmocka_unit_test(test_blob_limits_and_tampering),
		cmocka_unit_test(test_zstd_helpers),
	};
	return cmocka_run_group_tests_name("blob", tests, setup, teardown);
}
