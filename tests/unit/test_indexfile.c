/* test_indexfile.c - index file bodies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/blob.h"
#include "format/indexfile.h"
#include "testutil.h"

/* What a decode reported, in order. */
typedef struct seen {
	rp_id sup[8];
	size_t n_sup;
	rp_id packs[8];
	uint8_t eph[8][32];
	size_t counts[8];
	size_t n_packs;
	rp_pack_entry *blobs;
	size_t n_blobs, cap;
	int fail_at; /* callback number that returns RP_EINTR (0: none) */
	int calls;
} seen;

static int stop(seen *s)
{
	return s->fail_at && ++s->calls == s->fail_at ? RP_EINTR : 0;
}

static int on_sup(void *ctx, const rp_id *id)
{
	seen *s = ctx;
	if (s->n_sup < 8)
		s->sup[s->n_sup] = *id;
	s->n_sup++;
	return stop(s);
}

static int on_pack(void *ctx, const rp_id *pack, const uint8_t eph[32], size_t n)
{
	seen *s = ctx;
	if (s->n_packs < 8) {
		s->packs[s->n_packs] = *pack;
		memcpy(s->eph[s->n_packs], eph, 32);
		s->counts[s->n_packs] = n;
	}
	s->n_packs++;
	return stop(s);
}

static int on_blob(void *ctx, const rp_pack_entry *en)
{
	seen *s = ctx;
	if (s->n_blobs == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->blobs = realloc(s->blobs, s->cap * sizeof *s->blobs);
	}
	s->blobs[s->n_blobs++] = *en;
	return stop(s);
}

static int decode(const uint8_t *p, size_t n, seen *s, rp_err *e)
{
	rp_indexfile_visitor v = {s, on_sup, on_pack, on_blob};
	return rp_indexfile_decode(p, n, &v, e);
}

/* Three packs (300 blobs, none, one with extreme values), two
 * superseded index ids. */
typedef struct sample {
	rp_id sup[2];
	rp_pack_entry ents[301];
	rp_index_pack packs[3];
	rp_buf body;
} sample;

static void make_sample(sample *x)
{
	memset(x, 0, sizeof *x);
	tu_fill(x->sup, sizeof x->sup, 1);
	for (size_t i = 0; i < 301; i++) {
		rp_pack_entry *en = &x->ents[i];
		tu_fill(en->id.b, 32, 100 + i);
		en->type = (uint8_t)(i & 1);
		en->flags = (uint8_t)(i % 3 == 0);
		en->offset = (uint32_t)(40 + i * 1000);
		en->sealed_len = (uint32_t)(i * 3 + 29);
		en->raw_len = (uint32_t)(i * 7);
	}
	/* the largest values an entry may hold */
	x->ents[300] = (rp_pack_entry){{{0xff}}, 1, RP_BLOB_FLAG_ZSTD, UINT32_MAX, UINT32_MAX, RP_BLOB_MAX_BYTES};
	for (int p = 0; p < 3; p++) {
		tu_fill(x->packs[p].pack_id.b, 32, 10 + (uint64_t)p);
		tu_fill(x->packs[p].eph_pk, 32, 20 + (uint64_t)p);
	}
	x->packs[0].entries = x->ents;
	x->packs[0].count = 300;
	x->packs[1].entries = NULL;
	x->packs[1].count = 0;
	x->packs[2].entries = x->ents + 300;
	x->packs[2].count = 1;
	assert_int_equal(rp_indexfile_encode(&x->body, x->sup, 2, x->packs, 3, NULL), 0);
}

static void same_entry(const rp_pack_entry *a, const rp_pack_entry *b)
{
	assert_memory_equal(a->id.b, b->id.b, 32);
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->offset, b->offset);
	assert_int_equal(a->sealed_len, b->sealed_len);
	assert_int_equal(a->raw_len, b->raw_len);
}

static void test_indexfile_roundtrip(void **state)
{
	(void)state;
	sample x;
	seen s = {0};
	make_sample(&x);
	assert_int_equal(x.body.data[0], RP_INDEXFILE_VERSION);
	assert_int_equal(decode(x.body.data, x.body.len, &s, NULL), 0);
	assert_int_equal(s.n_sup, 2);
	assert_memory_equal(s.sup, x.sup, sizeof x.sup);
	assert_int_equal(s.n_packs, 3);
	for (int p = 0; p < 3; p++) {
		assert_memory_equal(s.packs[p].b, x.packs[p].pack_id.b, 32);
		assert_memory_equal(s.eph[p], x.packs[p].eph_pk, 32);
		assert_int_equal(s.counts[p], x.packs[p].count);
	}
	assert_int_equal(s.n_blobs, 301);
	for (size_t i = 0; i < 301; i++)
		same_entry(&s.blobs[i], &x.ents[i]);
	free(s.blobs);
	/* no visitor callbacks at all is fine too */
	rp_indexfile_visitor none = {0};
	assert_int_equal(rp_indexfile_decode(x.body.data, x.body.len, &none, NULL), 0);
	rp_buf_free(&x.body);
}

static void test_indexfile_empty_and_supersedes_only(void **state)
{
	(void)state;
	rp_buf b = {0};
	seen s = {0};
	rp_id sup[3];
	tu_fill(sup, sizeof sup, 9);
	assert_int_equal(rp_indexfile_encode(&b, NULL, 0, NULL, 0, NULL), 0);
	static const uint8_t empty[3] = {RP_INDEXFILE_VERSION, 0, 0};
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, empty, 3);
	assert_int_equal(decode(b.data, b.len, &s, NULL), 0);
	assert_int_equal(s.n_sup + s.n_packs + s.n_blobs, 0);
	rp_buf_reset(&b);
	/* a superseding index that replaces three others with nothing */
	assert_int_equal(rp_indexfile_encode(&b, sup, 3, NULL, 0, NULL), 0);
	assert_int_equal(b.len, 3 + 96);
	assert_int_equal(decode(b.data, b.len, &s, NULL), 0);
	assert_int_equal(s.n_sup, 3);
	assert_memory_equal(s.sup, sup, sizeof sup);
	rp_buf_free(&b);
}

static void test_indexfile_truncated_at_every_offset(void **state)
{
	(void)state;
	sample x;
	make_sample(&x);
	for (size_t cut = 0; cut < x.body.len; cut++) {
		seen s = {0};
		rp_err e;
		rp_err_clear(&e);
		int rc = decode(x.body.data, cut, &s, &e);
		if (rc != RP_ECORRUPT)
			fail_msg("cut at %zu of %zu: got %d", cut, x.body.len, rc);
		assert_true(e.msg[0] != 0);
		/* nothing is reported beyond what the cut input holds */
		assert_true(s.n_blobs * 37 <= cut);
		free(s.blobs);
	}
	/* one byte too many */
	assert_int_equal(rp_buf_put_u8(&x.body, 0), 0);
	seen s = {0};
	rp_err e;
	assert_int_equal(decode(x.body.data, x.body.len, &s, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "trailing"));
	free(s.blobs);
	rp_buf_free(&x.body);
}

static void test_indexfile_bad_values(void **state)
{
	(void)state;
	rp_buf b = {0};
	rp_err e;
	seen s = {0};
	/* versions */
	static const uint8_t v0[3] = {0, 0, 0}, v2[3] = {2, 0, 0};
	assert_int_equal(decode(v0, 3, &s, &e), RP_ECORRUPT);
	assert_int_equal(decode(v2, 3, &s, &e), RP_EVERSION);
	assert_int_equal(decode(v2, 0, &s, &e), RP_ECORRUPT);
	/* counts far beyond the input are refused before anything is visited */
	rp_buf_put_u8(&b, 1);
	rp_buf_put_varint(&b, (uint64_t)1 << 60);
	assert_int_equal(decode(b.data, b.len, &s, &e), RP_ECORRUPT);
	assert_int_equal(s.n_sup, 0);
	rp_buf_reset(&b);
	rp_buf_put_u8(&b, 1);
	rp_buf_put_varint(&b, 0);
	rp_buf_put_varint(&b, 1);
	uint8_t zeros[64] = {0};
	rp_buf_put(&b, zeros, 64);
	rp_buf_put_varint(&b, UINT64_MAX);
	assert_int_equal(decode(b.data, b.len, &s, &e), RP_ECORRUPT);
	assert_int_equal(s.n_packs, 0);
	/* a blob entry with an unknown type or flag, numbers beyond 32 bits,
	 * or content longer than a blob may be */
	static const struct {
		uint8_t type, flags;
		uint64_t off, slen, rlen;
	} bad[] = {
		{2, 0, 40, 10, 10},
		{0xff, 0, 40, 10, 10},
		{0, 2, 40, 10, 10},
		{1, 0x80, 40, 10, 10},
		{0, 0, (uint64_t)UINT32_MAX + 1, 10, 10},
		{0, 0, 40, (uint64_t)UINT32_MAX + 1, 10},
		{1, 0, 40, 10, (uint64_t)1 << 40},
		{1, 0, 40, 10, (uint64_t)RP_BLOB_MAX_BYTES + 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_buf_reset(&b);
		rp_buf_put_u8(&b, 1);
		rp_buf_put_varint(&b, 0);
		rp_buf_put_varint(&b, 1);
		rp_buf_put(&b, zeros, 64);
		rp_buf_put_varint(&b, 1);
		rp_buf_put_u8(&b, bad[i].type);
		rp_buf_put_u8(&b, bad[i].flags);
		rp_buf_put(&b, zeros, 32);
		rp_buf_put_varint(&b, bad[i].off);
		rp_buf_put_varint(&b, bad[i].slen);
		rp_buf_put_varint(&b, bad[i].rlen);
		s.n_blobs = 0;
		assert_int_equal(decode(b.data, b.len, &s, &e), RP_ECORRUPT);
		assert_int_equal(s.n_blobs, 0);
	}
	free(s.blobs);
	rp_buf_free(&b);
}

static void test_indexfile_visitor_stops_decoding(void **state)
{
	(void)state;
	sample x;
	make_sample(&x);
	/* supersedes 2, pack, 300 blobs, pack, pack, blob: 306 callbacks */
	for (int at = 1; at <= 306; at += 5) {
		seen s = {0};
		s.fail_at = at;
		assert_int_equal(decode(x.body.data, x.body.len, &s, NULL), RP_EINTR);
		assert_int_equal(s.calls, at);
		assert_int_equal(s.n_sup + s.n_packs + s.n_blobs, (size_t)at);
		free(s.blobs);
	}
	rp_buf_free(&x.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_indexfile_roundtrip),
		cmocka_unit_test(test_indexfile_empty_and_supersedes_only),
		cmocka_unit_test(test_indexfile_truncated_at_every_offset),
		cmocka_unit_test(test_indexfile_bad_values),
		cmocka_unit_test(test_indexfile_visitor_stops_decoding),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
