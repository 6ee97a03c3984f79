/* server_fs.c - file access that cannot leave the root.
 *
 * Every open below the root goes through openat2() with
 * RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: a symbolic link planted anywhere
 * inside the root (by someone with a shell on the server) is refused, not
 * followed.  Kernels older than 5.6 lack openat2; there each component is
 * opened in turn with O_NOFOLLOW, which gives the same guarantee.
 */
#include "server_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int srv_fs_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The fallback: one component at a time, never following a link. */
static int open_walk(int dirfd, const char *rel, int flags, mode_t mode)
{
	char part[256];
	int cur = dirfd;
	const char *p = rel;
	for (;;) {
		const char *slash = strchr(p, '/');
		if (!slash) {
			int fd = openat(cur, p, flags | O_NOFOLLOW | O_CLOEXEC, mode);
			int err = errno;
			if (cur != dirfd)
				close(cur);
			return fd >= 0 ? fd : -err;
		}
		size_t n = (size_t)(slash - p);
		if (n == 0 || n >= sizeof part || (n <= 2 && !strncmp(p, "..", n))) {
			if (cur != dirfd)
				close(cur);
			return -EINVAL;
		}
		memcpy(part, p, n);
		part[n] = 0;
		int next = openat(cur, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int err = errno;
		if (cur != dirfd)
			close(cur);
		if (next < 0)
			return -err;
		cur = next;
		p = slash + 1;
	}
}

int srv_fs_open(rp_server *s, int dirfd, const char *rel, int flags, mode_t mode)
{
	if (!*rel || rel[0] == '/' || strstr(rel, ".."))
		return -EINVAL;
	if (!__atomic_load_n(&s->no_openat2, __ATOMIC_RELAXED)) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC),
			.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
			.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
		};
		long fd;
		do
			fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof how);
		while (fd < 0 && errno == EAGAIN);
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		__atomic_store_n(&s->no_openat2, 1, __ATOMIC_RELAXED);
	}
	return open_walk(dirfd, rel, flags, mode);
}

static int mkdir_if_missing(int dirfd, const char *name)
{
	if (mkdirat(dirfd, name, 0700) && errno != EEXIST)
		return -errno;
	return 0;
}

/* The layout of a local repository (see store_local.c) plus the private
 * folder, so that the tenant's folder can also be used as a local
 * repository directly on the server.  SRV_OWNERS_DIR comes last: its
 * presence says the layout is complete, even after a crash halfway. */
int srv_fs_make_layout(int tfd)
{
	static const char *const dirs[] = {"data", "index", "snapshots", "keys", "locks", "tmp", SRV_PRIVATE_DIR,
					   SRV_TMP_DIR};
	int rc;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++)
		if ((rc = mkdir_if_missing(tfd, dirs[i])))
			return rc;
	for (int i = 0; i < 256; i++) {
		char d[16];
		snprintf(d, sizeof d, "data/%02x", i);
		if ((rc = mkdir_if_missing(tfd, d)))
			return rc;
	}
	int dfd = openat(tfd, "data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	rc = fsync(dfd) ? -errno : 0;
	close(dfd);
	if (rc || fsync(tfd))
		return rc ? rc : -errno;
	if ((rc = mkdir_if_missing(tfd, SRV_OWNERS_DIR)))
		return rc;
	if (fsync(tfd))
		return -errno;
	return 0;
}

int srv_fs_tenant(rp_server *s, const char *tenant, int create)
{
	int fd = srv_fs_open(s, s->rootfd, tenant, O_RDONLY | O_DIRECTORY, 0);
	if (fd == -ENOENT && create) {
		if (mkdirat(s->rootfd, tenant, 0700) && errno != EEXIST)
			return -errno;
		if (fsync(s->rootfd))
			return -errno;
		fd = srv_fs_open(s, s->rootfd, tenant, O_RDONLY | O_DIRECTORY, 0);
	}
	if (fd < 0 || !create)
		return fd;
	struct stat st;
	/* a folder made by hand (or by an older server) gets what it lacks */
	if (fstatat(fd, SRV_OWNERS_DIR, &st, AT_SYMLINK_NOFOLLOW)) {
		int rc = srv_fs_make_layout(fd);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	return fd;
}

static void log_line(rp_server *s, const char *fmt, const char *a, const char *b)
{
	if (s->o.log) {
		fprintf(s->o.log, fmt, a, b);
		fflush(s->o.log);
	}
}

/* Empties .rempart/tmp of one tenant and drops ownership records of
 * locks that no longer exist. */
static void cleanup_tenant(rp_server *s, int tfd, const char *tenant)
{
	int fd = srv_fs_open(s, tfd, SRV_TMP_DIR, O_RDONLY | O_DIRECTORY, 0);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (!unlinkat(dirfd(d), de->d_name, 0))
			log_line(s, "rempart serve: removed the unfinished upload %s/" SRV_TMP_DIR "/%s\n", tenant,
				 de->d_name);
	}
	if (d)
		closedir(d);
	fd = srv_fs_open(s, tfd, SRV_OWNERS_DIR, O_RDONLY | O_DIRECTORY, 0);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d && fd >= 0)
		close(fd);
	while (d && (de = readdir(d))) {
		char lock[96];
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(lock, sizeof lock, "locks/%.64s", de->d_name);
		if (fstatat(tfd, lock, &st, AT_SYMLINK_NOFOLLOW) && errno == ENOENT)
			unlinkat(dirfd(d), de->d_name, 0);
	}
	if (d)
		closedir(d);
}

void srv_fs_cleanup(rp_server *s)
{
	/* a fresh open file description: readdir must not move rootfd's offset */
	int fd = openat(s->rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!rp_tenant_name_ok(de->d_name))
			continue;
		int tfd = srv_fs_tenant(s, de->d_name, 0);
		if (tfd < 0)
			continue;
		cleanup_tenant(s, tfd, de->d_name);
		close(tfd);
	}
	closedir(d);
}
