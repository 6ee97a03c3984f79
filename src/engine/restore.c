/* restore.c - restoring a snapshot (see restore.h). */
#include "restore.h"

#include "blobread.h"
#include "fsmeta.h"
#include "treewalk.h"
#include "util/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#define BATCH_MAX_FILES 16384
#define BATCH_MAX_ITEMS 262144
#define READ_GAP_BYTES (256u << 10)
#define READ_MAX_BYTES (2u << 20)
#define FD_CACHE_SLOTS 8

/* Metadata to apply to a path once its content is in place. */
typedef struct meta {
	char *path;
	uint8_t type;
	uint32_t mode, uid, gid;
	int64_t atime_s, mtime_s;
	uint32_t atime_ns, mtime_ns;
	uint8_t *xattrs;
	size_t xattrs_len;
	uint64_t size;
	int damaged;
	int failed; /* could not be created: no content, no metadata */
	int fd;     /* kept open from its creation to its metadata, or -1 */
} meta;

/* A hard link to make once the batch's files exist. */
typedef struct link_op {
	char *target; /* first path of the inode */
	char *path;
} link_op;

typedef struct item {
	rp_id id;
	uint32_t file;  /* index in the batch's files */
	uint64_t off;   /* where in the file */
	rp_blob_loc loc;
} item;

typedef struct readop {
	size_t first, count; /* items[first..first+count) */
	uint32_t pack;
	uint64_t start, len;
} readop;

typedef struct rs {
	rp_repo *repo;
	rp_index *idx;
	const rp_restore_opts *o;
	rp_restore_result *res;
	rp_blob_reader *br; /* tree walking (main thread) */
	rp_buf path;        /* target-prefixed path scratch */
	size_t target_len;
	int is_root;
	/* directories entered: created lazily when something inside is restored */
	struct {
		char *path; /* target path */
		int created;
		int included;
		meta m;
	} *stack;
	size_t depth, cap_stack;
	meta *dirs; /* directory metadata, applied at the end */
	size_t n_dirs, cap_dirs;
	/* hard links: group -> first restored path */
	struct {
		uint64_t group;
		char *path;
	} *links;
	size_t n_links, cap_links;
	/* the current batch */
	meta *files;
	size_t n_files, cap_files;
	item *items;
	size_t n_items, cap_items;
	link_op *link_ops;
	size_t n_link_ops, cap_link_ops;
	size_t next_file; /* shared by workers in the create and metadata phases */
	readop *reads;
	size_t n_reads, cap_reads;
	size_t next_read; /* shared by workers */
	size_t fd_budget; /* files of a batch that keep their descriptor open */
	pthread_mutex_t mu;
	pthread_mutex_t warn_mu;
	int fatal_rc;
	rp_err fatal;
	double t0, last_progress;
	uint64_t bytes_total_hint;
} rs;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void rs_warn(rs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void rs_warn(rs *s, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&s->warn_mu);
	s->res->errors++;
	if (s->o->warn)
		s->o->warn(s->o->ctx, msg);
	pthread_mutex_unlock(&s->warn_mu);
}

static void meta_free(meta *m)
{
	if (m->fd >= 0)
		close(m->fd);
	free(m->path);
	free(m->xattrs);
	memset(m, 0, sizeof *m);
	m->fd = -1;
}

static int meta_from_node(meta *m, const char *path, const rp_node *n)
{
	memset(m, 0, sizeof *m);
	m->fd = -1;
	m->type = n->type;
	m->mode = n->mode;
	m->uid = n->uid;
	m->gid = n->gid;
	m->atime_s = n->atime_s;
	m->atime_ns = n->atime_ns;
	m->mtime_s = n->mtime_s;
	m->mtime_ns = n->mtime_ns;
	m->size = n->size;
	if (!(m->path = strdup(path)))
		return RP_ENOMEM;
	if (n->xattrs.n) {
		if (!(m->xattrs = malloc(n->xattrs.n)))
			return RP_ENOMEM;
		memcpy(m->xattrs, n->xattrs.p, n->xattrs.n);
		m->xattrs_len = n->xattrs.n;
	}
	return 0;
}

/* Owner, mode, extended attributes, then times (in that order: chown
 * clears setuid bits, and every change would move the times). */
static void meta_apply(rs *s, const meta *m)
{
	int is_link = m->type == RP_NODE_SYMLINK, fd = m->fd;
	/* without privileges, files keep the restoring user as owner */
	if ((fd >= 0 ? fchown(fd, m->uid, m->gid) : lchown(m->path, m->uid, m->gid)) &&
	    (errno != EPERM || geteuid() == 0))
		rs_warn(s, "%s: cannot set owner: %s", m->path, strerror(errno));
	if (!is_link && (fd >= 0 ? fchmod(fd, m->mode) : chmod(m->path, m->mode)))
		rs_warn(s, "%s: cannot set mode: %s", m->path, strerror(errno));
	if (m->xattrs_len) {
		rp_rd r;
		rp_bytes name, val;
		int k;
		rp_rd_init(&r, m->xattrs, m->xattrs_len);
		while ((k = rp_xattr_next(&r, &name, &val)) == 1) {
			char nm[256];
			memcpy(nm, name.p, name.n);
			nm[name.n] = 0;
			if (fd >= 0 ? fsetxattr(fd, nm, val.p, val.n, 0) : lsetxattr(m->path, nm, val.p, val.n, 0))
				rs_warn(s, "%s: cannot set extended attribute %s: %s", m->path, nm, strerror(errno));
		}
		if (k < 0)
			rs_warn(s, "%s: extended attributes are malformed in the snapshot", m->path);
	}
	struct timespec ts[2] = {{m->atime_s, m->atime_ns}, {m->mtime_s, m->mtime_ns}};
	if (fd >= 0 ? futimens(fd, ts) : utimensat(AT_FDCWD, m->path, ts, AT_SYMLINK_NOFOLLOW))
		rs_warn(s, "%s: cannot set times: %s", m->path, strerror(errno));
}

static int grow(void **v, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return 0;
	size_t c = *cap ? *cap : 64;
	while (c < need)
		c *= 2;
	void *p = realloc(*v, c * elem);
	if (!p)
		return RP_ENOMEM;
	*v = p;
	*cap = c;
	return 0;
}

/* ---- include patterns ---- */

static int pattern_hit(const rs *s, const char *path, const char *name)
{
	for (size_t i = 0; i < s->o->n_includes; i++) {
		const char *pat = s->o->includes[i];
		if (strchr(pat, '/') ? !fnmatch(pat, path, 0) : !fnmatch(pat, name, 0))
			return 1;
	}
	return 0;
}

/* ---- directories, created on demand ---- */

static int mkdir_entry(rs *s, size_t level)
{
	if (s->stack[level].created)
		return 0;
	if (level > 0) {
		int rc = mkdir_entry(s, level - 1);
		if (rc)
			return rc;
	}
	const char *p = s->stack[level].path;
	if (mkdir(p, 0700) && errno != EEXIST) {
		rs_warn(s, "%s: cannot create folder: %s", p, strerror(errno));
		return 1;
	}
	s->stack[level].created = 1;
	return 0;
}

static int ensure_parents(rs *s)
{
	return s->depth ? mkdir_entry(s, s->depth - 1) : 0;
}

/* Removes whatever is at path so we can create it anew (not folders). */
static void clear_path(const char *path)
{
	struct stat st;
	if (!lstat(path, &st) && !S_ISDIR(st.st_mode))
		unlink(path);
}

/* ---- content batches ---- */

static int item_cmp(const void *x, const void *y)
{
	const item *a = x, *b = y;
	if (a->loc.pack != b->loc.pack)
		return a->loc.pack < b->loc.pack ? -1 : 1;
	if (a->loc.offset != b->loc.offset)
		return a->loc.offset < b->loc.offset ? -1 : 1;
	return 0;
}

static int plan_reads(rs *s)
{
	s->n_reads = 0;
	for (size_t i = 0; i < s->n_items;) {
		const item *it = &s->items[i];
		readop r = {i, 0, it->loc.pack, it->loc.offset, 0};
		uint64_t end = it->loc.offset;
		size_t j = i;
		while (j < s->n_items && s->items[j].loc.pack == r.pack) {
			const rp_blob_loc *l = &s->items[j].loc;
			uint64_t e = (uint64_t)l->offset + l->sealed_len;
			if (j > i && (l->offset > end + READ_GAP_BYTES || e - r.start > READ_MAX_BYTES))
				break;
			if (e > end)
				end = e;
			j++;
		}
		r.count = j - i;
		r.len = end - r.start;
		if (grow((void **)&s->reads, &s->cap_reads, s->n_reads + 1, sizeof *s->reads))
			return RP_ENOMEM;
		s->reads[s->n_reads++] = r;
		i = j;
	}
	return 0;
}

typedef struct fdslot {
	uint32_t file;
	int fd;
} fdslot;

typedef struct rworker {
	rs *s;
	rp_blob_reader *br;
	rp_buf buf;
	fdslot fds[FD_CACHE_SLOTS];
	size_t next_slot;
	uint64_t bytes;
} rworker;

static int file_fd(rworker *w, uint32_t file)
{
	if (w->s->files[file].fd >= 0)
		return w->s->files[file].fd;
	for (size_t i = 0; i < FD_CACHE_SLOTS; i++)
		if (w->fds[i].fd >= 0 && w->fds[i].file == file)
			return w->fds[i].fd;
	fdslot *sl = &w->fds[w->next_slot++ % FD_CACHE_SLOTS];
	if (sl->fd >= 0)
		close(sl->fd);
	sl->file = file;
	sl->fd = open(w->s->files[file].path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	return sl->fd;
}

static void mark_damaged(rs *s, uint32_t file, const char *why)
{
	pthread_mutex_lock(&s->mu);
	int first = !s->files[file].damaged;
	s->files[file].damaged = 1;
	if (first)
		s->res->damaged++;
	pthread_mutex_unlock(&s->mu);
	if (first)
		rs_warn(s, "%s: damaged, not fully restored: %s", s->files[file].path, why);
}

static void run_read(rworker *w, const readop *r)
{
	rs *s = w->s;
	char pname[RP_NAME_BYTES];
	rp_err e;
	rp_repo_pack_name(pname, rp_index_pack_id(s->idx, r->pack));
	rp_buf_reset(&w->buf);
	if (rp_store_get(s->repo->store, pname, r->start, r->len, &w->buf, &e)) {
		for (size_t i = 0; i < r->count; i++)
			mark_damaged(s, s->items[r->first + i].file, e.msg);
		return;
	}
	const rp_id *last = NULL;
	const uint8_t *plain = NULL;
	int last_ok = 0;
	for (size_t i = 0; i < r->count; i++) {
		const item *it = &s->items[r->first + i];
		if (s->files[it->file].failed)
			continue;
		if (!last || memcmp(last->b, it->id.b, RP_ID_BYTES)) {
			last = &it->id;
			last_ok = !rp_blob_open_at(w->br, &it->id, &it->loc, w->buf.data + (it->loc.offset - r->start), &plain,
						   &e);
		}
		if (!last_ok) {
			mark_damaged(s, it->file, e.msg);
			continue;
		}
		int fd = file_fd(w, it->file);
		size_t done = 0;
		while (fd >= 0 && done < it->loc.raw_len) {
			ssize_t k = pwrite(fd, plain + done, it->loc.raw_len - done, (off_t)(it->off + done));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			done += (size_t)k;
		}
		if (done < it->loc.raw_len) {
			char why[256];
			snprintf(why, sizeof why, "cannot write: %s", strerror(errno));
			mark_damaged(s, it->file, why);
			if (errno == ENOSPC) {
				pthread_mutex_lock(&s->mu);
				if (!s->fatal_rc)
					s->fatal_rc = rp_err_set(&s->fatal, RP_ENOSPC, "%s: no space left on the target",
								 s->o->target);
				pthread_mutex_unlock(&s->mu);
			}
			continue;
		}
		w->bytes += it->loc.raw_len;
	}
}

static void *rworker_main(void *arg)
{
	rworker *w = arg;
	rs *s = w->s;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		size_t i = s->next_read < s->n_reads && !s->fatal_rc ? s->next_read++ : SIZE_MAX;
		pthread_mutex_unlock(&s->mu);
		if (i == SIZE_MAX)
			break;
		run_read(w, &s->reads[i]);
	}
	for (size_t i = 0; i < FD_CACHE_SLOTS; i++)
		if (w->fds[i].fd >= 0) {
			close(w->fds[i].fd);
			w->fds[i].fd = -1;
		}
	return NULL;
}

/* Two readers per CPU (at least 4, at most 16); twice as many from a
 * remote store, whose reads wait on round trips (2 GiB corpus over
 * loopback: 4 workers 3.1 s, 8 workers 2.8 s at 52 MB peak; 16 workers
 * 2.6 s at 81 MB). */
static int default_workers(const rp_store *st)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	n = (n < 1 ? 1 : n) * (st->remote ? 4 : 2);
	return (int)(n > 16 ? 16 : n < 4 ? 4 : n);
}

static void report_progress(rs *s, int force)
{
	if (!s->o->progress)
		return;
	double t = now_s();
	if (!force && t - s->last_progress < 0.25)
		return;
	s->last_progress = t;
	rp_restore_progress p = {s->res->files, s->res->bytes, s->bytes_total_hint, t - s->t0};
	s->o->progress(s->o->ctx, &p);
}

/* Creates one file of the batch at its final size (holes stay holes); the
 * first fd_budget files keep their descriptor for the writers and the
 * metadata, which saves an open, a close and three path walks per file. */
static void create_file(rs *s, meta *m, size_t i)
{
	int flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW;
	int fd = open(m->path, flags, 0600);
	if (fd < 0 && errno == EEXIST) {
		clear_path(m->path);
		fd = open(m->path, flags, 0600);
	}
	if (fd < 0) {
		rs_warn(s, "%s: cannot create: %s", m->path, strerror(errno));
		m->failed = 1;
		return;
	}
	int bad = m->size && ftruncate(fd, (off_t)m->size);
	int err = errno;
	if (!bad && i < s->fd_budget) {
		m->fd = fd;
		return;
	}
	close(fd);
	if (!bad)
		return;
	m->failed = 1;
	rs_warn(s, "%s: cannot set size: %s", m->path, strerror(err));
	if (err == ENOSPC || err == EFBIG) {
		pthread_mutex_lock(&s->mu);
		if (!s->fatal_rc)
			s->fatal_rc = rp_err_set(&s->fatal, RP_ENOSPC, "%s: no space left on the target", s->o->target);
		pthread_mutex_unlock(&s->mu);
	}
}

typedef struct phase_arg {
	rs *s;
	int what; /* 0 create, 1 metadata */
} phase_arg;

/* Workers of the create and metadata phases: one file at a time. */
static void *phase_main(void *arg)
{
	phase_arg *a = arg;
	rs *s = a->s;
	for (;;) {
		pthread_mutex_lock(&s->mu);
		size_t i = s->next_file < s->n_files && !s->fatal_rc ? s->next_file++ : SIZE_MAX;
		pthread_mutex_unlock(&s->mu);
		if (i == SIZE_MAX)
			break;
		meta *m = &s->files[i];
		if (a->what == 0) {
			create_file(s, m, i);
			continue;
		}
		if (!m->failed)
			meta_apply(s, m);
		if (m->fd >= 0 && close(m->fd) && errno != EINTR)
			rs_warn(s, "%s: error when closing: %s", m->path, strerror(errno));
		m->fd = -1;
	}
	return NULL;
}

static int run_phase(rs *s, int nw, int what, rp_err *e)
{
	pthread_t th[64];
	phase_arg a = {s, what};
	int started = 0;
	s->next_file = 0;
	for (int i = 0; i < nw && i < 64; i++) {
		if (pthread_create(&th[i], NULL, phase_main, &a))
			break;
		started++;
	}
	if (!started)
		phase_main(&a);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (s->fatal_rc) {
		*e = s->fatal;
		return s->fatal_rc;
	}
	return 0;
}

static void do_links(rs *s)
{
	for (size_t i = 0; i < s->n_link_ops; i++) {
		link_op *l = &s->link_ops[i];
		clear_path(l->path);
		if (link(l->target, l->path))
			rs_warn(s, "%s: cannot link to %s: %s", l->path, l->target, strerror(errno));
		free(l->target);
		free(l->path);
	}
	s->n_link_ops = 0;
}

static int flush_batch(rs *s, rp_err *e)
{
	int nw = s->o->workers > 0 ? s->o->workers : default_workers(s->repo->store);
	rworker *ws = calloc((size_t)nw, sizeof *ws);
	pthread_t *th = calloc((size_t)nw, sizeof *th);
	int started = 0, rc = 0;
	if (!ws || !th) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	if ((rc = run_phase(s, nw, 0, e)))
		goto done;
	do_links(s);
	if (s->n_items)
		qsort(s->items, s->n_items, sizeof *s->items, item_cmp);
	if ((rc = plan_reads(s) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0))
		goto done;
	s->next_read = 0;
	for (int i = 0; i < nw; i++) {
		ws[i].s = s;
		for (size_t k = 0; k < FD_CACHE_SLOTS; k++)
			ws[i].fds[k].fd = -1;
		if ((rc = rp_blob_reader_new(&ws[i].br, s->repo, s->idx, e)))
			goto join;
		if (pthread_create(&th[i], NULL, rworker_main, &ws[i])) {
			rc = rp_err_set(e, RP_ENOMEM, "cannot start restore threads");
			goto join;
		}
		started++;
	}
join:
	for (int i = 0; i < started; i++) {
		pthread_join(th[i], NULL);
		s->res->bytes += ws[i].bytes;
	}
	for (int i = 0; i < nw; i++) {
		rp_blob_reader_free(ws[i].br);
		rp_buf_free(&ws[i].buf);
	}
	if (!rc && s->fatal_rc) {
		rc = s->fatal_rc;
		*e = s->fatal;
	}
	if (!rc)
		rc = run_phase(s, nw, 1, e);
	for (size_t i = 0; i < s->n_files; i++)
		meta_free(&s->files[i]);
	s->n_files = s->n_items = 0;
	report_progress(s, 0);
done:
	free(ws);
	free(th);
	return rc;
}

/* ---- the walk ---- */

static int target_path(rs *s, const char *path, size_t len)
{
	s->path.len = s->target_len;
	return rp_buf_put(&s->path, path, len) || rp_buf_cstr(&s->path) ? RP_ENOMEM : 0;
}

static int add_file(rs *s, const char *tpath, const rp_node *n, rp_err *e)
{
	/* created by the batch's workers, in parallel */
	if (grow((void **)&s->files, &s->cap_files, s->n_files + 1, sizeof *s->files) ||
	    meta_from_node(&s->files[s->n_files], tpath, n))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	uint32_t fi = (uint32_t)s->n_files++;
	size_t count = rp_content_count(n);
	uint64_t off = 0;
	for (size_t i = 0; i < count; i++) {
		rp_id id;
		uint64_t len;
		int hole;
		rp_content_item(n, i, &id, &len, &hole);
		if (!hole) {
			if (grow((void **)&s->items, &s->cap_items, s->n_items + 1, sizeof *s->items))
				return rp_err_set(e, RP_ENOMEM, "out of memory");
			item *it = &s->items[s->n_items];
			it->id = id;
			it->file = fi;
			it->off = off;
			/* any type: a chunk may share its bytes, so its id, with a tree */
			if (!rp_index_lookup(s->idx, &id, &it->loc) || it->loc.raw_len != len) {
				char why[128];
				rp_hex_encode(why + 64, id.b, 16);
				snprintf(why, 64, "data blob %.16s is missing from the repository", why + 64);
				mark_damaged(s, fi, why);
			} else {
				s->n_items++;
			}
		}
		off += len;
	}
	if (off != n->size)
		mark_damaged(s, fi, "content list does not add up to the file size");
	s->res->files++;
	if (s->n_files >= BATCH_MAX_FILES || s->n_items >= BATCH_MAX_ITEMS)
		return flush_batch(s, e);
	return 0;
}

static int make_special(rs *s, const char *tpath, const rp_node *n)
{
	clear_path(tpath);
	int r;
	switch (n->type) {
	case RP_NODE_SYMLINK: {
		char *t = strndup((const char *)n->target.p, n->target.n);
		if (!t)
			return RP_ENOMEM;
		r = symlink(t, tpath);
		free(t);
		break;
	}
	case RP_NODE_FIFO: r = mkfifo(tpath, 0600); break;
	case RP_NODE_CHR: r = mknod(tpath, S_IFCHR | 0600, (dev_t)n->rdev); break;
	case RP_NODE_BLK: r = mknod(tpath, S_IFBLK | 0600, (dev_t)n->rdev); break;
	case RP_NODE_SOCK: r = mknod(tpath, S_IFSOCK | 0600, 0); break;
	default: return 0;
	}
	if (r) {
		rs_warn(s, "%s: cannot create: %s", tpath, strerror(errno));
		return 0;
	}
	meta m;
	if (meta_from_node(&m, tpath, n))
		return RP_ENOMEM;
	meta_apply(s, &m);
	meta_free(&m);
	s->res->others++;
	return 0;
}

/* 1 when this node is a later path of an inode already restored. */
static int link_existing(rs *s, const char *tpath, const rp_node *n, int *done)
{
	*done = 0;
	if (!n->link_group)
		return 0;
	for (size_t i = 0; i < s->n_links; i++) {
		if (s->links[i].group != n->link_group)
			continue;
		/* made after the batch's files exist */
		if (grow((void **)&s->link_ops, &s->cap_link_ops, s->n_link_ops + 1, sizeof *s->link_ops))
			return RP_ENOMEM;
		link_op *l = &s->link_ops[s->n_link_ops];
		if (!(l->target = strdup(s->links[i].path)) || !(l->path = strdup(tpath))) {
			free(l->target);
			return RP_ENOMEM;
		}
		s->n_link_ops++;
		*done = 1;
		return 0;
	}
	if (grow((void **)&s->links, &s->cap_links, s->n_links + 1, sizeof *s->links))
		return RP_ENOMEM;
	s->links[s->n_links].group = n->link_group;
	if (!(s->links[s->n_links].path = strdup(tpath)))
		return RP_ENOMEM;
	s->n_links++;
	return 0;
}

typedef struct walk_ctx {
	rs *s;
	rp_err *e;
} walk_ctx;

static int on_enter(void *ctx, const char *path, size_t len, const rp_node *n)
{
	walk_ctx *w = ctx;
	rs *s = w->s;
	const char *name = (const char *)n->name.p;
	char nm[256];
	snprintf(nm, sizeof nm, "%.*s", (int)n->name.n, name);
	int parent_in = s->depth ? s->stack[s->depth - 1].included : (s->o->n_includes == 0);
	int included = parent_in || pattern_hit(s, path, nm);
	if (target_path(s, path, len))
		return rp_err_set(w->e, RP_ENOMEM, "out of memory");
	const char *tpath = (const char *)s->path.data;
	if (n->type == RP_NODE_DIR) {
		if (grow((void **)&s->stack, &s->cap_stack, s->depth + 1, sizeof *s->stack))
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		memset(&s->stack[s->depth], 0, sizeof *s->stack);
		if (!(s->stack[s->depth].path = strdup(tpath)) || meta_from_node(&s->stack[s->depth].m, tpath, n))
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		s->stack[s->depth].included = included;
		s->depth++;
		if (included && mkdir_entry(s, s->depth - 1) == RP_ENOMEM)
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		return 0;
	}
	if (!included)
		return 0;
	if (ensure_parents(s))
		return 0;
	int linked, rc = link_existing(s, tpath, n, &linked);
	if (rc)
		return rp_err_set(w->e, rc, "out of memory");
	if (linked)
		return 0;
	if (n->type == RP_NODE_FILE)
		return add_file(s, tpath, n, w->e);
	if ((rc = make_special(s, tpath, n)))
		return rp_err_set(w->e, rc, "out of memory");
	return 0;
}

static int on_leave(void *ctx, const char *path, size_t len, const rp_node *n)
{
	walk_ctx *w = ctx;
	rs *s = w->s;
	(void)path, (void)len, (void)n;
	s->depth--;
	if (s->stack[s->depth].created) {
		if (grow((void **)&s->dirs, &s->cap_dirs, s->n_dirs + 1, sizeof *s->dirs))
			return rp_err_set(w->e, RP_ENOMEM, "out of memory");
		s->dirs[s->n_dirs++] = s->stack[s->depth].m;
		s->res->dirs++;
	} else {
		meta_free(&s->stack[s->depth].m);
	}
	free(s->stack[s->depth].path);
	return 0;
}

static int on_damaged(void *ctx, const char *path, size_t len, const rp_err *err)
{
	walk_ctx *w = ctx;
	rs_warn(w->s, "%.*s: folder listing damaged, its contents cannot be restored: %s", (int)len, path, err->msg);
	w->s->res->damaged++;
	return 0;
}

static int mkdir_p(const char *dir, rp_err *e)
{
	char tmp[4096];
	size_t n = strlen(dir);
	if (n >= sizeof tmp)
		return rp_err_set(e, RP_EINVAL, "target path too long");
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++)
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, 0755) && errno != EEXIST)
				return rp_err_errno(e, errno, "cannot create %s", tmp);
			tmp[i] = c;
		}
	return 0;
}

/* How many files of a batch may hold a descriptor from creation to metadata:
 * the soft limit on open files is raised to the hard one, and a reserve is
 * left for the repository, the workers' cache and the libraries. */
static size_t fd_budget(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl))
		return 0;
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t want = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		if (want > rl.rlim_cur) {
			struct rlimit raised = {want, rl.rlim_max};
			if (!setrlimit(RLIMIT_NOFILE, &raised))
				rl.rlim_cur = want;
		}
	}
	rlim_t reserve = 512;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > BATCH_MAX_FILES + reserve)
		return BATCH_MAX_FILES;
	return rl.rlim_cur > reserve ? (size_t)(rl.rlim_cur - reserve) : 0;
}

int rp_restore_run(rp_repo *r, rp_index *idx, const rp_snapshot *snap, const rp_restore_opts *o,
		   rp_restore_result *res, rp_err *e)
{
	rs s = {0};
	int rc;
	memset(res, 0, sizeof *res);
	s.repo = r;
	s.idx = idx;
	s.o = o;
	s.res = res;
	s.t0 = now_s();
	s.bytes_total_hint = snap->stats.bytes;
	s.fd_budget = fd_budget();
	pthread_mutex_init(&s.mu, NULL);
	pthread_mutex_init(&s.warn_mu, NULL);
	if (!rp_repo_can_read(r)) {
		rc = rp_err_set(e, RP_EPERM, "this is a backup-only key: it cannot restore (use a full key)");
		goto done;
	}
	char *target = NULL;
	if ((rc = rp_path_normalize(o->target, &target, e)))
		goto done;
	rc = mkdir_p(target, e);
	size_t tl = strlen(target);
	if (!rc && (rp_buf_put(&s.path, target, tl == 1 ? 0 : tl) || rp_buf_cstr(&s.path)))
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	s.target_len = tl == 1 ? 0 : tl;
	free(target);
	if (rc)
		goto done;
	if ((rc = rp_blob_reader_new(&s.br, r, idx, e)))
		goto done;
	walk_ctx wc = {&s, e};
	rp_walk_ops ops = {&wc, on_enter, on_leave, on_damaged};
	rc = rp_tree_walk(s.br, &snap->tree, &ops, e);
	if (!rc)
		rc = flush_batch(&s, e);
	if (!rc)
		for (size_t i = 0; i < s.n_dirs; i++)
			meta_apply(&s, &s.dirs[i]);
	report_progress(&s, 1);
	if (!rc && (res->errors || res->damaged))
		rc = rp_err_set(e, RP_EPARTIAL, "%llu problem(s) during the restore, %llu file(s) damaged (see above)",
				(unsigned long long)res->errors, (unsigned long long)res->damaged);
done:
	for (size_t i = 0; i < s.n_files; i++)
		meta_free(&s.files[i]);
	for (size_t i = 0; i < s.n_dirs; i++)
		meta_free(&s.dirs[i]);
	for (size_t i = 0; i < s.depth; i++) {
		free(s.stack[i].path);
		meta_free(&s.stack[i].m);
	}
	for (size_t i = 0; i < s.n_links; i++)
		free(s.links[i].path);
	for (size_t i = 0; i < s.n_link_ops; i++) {
		free(s.link_ops[i].target);
		free(s.link_ops[i].path);
	}
	free(s.link_ops);
	free(s.links);
	free(s.stack);
	free(s.dirs);
	free(s.files);
	free(s.items);
	free(s.reads);
	rp_buf_free(&s.path);
	rp_blob_reader_free(s.br);
	pthread_mutex_destroy(&s.mu);
	pthread_mutex_destroy(&s.warn_mu);
	return rc;
}
