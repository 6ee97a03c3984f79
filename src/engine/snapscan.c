/* snapscan.c - parallel scan of a snapshot's files (see snapscan.h). */
#include "snapscan.h"

#include "blobread.h"
#include "treewalk.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_JOBS 256

typedef struct job {
	char *path;
	size_t len;
	rp_node node;    /* name/content/etc. point into `own` */
	uint8_t *own;    /* copy of the content items */
} job;

typedef struct scan {
	rp_repo *repo;
	rp_index *idx;
	const rp_snapscan_ops *ops;
	pthread_mutex_t mu;
	pthread_cond_t has_job, has_room;
	job q[QUEUE_JOBS];
	size_t head, tail;
	int done, failed;
	rp_err err;
} scan;

static void fail(scan *s, int rc, const rp_err *e)
{
	pthread_mutex_lock(&s->mu);
	if (!s->failed) {
		s->failed = rc;
		s->err = *e;
	}
	pthread_cond_broadcast(&s->has_job);
	pthread_cond_broadcast(&s->has_room);
	pthread_mutex_unlock(&s->mu);
}

static int run_job(scan *s, void *wctx, rp_blob_reader *br, job *j, rp_err *e)
{
	const rp_snapscan_ops *o = s->ops;
	int rc = o->begin(wctx, j->path, j->len, &j->node, e);
	if (rc == 1)
		return 0;
	if (rc)
		return rc;
	int complete = 1;
	char problem[RP_ERR_MSG_BYTES] = "";
	size_t n = rp_content_count(&j->node);
	for (size_t i = 0; i < n; i++) {
		rp_id id;
		uint64_t len;
		int hole;
		rp_content_item(&j->node, i, &id, &len, &hole);
		if (hole)
			continue;
		const uint8_t *data;
		size_t got;
		rp_err be;
		if (rp_blob_read(br, &id, RP_BLOB_DATA, &data, &got, &be)) {
			complete = 0;
			snprintf(problem, sizeof problem, "%s", be.msg);
			break;
		}
		rc = o->data(wctx, data, got, e);
		if (rc == 1)
			break;
		if (rc)
			return rc;
	}
	return o->end(wctx, j->path, j->len, complete, problem, e);
}

typedef struct warg {
	scan *s;
	int k;
} warg;

static void *worker(void *arg)
{
	warg *a = arg;
	scan *s = a->s;
	rp_blob_reader *br = NULL;
	rp_err e;
	int rc = rp_blob_reader_new(&br, s->repo, s->idx, &e);
	if (rc)
		fail(s, rc, &e);
	for (;;) {
		pthread_mutex_lock(&s->mu);
		while (s->head == s->tail && !s->done && !s->failed)
			pthread_cond_wait(&s->has_job, &s->mu);
		if (s->head == s->tail || s->failed) {
			pthread_mutex_unlock(&s->mu);
			break;
		}
		job j = s->q[s->tail % QUEUE_JOBS];
		s->tail++;
		pthread_cond_signal(&s->has_room);
		pthread_mutex_unlock(&s->mu);
		if (!rc && (rc = run_job(s, s->ops->worker_ctx[a->k], br, &j, &e)))
			fail(s, rc, &e);
		free(j.path);
		free(j.own);
	}
	rp_blob_reader_free(br);
	return NULL;
}

typedef struct walk_ctx {
	scan *s;
	rp_err *e;
} walk_ctx;

static int on_enter(void *ctx, const char *path, size_t len, const rp_node *n)
{
	walk_ctx *w = ctx;
	scan *s = w->s;
	if (n->type != RP_NODE_FILE)
		return 0;
	job j = {0};
	j.path = malloc(len + 1);
	j.own = malloc(n->content.n + n->name.n + 1);
	if (!j.path || !j.own) {
		free(j.path);
		free(j.own);
		return rp_err_set(w->e, RP_ENOMEM, "out of memory");
	}
	memcpy(j.path, path, len + 1);
	j.len = len;
	j.node = *n;
	memcpy(j.own, n->content.p, n->content.n);
	memcpy(j.own + n->content.n, n->name.p, n->name.n);
	j.node.content.p = j.own;
	j.node.name.p = j.own + n->content.n;
	/* what points into the tree blob is not valid past this call */
	j.node.xattrs = (rp_bytes){0};
	j.node.target = (rp_bytes){0};
	j.node.scan = (rp_bytes){0};
	j.node.subtrees = (rp_bytes){0};
	j.node.content_parts = (rp_bytes){0};
	j.node.user = j.node.group = (rp_bytes){0};
	pthread_mutex_lock(&s->mu);
	while (s->head - s->tail >= QUEUE_JOBS && !s->failed)
		pthread_cond_wait(&s->has_room, &s->mu);
	int failed = s->failed;
	if (!failed) {
		s->q[s->head % QUEUE_JOBS] = j;
		s->head++;
		pthread_cond_signal(&s->has_job);
	}
	pthread_mutex_unlock(&s->mu);
	if (failed) {
		free(j.path);
		free(j.own);
		return RP_EINTR;
	}
	return 0;
}

int rp_snapscan_run(rp_repo *r, rp_index *idx, const rp_id *root, const rp_snapscan_ops *ops, rp_err *e)
{
	scan s = {0};
	s.repo = r;
	s.idx = idx;
	s.ops = ops;
	pthread_mutex_init(&s.mu, NULL);
	pthread_cond_init(&s.has_job, NULL);
	pthread_cond_init(&s.has_room, NULL);
	pthread_t *th = calloc((size_t)ops->workers, sizeof *th);
	warg *args = calloc((size_t)ops->workers, sizeof *args);
	rp_blob_reader *br = NULL;
	int started = 0, rc = 0;
	if (!th || !args) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	for (int i = 0; i < ops->workers; i++) {
		args[i] = (warg){&s, i};
		if (pthread_create(&th[i], NULL, worker, &args[i])) {
			rc = rp_err_set(e, RP_ENOMEM, "cannot start threads");
			break;
		}
		started++;
	}
	if (!rc && !(rc = rp_blob_reader_new(&br, r, idx, e))) {
		walk_ctx wc = {&s, e};
		rp_walk_ops wops = {&wc, on_enter, NULL, NULL};
		rc = rp_tree_walk(br, root, &wops, e);
	}
	pthread_mutex_lock(&s.mu);
	s.done = 1;
	if (rc && !s.failed)
		s.failed = rc;
	pthread_cond_broadcast(&s.has_job);
	pthread_mutex_unlock(&s.mu);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (s.failed && (!rc || rc == RP_EINTR)) {
		rc = s.failed;
		*e = s.err;
	}
	/* jobs left behind by a failure */
	for (; s.tail < s.head; s.tail++) {
		free(s.q[s.tail % QUEUE_JOBS].path);
		free(s.q[s.tail % QUEUE_JOBS].own);
	}
done:
	rp_blob_reader_free(br);
	free(th);
	free(args);
	pthread_mutex_destroy(&s.mu);
	pthread_cond_destroy(&s.has_job);
	pthread_cond_destroy(&s.has_room);
	return rc;
}
