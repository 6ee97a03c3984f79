/* scan_testlib.h - content generators shared by the detection tests
 * (header-only: every test binary is one .c file). */
#ifndef RP_SCAN_TESTLIB_H
#define RP_SCAN_TESTLIB_H

#include "scan/detect.h"
#include "scan/detect_internal.h"
#include "scan/detect_record.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct tl_rng {
	uint64_t s;
} tl_rng;

static uint64_t tl_next(tl_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return rp_scan_mix64(r->s);
}

static void tl_random(tl_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(tl_next(r) >> 24);
}

static uint8_t *tl_random_new(uint64_t seed, size_t n)
{
	tl_rng r = {seed};
	uint8_t *p = malloc(n ? n : 1);
	tl_random(&r, p, n);
	return p;
}

/* French-looking prose with accents, spaces and line breaks. */
static void tl_text(tl_rng *r, uint8_t *p, size_t n)
{
	static const char *const words[] = {"le",     "conseil", "municipal", "délibère", "sur",    "la",
					    "voirie", "école",   "budget",    "et",       "des",    "travaux",
					    "mairie", "séance",  "approuve",  "à",        "l'unanimité", "arrêté",
					    "commune", "facture"};
	size_t i = 0;
	for (;;) {
		const char *w = words[tl_next(r) % (sizeof words / sizeof words[0])];
		size_t k = strlen(w);
		if (i + k + 1 > n)
			break;
		memcpy(p + i, w, k);
		i += k;
		p[i++] = tl_next(r) % 9 == 0 ? '\n' : ' ';
	}
	memset(p + i, ' ', n - i); /* whole words only: no cut UTF-8 character */
}

static uint8_t *tl_text_new(uint64_t seed, size_t n)
{
	tl_rng r = {seed};
	uint8_t *p = malloc(n ? n : 1);
	tl_text(&r, p, n);
	return p;
}

/* Scans p[0..n) in pieces of `piece` bytes (0: all at once) into rec. */
static size_t tl_scan(const uint8_t *p, size_t n, size_t piece, uint8_t rec[RP_SCAN_RECORD_MAX_BYTES])
{
	rp_scan_file *s = malloc(sizeof *s);
	rp_scan_file_begin(s, (const uint8_t *)"f", 1, n);
	if (piece == 0)
		piece = n ? n : 1;
	for (size_t off = 0; off < n; off += piece)
		rp_scan_file_update(s, p + off, n - off < piece ? n - off : piece);
	size_t len = rp_scan_file_end(s, rec);
	free(s);
	return len;
}

/* Scans and decodes; aborts the test on a record that does not decode. */
static rp_scan_rec tl_rec(const uint8_t *p, size_t n)
{
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	size_t len = tl_scan(p, n, 0, rec);
	rp_scan_rec r;
	if (rp_scan_rec_decode(rec, len, &r, NULL) != 0)
		abort();
	return r;
}

/* base64 of p[0..n) with a line break every 76 characters; *out_n set. */
static uint8_t *tl_base64(const uint8_t *p, size_t n, size_t *out_n)
{
	static const char alpha[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t *o = malloc(n * 2 + 8);
	size_t k = 0, col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
		o[k++] = (uint8_t)alpha[v >> 18 & 63];
		o[k++] = (uint8_t)alpha[v >> 12 & 63];
		o[k++] = i + 1 < n ? (uint8_t)alpha[v >> 6 & 63] : '=';
		o[k++] = i + 2 < n ? (uint8_t)alpha[v & 63] : '=';
		if ((col += 4) >= 76) {
			o[k++] = '\n';
			col = 0;
		}
	}
	*out_n = k;
	return o;
}

#endif
