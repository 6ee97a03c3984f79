/* keyfile.h - master keys and the passphrase-protected key files.
 *
 * The master key of a repository is a set of secrets:
 *   repo_id   identifies the repository (not secret)
 *   id_key    HMAC key for blob ids (dedup needs it: every key has it)
 *   meta_key  seals config, index and lock files (every key has it)
 *   data_pk   X25519 public key that packs and snapshots are sealed to
 *   data_sk   its secret half: only full keys hold it
 * A key file holds the master key wrapped with a key derived from a
 * passphrase by Argon2id; several key files may wrap the same master key.
 */
#ifndef RP_KEYFILE_H
#define RP_KEYFILE_H

#include "../util/buf.h"
#include "crypto.h"

#include <stdint.h>

#define RP_KEYFILE_VERSION 1

enum { RP_KEY_FULL = 1, RP_KEY_BACKUP_ONLY = 2 };

typedef struct rp_masterkey {
	int kind;
	uint8_t repo_id[32];
	uint8_t id_key[RP_KEY_BYTES];
	uint8_t meta_key[RP_KEY_BYTES];
	uint8_t data_pk[32];
	uint8_t data_sk[32]; /* all zero for backup-only keys */
} rp_masterkey;

typedef struct rp_keyfile_info {
	int kind;
	int64_t created; /* seconds since the epoch */
	char host[256];
	char username[256];
	uint64_t opslimit, memlimit;
} rp_keyfile_info;

/* Fills mk with fresh random secrets for a new repository (full key). */
void rp_masterkey_generate(rp_masterkey *mk);
/* The backup-only restriction of a full key (drops data_sk). */
void rp_masterkey_restrict(rp_masterkey *out, const rp_masterkey *full);

/* Writes a key file (JSON) wrapping mk with password into out.  mk->kind
 * decides the kind recorded.  opslimit/memlimit are Argon2id parameters. */
int rp_keyfile_create(const rp_masterkey *mk, const char *password, size_t pw_len, uint64_t opslimit,
		      uint64_t memlimit, const char *host, const char *username, int64_t now, rp_buf *out,
		      rp_err *e);

/* Reads the public part of a key file (no password needed). */
int rp_keyfile_info_read(const uint8_t *file, size_t n, rp_keyfile_info *info, rp_err *e);

/* Unwraps a key file with password.  RP_EPASSWORD when the password does
 * not open it, RP_ECORRUPT / RP_EVERSION for bad files. */
int rp_keyfile_open(const uint8_t *file, size_t n, const char *password, size_t pw_len, rp_masterkey *mk,
		    rp_err *e);

#endif
