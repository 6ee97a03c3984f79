/* pii_charset.c - Latin-1 and UTF-16 to UTF-8, in pieces.
 *
 * Latin-1 is read as Windows-1252 (what "Latin-1" files from Windows
 * really are): 0x80-0x9F are the typographic characters there.  UTF-16
 * keeps an odd trailing byte and an unpaired high surrogate for the next
 * piece; unpaired surrogates become U+FFFD.
 */
#include "pii_internal.h"

#define CHARSET_OUT_BYTES 4096

static const uint16_t CP1252_HIGH[32] = {
	0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021,
	0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0xfffd, 0x017d, 0xfffd,
	0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014,
	0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
};

size_t pii_utf8_put(uint8_t *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (uint8_t)(0xc0 | cp >> 6);
		out[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (uint8_t)(0xe0 | cp >> 12);
		out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (uint8_t)(0xf0 | cp >> 18);
	out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

void pii_charset_begin(pii_charset *c, int cs)
{
	c->cs = cs;
	c->has_pend = 0;
	c->pend = 0;
	c->high = 0;
}

static int latin1_write(const uint8_t *p, size_t n, pii_out_fn out, void *ctx)
{
	uint8_t o[CHARSET_OUT_BYTES + 4];
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c < 0x80)
			o[k++] = c;
		else
			k += pii_utf8_put(o + k, c < 0xa0 ? CP1252_HIGH[c - 0x80] : c);
		if (k >= CHARSET_OUT_BYTES) {
			int rc = out(ctx, o, k);
			if (rc)
				return rc;
			k = 0;
		}
	}
	return k ? out(ctx, o, k) : 0;
}

static int utf16_write(pii_charset *c, const uint8_t *p, size_t n, pii_out_fn out, void *ctx)
{
	uint8_t o[CHARSET_OUT_BYTES + 8];
	size_t k = 0, i = 0;
	int be = c->cs == RP_PII_CS_UTF16BE;
	while (i < n) {
		uint8_t b0, b1;
		if (c->has_pend) {
			b0 = c->pend;
			b1 = p[i++];
			c->has_pend = 0;
		} else if (i + 1 < n) {
			b0 = p[i];
			b1 = p[i + 1];
			i += 2;
		} else {
			c->pend = p[i++];
			c->has_pend = 1;
			break;
		}
		uint32_t u = be ? (uint32_t)b0 << 8 | b1 : (uint32_t)b1 << 8 | b0;
		if (c->high) {
			if (u >= 0xdc00 && u <= 0xdfff) {
				k += pii_utf8_put(o + k, 0x10000 + ((c->high - 0xd800) << 10) + (u - 0xdc00));
				c->high = 0;
				goto flush;
			}
			k += pii_utf8_put(o + k, 0xfffd);
			c->high = 0;
		}
		if (u >= 0xd800 && u <= 0xdbff)
			c->high = u;
		else if (u >= 0xdc00 && u <= 0xdfff)
			k += pii_utf8_put(o + k, 0xfffd);
		else
			k += pii_utf8_put(o + k, u);
	flush:
		if (k >= CHARSET_OUT_BYTES) {
			int rc = out(ctx, o, k);
			if (rc)
				return rc;
			k = 0;
		}
	}
	return k ? out(ctx, o, k) : 0;
}

int pii_charset_write(pii_charset *c, const uint8_t *p, size_t n, pii_out_fn out, void *ctx)
{
	switch (c->cs) {
	case RP_PII_CS_LATIN1:
		return latin1_write(p, n, out, ctx);
	case RP_PII_CS_UTF16LE:
	case RP_PII_CS_UTF16BE:
		return utf16_write(c, p, n, out, ctx);
	default:
		return n ? out(ctx, p, n) : 0;
	}
}
