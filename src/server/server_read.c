/* server_read.c - GET and HEAD: files (with byte ranges, sent with
 * sendfile by libmicrohttpd) and folder listings (streamed as JSON, so a
 * folder of a million packs never sits in memory). */
#include "server_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIST_BLOCK_BYTES (64u << 10)

/* Parses "bytes=A-B", "bytes=A-" or "bytes=-N" against size.  Returns 1
 * with [*off, *off+*len) for a satisfiable range, 0 to ignore the header
 * (absent, malformed or several ranges: the whole file is sent, as RFC
 * 9110 allows), -1 when the range lies past the end. */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	if (!h || strncmp(h, "bytes=", 6))
		return 0;
	const char *p = h + 6;
	if (strchr(p, ','))
		return 0;
	uint64_t a = 0, b = 0;
	int have_a = 0, have_b = 0;
	while (*p >= '0' && *p <= '9') {
		if (a > (UINT64_MAX - 9) / 10)
			return 0;
		a = a * 10 + (uint64_t)(*p++ - '0');
		have_a = 1;
	}
	if (*p++ != '-')
		return 0;
	while (*p >= '0' && *p <= '9') {
		if (b > (UINT64_MAX - 9) / 10)
			return 0;
		b = b * 10 + (uint64_t)(*p++ - '0');
		have_b = 1;
	}
	if (*p || (!have_a && !have_b))
		return 0;
	if (!have_a) { /* the last b bytes */
		if (b == 0 || size == 0)
			return -1;
		if (b > size)
			b = size;
		*off = size - b;
		*len = b;
		return 1;
	}
	if (have_b && b < a)
		return 0;
	if (a >= size)
		return -1;
	if (!have_b || b >= size)
		b = size - 1;
	*off = a;
	*len = b - a + 1;
	return 1;
}

enum MHD_Result srv_get_file(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	int tfd = srv_fs_tenant(s, r->path.tenant, 0);
	if (tfd < 0)
		return srv_reply_errno(r, c, -tfd, r->object);
	int fd = srv_fs_open(s, tfd, r->path.rel, O_RDONLY, 0);
	close(tfd);
	if (fd < 0)
		return srv_reply_errno(r, c, -fd, r->object);
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return srv_reply(r, c, MHD_HTTP_NOT_FOUND, "%s: no such file", r->object);
	}
	uint64_t size = (uint64_t)st.st_size, off = 0, len = size;
	const char *range = r->srv->mhd_fn.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_RANGE);
	int rr = parse_range(range, size, &off, &len);
	if (rr < 0) {
		close(fd);
		char cr[48];
		snprintf(cr, sizeof cr, "bytes */%llu", (unsigned long long)size);
		struct MHD_Response *resp = r->srv->mhd_fn.response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
		if (!resp)
			return MHD_NO;
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
		return srv_reply_resp(r, c, MHD_HTTP_RANGE_NOT_SATISFIABLE, resp);
	}
	struct MHD_Response *resp;
	if (len == 0) {
		close(fd);
		resp = r->srv->mhd_fn.response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		/* the response owns fd from here on, even on failure */
		resp = r->srv->mhd_fn.response_from_fd_at_offset64(len, fd, off);
	}
	if (!resp)
		return MHD_NO;
	r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/octet-stream");
	r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_ACCEPT_RANGES, "bytes");
	if (rr > 0) {
		char cr[80];
		snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)off,
			 (unsigned long long)(off + len - 1), (unsigned long long)size);
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_RANGE, cr);
	}
	if (r->method == SRV_M_GET)
		r->bytes_out += len;
	return srv_reply_resp(r, c, rr > 0 ? MHD_HTTP_PARTIAL_CONTENT : MHD_HTTP_OK, resp);
}

/* ---- listings ---- */

typedef struct list_state {
	rp_server *srv;
	uint64_t *bytes_out; /* the request's counter; only touched while it runs */
	srv_file_kind kind;
	int all_data; /* "data/": walk the 256 sub-folders */
	DIR *top, *sub;
	char folder[96]; /* folder of the files being read: "keys", "data/ab" */
	char pend[160];
	size_t pend_len, pend_off;
	int started, done, entries;
} list_state;

static void list_free(void *cls)
{
	list_state *L = cls;
	if (L->sub)
		closedir(L->sub);
	if (L->top)
		closedir(L->top);
	free(L);
}

static DIR *open_dir_at(rp_server *s, int dirfd, const char *rel)
{
	int fd = srv_fs_open(s, dirfd, rel, O_RDONLY | O_DIRECTORY, 0);
	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	DIR *d = fdopendir(fd);
	if (!d)
		close(fd);
	return d;
}

/* Puts the next piece of JSON into L->pend; -1 on a read error. */
static int list_next(list_state *L)
{
	L->pend_len = L->pend_off = 0;
	if (!L->started) {
		L->started = 1;
		L->pend_len = (size_t)snprintf(L->pend, sizeof L->pend, "[");
		return 0;
	}
	for (;;) {
		DIR *d = L->all_data ? L->sub : L->top;
		if (L->all_data && !d) {
			/* next sub-folder of data/ */
			struct dirent *de;
			errno = 0;
			while ((de = L->top ? readdir(L->top) : NULL)) {
				const char *n = de->d_name;
				if (strlen(n) == 2 && strspn(n, "0123456789abcdef") == 2 &&
				    (L->sub = open_dir_at(L->srv, dirfd(L->top), n))) {
					snprintf(L->folder, sizeof L->folder, "data/%.2s", n);
					break;
				}
			}
			if (!de && errno)
				return -1;
			if (!L->sub)
				goto end;
			continue;
		}
		struct dirent *de;
		errno = 0;
		if (!d || !(de = readdir(d))) {
			if (d && errno)
				return -1;
			if (L->all_data) {
				closedir(L->sub);
				L->sub = NULL;
				continue;
			}
			goto end;
		}
		const char *prefix = L->kind == SRV_FILE_DATA ? L->folder + 5 : NULL;
		struct stat st;
		if (!srv_path_leaf_ok(L->kind, prefix, de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode))
			continue;
		L->pend_len = (size_t)snprintf(L->pend, sizeof L->pend, "%s\n{\"name\":\"%s/%s\",\"size\":%llu}",
					       L->entries ? "," : "", L->folder, de->d_name,
					       (unsigned long long)st.st_size);
		L->entries++;
		return 0;
	}
end:
	L->pend_len = (size_t)snprintf(L->pend, sizeof L->pend, "\n]\n");
	L->done = 1;
	return 0;
}

static ssize_t list_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	list_state *L = cls;
	size_t out = 0;
	while (out < max) {
		if (L->pend_off < L->pend_len) {
			size_t k = L->pend_len - L->pend_off;
			if (k > max - out)
				k = max - out;
			memcpy(buf + out, L->pend + L->pend_off, k);
			L->pend_off += k;
			out += k;
			continue;
		}
		if (L->done)
			break;
		if (list_next(L))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	if (out == 0)
		return MHD_CONTENT_READER_END_OF_STREAM;
	*L->bytes_out += out;
	return (ssize_t)out;
}

enum MHD_Result srv_list_folder(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	list_state *L = calloc(1, sizeof *L);
	if (!L)
		return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	L->srv = s;
	L->bytes_out = &r->bytes_out;
	L->kind = r->path.fkind;
	L->all_data = !strcmp(r->path.rel, "data");
	snprintf(L->folder, sizeof L->folder, "%s", r->path.rel);
	int tfd = srv_fs_tenant(s, r->path.tenant, 0);
	if (tfd >= 0) {
		/* a tenant or folder that does not exist yet lists as empty */
		L->top = open_dir_at(s, tfd, r->path.rel);
		int err = errno;
		close(tfd);
		if (!L->top && err != ENOENT) {
			list_free(L);
			return srv_reply_errno(r, c, err, r->object);
		}
	} else if (tfd != -ENOENT) {
		list_free(L);
		return srv_reply_errno(r, c, -tfd, r->object);
	}
	struct MHD_Response *resp =
		r->srv->mhd_fn.response_from_callback(MHD_SIZE_UNKNOWN, LIST_BLOCK_BYTES, list_read, L, list_free);
	if (!resp) {
		list_free(L);
		return MHD_NO;
	}
	r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	return srv_reply_resp(r, c, MHD_HTTP_OK, resp);
}
