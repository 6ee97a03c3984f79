/* fuzz_keyfile.c - key files: rp_keyfile_info_read and rp_keyfile_open.
 *
 * The first input byte picks a mode:
 *   0  the rest is a key file given to rp_keyfile_info_read;
 *   1  the same given to rp_keyfile_open with the password "fuzz", but
 *      only when it asks for the cheapest Argon2id parameters (anything
 *      dearer would make the fuzzer crawl);
 *   2+ the rest is alg(1) kind(1) and the key material: it is wrapped
 *      with the password (cheapest parameters) into a key file, so the
 *      key material decoder behind the AEAD is reached.
 * Properties: no crash or overflow on any input; what opens is a
 * consistent master key that survives rp_keyfile_create again.
 */
#include "format/keyfile.h"
#include "fuzz_common.h"
#include "util/hex.h"
#include "util/json.h"

#include <sodium.h>

#define FUZZ_OPS crypto_pwhash_OPSLIMIT_MIN
#define FUZZ_MEM crypto_pwhash_MEMLIMIT_MIN

static const char password[] = "fuzz";

static void check_master(const rp_masterkey *mk)
{
	rp_masterkey back;
	rp_buf f = {0};
	rp_err e;
	FUZZ_CHECK(mk->kind == RP_KEY_FULL || mk->kind == RP_KEY_BACKUP_ONLY);
	if (mk->kind == RP_KEY_FULL) {
		uint8_t pk[32];
		FUZZ_CHECK(rp_x25519_public(pk, mk->data_sk) == 0 && !memcmp(pk, mk->data_pk, 32));
	}
	FUZZ_CHECK(rp_keyfile_create(mk, password, 4, FUZZ_OPS, FUZZ_MEM, "h", "u", 1, &f, &e) == 0);
	FUZZ_CHECK(rp_keyfile_open(f.data, f.len, password, 4, &back, &e) == 0);
	FUZZ_CHECK(!memcmp(&back, mk, sizeof back));
	rp_buf_free(&f);
}

/* A key file around material sealed with alg under the password. */
static void wrap_material(int alg, const char *kind, const uint8_t *mat, size_t n, rp_buf *out)
{
	uint8_t salt[RP_KDF_SALT_BYTES] = {1, 2, 3}, wrap[RP_KEY_BYTES];
	uint8_t *env = malloc(n + RP_SEAL_OVERHEAD_MAX);
	char *hex = malloc(2 * (n + RP_SEAL_OVERHEAD_MAX) + 1), salthex[2 * RP_KDF_SALT_BYTES + 1];
	size_t env_len;
	rp_aead *a;
	rp_err e;
	FUZZ_CHECK(env && hex);
	FUZZ_CHECK(rp_kdf_argon2id(wrap, password, 4, salt, FUZZ_OPS, FUZZ_MEM, &e) == 0);
	FUZZ_CHECK(rp_aead_new(&a, &e) == 0);
	FUZZ_CHECK(rp_seal(a, alg, wrap, "rempart key v1", 14, mat, n, env, &env_len, &e) == 0);
	rp_hex_encode(hex, env, env_len);
	rp_hex_encode(salthex, salt, sizeof salt);
	rp_jw w;
	rp_jw_init(&w, out, 0);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "version"), rp_jw_int(&w, RP_KEYFILE_VERSION);
	rp_jw_key(&w, "kind"), rp_jw_str(&w, kind);
	rp_jw_key(&w, "kdf"), rp_jw_str(&w, "argon2id");
	rp_jw_key(&w, "opslimit"), rp_jw_uint(&w, FUZZ_OPS);
	rp_jw_key(&w, "memlimit"), rp_jw_uint(&w, FUZZ_MEM);
	rp_jw_key(&w, "salt"), rp_jw_str(&w, salthex);
	rp_jw_key(&w, "data"), rp_jw_str(&w, hex);
	rp_jw_obj_end(&w);
	FUZZ_CHECK(rp_jw_status(&w) == 0);
	rp_aead_free(a);
	free(env);
	free(hex);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_keyfile_info info;
	rp_masterkey mk;
	rp_err e;
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++, size--;
	if (mode == 0) {
		if (!rp_keyfile_info_read(data, size, &info, &e)) {
			FUZZ_CHECK(info.kind == RP_KEY_FULL || info.kind == RP_KEY_BACKUP_ONLY);
			FUZZ_CHECK(info.opslimit > 0 && info.memlimit > 0);
			FUZZ_CHECK(strlen(info.host) < sizeof info.host && strlen(info.username) < sizeof info.username);
		}
		return 0;
	}
	if (mode == 1) {
		int cheap = rp_keyfile_info_read(data, size, &info, &e) ||
			    (info.opslimit == FUZZ_OPS && info.memlimit == FUZZ_MEM);
		if (!cheap)
			return 0;
		int rc = rp_keyfile_open(data, size, password, 4, &mk, &e);
		if (!rc)
			check_master(&mk);
		else
			FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_EVERSION || rc == RP_EPASSWORD);
		return 0;
	}
	if (size < 2)
		return 0;
	rp_buf f = {0};
	int alg = data[0] & 1 ? RP_AEAD_AES256GCM : RP_AEAD_XCHACHA20;
	const char *kind = data[1] & 1 ? "backup-only" : "full";
	wrap_material(alg, kind, data + 2, size - 2, &f);
	int rc = rp_keyfile_open(f.data, f.len, password, 4, &mk, &e);
	if (!rc) {
		FUZZ_CHECK(mk.kind == (data[1] & 1 ? RP_KEY_BACKUP_ONLY : RP_KEY_FULL));
		check_master(&mk);
	} else {
		FUZZ_CHECK(rc == RP_ECORRUPT);
	}
	rp_buf_free(&f);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	rp_masterkey mk, bo;
	rp_buf f = {0};
	rp_masterkey_generate(&mk);
	rp_masterkey_restrict(&bo, &mk);
	rp_keyfile_create(&mk, password, 4, FUZZ_OPS, FUZZ_MEM, "mairie", "secretaire", 1700000000, &f, NULL);
	fuzz_seed_mode(dir, "full-info", 0, f.data, f.len);
	fuzz_seed_mode(dir, "full-open", 1, f.data, f.len);
	rp_buf_reset(&f);
	rp_keyfile_create(&bo, password, 4, FUZZ_OPS, FUZZ_MEM, "", "", 0, &f, NULL);
	fuzz_seed_mode(dir, "backup-open", 1, f.data, f.len);
	/* key material as mk_encode lays it out (docs/FORMAT.md) */
	rp_buf_reset(&f);
	rp_buf_put_u8(&f, 0);
	rp_buf_put_u8(&f, 0);
	rp_buf_put_u8(&f, 1);
	rp_buf_put_u8(&f, RP_KEY_FULL);
	rp_buf_put(&f, mk.repo_id, 32);
	rp_buf_put(&f, mk.id_key, 32);
	rp_buf_put(&f, mk.meta_key, 32);
	rp_buf_put(&f, mk.data_pk, 32);
	rp_buf_put(&f, mk.data_sk, 32);
	fuzz_seed_mode(dir, "material-full", 2, f.data, f.len);
	f.data[0] = 1;
	fuzz_seed_mode(dir, "material-full-gcm", 2, f.data, f.len);
	f.data[1] = 1;
	f.data[3] = RP_KEY_BACKUP_ONLY;
	fuzz_seed_mode(dir, "material-backup", 2, f.data, f.len - 32);
	rp_buf_free(&f);
}
