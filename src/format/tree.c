/* tree.c - tree blob codec. */
#include "tree.h"

#include <string.h>

enum {
	TAG_NAME = 1,
	TAG_TYPE = 2,
	TAG_MODE = 3,
	TAG_UID = 4,
	TAG_GID = 5,
	TAG_USER = 6,
	TAG_GROUP = 7,
	TAG_SIZE = 8,
	TAG_MTIME = 9,
	TAG_ATIME = 10,
	TAG_CTIME = 11,
	TAG_NLINK = 12,
	TAG_LINKGROUP = 13,
	TAG_RDEV = 14,
	TAG_TARGET = 15,
	TAG_XATTRS = 16,
	TAG_CONTENT = 17,
	TAG_SUBTREES = 18,
	TAG_SCAN = 19,
	TAG_INODE = 20,
	TAG_FLAGS = 21,
	TAG_DEV = 22,
	TAG_PII = 23,
	TAG_CONTENT_PARTS = 24,
};

#define NAME_MAX_BYTES 4095

int rp_name_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	size_t m = an < bn ? an : bn;
	int c = m ? memcmp(a, b, m) : 0;
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

int rp_tree_begin(rp_buf *out)
{
	rp_buf_reset(out);
	return rp_buf_put_u8(out, RP_TREE_VERSION);
}

static int put_uint(rp_buf *b, unsigned tag, uint64_t v)
{
	uint8_t t[10];
	rp_buf tmp = {t, 0, sizeof t};
	rp_buf_put_varint(&tmp, v);
	return rp_buf_put_varint(b, tag) || rp_buf_put_varint(b, tmp.len) || rp_buf_put(b, t, tmp.len);
}

static int put_time(rp_buf *b, unsigned tag, int64_t s, uint32_t ns)
{
	uint8_t t[20];
	rp_buf tmp = {t, 0, sizeof t};
	rp_buf_put_svarint(&tmp, s);
	rp_buf_put_varint(&tmp, ns);
	return rp_buf_put_varint(b, tag) || rp_buf_put_varint(b, tmp.len) || rp_buf_put(b, t, tmp.len);
}

static int put_bytes(rp_buf *b, unsigned tag, rp_bytes v)
{
	return rp_buf_put_varint(b, tag) || rp_buf_put_bytes(b, v.p, v.n);
}

/* Encodes the fields of n into f. */
static int encode_fields(rp_buf *f, const rp_node *n)
{
	int bad = put_bytes(f, TAG_NAME, n->name) || put_uint(f, TAG_TYPE, n->type) ||
		  put_uint(f, TAG_MODE, n->mode) || put_uint(f, TAG_UID, n->uid) || put_uint(f, TAG_GID, n->gid);
	if (n->user.n)
		bad |= put_bytes(f, TAG_USER, n->user);
	if (n->group.n)
		bad |= put_bytes(f, TAG_GROUP, n->group);
	bad |= put_uint(f, TAG_SIZE, n->size) || put_time(f, TAG_MTIME, n->mtime_s, n->mtime_ns) ||
	       put_time(f, TAG_ATIME, n->atime_s, n->atime_ns) || put_time(f, TAG_CTIME, n->ctime_s, n->ctime_ns);
	if (n->nlink != 1)
		bad |= put_uint(f, TAG_NLINK, n->nlink);
	if (n->link_group)
		bad |= put_uint(f, TAG_LINKGROUP, n->link_group);
	if (n->rdev)
		bad |= put_uint(f, TAG_RDEV, n->rdev);
	if (n->inode)
		bad |= put_uint(f, TAG_INODE, n->inode);
	if (n->dev)
		bad |= put_uint(f, TAG_DEV, n->dev);
	if (n->flags)
		bad |= put_uint(f, TAG_FLAGS, n->flags);
	if (n->type == RP_NODE_SYMLINK)
		bad |= put_bytes(f, TAG_TARGET, n->target);
	if (n->xattrs.n)
		bad |= put_bytes(f, TAG_XATTRS, n->xattrs);
	if (n->content.n)
		bad |= put_bytes(f, TAG_CONTENT, n->content);
	if (n->content_parts.n)
		bad |= put_bytes(f, TAG_CONTENT_PARTS, n->content_parts);
	if (n->subtrees.n)
		bad |= put_bytes(f, TAG_SUBTREES, n->subtrees);
	if (n->scan.n)
		bad |= put_bytes(f, TAG_SCAN, n->scan);
	if (n->pii.n)
		bad |= put_bytes(f, TAG_PII, n->pii);
	return bad ? RP_ENOMEM : 0;
}

int rp_tree_put(rp_buf *out, const rp_node *n)
{
	/* fields are small except content; encode into a scratch that lives on
	 * the output buffer's tail to avoid a second allocation */
	size_t start = out->len;
	if (rp_buf_reserve(out, 10))
		return RP_ENOMEM;
	out->len += 10; /* room for the length varint */
	size_t fields_at = out->len;
	if (encode_fields(out, n))
		return RP_ENOMEM;
	size_t flen = out->len - fields_at;
	uint8_t t[10];
	rp_buf tmp = {t, 0, sizeof t};
	rp_buf_put_varint(&tmp, flen);
	memmove(out->data + start + tmp.len, out->data + fields_at, flen);
	memcpy(out->data + start, t, tmp.len);
	out->len = start + tmp.len + flen;
	if (n->content_parts.n && out->len && out->data[0] == RP_TREE_VERSION)
		out->data[0] = RP_TREE_VERSION_PARTS;
	return 0;
}

int rp_tree_iter_init(rp_tree_iter *it, const uint8_t *data, size_t n, rp_err *e)
{
	memset(it, 0, sizeof *it);
	if (n < 1)
		return rp_err_set(e, RP_ECORRUPT, "tree is empty");
	if (data[0] != RP_TREE_VERSION && data[0] != RP_TREE_VERSION_PARTS)
		return rp_err_set(e, data[0] > RP_TREE_VERSION_PARTS ? RP_EVERSION : RP_ECORRUPT,
				  "tree version %u unsupported", data[0]);
	it->version = data[0];
	rp_rd_init(&it->rd, data + 1, n - 1);
	return 0;
}

static int field_uint(const uint8_t *p, size_t n, uint64_t *v)
{
	rp_rd r;
	rp_rd_init(&r, p, n);
	return rp_rd_varint(&r, v) || rp_rd_left(&r) ? -1 : 0;
}

static int field_time(const uint8_t *p, size_t n, int64_t *s, uint32_t *ns)
{
	rp_rd r;
	uint64_t x;
	rp_rd_init(&r, p, n);
	if (rp_rd_svarint(&r, s) || rp_rd_varint(&r, &x) || rp_rd_left(&r) || x >= 1000000000u)
		return -1;
	*ns = (uint32_t)x;
	return 0;
}

static int decode_field(rp_node *node, uint64_t tag, const uint8_t *p, size_t n)
{
	uint64_t v = 0;
	rp_bytes b = {p, n};
	switch (tag) {
	case TAG_NAME: node->name = b; return 0;
	case TAG_USER: node->user = b; return 0;
	case TAG_GROUP: node->group = b; return 0;
	case TAG_TARGET: node->target = b; return 0;
	case TAG_XATTRS: node->xattrs = b; return 0;
	case TAG_SCAN: node->scan = b; return 0;
	case TAG_PII: node->pii = b; return 0;
	case TAG_CONTENT:
		node->content = b;
		return n % RP_CONTENT_ITEM_BYTES ? -1 : 0;
	case TAG_CONTENT_PARTS:
		node->content_parts = b;
		return n == 0 || n % RP_CONTENT_ITEM_BYTES ? -1 : 0;
	case TAG_SUBTREES:
		node->subtrees = b;
		return n % RP_ID_BYTES ? -1 : 0;
	case TAG_MTIME: return field_time(p, n, &node->mtime_s, &node->mtime_ns);
	case TAG_ATIME: return field_time(p, n, &node->atime_s, &node->atime_ns);
	case TAG_CTIME: return field_time(p, n, &node->ctime_s, &node->ctime_ns);
	default: break;
	}
	if (tag > TAG_DEV)
		return 0; /* unknown: skipped */
	if (field_uint(p, n, &v))
		return -1;
	switch (tag) {
	case TAG_TYPE: node->type = (uint8_t)(v > 255 ? 0 : v); break;
	case TAG_MODE: node->mode = (uint32_t)(v & 07777); break;
	case TAG_UID: node->uid = (uint32_t)v; break;
	case TAG_GID: node->gid = (uint32_t)v; break;
	case TAG_SIZE: node->size = v; break;
	case TAG_NLINK: node->nlink = (uint32_t)v; break;
	case TAG_LINKGROUP: node->link_group = v; break;
	case TAG_RDEV: node->rdev = v; break;
	case TAG_INODE: node->inode = v; break;
	case TAG_DEV: node->dev = v; break;
	case TAG_FLAGS: node->flags = (uint32_t)v; break;
	default: break;
	}
	return 0;
}

int rp_tree_next(rp_tree_iter *it, rp_node *node, rp_err *e)
{
	if (rp_rd_left(&it->rd) == 0)
		return 0;
	const uint8_t *fields;
	size_t flen;
	if (rp_rd_bytes(&it->rd, &fields, &flen, rp_rd_left(&it->rd)))
		return rp_err_set(e, RP_ECORRUPT, "tree entry %zu is truncated", it->index);
	memset(node, 0, sizeof *node);
	node->nlink = 1;
	rp_rd r;
	rp_rd_init(&r, fields, flen);
	while (rp_rd_left(&r)) {
		uint64_t tag;
		const uint8_t *p;
		size_t n;
		if (rp_rd_varint(&r, &tag) || rp_rd_bytes(&r, &p, &n, rp_rd_left(&r)) ||
		    decode_field(node, tag, p, n))
			return rp_err_set(e, RP_ECORRUPT, "tree entry %zu has a malformed field", it->index);
	}
	if (node->name.n == 0 || node->name.n > NAME_MAX_BYTES || memchr(node->name.p, '/', node->name.n) ||
	    memchr(node->name.p, 0, node->name.n) || (node->name.n == 1 && node->name.p[0] == '.') ||
	    (node->name.n == 2 && node->name.p[0] == '.' && node->name.p[1] == '.'))
		return rp_err_set(e, RP_ECORRUPT, "tree entry %zu has an invalid name", it->index);
	if (node->type < RP_NODE_FILE || node->type > RP_NODE_SOCK)
		return rp_err_set(e, RP_ECORRUPT, "tree entry %zu has an unknown type", it->index);
	if (node->content_parts.n &&
	    (node->type != RP_NODE_FILE || node->content.n || it->version != RP_TREE_VERSION_PARTS))
		return rp_err_set(e, RP_ECORRUPT, "tree entry %zu has misplaced content parts", it->index);
	if (it->have_last && rp_name_cmp(it->last_name, it->last_len, node->name.p, node->name.n) >= 0)
		return rp_err_set(e, RP_ECORRUPT, "tree entry %zu is out of order", it->index);
	memcpy(it->last_name, node->name.p, node->name.n);
	it->last_len = node->name.n;
	it->have_last = 1;
	it->index++;
	return 1;
}

size_t rp_content_count(const rp_node *n)
{
	return n->content.n / RP_CONTENT_ITEM_BYTES;
}

void rp_content_item(const rp_node *n, size_t i, rp_id *id, uint64_t *len, int *is_hole)
{
	const uint8_t *p = n->content.p + i * RP_CONTENT_ITEM_BYTES;
	static const uint8_t zero[RP_ID_BYTES];
	memcpy(id->b, p, RP_ID_BYTES);
	*len = rp_load_u64le(p + RP_ID_BYTES);
	*is_hole = !memcmp(p, zero, RP_ID_BYTES);
}

int rp_content_put(rp_buf *out, const rp_id *id, uint64_t len)
{
	return rp_buf_put(out, id->b, RP_ID_BYTES) || rp_buf_put_u64le(out, len) ? RP_ENOMEM : 0;
}

int rp_content_part_begin(rp_buf *out)
{
	rp_buf_reset(out);
	return rp_buf_put_u8(out, RP_CONTENT_PART_VERSION);
}

int rp_content_part_parse(const uint8_t *p, size_t n, const uint8_t **items, size_t *count, uint64_t *bytes,
			  rp_err *e)
{
	if (n < 1)
		return rp_err_set(e, RP_ECORRUPT, "content part is empty");
	if (p[0] != RP_CONTENT_PART_VERSION)
		return rp_err_set(e, p[0] > RP_CONTENT_PART_VERSION ? RP_EVERSION : RP_ECORRUPT,
				  "content part version %u unsupported", p[0]);
	size_t k = (n - 1) / RP_CONTENT_ITEM_BYTES;
	if ((n - 1) % RP_CONTENT_ITEM_BYTES || k == 0 || k > RP_CONTENT_PART_ITEMS)
		return rp_err_set(e, RP_ECORRUPT, "content part holds %zu bytes, not 1..%u whole items", n - 1,
				  RP_CONTENT_PART_ITEMS);
	uint64_t sum = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t l = rp_load_u64le(p + 1 + i * RP_CONTENT_ITEM_BYTES + RP_ID_BYTES);
		if (l > UINT64_MAX - sum)
			return rp_err_set(e, RP_ECORRUPT, "content part lengths overflow");
		sum += l;
	}
	*items = p + 1;
	*count = k;
	*bytes = sum;
	return 0;
}

int rp_content_put_hole(rp_buf *out, uint64_t len)
{
	static const uint8_t zero[RP_ID_BYTES];
	return rp_buf_put(out, zero, RP_ID_BYTES) || rp_buf_put_u64le(out, len) ? RP_ENOMEM : 0;
}

int rp_xattr_put(rp_buf *out, const char *name, size_t name_len, const void *val, size_t val_len)
{
	return rp_buf_put_bytes(out, name, name_len) || rp_buf_put_bytes(out, val, val_len) ? RP_ENOMEM : 0;
}

int rp_xattr_next(rp_rd *r, rp_bytes *name, rp_bytes *val)
{
	if (rp_rd_left(r) == 0)
		return 0;
	if (rp_rd_bytes(r, &name->p, &name->n, 255) || rp_rd_bytes(r, &val->p, &val->n, 1u << 26) || name->n == 0)
		return -1;
	return 1;
}
