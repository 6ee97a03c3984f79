/* prune.c - removing unused data (see prune.h). */
#include "prune.h"

#include "blobread.h"
#include "format/indexfile.h"
#include "packq.h"
#include "snaps.h"
#include "treewalk.h"
#include "util/hex.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPACK_SMALL_PACK_FRACTION 0.25

/* ---- a set of blob ids ---- */

typedef struct idset {
	rp_id *v;
	uint8_t *used;
	size_t cap, n;
} idset;

static int idset_add(idset *s, const rp_id *id)
{
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 4096;
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

static void idset_free(idset *s)
{
	free(s->v);
	free(s->used);
}

/* ---- state ---- */

typedef struct pack_stat {
	uint64_t used_bytes, unused_bytes;
	uint32_t used, unused;
	int action; /* 0 keep, 1 delete, 2 repack */
} pack_stat;

enum { KEEP = 0, DELETE = 1, REPACK = 2 };

typedef struct new_pack {
	rp_id id;
	uint8_t eph[32];
	rp_pack_entry *ents;
	size_t n;
} new_pack;

typedef struct pr {
	rp_repo *repo;
	rp_index *idx;
	const rp_prune_opts *o;
	rp_prune_result *res;
	idset used;
	idset kept; /* used blobs already placed in a kept or new pack */
	pack_stat *stats;
	pthread_mutex_t mu;
	new_pack *newp;
	size_t n_newp, cap_newp;
	char (*unref)[65];
	size_t n_unref, cap_unref;
} pr;

static void note(pr *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(pr *p, const char *fmt, ...)
{
	if (!p->o->note)
		return;
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	p->o->note(p->o->ctx, msg);
}

/* ---- marking ---- */

typedef struct mark_ctx {
	pr *p;
	rp_err *e;
} mark_ctx;

static int mark_enter(void *ctx, const char *path, size_t len, const rp_node *n)
{
	mark_ctx *m = ctx;
	(void)path, (void)len;
	for (size_t i = 0; i < rp_content_count(n); i++) {
		rp_id id;
		uint64_t l;
		int hole;
		rp_content_item(n, i, &id, &l, &hole);
		if (!hole && idset_add(&m->p->used, &id) < 0)
			return rp_err_set(m->e, RP_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n->subtrees.n / RP_ID_BYTES; i++) {
		rp_id id;
		memcpy(id.b, n->subtrees.p + i * RP_ID_BYTES, RP_ID_BYTES);
		if (idset_add(&m->p->used, &id) < 0)
			return rp_err_set(m->e, RP_ENOMEM, "out of memory");
	}
	/* a large file's content parts are tree blobs of their own */
	for (size_t i = 0; i < n->content_parts.n / RP_CONTENT_ITEM_BYTES; i++) {
		rp_id id;
		memcpy(id.b, n->content_parts.p + i * RP_CONTENT_ITEM_BYTES, RP_ID_BYTES);
		if (idset_add(&m->p->used, &id) < 0)
			return rp_err_set(m->e, RP_ENOMEM, "out of memory");
	}
	return 0;
}

static int mark_used(pr *p, const rp_snap_list *l, rp_err *e)
{
	rp_blob_reader *br;
	int rc = rp_blob_reader_new(&br, p->repo, p->idx, e);
	mark_ctx m = {p, e};
	rp_walk_ops ops = {&m, mark_enter, NULL, NULL};
	for (size_t i = 0; !rc && i < l->n; i++) {
		if (idset_add(&p->used, &l->v[i].s.tree) < 0)
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		else if ((rc = rp_tree_walk(br, &l->v[i].s.tree, &ops, e)))
			rp_err_prefix(e, "snapshot %.8s cannot be read, nothing was pruned (run 'rempart check')", l->v[i].id);
	}
	rp_blob_reader_free(br);
	return rc;
}

static int count_blob(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	pr *p = ctx;
	pack_stat *s = &p->stats[loc->pack];
	if (idset_has(&p->used, id)) {
		s->used++;
		s->used_bytes += loc->sealed_len;
		p->res->blobs_used++;
	} else {
		s->unused++;
		s->unused_bytes += loc->sealed_len;
		p->res->blobs_unused++;
	}
	return 0;
}

static int collect_unref(void *ctx, const char *name, uint64_t size)
{
	pr *p = ctx;
	const char *base = strrchr(name, '/');
	base = base ? base + 1 : name;
	rp_id id;
	if (strlen(base) != 64 || rp_hex_decode(id.b, 32, base, 64))
		return 0;
	if (rp_index_find_pack(p->idx, &id) >= 0)
		return 0;
	if (p->n_unref == p->cap_unref) {
		size_t cap = p->cap_unref ? p->cap_unref * 2 : 64;
		void *v = realloc(p->unref, cap * sizeof *p->unref);
		if (!v)
			return 1;
		p->unref = v;
		p->cap_unref = cap;
	}
	memcpy(p->unref[p->n_unref++], base, 65);
	p->res->packs_unreferenced++;
	p->res->bytes_freed += size;
	p->res->bytes_before += size;
	return 0;
}

/* ---- repacking ---- */

static int on_new_pack(void *ctx, const rp_id *pack, const uint8_t eph[32], const rp_pack_entry *ents, size_t n,
		       uint64_t bytes, rp_err *e)
{
	pr *p = ctx;
	(void)bytes;
	rp_pack_entry *copy = malloc((n ? n : 1) * sizeof *copy);
	if (!copy)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	memcpy(copy, ents, n * sizeof *copy);
	pthread_mutex_lock(&p->mu);
	if (p->n_newp == p->cap_newp) {
		size_t cap = p->cap_newp ? p->cap_newp * 2 : 16;
		void *v = realloc(p->newp, cap * sizeof *p->newp);
		if (!v) {
			pthread_mutex_unlock(&p->mu);
			free(copy);
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		}
		p->newp = v;
		p->cap_newp = cap;
	}
	new_pack *np = &p->newp[p->n_newp++];
	np->id = *pack;
	memcpy(np->eph, eph, 32);
	np->ents = copy;
	np->n = n;
	pthread_mutex_unlock(&p->mu);
	return 0;
}

typedef struct repack_ctx {
	pr *p;
	uint32_t pack;
	rp_pack_entry *ents;
	size_t n, cap;
} repack_ctx;

static int collect_pack_blobs(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	repack_ctx *r = ctx;
	if (loc->pack != r->pack || !idset_has(&r->p->used, id) || idset_has(&r->p->kept, id))
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		void *v = realloc(r->ents, cap * sizeof *r->ents);
		if (!v)
			return 1;
		r->ents = v;
		r->cap = cap;
	}
	rp_pack_entry *x = &r->ents[r->n++];
	x->id = *id;
	x->type = loc->type;
	x->flags = loc->flags;
	x->offset = loc->offset;
	x->sealed_len = loc->sealed_len;
	x->raw_len = loc->raw_len;
	return 0;
}

static int repack_one(pr *p, uint32_t pack, rp_packq *q, rp_blob_reader *br, rp_blob_codec *c, rp_err *e)
{
	repack_ctx r = {p, pack, NULL, 0, 0};
	char name[RP_NAME_BYTES];
	rp_buf raw = {0};
	int rc = 0;
	if (rp_index_foreach(p->idx, collect_pack_blobs, &r))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	rp_repo_pack_name(name, rp_index_pack_id(p->idx, pack));
	for (size_t i = 0; i < r.n && !rc; i++) {
		rp_pack_entry *x = &r.ents[i];
		rp_blob_loc loc = {pack, x->offset, x->sealed_len, x->raw_len, x->type, x->flags};
		const uint8_t *plain, *sealed;
		size_t slen;
		uint8_t flags;
		rp_buf_reset(&raw);
		rc = rp_store_get(p->repo->store, name, x->offset, x->sealed_len, &raw, e);
		if (!rc)
			rc = rp_blob_open_at(br, &x->id, &loc, raw.data, &plain, e);
		if (!rc)
			rc = rp_blob_seal(c, p->repo->cfg.aead, rp_packq_key(q), x->type, &x->id, plain, x->raw_len, 1, &sealed,
					  &slen, &flags, e);
		if (!rc)
			rc = rp_packq_add(q, x->type, &x->id, flags, x->raw_len, sealed, slen, e);
		if (!rc && idset_add(&p->kept, &x->id) < 0)
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		if (!rc)
			p->res->bytes_repacked += x->sealed_len;
	}
	free(r.ents);
	rp_buf_free(&raw);
	return rc;
}

/* ---- the new index ---- */

typedef struct kept_ctx {
	pr *p;
	rp_index_pack *packs; /* one per pack number, only kept ones filled */
	size_t *caps;
	int oom;
} kept_ctx;

static int gather_kept(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	kept_ctx *k = ctx;
	if (k->p->stats[loc->pack].action != KEEP)
		return 0;
	rp_index_pack *ip = &k->packs[loc->pack];
	if (ip->count == k->caps[loc->pack]) {
		size_t cap = k->caps[loc->pack] ? k->caps[loc->pack] * 2 : 64;
		void *v = realloc((void *)ip->entries, cap * sizeof *ip->entries);
		if (!v) {
			k->oom = 1;
			return 1;
		}
		ip->entries = v;
		k->caps[loc->pack] = cap;
	}
	rp_pack_entry *x = (rp_pack_entry *)&ip->entries[ip->count++];
	x->id = *id;
	x->type = loc->type;
	x->flags = loc->flags;
	x->offset = loc->offset;
	x->sealed_len = loc->sealed_len;
	x->raw_len = loc->raw_len;
	return 0;
}

static int write_new_index(pr *p, rp_err *e)
{
	/* every index file present, including ones already superseded: if one
	 * were left out it would come back to life once its superseder goes */
	char(*files)[65] = NULL;
	size_t nf = 0;
	int rc = rp_repo_list_ids(p->repo, "index", &files, &nf, e);
	if (rc)
		return rc;
	size_t np = rp_index_pack_count(p->idx);
	rp_index_pack *packs = calloc(np + p->n_newp + 1, sizeof *packs);
	size_t *caps = calloc(np + 1, sizeof *caps);
	rp_id *old = calloc(nf + 1, sizeof *old);
	rp_buf body = {0};
	rp_blob_codec *c = NULL;
	if (!packs || !caps || !old) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	kept_ctx k = {p, packs, caps, 0};
	rp_index_foreach(p->idx, gather_kept, &k);
	if (k.oom) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	size_t out = 0;
	for (uint32_t i = 0; i < np; i++) {
		if (p->stats[i].action != KEEP || !packs[i].count)
			continue;
		packs[out] = packs[i];
		if (out != i)
			packs[i].entries = NULL, packs[i].count = 0;
		packs[out].pack_id = *rp_index_pack_id(p->idx, i);
		memcpy(packs[out].eph_pk, rp_index_pack_eph(p->idx, i), 32);
		out++;
	}
	for (size_t i = 0; i < p->n_newp; i++) {
		packs[out].pack_id = p->newp[i].id;
		memcpy(packs[out].eph_pk, p->newp[i].eph, 32);
		packs[out].entries = p->newp[i].ents;
		packs[out].count = p->newp[i].n;
		out++;
	}
	for (size_t i = 0; i < nf; i++)
		rp_hex_decode(old[i].b, 32, files[i], 64);
	char id[65];
	if ((rc = rp_indexfile_encode(&body, old, nf, packs, out, e)) || (rc = rp_blob_codec_new(&c, 3, e)) ||
	    (rc = rp_store_sync(p->repo->store, e)) ||
	    (rc = rp_repo_save(p->repo, c, RP_SF_INDEX, body.data, body.len, id, e)) ||
	    (rc = rp_store_sync(p->repo->store, e)))
		goto done;
	note(p, "wrote index %.8s replacing %zu index file(s)", id, nf);
	/* the new index supersedes the old ones: now they may go */
	for (size_t i = 0; i < nf; i++) {
		char name[RP_NAME_BYTES];
		const char *fid = files[i];
		if (!strcmp(fid, id))
			continue;
		rp_repo_name(name, "index", fid);
		if ((rc = rp_store_remove(p->repo->store, name, e)) && rc != RP_ENOTFOUND)
			goto done;
		rc = 0;
		p->res->index_files_replaced++;
	}
done:
	/* kept packs' entry arrays were gathered here; new packs' belong to p */
	for (size_t i = 0; packs && i < np + p->n_newp; i++) {
		int is_new = 0;
		for (size_t j = 0; j < p->n_newp; j++)
			if (packs[i].entries == p->newp[j].ents)
				is_new = 1;
		if (!is_new)
			free((void *)packs[i].entries);
	}
	free(packs);
	free(caps);
	free(old);
	free(files);
	rp_buf_free(&body);
	rp_blob_codec_free(c);
	return rc;
}

static int delete_pack(pr *p, const char *hex, rp_err *e)
{
	char name[RP_NAME_BYTES];
	snprintf(name, sizeof name, "data/%.2s/%s", hex, hex);
	int rc = rp_store_remove(p->repo->store, name, e);
	return rc == RP_ENOTFOUND ? 0 : rc;
}

static int decide(pr *p)
{
	size_t np = rp_index_pack_count(p->idx);
	uint64_t target = p->repo->cfg.pack_bytes;
	double frac = p->o->repack_unused_fraction > 0 ? p->o->repack_unused_fraction : 0.2;
	for (uint32_t i = 0; i < np; i++) {
		pack_stat *s = &p->stats[i];
		uint64_t total = s->used_bytes + s->unused_bytes;
		p->res->packs_total++;
		p->res->bytes_before += total;
		if (!s->used) {
			s->action = DELETE;
			p->res->packs_deleted++;
			p->res->bytes_freed += total;
		} else if (s->unused && ((double)s->unused_bytes > frac * (double)total ||
					 (double)total < REPACK_SMALL_PACK_FRACTION * (double)target)) {
			s->action = REPACK;
			p->res->packs_repacked++;
			p->res->bytes_freed += s->unused_bytes;
		}
	}
	return 0;
}

static int mark_kept_blob(void *ctx, const rp_id *id, const rp_blob_loc *loc)
{
	pr *p = ctx;
	if (p->stats[loc->pack].action == KEEP && idset_add(&p->kept, id) < 0)
		return 1;
	return 0;
}

int rp_prune_run(rp_repo *r, const rp_prune_opts *o, rp_prune_result *res, rp_err *e)
{
	pr p = {0};
	rp_snap_list l = {0};
	rp_packq *q = NULL;
	rp_blob_reader *br = NULL;
	rp_blob_codec *c = NULL;
	size_t damaged = 0;
	int rc;
	memset(res, 0, sizeof *res);
	p.repo = r;
	p.o = o;
	p.res = res;
	pthread_mutex_init(&p.mu, NULL);
	if (!rp_repo_can_read(r)) {
		rc = rp_err_set(e, RP_EPERM, "this is a backup-only key: prune needs a full key");
		goto done;
	}
	if ((rc = rp_index_new(&p.idx, e)) || (rc = rp_index_load(p.idx, r, RP_INDEX_STRICT | RP_INDEX_NO_CACHE, &damaged, e)))
		goto done;
	if ((rc = rp_snaps_load(r, &l, e)))
		goto done;
	if (l.n_damaged) {
		rc = rp_err_set(e, RP_ECORRUPT, "snapshot %.16s is damaged; nothing was pruned (run 'rempart check')",
				l.damaged[0]);
		goto done;
	}
	if ((rc = mark_used(&p, &l, e)))
		goto done;
	size_t np = rp_index_pack_count(p.idx);
	if (!(p.stats = calloc(np + 1, sizeof *p.stats))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	rp_index_foreach(p.idx, count_blob, &p);
	if ((rc = rp_store_list(r->store, "data", collect_unref, &p, e)))
		goto done;
	decide(&p);
	if (o->dry_run)
		goto done;
	if (!res->packs_deleted && !res->packs_repacked && !res->packs_unreferenced)
		goto done;
	/* used blobs in kept packs need no copy */
	if (rp_index_foreach(p.idx, mark_kept_blob, &p)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	if (res->packs_repacked) {
		if ((rc = rp_packq_new(&q, r, 8u << 20, 0, on_new_pack, &p, e)) || (rc = rp_blob_reader_new(&br, r, p.idx, e)) ||
		    (rc = rp_blob_codec_new(&c, r->cfg.zstd_level, e)))
			goto done;
		for (uint32_t i = 0; i < np && !rc; i++)
			if (p.stats[i].action == REPACK)
				rc = repack_one(&p, i, q, br, c, e);
		if (!rc)
			rc = rp_packq_flush(q, e);
		if (rc)
			goto done;
		note(&p, "repacked %llu pack(s) into %zu new one(s)", (unsigned long long)res->packs_repacked, p.n_newp);
	}
	if ((rc = write_new_index(&p, e)))
		goto done;
	for (uint32_t i = 0; i < np && !rc; i++) {
		if (p.stats[i].action == KEEP)
			continue;
		char hex[65];
		rp_hex_encode(hex, rp_index_pack_id(p.idx, i)->b, 32);
		rc = delete_pack(&p, hex, e);
	}
	for (size_t i = 0; i < p.n_unref && !rc; i++)
		rc = delete_pack(&p, p.unref[i], e);
	if (!rc)
		rc = rp_store_sync(r->store, e);
done:
	rp_packq_free(q);
	rp_blob_reader_free(br);
	rp_blob_codec_free(c);
	for (size_t i = 0; i < p.n_newp; i++)
		free(p.newp[i].ents);
	free(p.newp);
	free(p.unref);
	free(p.stats);
	idset_free(&p.used);
	idset_free(&p.kept);
	rp_snaps_free(&l);
	rp_index_free(p.idx);
	pthread_mutex_destroy(&p.mu);
	return rc;
}
