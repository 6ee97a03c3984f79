/* chunker.h - content-defined chunking (FastCDC-style gear hash with
 * normalized chunking).
 *
 * The gear table comes from a per-repository seed, so chunk boundaries do
 * not reveal file contents to someone without the repository's config.
 * Boundaries depend only on the bytes since the start of the current chunk:
 * the caller finds one cut, emits data[0..cut), and calls again on the rest.
 */
#ifndef RP_CHUNKER_H
#define RP_CHUNKER_H

#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>

#define RP_CHUNK_MIN_LIMIT_BYTES 64u
#define RP_CHUNK_MAX_LIMIT_BYTES (16u << 20)

typedef struct rp_chunker {
	uint32_t min_bytes;
	uint32_t avg_bytes;
	uint32_t max_bytes;
	uint64_t mask_small; /* stricter mask used before avg_bytes */
	uint64_t mask_large; /* looser mask used after avg_bytes */
	uint64_t gear[256];
} rp_chunker;

/* Sets up c for sizes min <= avg <= max (avg a power of two) and the 32-byte
 * seed.  RP_EINVAL with a message for impossible parameters. */
int rp_chunker_init(rp_chunker *c, uint32_t min_bytes, uint32_t avg_bytes, uint32_t max_bytes,
		    const uint8_t seed[32], rp_err *e);

/* Length of the first chunk of data[0..n).  When n < max_bytes and no
 * boundary is found, returns n: if more data follows, the caller must
 * supply at least max_bytes (or all remaining data) before calling. */
size_t rp_chunker_cut(const rp_chunker *c, const uint8_t *data, size_t n);

#endif
