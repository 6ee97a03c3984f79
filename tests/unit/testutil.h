/* testutil.h - small helpers shared by the unit tests (header only). */
#ifndef RP_TESTUTIL_H
#define RP_TESTUTIL_H

#include "util/buf.h"
#include "util/json.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Rewrites the JSON object in (in, n) into out: member key gets the raw
 * JSON text value, or disappears when value is NULL; a key that is not
 * there is appended.  Returns 0, or -1 when in is not a JSON object. */
static int tu_json_edit(const void *in, size_t n, const char *key, const char *value, rp_buf *out)
{
	rp_json *j = NULL;
	rp_err e;
	int found = 0;
	if (rp_json_parse(in, n, &j, &e) || j->type != RP_JSON_OBJ) {
		rp_json_free(j);
		return -1;
	}
	rp_jw w;
	rp_buf_reset(out);
	rp_jw_init(&w, out, 0);
	rp_jw_obj_begin(&w);
	for (const rp_json *c = j->child; c; c = c->next) {
		if (!strcmp(c->key, key)) {
			found = 1;
			if (value)
				rp_jw_key(&w, key), rp_jw_raw(&w, value, strlen(value));
			continue;
		}
		rp_jw_key(&w, c->key);
		rp_json_write(&w, c);
	}
	if (!found && value)
		rp_jw_key(&w, key), rp_jw_raw(&w, value, strlen(value));
	rp_jw_obj_end(&w);
	rp_json_free(j);
	return rp_jw_status(&w) ? -1 : 0;
}

/* A fresh empty folder under TMPDIR (malloc'd path). */
static char *tu_mkdtemp(const char *what)
{
	const char *base = getenv("TMPDIR");
	char *p = malloc(4096);
	snprintf(p, 4096, "%s/rempart-unit-%s-XXXXXX", base && *base ? base : "/tmp", what);
	if (!mkdtemp(p)) {
		free(p);
		return NULL;
	}
	return p;
}

/* rm -rf path (no symlinks followed). */
static void tu_rmtree(const char *path)
{
	struct stat st;
	if (lstat(path, &st))
		return;
	if (S_ISDIR(st.st_mode)) {
		DIR *d = opendir(path);
		struct dirent *de;
		while (d && (de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			char sub[4096];
			snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
			tu_rmtree(sub);
		}
		if (d)
			closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

/* Number of entries in a folder, hidden ones included (0 if missing). */
static size_t tu_count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	size_t n = 0;
	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

/* Writes a whole file; 0 or -1. */
static int tu_write_file(const char *path, const void *p, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	const uint8_t *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k <= 0) {
			close(fd);
			return -1;
		}
		b += k;
		n -= (size_t)k;
	}
	return close(fd);
}

/* Reads a whole file into out (appending); 0 or -1. */
static int tu_read_file(const char *path, rp_buf *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	uint8_t t[65536];
	ssize_t k;
	while ((k = read(fd, t, sizeof t)) > 0)
		if (rp_buf_put(out, t, (size_t)k)) {
			close(fd);
			return -1;
		}
	close(fd);
	return k < 0 ? -1 : 0;
}

/* Deterministic pseudo-random bytes (xorshift), so failures reproduce. */
static void tu_fill(void *p, size_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	uint8_t *b = p;
	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(x >> 24);
	}
}

#endif
