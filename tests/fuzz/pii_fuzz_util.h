/* pii_fuzz_util.h - the shared body of the PII fuzz targets: scan the input
 * as a file of a given name, cut into pieces whose sizes come from the
 * input's first byte, and check the counts are sane. */
#ifndef RP_PII_FUZZ_UTIL_H
#define RP_PII_FUZZ_UTIL_H

#include "scan/pii.h"

#include <stdlib.h>
#include <string.h>

static void pii_fuzz_scan(const char *name, const uint8_t *data, size_t size)
{
	static const uint8_t KEY[32] = {9};
	rp_pii_distinct *d = NULL;
	rp_pii_scanner *s = NULL;
	rp_err e;
	if (rp_pii_distinct_new_bounded(&d, KEY, 64, &e) || rp_pii_scanner_new(&s, d, &e))
		abort();
	size_t piece = 1;
	if (size) {
		/* 1..256 bytes, or all at once */
		piece = data[0] == 255 ? size : (size_t)data[0] + 1;
		data++;
		size--;
	}
	for (int round = 0; round < 2; round++) {
		if (rp_pii_file_begin(s, (const uint8_t *)name, strlen(name), size, &e))
			abort();
		for (size_t at = 0; at < size; at += piece) {
			size_t k = size - at < piece ? size - at : piece;
			if (rp_pii_file_update(s, data + at, k, &e))
				abort();
		}
		rp_pii_counts c;
		if (rp_pii_file_end(s, &c, &e))
			abort();
		if (c.bytes != size || c.columns_n > RP_PII_COLUMNS_MAX)
			abort();
		/* an identifier takes at least 5 bytes of text */
		uint64_t total = 0;
		for (int k = 0; k < RP_PII_KINDS; k++)
			total += c.n[k];
		if (c.format != RP_PII_FMT_PDF && !(c.format >= RP_PII_FMT_DOCX && c.format <= RP_PII_FMT_ODP) &&
		    c.format != RP_PII_FMT_MAIL && total * 5 > c.text_bytes + 5)
			abort();
		/* the second round checks the scanner is reusable */
		piece = piece * 7 + 1;
	}
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
}

#endif
