/* server_write.c - PUT (create a file that does not exist) and DELETE.
 *
 * An upload streams into an unnamed temporary file (O_TMPFILE) in the
 * destination folder while its SHA-256 is computed.  Only a complete body
 * whose hash matches its name is synced and then linked under that name
 * with linkat(), which never replaces an existing file; the folder is
 * synced before the client hears 201.  A crash at any point leaves either
 * nothing or the whole file.  Where O_TMPFILE is unsupported, a named file
 * in .rempart/tmp is used, which the next server start removes.
 *
 * Locks are the one kind of file an append token may delete, and only the
 * ones it created: the creating token's id is recorded in
 * .rempart/lockowners/<name>, a folder the protocol cannot name.
 */
#include "server_internal.h"

#include "../util/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

/* Files are read-only once stored: they are never modified in place. */
#define STORED_FILE_MODE 0400

void srv_put_cleanup(srv_req *r)
{
	if (r->tmpfd >= 0)
		close(r->tmpfd);
	r->tmpfd = -1;
	if (r->tmpname[0] && r->tenantfd >= 0) {
		char rel[128];
		snprintf(rel, sizeof rel, SRV_TMP_DIR "/%s", r->tmpname);
		unlinkat(r->tenantfd, rel, 0);
	}
	r->tmpname[0] = 0;
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
	if (r->tenantfd >= 0)
		close(r->tenantfd);
	r->tenantfd = -1;
	EVP_MD_CTX_free(r->md);
	r->md = NULL;
}

static int parse_u64(const char *s, uint64_t *v)
{
	uint64_t x = 0;
	if (!s || !*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || x > (UINT64_MAX - 9) / 10)
			return -1;
		x = x * 10 + (uint64_t)(*s - '0');
	}
	*v = x;
	return 0;
}

/* Opens the parent folder of the request's file, making the tenant's
 * repository layout on its first write. */
static int open_parent(srv_req *r, int create)
{
	rp_server *s = r->srv;
	int tfd = srv_fs_tenant(s, r->path.tenant, create);
	if (tfd < 0)
		return tfd;
	r->tenantfd = tfd;
	int dfd = r->path.dir[0] ? srv_fs_open(s, tfd, r->path.dir, O_RDONLY | O_DIRECTORY, 0)
				 : srv_fs_open(s, s->rootfd, r->path.tenant, O_RDONLY | O_DIRECTORY, 0);
	if (dfd == -ENOENT && create && r->path.dir[0] && !srv_fs_make_layout(tfd)) /* a folder removed by hand */
		dfd = srv_fs_open(s, tfd, r->path.dir, O_RDONLY | O_DIRECTORY, 0);
	if (dfd < 0)
		return dfd;
	r->dirfd = dfd;
	return 0;
}

static int open_temp(srv_req *r)
{
	rp_server *s = r->srv;
	int fd = openat(r->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, STORED_FILE_MODE);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : -errno;
	uint8_t rnd[12];
	char hex[25], rel[128];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return -EIO;
	rp_hex_encode(hex, rnd, sizeof rnd);
	snprintf(r->tmpname, sizeof r->tmpname, "up-%s", hex);
	snprintf(rel, sizeof rel, SRV_TMP_DIR "/%s", r->tmpname);
	fd = srv_fs_open(s, r->tenantfd, rel, O_WRONLY | O_CREAT | O_EXCL, STORED_FILE_MODE);
	if (fd < 0)
		r->tmpname[0] = 0;
	return fd;
}

enum MHD_Result srv_put_begin(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	const char *cl = r->srv->mhd_fn.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t len = 0;
	if (cl && parse_u64(cl, &len))
		return srv_reply(r, c, MHD_HTTP_BAD_REQUEST, "bad Content-Length");
	if (cl && len > s->o.max_body_bytes)
		return srv_reply(r, c, MHD_HTTP_CONTENT_TOO_LARGE, "%s: %llu bytes is more than this server accepts (%llu)",
				 r->object, (unsigned long long)len, (unsigned long long)s->o.max_body_bytes);
	r->max_bytes = s->o.max_body_bytes;
	int rc = open_parent(r, 1);
	if (rc == -ENOENT)
		return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s: the folder is missing on the server",
				 r->object);
	if (rc)
		return srv_reply_errno(r, c, -rc, r->object);
	struct stat st;
	if (!fstatat(r->dirfd, r->path.leaf, &st, AT_SYMLINK_NOFOLLOW))
		return srv_reply(r, c, MHD_HTTP_CONFLICT, "%s already exists; files are never replaced", r->object);
	if (errno != ENOENT)
		return srv_reply_errno(r, c, errno, r->object);
	if ((rc = open_temp(r)) < 0)
		return srv_reply_errno(r, c, -rc, r->object);
	r->tmpfd = rc;
	if (r->path.hashed) {
		if (!(r->md = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(r->md, EVP_sha256(), NULL))
			return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot start SHA-256");
	}
	r->uploading = 1;
	return MHD_YES;
}

static void fail_upload(srv_req *r, int status, const char *msg, int err)
{
	if (r->fail_status)
		return;
	r->fail_status = status;
	snprintf(r->fail_msg, sizeof r->fail_msg, "%s: %s%s%s", r->object, msg, err ? ": " : "",
		 err ? strerror(err) : "");
	/* nothing more is written; the temporary file goes away */
	srv_put_cleanup(r);
}

enum MHD_Result srv_put_data(srv_req *r, struct MHD_Connection *c, const char *data, size_t n)
{
	r->bytes_in += n;
	if (r->bytes_in > r->max_bytes) {
		/* a body without Content-Length that grew too large: refuse and
		 * close rather than read the rest of it */
		fail_upload(r, MHD_HTTP_CONTENT_TOO_LARGE, "more bytes than this server accepts", 0);
		return MHD_NO;
	}
	if (r->fail_status)
		return MHD_YES; /* drop the rest of the body, then answer */
	if (r->md && !EVP_DigestUpdate(r->md, data, n)) {
		fail_upload(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "SHA-256 failed", 0);
		return MHD_YES;
	}
	if (srv_fs_write_all(r->tmpfd, data, n)) {
		int err = errno;
		fail_upload(r, err == ENOSPC || err == EDQUOT ? MHD_HTTP_INSUFFICIENT_STORAGE
							       : MHD_HTTP_INTERNAL_SERVER_ERROR,
			    err == ENOSPC || err == EDQUOT ? "the server's disk is full" : "write failed", err);
	}
	return MHD_YES;
}

/* Records which token created a lock; called with lock_mu held. */
static int write_owner(srv_req *r)
{
	char rel[128], line[RP_TOKEN_ID_CHARS + 2];
	snprintf(rel, sizeof rel, SRV_OWNERS_DIR "/%s", r->path.leaf);
	int fd = srv_fs_open(r->srv, r->tenantfd, rel, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return fd;
	snprintf(line, sizeof line, "%s\n", r->tok.id);
	int rc = 0;
	if (srv_fs_write_all(fd, line, strlen(line)) || fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc) {
		int dfd = srv_fs_open(r->srv, r->tenantfd, SRV_OWNERS_DIR, O_RDONLY | O_DIRECTORY, 0);
		if (dfd >= 0) {
			if (fsync(dfd))
				rc = -errno;
			close(dfd);
		}
	}
	return rc;
}

/* Gives the complete temporary file its name; never replaces a file. */
static int link_temp(srv_req *r)
{
	int rc;
	if (r->tmpname[0]) {
		char rel[128];
		snprintf(rel, sizeof rel, SRV_TMP_DIR "/%s", r->tmpname);
		rc = linkat(r->tenantfd, rel, r->dirfd, r->path.leaf, 0);
	} else {
		char proc[64];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", r->tmpfd);
		rc = linkat(AT_FDCWD, proc, r->dirfd, r->path.leaf, AT_SYMLINK_FOLLOW);
		if (rc && errno == ENOENT) /* no /proc: needs CAP_DAC_READ_SEARCH */
			rc = linkat(r->tmpfd, "", r->dirfd, r->path.leaf, AT_EMPTY_PATH);
	}
	return rc ? -errno : 0;
}

enum MHD_Result srv_put_finish(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	r->uploading = 0;
	if (r->fail_status)
		return srv_reply(r, c, r->fail_status, "%s", r->fail_msg);
	if (r->md) {
		uint8_t h[32];
		char hex[65];
		unsigned int hl = 32;
		if (!EVP_DigestFinal_ex(r->md, h, &hl))
			return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "SHA-256 failed");
		rp_hex_encode(hex, h, 32);
		if (strcmp(hex, r->path.leaf))
			return srv_reply(r, c, MHD_HTTP_BAD_REQUEST,
					 "%s: refused, the content's SHA-256 is %s, not its name (%llu bytes received)",
					 r->object, hex, (unsigned long long)r->bytes_in);
	}
	if (fdatasync(r->tmpfd))
		return srv_reply_errno(r, c, errno, r->object);
	int is_lock = r->path.fkind == SRV_FILE_LOCKS, rc;
	if (is_lock) {
		pthread_mutex_lock(&s->lock_mu);
		struct stat st;
		if (!fstatat(r->dirfd, r->path.leaf, &st, AT_SYMLINK_NOFOLLOW))
			rc = -EEXIST; /* an owner record must never be overwritten */
		else
			rc = write_owner(r);
		if (!rc)
			rc = link_temp(r);
	} else {
		rc = link_temp(r);
	}
	if (!rc && fsync(r->dirfd))
		rc = -errno;
	if (is_lock)
		pthread_mutex_unlock(&s->lock_mu);
	if (rc)
		return srv_reply_errno(r, c, -rc, r->object);
	if (r->tmpname[0]) {
		char rel[128];
		snprintf(rel, sizeof rel, SRV_TMP_DIR "/%s", r->tmpname);
		unlinkat(r->tenantfd, rel, 0);
		r->tmpname[0] = 0;
	}
	return srv_reply(r, c, MHD_HTTP_CREATED, "created %s (%llu bytes)", r->object,
			 (unsigned long long)r->bytes_in);
}

/* 1 when the lock's owner record names this request's token. */
static int owns_lock(srv_req *r)
{
	char rel[128], buf[64];
	snprintf(rel, sizeof rel, SRV_OWNERS_DIR "/%s", r->path.leaf);
	int fd = srv_fs_open(r->srv, r->tenantfd, rel, O_RDONLY, 0);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	return strlen(buf) == RP_TOKEN_ID_CHARS && CRYPTO_memcmp(buf, r->tok.id, RP_TOKEN_ID_CHARS) == 0;
}

enum MHD_Result srv_delete(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	int is_lock = r->path.fkind == SRV_FILE_LOCKS;
	if (r->tok.role == RP_ROLE_READ)
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN, "this token has the read role: it cannot delete anything");
	if (r->tok.role == RP_ROLE_APPEND && !is_lock)
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN,
				 "this token has the append role: it cannot delete %s; deleting (prune) needs an "
				 "admin token",
				 r->object);
	int rc = open_parent(r, 0);
	if (rc)
		return srv_reply_errno(r, c, -rc, r->object);
	if (is_lock)
		pthread_mutex_lock(&s->lock_mu);
	struct stat st;
	if (fstatat(r->dirfd, r->path.leaf, &st, AT_SYMLINK_NOFOLLOW))
		rc = -errno;
	else if (r->tok.role == RP_ROLE_APPEND && !owns_lock(r))
		rc = -EPERM;
	else if (unlinkat(r->dirfd, r->path.leaf, 0) || fsync(r->dirfd))
		rc = -errno;
	if (!rc && is_lock) {
		char rel[128];
		snprintf(rel, sizeof rel, SRV_OWNERS_DIR "/%s", r->path.leaf);
		unlinkat(r->tenantfd, rel, 0);
	}
	if (is_lock)
		pthread_mutex_unlock(&s->lock_mu);
	if (rc == -EPERM)
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN,
				 "%s was created by another token: an append token may only remove its own locks",
				 r->object);
	if (rc)
		return srv_reply_errno(r, c, -rc, r->object);
	return srv_reply(r, c, MHD_HTTP_NO_CONTENT, "%s", "");
}
