/* fuzz_tree.c - tree blobs: rp_tree_iter_*, content items, rp_xattr_next.
 *
 * Properties: the iterator never reads outside the input and only hands
 * out entries that respect the tree's rules (valid names, strictly
 * increasing, known types, whole content items and subtree ids); every
 * entry it accepts, encoded again with rp_tree_put, decodes to the same
 * entry.
 */
#include "format/tree.h"
#include "fuzz_common.h"

#define MAX_ENTRIES 4096

static void same_bytes(rp_bytes a, rp_bytes b)
{
	FUZZ_CHECK(a.n == b.n);
	FUZZ_CHECK(a.n == 0 || !memcmp(a.p, b.p, a.n));
}

static void same_node(const rp_node *a, const rp_node *b)
{
	same_bytes(a->name, b->name);
	FUZZ_CHECK(a->type == b->type && a->mode == b->mode && a->uid == b->uid && a->gid == b->gid);
	same_bytes(a->user, b->user);
	same_bytes(a->group, b->group);
	FUZZ_CHECK(a->size == b->size && a->nlink == b->nlink && a->link_group == b->link_group);
	FUZZ_CHECK(a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns);
	FUZZ_CHECK(a->atime_s == b->atime_s && a->atime_ns == b->atime_ns);
	FUZZ_CHECK(a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns);
	FUZZ_CHECK(a->inode == b->inode && a->dev == b->dev && a->rdev == b->rdev && a->flags == b->flags);
	if (a->type == RP_NODE_SYMLINK)
		same_bytes(a->target, b->target);
	same_bytes(a->xattrs, b->xattrs);
	same_bytes(a->content, b->content);
	same_bytes(a->subtrees, b->subtrees);
	same_bytes(a->scan, b->scan);
}

static void inside(const uint8_t *data, size_t size, rp_bytes b)
{
	if (b.n)
		FUZZ_CHECK(b.p >= data && b.p + b.n <= data + size);
}

static void check_node(const uint8_t *data, size_t size, const rp_node *n)
{
	inside(data, size, n->name);
	inside(data, size, n->user);
	inside(data, size, n->group);
	inside(data, size, n->target);
	inside(data, size, n->xattrs);
	inside(data, size, n->content);
	inside(data, size, n->subtrees);
	inside(data, size, n->scan);
	FUZZ_CHECK(n->name.n > 0 && n->name.n < 4096 && !memchr(n->name.p, '/', n->name.n));
	FUZZ_CHECK(n->type >= RP_NODE_FILE && n->type <= RP_NODE_SOCK);
	FUZZ_CHECK(n->mode <= 07777);
	FUZZ_CHECK(n->mtime_ns < 1000000000u && n->atime_ns < 1000000000u && n->ctime_ns < 1000000000u);
	FUZZ_CHECK(n->content.n % RP_CONTENT_ITEM_BYTES == 0 && n->subtrees.n % RP_ID_BYTES == 0);
	uint64_t total = 0;
	for (size_t i = 0; i < rp_content_count(n); i++) {
		rp_id id;
		uint64_t len;
		int hole;
		rp_content_item(n, i, &id, &len, &hole);
		FUZZ_CHECK(!memcmp(id.b, n->content.p + i * RP_CONTENT_ITEM_BYTES, RP_ID_BYTES));
		total += len;
	}
	(void)total;
	rp_rd r;
	rp_bytes xn, xv;
	int k;
	rp_rd_init(&r, n->xattrs.p, n->xattrs.n);
	while ((k = rp_xattr_next(&r, &xn, &xv)) == 1) {
		FUZZ_CHECK(xn.n > 0 && xn.n <= 255);
		inside(data, size, xn);
		inside(data, size, xv);
	}
	FUZZ_CHECK(k == 0 || k == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_tree_iter it;
	rp_node n, back;
	rp_err e;
	rp_buf again = {0};
	rp_node *nodes = NULL;
	size_t count = 0;
	if (rp_tree_iter_init(&it, data, size, &e))
		return 0;
	size_t cap = 0;
	while (count < MAX_ENTRIES && rp_tree_next(&it, &n, &e) == 1) {
		check_node(data, size, &n);
		if (count)
			FUZZ_CHECK(rp_name_cmp(nodes[count - 1].name.p, nodes[count - 1].name.n, n.name.p, n.name.n) < 0);
		if (count == cap) {
			cap = cap ? 2 * cap : 8;
			nodes = realloc(nodes, cap * sizeof *nodes);
			FUZZ_CHECK(nodes);
		}
		nodes[count++] = n;
	}
	/* what was accepted encodes to a tree that decodes to the same entries */
	FUZZ_CHECK(rp_tree_begin(&again) == 0);
	for (size_t i = 0; i < count; i++)
		FUZZ_CHECK(rp_tree_put(&again, &nodes[i]) == 0);
	FUZZ_CHECK(rp_tree_iter_init(&it, again.data, again.len, &e) == 0);
	for (size_t i = 0; i < count; i++) {
		FUZZ_CHECK(rp_tree_next(&it, &back, &e) == 1);
		same_node(&nodes[i], &back);
	}
	FUZZ_CHECK(rp_tree_next(&it, &back, &e) == 0);
	rp_buf_free(&again);
	free(nodes);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	rp_buf t = {0}, content = {0}, xattrs = {0}, subtrees = {0};
	rp_id id = {{0x11, 0x22}};
	rp_content_put(&content, &id, 65536);
	rp_content_put_hole(&content, 1u << 20);
	rp_content_put(&content, &id, 7);
	rp_xattr_put(&xattrs, "user.comment", 12, "bonjour", 7);
	rp_xattr_put(&xattrs, "system.posix_acl_access", 23, "\x02\0\0\0\x01\0\x06\0", 8);
	rp_buf_put(&subtrees, id.b, 32);
	rp_buf_put(&subtrees, id.b, 32);
	rp_node a = {0}, b = {0}, c = {0}, d = {0};
	a.name = (rp_bytes){(const uint8_t *)"Compte rendu \xe9t\xe9.odt", 21};
	a.type = RP_NODE_FILE;
	a.mode = 0640;
	a.uid = 1000;
	a.gid = 100;
	a.user = (rp_bytes){(const uint8_t *)"secretaire", 10};
	a.group = (rp_bytes){(const uint8_t *)"mairie", 6};
	a.size = 65536 + (1u << 20) + 7;
	a.mtime_s = 1700000000;
	a.mtime_ns = 123456789;
	a.atime_s = -1;
	a.ctime_s = 1700000001;
	a.nlink = 2;
	a.link_group = 3;
	a.inode = 123456;
	a.dev = 2049;
	a.flags = RP_NODE_F_CHANGED;
	a.content = (rp_bytes){content.data, content.len};
	a.xattrs = (rp_bytes){xattrs.data, xattrs.len};
	a.scan = (rp_bytes){(const uint8_t *)"\x01\x02\x03", 3};
	b.name = (rp_bytes){(const uint8_t *)"archives", 8};
	b.type = RP_NODE_DIR;
	b.mode = 01777;
	b.nlink = 1;
	b.subtrees = (rp_bytes){subtrees.data, subtrees.len};
	c.name = (rp_bytes){(const uint8_t *)"lien", 4};
	c.type = RP_NODE_SYMLINK;
	c.nlink = 1;
	c.target = (rp_bytes){(const uint8_t *)"../../etc/passwd", 16};
	d.name = (rp_bytes){(const uint8_t *)"tty", 3};
	d.type = RP_NODE_CHR;
	d.nlink = 1;
	d.rdev = 0x0501;
	rp_tree_begin(&t);
	rp_tree_put(&t, &a);
	rp_tree_put(&t, &b);
	rp_tree_put(&t, &c);
	rp_tree_put(&t, &d);
	fuzz_seed(dir, "tree4", t.data, t.len);
	rp_tree_begin(&t);
	rp_tree_put(&t, &c);
	fuzz_seed(dir, "tree1", t.data, t.len);
	rp_tree_begin(&t);
	fuzz_seed(dir, "empty", t.data, t.len);
	rp_buf_free(&t);
	rp_buf_free(&content);
	rp_buf_free(&xattrs);
	rp_buf_free(&subtrees);
}
