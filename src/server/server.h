/* server.h - `rempart serve`: an HTTP repository server for many tenants,
 * with scoped tokens and append-only enforcement.
 *
 * Each tenant owns one repository under ROOT/<tenant>/, laid out exactly as
 * a local repository.  A token belongs to one tenant and has one role:
 *   read    GET/HEAD/list only (restores from another machine);
 *   append  read, and create files that do not exist yet; may delete a
 *           lock file it created itself, nothing else;
 *   admin   append, and delete anything of its tenant (prune);
 *   metrics GET /metrics for every tenant (tenant "*" in the tokens file).
 * The protocol is described in docs/PROTOCOL.md.
 *
 * The server keeps no global state: everything lives in the rp_server
 * handle, so tests can run several servers in one process.
 */
#ifndef RP_SERVER_H
#define RP_SERVER_H

#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum rp_role {
	RP_ROLE_NONE = 0,
	RP_ROLE_READ = 1,
	RP_ROLE_APPEND = 2,
	RP_ROLE_ADMIN = 3,
	RP_ROLE_METRICS = 4,
} rp_role;

/* ---- tokens ---------------------------------------------------------- */

/* A token is "rpt_" followed by 64 lowercase hex digits (256 random bits). */
#define RP_TOKEN_CHARS 68
/* A token's public id (16 hex digits): names it in `token list/remove` and
 * in lock ownership records, without revealing anything about it. */
#define RP_TOKEN_ID_CHARS 16
#define RP_TENANT_MAX_CHARS 63

typedef struct rp_token_entry {
	char tenant[RP_TENANT_MAX_CHARS + 1]; /* "*" for the metrics role */
	rp_role role;
	char id[RP_TOKEN_ID_CHARS + 1];
	uint8_t hash[32]; /* SHA-256 of the token text */
	int64_t created;  /* Unix seconds */
} rp_token_entry;

typedef struct rp_tokens rp_tokens;

/* Reads a tokens file.  A missing file is an error (RP_ENOTFOUND); a line
 * that does not parse is RP_ECORRUPT with its line number.  The caller
 * frees *out with rp_tokens_free. */
int rp_tokens_load(rp_tokens **out, const char *path, rp_err *e);
void rp_tokens_free(rp_tokens *t);
size_t rp_tokens_count(const rp_tokens *t);
/* The i-th entry (i < count), owned by t. */
const rp_token_entry *rp_tokens_at(const rp_tokens *t, size_t i);
/* The entry whose hash is SHA-256(token[0..len)), or NULL.  Every entry is
 * compared in constant time, so timing says nothing about the tokens. */
const rp_token_entry *rp_tokens_match(const rp_tokens *t, const char *token, size_t len);
/* Creates a random token for tenant and role, appends its entry to the
 * tokens file (created with mode 0600 if missing; rewritten atomically
 * under an exclusive lock), and returns the token text (shown once, never
 * stored) and its id. */
int rp_tokens_add(const char *path, const char *tenant, rp_role role, char token[RP_TOKEN_CHARS + 1],
		  char id[RP_TOKEN_ID_CHARS + 1], rp_err *e);
/* Removes the entry with this id; RP_ENOTFOUND when there is none. */
int rp_tokens_remove(const char *path, const char *id, rp_err *e);

/* "read", "append", "admin", "metrics" <-> rp_role; parse returns -1 on an
 * unknown name. */
int rp_role_parse(const char *s, rp_role *role);
const char *rp_role_name(rp_role role);
/* 1 when s is a valid tenant name: 1-63 of [a-z0-9_-], starting with a
 * letter or digit (so it is also a safe folder name). */
int rp_tenant_name_ok(const char *s);

/* ---- the server -------------------------------------------------------- */

#define RP_SERVER_DEFAULT_MAX_CONNECTIONS 256
#define RP_SERVER_DEFAULT_MAX_BODY_BYTES (1ULL << 30)
#define RP_SERVER_DEFAULT_TIMEOUT_SECONDS 60
#define RP_SERVER_DEFAULT_DRAIN_SECONDS 60

typedef struct rp_server_opts {
	const char *root;     /* folder holding one folder per tenant */
	const char *listen;   /* "ADDR:PORT", "[V6ADDR]:PORT"; port 0 picks one */
	const char *tokens;   /* tokens file, re-read when it changes */
	const char *tls_cert; /* PEM files; both or neither */
	const char *tls_key;
	unsigned max_connections;
	uint64_t max_body_bytes;
	/* Idle time after which a connection is closed, and the time a
	 * client gets to send its request headers. */
	unsigned timeout_seconds;
	unsigned threads;       /* 0: two per CPU, at least 4 */
	unsigned drain_seconds; /* how long rp_server_stop waits for requests */
	FILE *log;              /* one line per request; NULL for none */
} rp_server_opts;

typedef struct rp_server rp_server;

/* Fills o with the defaults (no root, listen, tokens). */
void rp_server_opts_default(rp_server_opts *o);
/* Checks the options, opens the root (taking a lock so that only one
 * server serves it), loads the tokens and the TLS files, removes the
 * temporary files a previous server left behind, and binds the listening
 * socket.  Nothing is served until rp_server_start. */
int rp_server_new(rp_server **out, const rp_server_opts *o, rp_err *e);
/* Starts serving in background threads. */
int rp_server_start(rp_server *s, rp_err *e);
/* The bound TCP port (useful after listening on port 0). */
int rp_server_port(const rp_server *s);
/* Re-reads the tokens file now (it is also re-read on its own when it
 * changes); on error the previous tokens stay in force. */
int rp_server_reload_tokens(rp_server *s, rp_err *e);
/* Number of requests being served right now. */
unsigned rp_server_in_flight(const rp_server *s);
/* Stops accepting connections, lets the requests in flight finish (up to
 * drain_seconds), then closes everything.  Safe to call twice. */
void rp_server_stop(rp_server *s);
/* Stops the server if needed and frees it. */
void rp_server_free(rp_server *s);

#endif
