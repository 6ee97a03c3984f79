/* statahead.h - warming the inode and directory caches ahead of a walk.
 *
 * The backup walker stats entries one after another in walk order; on a
 * cold cache each stat waits for one inode read, so an unchanged re-backup
 * is bound by I/O latency, one request at a time.  Stat-ahead threads stat
 * the entries of each directory the walker has just listed (and list the
 * subdirectories among them), several requests at once, so the walker finds
 * them in memory.  The work is advisory: its results are thrown away, and
 * it is dropped when it falls too far behind.
 */
#ifndef RP_STATAHEAD_H
#define RP_STATAHEAD_H

#include "util/err.h"

#include <stddef.h>

typedef struct rp_statahead rp_statahead;

/* Starts `threads` stat-ahead threads (0: *out is NULL and every call
 * below does nothing). */
int rp_statahead_new(rp_statahead **out, int threads, rp_err *e);
/* Queues the n names of the directory open as dirfd (duplicated; names are
 * copied).  Never fails: work that cannot be queued is skipped. */
void rp_statahead_dir(rp_statahead *s, int dirfd, char *const *names, size_t n);
/* Stops the threads, dropping queued work.  NULL is allowed. */
void rp_statahead_free(rp_statahead *s);

#endif
