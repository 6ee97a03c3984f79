/* pii.h - personal-data (PII) detection over streamed file contents.
 *
 * A scanner (one per thread, reused across files) receives a file's bytes
 * in order, in pieces of any size, decodes the formats it knows (text in
 * UTF-8, Latin-1 or UTF-16; CSV/TSV; HTML/XML/JSON; mbox/.eml with base64
 * and quoted-printable parts; docx/xlsx/pptx/odt/ods/odp; PDF with Flate
 * text streams) and counts occurrences of each kind of identifier.  Values
 * never leave the scanner in clear: each one is reduced to a keyed 64-bit
 * hash (SipHash-2-4 under a key derived from the caller's 32-byte key)
 * that goes to a shared distinct-value set.
 *
 * Memory per scanner: about 500 KiB of buffers (text window, table row,
 * mail lines, PDF inflate output), plus, only while such a file is read,
 * the whole of a zip-based office file (at most RP_PII_CONTAINER_MAX_BYTES)
 * and an xlsx shared-string table (at most 32 MiB of text), both released
 * after the file.  Nothing else grows with file size.
 */
#ifndef RP_PII_H
#define RP_PII_H

#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>

enum {
	RP_PII_NIR,       /* French social-security number with its key */
	RP_PII_IBAN,      /* any country, mod 97 */
	RP_PII_CARD,      /* payment card: Luhn + issuer prefix and length */
	RP_PII_SIRET,     /* SIRET (14 digits), or SIREN (9) after a keyword */
	RP_PII_EMAIL,     /* e-mail address */
	RP_PII_PHONE,     /* French phone number */
	RP_PII_BIRTHDATE, /* a date near a birth keyword or in a birth column */
	RP_PII_ADDRESS,   /* number + street type ... + French postcode + town */
	RP_PII_KINDS
};

/* Formats the scanner recognises (rp_pii_counts.format). */
enum {
	RP_PII_FMT_UNKNOWN,
	RP_PII_FMT_TEXT,
	RP_PII_FMT_CSV,
	RP_PII_FMT_HTML,
	RP_PII_FMT_XML,
	RP_PII_FMT_JSON,
	RP_PII_FMT_MAIL,
	RP_PII_FMT_DOCX,
	RP_PII_FMT_XLSX,
	RP_PII_FMT_PPTX,
	RP_PII_FMT_ODT,
	RP_PII_FMT_ODS,
	RP_PII_FMT_ODP,
	RP_PII_FMT_PDF,
	RP_PII_FMT_BINARY,
	RP_PII_FORMATS
};

/* Character sets of text formats (rp_pii_counts.charset). */
enum { RP_PII_CS_UTF8, RP_PII_CS_LATIN1, RP_PII_CS_UTF16LE, RP_PII_CS_UTF16BE, RP_PII_CHARSETS };

/* Why a file was not scanned (rp_pii_counts.skip_reason). */
enum {
	RP_PII_SKIP_NONE,
	RP_PII_SKIP_BINARY,   /* unknown binary format, decided from the first bytes */
	RP_PII_SKIP_TOO_BIG,  /* container larger than RP_PII_CONTAINER_MAX_BYTES */
	RP_PII_SKIP_CORRUPT,  /* container that does not open (damaged, encrypted) */
	RP_PII_SKIP_NO_TEXT,  /* PDF or office file without extractable text (scans) */
	RP_PII_SKIP_REASONS
};

/* Zip-based office files are buffered whole (libarchive needs the central
 * directory); larger ones are counted as not scanned. */
#define RP_PII_CONTAINER_MAX_BYTES ((size_t)64 << 20)

/* Table formats (CSV/TSV, xlsx, ods) report counts per column: the first
 * RP_PII_COLUMNS_MAX (sheet, column) pairs that hold identifiers. */
#define RP_PII_COLUMNS_MAX 32
#define RP_PII_COLUMN_NAME_BYTES 40

typedef struct rp_pii_column {
	uint32_t sheet;  /* 0-based sheet (always 0 for CSV) */
	uint32_t index;  /* 0-based column */
	/* header text when the first row looked like a header (never a value:
	 * a first row holding an identifier is not taken as a header), else "" */
	char name[RP_PII_COLUMN_NAME_BYTES];
	uint64_t n[RP_PII_KINDS];
} rp_pii_column;

typedef struct rp_pii_counts {
	uint64_t n[RP_PII_KINDS]; /* occurrences of each kind */
	int scanned;              /* 1 if the content was decoded and searched */
	uint64_t bytes;           /* bytes of the file given to the scanner */
	int format;               /* RP_PII_FMT_* */
	int charset;              /* RP_PII_CS_* (text formats) */
	int skip_reason;          /* RP_PII_SKIP_* when !scanned */
	uint64_t text_bytes;      /* decoded text that went through the detectors */
	uint32_t columns_n;
	rp_pii_column columns[RP_PII_COLUMNS_MAX];
} rp_pii_counts;

/* "nir", "iban", "card", "siret", "email", "phone", "birthdate", "address";
 * "?" for an unknown kind. */
const char *rp_pii_kind_name(int kind);
/* "text", "csv", "html", ... "binary"; "unknown" otherwise. */
const char *rp_pii_format_name(int format);
/* "utf-8", "latin-1", "utf-16le", "utf-16be". */
const char *rp_pii_charset_name(int charset);
/* "binary", "too_big", "corrupt", "no_text"; "" for RP_PII_SKIP_NONE. */
const char *rp_pii_skip_name(int reason);

/* ---- distinct values of one run ----
 *
 * A set of keyed 64-bit hashes shared by all scanner threads (each of the
 * RP_PII_DISTINCT_SHARDS shards has its own mutex).  Memory is bounded:
 * at most `max_exact` hashes are kept (8 bytes each, tables at most half
 * full, so <= 16 * max_exact bytes); past that a kind whose new values no
 * longer fit is counted by HyperLogLog (2^14 one-byte registers per kind
 * and shard: 2 MiB in all, about 1% standard error).  The key is copied,
 * wiped on free, never written anywhere. */
#define RP_PII_DISTINCT_SHARDS 16
#define RP_PII_DISTINCT_DEFAULT_MAX_EXACT ((size_t)4 << 20)

typedef struct rp_pii_distinct rp_pii_distinct;

/* A set with the default bound (RP_PII_DISTINCT_DEFAULT_MAX_EXACT). */
int rp_pii_distinct_new(rp_pii_distinct **out, const uint8_t key[32], rp_err *e);
/* A set that keeps at most max_exact hashes exactly (>= 16). */
int rp_pii_distinct_new_bounded(rp_pii_distinct **out, const uint8_t key[32], size_t max_exact,
				rp_err *e);
void rp_pii_distinct_free(rp_pii_distinct *d);
/* Distinct values of kind seen so far (exact, or an estimate when
 * rp_pii_distinct_is_exact says 0).  Thread-safe. */
uint64_t rp_pii_distinct_count(const rp_pii_distinct *d, int kind);
/* 1 while every value of kind fitted in the exact set. */
int rp_pii_distinct_is_exact(const rp_pii_distinct *d, int kind);
/* Keyed hash of one normalised value (what the set stores). */
uint64_t rp_pii_distinct_hash(const rp_pii_distinct *d, int kind, const uint8_t *v, size_t n);
/* Adds n hashes (kinds[i], hashes[i]); thread-safe; never fails (values
 * past the bound go to the estimator). */
void rp_pii_distinct_add(rp_pii_distinct *d, const uint8_t *kinds, const uint64_t *hashes, size_t n);

/* ---- scanner ---- */
typedef struct rp_pii_scanner rp_pii_scanner;

/* A scanner feeding d (which must outlive it). */
int rp_pii_scanner_new(rp_pii_scanner **out, rp_pii_distinct *d, rp_err *e);
void rp_pii_scanner_free(rp_pii_scanner *s);
/* Starts a file.  name (path bytes, any encoding) only hints at the format
 * by its extension; size is the expected size (0 if unknown) and lets a
 * container that is too big be skipped without buffering. */
int rp_pii_file_begin(rp_pii_scanner *s, const uint8_t *name, size_t name_len, uint64_t size,
		      rp_err *e);
/* The next n bytes of the file.  Identifiers that span pieces are found.
 * Fails only on allocation failure or when no file was begun. */
int rp_pii_file_update(rp_pii_scanner *s, const uint8_t *p, size_t n, rp_err *e);
/* Ends the file: fills *out and sends the file's distinct hashes to the
 * shared set.  The scanner is ready for the next file. */
int rp_pii_file_end(rp_pii_scanner *s, rp_pii_counts *out, rp_err *e);
/* 1 once the scanner has decided not to scan the current file (an unknown
 * binary, a container too big): the caller may stop feeding it and go
 * straight to rp_pii_file_end. */
int rp_pii_file_skipping(const rp_pii_scanner *s);

#endif
