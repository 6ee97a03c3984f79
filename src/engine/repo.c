/* repo.c - opening, unlocking and creating repositories. */
#include "repo.h"

#include "util/hex.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int rp_repo_open(rp_repo **out, const char *where, const rp_repo_opts *o, rp_err *e)
{
	rp_repo *r = calloc(1, sizeof *r);
	if (!r)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	int rc = rp_store_open(&r->store, where, o ? o->token : NULL, e);
	if (rc) {
		free(r);
		return rc;
	}
	const char *cache = o && o->cache_dir ? o->cache_dir : getenv("REMPART_CACHE_DIR");
	char buf[4096];
	if (!cache || !*cache) {
		const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
		if (xdg && *xdg)
			snprintf(buf, sizeof buf, "%s/rempart", xdg);
		else if (home && *home)
			snprintf(buf, sizeof buf, "%s/.cache/rempart", home);
		else
			snprintf(buf, sizeof buf, "/var/cache/rempart");
		cache = buf;
	}
	if (!(r->cache_dir = strdup(cache))) {
		rp_repo_close(r);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	*out = r;
	return 0;
}

void rp_repo_close(rp_repo *r)
{
	if (!r)
		return;
	rp_store_close(r->store);
	rp_idkey_free(r->idkey);
	rp_wipe(&r->mk, sizeof r->mk);
	free(r->cache_dir);
	free(r);
}

int rp_repo_can_read(const rp_repo *r)
{
	return r->mk.kind == RP_KEY_FULL;
}

void rp_repo_name(char out[RP_NAME_BYTES], const char *dir, const char *hex)
{
	snprintf(out, RP_NAME_BYTES, "%s/%.64s", dir, hex);
}

void rp_repo_pack_name(char out[RP_NAME_BYTES], const rp_id *pack)
{
	char hex[65];
	rp_hex_encode(hex, pack->b, 32);
	snprintf(out, RP_NAME_BYTES, "data/%.2s/%s", hex, hex);
}

const char *rp_repo_kind_dir(rp_sfile_kind kind)
{
	switch (kind) {
	case RP_SF_INDEX: return "index";
	case RP_SF_LOCK: return "locks";
	case RP_SF_SNAPSHOT: return "snapshots";
	default: return "";
	}
}

/* Sets the derived per-repository state once mk and cfg are known. */
static int repo_derive(rp_repo *r, rp_err *e)
{
	char hex[65];
	int rc = rp_idkey_new(&r->idkey, r->mk.id_key, e);
	if (rc)
		return rc;
	rc = rp_chunker_init(&r->chunker, r->cfg.chunk_min, r->cfg.chunk_avg, r->cfg.chunk_max, r->cfg.chunker_seed, e);
	if (rc) {
		rp_err_prefix(e, "config");
		return rc;
	}
	rp_hex_encode(hex, r->mk.repo_id, 32);
	size_t n = strlen(r->cache_dir) + 66;
	char *dir = malloc(n);
	if (!dir)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	snprintf(dir, n, "%s/%s", r->cache_dir, hex);
	free(r->cache_dir);
	r->cache_dir = dir;
	r->unlocked = 1;
	return 0;
}

static int save_named(rp_repo *r, const char *dir, const void *p, size_t n, char id_hex[65], rp_err *e)
{
	uint8_t h[32];
	char name[RP_NAME_BYTES];
	if (rp_sha256_once(p, n, h))
		return rp_err_set(e, RP_EIO, "SHA-256 failed");
	rp_hex_encode(id_hex, h, 32);
	rp_repo_name(name, dir, id_hex);
	int rc = rp_store_put(r->store, name, p, n, e);
	if (rc == RP_EEXIST)
		rc = 0; /* same name, same bytes: already stored */
	return rc;
}

int rp_repo_save(rp_repo *r, rp_blob_codec *c, rp_sfile_kind kind, const void *body, size_t n,
		 char id_hex[65], rp_err *e)
{
	rp_buf f = {0};
	const uint8_t *key = kind == RP_SF_SNAPSHOT ? r->mk.data_pk : r->mk.meta_key;
	int rc = rp_sfile_seal(c, r->cfg.aead, kind, key, body, n, n > 256, &f, e);
	if (!rc)
		rc = save_named(r, rp_repo_kind_dir(kind), f.data, f.len, id_hex, e);
	rp_buf_free(&f);
	return rc;
}

int rp_repo_load(rp_repo *r, rp_blob_codec *c, rp_sfile_kind kind, const char *id_hex, rp_buf *out, rp_err *e)
{
	char name[RP_NAME_BYTES];
	rp_buf f = {0};
	uint8_t h[32], want[32];
	int rc;
	rp_repo_name(name, rp_repo_kind_dir(kind), id_hex);
	if (strlen(id_hex) != 64 || rp_hex_decode(want, 32, id_hex, 64))
		return rp_err_set(e, RP_EINVAL, "invalid id '%s'", id_hex);
	if ((rc = rp_store_get(r->store, name, 0, 0, &f, e)))
		goto done;
	if (rp_sha256_once(f.data, f.len, h) || memcmp(h, want, 32)) {
		rc = rp_err_set(e, RP_ECORRUPT, "%s: content does not match its name (damaged file)", name);
		goto done;
	}
	const uint8_t *key = kind == RP_SF_SNAPSHOT ? (rp_repo_can_read(r) ? r->mk.data_sk : NULL) : r->mk.meta_key;
	rc = rp_sfile_open(c, kind, key, r->mk.data_pk, f.data, f.len, out, e);
	if (rc)
		rp_err_prefix(e, "%s", name);
done:
	rp_buf_free(&f);
	return rc;
}

typedef struct id_list {
	char (*ids)[65];
	size_t n, cap;
	int oom;
} id_list;

static int collect_id(void *ctx, const char *name, uint64_t size)
{
	id_list *l = ctx;
	const char *slash = strrchr(name, '/');
	const char *base = slash ? slash + 1 : name;
	(void)size;
	if (strlen(base) != 64 || !rp_hex_is(base, 64))
		return 0;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		void *p = realloc(l->ids, cap * sizeof *l->ids);
		if (!p) {
			l->oom = 1;
			return 1;
		}
		l->ids = p;
		l->cap = cap;
	}
	memcpy(l->ids[l->n++], base, 65);
	return 0;
}

int rp_repo_list_ids(rp_repo *r, const char *dir, char (**ids)[65], size_t *n, rp_err *e)
{
	id_list l = {0};
	int rc = rp_store_list(r->store, dir, collect_id, &l, e);
	if (!rc && l.oom)
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	if (rc) {
		free(l.ids);
		return rc;
	}
	*ids = l.ids;
	*n = l.n;
	return 0;
}

static void whoami(char *host, size_t hn, char *user, size_t un)
{
	struct passwd pw, *res = NULL;
	char buf[1024];
	if (gethostname(host, hn))
		snprintf(host, hn, "unknown");
	host[hn - 1] = 0;
	if (!getpwuid_r(getuid(), &pw, buf, sizeof buf, &res) && res)
		snprintf(user, un, "%s", pw.pw_name);
	else
		snprintf(user, un, "%u", (unsigned)getuid());
}

int rp_repo_add_key(rp_repo *r, const rp_masterkey *mk, const char *password, char key_id[65], rp_err *e)
{
	char host[256], user[256];
	rp_buf f = {0};
	whoami(host, sizeof host, user, sizeof user);
	int rc = rp_keyfile_create(mk, password, strlen(password), RP_KDF_OPSLIMIT, RP_KDF_MEMLIMIT_BYTES, host, user,
				   (int64_t)time(NULL), &f, e);
	if (!rc)
		rc = save_named(r, "keys", f.data, f.len, key_id, e);
	if (!rc)
		rc = rp_store_sync(r->store, e);
	rp_buf_free(&f);
	return rc;
}

int rp_repo_init(rp_repo *r, const char *password, const rp_config *cfg_in, rp_err *e)
{
	rp_blob_codec *c = NULL;
	rp_buf body = {0}, f = {0};
	int rc = rp_store_create(r->store, e);
	if (rc)
		return rc;
	rp_masterkey_generate(&r->mk);
	if (cfg_in) {
		r->cfg = *cfg_in;
		memcpy(r->cfg.repo_id, r->mk.repo_id, 32);
	} else {
		rp_config_default(&r->cfg, r->mk.repo_id, (int64_t)time(NULL));
	}
	if ((rc = rp_blob_codec_new(&c, r->cfg.zstd_level, e)))
		goto done;
	if ((rc = repo_derive(r, e)))
		goto done;
	/* the key first: a config without a key would be a locked-out repository */
	if ((rc = rp_repo_add_key(r, &r->mk, password, r->key_id, e)))
		goto done;
	if ((rc = rp_config_encode(&r->cfg, &body, e)))
		goto done;
	if ((rc = rp_sfile_seal(c, r->cfg.aead, RP_SF_CONFIG, r->mk.meta_key, body.data, body.len, 0, &f, e)))
		goto done;
	if ((rc = rp_store_put(r->store, "config", f.data, f.len, e)))
		goto done;
	rc = rp_store_sync(r->store, e);
done:
	rp_buf_free(&body);
	rp_buf_free(&f);
	rp_blob_codec_free(c);
	return rc;
}

/* Reads and opens the config with the unlocked meta key. */
static int load_config(rp_repo *r, const uint8_t *file, size_t n, rp_err *e)
{
	rp_blob_codec *c = NULL;
	rp_buf body = {0};
	int rc = rp_blob_codec_new(&c, 3, e);
	if (!rc)
		rc = rp_sfile_open(c, RP_SF_CONFIG, r->mk.meta_key, NULL, file, n, &body, e);
	if (!rc)
		rc = rp_config_decode(body.data, body.len, &r->cfg, e);
	if (!rc && memcmp(r->cfg.repo_id, r->mk.repo_id, 32))
		rc = rp_err_set(e, RP_ECORRUPT, "config belongs to another repository than the key");
	if (rc)
		rp_err_prefix(e, "%s/config", r->store->location);
	rp_buf_free(&body);
	rp_blob_codec_free(c);
	return rc;
}

int rp_repo_unlock(rp_repo *r, const char *password, rp_err *e)
{
	rp_buf cfg = {0}, kf = {0};
	char(*ids)[65] = NULL;
	size_t n = 0;
	int rc = rp_store_get(r->store, "config", 0, 0, &cfg, e);
	if (rc == RP_ENOTFOUND) {
		rc = rp_err_set(e, RP_ENOTFOUND, "%s is not a rempart repository (no config file); run 'rempart init' to create one",
				r->store->location);
		goto done;
	}
	if (rc)
		goto done;
	int v = rp_sfile_version(RP_SF_CONFIG, cfg.data, cfg.len);
	if (v < 0) {
		rc = rp_err_set(e, RP_ECORRUPT, "%s/config is damaged (bad header)", r->store->location);
		goto done;
	}
	if (v > RP_SFILE_VERSION) {
		rc = rp_err_set(e, RP_EVERSION, "%s uses repository format %d; this rempart reads format %d: upgrade rempart",
				r->store->location, v, RP_SFILE_VERSION);
		goto done;
	}
	if ((rc = rp_repo_list_ids(r, "keys", &ids, &n, e)))
		goto done;
	if (n == 0) {
		rc = rp_err_set(e, RP_ECORRUPT, "%s has no key files", r->store->location);
		goto done;
	}
	rc = RP_EPASSWORD;
	for (size_t i = 0; i < n && rc == RP_EPASSWORD; i++) {
		char name[RP_NAME_BYTES];
		rp_err ke;
		rp_buf_reset(&kf);
		rp_repo_name(name, "keys", ids[i]);
		if (rp_store_get(r->store, name, 0, 0, &kf, &ke))
			continue;
		int k = rp_keyfile_open(kf.data, kf.len, password, strlen(password), &r->mk, &ke);
		if (k == 0) {
			memcpy(r->key_id, ids[i], 65);
			rc = 0;
		} else if (k == RP_EVERSION) {
			rc = rp_err_set(e, k, "%s: %s", name, ke.msg);
		}
	}
	if (rc == RP_EPASSWORD) {
		rp_err_set(e, rc, "wrong password: no key of %s opens with it", r->store->location);
		goto done;
	}
	if (rc)
		goto done;
	if ((rc = load_config(r, cfg.data, cfg.len, e)))
		goto done;
	rc = repo_derive(r, e);
done:
	free(ids);
	rp_buf_free(&cfg);
	rp_buf_free(&kf);
	return rc;
}
