/* pii_table.c - rows and columns (CSV, TSV, xlsx, ods) through the detector.
 *
 * A row is gathered whole (cells joined by tabs, at most
 * PII_TABLE_ROW_MAX_BYTES; longer rows are searched in parts) so that a
 * hit can be weighed against the rest of its row and its column header:
 *  - a 15-digit run that passes the NIR key counts only with context: a
 *    NIR-like column header, a NIR keyword in the row, or a date in the row
 *    whose year and month match the NIR's (random 15-digit numbers pass the
 *    key and range checks about once in two thousand);
 *  - a SIRET or card number written as one run of digits with no keyword
 *    before it counts in a column whose header names it (siret, carte, cb,
 *    ...) or in a row holding such a keyword;
 *  - a date counts as a birth date in a column whose header says so.
 * The first row is a header when it holds no identifier and no run of 5 or
 * more digits; its cells name the columns in the report.
 */
#include "pii_internal.h"

#include <string.h>

void pii_table_init(pii_table *t, struct pii_sc *sc)
{
	memset(t, 0, sizeof *t);
	t->sc = sc;
}

void pii_table_free(pii_table *t)
{
	rp_buf_free(&t->row);
}

void pii_table_begin(pii_table *t, uint32_t sheet)
{
	t->sheet = sheet;
	t->rows = 0;
	t->ncells = 0;
	t->in_cell = 0;
	t->nhits = 0;
	rp_buf_reset(&t->row);
	memset(t->role, 0, sizeof t->role);
	memset(t->name, 0, sizeof t->name);
}

static void collect_hit(void *ctx, const pii_hit *h)
{
	pii_table *t = ctx;
	if (t->nhits < PII_TABLE_MAX_HITS)
		t->hits[t->nhits++] = *h;
}

static uint32_t cell_of(const pii_table *t, size_t off)
{
	size_t lo = 0, hi = t->ncells;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (t->cell_off[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

static int digit_run(const uint8_t *p, size_t n, size_t want)
{
	size_t run = 0;
	for (size_t i = 0; i < n; i++) {
		run = p[i] >= '0' && p[i] <= '9' ? run + 1 : 0;
		if (run >= want)
			return 1;
	}
	return 0;
}

static int has_letter(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((p[i] | 0x20) >= 'a' && (p[i] | 0x20) <= 'z')
			return 1;
	return 0;
}

static void cell_span(const pii_table *t, uint32_t k, size_t *off, size_t *n)
{
	size_t end = k + 1 < t->ncells ? t->cell_off[k + 1] - 1 : t->row.len;
	*off = t->cell_off[k];
	*n = end > *off ? end - *off : 0;
}

/* Keeps a column name: printable, whole UTF-8 characters only. */
static void set_name(char *dst, const uint8_t *p, size_t n)
{
	size_t k = 0;
	while (n && (*p == ' ' || *p == '"'))
		p++, n--;
	for (size_t i = 0; i < n && k + 1 < RP_PII_COLUMN_NAME_BYTES;) {
		uint8_t c = p[i];
		size_t w = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		if (i + w > n || k + w + 1 > RP_PII_COLUMN_NAME_BYTES)
			break;
		if (w == 1) {
			dst[k++] = c < 0x20 || c == 0x7f || c >= 0x80 ? ' ' : (char)c;
		} else {
			memcpy(dst + k, p + i, w);
			k += w;
		}
		i += w;
	}
	while (k && dst[k - 1] == ' ')
		k--;
	dst[k] = 0;
}

static int take_header(pii_table *t)
{
	if (t->nhits || !has_letter(t->row.data, t->row.len) ||
	    digit_run(t->row.data, t->row.len, 5))
		return 0;
	for (uint32_t k = 0; k < t->ncells; k++) {
		uint32_t col = t->cell_col[k];
		if (col >= PII_TABLE_MAX_COLS)
			continue;
		size_t off, n;
		cell_span(t, k, &off, &n);
		set_name(t->name[col], t->row.data + off, n);
		const uint8_t *cell = t->row.data + off;
		if (pii_has_nir_keyword(cell, n))
			t->role[col] = PII_ROLE_NIR;
		else if (pii_has_birth_keyword(cell, n))
			t->role[col] = PII_ROLE_BIRTH;
		else if (pii_has_siret_keyword(cell, n))
			t->role[col] = PII_ROLE_SIRET;
		else if (pii_has_card_keyword(cell, n))
			t->role[col] = PII_ROLE_CARD;
	}
	return 1;
}

/* Row keyword lookups, done at most once per row. */
typedef struct row_kw {
	int nir, card, siret;
} row_kw;

static int row_has(pii_table *t, int *cache, int (*has)(const uint8_t *, size_t))
{
	if (*cache < 0)
		*cache = has(t->row.data, t->row.len);
	return *cache;
}

static void count_hits(pii_table *t)
{
	row_kw kw = {-1, -1, -1};
	for (size_t i = 0; i < t->nhits; i++) {
		const pii_hit *h = &t->hits[i];
		uint32_t col = t->ncells ? t->cell_col[cell_of(t, h->off)] : 0;
		int role = col < PII_TABLE_MAX_COLS ? t->role[col] : PII_ROLE_NONE;
		int kind = h->kind;
		if (kind == PII_HIT_DATE) {
			if (role != PII_ROLE_BIRTH)
				continue;
			kind = RP_PII_BIRTHDATE;
		}
		if (kind == RP_PII_CARD && (h->flags & PII_HIT_F_BARE) && role != PII_ROLE_CARD &&
		    !row_has(t, &kw.card, pii_has_card_keyword))
			continue;
		if (kind == RP_PII_SIRET && (h->flags & PII_HIT_F_BARE) && role != PII_ROLE_SIRET &&
		    !row_has(t, &kw.siret, pii_has_siret_keyword))
			continue;
		if (kind == RP_PII_NIR && (h->flags & PII_HIT_F_BARE) && role != PII_ROLE_NIR) {
			int ok = row_has(t, &kw.nir, pii_has_nir_keyword);
			for (size_t k = 0; k < t->nhits && !ok; k++) {
				const pii_hit *d = &t->hits[k];
				if ((d->kind == PII_HIT_DATE || d->kind == RP_PII_BIRTHDATE) &&
				    d->year % 100 == h->year && d->month == h->month)
					ok = 1;
			}
			if (!ok)
				continue;
		}
		pii_sc_count(t->sc, kind, h->val, h->val_len, t->sheet, col,
			     col < PII_TABLE_MAX_COLS ? t->name[col] : "");
	}
	t->nhits = 0;
}

/* Searches the gathered row; `partial` when the row goes on. */
static void table_process(pii_table *t, int partial)
{
	if (t->row.len == 0) {
		t->ncells = 0;
		return;
	}
	t->nhits = 0;
	pii_detect(t->row.data, t->row.len, 0, t->row.len, collect_hit, t);
	t->sc->table_text += t->row.len;
	if (t->rows == 0 && !partial && take_header(t)) {
		t->rows++;
	} else {
		count_hits(t);
		if (!partial)
			t->rows++;
	}
	t->nhits = 0;
	rp_buf_reset(&t->row);
	t->ncells = 0;
}

void pii_table_cell(pii_table *t, uint32_t col)
{
	if (t->ncells == PII_TABLE_MAX_CELLS) {
		/* the rest of a very wide row joins the last cell */
		rp_buf_put(&t->row, "\t", 1);
		return;
	}
	if (t->ncells && rp_buf_put(&t->row, "\t", 1))
		return;
	t->cell_off[t->ncells] = (uint32_t)t->row.len;
	t->cell_col[t->ncells] = col;
	t->ncells++;
	t->in_cell = 1;
}

int pii_table_text(pii_table *t, const uint8_t *p, size_t n)
{
	while (n) {
		if (t->ncells == 0)
			pii_table_cell(t, 0);
		size_t room = PII_TABLE_ROW_MAX_BYTES - t->row.len;
		size_t k = n < room ? n : room;
		if (rp_buf_put(&t->row, p, k))
			return RP_ENOMEM;
		p += k;
		n -= k;
		if (t->row.len >= PII_TABLE_ROW_MAX_BYTES) {
			/* search what we have; the cell goes on in a fresh buffer */
			uint32_t col = t->cell_col[t->ncells - 1];
			table_process(t, 1);
			pii_table_cell(t, col);
		}
	}
	return 0;
}

int pii_table_row_end(pii_table *t)
{
	table_process(t, 0);
	t->in_cell = 0;
	return 0;
}

int pii_table_end(pii_table *t)
{
	if (t->row.len)
		table_process(t, 0);
	t->ncells = 0;
	return 0;
}
