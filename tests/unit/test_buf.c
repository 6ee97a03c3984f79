/* test_buf.c - growable buffers, varints and the bounds-checked reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"

static void test_buf_grows_and_keeps_bytes(void **state)
{
	(void)state;
	rp_buf b = {0};
	for (unsigned i = 0; i < 100000; i++)
		assert_int_equal(rp_buf_put_u8(&b, (uint8_t)(i * 7)), 0);
	assert_int_equal(b.len, 100000);
	assert_true(b.cap >= b.len);
	for (unsigned i = 0; i < 100000; i++)
		assert_int_equal(b.data[i], (uint8_t)(i * 7));
	size_t cap = b.cap;
	rp_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, cap); /* reset keeps the memory for reuse */
	assert_int_equal(rp_buf_put(&b, NULL, 0), 0);
	assert_int_equal(b.len, 0);
	rp_buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.cap, 0);
}

static void test_buf_reserve_refuses_overflow(void **state)
{
	(void)state;
	rp_buf b = {0};
	assert_int_equal(rp_buf_put(&b, "abc", 3), 0);
	assert_int_equal(rp_buf_reserve(&b, SIZE_MAX), RP_ENOMEM);
	assert_int_equal(rp_buf_reserve(&b, SIZE_MAX - 2), RP_ENOMEM);
	assert_int_equal(rp_buf_reserve(&b, SIZE_MAX / 2), RP_ENOMEM);
	/* the buffer is untouched by the refusals */
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 3);
	assert_int_equal(rp_buf_reserve(&b, 1000), 0);
	assert_true(b.cap - b.len >= 1000);
	rp_buf_free(&b);
}

static void test_buf_fixed_width_little_endian(void **state)
{
	(void)state;
	rp_buf b = {0};
	rp_buf_put_u32le(&b, 0x11223344u);
	rp_buf_put_u64le(&b, 0x0102030405060708ull);
	static const uint8_t want[12] = {0x44, 0x33, 0x22, 0x11, 8, 7, 6, 5, 4, 3, 2, 1};
	assert_int_equal(b.len, 12);
	assert_memory_equal(b.data, want, 12);
	assert_int_equal(rp_load_u32le(b.data), 0x11223344u);
	assert_true(rp_load_u64le(b.data + 4) == 0x0102030405060708ull);
	rp_buf_free(&b);
}

static void test_buf_putf_and_cstr(void **state)
{
	(void)state;
	rp_buf b = {0};
	assert_int_equal(rp_buf_putf(&b, "pack %s: %d blobs", "3f2a", 12), 0);
	assert_int_equal(b.len, strlen("pack 3f2a: 12 blobs"));
	assert_int_equal(rp_buf_putf(&b, "%s", ""), 0);
	assert_int_equal(rp_buf_putf(&b, " (%05.1f%%)", 99.5), 0);
	assert_int_equal(rp_buf_cstr(&b), 0);
	assert_string_equal((char *)b.data, "pack 3f2a: 12 blobs (099.5%)");
	assert_int_equal(b.len, strlen("pack 3f2a: 12 blobs (099.5%)")); /* the NUL is not counted */
	rp_buf_free(&b);
	/* a long line goes through the growth path of putf */
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = 0;
	assert_int_equal(rp_buf_putf(&b, "<%s>", big), 0);
	assert_int_equal(b.len, 5001);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[5000], '>');
	rp_buf_free(&b);
}

/* Known encodings: unsigned LEB128 and zigzag. */
static const struct {
	uint64_t v;
	size_t n;
	uint8_t bytes[10];
} varints[] = {
	{0, 1, {0x00}},
	{1, 1, {0x01}},
	{127, 1, {0x7f}},
	{128, 2, {0x80, 0x01}},
	{300, 2, {0xac, 0x02}},
	{16383, 2, {0xff, 0x7f}},
	{16384, 3, {0x80, 0x80, 0x01}},
	{0xffffffffu, 5, {0xff, 0xff, 0xff, 0xff, 0x0f}},
	{UINT64_MAX >> 1, 9, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f}},
	{UINT64_MAX, 10, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
};

static void test_varint_known_encodings(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof varints / sizeof *varints; i++) {
		rp_buf b = {0};
		assert_int_equal(rp_buf_put_varint(&b, varints[i].v), 0);
		assert_int_equal(b.len, varints[i].n);
		assert_memory_equal(b.data, varints[i].bytes, varints[i].n);
		rp_rd r;
		uint64_t got = 12345;
		rp_rd_init(&r, b.data, b.len);
		assert_int_equal(rp_rd_varint(&r, &got), 0);
		assert_true(got == varints[i].v);
		assert_int_equal(rp_rd_left(&r), 0);
		assert_int_equal(r.bad, 0);
		rp_buf_free(&b);
	}
}

static void test_varint_overflow_at_ten_bytes(void **state)
{
	(void)state;
	rp_rd r;
	uint64_t v = 7;
	/* the tenth byte may only carry the top bit of a 64-bit value */
	static const uint8_t too_big[10] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
	rp_rd_init(&r, too_big, sizeof too_big);
	assert_int_equal(rp_rd_varint(&r, &v), -1);
	assert_int_equal(r.bad, 1);
	assert_int_equal(v, 7); /* output untouched on failure */
	/* a tenth byte with the continuation bit set is an 11-byte varint */
	static const uint8_t eleven[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00};
	rp_rd_init(&r, eleven, sizeof eleven);
	assert_int_equal(rp_rd_varint(&r, &v), -1);
	assert_int_equal(r.bad, 1);
	static const uint8_t ten_zero_cont[11] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
	rp_rd_init(&r, ten_zero_cont, sizeof ten_zero_cont);
	assert_int_equal(rp_rd_varint(&r, &v), -1);
	/* exactly 2^63 is fine */
	static const uint8_t top[10] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
	rp_rd_init(&r, top, sizeof top);
	assert_int_equal(rp_rd_varint(&r, &v), 0);
	assert_true(v == (uint64_t)1 << 63);
}

static void test_svarint_extremes(void **state)
{
	(void)state;
	static const struct {
		int64_t v;
		uint64_t zigzag;
	} cases[] = {
		{0, 0},
		{-1, 1},
		{1, 2},
		{-2, 3},
		{63, 126},
		{-64, 127},
		{INT64_MAX, UINT64_MAX - 1},
		{INT64_MIN, UINT64_MAX},
		{INT64_MIN + 1, UINT64_MAX - 2},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rp_buf s = {0}, u = {0};
		assert_int_equal(rp_buf_put_svarint(&s, cases[i].v), 0);
		assert_int_equal(rp_buf_put_varint(&u, cases[i].zigzag), 0);
		assert_int_equal(s.len, u.len);
		assert_memory_equal(s.data, u.data, s.len);
		rp_rd r;
		int64_t got = 99;
		rp_rd_init(&r, s.data, s.len);
		assert_int_equal(rp_rd_svarint(&r, &got), 0);
		assert_true(got == cases[i].v);
		rp_buf_free(&s);
		rp_buf_free(&u);
	}
}

static void test_reader_every_getter_on_truncated_input(void **state)
{
	(void)state;
	static const uint8_t in[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
	rp_rd r;
	uint8_t u8;
	uint32_t u32;
	uint64_t u64;
	int64_t s64;
	const uint8_t *p;
	size_t n;
	uint8_t dst[8];

	rp_rd_init(&r, in, 0);
	assert_int_equal(rp_rd_u8(&r, &u8), -1);
	rp_rd_init(&r, in, 3);
	assert_int_equal(rp_rd_u32le(&r, &u32), -1);
	assert_int_equal(r.bad, 1);
	assert_int_equal(rp_rd_left(&r), 0);
	rp_rd_init(&r, in, 7);
	assert_int_equal(rp_rd_u64le(&r, &u64), -1);
	rp_rd_init(&r, (const uint8_t *)"\x80\x80", 2);
	assert_int_equal(rp_rd_varint(&r, &u64), -1);
	rp_rd_init(&r, (const uint8_t *)"\xff", 1);
	assert_int_equal(rp_rd_svarint(&r, &s64), -1);
	rp_rd_init(&r, in, 5);
	assert_int_equal(rp_rd_raw(&r, &p, 6), -1);
	rp_rd_init(&r, in, 5);
	assert_int_equal(rp_rd_copy(&r, dst, 6), -1);
	/* length 4 announced, 3 present */
	rp_rd_init(&r, (const uint8_t *)"\x04" "abc", 4);
	assert_int_equal(rp_rd_bytes(&r, &p, &n, 100), -1);
	/* length over the caller's limit, even though the bytes are there */
	rp_rd_init(&r, (const uint8_t *)"\x03" "abc", 4);
	assert_int_equal(rp_rd_bytes(&r, &p, &n, 2), -1);
	rp_rd_init(&r, (const uint8_t *)"\x03" "abc", 4);
	assert_int_equal(rp_rd_bytes(&r, &p, &n, 3), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(p, "abc", 3);

	/* once failed, the reader stays failed, even for zero-length reads */
	rp_rd_init(&r, in, 16);
	assert_int_equal(rp_rd_u64le(&r, &u64), 0);
	assert_int_equal(rp_rd_raw(&r, &p, 9), -1);
	assert_int_equal(r.bad, 1);
	assert_int_equal(rp_rd_raw(&r, &p, 0), -1);
	assert_int_equal(rp_rd_u8(&r, &u8), -1);
}

static void test_reader_truncated_at_every_offset(void **state)
{
	(void)state;
	rp_buf b = {0};
	rp_buf_put_u8(&b, 0xab);
	rp_buf_put_u32le(&b, 0xdeadbeef);
	rp_buf_put_u64le(&b, 0x0123456789abcdefull);
	rp_buf_put_varint(&b, UINT64_MAX);
	rp_buf_put_svarint(&b, INT64_MIN);
	rp_buf_put_bytes(&b, "hello", 5);
	rp_buf_put_varint(&b, 300);
	for (size_t cut = 0; cut <= b.len; cut++) {
		rp_rd r;
		uint8_t u8;
		uint32_t u32;
		uint64_t u64, big, small;
		int64_t s64;
		const uint8_t *p;
		size_t n;
		rp_rd_init(&r, b.data, cut);
		int bad = rp_rd_u8(&r, &u8) || rp_rd_u32le(&r, &u32) || rp_rd_u64le(&r, &u64) ||
			  rp_rd_varint(&r, &big) || rp_rd_svarint(&r, &s64) || rp_rd_bytes(&r, &p, &n, 5) ||
			  rp_rd_varint(&r, &small);
		if (cut < b.len) {
			assert_int_equal(bad, 1);
			assert_int_equal(r.bad, 1);
			assert_int_equal(rp_rd_left(&r), 0);
		} else {
			assert_int_equal(bad, 0);
			assert_int_equal(r.bad, 0);
			assert_int_equal(u8, 0xab);
			assert_int_equal(u32, 0xdeadbeef);
			assert_true(u64 == 0x0123456789abcdefull);
			assert_true(big == UINT64_MAX);
			assert_true(s64 == INT64_MIN);
			assert_int_equal(n, 5);
			assert_memory_equal(p, "hello", 5);
			assert_int_equal(small, 300);
			assert_int_equal(rp_rd_left(&r), 0);
		}
	}
	rp_buf_free(&b);
}

static void test_reader_on_empty_input_without_memory(void **state)
{
	(void)state;
	rp_rd r;
	uint8_t u8;
	const uint8_t *p;
	/* a field that was never set (NULL, 0) is an empty input */
	rp_rd_init(&r, NULL, 0);
	assert_int_equal(rp_rd_left(&r), 0);
	assert_int_equal(rp_rd_raw(&r, &p, 0), 0);
	assert_int_equal(rp_rd_u8(&r, &u8), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_keeps_bytes),
		cmocka_unit_test(test_buf_reserve_refuses_overflow),
		cmocka_unit_test(test_buf_fixed_width_little_endian),
		cmocka_unit_test(test_buf_putf_and_cstr),
		cmocka_unit_test(test_varint_known_encodings),
		cmocka_unit_test(test_varint_overflow_at_ten_bytes),
		cmocka_unit_test(test_svarint_extremes),
		cmocka_unit_test(test_reader_every_getter_on_truncated_input),
		cmocka_unit_test(test_reader_truncated_at_every_offset),
		cmocka_unit_test(test_reader_on_empty_input_without_memory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
