/* blob.c - compression and sealing of blobs. */
#include "blob.h"

#include <stdlib.h>
#include <string.h>
#include <zstd.h>

struct rp_blob_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	rp_aead *aead;
	int level;
	rp_buf zbuf; /* compressed or decompressed plaintext */
	rp_buf sbuf; /* sealed bytes, or opened plaintext */
};

int rp_blob_codec_new(rp_blob_codec **out, int zstd_level, rp_err *e)
{
	rp_blob_codec *c = calloc(1, sizeof *c);
	if (!c)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	c->cctx = ZSTD_createCCtx();
	c->dctx = ZSTD_createDCtx();
	c->level = zstd_level;
	if (!c->cctx || !c->dctx) {
		rp_blob_codec_free(c);
		return rp_err_set(e, RP_ENOMEM, "cannot create zstd contexts");
	}
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_compressionLevel, zstd_level);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_checksumFlag, 0);
	ZSTD_CCtx_setParameter(c->cctx, ZSTD_c_contentSizeFlag, 1);
	int rc = rp_aead_new(&c->aead, e);
	if (rc) {
		rp_blob_codec_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void rp_blob_codec_free(rp_blob_codec *c)
{
	if (!c)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeDCtx(c->dctx);
	rp_aead_free(c->aead);
	rp_buf_free(&c->zbuf);
	rp_buf_free(&c->sbuf);
	free(c);
}

rp_aead *rp_blob_codec_aead(rp_blob_codec *c)
{
	return c->aead;
}

size_t rp_blob_sealed_bound(size_t n)
{
	return n + RP_SEAL_OVERHEAD_MAX;
}

static size_t blob_aad(uint8_t aad[40], uint8_t type, const rp_id *id)
{
	memcpy(aad, "RPB1", 4);
	aad[4] = type;
	memcpy(aad + 5, id->b, RP_ID_BYTES);
	return 5 + RP_ID_BYTES;
}

int rp_blob_seal(rp_blob_codec *c, int alg, const uint8_t key[RP_KEY_BYTES], uint8_t type, const rp_id *id,
		 const uint8_t *data, size_t n, int try_compress, const uint8_t **out, size_t *out_len,
		 uint8_t *flags, rp_err *e)
{
	const uint8_t *pt = data;
	size_t pt_len = n;
	*flags = 0;
	if (n > RP_BLOB_MAX_BYTES)
		return rp_err_set(e, RP_EINVAL, "blob of %zu bytes exceeds the limit", n);
	if (try_compress && n >= 64) {
		size_t bound = ZSTD_compressBound(n);
		rp_buf_reset(&c->zbuf);
		if (rp_buf_reserve(&c->zbuf, bound))
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		size_t z = ZSTD_compress2(c->cctx, c->zbuf.data, bound, data, n);
		if (ZSTD_isError(z))
			return rp_err_set(e, RP_EIO, "zstd: %s", ZSTD_getErrorName(z));
		if (z < n - n / 32) {
			pt = c->zbuf.data;
			pt_len = z;
			*flags = RP_BLOB_FLAG_ZSTD;
		}
	}
	uint8_t aad[40];
	size_t aad_len = blob_aad(aad, type, id);
	rp_buf_reset(&c->sbuf);
	if (rp_buf_reserve(&c->sbuf, rp_blob_sealed_bound(pt_len)))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	int rc = rp_seal(c->aead, alg, key, aad, aad_len, pt, pt_len, c->sbuf.data, out_len, e);
	if (rc)
		return rc;
	*out = c->sbuf.data;
	return 0;
}

int rp_blob_open(rp_blob_codec *c, const uint8_t key[RP_KEY_BYTES], uint8_t type, const rp_id *id,
		 uint8_t flags, uint32_t raw_len, const uint8_t *sealed, size_t sealed_len, const uint8_t **out,
		 rp_err *e)
{
	uint8_t aad[40];
	size_t aad_len = blob_aad(aad, type, id);
	if (raw_len > RP_BLOB_MAX_BYTES || sealed_len > RP_BLOB_MAX_BYTES + RP_SEAL_OVERHEAD_MAX)
		return rp_err_set(e, RP_ECORRUPT, "blob size out of range");
	rp_buf_reset(&c->sbuf);
	if (rp_buf_reserve(&c->sbuf, sealed_len))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	size_t pt_len;
	int rc = rp_open(c->aead, key, aad, aad_len, sealed, sealed_len, c->sbuf.data, &pt_len, e);
	if (rc)
		return rc;
	if (!(flags & RP_BLOB_FLAG_ZSTD)) {
		if (pt_len != raw_len)
			return rp_err_set(e, RP_ECORRUPT, "blob holds %zu bytes, index says %u", pt_len, raw_len);
		*out = c->sbuf.data;
		return 0;
	}
	rp_buf_reset(&c->zbuf);
	if (rp_buf_reserve(&c->zbuf, raw_len ? raw_len : 1))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	size_t z = ZSTD_decompressDCtx(c->dctx, c->zbuf.data, raw_len, c->sbuf.data, pt_len);
	if (ZSTD_isError(z))
		return rp_err_set(e, RP_ECORRUPT, "zstd: %s", ZSTD_getErrorName(z));
	if (z != raw_len)
		return rp_err_set(e, RP_ECORRUPT, "blob decompresses to %zu bytes, index says %u", z, raw_len);
	*out = c->zbuf.data;
	return 0;
}

int rp_zstd_compress(rp_blob_codec *c, const void *src, size_t n, rp_buf *dst, rp_err *e)
{
	size_t bound = ZSTD_compressBound(n);
	if (rp_buf_reserve(dst, bound))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	size_t z = ZSTD_compress2(c->cctx, dst->data + dst->len, bound, src, n);
	if (ZSTD_isError(z))
		return rp_err_set(e, RP_EIO, "zstd: %s", ZSTD_getErrorName(z));
	dst->len += z;
	return 0;
}

int rp_zstd_decompress(rp_blob_codec *c, const void *src, size_t n, size_t max_out, rp_buf *dst, rp_err *e)
{
	unsigned long long size = ZSTD_getFrameContentSize(src, n);
	if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
		return rp_err_set(e, RP_ECORRUPT, "zstd frame without a valid size");
	if (size > max_out)
		return rp_err_set(e, RP_ECORRUPT, "zstd frame claims %llu bytes (limit %zu)", size, max_out);
	if (rp_buf_reserve(dst, (size_t)size + 1))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	size_t z = ZSTD_decompressDCtx(c->dctx, dst->data + dst->len, (size_t)size, src, n);
	if (ZSTD_isError(z) || z != size)
		return rp_err_set(e, RP_ECORRUPT, "zstd: %s", ZSTD_isError(z) ? ZSTD_getErrorName(z) : "size mismatch");
	dst->len += z;
	return 0;
}
