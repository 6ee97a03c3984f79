/* store.c - dispatch to the backend named by a repository string. */
#include "store.h"

#include <string.h>

int rp_store_open(rp_store **out, const char *where, const char *token, rp_err *e)
{
	if (!where || !*where)
		return rp_err_set(e, RP_EINVAL, "no repository given (use -r or REMPART_REPOSITORY)");
	if (!strncmp(where, "rest:", 5)) {
		return rp_store_rest_open(out, where + 5, token, e);
	}
	if (!strncmp(where, "local:", 6))
		where += 6;
	if (!strncmp(where, "s3:", 3))
		return rp_err_set(e, RP_EINVAL, "the s3: backend is not available yet; use a path or rest:");
	return rp_store_local_open(out, where, e);
}

int rp_store_get(rp_store *s, const char *name, uint64_t off, uint64_t len, rp_buf *out, rp_err *e)
{
	return s->ops->get(s, name, off, len, out, e);
}

int rp_store_stat(rp_store *s, const char *name, uint64_t *size, rp_err *e)
{
	return s->ops->stat(s, name, size, e);
}

int rp_store_put(rp_store *s, const char *name, const void *p, size_t n, rp_err *e)
{
	return s->ops->put(s, name, p, n, e);
}

int rp_store_writer_open(rp_store *s, rp_store_writer **w, rp_err *e)
{
	return s->ops->writer_open(s, w, e);
}

int rp_store_writer_write(rp_store_writer *w, const void *p, size_t n, rp_err *e)
{
	int rc = w->ops->write(w, p, n, e);
	if (!rc)
		w->written += n;
	return rc;
}

int rp_store_writer_commit(rp_store_writer *w, const char *name, rp_err *e)
{
	return w->ops->commit(w, name, e);
}

void rp_store_writer_abort(rp_store_writer *w)
{
	if (w)
		w->ops->abort(w);
}

int rp_store_list(rp_store *s, const char *dir, rp_store_list_fn fn, void *ctx, rp_err *e)
{
	return s->ops->list(s, dir, fn, ctx, e);
}

int rp_store_remove(rp_store *s, const char *name, rp_err *e)
{
	return s->ops->remove(s, name, e);
}

int rp_store_sync(rp_store *s, rp_err *e)
{
	return s->ops->sync(s, e);
}

int rp_store_create(rp_store *s, rp_err *e)
{
	return s->ops->create(s, e);
}

void rp_store_close(rp_store *s)
{
	if (s)
		s->ops->close(s);
}
