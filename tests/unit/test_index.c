/* test_index.c - the in-memory blob index: lookups, growth, pack table,
 * claims from several threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/index.h"
#include "format/blob.h"
#include "format/chunker.h"
#include "testutil.h"

/* Distinct ids: the counter spread over all 32 bytes. */
static rp_id id_of(uint64_t i)
{
	rp_id id;
	uint64_t x = i * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
	for (int k = 0; k < 4; k++) {
		x ^= x >> 31;
		x *= 0xbf58476d1ce4e5b9ull;
		x ^= x >> 29;
		rp_store_u64le(id.b + 8 * k, x ^ i);
	}
	return id;
}

static rp_pack_entry entry_of(uint64_t i)
{
	rp_pack_entry en = {id_of(i), (uint8_t)(i % 2), (uint8_t)(i % 16), (uint32_t)(40 + i * 3),
			    (uint32_t)(29 + i % 100000), (uint32_t)(i % (RP_BLOB_MAX_BYTES + 1))};
	return en;
}

static void check_loc(const rp_blob_loc *loc, const rp_pack_entry *en, uint32_t pack)
{
	assert_int_equal(loc->pack, pack);
	assert_int_equal(loc->offset, en->offset);
	assert_int_equal(loc->sealed_len, en->sealed_len);
	assert_int_equal(loc->raw_len, en->raw_len);
	assert_int_equal(loc->type, en->type);
	assert_int_equal(loc->flags, en->flags);
}

static void test_index_add_and_lookup(void **state)
{
	(void)state;
	rp_index *x;
	rp_blob_loc loc;
	rp_id pack = id_of(1000000);
	uint8_t eph[32];
	tu_fill(eph, 32, 5);
	assert_int_equal(rp_index_new(&x, NULL), 0);
	/* an empty index answers without a table */
	rp_id first = id_of(0);
	assert_int_equal(rp_index_lookup(x, &first, &loc), 0);
	assert_int_equal(rp_index_find_pack(x, &pack), -1);
	assert_null(rp_index_pack_id(x, 0));
	rp_pack_entry ents[3] = {entry_of(0), entry_of(1), entry_of(2)};
	ents[2].flags = 0x0f; /* the flag bits the table keeps */
	ents[2].type = RP_BLOB_TREE;
	ents[2].raw_len = RP_BLOB_MAX_BYTES; /* the largest tree blob */
	assert_int_equal(rp_index_add_pack(x, &pack, eph, ents, 3, NULL), 0);
	for (int i = 0; i < 3; i++) {
		memset(&loc, 0xee, sizeof loc);
		assert_int_equal(rp_index_lookup(x, &ents[i].id, &loc), 1);
		check_loc(&loc, &ents[i], 0);
	}
	assert_int_equal(rp_index_lookup(x, &ents[0].id, NULL), 1);
	rp_id absent = id_of(3);
	assert_int_equal(rp_index_lookup(x, &absent, &loc), 0);
	assert_int_equal(rp_index_blob_count(x), 3);
	assert_int_equal(rp_index_pack_count(x), 1);
	assert_memory_equal(rp_index_pack_id(x, 0)->b, pack.b, 32);
	assert_memory_equal(rp_index_pack_eph(x, 0), eph, 32);
	assert_int_equal(rp_index_find_pack(x, &pack), 0);
	assert_null(rp_index_pack_eph(x, 1));
	rp_index_free(x);
}

static void test_index_first_location_wins(void **state)
{
	(void)state;
	rp_index *x;
	rp_blob_loc loc;
	rp_id p1 = id_of(500), p2 = id_of(501);
	uint8_t eph[32] = {0};
	rp_pack_entry a = entry_of(7), b = entry_of(7);
	b.offset = 12345;
	assert_int_equal(rp_index_new(&x, NULL), 0);
	assert_int_equal(rp_index_add_pack(x, &p1, eph, &a, 1, NULL), 0);
	assert_int_equal(rp_index_add_pack(x, &p2, eph, &b, 1, NULL), 0);
	assert_int_equal(rp_index_lookup(x, &a.id, &loc), 1);
	check_loc(&loc, &a, 0);
	assert_int_equal(rp_index_blob_count(x), 1);
	assert_int_equal(rp_index_pack_count(x), 2);
	/* the same pack announced twice keeps its number */
	rp_pack_entry c = entry_of(8);
	assert_int_equal(rp_index_add_pack(x, &p1, eph, &c, 1, NULL), 0);
	assert_int_equal(rp_index_pack_count(x), 2);
	assert_int_equal(rp_index_lookup(x, &c.id, &loc), 1);
	assert_int_equal(loc.pack, 0);
	rp_index_free(x);
}

/* What the table cannot keep exactly is refused, never truncated. */
static void test_index_rejects_what_it_cannot_keep(void **state)
{
	(void)state;
	rp_index *x;
	rp_id pack = id_of(9);
	uint8_t eph[32] = {0};
	rp_err e;
	rp_pack_entry bad[3] = {entry_of(1), entry_of(2), entry_of(3)};
	bad[0].raw_len = RP_BLOB_MAX_BYTES + 1;
	bad[1].flags = 0x10;
	bad[2].type = 2;
	assert_int_equal(rp_index_new(&x, NULL), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(rp_index_add_pack(x, &pack, eph, &bad[i], 1, &e), RP_ECORRUPT);
		assert_int_equal(rp_index_lookup(x, &bad[i].id, NULL), 0);
	}
	rp_index_free(x);
}

/* The chunker accepts max_bytes == RP_CHUNK_MAX_LIMIT_BYTES (16 MiB), so a
 * chunk can be exactly that long; the index must be able to record it. */
static void test_index_accepts_the_largest_chunk(void **state)
{
	(void)state;
	rp_chunker ch;
	uint8_t seed[32] = {0};
	rp_index *x;
	rp_id pack = id_of(9);
	uint8_t eph[32] = {0};
	rp_err e;
	rp_blob_loc loc;
	assert_int_equal(rp_chunker_init(&ch, 1u << 20, 8u << 20, RP_CHUNK_MAX_LIMIT_BYTES, seed, NULL), 0);
	rp_pack_entry en = entry_of(1);
	en.raw_len = ch.max_bytes;
	assert_int_equal(rp_index_new(&x, NULL), 0);
	int rc = rp_index_add_pack(x, &pack, eph, &en, 1, &e);
	if (rc) {
		rp_index_free(x);
		fail_msg("a %u-byte chunk cannot be indexed: %s", en.raw_len, e.msg);
	}
	assert_int_equal(rp_index_lookup(x, &en.id, &loc), 1);
	assert_int_equal(loc.raw_len, ch.max_bytes);
	rp_index_free(x);
}

typedef struct count_ctx {
	size_t n;
	uint8_t *seen;
	size_t total;
	int stop_at;
} count_ctx;

static int count_fn(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	count_ctx *c = ctx;
	/* the counter is recoverable from the offset (see entry_of) */
	uint64_t i = (loc->offset - 40) / 3;
	rp_id want = id_of(i);
	if (i >= c->total || memcmp(want.b, id->b, 32) || c->seen[i])
		return -1;
	c->seen[i] = 1;
	c->n++;
	return c->stop_at && (int)c->n == c->stop_at ? 7 : 0;
}

static void test_index_growth_and_pack_table(void **state)
{
	(void)state;
	rp_index *x;
	const size_t n_packs = 1500, per_pack = 100, total = n_packs * per_pack;
	rp_pack_entry *ents = malloc(per_pack * sizeof *ents);
	rp_blob_loc loc;
	assert_int_equal(rp_index_new(&x, NULL), 0);
	for (size_t p = 0; p < n_packs; p++) {
		rp_id pid = id_of(10000000 + p);
		uint8_t eph[32];
		memset(eph, (int)(p & 0xff), 32);
		for (size_t i = 0; i < per_pack; i++)
			ents[i] = entry_of(p * per_pack + i);
		assert_int_equal(rp_index_add_pack(x, &pid, eph, ents, per_pack, NULL), 0);
		assert_int_equal(rp_index_blob_count(x), (p + 1) * per_pack);
	}
	assert_int_equal(rp_index_pack_count(x), n_packs);
	for (size_t i = 0; i < total; i++) {
		rp_pack_entry en = entry_of(i);
		assert_int_equal(rp_index_lookup(x, &en.id, &loc), 1);
		check_loc(&loc, &en, (uint32_t)(i / per_pack));
	}
	for (size_t i = total; i < total + 1000; i++) {
		rp_id id = id_of(i);
		assert_int_equal(rp_index_lookup(x, &id, &loc), 0);
	}
	for (size_t p = 0; p < n_packs; p++) {
		rp_id pid = id_of(10000000 + p);
		assert_int_equal(rp_index_find_pack(x, &pid), (int64_t)p);
		assert_memory_equal(rp_index_pack_id(x, (uint32_t)p)->b, pid.b, 32);
		assert_int_equal(rp_index_pack_eph(x, (uint32_t)p)[31], p & 0xff);
	}
	/* foreach visits every blob exactly once, and stops when asked */
	count_ctx c = {0, calloc(total, 1), total, 0};
	assert_int_equal(rp_index_foreach(x, count_fn, &c), 0);
	assert_int_equal(c.n, total);
	memset(c.seen, 0, total);
	c.n = 0;
	c.stop_at = 1234;
	assert_int_equal(rp_index_foreach(x, count_fn, &c), 7);
	assert_int_equal(c.n, 1234);
	free(c.seen);
	free(ents);
	rp_index_free(x);
}

/* Ids that share their first 8 bytes (the hash) all land on one chain. */
static void test_index_colliding_hashes(void **state)
{
	(void)state;
	rp_index *x;
	rp_id pack = id_of(1);
	uint8_t eph[32] = {0};
	const size_t n = 3000;
	rp_pack_entry *ents = calloc(n, sizeof *ents);
	assert_int_equal(rp_index_new(&x, NULL), 0);
	for (size_t i = 0; i < n; i++) {
		ents[i] = entry_of(i);
		memset(ents[i].id.b, 0xab, 8);
	}
	assert_int_equal(rp_index_add_pack(x, &pack, eph, ents, n, NULL), 0);
	assert_int_equal(rp_index_blob_count(x), n);
	for (size_t i = 0; i < n; i++) {
		rp_blob_loc loc;
		assert_int_equal(rp_index_lookup(x, &ents[i].id, &loc), 1);
		check_loc(&loc, &ents[i], 0);
	}
	free(ents);
	rp_index_free(x);
}

static void test_index_claims(void **state)
{
	(void)state;
	rp_index *x;
	rp_id a = id_of(1), b = id_of(2), stored = id_of(3), pack = id_of(4);
	uint8_t eph[32] = {0};
	rp_pack_entry en = entry_of(3);
	assert_int_equal(rp_index_new(&x, NULL), 0);
	rp_index_unclaim(x, &a); /* nothing claimed yet: harmless */
	assert_int_equal(rp_index_claim(x, &a), 0);
	assert_int_equal(rp_index_claim(x, &a), 1);
	assert_int_equal(rp_index_claim(x, &b), 0);
	rp_index_unclaim(x, &a);
	assert_int_equal(rp_index_claim(x, &b), 1);
	assert_int_equal(rp_index_claim(x, &a), 0); /* free again after the unclaim */
	assert_int_equal(rp_index_claim(x, &a), 1);
	/* a stored blob is never claimable */
	assert_int_equal(rp_index_add_pack(x, &pack, eph, &en, 1, NULL), 0);
	assert_int_equal(rp_index_claim(x, &stored), 1);
	/* many claims and unclaims leave tombstones behind: still exact */
	for (uint64_t i = 100; i < 20100; i++) {
		rp_id id = id_of(i);
		assert_int_equal(rp_index_claim(x, &id), 0);
		if (i % 3)
			rp_index_unclaim(x, &id);
	}
	for (uint64_t i = 100; i < 20100; i++) {
		rp_id id = id_of(i);
		assert_int_equal(rp_index_claim(x, &id), i % 3 ? 0 : 1);
	}
	rp_index_free(x);
}

/* ---- several threads ---- */

#define THREADS 6
#define RACE_IDS 4000

typedef struct race {
	rp_index *x;
	int owners[RACE_IDS];   /* claims won per id (atomics) */
	int holding[RACE_IDS];  /* threads holding a claim right now */
	int violations;
	int lookups_missed;
	int next_pack;
} race;

typedef struct worker {
	race *r;
	int t;
} worker;

/* Every thread tries to claim every id; exactly one may win each. */
static void *claim_all(void *arg)
{
	worker *w = arg;
	for (int k = 0; k < RACE_IDS; k++) {
		int i = (k * 7 + w->t * 613) % RACE_IDS;
		rp_id id = id_of((uint64_t)i);
		int rc = rp_index_claim(w->r->x, &id);
		if (rc < 0)
			__atomic_add_fetch(&w->r->violations, 1, __ATOMIC_RELAXED);
		if (rc == 0)
			__atomic_add_fetch(&w->r->owners[i], 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_index_claim_race_one_winner(void **state)
{
	(void)state;
	race *r = calloc(1, sizeof *r);
	pthread_t th[THREADS];
	worker w[THREADS];
	assert_int_equal(rp_index_new(&r->x, NULL), 0);
	for (int t = 0; t < THREADS; t++) {
		w[t] = (worker){r, t};
		assert_int_equal(pthread_create(&th[t], NULL, claim_all, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(r->violations, 0);
	for (int i = 0; i < RACE_IDS; i++)
		if (r->owners[i] != 1)
			fail_msg("id %d claimed by %d threads", i, r->owners[i]);
	rp_index_free(r->x);
	free(r);
}

/* Claim, hold, check nobody else holds it, unclaim: over and over. */
static void *claim_unclaim(void *arg)
{
	worker *w = arg;
	for (int round = 0; round < 30; round++)
		for (int i = 0; i < 64; i++) {
			rp_id id = id_of((uint64_t)i);
			if (rp_index_claim(w->r->x, &id) != 0)
				continue;
			if (__atomic_add_fetch(&w->r->holding[i], 1, __ATOMIC_SEQ_CST) != 1)
				__atomic_add_fetch(&w->r->violations, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&w->r->owners[i], 1, __ATOMIC_RELAXED);
			__atomic_sub_fetch(&w->r->holding[i], 1, __ATOMIC_SEQ_CST);
			rp_index_unclaim(w->r->x, &id);
		}
	return NULL;
}

static void test_index_claim_unclaim_race(void **state)
{
	(void)state;
	race *r = calloc(1, sizeof *r);
	pthread_t th[THREADS];
	worker w[THREADS];
	assert_int_equal(rp_index_new(&r->x, NULL), 0);
	for (int t = 0; t < THREADS; t++) {
		w[t] = (worker){r, t};
		assert_int_equal(pthread_create(&th[t], NULL, claim_unclaim, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(r->violations, 0);
	for (int i = 0; i < 64; i++) {
		assert_true(r->owners[i] >= 1);
		rp_id id = id_of((uint64_t)i);
		assert_int_equal(rp_index_claim(r->x, &id), 0); /* everything was given back */
	}
	rp_index_free(r->x);
	free(r);
}

/* Writers add packs while readers look up blobs already added: a reader
 * never misses a blob whose pack was added before it looked. */
#define ADD_PACKS 300
#define PER_PACK 50

static void *adder(void *arg)
{
	worker *w = arg;
	rp_pack_entry ents[PER_PACK];
	uint8_t eph[32] = {0};
	for (;;) {
		int p = __atomic_fetch_add(&w->r->next_pack, 1, __ATOMIC_SEQ_CST);
		if (p >= ADD_PACKS)
			break;
		for (int i = 0; i < PER_PACK; i++)
			ents[i] = entry_of((uint64_t)(p * PER_PACK + i));
		rp_id pid = id_of(50000000u + (uint64_t)p);
		if (rp_index_add_pack(w->r->x, &pid, eph, ents, PER_PACK, NULL))
			__atomic_add_fetch(&w->r->violations, 1, __ATOMIC_RELAXED);
		/* what this thread just added is visible at once */
		for (int i = 0; i < PER_PACK; i++) {
			rp_blob_loc loc;
			if (rp_index_lookup(w->r->x, &ents[i].id, &loc) != 1 || loc.offset != ents[i].offset)
				__atomic_add_fetch(&w->r->lookups_missed, 1, __ATOMIC_RELAXED);
		}
	}
	return NULL;
}

static void test_index_concurrent_add_and_lookup(void **state)
{
	(void)state;
	race *r = calloc(1, sizeof *r);
	pthread_t th[THREADS];
	worker w[THREADS];
	assert_int_equal(rp_index_new(&r->x, NULL), 0);
	for (int t = 0; t < THREADS; t++) {
		w[t] = (worker){r, t};
		assert_int_equal(pthread_create(&th[t], NULL, adder, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(r->violations, 0);
	assert_int_equal(r->lookups_missed, 0);
	assert_int_equal(rp_index_pack_count(r->x), ADD_PACKS);
	assert_int_equal(rp_index_blob_count(r->x), ADD_PACKS * PER_PACK);
	for (uint64_t i = 0; i < ADD_PACKS * PER_PACK; i++) {
		rp_pack_entry en = entry_of(i);
		rp_blob_loc loc;
		assert_int_equal(rp_index_lookup(r->x, &en.id, &loc), 1);
		/* the pack number leads back to the pack that held the blob */
		rp_id want = id_of(50000000u + i / PER_PACK);
		assert_memory_equal(rp_index_pack_id(r->x, loc.pack)->b, want.b, 32);
	}
	rp_index_free(r->x);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_add_and_lookup),
		cmocka_unit_test(test_index_first_location_wins),
		cmocka_unit_test(test_index_rejects_what_it_cannot_keep),
		cmocka_unit_test(test_index_accepts_the_largest_chunk),
		cmocka_unit_test(test_index_growth_and_pack_table),
		cmocka_unit_test(test_index_colliding_hashes),
		cmocka_unit_test(test_index_claims),
		cmocka_unit_test(test_index_claim_race_one_winner),
		cmocka_unit_test(test_index_claim_unclaim_race),
		cmocka_unit_test(test_index_concurrent_add_and_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
