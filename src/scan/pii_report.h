/* pii_report.h - the exposure report: per-file PII counts gathered over a
 * snapshot (or a directory), written as a text table, CSV, JSON or one
 * self-contained HTML page.  Never holds or prints an identifier's value.
 *
 * Memory is bounded for huge snapshots:
 *  - totals (per kind, per format, not-scanned per reason) are exact;
 *  - per-folder aggregates (files directly in the folder) are exact for
 *    the first max_folders folders met; later folders are added up in one
 *    "(other folders)" row, flagged in the output;
 *  - per-file rows are kept only for files with at least one identifier,
 *    and only the max_files with the most identifiers (a min-heap: ties
 *    keep the file seen first); "files_with_pii" vs "files_listed" in the
 *    output says when rows were left out.
 * Each kept row costs its path plus about 100 bytes (and its columns, for
 * tables); each folder its path plus about 150 bytes.
 *
 * JSON shape (stable; keys beyond these may be added, never removed):
 *   {"snapshot": ID or null,
 *    "totals": {KIND: {"occurrences": N, "distinct": N or null}},
 *    "files": [{"path": P, "counts": {KIND: N}, "total": N, "bytes": N,
 *               "format": F, "columns": [{"sheet": N, "index": N,
 *               "name": S, "counts": {KIND: N}}]}],   (columns: tables only)
 *    "not_scanned": {"files": N, "bytes": N, "share_of_bytes": X (0..1),
 *                    "reasons": {REASON: {"files": N, "bytes": N}}},
 *    "scanned": {"files": N, "bytes": N},
 *    "files_total": N, "files_with_pii": N, "files_listed": N,
 *    "distinct_exact": BOOL,
 *    "folders": [{"path": P, "files": N, "files_with_pii": N, "bytes": N,
 *                 "not_scanned_files": N, "not_scanned_bytes": N,
 *                 "counts": {KIND: N}, "total": N, "other": BOOL}],
 *    "formats": {F: {"files": N, "bytes": N, "occurrences": N}}}
 * KIND is one of nir iban card siret email phone birthdate address (all
 * eight always present); files are sorted by total descending then path;
 * folders likewise, listing those with identifiers or unscanned files.
 * Paths that are not valid UTF-8 show U+FFFD for each invalid byte.
 */
#ifndef RP_PII_REPORT_H
#define RP_PII_REPORT_H

#include "../util/buf.h"
#include "pii.h"

#define RP_PII_REPORT_DEFAULT_MAX_FILES ((size_t)50000)
#define RP_PII_REPORT_DEFAULT_MAX_FOLDERS ((size_t)200000)
/* Folders drawn in the HTML bar chart and listed in the text table. */
#define RP_PII_REPORT_CHART_FOLDERS 15

enum { RP_PII_OUT_TABLE, RP_PII_OUT_JSON, RP_PII_OUT_CSV, RP_PII_OUT_HTML };

typedef struct rp_pii_report rp_pii_report;

/* Totals of a report, for a snapshot summary. */
typedef struct rp_pii_totals {
	uint64_t n[RP_PII_KINDS];
	uint64_t files, files_with_pii;
	uint64_t scanned_files, scanned_bytes;
	uint64_t not_scanned_files, not_scanned_bytes;
} rp_pii_totals;

/* A report keeping at most max_files file rows and max_folders folders
 * (0 for the defaults; SIZE_MAX for no bound). */
int rp_pii_report_new(rp_pii_report **out, size_t max_files, size_t max_folders, rp_err *e);
void rp_pii_report_free(rp_pii_report *r);
/* Adds one file's counts under path (bytes, '/'-separated).  Thread-safe.
 * RP_ENOMEM is the only failure; the report stays consistent. */
int rp_pii_report_add(rp_pii_report *r, const uint8_t *path, size_t path_len,
		      const rp_pii_counts *c, rp_err *e);
void rp_pii_report_totals(rp_pii_report *r, rp_pii_totals *out);
/* RP_PII_OUT_* for "table", "json", "csv", "html"; -1 otherwise. */
int rp_pii_report_format(const char *name);
/* Appends the report to out.  d (may be NULL: distinct counts unknown)
 * gives the distinct totals; snapshot (may be NULL) names the snapshot. */
int rp_pii_report_write(rp_pii_report *r, const rp_pii_distinct *d, const char *snapshot,
			int format, rp_buf *out, rp_err *e);

#endif
