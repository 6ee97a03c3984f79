/* test_fsmeta.c - path order and normalisation, node types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "engine/fsmeta.h"
#include "format/tree.h"
#include "testutil.h"

static int cmp_str(const char *a, const char *b)
{
	return rp_path_cmp(a, strlen(a), b, strlen(b));
}

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void test_path_cmp_cases(void **state)
{
	(void)state;
	static const struct {
		const char *a, *b;
		int want;
	} cases[] = {
		{"/a", "/a", 0},
		{"/", "/a", -1},
		{"/a", "/a/b", -1},       /* a directory before its contents */
		{"/a/b", "/a-b", -1},     /* "a" < "a-b": all of a/ comes first */
		{"/a/z", "/a b", -1},     /* ' ' (0x20) < '/' (0x2f) bytewise, yet a/ first */
		{"/a/z", "/a.b", -1},     /* '.' (0x2e) */
		{"/a/z", "/a0", -1},      /* '0' (0x30) */
		{"/a b/z", "/a/z", 1},
		{"/ab", "/a/c", 1},
		{"/a\xff", "/a/\x01", 1},
		{"/a\x80/x", "/a\xff", -1}, /* bytes compare unsigned */
		{"/b", "/a/zzzz", 1},
		{"/a/b/c", "/a/b-c", -1},
		{"/a/b", "/a/b/", -1},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		int got = sign(cmp_str(cases[i].a, cases[i].b));
		if (got != cases[i].want)
			fail_msg("cmp(%s, %s) = %d, wanted %d", cases[i].a, cases[i].b, got, cases[i].want);
		assert_int_equal(sign(cmp_str(cases[i].b, cases[i].a)), -cases[i].want);
	}
}

/* ---- property: the order of a sorted pre-order walk ---- */

/* Bytes around '/' and above 0x7f, where plain strcmp goes wrong. */
static const uint8_t alphabet[] = {' ', '!', '-', '.', '0', 'a', 'b', 0x7f, 0x80, 0xc3, 0xe9, 0xff};

typedef struct walk {
	char **paths;
	size_t n, cap;
	uint64_t rng;
} walk;

static uint32_t next_rand(walk *w)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (uint32_t)(w->rng >> 16);
}

static void emit(walk *w, const char *path)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? 2 * w->cap : 256;
		w->paths = realloc(w->paths, w->cap * sizeof *w->paths);
	}
	w->paths[w->n++] = strdup(path);
}

typedef struct name {
	uint8_t b[6];
	size_t n;
	int is_dir;
} name;

static int by_name(const void *x, const void *y)
{
	const name *a = x, *b = y;
	return rp_name_cmp(a->b, a->n, b->b, b->n);
}

/* Emits dir's entries in walk order: sorted by name, each followed by
 * its own contents when it is a directory. */
static void walk_dir(walk *w, const char *dir, int depth)
{
	name kids[12];
	size_t nk = 0, want = next_rand(w) % (depth > 3 ? 4 : 12);
	while (nk < want) {
		name c;
		c.n = 1 + next_rand(w) % 4;
		for (size_t k = 0; k < c.n; k++)
			c.b[k] = alphabet[next_rand(w) % sizeof alphabet];
		if ((c.n == 1 && c.b[0] == '.') || (c.n == 2 && c.b[0] == '.' && c.b[1] == '.'))
			continue;
		int dup = 0;
		for (size_t k = 0; k < nk; k++)
			dup |= kids[k].n == c.n && !memcmp(kids[k].b, c.b, c.n);
		if (dup)
			continue;
		c.is_dir = depth < 5 && next_rand(w) % 3 == 0;
		kids[nk++] = c;
	}
	qsort(kids, nk, sizeof *kids, by_name);
	for (size_t k = 0; k < nk; k++) {
		char path[512];
		int len = snprintf(path, sizeof path, "%s/%.*s", strcmp(dir, "/") ? dir : "", (int)kids[k].n,
				   (const char *)kids[k].b);
		assert_true(len > 0 && (size_t)len < sizeof path);
		emit(w, path);
		if (kids[k].is_dir)
			walk_dir(w, path, depth + 1);
	}
}

static int qsort_path_cmp(const void *x, const void *y)
{
	return cmp_str(*(char *const *)x, *(char *const *)y);
}

static void test_path_cmp_agrees_with_walk_order(void **state)
{
	(void)state;
	size_t total = 0;
	for (uint64_t seed = 1; seed <= 40; seed++) {
		walk w = {0};
		w.rng = seed * 0x9e3779b97f4a7c15ull;
		emit(&w, "/");
		walk_dir(&w, "/", 0);
		total += w.n;
		for (size_t i = 0; i < w.n; i++) {
			assert_int_equal(cmp_str(w.paths[i], w.paths[i]), 0);
			for (size_t j = i + 1; j < w.n; j++) {
				if (cmp_str(w.paths[i], w.paths[j]) >= 0)
					fail_msg("seed %llu: \"%s\" (#%zu) should sort before \"%s\" (#%zu)",
						 (unsigned long long)seed, w.paths[i], i, w.paths[j], j);
				if (cmp_str(w.paths[j], w.paths[i]) <= 0)
					fail_msg("seed %llu: not antisymmetric for \"%s\", \"%s\"", (unsigned long long)seed,
						 w.paths[i], w.paths[j]);
			}
		}
		/* sorting a shuffled copy gives the walk back */
		char **copy = malloc(w.n * sizeof *copy);
		memcpy(copy, w.paths, w.n * sizeof *copy);
		for (size_t i = w.n; i > 1; i--) {
			size_t k = next_rand(&w) % i;
			char *t = copy[i - 1];
			copy[i - 1] = copy[k];
			copy[k] = t;
		}
		qsort(copy, w.n, sizeof *copy, qsort_path_cmp);
		for (size_t i = 0; i < w.n; i++)
			assert_ptr_equal(copy[i], w.paths[i]);
		free(copy);
		for (size_t i = 0; i < w.n; i++)
			free(w.paths[i]);
		free(w.paths);
	}
	assert_true(total > 2000); /* the trees were not trivially small */
}

/* ---- rp_path_normalize ---- */

static void normalized(const char *in, const char *want)
{
	char *out = NULL;
	rp_err e;
	int rc = rp_path_normalize(in, &out, &e);
	if (rc)
		fail_msg("normalize(%s) failed: %s", in, e.msg);
	if (strcmp(out, want)) {
		char got[PATH_MAX + 100];
		snprintf(got, sizeof got, "%s", out);
		free(out);
		fail_msg("normalize(%s) = \"%s\", wanted \"%s\"", in, got, want);
	}
	free(out);
}

static void test_path_normalize_absolute(void **state)
{
	(void)state;
	static const char *cases[][2] = {
		{"/", "/"},
		{"//", "/"},
		{"///srv///partages//", "/srv/partages"},
		{"/srv/partages/", "/srv/partages"},
		{"/srv/./partages/.", "/srv/partages"},
		{"/srv/x/../partages", "/srv/partages"},
		{"/srv/x/y/../../partages/..", "/srv"},
		{"/..", "/"},
		{"/../../srv", "/srv"},
		{"/a/b/../../..", "/"},
		{"/...", "/..."},
		{"/a/.b/..c/b..", "/a/.b/..c/b.."},
		{"/Comptabilit\xe9/ \t/", "/Comptabilit\xe9/ \t"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		normalized(cases[i][0], cases[i][1]);
	char *out = (char *)1;
	rp_err e;
	assert_int_equal(rp_path_normalize("", &out, &e), RP_EINVAL);
	assert_int_equal(rp_path_normalize(NULL, &out, &e), RP_EINVAL);
}

static void test_path_normalize_relative(void **state)
{
	(void)state;
	char cwd[PATH_MAX], want[PATH_MAX + 64];
	char *dir = tu_mkdtemp("fsmeta");
	assert_non_null(getcwd(cwd, sizeof cwd));
	char real[PATH_MAX];
	assert_non_null(realpath(dir, real));
	assert_int_equal(chdir(real), 0);
	snprintf(want, sizeof want, "%s/x", real);
	normalized("x", want);
	normalized("./x/", want);
	normalized("x/y/..", want);
	normalized(".", real);
	char *slash = strrchr(real, '/');
	snprintf(want, sizeof want, "%.*s/y", (int)(slash - real), real);
	normalized("../y", want);
	assert_int_equal(chdir(cwd), 0);
	tu_rmtree(dir);
	free(dir);
}

/* `rempart backup etc` run from / (cron jobs and systemd units start
 * there) must name /etc, not //etc. */
static void test_path_normalize_relative_from_root(void **state)
{
	(void)state;
	char cwd[PATH_MAX];
	assert_non_null(getcwd(cwd, sizeof cwd));
	assert_int_equal(chdir("/"), 0);
	char *out = NULL;
	int rc = rp_path_normalize("etc", &out, NULL);
	int rc2 = 0;
	char *dot = NULL;
	if (!rc)
		rc2 = rp_path_normalize(".", &dot, NULL);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(rc2, 0);
	char got[PATH_MAX];
	snprintf(got, sizeof got, "%s", out);
	int dot_ok = !strcmp(dot, "/");
	free(out);
	free(dot);
	assert_string_equal(got, "/etc");
	assert_true(dot_ok);
}

static void test_node_type_of(void **state)
{
	(void)state;
	assert_int_equal(rp_node_type_of(S_IFREG | 0644), RP_NODE_FILE);
	assert_int_equal(rp_node_type_of(S_IFDIR | 0755), RP_NODE_DIR);
	assert_int_equal(rp_node_type_of(S_IFLNK | 0777), RP_NODE_SYMLINK);
	assert_int_equal(rp_node_type_of(S_IFIFO), RP_NODE_FIFO);
	assert_int_equal(rp_node_type_of(S_IFCHR), RP_NODE_CHR);
	assert_int_equal(rp_node_type_of(S_IFBLK), RP_NODE_BLK);
	assert_int_equal(rp_node_type_of(S_IFSOCK), RP_NODE_SOCK);
	assert_int_equal(rp_node_type_of(0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_cmp_cases),
		cmocka_unit_test(test_path_cmp_agrees_with_walk_order),
		cmocka_unit_test(test_path_normalize_absolute),
		cmocka_unit_test(test_path_normalize_relative),
		cmocka_unit_test(test_path_normalize_relative_from_root),
		cmocka_unit_test(test_node_type_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
