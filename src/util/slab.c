/* slab.c - a fixed set of equal buffers. */
#include "slab.h"

#include <pthread.h>
#include <stdlib.h>

struct rp_slab {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t bytes, count, made;
	void **free_list;
	size_t n_free;
	int failed;
};

int rp_slab_new(rp_slab **out, size_t bytes, size_t count, rp_err *e)
{
	rp_slab *s = calloc(1, sizeof *s);
	if (!s || !(s->free_list = calloc(count ? count : 1, sizeof *s->free_list))) {
		free(s);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	s->bytes = bytes;
	s->count = count;
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	*out = s;
	return 0;
}

void rp_slab_free(rp_slab *s)
{
	if (!s)
		return;
	/* buffers still out are the caller's bug; the free ones go */
	for (size_t i = 0; i < s->n_free; i++)
		free(s->free_list[i]);
	free(s->free_list);
	pthread_mutex_destroy(&s->mu);
	pthread_cond_destroy(&s->cv);
	free(s);
}

size_t rp_slab_bytes(const rp_slab *s)
{
	return s->bytes;
}

/* Caller holds mu. */
static void *take(rp_slab *s)
{
	if (s->n_free)
		return s->free_list[--s->n_free];
	if (s->made < s->count) {
		void *p = malloc(s->bytes);
		if (!p) {
			s->failed = 1;
			return NULL;
		}
		s->made++;
		return p;
	}
	return NULL;
}

void *rp_slab_try_get(rp_slab *s)
{
	pthread_mutex_lock(&s->mu);
	void *p = take(s);
	pthread_mutex_unlock(&s->mu);
	return p;
}

void *rp_slab_get(rp_slab *s)
{
	pthread_mutex_lock(&s->mu);
	void *p;
	while (!(p = take(s)) && !s->failed)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	return p;
}

void rp_slab_put(rp_slab *s, void *buf)
{
	if (!buf)
		return;
	pthread_mutex_lock(&s->mu);
	s->free_list[s->n_free++] = buf;
	pthread_cond_signal(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

int rp_slab_failed(const rp_slab *s)
{
	return s->failed;
}
