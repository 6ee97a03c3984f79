/* config.c - repository config codec. */
#include "config.h"

#include "../util/hex.h"
#include "../util/json.h"
#include "chunker.h"
#include "crypto.h"

#include <string.h>

#define DEFAULT_CHUNK_MIN_BYTES (16u << 10)
#define DEFAULT_CHUNK_AVG_BYTES (64u << 10)
#define DEFAULT_CHUNK_MAX_BYTES (512u << 10)
#define DEFAULT_PACK_BYTES (32u << 20)
#define MAX_PACK_BYTES (1u << 30)

void rp_config_default(rp_config *c, const uint8_t repo_id[32], int64_t now)
{
	memset(c, 0, sizeof *c);
	c->version = RP_REPO_VERSION;
	memcpy(c->repo_id, repo_id, 32);
	c->chunk_min = DEFAULT_CHUNK_MIN_BYTES;
	c->chunk_avg = DEFAULT_CHUNK_AVG_BYTES;
	c->chunk_max = DEFAULT_CHUNK_MAX_BYTES;
	rp_random(c->chunker_seed, sizeof c->chunker_seed);
	c->zstd_level = 1; /* docs/DESIGN-NOTES.md: level 3 costs 10% more CPU for 0.3% */
	c->aead = rp_aead_preferred();
	c->pack_bytes = DEFAULT_PACK_BYTES;
	c->created = now;
}

int rp_config_encode(const rp_config *c, rp_buf *out, rp_err *e)
{
	char id[65], seed[65];
	rp_hex_encode(id, c->repo_id, 32);
	rp_hex_encode(seed, c->chunker_seed, 32);
	rp_jw w;
	rp_jw_init(&w, out, 1);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "version"), rp_jw_int(&w, c->version);
	rp_jw_key(&w, "id"), rp_jw_str(&w, id);
	rp_jw_key(&w, "created"), rp_jw_int(&w, c->created);
	rp_jw_key(&w, "chunk_min"), rp_jw_uint(&w, c->chunk_min);
	rp_jw_key(&w, "chunk_avg"), rp_jw_uint(&w, c->chunk_avg);
	rp_jw_key(&w, "chunk_max"), rp_jw_uint(&w, c->chunk_max);
	rp_jw_key(&w, "chunker_seed"), rp_jw_str(&w, seed);
	rp_jw_key(&w, "compression"), rp_jw_str(&w, "zstd");
	rp_jw_key(&w, "zstd_level"), rp_jw_int(&w, c->zstd_level);
	rp_jw_key(&w, "aead"), rp_jw_str(&w, c->aead == RP_AEAD_AES256GCM ? "aes-256-gcm" : "xchacha20-poly1305");
	rp_jw_key(&w, "pack_bytes"), rp_jw_uint(&w, c->pack_bytes);
	rp_jw_key(&w, "scan_pii"), rp_jw_bool(&w, c->scan_pii);
	rp_jw_obj_end(&w);
	return rp_jw_status(&w) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0;
}

static int get_u32(const rp_json *j, const char *k, uint32_t *v)
{
	int64_t x;
	if (rp_json_get_int(j, k, &x) || x < 0 || x > UINT32_MAX)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int rp_config_decode(const uint8_t *p, size_t n, rp_config *c, rp_err *e)
{
	rp_json *j = NULL;
	int rc = rp_json_parse((const char *)p, n, &j, e);
	if (rc)
		return rp_err_set(e, RP_ECORRUPT, "config is not valid JSON");
	memset(c, 0, sizeof *c);
	int64_t v, lvl;
	const char *s, *aead;
	size_t len;
	rc = RP_ECORRUPT;
	if (rp_json_get_int(j, "version", &v) || v < 1) {
		rp_err_set(e, rc, "config has no version");
		goto done;
	}
	if (v > RP_REPO_VERSION) {
		rc = rp_err_set(e, RP_EVERSION, "repository format version %lld is newer than this program (%d)",
				(long long)v, RP_REPO_VERSION);
		goto done;
	}
	c->version = (int)v;
	if (rp_json_get_str(j, "id", &s, &len) || rp_hex_decode(c->repo_id, 32, s, len) ||
	    rp_json_get_str(j, "chunker_seed", &s, &len) || rp_hex_decode(c->chunker_seed, 32, s, len) ||
	    get_u32(j, "chunk_min", &c->chunk_min) || get_u32(j, "chunk_avg", &c->chunk_avg) ||
	    get_u32(j, "chunk_max", &c->chunk_max) || get_u32(j, "pack_bytes", &c->pack_bytes) ||
	    rp_json_get_int(j, "zstd_level", &lvl) || rp_json_get_str(j, "aead", &aead, NULL)) {
		rp_err_set(e, rc, "config is missing fields");
		goto done;
	}
	if (c->pack_bytes < (1u << 20) || c->pack_bytes > MAX_PACK_BYTES || lvl < -7 || lvl > 19 ||
	    c->chunk_max > RP_CHUNK_MAX_LIMIT_BYTES) {
		rp_err_set(e, rc, "config has values out of range");
		goto done;
	}
	c->zstd_level = (int)lvl;
	if (!strcmp(aead, "aes-256-gcm"))
		c->aead = RP_AEAD_AES256GCM;
	else if (!strcmp(aead, "xchacha20-poly1305"))
		c->aead = RP_AEAD_XCHACHA20;
	else {
		rc = rp_err_set(e, RP_EVERSION, "config names an unknown cipher '%s'", aead);
		goto done;
	}
	rp_json_get_int(j, "created", &c->created);
	rp_json_get_bool(j, "scan_pii", &c->scan_pii);
	rc = 0;
done:
	rp_json_free(j);
	return rc;
}
