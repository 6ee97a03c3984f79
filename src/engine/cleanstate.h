/* cleanstate.h - which snapshots hold a clean state, not just a clean change.
 *
 * A snapshot's stored verdict judges the change from its parent.  After an
 * attack, the next snapshot changes little and is judged clean, yet it
 * still holds the encrypted files.  So, per host and path set, oldest
 * first: a snapshot is a clean state when its verdict is clean and the
 * previous snapshot was a clean state; after a snapshot that was not, a
 * clean-verdict snapshot is a clean state again only when comparing it
 * with the last clean state finds nothing (the files were brought back).
 * Snapshots never analysed count as not clean.
 */
#ifndef RP_CLEANSTATE_H
#define RP_CLEANSTATE_H

#include "index.h"
#include "snaps.h"

/* Fills clean[i] (1 or 0) for every snapshot of l.  May read trees
 * (a full key and the index are needed for re-analysis). */
int rp_clean_states(rp_repo *r, rp_index *idx, const rp_snap_list *l, uint8_t *clean, rp_err *e);

/* The newest clean state matching f, or RP_ENOTFOUND. */
int rp_latest_clean(rp_repo *r, rp_index *idx, const rp_snap_list *l, const rp_snap_filter *f,
		    const rp_snap_entry **out, rp_err *e);

#endif
