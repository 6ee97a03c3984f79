/* test_snapshot.c - snapshot bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/snapshot.h"
#include "testutil.h"

static char *paths[] = {"/srv/partages", "/var/lib/m\xc3\xa9tier", "/home/\"quoted\"\\path"};
static char *tags[] = {"quotidien", "avant mise \xc3\xa0 jour", ""};

static rp_snapshot full_sample(void)
{
	rp_snapshot s = {0};
	s.time_s = 1700000000;
	s.time_ns = 999999999;
	s.host = "mairie-donges";
	s.username = "root";
	s.paths = paths;
	s.n_paths = 3;
	s.tags = tags;
	s.n_tags = 3;
	for (int i = 0; i < 32; i++) {
		s.tree.b[i] = (uint8_t)i;
		s.parent.b[i] = (uint8_t)(255 - i);
	}
	s.has_parent = 1;
	s.verdict = "suspicious";
	s.scan_json = "{\"entropy\":{\"high\":12,\"files\":[\"a\",\"b\"]},\"notes\":[]}";
	s.pii_json = "{\"nir\":3,\"iban\":0,\"emails\":[1,2]}";
	s.stats = (rp_snapshot_stats){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0.25};
	s.stats.bytes = (uint64_t)INT64_MAX;
	return s;
}

static void same_snapshot(const rp_snapshot *a, const rp_snapshot *b)
{
	assert_int_equal(a->time_s, b->time_s);
	assert_int_equal(a->time_ns, b->time_ns);
	assert_string_equal(a->host ? a->host : "", b->host);
	assert_string_equal(a->username ? a->username : "", b->username);
	assert_int_equal(a->n_paths, b->n_paths);
	for (size_t i = 0; i < a->n_paths; i++)
		assert_string_equal(a->paths[i], b->paths[i]);
	assert_int_equal(a->n_tags, b->n_tags);
	for (size_t i = 0; i < a->n_tags; i++)
		assert_string_equal(a->tags[i], b->tags[i]);
	assert_memory_equal(a->tree.b, b->tree.b, 32);
	assert_int_equal(a->has_parent, b->has_parent);
	if (a->has_parent)
		assert_memory_equal(a->parent.b, b->parent.b, 32);
	if (a->verdict)
		assert_string_equal(a->verdict, b->verdict);
	else
		assert_null(b->verdict);
	if (a->scan_json)
		assert_string_equal(a->scan_json, b->scan_json);
	else
		assert_null(b->scan_json);
	if (a->pii_json)
		assert_string_equal(a->pii_json, b->pii_json);
	else
		assert_null(b->pii_json);
	assert_memory_equal(&a->stats, &b->stats, offsetof(rp_snapshot_stats, seconds));
	assert_true(a->stats.seconds == b->stats.seconds);
}

static void test_snapshot_roundtrip_every_field(void **state)
{
	(void)state;
	rp_snapshot s = full_sample(), d;
	rp_buf b = {0};
	assert_int_equal(rp_snapshot_encode(&s, &b, NULL), 0);
	assert_int_equal(rp_snapshot_decode(b.data, b.len, &d, NULL), 0);
	same_snapshot(&s, &d);
	/* and the readable time says the same as time_s */
	assert_non_null(strstr((char *)b.data, "\"time\": \"2023-11-14T22:13:20.999999999Z\""));
	rp_snapshot_clear(&d);
	assert_null(d.host);
	assert_int_equal(d.n_paths, 0);
	rp_buf_free(&b);
}

static void test_snapshot_roundtrip_minimal(void **state)
{
	(void)state;
	rp_snapshot s = {0}, d;
	rp_buf b = {0};
	s.time_s = -86400; /* before the epoch */
	assert_int_equal(rp_snapshot_encode(&s, &b, NULL), 0);
	assert_int_equal(rp_snapshot_decode(b.data, b.len, &d, NULL), 0);
	same_snapshot(&s, &d);
	assert_int_equal(d.has_parent, 0);
	assert_null(d.verdict);
	assert_null(d.scan_json);
	assert_int_equal(d.n_tags, 0);
	assert_non_null(strstr((char *)b.data, "1969-12-31T00:00:00.000000000Z"));
	rp_snapshot_clear(&d);
	rp_buf_free(&b);
}

/* File names on old shares are often Latin-1: a snapshot must give back
 * the path it was given, byte for byte, or `restore` and parent lookups
 * (rp_snaps_parent compares with strcmp) no longer find it. */
static void test_snapshot_non_utf8_path_roundtrip(void **state)
{
	(void)state;
	char *latin1[] = {"/srv/partages/Comptabilit\xe9", "/srv/\xc9tat civil"};
	rp_snapshot s = {0}, d;
	rp_buf b = {0};
	s.paths = latin1;
	s.n_paths = 2;
	s.host = "mairie-\xe9";
	assert_int_equal(rp_snapshot_encode(&s, &b, NULL), 0);
	assert_int_equal(rp_snapshot_decode(b.data, b.len, &d, NULL), 0);
	assert_int_equal(d.n_paths, 2);
	assert_string_equal(d.paths[0], latin1[0]);
	assert_string_equal(d.paths[1], latin1[1]);
	assert_string_equal(d.host, s.host);
	rp_snapshot_clear(&d);
	rp_buf_free(&b);
}

static const struct {
	const char *key, *value;
	int rc;
} edits[] = {
	{"paths", "\"/srv\"", RP_ECORRUPT},
	{"paths", "[1]", RP_ECORRUPT},
	{"paths", "[\"/a\",null]", RP_ECORRUPT},
	{"paths", "[\"/a\",[\"/b\"]]", RP_ECORRUPT},
	{"paths", "{}", RP_ECORRUPT},
	{"tags", "[true]", RP_ECORRUPT},
	{"tags", "\"x\"", RP_ECORRUPT},
	{"paths", "[]", 0},
	{"tags", NULL, 0},
	{"tree", NULL, RP_ECORRUPT},
	{"tree", "\"00\"", RP_ECORRUPT},
	{"tree", "\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\"", RP_ECORRUPT},
	{"parent", "\"abc\"", RP_ECORRUPT},
	{"parent", "5", 0}, /* not a string: no parent */
	{"time_s", NULL, RP_ECORRUPT},
	{"time_s", "1.5", RP_ECORRUPT},
	{"time_ns", "1000000000", 0},
	{"time_ns", "-1", 0},
	{"version", NULL, RP_ECORRUPT},
	{"version", "0", RP_ECORRUPT},
	{"version", "2", RP_EVERSION},
	{"host", "42", 0},
	{"verdict", "[]", 0},
	{"stats", "[]", 0},
	{"scan", "[1,2,{\"a\":null}]", 0},
};

static void test_snapshot_malformed_fields(void **state)
{
	(void)state;
	rp_snapshot s = full_sample(), d;
	rp_buf b = {0}, t = {0};
	assert_int_equal(rp_snapshot_encode(&s, &b, NULL), 0);
	for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
		rp_err e;
		assert_int_equal(tu_json_edit(b.data, b.len, edits[i].key, edits[i].value, &t), 0);
		memset(&d, 0x5a, sizeof d);
		int rc = rp_snapshot_decode(t.data, t.len, &d, &e);
		if (rc != edits[i].rc)
			fail_msg("%s=%s: got %d, wanted %d", edits[i].key, edits[i].value ? edits[i].value : "(none)", rc,
				 edits[i].rc);
		if (rc) {
			/* a failed decode leaves nothing to free */
			assert_null(d.paths);
			assert_null(d.host);
			assert_int_equal(d.n_tags, 0);
		}
		rp_snapshot_clear(&d);
	}
	/* the values the decoder normalises */
	assert_int_equal(tu_json_edit(b.data, b.len, "time_ns", "1000000000", &t), 0);
	assert_int_equal(rp_snapshot_decode(t.data, t.len, &d, NULL), 0);
	assert_int_equal(d.time_ns, 0);
	rp_snapshot_clear(&d);
	assert_int_equal(tu_json_edit(b.data, b.len, "scan", "[1,2,{\"a\":null}]", &t), 0);
	assert_int_equal(rp_snapshot_decode(t.data, t.len, &d, NULL), 0);
	assert_string_equal(d.scan_json, "[1,2,{\"a\":null}]");
	rp_snapshot_clear(&d);
	/* negative counters read as zero, never as huge numbers */
	rp_buf st = {0};
	assert_int_equal(tu_json_edit(b.data, b.len, "stats", "{\"files\":-5,\"errors\":7,\"seconds\":\"x\"}", &st), 0);
	assert_int_equal(rp_snapshot_decode(st.data, st.len, &d, NULL), 0);
	assert_int_equal(d.stats.files, 0);
	assert_int_equal(d.stats.errors, 7);
	assert_true(d.stats.seconds == 0);
	rp_snapshot_clear(&d);
	rp_buf_free(&st);
	rp_buf_free(&b);
	rp_buf_free(&t);
}

static void test_snapshot_truncated(void **state)
{
	(void)state;
	rp_snapshot s = full_sample(), d;
	rp_buf b = {0};
	assert_int_equal(rp_snapshot_encode(&s, &b, NULL), 0);
	for (size_t cut = 0; cut < b.len; cut++)
		assert_int_equal(rp_snapshot_decode(b.data, cut, &d, NULL), RP_ECORRUPT);
	rp_buf_free(&b);
}

static void test_time_format(void **state)
{
	(void)state;
	static const struct {
		int64_t s;
		uint32_t ns;
		const char *want;
	} cases[] = {
		{0, 0, "1970-01-01T00:00:00.000000000Z"},
		{1700000000, 5, "2023-11-14T22:13:20.000000005Z"},
		{-1, 999999999, "1969-12-31T23:59:59.999999999Z"},
		{951782400, 0, "2000-02-29T00:00:00.000000000Z"},
		{253402300799, 0, "9999-12-31T23:59:59.000000000Z"},
		{1700000000, 1999999999, "2023-11-14T22:13:20.999999999Z"}, /* ns taken modulo 1e9 */
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char buf[40];
		rp_time_format(buf, cases[i].s, cases[i].ns);
		assert_string_equal(buf, cases[i].want);
	}
}

/* Times far outside the calendar (a damaged or hostile snapshot) still
 * format to the same text every time: gmtime_r fails there, and the
 * struct tm it did not fill must not be read. */
static void test_time_format_out_of_range_is_stable(void **state)
{
	(void)state;
	static const int64_t far[] = {INT64_MAX, INT64_MIN, (int64_t)1 << 60, -((int64_t)1 << 60)};
	for (size_t i = 0; i < sizeof far / sizeof *far; i++) {
		char a[40], b[40];
		/* dirty the stack between the calls */
		memset(a, 0x11, sizeof a);
		memset(b, 0x77, sizeof b);
		rp_time_format(a, far[i], 0);
		{
			volatile char noise[512];
			for (size_t k = 0; k < sizeof noise; k++)
				noise[k] = (char)(k * 31);
			(void)noise[3];
		}
		rp_time_format(b, far[i], 0);
		assert_true(memchr(a, 0, sizeof a) != NULL);
		assert_string_equal(a, b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_roundtrip_every_field),
		cmocka_unit_test(test_snapshot_roundtrip_minimal),
		cmocka_unit_test(test_snapshot_non_utf8_path_roundtrip),
		cmocka_unit_test(test_snapshot_malformed_fields),
		cmocka_unit_test(test_snapshot_truncated),
		cmocka_unit_test(test_time_format),
		cmocka_unit_test(test_time_format_out_of_range_is_stable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
