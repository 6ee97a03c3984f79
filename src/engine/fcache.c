/* fcache.c - the local files cache. */
#include "fcache.h"

#include "format/crypto.h"
#include "util/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FCACHE_HEADER_BYTES (4 + 1 + 32 + 32)
#define FCACHE_END 0xff
#define FCACHE_WRITE_BUFFER_BYTES (256u << 10)

/* mkdir -p for the cache directory (0700: it names files and chunk ids). */
static int mkdirs(const char *dir, rp_err *e)
{
	char tmp[4096];
	size_t n = strlen(dir);
	if (n >= sizeof tmp)
		return rp_err_set(e, RP_EINVAL, "cache path too long");
	memcpy(tmp, dir, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, 0700) && errno != EEXIST)
				return rp_err_errno(e, errno, "cannot create cache directory %s", tmp);
			tmp[i] = c;
		}
	}
	return 0;
}

int rp_fcache_path(const char *repo_cache_dir, const char *host, char *const *paths, size_t n_paths, char **out,
		   rp_err *e)
{
	rp_sha256 *s;
	uint8_t h[32];
	char hex[65];
	int rc = rp_sha256_new(&s, e);
	if (rc)
		return rc;
	rp_sha256_update(s, host, strlen(host) + 1);
	for (size_t i = 0; i < n_paths; i++)
		rp_sha256_update(s, paths[i], strlen(paths[i]) + 1);
	rp_sha256_final(s, h);
	rp_sha256_free(s);
	rp_hex_encode(hex, h, 16);
	size_t n = strlen(repo_cache_dir) + 48;
	if (!(*out = malloc(n)))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	snprintf(*out, n, "%s/files/%s", repo_cache_dir, hex);
	return 0;
}

/* ---- reader ---- */

#define FCACHE_DROP_BYTES (1u << 20)

struct rp_fcache_reader {
	uint8_t *map;
	size_t size;
	size_t dropped; /* pages before this offset were given back */
	rp_rd rd;
	uint8_t snapshot[32];
	rp_buf path;
};

int rp_fcache_open(rp_fcache_reader **out, const char *path, const uint8_t repo_id[32], rp_err *e)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	struct stat st;
	if (fstat(fd, &st) || st.st_size < FCACHE_HEADER_BYTES + 1 + 32) {
		close(fd);
		return 0;
	}
	size_t size = (size_t)st.st_size;
	uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return 0;
	uint8_t h[32];
	if (memcmp(map, "RPFC", 4) || map[4] != RP_FCACHE_VERSION || memcmp(map + 5, repo_id, 32) ||
	    rp_sha256_once(map, size - 32, h) || memcmp(h, map + size - 32, 32) || map[size - 33] != FCACHE_END) {
		munmap(map, size);
		return 0;
	}
	rp_fcache_reader *r = calloc(1, sizeof *r);
	if (!r) {
		munmap(map, size);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	madvise(map, size, MADV_SEQUENTIAL);
	r->map = map;
	r->size = size;
	memcpy(r->snapshot, map + 37, 32);
	rp_rd_init(&r->rd, map + FCACHE_HEADER_BYTES, size - FCACHE_HEADER_BYTES - 33);
	*out = r;
	return 0;
}

void rp_fcache_close(rp_fcache_reader *r)
{
	if (!r)
		return;
	munmap(r->map, r->size);
	rp_buf_free(&r->path);
	free(r);
}

const uint8_t *rp_fcache_snapshot(const rp_fcache_reader *r)
{
	return r->snapshot;
}

int rp_fcache_next(rp_fcache_reader *r, rp_fcache_rec *rec)
{
	rp_rd *d = &r->rd;
	/* records are read once, in order: pages behind the cursor need not
	 * stay resident (a million files make a cache of a hundred MB) */
	size_t pos = (size_t)(d->p - r->map);
	if (pos - r->dropped >= FCACHE_DROP_BYTES * 2) {
		size_t upto = (pos - FCACHE_DROP_BYTES) & ~(size_t)4095;
		madvise(r->map + r->dropped, upto - r->dropped, MADV_DONTNEED);
		r->dropped = upto;
	}
	uint64_t shared, mode, mns, cns, xknown;
	const uint8_t *suffix;
	size_t slen;
	if (d->bad || rp_rd_left(d) == 0)
		return 0;
	if (rp_rd_varint(d, &shared) || shared > r->path.len || rp_rd_bytes(d, &suffix, &slen, 1u << 20))
		return 0;
	r->path.len = (size_t)shared;
	if (rp_buf_put(&r->path, suffix, slen) || rp_buf_cstr(&r->path))
		return 0;
	if (rp_rd_varint(d, &rec->ino) || rp_rd_varint(d, &rec->dev) || rp_rd_varint(d, &rec->size) ||
	    rp_rd_varint(d, &mode) || rp_rd_svarint(d, &rec->mtime_s) || rp_rd_varint(d, &mns) ||
	    rp_rd_svarint(d, &rec->ctime_s) || rp_rd_varint(d, &cns) || rp_rd_u64le(d, &rec->fp) ||
	    rp_rd_bytes(d, &rec->content, &rec->content_len, (size_t)1 << 34) ||
	    rp_rd_bytes(d, &rec->scan, &rec->scan_len, 1024) || rp_rd_bytes(d, &rec->pii, &rec->pii_len, 1024) ||
	    rp_rd_varint(d, &xknown) || xknown > 1 || rp_rd_bytes(d, &rec->xattrs, &rec->xattrs_len, (size_t)1 << 24))
		return 0;
	rec->xattrs_known = (int)xknown;
	rec->mode = (uint32_t)mode;
	rec->mtime_ns = (uint32_t)mns;
	rec->ctime_ns = (uint32_t)cns;
	rec->path = (const char *)r->path.data;
	rec->path_len = r->path.len;
	return 1;
}

/* ---- writer ---- */

struct rp_fcache_writer {
	char *path;
	char *tmp;
	int fd;
	rp_sha256 *sha;
	rp_buf out;
	rp_buf last;
	int failed;
	rp_err err;
};

static int w_drain(rp_fcache_writer *w)
{
	if (!w->out.len || w->failed)
		return w->failed;
	const uint8_t *p = w->out.data;
	size_t n = w->out.len;
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			w->failed = rp_err_errno(&w->err, errno, "%s: cannot write the files cache", w->tmp);
			return w->failed;
		}
		p += k;
		n -= (size_t)k;
	}
	w->out.len = 0;
	return 0;
}

int rp_fcache_create(rp_fcache_writer **out, const char *path, const uint8_t repo_id[32], rp_err *e)
{
	rp_fcache_writer *w = calloc(1, sizeof *w);
	if (!w)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	w->fd = -1;
	int rc = 0;
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	size_t n = strlen(path) + 32;
	if (!(w->path = strdup(path)) || !(w->tmp = malloc(n))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto fail;
	}
	snprintf(w->tmp, n, "%s.tmp%ld", path, (long)getpid());
	if ((rc = mkdirs(dir, e)) || (rc = rp_sha256_new(&w->sha, e)))
		goto fail;
	w->fd = open(w->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		rc = rp_err_errno(e, errno, "cannot create the files cache %s", w->tmp);
		goto fail;
	}
	uint8_t zero[32] = {0};
	if (rp_buf_put(&w->out, "RPFC", 4) || rp_buf_put_u8(&w->out, RP_FCACHE_VERSION) || rp_buf_put(&w->out, repo_id, 32) ||
	    rp_buf_put(&w->out, zero, 32)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto fail;
	}
	*out = w;
	return 0;
fail:
	rp_fcache_abort(w);
	return rc;
}

int rp_fcache_put(rp_fcache_writer *w, const rp_fcache_rec *rec, rp_err *e)
{
	if (w->failed)
		return rp_err_set(e, w->failed, "%s", w->err.msg);
	size_t shared = 0, m = rec->path_len < w->last.len ? rec->path_len : w->last.len;
	while (shared < m && rec->path[shared] == (char)w->last.data[shared])
		shared++;
	int bad = rp_buf_put_varint(&w->out, shared) ||
		  rp_buf_put_bytes(&w->out, rec->path + shared, rec->path_len - shared) ||
		  rp_buf_put_varint(&w->out, rec->ino) || rp_buf_put_varint(&w->out, rec->dev) ||
		  rp_buf_put_varint(&w->out, rec->size) || rp_buf_put_varint(&w->out, rec->mode) ||
		  rp_buf_put_svarint(&w->out, rec->mtime_s) || rp_buf_put_varint(&w->out, rec->mtime_ns) ||
		  rp_buf_put_svarint(&w->out, rec->ctime_s) || rp_buf_put_varint(&w->out, rec->ctime_ns) ||
		  rp_buf_put_u64le(&w->out, rec->fp) || rp_buf_put_bytes(&w->out, rec->content, rec->content_len) ||
		  rp_buf_put_bytes(&w->out, rec->scan, rec->scan_len) || rp_buf_put_bytes(&w->out, rec->pii, rec->pii_len) ||
		  rp_buf_put_varint(&w->out, rec->xattrs_known ? 1 : 0) ||
		  rp_buf_put_bytes(&w->out, rec->xattrs, rec->xattrs_known ? rec->xattrs_len : 0);
	w->last.len = 0;
	bad = bad || rp_buf_put(&w->last, rec->path, rec->path_len);
	if (bad)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	if (w->out.len >= FCACHE_WRITE_BUFFER_BYTES && w_drain(w))
		return rp_err_set(e, w->failed, "%s", w->err.msg);
	return 0;
}

int rp_fcache_commit(rp_fcache_writer *w, const uint8_t snapshot_id[32], rp_err *e)
{
	int rc = 0;
	uint8_t h[32];
	if (!w->failed && rp_buf_put_u8(&w->out, FCACHE_END))
		w->failed = rp_err_set(&w->err, RP_ENOMEM, "out of memory");
	if (w_drain(w)) {
		rc = rp_err_set(e, w->failed, "%s", w->err.msg);
		goto done;
	}
	/* the snapshot id is known only now: patch the header, then checksum
	 * the file as it is on disk */
	if (pwrite(w->fd, snapshot_id, 32, 37) != 32) {
		rc = rp_err_errno(e, errno, "%s: cannot write the files cache", w->tmp);
		goto done;
	}
	rp_sha256_reset(w->sha);
	{
		uint8_t buf[65536];
		off_t off = 0;
		ssize_t k;
		while ((k = pread(w->fd, buf, sizeof buf, off)) > 0) {
			rp_sha256_update(w->sha, buf, (size_t)k);
			off += k;
		}
		if (k < 0) {
			rc = rp_err_errno(e, errno, "%s: cannot read back the files cache", w->tmp);
			goto done;
		}
		rp_sha256_final(w->sha, h);
		if (pwrite(w->fd, h, 32, off) != 32) {
			rc = rp_err_errno(e, errno, "%s: cannot write the files cache", w->tmp);
			goto done;
		}
	}
	if (fsync(w->fd) || rename(w->tmp, w->path))
		rc = rp_err_errno(e, errno, "cannot save the files cache %s", w->path);
	else {
		free(w->tmp);
		w->tmp = NULL;
	}
done:
	rp_fcache_abort(w);
	return rc;
}

void rp_fcache_abort(rp_fcache_writer *w)
{
	if (!w)
		return;
	if (w->fd >= 0)
		close(w->fd);
	if (w->tmp)
		unlink(w->tmp);
	rp_sha256_free(w->sha);
	rp_buf_free(&w->out);
	rp_buf_free(&w->last);
	free(w->path);
	free(w->tmp);
	free(w);
}
