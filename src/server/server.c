/* server.c - the daemon: listening socket, libmicrohttpd setup,
 * authentication, dispatch, per-request log lines, deadlines and shutdown.
 *
 * Threads: libmicrohttpd runs a pool of `threads` event loops; handlers
 * run on them and may block on the disk (fsync), which only delays the
 * connections of that one loop.  A watchdog thread cuts connections that
 * miss their deadline (headers not sent in time, body trickling in slower
 * than SRV_MIN_UPLOAD_BYTES_PER_SECOND): libmicrohttpd's own timeout only
 * catches connections that go completely silent.
 */
#include "server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define LISTEN_BACKLOG 511
#define TLS_FILE_MAX_BYTES (1u << 20)
#define TOKEN_HEADER_MAX_CHARS 256
#define WATCHDOG_PERIOD_NS 250000000LL
/* Memory libmicrohttpd may use per connection: it bounds the request
 * headers (more is answered 431) and sizes the buffer bodies are read
 * into, so it is a trade between memory per connection and upload speed. */
#define CONNECTION_MEMORY_BYTES (256u << 10)

int64_t srv_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void rp_server_opts_default(rp_server_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_connections = RP_SERVER_DEFAULT_MAX_CONNECTIONS;
	o->max_body_bytes = RP_SERVER_DEFAULT_MAX_BODY_BYTES;
	o->timeout_seconds = RP_SERVER_DEFAULT_TIMEOUT_SECONDS;
	o->drain_seconds = RP_SERVER_DEFAULT_DRAIN_SECONDS;
}

/* ---- replies ---- */

enum MHD_Result srv_reply_resp(srv_req *r, struct MHD_Connection *c, int status, struct MHD_Response *resp)
{
	if (!resp)
		return MHD_NO;
	r->status = status;
	r->srv->mhd_fn.add_response_header(resp, "Rempart-Protocol", SRV_PROTOCOL_VERSION);
	if (r->authed)
		r->srv->mhd_fn.add_response_header(resp, "Rempart-Role", rp_role_name(r->tok.role));
	if (__atomic_load_n(&r->srv->draining, __ATOMIC_RELAXED))
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	enum MHD_Result ret = r->srv->mhd_fn.queue_response(c, (unsigned)status, resp);
	r->srv->mhd_fn.destroy_response(resp);
	return ret;
}

enum MHD_Result srv_reply(srv_req *r, struct MHD_Connection *c, int status, const char *fmt, ...)
{
	char msg[512];
	size_t n = 0;
	if (status != MHD_HTTP_NO_CONTENT) {
		va_list ap;
		va_start(ap, fmt);
		int k = vsnprintf(msg, sizeof msg - 1, fmt, ap);
		va_end(ap);
		n = k < 0 ? 0 : (size_t)k < sizeof msg - 1 ? (size_t)k : sizeof msg - 2;
		msg[n++] = '\n';
	}
	struct MHD_Response *resp = r->srv->mhd_fn.response_from_buffer(n, msg, MHD_RESPMEM_MUST_COPY);
	if (!resp)
		return MHD_NO;
	if (n)
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (status == MHD_HTTP_UNAUTHORIZED)
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"rempart\"");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_ALLOW,
					r->path.kind == SRV_PATH_FILE ? "GET, HEAD, PUT, DELETE" : "GET, HEAD");
	if (r->method != SRV_M_HEAD)
		r->bytes_out += n;
	return srv_reply_resp(r, c, status, resp);
}

enum MHD_Result srv_reply_errno(srv_req *r, struct MHD_Connection *c, int err, const char *what)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return srv_reply(r, c, MHD_HTTP_NOT_FOUND, "%s: no such file", what);
	case EEXIST:
		return srv_reply(r, c, MHD_HTTP_CONFLICT, "%s already exists; files are never replaced", what);
	case ENOSPC:
	case EDQUOT:
		return srv_reply(r, c, MHD_HTTP_INSUFFICIENT_STORAGE, "%s: the server's disk is full (%s)", what,
				 strerror(err));
	case ELOOP:
	case EXDEV:
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN, "%s: refused, the path crosses a symbolic link", what);
	default:
		return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "%s: server error: %s", what, strerror(err));
	}
}

/* ---- tokens ---- */

/* Re-reads the tokens file when it changed (checked at most once a
 * second).  Called with tok_mu held. */
static void tokens_maybe_reload(rp_server *s, int force)
{
	int64_t now = srv_now_ns();
	if (!force && now - s->tok_checked_ns < SRV_TOKENS_RECHECK_NS)
		return;
	s->tok_checked_ns = now;
	struct stat st;
	if (stat(s->tokens_path, &st))
		return; /* keep the tokens we have: a vanished file is an admin's mistake, not an order */
	if (!force && st.st_mtim.tv_sec == s->tok_mtime.tv_sec && st.st_mtim.tv_nsec == s->tok_mtime.tv_nsec &&
	    st.st_size == s->tok_size && st.st_ino == s->tok_ino)
		return;
	rp_tokens *t;
	rp_err e;
	if (rp_tokens_load(&t, s->tokens_path, &e)) {
		if (s->o.log)
			fprintf(s->o.log, "rempart serve: keeping the previous tokens: %s\n", e.msg);
		s->tok_mtime = st.st_mtim;
		s->tok_size = st.st_size;
		s->tok_ino = st.st_ino;
		return;
	}
	rp_tokens_free(s->tokens);
	s->tokens = t;
	s->tok_mtime = st.st_mtim;
	s->tok_size = st.st_size;
	s->tok_ino = st.st_ino;
	if (s->o.log)
		fprintf(s->o.log, "rempart serve: %zu tokens loaded from %s\n", rp_tokens_count(t), s->tokens_path);
}

int rp_server_reload_tokens(rp_server *s, rp_err *e)
{
	rp_tokens *t;
	int rc = rp_tokens_load(&t, s->tokens_path, e);
	if (rc)
		return rc;
	pthread_mutex_lock(&s->tok_mu);
	rp_tokens_free(s->tokens);
	s->tokens = t;
	s->tok_checked_ns = 0;
	pthread_mutex_unlock(&s->tok_mu);
	return 0;
}

static int authenticate(rp_server *s, const char *token, size_t n, rp_token_entry *out)
{
	pthread_mutex_lock(&s->tok_mu);
	tokens_maybe_reload(s, 0);
	const rp_token_entry *ent = rp_tokens_match(s->tokens, token, n);
	if (ent)
		*out = *ent;
	pthread_mutex_unlock(&s->tok_mu);
	return ent ? 0 : -1;
}

/* ---- connections and deadlines ---- */

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	rp_server *s = cls;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		srv_conn *k = calloc(1, sizeof *k);
		const union MHD_ConnectionInfo *ci = s->mhd_fn.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		*socket_context = k;
		if (!k)
			return;
		k->fd = ci ? ci->connect_fd : -1;
		k->deadline_ns = srv_now_ns() + (int64_t)s->o.timeout_seconds * 1000000000LL;
		pthread_mutex_lock(&s->conn_mu);
		k->next = s->conns;
		if (s->conns)
			s->conns->prev = k;
		s->conns = k;
		s->n_conns++;
		pthread_mutex_unlock(&s->conn_mu);
		return;
	}
	srv_conn *k = *socket_context;
	if (!k)
		return;
	/* called before libmicrohttpd closes the socket, so the watchdog
	 * never shuts down an fd number that was reused */
	pthread_mutex_lock(&s->conn_mu);
	if (k->prev)
		k->prev->next = k->next;
	else
		s->conns = k->next;
	if (k->next)
		k->next->prev = k->prev;
	s->n_conns--;
	pthread_mutex_unlock(&s->conn_mu);
	free(k);
	*socket_context = NULL;
}

static void set_deadline(srv_conn *k, int64_t when_ns)
{
	if (k)
		__atomic_store_n(&k->deadline_ns, when_ns, __ATOMIC_RELAXED);
}

static void *watchdog_main(void *arg)
{
	rp_server *s = arg;
	pthread_mutex_lock(&s->run_mu);
	while (!s->stopping) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += WATCHDOG_PERIOD_NS;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->run_cv, &s->run_mu, &ts);
		if (s->stopping)
			break;
		pthread_mutex_unlock(&s->run_mu);
		int64_t now = srv_now_ns();
		pthread_mutex_lock(&s->conn_mu);
		for (srv_conn *k = s->conns; k; k = k->next) {
			int64_t d = __atomic_load_n(&k->deadline_ns, __ATOMIC_RELAXED);
			if (d && now > d && k->fd >= 0) {
				/* shutdown, not close: libmicrohttpd sees the end of
				 * the stream and closes the connection itself */
				shutdown(k->fd, SHUT_RDWR);
				__atomic_store_n(&k->deadline_ns, 0, __ATOMIC_RELAXED);
			}
		}
		pthread_mutex_unlock(&s->conn_mu);
		pthread_mutex_lock(&s->run_mu);
	}
	pthread_mutex_unlock(&s->run_mu);
	return NULL;
}

/* ---- per-request log ---- */

/* Copies a client-supplied string for the log: printable ASCII only, so
 * no one can forge log lines or send terminal escapes. */
static void printable(char *dst, size_t cap, const char *src)
{
	size_t i = 0;
	for (; src && *src && i + 1 < cap; src++)
		dst[i++] = (*src > ' ' && *src < 127) ? *src : '?';
	dst[i] = 0;
}

static void log_request(rp_server *s, srv_req *r, struct MHD_Connection *c, const char *end)
{
	if (!s->o.log)
		return;
	char when[40], peer[INET6_ADDRSTRLEN] = "-", line[768];
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t w = strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(when + w, sizeof when - w, ".%03ldZ", ts.tv_nsec / 1000000);
	const union MHD_ConnectionInfo *ci = s->mhd_fn.get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;
		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, peer, sizeof peer);
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, peer,
				  sizeof peer);
	}
	double ms = (double)(srv_now_ns() - r->t0_ns) / 1e6;
	int n = snprintf(line, sizeof line,
			 "%s tenant=%s role=%s method=%s object=%s status=%d in=%llu out=%llu ms=%.1f peer=%s end=%s\n",
			 when, r->authed ? r->tok.tenant : "-", r->authed ? rp_role_name(r->tok.role) : "-",
			 r->method_name, r->object, r->status, (unsigned long long)r->bytes_in,
			 (unsigned long long)r->bytes_out, ms, peer, end);
	if (n > 0)
		fwrite(line, 1, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1, s->o.log);
	fflush(s->o.log);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	rp_server *s = cls;
	srv_req *r = *req_cls;
	if (!r)
		return;
	*req_cls = NULL;
	static const char *const ends[] = {"ok", "error", "timeout", "shutdown", "read-error", "client-abort"};
	const char *end = (unsigned)toe < sizeof ends / sizeof *ends ? ends[toe] : "other";
	if (r->uploading && !r->status)
		r->status = 499; /* the client went away before its upload was complete */
	srv_put_cleanup(r);
	srv_metrics_record(s->metrics, r->authed ? r->tok.tenant : NULL, r->method, r->status, r->bytes_in,
			   r->bytes_out);
	log_request(s, r, c, end);
	/* the connection now waits for its next request's headers */
	set_deadline(r->conn, srv_now_ns() + (int64_t)s->o.timeout_seconds * 1000000000LL);
	free(r);
	pthread_mutex_lock(&s->run_mu);
	s->in_flight--;
	pthread_cond_broadcast(&s->run_cv);
	pthread_mutex_unlock(&s->run_mu);
}

/* ---- dispatch ---- */

static size_t keep_raw_url(void *cls, struct MHD_Connection *c, char *s)
{
	/* no percent-decoding: the grammar refuses '%', so encoded dots or
	 * slashes are refused instead of decoded */
	return strlen(s);
}

static int method_id(const char *m)
{
	static const char *const names[] = {"GET", "HEAD", "PUT", "DELETE"};
	for (int i = 0; i < 4; i++)
		if (!strcmp(m, names[i]))
			return i;
	return SRV_M_OTHER;
}

static enum MHD_Result serve_metrics(srv_req *r, struct MHD_Connection *c)
{
	rp_server *s = r->srv;
	rp_buf b = {0};
	if (r->method != SRV_M_GET && r->method != SRV_M_HEAD)
		return srv_reply(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "/metrics is read with GET");
	unsigned conns, inflight;
	pthread_mutex_lock(&s->conn_mu);
	conns = s->n_conns;
	pthread_mutex_unlock(&s->conn_mu);
	pthread_mutex_lock(&s->run_mu);
	inflight = s->in_flight;
	pthread_mutex_unlock(&s->run_mu);
	/* a tenant's token sees its own series only; a metrics token sees all */
	if (srv_metrics_render(s->metrics, r->tok.role == RP_ROLE_METRICS ? NULL : r->tok.tenant, conns, inflight,
			       &b)) {
		rp_buf_free(&b);
		return srv_reply(r, c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
	}
	struct MHD_Response *resp = r->srv->mhd_fn.response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		rp_buf_free(&b);
		return MHD_NO;
	}
	r->srv->mhd_fn.add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
	if (r->method == SRV_M_GET)
		r->bytes_out += b.len;
	return srv_reply_resp(r, c, MHD_HTTP_OK, resp);
}

static enum MHD_Result start_request(srv_req *r, struct MHD_Connection *c, const char *url, const char *method)
{
	rp_server *s = r->srv;
	if (__atomic_load_n(&s->draining, __ATOMIC_RELAXED))
		return srv_reply(r, c, MHD_HTTP_SERVICE_UNAVAILABLE, "the server is shutting down; retry shortly");
	if (r->method == SRV_M_OTHER)
		return srv_reply(r, c, MHD_HTTP_METHOD_NOT_ALLOWED,
				 "method %s is not part of the protocol (files are never renamed, copied or patched)",
				 r->method_name);

	const char *auth = r->srv->mhd_fn.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!auth)
		return srv_reply(r, c, MHD_HTTP_UNAUTHORIZED, "no token: send the header Authorization: Bearer TOKEN");
	if (strncasecmp(auth, "Bearer ", 7))
		return srv_reply(r, c, MHD_HTTP_UNAUTHORIZED, "the Authorization header must be: Bearer TOKEN");
	const char *tok = auth + 7;
	while (*tok == ' ')
		tok++;
	size_t tn = strlen(tok);
	while (tn && tok[tn - 1] == ' ')
		tn--;
	if (tn == 0 || tn > TOKEN_HEADER_MAX_CHARS || authenticate(s, tok, tn, &r->tok))
		return srv_reply(r, c, MHD_HTTP_UNAUTHORIZED, "this token is not valid on this server");
	r->authed = 1;

	if (r->srv->mhd_fn.get_connection_values(c, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0)
		return srv_reply(r, c, MHD_HTTP_BAD_REQUEST, "query strings are not part of the protocol");
	if (srv_path_parse(url, &r->path))
		return srv_reply(r, c, MHD_HTTP_BAD_REQUEST,
				 "%s is not a repository path (/TENANT/config, /TENANT/keys/<sha256>, "
				 "/TENANT/data/<2 hex>/<sha256>, ... or a folder ending in /)",
				 r->object);
	r->have_path = 1;
	if (r->path.kind == SRV_PATH_METRICS)
		return serve_metrics(r, c);
	snprintf(r->object, sizeof r->object, "/%s/%s%s", r->path.tenant, r->path.rel,
		 r->path.kind == SRV_PATH_FOLDER ? "/" : "");
	if (r->tok.role == RP_ROLE_METRICS)
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN, "a metrics token can only read /metrics");
	if (strcmp(r->tok.tenant, r->path.tenant))
		return srv_reply(r, c, MHD_HTTP_FORBIDDEN, "this token belongs to another tenant");

	switch (r->method) {
	case SRV_M_GET:
	case SRV_M_HEAD:
		return r->path.kind == SRV_PATH_FOLDER ? srv_list_folder(r, c) : srv_get_file(r, c);
	case SRV_M_PUT:
		if (r->path.kind == SRV_PATH_FOLDER)
			return srv_reply(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "folders are only listed");
		if (r->tok.role == RP_ROLE_READ)
			return srv_reply(r, c, MHD_HTTP_FORBIDDEN,
					 "this token has the read role: it cannot create files; backups need an "
					 "append token");
		return srv_put_begin(r, c);
	default:
		if (r->path.kind == SRV_PATH_FOLDER)
			return srv_reply(r, c, MHD_HTTP_METHOD_NOT_ALLOWED, "folders are only listed");
		return srv_delete(r, c);
	}
}

static enum MHD_Result count_lengths(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	if (!strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH))
		(*(int *)cls)++;
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
				  const char *version, const char *upload_data, size_t *upload_data_size,
				  void **req_cls)
{
	rp_server *s = cls;
	srv_req *r = *req_cls;
	if (!r) {
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		r->srv = s;
		r->t0_ns = srv_now_ns();
		r->tenantfd = r->dirfd = r->tmpfd = -1;
		const union MHD_ConnectionInfo *ci = s->mhd_fn.get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
		r->conn = ci ? ci->socket_context : NULL;
		set_deadline(r->conn, 0); /* the headers are in */
		*req_cls = r;
		pthread_mutex_lock(&s->run_mu);
		s->in_flight++;
		pthread_mutex_unlock(&s->run_mu);
		/* libmicrohttpd 0.9.75 closes the connection after a response
		 * queued in this first call; so only a PUT is answered now (a
		 * refusal before its body is sent is worth a new connection),
		 * the others on the next call, keeping the connection alive */
		r->method = method_id(method);
		printable(r->method_name, sizeof r->method_name, method);
		printable(r->object, sizeof r->object, url);
		const char *cl = s->mhd_fn.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
		const char *te = s->mhd_fn.lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
		int n_lengths = 0;
		s->mhd_fn.get_connection_values(c, MHD_HEADER_KIND, count_lengths, &n_lengths);
		/* two lengths, or a length and chunking, are how requests get
		 * smuggled past proxies: refuse rather than pick one */
		if (n_lengths > 1 || (cl && te))
			return srv_reply(r, c, MHD_HTTP_BAD_REQUEST, "conflicting Content-Length/Transfer-Encoding headers");
		int has_body = (cl && strcmp(cl, "0")) || te;
		if (r->method == SRV_M_PUT || r->method == SRV_M_OTHER)
			return start_request(r, c, url, method);
		if (has_body)
			return srv_reply(r, c, MHD_HTTP_BAD_REQUEST, "only PUT requests carry a body");
		r->deferred = 1;
		return MHD_YES;
	}
	if (r->deferred) {
		if (*upload_data_size)
			return MHD_NO; /* bodies belong to PUT only: drop the connection */
		r->deferred = 0;
		return start_request(r, c, url, method);
	}
	if (r->uploading) {
		if (*upload_data_size) {
			size_t n = *upload_data_size;
			*upload_data_size = 0;
			enum MHD_Result ret = srv_put_data(r, c, upload_data, n);
			if (r->conn && ret == MHD_YES && !r->status) {
				/* the body must keep arriving at a minimum average rate */
				int64_t grace = (int64_t)s->o.timeout_seconds * 1000000000LL;
				int64_t allowed = (int64_t)(r->bytes_in * 1000000000ULL / SRV_MIN_UPLOAD_BYTES_PER_SECOND);
				set_deadline(r->conn, r->t0_ns + grace + allowed);
			}
			return ret;
		}
		set_deadline(r->conn, 0);
		return srv_put_finish(r, c);
	}
	/* a body on a request that was already answered: drop it */
	*upload_data_size = 0;
	return MHD_YES;
}

RP_DL_DEFINE_LOADER(srv_mhd_load, srv_mhd_fns, SRV_MHD_FNS, "libmicrohttpd.so.12", "libmicrohttpd12")

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	rp_server *s = cls;
	char msg[512];
	if (!s->o.log)
		return;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	fprintf(s->o.log, "rempart serve: http: %s\n", msg);
	fflush(s->o.log);
}

/* ---- lifecycle ---- */

static int read_pem(const char *path, char **out, rp_err *e)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return rp_err_errno(e, errno, "TLS file %s", path);
	char *buf = malloc(TLS_FILE_MAX_BYTES + 1);
	size_t n = buf ? fread(buf, 1, TLS_FILE_MAX_BYTES + 1, f) : 0;
	int err = ferror(f);
	fclose(f);
	if (!buf)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	if (err || n == 0 || n > TLS_FILE_MAX_BYTES) {
		free(buf);
		return rp_err_set(e, RP_EINVAL, "TLS file %s: %s", path,
				  err ? "cannot read it" : n ? "larger than 1 MiB" : "empty");
	}
	buf[n] = 0;
	*out = buf;
	return 0;
}

static int open_listener(rp_server *s, rp_err *e)
{
	char host[256];
	const char *l = s->o.listen, *port;
	if (l[0] == '[') {
		const char *close_b = strchr(l, ']');
		if (!close_b || close_b[1] != ':' || (size_t)(close_b - l - 1) >= sizeof host)
			return rp_err_set(e, RP_EINVAL, "--listen %s: expected [IPV6]:PORT", l);
		memcpy(host, l + 1, (size_t)(close_b - l - 1));
		host[close_b - l - 1] = 0;
		port = close_b + 2;
	} else {
		const char *colon = strrchr(l, ':');
		if (!colon || (size_t)(colon - l) >= sizeof host)
			return rp_err_set(e, RP_EINVAL, "--listen %s: expected ADDRESS:PORT", l);
		memcpy(host, l, (size_t)(colon - l));
		host[colon - l] = 0;
		port = colon + 1;
	}
	if (!*port || strspn(port, "0123456789") != strlen(port) || atol(port) > 65535)
		return rp_err_set(e, RP_EINVAL, "--listen %s: bad port", l);
	struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
	struct addrinfo *ai = NULL;
	int g = getaddrinfo(*host ? host : NULL, port, &hints, &ai);
	if (g)
		return rp_err_set(e, RP_EINVAL, "--listen %s: %s", l, gai_strerror(g));
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	int one = 1, rc = 0;
	if (fd < 0) {
		rc = rp_err_errno(e, errno, "--listen %s: cannot create a socket", l);
		goto done;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	if (bind(fd, ai->ai_addr, ai->ai_addrlen)) {
		rc = rp_err_errno(e, errno, "--listen %s: cannot bind", l);
		goto done;
	}
	if (listen(fd, LISTEN_BACKLOG)) {
		rc = rp_err_errno(e, errno, "--listen %s: cannot listen", l);
		goto done;
	}
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl)) {
		rc = rp_err_errno(e, errno, "--listen %s", l);
		goto done;
	}
	s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						  : ((struct sockaddr_in *)&ss)->sin_port);
	s->listenfd = fd;
	fd = -1;
done:
	if (fd >= 0)
		close(fd);
	freeaddrinfo(ai);
	return rc;
}

int rp_server_new(rp_server **out, const rp_server_opts *o, rp_err *e)
{
	int rc;
	if (!o->root || !o->listen || !o->tokens)
		return rp_err_set(e, RP_EINVAL, "the server needs --root, --listen and --tokens");
	if (!o->tls_cert != !o->tls_key)
		return rp_err_set(e, RP_EINVAL, "TLS needs both --tls-cert and --tls-key");
	if (o->max_connections == 0 || o->max_body_bytes == 0 || o->timeout_seconds == 0)
		return rp_err_set(e, RP_EINVAL, "--max-connections, --max-body-bytes and --timeout must be positive");
	srv_mhd_fns fn;
	if ((rc = srv_mhd_load(&fn, e)))
		return rc;
	rp_server *s = calloc(1, sizeof *s);
	if (!s)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	s->mhd_fn = fn;
	s->o = *o;
	s->rootfd = s->lockfd = s->listenfd = -1;
	pthread_mutex_init(&s->tok_mu, NULL);
	pthread_mutex_init(&s->lock_mu, NULL);
	pthread_mutex_init(&s->conn_mu, NULL);
	pthread_mutex_init(&s->run_mu, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->run_cv, &ca);
	pthread_condattr_destroy(&ca);
	if (!s->o.threads) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		s->o.threads = ncpu > 2 ? (unsigned)ncpu * 2 : 4;
	}
	if (!s->o.drain_seconds)
		s->o.drain_seconds = RP_SERVER_DEFAULT_DRAIN_SECONDS;
	if (!(s->root_path = strdup(o->root)) || !(s->tokens_path = strdup(o->tokens))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto fail;
	}
	s->o.root = s->root_path;
	s->o.tokens = s->tokens_path;
	s->o.tls_cert = s->o.tls_key = NULL; /* read below; the paths are not kept */
	s->o.listen = NULL;

	s->rootfd = open(o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->rootfd < 0) {
		rc = rp_err_errno(e, errno, "--root %s", o->root);
		goto fail;
	}
	s->lockfd = openat(s->rootfd, SRV_ROOT_LOCK_FILE, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (s->lockfd < 0) {
		rc = rp_err_errno(e, errno, "%s/%s: cannot open", o->root, SRV_ROOT_LOCK_FILE);
		goto fail;
	}
	if (flock(s->lockfd, LOCK_EX | LOCK_NB)) {
		rc = errno == EWOULDBLOCK ? rp_err_set(e, RP_ELOCKED, "another rempart serve is already serving %s",
						       o->root)
					  : rp_err_errno(e, errno, "%s/%s: cannot lock", o->root, SRV_ROOT_LOCK_FILE);
		goto fail;
	}
	if ((rc = rp_tokens_load(&s->tokens, s->tokens_path, e)))
		goto fail;
	struct stat st;
	if (!stat(s->tokens_path, &st)) {
		s->tok_mtime = st.st_mtim;
		s->tok_size = st.st_size;
		s->tok_ino = st.st_ino;
		s->tok_checked_ns = srv_now_ns();
	}
	if (o->tls_cert) {
		if (s->mhd_fn.is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			rc = rp_err_set(e, RP_EINVAL, "this libmicrohttpd was built without TLS");
			goto fail;
		}
		if ((rc = read_pem(o->tls_cert, &s->tls_cert_pem, e)) || (rc = read_pem(o->tls_key, &s->tls_key_pem, e)))
			goto fail;
	}
	if ((rc = srv_metrics_new(&s->metrics, e)))
		goto fail;
	srv_fs_cleanup(s);
	s->o.listen = o->listen;
	rc = open_listener(s, e);
	s->o.listen = NULL;
	if (rc)
		goto fail;
	*out = s;
	return 0;
fail:
	rp_server_free(s);
	return rc;
}

int rp_server_port(const rp_server *s)
{
	return s->port;
}

unsigned rp_server_in_flight(const rp_server *s)
{
	rp_server *m = (rp_server *)s;
	pthread_mutex_lock(&m->run_mu);
	unsigned n = m->in_flight;
	pthread_mutex_unlock(&m->run_mu);
	return n;
}

int rp_server_start(rp_server *s, rp_err *e)
{
	if (s->started)
		return rp_err_set(e, RP_EINVAL, "the server is already started");
	/* poll(), not epoll: libmicrohttpd 0.9.75's edge-triggered epoll loop
	 * misses a client's close that arrives with its last bytes, and such
	 * dead connections would hold their slot until the timeout */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL | MHD_USE_ITC;
	if (s->tls_cert_pem)
		flags |= MHD_USE_TLS;
	if (s->o.log)
		flags |= MHD_USE_ERROR_LOG;
	/* sendfile() may raise SIGPIPE; libmicrohttpd uses it only when told
	 * the application ignores that signal, so tell it when it is true */
	struct sigaction sa;
	int sigpipe_ignored = !sigaction(SIGPIPE, NULL, &sa) && sa.sa_handler == SIG_IGN;
	struct MHD_OptionItem opts[16];
	size_t n = 0;
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, s->listenfd, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)s->o.max_connections, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)s->o.timeout_seconds, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY_BYTES, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE, (intptr_t)s->o.threads, NULL};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, s};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_connection, s};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)keep_raw_url, s};
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_STRICT_FOR_CLIENT, 1, NULL};
	if (sigpipe_ignored)
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL};
	if (s->tls_cert_pem) {
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, s->tls_cert_pem};
		opts[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key_pem};
	}
	opts[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	s->mhd = s->mhd_fn.start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
				  MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
	if (!s->mhd)
		return rp_err_set(e, RP_EIO, "cannot start the HTTP server (bad TLS files, or out of resources)");
	s->listen_owned_by_mhd = 1;
	s->started = 1;
	if (pthread_create(&s->watchdog, NULL, watchdog_main, s) == 0)
		s->watchdog_running = 1;
	return 0;
}

void rp_server_stop(rp_server *s)
{
	if (!s->started || s->stopped)
		return;
	s->stopped = 1;
	__atomic_store_n(&s->draining, 1, __ATOMIC_RELAXED);
	/* stop accepting; the listening socket comes back to us */
	MHD_socket lfd = s->mhd_fn.quiesce_daemon(s->mhd);
	if (lfd != MHD_INVALID_SOCKET) {
		close(lfd);
		s->listen_owned_by_mhd = 0;
		s->listenfd = -1;
	}
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += s->o.drain_seconds;
	pthread_mutex_lock(&s->run_mu);
	while (s->in_flight > 0)
		if (pthread_cond_timedwait(&s->run_cv, &s->run_mu, &ts) == ETIMEDOUT)
			break;
	unsigned left = s->in_flight;
	s->stopping = 1;
	pthread_cond_broadcast(&s->run_cv);
	pthread_mutex_unlock(&s->run_mu);
	if (left && s->o.log)
		fprintf(s->o.log, "rempart serve: %u requests still running after %u s; closing them\n", left,
			s->o.drain_seconds);
	s->mhd_fn.stop_daemon(s->mhd);
	s->mhd = NULL;
	if (s->watchdog_running) {
		pthread_join(s->watchdog, NULL);
		s->watchdog_running = 0;
	}
}

void rp_server_free(rp_server *s)
{
	if (!s)
		return;
	rp_server_stop(s);
	if (s->listenfd >= 0 && !s->listen_owned_by_mhd)
		close(s->listenfd);
	if (s->lockfd >= 0)
		close(s->lockfd);
	if (s->rootfd >= 0)
		close(s->rootfd);
	rp_tokens_free(s->tokens);
	srv_metrics_free(s->metrics);
	free(s->root_path);
	free(s->tokens_path);
	free(s->tls_cert_pem);
	if (s->tls_key_pem) {
		memset(s->tls_key_pem, 0, strlen(s->tls_key_pem));
		free(s->tls_key_pem);
	}
	pthread_mutex_destroy(&s->tok_mu);
	pthread_mutex_destroy(&s->lock_mu);
	pthread_mutex_destroy(&s->conn_mu);
	pthread_mutex_destroy(&s->run_mu);
	pthread_cond_destroy(&s->run_cv);
	free(s);
}
