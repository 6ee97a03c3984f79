/* pii_scanner.c - the per-thread scanner: files in, counts out.
 *
 * A file is one document (pii_doc) whose format is sniffed from its first
 * bytes.  Hits from the text window and the table stage land in
 * pii_sc_count, which counts them, hashes the value with the run's key
 * and queues the hash for the shared distinct set (flushed every
 * PII_PENDING_HASHES values and at the end of each file, so threads take
 * the set's locks rarely).  No value outlives the call that found it.
 */
#include "pii_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rp_pii_scanner {
	pii_sc sc;
	pii_doc doc;
	rp_pii_counts counts;
	int in_file;
};

static const char *const KIND_NAMES[RP_PII_KINDS] = {
	"nir", "iban", "card", "siret", "email", "phone", "birthdate", "address",
};

static const char *const FORMAT_NAMES[RP_PII_FORMATS] = {
	"unknown", "text", "csv", "html", "xml",  "json", "mail",   "docx",
	"xlsx",    "pptx", "odt", "ods",  "odp",  "pdf",  "binary",
};

static const char *const CHARSET_NAMES[RP_PII_CHARSETS] = {
	"utf-8", "latin-1", "utf-16le", "utf-16be",
};

static const char *const SKIP_NAMES[RP_PII_SKIP_REASONS] = {
	"", "binary", "too_big", "corrupt", "no_text",
};

const char *rp_pii_kind_name(int kind)
{
	return kind >= 0 && kind < RP_PII_KINDS ? KIND_NAMES[kind] : "?";
}

const char *rp_pii_format_name(int format)
{
	return format >= 0 && format < RP_PII_FORMATS ? FORMAT_NAMES[format] : "unknown";
}

const char *rp_pii_charset_name(int charset)
{
	return charset >= 0 && charset < RP_PII_CHARSETS ? CHARSET_NAMES[charset] : "utf-8";
}

const char *rp_pii_skip_name(int reason)
{
	return reason >= 0 && reason < RP_PII_SKIP_REASONS ? SKIP_NAMES[reason] : "";
}

void pii_sc_flush(pii_sc *sc)
{
	if (sc->npend)
		rp_pii_distinct_add(sc->distinct, sc->pend_kind, sc->pend_hash, sc->npend);
	sc->npend = 0;
}

void pii_sc_count(pii_sc *sc, int kind, const uint8_t *v, size_t n, uint32_t sheet, int64_t col,
		  const char *colname)
{
	if (kind < 0 || kind >= RP_PII_KINDS)
		return;
	sc->counts->n[kind]++;
	sc->pend_kind[sc->npend] = (uint8_t)kind;
	sc->pend_hash[sc->npend] = rp_pii_distinct_hash(sc->distinct, kind, v, n);
	if (++sc->npend == PII_PENDING_HASHES)
		pii_sc_flush(sc);
	if (col < 0)
		return;
	pii_colcount *slot = NULL;
	for (size_t i = 0; i < sc->ncols; i++) {
		if (sc->cols[i].sheet == sheet && sc->cols[i].index == (uint32_t)col) {
			slot = &sc->cols[i];
			break;
		}
	}
	if (!slot && sc->ncols < PII_COLUMN_SLOTS) {
		slot = &sc->cols[sc->ncols++];
		memset(slot, 0, sizeof *slot);
		slot->sheet = sheet;
		slot->index = (uint32_t)col;
		snprintf(slot->name, sizeof slot->name, "%s", colname ? colname : "");
	}
	if (slot)
		slot->n[kind]++;
}

/* Hits from running text: plain dates, and SIRET or card numbers written
 * as a bare run of digits with no keyword before them, do not count. */
static void text_hit(void *ctx, const pii_hit *h)
{
	pii_sc *sc = ctx;
	if (h->kind >= RP_PII_KINDS)
		return;
	if ((h->flags & PII_HIT_F_BARE) && (h->kind == RP_PII_SIRET || h->kind == RP_PII_CARD))
		return;
	pii_sc_count(sc, h->kind, h->val, h->val_len, 0, -1, NULL);
}

int rp_pii_scanner_new(rp_pii_scanner **out, rp_pii_distinct *d, rp_err *e)
{
	*out = NULL;
	rp_pii_scanner *s = calloc(1, sizeof *s);
	if (!s)
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory");
	s->sc.distinct = d;
	s->sc.counts = &s->counts;
	int rc = pii_text_init(&s->sc.text, text_hit, &s->sc, e);
	if (rc) {
		free(s);
		return rc;
	}
	pii_table_init(&s->sc.table, &s->sc);
	pii_doc_init(&s->doc, &s->sc, 0);
	*out = s;
	return 0;
}

void rp_pii_scanner_free(rp_pii_scanner *s)
{
	if (!s)
		return;
	pii_sc_flush(&s->sc);
	pii_doc_free(&s->doc);
	pii_table_free(&s->sc.table);
	pii_text_free(&s->sc.text);
	free(s);
}

int rp_pii_file_begin(rp_pii_scanner *s, const uint8_t *name, size_t name_len, uint64_t size,
		      rp_err *e)
{
	char ext[PII_EXT_BYTES];
	pii_name_ext(name, name_len, ext);
	memset(&s->counts, 0, sizeof s->counts);
	s->sc.ncols = 0;
	s->sc.table_text = 0;
	s->sc.text.total = 0;
	s->sc.text.len = s->sc.text.pos = 0;
	s->in_file = 1;
	int rc = pii_doc_begin(&s->doc, RP_PII_FMT_UNKNOWN, RP_PII_CS_UTF8, ext, size, e);
	if (rc)
		s->in_file = 0;
	return rc;
}

int rp_pii_file_update(rp_pii_scanner *s, const uint8_t *p, size_t n, rp_err *e)
{
	if (!s->in_file)
		return rp_err_set(e, RP_EINVAL, "PII scanner: data given outside a file");
	s->counts.bytes += n;
	int rc = pii_doc_write(&s->doc, p, n, e);
	if (rc)
		s->in_file = 0;
	return rc;
}

int rp_pii_file_skipping(const rp_pii_scanner *s)
{
	return s->in_file && s->doc.started &&
	       (s->doc.skip_reason == RP_PII_SKIP_BINARY || s->doc.skip_reason == RP_PII_SKIP_TOO_BIG);
}

static int column_order(const void *a, const void *b)
{
	const rp_pii_column *x = a, *y = b;
	if (x->sheet != y->sheet)
		return x->sheet < y->sheet ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

int rp_pii_file_end(rp_pii_scanner *s, rp_pii_counts *out, rp_err *e)
{
	if (!s->in_file)
		return rp_err_set(e, RP_EINVAL, "PII scanner: file_end without file_begin");
	s->in_file = 0;
	int rc = pii_doc_end(&s->doc, e);
	pii_sc_flush(&s->sc);
	if (rc)
		return rc;
	rp_pii_counts *c = &s->counts;
	c->format = s->doc.format;
	c->charset = s->doc.charset;
	c->skip_reason = s->doc.skip_reason;
	c->scanned = c->skip_reason == RP_PII_SKIP_NONE;
	c->text_bytes = s->sc.text.total + s->sc.table_text;
	c->columns_n = 0;
	for (size_t i = 0; i < s->sc.ncols && c->columns_n < RP_PII_COLUMNS_MAX; i++) {
		rp_pii_column *col = &c->columns[c->columns_n++];
		col->sheet = s->sc.cols[i].sheet;
		col->index = s->sc.cols[i].index;
		memcpy(col->name, s->sc.cols[i].name, sizeof col->name);
		memcpy(col->n, s->sc.cols[i].n, sizeof col->n);
	}
	qsort(c->columns, c->columns_n, sizeof c->columns[0], column_order);
	*out = *c;
	return 0;
}
