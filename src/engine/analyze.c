/* analyze.c - verdicts from stored trees (see analyze.h). */
#include "analyze.h"

#include "blobread.h"
#include "fprint.h"
#include "scan/detect.h"
#include "treewalk.h"

#include <stdlib.h>
#include <string.h>

/* What the parent knew of one path. */
typedef struct pfile {
	char *path;
	size_t path_len;
	uint64_t hash;
	uint64_t fp;
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	size_t rec_len;
	size_t chunks_at, n_chunks; /* in the keys array */
	int seen;
} pfile;

typedef struct parent_map {
	pfile *v;
	size_t n, cap;
	size_t *slots; /* open addressing on hash: index + 1, 0 empty */
	size_t n_slots;
	uint64_t *keys; /* chunk id keys of every parent file */
	size_t n_keys, cap_keys;
} parent_map;

static uint64_t content_fp(const rp_node *n, size_t *chunks)
{
	uint64_t fp = RP_FP_SEED;
	size_t c = 0;
	for (size_t i = 0; i < rp_content_count(n); i++) {
		rp_id id;
		uint64_t len;
		int hole;
		rp_content_item(n, i, &id, &len, &hole);
		if (hole)
			continue;
		fp = rp_fp_add(fp, &id);
		c++;
	}
	*chunks = c;
	return fp;
}

static int map_add(parent_map *m, const char *path, size_t len, const rp_node *n)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1024;
		pfile *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return RP_ENOMEM;
		m->v = v;
		m->cap = cap;
	}
	pfile *f = &m->v[m->n];
	memset(f, 0, sizeof *f);
	if (!(f->path = malloc(len + 1)))
		return RP_ENOMEM;
	memcpy(f->path, path, len + 1);
	f->path_len = len;
	f->hash = rp_scan_path_hash((const uint8_t *)path, len);
	size_t c;
	f->fp = content_fp(n, &c);
	if (n->scan.n <= sizeof f->rec) {
		memcpy(f->rec, n->scan.p, n->scan.n);
		f->rec_len = n->scan.n;
	}
	f->chunks_at = m->n_keys;
	for (size_t i = 0; i < rp_content_count(n); i++) {
		rp_id id;
		uint64_t l;
		int hole;
		rp_content_item(n, i, &id, &l, &hole);
		if (hole)
			continue;
		if (m->n_keys == m->cap_keys) {
			size_t cap = m->cap_keys ? m->cap_keys * 2 : 4096;
			uint64_t *k = realloc(m->keys, cap * sizeof *k);
			if (!k)
				return RP_ENOMEM;
			m->keys = k;
			m->cap_keys = cap;
		}
		m->keys[m->n_keys++] = rp_fp_key(&id);
	}
	f->n_chunks = m->n_keys - f->chunks_at;
	m->n++;
	return 0;
}

static int map_index(parent_map *m)
{
	m->n_slots = 16;
	while (m->n_slots < m->n * 2)
		m->n_slots *= 2;
	if (!(m->slots = calloc(m->n_slots, sizeof *m->slots)))
		return RP_ENOMEM;
	for (size_t i = 0; i < m->n; i++) {
		size_t j = m->v[i].hash & (m->n_slots - 1);
		while (m->slots[j])
			j = (j + 1) & (m->n_slots - 1);
		m->slots[j] = i + 1;
	}
	return 0;
}

static pfile *map_find(parent_map *m, const char *path, size_t len)
{
	if (!m->n_slots)
		return NULL;
	uint64_t h = rp_scan_path_hash((const uint8_t *)path, len);
	size_t j = h & (m->n_slots - 1);
	while (m->slots[j]) {
		pfile *f = &m->v[m->slots[j] - 1];
		if (f->hash == h && f->path_len == len && !memcmp(f->path, path, len))
			return f;
		j = (j + 1) & (m->n_slots - 1);
	}
	return NULL;
}

static void map_free(parent_map *m)
{
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].path);
	free(m->v);
	free(m->slots);
	free(m->keys);
}

/* The new snapshot's files and their first judgements (kept only when
 * the caller wants the final ones). */
typedef struct judged_file {
	char *path;
	size_t len;
	int judged;
} judged_file;

typedef struct an_ctx {
	parent_map *m;
	rp_analyzer *a;
	rp_err *e;
	uint64_t *set; /* the previous version's chunk keys, for one file */
	size_t set_cap;
	int keep;
	judged_file *files;
	size_t n_files, cap_files;
} an_ctx;

static int collect_parent(void *ctx, const char *path, size_t len, const rp_node *n)
{
	an_ctx *c = ctx;
	if (n->type != RP_NODE_FILE)
		return 0;
	return map_add(c->m, path, len, n) ? rp_err_set(c->e, RP_ENOMEM, "out of memory") : 0;
}

/* How many of n's chunks also occur in the previous version. */
static int shared_chunks(an_ctx *c, const pfile *f, const rp_node *n, uint32_t *shared)
{
	size_t cap = 16;
	while (cap < f->n_chunks * 2)
		cap *= 2;
	if (cap > c->set_cap) {
		uint64_t *s = realloc(c->set, cap * sizeof *s);
		if (!s)
			return RP_ENOMEM;
		c->set = s;
		c->set_cap = cap;
	}
	memset(c->set, 0, cap * sizeof *c->set);
	for (size_t i = 0; i < f->n_chunks; i++) {
		uint64_t k = c->m->keys[f->chunks_at + i];
		size_t j = k & (cap - 1);
		while (c->set[j] && c->set[j] != k)
			j = (j + 1) & (cap - 1);
		c->set[j] = k;
	}
	*shared = 0;
	for (size_t i = 0; i < rp_content_count(n); i++) {
		rp_id id;
		uint64_t l;
		int hole;
		rp_content_item(n, i, &id, &l, &hole);
		if (hole)
			continue;
		uint64_t k = rp_fp_key(&id);
		size_t j = k & (cap - 1);
		while (c->set[j] && c->set[j] != k)
			j = (j + 1) & (cap - 1);
		if (c->set[j] == k)
			(*shared)++;
	}
	return 0;
}

static int visit_new(void *ctx, const char *path, size_t len, const rp_node *n)
{
	an_ctx *c = ctx;
	if (n->type != RP_NODE_FILE)
		return 0;
	size_t chunks;
	uint64_t fp = content_fp(n, &chunks);
	pfile *f = map_find(c->m, path, len);
	uint32_t shared = 0;
	if (f) {
		f->seen = 1;
		if (shared_chunks(c, f, n, &shared))
			return rp_err_set(c->e, RP_ENOMEM, "out of memory");
	}
	int j = rp_analyzer_file(c->a, (const uint8_t *)path, len, n->scan.p, n->scan.n, fp, f ? f->rec : NULL,
				 f ? f->rec_len : 0, f ? f->fp : 0, f ? fp != f->fp : 1, (uint32_t)chunks, shared);
	if (c->keep) {
		if (c->n_files == c->cap_files) {
			size_t cap = c->cap_files ? c->cap_files * 2 : 1024;
			judged_file *v = realloc(c->files, cap * sizeof *v);
			if (!v)
				return rp_err_set(c->e, RP_ENOMEM, "out of memory");
			c->files = v;
			c->cap_files = cap;
		}
		judged_file *jf = &c->files[c->n_files];
		if (!(jf->path = malloc(len + 1)))
			return rp_err_set(c->e, RP_ENOMEM, "out of memory");
		memcpy(jf->path, path, len + 1);
		jf->len = len;
		jf->judged = j;
		c->n_files++;
	}
	return 0;
}

typedef struct amend {
	uint64_t hash;
	int judged;
} amend;

static int amend_cmp(const void *x, const void *y)
{
	uint64_t a = ((const amend *)x)->hash, b = ((const amend *)y)->hash;
	return a < b ? -1 : a > b;
}

/* Final judgements: the first ones, as the whole-snapshot view amended them. */
static int report_judgements(an_ctx *c, rp_analyze_file_fn fn, void *ctx)
{
	size_t na = rp_analyzer_amendments(c->a);
	amend *am = malloc((na ? na : 1) * sizeof *am);
	if (!am)
		return rp_err_set(c->e, RP_ENOMEM, "out of memory");
	for (size_t k = 0; k < na; k++)
		if (rp_analyzer_amendment(c->a, k, &am[k].hash, &am[k].judged))
			am[k].hash = 0, am[k].judged = -1;
	if (na)
		qsort(am, na, sizeof *am, amend_cmp);
	for (size_t i = 0; i < c->n_files; i++) {
		amend key = {rp_scan_path_hash((const uint8_t *)c->files[i].path, c->files[i].len), 0};
		const amend *hit = na ? bsearch(&key, am, na, sizeof *am, amend_cmp) : NULL;
		if (hit && hit->judged >= 0)
			c->files[i].judged = hit->judged;
		fn(ctx, c->files[i].path, c->files[i].len, c->files[i].judged);
	}
	free(am);
	return 0;
}

int rp_analyze_trees(rp_repo *r, rp_index *idx, const rp_id *tree, const rp_id *parent_tree, int *verdict,
		     rp_buf *evidence, rp_analyze_file_fn judged, void *jctx, rp_err *e)
{
	parent_map m = {0};
	rp_blob_reader *br = NULL;
	rp_analyzer *a = NULL;
	an_ctx c = {&m, NULL, e, NULL, 0, judged != NULL, NULL, 0, 0};
	int rc = rp_blob_reader_new(&br, r, idx, e);
	if (!rc)
		rc = rp_analyzer_new(&a, e);
	c.a = a;
	if (!rc && parent_tree) {
		rp_walk_ops ops = {&c, collect_parent, NULL, NULL};
		if ((rc = rp_tree_walk(br, parent_tree, &ops, e)))
			rp_err_prefix(e, "reading the parent snapshot");
		else if (map_index(&m))
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	if (!rc) {
		rp_walk_ops ops = {&c, visit_new, NULL, NULL};
		rc = rp_tree_walk(br, tree, &ops, e);
	}
	for (size_t i = 0; !rc && i < m.n; i++)
		if (!m.v[i].seen)
			rp_analyzer_deleted(a, (const uint8_t *)m.v[i].path, m.v[i].path_len, m.v[i].rec, m.v[i].rec_len,
					    m.v[i].fp);
	if (!rc)
		rc = rp_analyzer_finish(a, verdict, evidence, e);
	if (!rc && judged)
		rc = report_judgements(&c, judged, jctx);
	for (size_t i = 0; i < c.n_files; i++)
		free(c.files[i].path);
	free(c.files);
	free(c.set);
	rp_analyzer_free(a);
	rp_blob_reader_free(br);
	map_free(&m);
	return rc;
}
