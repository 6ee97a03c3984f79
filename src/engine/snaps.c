/* snaps.c - listing and choosing snapshots. */
#include "snaps.h"

#include <stdlib.h>
#include <string.h>

static int by_time(const void *x, const void *y)
{
	const rp_snap_entry *a = x, *b = y;
	if (a->s.time_s != b->s.time_s)
		return a->s.time_s < b->s.time_s ? -1 : 1;
	if (a->s.time_ns != b->s.time_ns)
		return a->s.time_ns < b->s.time_ns ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* Reads and decodes snapshot id into *s, with the caller's codec and buffer. */
static int load_snapshot(rp_repo *r, rp_blob_codec *c, rp_buf *body, const char *id, rp_snapshot *s, rp_err *e)
{
	rp_buf_reset(body);
	int rc = rp_repo_load(r, c, RP_SF_SNAPSHOT, id, body, e);
	return rc ? rc : rp_snapshot_decode(body->data, body->len, s, e);
}

int rp_snaps_load(rp_repo *r, rp_snap_list *out, rp_err *e)
{
	char(*ids)[65] = NULL;
	size_t n = 0;
	rp_blob_codec *c = NULL;
	rp_buf body = {0};
	memset(out, 0, sizeof *out);
	if (!rp_repo_can_read(r))
		return rp_err_set(e, RP_EPERM, "this is a backup-only key: it cannot read snapshots (use a full key)");
	int rc = rp_repo_list_ids(r, "snapshots", &ids, &n, e);
	if (rc)
		return rc;
	out->v = calloc(n ? n : 1, sizeof *out->v);
	out->damaged = calloc(n ? n : 1, sizeof *out->damaged);
	if (!out->v || !out->damaged || (rc = rp_blob_codec_new(&c, 3, e))) {
		rc = rc ? rc : rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		rp_err se;
		int k = load_snapshot(r, c, &body, ids[i], &out->v[out->n].s, &se);
		if (k == RP_ENOMEM || k == RP_EVERSION) {
			rc = rp_err_set(e, k, "snapshot %s: %s", ids[i], se.msg);
			goto done;
		}
		if (k) {
			memcpy(out->damaged[out->n_damaged++], ids[i], 65);
			continue;
		}
		memcpy(out->v[out->n].id, ids[i], 65);
		out->n++;
	}
	if (out->n)
		qsort(out->v, out->n, sizeof *out->v, by_time);
done:
	if (rc)
		rp_snaps_free(out);
	rp_buf_free(&body);
	rp_blob_codec_free(c);
	free(ids);
	return rc;
}

int rp_snaps_load_one(rp_repo *r, const char *id, rp_snap_entry *out, rp_err *e)
{
	rp_blob_codec *c = NULL;
	rp_buf body = {0};
	memset(out, 0, sizeof *out);
	if (!rp_repo_can_read(r))
		return rp_err_set(e, RP_EPERM, "this is a backup-only key: it cannot read snapshots (use a full key)");
	if (strlen(id) != 64)
		return rp_err_set(e, RP_EINVAL, "snapshot id %s: not 64 hex digits", id);
	int rc = rp_blob_codec_new(&c, 3, e);
	if (!rc)
		rc = load_snapshot(r, c, &body, id, &out->s, e);
	if (!rc)
		memcpy(out->id, id, 65);
	rp_buf_free(&body);
	rp_blob_codec_free(c);
	return rc;
}

void rp_snaps_free(rp_snap_list *l)
{
	for (size_t i = 0; l->v && i < l->n; i++)
		rp_snapshot_clear(&l->v[i].s);
	free(l->v);
	free(l->damaged);
	memset(l, 0, sizeof *l);
}

static int same_paths(char **a, size_t an, char **b, size_t bn)
{
	if (an != bn)
		return 0;
	for (size_t i = 0; i < an; i++) {
		size_t j = 0;
		while (j < bn && strcmp(a[i], b[j]))
			j++;
		if (j == bn)
			return 0;
	}
	return 1;
}

int rp_snap_matches(const rp_snapshot *s, const rp_snap_filter *f)
{
	if (!f)
		return 1;
	if (f->host && strcmp(f->host, s->host ? s->host : ""))
		return 0;
	if (f->paths && !same_paths(f->paths, f->n_paths, s->paths, s->n_paths))
		return 0;
	for (size_t i = 0; i < f->n_tags; i++) {
		size_t j = 0;
		while (j < s->n_tags && strcmp(f->tags[i], s->tags[j]))
			j++;
		if (j == s->n_tags)
			return 0;
	}
	return 1;
}

int rp_snaps_resolve(const rp_snap_list *l, const char *ref, const rp_snap_filter *f, const rp_snap_entry **out,
		     rp_err *e)
{
	*out = NULL;
	if (!strcmp(ref, "latest") || !strcmp(ref, "latest-clean")) {
		int clean = ref[6] == '-';
		for (size_t i = l->n; i-- > 0;) {
			const rp_snapshot *s = &l->v[i].s;
			if (!rp_snap_matches(s, f))
				continue;
			if (clean && !(s->verdict && !strcmp(s->verdict, "clean")))
				continue;
			*out = &l->v[i];
			return 0;
		}
		return rp_err_set(e, RP_ENOTFOUND, clean ? "no snapshot is marked clean" : "the repository has no snapshot%s",
				  f && (f->host || f->paths) ? " matching the filter" : "");
	}
	size_t len = strlen(ref);
	if (len == 0 || len > 64)
		return rp_err_set(e, RP_EINVAL, "'%s' is not a snapshot id", ref);
	for (size_t i = 0; i < l->n; i++) {
		if (strncmp(l->v[i].id, ref, len))
			continue;
		if (*out)
			return rp_err_set(e, RP_EINVAL, "snapshot id prefix '%s' is ambiguous: give more digits", ref);
		*out = &l->v[i];
	}
	if (!*out)
		return rp_err_set(e, RP_ENOTFOUND, "no snapshot with id '%s'", ref);
	return 0;
}

const rp_snap_entry *rp_snaps_parent(const rp_snap_list *l, const char *host, char **paths, size_t n_paths)
{
	rp_snap_filter f = {host, paths, n_paths, NULL, 0};
	for (size_t i = l->n; i-- > 0;)
		if (rp_snap_matches(&l->v[i].s, &f))
			return &l->v[i];
	return NULL;
}
