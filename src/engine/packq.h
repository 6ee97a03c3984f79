/* packq.h - a queue of sealed blobs and the thread that packs them.
 *
 * Workers compress and seal blobs themselves (with the queue's session
 * key) and hand the sealed bytes over; one writer thread appends them to
 * packs, hashes, writes and commits the packs, and announces each
 * committed pack.  Workers only wait when more than max_bytes are queued,
 * never on a disk or a network.
 *
 * The session key: one ephemeral X25519 key per queue, so every pack of
 * one run carries the same E in its header.  The writer forgets it when
 * the queue is freed; older packs stay unreadable to it.  (Random 96-bit
 * nonces stay safe well past 2^30 blobs under one key.)
 */
#ifndef RP_PACKQ_H
#define RP_PACKQ_H

#include "packer.h"

typedef struct rp_packq rp_packq;

/* max_bytes bounds what may wait in the queue.  With item_bytes > 0,
 * blobs up to that size travel in reused buffers (no allocation per
 * blob); larger ones are allocated. */
int rp_packq_new(rp_packq **out, rp_repo *r, size_t max_bytes, size_t item_bytes, rp_pack_done_fn done, void *ctx,
		 rp_err *e);
/* Stops the writer (after flushing when flush) and frees q. */
void rp_packq_free(rp_packq *q);

/* The key blobs for this queue are sealed with. */
const uint8_t *rp_packq_key(const rp_packq *q);

/* Queues a sealed blob (copied).  Fails with the writer's error once the
 * writer has failed. */
int rp_packq_add(rp_packq *q, uint8_t type, const rp_id *id, uint8_t flags, uint32_t raw_len, const uint8_t *sealed,
		 size_t sealed_len, rp_err *e);

/* Writes out everything queued, commits the open pack and waits: 0 when
 * every blob handed over is in a committed pack. */
int rp_packq_flush(rp_packq *q, rp_err *e);

#endif
