/* cleanstate.c - clean states (see cleanstate.h). */
#include "cleanstate.h"

#include "analyze.h"

#include <stdlib.h>
#include <string.h>

static int same_group(const rp_snapshot *a, const rp_snapshot *b)
{
	rp_snap_filter f = {a->host ? a->host : "", a->paths, a->n_paths, NULL, 0};
	return rp_snap_matches(b, &f);
}

static int verdict_clean(const rp_snapshot *s)
{
	return s->verdict && !strcmp(s->verdict, "clean");
}

int rp_clean_states(rp_repo *r, rp_index *idx, const rp_snap_list *l, uint8_t *clean, rp_err *e)
{
	memset(clean, 0, l->n);
	uint8_t *done = calloc(l->n + 1, 1);
	if (!done)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	int rc = 0;
	for (size_t g = 0; g < l->n && !rc; g++) {
		if (done[g])
			continue;
		/* the group, oldest first (the list is sorted by time) */
		const rp_snap_entry *baseline = NULL; /* last clean state */
		int tainted = 0;
		for (size_t i = g; i < l->n && !rc; i++) {
			if (done[i] || !same_group(&l->v[g].s, &l->v[i].s))
				continue;
			done[i] = 1;
			const rp_snapshot *s = &l->v[i].s;
			if (!verdict_clean(s)) {
				tainted = 1;
				continue;
			}
			if (tainted && baseline) {
				/* back to clean only if nothing differs suspiciously from
				 * the last clean state */
				int v = 0;
				rp_buf ev = {0};
				rc = rp_analyze_trees(r, idx, &s->tree, &baseline->s.tree, &v, &ev, NULL, NULL, e);
				rp_buf_free(&ev);
				if (rc || v != 0)
					continue;
				tainted = 0;
			} else if (tainted) {
				continue; /* no clean state to compare with */
			}
			clean[i] = 1;
			baseline = &l->v[i];
		}
	}
	free(done);
	return rc;
}

int rp_latest_clean(rp_repo *r, rp_index *idx, const rp_snap_list *l, const rp_snap_filter *f,
		    const rp_snap_entry **out, rp_err *e)
{
	uint8_t *clean = calloc(l->n + 1, 1);
	if (!clean)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	int rc = rp_clean_states(r, idx, l, clean, e);
	*out = NULL;
	for (size_t i = l->n; !rc && i-- > 0;)
		if (clean[i] && rp_snap_matches(&l->v[i].s, f)) {
			*out = &l->v[i];
			break;
		}
	free(clean);
	if (!rc && !*out)
		rc = rp_err_set(e, RP_ENOTFOUND, "no snapshot holds a clean state%s",
				f && (f->host || f->paths) ? " for this host and paths" : "");
	return rc;
}
