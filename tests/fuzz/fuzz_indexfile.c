/* fuzz_indexfile.c - index file bodies (rp_indexfile_decode).
 *
 * Properties: the decoder fails cleanly or reports entries whose counts
 * match what it announced; a body it accepts, encoded again with
 * rp_indexfile_encode, decodes to the same supersedes list, packs and
 * blobs.
 */
#include "format/indexfile.h"
#include "fuzz_common.h"

typedef struct collected {
	rp_buf supersedes; /* rp_id each */
	rp_buf packs;      /* rp_index_pack each (entries filled at the end) */
	rp_buf entries;    /* rp_pack_entry each */
	size_t announced;  /* blobs announced by the last on_pack */
	size_t seen;       /* blobs seen since the last on_pack */
	int stop_after;    /* the visitor fails after this many callbacks (0: never) */
	int calls;
} collected;

static int visit(collected *c)
{
	return c->stop_after && ++c->calls >= c->stop_after ? RP_EINTR : 0;
}

static int on_supersedes(void *ctx, const rp_id *id)
{
	collected *c = ctx;
	FUZZ_CHECK(rp_buf_put(&c->supersedes, id, sizeof *id) == 0);
	return visit(c);
}

static int on_pack(void *ctx, const rp_id *pack, const uint8_t eph_pk[32], size_t n)
{
	collected *c = ctx;
	rp_index_pack p = {.pack_id = *pack, .count = n};
	memcpy(p.eph_pk, eph_pk, 32);
	if (c->packs.len)
		FUZZ_CHECK(c->seen == c->announced);
	c->announced = n;
	c->seen = 0;
	FUZZ_CHECK(rp_buf_put(&c->packs, &p, sizeof p) == 0);
	return visit(c);
}

static int on_blob(void *ctx, const rp_pack_entry *en)
{
	collected *c = ctx;
	FUZZ_CHECK(c->packs.len > 0 && c->seen < c->announced);
	FUZZ_CHECK(en->type <= 1);
	c->seen++;
	FUZZ_CHECK(rp_buf_put(&c->entries, en, sizeof *en) == 0);
	return visit(c);
}

static int decode(const uint8_t *p, size_t n, collected *c, rp_err *e)
{
	rp_indexfile_visitor v = {c, on_supersedes, on_pack, on_blob};
	return rp_indexfile_decode(p, n, &v, e);
}

static void collected_free(collected *c)
{
	rp_buf_free(&c->supersedes);
	rp_buf_free(&c->packs);
	rp_buf_free(&c->entries);
}

static int same_entry(const rp_pack_entry *a, const rp_pack_entry *b)
{
	return !memcmp(a->id.b, b->id.b, RP_ID_BYTES) && a->type == b->type && a->flags == b->flags &&
	       a->offset == b->offset && a->sealed_len == b->sealed_len && a->raw_len == b->raw_len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	collected a = {0}, b = {0};
	rp_buf again = {0};
	rp_err e;
	int rc;
	/* a visitor that stops early must stop the decoder with its code */
	if (size && data[0] == 1) {
		collected s = {0};
		s.stop_after = 1 + (int)(size % 7);
		rc = decode(data, size, &s, &e);
		FUZZ_CHECK(rc == 0 || rc == RP_ECORRUPT || rc == RP_EVERSION || rc == RP_EINTR);
		if (rc == RP_EINTR)
			FUZZ_CHECK(s.calls == s.stop_after);
		collected_free(&s);
	}
	rc = decode(data, size, &a, &e);
	if (rc) {
		FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_EVERSION);
		goto done;
	}
	FUZZ_CHECK(a.packs.len == 0 || a.seen == a.announced);
	size_t np = a.packs.len / sizeof(rp_index_pack);
	rp_index_pack *packs = (rp_index_pack *)a.packs.data;
	const rp_pack_entry *ents = (const rp_pack_entry *)a.entries.data;
	size_t at = 0;
	for (size_t i = 0; i < np; i++) {
		packs[i].entries = packs[i].count ? ents + at : NULL;
		at += packs[i].count;
	}
	FUZZ_CHECK(at == a.entries.len / sizeof(rp_pack_entry));
	FUZZ_CHECK(rp_indexfile_encode(&again, (const rp_id *)a.supersedes.data, a.supersedes.len / sizeof(rp_id),
				       packs, np, &e) == 0);
	FUZZ_CHECK(again.len <= size); /* canonical varints are never longer */
	FUZZ_CHECK(decode(again.data, again.len, &b, &e) == 0);
	FUZZ_CHECK(a.supersedes.len == b.supersedes.len &&
		   (!a.supersedes.len || !memcmp(a.supersedes.data, b.supersedes.data, a.supersedes.len)));
	FUZZ_CHECK(a.packs.len == b.packs.len && a.entries.len == b.entries.len);
	rp_index_pack *pb = (rp_index_pack *)b.packs.data;
	for (size_t i = 0; i < np; i++)
		FUZZ_CHECK(!memcmp(packs[i].pack_id.b, pb[i].pack_id.b, 32) && !memcmp(packs[i].eph_pk, pb[i].eph_pk, 32) &&
			   packs[i].count == pb[i].count);
	for (size_t i = 0; i < at; i++)
		FUZZ_CHECK(same_entry(&ents[i], (const rp_pack_entry *)b.entries.data + i));
done:
	collected_free(&a);
	collected_free(&b);
	rp_buf_free(&again);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	rp_pack_entry ents[3] = {
		{{{1, 2, 3}}, 0, 1, 40, 1000, 4000},
		{{{4, 5, 6}}, 1, 0, 1040, 77, 36},
		{{{7, 8, 9}}, 0, 1, 1117, 0xffffffffu, 0xffffffu},
	};
	rp_id sup[2] = {{{0xaa}}, {{0xbb}}};
	rp_index_pack packs[2] = {
		{{{0x10}}, {0x20}, ents, 2},
		{{{0x11}}, {0x21}, ents + 2, 1},
	};
	rp_buf b = {0};
	rp_indexfile_encode(&b, sup, 2, packs, 2, NULL);
	fuzz_seed(dir, "two-packs", b.data, b.len);
	rp_buf_reset(&b);
	rp_indexfile_encode(&b, NULL, 0, packs, 1, NULL);
	fuzz_seed(dir, "one-pack", b.data, b.len);
	rp_buf_reset(&b);
	rp_indexfile_encode(&b, sup, 1, NULL, 0, NULL);
	fuzz_seed(dir, "supersedes-only", b.data, b.len);
	rp_buf_free(&b);
}
