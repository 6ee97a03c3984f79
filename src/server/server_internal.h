/* server_internal.h - what the files of src/server/ share and nobody else
 * sees: the server handle, one request, the URL grammar, safe file access
 * under the root, metrics. */
#ifndef RP_SERVER_INTERNAL_H
#define RP_SERVER_INTERNAL_H

#include "server.h"

#include "../util/buf.h"
#include "../util/dl.h"

#include <microhttpd.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/types.h>

/* Sent in every response (docs/PROTOCOL.md). */
#define SRV_PROTOCOL_VERSION "1"
/* Folder inside each tenant that the protocol cannot name (it starts with
 * a dot): temporary uploads and lock ownership records live there. */
#define SRV_PRIVATE_DIR ".rempart"
#define SRV_TMP_DIR ".rempart/tmp"
#define SRV_OWNERS_DIR ".rempart/lockowners"
/* Lock file at the top of the root, held while a server serves it. */
#define SRV_ROOT_LOCK_FILE ".rempart-serve.lock"
/* A client must send its body at least this fast on average (after a
 * grace period of timeout_seconds) or its connection is cut. */
#define SRV_MIN_UPLOAD_BYTES_PER_SECOND 4096u
#define SRV_TOKENS_RECHECK_NS 1000000000LL

/* ---- URL grammar (server_path.c) ---- */

typedef enum { SRV_PATH_METRICS, SRV_PATH_FILE, SRV_PATH_FOLDER } srv_path_kind;
typedef enum { SRV_FILE_CONFIG, SRV_FILE_KEYS, SRV_FILE_DATA, SRV_FILE_INDEX, SRV_FILE_SNAPSHOTS, SRV_FILE_LOCKS } srv_file_kind;

typedef struct srv_path {
	srv_path_kind kind;
	srv_file_kind fkind;
	char tenant[RP_TENANT_MAX_CHARS + 1];
	char rel[96];  /* inside the tenant: "data/ab/ab12..", "config"; folder: "data", "data/ab" */
	char dir[16];  /* parent folder of a file inside the tenant ("" for config) */
	char leaf[65]; /* the file's own name */
	int hashed;    /* the name must be the SHA-256 of the content */
} srv_path;

/* Parses the raw (not percent-decoded) request path; -1 when it is not one
 * of the names the protocol knows. */
int srv_path_parse(const char *url, srv_path *p);
/* 1 when name (a directory entry) is a valid file name in folder kind. */
int srv_path_leaf_ok(srv_file_kind kind, const char *data_prefix, const char *name);

/* ---- metrics (server_metrics.c) ---- */

typedef struct srv_metrics srv_metrics;
enum { SRV_M_GET, SRV_M_HEAD, SRV_M_PUT, SRV_M_DELETE, SRV_M_OTHER, SRV_M_COUNT };

/* An empty set of counters, safe to update from any thread. */
int srv_metrics_new(srv_metrics **out, rp_err *e);
void srv_metrics_free(srv_metrics *m);
/* Counts one finished request; tenant NULL for an unauthenticated one. */
void srv_metrics_record(srv_metrics *m, const char *tenant, int method, int status, uint64_t bytes_in,
			uint64_t bytes_out);
/* Appends the Prometheus text for one tenant (or all when tenant is NULL;
 * then process-wide gauges are included too). */
int srv_metrics_render(srv_metrics *m, const char *tenant, unsigned connections, unsigned in_flight, rp_buf *out);

/* ---- the server ---- */

/* One TCP connection, from accept to close; lives in s->conns so the
 * watchdog can cut connections that miss their deadline. */
typedef struct srv_conn {
	struct srv_conn *prev, *next;
	int fd;
	int64_t deadline_ns; /* monotonic; 0: none (atomic) */
} srv_conn;

/* The libmicrohttpd functions the server uses, loaded by rp_server_new()
 * (see util/dl.h: other commands do not pay for loading it). */
#define SRV_MHD_FNS(X)                                                                                        \
	X(start_daemon, MHD_start_daemon) X(stop_daemon, MHD_stop_daemon) X(quiesce_daemon, MHD_quiesce_daemon) \
	X(is_feature_supported, MHD_is_feature_supported) X(queue_response, MHD_queue_response)               \
	X(destroy_response, MHD_destroy_response) X(add_response_header, MHD_add_response_header)             \
	X(response_from_buffer, MHD_create_response_from_buffer)                                              \
	X(response_from_fd_at_offset64, MHD_create_response_from_fd_at_offset64)                              \
	X(response_from_callback, MHD_create_response_from_callback)                                          \
	X(get_connection_info, MHD_get_connection_info) X(get_connection_values, MHD_get_connection_values)   \
	X(lookup_connection_value, MHD_lookup_connection_value)

typedef struct srv_mhd_fns {
	SRV_MHD_FNS(RP_DL_FIELD)
} srv_mhd_fns;


struct rp_server {
	srv_mhd_fns mhd_fn;
	rp_server_opts o;
	char *root_path, *tokens_path, *tls_cert_pem, *tls_key_pem;
	int rootfd, lockfd, listenfd;
	int listen_owned_by_mhd;
	int port;
	int no_openat2; /* the kernel lacks openat2 (atomic) */
	struct MHD_Daemon *mhd;
	srv_metrics *metrics;

	pthread_mutex_t tok_mu; /* tokens, tok_* */
	rp_tokens *tokens;
	int64_t tok_checked_ns;
	struct timespec tok_mtime;
	off_t tok_size;
	ino_t tok_ino;

	pthread_mutex_t lock_mu; /* serialises lock file creation and removal */

	pthread_mutex_t conn_mu; /* conns, n_conns */
	srv_conn *conns;
	unsigned n_conns;

	pthread_mutex_t run_mu; /* in_flight, stopping; signals run_cv */
	pthread_cond_t run_cv;
	unsigned in_flight;
	int draining, stopping, started, stopped;
	pthread_t watchdog;
	int watchdog_running;
};

/* What one request is doing; *req_cls of MHD. */
typedef struct srv_req {
	rp_server *srv;
	srv_conn *conn;
	int64_t t0_ns;
	int method;
	char method_name[12];
	char object[192]; /* printable form of the URL, for the log */
	srv_path path;
	int have_path;
	rp_token_entry tok; /* copy of the caller's entry, when authenticated */
	int authed;
	int deferred; /* answered on the next call (see on_request) */
	int status;
	uint64_t bytes_in, bytes_out;
	/* PUT */
	int uploading;
	int tenantfd, dirfd, tmpfd;
	char tmpname[64]; /* named temporary under SRV_TMP_DIR, or "" (O_TMPFILE) */
	EVP_MD_CTX *md;
	int fail_status; /* the upload went wrong; answer this once the body is in */
	char fail_msg[256];
	uint64_t max_bytes;
} srv_req;

/* Monotonic clock, in nanoseconds. */
int64_t srv_now_ns(void);

/* Queues a short text/plain response; returns the MHD result. */
enum MHD_Result srv_reply(srv_req *r, struct MHD_Connection *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Queues resp (and destroys the caller's reference). */
enum MHD_Result srv_reply_resp(srv_req *r, struct MHD_Connection *c, int status, struct MHD_Response *resp);
/* Maps an errno from file operations to an HTTP status and replies. */
enum MHD_Result srv_reply_errno(srv_req *r, struct MHD_Connection *c, int err, const char *what);

/* ---- safe file access under the root (server_fs.c) ----
 * These return -errno rather than an RP_E* code: the caller turns the
 * errno into an HTTP status (ENOSPC is 507, ELOOP 403, ...). */

/* Opens rel below dirfd without following any symbolic link and without
 * leaving dirfd; returns an fd or -errno. */
int srv_fs_open(rp_server *s, int dirfd, const char *rel, int flags, mode_t mode);
/* Opens ROOT/tenant; with create, makes it (and the repository layout)
 * when missing.  Returns an fd or -errno. */
int srv_fs_tenant(rp_server *s, const char *tenant, int create);
/* Makes whatever the repository layout lacks in tenant folder tfd;
 * 0 or -errno. */
int srv_fs_make_layout(int tfd);
/* Removes what a previous server left behind: temporary uploads and lock
 * ownership records whose lock is gone.  Logs what it did. */
void srv_fs_cleanup(rp_server *s);
/* Writes the whole buffer. */
int srv_fs_write_all(int fd, const void *p, size_t n);

/* ---- handlers (server_read.c, server_write.c) ---- */

enum MHD_Result srv_get_file(srv_req *r, struct MHD_Connection *c);
enum MHD_Result srv_list_folder(srv_req *r, struct MHD_Connection *c);
enum MHD_Result srv_delete(srv_req *r, struct MHD_Connection *c);
/* First call of a PUT: checks, opens the temporary file.  Either queues a
 * response (refusal) or leaves r->uploading set. */
enum MHD_Result srv_put_begin(srv_req *r, struct MHD_Connection *c);
/* A piece of the body. */
enum MHD_Result srv_put_data(srv_req *r, struct MHD_Connection *c, const char *data, size_t n);
/* The body is complete: verify, sync, link, answer. */
enum MHD_Result srv_put_finish(srv_req *r, struct MHD_Connection *c);
/* Releases what a PUT holds (temporary file, hash state). */
void srv_put_cleanup(srv_req *r);

#endif
