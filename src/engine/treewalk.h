/* treewalk.h - visiting a snapshot's tree in walk order.
 *
 * Pre-order, each directory's entries in name order; `enter` is called
 * for every node with its full path ("/srv/partages/a.txt"), `leave` after
 * a directory's contents.  Memory: one tree part per level of depth.
 */
#ifndef RP_TREEWALK_H
#define RP_TREEWALK_H

#include "blobread.h"
#include "format/tree.h"

typedef struct rp_walk_ops {
	void *ctx;
	/* 0: go on; 1: do not descend (directories); negative: stop with it */
	int (*enter)(void *ctx, const char *path, size_t len, const rp_node *n);
	int (*leave)(void *ctx, const char *path, size_t len, const rp_node *n);
	/* A tree that cannot be read: called instead of failing when set;
	 * return 0 to go on. */
	int (*damaged)(void *ctx, const char *path, size_t len, const rp_err *err);
} rp_walk_ops;

int rp_tree_walk(rp_blob_reader *b, const rp_id *root, const rp_walk_ops *ops, rp_err *e);

#endif
