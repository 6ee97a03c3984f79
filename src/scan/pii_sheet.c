/* pii_sheet.c - spreadsheet XML (xlsx worksheets and shared strings,
 * OpenDocument content.xml) into table rows.
 *
 * xlsx cells hold numbers, inline strings, or an index into the shared
 * string table, which is read first (at most PII_SST_MAX_BYTES of text;
 * strings past that read as empty).  OpenDocument cells carry their text
 * in text:p elements, or a typed value in office:value, which is used for
 * numbers because the displayed text may be rounded ("1,85E+14").
 */
#include "pii_internal.h"

#include <stdlib.h>
#include <string.h>

#define PII_SST_MAX_BYTES ((size_t)32 << 20)
#define PII_CELL_MAX_BYTES ((size_t)32 << 10)
#define PII_ODS_REPEAT_MAX 1024u

enum { SHEET_SST, SHEET_XLSX, SHEET_ODS };

struct pii_sheet {
	pii_sc *sc;
	pii_markup mk;
	int mode;
	/* shared strings */
	rp_buf sst;
	uint32_t *sst_off;
	size_t sst_n, sst_cap;
	int in_si, in_t, in_rph;
	/* cells */
	uint32_t sheet_no;
	int in_cell, in_v, in_is;
	int cell_is_sst;
	uint32_t col, repeat;
	int use_value;
	rp_buf cell;
};

int pii_sheet_new(pii_sheet **out, pii_sc *sc, rp_err *e)
{
	pii_sheet *s = calloc(1, sizeof *s);
	if (!s)
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for a sheet reader");
	s->sc = sc;
	*out = s;
	return 0;
}

void pii_sheet_free(pii_sheet *s)
{
	if (!s)
		return;
	rp_buf_free(&s->sst);
	rp_buf_free(&s->cell);
	free(s->sst_off);
	free(s);
}

static void cell_put(pii_sheet *s, const uint8_t *p, size_t n)
{
	if (s->cell.len + n > PII_CELL_MAX_BYTES)
		n = PII_CELL_MAX_BYTES - s->cell.len;
	rp_buf_put(&s->cell, p, n);
}

/* ---- shared strings ---- */

static int sst_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_sheet *s = ctx;
	if (!s->in_si || !s->in_t || s->in_rph)
		return 0;
	if (s->sst.len + n > PII_SST_MAX_BYTES)
		n = PII_SST_MAX_BYTES - s->sst.len;
	return rp_buf_put(&s->sst, p, n);
}

static int sst_tag(void *ctx, const pii_tag *t)
{
	pii_sheet *s = ctx;
	if (pii_tag_is(t, "si")) {
		if (t->end || t->selfclose) {
			s->in_si = 0;
			if (!t->selfclose)
				return 0;
		}
		if (!t->end) {
			if (s->sst_n == s->sst_cap) {
				size_t cap = s->sst_cap ? s->sst_cap * 2 : 1024;
				uint32_t *o = realloc(s->sst_off, cap * sizeof *o);
				if (!o)
					return RP_ENOMEM;
				s->sst_off = o;
				s->sst_cap = cap;
			}
			s->sst_off[s->sst_n++] = (uint32_t)s->sst.len;
			s->in_si = !t->selfclose;
		}
	} else if (pii_tag_is(t, "t")) {
		s->in_t = !t->end && !t->selfclose;
	} else if (pii_tag_is(t, "rph")) {
		s->in_rph = !t->end && !t->selfclose;
	}
	return 0;
}

void pii_sheet_reset(pii_sheet *s)
{
	s->sheet_no = 0;
	s->sst_n = s->sst_cap = 0;
	rp_buf_free(&s->sst);
	rp_buf_free(&s->cell);
	free(s->sst_off);
	s->sst_off = NULL;
}

void pii_sheet_sst_begin(pii_sheet *s)
{
	static const pii_markup_ops OPS = {sst_text, sst_tag};
	s->mode = SHEET_SST;
	s->sst_n = 0;
	rp_buf_reset(&s->sst);
	s->in_si = s->in_t = s->in_rph = 0;
	pii_markup_begin(&s->mk, 0, &OPS, s);
}

int pii_sheet_sst_write(pii_sheet *s, const uint8_t *p, size_t n)
{
	return pii_markup_write(&s->mk, p, n);
}

int pii_sheet_sst_end(pii_sheet *s)
{
	return pii_markup_end(&s->mk);
}

static void sst_get(const pii_sheet *s, size_t k, const uint8_t **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	if (k >= s->sst_n)
		return;
	size_t a = s->sst_off[k];
	size_t b = k + 1 < s->sst_n ? s->sst_off[k + 1] : s->sst.len;
	*p = s->sst.data + a;
	*n = b - a;
}

/* ---- xlsx worksheets ---- */

static int xlsx_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_sheet *s = ctx;
	if (s->in_cell && (s->in_v || s->in_is))
		cell_put(s, p, n);
	return 0;
}

/* Column of a cell reference such as "AB12" (0-based). */
static int ref_col(const uint8_t *p, size_t n, uint32_t *col)
{
	uint32_t c = 0;
	size_t i = 0;
	while (i < n && ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z') && i < 4) {
		c = c * 26 + (uint32_t)((p[i] | 0x20) - 'a' + 1);
		i++;
	}
	if (i == 0)
		return -1;
	*col = c - 1;
	return 0;
}

static int emit_cell(pii_sheet *s, const uint8_t *p, size_t n)
{
	if (!n)
		return 0;
	pii_table_cell(&s->sc->table, s->col);
	return pii_table_text(&s->sc->table, p, n);
}

static int xlsx_tag(void *ctx, const pii_tag *t)
{
	pii_sheet *s = ctx;
	int rc = 0;
	if (pii_tag_is(t, "c")) {
		if (!t->end) {
			size_t n;
			const uint8_t *r = pii_tag_attr(t, "r", &n);
			uint32_t col;
			if (r && !ref_col(r, n, &col))
				s->col = col;
			else
				s->col = s->in_cell ? s->col + 1 : s->col;
			const uint8_t *ty = pii_tag_attr(t, "t", &n);
			s->cell_is_sst = ty && n == 1 && ty[0] == 's';
			rp_buf_reset(&s->cell);
			s->in_cell = !t->selfclose;
			s->in_v = s->in_is = 0;
		} else if (s->in_cell) {
			s->in_cell = 0;
			if (s->cell_is_sst) {
				uint64_t k = 0;
				int digits = 0;
				for (size_t i = 0; i < s->cell.len; i++) {
					uint8_t c = s->cell.data[i];
					if (c >= '0' && c <= '9' && k < ((uint64_t)1 << 40)) {
						k = k * 10 + (c - '0');
						digits = 1;
					}
				}
				const uint8_t *p;
				size_t n;
				if (digits) {
					sst_get(s, (size_t)k, &p, &n);
					rc = emit_cell(s, p, n);
				}
			} else {
				rc = emit_cell(s, s->cell.data, s->cell.len);
			}
			s->col++;
		}
	} else if (pii_tag_is(t, "v")) {
		s->in_v = !t->end && !t->selfclose;
	} else if (pii_tag_is(t, "is")) {
		s->in_is = !t->end && !t->selfclose;
	} else if (pii_tag_is(t, "row")) {
		s->col = 0;
		s->in_cell = 0;
		if (t->end || t->selfclose)
			rc = pii_table_row_end(&s->sc->table);
	}
	return rc;
}

void pii_sheet_xlsx_begin(pii_sheet *s)
{
	static const pii_markup_ops OPS = {xlsx_text, xlsx_tag};
	s->mode = SHEET_XLSX;
	s->in_cell = s->in_v = s->in_is = 0;
	s->col = 0;
	pii_markup_begin(&s->mk, 0, &OPS, s);
	pii_table_begin(&s->sc->table, s->sheet_no++);
}

int pii_sheet_xlsx_write(pii_sheet *s, const uint8_t *p, size_t n)
{
	return pii_markup_write(&s->mk, p, n);
}

int pii_sheet_xlsx_end(pii_sheet *s)
{
	int rc = pii_markup_end(&s->mk);
	if (!rc)
		rc = pii_table_end(&s->sc->table);
	return rc;
}

/* ---- OpenDocument spreadsheets ---- */

static int ods_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_sheet *s = ctx;
	if (s->in_cell && !s->use_value)
		cell_put(s, p, n);
	return 0;
}

static uint32_t attr_uint(const pii_tag *t, const char *name, uint32_t dflt, uint32_t max)
{
	size_t n;
	const uint8_t *v = pii_tag_attr(t, name, &n);
	if (!v)
		return dflt;
	uint32_t x = 0;
	for (size_t i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		x = x * 10 + (uint32_t)(v[i] - '0');
		if (x > max)
			return max;
	}
	return x ? x : dflt;
}

static int ods_tag(void *ctx, const pii_tag *t)
{
	pii_sheet *s = ctx;
	int rc = 0;
	if (pii_tag_is(t, "table") && t->prefix_len == 5 && !memcmp(t->prefix, "table", 5)) {
		if (!t->end)
			pii_table_begin(&s->sc->table, s->sheet_no++);
		else
			rc = pii_table_end(&s->sc->table);
	} else if (pii_tag_is(t, "table-row")) {
		if (!t->end)
			s->col = 0;
		if (t->end || t->selfclose)
			rc = pii_table_row_end(&s->sc->table);
	} else if (pii_tag_is(t, "table-cell") || pii_tag_is(t, "covered-table-cell")) {
		if (!t->end) {
			s->repeat = attr_uint(t, "number-columns-repeated", 1, PII_ODS_REPEAT_MAX);
			rp_buf_reset(&s->cell);
			s->use_value = 0;
			size_t n, vn;
			const uint8_t *ty = pii_tag_attr(t, "value-type", &n);
			const uint8_t *v = pii_tag_attr(t, "value", &vn);
			if (ty && v && (n == 5 && !memcmp(ty, "float", 5))) {
				cell_put(s, v, vn);
				s->use_value = 1;
			}
			s->in_cell = 1;
		}
		if (t->end || t->selfclose) {
			if (s->in_cell)
				rc = emit_cell(s, s->cell.data, s->cell.len);
			s->in_cell = 0;
			s->col += s->repeat;
		}
	} else if (s->in_cell && !s->use_value) {
		if (pii_tag_is(t, "p") && t->end && s->cell.len)
			cell_put(s, (const uint8_t *)"\n", 1);
		else if (pii_tag_is(t, "s"))
			cell_put(s, (const uint8_t *)" ", 1);
		else if (pii_tag_is(t, "tab"))
			cell_put(s, (const uint8_t *)"\t", 1);
		else if (pii_tag_is(t, "line-break"))
			cell_put(s, (const uint8_t *)"\n", 1);
	}
	return rc;
}

void pii_sheet_ods_begin(pii_sheet *s)
{
	static const pii_markup_ops OPS = {ods_text, ods_tag};
	s->mode = SHEET_ODS;
	s->in_cell = 0;
	s->col = 0;
	pii_markup_begin(&s->mk, 0, &OPS, s);
}

int pii_sheet_ods_write(pii_sheet *s, const uint8_t *p, size_t n)
{
	return pii_markup_write(&s->mk, p, n);
}

int pii_sheet_ods_end(pii_sheet *s)
{
	int rc = pii_markup_end(&s->mk);
	if (!rc)
		rc = pii_table_end(&s->sc->table);
	return rc;
}
