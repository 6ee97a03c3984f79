/* pipeline-bench.c - single-threaded throughput of each stage of the backup
 * pipeline, on file contents already in memory.
 *
 *   build/pipeline-bench [-m MIB] [-c MIN,AVG,MAX] [-z LEVEL] [-r ROUNDS] DIR...
 *
 * The regular files under DIR are split into two sets by a zstd -1 test on
 * samples of each file: compressible (text, SQL, logs, zero-filled images)
 * and incompressible (media, office binaries, encrypted).  Up to MIB MiB of
 * each set (default 1024) is read into memory first, in a pseudo-random but
 * fixed order of paths so the sample mixes every kind of file.  Then each
 * stage runs alone over the whole set, on one thread:
 *
 *   chunk         rp_chunker_cut with the repository's default sizes
 *   id-hmac       rp_id_compute (HMAC-SHA-256, the format's chunk ids)
 *   id-blake2b    libsodium crypto_generichash with a key (the alternative)
 *   zstd          rp_zstd_compress at the repository's default level
 *   seal-aesgcm   rp_blob_seal, compression off, AES-256-GCM
 *   seal-xchacha  rp_blob_seal, compression off, XChaCha20-Poly1305
 *   chain         chunk + id-hmac + rp_blob_seal(compress, preferred AEAD):
 *                 what one backup worker does per byte
 *   chain-blake2b the same chain with BLAKE2b ids instead
 *   open          rp_blob_open of the sealed chunks (decrypt + decompress):
 *                 what restore and check --read-data do per byte
 *
 * Output: one TSV row per set and stage (MB = 10^6 bytes of plaintext
 * input; MB/s from the thread's CPU time, which other processes on a busy
 * machine do not inflate, and from wall time).  The best of ROUNDS rounds
 * (default 1) is kept.
 */
#include "format/blob.h"
#include "format/chunker.h"
#include "format/config.h"
#include "format/crypto.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#define DEFAULT_BUDGET_MIB 1024u
#define SAMPLE_BYTES (128u << 10)
#define SAMPLES_PER_FILE 4u
/* A file is compressible when zstd -1 shrinks its samples below this. */
#define COMPRESSIBLE_RATIO 0.90
#define TARGET_CHAIN_MB_PER_S 300.0

typedef struct file_ent {
	char *path;
	uint64_t size;
	uint64_t order; /* hash of the path: the order files are taken in */
} file_ent;

typedef struct file_list {
	file_ent *v;
	size_t n, cap;
} file_list;

typedef struct data_set {
	const char *name;
	uint8_t **bufs;
	size_t *lens;
	size_t n, cap;
	uint64_t bytes, budget;
	/* chunk boundaries, found by the chunk stage and used by the others */
	const uint8_t **cp;
	uint32_t *cn;
	size_t n_chunks, cap_chunks;
} data_set;

typedef struct bench {
	rp_chunker chunker;
	rp_config cfg;
	rp_idkey *idkey;
	rp_hasher *hasher;
	rp_blob_codec *codec;
	rp_blob_codec *opener;
	uint8_t id_key[RP_KEY_BYTES];
	uint8_t data_key[RP_KEY_BYTES];
	unsigned rounds;
} bench;

typedef struct stage_time {
	double wall_s, cpu_s;
	uint64_t out_bytes; /* stage specific: compressed or sealed bytes */
} stage_time;

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ull;
	return h;
}

static int list_add(file_list *l, const char *path, uint64_t size)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 1024;
		file_ent *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return RP_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	char *p = strdup(path);
	if (!p)
		return RP_ENOMEM;
	l->v[l->n++] = (file_ent){p, size, fnv1a(path)};
	return 0;
}

/* Collects the regular files below dir (symlinks are not followed). */
static int walk(file_list *l, const char *dir, rp_err *e)
{
	DIR *d = opendir(dir);
	if (!d)
		return rp_err_errno(e, errno, "cannot open folder %s", dir);
	int rc = 0;
	struct dirent *de;
	size_t dl = strlen(dir);
	char *p = NULL;
	while (!rc && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t nl = strlen(de->d_name);
		char *np = realloc(p, dl + nl + 2);
		if (!np) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
			break;
		}
		p = np;
		memcpy(p, dir, dl);
		p[dl] = '/';
		memcpy(p + dl + 1, de->d_name, nl + 1);
		struct stat st;
		if (lstat(p, &st))
			continue; /* vanished: the corpus scripts may run beside us */
		if (S_ISDIR(st.st_mode))
			rc = walk(l, p, e);
		else if (S_ISREG(st.st_mode) && st.st_size > 0 && list_add(l, p, (uint64_t)st.st_size))
			rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	free(p);
	closedir(d);
	return rc;
}

static int cmp_order(const void *a, const void *b)
{
	const file_ent *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->path, y->path);
}

static int read_at(int fd, uint8_t *p, size_t n, uint64_t off, size_t *got)
{
	*got = 0;
	while (*got < n) {
		ssize_t r = pread(fd, p + *got, n - *got, (off_t)(off + *got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		*got += (size_t)r;
	}
	return 0;
}

/* 1 when zstd -1 shrinks SAMPLES_PER_FILE samples of the file enough. */
static int is_compressible(int fd, uint64_t size, uint8_t *sample, uint8_t *zbuf, size_t zcap)
{
	uint64_t in = 0, out = 0;
	for (unsigned i = 0; i < SAMPLES_PER_FILE; i++) {
		uint64_t off = size > SAMPLE_BYTES ? (size - SAMPLE_BYTES) / (SAMPLES_PER_FILE - 1) * i : 0;
		size_t got;
		if (read_at(fd, sample, SAMPLE_BYTES, off, &got) || got == 0)
			break;
		size_t z = ZSTD_compress(zbuf, zcap, sample, got, 1);
		if (ZSTD_isError(z))
			return 0;
		in += got;
		out += z;
		if (size <= SAMPLE_BYTES)
			break;
	}
	return in > 0 && (double)out < (double)in * COMPRESSIBLE_RATIO;
}

static int set_add(data_set *s, uint8_t *buf, size_t n)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		uint8_t **b = realloc(s->bufs, cap * sizeof *b);
		if (!b)
			return RP_ENOMEM;
		s->bufs = b;
		size_t *l = realloc(s->lens, cap * sizeof *l);
		if (!l)
			return RP_ENOMEM;
		s->lens = l;
		s->cap = cap;
	}
	s->bufs[s->n] = buf;
	s->lens[s->n++] = n;
	s->bytes += n;
	return 0;
}

static void set_free(data_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->bufs[i]);
	free(s->bufs);
	free(s->lens);
	free(s->cp);
	free(s->cn);
}

/* Reads files into the set their content belongs to, until both are full. */
static int load_sets(file_list *l, data_set *comp, data_set *incomp, rp_err *e)
{
	int rc = 0;
	size_t zcap = ZSTD_compressBound(SAMPLE_BYTES);
	uint8_t *sample = malloc(SAMPLE_BYTES), *zbuf = malloc(zcap);
	if (!sample || !zbuf) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto fail;
	}
	qsort(l->v, l->n, sizeof *l->v, cmp_order);
	for (size_t i = 0; i < l->n && (comp->bytes < comp->budget || incomp->bytes < incomp->budget); i++) {
		file_ent *f = &l->v[i];
		int fd = open(f->path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		data_set *s = is_compressible(fd, f->size, sample, zbuf, zcap) ? comp : incomp;
		if (s->bytes + f->size > s->budget || f->size > SIZE_MAX) {
			close(fd);
			continue;
		}
		uint8_t *buf = malloc((size_t)f->size);
		size_t got = 0;
		if (!buf || read_at(fd, buf, (size_t)f->size, 0, &got)) {
			free(buf);
			close(fd);
			if (!buf) {
				rc = rp_err_set(e, RP_ENOMEM, "out of memory reading %s", f->path);
				goto fail;
			}
			continue;
		}
		close(fd);
		if (got == 0 || set_add(s, buf, got)) {
			free(buf);
			if (got) {
				rc = rp_err_set(e, RP_ENOMEM, "out of memory");
				goto fail;
			}
		}
	}
fail:
	free(sample);
	free(zbuf);
	return rc;
}

static int chunks_push(data_set *s, const uint8_t *p, size_t n)
{
	if (s->n_chunks == s->cap_chunks) {
		size_t cap = s->cap_chunks ? s->cap_chunks * 2 : 4096;
		const uint8_t **cp = realloc(s->cp, cap * sizeof *cp);
		if (!cp)
			return RP_ENOMEM;
		s->cp = cp;
		uint32_t *cn = realloc(s->cn, cap * sizeof *cn);
		if (!cn)
			return RP_ENOMEM;
		s->cn = cn;
		s->cap_chunks = cap;
	}
	s->cp[s->n_chunks] = p;
	s->cn[s->n_chunks++] = (uint32_t)n;
	return 0;
}

typedef enum {
	ST_CHUNK,
	ST_HMAC,
	ST_BLAKE2B,
	ST_ZSTD,
	ST_SEAL_GCM,
	ST_SEAL_XCHACHA,
	ST_CHAIN,
	ST_CHAIN_BLAKE2B,
	ST_OPEN,
	ST_COUNT
} stage_kind;

static const char *const stage_names[ST_COUNT] = {
	"chunk", "id-hmac", "id-blake2b", "zstd", "seal-aesgcm", "seal-xchacha", "chain", "chain-blake2b", "open",
};

static int blake2b_id(const bench *b, const uint8_t *p, size_t n, rp_id *id)
{
	return crypto_generichash(id->b, RP_ID_BYTES, p, n, b->id_key, RP_KEY_BYTES) ? RP_EIO : 0;
}

/* One pass of a stage over the set.  Only the open stage times itself
 * per chunk (its input, the sealed blob, is made untimed first). */
static int run_stage(bench *b, data_set *s, stage_kind k, stage_time *t, rp_err *e)
{
	rp_buf zdst = {0};
	int rc = 0;
	double w0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	double open_wall = 0, open_cpu = 0;
	t->out_bytes = 0;
	if (k == ST_CHUNK || k == ST_CHAIN || k == ST_CHAIN_BLAKE2B) {
		if (k == ST_CHUNK)
			s->n_chunks = 0;
		for (size_t f = 0; f < s->n && !rc; f++) {
			const uint8_t *p = s->bufs[f];
			size_t left = s->lens[f];
			while (left && !rc) {
				size_t cut = rp_chunker_cut(&b->chunker, p, left);
				if (k == ST_CHUNK) {
					if (chunks_push(s, p, cut))
						rc = rp_err_set(e, RP_ENOMEM, "out of memory");
				} else {
					rp_id id;
					const uint8_t *out;
					size_t out_len = 0;
					uint8_t flags;
					rc = k == ST_CHAIN ? rp_id_compute(b->idkey, b->hasher, p, cut, &id) : blake2b_id(b, p, cut, &id);
					if (rc)
						rc = rp_err_set(e, rc, "chunk id failed");
					else
						rc = rp_blob_seal(b->codec, b->cfg.aead, b->data_key, RP_BLOB_DATA, &id, p, cut, 1, &out,
								  &out_len, &flags, e);
					t->out_bytes += out_len;
				}
				p += cut;
				left -= cut;
			}
		}
	} else {
		for (size_t i = 0; i < s->n_chunks && !rc; i++) {
			const uint8_t *p = s->cp[i];
			size_t n = s->cn[i];
			rp_id id = {{0}};
			const uint8_t *out;
			size_t out_len = 0;
			uint8_t flags;
			memcpy(id.b, &i, sizeof i);
			switch (k) {
			case ST_HMAC:
				if (rp_id_compute(b->idkey, b->hasher, p, n, &id))
					rc = rp_err_set(e, RP_EIO, "HMAC failed");
				break;
			case ST_BLAKE2B:
				if (blake2b_id(b, p, n, &id))
					rc = rp_err_set(e, RP_EIO, "BLAKE2b failed");
				break;
			case ST_ZSTD:
				rp_buf_reset(&zdst);
				rc = rp_zstd_compress(b->codec, p, n, &zdst, e);
				t->out_bytes += zdst.len < n ? zdst.len : n;
				break;
			case ST_SEAL_GCM:
			case ST_SEAL_XCHACHA:
				rc = rp_blob_seal(b->codec, k == ST_SEAL_GCM ? RP_AEAD_AES256GCM : RP_AEAD_XCHACHA20, b->data_key,
						  RP_BLOB_DATA, &id, p, n, 0, &out, &out_len, &flags, e);
				t->out_bytes += out_len;
				break;
			case ST_OPEN: {
				rc = rp_blob_seal(b->codec, b->cfg.aead, b->data_key, RP_BLOB_DATA, &id, p, n, 1, &out, &out_len,
						  &flags, e);
				if (rc)
					break;
				const uint8_t *plain;
				double ow = clock_s(CLOCK_MONOTONIC), oc = clock_s(CLOCK_THREAD_CPUTIME_ID);
				rc = rp_blob_open(b->opener, b->data_key, RP_BLOB_DATA, &id, flags, (uint32_t)n, out, out_len,
						  &plain, e);
				open_cpu += clock_s(CLOCK_THREAD_CPUTIME_ID) - oc;
				open_wall += clock_s(CLOCK_MONOTONIC) - ow;
				if (!rc && memcmp(plain, p, n))
					rc = rp_err_set(e, RP_ECORRUPT, "chunk %zu did not round-trip", i);
				t->out_bytes += out_len;
				break;
			}
			default:
				break;
			}
		}
	}
	t->cpu_s = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	t->wall_s = clock_s(CLOCK_MONOTONIC) - w0;
	if (k == ST_OPEN) {
		t->cpu_s = open_cpu;
		t->wall_s = open_wall;
	}
	rp_buf_free(&zdst);
	return rc;
}

static void usage(void)
{
	fprintf(stderr, "usage: pipeline-bench [-m MIB] [-c MIN,AVG,MAX] [-z LEVEL] [-r ROUNDS] DIR...\n");
}

static double mbps(uint64_t bytes, double s)
{
	return s > 0 ? (double)bytes / 1e6 / s : 0;
}

static int bench_set(bench *b, data_set *s, rp_err *e)
{
	stage_time best[ST_COUNT];
	if (!s->bytes) {
		printf("# %s: no files\n", s->name);
		return 0;
	}
	for (int k = 0; k < ST_COUNT; k++) {
		best[k] = (stage_time){0};
		for (unsigned r = 0; r < b->rounds; r++) {
			stage_time t;
			int rc = run_stage(b, s, (stage_kind)k, &t, e);
			if (rc)
				return rc;
			if (r == 0 || t.cpu_s < best[k].cpu_s)
				best[k] = t;
		}
	}
	for (int k = 0; k < ST_COUNT; k++) {
		const stage_time *t = &best[k];
		printf("%s\t%s\t%llu\t%zu\t%.3f\t%.3f\t%.1f\t%.1f\t%.3f\t%.1f\n", s->name, stage_names[k],
		       (unsigned long long)s->bytes, s->n_chunks, t->cpu_s, t->wall_s, mbps(s->bytes, t->cpu_s),
		       mbps(s->bytes, t->wall_s), t->out_bytes ? (double)t->out_bytes / (double)s->bytes : 0.0,
		       best[ST_CHAIN].cpu_s > 0 ? 100.0 * t->cpu_s / best[ST_CHAIN].cpu_s : 0.0);
	}
	/* which separate stage costs most, among those the chain runs */
	stage_kind parts[] = {ST_CHUNK, ST_HMAC, ST_ZSTD, b->cfg.aead == RP_AEAD_AES256GCM ? ST_SEAL_GCM : ST_SEAL_XCHACHA};
	stage_kind slow = parts[0];
	for (size_t i = 1; i < sizeof parts / sizeof parts[0]; i++)
		if (best[parts[i]].cpu_s > best[slow].cpu_s)
			slow = parts[i];
	double chain = mbps(s->bytes, best[ST_CHAIN].cpu_s);
	printf("# %s: %zu files, %.1f MB, %zu chunks (avg %.1f KiB); chain %.1f MB/s per core (target %.0f: %s); "
	       "slowest stage %s at %.1f MB/s\n",
	       s->name, s->n, (double)s->bytes / 1e6, s->n_chunks,
	       s->n_chunks ? (double)s->bytes / (double)s->n_chunks / 1024.0 : 0.0, chain, TARGET_CHAIN_MB_PER_S,
	       chain >= TARGET_CHAIN_MB_PER_S ? "met" : "NOT met", stage_names[slow], mbps(s->bytes, best[slow].cpu_s));
	return 0;
}

int main(int argc, char **argv)
{
	rp_err e;
	rp_err_clear(&e);
	bench b = {.rounds = 1};
	file_list files = {0};
	data_set comp = {.name = "compressible", .budget = (uint64_t)DEFAULT_BUDGET_MIB << 20};
	data_set incomp = {.name = "incompressible", .budget = (uint64_t)DEFAULT_BUDGET_MIB << 20};
	unsigned cmin = 0, cavg = 0, cmax = 0;
	int level = -100, opt, rc = 1;
	while ((opt = getopt(argc, argv, "m:c:z:r:h")) != -1) {
		switch (opt) {
		case 'm':
			comp.budget = incomp.budget = strtoull(optarg, NULL, 10) << 20;
			break;
		case 'c':
			if (sscanf(optarg, "%u,%u,%u", &cmin, &cavg, &cmax) != 3) {
				usage();
				return 2;
			}
			break;
		case 'z':
			level = atoi(optarg);
			break;
		case 'r':
			b.rounds = (unsigned)atoi(optarg);
			if (!b.rounds)
				b.rounds = 1;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (optind >= argc) {
		usage();
		return 2;
	}
	uint8_t repo_id[32] = {0};
	if (rp_crypto_init(&e))
		goto fail;
	rp_config_default(&b.cfg, repo_id, 0);
	if (cavg) {
		b.cfg.chunk_min = cmin;
		b.cfg.chunk_avg = cavg;
		b.cfg.chunk_max = cmax;
	}
	if (level != -100)
		b.cfg.zstd_level = level;
	rp_random(b.id_key, sizeof b.id_key);
	rp_random(b.data_key, sizeof b.data_key);
	if (rp_chunker_init(&b.chunker, b.cfg.chunk_min, b.cfg.chunk_avg, b.cfg.chunk_max, b.cfg.chunker_seed, &e) ||
	    rp_idkey_new(&b.idkey, b.id_key, &e) || rp_hasher_new(&b.hasher, &e) ||
	    rp_blob_codec_new(&b.codec, b.cfg.zstd_level, &e) || rp_blob_codec_new(&b.opener, b.cfg.zstd_level, &e))
		goto fail;
	for (int i = optind; i < argc; i++)
		if (walk(&files, argv[i], &e))
			goto fail;
	if (load_sets(&files, &comp, &incomp, &e))
		goto fail;
	printf("# pipeline-bench: chunker %u/%u/%u bytes, zstd level %d, preferred AEAD %s, %u round(s), best kept\n",
	       b.cfg.chunk_min, b.cfg.chunk_avg, b.cfg.chunk_max, b.cfg.zstd_level,
	       b.cfg.aead == RP_AEAD_AES256GCM ? "AES-256-GCM" : "XChaCha20-Poly1305", b.rounds);
	printf("set\tstage\tbytes\tchunks\tcpu_s\twall_s\tmb_per_s_cpu\tmb_per_s_wall\tout_ratio\tpct_of_chain\n");
	fflush(stdout);
	if (bench_set(&b, &comp, &e) || bench_set(&b, &incomp, &e))
		goto fail;
	rc = 0;
fail:
	if (rc)
		fprintf(stderr, "pipeline-bench: %s\n", e.msg[0] ? e.msg : "failed");
	set_free(&comp);
	set_free(&incomp);
	for (size_t i = 0; i < files.n; i++)
		free(files.v[i].path);
	free(files.v);
	rp_blob_codec_free(b.codec);
	rp_blob_codec_free(b.opener);
	rp_hasher_free(b.hasher);
	rp_idkey_free(b.idkey);
	rp_wipe(b.id_key, sizeof b.id_key);
	rp_wipe(b.data_key, sizeof b.data_key);
	return rc;
}
