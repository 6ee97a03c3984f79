/* test_tree.c - tree blob decoding: what the iterator must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "format/tree.h"
#include "testutil.h"

/* An entry written field by field (tag, bytes), for inputs rp_tree_put
 * would never produce. */
static void field(rp_buf *f, unsigned tag, const void *p, size_t n)
{
	rp_buf_put_varint(f, tag);
	rp_buf_put_bytes(f, p, n);
}

static void field_uint(rp_buf *f, unsigned tag, uint64_t v)
{
	uint8_t t[10];
	rp_buf tmp = {t, 0, sizeof t};
	rp_buf_put_varint(&tmp, v);
	field(f, tag, t, tmp.len);
}

static void entry(rp_buf *tree, const rp_buf *fields)
{
	rp_buf_put_bytes(tree, fields->data, fields->len);
}

/* A minimal valid entry: name and type. */
static void basic(rp_buf *f, const char *name, size_t n, unsigned type)
{
	rp_buf_reset(f);
	field(f, 1, name, n);
	field_uint(f, 2, type);
}

/* Decodes tree; returns the number of entries before the end (>= 0) or
 * the error code. */
static int decode_all(const rp_buf *tree, rp_node *last)
{
	rp_tree_iter it;
	rp_node n;
	rp_err e;
	int rc = rp_tree_iter_init(&it, tree->data, tree->len, &e);
	if (rc)
		return rc;
	int count = 0;
	while ((rc = rp_tree_next(&it, &n, &e)) == 1) {
		count++;
		if (last)
			*last = n;
	}
	return rc < 0 ? rc : count;
}

static void test_tree_header(void **state)
{
	(void)state;
	rp_tree_iter it;
	rp_err e;
	rp_node n;
	assert_int_equal(rp_tree_iter_init(&it, NULL, 0, &e), RP_ECORRUPT);
	assert_int_equal(rp_tree_iter_init(&it, (const uint8_t *)"\x00", 1, &e), RP_ECORRUPT);
	assert_int_equal(rp_tree_iter_init(&it, (const uint8_t *)"\x03", 1, &e), RP_EVERSION);
	assert_int_equal(rp_tree_iter_init(&it, (const uint8_t *)"\x02", 1, &e), 0); /* with content parts */
	assert_int_equal(rp_tree_iter_init(&it, (const uint8_t *)"\x01", 1, &e), 0);
	assert_int_equal(rp_tree_next(&it, &n, &e), 0); /* an empty directory */
}

static void test_tree_invalid_names(void **state)
{
	(void)state;
	rp_buf t = {0}, f = {0};
	char longname[4097];
	memset(longname, 'n', sizeof longname);
	static const struct {
		const char *name;
		size_t n;
	} bad[] = {
		{"", 0}, {".", 1}, {"..", 2}, {"a/b", 3}, {"/", 1}, {"a\0b", 3}, {"\0", 1},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_tree_begin(&t);
		basic(&f, bad[i].name, bad[i].n, RP_NODE_FILE);
		entry(&t, &f);
		assert_int_equal(decode_all(&t, NULL), RP_ECORRUPT);
	}
	/* no name field at all */
	rp_tree_begin(&t);
	rp_buf_reset(&f);
	field_uint(&f, 2, RP_NODE_FILE);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, NULL), RP_ECORRUPT);
	/* 4095 bytes is the longest name; 4096 is refused */
	rp_tree_begin(&t);
	basic(&f, longname, 4095, RP_NODE_FILE);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, NULL), 1);
	rp_tree_begin(&t);
	basic(&f, longname, 4096, RP_NODE_FILE);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, NULL), RP_ECORRUPT);
	/* names that are fine: dots inside, bytes above 0x7f, spaces */
	static const char *good[] = {"...", ".profile", "a..b", "Comptabilit\xe9", " ", "\xff"};
	for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
		rp_tree_begin(&t);
		basic(&f, good[i], strlen(good[i]), RP_NODE_FILE);
		entry(&t, &f);
		assert_int_equal(decode_all(&t, NULL), 1);
	}
	rp_buf_free(&t);
	rp_buf_free(&f);
}

static void test_tree_order_and_duplicates(void **state)
{
	(void)state;
	rp_buf t = {0}, f = {0};
	static const char *ok[] = {"a", "a b", "a-b", "ab", "b", "\x80", "\xff"};
	rp_tree_begin(&t);
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		basic(&f, ok[i], strlen(ok[i]), RP_NODE_FILE);
		entry(&t, &f);
	}
	assert_int_equal(decode_all(&t, NULL), 7);
	/* the same name twice */
	basic(&f, "\xff", 1, RP_NODE_DIR);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, NULL), RP_ECORRUPT);
	/* a prefix after its extension */
	rp_tree_begin(&t);
	basic(&f, "ab", 2, RP_NODE_FILE);
	entry(&t, &f);
	basic(&f, "a", 1, RP_NODE_FILE);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, NULL), RP_ECORRUPT);
	rp_buf_free(&t);
	rp_buf_free(&f);
}

static void test_tree_types_and_fields(void **state)
{
	(void)state;
	rp_buf t = {0}, f = {0};
	rp_node n;
	/* every known type, and the unknown ones around them */
	for (unsigned type = 0; type <= 300; type += (type < 9 ? 1 : 291)) {
		rp_tree_begin(&t);
		basic(&f, "x", 1, type);
		entry(&t, &f);
		int want = type >= RP_NODE_FILE && type <= RP_NODE_SOCK ? 1 : RP_ECORRUPT;
		assert_int_equal(decode_all(&t, NULL), want);
	}
	/* unknown tags are skipped, known ones decoded, defaults applied */
	rp_tree_begin(&t);
	basic(&f, "x", 1, RP_NODE_FILE);
	field(&f, 99, "future", 6);
	field(&f, 1000000, "", 0);
	field_uint(&f, 3, 0177777); /* mode keeps its 12 permission bits only */
	field_uint(&f, 8, UINT64_MAX);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, &n), 1);
	assert_int_equal(n.mode, 07777);
	assert_true(n.size == UINT64_MAX);
	assert_int_equal(n.nlink, 1);
	assert_int_equal(n.xattrs.n, 0);
	/* malformed known fields */
	static const struct {
		unsigned tag;
		const char *v;
		size_t n;
	} bad[] = {
		{8, "", 0},                          /* a number with no bytes */
		{8, "\x80", 1},                      /* cut varint */
		{8, "\x01\x02", 2},                  /* trailing byte after the number */
		{9, "\x00", 1},                      /* time without nanoseconds */
		{9, "\x00\x80\x94\xeb\xdc\x03", 6},  /* 1000000000 ns */
		{10, "\x00\x00\x00", 3},             /* trailing byte after the time */
		{17, "0123456789012345678901234567890123456789x", 41}, /* content not whole items */
		{18, "0123456789012345678901234567890", 31},            /* subtrees not whole ids */
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_tree_begin(&t);
		basic(&f, "x", 1, RP_NODE_FILE);
		field(&f, bad[i].tag, bad[i].v, bad[i].n);
		entry(&t, &f);
		if (decode_all(&t, NULL) != RP_ECORRUPT)
			fail_msg("field %zu (tag %u) accepted", i, bad[i].tag);
	}
	/* 999999999 ns is the largest */
	rp_tree_begin(&t);
	basic(&f, "x", 1, RP_NODE_FILE);
	field(&f, 9, "\x01\xff\x93\xeb\xdc\x03", 6);
	entry(&t, &f);
	assert_int_equal(decode_all(&t, &n), 1);
	assert_int_equal(n.mtime_s, -1);
	assert_int_equal(n.mtime_ns, 999999999);
	rp_buf_free(&t);
	rp_buf_free(&f);
}

static void test_tree_truncated_at_every_offset(void **state)
{
	(void)state;
	rp_buf t = {0}, content = {0}, xattrs = {0};
	rp_id id = {{7}};
	for (int i = 0; i < 5; i++)
		rp_content_put(&content, &id, 1000 + (uint64_t)i);
	rp_xattr_put(&xattrs, "user.x", 6, "value", 5);
	rp_node a = {0}, b = {0};
	a.name = (rp_bytes){(const uint8_t *)"fichier", 7};
	a.type = RP_NODE_FILE;
	a.mode = 0644;
	a.size = 5010;
	a.mtime_s = 1700000000;
	a.nlink = 3;
	a.content = (rp_bytes){content.data, content.len};
	a.xattrs = (rp_bytes){xattrs.data, xattrs.len};
	b.name = (rp_bytes){(const uint8_t *)"lien", 4};
	b.type = RP_NODE_SYMLINK;
	b.nlink = 1;
	b.target = (rp_bytes){(const uint8_t *)"fichier", 7};
	rp_tree_begin(&t);
	rp_tree_put(&t, &a);
	rp_tree_put(&t, &b);
	assert_int_equal(decode_all(&t, NULL), 2);
	/* each cut ends the tree cleanly between entries or fails; it never
	 * hands out an entry that was cut */
	size_t first_end = 0;
	{
		rp_rd r;
		const uint8_t *p;
		size_t n;
		rp_rd_init(&r, t.data + 1, t.len - 1);
		assert_int_equal(rp_rd_bytes(&r, &p, &n, SIZE_MAX), 0);
		first_end = (size_t)(p + n - t.data);
	}
	for (size_t cut = 1; cut < t.len; cut++) {
		rp_buf c = {t.data, cut, cut};
		int rc = decode_all(&c, NULL);
		if (cut == 1)
			assert_int_equal(rc, 0);
		else if (cut == first_end)
			assert_int_equal(rc, 1);
		else
			assert_int_equal(rc, RP_ECORRUPT);
	}
	rp_buf_free(&t);
	rp_buf_free(&content);
	rp_buf_free(&xattrs);
}

static void test_content_items(void **state)
{
	(void)state;
	rp_buf c = {0};
	rp_id a = {{1, 2, 3}}, got;
	uint64_t len;
	int hole;
	rp_content_put(&c, &a, 65536);
	rp_content_put_hole(&c, (uint64_t)1 << 40);
	rp_content_put(&c, &a, 0);
	rp_node n = {0};
	n.content = (rp_bytes){c.data, c.len};
	assert_int_equal(rp_content_count(&n), 3);
	rp_content_item(&n, 0, &got, &len, &hole);
	assert_memory_equal(got.b, a.b, 32);
	assert_int_equal(len, 65536);
	assert_int_equal(hole, 0);
	rp_content_item(&n, 1, &got, &len, &hole);
	assert_int_equal(hole, 1);
	assert_true(len == (uint64_t)1 << 40);
	rp_content_item(&n, 2, &got, &len, &hole);
	assert_int_equal(hole, 0);
	assert_int_equal(len, 0);
	rp_buf_free(&c);
}

/* Large files list content parts: the tree becomes version 2, parts come
 * back as written, and misplaced parts are refused. */
static void test_content_parts_in_trees(void **state)
{
	(void)state;
	rp_buf parts = {0}, tree = {0}, f = {0};
	rp_id p1 = {{7}}, p2 = {{8}};
	rp_content_put(&parts, &p1, 1000);
	rp_content_put(&parts, &p2, 24);
	rp_node n = {0}, got;
	n.name = (rp_bytes){(const uint8_t *)"disk.img", 8};
	n.type = RP_NODE_FILE;
	n.size = 1024;
	n.content_parts = (rp_bytes){parts.data, parts.len};
	rp_tree_begin(&tree);
	rp_node small = {0};
	small.name = (rp_bytes){(const uint8_t *)"a", 1};
	small.type = RP_NODE_FILE;
	assert_int_equal(rp_tree_put(&tree, &small), 0);
	assert_int_equal(tree.data[0], RP_TREE_VERSION); /* no parts yet: version 1 */
	assert_int_equal(rp_tree_put(&tree, &n), 0);
	assert_int_equal(tree.data[0], RP_TREE_VERSION_PARTS);
	assert_int_equal(decode_all(&tree, &got), 2);
	assert_int_equal(got.content.n, 0);
	assert_int_equal(got.content_parts.n, parts.len);
	assert_memory_equal(got.content_parts.p, parts.data, parts.len);
	/* the same entry in a version 1 tree is refused */
	tree.data[0] = RP_TREE_VERSION;
	assert_int_equal(decode_all(&tree, NULL), RP_ECORRUPT);
	/* parts beside content, parts of a directory, a broken or empty list */
	static const struct {
		unsigned type;
		size_t parts_len;
		int with_content;
	} bad[] = {{RP_NODE_FILE, 80, 1}, {RP_NODE_DIR, 80, 0}, {RP_NODE_FILE, 79, 0}, {RP_NODE_FILE, 0, 0}};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_buf_reset(&tree);
		rp_buf_put_u8(&tree, RP_TREE_VERSION_PARTS);
		basic(&f, "x", 1, bad[i].type);
		field(&f, 24, parts.data, bad[i].parts_len);
		if (bad[i].with_content)
			field(&f, 17, parts.data, 40);
		entry(&tree, &f);
		assert_int_equal(decode_all(&tree, NULL), RP_ECORRUPT);
	}
	rp_buf_free(&parts);
	rp_buf_free(&tree);
	rp_buf_free(&f);
}

static void test_content_part_blobs(void **state)
{
	(void)state;
	rp_buf b = {0};
	rp_id a = {{1}};
	const uint8_t *items;
	size_t count;
	uint64_t bytes;
	rp_err e;
	assert_int_equal(rp_content_part_begin(&b), 0);
	/* no items */
	assert_int_equal(rp_content_part_parse(b.data, b.len, &items, &count, &bytes, &e), RP_ECORRUPT);
	uint64_t want = 0;
	for (int i = 0; i < RP_CONTENT_PART_ITEMS; i++) {
		assert_int_equal(i % 5 ? rp_content_put(&b, &a, 65536) : rp_content_put_hole(&b, 4096), 0);
		want += i % 5 ? 65536 : 4096;
	}
	assert_int_equal(rp_content_part_parse(b.data, b.len, &items, &count, &bytes, &e), 0);
	assert_int_equal(count, RP_CONTENT_PART_ITEMS);
	assert_ptr_equal(items, b.data + 1);
	assert_true(bytes == want);
	/* one item too many, a cut item, an unknown version, nothing */
	rp_content_put(&b, &a, 1);
	assert_int_equal(rp_content_part_parse(b.data, b.len, &items, &count, &bytes, &e), RP_ECORRUPT);
	assert_int_equal(rp_content_part_parse(b.data, 1 + 40 + 39, &items, &count, &bytes, &e), RP_ECORRUPT);
	b.data[0] = 2;
	assert_int_equal(rp_content_part_parse(b.data, 41, &items, &count, &bytes, &e), RP_EVERSION);
	b.data[0] = 0;
	assert_int_equal(rp_content_part_parse(b.data, 41, &items, &count, &bytes, &e), RP_ECORRUPT);
	assert_int_equal(rp_content_part_parse(b.data, 0, &items, &count, &bytes, &e), RP_ECORRUPT);
	/* lengths that overflow 64 bits */
	rp_content_part_begin(&b);
	rp_content_put(&b, &a, UINT64_MAX);
	rp_content_put(&b, &a, 1);
	assert_int_equal(rp_content_part_parse(b.data, b.len, &items, &count, &bytes, &e), RP_ECORRUPT);
	rp_buf_free(&b);
}

static void test_xattr_pairs(void **state)
{
	(void)state;
	rp_buf x = {0};
	rp_rd r;
	rp_bytes name, val;
	char n255[255];
	memset(n255, 'k', sizeof n255);
	rp_xattr_put(&x, "user.a", 6, "", 0);
	rp_xattr_put(&x, n255, 255, "\0\1\2", 3);
	rp_rd_init(&r, x.data, x.len);
	assert_int_equal(rp_xattr_next(&r, &name, &val), 1);
	assert_int_equal(name.n, 6);
	assert_int_equal(val.n, 0);
	assert_int_equal(rp_xattr_next(&r, &name, &val), 1);
	assert_int_equal(name.n, 255);
	assert_int_equal(val.n, 3);
	assert_memory_equal(val.p, "\0\1\2", 3);
	assert_int_equal(rp_xattr_next(&r, &name, &val), 0);
	/* malformed: empty name, a 256-byte name, a value cut short */
	rp_buf_reset(&x);
	rp_xattr_put(&x, "", 0, "v", 1);
	rp_rd_init(&r, x.data, x.len);
	assert_int_equal(rp_xattr_next(&r, &name, &val), -1);
	char n256[256];
	memset(n256, 'k', sizeof n256);
	rp_buf_reset(&x);
	rp_xattr_put(&x, n256, 256, "v", 1);
	rp_rd_init(&r, x.data, x.len);
	assert_int_equal(rp_xattr_next(&r, &name, &val), -1);
	rp_buf_reset(&x);
	rp_xattr_put(&x, "user.a", 6, "value", 5);
	rp_rd_init(&r, x.data, x.len - 1);
	assert_int_equal(rp_xattr_next(&r, &name, &val), -1);
	rp_buf_free(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree_header),
		cmocka_unit_test(test_tree_invalid_names),
		cmocka_unit_test(test_tree_order_and_duplicates),
		cmocka_unit_test(test_tree_types_and_fields),
		cmocka_unit_test(test_tree_truncated_at_every_offset),
		cmocka_unit_test(test_content_items),
		cmocka_unit_test(test_content_parts_in_trees),
		cmocka_unit_test(test_content_part_blobs),
		cmocka_unit_test(test_xattr_pairs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
