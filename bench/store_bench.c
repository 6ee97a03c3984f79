/* store_bench.c - throughput of a store backend, as the engine uses it:
 * packs streamed through writers by several threads, then read back whole
 * and by ranges.  Used by bench/server-bench.sh to compare rest: with a
 * local repository on the same disk.
 *
 *   store_bench WHERE FILES MIB_PER_FILE THREADS
 *
 * WHERE is a local path or rest:URL (token in REMPART_TOKEN).  Prints one
 * line per phase: "write|read|range MiB/s".
 */
#include "store/store.h"
#include "util/hex.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define WRITE_PIECE_BYTES (1u << 20)
#define RANGE_BYTES (512u << 10)

typedef struct job {
	rp_store *s;
	uint8_t *data; /* one file's bytes; file i differs in its first 8 bytes */
	size_t size;
	int files;
	char (*names)[128];
	int next; /* atomic */
	int phase;
	int failed;
} job;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void file_bytes(job *j, int i, uint8_t *buf)
{
	memcpy(buf, j->data, j->size);
	memcpy(buf, &i, sizeof i);
}

static void *worker(void *arg)
{
	job *j = arg;
	rp_err e;
	rp_buf b = {0};
	uint8_t *buf = malloc(j->size);
	for (;;) {
		int i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		if (i >= j->files || !buf)
			break;
		int rc = 0;
		if (j->phase == 0) {
			rp_store_writer *w;
			file_bytes(j, i, buf);
			rc = rp_store_writer_open(j->s, &w, &e);
			for (size_t off = 0; !rc && off < j->size; off += WRITE_PIECE_BYTES) {
				size_t n = j->size - off < WRITE_PIECE_BYTES ? j->size - off : WRITE_PIECE_BYTES;
				rc = rp_store_writer_write(w, buf + off, n, &e);
			}
			if (rc)
				rp_store_writer_abort(w);
			else
				rc = rp_store_writer_commit(w, j->names[i], &e);
		} else if (j->phase == 1) {
			rp_buf_reset(&b);
			rc = rp_store_get(j->s, j->names[i], 0, 0, &b, &e);
			if (!rc && b.len != j->size)
				rc = rp_err_set(&e, RP_ECORRUPT, "short read");
		} else {
			for (size_t off = 0; !rc && off + RANGE_BYTES <= j->size; off += RANGE_BYTES) {
				rp_buf_reset(&b);
				rc = rp_store_get(j->s, j->names[i], off, RANGE_BYTES, &b, &e);
			}
		}
		if (rc) {
			fprintf(stderr, "store_bench: %s\n", e.msg);
			j->failed = 1;
			break;
		}
	}
	rp_buf_free(&b);
	free(buf);
	return NULL;
}

static int run_phase(job *j, int phase, int threads, const char *label)
{
	pthread_t t[64];
	j->phase = phase;
	j->next = 0;
	double t0 = now();
	for (int i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, worker, j);
	for (int i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	if (phase == 0) {
		rp_err e;
		if (rp_store_sync(j->s, &e)) {
			fprintf(stderr, "store_bench: %s\n", e.msg);
			return 1;
		}
	}
	double secs = now() - t0;
	printf("%s %.0f\n", label, (double)j->size * j->files / (1 << 20) / secs);
	return j->failed;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: store_bench WHERE FILES MIB_PER_FILE THREADS\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	job j = {0};
	j.files = atoi(argv[2]);
	j.size = (size_t)atoi(argv[3]) << 20;
	int threads = atoi(argv[4]);
	if (j.files <= 0 || j.size == 0 || threads <= 0 || threads > 64)
		return 2;
	rp_err e;
	if (rp_store_open(&j.s, argv[1], NULL, &e) || rp_store_create(j.s, &e)) {
		fprintf(stderr, "store_bench: %s\n", e.msg);
		return 1;
	}
	j.data = malloc(j.size);
	j.names = calloc((size_t)j.files, sizeof *j.names);
	uint8_t *buf = malloc(j.size);
	uint64_t x = 88172645463325252ULL;
	for (size_t i = 0; i < j.size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		j.data[i] = (uint8_t)x;
	}
	for (int i = 0; i < j.files; i++) {
		uint8_t h[32];
		char hex[65];
		unsigned int hl = 32;
		file_bytes(&j, i, buf);
		EVP_Digest(buf, j.size, h, &hl, EVP_sha256(), NULL);
		rp_hex_encode(hex, h, 32);
		snprintf(j.names[i], 128, "data/%.2s/%s", hex, hex);
	}
	free(buf);
	int rc = run_phase(&j, 0, threads, "write") || run_phase(&j, 1, threads, "read") ||
		 run_phase(&j, 2, threads, "range");
	rp_store_close(j.s);
	free(j.data);
	free(j.names);
	return rc;
}
