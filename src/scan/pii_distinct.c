/* pii_distinct.c - distinct identifier values, as keyed hashes.
 *
 * A value is reduced to SipHash-2-4(kind || value) under a 16-byte key
 * derived from the caller's key; the 64-bit hash picks a shard (top 4
 * bits), and inside the shard an open-addressing table (exact count) and a
 * HyperLogLog sketch per kind (estimate once the table is full).  Shards
 * hold disjoint sets of hashes, so exact counts add up and sketches merge
 * by register-wise maximum.  64-bit hashes collide with probability about
 * n^2 / 2^65: negligible below a billion values.
 */
#include "pii.h"

#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define HLL_BITS 14
#define HLL_REGISTERS ((size_t)1 << HLL_BITS)
#define SHARD_MIN_SLOTS ((size_t)64)

typedef struct shard {
	pthread_mutex_t lock;
	uint64_t *slots; /* 0 = empty */
	size_t nslots;
	size_t used;
	size_t max_used; /* this shard's share of max_exact */
	uint64_t exact[RP_PII_KINDS];
	int refused[RP_PII_KINDS];
	uint8_t hll[RP_PII_KINDS][HLL_REGISTERS];
} shard;

struct rp_pii_distinct {
	uint8_t key[crypto_shorthash_siphash24_KEYBYTES];
	shard shards[RP_PII_DISTINCT_SHARDS];
};

int rp_pii_distinct_new_bounded(rp_pii_distinct **out, const uint8_t key[32], size_t max_exact,
				rp_err *e)
{
	*out = NULL;
	if (max_exact < RP_PII_DISTINCT_SHARDS)
		return rp_err_set(e, RP_EINVAL, "PII distinct set: bound %zu is below %d", max_exact,
				  RP_PII_DISTINCT_SHARDS);
	if (sodium_init() < 0)
		return rp_err_set(e, RP_ECRYPTO, "PII distinct set: libsodium failed to initialise");
	rp_pii_distinct *d = calloc(1, sizeof *d);
	if (!d)
		return rp_err_set(e, RP_ENOMEM, "PII distinct set: out of memory");
	/* a separate key for this use, so the caller's key never meets SipHash */
	static const uint8_t CONTEXT[] = "rempart pii distinct v1";
	crypto_generichash(d->key, sizeof d->key, CONTEXT, sizeof CONTEXT - 1, key, 32);
	size_t i;
	for (i = 0; i < RP_PII_DISTINCT_SHARDS; i++) {
		if (pthread_mutex_init(&d->shards[i].lock, NULL))
			goto fail;
		d->shards[i].max_used = max_exact / RP_PII_DISTINCT_SHARDS;
	}
	*out = d;
	return 0;
fail:
	while (i-- > 0)
		pthread_mutex_destroy(&d->shards[i].lock);
	sodium_memzero(d->key, sizeof d->key);
	free(d);
	return rp_err_set(e, RP_ENOMEM, "PII distinct set: cannot create a mutex");
}

int rp_pii_distinct_new(rp_pii_distinct **out, const uint8_t key[32], rp_err *e)
{
	return rp_pii_distinct_new_bounded(out, key, RP_PII_DISTINCT_DEFAULT_MAX_EXACT, e);
}

void rp_pii_distinct_free(rp_pii_distinct *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < RP_PII_DISTINCT_SHARDS; i++) {
		pthread_mutex_destroy(&d->shards[i].lock);
		free(d->shards[i].slots);
	}
	sodium_memzero(d->key, sizeof d->key);
	free(d);
}

uint64_t rp_pii_distinct_hash(const rp_pii_distinct *d, int kind, const uint8_t *v, size_t n)
{
	uint8_t msg[1 + 256];
	if (n > sizeof msg - 1)
		n = sizeof msg - 1;
	msg[0] = (uint8_t)kind;
	memcpy(msg + 1, v, n);
	uint8_t out[crypto_shorthash_siphash24_BYTES];
	crypto_shorthash_siphash24(out, msg, n + 1, d->key);
	uint64_t h = 0;
	for (int k = 0; k < 8; k++)
		h = h << 8 | out[k];
	return h;
}

static int shard_grow(shard *s)
{
	size_t n = s->nslots ? s->nslots * 2 : SHARD_MIN_SLOTS;
	uint64_t *t = calloc(n, sizeof *t);
	if (!t)
		return -1;
	for (size_t i = 0; i < s->nslots; i++) {
		uint64_t h = s->slots[i];
		if (!h)
			continue;
		size_t at = (size_t)h & (n - 1);
		while (t[at])
			at = (at + 1) & (n - 1);
		t[at] = h;
	}
	free(s->slots);
	s->slots = t;
	s->nslots = n;
	return 0;
}

/* Called with the shard locked. */
static void shard_add(shard *s, int kind, uint64_t h)
{
	/* the 14 bits under the shard index pick the sketch register, the
	 * rest gives the rank; the table uses the whole hash */
	uint64_t rest = h << 4;
	size_t reg = (size_t)(rest >> (64 - HLL_BITS));
	uint64_t tail = rest << HLL_BITS;
	uint8_t rank = 1;
	while (rank <= 64 - 4 - HLL_BITS && !(tail >> 63)) {
		rank++;
		tail <<= 1;
	}
	if (s->hll[kind][reg] < rank)
		s->hll[kind][reg] = rank;

	if (!h)
		h = 1;
	if (s->nslots) {
		size_t at = (size_t)h & (s->nslots - 1);
		while (s->slots[at]) {
			if (s->slots[at] == h)
				return;
			at = (at + 1) & (s->nslots - 1);
		}
	}
	if (s->used >= s->max_used || ((s->used + 1) * 2 > s->nslots && shard_grow(s))) {
		s->refused[kind] = 1;
		return;
	}
	size_t at = (size_t)h & (s->nslots - 1);
	while (s->slots[at])
		at = (at + 1) & (s->nslots - 1);
	s->slots[at] = h;
	s->used++;
	s->exact[kind]++;
}

void rp_pii_distinct_add(rp_pii_distinct *d, const uint8_t *kinds, const uint64_t *hashes, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (kinds[i] >= RP_PII_KINDS)
			continue;
		shard *s = &d->shards[hashes[i] >> 60];
		pthread_mutex_lock(&s->lock);
		shard_add(s, kinds[i], hashes[i]);
		pthread_mutex_unlock(&s->lock);
	}
}

int rp_pii_distinct_is_exact(const rp_pii_distinct *d, int kind)
{
	if (kind < 0 || kind >= RP_PII_KINDS)
		return 1;
	int exact = 1;
	rp_pii_distinct *m = (rp_pii_distinct *)d; /* locking only */
	for (size_t i = 0; i < RP_PII_DISTINCT_SHARDS; i++) {
		pthread_mutex_lock(&m->shards[i].lock);
		if (m->shards[i].refused[kind])
			exact = 0;
		pthread_mutex_unlock(&m->shards[i].lock);
	}
	return exact;
}

/* HyperLogLog estimate over the register-wise maximum of all shards, with
 * the small-range (linear counting) correction. */
static double hll_estimate(rp_pii_distinct *d, int kind)
{
	double sum = 0;
	size_t zeros = 0;
	for (size_t r = 0; r < HLL_REGISTERS; r++) {
		uint8_t v = 0;
		for (size_t i = 0; i < RP_PII_DISTINCT_SHARDS; i++)
			if (d->shards[i].hll[kind][r] > v)
				v = d->shards[i].hll[kind][r];
		sum += ldexp(1.0, -(int)v);
		if (!v)
			zeros++;
	}
	double m = (double)HLL_REGISTERS;
	double est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (est <= 2.5 * m && zeros)
		est = m * log(m / (double)zeros);
	return est;
}

uint64_t rp_pii_distinct_count(const rp_pii_distinct *d, int kind)
{
	if (kind < 0 || kind >= RP_PII_KINDS)
		return 0;
	rp_pii_distinct *m = (rp_pii_distinct *)d; /* locking only */
	uint64_t exact = 0;
	int refused = 0;
	for (size_t i = 0; i < RP_PII_DISTINCT_SHARDS; i++)
		pthread_mutex_lock(&m->shards[i].lock);
	for (size_t i = 0; i < RP_PII_DISTINCT_SHARDS; i++) {
		exact += m->shards[i].exact[kind];
		refused |= m->shards[i].refused[kind];
	}
	double est = refused ? hll_estimate(m, kind) : 0;
	for (size_t i = RP_PII_DISTINCT_SHARDS; i-- > 0;)
		pthread_mutex_unlock(&m->shards[i].lock);
	if (!refused)
		return exact;
	uint64_t e = (uint64_t)(est + 0.5);
	return e > exact ? e : exact;
}
