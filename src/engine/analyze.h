/* analyze.h - the ransomware verdict of a stored snapshot, compared with
 * its parent, from the per-file records kept in their trees (no file
 * content is read).  The same analysis a backup runs while it writes. */
#ifndef RP_ANALYZE_H
#define RP_ANALYZE_H

#include "index.h"
#include "util/buf.h"

/* Called, when given, once per file of the new snapshot with the final
 * judgement (1: encrypted or destroyed), after the whole-snapshot view. */
typedef void (*rp_analyze_file_fn)(void *ctx, const char *path, size_t len, int judged);

/* Compares the files under tree with those under parent_tree (NULL: no
 * parent) and appends the evidence (one JSON object) to evidence. */
int rp_analyze_trees(rp_repo *r, rp_index *idx, const rp_id *tree, const rp_id *parent_tree, int *verdict,
		     rp_buf *evidence, rp_analyze_file_fn judged, void *ctx, rp_err *e);

#endif
