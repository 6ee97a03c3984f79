/* test_pii_report.c - the distinct-value set (exact, threaded, bounded) and
 * the exposure report in its four forms. */
#include "pii_test_util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "scan/pii_report.h"
#include "util/json.h"

/* ---- distinct values ---- */

typedef struct adder {
	rp_pii_distinct *d;
	int from, to;
} adder;

static void *add_range(void *arg)
{
	adder *a = arg;
	uint8_t kinds[64];
	uint64_t hashes[64];
	size_t n = 0;
	for (int i = a->from; i < a->to; i++) {
		char v[32];
		int len = snprintf(v, sizeof v, "value-%d", i);
		kinds[n] = (uint8_t)(i % 2 ? RP_PII_EMAIL : RP_PII_PHONE);
		hashes[n] = rp_pii_distinct_hash(a->d, kinds[n], (const uint8_t *)v, (size_t)len);
		if (++n == 64) {
			rp_pii_distinct_add(a->d, kinds, hashes, n);
			n = 0;
		}
	}
	rp_pii_distinct_add(a->d, kinds, hashes, n);
	return NULL;
}

static void test_distinct_threads(void **state)
{
	(void)state;
	rp_pii_distinct *d;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	/* four threads, overlapping ranges: 0..39999 in all */
	adder a[4] = {{d, 0, 20000}, {d, 10000, 30000}, {d, 20000, 40000}, {d, 0, 40000}};
	pthread_t th[4];
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, add_range, &a[i]), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_EMAIL), 20000);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_PHONE), 20000);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_NIR), 0);
	assert_true(rp_pii_distinct_is_exact(d, RP_PII_EMAIL));
	/* the same value under two kinds is two values */
	uint64_t h1 = rp_pii_distinct_hash(d, RP_PII_NIR, (const uint8_t *)"x", 1);
	uint64_t h2 = rp_pii_distinct_hash(d, RP_PII_SIRET, (const uint8_t *)"x", 1);
	assert_true(h1 != h2);
	rp_pii_distinct_free(d);
}

static void test_distinct_keyed(void **state)
{
	(void)state;
	rp_pii_distinct *a, *b;
	rp_err e;
	uint8_t other[32] = {7};
	assert_int_equal(rp_pii_distinct_new(&a, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_distinct_new(&b, other, &e), 0);
	const uint8_t *v = (const uint8_t *)"185057800608491";
	assert_true(rp_pii_distinct_hash(a, RP_PII_NIR, v, 15) != rp_pii_distinct_hash(b, RP_PII_NIR, v, 15));
	assert_true(rp_pii_distinct_hash(a, RP_PII_NIR, v, 15) == rp_pii_distinct_hash(a, RP_PII_NIR, v, 15));
	rp_pii_distinct_free(a);
	rp_pii_distinct_free(b);
}

static void test_distinct_bounded(void **state)
{
	(void)state;
	rp_pii_distinct *d;
	rp_err e;
	/* room for 1024 exact values: 50,000 go to the estimator */
	assert_int_equal(rp_pii_distinct_new_bounded(&d, PII_TEST_KEY, 1024, &e), 0);
	adder a = {d, 0, 100000};
	add_range(&a);
	add_range(&a);
	assert_false(rp_pii_distinct_is_exact(d, RP_PII_EMAIL));
	uint64_t est = rp_pii_distinct_count(d, RP_PII_EMAIL);
	assert_true(est > 47500 && est < 52500); /* 5%: several standard errors */
	rp_pii_distinct_free(d);
}

/* ---- report ---- */

static rp_pii_counts counts_of(int nir, int email, uint64_t bytes, int scanned)
{
	rp_pii_counts c;
	memset(&c, 0, sizeof c);
	c.n[RP_PII_NIR] = (uint64_t)nir;
	c.n[RP_PII_EMAIL] = (uint64_t)email;
	c.bytes = bytes;
	c.scanned = scanned;
	c.format = scanned ? RP_PII_FMT_CSV : RP_PII_FMT_BINARY;
	c.skip_reason = scanned ? RP_PII_SKIP_NONE : RP_PII_SKIP_BINARY;
	return c;
}

static void add(rp_pii_report *r, const char *path, rp_pii_counts c)
{
	rp_err e;
	assert_int_equal(rp_pii_report_add(r, (const uint8_t *)path, strlen(path), &c, &e), 0);
}

static rp_json *write_json(rp_pii_report *r, const rp_pii_distinct *d, const char *snap)
{
	rp_buf b = {0};
	rp_err e;
	assert_int_equal(rp_pii_report_write(r, d, snap, RP_PII_OUT_JSON, &b, &e), 0);
	rp_json *j = NULL;
	assert_int_equal(rp_json_parse((const char *)b.data, b.len, &j, &e), 0);
	rp_buf_free(&b);
	return j;
}

static int64_t get_int(const rp_json *o, const char *k)
{
	int64_t v = -1;
	assert_int_equal(rp_json_get_int(o, k, &v), 0);
	return v;
}

static void test_report_json(void **state)
{
	(void)state;
	rp_pii_report *r;
	rp_pii_distinct *d;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_report_new(&r, 0, 0, &e), 0);
	rp_pii_counts c = counts_of(3, 1, 1000, 1);
	c.columns_n = 1;
	c.columns[0].index = 2;
	strcpy(c.columns[0].name, "NIR");
	c.columns[0].n[RP_PII_NIR] = 3;
	add(r, "etat-civil/2023/actes.csv", c);
	add(r, "etat-civil/2023/vide.csv", counts_of(0, 0, 10, 1));
	add(r, "etat-civil/photo.jpg", counts_of(0, 0, 5000, 0));
	add(r, "rh/agents.csv", counts_of(1, 4, 200, 1));
	add(r, "racine.txt", counts_of(0, 2, 20, 1));
	uint64_t hs[2] = {1, 2};
	uint8_t ks[2] = {RP_PII_NIR, RP_PII_NIR};
	rp_pii_distinct_add(d, ks, hs, 2);
	rp_json *j = write_json(r, d, "3fa2c1d0");
	const char *s;
	size_t n;
	assert_int_equal(rp_json_get_str(j, "snapshot", &s, &n), 0);
	assert_string_equal(s, "3fa2c1d0");
	const rp_json *tot = rp_json_get(j, "totals");
	assert_non_null(tot);
	assert_int_equal(tot->count, RP_PII_KINDS);
	assert_int_equal(get_int(rp_json_get(tot, "nir"), "occurrences"), 4);
	assert_int_equal(get_int(rp_json_get(tot, "nir"), "distinct"), 2);
	assert_int_equal(get_int(rp_json_get(tot, "email"), "occurrences"), 7);
	assert_int_equal(get_int(rp_json_get(tot, "address"), "occurrences"), 0);
	const rp_json *files = rp_json_get(j, "files");
	assert_int_equal(files->count, 3); /* only files with identifiers */
	/* sorted by total: rh/agents.csv (5) before etat-civil/2023/actes.csv (4) */
	const rp_json *f0 = files->child;
	assert_int_equal(rp_json_get_str(f0, "path", &s, &n), 0);
	assert_string_equal(s, "rh/agents.csv");
	assert_int_equal(get_int(rp_json_get(f0, "counts"), "email"), 4);
	assert_int_equal(rp_json_get(f0, "counts")->count, RP_PII_KINDS);
	const rp_json *f1 = f0->next;
	assert_int_equal(rp_json_get_str(f1, "path", &s, &n), 0);
	assert_string_equal(s, "etat-civil/2023/actes.csv");
	const rp_json *cols = rp_json_get(f1, "columns");
	assert_non_null(cols);
	assert_int_equal(get_int(cols->child, "index"), 2);
	assert_int_equal(rp_json_get_str(cols->child, "name", &s, &n), 0);
	assert_string_equal(s, "NIR");
	const rp_json *ns = rp_json_get(j, "not_scanned");
	assert_int_equal(get_int(ns, "files"), 1);
	assert_int_equal(get_int(ns, "bytes"), 5000);
	assert_int_equal(get_int(rp_json_get(rp_json_get(ns, "reasons"), "binary"), "files"), 1);
	assert_int_equal(get_int(j, "files_total"), 5);
	assert_int_equal(get_int(j, "files_with_pii"), 3);
	assert_int_equal(get_int(j, "files_listed"), 3);
	/* folders: with identifiers or unscanned files, most first */
	const rp_json *folders = rp_json_get(j, "folders");
	assert_int_equal(folders->count, 4);
	assert_int_equal(rp_json_get_str(folders->child, "path", &s, &n), 0);
	assert_string_equal(s, "rh");
	const rp_json *last = folders->child;
	while (last->next)
		last = last->next;
	assert_int_equal(rp_json_get_str(last, "path", &s, &n), 0);
	assert_string_equal(s, "etat-civil");
	assert_int_equal(get_int(last, "not_scanned_bytes"), 5000);
	rp_json_free(j);

	/* no distinct set: distinct is null; no snapshot: null */
	j = write_json(r, NULL, NULL);
	assert_int_equal(rp_json_get(j, "snapshot")->type, RP_JSON_NULL);
	assert_int_equal(rp_json_get(rp_json_get(rp_json_get(j, "totals"), "nir"), "distinct")->type,
			 RP_JSON_NULL);
	rp_json_free(j);
	rp_pii_report_free(r);
	rp_pii_distinct_free(d);
}

static void test_report_bounds(void **state)
{
	(void)state;
	rp_pii_report *r;
	rp_err e;
	/* keep the 10 files with the most identifiers, 3 folders */
	assert_int_equal(rp_pii_report_new(&r, 10, 3, &e), 0);
	for (int i = 0; i < 100; i++) {
		char path[64];
		snprintf(path, sizeof path, "d%d/f%03d.txt", i % 5, i);
		add(r, path, counts_of(i % 37, 0, 1, 1));
	}
	rp_pii_totals t;
	rp_pii_report_totals(r, &t);
	uint64_t want = 0;
	for (int i = 0; i < 100; i++)
		want += (uint64_t)(i % 37);
	assert_int_equal(t.n[RP_PII_NIR], want);
	assert_int_equal(t.files, 100);
	rp_json *j = write_json(r, NULL, NULL);
	assert_int_equal(get_int(j, "files_listed"), 10);
	assert_int_equal(get_int(j, "files_with_pii"), 97);
	const rp_json *files = rp_json_get(j, "files");
	assert_int_equal(files->count, 10);
	/* the largest counts are 36 (i = 36, 73), 35 (35, 72), 34 (34, 71), ... */
	int64_t prev = INT64_MAX;
	for (const rp_json *f = files->child; f; f = f->next) {
		int64_t v = get_int(rp_json_get(f, "counts"), "nir");
		assert_true(v <= prev && v >= 32);
		prev = v;
	}
	/* 5 folders met, 3 kept: the other two add up in one row */
	const rp_json *folders = rp_json_get(j, "folders");
	assert_int_equal(folders->count, 4);
	uint64_t sum = 0;
	int others = 0;
	for (const rp_json *f = folders->child; f; f = f->next) {
		sum += (uint64_t)get_int(f, "total");
		int o = 0;
		rp_json_get_bool(f, "other", &o);
		others += o;
	}
	assert_int_equal(sum, want);
	assert_int_equal(others, 1);
	rp_json_free(j);
	rp_pii_report_free(r);
}

static void test_report_text_forms(void **state)
{
	(void)state;
	rp_pii_report *r;
	rp_err e;
	assert_int_equal(rp_pii_report_new(&r, 0, 0, &e), 0);
	add(r, "a/=HYPERLINK(\"x\").csv", counts_of(1, 0, 10, 1));
	add(r, "a/<script>alert(1)</script>.txt", counts_of(2, 0, 10, 1));
	add(r, "a/bad\xff\x1b[2Jname.txt", counts_of(3, 0, 10, 1));
	rp_buf b = {0};
	/* CSV: quoted, formulas defused */
	assert_int_equal(rp_pii_report_write(r, NULL, NULL, RP_PII_OUT_CSV, &b, &e), 0);
	rp_buf_cstr(&b);
	assert_non_null(strstr((char *)b.data, "path,format,bytes,total,nir,iban,card,siret,email,phone,"
					       "birthdate,address\r\n"));
	assert_non_null(strstr((char *)b.data, "\"a/=HYPERLINK(\"\"x\"\").csv\",csv,10,1,1,"));
	rp_buf_reset(&b);
	add(r, "=cmd|' /C calc'!A0", counts_of(1, 0, 1, 1));
	assert_int_equal(rp_pii_report_write(r, NULL, NULL, RP_PII_OUT_CSV, &b, &e), 0);
	rp_buf_cstr(&b);
	assert_non_null(strstr((char *)b.data, "\"'=cmd|' /C calc'!A0\""));
	/* table: no terminal escapes */
	rp_buf_reset(&b);
	assert_int_equal(rp_pii_report_write(r, NULL, "snap", RP_PII_OUT_TABLE, &b, &e), 0);
	rp_buf_cstr(&b);
	assert_null(strchr((char *)b.data, 0x1b));
	assert_non_null(strstr((char *)b.data, "a/bad??[2Jname.txt"));
	/* HTML: escaped, self-contained */
	rp_buf_reset(&b);
	assert_int_equal(rp_pii_report_write(r, NULL, "snap", RP_PII_OUT_HTML, &b, &e), 0);
	rp_buf_cstr(&b);
	const char *h = (const char *)b.data;
	assert_null(strstr(h, "<script>alert"));
	assert_non_null(strstr(h, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_null(strstr(h, "src=\""));
	assert_null(strstr(h, "href=\"http"));
	assert_null(strstr(h, "@import"));
	assert_non_null(strstr(h, "<tr data-kind=\"nir\">"));
	assert_int_equal(rp_pii_report_write(r, NULL, NULL, 42, &b, &e), RP_EINVAL);
	assert_int_equal(rp_pii_report_format("html"), RP_PII_OUT_HTML);
	assert_int_equal(rp_pii_report_format("xml"), -1);
	rp_buf_free(&b);
	rp_pii_report_free(r);
}

/* Scanner and report together: what a run over a directory does. */
static void test_report_from_scans(void **state)
{
	(void)state;
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_pii_report *r;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	assert_int_equal(rp_pii_report_new(&r, 0, 0, &e), 0);
	static const char A[] = "NIR 1 85 05 78 006 084 91, jean@example.fr";
	static const char B[] = "jean@example.fr et marie@example.fr";
	rp_pii_counts c = pii_scan_with(s, "x/a.txt", A, sizeof A - 1, 0);
	add(r, "x/a.txt", c);
	c = pii_scan_with(s, "y/b.txt", B, sizeof B - 1, 0);
	add(r, "y/b.txt", c);
	rp_json *j = write_json(r, d, NULL);
	const rp_json *em = rp_json_get(rp_json_get(j, "totals"), "email");
	assert_int_equal(get_int(em, "occurrences"), 3);
	assert_int_equal(get_int(em, "distinct"), 2);
	rp_json_free(j);
	/* nothing in any output is a value */
	int forms[] = {RP_PII_OUT_TABLE, RP_PII_OUT_JSON, RP_PII_OUT_CSV, RP_PII_OUT_HTML};
	for (int i = 0; i < 4; i++) {
		rp_buf b = {0};
		assert_int_equal(rp_pii_report_write(r, d, NULL, forms[i], &b, &e), 0);
		rp_buf_cstr(&b);
		assert_null(strstr((char *)b.data, "example.fr"));
		assert_null(strstr((char *)b.data, "006 084"));
		rp_buf_free(&b);
	}
	rp_pii_report_free(r);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_distinct_threads),
		cmocka_unit_test(test_distinct_keyed),
		cmocka_unit_test(test_distinct_bounded),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_bounds),
		cmocka_unit_test(test_report_text_forms),
		cmocka_unit_test(test_report_from_scans),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
