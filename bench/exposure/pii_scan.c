/* pii_scan.c - scan a directory for personal data with the scan/ PII API
 * and print the exposure report (what `rempart exposure` does over a
 * snapshot, here over plain files).  Used by the exposure benchmark and
 * the tests.
 *
 *   pii-scan DIR [--format table|json|csv|html] [--jobs N] [--snapshot ID]
 *                [--max-files N] [--piece-bytes N] [--random-pieces SEED]
 *                [--preload [--repeat N]] [--stats]
 *   pii-scan --validate    lines "KIND VALUE" on stdin -> "1" or "0" each
 *                          (KIND: nir nir-plausible iban luhn card siren siret)
 *
 * --random-pieces feeds each file in pieces of random sizes (1 byte up to
 * --piece-bytes) to exercise identifiers split across pieces; --preload
 * reads every file first so that --stats times the scanning alone, and
 * --repeat scans the preloaded files N times (the report then counts each
 * file N times) so that small corpora give stable speeds.
 * Exit status: 0, 1 on a fatal error, 3 when some files could not be read.
 */
#include "scan/pii.h"
#include "scan/pii_report.h"
#include "scan/pii_validate.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_PIECE_BYTES ((size_t)256 << 10)

typedef struct file_ent {
	char *rel;      /* path relative to the root */
	uint8_t *data;  /* --preload */
	size_t size;
} file_ent;

typedef struct job {
	const char *root;
	file_ent *files;
	size_t nfiles;
	size_t next;
	size_t repeat;
	pthread_mutex_t lock;
	rp_pii_distinct *distinct;
	rp_pii_report *report;
	size_t piece_bytes;
	int random_pieces;
	uint32_t seed;
	int unreadable;
	int failed;
	rp_err err;
	uint64_t bytes;
} job;

static int add_file(file_ent **v, size_t *n, size_t *cap, const char *rel)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 1024;
		file_ent *t = realloc(*v, c * sizeof *t);
		if (!t)
			return -1;
		*v = t;
		*cap = c;
	}
	file_ent *f = &(*v)[(*n)++];
	memset(f, 0, sizeof *f);
	f->rel = strdup(rel);
	return f->rel ? 0 : -1;
}

/* Collects regular files under root/rel (symbolic links are not followed). */
static int walk(const char *root, const char *rel, file_ent **v, size_t *n, size_t *cap)
{
	char path[4096];
	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(path);
	if (!d) {
		fprintf(stderr, "pii-scan: %s: %s\n", path, strerror(errno));
		return 1;
	}
	int bad = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char sub[4096];
		int k = snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
		if (k < 0 || (size_t)k >= sizeof sub) {
			bad = 1;
			continue;
		}
		char full[8192];
		snprintf(full, sizeof full, "%s/%s", root, sub);
		struct stat st;
		if (lstat(full, &st)) {
			bad = 1;
			continue;
		}
		if (S_ISDIR(st.st_mode))
			bad |= walk(root, sub, v, n, cap);
		else if (S_ISREG(st.st_mode) && add_file(v, n, cap, sub))
			bad = 1;
	}
	closedir(d);
	return bad;
}

static int by_rel(const void *a, const void *b)
{
	return strcmp(((const file_ent *)a)->rel, ((const file_ent *)b)->rel);
}

static int read_all(const char *path, uint8_t **out, size_t *n)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	struct stat st;
	if (fstat(fd, &st)) {
		close(fd);
		return -1;
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	uint8_t *p = malloc(cap);
	if (!p) {
		close(fd);
		return -1;
	}
	for (;;) {
		if (len == cap) {
			uint8_t *t = realloc(p, cap * 2);
			if (!t)
				break;
			p = t;
			cap *= 2;
		}
		ssize_t k = read(fd, p + len, cap - len);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			close(fd);
			return -1;
		}
		if (k == 0)
			break;
		len += (size_t)k;
	}
	close(fd);
	*out = p;
	*n = len;
	return 0;
}

static uint32_t next_rand(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Feeds p[0..n) to the scanner in pieces. */
static int feed(job *j, rp_pii_scanner *s, const uint8_t *p, size_t n, uint32_t *rnd, rp_err *e)
{
	while (n) {
		size_t k = j->piece_bytes;
		if (j->random_pieces)
			k = 1 + next_rand(rnd) % j->piece_bytes;
		if (k > n)
			k = n;
		int rc = rp_pii_file_update(s, p, k, e);
		if (rc)
			return rc;
		p += k;
		n -= k;
	}
	return 0;
}

static int scan_one(job *j, rp_pii_scanner *s, file_ent *f, uint8_t *buf, uint32_t *rnd,
		    uint64_t *bytes, rp_err *e)
{
	rp_pii_counts c;
	const uint8_t *rel = (const uint8_t *)f->rel;
	size_t rel_len = strlen(f->rel);
	int rc;
	if (f->data) {
		if ((rc = rp_pii_file_begin(s, rel, rel_len, f->size, e)) ||
		    (rc = feed(j, s, f->data, f->size, rnd, e)) || (rc = rp_pii_file_end(s, &c, e)))
			return rc;
	} else {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", j->root, f->rel);
		int fd = open(path, O_RDONLY);
		struct stat st;
		if (fd < 0 || fstat(fd, &st)) {
			fprintf(stderr, "pii-scan: %s: %s\n", path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return 1;
		}
		if ((rc = rp_pii_file_begin(s, rel, rel_len, (uint64_t)st.st_size, e))) {
			close(fd);
			return rc;
		}
		for (;;) {
			ssize_t k = read(fd, buf, DEFAULT_PIECE_BYTES);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				fprintf(stderr, "pii-scan: %s: %s\n", path, strerror(errno));
				close(fd);
				rp_pii_file_end(s, &c, e);
				return 1;
			}
			if (k == 0)
				break;
			if ((rc = feed(j, s, buf, (size_t)k, rnd, e))) {
				close(fd);
				return rc;
			}
		}
		close(fd);
		if ((rc = rp_pii_file_end(s, &c, e)))
			return rc;
	}
	*bytes += c.bytes;
	return rp_pii_report_add(j->report, rel, rel_len, &c, e);
}

static void *worker(void *arg)
{
	job *j = arg;
	rp_err e;
	rp_err_clear(&e);
	rp_pii_scanner *s = NULL;
	uint8_t *buf = malloc(DEFAULT_PIECE_BYTES);
	uint64_t bytes = 0;
	int rc = buf ? rp_pii_scanner_new(&s, j->distinct, &e) : RP_ENOMEM;
	while (!rc) {
		pthread_mutex_lock(&j->lock);
		size_t todo = j->nfiles * j->repeat;
		size_t i = j->failed ? todo : j->next;
		if (i < todo)
			j->next++;
		pthread_mutex_unlock(&j->lock);
		if (i >= todo)
			break;
		i %= j->nfiles;
		/* pieces depend on the file, not on which thread reads it */
		uint32_t rnd = (j->seed ^ (uint32_t)(i * 2654435761u)) | 1;
		rc = scan_one(j, s, &j->files[i], buf, &rnd, &bytes, &e);
		if (rc == 1) {
			pthread_mutex_lock(&j->lock);
			j->unreadable = 1;
			pthread_mutex_unlock(&j->lock);
			rc = 0;
		}
	}
	pthread_mutex_lock(&j->lock);
	j->bytes += bytes;
	if (rc && !j->failed) {
		j->failed = rc;
		j->err = e;
	}
	pthread_mutex_unlock(&j->lock);
	rp_pii_scanner_free(s);
	free(buf);
	return NULL;
}

static int validate_lines(void)
{
	char line[512];
	while (fgets(line, sizeof line, stdin)) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		char *sp = strchr(line, ' ');
		if (!sp) {
			fprintf(stderr, "pii-scan: --validate: expected \"KIND VALUE\", got \"%s\"\n", line);
			return 1;
		}
		*sp = 0;
		const char *v = sp + 1;
		size_t n = strlen(v);
		int ok;
		if (!strcmp(line, "nir"))
			ok = rp_pii_nir_valid(v, n);
		else if (!strcmp(line, "nir-plausible"))
			ok = rp_pii_nir_plausible(v, n);
		else if (!strcmp(line, "iban"))
			ok = rp_pii_iban_valid(v, n);
		else if (!strcmp(line, "luhn"))
			ok = rp_pii_luhn_valid(v, n);
		else if (!strcmp(line, "card"))
			ok = rp_pii_card_valid(v, n);
		else if (!strcmp(line, "siren"))
			ok = rp_pii_siren_valid(v, n);
		else if (!strcmp(line, "siret"))
			ok = rp_pii_siret_valid(v, n);
		else {
			fprintf(stderr, "pii-scan: --validate: unknown kind \"%s\"\n", line);
			return 1;
		}
		putchar(ok ? '1' : '0');
		putchar('\n');
	}
	return 0;
}

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static int usage(void)
{
	fprintf(stderr, "usage: pii-scan DIR [--format table|json|csv|html] [--jobs N] [--snapshot ID]\n"
			"                [--max-files N] [--piece-bytes N] [--random-pieces SEED]\n"
			"                [--preload [--repeat N]] [--stats]\n"
			"       pii-scan --validate < lines\n");
	return 2;
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *snapshot = NULL;
	int format = RP_PII_OUT_TABLE, jobs = 1, stats = 0, preload = 0;
	size_t max_files = 0;
	job j;
	memset(&j, 0, sizeof j);
	j.piece_bytes = DEFAULT_PIECE_BYTES;
	j.repeat = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--validate"))
			return validate_lines();
		if (!strcmp(a, "--stats")) {
			stats = 1;
		} else if (!strcmp(a, "--preload")) {
			preload = 1;
		} else if (a[0] == '-' && a[1] == '-' && !val) {
			return usage();
		} else if (!strcmp(a, "--format")) {
			format = rp_pii_report_format(val);
			if (format < 0)
				return usage();
			i++;
		} else if (!strcmp(a, "--jobs")) {
			jobs = atoi(val);
			i++;
		} else if (!strcmp(a, "--repeat")) {
			j.repeat = strtoull(val, NULL, 10);
			i++;
		} else if (!strcmp(a, "--snapshot")) {
			snapshot = val;
			i++;
		} else if (!strcmp(a, "--max-files")) {
			max_files = strtoull(val, NULL, 10);
			if (!max_files)
				max_files = SIZE_MAX;
			i++;
		} else if (!strcmp(a, "--piece-bytes")) {
			j.piece_bytes = strtoull(val, NULL, 10);
			i++;
		} else if (!strcmp(a, "--random-pieces")) {
			j.random_pieces = 1;
			j.seed = (uint32_t)strtoul(val, NULL, 10);
			i++;
		} else if (a[0] == '-') {
			return usage();
		} else {
			dir = a;
		}
	}
	if (!dir || jobs < 1 || jobs > 256 || j.piece_bytes == 0 || j.repeat < 1 ||
	    (j.repeat > 1 && !preload))
		return usage();
	if (sodium_init() < 0) {
		fprintf(stderr, "pii-scan: libsodium failed to initialise\n");
		return 1;
	}
	int status = 0;
	size_t cap = 0;
	int unreadable = walk(dir, "", &j.files, &j.nfiles, &cap);
	qsort(j.files, j.nfiles, sizeof *j.files, by_rel);
	pthread_mutex_init(&j.lock, NULL);
	for (size_t i = 0; preload && i < j.nfiles; i++) {
		char path[8192];
		snprintf(path, sizeof path, "%s/%s", dir, j.files[i].rel);
		if (read_all(path, &j.files[i].data, &j.files[i].size)) {
			fprintf(stderr, "pii-scan: %s: %s\n", path, strerror(errno));
			status = 1;
			goto out;
		}
	}
	/* a fresh key per run: distinct counts need it only in memory */
	uint8_t key[32];
	randombytes_buf(key, sizeof key);
	rp_err e;
	rp_err_clear(&e);
	int rc = rp_pii_distinct_new(&j.distinct, key, &e);
	sodium_memzero(key, sizeof key);
	if (!rc)
		rc = rp_pii_report_new(&j.report, max_files, 0, &e);
	if (rc) {
		fprintf(stderr, "pii-scan: %s\n", e.msg);
		status = 1;
		goto out;
	}
	j.root = dir;
	double t0 = now_seconds(), c0 = cpu_seconds();
	pthread_t th[256];
	int started = 0;
	for (int i = 0; i < jobs; i++) {
		if (pthread_create(&th[i], NULL, worker, &j))
			break;
		started++;
	}
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	double wall = now_seconds() - t0, cpu = cpu_seconds() - c0;
	if (!started || j.failed) {
		fprintf(stderr, "pii-scan: %s\n", started ? j.err.msg : "cannot start threads");
		status = 1;
	} else {
		rp_buf out = {0};
		if (rp_pii_report_write(j.report, j.distinct, snapshot, format, &out, &e)) {
			fprintf(stderr, "pii-scan: %s\n", e.msg);
			status = 1;
		} else if (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)) {
			fprintf(stderr, "pii-scan: writing the report: %s\n", strerror(errno));
			status = 1;
		}
		rp_buf_free(&out);
		if (!status && (unreadable || j.unreadable))
			status = 3;
	}
	if (stats)
		fprintf(stderr,
			"pii-scan: %zu files, %llu bytes, %d thread(s): %.3f s wall, %.3f s cpu, "
			"%.1f MB/s wall, %.1f MB/s per core\n",
			j.nfiles * j.repeat, (unsigned long long)j.bytes, jobs, wall, cpu,
			wall > 0 ? (double)j.bytes / wall / 1e6 : 0,
			cpu > 0 ? (double)j.bytes / cpu / 1e6 : 0);
out:
	for (size_t i = 0; i < j.nfiles; i++) {
		free(j.files[i].rel);
		free(j.files[i].data);
	}
	free(j.files);
	rp_pii_report_free(j.report);
	rp_pii_distinct_free(j.distinct);
	pthread_mutex_destroy(&j.lock);
	return status;
}
