/* fuzz_fcache.c - the files cache reader (rp_fcache_open, rp_fcache_next).
 *
 * The input is the record area of a cache file: the target adds a valid
 * header, the end mark and the checksum, writes it to an in-memory file
 * and reads it back.  When the first byte is odd the checksum is damaged
 * instead, and the reader must then refuse the whole file.
 * Properties: records are no larger than the input; whatever the reader
 * hands out, written again with rp_fcache_put, reads back the same.
 */
#include "engine/fcache.h"
#include "format/crypto.h"
#include "fuzz_common.h"

#include <sys/mman.h>
#include <unistd.h>

#define MAX_RECORDS 2000

static const uint8_t repo_id[32] = {0x72, 0x65, 0x70, 0x6f};

/* An anonymous file holding bytes, reachable through /proc/self/fd. */
static int memfile(const void *p, size_t n, char path[64])
{
	int fd = memfd_create("fcache", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		FUZZ_CHECK(k > 0);
		b += k;
		n -= (size_t)k;
	}
	snprintf(path, 64, "/proc/self/fd/%d", fd);
	return fd;
}

typedef struct saved {
	rp_buf path;
	rp_fcache_rec rec;
	rp_buf content, scan, pii, xattrs;
} saved;

static void same_rec(const rp_fcache_rec *a, const rp_fcache_rec *b)
{
	FUZZ_CHECK(a->path_len == b->path_len && !memcmp(a->path, b->path, a->path_len));
	FUZZ_CHECK(b->path[b->path_len] == 0);
	FUZZ_CHECK(a->ino == b->ino && a->dev == b->dev && a->size == b->size && a->mode == b->mode);
	FUZZ_CHECK(a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns);
	FUZZ_CHECK(a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns && a->fp == b->fp);
	FUZZ_CHECK(a->content_len == b->content_len && (!a->content_len || !memcmp(a->content, b->content, a->content_len)));
	FUZZ_CHECK(a->scan_len == b->scan_len && (!a->scan_len || !memcmp(a->scan, b->scan, a->scan_len)));
	FUZZ_CHECK(a->pii_len == b->pii_len && (!a->pii_len || !memcmp(a->pii, b->pii, a->pii_len)));
	/* unknown xattrs are written without their bytes */
	FUZZ_CHECK(a->xattrs_known == b->xattrs_known);
	size_t axn = a->xattrs_known ? a->xattrs_len : 0;
	FUZZ_CHECK(axn == b->xattrs_len && (!axn || !memcmp(a->xattrs, b->xattrs, axn)));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_buf file = {0};
	uint8_t snap[32] = {0x5a}, h[32];
	char path[64], path2[4096];
	rp_err e;
	rp_fcache_reader *r = NULL;
	saved *v = NULL;
	size_t n = 0;
	int damage = size && (data[0] & 1);
	FUZZ_CHECK(!rp_buf_put(&file, "RPFC", 4) && !rp_buf_put_u8(&file, RP_FCACHE_VERSION) && !rp_buf_put(&file, repo_id, 32) &&
		   !rp_buf_put(&file, snap, 32) && !rp_buf_put(&file, data, size) && !rp_buf_put_u8(&file, 0xff));
	FUZZ_CHECK(rp_sha256_once(file.data, file.len, h) == 0);
	if (damage)
		h[data[0] % 32] ^= 0x80;
	FUZZ_CHECK(rp_buf_put(&file, h, 32) == 0);
	int fd = memfile(file.data, file.len, path);
	FUZZ_CHECK(rp_fcache_open(&r, path, repo_id, &e) == 0);
	close(fd);
	if (damage) {
		FUZZ_CHECK(r == NULL);
		goto done;
	}
	FUZZ_CHECK(r != NULL && !memcmp(rp_fcache_snapshot(r), snap, 32));
	v = calloc(MAX_RECORDS, sizeof *v);
	FUZZ_CHECK(v);
	rp_fcache_rec rec;
	while (n < MAX_RECORDS && rp_fcache_next(r, &rec) == 1) {
		FUZZ_CHECK(rec.path[rec.path_len] == 0);
		FUZZ_CHECK(rec.content_len < size && rec.scan_len < size && rec.pii_len < size &&
			   rec.path_len <= size);
		saved *s = &v[n++];
		s->rec = rec;
		FUZZ_CHECK(!rp_buf_put(&s->path, rec.path, rec.path_len) && !rp_buf_cstr(&s->path) &&
			   !rp_buf_put(&s->content, rec.content, rec.content_len) &&
			   !rp_buf_put(&s->scan, rec.scan, rec.scan_len) && !rp_buf_put(&s->pii, rec.pii, rec.pii_len) &&
			   !rp_buf_put(&s->xattrs, rec.xattrs, rec.xattrs_len));
		s->rec.path = (const char *)s->path.data;
		s->rec.content = s->content.data;
		s->rec.scan = s->scan.data;
		s->rec.pii = s->pii.data;
		s->rec.xattrs = s->xattrs.data;
	}
	rp_fcache_close(r);
	r = NULL;
	/* what was read, written again, reads back the same */
	{
		/* tmpfs when there is one: the writer fsyncs */
		char dir[64];
		snprintf(dir, sizeof dir, "%s/rp-fuzz-fcache-XXXXXX", access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm");
		FUZZ_CHECK(mkdtemp(dir));
		snprintf(path2, sizeof path2, "%s/cache", dir);
		rp_fcache_writer *w;
		FUZZ_CHECK(rp_fcache_create(&w, path2, repo_id, &e) == 0);
		for (size_t i = 0; i < n; i++)
			FUZZ_CHECK(rp_fcache_put(w, &v[i].rec, &e) == 0);
		FUZZ_CHECK(rp_fcache_commit(w, snap, &e) == 0);
		FUZZ_CHECK(rp_fcache_open(&r, path2, repo_id, &e) == 0 && r);
		for (size_t i = 0; i < n; i++) {
			FUZZ_CHECK(rp_fcache_next(r, &rec) == 1);
			same_rec(&v[i].rec, &rec);
		}
		FUZZ_CHECK(rp_fcache_next(r, &rec) == 0);
		rp_fcache_close(r);
		r = NULL;
		unlink(path2);
		rmdir(dir);
	}
done:
	for (size_t i = 0; i < n; i++) {
		rp_buf_free(&v[i].path);
		rp_buf_free(&v[i].content);
		rp_buf_free(&v[i].scan);
		rp_buf_free(&v[i].pii);
		rp_buf_free(&v[i].xattrs);
	}
	free(v);
	rp_fcache_close(r);
	rp_buf_free(&file);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	/* records as rp_fcache_put lays them out: write a cache, keep its body */
	char d[] = "/tmp/rp-fuzz-seed-XXXXXX", path[4096];
	if (!mkdtemp(d))
		return;
	snprintf(path, sizeof path, "%s/cache", d);
	rp_fcache_writer *w;
	uint8_t content[80] = {1, 2, 3}, snap[32] = {0};
	if (rp_fcache_create(&w, path, repo_id, NULL))
		return;
	static const char *paths[] = {"/srv/partages/\xc9tat civil/acte 1.pdf", "/srv/partages/\xc9tat civil/acte 2.pdf",
				      "/srv/partages/\xc9tat civil/actes/", "/srv/partages/z"};
	for (int i = 0; i < 4; i++) {
		rp_fcache_rec rec = {paths[i], strlen(paths[i]), 1000 + (uint64_t)i, 2049, 80, 0100644,
				     1700000000, -5, 999999999, 1, 0x1234567890abcdefull, content, (size_t)(i % 3) * 40,
				     (const uint8_t *)"scan", (size_t)i, (const uint8_t *)"\x01\x02", (size_t)(i % 3),
				     i % 2, content, (size_t)(i % 2) * 12};
		rp_fcache_put(w, &rec, NULL);
	}
	if (rp_fcache_commit(w, snap, NULL) == 0) {
		FILE *f = fopen(path, "rb");
		if (f) {
			uint8_t buf[4096];
			size_t n = fread(buf, 1, sizeof buf, f);
			fclose(f);
			if (n > 69 + 33) {
				buf[69] &= 0xfe; /* keep the checksum intact in the fuzz run */
				fuzz_seed(dir, "four-records", buf + 69, n - 69 - 33);
			}
		}
	}
	unlink(path);
	rmdir(d);
	fuzz_seed(dir, "empty", "", 0);
}
