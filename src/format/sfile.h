/* sfile.h - sealed repository files: config, index, lock, snapshot.
 *
 *   magic(4) version(1)=1 mode(1) reserved(2)=0 [eph_pk(32) if mode 2] envelope
 *
 * mode 1: sealed with the repository's meta key (readable by every key:
 *         config, index, locks);
 * mode 2: sealed to the repository's public data key with a fresh
 *         ephemeral key (readable only by full keys: snapshots).
 * The envelope's associated data is the header, so a file cannot be passed
 * off as another kind.  The plaintext is encoding(1) followed by the body:
 * 0 = stored, 1 = one zstd frame.
 */
#ifndef RP_SFILE_H
#define RP_SFILE_H

#include "../util/buf.h"
#include "blob.h"
#include "crypto.h"

#define RP_SFILE_VERSION 1
#define RP_SFILE_MAX_BODY_BYTES (1u << 30)

typedef enum { RP_SF_CONFIG, RP_SF_INDEX, RP_SF_LOCK, RP_SF_SNAPSHOT } rp_sfile_kind;

/* Seals body[0..n) as a file of the given kind into out (appending).
 * For mode-2 kinds (snapshot) key is the repository public key, otherwise
 * the meta key.  compress: zstd the body first. */
int rp_sfile_seal(rp_blob_codec *c, int alg, rp_sfile_kind kind, const uint8_t key[32], const void *body,
		  size_t n, int compress, rp_buf *out, rp_err *e);

/* Opens a sealed file of the given kind and appends its body to out.
 * For snapshots, key is the repository secret key and pk its public key;
 * otherwise key is the meta key and pk is unused.  A backup-only key
 * passes key == NULL for snapshots and gets RP_EPERM. */
int rp_sfile_open(rp_blob_codec *c, rp_sfile_kind kind, const uint8_t *key, const uint8_t *pk, const uint8_t *file,
		  size_t n, rp_buf *out, rp_err *e);

/* The format version in a file's header (to report newer repositories
 * before trying a key), or -1 when the header is not of that kind. */
int rp_sfile_version(rp_sfile_kind kind, const uint8_t *file, size_t n);

#endif
