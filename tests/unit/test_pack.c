/* test_pack.c - pack headers and trailers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/pack.h"
#include "testutil.h"

static const uint8_t KEY[32] = {0x70, 0x61, 0x63, 0x6b};

static void test_pack_header(void **state)
{
	(void)state;
	uint8_t hdr[RP_PACK_HEADER_BYTES], eph[32], got[32];
	rp_err e;
	tu_fill(eph, 32, 3);
	rp_pack_header_encode(hdr, eph);
	assert_memory_equal(hdr, "RPAK", 4);
	assert_int_equal(hdr[4], RP_PACK_VERSION);
	assert_int_equal(hdr[5] | hdr[6] | hdr[7], 0);
	assert_int_equal(rp_pack_header_decode(hdr, sizeof hdr, got, &e), 0);
	assert_memory_equal(got, eph, 32);
	/* longer input is fine (the header starts a whole pack) */
	uint8_t pack[100] = {0};
	memcpy(pack, hdr, sizeof hdr);
	assert_int_equal(rp_pack_header_decode(pack, sizeof pack, got, &e), 0);
	/* short, wrong magic, version 0, newer version */
	for (size_t n = 0; n < RP_PACK_HEADER_BYTES; n++)
		assert_int_equal(rp_pack_header_decode(hdr, n, got, &e), RP_ECORRUPT);
	hdr[0] = 'r';
	assert_int_equal(rp_pack_header_decode(hdr, sizeof hdr, got, &e), RP_ECORRUPT);
	hdr[0] = 'R';
	hdr[4] = 0;
	assert_int_equal(rp_pack_header_decode(hdr, sizeof hdr, got, &e), RP_ECORRUPT);
	hdr[4] = 2;
	assert_int_equal(rp_pack_header_decode(hdr, sizeof hdr, got, &e), RP_EVERSION);
	assert_non_null(strstr(e.msg, "newer"));
}

static void test_pack_trailer_len(void **state)
{
	(void)state;
	uint8_t last4[4];
	uint32_t len = 7;
	rp_err e;
	/* the smallest pack: header and the length field, empty trailer */
	rp_store_u32le(last4, 0);
	assert_int_equal(rp_pack_trailer_len(last4, 44, &len, &e), 0);
	assert_int_equal(len, 0);
	assert_int_equal(rp_pack_trailer_len(last4, 43, &len, &e), RP_ECORRUPT);
	assert_int_equal(rp_pack_trailer_len(last4, 0, &len, &e), RP_ECORRUPT);
	/* a trailer exactly as long as the rest, and one byte longer */
	rp_store_u32le(last4, 1000);
	assert_int_equal(rp_pack_trailer_len(last4, 1044, &len, &e), 0);
	assert_int_equal(len, 1000);
	assert_int_equal(rp_pack_trailer_len(last4, 1043, &len, &e), RP_ECORRUPT);
	/* beyond the largest trailer any pack may have, whatever the pack size */
	rp_store_u32le(last4, RP_PACK_MAX_TRAILER_BYTES);
	assert_int_equal(rp_pack_trailer_len(last4, (uint64_t)1 << 40, &len, &e), 0);
	rp_store_u32le(last4, RP_PACK_MAX_TRAILER_BYTES + 1);
	assert_int_equal(rp_pack_trailer_len(last4, (uint64_t)1 << 40, &len, &e), RP_ECORRUPT);
	rp_store_u32le(last4, UINT32_MAX);
	assert_int_equal(rp_pack_trailer_len(last4, UINT64_MAX, &len, &e), RP_ECORRUPT);
}

typedef struct trailer {
	rp_aead *a;
	uint8_t hdr[RP_PACK_HEADER_BYTES];
} trailer;

static int setup(void **state)
{
	trailer *t = calloc(1, sizeof *t);
	uint8_t eph[32] = {0x42};
	if (rp_aead_new(&t->a, NULL))
		return -1;
	rp_pack_header_encode(t->hdr, eph);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	trailer *t = *state;
	rp_aead_free(t->a);
	free(t);
	return 0;
}

static void test_pack_trailer_roundtrip_many(void **state)
{
	trailer *t = *state;
	size_t n = 5000;
	rp_pack_entry *ents = calloc(n, sizeof *ents), *got = NULL;
	uint64_t off = RP_PACK_HEADER_BYTES;
	for (size_t i = 0; i < n; i++) {
		tu_fill(ents[i].id.b, 32, i);
		ents[i].type = (uint8_t)(i % 2);
		ents[i].flags = (uint8_t)(i % 5 == 0);
		ents[i].offset = (uint32_t)off;
		ents[i].sealed_len = (uint32_t)(29 + i % 4000);
		ents[i].raw_len = (uint32_t)(i * 13);
		off += ents[i].sealed_len;
	}
	for (int alg = RP_AEAD_AES256GCM; alg <= RP_AEAD_XCHACHA20; alg++) {
		rp_buf b = {0};
		size_t m = 0;
		uint32_t len;
		assert_int_equal(rp_pack_trailer_encode(t->a, alg, KEY, t->hdr, ents, n, &b, NULL), 0);
		assert_int_equal(rp_pack_trailer_len(b.data + b.len - 4, off + b.len, &len, NULL), 0);
		assert_int_equal(len, b.len - 4);
		assert_int_equal(rp_pack_trailer_decode(t->a, KEY, t->hdr, b.data, len, off, &got, &m, NULL), 0);
		assert_int_equal(m, n);
		for (size_t i = 0; i < n; i++) {
			assert_memory_equal(got[i].id.b, ents[i].id.b, 32);
			assert_int_equal(got[i].type, ents[i].type);
			assert_int_equal(got[i].flags, ents[i].flags);
			assert_int_equal(got[i].offset, ents[i].offset);
			assert_int_equal(got[i].sealed_len, ents[i].sealed_len);
			assert_int_equal(got[i].raw_len, ents[i].raw_len);
		}
		free(got);
		/* the header is the associated data: another pack's header fails */
		uint8_t other[RP_PACK_HEADER_BYTES];
		memcpy(other, t->hdr, sizeof other);
		other[39] ^= 1;
		assert_int_equal(rp_pack_trailer_decode(t->a, KEY, other, b.data, len, off, &got, &m, NULL), RP_ECRYPTO);
		uint8_t key2[32] = {1};
		assert_int_equal(rp_pack_trailer_decode(t->a, key2, t->hdr, b.data, len, off, &got, &m, NULL), RP_ECRYPTO);
		rp_buf_free(&b);
	}
	free(ents);
}

static void test_pack_trailer_empty(void **state)
{
	trailer *t = *state;
	rp_buf b = {0};
	rp_pack_entry *got = NULL;
	size_t m = 99;
	assert_int_equal(rp_pack_trailer_encode(t->a, 2, KEY, t->hdr, NULL, 0, &b, NULL), 0);
	assert_int_equal(rp_pack_trailer_decode(t->a, KEY, t->hdr, b.data, b.len - 4, RP_PACK_HEADER_BYTES, &got, &m,
						NULL),
			 0);
	assert_int_equal(m, 0);
	free(got);
	rp_buf_free(&b);
}

/* Seals a hand-made trailer table: version, count, then entries whose
 * numbers are written as 64-bit varints. */
typedef struct raw_entry {
	uint8_t type, flags;
	uint64_t off, slen, rlen;
} raw_entry;

static void seal_table(trailer *t, uint8_t version, uint64_t count, const raw_entry *ents, size_t n, size_t extra,
		       rp_buf *env)
{
	rp_buf plain = {0};
	uint8_t id[32] = {0x1d};
	rp_buf_put_u8(&plain, version);
	rp_buf_put_varint(&plain, count);
	for (size_t i = 0; i < n; i++) {
		rp_buf_put_u8(&plain, ents[i].type);
		rp_buf_put_u8(&plain, ents[i].flags);
		rp_buf_put(&plain, id, 32);
		rp_buf_put_varint(&plain, ents[i].off);
		rp_buf_put_varint(&plain, ents[i].slen);
		rp_buf_put_varint(&plain, ents[i].rlen);
	}
	for (size_t i = 0; i < extra; i++)
		rp_buf_put_u8(&plain, 0);
	rp_buf_reset(env);
	assert_int_equal(rp_buf_reserve(env, plain.len + RP_SEAL_OVERHEAD_MAX), 0);
	assert_int_equal(rp_seal(t->a, 2, KEY, t->hdr, sizeof t->hdr, plain.data, plain.len, env->data, &env->len, NULL), 0);
	rp_buf_free(&plain);
}

static int decode_table(trailer *t, const rp_buf *env, uint64_t blobs_end, rp_pack_entry **got, size_t *m)
{
	rp_err e;
	*got = NULL;
	int rc = rp_pack_trailer_decode(t->a, KEY, t->hdr, env->data, env->len, blobs_end, got, m, &e);
	if (rc)
		assert_non_null(strstr(e.msg, "pack trailer"));
	return rc;
}

static void test_pack_trailer_entries_outside_the_pack(void **state)
{
	trailer *t = *state;
	rp_buf env = {0};
	rp_pack_entry *got;
	size_t m;
	const uint64_t end = 10000;
	static const struct {
		raw_entry e;
		int rc;
	} cases[] = {
		{{0, 0, 40, 100, 100}, 0},
		{{0, 0, 9900, 100, 100}, 0},          /* ends exactly at the blob area's end */
		{{0, 0, 40, 9960, 1}, 0},             /* the whole area */
		{{0, 0, 40, 0, 0}, 0},                /* empty */
		{{0, 0, 39, 10, 10}, RP_ECORRUPT},    /* starts inside the header */
		{{0, 0, 0, 10, 10}, RP_ECORRUPT},
		{{0, 0, 9901, 100, 100}, RP_ECORRUPT}, /* one byte past the end */
		{{0, 0, 10000, 1, 1}, RP_ECORRUPT},
		{{0, 0, 40, 10001, 1}, RP_ECORRUPT},   /* longer than the pack */
		{{0, 0, 40, UINT64_MAX, 1}, RP_ECORRUPT},
		{{0, 0, UINT64_MAX, 2, 1}, RP_ECORRUPT}, /* offset + length wraps around */
		{{0, 0, 40, 10, (uint64_t)UINT32_MAX + 1}, RP_ECORRUPT},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		seal_table(t, RP_PACK_VERSION, 1, &cases[i].e, 1, 0, &env);
		int rc = decode_table(t, &env, end, &got, &m);
		if (rc != cases[i].rc)
			fail_msg("case %zu: got %d, wanted %d", i, rc, cases[i].rc);
		if (!rc) {
			assert_int_equal(m, 1);
			assert_int_equal(got[0].offset, cases[i].e.off);
			assert_int_equal(got[0].sealed_len, cases[i].e.slen);
		}
		free(got);
	}
	rp_buf_free(&env);
}

/* In a pack bigger than 4 GiB (damaged or hostile: ours stay far below)
 * an offset past 2^32 must not be cut to 32 bits and land elsewhere. */
static void test_pack_trailer_offsets_beyond_32_bits(void **state)
{
	trailer *t = *state;
	rp_buf env = {0};
	rp_pack_entry *got;
	size_t m;
	const uint64_t end = (uint64_t)1 << 33;
	static const raw_entry wide[] = {
		{0, 0, ((uint64_t)1 << 32) + 100, 10, 10}, /* would read at offset 100 */
		{0, 0, 40, ((uint64_t)1 << 32) + 7, 10},  /* would read 7 bytes */
	};
	for (size_t i = 0; i < sizeof wide / sizeof *wide; i++) {
		seal_table(t, RP_PACK_VERSION, 1, &wide[i], 1, 0, &env);
		int rc = decode_table(t, &env, end, &got, &m);
		if (rc == 0)
			fail_msg("entry %zu accepted as offset %u, length %u", i, got[0].offset, got[0].sealed_len);
		assert_int_equal(rc, RP_ECORRUPT);
	}
	rp_buf_free(&env);
}

static void test_pack_trailer_malformed_tables(void **state)
{
	trailer *t = *state;
	rp_buf env = {0};
	rp_pack_entry *got;
	size_t m;
	raw_entry ok[3] = {{0, 0, 40, 10, 10}, {1, 1, 50, 10, 3}, {0, 0, 60, 10, 10}};
	/* versions */
	seal_table(t, 0, 3, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	seal_table(t, 2, 3, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_EVERSION);
	/* more entries announced than present, fewer, and absurd counts */
	seal_table(t, RP_PACK_VERSION, 4, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	seal_table(t, RP_PACK_VERSION, 2, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	seal_table(t, RP_PACK_VERSION, (uint64_t)1 << 62, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	seal_table(t, RP_PACK_VERSION, RP_PACK_MAX_BLOBS + 1, NULL, 0, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	/* trailing bytes after the table */
	seal_table(t, RP_PACK_VERSION, 3, ok, 3, 1, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), RP_ECORRUPT);
	/* empty plaintext, and an envelope too short to be one */
	seal_table(t, RP_PACK_VERSION, 3, ok, 3, 0, &env);
	assert_int_equal(decode_table(t, &env, 1000, &got, &m), 0);
	assert_int_equal(m, 3);
	free(got);
	for (size_t cut = 0; cut < env.len; cut++) {
		rp_buf c = {env.data, cut, cut};
		int rc = decode_table(t, &c, 1000, &got, &m);
		assert_true(rc == RP_ECORRUPT || rc == RP_ECRYPTO);
	}
	rp_buf_free(&env);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pack_header),
		cmocka_unit_test(test_pack_trailer_len),
		cmocka_unit_test_setup_teardown(test_pack_trailer_roundtrip_many, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_trailer_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_trailer_entries_outside_the_pack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_trailer_offsets_beyond_32_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pack_trailer_malformed_tables, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
