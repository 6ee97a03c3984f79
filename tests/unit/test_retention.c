/* test_retention.c - forget policies on synthetic snapshot lists with
 * answers worked out by hand (times in UTC: main sets TZ). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/retention.h"

#define MAX_SNAPS 64

typedef struct list {
	rp_snap_list l;
	rp_snap_entry v[MAX_SNAPS];
	char *paths_a[1], *paths_b[1];
	char *tags[MAX_SNAPS][1];
} list;

static int64_t utc(int y, int mon, int d, int h, int min)
{
	struct tm tm = {0};
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	return (int64_t)timegm(&tm);
}

static void list_init(list *x)
{
	memset(x, 0, sizeof *x);
	x->l.v = x->v;
	x->paths_a[0] = "/srv/partages";
	x->paths_b[0] = "/var/lib/metier";
}

/* Appends a snapshot (callers append oldest first, as rp_snaps_load sorts). */
static size_t add(list *x, int64_t t, const char *host, int paths_b, const char *verdict, const char *tag)
{
	size_t i = x->l.n++;
	assert_true(i < MAX_SNAPS);
	rp_snapshot *s = &x->v[i].s;
	snprintf(x->v[i].id, sizeof x->v[i].id, "%064zx", i);
	s->time_s = t;
	s->host = (char *)host;
	s->paths = paths_b ? x->paths_b : x->paths_a;
	s->n_paths = 1;
	s->verdict = (char *)verdict;
	if (tag) {
		x->tags[i][0] = (char *)tag;
		s->tags = x->tags[i];
		s->n_tags = 1;
	}
	return i;
}

/* Applies p and checks that exactly the listed indices are kept. */
static void expect_kept(const list *x, const rp_retention *p, const size_t *kept, size_t n_kept,
			rp_retention_decision *out)
{
	assert_int_equal(rp_retention_apply(&x->l, p, NULL, out, NULL), 0);
	for (size_t i = 0; i < x->l.n; i++) {
		int want = 0;
		for (size_t k = 0; k < n_kept; k++)
			want |= kept[k] == i;
		if (out[i].keep != want)
			fail_msg("snapshot %zu (%lld): keep=%d, wanted %d (reason \"%s\")", i, (long long)x->v[i].s.time_s,
				 out[i].keep, want, out[i].reason);
		if (want)
			assert_true(out[i].reason[0] != 0);
	}
}

#define KEPT(...) (const size_t[]){__VA_ARGS__}, sizeof((const size_t[]){__VA_ARGS__}) / sizeof(size_t)

static void test_keep_last(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	for (int i = 0; i < 10; i++)
		add(&x, utc(2026, 11, 1, 0, 0) + i * 60, "h", 0, NULL, NULL);
	rp_retention p = {.last = 3};
	expect_kept(&x, &p, KEPT(7, 8, 9), out);
	assert_string_equal(out[9].reason, "last");
	p.last = 100;
	assert_int_equal(rp_retention_apply(&x.l, &p, NULL, out, NULL), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(out[i].keep, 1);
}

static void test_keep_hourly(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	/* every 20 minutes from 08:00 to 12:20: 14 snapshots */
	for (int i = 0; i < 14; i++)
		add(&x, utc(2026, 11, 20, 8, 0) + i * 20 * 60, "h", 0, NULL, NULL);
	rp_retention p = {.hourly = 3};
	/* the newest of 12:xx, 11:xx, 10:xx: 12:20 (#13), 11:40 (#11), 10:40 (#8) */
	expect_kept(&x, &p, KEPT(13, 11, 8), out);
	assert_string_equal(out[8].reason, "hourly");
}

static void test_keep_daily(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	/* 06:00 and 18:00 on November 1..10 */
	for (int d = 1; d <= 10; d++) {
		add(&x, utc(2026, 11, d, 6, 0), "h", 0, NULL, NULL);
		add(&x, utc(2026, 11, d, 18, 0), "h", 0, NULL, NULL);
	}
	rp_retention p = {.daily = 7};
	/* the 18:00 ones of November 4..10 */
	expect_kept(&x, &p, KEPT(7, 9, 11, 13, 15, 17, 19), out);
	/* a missing day does not count as a period */
	list y;
	list_init(&y);
	add(&y, utc(2026, 11, 1, 12, 0), "h", 0, NULL, NULL);
	add(&y, utc(2026, 11, 3, 12, 0), "h", 0, NULL, NULL);
	add(&y, utc(2026, 11, 3, 13, 0), "h", 0, NULL, NULL);
	add(&y, utc(2026, 11, 7, 12, 0), "h", 0, NULL, NULL);
	p.daily = 3;
	expect_kept(&y, &p, KEPT(0, 2, 3), out);
}

/* ISO weeks: 2026 has 53 of them, and 1-3 January 2027 belong to the
 * last one. */
static void test_keep_weekly_across_the_year(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	/* noon, every day from Thursday 24 December 2026 to Wednesday 6 January 2027 */
	for (int i = 0; i < 14; i++)
		add(&x, utc(2026, 12, 24, 12, 0) + (int64_t)i * 86400, "h", 0, NULL, NULL);
	rp_retention p = {.weekly = 3};
	/* 2027-W01 -> Jan 6 (#13); 2026-W53 (Dec 28 - Jan 3) -> Jan 3 (#10);
	 * 2026-W52 -> Sunday Dec 27 (#3) */
	expect_kept(&x, &p, KEPT(13, 10, 3), out);
	assert_string_equal(out[10].reason, "weekly");
}

static void test_keep_monthly_and_yearly(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	for (int m = 1; m <= 12; m++) {
		add(&x, utc(2026, m, 1, 12, 0), "h", 0, NULL, NULL);
		add(&x, utc(2026, m, 15, 12, 0), "h", 0, NULL, NULL);
	}
	rp_retention p = {.monthly = 4};
	expect_kept(&x, &p, KEPT(17, 19, 21, 23), out);
	list y;
	list_init(&y);
	for (int yr = 2022; yr <= 2026; yr++)
		for (int q = 0; q < 4; q++)
			add(&y, utc(yr, 1 + 3 * q, 10, 0, 0), "h", 0, NULL, NULL);
	rp_retention py = {.yearly = 2};
	expect_kept(&y, &py, KEPT(15, 19), out);
	assert_string_equal(out[15].reason, "yearly");
}

static void test_rules_combine(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	for (int d = 1; d <= 5; d++)
		add(&x, utc(2026, 11, d, 12, 0), "h", 0, NULL, d == 2 ? "avant-migration" : NULL);
	char *keep_tags[] = {"avant-migration"};
	rp_retention p = {.last = 1, .daily = 2, .weekly = 1, .keep_tags = keep_tags, .n_keep_tags = 1};
	expect_kept(&x, &p, KEPT(1, 3, 4), out);
	assert_string_equal(out[4].reason, "last, daily, weekly");
	assert_string_equal(out[3].reason, "daily");
	assert_string_equal(out[1].reason, "tag");
	assert_int_equal(rp_retention_any(&p), 1);
	rp_retention none = {0};
	assert_int_equal(rp_retention_any(&none), 0);
	/* no rule at all keeps nothing (forget refuses such a policy itself) */
	expect_kept(&x, &none, NULL, 0, out);
}

static void test_groups_by_host_and_paths(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	/* three groups interleaved: (mairie, a), (ecole, a), (mairie, b) */
	for (int i = 0; i < 4; i++) {
		add(&x, utc(2026, 11, 1, 0, 0) + i * 300, "mairie", 0, NULL, NULL);
		add(&x, utc(2026, 11, 1, 0, 1) + i * 300, "ecole", 0, NULL, NULL);
		add(&x, utc(2026, 11, 1, 0, 2) + i * 300, "mairie", 1, NULL, NULL);
	}
	rp_retention p = {.last = 1};
	expect_kept(&x, &p, KEPT(9, 10, 11), out);
	p.last = 2;
	expect_kept(&x, &p, KEPT(6, 7, 8, 9, 10, 11), out);
}

/* The newest clean snapshot survives while newer ones are not clean. */
static void test_last_clean_is_kept(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	list_init(&x);
	int64_t t = utc(2026, 11, 1, 0, 0);
	add(&x, t, "h", 0, "clean", NULL);
	add(&x, t + 3600, "h", 0, "clean", NULL);
	add(&x, t + 7200, "h", 0, "suspicious", NULL);
	add(&x, t + 10800, "h", 0, NULL, NULL); /* not analysed: not clean either */
	add(&x, t + 14400, "h", 0, "attack", NULL);
	rp_retention p = {.last = 2};
	expect_kept(&x, &p, KEPT(1, 3, 4), out);
	assert_string_equal(out[1].reason, "last clean snapshot, newer ones are not clean");
	/* however many attacked snapshots pile up after it */
	list y;
	list_init(&y);
	add(&y, t, "h", 0, "clean", NULL);
	for (int i = 1; i < 40; i++)
		add(&y, t + i * 3600, "h", 0, i % 2 ? "attack" : "suspicious", NULL);
	rp_retention py = {.last = 1, .hourly = 5, .daily = 2};
	assert_int_equal(rp_retention_apply(&y.l, &py, NULL, out, NULL), 0);
	assert_int_equal(out[0].keep, 1);
	/* a rule that keeps it anyway gets both reasons */
	list z;
	list_init(&z);
	add(&z, utc(2026, 11, 1, 12, 0), "h", 0, "clean", NULL);
	add(&z, utc(2026, 11, 2, 12, 0), "h", 0, "attack", NULL);
	rp_retention pz = {.daily = 2};
	expect_kept(&z, &pz, KEPT(0, 1), out);
	assert_string_equal(out[0].reason, "daily, last clean snapshot, newer ones are not clean");
	/* only "clean" is clean */
	list w;
	list_init(&w);
	add(&w, t, "h", 0, "Clean", NULL);
	add(&w, t + 1, "h", 0, "clean ", NULL);
	add(&w, t + 2, "h", 0, "attack", NULL);
	rp_retention pw = {.last = 1};
	expect_kept(&w, &pw, KEPT(2), out);
}

static void test_last_clean_not_needed(void **state)
{
	(void)state;
	list x;
	rp_retention_decision out[MAX_SNAPS];
	int64_t t = utc(2026, 11, 1, 0, 0);
	rp_retention p = {.last = 1};
	/* the newest is clean: the older clean one may go */
	list_init(&x);
	add(&x, t, "h", 0, "clean", NULL);
	add(&x, t + 1, "h", 0, "attack", NULL);
	add(&x, t + 2, "h", 0, "clean", NULL);
	expect_kept(&x, &p, KEPT(2), out);
	/* nothing clean at all: nothing extra */
	list_init(&x);
	add(&x, t, "h", 0, "attack", NULL);
	add(&x, t + 1, "h", 0, NULL, NULL);
	expect_kept(&x, &p, KEPT(1), out);
	/* the rule holds per group: another host's attack does not pin this one */
	list_init(&x);
	add(&x, t, "mairie", 0, "clean", NULL);
	add(&x, t + 1, "mairie", 0, "clean", NULL);
	add(&x, t + 2, "ecole", 0, "clean", NULL);
	add(&x, t + 3, "ecole", 0, "attack", NULL);
	expect_kept(&x, &p, KEPT(1, 2, 3), out);
	/* with only --keep-tag, the last clean one still stays */
	list_init(&x);
	add(&x, t, "h", 0, "clean", NULL);
	add(&x, t + 1, "h", 0, "suspicious", NULL);
	char *tags[] = {"x"};
	rp_retention pt = {.keep_tags = tags, .n_keep_tags = 1};
	expect_kept(&x, &pt, KEPT(0), out);
}

static void test_empty_list(void **state)
{
	(void)state;
	list x;
	list_init(&x);
	rp_retention p = {.last = 1};
	rp_retention_decision out[1];
	assert_int_equal(rp_retention_apply(&x.l, &p, NULL, out, NULL), 0);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keep_last),
		cmocka_unit_test(test_keep_hourly),
		cmocka_unit_test(test_keep_daily),
		cmocka_unit_test(test_keep_weekly_across_the_year),
		cmocka_unit_test(test_keep_monthly_and_yearly),
		cmocka_unit_test(test_rules_combine),
		cmocka_unit_test(test_groups_by_host_and_paths),
		cmocka_unit_test(test_last_clean_is_kept),
		cmocka_unit_test(test_last_clean_not_needed),
		cmocka_unit_test(test_empty_list),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
