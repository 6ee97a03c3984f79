/* retention.h - which snapshots a `forget` policy keeps.
 *
 * Snapshots are grouped by host and path set; within a group, each rule
 * keeps the newest snapshot of each of its N most recent periods (hours,
 * days, ISO weeks, months, years, in local time), --keep-last keeps the N
 * newest, --keep-tag every snapshot with a tag.  A snapshot is removed
 * when no rule keeps it.
 *
 * One rule overrides all: the newest snapshot holding a clean state is
 * kept while any newer snapshot of its group does not (suspicious, attack,
 * after an attack, or not analysed), so an attack can never push the last
 * clean state out of the repository.
 */
#ifndef RP_RETENTION_H
#define RP_RETENTION_H

#include "snaps.h"

typedef struct rp_retention {
	int last, hourly, daily, weekly, monthly, yearly; /* 0: rule unused */
	char **keep_tags;
	size_t n_keep_tags;
} rp_retention;

enum { RP_RET_REMOVE = 0, RP_RET_KEEP = 1 };

typedef struct rp_retention_decision {
	int keep;
	char reason[128]; /* why it is kept ("daily", "last clean before suspicious snapshots", ...) */
} rp_retention_decision;

/* 1 when the policy has at least one rule. */
int rp_retention_any(const rp_retention *p);

/* Decides for every snapshot of l (out has l->n entries, same order).
 * clean[i] says whether snapshot i holds a clean state (cleanstate.h);
 * NULL: its stored verdict says. */
int rp_retention_apply(const rp_snap_list *l, const rp_retention *p, const uint8_t *clean,
		       rp_retention_decision *out, rp_err *e);

#endif
