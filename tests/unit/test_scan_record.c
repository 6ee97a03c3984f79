/* test_scan_record.c - the scan record: layout, versioning, robustness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "scan_testlib.h"

static rp_scan_rec sample(void)
{
	rp_scan_rec r;
	memset(&r, 0, sizeof r);
	r.version = 1;
	r.type = RP_FT_PDF;
	r.flags = RP_REC_SAMPLED | RP_REC_TRAILER_OK;
	r.first_class = RP_WIN_TEXT;
	r.tail_class = RP_WIN_NOISE;
	r.size = 0x0102030405ULL;
	r.windows = 0x0203;
	r.noise = 0x0100;
	r.encoded = 3;
	r.text = 0x0010;
	r.head_windows = 8;
	r.head_noise = 2;
	r.head_encoded = 1;
	r.head_text = 5;
	r.entropy_x4096 = 0x7abc;
	r.chi2 = 0xfedc;
	r.control_x255 = 9;
	r.high_x255 = 10;
	memcpy(r.top, "\x20\x65\x00\xff", 4);
	r.top1_x255 = 30;
	r.top4_x255 = 90;
	return r;
}

/* The byte layout of docs/DETECTION.md, written out: a change here is a
 * change of the on-disk format. */
static void test_layout_is_fixed(void **state)
{
	(void)state;
	static const uint8_t want[RP_SCAN_RECORD_V1_BYTES] = {
		0x01, 0x04, 0x03, 0x09,                         /* version, type pdf, flags, classes */
		0x05, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00, /* size */
		0x03, 0x02, 0x00, 0x01, 0x03, 0x00, 0x10, 0x00, /* windows noise encoded text */
		0x08, 0x02, 0x01, 0x05,                         /* head windows, noise, encoded, text */
		0xbc, 0x7a, 0xdc, 0xfe,                         /* entropy, chi2 */
		0x09, 0x0a,                                     /* control, high */
		0x20, 0x65, 0x00, 0xff, 30, 90,                 /* top bytes and shares */
	};
	rp_scan_rec r = sample();
	uint8_t out[RP_SCAN_RECORD_V1_BYTES];
	assert_int_equal(rp_scan_rec_encode(&r, out), RP_SCAN_RECORD_V1_BYTES);
	assert_memory_equal(out, want, sizeof want);
	rp_scan_rec back;
	assert_int_equal(rp_scan_rec_decode(out, sizeof out, &back, NULL), 0);
	assert_memory_equal(&back, &r, sizeof r);
}

static void test_versions(void **state)
{
	(void)state;
	rp_scan_rec r = sample(), back;
	uint8_t out[RP_SCAN_RECORD_V1_BYTES + 8];
	rp_scan_rec_encode(&r, out);
	rp_err e;
	/* later fields appended under version 1 are ignored */
	memset(out + RP_SCAN_RECORD_V1_BYTES, 0xaa, 8);
	assert_int_equal(rp_scan_rec_decode(out, sizeof out, &back, &e), 0);
	assert_int_equal(back.windows, r.windows);
	/* a newer layout is refused, not misread */
	out[0] = 2;
	assert_int_equal(rp_scan_rec_decode(out, sizeof out, &back, &e), RP_EVERSION);
	assert_non_null(strstr(e.msg, "version 2"));
	out[0] = 0;
	assert_int_equal(rp_scan_rec_decode(out, sizeof out, &back, &e), RP_ECORRUPT);
	out[0] = 1;
	assert_int_equal(rp_scan_rec_decode(out, RP_SCAN_RECORD_V1_BYTES - 1, &back, &e), RP_ECORRUPT);
	assert_int_equal(rp_scan_rec_decode(out, 0, &back, &e), RP_ECORRUPT);
	assert_int_equal(rp_scan_rec_decode(NULL, 0, &back, NULL), RP_ECORRUPT);
}

static void test_invalid_fields(void **state)
{
	(void)state;
	rp_scan_rec r = sample(), back;
	uint8_t good[RP_SCAN_RECORD_V1_BYTES], b[RP_SCAN_RECORD_V1_BYTES];
	rp_scan_rec_encode(&r, good);
	struct {
		int off;
		uint8_t val;
	} bad[] = {
		{1, RP_FT_COUNT},   /* type */
		{2, 0x80},          /* unknown flag */
		{3, 0x10},          /* reserved class bits */
		{15, 0x03},         /* noise > windows */
		{20, 9},            /* head windows above 8 */
		{21, 7},            /* head classes above head windows */
		{25, 0x80},         /* entropy above 8 bits */
		{34, 91},           /* top1 share above top4's */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memcpy(b, good, sizeof b);
		b[bad[i].off] = bad[i].val;
		if (rp_scan_rec_decode(b, sizeof b, &back, NULL) != RP_ECORRUPT)
			fail_msg("case %zu (byte %d = %#x) accepted", i, bad[i].off, bad[i].val);
		/* a refused record leaves nothing half-filled */
		assert_int_equal(back.version, 0);
	}
	memcpy(b, good, sizeof b);
	b[1] = RP_FT_EMPTY; /* empty with a size */
	assert_int_equal(rp_scan_rec_decode(b, sizeof b, &back, NULL), RP_ECORRUPT);
}

/* Whatever the scanner sees, its record decodes, and random records never
 * crash the decoder. */
static void test_scanner_output_always_decodes(void **state)
{
	(void)state;
	tl_rng g = {77};
	uint8_t *buf = malloc(300000);
	for (int i = 0; i < 300; i++) {
		size_t n = (size_t)(tl_next(&g) % (i < 200 ? 3000 : 300000));
		switch (i % 4) {
		case 0: tl_random(&g, buf, n); break;
		case 1: tl_text(&g, buf, n); break;
		case 2: memset(buf, (int)(tl_next(&g) & 0xff), n); break;
		default:
			tl_text(&g, buf, n);
			tl_random(&g, buf + n / 3, n / 3);
			break;
		}
		uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
		size_t len = tl_scan(buf, n, 1 + (size_t)(tl_next(&g) % 70000), rec);
		assert_true(len <= RP_SCAN_RECORD_MAX_BYTES);
		rp_scan_rec r;
		assert_int_equal(rp_scan_rec_decode(rec, len, &r, NULL), 0);
		assert_int_equal(r.size, n);
	}
	int ok = 0;
	for (int i = 0; i < 100000; i++) {
		uint8_t rec[40];
		tl_random(&g, rec, sizeof rec);
		rec[0] = 1;
		rp_scan_rec r;
		ok += rp_scan_rec_decode(rec, (size_t)(tl_next(&g) % sizeof rec), &r, NULL) == 0;
	}
	assert_true(ok < 100000);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_is_fixed),
		cmocka_unit_test(test_versions),
		cmocka_unit_test(test_invalid_fields),
		cmocka_unit_test(test_scanner_output_always_decodes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
