/* index.c - an open-addressing hash table of blob locations.
 *
 * Blob ids are HMAC outputs, uniformly distributed, so their first 8
 * bytes serve directly as the hash.  A slot holds the full id and the
 * location (48 bytes).  Pack ids live in a separate table.
 */
#include "index.h"

#include "format/indexfile.h"
#include "util/hex.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define EMPTY_PACK UINT32_MAX
#define MIN_SLOTS 1024u

typedef struct slot {
	rp_id id;
	uint32_t pack;
	uint32_t offset;
	uint32_t sealed_len;
	uint32_t raw_len; /* type in bit 31, flags in bits 24..30 */
} slot;

typedef struct pack_info {
	rp_id id;
	uint8_t eph[32];
} pack_info;

typedef struct idset {
	rp_id *ids;
	uint8_t *used;
	size_t cap, n;
} idset;

struct rp_index {
	pthread_rwlock_t lock;
	slot *slots;
	size_t cap, n;
	pack_info *packs;
	size_t n_packs, cap_packs;
	slot *pack_lookup; /* pack id -> number, same slot layout (pack = number) */
	size_t pl_cap;
	pthread_mutex_t claim_mu;
	idset claims;
	char (*files)[65];
	size_t n_files;
};

static uint64_t id_hash(const rp_id *id)
{
	return rp_load_u64le(id->b);
}

int rp_index_new(rp_index **out, rp_err *e)
{
	rp_index *x = calloc(1, sizeof *x);
	if (!x)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	pthread_rwlock_init(&x->lock, NULL);
	pthread_mutex_init(&x->claim_mu, NULL);
	*out = x;
	return 0;
}

void rp_index_free(rp_index *x)
{
	if (!x)
		return;
	free(x->slots);
	free(x->packs);
	free(x->pack_lookup);
	free(x->claims.ids);
	free(x->claims.used);
	free(x->files);
	pthread_rwlock_destroy(&x->lock);
	pthread_mutex_destroy(&x->claim_mu);
	free(x);
}

static slot *table_find(slot *tab, size_t cap, const rp_id *id)
{
	if (!cap)
		return NULL;
	size_t mask = cap - 1, i = id_hash(id) & mask;
	for (;;) {
		slot *s = &tab[i];
		if (s->pack == EMPTY_PACK)
			return NULL;
		if (!memcmp(s->id.b, id->b, RP_ID_BYTES))
			return s;
		i = (i + 1) & mask;
	}
}

static void table_put(slot *tab, size_t cap, const slot *v)
{
	size_t mask = cap - 1, i = id_hash(&v->id) & mask;
	while (tab[i].pack != EMPTY_PACK)
		i = (i + 1) & mask;
	tab[i] = *v;
}

static slot *table_alloc(size_t cap)
{
	slot *t = malloc(cap * sizeof *t);
	if (t)
		for (size_t i = 0; i < cap; i++)
			t[i].pack = EMPTY_PACK;
	return t;
}

/* Grows *tab so that want entries stay under a 3/4 load. */
static int table_grow(slot **tab, size_t *cap, size_t want)
{
	if (want * 4 < *cap * 3)
		return 0;
	size_t ncap = *cap ? *cap : MIN_SLOTS;
	while (want * 4 >= ncap * 3)
		ncap *= 2;
	slot *t = table_alloc(ncap);
	if (!t)
		return RP_ENOMEM;
	for (size_t i = 0; i < *cap; i++)
		if ((*tab)[i].pack != EMPTY_PACK)
			table_put(t, ncap, &(*tab)[i]);
	free(*tab);
	*tab = t;
	*cap = ncap;
	return 0;
}

/* Adds a pack to the pack table (caller holds the write lock). */
static int add_pack_locked(rp_index *x, const rp_id *pack, const uint8_t eph[32], uint32_t *num)
{
	slot *s = table_find(x->pack_lookup, x->pl_cap, pack);
	if (s) {
		*num = s->pack;
		return 0;
	}
	if (x->n_packs >= EMPTY_PACK - 1)
		return RP_ENOMEM;
	if (x->n_packs == x->cap_packs) {
		size_t cap = x->cap_packs ? x->cap_packs * 2 : 256;
		pack_info *p = realloc(x->packs, cap * sizeof *p);
		if (!p)
			return RP_ENOMEM;
		x->packs = p;
		x->cap_packs = cap;
	}
	if (table_grow(&x->pack_lookup, &x->pl_cap, x->n_packs + 1))
		return RP_ENOMEM;
	pack_info *pi = &x->packs[x->n_packs];
	pi->id = *pack;
	memcpy(pi->eph, eph, 32);
	slot v = {.id = *pack, .pack = (uint32_t)x->n_packs};
	table_put(x->pack_lookup, x->pl_cap, &v);
	*num = (uint32_t)x->n_packs++;
	return 0;
}

static int add_blob_locked(rp_index *x, uint32_t pack, const rp_pack_entry *en)
{
	if (table_find(x->slots, x->cap, &en->id))
		return 0;
	if (table_grow(&x->slots, &x->cap, x->n + 1))
		return RP_ENOMEM;
	slot v = {en->id, pack, en->offset, en->sealed_len,
		  (en->raw_len & 0x00ffffffu) | (uint32_t)(en->flags & 0x7f) << 24 | (uint32_t)(en->type & 1) << 31};
	table_put(x->slots, x->cap, &v);
	x->n++;
	return 0;
}

int rp_index_add_pack(rp_index *x, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
		      size_t n, rp_err *e)
{
	uint32_t num;
	int rc = 0;
	pthread_rwlock_wrlock(&x->lock);
	if (add_pack_locked(x, pack, eph_pk, &num))
		rc = RP_ENOMEM;
	for (size_t i = 0; !rc && i < n; i++)
		if (ents[i].raw_len > 0x00ffffffu)
			rc = RP_ECORRUPT;
		else if (add_blob_locked(x, num, &ents[i]))
			rc = RP_ENOMEM;
	pthread_rwlock_unlock(&x->lock);
	if (rc == RP_ECORRUPT)
		return rp_err_set(e, rc, "blob larger than 16 MiB in the index");
	return rc ? rp_err_set(e, rc, "out of memory growing the index") : 0;
}

static void loc_from_slot(const slot *s, rp_blob_loc *loc)
{
	loc->pack = s->pack;
	loc->offset = s->offset;
	loc->sealed_len = s->sealed_len;
	loc->raw_len = s->raw_len & 0x00ffffffu;
	loc->flags = (uint8_t)((s->raw_len >> 24) & 0x7f);
	loc->type = (uint8_t)(s->raw_len >> 31);
}

int rp_index_lookup(rp_index *x, const rp_id *id, rp_blob_loc *loc)
{
	pthread_rwlock_rdlock(&x->lock);
	slot *s = table_find(x->slots, x->cap, id);
	if (s && loc)
		loc_from_slot(s, loc);
	pthread_rwlock_unlock(&x->lock);
	return s != NULL;
}

/* ---- claims: a small set of ids being written right now ---- */

static size_t idset_find(const idset *s, const rp_id *id, int *found)
{
	size_t mask = s->cap - 1, i = id_hash(id) & mask;
	while (s->used[i]) {
		if (s->used[i] == 1 && !memcmp(s->ids[i].b, id->b, RP_ID_BYTES)) {
			*found = 1;
			return i;
		}
		i = (i + 1) & mask;
	}
	*found = 0;
	return i;
}

static int idset_grow(idset *s)
{
	if (s->cap && (s->n + 1) * 2 < s->cap)
		return 0;
	size_t ncap = s->cap ? s->cap * 2 : 256;
	idset t = {calloc(ncap, sizeof(rp_id)), calloc(ncap, 1), ncap, 0};
	if (!t.ids || !t.used) {
		free(t.ids);
		free(t.used);
		return -1;
	}
	for (size_t i = 0; i < s->cap; i++)
		if (s->used[i] == 1) {
			int f;
			size_t j = idset_find(&t, &s->ids[i], &f);
			t.ids[j] = s->ids[i];
			t.used[j] = 1;
			t.n++;
		}
	free(s->ids);
	free(s->used);
	*s = t;
	return 0;
}

int rp_index_claim(rp_index *x, const rp_id *id)
{
	if (rp_index_lookup(x, id, NULL))
		return 1;
	int rc, found;
	pthread_mutex_lock(&x->claim_mu);
	if (idset_grow(&x->claims)) {
		rc = -1;
	} else {
		size_t i = idset_find(&x->claims, id, &found);
		if (found) {
			rc = 1;
		} else {
			x->claims.ids[i] = *id;
			x->claims.used[i] = 1;
			x->claims.n++;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&x->claim_mu);
	/* a claim that raced with the blob's addition to the index is harmless:
	 * the id is stored, and the claim only makes others skip it */
	return rc;
}

void rp_index_unclaim(rp_index *x, const rp_id *id)
{
	int found;
	pthread_mutex_lock(&x->claim_mu);
	if (x->claims.cap) {
		size_t i = idset_find(&x->claims, id, &found);
		if (found)
			x->claims.used[i] = 2; /* tombstone */
	}
	pthread_mutex_unlock(&x->claim_mu);
}

size_t rp_index_pack_count(const rp_index *x)
{
	return x->n_packs;
}

size_t rp_index_blob_count(const rp_index *x)
{
	return x->n;
}

const rp_id *rp_index_pack_id(const rp_index *x, uint32_t pack)
{
	return pack < x->n_packs ? &x->packs[pack].id : NULL;
}

const uint8_t *rp_index_pack_eph(const rp_index *x, uint32_t pack)
{
	return pack < x->n_packs ? x->packs[pack].eph : NULL;
}

int64_t rp_index_find_pack(const rp_index *x, const rp_id *pack)
{
	slot *s = table_find(x->pack_lookup, x->pl_cap, pack);
	return s ? (int64_t)s->pack : -1;
}

int rp_index_foreach(rp_index *x, int (*fn)(void *ctx, const rp_id *id, const rp_blob_loc *loc), void *ctx)
{
	for (size_t i = 0; i < x->cap; i++) {
		if (x->slots[i].pack == EMPTY_PACK)
			continue;
		rp_blob_loc loc;
		loc_from_slot(&x->slots[i], &loc);
		int rc = fn(ctx, &x->slots[i].id, &loc);
		if (rc)
			return rc;
	}
	return 0;
}

size_t rp_index_file_count(const rp_index *x)
{
	return x->n_files;
}

const char *rp_index_file_id(const rp_index *x, size_t i)
{
	return i < x->n_files ? x->files[i] : NULL;
}

/* ---- loading index files ---- */

typedef struct load_ctx {
	rp_index *x;
	uint32_t pack;
	int oom;
	idset *superseded;
	int collect_only;
} load_ctx;

static int on_supersedes(void *ctx, const rp_id *id)
{
	load_ctx *l = ctx;
	int found;
	if (!l->collect_only)
		return 0;
	if (idset_grow(l->superseded))
		return RP_ENOMEM;
	size_t i = idset_find(l->superseded, id, &found);
	if (!found) {
		l->superseded->ids[i] = *id;
		l->superseded->used[i] = 1;
		l->superseded->n++;
	}
	return 0;
}

static int on_pack(void *ctx, const rp_id *pack, const uint8_t eph[32], size_t n)
{
	load_ctx *l = ctx;
	(void)n;
	if (l->collect_only)
		return 0;
	return add_pack_locked(l->x, pack, eph, &l->pack) ? RP_ENOMEM : 0;
}

static int on_blob(void *ctx, const rp_pack_entry *en)
{
	load_ctx *l = ctx;
	if (l->collect_only)
		return 0;
	if (en->raw_len > 0x00ffffffu)
		return RP_ECORRUPT;
	return add_blob_locked(l->x, l->pack, en) ? RP_ENOMEM : 0;
}

int rp_index_load(rp_index *x, rp_repo *r, int strict, size_t *damaged, rp_err *e)
{
	char(*ids)[65] = NULL;
	size_t n = 0, bad = 0;
	rp_buf *bodies = NULL;
	rp_blob_codec *c = NULL;
	idset superseded = {0};
	int rc = rp_repo_list_ids(r, "index", &ids, &n, e);
	if (rc)
		return rc;
	if ((rc = rp_blob_codec_new(&c, 1, e)))
		goto done;
	bodies = calloc(n ? n : 1, sizeof *bodies);
	if (!bodies) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	load_ctx l = {x, 0, 0, &superseded, 1};
	rp_indexfile_visitor v = {&l, on_supersedes, on_pack, on_blob};
	/* pass 1: read and open every file, collect what is superseded */
	for (size_t i = 0; i < n; i++) {
		rp_err fe;
		rc = rp_repo_load(r, c, RP_SF_INDEX, ids[i], &bodies[i], &fe);
		if (!rc)
			rc = rp_indexfile_decode(bodies[i].data, bodies[i].len, &v, &fe);
		if (rc) {
			if (strict || rc == RP_ENOMEM || rc == RP_EPERM) {
				rp_err_set(e, rc, "index/%s: %s", ids[i], fe.msg);
				goto done;
			}
			bad++;
			rp_buf_free(&bodies[i]);
			rc = 0;
		}
	}
	/* pass 2: add the entries of files nobody supersedes */
	l.collect_only = 0;
	x->files = calloc(n ? n : 1, sizeof *x->files);
	if (!x->files) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	pthread_rwlock_wrlock(&x->lock);
	for (size_t i = 0; i < n && !rc; i++) {
		if (!bodies[i].data)
			continue;
		rp_id fid;
		int found = 0;
		rp_hex_decode(fid.b, 32, ids[i], 64);
		if (superseded.cap)
			idset_find(&superseded, &fid, &found);
		if (found)
			continue;
		memcpy(x->files[x->n_files++], ids[i], 65);
		rc = rp_indexfile_decode(bodies[i].data, bodies[i].len, &v, e);
		if (rc == RP_ECORRUPT)
			rp_err_set(e, rc, "index/%s: blob larger than 16 MiB", ids[i]);
		else if (rc)
			rp_err_set(e, rc, "out of memory loading the index");
	}
	pthread_rwlock_unlock(&x->lock);
done:
	if (damaged)
		*damaged = bad;
	for (size_t i = 0; bodies && i < n; i++)
		rp_buf_free(&bodies[i]);
	free(bodies);
	free(ids);
	free(superseded.ids);
	free(superseded.used);
	rp_blob_codec_free(c);
	return rc;
}
