/* tree.h - tree blobs: one directory's entries with full metadata.
 *
 *   tree  := version(1)=1 entry*
 *   entry := length(varint) field*           (length of the fields)
 *   field := tag(varint) length(varint) value
 *
 * Unknown tags are skipped, so later versions can add fields.  Entries are
 * sorted by name (bytewise, shorter first) with no duplicates; a decoder
 * rejects anything else.  Large directories span several tree blobs, listed
 * in order in the parent's `subtrees` field.
 *
 * A file of more than RP_CONTENT_PART_ITEMS items keeps them in content
 * part blobs (tree blobs: version(1)=1 item*) listed in `content_parts`
 * instead of `content`; a tree holding such a file has version 2, which
 * readers that do not know parts refuse instead of restoring empty files.
 */
#ifndef RP_TREE_H
#define RP_TREE_H

#include "../util/buf.h"
#include "crypto.h"

#define RP_TREE_VERSION 1
#define RP_TREE_VERSION_PARTS 2 /* a tree holding content_parts */
#define RP_CONTENT_ITEM_BYTES 40 /* id(32) + u64le length; all-zero id = hole */
#define RP_CONTENT_PART_VERSION 1
#define RP_CONTENT_PART_ITEMS 16384 /* items per content part, at most */

enum {
	RP_NODE_FILE = 1,
	RP_NODE_DIR = 2,
	RP_NODE_SYMLINK = 3,
	RP_NODE_FIFO = 4,
	RP_NODE_CHR = 5,
	RP_NODE_BLK = 6,
	RP_NODE_SOCK = 7,
};

enum {
	RP_NODE_F_CHANGED = 1,  /* the file changed while it was read */
	RP_NODE_F_READERR = 2,  /* content could not be read completely */
	RP_NODE_F_XATTRERR = 4, /* extended attributes could not be read */
};

typedef struct rp_bytes {
	const uint8_t *p;
	size_t n;
} rp_bytes;

typedef struct rp_node {
	rp_bytes name;
	uint8_t type;
	uint32_t mode; /* permission bits with setuid, setgid, sticky (07777) */
	uint32_t uid, gid;
	rp_bytes user, group;
	uint64_t size;
	int64_t mtime_s, atime_s, ctime_s;
	uint32_t mtime_ns, atime_ns, ctime_ns;
	uint64_t inode, dev;
	uint32_t nlink;
	uint64_t link_group; /* nonzero: entries with the same value are one inode */
	uint64_t rdev;
	uint32_t flags;
	rp_bytes target;   /* symlink target */
	rp_bytes xattrs;   /* (name bytes, value bytes) pairs, see rp_xattr_next */
	rp_bytes content;  /* RP_CONTENT_ITEM_BYTES per item */
	/* RP_CONTENT_ITEM_BYTES per part: the part's tree blob id and the
	 * bytes its items cover; a file has content or content_parts */
	rp_bytes content_parts;
	rp_bytes subtrees; /* 32-byte tree ids */
	rp_bytes scan;     /* opaque scan record (scan/) */
	rp_bytes pii;      /* personal-data counts record (scan/pii_record.h) */
} rp_node;

/* Starts a tree blob in out (reset first). */
int rp_tree_begin(rp_buf *out);
/* Appends one entry (a node with content parts makes the tree version 2). */
int rp_tree_put(rp_buf *out, const rp_node *n);

typedef struct rp_tree_iter {
	rp_rd rd;
	uint8_t last_name[4096];
	size_t last_len;
	int have_last;
	size_t index;
	uint8_t version;
} rp_tree_iter;

/* RP_ECORRUPT / RP_EVERSION with a message for a bad header. */
int rp_tree_iter_init(rp_tree_iter *it, const uint8_t *data, size_t n, rp_err *e);
/* 1 and fills *node (pointing into the tree's buffer), 0 at the end, or a
 * negative code for malformed data. */
int rp_tree_next(rp_tree_iter *it, rp_node *node, rp_err *e);

/* Content items. */
size_t rp_content_count(const rp_node *n);
void rp_content_item(const rp_node *n, size_t i, rp_id *id, uint64_t *len, int *is_hole);
int rp_content_put(rp_buf *out, const rp_id *id, uint64_t len);
int rp_content_put_hole(rp_buf *out, uint64_t len);

/* Content part blobs: starts one in out (reset first), then items are
 * appended with rp_content_put / rp_content_put_hole. */
int rp_content_part_begin(rp_buf *out);
/* Checks a content part blob: its version, 1..RP_CONTENT_PART_ITEMS whole
 * items; sets *items to where they start, *count and *bytes to what they
 * cover.  RP_ECORRUPT / RP_EVERSION with a message otherwise. */
int rp_content_part_parse(const uint8_t *p, size_t n, const uint8_t **items, size_t *count, uint64_t *bytes,
			  rp_err *e);

/* Extended attributes: appends one pair / iterates pairs.  Next returns 1
 * for a pair, 0 at the end, -1 when malformed. */
int rp_xattr_put(rp_buf *out, const char *name, size_t name_len, const void *val, size_t val_len);
int rp_xattr_next(rp_rd *r, rp_bytes *name, rp_bytes *val);

/* Name order used everywhere: bytewise, a prefix before its extensions. */
int rp_name_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

#endif
