/* detect_internal.h - pieces shared by the detection files and their tests:
 * file-type magic, what an extension claims, path splitting and hashing. */
#ifndef RP_DETECT_INTERNAL_H
#define RP_DETECT_INTERNAL_H

#include "detect.h"
#include "detect_record.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rp_scan_path rp_scan_path;

/* ---- file types (detect_magic.c) ---- */

/* Type of a file from its first bytes head[0..hn) and its last bytes
 * tail[0..tn) (the tail ends at the end of the file; it may overlap the
 * head for small files).  size is the file's length.  Returns RP_FT_UNKNOWN
 * when no magic matches (text is decided by the caller from the windows).
 * *flags gets RP_REC_TRAILER_OK and RP_REC_ENCRYPTED as they apply. */
int rp_scan_magic(const uint8_t *head, size_t hn, const uint8_t *tail, size_t tn, uint64_t size, uint8_t *flags);

/* 1 when head[0..n) looks like UTF-16 text (byte-order mark, or zero bytes
 * at every other position around printable ASCII). */
int rp_scan_looks_utf16(const uint8_t *head, size_t n);

/* Types that are the same "kind" for comparison: zip, OOXML and ODF are all
 * zip; both text types are text.  Others map to themselves. */
int rp_scan_type_family(int type);

/* 1 for types whose content is compressed or encrypted already, so noise
 * inside them is expected (zip, JPEG, archives, video...). */
int rp_scan_type_is_opaque(int type);

/* 1 for archive and compressor outputs (zip, 7z, xz, zstd, gzip, ...). */
int rp_scan_type_is_archive(int type);

/* The type family an extension promises (lower-case ASCII, no dot), or -1
 * when the extension promises nothing we can check. */
int rp_scan_ext_claim(const char *ext, size_t n);

/* ---- per-file judgement (detect_judge.c) ---- */

/* Why a file was judged.  Flags are judgements from the file alone;
 * candidates need the snapshot's context (confirmed when the verdict is
 * attack); known-tool encryption is reported, never flagged. */
enum {
	RP_J_NONE = 0,
	RP_J_KNOWN_TOOL,
	/* flags */
	RP_J_BECAME_NOISE,   /* structured (not noise) before, noise now */
	RP_J_TEXT_DAMAGED,   /* text before; noise, control bytes or non-UTF-8 now */
	RP_J_TYPE_LOST,      /* a recognised type before, no recognisable type now */
	RP_J_TRANSFORMED,    /* same size class, disjoint byte profile (bit flipping) */
	RP_J_ENCODED,        /* base64/hex-like noise replaced the content */
	RP_J_NEW_NOISE_CLAIMED, /* new file, noise, its extension promises a type */
	/* candidates */
	RP_J_NEW_NOISE,      /* new file, noise, nothing to check it against */
	RP_J_NOISE_REWRITTEN, /* was noise, rewritten with other noise */
	RP_J_OPAQUE_NOISIER, /* unrecognised binary that became noisier, most chunks new */
	RP_J_TRAILER_LOST,   /* same type (PDF, zip), its trailer replaced by noise */
	RP_J_COUNT
};

static inline int rp_scan_reason_is_flag(int r)
{
	return r >= RP_J_BECAME_NOISE && r <= RP_J_NEW_NOISE_CLAIMED;
}

static inline int rp_scan_reason_is_candidate(int r)
{
	return r >= RP_J_NEW_NOISE && r < RP_J_COUNT;
}

/* Short name of a reason ("became_noise", ...). */
const char *rp_scan_reason_name(int r);

/* Judges one file of the new snapshot.  now: its record; old: the previous
 * version's record or NULL for a new path (or an undecodable record); p: its
 * path; chunks_total/shared as for rp_analyzer_file.  Returns RP_J_*. */
int rp_scan_judge(const rp_scan_rec *old, const rp_scan_rec *now, const rp_scan_path *p, uint32_t chunks_total,
		  uint32_t chunks_shared);

/* 1 when the record says the file is random-looking noise throughout. */
int rp_scan_rec_is_noise(const rp_scan_rec *r);

/* ---- paths (detect_path.c) ---- */

#define RP_SCAN_EXT_MAX_BYTES 15

struct rp_scan_path {
	const uint8_t *name; /* base name */
	size_t name_len;
	size_t dir_len;   /* path[0..dir_len) is the folder ("" at the root) */
	char ext[RP_SCAN_EXT_MAX_BYTES + 1]; /* last extension, lower-case, "" if none */
	size_t ext_len;
	char inner[RP_SCAN_EXT_MAX_BYTES + 1]; /* the extension before it ("x.pdf.locked" -> "pdf") */
	size_t inner_len;
	size_t stem_len; /* path[0..stem_len) is the path without ".ext" */
};

/* Splits path[0..n) (any bytes; '/' separates folders). */
void rp_scan_path_split(const uint8_t *path, size_t n, rp_scan_path *out);

/* A 64-bit hash of p[0..n) (not cryptographic; stable within a build). */
uint64_t rp_scan_hash(const void *p, size_t n, uint64_t seed);

/* A bijective 64-bit mixer (for sampling decisions and jitter). */
static inline uint64_t rp_scan_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

#endif
