/* store_rest.c - a repository behind `rempart serve`, over HTTP(S) with
 * libcurl (the protocol is docs/PROTOCOL.md).
 *
 * Threads: easy handles are kept in a pool; a call takes one (or makes a
 * new one), uses it alone, and puts it back, so each keeps its keep-alive
 * connection and the engine can call from any number of threads.  DNS
 * answers and TLS sessions are shared between the handles.
 *
 * Failures: every call is retried with exponential backoff while the
 * connection fails or the server answers 5xx (except 507, disk full),
 * within a time budget (REMPART_RETRY_SECONDS, default 120).  Creating a
 * file is idempotent too, because names are content hashes: when a retry
 * of a PUT meets 409, the earlier attempt went through and the identical
 * file is there.  `config` is the exception; there the file is read back
 * and compared.
 *
 * Writers spool to an unlinked temporary file (never a whole pack in
 * memory).  Committing a content-addressed file hands it to background
 * upload threads and returns at once, so the engine packs the next file
 * while this one travels: the store contract only promises durability
 * after rp_store_sync, which waits for every upload and reports the first
 * failure.  Reads, listings and removals of a name still in flight wait
 * for it, so a caller always reads its own writes.  `config` and files
 * written with rp_store_put are uploaded before the call returns.
 */
#include "store.h"

#include "../util/dl.h"
#include "../util/json.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RETRY_DEFAULT_SECONDS 120.0
#define RETRY_FIRST_DELAY_SECONDS 0.2
#define RETRY_MAX_DELAY_SECONDS 10.0
#define CONNECT_TIMEOUT_SECONDS 15L
/* A transfer that moves less than this for STALL_SECONDS is cut (and
 * retried): a dead peer must not hang a backup forever. */
#define STALL_BYTES_PER_SECOND 1024L
#define STALL_SECONDS 60L
#define RECV_BUFFER_BYTES (512L << 10)
#define SEND_BUFFER_BYTES (1L << 20)
#define ERRTEXT_BYTES 300
#define NAME_MAX_CHARS 200
#define CONFIG_COMPARE_MAX_BYTES (1u << 20)
/* Background uploads: threads, and committed files that may wait for one
 * (each is a spooled pack on the client's temporary disk). */
#define UPLOAD_THREADS 4
#define UPLOAD_QUEUE_MAX 4

/* The libcurl functions this store uses, loaded with the first rest:
 * repository (see util/dl.h). */
#define CURL_FNS(X)                                                                                   \
	X(easy_init, curl_easy_init) X(easy_setopt, curl_easy_setopt) X(easy_perform, curl_easy_perform) \
	X(easy_getinfo, curl_easy_getinfo) X(easy_reset, curl_easy_reset)                               \
	X(easy_cleanup, curl_easy_cleanup) X(easy_strerror, curl_easy_strerror)                         \
	X(global_init, curl_global_init) X(global_cleanup, curl_global_cleanup)                         \
	X(share_init, curl_share_init) X(share_setopt, curl_share_setopt)                               \
	X(share_cleanup, curl_share_cleanup) X(slist_append, curl_slist_append)                         \
	X(slist_free_all, curl_slist_free_all)

typedef struct curl_fns {
	CURL_FNS(RP_DL_FIELD)
} curl_fns;

RP_DL_DEFINE_LOADER(curl_fns_load, curl_fns, CURL_FNS, "libcurl.so.4", "libcurl4")

typedef struct upload_job {
	struct upload_job *next;
	int fd;
	uint64_t n;
	int started;
	char name[NAME_MAX_CHARS + 1];
} upload_job;

typedef struct rest_store {
	rp_store base;
	curl_fns fn;
	char *base_url; /* "http://host:port/tenant", no trailing slash */
	char *loc;      /* "rest:<base_url>", for messages */
	struct curl_slist *headers;
	char *cacert;
	double retry_seconds;
	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	pthread_mutex_t mu; /* idle */
	CURL **idle;
	size_t n_idle, cap_idle;
	pthread_mutex_t up_mu; /* jobs, n_waiting, up_*; up_cv signals every change */
	pthread_cond_t up_cv;
	upload_job *jobs; /* FIFO: waiting and running uploads */
	unsigned n_waiting;
	pthread_t up_threads[UPLOAD_THREADS];
	int n_up_threads, up_stop;
	int up_rc; /* first failure of a background upload, until sync reports it */
	char up_msg[RP_ERR_MSG_BYTES];
} rest_store;

typedef struct rest_writer {
	rp_store_writer base;
	rest_store *s;
	int fd;
	uint64_t n;
} rest_writer;

/* One HTTP exchange, possibly over several attempts. */
typedef struct rest_req {
	const char *method;
	const char *name; /* file or folder inside the repository */
	int folder;       /* URL ends with '/' */
	char range[64];   /* Range header value, or "" */
	/* upload source: memory or file */
	const uint8_t *mem;
	int fd;
	uint64_t up_len, up_pos;
	/* download sink (2xx bodies only) */
	rp_buf *out;
	size_t out_start;
	uint64_t limit; /* most bytes a 206 may bring (0: no limit) */
	uint64_t got;
	int oom;
	/* results */
	const curl_fns *fn;
	CURL *h;
	long status;
	int attempts;
	int64_t content_length; /* of the final response, -1 if unknown */
	char role[16];
	uint64_t range_total; /* from "Content-Range: bytes * /N" */
	int have_range_total;
	char errtext[ERRTEXT_BYTES];
	size_t errlen;
} rest_req;

static const rp_store_writer_ops rest_writer_ops;

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Names travel in URLs unescaped, so only what the repository uses is
 * allowed: lowercase letters, digits, '/', no "..", no leading '/'. */
static int name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > NAME_MAX_CHARS || name[0] == '/' || name[n - 1] == '/' || strstr(name, "..") ||
	    strstr(name, "//"))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '_' || c == '-' ||
		      c == '.'))
			return 0;
	}
	return 1;
}

static int is_content_addressed(const char *name)
{
	return strcmp(name, "config") != 0;
}

/* ---- handle pool ---- */

static void share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *ud)
{
	rest_store *s = ud;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&s->share_mu[data]);
}

static void share_unlock(CURL *h, curl_lock_data data, void *ud)
{
	rest_store *s = ud;
	if ((unsigned)data < CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&s->share_mu[data]);
}

static CURL *handle_take(rest_store *s)
{
	CURL *h = NULL;
	pthread_mutex_lock(&s->mu);
	if (s->n_idle)
		h = s->idle[--s->n_idle];
	pthread_mutex_unlock(&s->mu);
	return h ? h : s->fn.easy_init();
}

static void handle_give(rest_store *s, CURL *h)
{
	pthread_mutex_lock(&s->mu);
	if (s->n_idle == s->cap_idle) {
		size_t cap = s->cap_idle ? s->cap_idle * 2 : 8;
		CURL **v = realloc(s->idle, cap * sizeof *v);
		if (!v) {
			pthread_mutex_unlock(&s->mu);
			s->fn.easy_cleanup(h);
			return;
		}
		s->idle = v;
		s->cap_idle = cap;
	}
	s->idle[s->n_idle++] = h;
	pthread_mutex_unlock(&s->mu);
}

/* ---- callbacks ---- */

static size_t on_body(char *p, size_t size, size_t nmemb, void *ud)
{
	rest_req *q = ud;
	size_t n = size * nmemb;
	if (!q->status)
		q->fn->easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->status);
	if (q->status >= 200 && q->status < 300) {
		if (!q->out)
			return n;
		if (q->status == 206 && q->limit && q->got + n > q->limit)
			return 0; /* more than asked for: abort the transfer */
		if (q->got == 0) {
			curl_off_t cl = -1;
			q->fn->easy_getinfo(q->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
			if (cl > 0 && (uint64_t)cl < SIZE_MAX / 2 && rp_buf_reserve(q->out, (size_t)cl)) {
				q->oom = 1;
				return 0;
			}
		}
		if (rp_buf_put(q->out, p, n)) {
			q->oom = 1;
			return 0;
		}
		q->got += n;
		return n;
	}
	/* an error's explanation: keep the start, printable bytes only */
	for (size_t i = 0; i < n && q->errlen + 1 < sizeof q->errtext; i++) {
		char c = p[i];
		q->errtext[q->errlen++] = (c >= ' ' && c < 127) ? c : ' ';
	}
	q->errtext[q->errlen] = 0;
	return n;
}

static size_t on_header(char *p, size_t size, size_t nmemb, void *ud)
{
	rest_req *q = ud;
	size_t n = size * nmemb;
	char line[128];
	size_t l = n < sizeof line - 1 ? n : sizeof line - 1;
	memcpy(line, p, l);
	line[l] = 0;
	line[strcspn(line, "\r\n")] = 0;
	if (!strncasecmp(line, "HTTP/", 5)) { /* a new response (after 100 Continue) */
		q->role[0] = 0;
		q->have_range_total = 0;
	} else if (!strncasecmp(line, "Rempart-Role:", 13)) {
		const char *v = line + 13 + strspn(line + 13, " ");
		snprintf(q->role, sizeof q->role, "%s", v);
	} else if (!strncasecmp(line, "Content-Range:", 14)) {
		unsigned long long total;
		const char *v = line + 14 + strspn(line + 14, " ");
		if (sscanf(v, "bytes */%llu", &total) == 1) {
			q->range_total = total;
			q->have_range_total = 1;
		}
	}
	return n;
}

static size_t on_upload(char *p, size_t size, size_t nmemb, void *ud)
{
	rest_req *q = ud;
	size_t max = size * nmemb;
	uint64_t left = q->up_len - q->up_pos;
	size_t n = left < max ? (size_t)left : max;
	if (n == 0)
		return 0;
	if (q->mem) {
		memcpy(p, q->mem + q->up_pos, n);
	} else {
		ssize_t k;
		do
			k = pread(q->fd, p, n, (off_t)q->up_pos);
		while (k < 0 && errno == EINTR);
		if (k <= 0)
			return CURL_READFUNC_ABORT;
		n = (size_t)k;
	}
	q->up_pos += n;
	return n;
}

/* curl rewinds the body when it resends a request (for example on a
 * kept-alive connection the server had closed). */
static int on_seek(void *ud, curl_off_t off, int origin)
{
	rest_req *q = ud;
	if (origin != SEEK_SET || off < 0 || (uint64_t)off > q->up_len)
		return CURL_SEEKFUNC_CANTSEEK;
	q->up_pos = (uint64_t)off;
	return CURL_SEEKFUNC_OK;
}

/* ---- one exchange, with retries ---- */

static int retryable_curl(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int retryable_status(long st)
{
	return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static void setup(rest_store *s, rest_req *q, const char *url, char *curl_err)
{
	CURL *h = q->h;
	q->fn = &s->fn;
	s->fn.easy_reset(h);
	s->fn.easy_setopt(h, CURLOPT_URL, url);
	s->fn.easy_setopt(h, CURLOPT_HTTPHEADER, s->headers);
	s->fn.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	s->fn.easy_setopt(h, CURLOPT_SHARE, s->share);
	s->fn.easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	s->fn.easy_setopt(h, CURLOPT_USERAGENT, "rempart/0.1");
	s->fn.easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_SECONDS);
	s->fn.easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, STALL_BYTES_PER_SECOND);
	s->fn.easy_setopt(h, CURLOPT_LOW_SPEED_TIME, STALL_SECONDS);
	s->fn.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	s->fn.easy_setopt(h, CURLOPT_BUFFERSIZE, RECV_BUFFER_BYTES);
	s->fn.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	s->fn.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	if (s->cacert)
		s->fn.easy_setopt(h, CURLOPT_CAINFO, s->cacert);
	s->fn.easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	s->fn.easy_setopt(h, CURLOPT_WRITEDATA, q);
	s->fn.easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	s->fn.easy_setopt(h, CURLOPT_HEADERDATA, q);
	if (q->range[0])
		s->fn.easy_setopt(h, CURLOPT_RANGE, q->range);
	if (!strcmp(q->method, "HEAD")) {
		s->fn.easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (!strcmp(q->method, "PUT")) {
		s->fn.easy_setopt(h, CURLOPT_UPLOAD, 1L);
		s->fn.easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, SEND_BUFFER_BYTES);
		s->fn.easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
		s->fn.easy_setopt(h, CURLOPT_READDATA, q);
		s->fn.easy_setopt(h, CURLOPT_SEEKFUNCTION, on_seek);
		s->fn.easy_setopt(h, CURLOPT_SEEKDATA, q);
		s->fn.easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->up_len);
	} else if (strcmp(q->method, "GET")) {
		s->fn.easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
}

/* Runs q until it gets an answer that is not worth retrying.  Returns 0
 * with q->status set, or RP_ENET/RP_ENOMEM/RP_EIO. */
static int perform(rest_store *s, rest_req *q, rp_err *e)
{
	char url[1024], curl_err[CURL_ERROR_SIZE];
	int rc = 0;
	if (snprintf(url, sizeof url, "%s/%s%s", s->base_url, q->name, q->folder ? "/" : "") >= (int)sizeof url)
		return rp_err_set(e, RP_EINVAL, "%s/%s: URL too long", s->loc, q->name);
	if (!(q->h = handle_take(s)))
		return rp_err_set(e, RP_ENOMEM, "out of memory (curl handle)");
	double start = now_seconds(), delay = RETRY_FIRST_DELAY_SECONDS;
	uint32_t jitter = (uint32_t)(uintptr_t)q ^ (uint32_t)(start * 1e6);
	for (q->attempts = 1;; q->attempts++) {
		q->status = 0;
		q->errlen = 0;
		q->errtext[0] = 0;
		q->role[0] = 0;
		q->have_range_total = 0;
		q->up_pos = 0;
		q->got = 0;
		if (q->out)
			q->out->len = q->out_start;
		curl_err[0] = 0;
		setup(s, q, url, curl_err);
		CURLcode cc = s->fn.easy_perform(q->h);
		q->fn->easy_getinfo(q->h, CURLINFO_RESPONSE_CODE, &q->status);
		curl_off_t cl = -1;
		q->fn->easy_getinfo(q->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
		q->content_length = cl;
		if (q->oom) {
			rc = rp_err_set(e, RP_ENOMEM, "out of memory reading %s/%s", s->loc, q->name);
			break;
		}
		if (cc == CURLE_WRITE_ERROR && q->status == 206) {
			rc = rp_err_set(e, RP_ECORRUPT, "%s/%s: the server sent more bytes than asked for", s->loc,
					q->name);
			break;
		}
		int again = cc == CURLE_OK ? retryable_status(q->status) : retryable_curl(cc);
		if (!again) {
			if (cc != CURLE_OK)
				rc = rp_err_set(e, cc == CURLE_READ_ERROR || cc == CURLE_ABORTED_BY_CALLBACK ? RP_EIO : RP_ENET,
						"%s %s/%s: %s", q->method, s->loc, q->name,
						curl_err[0] ? curl_err : s->fn.easy_strerror(cc));
			break;
		}
		double elapsed = now_seconds() - start;
		jitter = jitter * 1103515245u + 12345u;
		double wait = delay * (0.75 + 0.5 * (double)(jitter >> 16 & 0x7fff) / 32768.0);
		if (elapsed + wait > s->retry_seconds) {
			if (cc != CURLE_OK)
				rc = rp_err_set(e, RP_ENET, "%s %s/%s: %s (gave up after %d attempts in %.0f s)", q->method,
						s->loc, q->name, curl_err[0] ? curl_err : s->fn.easy_strerror(cc),
						q->attempts, elapsed);
			else
				rc = rp_err_set(e, RP_ENET, "%s %s/%s: the server answered %ld: %s (gave up after %d attempts in %.0f s)",
						q->method, s->loc, q->name, q->status, q->errtext, q->attempts, elapsed);
			break;
		}
		struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
		delay = delay * 2 > RETRY_MAX_DELAY_SECONDS ? RETRY_MAX_DELAY_SECONDS : delay * 2;
	}
	if (q->out && rc)
		q->out->len = q->out_start;
	handle_give(s, q->h);
	q->h = NULL;
	return rc;
}

/* Turns a final status that is not success into an error code and a
 * message that says what to do. */
static int status_err(rest_store *s, const rest_req *q, rp_err *e)
{
	const char *why = q->errtext[0] ? q->errtext : "no explanation";
	switch (q->status) {
	case 401:
		return rp_err_set(e, RP_EPERM,
				  "%s: the server refused the token (401: %s); check REMPART_TOKEN or --token-file",
				  s->loc, why);
	case 403:
		if (!strcmp(q->method, "DELETE") && !strcmp(q->role, "append") && strncmp(q->name, "locks/", 6))
			return rp_err_set(e, RP_EPERM,
					  "the server refused DELETE of %s: this token has the append role; prune needs "
					  "an admin token",
					  q->name);
		if (!strcmp(q->method, "DELETE") && !strcmp(q->role, "read"))
			return rp_err_set(e, RP_EPERM,
					  "the server refused DELETE of %s: this token has the read role; prune needs an "
					  "admin token",
					  q->name);
		if (!strcmp(q->method, "PUT") && !strcmp(q->role, "read"))
			return rp_err_set(e, RP_EPERM,
					  "the server refused to create %s: this token has the read role; backups need an "
					  "append token",
					  q->name);
		return rp_err_set(e, RP_EPERM, "the server refused %s of %s (403): %s", q->method, q->name, why);
	case 404:
		return rp_err_set(e, RP_ENOTFOUND, "%s/%s: not found", s->loc, q->name);
	case 409:
		return rp_err_set(e, RP_EEXIST, "%s/%s already exists", s->loc, q->name);
	case 413:
		return rp_err_set(e, RP_ENOSPC,
				  "%s/%s: the server refuses files this large (413: %s); raise its --max-body-bytes",
				  s->loc, q->name, why);
	case 416:
		return rp_err_set(e, RP_ECORRUPT, "%s/%s: the file is shorter than the range %s", s->loc, q->name,
				  q->range);
	case 507:
		return rp_err_set(e, RP_ENOSPC, "%s/%s: the server's disk is full (507: %s)", s->loc, q->name, why);
	default:
		return rp_err_set(e, RP_ENET, "%s %s/%s: the server answered %ld: %s", q->method, s->loc, q->name,
				  q->status, why);
	}
}

/* ---- background uploads (see the top of the file) ---- */

/* Waits until no upload of name (any upload when name is NULL) is queued
 * or running. */
static void wait_uploads(rest_store *s, const char *name)
{
	pthread_mutex_lock(&s->up_mu);
	for (;;) {
		const upload_job *j = s->jobs;
		while (j && name && strcmp(j->name, name))
			j = j->next;
		if (!j)
			break;
		pthread_cond_wait(&s->up_cv, &s->up_mu);
	}
	pthread_mutex_unlock(&s->up_mu);
}

/* ---- operations ---- */

static int rest_get(rp_store *base, const char *name, uint64_t off, uint64_t len, rp_buf *out, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	rest_req q = {.method = "GET", .name = name, .out = out, .out_start = out->len, .fd = -1};
	if (!name_ok(name))
		return rp_err_set(e, RP_EINVAL, "invalid object name '%s'", name ? name : "");
	wait_uploads(s, name);
	if (len && off > UINT64_MAX - len)
		return rp_err_set(e, RP_EINVAL, "%s: bad range", name);
	if (len)
		snprintf(q.range, sizeof q.range, "%llu-%llu", (unsigned long long)off,
			 (unsigned long long)(off + len - 1));
	else if (off)
		snprintf(q.range, sizeof q.range, "%llu-", (unsigned long long)off);
	q.limit = len;
	int rc = perform(s, &q, e);
	if (rc)
		return rc;
	if (q.status == 200 && q.range[0]) {
		/* the range was ignored: cut it out of the whole file */
		uint64_t have = q.got;
		if (off > have || (len && len > have - off)) {
			out->len = q.out_start;
			return rp_err_set(e, RP_ECORRUPT, "%s/%s: file has %llu bytes, wanted %llu at %llu (truncated?)",
					  s->loc, name, (unsigned long long)have, (unsigned long long)len,
					  (unsigned long long)off);
		}
		uint64_t keep = len ? len : have - off;
		memmove(out->data + q.out_start, out->data + q.out_start + off, (size_t)keep);
		out->len = q.out_start + (size_t)keep;
		return 0;
	}
	if (q.status == 200 || (q.status == 206 && (!len || q.got == len)))
		return 0;
	if (q.status == 206) {
		out->len = q.out_start;
		return rp_err_set(e, RP_ECORRUPT, "%s/%s: file is shorter than expected: wanted %llu bytes at %llu, got %llu",
				  s->loc, name, (unsigned long long)len, (unsigned long long)off,
				  (unsigned long long)q.got);
	}
	if (q.status == 416 && !len && q.have_range_total && q.range_total == off)
		return 0; /* reading from the very end: nothing, as a local file gives */
	return status_err(s, &q, e);
}

static int rest_stat(rp_store *base, const char *name, uint64_t *size, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	rest_req q = {.method = "HEAD", .name = name, .fd = -1};
	if (!name_ok(name))
		return rp_err_set(e, RP_EINVAL, "invalid object name '%s'", name ? name : "");
	wait_uploads(s, name);
	int rc = perform(s, &q, e);
	if (rc)
		return rc;
	if (q.status != 200)
		return status_err(s, &q, e);
	if (q.content_length < 0)
		return rp_err_set(e, RP_ENET, "HEAD %s/%s: the server did not say the size", s->loc, name);
	*size = (uint64_t)q.content_length;
	return 0;
}

/* Compares the stored file name with want[0..n) (for a retried config). */
static int same_content(rest_store *s, const char *name, const uint8_t *want, int fd, uint64_t n)
{
	if (n > CONFIG_COMPARE_MAX_BYTES)
		return 0;
	rp_buf have = {0};
	rp_err e;
	int same = 0;
	if (!rest_get(&s->base, name, 0, 0, &have, &e) && have.len == n) {
		if (want) {
			same = !memcmp(have.data, want, (size_t)n);
		} else {
			uint8_t *tmp = malloc(n ? (size_t)n : 1);
			if (tmp && pread(fd, tmp, (size_t)n, 0) == (ssize_t)n)
				same = !memcmp(have.data, tmp, (size_t)n);
			free(tmp);
		}
	}
	rp_buf_free(&have);
	return same;
}

static int upload(rest_store *s, const char *name, const uint8_t *mem, int fd, uint64_t n, rp_err *e)
{
	rest_req q = {.method = "PUT", .name = name, .mem = mem, .fd = fd, .up_len = n};
	if (!name_ok(name))
		return rp_err_set(e, RP_EINVAL, "invalid object name '%s'", name ? name : "");
	int rc = perform(s, &q, e);
	if (rc)
		return rc;
	if (q.status == 201 || q.status == 200 || q.status == 204)
		return 0;
	/* a retry that meets the file: the earlier attempt succeeded */
	if (q.status == 409 && q.attempts > 1 &&
	    (is_content_addressed(name) || same_content(s, name, mem, fd, n)))
		return 0;
	return status_err(s, &q, e);
}

static int rest_put(rp_store *base, const char *name, const void *p, size_t n, rp_err *e)
{
	static const uint8_t empty[1];
	return upload((rest_store *)base, name, p ? p : empty, -1, n, e);
}

static int rest_writer_open(rp_store *base, rp_store_writer **out, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	rest_writer *w = calloc(1, sizeof *w);
	if (!w)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	w->base.ops = &rest_writer_ops;
	w->s = s;
	w->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		char path[4096];
		snprintf(path, sizeof path, "%s/rempart-upload-XXXXXX", dir);
		w->fd = mkostemp(path, O_CLOEXEC);
		if (w->fd >= 0)
			unlink(path);
	}
	if (w->fd < 0) {
		int err = errno;
		free(w);
		return rp_err_errno(e, err, "%s: cannot create a temporary file to spool an upload", dir);
	}
	*out = &w->base;
	return 0;
}

static int rest_writer_write(rp_store_writer *base, const void *p, size_t n, rp_err *e)
{
	rest_writer *w = (rest_writer *)base;
	const uint8_t *b = p;
	size_t left = n;
	while (left) {
		ssize_t k = write(w->fd, b, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return rp_err_errno(e, errno, "spooling an upload to a temporary file");
		b += k;
		left -= (size_t)k;
	}
	w->n += n;
	return 0;
}

static void rest_writer_abort(rp_store_writer *base)
{
	rest_writer *w = (rest_writer *)base;
	if (w->fd >= 0)
		close(w->fd);
	free(w);
}

static void *upload_main(void *arg)
{
	rest_store *s = arg;
	pthread_mutex_lock(&s->up_mu);
	for (;;) {
		upload_job *j = s->jobs;
		while (j && j->started)
			j = j->next;
		if (!j) {
			if (s->up_stop)
				break;
			pthread_cond_wait(&s->up_cv, &s->up_mu);
			continue;
		}
		j->started = 1;
		s->n_waiting--;
		pthread_mutex_unlock(&s->up_mu);
		rp_err e;
		int rc = upload(s, j->name, NULL, j->fd, j->n, &e);
		if (rc == RP_EEXIST)
			rc = 0; /* the name is the content's hash: the same bytes are there */
		close(j->fd);
		pthread_mutex_lock(&s->up_mu);
		if (rc && !s->up_rc) {
			s->up_rc = rc;
			snprintf(s->up_msg, sizeof s->up_msg, "%s", e.msg);
		}
		upload_job **pp = &s->jobs;
		while (*pp != j)
			pp = &(*pp)->next;
		*pp = j->next;
		free(j);
		pthread_cond_broadcast(&s->up_cv);
	}
	pthread_mutex_unlock(&s->up_mu);
	return NULL;
}

/* Queues the spooled file of w for upload under name; takes w's fd. */
static int upload_later(rest_writer *w, const char *name, rp_err *e)
{
	rest_store *s = w->s;
	upload_job *j = calloc(1, sizeof *j);
	if (!j)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	snprintf(j->name, sizeof j->name, "%s", name);
	j->fd = w->fd;
	j->n = w->n;
	pthread_mutex_lock(&s->up_mu);
	if (s->up_rc) { /* an earlier upload failed: stop here, with its reason */
		int rc = rp_err_set(e, s->up_rc, "%s", s->up_msg);
		pthread_mutex_unlock(&s->up_mu);
		free(j);
		return rc;
	}
	while (s->n_up_threads < UPLOAD_THREADS &&
	       !pthread_create(&s->up_threads[s->n_up_threads], NULL, upload_main, s))
		s->n_up_threads++;
	if (!s->n_up_threads) {
		pthread_mutex_unlock(&s->up_mu);
		free(j);
		return rp_err_set(e, RP_ENOMEM, "cannot start upload threads");
	}
	while (s->n_waiting >= UPLOAD_QUEUE_MAX) /* back-pressure on the packer */
		pthread_cond_wait(&s->up_cv, &s->up_mu);
	upload_job **pp = &s->jobs;
	while (*pp)
		pp = &(*pp)->next;
	*pp = j;
	s->n_waiting++;
	w->fd = -1;
	pthread_cond_broadcast(&s->up_cv);
	pthread_mutex_unlock(&s->up_mu);
	return 0;
}

static int rest_writer_commit(rp_store_writer *base, const char *name, rp_err *e)
{
	rest_writer *w = (rest_writer *)base;
	int rc;
	if (!name_ok(name))
		rc = rp_err_set(e, RP_EINVAL, "invalid object name '%s'", name ? name : "");
	else if (is_content_addressed(name))
		rc = upload_later(w, name, e);
	else
		rc = upload(w->s, name, NULL, w->fd, w->n, e);
	rest_writer_abort(base);
	return rc;
}

static const rp_store_writer_ops rest_writer_ops = {
	rest_writer_write,
	rest_writer_commit,
	rest_writer_abort,
};

static int rest_list(rp_store *base, const char *dir, rp_store_list_fn fn, void *ctx, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	rp_buf body = {0};
	rp_json *j = NULL;
	rest_req q = {.method = "GET", .name = dir, .folder = 1, .out = &body, .fd = -1};
	if (!name_ok(dir))
		return rp_err_set(e, RP_EINVAL, "invalid folder name '%s'", dir ? dir : "");
	wait_uploads(s, NULL);
	int rc = perform(s, &q, e);
	if (rc)
		goto done;
	if (q.status == 404)
		goto done; /* nothing there yet */
	if (q.status != 200) {
		rc = status_err(s, &q, e);
		goto done;
	}
	if ((rc = rp_json_parse((const char *)body.data, body.len, &j, e))) {
		rp_err_prefix(e, "%s: listing of %s", s->loc, dir);
		goto done;
	}
	if (j->type != RP_JSON_ARR) {
		rc = rp_err_set(e, RP_ECORRUPT, "%s: listing of %s is not a JSON array", s->loc, dir);
		goto done;
	}
	size_t dl = strlen(dir);
	for (const rp_json *it = j->child; it; it = it->next) {
		const char *nm;
		size_t nl;
		int64_t size;
		if (it->type != RP_JSON_OBJ || rp_json_get_str(it, "name", &nm, &nl) ||
		    rp_json_get_int(it, "size", &size) || size < 0 || nl != strlen(nm) || nl <= dl + 1 ||
		    strncmp(nm, dir, dl) || nm[dl] != '/' || !name_ok(nm)) {
			rc = rp_err_set(e, RP_ECORRUPT, "%s: listing of %s has a malformed entry", s->loc, dir);
			goto done;
		}
		if (fn(ctx, nm, (uint64_t)size))
			break;
	}
done:
	rp_json_free(j);
	rp_buf_free(&body);
	return rc;
}

static int rest_remove(rp_store *base, const char *name, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	rest_req q = {.method = "DELETE", .name = name, .fd = -1};
	if (!name_ok(name))
		return rp_err_set(e, RP_EINVAL, "invalid object name '%s'", name ? name : "");
	wait_uploads(s, name);
	int rc = perform(s, &q, e);
	if (rc)
		return rc;
	if (q.status == 204 || q.status == 200)
		return 0;
	if (q.status == 404 && q.attempts > 1)
		return 0; /* an earlier attempt removed it */
	return status_err(s, &q, e);
}

static int rest_sync(rp_store *base, rp_err *e)
{
	/* the server answers a PUT only once the file is durable, so this
	 * only waits for the background uploads */
	rest_store *s = (rest_store *)base;
	wait_uploads(s, NULL);
	pthread_mutex_lock(&s->up_mu);
	int rc = s->up_rc;
	if (rc)
		rp_err_set(e, rc, "%s", s->up_msg);
	s->up_rc = 0;
	pthread_mutex_unlock(&s->up_mu);
	return rc;
}

static int rest_create(rp_store *base, rp_err *e)
{
	rest_store *s = (rest_store *)base;
	rest_req q = {.method = "HEAD", .name = "config", .fd = -1};
	int rc = perform(s, &q, e);
	if (rc)
		return rc;
	if (q.status == 404)
		return 0; /* the server makes the folders on the first write */
	if (q.status == 200)
		return rp_err_set(e, RP_EEXIST, "%s: a repository already exists there", s->loc);
	return status_err(s, &q, e);
}

static void rest_close(rp_store *base)
{
	rest_store *s = (rest_store *)base;
	/* queued uploads still go out: the caller may not have synced */
	pthread_mutex_lock(&s->up_mu);
	s->up_stop = 1;
	pthread_cond_broadcast(&s->up_cv);
	pthread_mutex_unlock(&s->up_mu);
	for (int i = 0; i < s->n_up_threads; i++)
		pthread_join(s->up_threads[i], NULL);
	pthread_mutex_destroy(&s->up_mu);
	pthread_cond_destroy(&s->up_cv);
	for (size_t i = 0; i < s->n_idle; i++)
		s->fn.easy_cleanup(s->idle[i]);
	free(s->idle);
	if (s->share)
		s->fn.share_cleanup(s->share);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&s->share_mu[i]);
	pthread_mutex_destroy(&s->mu);
	if (s->headers) {
		/* the token is in there: wipe it before freeing */
		for (struct curl_slist *l = s->headers; l; l = l->next)
			memset(l->data, 0, strlen(l->data));
		s->fn.slist_free_all(s->headers);
	}
	free(s->base_url);
	free(s->loc);
	free(s->cacert);
	void (*global_cleanup)(void) = s->fn.global_cleanup;
	free(s);
	global_cleanup();
}

static const rp_store_ops rest_ops = {
	rest_get, rest_stat, rest_put, rest_writer_open, rest_list, rest_remove, rest_sync, rest_create, rest_close,
};

/* Reads the first line of a token file. */
static int read_token_file(const char *path, char *out, size_t cap, rp_err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return rp_err_errno(e, errno, "token file %s", path);
	int ok = fgets(out, (int)cap, f) != NULL;
	fclose(f);
	if (!ok)
		return rp_err_set(e, RP_EINVAL, "token file %s is empty", path);
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

int rp_store_rest_open(rp_store **out, const char *url, const char *token, rp_err *e)
{
	char tokbuf[512];
	int rc = 0;
	if (!url || (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)))
		return rp_err_set(e, RP_EINVAL, "rest: repositories look like rest:https://HOST:PORT/TENANT (got '%s')",
				  url ? url : "");
	const char *hostpart = strstr(url, "://") + 3;
	const char *path = strchr(hostpart, '/');
	size_t ul = strlen(url);
	while (ul && url[ul - 1] == '/')
		ul--;
	if (!path || (size_t)(path - url) + 1 >= ul || strcspn(url, " \t\r\n?#\"\\") < strlen(url))
		return rp_err_set(e, RP_EINVAL, "rest:%s: the URL must end with the tenant, as in https://HOST:PORT/TENANT",
				  url);
	if (!token)
		token = getenv("REMPART_TOKEN");
	if (!token || !*token) {
		const char *tf = getenv("REMPART_TOKEN_FILE");
		if (!tf || !*tf)
			return rp_err_set(e, RP_EINVAL,
					  "rest:%s: the server needs a token: set REMPART_TOKEN or use --token-file", url);
		if ((rc = read_token_file(tf, tokbuf, sizeof tokbuf, e)))
			return rc;
		token = tokbuf;
	}
	for (const char *p = token; *p; p++)
		if (*p <= ' ' || *p >= 127) {
			memset(tokbuf, 0, sizeof tokbuf);
			return rp_err_set(e, RP_EINVAL, "the token contains a space or a control character");
		}
	curl_fns fn;
	if ((rc = curl_fns_load(&fn, e))) {
		memset(tokbuf, 0, sizeof tokbuf);
		return rc;
	}
	if (fn.global_init(CURL_GLOBAL_DEFAULT)) {
		memset(tokbuf, 0, sizeof tokbuf);
		return rp_err_set(e, RP_EIO, "cannot initialise libcurl");
	}
	rest_store *s = calloc(1, sizeof *s);
	if (!s) {
		fn.global_cleanup();
		memset(tokbuf, 0, sizeof tokbuf);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	s->fn = fn;
	s->base.ops = &rest_ops;
	s->base.remote = 1;
	pthread_mutex_init(&s->mu, NULL);
	pthread_mutex_init(&s->up_mu, NULL);
	pthread_cond_init(&s->up_cv, NULL);
	for (int i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&s->share_mu[i], NULL);
	char auth[600];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	memset(tokbuf, 0, sizeof tokbuf);
	struct curl_slist *h1 = s->fn.slist_append(NULL, auth);
	memset(auth, 0, sizeof auth);
	s->headers = h1;
	const char *ca = getenv("REMPART_CACERT");
	const char *rs = getenv("REMPART_RETRY_SECONDS");
	char *end = NULL;
	s->retry_seconds = rs && *rs ? strtod(rs, &end) : RETRY_DEFAULT_SECONDS;
	if ((rs && *rs && (*end || s->retry_seconds < 0)))
		s->retry_seconds = RETRY_DEFAULT_SECONDS;
	s->base_url = strndup(url, ul);
	s->loc = malloc(ul + 6);
	s->share = s->fn.share_init();
	if (!h1 || !s->base_url || !s->loc || !s->share || (ca && *ca && !(s->cacert = strdup(ca)))) {
		rest_close(&s->base);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	snprintf(s->loc, ul + 6, "rest:%s", s->base_url);
	s->base.location = s->loc;
	s->fn.share_setopt(s->share, CURLSHOPT_LOCKFUNC, share_lock);
	s->fn.share_setopt(s->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	s->fn.share_setopt(s->share, CURLSHOPT_USERDATA, s);
	s->fn.share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	s->fn.share_setopt(s->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
	*out = &s->base;
	return 0;
}
