/* fsmeta.h - reading file metadata the way trees record it.
 *
 * Paths are byte strings (file names need not be UTF-8).  The order of a
 * walk is pre-order with each directory's entries sorted by name bytes;
 * rp_path_cmp compares two full paths in that order.
 */
#ifndef RP_FSMETA_H
#define RP_FSMETA_H

#include "format/tree.h"
#include "util/buf.h"
#include "util/err.h"

#include <stddef.h>
#include <sys/stat.h>

/* Order of two absolute paths in a sorted pre-order walk: component by
 * component, a directory before its contents. */
int rp_path_cmp(const char *a, size_t an, const char *b, size_t bn);

/* Makes path absolute (relative to the working directory) and removes
 * ".", "..", repeated and trailing slashes, without resolving symlinks.
 * The result is malloc'd. */
int rp_path_normalize(const char *path, char **out, rp_err *e);

/* Node type for a struct stat mode, or 0 for unknown types. */
int rp_node_type_of(mode_t mode);

/* Fills the metadata fields of n from st (times, ids, size, mode, ...).
 * Name, user/group names, xattrs, target and content are left alone. */
void rp_node_from_stat(rp_node *n, const struct stat *st);

/* Reads the extended attributes (POSIX ACLs included) of path without
 * following a final symlink, appending (name, value) pairs to out in name
 * order.  A file system without xattr support yields none.  Returns 0,
 * or a negative code when they could not be read (out may be partial). */
int rp_xattrs_read(const char *path, rp_buf *out, rp_err *e);
/* The same through an open file descriptor (for paths beyond PATH_MAX). */
int rp_xattrs_read_fd(int fd, const char *path_for_messages, rp_buf *out, rp_err *e);

/* uid/gid to names, cached.  Returned strings live as long as the cache. */
typedef struct rp_idnames rp_idnames;
int rp_idnames_new(rp_idnames **out, rp_err *e);
void rp_idnames_free(rp_idnames *c);
const char *rp_idnames_user(rp_idnames *c, unsigned uid);
const char *rp_idnames_group(rp_idnames *c, unsigned gid);
/* The reverse, for restore: -1 when the name is unknown here. */
long rp_idnames_uid(rp_idnames *c, const char *name);
long rp_idnames_gid(rp_idnames *c, const char *name);

/* Opens path for reading even when it is longer than PATH_MAX, one
 * component at a time.  flags as for open(2). */
int rp_open_long(const char *path, int flags);

#endif
