/* pii_internal.h - what the PII scanner's stages share: detector hits,
 * the text window, the table (row/column) stage, and the per-scanner
 * context they report to.
 *
 * Data flows one way: decoder stages (charset, markup, CSV, mail, office,
 * PDF) turn file bytes into UTF-8 text or table cells; the text window and
 * the table stage run the detector over them; hits go to the counter in
 * the scanner context, which hashes the value and never keeps it.
 */
#ifndef RP_PII_INTERNAL_H
#define RP_PII_INTERNAL_H

#include "../util/buf.h"
#include "pii.h"

#include <stddef.h>
#include <stdint.h>

/* ---- detector ---- */

/* Hit kinds beyond RP_PII_*: a valid date with no birth context (the table
 * stage promotes it when its column is a birth-date column). */
#define PII_HIT_DATE RP_PII_KINDS
/* A NIR, SIRET or card number written as one run of digits, with no
 * keyword before it (for NIRs: whatever precedes): random reference numbers
 * pass their checks too often, so bare hits need context (see pii_table.c;
 * in running text bare NIRs count, bare SIRETs and cards do not). */
#define PII_HIT_F_BARE 1u

/* Longest span the detector reads before (keywords, e-mail local parts,
 * streets before a postcode) and after (e-mail domains) a start position. */
#define PII_LOOKBEHIND_BYTES 160
#define PII_LOOKAHEAD_BYTES 320
#define PII_VALUE_MAX_BYTES 128

typedef struct pii_hit {
	int kind;
	unsigned flags;
	size_t off, len; /* in the buffer given to pii_detect */
	int year, month, day; /* dates; for NIRs the 2-digit year and month */
	uint8_t val[PII_VALUE_MAX_BYTES]; /* normalised value, hashed then dropped */
	size_t val_len;
} pii_hit;

typedef void (*pii_hit_fn)(void *ctx, const pii_hit *h);

/* Looks for identifiers starting at positions [from, to) of buf[0..len),
 * reading at most PII_LOOKBEHIND_BYTES before and PII_LOOKAHEAD_BYTES after
 * a start; calls fn for each.  Returns the position where the next search
 * must start (>= to, <= len): a match may end past `to`. */
size_t pii_detect(const uint8_t *buf, size_t len, size_t from, size_t to, pii_hit_fn fn,
		  void *ctx);
/* 1 if the keyword start sets written out in pii_detect.c match their
 * keyword lists and its word-at-a-time trigger filter matches the byte
 * classes (a unit test calls it after every edit of either). */
int pii_detect_tables_ok(void);
/* 1 if buf[0..len) holds a NIR keyword (nir, sécu, insee, ...). */
int pii_has_nir_keyword(const uint8_t *buf, size_t len);
/* 1 if buf[0..len) holds a birth keyword (naissance, né le, dob, ...). */
int pii_has_birth_keyword(const uint8_t *buf, size_t len);
/* 1 if buf[0..len) holds a payment-card keyword (carte, cb, visa, ...). */
int pii_has_card_keyword(const uint8_t *buf, size_t len);
/* 1 if buf[0..len) holds a SIREN/SIRET keyword (siren, siret, rcs). */
int pii_has_siret_keyword(const uint8_t *buf, size_t len);

/* ---- text window ---- */

/* Text arrives in pieces; the window keeps enough of the past (look-behind)
 * and holds back enough of the present (look-ahead) that identifiers
 * spanning pieces are found exactly once. */
#define PII_TEXT_WINDOW_BYTES ((size_t)64 << 10)

typedef struct pii_text {
	uint8_t *buf;
	size_t len, pos;
	pii_hit_fn fn;
	void *ctx;
	uint64_t total; /* text bytes written since the scanner's file began */
} pii_text;

int pii_text_init(pii_text *t, pii_hit_fn fn, void *ctx, rp_err *e);
void pii_text_free(pii_text *t);
void pii_text_write(pii_text *t, const uint8_t *p, size_t n);
/* Ends a unit of text (a document part): the rest is scanned and nothing
 * before the break joins what comes after. */
void pii_text_break(pii_text *t);

/* ---- table stage ---- */

#define PII_TABLE_ROW_MAX_BYTES ((size_t)64 << 10)
#define PII_TABLE_MAX_CELLS 1024
#define PII_TABLE_MAX_HITS 512
#define PII_TABLE_MAX_COLS 256 /* columns whose header role is remembered */

enum { PII_ROLE_NONE, PII_ROLE_NIR, PII_ROLE_BIRTH, PII_ROLE_CARD, PII_ROLE_SIRET };

struct pii_sc;

typedef struct pii_table {
	struct pii_sc *sc;
	rp_buf row;
	uint32_t cell_off[PII_TABLE_MAX_CELLS];
	uint32_t cell_col[PII_TABLE_MAX_CELLS];
	uint32_t ncells;
	uint32_t sheet;
	uint64_t rows;
	int in_cell;
	uint8_t role[PII_TABLE_MAX_COLS];
	char name[PII_TABLE_MAX_COLS][RP_PII_COLUMN_NAME_BYTES];
	pii_hit hits[PII_TABLE_MAX_HITS];
	size_t nhits;
} pii_table;

void pii_table_init(pii_table *t, struct pii_sc *sc);
void pii_table_free(pii_table *t);
/* A new table (sheet number given): the first row may be a header. */
void pii_table_begin(pii_table *t, uint32_t sheet);
void pii_table_cell(pii_table *t, uint32_t col);
int pii_table_text(pii_table *t, const uint8_t *p, size_t n);
int pii_table_row_end(pii_table *t);
int pii_table_end(pii_table *t);

/* ---- scanner context: counting ---- */

#define PII_PENDING_HASHES 512
#define PII_COLUMN_SLOTS 64

typedef struct pii_colcount {
	uint32_t sheet, index;
	char name[RP_PII_COLUMN_NAME_BYTES];
	uint64_t n[RP_PII_KINDS];
} pii_colcount;

typedef struct pii_sc {
	rp_pii_distinct *distinct;
	rp_pii_counts *counts; /* the current file's */
	pii_text text;
	pii_table table;
	uint8_t pend_kind[PII_PENDING_HASHES];
	uint64_t pend_hash[PII_PENDING_HASHES];
	size_t npend;
	pii_colcount cols[PII_COLUMN_SLOTS];
	size_t ncols;
	uint64_t table_text; /* cell text sent through the detector */
} pii_sc;

/* Counts one occurrence of kind (value v[0..n), normalised) in the current
 * file, and in column col of sheet when col >= 0. */
void pii_sc_count(pii_sc *sc, int kind, const uint8_t *v, size_t n, uint32_t sheet, int64_t col,
		  const char *colname);
/* Sends pending hashes to the distinct set. */
void pii_sc_flush(pii_sc *sc);

/* ---- byte sinks between stages ---- */

typedef int (*pii_out_fn)(void *ctx, const uint8_t *p, size_t n);

/* Converts Latin-1 (as Windows-1252) or UTF-16 to UTF-8. */
typedef struct pii_charset {
	int cs;
	uint8_t pend;   /* UTF-16: an odd byte waiting for its pair */
	int has_pend;
	uint32_t high;  /* UTF-16: a high surrogate waiting for its low half */
} pii_charset;

void pii_charset_begin(pii_charset *c, int cs);
int pii_charset_write(pii_charset *c, const uint8_t *p, size_t n, pii_out_fn out, void *ctx);
/* Writes the UTF-8 form of code point cp to out (4 bytes); returns length. */
size_t pii_utf8_put(uint8_t *out, uint32_t cp);

/* ---- markup (XML/HTML) tokenizer ---- */

#define PII_TAG_MAX_BYTES 1024

typedef struct pii_tag {
	const uint8_t *name; /* local name (namespace prefix removed), lower case kept */
	size_t name_len;
	const uint8_t *prefix;
	size_t prefix_len;
	const uint8_t *attrs; /* raw text after the name */
	size_t attrs_len;
	int end;        /* </name> */
	int selfclose;  /* <name/> */
} pii_tag;

typedef struct pii_markup_ops {
	int (*text)(void *ctx, const uint8_t *p, size_t n);
	int (*tag)(void *ctx, const pii_tag *t);
} pii_markup_ops;

typedef struct pii_markup {
	pii_markup_ops ops;
	void *ctx;
	int state;
	int html; /* HTML named entities and case-insensitive names */
	uint8_t tag[PII_TAG_MAX_BYTES];
	size_t tag_len;
	int tag_trunc;
	uint8_t quote;
	uint8_t ent[12];
	size_t ent_len;
	size_t match; /* progress through a terminator such as "-->" or "]]>" */
} pii_markup;

void pii_markup_begin(pii_markup *m, int html, const pii_markup_ops *ops, void *ctx);
int pii_markup_write(pii_markup *m, const uint8_t *p, size_t n);
int pii_markup_end(pii_markup *m);
/* Value of attribute `name` (local name, prefix ignored) in t, or NULL. */
const uint8_t *pii_tag_attr(const pii_tag *t, const char *name, size_t *len);
/* 1 if the tag's local name equals s (ASCII case-insensitive). */
int pii_tag_is(const pii_tag *t, const char *s);

/* Text extraction over the tokenizer: what a tag becomes in the text. */
enum { PII_FLAVOR_HTML, PII_FLAVOR_XML, PII_FLAVOR_OFFICE };

typedef struct pii_markup_text {
	pii_markup mk;
	int flavor;
	int skip; /* inside <script> or <style> */
	pii_text *text;
} pii_markup_text;

void pii_markup_text_begin(pii_markup_text *mt, int flavor, pii_text *text);

/* ---- containers and documents ---- */

typedef struct pii_doc pii_doc;

/* Office zip files (docx, xlsx, pptx, odt, ods, odp) held whole in memory
 * (pii_office.c): sets d->real_format, and d->skip_reason when the zip
 * does not open or is not an office file.  0, RP_ENOMEM, or RP_EIO when
 * libarchive cannot be loaded (the first office file of d loads it). */
int pii_office_scan(pii_doc *d, const uint8_t *zip, size_t n, rp_err *e);
/* libarchive's functions, kept by a document reader across its files. */
typedef struct pii_zip pii_zip;
void pii_zip_free(pii_zip *z);

/* xlsx/ods sheet readers (pii_sheet.c) */
typedef struct pii_sheet pii_sheet;
int pii_sheet_new(pii_sheet **out, pii_sc *sc, rp_err *e);
void pii_sheet_free(pii_sheet *s);
/* Forgets the previous workbook (sheet numbers, shared strings). */
void pii_sheet_reset(pii_sheet *s);
/* Shared strings of an xlsx workbook (xl/sharedStrings.xml), in pieces. */
void pii_sheet_sst_begin(pii_sheet *s);
int pii_sheet_sst_write(pii_sheet *s, const uint8_t *p, size_t n);
int pii_sheet_sst_end(pii_sheet *s);
/* One xlsx worksheet, in pieces, after the shared strings. */
void pii_sheet_xlsx_begin(pii_sheet *s);
int pii_sheet_xlsx_write(pii_sheet *s, const uint8_t *p, size_t n);
int pii_sheet_xlsx_end(pii_sheet *s);
/* An OpenDocument spreadsheet's content.xml, in pieces. */
void pii_sheet_ods_begin(pii_sheet *s);
int pii_sheet_ods_write(pii_sheet *s, const uint8_t *p, size_t n);
int pii_sheet_ods_end(pii_sheet *s);

/* CSV/TSV (pii_csv.c) feeding the table stage */
typedef struct pii_csv {
	pii_table *table;
	uint8_t delim;
	int state;
	uint32_t col;
	int row_open;
} pii_csv;

/* delim 0: guess from sample[0..n) (the file's first bytes). */
void pii_csv_begin(pii_csv *c, pii_table *t, uint8_t delim, const uint8_t *sample, size_t n);
int pii_csv_write(pii_csv *c, const uint8_t *p, size_t n);
int pii_csv_end(pii_csv *c);

/* mbox / .eml (pii_mail.c) */
typedef struct pii_mail pii_mail;
int pii_mail_new(pii_mail **out, pii_sc *sc, int depth, rp_err *e);
void pii_mail_free(pii_mail *m);
void pii_mail_begin(pii_mail *m);
int pii_mail_write(pii_mail *m, const uint8_t *p, size_t n);
int pii_mail_end(pii_mail *m);

/* PDF (pii_pdf.c) */
typedef struct pii_pdf pii_pdf;
int pii_pdf_new(pii_pdf **out, pii_sc *sc, rp_err *e);
void pii_pdf_free(pii_pdf *p);
int pii_pdf_begin(pii_pdf *p, rp_err *e);
int pii_pdf_write(pii_pdf *p, const uint8_t *data, size_t n);
/* Ends the document; *text_streams says how many streams gave text. */
int pii_pdf_end(pii_pdf *p, uint64_t *text_streams);

/* ---- documents: one format's decoding chain (pii_doc.c) ---- */

/* What the first bytes and the name say (pii_sniff.c). */
typedef struct pii_sniffed {
	int format;    /* RP_PII_FMT_* (BINARY for unknown binaries; DOCX stands
			* for any zip office file until the zip is opened) */
	int charset;   /* RP_PII_CS_* */
	size_t skip;   /* bytes of byte-order mark to drop */
	uint8_t delim; /* CSV delimiter, 0 to guess */
} pii_sniffed;

#define PII_SNIFF_BYTES 4096
#define PII_EXT_BYTES 8

/* Decides the format from the first bytes head[0..n) (n == PII_SNIFF_BYTES
 * unless the file is shorter) and the file name's extension (lower case,
 * without the dot, may be ""). */
void pii_sniff(const uint8_t *head, size_t n, const char *ext, pii_sniffed *out);
/* Lower-case extension of name into ext (PII_EXT_BYTES), "" if none or if
 * it is not short ASCII. */
void pii_name_ext(const uint8_t *name, size_t n, char ext[PII_EXT_BYTES]);
/* 1 if the format is a zip-based office format. */
int pii_format_is_office(int format);

struct pii_doc {
	pii_sc *sc;
	int depth;
	int format;      /* what is being decoded (RP_PII_FMT_UNKNOWN: sniffing) */
	int forced;      /* format given by the caller, kept over the sniff */
	int charset;
	char ext[PII_EXT_BYTES];
	uint64_t size_hint;
	int started;
	rp_buf head;     /* first bytes while sniffing */
	pii_charset cs;
	pii_markup_text *mt;
	pii_sheet *sheet;
	pii_csv csv;
	pii_mail *mail;
	pii_pdf *pdf;
	pii_zip *zip;
	rp_buf container;
	int container_over;
	int json_state;  /* JSON: 0 plain, 1 after a backslash, 2-5 in a backslash-u escape */
	uint32_t json_u;
	int skip_reason;
	int real_format; /* office: the format found inside the zip */
};

/* Mail attachments are documents too; one holding mail again is read as
 * plain text past this depth. */
#define PII_DOC_MAX_DEPTH 2

void pii_doc_init(pii_doc *d, pii_sc *sc, int depth);
void pii_doc_free(pii_doc *d);
/* Starts a document.  format RP_PII_FMT_UNKNOWN: decided from the first
 * bytes and ext; charset applies to text formats given explicitly;
 * size_hint (0 = unknown) lets a too-big container be skipped at once. */
int pii_doc_begin(pii_doc *d, int format, int charset, const char *ext, uint64_t size_hint,
		  rp_err *e);
/* 0 or RP_ENOMEM. */
int pii_doc_write(pii_doc *d, const uint8_t *p, size_t n, rp_err *e);
/* Ends the document: d->format is the format read (office: the one found
 * in the zip), d->skip_reason whether it could be read.  0 or RP_ENOMEM. */
int pii_doc_end(pii_doc *d, rp_err *e);

#endif
