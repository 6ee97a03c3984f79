/* chunker.c - FastCDC-style content-defined chunking. */
#include "chunker.h"

#include <sodium.h>
#include <string.h>

/* Top `bits` bits of a 64-bit word: with the shift-add gear hash, bit k of
 * the hash depends on the last k+1 bytes, so the top bits see a 64-byte
 * window while the low bits would see only a few bytes. */
static uint64_t top_mask(unsigned bits)
{
	return bits == 0 ? 0 : ~(uint64_t)0 << (64 - bits);
}

int rp_chunker_init(rp_chunker *c, uint32_t min_bytes, uint32_t avg_bytes, uint32_t max_bytes,
		    const uint8_t seed[32], rp_err *e)
{
	if (min_bytes < RP_CHUNK_MIN_LIMIT_BYTES || max_bytes > RP_CHUNK_MAX_LIMIT_BYTES ||
	    min_bytes >= avg_bytes || avg_bytes >= max_bytes || (avg_bytes & (avg_bytes - 1)))
		return rp_err_set(e, RP_EINVAL,
				  "chunk sizes must satisfy %u <= min < avg < max <= %u with avg a power of two "
				  "(got %u/%u/%u)",
				  RP_CHUNK_MIN_LIMIT_BYTES, RP_CHUNK_MAX_LIMIT_BYTES, min_bytes, avg_bytes, max_bytes);
	unsigned bits = 0;
	while ((1u << bits) < avg_bytes)
		bits++;
	memset(c, 0, sizeof *c);
	c->min_bytes = min_bytes;
	c->avg_bytes = avg_bytes;
	c->max_bytes = max_bytes;
	/* normalization level 2: two bits harder before avg, two easier after */
	c->mask_small = top_mask(bits + 2);
	c->mask_large = top_mask(bits >= 2 ? bits - 2 : 0);
	/* gear[i] = first 8 bytes of BLAKE2b(key=seed, "rempart gear" || i) */
	for (unsigned i = 0; i < 256; i++) {
		uint8_t msg[13] = "rempart gear";
		uint8_t out[16];
		msg[12] = (uint8_t)i;
		crypto_generichash(out, sizeof out, msg, sizeof msg, seed, 32);
		uint64_t g = 0;
		for (int k = 0; k < 8; k++)
			g = g << 8 | out[k];
		c->gear[i] = g;
	}
	return 0;
}

size_t rp_chunker_cut(const rp_chunker *c, const uint8_t *data, size_t n)
{
	if (n <= c->min_bytes)
		return n;
	size_t end = n < c->max_bytes ? n : c->max_bytes;
	size_t normal = end < c->avg_bytes ? end : c->avg_bytes;
	uint64_t h = 0;
	size_t i = c->min_bytes;
	/* warm the hash over the 64 bytes before min so the first test after
	 * min sees a full window */
	for (size_t k = i - (i < 64 ? i : 64); k < i; k++)
		h = (h << 1) + c->gear[data[k]];
	for (; i < normal; i++) {
		h = (h << 1) + c->gear[data[i]];
		if (!(h & c->mask_small))
			return i + 1;
	}
	for (; i < end; i++) {
		h = (h << 1) + c->gear[data[i]];
		if (!(h & c->mask_large))
			return i + 1;
	}
	return end;
}
