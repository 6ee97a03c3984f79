/* pii_office.c - Office Open XML and OpenDocument files: the XML parts
 * inside the zip, read with libarchive from memory.
 *
 * Which parts hold text:
 *   docx  word/document.xml, headers, footers, footnotes, endnotes, comments
 *   pptx  ppt/slides/slideN.xml, ppt/notesSlides/notesSlideN.xml
 *   xlsx  xl/sharedStrings.xml, then xl/worksheets/sheetN.xml (as tables)
 *   odt, odp  content.xml (text);  ods  content.xml (as tables)
 * Worksheets usually come before the shared strings in the zip, so xlsx
 * takes a second pass.  At most PII_OFFICE_MAX_INFLATED_BYTES are
 * inflated per file, so a zip bomb costs bounded time.
 */
#include "pii_internal.h"
#include "util/dl.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#define PII_OFFICE_MAX_INFLATED_BYTES ((uint64_t)1 << 30)
#define PII_OFFICE_BLOCK_BYTES ((size_t)64 << 10)

enum { PART_NONE, PART_TEXT, PART_SST, PART_SHEET, PART_ODS, PART_MIMETYPE };

/* name == prefix + digits + suffix (digits may be empty when allowed) */
static int name_is(const char *name, const char *prefix, const char *suffix, int need_digits)
{
	size_t np = strlen(prefix), ns = strlen(suffix), n = strlen(name);
	if (n < np + ns || strncmp(name, prefix, np) || strcmp(name + n - ns, suffix))
		return 0;
	size_t digits = 0;
	for (size_t i = np; i < n - ns; i++) {
		if (name[i] < '0' || name[i] > '9')
			return 0;
		digits++;
	}
	return digits > 0 || !need_digits;
}

static int part_kind(const char *name, int format)
{
	if (!strcmp(name, "mimetype"))
		return PART_MIMETYPE;
	if (!strcmp(name, "word/document.xml") || name_is(name, "word/header", ".xml", 0) ||
	    name_is(name, "word/footer", ".xml", 0) || !strcmp(name, "word/footnotes.xml") ||
	    !strcmp(name, "word/endnotes.xml") || !strcmp(name, "word/comments.xml") ||
	    name_is(name, "ppt/slides/slide", ".xml", 1) ||
	    name_is(name, "ppt/notesSlides/notesSlide", ".xml", 1))
		return PART_TEXT;
	if (!strcmp(name, "xl/sharedStrings.xml"))
		return PART_SST;
	if (name_is(name, "xl/worksheets/sheet", ".xml", 1))
		return PART_SHEET;
	if (!strcmp(name, "content.xml"))
		return format == RP_PII_FMT_ODS ? PART_ODS : PART_TEXT;
	return PART_NONE;
}

static int format_of_entry(const char *name)
{
	if (!strcmp(name, "word/document.xml"))
		return RP_PII_FMT_DOCX;
	if (!strcmp(name, "xl/workbook.xml") || !strncmp(name, "xl/worksheets/", 14))
		return RP_PII_FMT_XLSX;
	if (!strcmp(name, "ppt/presentation.xml") || !strncmp(name, "ppt/slides/", 11))
		return RP_PII_FMT_PPTX;
	return RP_PII_FMT_UNKNOWN;
}

static int format_of_mimetype(const uint8_t *p, size_t n)
{
	static const char BASE[] = "application/vnd.oasis.opendocument.";
	size_t nb = sizeof BASE - 1;
	if (n < nb || memcmp(p, BASE, nb))
		return RP_PII_FMT_UNKNOWN;
	p += nb;
	n -= nb;
	if (n >= 4 && !memcmp(p, "text", 4))
		return RP_PII_FMT_ODT;
	if (n >= 11 && !memcmp(p, "spreadsheet", 11))
		return RP_PII_FMT_ODS;
	if (n >= 12 && !memcmp(p, "presentation", 12))
		return RP_PII_FMT_ODP;
	return RP_PII_FMT_UNKNOWN;
}

static int format_of_ext(const char *ext)
{
	static const struct {
		const char *ext;
		int format;
	} EXTS[] = {
		{"docx", RP_PII_FMT_DOCX}, {"docm", RP_PII_FMT_DOCX}, {"dotx", RP_PII_FMT_DOCX},
		{"xlsx", RP_PII_FMT_XLSX}, {"xlsm", RP_PII_FMT_XLSX}, {"xltx", RP_PII_FMT_XLSX},
		{"pptx", RP_PII_FMT_PPTX}, {"pptm", RP_PII_FMT_PPTX}, {"odt", RP_PII_FMT_ODT},
		{"ott", RP_PII_FMT_ODT},   {"ods", RP_PII_FMT_ODS},   {"ots", RP_PII_FMT_ODS},
		{"odp", RP_PII_FMT_ODP},
	};
	for (size_t i = 0; i < sizeof EXTS / sizeof EXTS[0]; i++)
		if (!strcmp(ext, EXTS[i].ext))
			return EXTS[i].format;
	return RP_PII_FMT_UNKNOWN;
}

/* The libarchive functions used here, loaded with the first office file
 * (see util/dl.h). */
#define ZIP_FNS(X)                                                                                          \
	X(read_new, archive_read_new) X(support_zip, archive_read_support_format_zip)                       \
	X(open_memory, archive_read_open_memory) X(next_header, archive_read_next_header)                  \
	X(read_data, archive_read_data) X(read_free, archive_read_free) X(pathname, archive_entry_pathname)

typedef struct zip_fns {
	ZIP_FNS(RP_DL_FIELD)
} zip_fns;

RP_DL_DEFINE_LOADER(zip_fns_load, zip_fns, ZIP_FNS, "libarchive.so.13", "libarchive13")

struct pii_zip {
	zip_fns fn;
};

void pii_zip_free(pii_zip *z)
{
	free(z);
}

typedef struct office_run {
	const zip_fns *fn;
	pii_doc *d;
	uint8_t *block;
	uint64_t inflated;
	int format;
	int parts;   /* text parts read */
	int corrupt;
	int sheets;  /* xlsx worksheets seen in pass 1 */
} office_run;

static struct archive *zip_open(const zip_fns *fn, const uint8_t *zip, size_t n)
{
	struct archive *a = fn->read_new();
	if (!a)
		return NULL;
	if (fn->support_zip(a) != ARCHIVE_OK || fn->open_memory(a, zip, n) != ARCHIVE_OK) {
		fn->read_free(a);
		return NULL;
	}
	return a;
}

/* Streams the current entry's data through the part's reader. */
static int read_part(office_run *r, struct archive *a, int kind)
{
	pii_doc *d = r->d;
	pii_sc *sc = d->sc;
	int rc = 0;
	uint8_t mime[96];
	size_t mime_len = 0;
	switch (kind) {
	case PART_TEXT:
		pii_markup_text_begin(d->mt, PII_FLAVOR_OFFICE, &sc->text);
		break;
	case PART_SST:
		pii_sheet_sst_begin(d->sheet);
		break;
	case PART_SHEET:
		pii_sheet_xlsx_begin(d->sheet);
		break;
	case PART_ODS:
		pii_sheet_ods_begin(d->sheet);
		break;
	}
	for (;;) {
		la_ssize_t got = r->fn->read_data(a, r->block, PII_OFFICE_BLOCK_BYTES);
		if (got == 0)
			break;
		if (got < 0) {
			r->corrupt = 1;
			break;
		}
		size_t n = (size_t)got;
		if (r->inflated + n > PII_OFFICE_MAX_INFLATED_BYTES)
			break;
		r->inflated += n;
		switch (kind) {
		case PART_TEXT:
			rc = pii_markup_write(&d->mt->mk, r->block, n);
			break;
		case PART_SST:
			rc = pii_sheet_sst_write(d->sheet, r->block, n);
			break;
		case PART_SHEET:
			rc = pii_sheet_xlsx_write(d->sheet, r->block, n);
			break;
		case PART_ODS:
			rc = pii_sheet_ods_write(d->sheet, r->block, n);
			break;
		case PART_MIMETYPE: {
			size_t k = n < sizeof mime - mime_len ? n : sizeof mime - mime_len;
			memcpy(mime + mime_len, r->block, k);
			mime_len += k;
			break;
		}
		}
		if (rc)
			return rc;
	}
	switch (kind) {
	case PART_TEXT:
		rc = pii_markup_end(&d->mt->mk);
		pii_text_break(&sc->text);
		r->parts++;
		break;
	case PART_SST:
		rc = pii_sheet_sst_end(d->sheet);
		break;
	case PART_SHEET:
		rc = pii_sheet_xlsx_end(d->sheet);
		r->parts++;
		break;
	case PART_ODS:
		rc = pii_sheet_ods_end(d->sheet);
		r->parts++;
		break;
	case PART_MIMETYPE: {
		int f = format_of_mimetype(mime, mime_len);
		if (f != RP_PII_FMT_UNKNOWN)
			r->format = f;
		break;
	}
	}
	return rc;
}

/* One pass over the zip; in pass 2 only worksheets are read. */
static int office_pass(office_run *r, const uint8_t *zip, size_t n, int pass)
{
	struct archive *a = zip_open(r->fn, zip, n);
	if (!a) {
		r->corrupt = 1;
		return 0;
	}
	struct archive_entry *ent;
	int rc = 0, entries = 0;
	for (;;) {
		int h = r->fn->next_header(a, &ent);
		if (h == ARCHIVE_EOF)
			break;
		if (h != ARCHIVE_OK && h != ARCHIVE_WARN) {
			if (!entries)
				r->corrupt = 1;
			break;
		}
		entries++;
		const char *name = r->fn->pathname(ent);
		if (!name)
			continue;
		if (pass == 1) {
			int f = format_of_entry(name);
			if (f != RP_PII_FMT_UNKNOWN && (r->format == RP_PII_FMT_UNKNOWN ||
							r->format == format_of_ext(r->d->ext)))
				r->format = f;
		}
		int kind = part_kind(name, r->format);
		if (kind == PART_SHEET && pass == 1) {
			r->sheets++;
			continue;
		}
		if (kind == PART_NONE || (pass == 2 && kind != PART_SHEET))
			continue;
		rc = read_part(r, a, kind);
		if (rc || r->corrupt || r->inflated >= PII_OFFICE_MAX_INFLATED_BYTES)
			break;
	}
	r->fn->read_free(a);
	return rc;
}

int pii_office_scan(pii_doc *d, const uint8_t *zip, size_t n, rp_err *e)
{
	office_run r;
	memset(&r, 0, sizeof r);
	r.d = d;
	r.format = format_of_ext(d->ext);
	int rc = 0;
	if (!d->zip) {
		if (!(d->zip = calloc(1, sizeof *d->zip)))
			return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for an office file");
		if ((rc = zip_fns_load(&d->zip->fn, e))) {
			pii_zip_free(d->zip);
			d->zip = NULL;
			return rc;
		}
	}
	r.fn = &d->zip->fn;
	if (!d->mt && !(d->mt = calloc(1, sizeof *d->mt)))
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for an office file");
	if (!d->sheet && (rc = pii_sheet_new(&d->sheet, d->sc, e)))
		return rc;
	r.block = malloc(PII_OFFICE_BLOCK_BYTES);
	if (!r.block)
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for an office file");
	pii_sheet_reset(d->sheet);
	uint64_t text_before = d->sc->text.total + d->sc->table_text;
	rc = office_pass(&r, zip, n, 1);
	if (!rc && !r.corrupt && r.sheets && r.format == RP_PII_FMT_XLSX)
		rc = office_pass(&r, zip, n, 2);
	pii_sheet_reset(d->sheet);
	free(r.block);
	if (rc)
		return rp_err_set(e, rc, "PII scanner: out of memory reading an office file");
	d->real_format = r.format;
	if (r.corrupt && !r.parts)
		d->skip_reason = RP_PII_SKIP_CORRUPT;
	else if (r.format == RP_PII_FMT_UNKNOWN)
		d->skip_reason = RP_PII_SKIP_BINARY;
	else if (d->sc->text.total + d->sc->table_text == text_before)
		d->skip_reason = RP_PII_SKIP_NO_TEXT; /* images only, or empty */
	return 0;
}
