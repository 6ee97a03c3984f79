/* repo.h - an open repository: its store, master key, config and the
 * per-repository derived state (id key, chunker).
 *
 * Lifecycle: rp_repo_open (store only) -> rp_repo_unlock (finds the key
 * file the password opens, reads config) -> use -> rp_repo_close.
 * rp_repo_init creates a new repository instead of unlocking one.
 */
#ifndef RP_REPO_H
#define RP_REPO_H

#include "format/blob.h"
#include "format/chunker.h"
#include "format/config.h"
#include "format/keyfile.h"
#include "format/sfile.h"
#include "store/store.h"

#define RP_NAME_BYTES 80 /* "snapshots/<64 hex>" plus NUL */

typedef struct rp_repo_opts {
	const char *token; /* bearer token for rest: stores, or NULL */
	const char *cache_dir; /* local cache root, or NULL for the default */
} rp_repo_opts;

typedef struct rp_repo {
	rp_store *store;
	rp_masterkey mk;
	rp_config cfg;
	rp_idkey *idkey;
	rp_chunker chunker;
	char key_id[65];   /* the key file this session unlocked */
	char *cache_dir;   /* <cache root>/<repo id hex> */
	int unlocked;
} rp_repo;

/* Opens the store named by where; nothing is read yet. */
int rp_repo_open(rp_repo **out, const char *where, const rp_repo_opts *o, rp_err *e);
void rp_repo_close(rp_repo *r);

/* Creates a repository: layout, config, and a first full key wrapped
 * with password.  Leaves r unlocked. */
int rp_repo_init(rp_repo *r, const char *password, const rp_config *cfg_in, rp_err *e);

/* Tries every key file with password; RP_EPASSWORD (message "wrong
 * password") when none opens, RP_EVERSION for a newer repository. */
int rp_repo_unlock(rp_repo *r, const char *password, rp_err *e);

/* 1 when the unlocked key can read data (a full key). */
int rp_repo_can_read(const rp_repo *r);

/* Store name of a file by kind and hex id ("data/ab/ab..", "index/..."). */
void rp_repo_name(char out[RP_NAME_BYTES], const char *dir, const char *hex);
void rp_repo_pack_name(char out[RP_NAME_BYTES], const rp_id *pack);

/* Seals body as a file of the given kind and stores it under the
 * SHA-256 of its bytes in dir; the hex id goes to id_hex. */
int rp_repo_save(rp_repo *r, rp_blob_codec *c, rp_sfile_kind kind, const void *body, size_t n,
		 char id_hex[65], rp_err *e);
/* Reads dir/id_hex, checks that its SHA-256 matches its name, opens it
 * and appends the body to out. */
int rp_repo_load(rp_repo *r, rp_blob_codec *c, rp_sfile_kind kind, const char *id_hex, rp_buf *out, rp_err *e);

/* Directory that holds files of a kind ("index", "snapshots", "locks"). */
const char *rp_repo_kind_dir(rp_sfile_kind kind);

/* Lists the hex ids of the files in dir (index, snapshots, keys, locks)
 * into a malloc'd array of 65-byte strings. */
int rp_repo_list_ids(rp_repo *r, const char *dir, char (**ids)[65], size_t *n, rp_err *e);

/* Adds a key file wrapping mk (which may be a backup-only restriction of
 * the repository key); key_id receives its id. */
int rp_repo_add_key(rp_repo *r, const rp_masterkey *mk, const char *password, char key_id[65], rp_err *e);

/* Argon2id parameters for new key files: 19 MiB and three passes, above
 * the OWASP baseline for Argon2id (19 MiB, two passes).  Every command
 * derives the key once, so its memory is every command's floor of peak
 * RSS: 64 MiB made the lightest commands weigh 68 MB. */
#define RP_KDF_OPSLIMIT 3
#define RP_KDF_MEMLIMIT_BYTES (19u << 20)

#endif
