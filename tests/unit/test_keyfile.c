/* test_keyfile.c - key files: public info, tampering, key material. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/keyfile.h"
#include "testutil.h"
#include "util/hex.h"

#include <sodium.h>

/* The cheapest Argon2id parameters keep these tests fast. */
#define OPS crypto_pwhash_OPSLIMIT_MIN
#define MEM crypto_pwhash_MEMLIMIT_MIN

static const char PW[] = "mot de passe";
#define PW_LEN (sizeof PW - 1)

typedef struct fixture {
	rp_masterkey mk, bo;
	rp_buf full, backup; /* key files of mk and of its backup-only restriction */
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	rp_masterkey_generate(&f->mk);
	rp_masterkey_restrict(&f->bo, &f->mk);
	if (rp_keyfile_create(&f->mk, PW, PW_LEN, OPS, MEM, "mairie-donges", "secretaire", 1700000000, &f->full, NULL) ||
	    rp_keyfile_create(&f->bo, PW, PW_LEN, OPS, MEM, "serveur", "backup", 1700000001, &f->backup, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_buf_free(&f->full);
	rp_buf_free(&f->backup);
	free(f);
	return 0;
}

static void test_keyfile_info(void **state)
{
	fixture *f = *state;
	rp_keyfile_info info;
	assert_int_equal(rp_keyfile_info_read(f->full.data, f->full.len, &info, NULL), 0);
	assert_int_equal(info.kind, RP_KEY_FULL);
	assert_int_equal(info.created, 1700000000);
	assert_string_equal(info.host, "mairie-donges");
	assert_string_equal(info.username, "secretaire");
	assert_int_equal(info.opslimit, OPS);
	assert_int_equal(info.memlimit, MEM);
	assert_int_equal(rp_keyfile_info_read(f->backup.data, f->backup.len, &info, NULL), 0);
	assert_int_equal(info.kind, RP_KEY_BACKUP_ONLY);
	assert_string_equal(info.host, "serveur");
	/* a host name longer than the field is cut, not overflowed */
	char host[400];
	rp_buf b = {0};
	memset(host, 'h', sizeof host - 1);
	host[sizeof host - 1] = 0;
	assert_int_equal(rp_keyfile_create(&f->mk, PW, PW_LEN, OPS, MEM, host, NULL, 5, &b, NULL), 0);
	assert_int_equal(rp_keyfile_info_read(b.data, b.len, &info, NULL), 0);
	assert_int_equal(strlen(info.host), sizeof info.host - 1);
	assert_string_equal(info.username, "");
	rp_buf_free(&b);
}

static void test_keyfile_open_both_kinds(void **state)
{
	fixture *f = *state;
	rp_masterkey got;
	rp_err e;
	assert_int_equal(rp_keyfile_open(f->full.data, f->full.len, PW, PW_LEN, &got, &e), 0);
	assert_memory_equal(&got, &f->mk, sizeof got);
	assert_int_equal(rp_keyfile_open(f->backup.data, f->backup.len, PW, PW_LEN, &got, &e), 0);
	assert_memory_equal(&got, &f->bo, sizeof got);
	/* wrong passwords, including a prefix and the empty one */
	assert_int_equal(rp_keyfile_open(f->full.data, f->full.len, PW, PW_LEN - 1, &got, &e), RP_EPASSWORD);
	assert_string_equal(e.msg, "wrong password");
	assert_int_equal(rp_keyfile_open(f->full.data, f->full.len, "", 0, &got, &e), RP_EPASSWORD);
}

static const struct {
	const char *key;
	const char *value; /* raw JSON, or NULL: member removed */
	int info_rc;       /* rp_keyfile_info_read */
	int open_rc;       /* rp_keyfile_open with the right password */
} edits[] = {
	{"version", NULL, RP_ECORRUPT, RP_ECORRUPT},
	{"version", "\"1\"", RP_ECORRUPT, RP_ECORRUPT},
	{"version", "1.0", RP_ECORRUPT, RP_ECORRUPT},
	{"version", "2", RP_EVERSION, RP_EVERSION},
	{"version", "0", RP_ECORRUPT, RP_ECORRUPT},
	{"version", "-1", RP_ECORRUPT, RP_ECORRUPT},
	{"version", "99999999999", RP_EVERSION, RP_EVERSION},
	{"kind", NULL, RP_ECORRUPT, RP_ECORRUPT},
	{"kind", "\"admin\"", RP_ECORRUPT, RP_ECORRUPT},
	{"kind", "\"Full\"", RP_ECORRUPT, RP_ECORRUPT},
	{"kind", "1", RP_ECORRUPT, RP_ECORRUPT},
	{"opslimit", NULL, RP_ECORRUPT, RP_ECORRUPT},
	{"opslimit", "0", RP_ECORRUPT, RP_ECORRUPT},
	{"opslimit", "-1", RP_ECORRUPT, RP_ECORRUPT},
	{"opslimit", "\"1\"", RP_ECORRUPT, RP_ECORRUPT},
	{"memlimit", NULL, RP_ECORRUPT, RP_ECORRUPT},
	{"memlimit", "0", RP_ECORRUPT, RP_ECORRUPT},
	{"memlimit", "-8192", RP_ECORRUPT, RP_ECORRUPT},
	{"memlimit", "8192.5", RP_ECORRUPT, RP_ECORRUPT},
	{"salt", NULL, 0, RP_ECORRUPT},
	{"salt", "\"00\"", 0, RP_ECORRUPT},
	{"salt", "\"zz000000000000000000000000000000\"", 0, RP_ECORRUPT},
	{"salt", "16", 0, RP_ECORRUPT},
	{"data", NULL, 0, RP_ECORRUPT},
	{"data", "\"\"", 0, RP_ECORRUPT},
	{"data", "\"abc\"", 0, RP_ECORRUPT},
	{"data", "\"0g\"", 0, RP_ECORRUPT},
	{"data", "\"0203\"", 0, RP_ECORRUPT},  /* an envelope shorter than its overhead */
	{"data", "\"0903\"", 0, RP_EVERSION},  /* unknown AEAD */
	{"created", NULL, 0, 0},               /* optional */
	{"host", NULL, 0, 0},                  /* optional */
	{"username", "42", 0, 0},              /* ignored when not a string */
};

static void test_keyfile_tampered_fields(void **state)
{
	fixture *f = *state;
	rp_buf b = {0};
	rp_keyfile_info info;
	rp_masterkey got;
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		rp_err e;
		assert_int_equal(tu_json_edit(f->full.data, f->full.len, edits[i].key, edits[i].value, &b), 0);
		int rc = rp_keyfile_info_read(b.data, b.len, &info, &e);
		if (rc != edits[i].info_rc)
			fail_msg("%s=%s: info gave %d (%s), wanted %d", edits[i].key, edits[i].value ? edits[i].value : "(none)",
				 rc, rc ? e.msg : "", edits[i].info_rc);
		rc = rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e);
		if (rc != edits[i].open_rc)
			fail_msg("%s=%s: open gave %d (%s), wanted %d", edits[i].key, edits[i].value ? edits[i].value : "(none)",
				 rc, rc ? e.msg : "", edits[i].open_rc);
		if (rc == 0)
			assert_memory_equal(&got, &f->mk, sizeof got);
	}
	rp_buf_free(&b);
}

static void test_keyfile_kind_must_match_material(void **state)
{
	fixture *f = *state;
	rp_buf b = {0};
	rp_masterkey got;
	rp_err e;
	assert_int_equal(tu_json_edit(f->full.data, f->full.len, "kind", "\"backup-only\"", &b), 0);
	assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "kind"));
	assert_int_equal(tu_json_edit(f->backup.data, f->backup.len, "kind", "\"full\"", &b), 0);
	assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
	rp_buf_free(&b);
}

static void test_keyfile_truncated(void **state)
{
	fixture *f = *state;
	rp_keyfile_info info;
	rp_masterkey got;
	rp_err e;
	/* every cut of the file before its closing brace is refused (the
	 * file ends with "}\n") */
	for (size_t cut = 0; cut + 2 < f->full.len; cut++) {
		assert_int_equal(rp_keyfile_info_read(f->full.data, cut, &info, &e), RP_ECORRUPT);
		assert_int_equal(rp_keyfile_open(f->full.data, cut, PW, PW_LEN, &got, &e), RP_ECORRUPT);
	}
	assert_int_equal(rp_keyfile_open(f->full.data, f->full.len - 1, PW, PW_LEN, &got, &e), 0);
	/* the wrapped key cut short: authentication fails or it is too short */
	rp_json *j;
	const char *data;
	size_t len;
	rp_buf b = {0};
	char *cut = NULL;
	assert_int_equal(rp_json_parse((char *)f->full.data, f->full.len, &j, &e), 0);
	assert_int_equal(rp_json_get_str(j, "data", &data, &len), 0);
	cut = malloc(len + 3);
	for (size_t keep = 0; keep < len; keep += 2) {
		snprintf(cut, len + 3, "\"%.*s\"", (int)keep, data);
		assert_int_equal(tu_json_edit(f->full.data, f->full.len, "data", cut, &b), 0);
		int rc = rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e);
		/* 1 + 24 + 16 bytes of XChaCha20 overhead */
		assert_int_equal(rc, keep / 2 < 41 ? RP_ECORRUPT : RP_EPASSWORD);
	}
	free(cut);
	rp_json_free(j);
	rp_buf_free(&b);
}

static void test_keyfile_bad_argon2_parameters(void **state)
{
	fixture *f = *state;
	static const struct {
		const char *key, *value;
	} bad[] = {
		{"opslimit", "4294967296"},             /* above libsodium's maximum */
		{"memlimit", "4096"},                   /* below the minimum */
		{"memlimit", "34359738368"},            /* 32 GiB: refused, not attempted */
		{"opslimit", "9223372036854775807"},
		{"memlimit", "18446744073709551616"},   /* not an int64 */
	};
	rp_buf b = {0};
	rp_masterkey got;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_err e;
		assert_int_equal(tu_json_edit(f->full.data, f->full.len, bad[i].key, bad[i].value, &b), 0);
		int rc = rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e);
		if (rc != RP_ECORRUPT)
			fail_msg("%s=%s: got %d (%s)", bad[i].key, bad[i].value, rc, e.msg);
	}
	rp_buf_free(&b);
}

/* A key file whose envelope holds the given material, sealed with alg. */
static void key_around(const fixture *f, int alg, const char *kind, const uint8_t *mat, size_t n, rp_buf *out)
{
	uint8_t salt[RP_KDF_SALT_BYTES] = {7, 7, 7}, wrap[RP_KEY_BYTES];
	uint8_t env[512];
	char hex[1100], salthex[40], tmp[1200];
	size_t env_len;
	rp_aead *a;
	rp_buf b1 = {0}, b2 = {0};
	assert_true(n + RP_SEAL_OVERHEAD_MAX <= sizeof env);
	assert_int_equal(rp_kdf_argon2id(wrap, PW, PW_LEN, salt, OPS, MEM, NULL), 0);
	assert_int_equal(rp_aead_new(&a, NULL), 0);
	assert_int_equal(rp_seal(a, alg, wrap, "rempart key v1", 14, mat, n, env, &env_len, NULL), 0);
	rp_aead_free(a);
	rp_hex_encode(hex, env, env_len);
	rp_hex_encode(salthex, salt, sizeof salt);
	snprintf(tmp, sizeof tmp, "\"%s\"", salthex);
	assert_int_equal(tu_json_edit(f->full.data, f->full.len, "salt", tmp, &b1), 0);
	snprintf(tmp, sizeof tmp, "\"%s\"", hex);
	assert_int_equal(tu_json_edit(b1.data, b1.len, "data", tmp, &b2), 0);
	snprintf(tmp, sizeof tmp, "\"%s\"", kind);
	assert_int_equal(tu_json_edit(b2.data, b2.len, "kind", tmp, out), 0);
	rp_buf_free(&b1);
	rp_buf_free(&b2);
}

/* The material layout of docs/FORMAT.md: 1, kind, repo_id, id_key,
 * meta_key, data_pk [, data_sk]. */
static size_t material(const rp_masterkey *mk, uint8_t out[162])
{
	out[0] = 1;
	out[1] = (uint8_t)mk->kind;
	memcpy(out + 2, mk->repo_id, 32);
	memcpy(out + 34, mk->id_key, 32);
	memcpy(out + 66, mk->meta_key, 32);
	memcpy(out + 98, mk->data_pk, 32);
	memcpy(out + 130, mk->data_sk, 32);
	return mk->kind == RP_KEY_FULL ? 162 : 130;
}

static void test_keyfile_material(void **state)
{
	fixture *f = *state;
	uint8_t m[162];
	rp_buf b = {0};
	rp_masterkey got;
	rp_err e;
	for (int alg = RP_AEAD_AES256GCM; alg <= RP_AEAD_XCHACHA20; alg++) {
		size_t n = material(&f->mk, m);
		key_around(f, alg, "full", m, n, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), 0);
		assert_memory_equal(&got, &f->mk, sizeof got);
		/* unknown material version */
		m[0] = 2;
		key_around(f, alg, "full", m, n, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		m[0] = 1;
		/* lengths that do not fit the kind */
		key_around(f, alg, "full", m, n - 1, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		key_around(f, alg, "full", m, 130, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		key_around(f, alg, "full", m, 1, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		key_around(f, alg, "full", m, 0, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		/* unknown kind byte */
		m[1] = 3;
		key_around(f, alg, "full", m, n, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		m[1] = RP_KEY_FULL;
		/* a secret key that is not the public key's */
		m[140] ^= 1;
		key_around(f, alg, "full", m, n, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
		assert_non_null(strstr(e.msg, "inconsistent"));
		/* backup-only material */
		n = material(&f->bo, m);
		key_around(f, alg, "backup-only", m, n, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), 0);
		assert_memory_equal(&got, &f->bo, sizeof got);
		key_around(f, alg, "backup-only", m, 162, &b);
		assert_int_equal(rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e), RP_ECORRUPT);
	}
	rp_buf_free(&b);
}

/* An envelope larger than any key material is refused before it is
 * decrypted: the decryption buffer holds MK_FULL_BYTES + 64 bytes, and
 * AES-GCM writes the plaintext out before it checks the tag (ASan sees a
 * stack-buffer-overflow in rp_keyfile_open otherwise). */
static void test_keyfile_oversized_envelope(void **state)
{
	fixture *f = *state;
	rp_buf b = {0};
	rp_masterkey got;
	char failed[1400] = "";
	/* every size is tried before failing, so ASan sees the overflow */
	for (size_t n = 200; n <= 320; n += 10) {
		for (int alg = RP_AEAD_AES256GCM; alg <= RP_AEAD_XCHACHA20; alg++) {
			uint8_t env[400];
			char hex[820];
			rp_err e;
			tu_fill(env, n, n);
			env[0] = (uint8_t)alg;
			snprintf(hex, 3, "\"");
			rp_hex_encode(hex + 1, env, n);
			strcat(hex, "\"");
			assert_int_equal(tu_json_edit(f->full.data, f->full.len, "data", hex, &b), 0);
			int rc = rp_keyfile_open(b.data, b.len, PW, PW_LEN, &got, &e);
			/* no key material is longer than 162 + 41 bytes of envelope */
			if (n > 226 && rc != RP_ECORRUPT && !failed[0])
				snprintf(failed, sizeof failed, "alg %d, %zu-byte envelope: got %d (%s), wanted RP_ECORRUPT",
					 alg, n, rc, e.msg);
			if (n <= 226)
				assert_int_equal(rc, RP_EPASSWORD);
		}
	}
	rp_buf_free(&b);
	if (failed[0])
		fail_msg("%s", failed);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyfile_info),
		cmocka_unit_test(test_keyfile_open_both_kinds),
		cmocka_unit_test(test_keyfile_tampered_fields),
		cmocka_unit_test(test_keyfile_kind_must_match_material),
		cmocka_unit_test(test_keyfile_truncated),
		cmocka_unit_test(test_keyfile_bad_argon2_parameters),
		cmocka_unit_test(test_keyfile_material),
		cmocka_unit_test(test_keyfile_oversized_envelope),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
