/* test_rest.c - the rest: store against a real `rempart serve` running in
 * this process on 127.0.0.1 (port chosen by the kernel). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/server.h"
#include "store/store.h"
#include "util/hex.h"

typedef struct fixture {
	char dir[256], root[300], tokens[300];
	char append[RP_TOKEN_CHARS + 1], append2[RP_TOKEN_CHARS + 1], reader[RP_TOKEN_CHARS + 1],
		admin[RP_TOKEN_CHARS + 1], other[RP_TOKEN_CHARS + 1];
	rp_server *srv;
	int port;
	char url[128];
} fixture;

static void sha256_hex(const void *p, size_t n, char out[65])
{
	uint8_t h[32];
	unsigned int l = 32;
	EVP_Digest(p, n, h, &l, EVP_sha256(), NULL);
	rp_hex_encode(out, h, 32);
}

static uint8_t *random_bytes(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);
	uint32_t x = seed * 2654435761u + 7;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)x;
	}
	return p;
}

/* "data/ab/<hash>" or "<folder>/<hash>" for content p. */
static void object_name(const char *folder, const void *p, size_t n, char out[128])
{
	char h[65];
	sha256_hex(p, n, h);
	if (!strcmp(folder, "data"))
		snprintf(out, 128, "data/%.2s/%s", h, h);
	else
		snprintf(out, 128, "%s/%s", folder, h);
}

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			struct stat st;
			if (!lstat(sub, &st) && S_ISDIR(st.st_mode))
				rm_tree(sub);
			else
				unlink(sub);
		}
		closedir(d);
	}
	rmdir(path);
}

static int start_server(fixture *f, int port, uint64_t max_body)
{
	rp_server_opts o;
	rp_err e;
	char listen[64];
	rp_server_opts_default(&o);
	snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
	o.root = f->root;
	o.listen = listen;
	o.tokens = f->tokens;
	o.threads = 4;
	o.drain_seconds = 5;
	if (max_body)
		o.max_body_bytes = max_body;
	o.log = getenv("REMPART_TEST_SERVER_LOG") ? stderr : NULL;
	if (rp_server_new(&f->srv, &o, &e) || rp_server_start(f->srv, &e)) {
		fprintf(stderr, "server: %s\n", e.msg);
		rp_server_free(f->srv);
		f->srv = NULL;
		return -1;
	}
	f->port = rp_server_port(f->srv);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d/t1", f->port);
	return 0;
}

static int setup(void **state)
{
	fixture *f = calloc(1, sizeof *f);
	rp_err e;
	char id[RP_TOKEN_ID_CHARS + 1];
	const char *tmp = getenv("TMPDIR");
	snprintf(f->dir, sizeof f->dir, "%s/rempart-test-rest-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->root, sizeof f->root, "%s/root", f->dir);
	snprintf(f->tokens, sizeof f->tokens, "%s/tokens.conf", f->dir);
	mkdir(f->root, 0700);
	if (rp_tokens_add(f->tokens, "t1", RP_ROLE_APPEND, f->append, id, &e) ||
	    rp_tokens_add(f->tokens, "t1", RP_ROLE_APPEND, f->append2, id, &e) ||
	    rp_tokens_add(f->tokens, "t1", RP_ROLE_READ, f->reader, id, &e) ||
	    rp_tokens_add(f->tokens, "t1", RP_ROLE_ADMIN, f->admin, id, &e) ||
	    rp_tokens_add(f->tokens, "t2", RP_ROLE_APPEND, f->other, id, &e)) {
		fprintf(stderr, "tokens: %s\n", e.msg);
		return -1;
	}
	if (start_server(f, 0, 0))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	fixture *f = *state;
	rp_server_free(f->srv);
	rm_tree(f->dir);
	free(f);
	return 0;
}

static rp_store *open_store(fixture *f, const char *token)
{
	rp_store *s = NULL;
	rp_err e;
	int rc = rp_store_rest_open(&s, f->url, token, &e);
	if (rc)
		fprintf(stderr, "open: %s\n", e.msg);
	assert_int_equal(rc, 0);
	return s;
}

static void test_put_get_range_stat_list_remove(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_store *adm = open_store(f, f->admin);
	rp_err e;
	rp_buf b = {0};
	size_t n = 300000;
	uint8_t *data = random_bytes(n, 1);
	char name[128], key[128];
	object_name("data", data, n, name);
	object_name("keys", data, 100, key);

	assert_int_equal(rp_store_create(s, &e), 0);
	assert_int_equal(rp_store_put(s, name, data, n, &e), 0);
	assert_int_equal(rp_store_put(s, key, data, 100, &e), 0);
	assert_int_equal(rp_store_put(s, "config", "cfg", 3, &e), 0);
	assert_int_equal(rp_store_create(s, &e), RP_EEXIST);

	assert_int_equal(rp_store_get(s, name, 0, 0, &b, &e), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, data, n);
	/* ranges append to what the buffer holds */
	assert_int_equal(rp_store_get(s, name, 1000, 5000, &b, &e), 0);
	assert_int_equal(b.len, n + 5000);
	assert_memory_equal(b.data + n, data + 1000, 5000);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(s, name, n - 10, 0, &b, &e), 0);
	assert_int_equal(b.len, 10);
	assert_memory_equal(b.data, data + n - 10, 10);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(s, name, n, 0, &b, &e), 0);
	assert_int_equal(b.len, 0);
	assert_int_equal(rp_store_get(s, name, n - 10, 20, &b, &e), RP_ECORRUPT);
	assert_int_equal(b.len, 0);
	assert_int_equal(rp_store_get(s, name, n + 5, 1, &b, &e), RP_ECORRUPT);

	uint64_t size = 0;
	assert_int_equal(rp_store_stat(s, name, &size, &e), 0);
	assert_int_equal(size, n);
	assert_int_equal(rp_store_stat(s, "config", &size, &e), 0);
	assert_int_equal(size, 3);
	char missing[128];
	object_name("index", "nothing", 7, missing);
	assert_int_equal(rp_store_stat(s, missing, &size, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_get(s, missing, 0, 0, &b, &e), RP_ENOTFOUND);

	/* write-once: the same name again is refused */
	assert_int_equal(rp_store_put(s, name, data, n, &e), RP_EEXIST);
	assert_int_equal(rp_store_put(s, "config", "xyz", 3, &e), RP_EEXIST);
	assert_int_equal(rp_store_put(s, name, data, 10, &e), RP_EEXIST);

	assert_int_equal(rp_store_remove(adm, key, &e), 0);
	assert_int_equal(rp_store_remove(adm, key, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_stat(s, key, &size, &e), RP_ENOTFOUND);
	assert_int_equal(rp_store_remove(adm, name, &e), 0);
	rp_buf_free(&b);
	free(data);
	rp_store_close(adm);
	rp_store_close(s);
}

typedef struct seen {
	char names[64][128];
	uint64_t sizes[64];
	int n;
} seen;

static int collect(void *ctx, const char *name, uint64_t size)
{
	seen *v = ctx;
	if (v->n < 64) {
		snprintf(v->names[v->n], 128, "%s", name);
		v->sizes[v->n++] = size;
	}
	return 0;
}

static int find_seen(const seen *v, const char *name, uint64_t size)
{
	for (int i = 0; i < v->n; i++)
		if (!strcmp(v->names[i], name))
			return v->sizes[i] == size;
	return 0;
}

static void test_list(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	char names[5][128];
	for (int i = 0; i < 5; i++) {
		uint8_t *d = random_bytes(100 + (size_t)i, 50 + (uint32_t)i);
		object_name(i < 3 ? "data" : "snapshots", d, 100 + (size_t)i, names[i]);
		assert_int_equal(rp_store_put(s, names[i], d, 100 + (size_t)i, &e), 0);
		free(d);
	}
	seen v = {0};
	assert_int_equal(rp_store_list(s, "data", collect, &v, &e), 0);
	for (int i = 0; i < 3; i++)
		assert_true(find_seen(&v, names[i], 100 + (uint64_t)i));
	for (int i = 0; i < v.n; i++)
		assert_int_equal(strncmp(v.names[i], "data/", 5), 0);
	memset(&v, 0, sizeof v);
	assert_int_equal(rp_store_list(s, "snapshots", collect, &v, &e), 0);
	assert_int_equal(v.n, 2);
	assert_true(find_seen(&v, names[3], 103) && find_seen(&v, names[4], 104));
	memset(&v, 0, sizeof v);
	assert_int_equal(rp_store_list(s, "locks", collect, &v, &e), 0);
	assert_int_equal(v.n, 0);

	/* another tenant sees nothing of t1, and its own empty repository */
	rp_store *o = NULL;
	char url2[128];
	snprintf(url2, sizeof url2, "http://127.0.0.1:%d/t2", f->port);
	assert_int_equal(rp_store_rest_open(&o, url2, f->other, &e), 0);
	memset(&v, 0, sizeof v);
	assert_int_equal(rp_store_list(o, "data", collect, &v, &e), 0);
	assert_int_equal(v.n, 0);
	rp_store_close(o);
	rp_store_close(s);
}

static void test_hash_mismatch_refused(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	char name[128];
	object_name("index", "one content", 11, name);
	int rc = rp_store_put(s, name, "another content", 15, &e);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(e.msg, "SHA-256"));
	uint64_t size;
	assert_int_equal(rp_store_stat(s, name, &size, &e), RP_ENOTFOUND);
	rp_store_close(s);
}

static void test_roles(void **state)
{
	fixture *f = *state;
	rp_store *app = open_store(f, f->append), *rd = open_store(f, f->reader), *adm = open_store(f, f->admin);
	rp_err e;
	char name[128];
	const char *text = "roles test";
	object_name("data", text, strlen(text), name);
	assert_int_equal(rp_store_put(app, name, text, strlen(text), &e), 0);

	/* read: reads, never writes or deletes */
	rp_buf b = {0};
	assert_int_equal(rp_store_get(rd, name, 0, 0, &b, &e), 0);
	char other[128];
	object_name("data", "x", 1, other);
	assert_int_equal(rp_store_put(rd, other, "x", 1, &e), RP_EPERM);
	assert_non_null(strstr(e.msg, "read role"));
	assert_int_equal(rp_store_remove(rd, name, &e), RP_EPERM);

	/* append: cannot delete what it wrote; the message says what is needed */
	assert_int_equal(rp_store_remove(app, name, &e), RP_EPERM);
	assert_non_null(strstr(e.msg, "append role"));
	assert_non_null(strstr(e.msg, "admin token"));
	assert_int_equal(rp_store_get(rd, name, 0, 0, &b, &e), 0);

	/* another tenant's token, and a made-up one */
	rp_store *o = open_store(f, f->other);
	assert_int_equal(rp_store_get(o, name, 0, 0, &b, &e), RP_EPERM);
	rp_store_close(o);
	char fake[RP_TOKEN_CHARS + 1];
	memcpy(fake, f->append, sizeof fake);
	fake[10] = fake[10] == 'a' ? 'b' : 'a';
	rp_store *bad = open_store(f, fake);
	assert_int_equal(rp_store_get(bad, name, 0, 0, &b, &e), RP_EPERM);
	assert_non_null(strstr(e.msg, "401"));
	rp_store_close(bad);

	/* admin deletes */
	assert_int_equal(rp_store_remove(adm, name, &e), 0);
	rp_buf_free(&b);
	rp_store_close(app);
	rp_store_close(rd);
	rp_store_close(adm);
}

static void test_lock_ownership(void **state)
{
	fixture *f = *state;
	rp_store *a = open_store(f, f->append), *b = open_store(f, f->append2), *adm = open_store(f, f->admin);
	rp_err e;
	char la[128], lb[128];
	object_name("locks", "lock of a", 9, la);
	object_name("locks", "lock of b", 9, lb);
	assert_int_equal(rp_store_put(a, la, "lock of a", 9, &e), 0);
	assert_int_equal(rp_store_put(b, lb, "lock of b", 9, &e), 0);
	/* neither removes the other's lock */
	assert_int_equal(rp_store_remove(b, la, &e), RP_EPERM);
	assert_int_equal(rp_store_remove(a, lb, &e), RP_EPERM);
	uint64_t size;
	assert_int_equal(rp_store_stat(a, la, &size, &e), 0);
	/* each removes its own */
	assert_int_equal(rp_store_remove(a, la, &e), 0);
	assert_int_equal(rp_store_stat(a, la, &size, &e), RP_ENOTFOUND);
	/* a lock recreated by b with a's old content belongs to b now */
	assert_int_equal(rp_store_put(b, la, "lock of a", 9, &e), 0);
	assert_int_equal(rp_store_remove(a, la, &e), RP_EPERM);
	assert_int_equal(rp_store_remove(b, la, &e), 0);
	/* admin removes anyone's */
	assert_int_equal(rp_store_remove(adm, lb, &e), 0);
	rp_store_close(a);
	rp_store_close(b);
	rp_store_close(adm);
}

static void test_writer_streams(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	size_t n = 5u << 20;
	uint8_t *data = random_bytes(n, 9);
	char name[128];
	object_name("data", data, n, name);
	rp_store_writer *w;
	assert_int_equal(rp_store_writer_open(s, &w, &e), 0);
	for (size_t off = 0; off < n; off += 100000)
		assert_int_equal(rp_store_writer_write(w, data + off, n - off < 100000 ? n - off : 100000, &e), 0);
	assert_int_equal(rp_store_writer_commit(w, name, &e), 0);
	rp_buf b = {0};
	assert_int_equal(rp_store_get(s, name, 0, 0, &b, &e), 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, data, n);
	rp_buf_reset(&b);
	assert_int_equal(rp_store_get(s, name, 3u << 20, 4096, &b, &e), 0);
	assert_memory_equal(b.data, data + (3u << 20), 4096);
	/* an aborted writer leaves nothing */
	assert_int_equal(rp_store_writer_open(s, &w, &e), 0);
	assert_int_equal(rp_store_writer_write(w, "abc", 3, &e), 0);
	rp_store_writer_abort(w);
	rp_buf_free(&b);
	free(data);
	rp_store_close(s);
}

static int write_file(rp_store *s, const char *name, const uint8_t *d, size_t n, rp_err *e)
{
	rp_store_writer *w;
	int rc = rp_store_writer_open(s, &w, e);
	if (!rc && (rc = rp_store_writer_write(w, d, n, e)))
		rp_store_writer_abort(w);
	else if (!rc)
		rc = rp_store_writer_commit(w, name, e);
	return rc;
}

static void test_background_uploads(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	uint64_t size;
	char names[12][128];
	uint8_t *d[12];
	/* more commits than upload threads and queue slots together */
	for (int i = 0; i < 12; i++) {
		size_t n = 300000 + (size_t)i;
		d[i] = random_bytes(n, 500 + (uint32_t)i);
		object_name("data", d[i], n, names[i]);
		assert_int_equal(write_file(s, names[i], d[i], n, &e), 0);
	}
	/* a caller reads its own writes, even before sync */
	rp_buf b = {0};
	assert_int_equal(rp_store_get(s, names[11], 0, 0, &b, &e), 0);
	assert_int_equal(b.len, 300011);
	assert_memory_equal(b.data, d[11], b.len);
	assert_int_equal(rp_store_sync(s, &e), 0);
	for (int i = 0; i < 12; i++) {
		assert_int_equal(rp_store_stat(s, names[i], &size, &e), 0);
		assert_int_equal(size, 300000 + (uint64_t)i);
	}
	/* the same pack again: already there, not an error */
	assert_int_equal(write_file(s, names[3], d[3], 300003, &e), 0);
	assert_int_equal(rp_store_sync(s, &e), 0);

	/* a failed background upload surfaces at sync, with its reason, and
	 * makes the next commits fail until then */
	char wrong[128];
	object_name("data", "other bytes", 11, wrong);
	assert_int_equal(write_file(s, wrong, d[0], 1000, &e), 0);
	/* reading the name waits for its upload, which fails */
	assert_int_equal(rp_store_get(s, wrong, 0, 0, &b, &e), RP_ENOTFOUND);
	assert_int_not_equal(write_file(s, names[0], d[0], 300000, &e), 0);
	assert_non_null(strstr(e.msg, "SHA-256"));
	int rc = rp_store_sync(s, &e);
	assert_int_not_equal(rc, 0);
	assert_non_null(strstr(e.msg, "SHA-256"));
	assert_int_equal(rp_store_sync(s, &e), 0);
	assert_int_equal(write_file(s, names[0], d[0], 300000, &e), 0);
	assert_int_equal(rp_store_sync(s, &e), 0);

	/* closing without sync still delivers what was committed */
	uint8_t *last = random_bytes(200000, 999);
	char lname[128];
	object_name("data", last, 200000, lname);
	assert_int_equal(write_file(s, lname, last, 200000, &e), 0);
	rp_store_close(s);
	s = open_store(f, f->append);
	assert_int_equal(rp_store_stat(s, lname, &size, &e), 0);
	free(last);
	for (int i = 0; i < 12; i++)
		free(d[i]);
	rp_buf_free(&b);
	rp_store_close(s);
}

typedef struct worker {
	rp_store *s;
	int id, ok;
} worker;

#define WORKERS 8
#define PUTS_PER_WORKER 12

static void *put_worker(void *arg)
{
	worker *w = arg;
	rp_err e;
	w->ok = 1;
	for (int i = 0; i < PUTS_PER_WORKER; i++) {
		size_t n = 1000 + (size_t)(w->id * 7919 + i * 104729) % 200000;
		uint8_t *d = random_bytes(n, (uint32_t)(1000 + w->id * 100 + i));
		char name[128];
		object_name("data", d, n, name);
		if (rp_store_put(w->s, name, d, n, &e)) {
			fprintf(stderr, "worker %d: %s\n", w->id, e.msg);
			w->ok = 0;
		}
		rp_buf b = {0};
		if (rp_store_get(w->s, name, 0, 0, &b, &e) || b.len != n || memcmp(b.data, d, n))
			w->ok = 0;
		rp_buf_free(&b);
		free(d);
	}
	return NULL;
}

static int count_files(void *ctx, const char *name, uint64_t size)
{
	(*(int *)ctx)++;
	return 0;
}

static void test_concurrent_puts(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	int before = 0, after = 0;
	assert_int_equal(rp_store_list(s, "data", count_files, &before, &e), 0);
	pthread_t t[WORKERS];
	worker w[WORKERS];
	for (int i = 0; i < WORKERS; i++) {
		w[i] = (worker){s, i, 0};
		assert_int_equal(pthread_create(&t[i], NULL, put_worker, &w[i]), 0);
	}
	for (int i = 0; i < WORKERS; i++) {
		pthread_join(t[i], NULL);
		assert_true(w[i].ok);
	}
	assert_int_equal(rp_store_list(s, "data", count_files, &after, &e), 0);
	assert_int_equal(after - before, WORKERS * PUTS_PER_WORKER);
	rp_store_close(s);
}

static void test_too_large(void **state)
{
	fixture *f = *state;
	fixture g = *f;
	rp_err e;
	snprintf(g.root, sizeof g.root, "%s/root-small", f->dir);
	mkdir(g.root, 0700);
	assert_int_equal(start_server(&g, 0, 64 << 10), 0);
	rp_store *s = open_store(&g, g.append);
	size_t n = 200 << 10;
	uint8_t *d = random_bytes(n, 77);
	char name[128];
	object_name("data", d, n, name);
	assert_int_equal(rp_store_put(s, name, d, n, &e), RP_ENOSPC);
	assert_non_null(strstr(e.msg, "413"));
	object_name("data", d, 1000, name);
	assert_int_equal(rp_store_put(s, name, d, 1000, &e), 0);
	free(d);
	rp_store_close(s);
	rp_server_free(g.srv);
}

/* ---- TLS ---- */

static int make_cert(const char *cert_path, const char *key_path)
{
	int rc = -1;
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	FILE *fc = NULL, *fk = NULL;
	if (!k || !x)
		goto done;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_set_pubkey(x, k);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
	X509_EXTENSION *bc = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	if (!ext || !bc)
		goto done;
	X509_add_ext(x, ext, -1);
	X509_add_ext(x, bc, -1);
	X509_EXTENSION_free(ext);
	X509_EXTENSION_free(bc);
	if (!X509_sign(x, k, EVP_sha256()))
		goto done;
	fc = fopen(cert_path, "w");
	fk = fopen(key_path, "w");
	if (fc && fk && PEM_write_X509(fc, x) && PEM_write_PrivateKey(fk, k, NULL, NULL, 0, NULL, NULL))
		rc = 0;
done:
	if (fc)
		fclose(fc);
	if (fk)
		fclose(fk);
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

static void test_tls(void **state)
{
	fixture *f = *state;
	char cert[400], key[400], root[300], listen[] = "127.0.0.1:0", url[128];
	snprintf(cert, sizeof cert, "%s/cert.pem", f->dir);
	snprintf(key, sizeof key, "%s/key.pem", f->dir);
	snprintf(root, sizeof root, "%s/root-tls", f->dir);
	mkdir(root, 0700);
	assert_int_equal(make_cert(cert, key), 0);
	rp_server_opts o;
	rp_server *srv;
	rp_err e;
	rp_server_opts_default(&o);
	o.root = root;
	o.listen = listen;
	o.tokens = f->tokens;
	o.tls_cert = cert;
	o.tls_key = key;
	o.threads = 2;
	assert_int_equal(rp_server_new(&srv, &o, &e), 0);
	assert_int_equal(rp_server_start(srv, &e), 0);
	snprintf(url, sizeof url, "https://127.0.0.1:%d/t1", rp_server_port(srv));

	/* without the CA, the certificate is refused, and not retried */
	rp_store *s;
	unsetenv("REMPART_CACERT");
	assert_int_equal(rp_store_rest_open(&s, url, f->append, &e), 0);
	assert_int_equal(rp_store_put(s, "config", "c", 1, &e), RP_ENET);
	rp_store_close(s);

	setenv("REMPART_CACERT", cert, 1);
	assert_int_equal(rp_store_rest_open(&s, url, f->append, &e), 0);
	unsetenv("REMPART_CACERT");
	size_t n = 1 << 20;
	uint8_t *d = random_bytes(n, 5);
	char name[128];
	object_name("data", d, n, name);
	assert_int_equal(rp_store_put(s, name, d, n, &e), 0);
	rp_buf b = {0};
	assert_int_equal(rp_store_get(s, name, 4096, 8192, &b, &e), 0);
	assert_int_equal(b.len, 8192);
	assert_memory_equal(b.data, d + 4096, 8192);
	rp_buf_free(&b);
	free(d);
	rp_store_close(s);
	rp_server_free(srv);
}

/* ---- a server that goes away and comes back ---- */

typedef struct restarter {
	fixture *f;
	int port, ok;
	struct timespec down;
} restarter;

static void *restart_later(void *arg)
{
	restarter *r = arg;
	/* the outage the client has to ride out */
	nanosleep(&r->down, NULL);
	r->ok = start_server(r->f, r->port, 0) == 0;
	return NULL;
}

static void test_retry_after_restart(void **state)
{
	fixture *f = *state;
	rp_store *s = open_store(f, f->append);
	rp_err e;
	size_t n = 100000;
	uint8_t *d = random_bytes(n, 31);
	char name[128], name2[128];
	object_name("data", d, n, name);
	object_name("data", d, n - 1, name2);
	assert_int_equal(rp_store_put(s, name, d, n, &e), 0);

	int port = f->port;
	rp_server_free(f->srv);
	f->srv = NULL;
	restarter r = {f, port, 0, {0, 700000000L}};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, restart_later, &r), 0);
	/* both calls start while the server is down, and succeed once it is back */
	rp_buf b = {0};
	int rc_get = rp_store_get(s, name, 0, 0, &b, &e);
	int rc_put = rp_store_put(s, name2, d, n - 1, &e);
	pthread_join(t, NULL);
	assert_true(r.ok);
	assert_int_equal(rc_get, 0);
	assert_int_equal(rc_put, 0);
	assert_int_equal(b.len, n);
	assert_memory_equal(b.data, d, n);
	rp_buf_free(&b);

	/* with no budget left, a dead server is reported, not waited for */
	rp_server_free(f->srv);
	f->srv = NULL;
	setenv("REMPART_RETRY_SECONDS", "0.5", 1);
	rp_store *quick = open_store(f, f->append);
	unsetenv("REMPART_RETRY_SECONDS");
	assert_int_equal(rp_store_get(quick, name, 0, 0, &b, &e), RP_ENET);
	assert_non_null(strstr(e.msg, "gave up"));
	rp_store_close(quick);
	assert_int_equal(start_server(f, port, 0), 0);
	free(d);
	rp_buf_free(&b);
	rp_store_close(s);
}

static void test_open_errors(void **state)
{
	rp_store *s;
	rp_err e;
	assert_int_equal(rp_store_rest_open(&s, "ftp://x/t", "t", &e), RP_EINVAL);
	assert_int_equal(rp_store_rest_open(&s, "http://127.0.0.1:1", "t", &e), RP_EINVAL);
	assert_int_equal(rp_store_rest_open(&s, "http://127.0.0.1:1/t1", "bad token", &e), RP_EINVAL);
	unsetenv("REMPART_TOKEN");
	unsetenv("REMPART_TOKEN_FILE");
	assert_int_equal(rp_store_rest_open(&s, "http://127.0.0.1:1/t1", NULL, &e), RP_EINVAL);
	assert_non_null(strstr(e.msg, "REMPART_TOKEN"));
	fixture *f = *state;
	setenv("REMPART_TOKEN", f->reader, 1);
	char where[160];
	snprintf(where, sizeof where, "rest:%s", f->url);
	assert_int_equal(rp_store_open(&s, where, NULL, &e), 0);
	unsetenv("REMPART_TOKEN");
	uint64_t size;
	assert_int_equal(rp_store_stat(s, "config", &size, &e), 0);
	rp_store_close(s);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_range_stat_list_remove),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_hash_mismatch_refused),
		cmocka_unit_test(test_roles),
		cmocka_unit_test(test_lock_ownership),
		cmocka_unit_test(test_writer_streams),
		cmocka_unit_test(test_background_uploads),
		cmocka_unit_test(test_concurrent_puts),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_retry_after_restart),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
