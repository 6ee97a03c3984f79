/* pii_test_util.h - helpers shared by the PII unit tests: scan a buffer as
 * a named file, in pieces of a chosen size. */
#ifndef RP_PII_TEST_UTIL_H
#define RP_PII_TEST_UTIL_H

#include "scan/pii.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

static const uint8_t PII_TEST_KEY[32] = {0x42, 1, 2, 3};

/* Scans data as file `name`, feeding `piece` bytes at a time (0: all at
 * once), with scanner s; returns the counts. */
static rp_pii_counts pii_scan_with(rp_pii_scanner *s, const char *name, const void *data, size_t n,
				   size_t piece)
{
	rp_pii_counts c;
	rp_err e;
	memset(&c, 0, sizeof c);
	assert_int_equal(rp_pii_file_begin(s, (const uint8_t *)name, strlen(name), n, &e), 0);
	const uint8_t *p = data;
	size_t left = n;
	while (left) {
		size_t k = piece && piece < left ? piece : left;
		assert_int_equal(rp_pii_file_update(s, p, k, &e), 0);
		p += k;
		left -= k;
	}
	assert_int_equal(rp_pii_file_end(s, &c, &e), 0);
	return c;
}

/* The same with a fresh scanner and distinct set. */
static rp_pii_counts pii_scan(const char *name, const void *data, size_t n, size_t piece)
{
	rp_pii_distinct *d = NULL;
	rp_pii_scanner *s = NULL;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	rp_pii_counts c = pii_scan_with(s, name, data, n, piece);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
	return c;
}

static rp_pii_counts pii_scan_str(const char *name, const char *text)
{
	return pii_scan(name, text, strlen(text), 0);
}

static uint64_t pii_total(const rp_pii_counts *c)
{
	uint64_t t = 0;
	for (int k = 0; k < RP_PII_KINDS; k++)
		t += c->n[k];
	return t;
}

#endif
