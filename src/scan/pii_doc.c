/* pii_doc.c - one document's decoding chain, chosen by format.
 *
 *   text, JSON   charset -> (JSON unescape) -> text window
 *   HTML, XML    charset -> markup text extraction -> text window
 *   CSV/TSV      charset -> CSV -> table
 *   mail         mail parser (its parts are documents one level down)
 *   PDF          PDF streams -> content text -> text window
 *   office zip   buffered whole (RP_PII_CONTAINER_MAX_BYTES), then libarchive
 * A document whose format is not given buffers its first PII_SNIFF_BYTES
 * and asks pii_sniff.
 */
#include "pii_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Containers bigger than this are freed after use, not kept for reuse. */
#define PII_CONTAINER_KEEP_BYTES ((size_t)4 << 20)

void pii_doc_init(pii_doc *d, pii_sc *sc, int depth)
{
	memset(d, 0, sizeof *d);
	d->sc = sc;
	d->depth = depth;
}

void pii_doc_free(pii_doc *d)
{
	free(d->mt);
	pii_sheet_free(d->sheet);
	pii_mail_free(d->mail);
	pii_pdf_free(d->pdf);
	pii_zip_free(d->zip);
	rp_buf_free(&d->container);
	rp_buf_free(&d->head);
	d->mt = NULL;
	d->sheet = NULL;
	d->mail = NULL;
	d->pdf = NULL;
	d->zip = NULL;
}

static int to_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_doc *d = ctx;
	pii_text_write(&d->sc->text, p, n);
	return 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* JSON strings escape line breaks and accents; undo that so "\n0612..."
 * does not glue a letter to a phone number. */
static int to_json_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_doc *d = ctx;
	pii_text *t = &d->sc->text;
	size_t i = 0;
	while (i < n) {
		if (d->json_state == 0) {
			size_t j = i;
			while (j < n && p[j] != '\\')
				j++;
			pii_text_write(t, p + i, j - i);
			i = j;
			if (i < n) {
				d->json_state = 1;
				i++;
			}
			continue;
		}
		uint8_t c = p[i++];
		if (d->json_state == 1) {
			if (c == 'u') {
				d->json_state = 2;
				d->json_u = 0;
				continue;
			}
			uint8_t o = c == 'n' || c == 't' || c == 'r' || c == 'b' || c == 'f' ? ' ' : c;
			pii_text_write(t, &o, 1);
			d->json_state = 0;
			continue;
		}
		int h = hexval(c);
		if (h < 0) {
			/* a broken escape: keep the byte */
			pii_text_write(t, &c, 1);
			d->json_state = 0;
			continue;
		}
		d->json_u = d->json_u * 16 + (uint32_t)h;
		if (++d->json_state == 6) {
			uint32_t cp = d->json_u;
			if (cp >= 0xd800 && cp <= 0xdfff)
				cp = 0xfffd;
			uint8_t o[4];
			pii_text_write(t, o, pii_utf8_put(o, cp));
			d->json_state = 0;
		}
	}
	return 0;
}

static int to_markup(void *ctx, const uint8_t *p, size_t n)
{
	pii_doc *d = ctx;
	return pii_markup_write(&d->mt->mk, p, n);
}

static int to_csv(void *ctx, const uint8_t *p, size_t n)
{
	pii_doc *d = ctx;
	return pii_csv_write(&d->csv, p, n);
}

/* Sets up the chain for d->format; sample is the first bytes, if any. */
static int doc_start(pii_doc *d, const uint8_t *sample, size_t n, uint8_t delim, rp_err *e)
{
	int rc = 0;
	pii_charset_begin(&d->cs, d->charset);
	d->json_state = 0;
	switch (d->format) {
	case RP_PII_FMT_HTML:
	case RP_PII_FMT_XML:
		if (!d->mt && !(d->mt = calloc(1, sizeof *d->mt)))
			return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for markup");
		pii_markup_text_begin(d->mt, d->format == RP_PII_FMT_HTML ? PII_FLAVOR_HTML
									 : PII_FLAVOR_XML,
				      &d->sc->text);
		break;
	case RP_PII_FMT_CSV:
		pii_csv_begin(&d->csv, &d->sc->table, delim, sample, n);
		break;
	case RP_PII_FMT_MAIL:
		if (!d->mail && (rc = pii_mail_new(&d->mail, d->sc, d->depth, e)))
			return rc;
		pii_mail_begin(d->mail);
		break;
	case RP_PII_FMT_PDF:
		if (!d->pdf && (rc = pii_pdf_new(&d->pdf, d->sc, e)))
			return rc;
		rc = pii_pdf_begin(d->pdf, e);
		break;
	case RP_PII_FMT_BINARY:
		d->skip_reason = RP_PII_SKIP_BINARY;
		break;
	default:
		if (pii_format_is_office(d->format)) {
			rp_buf_reset(&d->container);
			d->container_over = d->size_hint > RP_PII_CONTAINER_MAX_BYTES;
			if (d->container_over)
				d->skip_reason = RP_PII_SKIP_TOO_BIG;
		}
	}
	d->started = 1;
	return rc;
}

static int doc_feed(pii_doc *d, const uint8_t *p, size_t n, rp_err *e)
{
	int rc = 0;
	switch (d->format) {
	case RP_PII_FMT_TEXT:
		rc = pii_charset_write(&d->cs, p, n, to_text, d);
		break;
	case RP_PII_FMT_JSON:
		rc = pii_charset_write(&d->cs, p, n, to_json_text, d);
		break;
	case RP_PII_FMT_HTML:
	case RP_PII_FMT_XML:
		rc = pii_charset_write(&d->cs, p, n, to_markup, d);
		break;
	case RP_PII_FMT_CSV:
		rc = pii_charset_write(&d->cs, p, n, to_csv, d);
		break;
	case RP_PII_FMT_MAIL:
		rc = pii_mail_write(d->mail, p, n);
		break;
	case RP_PII_FMT_PDF:
		rc = pii_pdf_write(d->pdf, p, n);
		break;
	case RP_PII_FMT_BINARY:
		break;
	default:
		if (!pii_format_is_office(d->format) || d->container_over)
			break;
		if (d->container.len + n > RP_PII_CONTAINER_MAX_BYTES) {
			d->container_over = 1;
			d->skip_reason = RP_PII_SKIP_TOO_BIG;
			rp_buf_free(&d->container);
			break;
		}
		rc = rp_buf_put(&d->container, p, n);
	}
	if (rc)
		return rp_err_set(e, rc, "PII scanner: out of memory decoding %s",
				  rp_pii_format_name(d->format));
	return 0;
}

int pii_doc_begin(pii_doc *d, int format, int charset, const char *ext, uint64_t size_hint,
		  rp_err *e)
{
	d->format = format;
	d->forced = format;
	d->charset = charset;
	snprintf(d->ext, sizeof d->ext, "%s", ext ? ext : "");
	d->size_hint = size_hint;
	d->started = 0;
	d->skip_reason = RP_PII_SKIP_NONE;
	d->real_format = format;
	d->container_over = 0;
	rp_buf_reset(&d->head);
	/* CSV needs its first line to guess the delimiter */
	if (format == RP_PII_FMT_UNKNOWN || format == RP_PII_FMT_CSV)
		return 0;
	return doc_start(d, NULL, 0, 0, e);
}

/* Decides the format from the buffered head and pushes the head through. */
static int doc_sniffed(pii_doc *d, rp_err *e)
{
	pii_sniffed s;
	pii_sniff(d->head.data, d->head.len, d->ext, &s);
	if (d->forced == RP_PII_FMT_UNKNOWN) {
		d->format = s.format;
		d->charset = s.charset;
	} else {
		s.skip = 0;
	}
	if (d->format == RP_PII_FMT_MAIL && d->depth >= PII_DOC_MAX_DEPTH)
		d->format = RP_PII_FMT_TEXT;
	d->real_format = d->format;
	static const uint8_t NOTHING[1] = {0};
	const uint8_t *head = d->head.len ? d->head.data : NOTHING; /* an empty file */
	size_t skip = s.skip < d->head.len ? s.skip : d->head.len;
	int rc = doc_start(d, head + skip, d->head.len - skip, s.delim, e);
	if (!rc)
		rc = doc_feed(d, head + skip, d->head.len - skip, e);
	rp_buf_reset(&d->head);
	return rc;
}

int pii_doc_write(pii_doc *d, const uint8_t *p, size_t n, rp_err *e)
{
	if (!d->started) {
		size_t k = PII_SNIFF_BYTES - d->head.len;
		if (k > n)
			k = n;
		if (rp_buf_put(&d->head, p, k))
			return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory");
		p += k;
		n -= k;
		if (d->head.len < PII_SNIFF_BYTES)
			return 0;
		int rc = doc_sniffed(d, e);
		if (rc)
			return rc;
	}
	return n ? doc_feed(d, p, n, e) : 0;
}

int pii_doc_end(pii_doc *d, rp_err *e)
{
	int rc = 0;
	if (!d->started && (rc = doc_sniffed(d, e)))
		return rc;
	switch (d->format) {
	case RP_PII_FMT_TEXT:
	case RP_PII_FMT_JSON:
		pii_text_break(&d->sc->text);
		break;
	case RP_PII_FMT_HTML:
	case RP_PII_FMT_XML:
		rc = pii_markup_end(&d->mt->mk);
		pii_text_break(&d->sc->text);
		break;
	case RP_PII_FMT_CSV:
		rc = pii_csv_end(&d->csv);
		break;
	case RP_PII_FMT_MAIL:
		rc = pii_mail_end(d->mail);
		break;
	case RP_PII_FMT_PDF: {
		uint64_t streams = 0;
		rc = pii_pdf_end(d->pdf, &streams);
		if (!rc && !streams)
			d->skip_reason = RP_PII_SKIP_NO_TEXT;
		break;
	}
	default:
		if (pii_format_is_office(d->format) && !d->container_over) {
			rc = pii_office_scan(d, d->container.data, d->container.len, e);
			if (!rc && d->real_format != RP_PII_FMT_UNKNOWN)
				d->format = d->real_format;
			if (d->container.cap > PII_CONTAINER_KEEP_BYTES)
				rp_buf_free(&d->container);
			rp_buf_reset(&d->container);
			return rc;
		}
	}
	if (d->container.cap > PII_CONTAINER_KEEP_BYTES)
		rp_buf_free(&d->container);
	if (rc)
		return rp_err_set(e, rc, "PII scanner: out of memory decoding %s",
				  rp_pii_format_name(d->format));
	return 0;
}
