/* packer.c - pack files from blobs. */
#include "packer.h"

#include <stdlib.h>
#include <string.h>

#define PACKER_BUFFER_BYTES (1u << 20)

struct rp_packer {
	rp_repo *repo;
	rp_pack_done_fn done;
	void *ctx;
	rp_store_writer *w; /* NULL when no pack is open */
	rp_sha256 *sha;
	uint8_t header[RP_PACK_HEADER_BYTES];
	uint8_t eph[32];
	uint8_t key[RP_KEY_BYTES];
	int session; /* eph/key fixed for every pack */
	uint64_t size;
	rp_pack_entry *ents;
	size_t n, cap;
	rp_buf out; /* bytes not yet handed to the store writer */
	rp_buf trailer;
};

int rp_packer_new(rp_packer **out, rp_repo *r, rp_pack_done_fn done, void *ctx, rp_err *e)
{
	rp_packer *p = calloc(1, sizeof *p);
	if (!p)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	p->repo = r;
	p->done = done;
	p->ctx = ctx;
	int rc = rp_sha256_new(&p->sha, e);
	if (!rc && rp_buf_reserve(&p->out, PACKER_BUFFER_BYTES + RP_SEAL_OVERHEAD_MAX))
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	if (rc) {
		rp_packer_free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void rp_packer_free(rp_packer *p)
{
	if (!p)
		return;
	rp_store_writer_abort(p->w);
	rp_sha256_free(p->sha);
	rp_wipe(p->key, sizeof p->key);
	free(p->ents);
	rp_buf_free(&p->out);
	rp_buf_free(&p->trailer);
	free(p);
}

/* Hands the buffered bytes to the store writer. */
static int drain(rp_packer *p, rp_err *e)
{
	if (!p->out.len)
		return 0;
	int rc = rp_sha256_update(p->sha, p->out.data, p->out.len);
	if (rc)
		return rp_err_set(e, rc, "SHA-256 failed");
	rc = rp_store_writer_write(p->w, p->out.data, p->out.len, e);
	p->out.len = 0;
	return rc;
}

static int put_bytes(rp_packer *p, const void *b, size_t n, rp_err *e)
{
	if (p->out.len + n > PACKER_BUFFER_BYTES) {
		int rc = drain(p, e);
		if (rc)
			return rc;
		if (n > PACKER_BUFFER_BYTES) {
			rc = rp_sha256_update(p->sha, b, n);
			if (!rc)
				rc = rp_store_writer_write(p->w, b, n, e);
			if (!rc)
				p->size += n;
			return rc;
		}
	}
	memcpy(p->out.data + p->out.len, b, n);
	p->out.len += n;
	p->size += n;
	return 0;
}

void rp_packer_set_key(rp_packer *p, const uint8_t eph_pk[32], const uint8_t key[RP_KEY_BYTES])
{
	memcpy(p->eph, eph_pk, 32);
	memcpy(p->key, key, RP_KEY_BYTES);
	p->session = 1;
}

static int pack_open(rp_packer *p, rp_err *e)
{
	int rc = p->session ? 0 : rp_seal_key_new(p->repo->mk.data_pk, p->eph, p->key, e);
	if (rc)
		return rc;
	if ((rc = rp_store_writer_open(p->repo->store, &p->w, e)))
		return rc;
	rp_sha256_reset(p->sha);
	rp_pack_header_encode(p->header, p->eph);
	p->size = 0;
	p->n = 0;
	p->out.len = 0;
	return put_bytes(p, p->header, sizeof p->header, e);
}

int rp_packer_add(rp_packer *p, rp_blob_codec *c, uint8_t type, const rp_id *id, const uint8_t *data, size_t n,
		  int try_compress, uint32_t *stored, rp_err *e)
{
	int rc;
	if (!p->w && (rc = pack_open(p, e)))
		return rc;
	const uint8_t *sealed;
	size_t slen;
	uint8_t flags;
	rc = rp_blob_seal(c, p->repo->cfg.aead, p->key, type, id, data, n, try_compress, &sealed, &slen, &flags, e);
	if (rc)
		return rc;
	if (stored)
		*stored = (uint32_t)slen;
	return rp_packer_add_sealed(p, c, type, id, flags, (uint32_t)n, sealed, slen, e);
}

int rp_packer_add_sealed(rp_packer *p, rp_blob_codec *c, uint8_t type, const rp_id *id, uint8_t flags, uint32_t raw_len,
			 const uint8_t *sealed, size_t slen, rp_err *e)
{
	int rc;
	if (!p->w && (rc = pack_open(p, e)))
		return rc;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 256;
		rp_pack_entry *x = realloc(p->ents, cap * sizeof *x);
		if (!x)
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		p->ents = x;
		p->cap = cap;
	}
	rp_pack_entry *en = &p->ents[p->n];
	en->id = *id;
	en->type = type;
	en->flags = flags;
	en->offset = (uint32_t)p->size;
	en->sealed_len = (uint32_t)slen;
	en->raw_len = raw_len;
	if ((rc = put_bytes(p, sealed, slen, e)))
		return rc;
	p->n++;
	if (p->size >= p->repo->cfg.pack_bytes || p->n >= RP_PACK_MAX_BLOBS - 1)
		return rp_packer_flush(p, c, e);
	return 0;
}

int rp_packer_flush(rp_packer *p, rp_blob_codec *c, rp_err *e)
{
	if (!p->w)
		return 0;
	uint8_t hash[32];
	char name[RP_NAME_BYTES];
	rp_id pack;
	rp_buf_reset(&p->trailer);
	int rc = rp_pack_trailer_encode(rp_blob_codec_aead(c), p->repo->cfg.aead, p->key, p->header, p->ents, p->n,
					&p->trailer, e);
	if (!rc)
		rc = put_bytes(p, p->trailer.data, p->trailer.len, e);
	if (!rc)
		rc = drain(p, e);
	if (!rc && rp_sha256_final(p->sha, hash))
		rc = rp_err_set(e, RP_EIO, "SHA-256 failed");
	if (rc) {
		rp_store_writer_abort(p->w);
		p->w = NULL;
		return rc;
	}
	memcpy(pack.b, hash, 32);
	rp_repo_pack_name(name, &pack);
	rc = rp_store_writer_commit(p->w, name, e);
	p->w = NULL;
	if (rc == RP_EEXIST)
		rc = 0; /* identical bytes (same name) are already there */
	if (!rc && p->done)
		rc = p->done(p->ctx, &pack, p->eph, p->ents, p->n, p->size, e);
	if (!p->session)
		rp_wipe(p->key, sizeof p->key);
	p->n = 0;
	return rc;
}
