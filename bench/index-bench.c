/* index-bench.c - RAM per chunk and lookup rate of the engine's in-memory
 * index (src/engine/index.h) filled with a synthetic repository.
 *
 *   build/index-bench [-n CHUNKS] [-p PER_PACK] [-l LOOKUPS] [-t THREADS]
 *
 * Writes CHUNKS (default 100 million) pseudo-random chunk ids, PER_PACK
 * (default 512, a 32 MiB pack of 64 KiB chunks) per pack, into an index
 * cache file (the form in which the engine holds a repository's index:
 * rp_index_cache_*), opens it as the frozen index (rp_index_open_cache),
 * then times LOOKUPS (default 4 million) rp_index_lookup calls for ids that
 * are present (hits) and absent (misses), on one thread and on THREADS
 * threads at once (default: the number of CPUs).
 *
 * RAM per chunk is the growth of the resident set (/proc/self/statm) once
 * the index is open, divided by CHUNKS; and again after the lookups, since
 * every hit brings the page of its full entry in from the mapped file.
 * Ids are made from a counter: the first 8 bytes grow with it (the cache
 * must be written in id order) and the rest come from a mixing function.
 *
 * Targets (issue 3): <= 16 bytes per chunk, >= 5 million lookups/s/core.
 */
#include "engine/index.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CHUNKS 100000000ull
#define DEFAULT_PER_PACK 512u
#define DEFAULT_LOOKUPS 4000000ull
#define MAX_THREADS 64
#define AVG_CHUNK_BYTES (64u << 10)
#define TARGET_BYTES_PER_CHUNK 16.0
#define TARGET_LOOKUPS_PER_S_PER_CORE 5e6
/* The id streams of present chunks, absent chunks and packs never meet. */
#define DOMAIN_PRESENT 0x0000000000000000ull
#define DOMAIN_ABSENT 0x4000000000000000ull
#define DOMAIN_PACK 0x8000000000000000ull

static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* The i-th id of a domain: 32 bytes that look like an HMAC output. */
static void make_id(uint64_t domain, uint64_t i, rp_id *id)
{
	for (unsigned w = 0; w < 4; w++) {
		uint64_t v = mix64((i * 4 + w) ^ domain);
		memcpy(id->b + 8 * w, &v, 8);
	}
}

/* The i-th of n present ids, in increasing order: a jittered position in
 * the 64-bit prefix space, big-endian, then mixed bytes. */
static void make_sorted_id(uint64_t i, uint64_t n, rp_id *id)
{
	uint64_t step = UINT64_MAX / n, k = i * step + mix64(i) % step;
	for (int b = 0; b < 8; b++)
		id->b[b] = (uint8_t)(k >> (56 - 8 * b));
	for (unsigned w = 1; w < 4; w++) {
		uint64_t v = mix64((i * 4 + w) ^ DOMAIN_PRESENT);
		memcpy(id->b + 8 * w, &v, 8);
	}
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rss_bytes(void)
{
	unsigned long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

static uint64_t peak_rss_bytes(void)
{
	char line[256];
	unsigned long long kb = 0;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

typedef struct lookup_job {
	rp_index *x;
	const rp_id *ids;
	size_t n;
	size_t found;
} lookup_job;

static void *lookup_thread(void *arg)
{
	lookup_job *j = arg;
	rp_blob_loc loc;
	for (size_t i = 0; i < j->n; i++)
		j->found += (size_t)rp_index_lookup(j->x, &j->ids[i], &loc);
	return NULL;
}

/* Lookups per second of ids[0..n) spread over threads; *found gets the hits. */
static double time_lookups(rp_index *x, const rp_id *ids, size_t n, int threads, size_t *found)
{
	lookup_job jobs[MAX_THREADS];
	pthread_t tid[MAX_THREADS];
	size_t per = n / (size_t)threads;
	int started = 0;
	double t0 = now_s();
	for (int t = 0; t < threads; t++) {
		jobs[t] = (lookup_job){x, ids + (size_t)t * per, t == threads - 1 ? n - (size_t)t * per : per, 0};
		if (threads == 1) {
			lookup_thread(&jobs[t]);
			started = 1;
		} else if (pthread_create(&tid[t], NULL, lookup_thread, &jobs[t]) == 0) {
			started = t + 1;
		} else {
			break;
		}
	}
	for (int t = 0; threads > 1 && t < started; t++)
		pthread_join(tid[t], NULL);
	double s = now_s() - t0;
	*found = 0;
	size_t done = 0;
	for (int t = 0; t < started; t++) {
		*found += jobs[t].found;
		done += jobs[t].n;
	}
	return s > 0 ? (double)done / s : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: index-bench [-n CHUNKS] [-p PER_PACK] [-l LOOKUPS] [-t THREADS]\n");
}

int main(int argc, char **argv)
{
	unsigned long long n = DEFAULT_CHUNKS, lookups = DEFAULT_LOOKUPS;
	unsigned per_pack = DEFAULT_PER_PACK;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = ncpu < 1 ? 1 : ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
	int opt, rc = 1;
	while ((opt = getopt(argc, argv, "n:p:l:t:h")) != -1) {
		switch (opt) {
		case 'n': n = strtoull(optarg, NULL, 10); break;
		case 'p': per_pack = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'l': lookups = strtoull(optarg, NULL, 10); break;
		case 't': threads = atoi(optarg); break;
		default: usage(); return 2;
		}
	}
	if (!n || !per_pack || !lookups || threads < 1 || threads > MAX_THREADS) {
		usage();
		return 2;
	}
	rp_err e;
	rp_err_clear(&e);
	rp_index *x = NULL;
	rp_id *pack_ids = NULL;
	uint8_t(*ephs)[32] = NULL;
	char path[4096] = "";
	rp_pack_entry *ents = calloc(per_pack, sizeof *ents);
	rp_id *hits = malloc(lookups * sizeof *hits), *misses = malloc(lookups * sizeof *misses);
	if (!ents || !hits || !misses) {
		fprintf(stderr, "index-bench: out of memory\n");
		goto fail;
	}
	/* the lookup lists first, so their pages are not counted as the index's */
	uint64_t state = 12345;
	for (unsigned long long i = 0; i < lookups; i++) {
		state = mix64(state);
		make_sorted_id(state % n, n, &hits[i]);
		make_id(DOMAIN_ABSENT, i, &misses[i]);
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(path, sizeof path, "%s/index-bench.%ld", tmp && *tmp ? tmp : "/tmp", (long)getpid());
	uint8_t key[32] = {7};
	size_t n_packs = (size_t)((n + per_pack - 1) / per_pack);
	pack_ids = malloc(n_packs * sizeof *pack_ids);
	ephs = calloc(n_packs, 32);
	if (!pack_ids || !ephs) {
		fprintf(stderr, "index-bench: out of memory\n");
		goto fail;
	}
	for (size_t p = 0; p < n_packs; p++)
		make_id(DOMAIN_PACK, p, &pack_ids[p]);
	double t0 = now_s();
	rp_index_cache_writer *w;
	if (rp_index_cache_create(&w, path, key, n_packs, pack_ids, (const uint8_t(*)[32])ephs, &e))
		goto fail;
	for (unsigned long long i = 0; i < n; i++) {
		rp_id id;
		make_sorted_id(i, n, &id);
		rp_blob_loc loc = {(uint32_t)(i / per_pack), (uint32_t)((i % per_pack) * AVG_CHUNK_BYTES / 2),
				   AVG_CHUNK_BYTES / 2, AVG_CHUNK_BYTES, 0, 1};
		if (rp_index_cache_add(w, &id, &loc, &e)) {
			rp_index_cache_finish(w, &e);
			goto fail;
		}
	}
	if (rp_index_cache_finish(w, &e))
		goto fail;
	double build_s = now_s() - t0;
	free(pack_ids);
	free(ephs);
	pack_ids = NULL;
	ephs = NULL;
	if (rp_index_new(&x, &e))
		goto fail;
	uint64_t rss0 = rss_bytes();
	double t1 = now_s();
	if (rp_index_open_cache(x, path, key, &e))
		goto fail;
	double open_s = now_s() - t1;
	uint64_t rss1 = rss_bytes(), peak1 = peak_rss_bytes();
	double per_chunk = (double)(rss1 - rss0) / (double)n;
	double peak_per_chunk = peak1 > rss0 ? (double)(peak1 - rss0) / (double)n : 0;
	if (rp_index_blob_count(x) != n) {
		fprintf(stderr, "index-bench: index holds %zu blobs, expected %llu\n", rp_index_blob_count(x), n);
		goto fail;
	}

	size_t found;
	double hit1 = time_lookups(x, hits, lookups, 1, &found);
	if (found != lookups) {
		fprintf(stderr, "index-bench: %llu of %llu present ids not found\n", lookups - found, lookups);
		goto fail;
	}
	double miss1 = time_lookups(x, misses, lookups, 1, &found);
	if (found) {
		fprintf(stderr, "index-bench: %zu absent ids found\n", found);
		goto fail;
	}
	double hitn = time_lookups(x, hits, lookups, threads, &found);
	double missn = time_lookups(x, misses, lookups, threads, &found);
	uint64_t rss2 = rss_bytes();

	printf("metric\tvalue\tunit\tnote\n");
	printf("chunks\t%llu\tids\t%u per pack, %zu packs\n", n, per_pack, rp_index_pack_count(x));
	printf("build\t%.2f\ts\twriting the cache file, %.2f million entries/s\n", build_s, (double)n / build_s / 1e6);
	printf("open\t%.2f\ts\tmapping it and building the bucket directory\n", open_s);
	printf("rss_per_chunk\t%.1f\tbytes\tresident growth once open %.1f MB / chunks (target <= %.0f: %s)\n", per_chunk,
	       (double)(rss1 - rss0) / 1e6, TARGET_BYTES_PER_CHUNK, per_chunk <= TARGET_BYTES_PER_CHUNK ? "met" : "NOT met");
	printf("peak_per_chunk\t%.1f\tbytes\tpeak resident (VmHWM) growth %.1f MB / chunks while opening\n",
	       peak_per_chunk, (double)(peak1 > rss0 ? peak1 - rss0 : 0) / 1e6);
	printf("rss_after_lookups\t%.1f\tbytes\tper chunk, after %llu hits paged in their entries from the mapped file "
	       "(clean file pages, reclaimable)\n",
	       (double)(rss2 - rss0) / (double)n, lookups);
	printf("lookup_hit_1t\t%.2f\tmillion/s\tone thread, random present ids (target >= %.0f: %s)\n", hit1 / 1e6,
	       TARGET_LOOKUPS_PER_S_PER_CORE / 1e6, hit1 >= TARGET_LOOKUPS_PER_S_PER_CORE ? "met" : "NOT met");
	printf("lookup_miss_1t\t%.2f\tmillion/s\tone thread, absent ids (target >= %.0f: %s)\n", miss1 / 1e6,
	       TARGET_LOOKUPS_PER_S_PER_CORE / 1e6, miss1 >= TARGET_LOOKUPS_PER_S_PER_CORE ? "met" : "NOT met");
	printf("lookup_hit_%dt\t%.2f\tmillion/s\t%d threads together (%.2f per thread)\n", threads, hitn / 1e6, threads,
	       hitn / 1e6 / threads);
	printf("lookup_miss_%dt\t%.2f\tmillion/s\t%d threads together (%.2f per thread)\n", threads, missn / 1e6,
	       threads, missn / 1e6 / threads);
	rc = 0;
fail:
	if (rc && e.msg[0])
		fprintf(stderr, "index-bench: %s\n", e.msg);
	rp_index_free(x);
	free(pack_ids);
	free(ephs);
	unlink(path);
	strncat(path, ".pfx", sizeof path - strlen(path) - 1);
	unlink(path);
	free(ents);
	free(hits);
	free(misses);
	return rc;
}
