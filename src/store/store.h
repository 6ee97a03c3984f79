/* store.h - named files in a repository, whatever holds them.
 *
 * A store knows nothing of chunks or packs: it keeps write-once files
 * under names such as "config", "keys/<hex>", "data/ab/<hex>",
 * "index/<hex>", "snapshots/<hex>" and "locks/<hex>".  Every backend
 * promises:
 *   - put and writer_commit are atomic: a reader sees the whole file or
 *     nothing, and a crash leaves nothing visible under the name;
 *   - they never replace an existing file (RP_EEXIST instead);
 *   - after rp_store_sync returns, every file committed before is durable.
 * All calls may be made from several threads at once.
 */
#ifndef RP_STORE_H
#define RP_STORE_H

#include "../util/buf.h"
#include "../util/err.h"

#include <stdint.h>

typedef struct rp_store rp_store;
typedef struct rp_store_writer rp_store_writer;

/* Called for each file found by rp_store_list; return nonzero to stop. */
typedef int (*rp_store_list_fn)(void *ctx, const char *name, uint64_t size);

typedef struct rp_store_ops {
	int (*get)(rp_store *s, const char *name, uint64_t off, uint64_t len, rp_buf *out, rp_err *e);
	int (*stat)(rp_store *s, const char *name, uint64_t *size, rp_err *e);
	int (*put)(rp_store *s, const char *name, const void *p, size_t n, rp_err *e);
	int (*writer_open)(rp_store *s, rp_store_writer **w, rp_err *e);
	int (*list)(rp_store *s, const char *dir, rp_store_list_fn fn, void *ctx, rp_err *e);
	int (*remove)(rp_store *s, const char *name, rp_err *e);
	int (*sync)(rp_store *s, rp_err *e);
	int (*create)(rp_store *s, rp_err *e);
	void (*close)(rp_store *s);
} rp_store_ops;

typedef struct rp_store_writer_ops {
	int (*write)(rp_store_writer *w, const void *p, size_t n, rp_err *e);
	int (*commit)(rp_store_writer *w, const char *name, rp_err *e);
	void (*abort)(rp_store_writer *w);
} rp_store_writer_ops;

struct rp_store {
	const rp_store_ops *ops;
	char *location; /* for messages */
	int remote;     /* each call is a network round trip: callers keep more in flight */
};

struct rp_store_writer {
	const rp_store_writer_ops *ops;
	uint64_t written;
};

/* Opens the store a repository string names: "rest:http(s)://..." or a
 * local path (optionally "local:PATH").  token is the bearer token for
 * rest: (NULL: the backend reads REMPART_TOKEN).  Nothing is created. */
int rp_store_open(rp_store **out, const char *where, const char *token, rp_err *e);

/* Reads [off, off+len) of name (len 0: to the end) and appends to out.
 * RP_ENOTFOUND when the file does not exist; RP_ECORRUPT when the file is
 * shorter than the range asked for. */
int rp_store_get(rp_store *s, const char *name, uint64_t off, uint64_t len, rp_buf *out, rp_err *e);
int rp_store_stat(rp_store *s, const char *name, uint64_t *size, rp_err *e);
/* Creates name with the given bytes; RP_EEXIST if it exists. */
int rp_store_put(rp_store *s, const char *name, const void *p, size_t n, rp_err *e);
/* Streams a new file: open, write any number of times, then commit under
 * its final name (often known only at the end) or abort. */
int rp_store_writer_open(rp_store *s, rp_store_writer **w, rp_err *e);
int rp_store_writer_write(rp_store_writer *w, const void *p, size_t n, rp_err *e);
/* Commits and frees w (also on error). */
int rp_store_writer_commit(rp_store_writer *w, const char *name, rp_err *e);
void rp_store_writer_abort(rp_store_writer *w);
/* Lists the files below dir ("data" is listed recursively), calling fn
 * with names relative to the store ("data/ab/ab12...").  Temporary and
 * hidden files are never listed. */
int rp_store_list(rp_store *s, const char *dir, rp_store_list_fn fn, void *ctx, rp_err *e);
int rp_store_remove(rp_store *s, const char *name, rp_err *e);
int rp_store_sync(rp_store *s, rp_err *e);
/* Makes the empty layout of a new repository; RP_EEXIST when a config
 * already exists there. */
int rp_store_create(rp_store *s, rp_err *e);
void rp_store_close(rp_store *s);

/* Backends. */
int rp_store_local_open(rp_store **out, const char *path, rp_err *e);
/* A repository behind `rempart serve`: url is http(s)://HOST:PORT/TENANT.
 * token NULL: REMPART_TOKEN, else the first line of REMPART_TOKEN_FILE.
 * REMPART_CACERT names a CA bundle for a server with a private
 * certificate; REMPART_RETRY_SECONDS bounds the retries (default 120). */
int rp_store_rest_open(rp_store **out, const char *url, const char *token, rp_err *e);

#endif
