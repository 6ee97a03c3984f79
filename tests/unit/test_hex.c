/* test_hex.c - hexadecimal encoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/hex.h"

static void test_hex_encode_known(void **state)
{
	(void)state;
	static const uint8_t in[8] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xcd, 0xef, 0xff};
	char out[17];
	memset(out, 'X', sizeof out);
	rp_hex_encode(out, in, sizeof in);
	assert_string_equal(out, "00017f80abcdefff");
	rp_hex_encode(out, in, 0);
	assert_string_equal(out, "");
}

static void test_hex_decode_cases(void **state)
{
	(void)state;
	uint8_t out[4] = {9, 9, 9, 9};
	assert_int_equal(rp_hex_decode(out, 4, "00Ff7a80", 8), 0);
	static const uint8_t want[4] = {0x00, 0xff, 0x7a, 0x80};
	assert_memory_equal(out, want, 4);
	/* wrong lengths: odd, short, long */
	assert_int_equal(rp_hex_decode(out, 4, "00ff7a8", 7), -1);
	assert_int_equal(rp_hex_decode(out, 4, "00ff7a", 6), -1);
	assert_int_equal(rp_hex_decode(out, 4, "00ff7a8000", 10), -1);
	/* a bad digit anywhere, in either nibble */
	static const char *bad[] = {"g0ff7a80", "0gff7a80", "00ff7a8G", "00ff 7a8", "00ff7a8\xff", "0x00ff7a"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		assert_int_equal(rp_hex_decode(out, 4, bad[i], 8), -1);
	/* the digits just outside the ranges */
	assert_int_equal(rp_hex_decode(out, 1, "/0", 2), -1);
	assert_int_equal(rp_hex_decode(out, 1, ":0", 2), -1);
	assert_int_equal(rp_hex_decode(out, 1, "@0", 2), -1);
	assert_int_equal(rp_hex_decode(out, 1, "`0", 2), -1);
	assert_int_equal(rp_hex_decode(out, 0, "", 0), 0);
}

static void test_hex_roundtrip_all_bytes(void **state)
{
	(void)state;
	uint8_t in[256], back[256];
	char hex[513];
	for (int i = 0; i < 256; i++)
		in[i] = (uint8_t)i;
	rp_hex_encode(hex, in, 256);
	assert_int_equal(strlen(hex), 512);
	assert_int_equal(rp_hex_is(hex, 512), 1);
	assert_int_equal(rp_hex_decode(back, 256, hex, 512), 0);
	assert_memory_equal(in, back, 256);
}

static void test_hex_is(void **state)
{
	(void)state;
	assert_int_equal(rp_hex_is("", 0), 0);
	assert_int_equal(rp_hex_is("a", 1), 1);
	assert_int_equal(rp_hex_is("0123456789abcdefABCDEF", 22), 1);
	assert_int_equal(rp_hex_is("abcx", 4), 0);
	assert_int_equal(rp_hex_is("abc\0", 4), 0);
	assert_int_equal(rp_hex_is("abcx", 3), 1); /* only the given length counts */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex_encode_known),
		cmocka_unit_test(test_hex_decode_cases),
		cmocka_unit_test(test_hex_roundtrip_all_bytes),
		cmocka_unit_test(test_hex_is),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
