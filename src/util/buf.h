/* buf.h - growable byte buffers and a bounds-checked reader.
 *
 * rp_buf owns its memory.  rp_rd reads from memory it does not own and
 * never reads past its end: every getter returns -1 once the input is
 * exhausted or malformed, and the reader stays failed (rd->bad) so a
 * decoder can check once at the end.
 */
#ifndef RP_BUF_H
#define RP_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct rp_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
} rp_buf;

/* Makes sure at least `extra` more bytes fit; 0 or RP_ENOMEM. */
int rp_buf_reserve(rp_buf *b, size_t extra);
int rp_buf_put(rp_buf *b, const void *p, size_t n);
int rp_buf_put_u8(rp_buf *b, uint8_t v);
int rp_buf_put_u32le(rp_buf *b, uint32_t v);
int rp_buf_put_u64le(rp_buf *b, uint64_t v);
/* Unsigned LEB128 (7 bits a byte, low group first). */
int rp_buf_put_varint(rp_buf *b, uint64_t v);
/* Signed values as zigzag-encoded varints. */
int rp_buf_put_svarint(rp_buf *b, int64_t v);
/* A varint length followed by the bytes. */
int rp_buf_put_bytes(rp_buf *b, const void *p, size_t n);
int rp_buf_putf(rp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Terminates the content with a NUL that is not counted in len. */
int rp_buf_cstr(rp_buf *b);
void rp_buf_reset(rp_buf *b);
void rp_buf_free(rp_buf *b);

typedef struct rp_rd {
	const uint8_t *p;
	const uint8_t *end;
	int bad;
} rp_rd;

void rp_rd_init(rp_rd *r, const void *p, size_t n);
size_t rp_rd_left(const rp_rd *r);
int rp_rd_u8(rp_rd *r, uint8_t *v);
int rp_rd_u32le(rp_rd *r, uint32_t *v);
int rp_rd_u64le(rp_rd *r, uint64_t *v);
int rp_rd_varint(rp_rd *r, uint64_t *v);
int rp_rd_svarint(rp_rd *r, int64_t *v);
/* Points *p at the next n bytes (no copy). */
int rp_rd_raw(rp_rd *r, const uint8_t **p, size_t n);
int rp_rd_copy(rp_rd *r, void *dst, size_t n);
/* Reads a varint length (at most max) and points *p at that many bytes. */
int rp_rd_bytes(rp_rd *r, const uint8_t **p, size_t *n, size_t max);

static inline void rp_store_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static inline uint32_t rp_load_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void rp_store_u64le(uint8_t *p, uint64_t v)
{
	rp_store_u32le(p, (uint32_t)v);
	rp_store_u32le(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t rp_load_u64le(const uint8_t *p)
{
	return (uint64_t)rp_load_u32le(p) | (uint64_t)rp_load_u32le(p + 4) << 32;
}

#endif
