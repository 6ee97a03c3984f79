/* idxwriter.c - index files from committed packs. */
#include "idxwriter.h"

#include "format/indexfile.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define IDXWRITER_PACKS_PER_FILE 128
/* packs of small files hold many blobs: an index file also closes after
 * this many entries, so what waits here stays small */
#define IDXWRITER_ENTRIES_PER_FILE 65536

struct rp_idxwriter {
	rp_repo *repo;
	rp_index *idx;
	pthread_mutex_t mu;
	pthread_mutex_t write_mu; /* one index file written at a time */
	rp_index_pack *packs;
	size_t n, cap;
	size_t entries; /* in packs[0..n) */
	uint64_t total_packs;
};

int rp_idxwriter_new(rp_idxwriter **out, rp_repo *r, rp_index *idx, rp_err *e)
{
	rp_idxwriter *w = calloc(1, sizeof *w);
	if (!w)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	w->repo = r;
	w->idx = idx;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->write_mu, NULL);
	*out = w;
	return 0;
}

static void free_packs(rp_index_pack *packs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((void *)packs[i].entries);
	free(packs);
}

void rp_idxwriter_free(rp_idxwriter *w)
{
	if (!w)
		return;
	free_packs(w->packs, w->n);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->write_mu);
	free(w);
}

/* Writes packs[0..n) as one index file; takes ownership of packs. */
static int write_file(rp_idxwriter *w, rp_index_pack *packs, size_t n, rp_err *e)
{
	rp_buf body = {0};
	rp_blob_codec *c = NULL;
	char id[65];
	int rc;
	pthread_mutex_lock(&w->write_mu);
	rc = rp_store_sync(w->repo->store, e);
	if (!rc)
		rc = rp_indexfile_encode(&body, NULL, 0, packs, n, e);
	if (!rc)
		rc = rp_blob_codec_new(&c, 1, e);
	if (!rc)
		rc = rp_repo_save(w->repo, c, RP_SF_INDEX, body.data, body.len, id, e);
	if (!rc)
		rc = rp_store_sync(w->repo->store, e);
	pthread_mutex_unlock(&w->write_mu);
	rp_blob_codec_free(c);
	rp_buf_free(&body);
	free_packs(packs, n);
	return rc;
}

int rp_idxwriter_add(rp_idxwriter *w, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
		     size_t n, rp_err *e)
{
	rp_pack_entry *copy = malloc((n ? n : 1) * sizeof *copy);
	if (!copy)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	memcpy(copy, ents, n * sizeof *copy);
	int rc = rp_index_add_pack(w->idx, pack, eph_pk, ents, n, e);
	if (rc) {
		free(copy);
		return rc;
	}
	rp_index_pack *full = NULL;
	size_t full_n = 0;
	pthread_mutex_lock(&w->mu);
	if (w->n == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		rp_index_pack *p = realloc(w->packs, cap * sizeof *p);
		if (!p) {
			pthread_mutex_unlock(&w->mu);
			free(copy);
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		}
		w->packs = p;
		w->cap = cap;
	}
	rp_index_pack *ip = &w->packs[w->n++];
	ip->pack_id = *pack;
	memcpy(ip->eph_pk, eph_pk, 32);
	ip->entries = copy;
	ip->count = n;
	w->total_packs++;
	w->entries += n;
	if (w->n >= IDXWRITER_PACKS_PER_FILE || w->entries >= IDXWRITER_ENTRIES_PER_FILE) {
		full = w->packs;
		full_n = w->n;
		w->packs = NULL;
		w->n = w->cap = 0;
		w->entries = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return full ? write_file(w, full, full_n, e) : 0;
}

int rp_idxwriter_flush(rp_idxwriter *w, rp_err *e)
{
	pthread_mutex_lock(&w->mu);
	rp_index_pack *packs = w->packs;
	size_t n = w->n;
	w->packs = NULL;
	w->n = w->cap = 0;
	w->entries = 0;
	pthread_mutex_unlock(&w->mu);
	if (!n) {
		free(packs);
		return rp_store_sync(w->repo->store, e);
	}
	return write_file(w, packs, n, e);
}

uint64_t rp_idxwriter_packs(const rp_idxwriter *w)
{
	return w->total_packs;
}

int rp_idxwriter_pack_done(void *ctx, const rp_id *pack, const uint8_t eph_pk[32], const rp_pack_entry *ents,
			   size_t n, uint64_t pack_bytes, rp_err *e)
{
	(void)pack_bytes;
	return rp_idxwriter_add(ctx, pack, eph_pk, ents, n, e);
}
