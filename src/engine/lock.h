/* lock.h - repository locks, as files in locks/.
 *
 * Backups take shared locks (any number may run at once: everything they
 * write has a unique name); prune and repair take an exclusive one.  A
 * lock is refreshed every LOCK_REFRESH_SECONDS by a background thread and
 * counts as stale after LOCK_STALE_SECONDS without refresh, or at once
 * when it belongs to a dead process on this host.
 */
#ifndef RP_LOCK_H
#define RP_LOCK_H

#include "repo.h"

#define LOCK_REFRESH_SECONDS 300
#define LOCK_STALE_SECONDS 1800

typedef struct rp_lock rp_lock;

/* RP_ELOCKED with a message naming the holder when it conflicts. */
int rp_lock_acquire(rp_repo *r, int exclusive, rp_lock **out, rp_err *e);
/* Removes the lock file (best effort) and frees l. */
void rp_lock_release(rp_lock *l);

typedef struct rp_lock_info {
	char id[65];
	int64_t time;
	char host[256];
	long pid;
	int exclusive;
	int stale;
} rp_lock_info;

/* Lists the locks present (for `check` and unlock). */
int rp_lock_list(rp_repo *r, rp_lock_info **out, size_t *n, rp_err *e);
/* Removes stale locks (or all with all=1); returns how many. */
int rp_lock_remove_stale(rp_repo *r, int all, size_t *removed, rp_err *e);

#endif
