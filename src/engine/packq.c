/* packq.c - sealed blobs queued to a pack writer thread. */
#include "packq.h"

#include "util/slab.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct qitem {
	struct qitem *next;
	rp_id id;
	uint8_t type, flags;
	uint8_t from_slab;
	uint32_t raw_len;
	size_t len;
	uint8_t bytes[]; /* the sealed blob */
} qitem;

#define PACKQ_MAX_WRITERS 8
/* a writer is woken when this much waits (or the queue is full, or on a
 * flush), and takes at most this much at once: one wake-up per blob made
 * tens of thousands of context switches a backup */
#define PACKQ_BATCH_BYTES (1u << 20)

/* One writer thread with its own open pack. */
typedef struct pwriter {
	struct rp_packq *q;
	rp_packer *packer;
	rp_blob_codec *codec; /* trailers */
	pthread_t thread;
	int started;
	int flushed;          /* done with the current flush request */
} pwriter;

struct rp_packq {
	rp_repo *repo;
	uint8_t eph[32];
	uint8_t key[RP_KEY_BYTES];
	pwriter w[PACKQ_MAX_WRITERS];
	int n_writers;
	rp_slab *slab; /* item buffers, or NULL */
	pthread_mutex_t mu;
	pthread_cond_t not_full, not_empty, idle;
	qitem *head, *tail;
	size_t queued, max_bytes;
	uint64_t flush_gen; /* bumped by each flush request */
	int busy;           /* writers holding items or flushing */
	int sleeping;       /* writers waiting for items */
	int full_waiters;   /* producers waiting for room */
	size_t n_items, slab_items; /* queued items; buffers of the slab */
	int stop;
	int failed;
	rp_err err;
};

static void item_free(rp_packq *q, qitem *it)
{
	if (it->from_slab)
		rp_slab_put(q->slab, it);
	else
		free(it);
}

static void set_failed(rp_packq *q, int rc, const rp_err *e)
{
	if (rc && !q->failed) {
		q->failed = rc;
		q->err = *e;
	}
}

/* Detaches up to PACKQ_BATCH_BYTES of items (at least one) from the queue
 * (caller holds the lock). */
static qitem *take_batch(rp_packq *q, size_t *bytes, size_t *count)
{
	qitem *first = q->head, *last = first;
	size_t sum = last->len;
	*count = 1;
	while (last->next && sum + last->next->len <= PACKQ_BATCH_BYTES) {
		last = last->next;
		sum += last->len;
		++*count;
	}
	q->head = last->next;
	if (!q->head)
		q->tail = NULL;
	last->next = NULL;
	*bytes = sum;
	return first;
}

static void *writer_main(void *arg)
{
	pwriter *pw = arg;
	rp_packq *q = pw->q;
	uint64_t seen_gen = 0;
	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (!q->head && seen_gen == q->flush_gen && !q->stop) {
			q->sleeping++;
			pthread_cond_wait(&q->not_empty, &q->mu);
			q->sleeping--;
		}
		if (q->head) {
			size_t bytes;
			size_t count;
			qitem *it = take_batch(q, &bytes, &count);
			q->n_items -= count;
			q->busy++;
			pthread_mutex_unlock(&q->mu);
			int rc = 0;
			rp_err e;
			for (qitem *x = it; x && !rc; x = x->next)
				rc = q->failed ? 0
					       : rp_packer_add_sealed(pw->packer, pw->codec, x->type, &x->id, x->flags,
								      x->raw_len, x->bytes, x->len, &e);
			pthread_mutex_lock(&q->mu);
			q->queued -= bytes;
			while (it) {
				qitem *next = it->next;
				item_free(q, it);
				it = next;
			}
			set_failed(q, rc, &e);
			q->busy--;
			if (q->full_waiters || rc)
				pthread_cond_broadcast(&q->not_full);
			if (!q->busy && !q->head)
				pthread_cond_broadcast(&q->idle);
			continue;
		}
		if (seen_gen != q->flush_gen) {
			/* the queue is drained: commit this writer's open pack */
			seen_gen = q->flush_gen;
			q->busy++;
			pthread_mutex_unlock(&q->mu);
			rp_err e;
			int rc = q->failed ? 0 : rp_packer_flush(pw->packer, pw->codec, &e);
			pthread_mutex_lock(&q->mu);
			set_failed(q, rc, &e);
			q->busy--;
			pw->flushed = 1;
			pthread_cond_broadcast(&q->idle);
			continue;
		}
		if (q->stop)
			break;
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int rp_packq_new(rp_packq **out, rp_repo *r, size_t max_bytes, size_t item_bytes, rp_pack_done_fn done, void *ctx,
		 rp_err *e)
{
	rp_packq *q = calloc(1, sizeof *q);
	if (!q)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	q->repo = r;
	q->max_bytes = max_bytes;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->not_full, NULL);
	pthread_cond_init(&q->not_empty, NULL);
	pthread_cond_init(&q->idle, NULL);
	/* one writer per CPU: hashing and writing packs must keep up with
	 * every core sealing blobs */
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	q->n_writers = (int)(ncpu < 1 ? 1 : ncpu > PACKQ_MAX_WRITERS ? PACKQ_MAX_WRITERS : ncpu);
	int rc = rp_seal_key_new(r->mk.data_pk, q->eph, q->key, e);
	if (!rc && item_bytes)
		rc = rp_slab_new(&q->slab, sizeof(qitem) + item_bytes, q->slab_items = max_bytes / item_bytes + 2, e);
	for (int i = 0; !rc && i < q->n_writers; i++) {
		pwriter *pw = &q->w[i];
		pw->q = q;
		rc = rp_packer_new(&pw->packer, r, done, ctx, e);
		if (!rc)
			rc = rp_blob_codec_new(&pw->codec, 1, e);
		if (!rc) {
			rp_packer_set_key(pw->packer, q->eph, q->key);
			if (pthread_create(&pw->thread, NULL, writer_main, pw))
				rc = rp_err_set(e, RP_ENOMEM, "cannot start the pack writer threads");
			else
				pw->started = 1;
		}
	}
	if (rc) {
		rp_packq_free(q);
		return rc;
	}
	*out = q;
	return 0;
}

void rp_packq_free(rp_packq *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	for (int i = 0; i < q->n_writers; i++) {
		if (q->w[i].started)
			pthread_join(q->w[i].thread, NULL);
		rp_packer_free(q->w[i].packer); /* aborts a pack still open */
		rp_blob_codec_free(q->w[i].codec);
	}
	while (q->head) {
		qitem *it = q->head;
		q->head = it->next;
		item_free(q, it);
	}
	rp_slab_free(q->slab);
	rp_wipe(q->key, sizeof q->key);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->not_full);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->idle);
	free(q);
}

const uint8_t *rp_packq_key(const rp_packq *q)
{
	return q->key;
}

int rp_packq_add(rp_packq *q, uint8_t type, const rp_id *id, uint8_t flags, uint32_t raw_len, const uint8_t *sealed,
		 size_t sealed_len, rp_err *e)
{
	qitem *it = NULL;
	int from_slab = q->slab && sizeof *it + sealed_len <= rp_slab_bytes(q->slab);
	it = from_slab ? rp_slab_get(q->slab) : malloc(sizeof *it + sealed_len);
	if (!it)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	it->from_slab = (uint8_t)from_slab;
	it->next = NULL;
	it->id = *id;
	it->type = type;
	it->flags = flags;
	it->raw_len = raw_len;
	it->len = sealed_len;
	memcpy(it->bytes, sealed, sealed_len);
	pthread_mutex_lock(&q->mu);
	while (!q->failed && q->queued && q->queued + sealed_len > q->max_bytes) {
		if (q->sleeping)
			pthread_cond_signal(&q->not_empty);
		q->full_waiters++;
		pthread_cond_wait(&q->not_full, &q->mu);
		q->full_waiters--;
	}
	if (q->failed) {
		int rc = q->failed;
		if (e)
			*e = q->err;
		pthread_mutex_unlock(&q->mu);
		item_free(q, it);
		return rc;
	}
	if (q->tail)
		q->tail->next = it;
	else
		q->head = it;
	q->tail = it;
	q->queued += sealed_len;
	q->n_items++;
	/* wake a writer for a batch, or before producers run out of item
	 * buffers (they would wait for them in rp_slab_get) */
	if (q->sleeping && (q->queued >= (q->max_bytes < 2 * PACKQ_BATCH_BYTES ? q->max_bytes / 2 : PACKQ_BATCH_BYTES) ||
			    (q->slab_items && 2 * q->n_items >= q->slab_items)))
		pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

int rp_packq_flush(rp_packq *q, rp_err *e)
{
	pthread_mutex_lock(&q->mu);
	for (int i = 0; i < q->n_writers; i++)
		q->w[i].flushed = 0;
	q->flush_gen++;
	pthread_cond_broadcast(&q->not_empty);
	for (;;) {
		int all = !q->head && !q->busy;
		for (int i = 0; all && i < q->n_writers; i++)
			all = q->w[i].flushed;
		if (all || q->failed)
			break;
		pthread_cond_wait(&q->idle, &q->mu);
	}
	int rc = q->failed;
	if (rc && e)
		*e = q->err;
	pthread_mutex_unlock(&q->mu);
	return rc;
}
