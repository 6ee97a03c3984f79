/* index.c - the frozen sorted table, its cache file, and the overlay.
 *
 * Blob ids are HMAC outputs, uniformly distributed: their first 8 bytes,
 * read big-endian, order them like memcmp does and index a directory of
 * buckets directly.
 */
#include "index.h"

#include "format/blob.h"
#include "format/indexfile.h"
#include "util/hex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMPTY_PACK UINT32_MAX
#define MIN_SLOTS 1024u
#define CACHE_MAGIC "RPIX"
#define CACHE_VERSION 2
#define CACHE_HEADER_BYTES 56
/* raw_meta packs raw_len in bits 0..26 (a tree blob may hold
 * RP_BLOB_MAX_BYTES), flags in 27..30 and the type in bit 31 */
#define RAW_LEN_MASK 0x07ffffffu
#define FLAGS_SHIFT 27
#define FLAGS_MASK 0x0fu

/* One blob: the layout of overlay slots and of cache file entries. */
typedef struct slot {
	rp_id id;
	uint32_t pack;
	uint32_t offset;
	uint32_t sealed_len;
	uint32_t raw_meta; /* see RAW_LEN_MASK */
} slot;

typedef struct pack_info {
	rp_id id;
	uint8_t eph[32];
} pack_info;

typedef struct idset {
	rp_id *ids;
	uint8_t *used; /* 0 empty, 1 live, 2 removed */
	size_t cap, n, slots_used;
} idset;

struct rp_index {
	pthread_rwlock_t lock;
	/* frozen, sorted by id */
	const slot *fz;
	size_t n_fz;
	slot *fz_owned;  /* when built in memory */
	void *map;       /* when mapped from the cache file */
	size_t map_len;
	void *pfx_map;   /* the cache's prefix file, mapped */
	size_t pfx_map_len;
	uint64_t *pfx_owned;
	const uint64_t *pfx; /* first 8 bytes of each id, big-endian */
	uint32_t *dir;   /* bucket b covers pfx[dir[b] .. dir[b+1]) */
	unsigned shift;  /* bucket = prefix >> shift */
	/* merged: overlay entries moved into a sorted array once the overlay
	 * grows (exact size, no hash-table slack); under the lock */
	slot *t2;
	uint64_t *t2_pfx;
	size_t n_t2;
	/* overlay */
	slot *slots;
	size_t cap, n;
	/* packs */
	pack_info *packs;
	size_t n_packs, cap_packs;
	slot *pack_lookup;
	size_t pl_cap;
	/* claims */
	pthread_mutex_t claim_mu;
	idset claims;
	char (*files)[65];
	size_t n_files;
};

static uint64_t id_hash(const rp_id *id)
{
	return rp_load_u64le(id->b);
}

static uint64_t id_key(const uint8_t *id)
{
	uint64_t k = 0;
	for (int i = 0; i < 8; i++)
		k = k << 8 | id[i];
	return k;
}

/* An entry the slot layout can hold without losing anything. */
static int entry_fits(const rp_pack_entry *en)
{
	return en->raw_len <= RP_BLOB_MAX_BYTES && !(en->flags & ~FLAGS_MASK) && en->type <= 1;
}

static uint32_t raw_meta(const rp_pack_entry *en)
{
	return (en->raw_len & RAW_LEN_MASK) | (uint32_t)(en->flags & FLAGS_MASK) << FLAGS_SHIFT | (uint32_t)(en->type & 1) << 31;
}

static void loc_from_slot(const slot *s, rp_blob_loc *loc)
{
	loc->pack = s->pack;
	loc->offset = s->offset;
	loc->sealed_len = s->sealed_len;
	loc->raw_len = s->raw_meta & RAW_LEN_MASK;
	loc->flags = (uint8_t)((s->raw_meta >> FLAGS_SHIFT) & FLAGS_MASK);
	loc->type = (uint8_t)(s->raw_meta >> 31);
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
	if (x->map)
		munmap(x->map, x->map_len);
	if (x->pfx_map)
		munmap(x->pfx_map, x->pfx_map_len);
	free(x->fz_owned);
	free(x->pfx_owned);
	free(x->dir);
	free(x->slots);
	free(x->t2);
	free(x->t2_pfx);
	free(x->packs);
	free(x->pack_lookup);
	free(x->claims.ids);
	free(x->claims.used);
	free(x->files);
	pthread_rwlock_destroy(&x->lock);
	pthread_mutex_destroy(&x->claim_mu);
	free(x);
}

static void unclaim_locked(rp_index *x, const rp_id *id);

/* ---- the frozen table ---- */

static const slot *frozen_find(const rp_index *x, const rp_id *id)
{
	if (!x->n_fz)
		return NULL;
	uint64_t k = id_key(id->b);
	size_t b = (size_t)(k >> x->shift);
	size_t lo = x->dir[b], hi = x->dir[b + 1];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->pfx[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n_fz && x->pfx[lo] == k; lo++)
		if (!memcmp(x->fz[lo].id.b, id->b, RP_ID_BYTES))
			return &x->fz[lo];
	return NULL;
}

/* The merged tier (caller holds the lock). */
static const slot *t2_find(const rp_index *x, const rp_id *id)
{
	uint64_t k = id_key(id->b);
	size_t lo = 0, hi = x->n_t2;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (x->t2_pfx[mid] < k)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < x->n_t2 && x->t2_pfx[lo] == k; lo++)
		if (!memcmp(x->t2[lo].id.b, id->b, RP_ID_BYTES))
			return &x->t2[lo];
	return NULL;
}

/* Asks for huge pages over the 2 MiB-aligned part of a large allocation:
 * lookups land at random in the bucket directory, and with 4 KiB pages
 * each would also miss the TLB.  (The mapped prefix file gets none: ext4
 * file mappings here stay in 4 KiB pages, measured.) */
static void huge_advise(void *p, size_t n)
{
	const uintptr_t huge = (uintptr_t)2 << 20;
	uintptr_t lo = ((uintptr_t)p + huge - 1) & ~(huge - 1), hi = ((uintptr_t)p + n) & ~(huge - 1);
	if (hi > lo)
		madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}

/* Builds the bucket directory over x->pfx (computing x->pfx from the
 * entries first when it is not mapped from the cache). */
static int frozen_prepare(rp_index *x)
{
	unsigned bits = 1;
	while (bits < 30 && ((size_t)1 << (bits + 2)) < x->n_fz)
		bits++;
	size_t nb = (size_t)1 << bits;
	x->shift = 64 - bits;
	if (!x->pfx) {
		x->pfx_owned = malloc((x->n_fz ? x->n_fz : 1) * sizeof *x->pfx_owned);
		if (!x->pfx_owned)
			return RP_ENOMEM;
		for (size_t j = 0; j < x->n_fz; j++)
			x->pfx_owned[j] = id_key(x->fz[j].id.b);
		x->pfx = x->pfx_owned;
	}
	x->dir = malloc((nb + 1) * sizeof *x->dir);
	if (!x->dir)
		return RP_ENOMEM;
	huge_advise(x->dir, (nb + 1) * sizeof *x->dir);
	size_t j = 0;
	for (size_t b = 0; b <= nb; b++) {
		while (j < x->n_fz && (x->pfx[j] >> x->shift) < b)
			j++;
		x->dir[b] = (uint32_t)j;
	}
	return 0;
}

/* ---- the overlay ---- */

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

/* Grows *tab so that want entries stay under a 3/4 load. */
static int table_grow(slot **tab, size_t *cap, size_t want)
{
	if (want * 4 < *cap * 3)
		return 0;
	size_t ncap = *cap ? *cap : MIN_SLOTS;
	while (want * 4 >= ncap * 3)
		ncap *= 2;
	slot *t = malloc(ncap * sizeof *t);
	if (!t)
		return RP_ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		t[i].pack = EMPTY_PACK;
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
		*num = s->offset;
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
	slot v = {.id = *pack, .pack = 0, .offset = (uint32_t)x->n_packs};
	table_put(x->pack_lookup, x->pl_cap, &v);
	*num = (uint32_t)x->n_packs++;
	return 0;
}

static int slot_cmp(const void *a, const void *b);

/* Moves the overlay into the merged tier: its entries sorted, then merged
 * from the back into the grown array, in place (caller holds the lock). */
static int merge_overlay_locked(rp_index *x)
{
	size_t n = x->n, k = 0;
	slot *v = malloc((n ? n : 1) * sizeof *v);
	if (!v)
		return RP_ENOMEM;
	for (size_t i = 0; i < x->cap; i++)
		if (x->slots[i].pack != EMPTY_PACK)
			v[k++] = x->slots[i];
	if (k)
		qsort(v, k, sizeof *v, slot_cmp);
	slot *t2 = realloc(x->t2, (x->n_t2 + k + 1) * sizeof *t2);
	if (!t2) {
		free(v);
		return RP_ENOMEM;
	}
	x->t2 = t2;
	uint64_t *pfx = realloc(x->t2_pfx, (x->n_t2 + k + 1) * sizeof *pfx);
	if (!pfx) {
		free(v);
		return RP_ENOMEM;
	}
	x->t2_pfx = pfx;
	size_t i = x->n_t2, j = k, out = x->n_t2 + k;
	while (j > 0) {
		if (i > 0 && memcmp(t2[i - 1].id.b, v[j - 1].id.b, RP_ID_BYTES) > 0)
			t2[--out] = t2[--i];
		else
			t2[--out] = v[--j];
	}
	x->n_t2 += k;
	for (size_t m = 0; m < x->n_t2; m++)
		pfx[m] = id_key(t2[m].id.b);
	free(v);
	free(x->slots);
	x->slots = NULL;
	x->cap = x->n = 0;
	return 0;
}

#define OVERLAY_MIN_MERGE 65536u

static int add_blob_locked(rp_index *x, uint32_t pack, const rp_pack_entry *en)
{
	if (frozen_find(x, &en->id) || t2_find(x, &en->id) || table_find(x->slots, x->cap, &en->id))
		return 0;
	/* a big overlay goes to the merged tier: 48 bytes a blob instead of a
	 * hash table's 64 and more (once a quarter of the tier, so merging
	 * costs O(n) per n added) */
	if (x->n >= OVERLAY_MIN_MERGE && x->n >= x->n_t2 / 4 && merge_overlay_locked(x))
		return RP_ENOMEM;
	if (table_grow(&x->slots, &x->cap, x->n + 1))
		return RP_ENOMEM;
	slot v = {en->id, pack, en->offset, en->sealed_len, raw_meta(en)};
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
		if (!entry_fits(&ents[i]))
			rc = RP_ECORRUPT;
		else if (add_blob_locked(x, num, &ents[i]))
			rc = RP_ENOMEM;
	pthread_rwlock_unlock(&x->lock);
	/* the blobs are findable now: their claims have done their job (a
	 * million small files would otherwise keep a million claims) */
	pthread_mutex_lock(&x->claim_mu);
	for (size_t i = 0; i < n; i++)
		unclaim_locked(x, &ents[i].id);
	pthread_mutex_unlock(&x->claim_mu);
	if (rc == RP_ECORRUPT)
		return rp_err_set(e, rc, "blob larger than 16 MiB in the index");
	return rc ? rp_err_set(e, rc, "out of memory growing the index") : 0;
}

int rp_index_lookup(rp_index *x, const rp_id *id, rp_blob_loc *loc)
{
	/* the frozen table never changes once loaded: no lock needed */
	const slot *s = frozen_find(x, id);
	if (s) {
		if (loc)
			loc_from_slot(s, loc);
		return 1;
	}
	pthread_rwlock_rdlock(&x->lock);
	s = x->n_t2 ? t2_find(x, id) : NULL;
	if (!s)
		s = table_find(x->slots, x->cap, id);
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
	if (s->cap && (s->slots_used + 1) * 2 < s->cap)
		return 0;
	/* rehash: removed slots go, the table is sized for what is live */
	size_t ncap = 256;
	while (ncap < (s->n + 1) * 4)
		ncap *= 2;
	idset t = {calloc(ncap, sizeof(rp_id)), calloc(ncap, 1), ncap, 0, 0};
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
			t.slots_used++;
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
			x->claims.slots_used++;
			rc = 0;
		}
	}
	pthread_mutex_unlock(&x->claim_mu);
	/* a claim that raced with the blob's addition to the index is harmless:
	 * the id is stored, and the claim only makes others skip it */
	return rc;
}

/* Caller holds claim_mu. */
static void unclaim_locked(rp_index *x, const rp_id *id)
{
	int found;
	if (!x->claims.cap)
		return;
	size_t i = idset_find(&x->claims, id, &found);
	if (found) {
		x->claims.used[i] = 2; /* tombstone: probing goes on past it */
		x->claims.n--;
	}
}

void rp_index_unclaim(rp_index *x, const rp_id *id)
{
	pthread_mutex_lock(&x->claim_mu);
	unclaim_locked(x, id);
	pthread_mutex_unlock(&x->claim_mu);
}

size_t rp_index_pack_count(const rp_index *x)
{
	return x->n_packs;
}

size_t rp_index_blob_count(const rp_index *x)
{
	return x->n_fz + x->n_t2 + x->n;
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
	return s ? (int64_t)s->offset : -1;
}

int rp_index_foreach(rp_index *x, int (*fn)(void *ctx, const rp_id *id, const rp_blob_loc *loc), void *ctx)
{
	rp_blob_loc loc;
	for (size_t i = 0; i < x->n_fz; i++) {
		loc_from_slot(&x->fz[i], &loc);
		int rc = fn(ctx, &x->fz[i].id, &loc);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < x->n_t2; i++) {
		loc_from_slot(&x->t2[i], &loc);
		int rc = fn(ctx, &x->t2[i].id, &loc);
		if (rc)
			return rc;
	}
	for (size_t i = 0; i < x->cap; i++) {
		if (x->slots[i].pack == EMPTY_PACK)
			continue;
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

/* ---- the cache file ----
 *
 *   "RPIX" version(1)=1 reserved(3) n_packs(u64) n_entries(u64) key(32)
 *   pack table: n_packs x (id(32) eph(32))
 *   entries:    n_entries x 48 bytes (id, pack, offset, sealed_len, raw_meta as u32le), sorted by id
 *
 * A local accelerator, not part of the repository: it is rebuilt from the
 * index files whenever their set changes, and whatever it says is checked
 * again when data is read (AEAD and id verification). */

struct rp_index_cache_writer {
	char *path, *tmp, *pfx_path, *pfx_tmp;
	FILE *f, *pf;
	uint64_t n, n_packs;
	rp_id last;
};

static void writer_free(rp_index_cache_writer *w)
{
	if (w->f)
		fclose(w->f);
	if (w->pf)
		fclose(w->pf);
	if (w->tmp)
		unlink(w->tmp);
	if (w->pfx_tmp)
		unlink(w->pfx_tmp);
	free(w->path);
	free(w->tmp);
	free(w->pfx_path);
	free(w->pfx_tmp);
	free(w);
}

int rp_index_cache_create(rp_index_cache_writer **out, const char *path, const uint8_t key[32], size_t n_packs,
			  const rp_id *pack_ids, const uint8_t (*ephs)[32], rp_err *e)
{
	rp_index_cache_writer *w = calloc(1, sizeof *w);
	size_t n = strlen(path) + 40;
	if (!w || !(w->path = malloc(n)) || !(w->tmp = malloc(n)) || !(w->pfx_path = malloc(n)) || !(w->pfx_tmp = malloc(n))) {
		if (w)
			writer_free(w);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	snprintf(w->path, n, "%s", path);
	snprintf(w->tmp, n, "%s.tmp%ld", path, (long)getpid());
	snprintf(w->pfx_path, n, "%s.pfx", path);
	snprintf(w->pfx_tmp, n, "%s.pfx.tmp%ld", path, (long)getpid());
	w->f = fopen(w->tmp, "wb");
	w->pf = w->f ? fopen(w->pfx_tmp, "wb") : NULL;
	if (!w->f || !w->pf) {
		int err = errno;
		writer_free(w);
		return rp_err_errno(e, err, "cannot create index cache %s", path);
	}
	setvbuf(w->f, NULL, _IOFBF, 1 << 20);
	setvbuf(w->pf, NULL, _IOFBF, 1 << 18);
	uint8_t hdr[CACHE_HEADER_BYTES] = {0};
	memcpy(hdr, CACHE_MAGIC, 4);
	hdr[4] = CACHE_VERSION;
	rp_store_u64le(hdr + 8, n_packs);
	memcpy(hdr + 24, key, 32);
	w->n_packs = n_packs;
	fwrite(hdr, 1, sizeof hdr, w->f);
	for (size_t i = 0; i < n_packs; i++) {
		fwrite(pack_ids[i].b, 1, 32, w->f);
		fwrite(ephs[i], 1, 32, w->f);
	}
	*out = w;
	return 0;
}

int rp_index_cache_add(rp_index_cache_writer *w, const rp_id *id, const rp_blob_loc *loc, rp_err *e)
{
	if (w->n && memcmp(w->last.b, id->b, RP_ID_BYTES) >= 0)
		return rp_err_set(e, RP_EINVAL, "index cache entries out of order");
	if (loc->pack >= w->n_packs)
		return rp_err_set(e, RP_EINVAL, "index cache entry names pack %u of %llu", loc->pack,
				  (unsigned long long)w->n_packs);
	uint8_t rec[48];
	memcpy(rec, id->b, 32);
	rp_store_u32le(rec + 32, loc->pack);
	rp_store_u32le(rec + 36, loc->offset);
	rp_store_u32le(rec + 40, loc->sealed_len);
	rp_pack_entry en = {.type = loc->type, .flags = loc->flags, .raw_len = loc->raw_len};
	rp_store_u32le(rec + 44, raw_meta(&en));
	fwrite(rec, 1, sizeof rec, w->f);
	uint64_t k = id_key(id->b);
	fwrite(&k, 1, sizeof k, w->pf);
	w->last = *id;
	w->n++;
	return 0;
}

int rp_index_cache_finish(rp_index_cache_writer *w, rp_err *e)
{
	int rc = 0;
	uint8_t n8[8];
	rp_store_u64le(n8, w->n);
	if (fseek(w->f, 16, SEEK_SET) || fwrite(n8, 1, 8, w->f) != 8 || fflush(w->f) || ferror(w->f) ||
	    fflush(w->pf) || ferror(w->pf) || fsync(fileno(w->f)) || fsync(fileno(w->pf)))
		rc = rp_err_errno(e, errno ? errno : EIO, "cannot write index cache %s", w->tmp);
	int bad = fclose(w->f) | fclose(w->pf);
	w->f = w->pf = NULL;
	if (bad && !rc)
		rc = rp_err_errno(e, errno, "cannot write index cache %s", w->tmp);
	/* the prefixes first: an entries file never stands without them */
	if (!rc && (rename(w->pfx_tmp, w->pfx_path) || rename(w->tmp, w->path)))
		rc = rp_err_errno(e, errno, "cannot install index cache %s", w->path);
	if (!rc) {
		free(w->tmp);
		free(w->pfx_tmp);
		w->tmp = w->pfx_tmp = NULL;
	}
	writer_free(w);
	return rc;
}

int rp_index_open_cache(rp_index *x, const char *path, const uint8_t key[32], rp_err *e)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rp_err_errno(e, errno, "index cache %s", path);
	struct stat st;
	uint8_t hdr[CACHE_HEADER_BYTES];
	int rc = 0;
	if (fstat(fd, &st) || pread(fd, hdr, sizeof hdr, 0) != (ssize_t)sizeof hdr) {
		close(fd);
		return rp_err_set(e, RP_ECORRUPT, "index cache %s is truncated", path);
	}
	uint64_t np = rp_load_u64le(hdr + 8), n = rp_load_u64le(hdr + 16);
	if (memcmp(hdr, CACHE_MAGIC, 4) || hdr[4] != CACHE_VERSION || memcmp(hdr + 24, key, 32) || np > (1u << 30) ||
	    n > (uint64_t)1 << 40 || (uint64_t)st.st_size != CACHE_HEADER_BYTES + np * 64 + n * 48) {
		close(fd);
		return rp_err_set(e, RP_ECORRUPT, "index cache %s does not match", path);
	}
	void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return rp_err_errno(e, errno, "cannot map index cache %s", path);
	char pfx_path[4200];
	snprintf(pfx_path, sizeof pfx_path, "%s.pfx", path);
	int pfd = open(pfx_path, O_RDONLY | O_CLOEXEC);
	struct stat pst;
	void *pmap = MAP_FAILED;
	if (pfd >= 0 && !fstat(pfd, &pst) && (uint64_t)pst.st_size == n * 8)
		pmap = n ? mmap(NULL, (size_t)pst.st_size, PROT_READ, MAP_SHARED, pfd, 0) : NULL;
	if (pfd >= 0)
		close(pfd);
	if (pmap == MAP_FAILED) {
		munmap(map, (size_t)st.st_size);
		return rp_err_set(e, RP_ECORRUPT, "index cache %s has no valid prefix file", path);
	}
	/* lookups jump around: no readahead */
	madvise(map, (size_t)st.st_size, MADV_RANDOM);
	const uint8_t *p = (const uint8_t *)map + CACHE_HEADER_BYTES;
	pthread_rwlock_wrlock(&x->lock);
	for (uint64_t i = 0; i < np && !rc; i++) {
		uint32_t num;
		rp_id id;
		memcpy(id.b, p + i * 64, 32);
		if (add_pack_locked(x, &id, p + i * 64 + 32, &num))
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	if (!rc) {
		x->map = map;
		x->map_len = (size_t)st.st_size;
		x->pfx_map = pmap;
		x->pfx_map_len = (size_t)n * 8;
		x->pfx = pmap;
		x->fz = (const slot *)(p + np * 64);
		x->n_fz = (size_t)n;
		if (frozen_prepare(x))
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	} else {
		munmap(map, (size_t)st.st_size);
		if (pmap)
			munmap(pmap, (size_t)n * 8);
	}
	pthread_rwlock_unlock(&x->lock);
	return rc;
}

/* ---- loading index files ---- */

typedef struct load_ctx {
	rp_index *x;
	uint32_t pack;
	idset *superseded;
	int collect_only;
	slot *v; /* entries gathered for the frozen table */
	size_t n, cap;
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
	if (!entry_fits(en))
		return RP_ECORRUPT;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		slot *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return RP_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	slot *s = &l->v[l->n++];
	s->id = en->id;
	s->pack = l->pack;
	s->offset = en->offset;
	s->sealed_len = en->sealed_len;
	s->raw_meta = raw_meta(en);
	return 0;
}

static int slot_cmp(const void *a, const void *b)
{
	return memcmp(((const slot *)a)->id.b, ((const slot *)b)->id.b, RP_ID_BYTES);
}

static int id65_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* Reads and decodes every index file into l (pack table in x). */
static int read_index_files(rp_index *x, rp_repo *r, char (*ids)[65], size_t n, int flags, load_ctx *l,
			    size_t *bad, rp_err *e)
{
	rp_buf *bodies = calloc(n ? n : 1, sizeof *bodies);
	rp_blob_codec *c = NULL;
	int rc = bodies ? rp_blob_codec_new(&c, 1, e) : rp_err_set(e, RP_ENOMEM, "out of memory");
	rp_indexfile_visitor v = {l, on_supersedes, on_pack, on_blob};
	if (rc)
		goto done;
	/* pass 1: read and open every file, collect what is superseded */
	l->collect_only = 1;
	for (size_t i = 0; i < n; i++) {
		rp_err fe;
		rc = rp_repo_load(r, c, RP_SF_INDEX, ids[i], &bodies[i], &fe);
		if (!rc)
			rc = rp_indexfile_decode(bodies[i].data, bodies[i].len, &v, &fe);
		if (rc) {
			if ((flags & RP_INDEX_STRICT) || rc == RP_ENOMEM || rc == RP_EPERM) {
				rp_err_set(e, rc, "index/%s: %s", ids[i], fe.msg);
				goto done;
			}
			(*bad)++;
			rp_buf_free(&bodies[i]);
			rc = 0;
		}
	}
	/* pass 2: the entries of files nobody supersedes */
	l->collect_only = 0;
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
		if (l->superseded->cap)
			idset_find(l->superseded, &fid, &found);
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
	for (size_t i = 0; bodies && i < n; i++)
		rp_buf_free(&bodies[i]);
	free(bodies);
	rp_blob_codec_free(c);
	return rc;
}

/* Sorts the gathered entries, drops duplicate ids, and makes them the
 * frozen table. */
static int freeze(rp_index *x, load_ctx *l, rp_err *e)
{
	if (l->n)
		qsort(l->v, l->n, sizeof *l->v, slot_cmp);
	size_t k = 0;
	for (size_t i = 0; i < l->n; i++)
		if (!k || memcmp(l->v[k - 1].id.b, l->v[i].id.b, RP_ID_BYTES))
			l->v[k++] = l->v[i];
	x->fz_owned = l->v;
	x->fz = l->v;
	x->n_fz = k;
	l->v = NULL;
	return frozen_prepare(x) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0;
}

/* Writes the frozen table as a cache file (best effort). */
static void save_cache(rp_index *x, const char *path, const uint8_t key[32])
{
	rp_index_cache_writer *w;
	rp_err e;
	rp_id *ids = malloc((x->n_packs ? x->n_packs : 1) * sizeof *ids);
	uint8_t(*ephs)[32] = malloc((x->n_packs ? x->n_packs : 1) * 32);
	if (ids && ephs) {
		for (size_t i = 0; i < x->n_packs; i++) {
			ids[i] = x->packs[i].id;
			memcpy(ephs[i], x->packs[i].eph, 32);
		}
		if (!rp_index_cache_create(&w, path, key, x->n_packs, ids, (const uint8_t(*)[32])ephs, &e)) {
			int rc = 0;
			for (size_t i = 0; i < x->n_fz && !rc; i++) {
				rp_blob_loc loc;
				loc_from_slot(&x->fz[i], &loc);
				rc = rp_index_cache_add(w, &x->fz[i].id, &loc, &e);
			}
			if (rc)
				rp_index_cache_finish(w, &e), unlink(path);
			else
				rp_index_cache_finish(w, &e);
		}
	}
	free(ids);
	free(ephs);
}

/* The cache file for a set of index files: <cache>/index/<key>. */
static int cache_key(rp_repo *r, char (*ids)[65], size_t n, uint8_t key[32], char **path, rp_err *e)
{
	rp_sha256 *s;
	int rc = rp_sha256_new(&s, e);
	if (rc)
		return rc;
	rp_sha256_update(s, "rempart index cache v1", 22);
	rp_sha256_update(s, r->mk.repo_id, 32);
	for (size_t i = 0; i < n; i++)
		rp_sha256_update(s, ids[i], 64);
	rp_sha256_final(s, key);
	rp_sha256_free(s);
	char hex[65];
	rp_hex_encode(hex, key, 32);
	size_t len = strlen(r->cache_dir) + 80;
	if (!(*path = malloc(len)))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	snprintf(*path, len, "%s/index", r->cache_dir);
	mkdir(r->cache_dir, 0700);
	mkdir(*path, 0700);
	snprintf(*path, len, "%s/index/%s", r->cache_dir, hex);
	return 0;
}

/* Removes cache files other than keep (older sets of index files). */
static void drop_old_caches(const char *keep)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", keep);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return;
	*slash = 0;
	const char *base = slash + 1;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' && strncmp(de->d_name, base, 64) && strlen(de->d_name) >= 64)
			unlinkat(fd, de->d_name, 0);
	closedir(d);
}

int rp_index_load(rp_index *x, rp_repo *r, int flags, size_t *damaged, rp_err *e)
{
	char(*ids)[65] = NULL;
	size_t n = 0, bad = 0;
	idset superseded = {0};
	load_ctx l = {x, 0, &superseded, 1, NULL, 0, 0};
	char *path = NULL;
	uint8_t key[32];
	int rc = rp_repo_list_ids(r, "index", &ids, &n, e);
	if (rc)
		return rc;
	if (n)
		qsort(ids, n, sizeof *ids, id65_cmp);
	int use_cache = !(flags & RP_INDEX_NO_CACHE) && r->cache_dir && !cache_key(r, ids, n, key, &path, e);
	if (use_cache && !rp_index_open_cache(x, path, key, e)) {
		/* the cache reflects exactly these index files, superseded ones out */
		x->files = calloc(n ? n : 1, sizeof *x->files);
		if (!x->files) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
			goto done;
		}
		memcpy(x->files, ids, n * sizeof *ids);
		x->n_files = n;
		goto done;
	}
	rp_err_clear(e);
	if ((rc = read_index_files(x, r, ids, n, flags, &l, &bad, e)) || (rc = freeze(x, &l, e)))
		goto done;
	if (use_cache && !bad) {
		save_cache(x, path, key);
		drop_old_caches(path);
	}
done:
	if (damaged)
		*damaged = bad;
	free(l.v);
	free(path);
	free(ids);
	free(superseded.ids);
	free(superseded.used);
	return rc;
}
