/* fsmeta.c - file metadata as trees record it. */
#include "fsmeta.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

int rp_path_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i = 0;
	size_t m = an < bn ? an : bn;
	while (i < m && a[i] == b[i])
		i++;
	if (i == m)
		return an < bn ? -1 : an > bn;
	/* the first difference: a separator sorts before any name byte */
	unsigned char ca = (unsigned char)a[i], cb = (unsigned char)b[i];
	if (ca == '/')
		return -1;
	if (cb == '/')
		return 1;
	return ca < cb ? -1 : 1;
}

int rp_path_normalize(const char *path, char **out, rp_err *e)
{
	rp_buf b = {0};
	char cwd[PATH_MAX];
	if (!path || !*path)
		return rp_err_set(e, RP_EINVAL, "empty path");
	if (path[0] != '/') {
		if (!getcwd(cwd, sizeof cwd))
			return rp_err_errno(e, errno, "cannot get the working directory");
		if (strcmp(cwd, "/") && rp_buf_put(&b, cwd, strlen(cwd))) /* "/" + "/x" would be "//x" */
			goto nomem;
	}
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len == 0)
			break;
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (b.len && b.data[b.len - 1] != '/')
				b.len--;
			if (b.len)
				b.len--;
		} else if (rp_buf_put_u8(&b, '/') || rp_buf_put(&b, p, len)) {
			goto nomem;
		}
		p += len;
	}
	if (b.len == 0 && rp_buf_put_u8(&b, '/'))
		goto nomem;
	if (rp_buf_cstr(&b))
		goto nomem;
	*out = (char *)b.data;
	return 0;
nomem:
	rp_buf_free(&b);
	return rp_err_set(e, RP_ENOMEM, "out of memory");
}

int rp_node_type_of(mode_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return RP_NODE_FILE;
	case S_IFDIR: return RP_NODE_DIR;
	case S_IFLNK: return RP_NODE_SYMLINK;
	case S_IFIFO: return RP_NODE_FIFO;
	case S_IFCHR: return RP_NODE_CHR;
	case S_IFBLK: return RP_NODE_BLK;
	case S_IFSOCK: return RP_NODE_SOCK;
	default: return 0;
	}
}

void rp_node_from_stat(rp_node *n, const struct stat *st)
{
	n->type = (uint8_t)rp_node_type_of(st->st_mode);
	n->mode = st->st_mode & 07777;
	n->uid = st->st_uid;
	n->gid = st->st_gid;
	n->size = n->type == RP_NODE_FILE || n->type == RP_NODE_SYMLINK ? (uint64_t)st->st_size : 0;
	n->mtime_s = st->st_mtim.tv_sec;
	n->mtime_ns = (uint32_t)st->st_mtim.tv_nsec;
	n->atime_s = st->st_atim.tv_sec;
	n->atime_ns = (uint32_t)st->st_atim.tv_nsec;
	n->ctime_s = st->st_ctim.tv_sec;
	n->ctime_ns = (uint32_t)st->st_ctim.tv_nsec;
	n->inode = st->st_ino;
	n->dev = st->st_dev;
	n->nlink = (uint32_t)st->st_nlink;
	n->rdev = n->type == RP_NODE_CHR || n->type == RP_NODE_BLK ? st->st_rdev : 0;
}

static int name_cmp_qsort(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Either a path (l* calls: a final symlink is not followed) or an fd. */
typedef struct xsrc {
	const char *path;
	int fd;
} xsrc;

static ssize_t x_list(const xsrc *s, char *buf, size_t n)
{
	return s->fd >= 0 ? flistxattr(s->fd, buf, n) : llistxattr(s->path, buf, n);
}

static ssize_t x_get(const xsrc *s, const char *name, void *buf, size_t n)
{
	return s->fd >= 0 ? fgetxattr(s->fd, name, buf, n) : lgetxattr(s->path, name, buf, n);
}

static int xattrs_read(const xsrc *src, rp_buf *out, rp_err *e)
{
	const char *path = src->path;
	char stack[4096], *list = stack;
	ssize_t n = x_list(src, list, sizeof stack);
	if (n < 0 && errno == ERANGE) {
		ssize_t want = x_list(src, NULL, 0);
		if (want < 0)
			return rp_err_errno(e, errno, "%s: cannot list extended attributes", path);
		list = malloc((size_t)want + 1);
		if (!list)
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		n = x_list(src, list, (size_t)want + 1);
	}
	if (n < 0) {
		int err = errno;
		if (list != stack)
			free(list);
		if (err == ENOTSUP || err == ENOSYS)
			return 0;
		return rp_err_errno(e, err, "%s: cannot list extended attributes", path);
	}
	int rc = 0;
	size_t count = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		count++;
	char **names = count ? malloc(count * sizeof *names) : NULL;
	if (count && !names) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	count = 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1)
		names[count++] = list + i;
	if (count)
		qsort(names, count, sizeof *names, name_cmp_qsort);
	rp_buf val = {0};
	for (size_t k = 0; k < count && !rc; k++) {
		ssize_t vn = x_get(src, names[k], NULL, 0);
		if (vn < 0) {
			if (errno == ENODATA)
				continue; /* removed meanwhile */
			rc = rp_err_errno(e, errno, "%s: cannot read extended attribute %s", path, names[k]);
			break;
		}
		rp_buf_reset(&val);
		if (rp_buf_reserve(&val, (size_t)vn + 1)) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
			break;
		}
		vn = x_get(src, names[k], val.data, (size_t)vn + 1);
		if (vn < 0) {
			if (errno == ENODATA)
				continue;
			rc = rp_err_errno(e, errno, "%s: cannot read extended attribute %s", path, names[k]);
			break;
		}
		if (rp_xattr_put(out, names[k], strlen(names[k]), val.data, (size_t)vn))
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	rp_buf_free(&val);
	free(names);
done:
	if (list != stack)
		free(list);
	return rc;
}

int rp_xattrs_read(const char *path, rp_buf *out, rp_err *e)
{
	xsrc s = {path, -1};
	return xattrs_read(&s, out, e);
}

int rp_xattrs_read_fd(int fd, const char *path_for_messages, rp_buf *out, rp_err *e)
{
	xsrc s = {path_for_messages, fd};
	return xattrs_read(&s, out, e);
}

/* ---- uid/gid names ---- */

typedef struct idname {
	unsigned id;
	char *name; /* NULL: no name known */
} idname;

typedef struct idtable {
	idname *v;
	size_t n, cap;
} idtable;

struct rp_idnames {
	idtable users, groups;
};

int rp_idnames_new(rp_idnames **out, rp_err *e)
{
	*out = calloc(1, sizeof **out);
	return *out ? 0 : rp_err_set(e, RP_ENOMEM, "out of memory");
}

static void idtable_free(idtable *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].name);
	free(t->v);
}

void rp_idnames_free(rp_idnames *c)
{
	if (!c)
		return;
	idtable_free(&c->users);
	idtable_free(&c->groups);
	free(c);
}

static const char *idtable_get(idtable *t, unsigned id, int is_user)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].id == id)
			return t->v[i].name;
	char buf[4096];
	char *name = NULL;
	if (is_user) {
		struct passwd pw, *res = NULL;
		if (!getpwuid_r(id, &pw, buf, sizeof buf, &res) && res)
			name = strdup(pw.pw_name);
	} else {
		struct group gr, *res = NULL;
		if (!getgrgid_r(id, &gr, buf, sizeof buf, &res) && res)
			name = strdup(gr.gr_name);
	}
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		idname *v = realloc(t->v, cap * sizeof *v);
		if (!v) {
			free(name);
			return NULL;
		}
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].id = id;
	t->v[t->n].name = name;
	t->n++;
	return name;
}

const char *rp_idnames_user(rp_idnames *c, unsigned uid)
{
	return idtable_get(&c->users, uid, 1);
}

const char *rp_idnames_group(rp_idnames *c, unsigned gid)
{
	return idtable_get(&c->groups, gid, 0);
}

long rp_idnames_uid(rp_idnames *c, const char *name)
{
	(void)c;
	char buf[4096];
	struct passwd pw, *res = NULL;
	if (!getpwnam_r(name, &pw, buf, sizeof buf, &res) && res)
		return (long)pw.pw_uid;
	return -1;
}

long rp_idnames_gid(rp_idnames *c, const char *name)
{
	(void)c;
	char buf[4096];
	struct group gr, *res = NULL;
	if (!getgrnam_r(name, &gr, buf, sizeof buf, &res) && res)
		return (long)gr.gr_gid;
	return -1;
}

int rp_open_long(const char *path, int flags)
{
	if (strlen(path) < PATH_MAX - 1)
		return open(path, flags);
	int dir = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = path;
	while (dir >= 0) {
		while (*p == '/')
			p++;
		const char *slash = strchr(p, '/');
		if (!slash) {
			int fd = openat(dir, p, flags);
			int err = errno;
			close(dir);
			errno = err;
			return fd;
		}
		char comp[NAME_MAX + 1];
		size_t len = (size_t)(slash - p);
		if (len > NAME_MAX) {
			close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(comp, p, len);
		comp[len] = 0;
		int next = openat(dir, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		close(dir);
		errno = err;
		dir = next;
		p = slash;
	}
	return -1;
}
