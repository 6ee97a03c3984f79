/* fprint.h - the content fingerprint of a file: a 64-bit fold of its
 * chunk ids in order (holes skipped).  Equal content gives equal
 * fingerprints; the backup and the analysis of stored snapshots compute
 * it the same way, here. */
#ifndef RP_FPRINT_H
#define RP_FPRINT_H

#include "format/crypto.h"
#include "util/buf.h"

#define RP_FP_SEED 0xcbf29ce484222325ull

/* The 64-bit key of a chunk id (never 0). */
static inline uint64_t rp_fp_key(const rp_id *id)
{
	uint64_t k = rp_load_u64le(id->b);
	return k ? k : 1;
}

static inline uint64_t rp_fp_add(uint64_t fp, const rp_id *id)
{
	return (fp ^ rp_fp_key(id)) * 0x100000001b3ull;
}

#endif
