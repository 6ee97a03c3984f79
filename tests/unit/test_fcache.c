/* test_fcache.c - the local files cache. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fcache.h"
#include "format/crypto.h"
#include "testutil.h"
#include "util/hex.h"

static const uint8_t REPO[32] = {0x12, 0x34};
static const uint8_t SNAP[32] = {0xaa, 0xbb, 0xcc};

typedef struct fixture {
	char *dir;
	char path[4200];
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->dir = tu_mkdtemp("fcache");
	if (!f->dir)
		return -1;
	/* the writer creates missing folders itself */
	snprintf(f->path, sizeof f->path, "%s/repo-cache/files/0123", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* Paths in walk order, with front-coding traps: shared prefixes,
 * bytes above 0x7f (not UTF-8), a path that shrinks, a long one. */
static const char *const paths[] = {
	"/srv/partages",
	"/srv/partages/Comptabilit\xe9",
	"/srv/partages/Comptabilit\xe9/budget 2024.ods",
	"/srv/partages/Comptabilit\xe9/budget 2024.ods~",
	"/srv/partages/Comptabilit\xe9\xff/x",
	"/srv/partages/\xc9tat civil/acte-0001.pdf",
	"/srv/partages/\xc9tat civil/acte-0002.pdf",
	"/srv/z",
	"/",
	"/srv/partages/\xc9tat civil/acte-0002.pdf",
};

static rp_fcache_rec rec_of(size_t i, const char *path, uint8_t *content, uint8_t *scan)
{
	rp_fcache_rec r;
	memset(&r, 0, sizeof r);
	r.path = path;
	r.path_len = strlen(path);
	r.ino = 1000 + i;
	r.dev = (uint64_t)2049 << (i % 40);
	r.size = (uint64_t)i * 1234567;
	r.mode = (uint32_t)(0100000 | (i * 0111 & 07777));
	r.mtime_s = i % 2 ? 1700000000 + (int64_t)i : -(int64_t)i;
	r.mtime_ns = (uint32_t)(i * 1000003 % 1000000000);
	r.ctime_s = INT64_MAX - (int64_t)i;
	r.ctime_ns = 999999999;
	r.fp = 0x0123456789abcdefull ^ i;
	tu_fill(content, 40 * (i % 4), i);
	r.content = content;
	r.content_len = 40 * (i % 4);
	tu_fill(scan, i % 7, i + 1);
	r.scan = scan;
	r.scan_len = i % 7;
	/* unknown, none, or a list of the sample's bytes */
	r.xattrs_known = i % 3 != 0;
	r.xattrs = content;
	r.xattrs_len = r.xattrs_known ? (i % 3 - 1) * 17 : 0;
	return r;
}

static void same_rec(const rp_fcache_rec *a, const rp_fcache_rec *b)
{
	assert_int_equal(b->path_len, a->path_len);
	assert_memory_equal(b->path, a->path, a->path_len);
	assert_int_equal(b->path[b->path_len], 0);
	assert_int_equal(b->ino, a->ino);
	assert_int_equal(b->dev, a->dev);
	assert_int_equal(b->size, a->size);
	assert_int_equal(b->mode, a->mode);
	assert_int_equal(b->mtime_s, a->mtime_s);
	assert_int_equal(b->mtime_ns, a->mtime_ns);
	assert_int_equal(b->ctime_s, a->ctime_s);
	assert_int_equal(b->ctime_ns, a->ctime_ns);
	assert_true(b->fp == a->fp);
	assert_int_equal(b->content_len, a->content_len);
	if (a->content_len)
		assert_memory_equal(b->content, a->content, a->content_len);
	assert_int_equal(b->scan_len, a->scan_len);
	if (a->scan_len)
		assert_memory_equal(b->scan, a->scan, a->scan_len);
	assert_int_equal(b->xattrs_known, a->xattrs_known);
	assert_int_equal(b->xattrs_len, a->xattrs_len);
	if (a->xattrs_len)
		assert_memory_equal(b->xattrs, a->xattrs, a->xattrs_len);
}

static void write_sample(const fixture *f, const uint8_t snap[32])
{
	rp_fcache_writer *w;
	uint8_t content[160], scan[8];
	assert_int_equal(rp_fcache_create(&w, f->path, REPO, NULL), 0);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		rp_fcache_rec r = rec_of(i, paths[i], content, scan);
		assert_int_equal(rp_fcache_put(w, &r, NULL), 0);
	}
	assert_int_equal(rp_fcache_commit(w, snap, NULL), 0);
}

static void test_fcache_write_then_read_back(void **state)
{
	fixture *f = *state;
	rp_fcache_reader *r;
	rp_fcache_rec got;
	uint8_t content[160], scan[8];
	write_sample(f, SNAP);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_non_null(r);
	assert_memory_equal(rp_fcache_snapshot(r), SNAP, 32);
	for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
		rp_fcache_rec want = rec_of(i, paths[i], content, scan);
		assert_int_equal(rp_fcache_next(r, &got), 1);
		same_rec(&want, &got);
	}
	assert_int_equal(rp_fcache_next(r, &got), 0);
	assert_int_equal(rp_fcache_next(r, &got), 0);
	rp_fcache_close(r);
	/* no temporary file is left beside the cache */
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", f->path, (long)getpid());
	assert_int_equal(access(tmp, F_OK), -1);
}

static void test_fcache_many_records(void **state)
{
	fixture *f = *state;
	rp_fcache_writer *w;
	rp_fcache_reader *r;
	rp_fcache_rec got;
	uint8_t content[160], scan[8];
	char path[64];
	const size_t n = 20000; /* several times the writer's 256 KiB buffer */
	assert_int_equal(rp_fcache_create(&w, f->path, REPO, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/data/d%03zu/f%06zu", i / 100, i);
		rp_fcache_rec rec = rec_of(i, path, content, scan);
		assert_int_equal(rp_fcache_put(w, &rec, NULL), 0);
	}
	assert_int_equal(rp_fcache_commit(w, SNAP, NULL), 0);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_non_null(r);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "/data/d%03zu/f%06zu", i / 100, i);
		rp_fcache_rec want = rec_of(i, path, content, scan);
		assert_int_equal(rp_fcache_next(r, &got), 1);
		same_rec(&want, &got);
	}
	assert_int_equal(rp_fcache_next(r, &got), 0);
	rp_fcache_close(r);
}

static void test_fcache_empty(void **state)
{
	fixture *f = *state;
	rp_fcache_writer *w;
	rp_fcache_reader *r;
	rp_fcache_rec got;
	assert_int_equal(rp_fcache_create(&w, f->path, REPO, NULL), 0);
	assert_int_equal(rp_fcache_commit(w, SNAP, NULL), 0);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_non_null(r);
	assert_int_equal(rp_fcache_next(r, &got), 0);
	rp_fcache_close(r);
}

static void test_fcache_missing_or_foreign(void **state)
{
	fixture *f = *state;
	rp_fcache_reader *r = (rp_fcache_reader *)1;
	uint8_t other[32] = {0x12, 0x35};
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_null(r);
	write_sample(f, SNAP);
	r = (rp_fcache_reader *)1;
	assert_int_equal(rp_fcache_open(&r, f->path, other, NULL), 0);
	assert_null(r);
	/* a folder where the file should be */
	char d[4300];
	snprintf(d, sizeof d, "%s/adir", f->dir);
	assert_int_equal(mkdir(d, 0700), 0);
	r = (rp_fcache_reader *)1;
	assert_int_equal(rp_fcache_open(&r, d, REPO, NULL), 0);
	assert_null(r);
}

static void test_fcache_damage_means_no_cache(void **state)
{
	fixture *f = *state;
	rp_buf good = {0};
	rp_fcache_reader *r;
	write_sample(f, SNAP);
	assert_int_equal(tu_read_file(f->path, &good), 0);
	/* any single flipped bit, anywhere in the file */
	for (size_t at = 0; at < good.len; at++) {
		good.data[at] ^= 0x20;
		assert_int_equal(tu_write_file(f->path, good.data, good.len), 0);
		r = (rp_fcache_reader *)1;
		assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
		if (r)
			fail_msg("a flipped bit at %zu of %zu was not noticed", at, good.len);
		good.data[at] ^= 0x20;
	}
	/* every truncation, and one byte appended */
	for (size_t cut = 0; cut < good.len; cut++) {
		assert_int_equal(tu_write_file(f->path, good.data, cut), 0);
		r = (rp_fcache_reader *)1;
		assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
		assert_null(r);
	}
	rp_buf_put_u8(&good, 0);
	assert_int_equal(tu_write_file(f->path, good.data, good.len), 0);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_null(r);
	rp_buf_free(&good);
}

/* A file with a valid checksum around malformed records: the reader
 * stops at the first bad record instead of reading past it. */
static void test_fcache_malformed_records_stop_reading(void **state)
{
	fixture *f = *state;
	rp_buf file = {0};
	uint8_t h[32];
	char path[4300];
	snprintf(path, sizeof path, "%s/crafted", f->dir);
	static const struct {
		const uint8_t *body;
		size_t n;
		int records;
	} cases[] = {
		/* shared prefix longer than the previous path (none yet) */
		{(const uint8_t *)"\x05\x01x", 3, 0},
		/* a suffix longer than the file */
		{(const uint8_t *)"\x00\x7f/abc", 5, 0},
		/* a record cut after its path */
		{(const uint8_t *)"\x00\x02/a\x01\x02", 6, 0},
		/* an 11-byte varint for the inode */
		{(const uint8_t *)"\x00\x02/a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 15, 0},
		/* one good record, then a shared prefix longer than its path */
		{(const uint8_t *)"\x00\x02/a\x01\x02\x03\x04\x00\x00\x00\x00" "12345678" "\x00\x00\x00\x01\x00" "\x03\x01x", 28, 1},
		/* xattrs neither known (1) nor unknown (0) */
		{(const uint8_t *)"\x00\x02/a\x01\x02\x03\x04\x00\x00\x00\x00" "12345678" "\x00\x00\x00\x02\x00", 25, 0},
		/* xattrs that run past the end */
		{(const uint8_t *)"\x00\x02/a\x01\x02\x03\x04\x00\x00\x00\x00" "12345678" "\x00\x00\x00\x01\x09" "ab", 27, 0},
		/* one good record, then content that runs past the end */
		{(const uint8_t *)"\x00\x02/a\x01\x02\x03\x04\x00\x00\x00\x00" "12345678" "\x00\x00\x00\x01\x00"
				  "\x01\x01b\x01\x02\x03\x04\x00\x00\x00\x00" "12345678" "\x28", 45, 1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rp_buf_reset(&file);
		rp_buf_put(&file, "RPFC", 4);
		rp_buf_put_u8(&file, RP_FCACHE_VERSION);
		rp_buf_put(&file, REPO, 32);
		rp_buf_put(&file, SNAP, 32);
		rp_buf_put(&file, cases[i].body, cases[i].n);
		rp_buf_put_u8(&file, 0xff);
		rp_sha256_once(file.data, file.len, h);
		rp_buf_put(&file, h, 32);
		assert_int_equal(tu_write_file(path, file.data, file.len), 0);
		rp_fcache_reader *r;
		rp_fcache_rec got;
		assert_int_equal(rp_fcache_open(&r, path, REPO, NULL), 0);
		assert_non_null(r);
		int n = 0;
		while (rp_fcache_next(r, &got) == 1)
			n++;
		assert_int_equal(n, cases[i].records);
		rp_fcache_close(r);
	}
	rp_buf_free(&file);
}

static void test_fcache_abort_and_replace(void **state)
{
	fixture *f = *state;
	rp_fcache_writer *w;
	rp_fcache_reader *r;
	rp_fcache_rec got;
	uint8_t snap2[32] = {0x99};
	uint8_t content[160], scan[8];
	write_sample(f, SNAP);
	/* an aborted writer leaves the old cache alone and no temporary */
	assert_int_equal(rp_fcache_create(&w, f->path, REPO, NULL), 0);
	rp_fcache_rec rec = rec_of(1, "/other", content, scan);
	assert_int_equal(rp_fcache_put(w, &rec, NULL), 0);
	rp_fcache_abort(w);
	char tmp[4300];
	snprintf(tmp, sizeof tmp, "%s.tmp%ld", f->path, (long)getpid());
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_non_null(r);
	assert_memory_equal(rp_fcache_snapshot(r), SNAP, 32);
	rp_fcache_close(r);
	/* a committed one replaces it */
	assert_int_equal(rp_fcache_create(&w, f->path, REPO, NULL), 0);
	assert_int_equal(rp_fcache_put(w, &rec, NULL), 0);
	assert_int_equal(rp_fcache_commit(w, snap2, NULL), 0);
	assert_int_equal(rp_fcache_open(&r, f->path, REPO, NULL), 0);
	assert_memory_equal(rp_fcache_snapshot(r), snap2, 32);
	assert_int_equal(rp_fcache_next(r, &got), 1);
	same_rec(&rec, &got);
	assert_int_equal(rp_fcache_next(r, &got), 0);
	rp_fcache_close(r);
}

static void test_fcache_path(void **state)
{
	(void)state;
	char *a, *b, *c, *d;
	char *p1[] = {"/srv/a", "/srv/b"}, *p2[] = {"/srv/b", "/srv/a"}, *p3[] = {"/srv/a/", "srv/b"};
	assert_int_equal(rp_fcache_path("/cache/r", "mairie", p1, 2, &a, NULL), 0);
	assert_int_equal(rp_fcache_path("/cache/r", "mairie", p1, 2, &b, NULL), 0);
	assert_string_equal(a, b);
	assert_int_equal(strncmp(a, "/cache/r/files/", 15), 0);
	assert_int_equal(strlen(a), 15 + 32);
	assert_int_equal(rp_hex_is(a + 15, 32), 1);
	/* host and path set (in order) both matter */
	assert_int_equal(rp_fcache_path("/cache/r", "ecole", p1, 2, &c, NULL), 0);
	assert_string_not_equal(a, c);
	assert_int_equal(rp_fcache_path("/cache/r", "mairie", p2, 2, &d, NULL), 0);
	assert_string_not_equal(a, d);
	free(c);
	free(d);
	/* component boundaries are kept: {"/srv/a/", "srv/b"} is another set */
	assert_int_equal(rp_fcache_path("/cache/r", "mairie", p3, 2, &c, NULL), 0);
	assert_string_not_equal(a, c);
	free(a);
	free(b);
	free(c);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fcache_write_then_read_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_many_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_missing_or_foreign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_damage_means_no_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_malformed_records_stop_reading, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fcache_abort_and_replace, setup, teardown),
		cmocka_unit_test(test_fcache_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
