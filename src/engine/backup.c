/* backup.c - the backup walker and the orchestration of a run. */
#include "backup_internal.h"

#include "analyze.h"
#include "snaps.h"
#include "util/hex.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_WORKERS_PER_CPU 2
#define DATA_QUEUE_BYTES (4u << 20)
/* chunks cut and waiting for a worker (each buffer holds the largest chunk) */
#define CHUNK_BUFFERS 12
#define TREE_QUEUE_BYTES (2u << 20)
#define MAX_WORKERS 32

double bk_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bk_fail(bk *b, int rc, const rp_err *e)
{
	pthread_mutex_lock(&b->mu);
	if (!b->fatal_rc) {
		b->fatal_rc = rc;
		if (e)
			b->fatal = *e;
		else
			rp_err_set(&b->fatal, rc, "%s", rp_err_name(rc));
	}
	__atomic_store_n(&b->abort, 1, __ATOMIC_RELAXED);
	pthread_cond_broadcast(&b->slot_free);
	pthread_cond_broadcast(&b->job_ready);
	pthread_cond_broadcast(&b->ev_ready);
	pthread_cond_broadcast(&b->chunk_cv);
	pthread_mutex_unlock(&b->mu);
}

void bk_warn(bk *b, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	__atomic_fetch_add(&b->n_errors, 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&b->warn_mu);
	if (b->o->warn)
		b->o->warn(b->o->ctx, msg);
	pthread_mutex_unlock(&b->warn_mu);
}

/* ---- hard links ---- */

static uint64_t link_hash(uint64_t dev, uint64_t ino)
{
	uint64_t h = (dev * 0x9e3779b97f4a7c15ull) ^ ino;
	return h * 0xff51afd7ed558ccdull;
}

bk_link *bk_link_get(bk *b, uint64_t dev, uint64_t ino, int *created)
{
	bk_link *res = NULL;
	pthread_mutex_lock(&b->link_mu);
	if ((b->n_links + 1) * 2 > b->cap_links) {
		size_t cap = b->cap_links ? b->cap_links * 2 : 64;
		bk_link **t = calloc(cap, sizeof *t);
		if (!t)
			goto out;
		for (size_t i = 0; i < b->cap_links; i++) {
			bk_link *l = b->links[i];
			if (!l)
				continue;
			size_t j = link_hash(l->dev, l->ino) & (cap - 1);
			while (t[j])
				j = (j + 1) & (cap - 1);
			t[j] = l;
		}
		free(b->links);
		b->links = t;
		b->cap_links = cap;
	}
	size_t j = link_hash(dev, ino) & (b->cap_links - 1);
	while (b->links[j]) {
		if (b->links[j]->dev == dev && b->links[j]->ino == ino) {
			*created = 0;
			res = b->links[j];
			goto out;
		}
		j = (j + 1) & (b->cap_links - 1);
	}
	res = calloc(1, sizeof *res);
	if (!res)
		goto out;
	res->dev = dev;
	res->ino = ino;
	res->group = ++b->next_link_group;
	b->links[j] = res;
	b->n_links++;
	*created = 1;
out:
	pthread_mutex_unlock(&b->link_mu);
	return res;
}

/* ---- publishing entries ---- */

/* Waits for a free slot; NULL when the run is aborting. */
static bk_ev *slot_get(bk *b)
{
	bk_ev *ev = NULL;
	pthread_mutex_lock(&b->mu);
	while (b->head - b->tail >= BK_RING_SLOTS && !b->abort) {
		/* publish() lets the assembler sleep until a batch is queued */
		if (b->asm_waiting)
			pthread_cond_broadcast(&b->ev_ready);
		pthread_cond_wait(&b->slot_free, &b->mu);
	}
	if (!b->abort)
		ev = &b->ring[b->head % BK_RING_SLOTS];
	pthread_mutex_unlock(&b->mu);
	if (ev) {
		ev->kind = 0;
		ev->job = JOB_NONE;
		ev->skip = ev->reused = ev->has_prev = ev->link_follower = ev->xattrs_cached = 0;
		ev->name_len = 0;
		ev->flags = 0;
		ev->link_group = 0;
		ev->user = ev->group = NULL;
		ev->scan_len = ev->prev_scan_len = 0;
		ev->pii_len = ev->prev_pii_len = 0;
		ev->fp = ev->prev_fp = 0;
		ev->chunks_total = ev->chunks_shared = 0;
		rp_buf_reset(&ev->path);
		rp_buf_reset(&ev->xattrs);
		rp_buf_reset(&ev->target);
		rp_buf_reset(&ev->content);
		rp_buf_reset(&ev->prev_content);
	}
	return ev;
}

static void publish(bk *b, bk_ev *ev)
{
	pthread_mutex_lock(&b->mu);
	uint64_t n = b->head++;
	if (ev->job == JOB_PENDING) {
		b->jobs[b->job_head % BK_RING_SLOTS] = n;
		b->job_head++;
		pthread_cond_signal(&b->job_ready);
	}
	/* waking the assembler for every entry cost two context switches an
	 * entry in an unchanged re-backup: wake it for a batch */
	if (b->asm_waiting && b->head - b->tail >= BK_WAKE_BATCH && bk_ev_ready(&b->ring[b->tail % BK_RING_SLOTS]))
		pthread_cond_broadcast(&b->ev_ready);
	pthread_mutex_unlock(&b->mu);
}

static int emit_simple(bk *b, int kind)
{
	bk_ev *ev = slot_get(b);
	if (!ev)
		return RP_EINTR;
	ev->kind = kind;
	publish(b, ev);
	return 0;
}

/* ---- the files cache, merged with the walk ---- */

static void cache_advance(bk *b)
{
	b->prev_valid = b->prev && rp_fcache_next(b->prev, &b->prev_rec);
}

/* Tells the assembler a file of the previous backup is gone. */
static int emit_deleted(bk *b, const rp_fcache_rec *r)
{
	bk_ev *ev = slot_get(b);
	if (!ev)
		return RP_EINTR;
	ev->kind = EV_DELETED;
	if (rp_buf_put(&ev->path, r->path, r->path_len) || rp_buf_cstr(&ev->path))
		return RP_ENOMEM;
	if (r->scan_len <= BK_SCAN_BYTES) {
		memcpy(ev->prev_scan, r->scan, r->scan_len);
		ev->prev_scan_len = r->scan_len;
	}
	ev->prev_fp = r->fp;
	publish(b, ev);
	return 0;
}

/* Entries of the previous backup that sort before path are gone. */
static int cache_skip_to(bk *b, const char *path, size_t len, int *match)
{
	*match = 0;
	while (b->prev_valid) {
		int c = rp_path_cmp(b->prev_rec.path, b->prev_rec.path_len, path, len);
		if (c > 0)
			return 0;
		if (c == 0) {
			*match = 1;
			return 0;
		}
		int rc = emit_deleted(b, &b->prev_rec);
		if (rc)
			return rc;
		cache_advance(b);
	}
	return 0;
}

static int content_all_stored(bk *b, const uint8_t *content, size_t len)
{
	for (size_t off = 0; off + RP_CONTENT_ITEM_BYTES <= len; off += RP_CONTENT_ITEM_BYTES) {
		static const uint8_t zero[RP_ID_BYTES];
		rp_id id;
		memcpy(id.b, content + off, RP_ID_BYTES);
		if (memcmp(id.b, zero, RP_ID_BYTES) && !rp_index_lookup(b->idx, &id, NULL))
			return 0;
	}
	return 1;
}

/* Fills ev's previous version from the cache and decides reuse. */
static int cache_match(bk *b, bk_ev *ev)
{
	/* walk_entry already skipped what sorts before this path */
	if (!b->prev_valid || rp_path_cmp(b->prev_rec.path, b->prev_rec.path_len, (const char *)ev->path.data, ev->path.len))
		return 0;
	const rp_fcache_rec *r = &b->prev_rec;
	ev->has_prev = 1;
	ev->prev_fp = r->fp;
	if (rp_buf_put(&ev->prev_content, r->content, r->content_len))
		return RP_ENOMEM;
	if (r->scan_len <= BK_SCAN_BYTES) {
		memcpy(ev->prev_scan, r->scan, r->scan_len);
		ev->prev_scan_len = r->scan_len;
	}
	if (r->pii_len <= RP_PII_RECORD_MAX_BYTES) {
		memcpy(ev->prev_pii, r->pii, r->pii_len);
		ev->prev_pii_len = r->pii_len;
	}
	const struct stat *st = &ev->st;
	if (!b->o->force && (!b->o->scan_pii || r->pii_len) && r->ino == st->st_ino && r->size == (uint64_t)st->st_size &&
	    r->mtime_s == st->st_mtim.tv_sec && r->mtime_ns == (uint32_t)st->st_mtim.tv_nsec &&
	    r->ctime_s == st->st_ctim.tv_sec && r->ctime_ns == (uint32_t)st->st_ctim.tv_nsec &&
	    content_all_stored(b, r->content, r->content_len)) {
		ev->reused = 1;
		ev->fp = r->fp;
		memcpy(ev->scan, ev->prev_scan, ev->prev_scan_len);
		ev->scan_len = ev->prev_scan_len;
		/* counts of an unchanged file carry over; a file never scanned
		 * before is read again when the scan is on */
		memcpy(ev->pii, ev->prev_pii, ev->prev_pii_len);
		ev->pii_len = ev->prev_pii_len;
		if (rp_buf_put(&ev->content, r->content, r->content_len))
			return RP_ENOMEM;
		/* the ctime did not move: neither did the extended attributes */
		if (r->xattrs_known) {
			if (rp_buf_put(&ev->xattrs, r->xattrs, r->xattrs_len))
				return RP_ENOMEM;
			ev->xattrs_cached = 1;
		}
	}
	cache_advance(b);
	return 0;
}

/* ---- the walk ---- */

static int excluded(bk *b, const char *path, const char *name)
{
	for (size_t i = 0; i < b->o->n_excludes; i++) {
		const char *pat = b->o->excludes[i];
		if (strchr(pat, '/') ? !fnmatch(pat, path, 0) : !fnmatch(pat, name, FNM_PERIOD))
			return 1;
	}
	return 0;
}

static void read_xattrs(bk *b, bk_ev *ev, int fd_or_minus1)
{
	rp_err e;
	const char *path = (const char *)ev->path.data;
	int rc;
	if (fd_or_minus1 >= 0)
		rc = rp_xattrs_read_fd(fd_or_minus1, path, &ev->xattrs, &e);
	else if (ev->path.len < PATH_MAX - 1)
		rc = rp_xattrs_read(path, &ev->xattrs, &e);
	else
		rc = 0;
	if (rc) {
		rp_buf_reset(&ev->xattrs);
		ev->flags |= RP_NODE_F_XATTRERR;
		bk_warn(b, "%s", e.msg);
	}
}

static int set_path(bk_ev *ev, const char *parent, size_t plen, const char *name, size_t nlen)
{
	if (nlen >= BK_NAME_BYTES)
		return RP_EINVAL;
	int bad = rp_buf_put(&ev->path, parent, plen);
	if (!(plen == 1 && parent[0] == '/'))
		bad = bad || rp_buf_put_u8(&ev->path, '/');
	bad = bad || rp_buf_put(&ev->path, name, nlen) || rp_buf_cstr(&ev->path);
	memcpy(ev->name, name, nlen);
	ev->name_len = nlen;
	return bad ? RP_ENOMEM : 0;
}

static int walk_entry(bk *b, int dirfd, const char *parent, size_t plen, const char *name);

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Lists a directory's names, sorted. */
static int list_dir(bk *b, int fd, const char *path, char ***names, size_t *n)
{
	int dfd = dup(fd);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	*names = NULL;
	*n = 0;
	if (!d) {
		if (dfd >= 0)
			close(dfd);
		bk_warn(b, "%s: cannot list: %s", path, strerror(errno));
		return 1;
	}
	size_t cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			char **v = realloc(*names, cap * sizeof *v);
			if (!v) {
				rc = RP_ENOMEM;
				break;
			}
			*names = v;
		}
		if (!((*names)[*n] = strdup(de->d_name))) {
			rc = RP_ENOMEM;
			break;
		}
		(*n)++;
	}
	if (!rc && errno) {
		bk_warn(b, "%s: listing failed: %s (entries may be missing)", path, strerror(errno));
	}
	closedir(d);
	if (!rc && *n)
		qsort(*names, *n, sizeof **names, cmp_names);
	return rc;
}

static int walk_dir(bk *b, bk_ev *ev, int fd)
{
	char *path = strdup((const char *)ev->path.data);
	size_t plen = ev->path.len;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;
	if (!path) {
		publish(b, ev);
		return RP_ENOMEM;
	}
	if (fd >= 0)
		read_xattrs(b, ev, fd);
	publish(b, ev); /* ENTER */
	int one_fs_stop = b->o->one_file_system && ev->st.st_dev != b->root_dev;
	if (fd >= 0 && !one_fs_stop) {
		rc = list_dir(b, fd, path, &names, &n);
		if (rc == 1)
			rc = 0;
		if (!rc)
			rp_statahead_dir(b->ahead, fd, names, n);
	}
	for (size_t i = 0; i < n && !rc; i++)
		rc = walk_entry(b, fd, path, plen, names[i]);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(path);
	if (!rc)
		rc = emit_simple(b, EV_LEAVE);
	return rc;
}

static int walk_entry(bk *b, int dirfd, const char *parent, size_t plen, const char *name)
{
	/* files of the previous backup sorting before this entry are gone:
	 * announce them before taking this entry's slot */
	if (b->prev_valid) {
		int match, rc;
		b->scratch.len = 0;
		if (rp_buf_put(&b->scratch, parent, plen) || (!(plen == 1 && parent[0] == '/') && rp_buf_put_u8(&b->scratch, '/')) ||
		    rp_buf_put(&b->scratch, name, strlen(name)))
			return RP_ENOMEM;
		if ((rc = cache_skip_to(b, (const char *)b->scratch.data, b->scratch.len, &match)))
			return rc;
	}
	bk_ev *ev = slot_get(b);
	if (!ev)
		return RP_EINTR;
	int rc = set_path(ev, parent, plen, name, strlen(name));
	if (rc == RP_EINVAL) {
		bk_warn(b, "%s/%s: name too long (skipped)", parent, name);
		return 0;
	}
	if (rc)
		return rc;
	const char *path = (const char *)ev->path.data;
	if (excluded(b, path, name))
		return 0;
	if (fstatat(dirfd, name, &ev->st, AT_SYMLINK_NOFOLLOW)) {
		if (errno == ENOENT)
			bk_warn(b, "%s: vanished during the backup (skipped)", path);
		else
			bk_warn(b, "%s: cannot stat: %s (skipped)", path, strerror(errno));
		return 0;
	}
	int type = rp_node_type_of(ev->st.st_mode);
	if (!type)
		return 0;
	ev->user = rp_idnames_user(b->names, ev->st.st_uid);
	ev->group = rp_idnames_group(b->names, ev->st.st_gid);
	if (type == RP_NODE_DIR) {
		ev->kind = EV_ENTER;
		int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			bk_warn(b, "%s: cannot open directory: %s (recorded empty)", path, strerror(errno));
			ev->flags |= RP_NODE_F_READERR;
			read_xattrs(b, ev, -1);
		}
		rc = walk_dir(b, ev, fd);
		if (fd >= 0)
			close(fd);
		return rc;
	}
	ev->kind = EV_NODE;
	if (type == RP_NODE_SYMLINK) {
		if (rp_buf_reserve(&ev->target, (size_t)ev->st.st_size + 2))
			return RP_ENOMEM;
		ssize_t k = readlinkat(dirfd, name, (char *)ev->target.data, ev->target.cap - 1);
		if (k < 0) {
			bk_warn(b, "%s: cannot read symlink: %s (skipped)", path, strerror(errno));
			return 0;
		}
		ev->target.len = (size_t)k;
	}
	if (type != RP_NODE_DIR && ev->st.st_nlink > 1) {
		int created;
		bk_link *l = bk_link_get(b, ev->st.st_dev, ev->st.st_ino, &created);
		if (!l)
			return RP_ENOMEM;
		ev->link_group = l->group;
		ev->link_follower = !created;
	}
	if (type == RP_NODE_FILE) {
		if ((rc = cache_match(b, ev)))
			return rc;
		if (!ev->reused && !ev->link_follower)
			ev->job = JOB_PENDING;
	}
	if (!ev->xattrs_cached)
		read_xattrs(b, ev, -1);
	publish(b, ev);
	return 0;
}

/* Emits ENTER for an intermediate directory of a backup path. */
static int enter_prefix(bk *b, const char *path, size_t len)
{
	bk_ev *ev = slot_get(b);
	if (!ev)
		return RP_EINTR;
	const char *slash = memrchr(path, '/', len);
	const char *name = slash ? slash + 1 : path;
	size_t nlen = len - (size_t)(name - path);
	if (nlen >= BK_NAME_BYTES || rp_buf_put(&ev->path, path, len) || rp_buf_cstr(&ev->path))
		return RP_ENOMEM;
	memcpy(ev->name, name, nlen);
	ev->name_len = nlen;
	ev->kind = EV_ENTER;
	if (lstat((const char *)ev->path.data, &ev->st)) {
		bk_warn(b, "%s: cannot stat: %s", (const char *)ev->path.data, strerror(errno));
		memset(&ev->st, 0, sizeof ev->st);
		ev->st.st_mode = S_IFDIR | 0755;
	}
	ev->user = rp_idnames_user(b->names, ev->st.st_uid);
	ev->group = rp_idnames_group(b->names, ev->st.st_gid);
	read_xattrs(b, ev, -1);
	publish(b, ev);
	return 0;
}

static int root_cmp(const void *x, const void *y)
{
	const char *a = *(char *const *)x, *c = *(char *const *)y;
	return rp_path_cmp(a, strlen(a), c, strlen(c));
}

/* Number of leading path components a and b share (whole components). */
static size_t common_prefix(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0, last = 0;
	while (i < an && i < bn && a[i] == b[i]) {
		i++;
		if (a[i - 1] == '/')
			last = i - 1;
	}
	if ((i == an && (i == bn || b[i] == '/')) || (i == bn && a[i] == '/'))
		last = i;
	return last;
}

static int walk_root(bk *b, const char *path)
{
	struct stat st;
	if (lstat(path, &st)) {
		bk_warn(b, "%s: cannot stat: %s (skipped)", path, strerror(errno));
		return 0;
	}
	b->root_dev = st.st_dev;
	const char *slash = strrchr(path, '/');
	size_t plen = (size_t)(slash - path);
	char *parent = strndup(path, plen ? plen : 1);
	if (!parent)
		return RP_ENOMEM;
	int fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;
	if (fd < 0) {
		bk_warn(b, "%s: cannot open: %s (skipped)", parent, strerror(errno));
	} else if (!strcmp(path, "/")) {
		char **names = NULL;
		size_t n = 0;
		rc = list_dir(b, fd, "/", &names, &n);
		rc = rc == 1 ? 0 : rc;
		for (size_t i = 0; i < n && !rc; i++)
			rc = walk_entry(b, fd, "/", 1, names[i]);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
	} else {
		rc = walk_entry(b, fd, parent, strlen(parent), slash + 1);
	}
	if (fd >= 0)
		close(fd);
	free(parent);
	return rc;
}

/* Walks every backup path, emitting the directories above them. */
static int walk_all(bk *b, char **roots, size_t n)
{
	char *open_path = NULL; /* deepest directory currently entered */
	size_t open_len = 0;
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		const char *p = roots[i];
		size_t len = strlen(p);
		const char *slash = strrchr(p, '/');
		size_t parent_len = (size_t)(slash - p);
		size_t keep = open_path ? common_prefix(open_path, open_len, p, parent_len) : 0;
		/* leave directories that are not above this path */
		while (open_len > keep) {
			if ((rc = emit_simple(b, EV_LEAVE)))
				break;
			char *s = memrchr(open_path, '/', open_len);
			open_len = s ? (size_t)(s - open_path) : 0;
		}
		/* enter the ones above it */
		while (!rc && open_len < parent_len) {
			const char *next = memchr(p + open_len + 1, '/', parent_len - open_len - 1);
			size_t upto = next ? (size_t)(next - p) : parent_len;
			rc = enter_prefix(b, p, upto);
			open_len = upto;
		}
		free(open_path);
		open_path = strndup(p, len);
		if (!open_path)
			return RP_ENOMEM;
		open_len = parent_len;
		if (rc)
			break;
		rc = walk_root(b, p);
	}
	while (!rc && open_len > 0) {
		if ((rc = emit_simple(b, EV_LEAVE)))
			break;
		char *s = memrchr(open_path, '/', open_len);
		open_len = s ? (size_t)(s - open_path) : 0;
	}
	free(open_path);
	/* whatever remains of the previous backup is gone now */
	while (!rc && b->prev_valid) {
		rc = emit_deleted(b, &b->prev_rec);
		cache_advance(b);
	}
	return rc;
}

/* Sorts roots in walk order and drops duplicates and nested paths. */
static void roots_prepare(char **roots, size_t *n)
{
	if (*n)
		qsort(roots, *n, sizeof *roots, root_cmp);
	size_t k = 0;
	for (size_t i = 0; i < *n; i++) {
		if (k > 0) {
			const char *prev = roots[k - 1];
			size_t pl = strlen(prev);
			if (!strcmp(prev, "/") || (!strncmp(roots[i], prev, pl) && (roots[i][pl] == '/' || roots[i][pl] == 0))) {
				free(roots[i]);
				continue;
			}
		}
		roots[k++] = roots[i];
	}
	*n = k;
}

int rp_backup_roots(char *const *paths, size_t n, char ***roots, size_t *n_roots, rp_err *e)
{
	char **v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		int rc = rp_path_normalize(paths[i], &v[i], e);
		if (rc) {
			rp_backup_roots_free(v, i);
			return rc;
		}
	}
	*n_roots = n;
	roots_prepare(v, n_roots);
	*roots = v;
	return 0;
}

void rp_backup_roots_free(char **roots, size_t n)
{
	for (size_t i = 0; roots && i < n; i++)
		free(roots[i]);
	free(roots);
}

void rp_backup_result_free(rp_backup_result *res)
{
	rp_buf_free(&res->evidence);
}

static void bk_cleanup(bk *b)
{
	if (b->ring) {
		for (size_t i = 0; i < BK_RING_SLOTS; i++) {
			bk_ev *ev = &b->ring[i];
			rp_buf_free(&ev->path);
			rp_buf_free(&ev->xattrs);
			rp_buf_free(&ev->target);
			rp_buf_free(&ev->content);
			rp_buf_free(&ev->prev_content);
			while (ev->segs) {
				bk_idseg *n = ev->segs->next;
				free(ev->segs);
				ev->segs = n;
			}
		}
	}
	free(b->ring);
	free(b->jobs);
	for (size_t i = 0; i < b->cap_links; i++)
		if (b->links[i]) {
			rp_buf_free(&b->links[i]->content);
			free(b->links[i]);
		}
	free(b->links);
	rp_statahead_free(b->ahead);
	rp_idnames_free(b->names);
	rp_buf_free(&b->scratch);
	rp_fcache_close(b->prev);
	rp_fcache_abort(b->cache_out);
	rp_packq_free(b->dataq);
	rp_slab_free(b->chunk_slab);
	rp_packq_free(b->treeq);
	rp_idxwriter_free(b->iw);
	rp_pii_distinct_free(b->pii_distinct);
	rp_analyzer_free(b->analyzer);
	pthread_mutex_destroy(&b->mu);
	pthread_mutex_destroy(&b->warn_mu);
	pthread_mutex_destroy(&b->link_mu);
	pthread_cond_destroy(&b->slot_free);
	pthread_cond_destroy(&b->job_ready);
	pthread_cond_destroy(&b->ev_ready);
	pthread_cond_destroy(&b->chunk_cv);
}

/* Stat-ahead threads: cold inode reads overlap best with a few at once. */
static int statahead_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	n = n < 1 ? 2 : n * 2;
	return (int)(n > 8 ? 8 : n);
}

static int default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	n *= DEFAULT_WORKERS_PER_CPU;
	return (int)(n > MAX_WORKERS ? MAX_WORKERS : n);
}

static int write_snapshot(bk *b, char **roots, size_t n_roots, const rp_id *root_tree, int64_t t_s, uint32_t t_ns,
			  rp_backup_result *res, rp_err *e)
{
	const rp_backup_opts *o = b->o;
	rp_snapshot s = {0};
	rp_buf body = {0};
	rp_blob_codec *c = NULL;
	char user[256] = "";
	const char *u = getenv("USER");
	snprintf(user, sizeof user, "%s", u ? u : "");
	s.time_s = t_s;
	s.time_ns = t_ns;
	s.host = (char *)o->host;
	s.username = user;
	s.paths = roots;
	s.n_paths = n_roots;
	s.tags = o->tags;
	s.n_tags = o->n_tags;
	s.tree = *root_tree;
	s.has_parent = b->has_parent;
	s.parent = b->parent;
	if (res->verdict >= 0) {
		s.verdict = (char *)rp_verdict_name(res->verdict);
		if (rp_buf_cstr(&res->evidence))
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		s.scan_json = (char *)res->evidence.data;
	}
	rp_snapshot_stats *st = &res->stats;
	st->files = b->n_files;
	st->dirs = b->n_dirs;
	st->others = b->n_others;
	st->bytes = b->n_bytes;
	st->files_new = b->n_new;
	st->files_changed = b->n_changed;
	st->files_unchanged = b->n_unchanged;
	st->bytes_read = b->n_read;
	st->blobs_added = b->n_blobs;
	st->bytes_added = b->n_added;
	st->bytes_stored = b->n_stored;
	st->errors = b->n_errors;
	st->seconds = bk_now() - b->t0;
	s.stats = *st;
	rp_buf pii = {0};
	if (o->scan_pii) {
		rp_buf_putf(&pii, "{\"files\":%llu,\"files_with_pii\":%llu,\"scanned_files\":%llu,\"not_scanned_files\":%llu,"
				  "\"occurrences\":{",
			    (unsigned long long)b->pii_files, (unsigned long long)b->pii_files_with,
			    (unsigned long long)b->pii_scanned, (unsigned long long)b->pii_not_scanned);
		for (int k = 0; k < RP_PII_KINDS; k++)
			rp_buf_putf(&pii, "%s\"%s\":%llu", k ? "," : "", rp_pii_kind_name(k), (unsigned long long)b->pii_n[k]);
		rp_buf_putf(&pii, "},\"distinct_in_files_read\":{");
		for (int k = 0; k < RP_PII_KINDS; k++)
			rp_buf_putf(&pii, "%s\"%s\":%llu", k ? "," : "", rp_pii_kind_name(k),
				    (unsigned long long)rp_pii_distinct_count(b->pii_distinct, k));
		rp_buf_putf(&pii, "}}");
		if (rp_buf_cstr(&pii)) {
			rp_buf_free(&pii);
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		}
		s.pii_json = (char *)pii.data;
	}
	int rc = rp_snapshot_encode(&s, &body, e);
	rp_buf_free(&pii);
	if (!rc)
		rc = rp_blob_codec_new(&c, 3, e);
	if (!rc)
		rc = rp_repo_save(b->repo, c, RP_SF_SNAPSHOT, body.data, body.len, res->snapshot_id, e);
	if (!rc)
		rc = rp_store_sync(b->repo->store, e);
	rp_blob_codec_free(c);
	rp_buf_free(&body);
	return rc;
}

static void set_parent(bk *b, const rp_id *id, const rp_snapshot *s)
{
	b->has_parent = 1;
	b->parent = *id;
	b->parent_tree = s->tree;
	b->parent_bytes = s->stats.bytes;
}

/* The parent: the snapshot the files cache describes while it is still in
 * the repository for the same host and paths (one snapshot read), else the
 * latest one of them (all snapshots read: hourly backups make thousands).
 * A backup-only key reads no snapshot and takes the cache's word.  Without
 * a readable parent the backup still runs, with none. */
static void find_parent(bk *b, char **roots, size_t n)
{
	rp_snap_filter f = {b->o->host, roots, n, NULL, 0};
	rp_snap_entry one;
	rp_snap_list l;
	rp_err e;
	char hex[65];
	rp_id id;
	if (b->prev) {
		memcpy(id.b, rp_fcache_snapshot(b->prev), 32);
		if (!rp_repo_can_read(b->repo)) {
			b->has_parent = 1;
			b->parent = id;
			return;
		}
		rp_hex_encode(hex, id.b, 32);
		if (!rp_snaps_load_one(b->repo, hex, &one, &e)) {
			if (rp_snap_matches(&one.s, &f))
				set_parent(b, &id, &one.s);
			rp_snapshot_clear(&one.s);
			if (b->has_parent)
				return;
		}
	}
	if (!rp_repo_can_read(b->repo) || rp_snaps_load(b->repo, &l, &e))
		return;
	const rp_snap_entry *p = rp_snaps_parent(&l, b->o->host, roots, n);
	if (p && !rp_hex_decode(id.b, 32, p->id, 64))
		set_parent(b, &id, &p->s);
	rp_snaps_free(&l);
}

static int open_caches(bk *b, char **roots, size_t n, rp_err *e)
{
	char *path = NULL;
	int rc = rp_fcache_path(b->repo->cache_dir, b->o->host, roots, n, &path, e);
	if (rc)
		return rc;
	if (!b->o->force)
		rc = rp_fcache_open(&b->prev, path, b->repo->mk.repo_id, e);
	if (!rc) {
		rp_err ce;
		if (rp_fcache_create(&b->cache_out, path, b->repo->mk.repo_id, &ce)) {
			/* no cache is slower, not wrong */
			b->cache_out = NULL;
			if (b->o->warn)
				b->o->warn(b->o->ctx, ce.msg);
		}
	}
	free(path);
	if (!rc)
		cache_advance(b);
	return rc;
}

int rp_backup_run(rp_repo *r, rp_index *idx, const rp_backup_opts *o, rp_backup_result *res, rp_err *e)
{
	bk b = {0};
	char **roots = NULL;
	size_t n_roots = 0;
	pthread_t *workers = NULL, asm_thread;
	int n_workers = o->workers > 0 ? o->workers : default_workers(), started = 0, asm_started = 0;
	bk_asm_result ar = {0};
	bk_asm_args aa = {&b, &ar};
	struct timespec now;
	int rc;

	memset(res, 0, sizeof *res);
	res->verdict = -1;
	clock_gettime(CLOCK_REALTIME, &now);
	b.repo = r;
	b.idx = idx;
	b.o = o;
	b.t0 = bk_now();
	pthread_mutex_init(&b.mu, NULL);
	pthread_mutex_init(&b.warn_mu, NULL);
	pthread_mutex_init(&b.link_mu, NULL);
	pthread_cond_init(&b.slot_free, NULL);
	pthread_cond_init(&b.job_ready, NULL);
	pthread_cond_init(&b.ev_ready, NULL);
	pthread_cond_init(&b.chunk_cv, NULL);
	const char *stall = getenv("REMPART_DEBUG_STALL_OPEN");
	if (stall && strchr(stall, ':')) {
		snprintf(b.stall_text, sizeof b.stall_text, "%.*s", (int)(strchr(stall, ':') - stall), stall);
		b.stall_ms = (unsigned)atoi(strchr(stall, ':') + 1);
	}
	if (o->n_paths == 0) {
		rc = rp_err_set(e, RP_EINVAL, "nothing to back up: give at least one path");
		goto done;
	}
	roots = calloc(o->n_paths, sizeof *roots);
	b.ring = calloc(BK_RING_SLOTS, sizeof *b.ring);
	b.jobs = calloc(BK_RING_SLOTS, sizeof *b.jobs);
	workers = calloc((size_t)n_workers, sizeof *workers);
	if (!roots || !b.ring || !b.jobs || !workers || rp_idnames_new(&b.names, e)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < o->n_paths; i++) {
		struct stat st;
		if ((rc = rp_path_normalize(o->paths[i], &roots[n_roots], e)))
			goto done;
		if (lstat(roots[n_roots], &st)) {
			rc = rp_err_errno(e, errno, "%s", roots[n_roots]);
			n_roots++;
			goto done;
		}
		n_roots++;
	}
	roots_prepare(roots, &n_roots);
	if (o->scan_pii) {
		uint8_t pkey[32];
		rp_random(pkey, sizeof pkey);
		rc = rp_pii_distinct_new(&b.pii_distinct, pkey, e);
		rp_wipe(pkey, sizeof pkey);
		if (rc)
			goto done;
	}
	if ((rc = rp_analyzer_new(&b.analyzer, e)))
		goto done;
	if (!(rc = rp_idxwriter_new(&b.iw, r, idx, e)) && !(rc = open_caches(&b, roots, n_roots, e)))
		find_parent(&b, roots, n_roots);
	if (rc ||
	    (rc = rp_packq_new(&b.dataq, r, DATA_QUEUE_BYTES, r->chunker.max_bytes + RP_SEAL_OVERHEAD_MAX,
			       rp_idxwriter_pack_done, b.iw, e)) ||
	    (rc = rp_packq_new(&b.treeq, r, TREE_QUEUE_BYTES, 0, rp_idxwriter_pack_done, b.iw, e)) ||
	    (rc = rp_slab_new(&b.chunk_slab, sizeof(bk_chunk) + r->chunker.max_bytes, CHUNK_BUFFERS, e)))
		goto done;
	for (; started < n_workers; started++)
		if (pthread_create(&workers[started], NULL, bk_worker_main, &b)) {
			rc = rp_err_set(e, RP_ENOMEM, "cannot start worker threads");
			bk_fail(&b, rc, e);
			break;
		}
	if (!rc && pthread_create(&asm_thread, NULL, bk_assembler_main, &aa)) {
		rc = rp_err_set(e, RP_ENOMEM, "cannot start the assembler thread");
		bk_fail(&b, rc, e);
	} else if (!rc) {
		asm_started = 1;
	}
	if (!rc && (rc = rp_statahead_new(&b.ahead, statahead_threads(), e)))
		bk_fail(&b, rc, e);
	int wrc = rc ? rc : walk_all(&b, roots, n_roots);
	rp_statahead_free(b.ahead);
	b.ahead = NULL;
	if (wrc && wrc != RP_EINTR) {
		rp_err we;
		rp_err_set(&we, wrc, "walking the backup paths failed: %s", rp_err_name(wrc));
		bk_fail(&b, wrc, &we);
	}
	pthread_mutex_lock(&b.mu);
	b.walk_done = 1;
	pthread_cond_broadcast(&b.job_ready);
	pthread_cond_broadcast(&b.ev_ready);
	pthread_mutex_unlock(&b.mu);
	for (int i = 0; i < started; i++)
		pthread_join(workers[i], NULL);
	if (asm_started)
		pthread_join(asm_thread, NULL);
	if (b.fatal_rc) {
		rc = b.fatal_rc;
		*e = b.fatal;
		goto done;
	}
	if (!asm_started)
		goto done;
	if ((rc = rp_packq_flush(b.dataq, e)) || (rc = rp_packq_flush(b.treeq, e)))
		goto done;
	if ((rc = rp_idxwriter_flush(b.iw, e)))
		goto done;
	/* the verdict: from what streamed by, compared with the cached previous
	 * backup; without a cache, from the stored trees of the parent (a full
	 * key only) */
	if (!b.prev && b.has_parent && rp_repo_can_read(r))
		rc = rp_analyze_trees(r, idx, &ar.root, &b.parent_tree, &res->verdict, &res->evidence, NULL, NULL, e);
	else
		rc = rp_analyzer_finish(b.analyzer, &res->verdict, &res->evidence, e);
	if (rc)
		goto done;
	if ((rc = write_snapshot(&b, roots, n_roots, &ar.root, now.tv_sec, (uint32_t)now.tv_nsec, res, e)))
		goto done;
	res->warnings = b.n_errors;
	if (b.cache_out) {
		uint8_t sid[32];
		rp_err ce;
		rp_hex_decode(sid, 32, res->snapshot_id, 64);
		if (rp_fcache_commit(b.cache_out, sid, &ce) && o->warn)
			o->warn(o->ctx, ce.msg);
		b.cache_out = NULL;
	}
done:
	for (size_t i = 0; i < n_roots; i++)
		free(roots[i]);
	free(roots);
	free(workers);
	bk_cleanup(&b);
	return rc;
}
