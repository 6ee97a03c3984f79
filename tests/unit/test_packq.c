/* test_packq.c - the pack queue and the index writer: blobs queued from
 * several threads end up in committed packs whose trailers decode, and
 * in index files that load back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine/idxwriter.h"
#include "engine/index.h"
#include "engine/packq.h"
#include "format/pack.h"
#include "testutil.h"
#include "util/hex.h"

typedef struct fixture {
	char *dir;
	rp_repo *r;
} fixture;

/* A repository made directly (no Argon2: the key file is not needed). */
static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	char root[4200], cache[4200];
	f->dir = tu_mkdtemp("packq");
	if (!f->dir)
		return -1;
	snprintf(root, sizeof root, "%s/repo", f->dir);
	snprintf(cache, sizeof cache, "%s/cache", f->dir);
	rp_repo_opts o = {NULL, cache};
	if (rp_repo_open(&f->r, root, &o, NULL) || rp_store_create(f->r->store, NULL))
		return -1;
	rp_masterkey_generate(&f->r->mk);
	rp_config_default(&f->r->cfg, f->r->mk.repo_id, 0);
	f->r->cfg.pack_bytes = 4u << 10; /* many small packs */
	if (rp_idkey_new(&f->r->idkey, f->r->mk.id_key, NULL))
		return -1;
	f->r->unlocked = 1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_repo_close(f->r);
	tu_rmtree(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* ---- the blobs ---- */

#define THREADS 4
#define PER_THREAD 300
#define TOTAL (THREADS * PER_THREAD)

typedef struct blobset {
	rp_id id[TOTAL];
	uint8_t type[TOTAL];
	int found[TOTAL];
} blobset;

static size_t blob_size(size_t g)
{
	return 1 + (g * 7919) % 3000;
}

/* Content of blob g: even ones compress well, odd ones do not. */
static void blob_content(size_t g, uint8_t *out)
{
	size_t n = blob_size(g);
	if (g % 2)
		tu_fill(out, n, g);
	else
		for (size_t i = 0; i < n; i++)
			out[i] = (uint8_t)("deliberation du conseil "[i % 24] + g % 3);
}

static size_t find_blob(const blobset *s, const rp_id *id)
{
	for (size_t g = 0; g < TOTAL; g++)
		if (!memcmp(s->id[g].b, id->b, RP_ID_BYTES))
			return g;
	return SIZE_MAX;
}

typedef struct producer {
	rp_repo *r;
	rp_packq *q;
	blobset *s;
	int t;
	int rc;
	rp_err e;
} producer;

static void *produce(void *arg)
{
	producer *p = arg;
	rp_blob_codec *c = NULL;
	rp_hasher *h = NULL;
	uint8_t buf[4096];
	p->rc = rp_blob_codec_new(&c, 3, &p->e);
	if (!p->rc)
		p->rc = rp_hasher_new(&h, &p->e);
	for (size_t k = 0; !p->rc && k < PER_THREAD; k++) {
		size_t g = (size_t)p->t * PER_THREAD + k, n = blob_size(g);
		const uint8_t *sealed;
		size_t slen;
		uint8_t flags;
		blob_content(g, buf);
		rp_id_compute(p->r->idkey, h, buf, n, &p->s->id[g]);
		p->s->type[g] = g % 5 == 0 ? RP_BLOB_TREE : RP_BLOB_DATA;
		p->rc = rp_blob_seal(c, p->r->cfg.aead, rp_packq_key(p->q), p->s->type[g], &p->s->id[g], buf, n, 1, &sealed,
				     &slen, &flags, &p->e);
		if (!p->rc)
			p->rc = rp_packq_add(p->q, p->s->type[g], &p->s->id[g], flags, (uint32_t)n, sealed, slen, &p->e);
	}
	rp_hasher_free(h);
	rp_blob_codec_free(c);
	return NULL;
}

/* Queues every blob from THREADS threads and flushes. */
static int produce_all(rp_repo *r, rp_packq *q, blobset *s, rp_err *e)
{
	pthread_t th[THREADS];
	producer p[THREADS];
	for (int t = 0; t < THREADS; t++) {
		p[t] = (producer){r, q, s, t, 0, {0}};
		assert_int_equal(pthread_create(&th[t], NULL, produce, &p[t]), 0);
	}
	int rc = 0;
	for (int t = 0; t < THREADS; t++) {
		pthread_join(th[t], NULL);
		if (p[t].rc && !rc) {
			rc = p[t].rc;
			*e = p[t].e;
		}
	}
	int frc = rp_packq_flush(q, e);
	return rc ? rc : frc;
}

/* ---- reading packs back ---- */

typedef struct names {
	char (*v)[128];
	size_t n, cap;
} names;

static int collect_name(void *ctx, const char *name, uint64_t size)
{
	names *l = ctx;
	(void)size;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
	}
	snprintf(l->v[l->n++], sizeof l->v[0], "%s", name);
	return 0;
}

/* Opens every pack of the repository and every blob in it; returns the
 * number of packs. */
static size_t check_packs(fixture *f, blobset *s)
{
	names l = {0};
	rp_buf file = {0};
	rp_blob_codec *c;
	uint8_t buf[4096];
	assert_int_equal(rp_blob_codec_new(&c, 1, NULL), 0);
	assert_int_equal(rp_store_list(f->r->store, "data", collect_name, &l, NULL), 0);
	for (size_t i = 0; i < l.n; i++) {
		rp_buf_reset(&file);
		assert_int_equal(rp_store_get(f->r->store, l.v[i], 0, 0, &file, NULL), 0);
		/* named by the SHA-256 of its bytes, in data/<first 2 hex>/ */
		uint8_t h[32];
		char hex[65], want[RP_NAME_BYTES];
		rp_sha256_once(file.data, file.len, h);
		rp_hex_encode(hex, h, 32);
		snprintf(want, sizeof want, "data/%.2s/%s", hex, hex);
		assert_string_equal(l.v[i], want);
		/* header, sealed trailer, entries */
		uint8_t eph[32], key[32];
		uint32_t tlen;
		assert_int_equal(rp_pack_header_decode(file.data, file.len, eph, NULL), 0);
		assert_int_equal(rp_seal_key_open(f->r->mk.data_sk, f->r->mk.data_pk, eph, key, NULL), 0);
		assert_int_equal(rp_pack_trailer_len(file.data + file.len - 4, file.len, &tlen, NULL), 0);
		uint64_t blobs_end = file.len - 4 - tlen;
		rp_pack_entry *ents;
		size_t n;
		rp_err e;
		if (rp_pack_trailer_decode(rp_blob_codec_aead(c), key, file.data, file.data + blobs_end, tlen, blobs_end,
					   &ents, &n, &e))
			fail_msg("%s: %s", l.v[i], e.msg);
		assert_true(n > 0);
		uint64_t at = RP_PACK_HEADER_BYTES;
		for (size_t k = 0; k < n; k++) {
			/* blobs are back to back after the header */
			assert_int_equal(ents[k].offset, at);
			at += ents[k].sealed_len;
			size_t g = find_blob(s, &ents[k].id);
			assert_true(g < TOTAL);
			assert_int_equal(s->found[g], 0);
			s->found[g] = 1;
			assert_int_equal(ents[k].type, s->type[g]);
			assert_int_equal(ents[k].raw_len, blob_size(g));
			const uint8_t *out;
			assert_int_equal(rp_blob_open(c, key, ents[k].type, &ents[k].id, ents[k].flags, ents[k].raw_len,
						      file.data + ents[k].offset, ents[k].sealed_len, &out, NULL),
					 0);
			blob_content(g, buf);
			assert_memory_equal(out, buf, blob_size(g));
		}
		assert_int_equal(at, blobs_end);
		free(ents);
	}
	size_t packs = l.n;
	free(l.v);
	rp_buf_free(&file);
	rp_blob_codec_free(c);
	return packs;
}

static void same_index(const rp_index *a, rp_index *b, const blobset *s)
{
	assert_int_equal(rp_index_blob_count(b), rp_index_blob_count((rp_index *)a));
	for (size_t g = 0; g < TOTAL; g++) {
		rp_blob_loc la, lb;
		assert_int_equal(rp_index_lookup((rp_index *)a, &s->id[g], &la), 1);
		assert_int_equal(rp_index_lookup(b, &s->id[g], &lb), 1);
		assert_memory_equal(rp_index_pack_id(a, la.pack)->b, rp_index_pack_id(b, lb.pack)->b, 32);
		assert_int_equal(la.offset, lb.offset);
		assert_int_equal(la.sealed_len, lb.sealed_len);
		assert_int_equal(la.raw_len, lb.raw_len);
		assert_int_equal(la.type, lb.type);
		assert_int_equal(la.flags, lb.flags);
	}
}

static void test_packq_blobs_from_threads_land_in_packs(void **state)
{
	fixture *f = *state;
	rp_index *idx, *loaded;
	rp_idxwriter *iw;
	rp_packq *q;
	blobset *s = calloc(1, sizeof *s);
	rp_err e;
	assert_int_equal(rp_index_new(&idx, NULL), 0);
	assert_int_equal(rp_idxwriter_new(&iw, f->r, idx, NULL), 0);
	assert_int_equal(rp_packq_new(&q, f->r, 64u << 10, 0, rp_idxwriter_pack_done, iw, NULL), 0);
	int rc = produce_all(f->r, q, s, &e);
	if (rc)
		fail_msg("queueing failed: %s", e.msg);
	assert_int_equal(rp_idxwriter_flush(iw, NULL), 0);
	rp_packq_free(q);
	/* every blob is in the in-memory index, with its length and type */
	assert_int_equal(rp_index_blob_count(idx), TOTAL);
	for (size_t g = 0; g < TOTAL; g++) {
		rp_blob_loc loc;
		assert_int_equal(rp_index_lookup(idx, &s->id[g], &loc), 1);
		assert_int_equal(loc.raw_len, blob_size(g));
		assert_int_equal(loc.type, s->type[g]);
	}
	/* every pack decodes, every blob is found exactly once and opens */
	size_t packs = check_packs(f, s);
	for (size_t g = 0; g < TOTAL; g++)
		assert_int_equal(s->found[g], 1);
	assert_true(packs > 128); /* small packs: the index writer wrote files along the way */
	assert_int_equal(rp_index_pack_count(idx), packs);
	assert_int_equal(rp_idxwriter_packs(iw), packs);
	/* the index files load back to the same index */
	char(*ids)[65];
	size_t n_files;
	assert_int_equal(rp_repo_list_ids(f->r, "index", &ids, &n_files, NULL), 0);
	assert_int_equal(n_files, (packs + 127) / 128);
	free(ids);
	size_t damaged = 99;
	assert_int_equal(rp_index_new(&loaded, NULL), 0);
	assert_int_equal(rp_index_load(loaded, f->r, RP_INDEX_STRICT | RP_INDEX_NO_CACHE, &damaged, NULL), 0);
	assert_int_equal(damaged, 0);
	assert_int_equal(rp_index_pack_count(loaded), packs);
	same_index(idx, loaded, s);
	rp_index_free(loaded);
	rp_idxwriter_free(iw);
	rp_index_free(idx);
	free(s);
}

static void test_packq_flush_with_nothing_queued(void **state)
{
	fixture *f = *state;
	rp_index *idx;
	rp_idxwriter *iw;
	rp_packq *q;
	names l = {0};
	assert_int_equal(rp_index_new(&idx, NULL), 0);
	assert_int_equal(rp_idxwriter_new(&iw, f->r, idx, NULL), 0);
	assert_int_equal(rp_packq_new(&q, f->r, 1u << 20, 0, rp_idxwriter_pack_done, iw, NULL), 0);
	assert_int_equal(rp_packq_flush(q, NULL), 0);
	assert_int_equal(rp_packq_flush(q, NULL), 0);
	assert_int_equal(rp_idxwriter_flush(iw, NULL), 0);
	rp_packq_free(q);
	assert_int_equal(rp_store_list(f->r->store, "data", collect_name, &l, NULL), 0);
	assert_int_equal(rp_store_list(f->r->store, "index", collect_name, &l, NULL), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(rp_idxwriter_packs(iw), 0);
	rp_idxwriter_free(iw);
	rp_index_free(idx);
}

/* When packs cannot be committed, the error reaches the producers and
 * the flush, and nothing is indexed. */
static void test_packq_writer_failure_is_reported(void **state)
{
	fixture *f = *state;
	rp_index *idx;
	rp_idxwriter *iw;
	rp_packq *q;
	blobset *s = calloc(1, sizeof *s);
	rp_err e;
	char root[4200];
	snprintf(root, sizeof root, "%s/repo/data", f->dir);
	for (int i = 0; i < 256; i++) {
		char d[4300];
		snprintf(d, sizeof d, "%s/%02x", root, i);
		assert_int_equal(rmdir(d), 0);
	}
	assert_int_equal(rp_index_new(&idx, NULL), 0);
	assert_int_equal(rp_idxwriter_new(&iw, f->r, idx, NULL), 0);
	assert_int_equal(rp_packq_new(&q, f->r, 64u << 10, 0, rp_idxwriter_pack_done, iw, NULL), 0);
	rp_err_clear(&e);
	int rc = produce_all(f->r, q, s, &e);
	assert_int_equal(rc, RP_ENOTFOUND);
	assert_non_null(strstr(e.msg, "cannot create"));
	/* the queue stays failed */
	rp_err e2;
	assert_int_equal(rp_packq_flush(q, &e2), RP_ENOTFOUND);
	rp_packq_free(q);
	assert_int_equal(rp_index_blob_count(idx), 0);
	assert_int_equal(tu_count_entries(root), 0);
	rp_idxwriter_free(iw);
	rp_index_free(idx);
	free(s);
}

/* The index writer alone, fed from several threads. */
#define IW_PACKS 300

typedef struct feeder {
	rp_idxwriter *iw;
	int next;
	int errors;
} feeder;

static rp_id pack_id_of(int p)
{
	rp_id id;
	tu_fill(id.b, 32, 1000 + (uint64_t)p);
	return id;
}

static void *feed(void *arg)
{
	feeder *fd = arg;
	for (;;) {
		int p = __atomic_fetch_add(&fd->next, 1, __ATOMIC_SEQ_CST);
		if (p >= IW_PACKS)
			break;
		rp_pack_entry ents[3];
		for (int k = 0; k < 3; k++) {
			tu_fill(ents[k].id.b, 32, 100000 + (uint64_t)(p * 3 + k));
			ents[k].type = (uint8_t)(k == 2);
			ents[k].flags = (uint8_t)(k == 1);
			ents[k].offset = (uint32_t)(40 + 100 * k);
			ents[k].sealed_len = 100;
			ents[k].raw_len = (uint32_t)(p * 3 + k);
		}
		rp_id pid = pack_id_of(p);
		uint8_t eph[32];
		memset(eph, p & 0xff, 32);
		if (rp_idxwriter_add(fd->iw, &pid, eph, ents, 3, NULL))
			__atomic_add_fetch(&fd->errors, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_idxwriter_from_threads(void **state)
{
	fixture *f = *state;
	rp_index *idx, *loaded;
	rp_idxwriter *iw;
	feeder fd = {0};
	pthread_t th[THREADS];
	assert_int_equal(rp_index_new(&idx, NULL), 0);
	assert_int_equal(rp_idxwriter_new(&iw, f->r, idx, NULL), 0);
	fd.iw = iw;
	for (int t = 0; t < THREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, feed, &fd), 0);
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	assert_int_equal(fd.errors, 0);
	/* two full files of 128 packs were written on the way, the rest now */
	char(*ids)[65];
	size_t n_files;
	assert_int_equal(rp_repo_list_ids(f->r, "index", &ids, &n_files, NULL), 0);
	assert_int_equal(n_files, 2);
	free(ids);
	assert_int_equal(rp_idxwriter_flush(iw, NULL), 0);
	assert_int_equal(rp_repo_list_ids(f->r, "index", &ids, &n_files, NULL), 0);
	assert_int_equal(n_files, 3);
	free(ids);
	assert_int_equal(rp_idxwriter_packs(iw), IW_PACKS);
	assert_int_equal(rp_index_new(&loaded, NULL), 0);
	assert_int_equal(rp_index_load(loaded, f->r, RP_INDEX_STRICT | RP_INDEX_NO_CACHE, NULL, NULL), 0);
	assert_int_equal(rp_index_pack_count(loaded), IW_PACKS);
	assert_int_equal(rp_index_blob_count(loaded), 3 * IW_PACKS);
	assert_int_equal(rp_index_file_count(loaded), 3);
	for (int p = 0; p < IW_PACKS; p++) {
		rp_id pid = pack_id_of(p);
		int64_t num = rp_index_find_pack(loaded, &pid);
		assert_true(num >= 0);
		assert_int_equal(rp_index_pack_eph(loaded, (uint32_t)num)[0], p & 0xff);
		for (int k = 0; k < 3; k++) {
			rp_id id;
			rp_blob_loc loc;
			tu_fill(id.b, 32, 100000 + (uint64_t)(p * 3 + k));
			assert_int_equal(rp_index_lookup(loaded, &id, &loc), 1);
			assert_int_equal(loc.pack, num);
			assert_int_equal(loc.raw_len, p * 3 + k);
			assert_int_equal(loc.type, k == 2);
			assert_int_equal(loc.flags, k == 1);
			assert_int_equal(loc.offset, 40 + 100 * k);
		}
	}
	rp_index_free(loaded);
	rp_idxwriter_free(iw);
	rp_index_free(idx);
}

int main(void)
{
	rp_crypto_init(NULL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_packq_blobs_from_threads_land_in_packs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packq_flush_with_nothing_queued, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packq_writer_failure_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idxwriter_from_threads, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
