/* scan_eval.c - evaluate the ransomware detector on two directory trees,
 * without the backup engine.
 *
 *   scan-eval [-j JUDGEMENTS] [--deletions-first] OLD_DIR NEW_DIR
 *   scan-eval --bench [-r ROUNDS] DIR
 *   scan-eval --show FILE...
 *
 * The first form treats OLD_DIR as the parent snapshot and NEW_DIR as the new
 * one.  Each file is read once; its bytes go to the scanner, to the real
 * chunker (16K/64K/512K, fixed seed) and to SHA-256 chunk ids, which give the
 * content fingerprint and chunks_total/chunks_shared exactly as the engine
 * will.  It prints
 *   verdict NAME
 *   evidence {JSON}
 *   timing files=.. bytes=.. read_ms=.. chunk_hash_ms=.. scan_ms=.. analyze_ms=..
 * and, with -j, one line per file of NEW_DIR: "0|1<TAB>path" (final
 * judgement after the analyzer's amendments; bytes outside 0x20..0x7e and
 * the backslash written as \xHH).
 *
 * The second form loads DIR's files into memory and reports the scanner's
 * throughput (MB/s, 10^6 bytes) next to chunking + SHA-256 on the same data.
 * The third prints each file's decoded scan record.  SCAN_EVAL_DEBUG=1 lists
 * changed files with their chunk counts on stderr.
 */
#include "format/chunker.h"
#include "format/crypto.h"
#include "scan/detect.h"
#include "scan/detect_record.h"
#include "util/buf.h"
#include "util/err.h"

#include <dirent.h>
#include <zstd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK_MIN_BYTES (16u << 10)
#define CHUNK_AVG_BYTES (64u << 10)
#define CHUNK_MAX_BYTES (512u << 10)
#define READ_BUF_BYTES (4u << 20)
#define BENCH_MAX_BYTES ((size_t)2 << 30)

typedef struct file_entry {
	uint8_t *path; /* relative to the tree's root */
	size_t path_len;
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	size_t rec_len;
	uint64_t fp;
	uint64_t *chunks; /* first 8 bytes of each chunk id, sorted */
	uint32_t nchunks;
	int judged;
} file_entry;

typedef struct tree {
	file_entry *v;
	size_t n, cap;
} tree;

typedef struct timers {
	double read_s, chunk_s, scan_s, analyze_s;
	uint64_t files, bytes;
} timers;

typedef struct ctx {
	rp_chunker chunker;
	rp_scan_file scan;
	uint8_t *buf;
	timers t;
} ctx;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int tree_add(tree *t, const uint8_t *path, size_t n, rp_err *e)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 1024;
		file_entry *v = realloc(t->v, cap * sizeof *v);
		if (!v)
			return rp_err_set(e, RP_ENOMEM, "out of memory listing files");
		t->v = v;
		t->cap = cap;
	}
	file_entry *f = &t->v[t->n];
	memset(f, 0, sizeof *f);
	if (!(f->path = malloc(n + 1)))
		return rp_err_set(e, RP_ENOMEM, "out of memory listing files");
	memcpy(f->path, path, n);
	f->path[n] = 0;
	f->path_len = n;
	t->n++;
	return 0;
}

static void tree_free(tree *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].path);
		free(t->v[i].chunks);
	}
	free(t->v);
	memset(t, 0, sizeof *t);
}

/* Lists the regular files under dirfd (relative path prefix rel). */
static int walk(int dirfd, rp_buf *rel, tree *t, rp_err *e)
{
	DIR *d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return rp_err_errno(e, errno, "opendir %.*s", (int)rel->len, (const char *)rel->data);
	}
	int rc = 0;
	struct dirent *de;
	size_t base = rel->len;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW)) {
			rc = rp_err_errno(e, errno, "stat %s", de->d_name);
			break;
		}
		rel->len = base;
		if (base && (rc = rp_buf_put_u8(rel, '/')))
			break;
		if ((rc = rp_buf_put(rel, de->d_name, strlen(de->d_name))))
			break;
		if (S_ISREG(st.st_mode)) {
			if ((rc = tree_add(t, rel->data, rel->len, e)))
				break;
		} else if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
			if (sub < 0) {
				rc = rp_err_errno(e, errno, "open folder %s", de->d_name);
				break;
			}
			if ((rc = walk(sub, rel, t, e)))
				break;
		}
	}
	rel->len = base;
	closedir(d);
	return rc;
}

static int cmp_path(const void *x, const void *y)
{
	const file_entry *a = x, *b = y;
	size_t m = a->path_len < b->path_len ? a->path_len : b->path_len;
	int c = memcmp(a->path, b->path, m);
	return c ? c : (a->path_len > b->path_len) - (a->path_len < b->path_len);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return (a > b) - (a < b);
}

static int list_tree(const char *root, tree *t, rp_err *e)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return rp_err_errno(e, errno, "open %s", root);
	rp_buf rel = {0};
	int rc = walk(fd, &rel, t, e);
	rp_buf_free(&rel);
	if (!rc)
		qsort(t->v, t->n, sizeof t->v[0], cmp_path);
	return rc;
}

static int add_chunk(file_entry *f, uint32_t *cap, const uint8_t *p, size_t n, rp_sha256 *fph, rp_err *e)
{
	uint8_t id[32];
	if (rp_sha256_once(p, n, id))
		return rp_err_set(e, RP_ECRYPTO, "sha256 failed");
	if (f->nchunks == *cap) {
		uint32_t nc = *cap ? *cap * 2 : 8;
		uint64_t *v = realloc(f->chunks, nc * sizeof *v);
		if (!v)
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		f->chunks = v;
		*cap = nc;
	}
	uint64_t pre;
	memcpy(&pre, id, 8);
	f->chunks[f->nchunks++] = pre;
	return rp_sha256_update(fph, id, sizeof id) ? rp_err_set(e, RP_ECRYPTO, "sha256 failed") : 0;
}

/* Reads one file once: scanner, chunker, chunk ids, fingerprint. */
static int process_file(ctx *c, int rootfd, file_entry *f, rp_sha256 *fph, rp_err *e)
{
	int fd = openat(rootfd, (const char *)f->path, O_RDONLY | O_NOFOLLOW);
	if (fd < 0)
		return rp_err_errno(e, errno, "open %s", f->path);
	struct stat st;
	if (fstat(fd, &st)) {
		close(fd);
		return rp_err_errno(e, errno, "stat %s", f->path);
	}
	const uint8_t *name = f->path;
	for (size_t i = 0; i < f->path_len; i++)
		if (f->path[i] == '/')
			name = f->path + i + 1;
	double t0 = now_s();
	rp_scan_file_begin(&c->scan, name, f->path_len - (size_t)(name - f->path), (uint64_t)st.st_size);
	c->t.scan_s += now_s() - t0;
	int rc = 0;
	uint32_t cap = 0;
	size_t have = 0;
	int eof = 0;
	rp_sha256_reset(fph);
	while (!eof || have) {
		t0 = now_s();
		while (!eof && have < READ_BUF_BYTES) {
			ssize_t r = read(fd, c->buf + have, READ_BUF_BYTES - have);
			if (r < 0) {
				if (errno == EINTR)
					continue;
				rc = rp_err_errno(e, errno, "read %s", f->path);
				goto out;
			}
			if (r == 0) {
				eof = 1;
				break;
			}
			double t1 = now_s();
			c->t.read_s += t1 - t0;
			rp_scan_file_update(&c->scan, c->buf + have, (size_t)r);
			t0 = now_s();
			c->t.scan_s += t0 - t1;
			have += (size_t)r;
			c->t.bytes += (uint64_t)r;
		}
		c->t.read_s += now_s() - t0;
		t0 = now_s();
		size_t off = 0;
		while (have - off > 0 && (eof || have - off >= CHUNK_MAX_BYTES)) {
			size_t cut = rp_chunker_cut(&c->chunker, c->buf + off, have - off);
			if ((rc = add_chunk(f, &cap, c->buf + off, cut, fph, e)))
				goto out;
			off += cut;
		}
		memmove(c->buf, c->buf + off, have - off);
		have -= off;
		c->t.chunk_s += now_s() - t0;
	}
	uint8_t digest[32];
	rp_sha256_final(fph, digest);
	memcpy(&f->fp, digest, 8);
	qsort(f->chunks, f->nchunks, sizeof f->chunks[0], cmp_u64);
	t0 = now_s();
	f->rec_len = rp_scan_file_end(&c->scan, f->rec);
	c->t.scan_s += now_s() - t0;
	c->t.files++;
out:
	close(fd);
	return rc;
}

static int process_tree(ctx *c, const char *root, tree *t, rp_err *e)
{
	int rc = list_tree(root, t, e);
	if (rc)
		return rc;
	int fd = open(root, O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return rp_err_errno(e, errno, "open %s", root);
	rp_sha256 *fph = NULL;
	if ((rc = rp_sha256_new(&fph, e)))
		goto out;
	for (size_t i = 0; i < t->n && !rc; i++)
		rc = process_file(c, fd, &t->v[i], fph, e);
out:
	rp_sha256_free(fph);
	close(fd);
	return rc;
}

static uint32_t shared_chunks(const file_entry *o, const file_entry *n)
{
	uint32_t k = 0;
	for (uint32_t i = 0; i < n->nchunks; i++)
		if (bsearch(&n->chunks[i], o->chunks, o->nchunks, sizeof o->chunks[0], cmp_u64))
			k++;
	return k;
}

static void put_escaped(FILE *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			fputc(p[i], out);
		else
			fprintf(out, "\\x%02x", p[i]);
	}
}

typedef struct amend_entry {
	uint64_t h;
	int judged;
} amend_entry;

static int cmp_amend(const void *x, const void *y)
{
	uint64_t a = ((const amend_entry *)x)->h, b = ((const amend_entry *)y)->h;
	return (a > b) - (a < b);
}

static int evaluate(const char *old_dir, const char *new_dir, const char *jpath, int deletions_first, rp_err *e)
{
	ctx c;
	memset(&c, 0, sizeof c);
	tree old = {0}, cur = {0};
	rp_analyzer *an = NULL;
	rp_buf ev = {0};
	amend_entry *am = NULL;
	FILE *jf = NULL;
	int rc;
	uint8_t seed[32] = {'r', 'e', 'm', 'p', 'a', 'r', 't'};
	if ((rc = rp_chunker_init(&c.chunker, CHUNK_MIN_BYTES, CHUNK_AVG_BYTES, CHUNK_MAX_BYTES, seed, e)))
		goto out;
	if (!(c.buf = malloc(READ_BUF_BYTES))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = process_tree(&c, old_dir, &old, e)) || (rc = process_tree(&c, new_dir, &cur, e)))
		goto out;
	if ((rc = rp_analyzer_new(&an, e)))
		goto out;
	int debug = getenv("SCAN_EVAL_DEBUG") != NULL;
	double t0 = now_s();
	for (int pass = 0; pass < 2; pass++) {
		int files_pass = deletions_first ? pass == 1 : pass == 0;
		size_t i = 0, j = 0;
		while (i < old.n || j < cur.n) {
			int cmp = i >= old.n ? 1 : j >= cur.n ? -1 : cmp_path(&old.v[i], &cur.v[j]);
			if (cmp < 0) {
				if (!files_pass)
					rp_analyzer_deleted(an, old.v[i].path, old.v[i].path_len, old.v[i].rec,
							    old.v[i].rec_len, old.v[i].fp);
				i++;
			} else if (cmp > 0) {
				file_entry *f = &cur.v[j++];
				if (files_pass)
					f->judged = rp_analyzer_file(an, f->path, f->path_len, f->rec, f->rec_len, f->fp,
								     NULL, 0, 0, 1, f->nchunks, 0);
			} else {
				file_entry *o = &old.v[i++], *f = &cur.v[j++];
				if (files_pass) {
					uint32_t shared = shared_chunks(o, f);
					f->judged = rp_analyzer_file(an, f->path, f->path_len, f->rec, f->rec_len, f->fp,
								     o->rec, o->rec_len, o->fp, o->fp != f->fp,
								     f->nchunks, shared);
					if (debug && o->fp != f->fp)
						fprintf(stderr, "changed %s: chunks %u, shared %u, judged %d\n", f->path,
							f->nchunks, shared, f->judged);
				}
			}
		}
	}
	int verdict;
	if ((rc = rp_analyzer_finish(an, &verdict, &ev, e)))
		goto out;
	c.t.analyze_s = now_s() - t0;
	printf("verdict %s\n", rp_verdict_name(verdict));
	printf("evidence %.*s\n", (int)ev.len, (const char *)ev.data);
	printf("timing files=%llu bytes=%llu read_ms=%.1f chunk_hash_ms=%.1f scan_ms=%.1f analyze_ms=%.1f\n",
	       (unsigned long long)c.t.files, (unsigned long long)c.t.bytes, c.t.read_s * 1e3, c.t.chunk_s * 1e3,
	       c.t.scan_s * 1e3, c.t.analyze_s * 1e3);
	if (jpath) {
		size_t na = rp_analyzer_amendments(an);
		if (na && !(am = malloc(na * sizeof *am))) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < na; k++)
			rp_analyzer_amendment(an, k, &am[k].h, &am[k].judged);
		qsort(am, na, sizeof *am, cmp_amend);
		if (!(jf = fopen(jpath, "w"))) {
			rc = rp_err_errno(e, errno, "open %s", jpath);
			goto out;
		}
		for (size_t k = 0; k < cur.n; k++) {
			file_entry *f = &cur.v[k];
			amend_entry key = {.h = rp_scan_path_hash(f->path, f->path_len)};
			amend_entry *hit = na ? bsearch(&key, am, na, sizeof *am, cmp_amend) : NULL;
			fprintf(jf, "%d\t", hit ? hit->judged : f->judged);
			put_escaped(jf, f->path, f->path_len);
			fputc('\n', jf);
		}
		if (fclose(jf)) {
			jf = NULL;
			rc = rp_err_errno(e, errno, "write %s", jpath);
			goto out;
		}
		jf = NULL;
	}
	rc = verdict;
out:
	if (jf)
		fclose(jf);
	free(am);
	rp_buf_free(&ev);
	rp_analyzer_free(an);
	tree_free(&old);
	tree_free(&cur);
	free(c.buf);
	return rc;
}

/* ---- throughput ---- */

typedef struct blob {
	uint8_t *p;
	size_t n;
} blob;

static int bench(const char *dir, int rounds, rp_err *e)
{
	tree t = {0};
	blob *bl = NULL;
	size_t nb = 0, total = 0;
	int rc = list_tree(dir, &t, e);
	if (rc)
		goto out;
	if (!(bl = calloc(t.n ? t.n : 1, sizeof *bl))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto out;
	}
	int root = open(dir, O_RDONLY | O_DIRECTORY);
	if (root < 0) {
		rc = rp_err_errno(e, errno, "open %s", dir);
		goto out;
	}
	for (size_t i = 0; i < t.n && total < BENCH_MAX_BYTES; i++) {
		int fd = openat(root, (const char *)t.v[i].path, O_RDONLY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st)) {
			if (fd >= 0)
				close(fd);
			continue;
		}
		size_t n = (size_t)st.st_size;
		uint8_t *p = malloc(n ? n : 1);
		size_t got = 0;
		while (p && got < n) {
			ssize_t r = read(fd, p + got, n - got);
			if (r <= 0)
				break;
			got += (size_t)r;
		}
		close(fd);
		if (!p)
			continue;
		bl[nb].p = p;
		bl[nb].n = got;
		total += got;
		nb++;
	}
	close(root);
	rp_scan_file s;
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	volatile size_t sink = 0;
	uint64_t windows = 0;
	/* best of `rounds`: the machine may be shared, the minimum is the cost */
	double scan_s = 1e30, ch_s = 1e30;
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();
		for (size_t i = 0; i < nb; i++) {
			rp_scan_file_begin(&s, (const uint8_t *)"x", 1, bl[i].n);
			for (size_t off = 0; off < bl[i].n; off += 1u << 20) {
				size_t k = bl[i].n - off < (1u << 20) ? bl[i].n - off : 1u << 20;
				rp_scan_file_update(&s, bl[i].p + off, k);
			}
			sink += rp_scan_file_end(&s, rec);
			rp_scan_rec d;
			if (r == 0 && rp_scan_rec_decode(rec, RP_SCAN_RECORD_V1_BYTES, &d, NULL) == 0)
				windows += d.windows;
		}
		double dt = now_s() - t0;
		scan_s = dt < scan_s ? dt : scan_s;
	}
	rp_chunker ch;
	uint8_t seed[32] = {1};
	rp_chunker_init(&ch, CHUNK_MIN_BYTES, CHUNK_AVG_BYTES, CHUNK_MAX_BYTES, seed, NULL);
	for (int r = 0; r < rounds; r++) {
		double t0 = now_s();
		for (size_t i = 0; i < nb; i++) {
			size_t off = 0;
			while (off < bl[i].n) {
				size_t cut = rp_chunker_cut(&ch, bl[i].p + off, bl[i].n - off);
				uint8_t id[32];
				rp_sha256_once(bl[i].p + off, cut, id);
				sink += id[0];
				off += cut;
			}
		}
		double dt = now_s() - t0;
		ch_s = dt < ch_s ? dt : ch_s;
	}
	/* what a backup does to the same bytes: chunk, hash, compress, seal */
	double pipe_s = 1e30;
	ZSTD_CCtx *zc = ZSTD_createCCtx();
	rp_aead *aead = NULL;
	uint8_t *zbuf = malloc(ZSTD_compressBound(CHUNK_MAX_BYTES)), *sbuf = malloc(ZSTD_compressBound(CHUNK_MAX_BYTES) + RP_SEAL_OVERHEAD_MAX);
	uint8_t key[RP_KEY_BYTES] = {7};
	if (!zc || !zbuf || !sbuf || rp_aead_new(&aead, e)) {
		rc = rc ? rc : rp_err_set(e, RP_ENOMEM, "out of memory");
		goto pipe_out;
	}
	for (int r = 0; r < (rounds < 3 ? rounds : 3); r++) {
		double t0 = now_s();
		for (size_t i = 0; i < nb; i++) {
			size_t off = 0;
			while (off < bl[i].n) {
				size_t cut = rp_chunker_cut(&ch, bl[i].p + off, bl[i].n - off);
				uint8_t id[32];
				rp_sha256_once(bl[i].p + off, cut, id);
				size_t zn = ZSTD_compressCCtx(zc, zbuf, ZSTD_compressBound(CHUNK_MAX_BYTES), bl[i].p + off, cut, 3);
				const uint8_t *pt = bl[i].p + off;
				size_t ptn = cut;
				if (!ZSTD_isError(zn) && zn < cut)
					pt = zbuf, ptn = zn;
				size_t sn;
				rp_seal(aead, RP_AEAD_AES256GCM, key, id, sizeof id, pt, ptn, sbuf, &sn, NULL);
				sink += sbuf[0];
				off += cut;
			}
		}
		double dt = now_s() - t0;
		pipe_s = dt < pipe_s ? dt : pipe_s;
	}
pipe_out:
	rp_aead_free(aead);
	ZSTD_freeCCtx(zc);
	free(zbuf);
	free(sbuf);
	if (rc)
		goto out;
	double mb = (double)total / 1e6;
	printf("files=%zu bytes=%zu\n", nb, total);
	printf("scan: %.0f MB/s (best of %d rounds: %.3f s), about %.1f%% of the bytes analysed\n", mb / scan_s, rounds,
	       scan_s, total ? 100.0 * (double)windows * RP_SCAN_WINDOW_BYTES / (double)total : 0.0);
	printf("chunk+sha256: %.0f MB/s (%.3f s)\n", mb / ch_s, ch_s);
	printf("scan cost vs chunk+sha256: %.1f%%\n", 100.0 * scan_s / ch_s);
	printf("backup pipeline proxy (chunk, sha256, zstd -3, aes-256-gcm): %.0f MB/s (%.3f s)\n", mb / pipe_s, pipe_s);
	printf("scan cost vs that pipeline: %.1f%%\n", 100.0 * scan_s / pipe_s);
	(void)sink;
out:
	for (size_t i = 0; i < nb; i++)
		free(bl[i].p);
	free(bl);
	tree_free(&t);
	return rc;
}

/* Prints the decoded record of each file (for tuning and bug reports). */
static int show(char **files, int n, rp_err *e)
{
	rp_scan_file *s = malloc(sizeof *s);
	uint8_t *buf = malloc(READ_BUF_BYTES);
	int rc = 0;
	if (!s || !buf) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto out;
	}
	for (int i = 0; i < n; i++) {
		int fd = open(files[i], O_RDONLY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st)) {
			rc = rp_err_errno(e, errno, "open %s", files[i]);
			if (fd >= 0)
				close(fd);
			goto out;
		}
		rp_scan_file_begin(s, (const uint8_t *)files[i], strlen(files[i]), (uint64_t)st.st_size);
		ssize_t r;
		while ((r = read(fd, buf, READ_BUF_BYTES)) > 0)
			rp_scan_file_update(s, buf, (size_t)r);
		close(fd);
		uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
		size_t len = rp_scan_file_end(s, rec);
		rp_scan_rec d;
		if ((rc = rp_scan_rec_decode(rec, len, &d, e)))
			goto out;
		printf("%s: type=%s flags=%#x first=%u tail=%u size=%llu windows=%u noise=%u encoded=%u text=%u "
		       "head=%u/%u/%u/%u entropy=%.3f chi2=%u control=%u high=%u top=%02x,%02x,%02x,%02x top1=%u "
		       "top4=%u\n",
		       files[i], rp_scan_type_name(d.type), d.flags, d.first_class, d.tail_class,
		       (unsigned long long)d.size, d.windows, d.noise, d.encoded, d.text, d.head_windows, d.head_noise,
		       d.head_encoded, d.head_text, d.entropy_x4096 / 4096.0, d.chi2, d.control_x255, d.high_x255,
		       d.top[0], d.top[1], d.top[2], d.top[3], d.top1_x255, d.top4_x255);
	}
out:
	free(buf);
	free(s);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: scan-eval [-j JUDGEMENTS] [--deletions-first] OLD_DIR NEW_DIR\n"
			"       scan-eval --bench [-r ROUNDS] DIR\n"
			"       scan-eval --show FILE...\n");
}

int main(int argc, char **argv)
{
	rp_err e;
	rp_err_clear(&e);
	const char *jpath = NULL;
	int bench_mode = 0, rounds = 3, del_first = 0, show_mode = 0;
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-j") && i + 1 < argc)
			jpath = argv[++i];
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--bench"))
			bench_mode = 1;
		else if (!strcmp(argv[i], "--show"))
			show_mode = 1;
		else if (!strcmp(argv[i], "--deletions-first"))
			del_first = 1;
		else {
			usage();
			return 2;
		}
	}
	if (rp_crypto_init(&e)) {
		fprintf(stderr, "scan-eval: %s\n", e.msg);
		return 1;
	}
	int rc;
	if (show_mode) {
		rc = show(argv + i, argc - i, &e);
	} else if (bench_mode) {
		if (argc - i != 1 || rounds < 1) {
			usage();
			return 2;
		}
		rc = bench(argv[i], rounds, &e);
	} else {
		if (argc - i != 2) {
			usage();
			return 2;
		}
		rc = evaluate(argv[i], argv[i + 1], jpath, del_first, &e);
		if (rc >= 0)
			return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "scan-eval: %s\n", e.msg);
		return 1;
	}
	return 0;
}
