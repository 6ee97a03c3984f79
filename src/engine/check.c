/* check.c - verifying a repository (see check.h). */
#include "check.h"

#include "blobread.h"
#include "snaps.h"
#include "treewalk.h"
#include "util/hex.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WINDOW_BYTES (2u << 20)

typedef struct pack_file {
	rp_id id;
	uint64_t size;
	int indexed;
} pack_file;

/* A set of ids (open addressing on the first 8 bytes). */
typedef struct idset {
	rp_id *v;
	uint8_t *used;
	size_t cap, n;
} idset;

static int idset_add(idset *s, const rp_id *id)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		idset t = {calloc(cap, sizeof(rp_id)), calloc(cap, 1), cap, 0};
		if (!t.v || !t.used) {
			free(t.v);
			free(t.used);
			return -1;
		}
		for (size_t i = 0; i < s->cap; i++)
			if (s->used[i])
				idset_add(&t, &s->v[i]);
		free(s->v);
		free(s->used);
		*s = t;
	}
	size_t j = rp_load_u64le(id->b) & (s->cap - 1);
	while (s->used[j]) {
		if (!memcmp(s->v[j].b, id->b, RP_ID_BYTES))
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->v[j] = *id;
	s->used[j] = 1;
	s->n++;
	return 1;
}

static int idset_has(const idset *s, const rp_id *id)
{
	if (!s->cap)
		return 0;
	size_t j = rp_load_u64le(id->b) & (s->cap - 1);
	while (s->used[j]) {
		if (!memcmp(s->v[j].b, id->b, RP_ID_BYTES))
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

typedef struct ck {
	rp_repo *repo;
	rp_index *idx;
	const rp_check_opts *o;
	rp_check_result *res;
	pthread_mutex_t mu;
	pack_file *packs;
	size_t n_packs, cap_packs;
	size_t next; /* next pack for a data worker */
	idset bad;   /* blobs found damaged or missing */
	idset seen_trees;
	uint64_t bytes_total;
	uint32_t *pack_blobs; /* blobs the index places in each pack */
	const char *snap_id; /* snapshot being walked (messages) */
	int tracing;         /* second walk: report paths that use bad blobs */
} ck;

static void ck_error(ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ck_error(ck *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->mu);
	c->res->errors++;
	if (c->o->error)
		c->o->error(c->o->ctx, msg);
	pthread_mutex_unlock(&c->mu);
}

static void ck_warning(ck *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ck_warning(ck *c, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&c->mu);
	c->res->warnings++;
	if (c->o->warning)
		c->o->warning(c->o->ctx, msg);
	pthread_mutex_unlock(&c->mu);
}

static void mark_bad(ck *c, const rp_id *id)
{
	pthread_mutex_lock(&c->mu);
	idset_add(&c->bad, id);
	pthread_mutex_unlock(&c->mu);
}

static int collect_pack(void *ctx, const char *name, uint64_t size)
{
	ck *c = ctx;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	rp_id id;
	if (strlen(base) != 64 || rp_hex_decode(id.b, 32, base, 64))
		return 0;
	if (c->n_packs == c->cap_packs) {
		size_t cap = c->cap_packs ? c->cap_packs * 2 : 256;
		pack_file *p = realloc(c->packs, cap * sizeof *p);
		if (!p)
			return 1;
		c->packs = p;
		c->cap_packs = cap;
	}
	c->packs[c->n_packs].id = id;
	c->packs[c->n_packs].size = size;
	c->packs[c->n_packs].indexed = 0;
	c->n_packs++;
	c->bytes_total += size;
	return 0;
}

static int pack_cmp(const void *x, const void *y)
{
	return memcmp(((const pack_file *)x)->id.b, ((const pack_file *)y)->id.b, RP_ID_BYTES);
}

static pack_file *find_pack(ck *c, const rp_id *id)
{
	pack_file key = {.id = *id};
	if (!c->n_packs)
		return NULL;
	return bsearch(&key, c->packs, c->n_packs, sizeof *c->packs, pack_cmp);
}

/* Every blob the index names must lie inside an existing pack. */
static int check_blob_loc(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	ck *c = ctx;
	const rp_id *pid = rp_index_pack_id(c->idx, loc->pack);
	pack_file *p = find_pack(c, pid);
	char hex[65];
	c->res->blobs++;
	if (!p) {
		mark_bad(c, id);
		return 0; /* reported once per pack below */
	}
	p->indexed = 1;
	if ((uint64_t)loc->offset + loc->sealed_len > p->size) {
		rp_hex_encode(hex, pid->b, 32);
		ck_error(c, "pack %.16s is truncated: a blob ends at %llu, the file has %llu bytes", hex,
			 (unsigned long long)loc->offset + loc->sealed_len, (unsigned long long)p->size);
		mark_bad(c, id);
	}
	return 0;
}

static void check_packs_exist(ck *c)
{
	size_t np = rp_index_pack_count(c->idx);
	for (uint32_t i = 0; i < np; i++) {
		const rp_id *pid = rp_index_pack_id(c->idx, i);
		if (!find_pack(c, pid)) {
			char hex[65];
			rp_hex_encode(hex, pid->b, 32);
			ck_error(c, "pack %s is named by the index but missing from data/", hex);
		}
	}
	for (size_t i = 0; i < c->n_packs; i++) {
		if (c->packs[i].indexed)
			continue;
		/* a pack could also hold only blobs another pack duplicates */
		int64_t num = rp_index_find_pack(c->idx, &c->packs[i].id);
		if (num >= 0)
			continue;
		char hex[65];
		rp_hex_encode(hex, c->packs[i].id.b, 32);
		c->res->unreferenced_packs++;
		ck_warning(c, "pack %.16s is not in any index (left by an interrupted backup; 'rempart prune' removes it)", hex);
	}
}

/* ---- trees ---- */

typedef struct tw {
	ck *c;
	rp_blob_reader *br;
} tw;

static int tw_enter(void *ctx, const char *path, size_t len, const rp_node *n)
{
	tw *t = ctx;
	ck *c = t->c;
	if (n->type == RP_NODE_FILE) {
		size_t count = rp_content_count(n);
		for (size_t i = 0; i < count; i++) {
			rp_id id;
			uint64_t l;
			int hole;
			rp_content_item(n, i, &id, &l, &hole);
			if (hole)
				continue;
			rp_blob_loc loc;
			if (c->tracing) {
				if (idset_has(&c->bad, &id)) {
					ck_error(c, "snapshot %.8s: %.*s is damaged (uses a damaged or missing blob)", c->snap_id,
						 (int)len, path);
					break;
				}
			} else if (!rp_index_lookup(c->idx, &id, &loc)) { /* any type: see rp_blob_read */
				char hex[65];
				rp_hex_encode(hex, id.b, 32);
				ck_error(c, "snapshot %.8s: %.*s: data blob %.16s is missing", c->snap_id, (int)len, path, hex);
				mark_bad(c, &id);
				break;
			}
		}
		return 0;
	}
	if (n->type != RP_NODE_DIR || c->tracing)
		return 0;
	/* a subtree seen in an earlier snapshot was checked already */
	size_t nt = n->subtrees.n / RP_ID_BYTES;
	int all_seen = nt > 0;
	for (size_t i = 0; i < nt; i++) {
		rp_id id;
		memcpy(id.b, n->subtrees.p + i * RP_ID_BYTES, RP_ID_BYTES);
		if (idset_add(&c->seen_trees, &id) != 0)
			all_seen = 0;
		c->res->trees++;
	}
	return all_seen ? 1 : 0;
}

static int tw_damaged(void *ctx, const char *path, size_t len, const rp_err *err)
{
	tw *t = ctx;
	if (!t->c->tracing)
		ck_error(t->c, "snapshot %.8s: %.*s cannot be read: %s", t->c->snap_id, (int)len, path, err->msg);
	return 0;
}

static int walk_snapshots(ck *c, const rp_snap_list *l, rp_err *e)
{
	rp_blob_reader *br;
	int rc = rp_blob_reader_new(&br, c->repo, c->idx, e);
	if (rc)
		return rc;
	tw t = {c, br};
	rp_walk_ops ops = {&t, tw_enter, NULL, tw_damaged};
	for (size_t i = 0; i < l->n && !rc; i++) {
		c->snap_id = l->v[i].id;
		rc = rp_tree_walk(br, &l->v[i].s.tree, &ops, e);
		if (rc && rc != RP_ENOMEM && rc != RP_EPERM) {
			ck_error(c, "snapshot %.8s: %s", l->v[i].id, e->msg);
			rc = 0;
		}
	}
	rp_blob_reader_free(br);
	return rc;
}

/* ---- read-data ---- */

typedef struct dw {
	ck *c;
	rp_blob_reader *br;
	rp_aead *aead;
	rp_sha256 *sha;
	rp_buf win;
	rp_buf tail;
	uint64_t bytes;
} dw;

static int entry_cmp(const void *x, const void *y)
{
	const rp_pack_entry *a = x, *b = y;
	return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Reads the pack's header and trailer; 0 and the sorted entries, or -1
 * after reporting the damage. */
static int read_trailer(dw *w, const pack_file *p, const char *hex, const char *name, rp_pack_entry **ents,
			size_t *n, uint64_t *blobs_end)
{
	ck *c = w->c;
	rp_err e;
	uint8_t eph[32], key[RP_KEY_BYTES], hdr[RP_PACK_HEADER_BYTES];
	uint32_t tlen;
	if (p->size < RP_PACK_HEADER_BYTES + 4) {
		ck_error(c, "pack %s: %llu bytes is too short to be a pack", hex, (unsigned long long)p->size);
		return -1;
	}
	rp_buf_reset(&w->tail);
	if (rp_store_get(c->repo->store, name, 0, RP_PACK_HEADER_BYTES, &w->tail, &e) ||
	    rp_pack_header_decode(w->tail.data, w->tail.len, eph, &e)) {
		ck_error(c, "pack %s: %s", hex, e.msg);
		return -1;
	}
	memcpy(hdr, w->tail.data, sizeof hdr);
	rp_buf_reset(&w->tail);
	if (rp_store_get(c->repo->store, name, p->size - 4, 4, &w->tail, &e) ||
	    rp_pack_trailer_len(w->tail.data, p->size, &tlen, &e)) {
		ck_error(c, "pack %s: %s", hex, e.msg);
		return -1;
	}
	rp_buf_reset(&w->tail);
	*blobs_end = p->size - 4 - tlen;
	int rc = rp_store_get(c->repo->store, name, p->size - 4 - tlen, tlen, &w->tail, &e);
	if (!rc)
		rc = rp_seal_key_open(c->repo->mk.data_sk, c->repo->mk.data_pk, eph, key, &e);
	if (!rc)
		rc = rp_pack_trailer_decode(w->aead, key, hdr, w->tail.data, tlen, p->size - 4 - tlen, ents, n, &e);
	rp_wipe(key, sizeof key);
	if (rc) {
		ck_error(c, "pack %s: trailer: %s", hex, e.msg);
		return -1;
	}
	if (*n)
		qsort(*ents, *n, sizeof **ents, entry_cmp);
	return 0;
}

/* 1 when the sorted entries cover [header, blobs_end) back to back: then
 * every byte of the pack is under an AEAD (the header is the trailer's
 * associated data), and opening every blob verifies the whole file. */
static int entries_tile(const rp_pack_entry *ents, size_t n, uint64_t blobs_end)
{
	uint64_t at = RP_PACK_HEADER_BYTES;
	for (size_t i = 0; i < n; i++) {
		if (ents[i].offset != at)
			return 0;
		at += ents[i].sealed_len;
	}
	return at == blobs_end;
}

/* 1 when the index places this blob in pack num at the entry's place;
 * 0 when it places it elsewhere (a copy in another pack); -1 when it
 * places it in this pack at another place. */
static int index_agrees(ck *c, int64_t num, const rp_pack_entry *x)
{
	rp_blob_loc loc;
	if (!rp_index_lookup(c->idx, &x->id, &loc) || loc.pack != (uint32_t)num)
		return 0;
	return loc.offset == x->offset && loc.sealed_len == x->sealed_len ? 1 : -1;
}

/* Verifies one pack; 0 when whole, -1 when it cannot be used at all. */
static int check_pack_data(dw *w, const pack_file *p)
{
	ck *c = w->c;
	char hex[65], name[RP_NAME_BYTES];
	rp_err e;
	rp_pack_entry *ents = NULL;
	size_t n = 0;
	rp_hex_encode(hex, p->id.b, 32);
	rp_repo_pack_name(name, &p->id);
	int64_t num = rp_index_find_pack(c->idx, &p->id);
	uint64_t blobs_end;
	if (read_trailer(w, p, hex, name, &ents, &n, &blobs_end))
		return -1;
	/* a pack the index uses, whose blobs cover it, is verified by its
	 * AEADs and by agreeing with the index; others by their SHA-256 name
	 * (restic hashes both: this halves the hashing of --read-data) */
	int by_name = num < 0 || !entries_tile(ents, n, blobs_end);
	size_t agreed = 0;
	rp_sha256_reset(w->sha);
	uint64_t pos = 0;
	size_t k = 0;
	int rc = 0;
	while (pos < p->size) {
		uint64_t want = p->size - pos < WINDOW_BYTES ? p->size - pos : WINDOW_BYTES;
		/* grow the window to the end of a blob that straddles it */
		for (size_t j = k; j < n && ents[j].offset < pos + want; j++)
			if (ents[j].offset + (uint64_t)ents[j].sealed_len > pos + want)
				want = ents[j].offset + (uint64_t)ents[j].sealed_len - pos;
		rp_buf_reset(&w->win);
		if (rp_store_get(c->repo->store, name, pos, want, &w->win, &e)) {
			ck_error(c, "pack %s: %s", hex, e.msg);
			rc = -1;
			break;
		}
		if (by_name)
			rp_sha256_update(w->sha, w->win.data, w->win.len);
		w->bytes += want;
		for (; k < n && ents[k].offset + (uint64_t)ents[k].sealed_len <= pos + want; k++) {
			const rp_pack_entry *x = &ents[k];
			if (num < 0)
				continue; /* unreferenced pack: nothing uses its blobs */
			int agree = index_agrees(c, num, x);
			if (agree < 0) {
				char idhex[65];
				rp_hex_encode(idhex, x->id.b, 32);
				ck_error(c, "pack %s: blob %.16s at offset %u is not where the index places it", hex, idhex,
					 x->offset);
			}
			agreed += agree > 0;
			rp_blob_loc loc = {(uint32_t)num, x->offset, x->sealed_len, x->raw_len, x->type, x->flags};
			const uint8_t *plain;
			if (rp_blob_open_at(w->br, &x->id, &loc, w->win.data + (x->offset - pos), &plain, &e)) {
				ck_error(c, "%s", e.msg);
				mark_bad(c, &x->id);
			}
		}
		pos += want;
	}
	if (!rc && by_name) {
		uint8_t h[32];
		rp_sha256_final(w->sha, h);
		if (memcmp(h, p->id.b, 32))
			ck_error(c, "pack %s: content does not match its name (damaged file)", hex);
	}
	if (!rc && num >= 0 && agreed != c->pack_blobs[num]) {
		ck_error(c, "pack %s: holds %zu of the %u blobs the index places in it (another file under its name?)",
			 hex, agreed, c->pack_blobs[num]);
		rc = -1;
	}
	free(ents);
	return rc;
}

typedef struct bad_pack_ctx {
	ck *c;
	uint8_t *bad; /* per pack number */
} bad_pack_ctx;

static int mark_in_bad_packs(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	bad_pack_ctx *b = ctx;
	if (b->bad[loc->pack])
		idset_add(&b->c->bad, id);
	return 0;
}

static int count_pack_blob(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	ck *c = ctx;
	(void)id;
	c->pack_blobs[loc->pack]++;
	return 0;
}

typedef struct dwargs {
	dw w;
	uint8_t *bad_packs;
	int rc;
	rp_err e;
} dwargs;

static void *data_main(void *arg)
{
	dwargs *a = arg;
	ck *c = a->w.c;
	for (;;) {
		pthread_mutex_lock(&c->mu);
		size_t i = c->next < c->n_packs ? c->next++ : SIZE_MAX;
		uint64_t done = c->res->bytes_read;
		pthread_mutex_unlock(&c->mu);
		if (i == SIZE_MAX)
			break;
		uint64_t before = a->w.bytes;
		if (check_pack_data(&a->w, &c->packs[i])) {
			int64_t num = rp_index_find_pack(c->idx, &c->packs[i].id);
			if (num >= 0)
				a->bad_packs[num] = 1;
		}
		pthread_mutex_lock(&c->mu);
		c->res->bytes_read += a->w.bytes - before;
		done = c->res->bytes_read;
		pthread_mutex_unlock(&c->mu);
		if (c->o->progress)
			c->o->progress(c->o->ctx, done, c->bytes_total);
	}
	return NULL;
}

static int read_all_data(ck *c, rp_err *e)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/* twice the CPUs: one reads while the other computes */
	int nw = c->o->workers > 0 ? c->o->workers : (int)(ncpu < 1 ? 2 : ncpu > 8 ? 16 : 2 * ncpu);
	size_t np = rp_index_pack_count(c->idx);
	uint8_t *bad = calloc(np ? np : 1, 1);
	dwargs *a = calloc((size_t)nw, sizeof *a);
	pthread_t *th = calloc((size_t)nw, sizeof *th);
	int rc = 0, started = 0;
	c->pack_blobs = calloc(np ? np : 1, sizeof *c->pack_blobs);
	if (!bad || !a || !th || !c->pack_blobs) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	rp_index_foreach(c->idx, count_pack_blob, c);
	for (int i = 0; i < nw; i++) {
		a[i].w.c = c;
		a[i].bad_packs = bad;
		if ((rc = rp_blob_reader_new(&a[i].w.br, c->repo, c->idx, e)) || (rc = rp_aead_new(&a[i].w.aead, e)) ||
		    (rc = rp_sha256_new(&a[i].w.sha, e)))
			goto join;
		if (pthread_create(&th[i], NULL, data_main, &a[i])) {
			rc = rp_err_set(e, RP_ENOMEM, "cannot start threads");
			goto join;
		}
		started++;
	}
join:
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < nw; i++) {
		rp_blob_reader_free(a[i].w.br);
		rp_aead_free(a[i].w.aead);
		rp_sha256_free(a[i].w.sha);
		rp_buf_free(&a[i].w.win);
		rp_buf_free(&a[i].w.tail);
	}
	if (!rc) {
		bad_pack_ctx b = {c, bad};
		rp_index_foreach(c->idx, mark_in_bad_packs, &b);
	}
done:
	free(bad);
	free(a);
	free(th);
	free(c->pack_blobs);
	c->pack_blobs = NULL;
	return rc;
}

int rp_check_run(rp_repo *r, const rp_check_opts *o, rp_check_result *res, rp_err *e)
{
	ck c = {0};
	rp_snap_list l = {0};
	size_t damaged_idx = 0;
	int rc;
	memset(res, 0, sizeof *res);
	c.repo = r;
	c.o = o;
	c.res = res;
	pthread_mutex_init(&c.mu, NULL);
	if (!rp_repo_can_read(r)) {
		rc = rp_err_set(e, RP_EPERM, "this is a backup-only key: check needs a full key");
		goto done;
	}
	if ((rc = rp_index_new(&c.idx, e)))
		goto done;
	if ((rc = rp_index_load(c.idx, r, RP_INDEX_NO_CACHE, &damaged_idx, e)))
		goto done;
	if (damaged_idx)
		ck_error(&c, "%zu index file(s) cannot be read (damaged); their packs are reported as unreferenced",
			 damaged_idx);
	if ((rc = rp_store_list(r->store, "data", collect_pack, &c, e)))
		goto done;
	if (c.n_packs)
		qsort(c.packs, c.n_packs, sizeof *c.packs, pack_cmp);
	res->packs = c.n_packs;
	rp_index_foreach(c.idx, check_blob_loc, &c);
	check_packs_exist(&c);
	if ((rc = rp_snaps_load(r, &l, e)))
		goto done;
	res->snapshots = l.n;
	for (size_t i = 0; i < l.n_damaged; i++)
		ck_error(&c, "snapshot %s cannot be read (damaged)", l.damaged[i]);
	if ((rc = walk_snapshots(&c, &l, e)))
		goto done;
	if (o->read_data && (rc = read_all_data(&c, e)))
		goto done;
	if (c.bad.n && o->read_data) {
		/* name the files that the damage touches, in every snapshot */
		c.tracing = 1;
		rc = walk_snapshots(&c, &l, e);
		if (rc)
			goto done;
	}
	if (res->errors)
		rc = rp_err_set(e, RP_ECORRUPT, "%llu error(s) found", (unsigned long long)res->errors);
done:
	rp_snaps_free(&l);
	rp_index_free(c.idx);
	free(c.packs);
	free(c.bad.v);
	free(c.bad.used);
	free(c.seen_trees.v);
	free(c.seen_trees.used);
	pthread_mutex_destroy(&c.mu);
	return rc;
}
