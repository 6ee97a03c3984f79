/* config.h - the repository's config file body (JSON, sealed as RCFG).
 *
 * Fixed at init: the format version, the repository id, the chunker's
 * sizes and seed, the compression level, the AEAD used for new data and
 * the target pack size.
 */
#ifndef RP_CONFIG_H
#define RP_CONFIG_H

#include "../util/buf.h"
#include "../util/err.h"

#include <stdint.h>

#define RP_REPO_VERSION 1

typedef struct rp_config {
	int version;
	uint8_t repo_id[32];
	uint32_t chunk_min, chunk_avg, chunk_max;
	uint8_t chunker_seed[32];
	int zstd_level;
	int aead;
	uint32_t pack_bytes;
	int scan_pii;
	int64_t created;
} rp_config;

/* Defaults for a new repository (random seed, preferred AEAD). */
void rp_config_default(rp_config *c, const uint8_t repo_id[32], int64_t now);
int rp_config_encode(const rp_config *c, rp_buf *out, rp_err *e);
/* RP_EVERSION for a newer repository version, RP_ECORRUPT otherwise. */
int rp_config_decode(const uint8_t *p, size_t n, rp_config *c, rp_err *e);

#endif
