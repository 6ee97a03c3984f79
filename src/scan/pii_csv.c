/* pii_csv.c - CSV/TSV (RFC 4180 quoting, any of , ; tab |) into table rows.
 *
 * The delimiter is the one of , ; tab | seen most often outside quotes in
 * the first line (French spreadsheets write ';').  Quoted fields may hold
 * delimiters, doubled quotes and line breaks.
 */
#include "pii_internal.h"

enum { CSV_FIELD_START, CSV_UNQUOTED, CSV_QUOTED, CSV_QUOTED_QUOTE, CSV_AFTER_CR = 8 };

static uint8_t guess_delim(const uint8_t *p, size_t n)
{
	static const uint8_t CANDIDATES[4] = {';', ',', '\t', '|'};
	size_t count[4] = {0, 0, 0, 0};
	int quoted = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == '"')
			quoted = !quoted;
		else if (!quoted && (c == '\n' || c == '\r'))
			break;
		else if (!quoted)
			for (int k = 0; k < 4; k++)
				count[k] += c == CANDIDATES[k];
	}
	int best = 1; /* ',' when nothing is seen */
	for (int k = 0; k < 4; k++)
		if (count[k] > count[best])
			best = k;
	return CANDIDATES[best];
}

void pii_csv_begin(pii_csv *c, pii_table *t, uint8_t delim, const uint8_t *sample, size_t n)
{
	c->table = t;
	c->delim = delim ? delim : guess_delim(sample, n);
	c->state = CSV_FIELD_START;
	c->col = 0;
	c->row_open = 0;
	pii_table_begin(t, 0);
}

static int csv_row_end(pii_csv *c)
{
	c->row_open = 0;
	c->col = 0;
	return pii_table_row_end(c->table);
}

int pii_csv_write(pii_csv *c, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int rc = 0;
	while (i < n && !rc) {
		uint8_t b = p[i];
		int after_cr = c->state & CSV_AFTER_CR;
		c->state &= ~CSV_AFTER_CR;
		switch (c->state) {
		case CSV_FIELD_START:
			if (b == '\n' && after_cr) {
				i++;
				break;
			}
			if (!c->row_open && (b == '\n' || b == '\r')) {
				/* an empty line */
				i++;
				if (b == '\r')
					c->state |= CSV_AFTER_CR;
				break;
			}
			c->row_open = 1;
			pii_table_cell(c->table, c->col);
			if (b == '"') {
				c->state = CSV_QUOTED;
				i++;
			} else {
				c->state = CSV_UNQUOTED;
			}
			break;
		case CSV_UNQUOTED: {
			size_t j = i;
			while (j < n && p[j] != c->delim && p[j] != '\n' && p[j] != '\r')
				j++;
			rc = pii_table_text(c->table, p + i, j - i);
			i = j;
			if (i == n || rc)
				break;
			b = p[i++];
			c->state = CSV_FIELD_START;
			if (b == c->delim) {
				c->col++;
			} else {
				rc = csv_row_end(c);
				if (b == '\r')
					c->state |= CSV_AFTER_CR;
			}
			break;
		}
		case CSV_QUOTED: {
			size_t j = i;
			while (j < n && p[j] != '"')
				j++;
			rc = pii_table_text(c->table, p + i, j - i);
			i = j;
			if (i < n) {
				i++;
				c->state = CSV_QUOTED_QUOTE;
			}
			break;
		}
		case CSV_QUOTED_QUOTE:
			if (b == '"') {
				rc = pii_table_text(c->table, &b, 1);
				c->state = CSV_QUOTED;
				i++;
			} else {
				/* the closing quote; the field may go on unquoted */
				c->state = CSV_UNQUOTED;
			}
			break;
		}
	}
	return rc;
}

int pii_csv_end(pii_csv *c)
{
	int rc = 0;
	if (c->row_open)
		rc = csv_row_end(c);
	if (!rc)
		rc = pii_table_end(c->table);
	c->state = CSV_FIELD_START;
	return rc;
}
