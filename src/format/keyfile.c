/* keyfile.c - master keys and passphrase-protected key files. */
#include "keyfile.h"

#include "../util/hex.h"
#include "../util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MK_FULL_BYTES (2 + 32 * 5)
#define MK_BACKUP_BYTES (2 + 32 * 4)
static const char key_aad[] = "rempart key v1";

void rp_masterkey_generate(rp_masterkey *mk)
{
	memset(mk, 0, sizeof *mk);
	mk->kind = RP_KEY_FULL;
	rp_random(mk->repo_id, sizeof mk->repo_id);
	rp_random(mk->id_key, sizeof mk->id_key);
	rp_random(mk->meta_key, sizeof mk->meta_key);
	rp_x25519_keypair(mk->data_pk, mk->data_sk);
}

void rp_masterkey_restrict(rp_masterkey *out, const rp_masterkey *full)
{
	*out = *full;
	out->kind = RP_KEY_BACKUP_ONLY;
	rp_wipe(out->data_sk, sizeof out->data_sk);
}

static size_t mk_encode(const rp_masterkey *mk, uint8_t out[MK_FULL_BYTES])
{
	uint8_t *p = out;
	*p++ = 1;
	*p++ = (uint8_t)mk->kind;
	memcpy(p, mk->repo_id, 32), p += 32;
	memcpy(p, mk->id_key, 32), p += 32;
	memcpy(p, mk->meta_key, 32), p += 32;
	memcpy(p, mk->data_pk, 32), p += 32;
	if (mk->kind == RP_KEY_FULL)
		memcpy(p, mk->data_sk, 32), p += 32;
	return (size_t)(p - out);
}

static int mk_decode(const uint8_t *p, size_t n, rp_masterkey *mk, rp_err *e)
{
	memset(mk, 0, sizeof *mk);
	if (n < 2 || p[0] != 1)
		return rp_err_set(e, RP_ECORRUPT, "key material has an unknown version");
	mk->kind = p[1];
	if (!((mk->kind == RP_KEY_FULL && n == MK_FULL_BYTES) || (mk->kind == RP_KEY_BACKUP_ONLY && n == MK_BACKUP_BYTES)))
		return rp_err_set(e, RP_ECORRUPT, "key material has a bad length");
	p += 2;
	memcpy(mk->repo_id, p, 32), p += 32;
	memcpy(mk->id_key, p, 32), p += 32;
	memcpy(mk->meta_key, p, 32), p += 32;
	memcpy(mk->data_pk, p, 32), p += 32;
	if (mk->kind == RP_KEY_FULL) {
		uint8_t pk[32];
		memcpy(mk->data_sk, p, 32);
		if (rp_x25519_public(pk, mk->data_sk) || memcmp(pk, mk->data_pk, 32))
			return rp_err_set(e, RP_ECORRUPT, "key material is inconsistent");
	}
	return 0;
}

static const char *kind_name(int kind)
{
	return kind == RP_KEY_FULL ? "full" : "backup-only";
}

int rp_keyfile_create(const rp_masterkey *mk, const char *password, size_t pw_len, uint64_t opslimit,
		      uint64_t memlimit, const char *host, const char *username, int64_t now, rp_buf *out,
		      rp_err *e)
{
	uint8_t salt[RP_KDF_SALT_BYTES], wrap[RP_KEY_BYTES], plain[MK_FULL_BYTES];
	uint8_t env[MK_FULL_BYTES + RP_SEAL_OVERHEAD_MAX];
	char hex[2 * sizeof env + 1], salthex[2 * RP_KDF_SALT_BYTES + 1];
	size_t env_len, plain_len;
	rp_aead *a = NULL;
	int rc;
	rp_random(salt, sizeof salt);
	if ((rc = rp_kdf_argon2id(wrap, password, pw_len, salt, opslimit, memlimit, e)))
		return rc;
	if ((rc = rp_aead_new(&a, e)))
		goto done;
	plain_len = mk_encode(mk, plain);
	rc = rp_seal(a, RP_AEAD_XCHACHA20, wrap, key_aad, sizeof key_aad - 1, plain, plain_len, env, &env_len, e);
	if (rc)
		goto done;
	rp_hex_encode(hex, env, env_len);
	rp_hex_encode(salthex, salt, sizeof salt);
	rp_jw w;
	rp_jw_init(&w, out, 1);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "version"), rp_jw_int(&w, RP_KEYFILE_VERSION);
	rp_jw_key(&w, "kind"), rp_jw_str(&w, kind_name(mk->kind));
	rp_jw_key(&w, "created"), rp_jw_int(&w, now);
	rp_jw_key(&w, "host"), rp_jw_str(&w, host ? host : "");
	rp_jw_key(&w, "username"), rp_jw_str(&w, username ? username : "");
	rp_jw_key(&w, "kdf"), rp_jw_str(&w, "argon2id");
	rp_jw_key(&w, "opslimit"), rp_jw_uint(&w, opslimit);
	rp_jw_key(&w, "memlimit"), rp_jw_uint(&w, memlimit);
	rp_jw_key(&w, "salt"), rp_jw_str(&w, salthex);
	rp_jw_key(&w, "data"), rp_jw_str(&w, hex);
	rp_jw_obj_end(&w);
	rc = rp_jw_status(&w) || rp_buf_put_u8(out, '\n') ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0;
done:
	rp_wipe(wrap, sizeof wrap);
	rp_wipe(plain, sizeof plain);
	rp_aead_free(a);
	return rc;
}

static int parse_info(const rp_json *j, rp_keyfile_info *info, rp_err *e)
{
	int64_t v, created = 0, ops, mem;
	const char *kind, *s;
	size_t len;
	memset(info, 0, sizeof *info);
	if (rp_json_get_int(j, "version", &v) || v < 1)
		return rp_err_set(e, RP_ECORRUPT, "key file has no version");
	if (v > RP_KEYFILE_VERSION)
		return rp_err_set(e, RP_EVERSION, "key file version %lld is newer than this program (%d)",
				  (long long)v, RP_KEYFILE_VERSION);
	if (rp_json_get_str(j, "kind", &kind, NULL))
		return rp_err_set(e, RP_ECORRUPT, "key file has no kind");
	if (!strcmp(kind, "full"))
		info->kind = RP_KEY_FULL;
	else if (!strcmp(kind, "backup-only"))
		info->kind = RP_KEY_BACKUP_ONLY;
	else
		return rp_err_set(e, RP_ECORRUPT, "key file has unknown kind '%s'", kind);
	if (rp_json_get_int(j, "opslimit", &ops) || rp_json_get_int(j, "memlimit", &mem) || ops <= 0 || mem <= 0)
		return rp_err_set(e, RP_ECORRUPT, "key file has no valid Argon2id parameters");
	rp_json_get_int(j, "created", &created);
	info->created = created;
	info->opslimit = (uint64_t)ops;
	info->memlimit = (uint64_t)mem;
	if (!rp_json_get_str(j, "host", &s, &len))
		snprintf(info->host, sizeof info->host, "%s", s);
	if (!rp_json_get_str(j, "username", &s, &len))
		snprintf(info->username, sizeof info->username, "%s", s);
	return 0;
}

int rp_keyfile_info_read(const uint8_t *file, size_t n, rp_keyfile_info *info, rp_err *e)
{
	rp_json *j = NULL;
	int rc = rp_json_parse((const char *)file, n, &j, e);
	if (!rc)
		rc = parse_info(j, info, e);
	rp_json_free(j);
	return rc;
}

int rp_keyfile_open(const uint8_t *file, size_t n, const char *password, size_t pw_len, rp_masterkey *mk,
		    rp_err *e)
{
	rp_json *j = NULL;
	rp_aead *a = NULL;
	rp_keyfile_info info;
	uint8_t salt[RP_KDF_SALT_BYTES], wrap[RP_KEY_BYTES], *env = NULL, plain[MK_FULL_BYTES + 64];
	const char *salthex, *datahex;
	size_t saltlen, datalen, plain_len;
	int rc = rp_json_parse((const char *)file, n, &j, e);
	if (rc)
		goto done;
	if ((rc = parse_info(j, &info, e)))
		goto done;
	if (rp_json_get_str(j, "salt", &salthex, &saltlen) ||
	    rp_hex_decode(salt, sizeof salt, salthex, saltlen) || rp_json_get_str(j, "data", &datahex, &datalen) ||
	    datalen % 2 || datalen / 2 > sizeof plain) {
		rc = rp_err_set(e, RP_ECORRUPT, "key file has no valid salt or data");
		goto done;
	}
	env = malloc(datalen / 2 + 1);
	if (!env || rp_hex_decode(env, datalen / 2, datahex, datalen)) {
		rc = rp_err_set(e, env ? RP_ECORRUPT : RP_ENOMEM, "key file data is not hex");
		goto done;
	}
	if ((rc = rp_kdf_argon2id(wrap, password, pw_len, salt, info.opslimit, info.memlimit, e)))
		goto done;
	if ((rc = rp_aead_new(&a, e)))
		goto done;
	rc = rp_open(a, wrap, key_aad, sizeof key_aad - 1, env, datalen / 2, plain, &plain_len, e);
	if (rc == RP_ECRYPTO) {
		rc = rp_err_set(e, RP_EPASSWORD, "wrong password");
		goto done;
	}
	if (rc)
		goto done;
	rc = mk_decode(plain, plain_len, mk, e);
	if (!rc && mk->kind != info.kind)
		rc = rp_err_set(e, RP_ECORRUPT, "key file kind does not match its key material");
done:
	rp_wipe(wrap, sizeof wrap);
	rp_wipe(plain, sizeof plain);
	free(env);
	rp_aead_free(a);
	rp_json_free(j);
	return rc;
}
