/* fuzz_snapshot.c - snapshot bodies (rp_snapshot_decode).
 *
 * Properties: what decodes encodes to a body that decodes again (the
 * encoder's output is always readable), and after that one round the
 * snapshot is stable: encoding and decoding change nothing more.  (The
 * first round may replace invalid UTF-8 by U+FFFD: the JSON writer does.)
 */
#include "format/snapshot.h"
#include "fuzz_common.h"

static void same_str(const char *a, const char *b)
{
	FUZZ_CHECK((a == NULL) == (b == NULL));
	if (a)
		FUZZ_CHECK(!strcmp(a, b));
}

static void same_snapshot(const rp_snapshot *a, const rp_snapshot *b)
{
	FUZZ_CHECK(a->time_s == b->time_s && a->time_ns == b->time_ns);
	same_str(a->host, b->host);
	same_str(a->username, b->username);
	FUZZ_CHECK(a->n_paths == b->n_paths && a->n_tags == b->n_tags);
	for (size_t i = 0; i < a->n_paths; i++)
		same_str(a->paths[i], b->paths[i]);
	for (size_t i = 0; i < a->n_tags; i++)
		same_str(a->tags[i], b->tags[i]);
	FUZZ_CHECK(!memcmp(&a->tree, &b->tree, sizeof a->tree));
	FUZZ_CHECK(a->has_parent == b->has_parent);
	if (a->has_parent)
		FUZZ_CHECK(!memcmp(&a->parent, &b->parent, sizeof a->parent));
	same_str(a->verdict, b->verdict);
	same_str(a->scan_json, b->scan_json);
	same_str(a->pii_json, b->pii_json);
	FUZZ_CHECK(!memcmp(&a->stats, &b->stats, offsetof(rp_snapshot_stats, seconds)));
	FUZZ_CHECK(a->stats.seconds == b->stats.seconds);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_snapshot s1, s2, s3;
	rp_buf b1 = {0}, b2 = {0};
	rp_err e;
	int rc = rp_snapshot_decode(data, size, &s1, &e);
	if (rc) {
		FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_EVERSION);
		return 0;
	}
	FUZZ_CHECK(s1.time_ns < 1000000000u);
	FUZZ_CHECK(rp_snapshot_encode(&s1, &b1, &e) == 0);
	if (rp_snapshot_decode(b1.data, b1.len, &s2, &e)) {
		fprintf(stderr, "encoder output does not decode: %s\n%.*s\n", e.msg, (int)b1.len, (const char *)b1.data);
		abort();
	}
	FUZZ_CHECK(rp_snapshot_encode(&s2, &b2, &e) == 0);
	FUZZ_CHECK(rp_snapshot_decode(b2.data, b2.len, &s3, &e) == 0);
	same_snapshot(&s2, &s3);
	FUZZ_CHECK(b1.len == b2.len && !memcmp(b1.data, b2.data, b1.len));
	rp_snapshot_clear(&s1);
	rp_snapshot_clear(&s2);
	rp_snapshot_clear(&s3);
	rp_buf_free(&b1);
	rp_buf_free(&b2);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	char *paths[] = {"/srv/partages", "/var/lib/m\xc3\xa9tier"};
	char *tags[] = {"quotidien", "avant-mise-a-jour"};
	rp_snapshot s = {0};
	rp_buf b = {0};
	s.time_s = 1700000000;
	s.time_ns = 123456789;
	s.host = "mairie-donges";
	s.username = "root";
	s.paths = paths;
	s.n_paths = 2;
	s.tags = tags;
	s.n_tags = 2;
	s.tree.b[0] = 0x12;
	s.has_parent = 1;
	s.parent.b[31] = 0x34;
	s.verdict = "clean";
	s.scan_json = "{\"entropy\":[0.5,7.9],\"notes\":0}";
	s.pii_json = "{\"nir\":3,\"iban\":1}";
	s.stats = (rp_snapshot_stats){10, 2, 1, 1 << 20, 3, 4, 5, 1 << 19, 7, 1 << 18, 1 << 17, 0, 12.5};
	rp_snapshot_encode(&s, &b, NULL);
	fuzz_seed(dir, "full", b.data, b.len);
	rp_snapshot m = {0};
	m.time_s = -1;
	rp_buf_reset(&b);
	rp_snapshot_encode(&m, &b, NULL);
	fuzz_seed(dir, "minimal", b.data, b.len);
	rp_buf_free(&b);
}
