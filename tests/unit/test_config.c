/* test_config.c - the repository config body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/chunker.h"
#include "format/config.h"
#include "format/crypto.h"
#include "testutil.h"

static void encode(const rp_config *c, rp_buf *out)
{
	rp_buf_reset(out);
	assert_int_equal(rp_config_encode(c, out, NULL), 0);
}

static rp_config sample(void)
{
	rp_config c;
	uint8_t id[32];
	for (int i = 0; i < 32; i++)
		id[i] = (uint8_t)(0xf0 ^ i);
	rp_config_default(&c, id, 1700000000);
	return c;
}

static void same_config(const rp_config *a, const rp_config *b)
{
	assert_int_equal(a->version, b->version);
	assert_memory_equal(a->repo_id, b->repo_id, 32);
	assert_int_equal(a->chunk_min, b->chunk_min);
	assert_int_equal(a->chunk_avg, b->chunk_avg);
	assert_int_equal(a->chunk_max, b->chunk_max);
	assert_memory_equal(a->chunker_seed, b->chunker_seed, 32);
	assert_int_equal(a->zstd_level, b->zstd_level);
	assert_int_equal(a->aead, b->aead);
	assert_int_equal(a->pack_bytes, b->pack_bytes);
	assert_int_equal(!!a->scan_pii, !!b->scan_pii);
	assert_int_equal(a->created, b->created);
}

static void test_config_defaults_are_usable(void **state)
{
	(void)state;
	rp_config c = sample(), d = sample();
	rp_chunker ch;
	assert_int_equal(c.version, RP_REPO_VERSION);
	assert_int_equal(c.created, 1700000000);
	assert_int_equal(c.repo_id[1], 0xf1);
	assert_true(c.aead == RP_AEAD_AES256GCM || c.aead == RP_AEAD_XCHACHA20);
	assert_int_equal(rp_chunker_init(&ch, c.chunk_min, c.chunk_avg, c.chunk_max, c.chunker_seed, NULL), 0);
	/* every repository gets its own chunker seed */
	assert_memory_not_equal(c.chunker_seed, d.chunker_seed, 32);
}

static void test_config_roundtrip_every_field(void **state)
{
	(void)state;
	rp_buf b = {0};
	rp_config c = sample(), d;
	static const struct {
		int aead, level, pii;
		uint32_t min, avg, max, pack;
		int64_t created;
	} v[] = {
		{RP_AEAD_AES256GCM, -7, 1, 64, 128, 256, 1u << 20, 0},
		{RP_AEAD_XCHACHA20, 19, 0, 1u << 20, 4u << 20, RP_CHUNK_MAX_LIMIT_BYTES, 1u << 30, -1},
		{RP_AEAD_XCHACHA20, 0, 1, 16384, 65536, 524288, 32u << 20, INT64_MAX},
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
		c.aead = v[i].aead;
		c.zstd_level = v[i].level;
		c.scan_pii = v[i].pii;
		c.chunk_min = v[i].min;
		c.chunk_avg = v[i].avg;
		c.chunk_max = v[i].max;
		c.pack_bytes = v[i].pack;
		c.created = v[i].created;
		c.chunker_seed[i] ^= 0x55;
		encode(&c, &b);
		memset(&d, 0x5a, sizeof d);
		assert_int_equal(rp_config_decode(b.data, b.len, &d, NULL), 0);
		same_config(&c, &d);
	}
	rp_buf_free(&b);
}

/* Every field decoding needs, removed one at a time. */
static void test_config_every_missing_field(void **state)
{
	(void)state;
	static const char *required[] = {"version",   "id",         "chunker_seed", "chunk_min", "chunk_avg",
					 "chunk_max", "pack_bytes", "zstd_level",   "aead"};
	static const char *optional[] = {"created", "scan_pii", "compression"};
	rp_buf b = {0}, t = {0};
	rp_config c = sample(), d;
	c.scan_pii = 1;
	encode(&c, &b);
	for (size_t i = 0; i < sizeof required / sizeof *required; i++) {
		rp_err e;
		assert_int_equal(tu_json_edit(b.data, b.len, required[i], NULL, &t), 0);
		int rc = rp_config_decode(t.data, t.len, &d, &e);
		if (rc != RP_ECORRUPT)
			fail_msg("without %s: got %d", required[i], rc);
	}
	for (size_t i = 0; i < sizeof optional / sizeof *optional; i++) {
		assert_int_equal(tu_json_edit(b.data, b.len, optional[i], NULL, &t), 0);
		assert_int_equal(rp_config_decode(t.data, t.len, &d, NULL), 0);
	}
	assert_int_equal(tu_json_edit(b.data, b.len, "created", NULL, &t), 0);
	assert_int_equal(rp_config_decode(t.data, t.len, &d, NULL), 0);
	assert_int_equal(d.created, 0);
	assert_int_equal(tu_json_edit(b.data, b.len, "scan_pii", NULL, &t), 0);
	assert_int_equal(rp_config_decode(t.data, t.len, &d, NULL), 0);
	assert_int_equal(d.scan_pii, 0);
	rp_buf_free(&b);
	rp_buf_free(&t);
}

static const struct {
	const char *key, *value;
	int rc;
} values[] = {
	/* the edges that are allowed */
	{"pack_bytes", "1048576", 0},
	{"pack_bytes", "1073741824", 0},
	{"zstd_level", "-7", 0},
	{"zstd_level", "19", 0},
	{"chunk_max", "16777216", 0},
	/* just outside them */
	{"pack_bytes", "1048575", RP_ECORRUPT},
	{"pack_bytes", "1073741825", RP_ECORRUPT},
	{"pack_bytes", "4294967296", RP_ECORRUPT},
	{"pack_bytes", "-1", RP_ECORRUPT},
	{"zstd_level", "-8", RP_ECORRUPT},
	{"zstd_level", "20", RP_ECORRUPT},
	{"zstd_level", "3.5", RP_ECORRUPT},
	{"chunk_max", "16777217", RP_ECORRUPT},
	{"chunk_min", "-1", RP_ECORRUPT},
	{"chunk_avg", "4294967296", RP_ECORRUPT},
	{"chunk_avg", "\"65536\"", RP_ECORRUPT},
	/* ids and seeds must be 32 bytes of hex */
	{"id", "\"00\"", RP_ECORRUPT},
	{"id", "\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeefx\"", RP_ECORRUPT},
	{"id", "\"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeffe0e1e2e3e4e5e6e7e8e9eaebecedeeef00\"", RP_ECORRUPT},
	{"id", "1", RP_ECORRUPT},
	{"chunker_seed", "\"\"", RP_ECORRUPT},
	{"chunker_seed", "null", RP_ECORRUPT},
	/* versions and ciphers */
	{"version", "2", RP_EVERSION},
	{"version", "\"1\"", RP_ECORRUPT},
	{"version", "0", RP_ECORRUPT},
	{"version", "-1", RP_ECORRUPT},
	{"aead", "\"rot13\"", RP_EVERSION},
	{"aead", "\"AES-256-GCM\"", RP_EVERSION},
	{"aead", "1", RP_ECORRUPT},
	{"aead", "\"aes-256-gcm\"", 0},
	{"aead", "\"xchacha20-poly1305\"", 0},
	{"scan_pii", "1", 0}, /* not a bool: ignored */
};

static void test_config_out_of_range_values(void **state)
{
	(void)state;
	rp_buf b = {0}, t = {0};
	rp_config c = sample(), d;
	encode(&c, &b);
	for (size_t i = 0; i < sizeof values / sizeof *values; i++) {
		rp_err e;
		rp_err_clear(&e);
		assert_int_equal(tu_json_edit(b.data, b.len, values[i].key, values[i].value, &t), 0);
		int rc = rp_config_decode(t.data, t.len, &d, &e);
		if (rc != values[i].rc)
			fail_msg("%s=%s: got %d (%s), wanted %d", values[i].key, values[i].value, rc, e.msg, values[i].rc);
		if (rc)
			assert_true(e.msg[0] != 0); /* failures say why */
	}
	rp_buf_free(&b);
	rp_buf_free(&t);
}

static void test_config_not_an_object(void **state)
{
	(void)state;
	static const char *bad[] = {"", "[]", "null", "\"config\"", "{", "{\"version\":1", "{}"};
	rp_config d;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_err e;
		assert_int_equal(rp_config_decode((const uint8_t *)bad[i], strlen(bad[i]), &d, &e), RP_ECORRUPT);
	}
	/* every cut of a valid config is refused */
	rp_buf b = {0};
	rp_config c = sample();
	encode(&c, &b);
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(rp_config_decode(b.data, cut, &d, NULL), RP_ECORRUPT);
	rp_buf_free(&b);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_defaults_are_usable),
		cmocka_unit_test(test_config_roundtrip_every_field),
		cmocka_unit_test(test_config_every_missing_field),
		cmocka_unit_test(test_config_out_of_range_values),
		cmocka_unit_test(test_config_not_an_object),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
