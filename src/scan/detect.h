/* detect.h - ransomware detection: per-file signals computed while file data
 * streams through the backup pipeline, and a snapshot-level analyzer that
 * compares a new snapshot with its parent and gives a verdict with evidence.
 *
 * Per file (rp_scan_file_*): the caller allocates one rp_scan_file per
 * worker thread; begin/update/end never allocate and never fail.  The
 * scanner looks at the first bytes (file type), the last bytes (trailer) and
 * at 512-byte windows: every window of the first 64 KiB, then windows
 * sampled at jittered positions over the rest of the file.  Each window is
 * classed as noise (chi-square of its byte histogram as low as random data
 * gives), encoded noise (base64/hex-like text that is uniform over its own
 * alphabet), text, or other binary.  The result is a small versioned record
 * (docs/DETECTION.md describes it byte by byte) stored with the file.
 *
 * Per snapshot (rp_analyzer_*): single-threaded, bounded memory whatever the
 * number of files (aggregates per extension and folder with caps, samples
 * for joins).  See docs/DETECTION.md for the signals and thresholds.
 *
 * Only util/ and libc are used here: no I/O, no threads, no global state.
 */
#ifndef RP_DETECT_H
#define RP_DETECT_H

#include "../util/buf.h"
#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>

/* ---- per-file signals ---- */

#define RP_SCAN_RECORD_MAX_BYTES 64
#define RP_SCAN_WINDOW_BYTES 512
#define RP_SCAN_EDGE_BYTES 512 /* head and tail kept for type and trailer checks */

typedef struct rp_scan_file {
	uint64_t size;     /* size announced by begin */
	uint64_t pos;      /* bytes seen so far */
	uint64_t next_win; /* file offset where the next analysed window starts */
	uint64_t stride;   /* distance between sampled windows after the fully scanned start */
	uint64_t full_end; /* every window before this offset is analysed */
	uint64_t analysed; /* bytes that went through a window */
	uint32_t sample;   /* index of the next sampled window */
	uint32_t win_fill; /* bytes in the current window */
	uint32_t head_len;
	uint32_t tail_len; /* valid bytes in tail (ring of RP_SCAN_EDGE_BYTES) */
	uint32_t tail_at;  /* ring write position */
	uint16_t windows, noise, encoded, text;
	uint8_t head_windows, head_noise, head_encoded, head_text;
	uint8_t first_class;
	uint8_t sparse; /* a compressed type: the body is sampled sparsely */
	uint8_t reserved[2];
	uint16_t whist[256]; /* histogram of the current window */
	uint32_t hist[256];  /* histogram of every analysed byte */
	uint8_t head[RP_SCAN_EDGE_BYTES];
	uint8_t tail[RP_SCAN_EDGE_BYTES];
} rp_scan_file;

/* Starts a file.  name (its base name, any bytes) is not used by this
 * version's record; size is the size the caller expects to read and sets the
 * sampling plan (a file that turns out longer or shorter is still handled). */
void rp_scan_file_begin(rp_scan_file *s, const uint8_t *name, size_t name_len, uint64_t size);
/* Feeds the next n bytes of the file, in file order, in pieces of any size. */
void rp_scan_file_update(rp_scan_file *s, const uint8_t *p, size_t n);
/* Finishes the file and writes its record into rec; returns the record's
 * length (at most RP_SCAN_RECORD_MAX_BYTES).  s may then be begun again. */
size_t rp_scan_file_end(rp_scan_file *s, uint8_t rec[RP_SCAN_RECORD_MAX_BYTES]);

/* ---- per-snapshot analysis ---- */

enum { RP_VERDICT_CLEAN = 0, RP_VERDICT_SUSPICIOUS = 1, RP_VERDICT_ATTACK = 2 };

typedef struct rp_analyzer rp_analyzer;

/* Makes an analyzer for one snapshot (about 19 MiB, whatever the number of
 * files; most of it zero pages until touched).  RP_ENOMEM. */
int rp_analyzer_new(rp_analyzer **out, rp_err *e);
void rp_analyzer_free(rp_analyzer *a);

/* Every regular file of the new snapshot, any order.  path: full path in the
 * snapshot (any bytes).  rec: its record (any bytes: an undecodable record
 * counts as "no signals").  fp: content fingerprint (equal content => equal
 * fp).  old_*: the previous version at the same path (old_rec NULL when the
 * path is new; a previous version that has no record, e.g. from a snapshot
 * made without scanning: old_rec non-NULL and old_len 0).  changed: 1 when
 * the content differs from
 * the previous version.  chunks_total / chunks_shared: content chunks of the
 * file, and how many of them also occur in the previous version.
 * Returns 1 when this file alone shows it was encrypted or destroyed, else 0.
 * That first judgement can be amended by rp_analyzer_finish (see
 * rp_analyzer_amendment). */
int rp_analyzer_file(rp_analyzer *a, const uint8_t *path, size_t path_len, const uint8_t *rec,
		     size_t rec_len, uint64_t fp, const uint8_t *old_rec, size_t old_len, uint64_t old_fp,
		     int changed, uint32_t chunks_total, uint32_t chunks_shared);

/* Every regular file of the parent that is gone from its path. */
void rp_analyzer_deleted(rp_analyzer *a, const uint8_t *path, size_t path_len, const uint8_t *old_rec,
			 size_t old_len, uint64_t old_fp);

/* Decides the verdict and writes the evidence as one JSON object into
 * evidence_json (appended).  Call once, after every file and deletion.
 * RP_ENOMEM with a message. */
int rp_analyzer_finish(rp_analyzer *a, int *verdict, rp_buf *evidence_json, rp_err *e);

/* After finish: judgements the whole-snapshot view changed.  A file flagged
 * alone can be cleared (its exact content only moved from a deleted path),
 * and files that cannot be judged alone (content that was already noise, new
 * noise of no known type) are confirmed when the verdict is attack.
 * Returns how many amendments there are; rp_analyzer_amendment gives the
 * i-th: the path's rp_scan_path_hash and the final judgement (0 or 1).
 * Returns -1 for i out of range. */
size_t rp_analyzer_amendments(const rp_analyzer *a);
int rp_analyzer_amendment(const rp_analyzer *a, size_t i, uint64_t *path_hash, int *judged);

/* "clean", "suspicious", "attack" (or "unknown"). */
const char *rp_verdict_name(int verdict);

/* The 64-bit hash the analyzer uses for paths (stable within one build). */
uint64_t rp_scan_path_hash(const uint8_t *path, size_t len);

#endif
