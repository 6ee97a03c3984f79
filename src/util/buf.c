/* buf.c - growable byte buffers and a bounds-checked reader. */
#include "buf.h"

#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rp_buf_reserve(rp_buf *b, size_t extra)
{
	if (extra <= b->cap - b->len)
		return 0;
	if (extra > SIZE_MAX / 2 - b->len)
		return RP_ENOMEM;
	size_t want = b->len + extra;
	size_t cap = b->cap ? b->cap : 64;
	while (cap < want)
		cap *= 2;
	uint8_t *p = realloc(b->data, cap);
	if (!p)
		return RP_ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int rp_buf_put(rp_buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (rp_buf_reserve(b, n))
		return RP_ENOMEM;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int rp_buf_put_u8(rp_buf *b, uint8_t v)
{
	return rp_buf_put(b, &v, 1);
}

int rp_buf_put_u32le(rp_buf *b, uint32_t v)
{
	uint8_t t[4];
	rp_store_u32le(t, v);
	return rp_buf_put(b, t, 4);
}

int rp_buf_put_u64le(rp_buf *b, uint64_t v)
{
	uint8_t t[8];
	rp_store_u64le(t, v);
	return rp_buf_put(b, t, 8);
}

int rp_buf_put_varint(rp_buf *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;
	while (v >= 0x80) {
		t[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	t[n++] = (uint8_t)v;
	return rp_buf_put(b, t, n);
}

int rp_buf_put_svarint(rp_buf *b, int64_t v)
{
	uint64_t z = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
	return rp_buf_put_varint(b, z);
}

int rp_buf_put_bytes(rp_buf *b, const void *p, size_t n)
{
	int rc = rp_buf_put_varint(b, n);
	return rc ? rc : rp_buf_put(b, p, n);
}

int rp_buf_putf(rp_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return RP_EINVAL;
	if (rp_buf_reserve(b, (size_t)n + 1))
		return RP_ENOMEM;
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

int rp_buf_cstr(rp_buf *b)
{
	if (rp_buf_reserve(b, 1))
		return RP_ENOMEM;
	b->data[b->len] = 0;
	return 0;
}

void rp_buf_reset(rp_buf *b)
{
	b->len = 0;
}

void rp_buf_free(rp_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void rp_rd_init(rp_rd *r, const void *p, size_t n)
{
	r->p = p ? p : (const void *)""; /* an empty field may be (NULL, 0): NULL + 0 is undefined */
	r->end = r->p + n;
	r->bad = 0;
}

size_t rp_rd_left(const rp_rd *r)
{
	return (size_t)(r->end - r->p);
}

static int rd_fail(rp_rd *r)
{
	r->bad = 1;
	r->p = r->end;
	return -1;
}

int rp_rd_raw(rp_rd *r, const uint8_t **p, size_t n)
{
	if (r->bad || rp_rd_left(r) < n)
		return rd_fail(r);
	*p = r->p;
	r->p += n;
	return 0;
}

int rp_rd_copy(rp_rd *r, void *dst, size_t n)
{
	const uint8_t *p;
	if (rp_rd_raw(r, &p, n))
		return -1;
	if (n)
		memcpy(dst, p, n);
	return 0;
}

int rp_rd_u8(rp_rd *r, uint8_t *v)
{
	return rp_rd_copy(r, v, 1);
}

int rp_rd_u32le(rp_rd *r, uint32_t *v)
{
	const uint8_t *p;
	if (rp_rd_raw(r, &p, 4))
		return -1;
	*v = rp_load_u32le(p);
	return 0;
}

int rp_rd_u64le(rp_rd *r, uint64_t *v)
{
	const uint8_t *p;
	if (rp_rd_raw(r, &p, 8))
		return -1;
	*v = rp_load_u64le(p);
	return 0;
}

int rp_rd_varint(rp_rd *r, uint64_t *v)
{
	uint64_t x = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t c;
		if (rp_rd_u8(r, &c))
			return -1;
		if (shift == 63 && c > 1)
			return rd_fail(r);
		x |= (uint64_t)(c & 0x7f) << shift;
		if (!(c & 0x80)) {
			*v = x;
			return 0;
		}
	}
	return rd_fail(r);
}

int rp_rd_svarint(rp_rd *r, int64_t *v)
{
	uint64_t z;
	if (rp_rd_varint(r, &z))
		return -1;
	*v = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
	return 0;
}

int rp_rd_bytes(rp_rd *r, const uint8_t **p, size_t *n, size_t max)
{
	uint64_t len;
	if (rp_rd_varint(r, &len))
		return -1;
	if (len > max)
		return rd_fail(r);
	*n = (size_t)len;
	return rp_rd_raw(r, p, (size_t)len);
}
