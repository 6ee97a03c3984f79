/* pack.c - pack header and trailer codecs. */
#include "pack.h"
#include "blob.h"

#include <stdlib.h>
#include <string.h>

void rp_pack_header_encode(uint8_t out[RP_PACK_HEADER_BYTES], const uint8_t eph_pk[32])
{
	memcpy(out, "RPAK", 4);
	out[4] = RP_PACK_VERSION;
	out[5] = out[6] = out[7] = 0;
	memcpy(out + 8, eph_pk, 32);
}

int rp_pack_header_decode(const uint8_t *p, size_t n, uint8_t eph_pk[32], rp_err *e)
{
	if (n < RP_PACK_HEADER_BYTES || memcmp(p, "RPAK", 4))
		return rp_err_set(e, RP_ECORRUPT, "not a pack file (bad header)");
	if (p[4] > RP_PACK_VERSION)
		return rp_err_set(e, RP_EVERSION, "pack format version %u is newer than this program (%u)", p[4],
				  RP_PACK_VERSION);
	if (p[4] == 0)
		return rp_err_set(e, RP_ECORRUPT, "pack format version 0 is invalid");
	memcpy(eph_pk, p + 8, 32);
	return 0;
}

int rp_pack_trailer_encode(rp_aead *a, int alg, const uint8_t key[RP_KEY_BYTES],
			   const uint8_t header[RP_PACK_HEADER_BYTES], const rp_pack_entry *entries, size_t n,
			   rp_buf *out, rp_err *e)
{
	rp_buf plain = {0};
	int rc = RP_ENOMEM;
	if (rp_buf_put_u8(&plain, RP_PACK_VERSION) || rp_buf_put_varint(&plain, n))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const rp_pack_entry *x = &entries[i];
		if (rp_buf_put_u8(&plain, x->type) || rp_buf_put_u8(&plain, x->flags) ||
		    rp_buf_put(&plain, x->id.b, RP_ID_BYTES) || rp_buf_put_varint(&plain, x->offset) ||
		    rp_buf_put_varint(&plain, x->sealed_len) || rp_buf_put_varint(&plain, x->raw_len))
			goto fail;
	}
	size_t over = rp_seal_overhead(alg);
	if (rp_buf_reserve(out, plain.len + over + 4))
		goto fail;
	size_t env_len;
	rc = rp_seal(a, alg, key, header, RP_PACK_HEADER_BYTES, plain.data, plain.len, out->data + out->len,
		     &env_len, e);
	if (rc)
		goto done;
	out->len += env_len;
	rc = rp_buf_put_u32le(out, (uint32_t)env_len);
	goto done;
fail:
	rp_err_set(e, rc, "out of memory");
done:
	rp_buf_free(&plain);
	return rc;
}

int rp_pack_trailer_len(const uint8_t last4[4], uint64_t pack_size, uint32_t *len, rp_err *e)
{
	uint32_t v = rp_load_u32le(last4);
	if (pack_size < RP_PACK_HEADER_BYTES + 4 || v > pack_size - RP_PACK_HEADER_BYTES - 4 ||
	    v > RP_PACK_MAX_TRAILER_BYTES)
		return rp_err_set(e, RP_ECORRUPT, "pack trailer length %u does not fit a pack of %llu bytes", v,
				  (unsigned long long)pack_size);
	*len = v;
	return 0;
}

int rp_pack_trailer_decode(rp_aead *a, const uint8_t key[RP_KEY_BYTES], const uint8_t header[RP_PACK_HEADER_BYTES],
			   const uint8_t *env, size_t env_len, uint64_t blobs_end, rp_pack_entry **entries,
			   size_t *count, rp_err *e)
{
	uint8_t *plain = malloc(env_len ? env_len : 1);
	rp_pack_entry *list = NULL;
	size_t plain_len;
	int rc;
	if (!plain)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	rc = rp_open(a, key, header, RP_PACK_HEADER_BYTES, env, env_len, plain, &plain_len, e);
	if (rc) {
		rp_err_prefix(e, "pack trailer");
		goto done;
	}
	rp_rd r;
	uint8_t version;
	uint64_t n;
	rp_rd_init(&r, plain, plain_len);
	if (rp_rd_u8(&r, &version) || rp_rd_varint(&r, &n)) {
		rc = rp_err_set(e, RP_ECORRUPT, "pack trailer is truncated");
		goto done;
	}
	if (version != RP_PACK_VERSION) {
		rc = rp_err_set(e, version > RP_PACK_VERSION ? RP_EVERSION : RP_ECORRUPT,
				"pack trailer version %u unsupported", version);
		goto done;
	}
	/* each entry takes at least 37 bytes: bounds the allocation */
	if (n > RP_PACK_MAX_BLOBS || n > rp_rd_left(&r) / 37) {
		rc = rp_err_set(e, RP_ECORRUPT, "pack trailer claims %llu blobs", (unsigned long long)n);
		goto done;
	}
	list = calloc(n ? n : 1, sizeof *list);
	if (!list) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		rp_pack_entry *x = &list[i];
		uint64_t off, slen, rlen;
		if (rp_rd_u8(&r, &x->type) || rp_rd_u8(&r, &x->flags) || rp_rd_copy(&r, x->id.b, RP_ID_BYTES) ||
		    rp_rd_varint(&r, &off) || rp_rd_varint(&r, &slen) || rp_rd_varint(&r, &rlen)) {
			rc = rp_err_set(e, RP_ECORRUPT, "pack trailer entry %zu is truncated", i);
			goto done;
		}
		if (off < RP_PACK_HEADER_BYTES || slen > blobs_end || off > blobs_end - slen ||
		    rlen > UINT32_MAX || off > UINT32_MAX || slen > UINT32_MAX) {
			rc = rp_err_set(e, RP_ECORRUPT, "pack trailer entry %zu points outside the pack", i);
			goto done;
		}
		if (x->type > 1 || (x->flags & ~RP_BLOB_FLAG_ZSTD) || rlen > RP_BLOB_MAX_BYTES) {
			rc = rp_err_set(e, RP_ECORRUPT, "pack trailer entry %zu has an unknown type, flag or length", i);
			goto done;
		}
		x->offset = (uint32_t)off;
		x->sealed_len = (uint32_t)slen;
		x->raw_len = (uint32_t)rlen;
	}
	if (rp_rd_left(&r)) {
		rc = rp_err_set(e, RP_ECORRUPT, "pack trailer has %zu trailing bytes", rp_rd_left(&r));
		goto done;
	}
	*entries = list;
	*count = (size_t)n;
	list = NULL;
	rc = 0;
done:
	free(list);
	free(plain);
	return rc;
}
