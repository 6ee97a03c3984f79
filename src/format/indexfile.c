/* indexfile.c - index file bodies. */
#include "indexfile.h"
#include "blob.h"

int rp_indexfile_encode(rp_buf *out, const rp_id *supersedes, size_t n_supersedes, const rp_index_pack *packs,
			size_t n_packs, rp_err *e)
{
	if (rp_buf_put_u8(out, RP_INDEXFILE_VERSION) || rp_buf_put_varint(out, n_supersedes))
		goto nomem;
	for (size_t i = 0; i < n_supersedes; i++)
		if (rp_buf_put(out, supersedes[i].b, RP_ID_BYTES))
			goto nomem;
	if (rp_buf_put_varint(out, n_packs))
		goto nomem;
	for (size_t p = 0; p < n_packs; p++) {
		const rp_index_pack *pk = &packs[p];
		if (rp_buf_put(out, pk->pack_id.b, RP_ID_BYTES) || rp_buf_put(out, pk->eph_pk, 32) ||
		    rp_buf_put_varint(out, pk->count))
			goto nomem;
		for (size_t i = 0; i < pk->count; i++) {
			const rp_pack_entry *x = &pk->entries[i];
			if (rp_buf_put_u8(out, x->type) || rp_buf_put_u8(out, x->flags) ||
			    rp_buf_put(out, x->id.b, RP_ID_BYTES) || rp_buf_put_varint(out, x->offset) ||
			    rp_buf_put_varint(out, x->sealed_len) || rp_buf_put_varint(out, x->raw_len))
				goto nomem;
		}
	}
	return 0;
nomem:
	return rp_err_set(e, RP_ENOMEM, "out of memory encoding an index");
}

int rp_indexfile_decode(const uint8_t *body, size_t n, const rp_indexfile_visitor *v, rp_err *e)
{
	rp_rd r;
	uint8_t version;
	uint64_t ns, np;
	int rc;
	rp_rd_init(&r, body, n);
	if (rp_rd_u8(&r, &version))
		return rp_err_set(e, RP_ECORRUPT, "index is empty");
	if (version != RP_INDEXFILE_VERSION)
		return rp_err_set(e, version > RP_INDEXFILE_VERSION ? RP_EVERSION : RP_ECORRUPT,
				  "index version %u unsupported", version);
	if (rp_rd_varint(&r, &ns) || ns > rp_rd_left(&r) / RP_ID_BYTES)
		return rp_err_set(e, RP_ECORRUPT, "index supersedes list is truncated");
	for (uint64_t i = 0; i < ns; i++) {
		rp_id id;
		rp_rd_copy(&r, id.b, RP_ID_BYTES);
		if (v->on_supersedes && (rc = v->on_supersedes(v->ctx, &id)))
			return rc;
	}
	if (rp_rd_varint(&r, &np))
		return rp_err_set(e, RP_ECORRUPT, "index pack count is truncated");
	for (uint64_t p = 0; p < np; p++) {
		rp_id pack;
		uint8_t eph[32];
		uint64_t nb;
		if (rp_rd_copy(&r, pack.b, RP_ID_BYTES) || rp_rd_copy(&r, eph, 32) || rp_rd_varint(&r, &nb) ||
		    nb > rp_rd_left(&r) / 37)
			return rp_err_set(e, RP_ECORRUPT, "index entry for pack %llu is truncated",
					  (unsigned long long)p);
		if (v->on_pack && (rc = v->on_pack(v->ctx, &pack, eph, (size_t)nb)))
			return rc;
		for (uint64_t i = 0; i < nb; i++) {
			rp_pack_entry x;
			uint64_t off, slen, rlen;
			if (rp_rd_u8(&r, &x.type) || rp_rd_u8(&r, &x.flags) || rp_rd_copy(&r, x.id.b, RP_ID_BYTES) ||
			    rp_rd_varint(&r, &off) || rp_rd_varint(&r, &slen) || rp_rd_varint(&r, &rlen))
				return rp_err_set(e, RP_ECORRUPT, "index blob entry is truncated");
			if (off > UINT32_MAX || slen > UINT32_MAX || rlen > RP_BLOB_MAX_BYTES || x.type > 1 ||
			    (x.flags & ~RP_BLOB_FLAG_ZSTD))
				return rp_err_set(e, RP_ECORRUPT, "index blob entry is out of range");
			x.offset = (uint32_t)off;
			x.sealed_len = (uint32_t)slen;
			x.raw_len = (uint32_t)rlen;
			if (v->on_blob && (rc = v->on_blob(v->ctx, &x)))
				return rc;
		}
	}
	if (rp_rd_left(&r))
		return rp_err_set(e, RP_ECORRUPT, "index has %zu trailing bytes", rp_rd_left(&r));
	return 0;
}
