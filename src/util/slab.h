/* slab.h - a fixed set of equal buffers handed out and given back.
 *
 * Hot paths that pass buffers from thread to thread (a chunk cut by one
 * worker and sealed by another, a sealed blob queued for the pack writer)
 * take them from a slab instead of malloc: nothing is allocated per item,
 * memory stays bounded by count x bytes, and buffers are reused while
 * still warm.  Thread-safe.
 */
#ifndef RP_SLAB_H
#define RP_SLAB_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rp_slab rp_slab;

/* count buffers of bytes each (allocated on first use). */
int rp_slab_new(rp_slab **out, size_t bytes, size_t count, rp_err *e);
void rp_slab_free(rp_slab *s);
size_t rp_slab_bytes(const rp_slab *s);
/* A free buffer, or NULL when all are out (or allocation failed: see
 * rp_slab_failed). */
void *rp_slab_try_get(rp_slab *s);
/* A free buffer, waiting for one; NULL only when allocation failed. */
void *rp_slab_get(rp_slab *s);
void rp_slab_put(rp_slab *s, void *buf);
/* 1 when a buffer could not be allocated. */
int rp_slab_failed(const rp_slab *s);

#endif
