/* treewalk.c - recursive, ordered visit of trees. */
#include "treewalk.h"

#include "util/hex.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 4096

typedef struct walker {
	rp_blob_reader *b;
	const rp_walk_ops *ops;
	rp_buf path;
	rp_buf content; /* a large file's items, gathered from its parts */
	rp_err *e;
} walker;

static int walk_parts(walker *w, const uint8_t *subtrees, size_t n_ids, int depth);

/* Gathers the items of a file kept in content parts into w->content and
 * points the node at them, so visitors see every file the same way. */
static int gather_content(walker *w, rp_node *node)
{
	rp_buf_reset(&w->content);
	size_t np = node->content_parts.n / RP_CONTENT_ITEM_BYTES;
	for (size_t i = 0; i < np; i++) {
		const uint8_t *entry = node->content_parts.p + i * RP_CONTENT_ITEM_BYTES, *data, *items;
		uint64_t want = rp_load_u64le(entry + RP_ID_BYTES), got;
		size_t n, count;
		rp_id id;
		memcpy(id.b, entry, RP_ID_BYTES);
		int rc = rp_blob_read(w->b, &id, RP_BLOB_TREE, &data, &n, w->e);
		if (!rc)
			rc = rp_content_part_parse(data, n, &items, &count, &got, w->e);
		if (!rc && got != want)
			rc = rp_err_set(w->e, RP_ECORRUPT, "covers %llu bytes, not %llu", (unsigned long long)got,
					(unsigned long long)want);
		if (rc) {
			char hex[17];
			rp_hex_encode(hex, id.b, 8);
			rp_err_prefix(w->e, "content part %zu (%s)", i, hex);
			return rc;
		}
		if (rp_buf_put(&w->content, items, count * RP_CONTENT_ITEM_BYTES))
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
	}
	node->content = (rp_bytes){w->content.data, w->content.len};
	return 0;
}

/* Visits the entries of one tree part held in blob. */
static int walk_blob(walker *w, const uint8_t *blob, size_t n, int depth)
{
	rp_tree_iter it;
	rp_node node;
	int rc = rp_tree_iter_init(&it, blob, n, w->e);
	if (rc)
		return rc;
	size_t base = w->path.len;
	while ((rc = rp_tree_next(&it, &node, w->e)) == 1) {
		w->path.len = base;
		if (rp_buf_put_u8(&w->path, '/') || rp_buf_put(&w->path, node.name.p, node.name.n) || rp_buf_cstr(&w->path))
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		if (node.content_parts.n && (rc = gather_content(w, &node))) {
			if (rc == RP_ENOMEM || rc == RP_EPERM || !w->ops->damaged)
				return rc;
			/* this file cannot be restored; the walk goes on */
			rp_err copy = *w->e;
			if ((rc = w->ops->damaged(w->ops->ctx, (char *)w->path.data, w->path.len, &copy)))
				return rc;
			continue;
		}
		int k = w->ops->enter ? w->ops->enter(w->ops->ctx, (char *)w->path.data, w->path.len, &node) : 0;
		if (k < 0)
			return k;
		if (node.type == RP_NODE_DIR && k == 0) {
			if (depth >= MAX_DEPTH)
				return rp_err_set(w->e, RP_ECORRUPT, "%s: trees nested too deep", (char *)w->path.data);
			/* the node points into blob, which stays alive during recursion */
			rc = walk_parts(w, node.subtrees.p, node.subtrees.n / RP_ID_BYTES, depth + 1);
			if (rc)
				return rc;
			w->path.len = base;
			rp_buf_put_u8(&w->path, '/');
			rp_buf_put(&w->path, node.name.p, node.name.n);
			rp_buf_cstr(&w->path);
		}
		if (node.type == RP_NODE_DIR && w->ops->leave &&
		    (k = w->ops->leave(w->ops->ctx, (char *)w->path.data, w->path.len, &node)) < 0)
			return k;
	}
	w->path.len = base;
	rp_buf_cstr(&w->path);
	return rc;
}

static int walk_parts(walker *w, const uint8_t *subtrees, size_t n_ids, int depth)
{
	for (size_t i = 0; i < n_ids; i++) {
		rp_id id;
		const uint8_t *data;
		size_t n;
		memcpy(id.b, subtrees + i * RP_ID_BYTES, RP_ID_BYTES);
		int rc = rp_blob_read(w->b, &id, RP_BLOB_TREE, &data, &n, w->e);
		if (rc == RP_ENOMEM || rc == RP_EPERM)
			return rc;
		if (rc) {
			if (!w->ops->damaged)
				return rc;
			rp_err copy = *w->e;
			if ((rc = w->ops->damaged(w->ops->ctx, w->path.len ? (char *)w->path.data : "/", w->path.len ? w->path.len : 1, &copy)))
				return rc;
			continue;
		}
		/* the reader reuses its buffer: keep our own copy for this level */
		uint8_t *own = malloc(n ? n : 1);
		if (!own)
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		memcpy(own, data, n);
		rc = walk_blob(w, own, n, depth);
		free(own);
		if (rc == RP_ECORRUPT && w->ops->damaged) {
			rp_err copy = *w->e;
			if ((rc = w->ops->damaged(w->ops->ctx, w->path.len ? (char *)w->path.data : "/", w->path.len ? w->path.len : 1, &copy)))
				return rc;
			continue;
		}
		if (rc)
			return rc;
	}
	return 0;
}

int rp_tree_walk(rp_blob_reader *b, const rp_id *root, const rp_walk_ops *ops, rp_err *e)
{
	walker w = {b, ops, {0}, {0}, e};
	int rc = rp_buf_cstr(&w.path) ? rp_err_set(e, RP_ENOMEM, "out of memory") : walk_parts(&w, root->b, 1, 0);
	rp_buf_free(&w.path);
	rp_buf_free(&w.content);
	return rc;
}
