/* backup_tree.c - the backup assembler: takes entries back in walk order,
 * builds tree blobs bottom-up and writes the new files cache. */
#include "backup_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#define TREE_PART_BYTES (4u << 20)
#define PROGRESS_SECONDS 0.25

typedef struct dirb {
	rp_buf name;
	struct stat st;
	rp_buf xattrs;
	const char *user, *group;
	uint32_t flags;
	rp_buf tree;  /* the part being filled */
	rp_buf parts; /* ids of full parts */
} dirb;

typedef struct asm_state {
	bk *b;
	dirb *stack;
	size_t depth, cap;
	rp_hasher *hasher;
	rp_blob_codec *codec;
	rp_buf cpart;  /* a content part being built */
	rp_buf cparts; /* a large file's list of content parts */
	rp_err err;
	double last_progress;
} asm_state;

static int store_tree(asm_state *a, const rp_buf *tree, rp_id *id)
{
	bk *b = a->b;
	if (rp_id_compute(b->repo->idkey, a->hasher, tree->data, tree->len, id))
		return rp_err_set(&a->err, RP_EIO, "hashing failed");
	int claimed = rp_index_claim(b->idx, id);
	if (claimed < 0)
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	if (claimed)
		return 0;
	const uint8_t *sealed;
	size_t slen;
	uint8_t flags;
	int rc = rp_blob_seal(a->codec, b->repo->cfg.aead, rp_packq_key(b->treeq), RP_BLOB_TREE, id, tree->data, tree->len,
			      1, &sealed, &slen, &flags, &a->err);
	if (!rc)
		rc = rp_packq_add(b->treeq, RP_BLOB_TREE, id, flags, (uint32_t)tree->len, sealed, slen, &a->err);
	if (rc) {
		rp_index_unclaim(b->idx, id);
		return rc;
	}
	__atomic_fetch_add(&b->n_blobs, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&b->n_added, tree->len, __ATOMIC_RELAXED);
	__atomic_fetch_add(&b->n_stored, slen, __ATOMIC_RELAXED);
	return 0;
}

static int push_dir(asm_state *a, const bk_ev *ev)
{
	if (a->depth == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 16;
		dirb *s = realloc(a->stack, cap * sizeof *s);
		if (!s)
			return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
		memset(s + a->cap, 0, (cap - a->cap) * sizeof *s);
		a->stack = s;
		a->cap = cap;
	}
	dirb *d = &a->stack[a->depth++];
	rp_buf_reset(&d->name);
	rp_buf_reset(&d->xattrs);
	rp_buf_reset(&d->parts);
	if ((ev && (rp_buf_put(&d->name, ev->name, ev->name_len) || rp_buf_put(&d->xattrs, ev->xattrs.data, ev->xattrs.len))) ||
	    rp_tree_begin(&d->tree))
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	if (ev) {
		d->st = ev->st;
		d->user = ev->user;
		d->group = ev->group;
		d->flags = ev->flags;
	}
	return 0;
}

/* Appends a node to the innermost open directory, spilling full parts. */
static int put_node(asm_state *a, const rp_node *n)
{
	dirb *d = &a->stack[a->depth - 1];
	if (rp_tree_put(&d->tree, n))
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	if (d->tree.len < TREE_PART_BYTES || a->depth == 1)
		return 0;
	rp_id id;
	int rc = store_tree(a, &d->tree, &id);
	if (rc)
		return rc;
	if (rp_buf_put(&d->parts, id.b, RP_ID_BYTES) || rp_tree_begin(&d->tree))
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	return 0;
}

static void node_meta(rp_node *n, const struct stat *st, const char *user, const char *group, uint32_t flags)
{
	memset(n, 0, sizeof *n);
	rp_node_from_stat(n, st);
	n->user = (rp_bytes){(const uint8_t *)user, user ? strlen(user) : 0};
	n->group = (rp_bytes){(const uint8_t *)group, group ? strlen(group) : 0};
	n->flags = flags;
}

static int pop_dir(asm_state *a)
{
	dirb *d = &a->stack[a->depth - 1];
	rp_id id;
	int rc = store_tree(a, &d->tree, &id);
	if (rc)
		return rc;
	if (rp_buf_put(&d->parts, id.b, RP_ID_BYTES))
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	rp_node n;
	node_meta(&n, &d->st, d->user, d->group, d->flags);
	n.name = (rp_bytes){d->name.data, d->name.len};
	n.xattrs = (rp_bytes){d->xattrs.data, d->xattrs.len};
	n.subtrees = (rp_bytes){d->parts.data, d->parts.len};
	a->depth--;
	__atomic_fetch_add(&a->b->n_dirs, 1, __ATOMIC_RELAXED);
	return put_node(a, &n);
}

/* Hard-link followers take the content their first path got. */
static int resolve_link(asm_state *a, bk_ev *ev)
{
	bk *b = a->b;
	int created;
	bk_link *l = bk_link_get(b, ev->st.st_dev, ev->st.st_ino, &created);
	if (!l)
		return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	pthread_mutex_lock(&b->link_mu);
	int rc = 0;
	if (!ev->link_follower) {
		l->failed = ev->skip;
		l->have_content = !ev->skip;
		rp_buf_reset(&l->content);
		if (!ev->skip && rp_buf_put(&l->content, ev->content.data, ev->content.len))
			rc = RP_ENOMEM;
		l->fp = ev->fp;
		memcpy(l->scan, ev->scan, ev->scan_len);
		l->scan_len = ev->scan_len;
		memcpy(l->pii, ev->pii, ev->pii_len);
		l->pii_len = ev->pii_len;
	} else if (l->have_content) {
		rp_buf_reset(&ev->content);
		if (rp_buf_put(&ev->content, l->content.data, l->content.len))
			rc = RP_ENOMEM;
		ev->fp = l->fp;
		memcpy(ev->scan, l->scan, l->scan_len);
		ev->scan_len = l->scan_len;
		memcpy(ev->pii, l->pii, l->pii_len);
		ev->pii_len = l->pii_len;
	} else {
		ev->skip = 1;
	}
	pthread_mutex_unlock(&b->link_mu);
	if (rc)
		return rp_err_set(&a->err, rc, "out of memory");
	if (ev->skip && ev->link_follower)
		bk_warn(b, "%s: hard link to a file that could not be read (skipped)", (char *)ev->path.data);
	return 0;
}

static int put_cache(asm_state *a, const bk_ev *ev)
{
	if (!a->b->cache_out)
		return 0;
	rp_fcache_rec r = {
		.path = (const char *)ev->path.data,
		.path_len = ev->path.len,
		.ino = ev->st.st_ino,
		.dev = ev->st.st_dev,
		.size = (uint64_t)ev->st.st_size,
		.mode = ev->st.st_mode,
		.mtime_s = ev->st.st_mtim.tv_sec,
		.mtime_ns = (uint32_t)ev->st.st_mtim.tv_nsec,
		.ctime_s = ev->st.st_ctim.tv_sec,
		.ctime_ns = (uint32_t)ev->st.st_ctim.tv_nsec,
		.fp = ev->fp,
		.content = ev->content.data,
		.content_len = ev->content.len,
		.scan = ev->scan,
		.scan_len = ev->scan_len,
		.pii = ev->pii,
		.pii_len = ev->pii_len,
		.xattrs_known = !(ev->flags & RP_NODE_F_XATTRERR),
		.xattrs = ev->xattrs.data,
		.xattrs_len = ev->xattrs.len,
	};
	return rp_fcache_put(a->b->cache_out, &r, &a->err);
}

static void count_file(bk *b, const bk_ev *ev)
{
	__atomic_fetch_add(&b->n_files, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&b->n_bytes, (uint64_t)ev->st.st_size, __ATOMIC_RELAXED);
	const char *status = NULL;
	if (!ev->has_prev) {
		__atomic_fetch_add(&b->n_new, 1, __ATOMIC_RELAXED);
		status = "new";
	} else if (ev->reused || ev->fp == ev->prev_fp) {
		__atomic_fetch_add(&b->n_unchanged, 1, __ATOMIC_RELAXED);
	} else {
		__atomic_fetch_add(&b->n_changed, 1, __ATOMIC_RELAXED);
		status = "changed";
	}
	if (status && b->o->file)
		b->o->file(b->o->ctx, status, (const char *)ev->path.data);
}

/* Feeds one file to the ransomware analyzer. */
static void analyze_file(bk *b, const bk_ev *ev)
{
	if (!b->analyzer)
		return;
	uint32_t chunks = 0;
	for (size_t off = 0; off + RP_CONTENT_ITEM_BYTES <= ev->content.len; off += RP_CONTENT_ITEM_BYTES) {
		static const uint8_t zero[RP_ID_BYTES];
		if (memcmp(ev->content.data + off, zero, RP_ID_BYTES))
			chunks++;
	}
	int changed = !ev->has_prev || ev->fp != ev->prev_fp;
	uint32_t shared = ev->reused || !changed ? chunks : ev->chunks_shared;
	rp_analyzer_file(b->analyzer, ev->path.data, ev->path.len, ev->scan, ev->scan_len, ev->fp,
			 ev->has_prev ? ev->prev_scan : NULL, ev->has_prev ? ev->prev_scan_len : 0, ev->prev_fp, changed,
			 chunks, shared);
}

/* Adds a file's personal-data counts to the snapshot's summary. */
static void count_pii(bk *b, const bk_ev *ev)
{
	if (!b->o->scan_pii)
		return;
	rp_pii_record r;
	b->pii_files++;
	if (!ev->pii_len || rp_pii_record_decode(ev->pii, ev->pii_len, &r) || !r.scanned) {
		b->pii_not_scanned++;
		return;
	}
	b->pii_scanned++;
	uint64_t total = 0;
	for (int k = 0; k < RP_PII_KINDS; k++) {
		b->pii_n[k] += r.n[k];
		total += r.n[k];
	}
	if (total)
		b->pii_files_with++;
}

/* Stores a large file's content list as content part blobs and points n
 * at the list of parts; smaller lists stay in the node. */
static int split_content(asm_state *a, rp_node *n)
{
	size_t count = rp_content_count(n);
	if (count <= RP_CONTENT_PART_ITEMS)
		return 0;
	rp_buf_reset(&a->cparts);
	for (size_t at = 0; at < count; at += RP_CONTENT_PART_ITEMS) {
		size_t k = count - at < RP_CONTENT_PART_ITEMS ? count - at : RP_CONTENT_PART_ITEMS;
		const uint8_t *items = n->content.p + at * RP_CONTENT_ITEM_BYTES;
		uint64_t bytes = 0;
		for (size_t i = 0; i < k; i++)
			bytes += rp_load_u64le(items + i * RP_CONTENT_ITEM_BYTES + RP_ID_BYTES);
		rp_id id;
		if (rp_content_part_begin(&a->cpart) || rp_buf_put(&a->cpart, items, k * RP_CONTENT_ITEM_BYTES))
			return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
		int rc = store_tree(a, &a->cpart, &id);
		if (rc)
			return rc;
		if (rp_content_put(&a->cparts, &id, bytes))
			return rp_err_set(&a->err, RP_ENOMEM, "out of memory");
	}
	n->content = (rp_bytes){0};
	n->content_parts = (rp_bytes){a->cparts.data, a->cparts.len};
	return 0;
}

static int add_node(asm_state *a, bk_ev *ev)
{
	bk *b = a->b;
	int rc;
	int is_file = S_ISREG(ev->st.st_mode);
	if (ev->link_group && is_file && (rc = resolve_link(a, ev)))
		return rc;
	if (ev->skip)
		return 0;
	rp_node n;
	node_meta(&n, &ev->st, ev->user, ev->group, ev->flags);
	n.name = (rp_bytes){ev->name, ev->name_len};
	n.xattrs = (rp_bytes){ev->xattrs.data, ev->xattrs.len};
	n.link_group = ev->link_group;
	if (S_ISLNK(ev->st.st_mode))
		n.target = (rp_bytes){ev->target.data, ev->target.len};
	if (is_file) {
		n.content = (rp_bytes){ev->content.data, ev->content.len};
		n.scan = (rp_bytes){ev->scan, ev->scan_len};
		n.pii = (rp_bytes){ev->pii, ev->pii_len};
		count_file(b, ev);
		count_pii(b, ev);
		analyze_file(b, ev);
		if ((rc = put_cache(a, ev)) || (rc = split_content(a, &n)))
			return rc;
	} else {
		__atomic_fetch_add(&b->n_others, 1, __ATOMIC_RELAXED);
	}
	return put_node(a, &n);
}

static void report_progress(asm_state *a, int force)
{
	bk *b = a->b;
	if (!b->o->progress)
		return;
	double now = bk_now();
	if (!force && now - a->last_progress < PROGRESS_SECONDS)
		return;
	a->last_progress = now;
	rp_backup_progress p = {
		.files = __atomic_load_n(&b->n_files, __ATOMIC_RELAXED),
		.dirs = __atomic_load_n(&b->n_dirs, __ATOMIC_RELAXED),
		.bytes = __atomic_load_n(&b->n_bytes, __ATOMIC_RELAXED),
		.bytes_read = __atomic_load_n(&b->n_read, __ATOMIC_RELAXED),
		.bytes_stored = __atomic_load_n(&b->n_stored, __ATOMIC_RELAXED),
		.errors = __atomic_load_n(&b->n_errors, __ATOMIC_RELAXED),
		.bytes_hint = b->parent_bytes,
		.seconds = now - b->t0,
	};
	b->o->progress(b->o->ctx, &p);
}

/* Hands back the `done` entries processed last, then waits for entries in
 * walk order whose content is ready; returns how many (at most max) from
 * b->tail on, 0 at the end of the walk. */
static size_t take_ready(bk *b, size_t done, size_t max)
{
	size_t k = 0;
	pthread_mutex_lock(&b->mu);
	if (done) {
		b->tail += done;
		pthread_cond_signal(&b->slot_free);
	}
	for (;;) {
		while (k < max && b->tail + k < b->head) {
			if (!bk_ev_ready(&b->ring[(b->tail + k) % BK_RING_SLOTS]))
				break;
			k++;
		}
		if (k || (b->tail == b->head && b->walk_done))
			break;
		b->asm_waiting = 1;
		pthread_cond_wait(&b->ev_ready, &b->mu);
		b->asm_waiting = 0;
	}
	pthread_mutex_unlock(&b->mu);
	return k;
}

static int process_entry(asm_state *a, bk_ev *ev)
{
	bk *b = a->b;
	switch (ev->kind) {
	case EV_ENTER: return push_dir(a, ev);
	case EV_LEAVE: return a->depth > 1 ? pop_dir(a) : rp_err_set(&a->err, RP_EINVAL, "walk out of balance");
	case EV_NODE: return add_node(a, ev);
	case EV_DELETED:
		if (b->analyzer)
			rp_analyzer_deleted(b->analyzer, ev->path.data, ev->path.len, ev->prev_scan, ev->prev_scan_len,
					    ev->prev_fp);
		return 0;
	default: return 0;
	}
}

static int assemble(asm_state *a, rp_id *root)
{
	bk *b = a->b;
	int rc;
	if ((rc = rp_hasher_new(&a->hasher, &a->err)) || (rc = rp_blob_codec_new(&a->codec, b->repo->cfg.zstd_level, &a->err)) ||
	    (rc = push_dir(a, NULL)))
		return rc;
	size_t k = 0;
	while ((k = take_ready(b, k, BK_WAKE_BATCH)) > 0) {
		for (size_t i = 0; i < k; i++) {
			if (rc || __atomic_load_n(&b->abort, __ATOMIC_RELAXED))
				break;
			if ((rc = process_entry(a, &b->ring[(b->tail + i) % BK_RING_SLOTS])))
				bk_fail(b, rc, &a->err);
		}
		report_progress(a, 0);
	}
	if (rc || __atomic_load_n(&b->abort, __ATOMIC_RELAXED))
		return rc ? rc : RP_EINTR;
	if (a->depth != 1)
		return rp_err_set(&a->err, RP_EINVAL, "walk out of balance");
	if ((rc = store_tree(a, &a->stack[0].tree, root)))
		return rc;
	report_progress(a, 1);
	return 0;
}

void *bk_assembler_main(void *arg)
{
	bk_asm_args *args = arg;
	asm_state a = {.b = args->b};
	int rc = assemble(&a, &args->res->root);
	if (rc && rc != RP_EINTR)
		bk_fail(a.b, rc, &a.err);
	args->res->rc = rc;
	args->res->err = a.err;
	for (size_t i = 0; i < a.cap; i++) {
		rp_buf_free(&a.stack[i].name);
		rp_buf_free(&a.stack[i].xattrs);
		rp_buf_free(&a.stack[i].tree);
		rp_buf_free(&a.stack[i].parts);
	}
	free(a.stack);
	rp_buf_free(&a.cpart);
	rp_buf_free(&a.cparts);
	rp_blob_codec_free(a.codec);
	rp_hasher_free(a.hasher);
	return NULL;
}
