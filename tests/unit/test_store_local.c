/* test_store_local.c - the local directory store. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "testutil.h"

typedef struct fixture {
	char *dir;
	char root[4200];
	rp_store *s;
} fixture;

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	f->dir = tu_mkdtemp("store");
	if (!f->dir)
		return -1;
	snprintf(f->root, sizeof f->root, "%s/repo", f->dir);
	if (rp_store_open(&f->s, f->root, NULL, NULL) || rp_store_create(f->s, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_store_close(f->s);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- listing helper ---- */

typedef struct listing {
	char names[64][128];
	uint64_t sizes[64];
	size_t n;
	size_t stop_after;
} listing;

static int collect(void *ctx, const char *name, uint64_t size)
{
	listing *l = ctx;
	if (l->n < 64) {
		snprintf(l->names[l->n], sizeof l->names[0], "%s", name);
		l->sizes[l->n] = size;
	}
	l->n++;
	return l->stop_after && l->n >= l->stop_after;
}

static int listed(const listing *l, const char *name, uint64_t size)
{
	for (size_t i = 0; i < l->n && i < 64; i++)
		if (!strcmp(l->names[i], name))
			return l->sizes[i] == size;
	return 0;
}

static void list_dir(fixture *f, const char *dir, listing *l)
{
	memset(l, 0, sizeof *l);
	assert_int_equal(rp_store_list(f->s, dir, collect, l, NULL), 0);
}

static void test_store_layout(void **state)
{
	fixture *f = *state;
	static const char *dirs[] = {"data", "index", "snapshots", "keys", "locks", "tmp", "data/00", "data/ab", "data/ff"};
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		char p[4300];
		struct stat st;
		snprintf(p, sizeof p, "%s/%s", f->root, dirs[i]);
		assert_int_equal(stat(p, &st), 0);
		assert_true(S_ISDIR(st.st_mode));
		assert_int_equal(st.st_mode & 0777, 0700);
	}
	assert_int_equal(tu_count_entries(f->root), 6);
	char p[4300];
	snprintf(p, sizeof p, "%s/data", f->root);
	assert_int_equal(tu_count_entries(p), 256);
	/* creating twice is fine until a config exists */
	assert_int_equal(rp_store_create(f->s, NULL), 0);
	assert_int_equal(rp_store_put(f->s, "config", "c", 1, NULL), 0);
	rp_err e;
	assert_int_equal(rp_store_create(f->s, &e), RP_EEXIST);
}

static void test_store_put_get_stat_remove(void **state)
{
	fixture *f = *state;
	rp_buf b = {0};
	uint64_t size = 0;
	rp_err e;
	uint8_t data[10000];
	tu_fill(data, sizeof data, 1);
	assert_int_equal(rp_store_put(f->s, "index/0123", data, sizeof data, NULL), 0);
	assert_int_equal(rp_store_stat(f->s, "index/0123", &size, NULL), 0);
	assert_int_equal(size, sizeof data);
	/* whole file, appended to what the buffer holds */
	rp_buf_put(&b, "x", 1);
	assert_int_equal(rp_store_get(f->s, "index/0123", 0, 0, &b, NULL), 0);
	assert_int_equal(b.len, 1 + sizeof data);
	assert_memory_equal(b.data + 1, data, sizeof data);
	/* ranges: middle, tail (len 0), the last byte, empty at the end */
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(f->s, "index/0123", 100, 50, &b, NULL), 0);
	assert_int_equal(b.len, 50);
	assert_memory_equal(b.data, data + 100, 50);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(f->s, "index/0123", 9000, 0, &b, NULL), 0);
	assert_int_equal(b.len, 1000);
	assert_memory_equal(b.data, data + 9000, 1000);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(f->s, "index/0123", 9999, 1, &b, NULL), 0);
	assert_int_equal(b.data[0], data[9999]);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(f->s, "index/0123", 10000, 0, &b, NULL), 0);
	assert_int_equal(b.len, 0);
	/* ranges past the end: refused, nothing appended */
	assert_int_equal(rp_store_get(f->s, "index/0123", 9999, 2, &b, &e), RP_ECORRUPT);
	assert_int_equal(rp_store_get(f->s, "index/0123", 10001, 0, &b, &e), RP_ECORRUPT);
	assert_int_equal(rp_store_get(f->s, "index/0123", UINT64_MAX, 1, &b, &e), RP_ECORRUPT);
	assert_int_equal(rp_store_get(f->s, "index/0123", 1, UINT64_MAX, &b, &e), RP_ECORRUPT);
	assert_int_equal(b.len, 0);
	/* an empty file */
	assert_int_equal(rp_store_put(f->s, "index/empty", "", 0, NULL), 0);
	assert_int_equal(rp_store_get(f->s, "index/empty", 0, 0, &b, NULL), 0);
	assert_int_equal(b.len, 0);
	/* missing files */
	assert_int_equal(rp_store_get(f->s, "index/nope", 0, 0, &b, &e), RP_ENOTFOUND);
	assert_non_null(strstr(e.msg, "index/nope"));
	assert_int_equal(rp_store_stat(f->s, "index/nope", &size, &e), RP_ENOTFOUND);
	/* remove, then it is gone; removing again says so */
	assert_int_equal(rp_store_remove(f->s, "index/0123", NULL), 0);
	assert_int_equal(rp_store_stat(f->s, "index/0123", &size, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_remove(f->s, "index/0123", &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_sync(f->s, NULL), 0);
	rp_buf_free(&b);
}

static void test_store_never_replaces(void **state)
{
	fixture *f = *state;
	rp_buf b = {0};
	rp_err e;
	rp_store_writer *w;
	assert_int_equal(rp_store_put(f->s, "snapshots/aa", "first", 5, NULL), 0);
	assert_int_equal(rp_store_put(f->s, "snapshots/aa", "second!", 7, &e), RP_EEXIST);
	assert_non_null(strstr(e.msg, "already exists"));
	/* a streamed writer committed under an existing name fails too */
	assert_int_equal(rp_store_writer_open(f->s, &w, NULL), 0);
	assert_int_equal(rp_store_writer_write(w, "third", 5, NULL), 0);
	assert_int_equal(rp_store_writer_commit(w, "snapshots/aa", &e), RP_EEXIST);
	assert_int_equal(rp_store_get(f->s, "snapshots/aa", 0, 0, &b, NULL), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.data, "first", 5);
	/* and leaves nothing behind */
	char p[4300];
	snprintf(p, sizeof p, "%s/snapshots", f->root);
	assert_int_equal(tu_count_entries(p), 1);
	snprintf(p, sizeof p, "%s/tmp", f->root);
	assert_int_equal(tu_count_entries(p), 0);
	rp_buf_free(&b);
}

static void test_store_writer_streams(void **state)
{
	fixture *f = *state;
	rp_store_writer *w;
	rp_buf b = {0};
	/* odd-sized writes across the 1 MiB staging buffer and 4 KiB alignment */
	size_t total = (3u << 20) + 12345;
	uint8_t *data = malloc(total);
	tu_fill(data, total, 7);
	assert_int_equal(rp_store_writer_open(f->s, &w, NULL), 0);
	size_t at = 0, step = 1;
	while (at < total) {
		size_t k = step < total - at ? step : total - at;
		assert_int_equal(rp_store_writer_write(w, data + at, k, NULL), 0);
		at += k;
		step = step * 3 + 1;
	}
	assert_int_equal(w->written, total);
	assert_int_equal(rp_store_writer_commit(w, "data/ab/abcdef", NULL), 0);
	assert_int_equal(rp_store_get(f->s, "data/ab/abcdef", 0, 0, &b, NULL), 0);
	assert_int_equal(b.len, total);
	assert_memory_equal(b.data, data, total);
	/* exact multiples of the alignment and of the staging buffer */
	size_t sizes[] = {0, 1, 4096, 1u << 20, (1u << 20) + 4096, 2u << 20};
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		char name[64];
		snprintf(name, sizeof name, "data/ab/size%zu", sizes[i]);
		assert_int_equal(rp_store_writer_open(f->s, &w, NULL), 0);
		assert_int_equal(rp_store_writer_write(w, data, sizes[i], NULL), 0);
		assert_int_equal(rp_store_writer_commit(w, name, NULL), 0);
		rp_buf_reset(&b);
		assert_int_equal(rp_store_get(f->s, name, 0, 0, &b, NULL), 0);
		assert_int_equal(b.len, sizes[i]);
		if (sizes[i])
			assert_memory_equal(b.data, data, sizes[i]);
	}
	free(data);
	rp_buf_free(&b);
}

static void test_store_aborted_writer_leaves_nothing(void **state)
{
	fixture *f = *state;
	rp_store_writer *w;
	listing l;
	uint8_t data[100000];
	tu_fill(data, sizeof data, 3);
	assert_int_equal(rp_store_writer_open(f->s, &w, NULL), 0);
	assert_int_equal(rp_store_writer_write(w, data, sizeof data, NULL), 0);
	rp_store_writer_abort(w);
	rp_store_writer_abort(NULL);
	list_dir(f, "data", &l);
	assert_int_equal(l.n, 0);
	list_dir(f, "tmp", &l);
	assert_int_equal(l.n, 0);
	char p[4300];
	snprintf(p, sizeof p, "%s/tmp", f->root);
	assert_int_equal(tu_count_entries(p), 0);
	assert_int_equal(tu_count_entries(f->root), 6);
	/* an invalid name at commit: refused, and nothing appears either */
	rp_err e;
	assert_int_equal(rp_store_writer_open(f->s, &w, NULL), 0);
	assert_int_equal(rp_store_writer_write(w, data, 10, NULL), 0);
	assert_int_equal(rp_store_writer_commit(w, "../escape", &e), RP_EINVAL);
	assert_int_equal(tu_count_entries(f->root), 6);
	assert_int_equal(tu_count_entries(p), 0);
	assert_int_equal(tu_count_entries(f->dir), 1);
}

static void test_store_list(void **state)
{
	fixture *f = *state;
	listing l;
	char p[4300];
	assert_int_equal(rp_store_put(f->s, "data/ab/ab01", "12345", 5, NULL), 0);
	assert_int_equal(rp_store_put(f->s, "data/cd/cd02", "1", 1, NULL), 0);
	assert_int_equal(rp_store_put(f->s, "index/i1", "12", 2, NULL), 0);
	assert_int_equal(rp_store_put(f->s, "index/i2", "", 0, NULL), 0);
	/* what must not be listed: hidden files, temporaries, folders, links */
	snprintf(p, sizeof p, "%s/index/.hidden", f->root);
	assert_int_equal(tu_write_file(p, "h", 1), 0);
	snprintf(p, sizeof p, "%s/data/ab/.tmp-upload", f->root);
	assert_int_equal(tu_write_file(p, "h", 1), 0);
	snprintf(p, sizeof p, "%s/index/subdir", f->root);
	assert_int_equal(mkdir(p, 0700), 0);
	snprintf(p, sizeof p, "%s/index/subdir/inner", f->root);
	assert_int_equal(tu_write_file(p, "h", 1), 0);
	snprintf(p, sizeof p, "%s/index/link", f->root);
	assert_int_equal(symlink("i1", p), 0);
	snprintf(p, sizeof p, "%s/index/fifo", f->root);
	assert_int_equal(mkfifo(p, 0600), 0);
	list_dir(f, "index", &l);
	assert_int_equal(l.n, 2);
	assert_true(listed(&l, "index/i1", 2));
	assert_true(listed(&l, "index/i2", 0));
	/* data is listed recursively, with names relative to the store */
	list_dir(f, "data", &l);
	assert_int_equal(l.n, 2);
	assert_true(listed(&l, "data/ab/ab01", 5));
	assert_true(listed(&l, "data/cd/cd02", 1));
	/* one sub-folder of data on its own */
	list_dir(f, "data/ab", &l);
	assert_int_equal(l.n, 1);
	assert_true(listed(&l, "data/ab/ab01", 5));
	/* an empty or missing folder lists nothing */
	list_dir(f, "snapshots", &l);
	assert_int_equal(l.n, 0);
	list_dir(f, "nonexistent", &l);
	assert_int_equal(l.n, 0);
	/* the callback stops the listing */
	memset(&l, 0, sizeof l);
	l.stop_after = 1;
	assert_int_equal(rp_store_list(f->s, "data", collect, &l, NULL), 0);
	assert_int_equal(l.n, 1);
}

static void test_store_bad_names(void **state)
{
	fixture *f = *state;
	static const char *bad[] = {"", "/etc/passwd", "../x", "index/../../x", "a..b"};
	rp_buf b = {0};
	uint64_t size;
	listing l;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_err e;
		assert_int_equal(rp_store_put(f->s, bad[i], "x", 1, &e), RP_EINVAL);
		assert_int_equal(rp_store_get(f->s, bad[i], 0, 0, &b, &e), RP_EINVAL);
		assert_int_equal(rp_store_stat(f->s, bad[i], &size, &e), RP_EINVAL);
		assert_int_equal(rp_store_remove(f->s, bad[i], &e), RP_EINVAL);
		assert_int_equal(rp_store_list(f->s, bad[i], collect, &l, &e), RP_EINVAL);
	}
	char longname[300];
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	assert_int_equal(rp_store_put(f->s, longname, "x", 1, NULL), RP_EINVAL);
	assert_int_equal(tu_count_entries(f->dir), 1);
	rp_buf_free(&b);
}

static void test_store_missing_repository(void **state)
{
	fixture *f = *state;
	rp_store *s;
	char p[4300];
	rp_buf b = {0};
	uint64_t size;
	listing l;
	rp_store_writer *w;
	rp_err e;
	snprintf(p, sizeof p, "%s/nothing-here", f->dir);
	assert_int_equal(rp_store_open(&s, p, NULL, NULL), 0); /* nothing is created */
	assert_int_equal(access(p, F_OK), -1);
	assert_int_equal(rp_store_get(s, "config", 0, 0, &b, &e), RP_ENOTFOUND);
	assert_non_null(strstr(e.msg, "does not exist"));
	assert_int_equal(rp_store_stat(s, "config", &size, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_put(s, "config", "x", 1, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_writer_open(s, &w, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_list(s, "index", collect, &l, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_remove(s, "config", &e), RP_ENOTFOUND);
	assert_int_equal(access(p, F_OK), -1);
	/* create makes it */
	assert_int_equal(rp_store_create(s, NULL), 0);
	assert_int_equal(rp_store_put(s, "config", "x", 1, NULL), 0);
	rp_store_close(s);
	/* a file where the repository should be */
	snprintf(p, sizeof p, "%s/a-file", f->dir);
	assert_int_equal(tu_write_file(p, "x", 1), 0);
	assert_int_not_equal(rp_store_open(&s, p, NULL, &e), 0);
	/* unknown schemes */
	assert_int_equal(rp_store_open(&s, "", NULL, &e), RP_EINVAL);
	assert_int_equal(rp_store_open(&s, "s3:https://x/b", NULL, &e), RP_EINVAL);
	rp_buf_free(&b);
}

/* Several threads racing to create the same names: one winner each. */
#define PUT_THREADS 6
#define PUT_NAMES 40

typedef struct racer {
	fixture *f;
	int t;
	int won[PUT_NAMES];
	int errors;
} racer;

static void *put_all(void *arg)
{
	racer *r = arg;
	for (int i = 0; i < PUT_NAMES; i++) {
		char name[64], body[64];
		snprintf(name, sizeof name, "locks/l%02d", i);
		int n = snprintf(body, sizeof body, "thread %d", r->t);
		int rc = rp_store_put(r->f->s, name, body, (size_t)n, NULL);
		if (rc == 0)
			r->won[i] = 1;
		else if (rc != RP_EEXIST)
			r->errors++;
	}
	return NULL;
}

static void test_store_concurrent_puts(void **state)
{
	fixture *f = *state;
	pthread_t th[PUT_THREADS];
	racer *r = calloc(PUT_THREADS, sizeof *r);
	rp_buf b = {0};
	for (int t = 0; t < PUT_THREADS; t++) {
		r[t].f = f;
		r[t].t = t;
		assert_int_equal(pthread_create(&th[t], NULL, put_all, &r[t]), 0);
	}
	for (int t = 0; t < PUT_THREADS; t++)
		pthread_join(th[t], NULL);
	for (int i = 0; i < PUT_NAMES; i++) {
		int winners = 0, who = -1;
		for (int t = 0; t < PUT_THREADS; t++)
			if (r[t].won[i])
				winners++, who = t;
		assert_int_equal(winners, 1);
		/* the content is the winner's, whole */
		char name[64], want[64];
		snprintf(name, sizeof name, "locks/l%02d", i);
		snprintf(want, sizeof want, "thread %d", who);
		rp_buf_reset(&b);
		assert_int_equal(rp_store_get(f->s, name, 0, 0, &b, NULL), 0);
		assert_int_equal(b.len, strlen(want));
		assert_memory_equal(b.data, want, b.len);
	}
	for (int t = 0; t < PUT_THREADS; t++)
		assert_int_equal(r[t].errors, 0);
	assert_int_equal(rp_store_sync(f->s, NULL), 0);
	free(r);
	rp_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_put_get_stat_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_never_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_writer_streams, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_aborted_writer_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_bad_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_missing_repository, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_concurrent_puts, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
