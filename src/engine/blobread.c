/* blobread.c - single blobs from packs. */
#include "blobread.h"

#include "util/hex.h"

#include <stdlib.h>
#include <string.h>

#define KEY_CACHE_SLOTS 64

typedef struct key_slot {
	uint32_t pack;
	int valid;
	uint8_t key[RP_KEY_BYTES];
} key_slot;

struct rp_blob_reader {
	rp_repo *repo;
	rp_index *idx;
	rp_blob_codec *codec;
	rp_hasher *hasher;
	rp_buf sealed;
	key_slot keys[KEY_CACHE_SLOTS];
};

int rp_blob_reader_new(rp_blob_reader **out, rp_repo *r, rp_index *idx, rp_err *e)
{
	rp_blob_reader *b = calloc(1, sizeof *b);
	if (!b)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	b->repo = r;
	b->idx = idx;
	int rc = rp_blob_codec_new(&b->codec, 3, e);
	if (!rc)
		rc = rp_hasher_new(&b->hasher, e);
	if (rc) {
		rp_blob_reader_free(b);
		return rc;
	}
	*out = b;
	return 0;
}

void rp_blob_reader_free(rp_blob_reader *b)
{
	if (!b)
		return;
	rp_blob_codec_free(b->codec);
	rp_hasher_free(b->hasher);
	rp_buf_free(&b->sealed);
	rp_wipe(b->keys, sizeof b->keys);
	free(b);
}

int rp_blob_reader_pack_key(rp_blob_reader *b, uint32_t pack, uint8_t key[RP_KEY_BYTES], rp_err *e)
{
	key_slot *s = &b->keys[pack % KEY_CACHE_SLOTS];
	if (s->valid && s->pack == pack) {
		memcpy(key, s->key, RP_KEY_BYTES);
		return 0;
	}
	if (!rp_repo_can_read(b->repo))
		return rp_err_set(e, RP_EPERM, "this is a backup-only key: it cannot read data (use a full key)");
	const uint8_t *eph = rp_index_pack_eph(b->idx, pack);
	if (!eph)
		return rp_err_set(e, RP_ECORRUPT, "unknown pack number %u", pack);
	int rc = rp_seal_key_open(b->repo->mk.data_sk, b->repo->mk.data_pk, eph, s->key, e);
	if (rc)
		return rc;
	s->pack = pack;
	s->valid = 1;
	memcpy(key, s->key, RP_KEY_BYTES);
	return 0;
}

int rp_blob_open_at(rp_blob_reader *b, const rp_id *id, const rp_blob_loc *loc, const uint8_t *sealed,
		    const uint8_t **data, rp_err *e)
{
	uint8_t key[RP_KEY_BYTES];
	char hex[65], pname[RP_NAME_BYTES];
	rp_hex_encode(hex, id->b, 32);
	rp_repo_pack_name(pname, rp_index_pack_id(b->idx, loc->pack));
	int rc = rp_blob_reader_pack_key(b, loc->pack, key, e);
	if (rc)
		return rc;
	rc = rp_blob_open(b->codec, key, loc->type, id, loc->flags, loc->raw_len, sealed, loc->sealed_len, data, e);
	rp_wipe(key, sizeof key);
	if (rc) {
		rp_err_prefix(e, "%s, blob %.16s at offset %u", pname, hex, loc->offset);
		return rc;
	}
	rp_id check;
	if (rp_id_compute(b->repo->idkey, b->hasher, *data, loc->raw_len, &check) || memcmp(check.b, id->b, RP_ID_BYTES))
		return rp_err_set(e, RP_ECORRUPT, "%s, blob %.16s at offset %u: content does not match its id", pname,
				  hex, loc->offset);
	return 0;
}

int rp_blob_read(rp_blob_reader *b, const rp_id *id, uint8_t type, const uint8_t **data, size_t *n, rp_err *e)
{
	rp_blob_loc loc;
	char hex[65];
	/* the stored type is not checked: ids are keyed hashes of the plaintext
	 * whatever the type, so a tree may deduplicate against a file chunk of
	 * the same bytes (an empty folder's tree is one byte) and the other way
	 * round; the blob opens with its own type and the id check proves the
	 * bytes */
	if (!rp_index_lookup(b->idx, id, &loc)) {
		rp_hex_encode(hex, id->b, 32);
		return rp_err_set(e, RP_ENOTFOUND, "%s blob %s is not in the index", type == RP_BLOB_TREE ? "tree" : "data",
				  hex);
	}
	char pname[RP_NAME_BYTES];
	rp_repo_pack_name(pname, rp_index_pack_id(b->idx, loc.pack));
	rp_buf_reset(&b->sealed);
	int rc = rp_store_get(b->repo->store, pname, loc.offset, loc.sealed_len, &b->sealed, e);
	if (rc)
		return rc;
	rc = rp_blob_open_at(b, id, &loc, b->sealed.data, data, e);
	if (!rc)
		*n = loc.raw_len;
	return rc;
}
