/* pii_report.c - gathering per-file PII counts and writing the exposure
 * report (text table, CSV, JSON, self-contained HTML).  Bounds and the
 * JSON shape are described in pii_report.h. */
#include "pii_report.h"

#include "../util/json.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct file_row {
	uint8_t *path;
	size_t path_len;
	uint64_t n[RP_PII_KINDS];
	uint64_t total;
	uint64_t bytes;
	uint64_t seq;
	int format;
	rp_pii_column *cols;
	uint32_t ncols;
} file_row;

typedef struct folder {
	uint8_t *path;
	size_t path_len;
	uint64_t hash;
	uint64_t files, files_with_pii, bytes, ns_files, ns_bytes;
	uint64_t n[RP_PII_KINDS];
	int other;
} folder;

struct rp_pii_report {
	pthread_mutex_t lock;
	size_t max_files, max_folders;
	file_row *rows; /* min-heap on (total, -seq) while full */
	size_t nrows, cap_rows;
	uint64_t seq;
	folder **ftab;
	size_t ftab_cap, nfolders;
	folder other;
	rp_pii_totals tot;
	uint64_t ns_files[RP_PII_SKIP_REASONS], ns_bytes[RP_PII_SKIP_REASONS];
	uint64_t fmt_files[RP_PII_FORMATS], fmt_bytes[RP_PII_FORMATS], fmt_occ[RP_PII_FORMATS];
};

int rp_pii_report_new(rp_pii_report **out, size_t max_files, size_t max_folders, rp_err *e)
{
	*out = NULL;
	rp_pii_report *r = calloc(1, sizeof *r);
	if (!r)
		return rp_err_set(e, RP_ENOMEM, "PII report: out of memory");
	if (pthread_mutex_init(&r->lock, NULL)) {
		free(r);
		return rp_err_set(e, RP_ENOMEM, "PII report: cannot create a mutex");
	}
	r->max_files = max_files ? max_files : RP_PII_REPORT_DEFAULT_MAX_FILES;
	r->max_folders = max_folders ? max_folders : RP_PII_REPORT_DEFAULT_MAX_FOLDERS;
	r->other.other = 1;
	*out = r;
	return 0;
}

static void row_free(file_row *w)
{
	free(w->path);
	free(w->cols);
}

void rp_pii_report_free(rp_pii_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nrows; i++)
		row_free(&r->rows[i]);
	free(r->rows);
	for (size_t i = 0; i < r->ftab_cap; i++) {
		if (r->ftab[i]) {
			free(r->ftab[i]->path);
			free(r->ftab[i]);
		}
	}
	free(r->ftab);
	pthread_mutex_destroy(&r->lock);
	free(r);
}

/* ---- file rows: bounded min-heap ---- */

/* a sorts before b in the heap: fewer identifiers, or as many but later */
static int row_less(const file_row *a, const file_row *b)
{
	if (a->total != b->total)
		return a->total < b->total;
	return a->seq > b->seq;
}

static void heap_down(file_row *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && row_less(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && row_less(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		file_row t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_up(file_row *h, size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;
		if (!row_less(&h[i], &h[p]))
			return;
		file_row t = h[i];
		h[i] = h[p];
		h[p] = t;
		i = p;
	}
}

static int row_fill(file_row *w, const uint8_t *path, size_t n, const rp_pii_counts *c,
		    uint64_t total, uint64_t seq)
{
	memset(w, 0, sizeof *w);
	w->path = malloc(n ? n : 1);
	if (!w->path)
		return RP_ENOMEM;
	memcpy(w->path, path, n);
	w->path_len = n;
	memcpy(w->n, c->n, sizeof w->n);
	w->total = total;
	w->bytes = c->bytes;
	w->seq = seq;
	w->format = c->format;
	if (c->columns_n) {
		uint32_t k = c->columns_n < RP_PII_COLUMNS_MAX ? c->columns_n : RP_PII_COLUMNS_MAX;
		w->cols = malloc(k * sizeof *w->cols);
		if (!w->cols) {
			free(w->path);
			return RP_ENOMEM;
		}
		memcpy(w->cols, c->columns, k * sizeof *w->cols);
		w->ncols = k;
	}
	return 0;
}

static int rows_add(rp_pii_report *r, const uint8_t *path, size_t n, const rp_pii_counts *c,
		    uint64_t total)
{
	uint64_t seq = r->seq++;
	if (r->nrows == r->max_files) {
		file_row probe = {.total = total, .seq = seq};
		if (!r->nrows || !row_less(&r->rows[0], &probe))
			return 0;
		file_row w;
		if (row_fill(&w, path, n, c, total, seq))
			return RP_ENOMEM;
		row_free(&r->rows[0]);
		r->rows[0] = w;
		heap_down(r->rows, r->nrows, 0);
		return 0;
	}
	if (r->nrows == r->cap_rows) {
		size_t cap = r->cap_rows ? r->cap_rows * 2 : 256;
		if (cap > r->max_files)
			cap = r->max_files;
		file_row *t = realloc(r->rows, cap * sizeof *t);
		if (!t)
			return RP_ENOMEM;
		r->rows = t;
		r->cap_rows = cap;
	}
	if (row_fill(&r->rows[r->nrows], path, n, c, total, seq))
		return RP_ENOMEM;
	heap_up(r->rows, r->nrows++);
	return 0;
}

/* ---- folders: hash table ---- */

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static void folder_of(const uint8_t *path, size_t n, const uint8_t **f, size_t *fn)
{
	size_t slash = n;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	if (slash == 0) {
		*f = (const uint8_t *)".";
		*fn = 1;
	} else if (slash == 1) {
		*f = path;
		*fn = 1;
	} else {
		*f = path;
		*fn = slash - 1;
	}
}

static int ftab_grow(rp_pii_report *r)
{
	size_t cap = r->ftab_cap ? r->ftab_cap * 2 : 256;
	folder **t = calloc(cap, sizeof *t);
	if (!t)
		return RP_ENOMEM;
	for (size_t i = 0; i < r->ftab_cap; i++) {
		folder *f = r->ftab[i];
		if (!f)
			continue;
		size_t at = (size_t)f->hash & (cap - 1);
		while (t[at])
			at = (at + 1) & (cap - 1);
		t[at] = f;
	}
	free(r->ftab);
	r->ftab = t;
	r->ftab_cap = cap;
	return 0;
}

static folder *folder_get(rp_pii_report *r, const uint8_t *p, size_t n, int *rc)
{
	uint64_t h = fnv1a(p, n);
	*rc = 0;
	if (r->ftab_cap) {
		size_t at = (size_t)h & (r->ftab_cap - 1);
		while (r->ftab[at]) {
			folder *f = r->ftab[at];
			if (f->hash == h && f->path_len == n && !memcmp(f->path, p, n))
				return f;
			at = (at + 1) & (r->ftab_cap - 1);
		}
	}
	if (r->nfolders >= r->max_folders)
		return &r->other;
	if ((r->nfolders + 1) * 2 > r->ftab_cap && (*rc = ftab_grow(r)))
		return NULL;
	folder *f = calloc(1, sizeof *f);
	if (!f || !(f->path = malloc(n))) {
		free(f);
		*rc = RP_ENOMEM;
		return NULL;
	}
	memcpy(f->path, p, n);
	f->path_len = n;
	f->hash = h;
	size_t at = (size_t)h & (r->ftab_cap - 1);
	while (r->ftab[at])
		at = (at + 1) & (r->ftab_cap - 1);
	r->ftab[at] = f;
	r->nfolders++;
	return f;
}

int rp_pii_report_add(rp_pii_report *r, const uint8_t *path, size_t path_len,
		      const rp_pii_counts *c, rp_err *e)
{
	uint64_t total = 0;
	for (int k = 0; k < RP_PII_KINDS; k++)
		total += c->n[k];
	int fmt = c->format >= 0 && c->format < RP_PII_FORMATS ? c->format : RP_PII_FMT_UNKNOWN;
	int reason = c->skip_reason >= 0 && c->skip_reason < RP_PII_SKIP_REASONS ? c->skip_reason : 0;
	pthread_mutex_lock(&r->lock);
	int rc = 0;
	const uint8_t *fp;
	size_t fn;
	folder_of(path, path_len, &fp, &fn);
	folder *f = folder_get(r, fp, fn, &rc);
	if (rc)
		goto out;
	r->tot.files++;
	f->files++;
	f->bytes += c->bytes;
	r->fmt_files[fmt]++;
	r->fmt_bytes[fmt] += c->bytes;
	r->fmt_occ[fmt] += total;
	if (c->scanned) {
		r->tot.scanned_files++;
		r->tot.scanned_bytes += c->bytes;
	} else {
		r->tot.not_scanned_files++;
		r->tot.not_scanned_bytes += c->bytes;
		r->ns_files[reason]++;
		r->ns_bytes[reason] += c->bytes;
		f->ns_files++;
		f->ns_bytes += c->bytes;
	}
	for (int k = 0; k < RP_PII_KINDS; k++) {
		r->tot.n[k] += c->n[k];
		f->n[k] += c->n[k];
	}
	if (total) {
		r->tot.files_with_pii++;
		f->files_with_pii++;
		rc = rows_add(r, path, path_len, c, total);
	}
out:
	pthread_mutex_unlock(&r->lock);
	if (rc)
		return rp_err_set(e, rc, "PII report: out of memory adding a file");
	return 0;
}

void rp_pii_report_totals(rp_pii_report *r, rp_pii_totals *out)
{
	pthread_mutex_lock(&r->lock);
	*out = r->tot;
	pthread_mutex_unlock(&r->lock);
}

int rp_pii_report_format(const char *name)
{
	if (!strcmp(name, "table"))
		return RP_PII_OUT_TABLE;
	if (!strcmp(name, "json"))
		return RP_PII_OUT_JSON;
	if (!strcmp(name, "csv"))
		return RP_PII_OUT_CSV;
	if (!strcmp(name, "html"))
		return RP_PII_OUT_HTML;
	return -1;
}

/* ---- sorted views ---- */

static int path_cmp(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	return c ? c : (an > bn) - (an < bn);
}

static int row_order(const void *x, const void *y)
{
	const file_row *a = *(const file_row *const *)x, *b = *(const file_row *const *)y;
	if (a->total != b->total)
		return a->total > b->total ? -1 : 1;
	return path_cmp(a->path, a->path_len, b->path, b->path_len);
}

static uint64_t folder_total(const folder *f)
{
	uint64_t t = 0;
	for (int k = 0; k < RP_PII_KINDS; k++)
		t += f->n[k];
	return t;
}

static int folder_order(const void *x, const void *y)
{
	const folder *a = *(const folder *const *)x, *b = *(const folder *const *)y;
	uint64_t ta = folder_total(a), tb = folder_total(b);
	if (ta != tb)
		return ta > tb ? -1 : 1;
	if (a->ns_bytes != b->ns_bytes)
		return a->ns_bytes > b->ns_bytes ? -1 : 1;
	return path_cmp(a->path, a->path_len, b->path, b->path_len);
}

typedef struct views {
	file_row **rows;
	size_t nrows;
	folder **folders; /* with identifiers or unscanned files */
	size_t nfolders;
} views;

static int views_make(rp_pii_report *r, views *v)
{
	memset(v, 0, sizeof *v);
	v->rows = malloc((r->nrows ? r->nrows : 1) * sizeof *v->rows);
	v->folders = malloc((r->nfolders + 1) * sizeof *v->folders);
	if (!v->rows || !v->folders) {
		free(v->rows);
		free(v->folders);
		return RP_ENOMEM;
	}
	for (size_t i = 0; i < r->nrows; i++)
		v->rows[i] = &r->rows[i];
	v->nrows = r->nrows;
	qsort(v->rows, v->nrows, sizeof *v->rows, row_order);
	v->nfolders = 0;
	for (size_t i = 0; i < r->ftab_cap; i++) {
		folder *f = r->ftab[i];
		if (f && (folder_total(f) || f->ns_files))
			v->folders[v->nfolders++] = f;
	}
	if (r->other.files && (folder_total(&r->other) || r->other.ns_files))
		v->folders[v->nfolders++] = &r->other;
	qsort(v->folders, v->nfolders, sizeof *v->folders, folder_order);
	return 0;
}

static void views_free(views *v)
{
	free(v->rows);
	free(v->folders);
}

static const char OTHER_FOLDERS_NAME[] = "(other folders)";

static void folder_name(const folder *f, const uint8_t **p, size_t *n)
{
	if (f->other) {
		*p = (const uint8_t *)OTHER_FOLDERS_NAME;
		*n = sizeof OTHER_FOLDERS_NAME - 1;
	} else {
		*p = f->path;
		*n = f->path_len;
	}
}

/* ---- output with one error flag ---- */

typedef struct outbuf {
	rp_buf *b;
	int err;
} outbuf;

static void o_put(outbuf *o, const void *p, size_t n)
{
	if (!o->err && rp_buf_put(o->b, p, n))
		o->err = RP_ENOMEM;
}

__attribute__((format(printf, 2, 3))) static void o_putf(outbuf *o, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->err = RP_ENOMEM;
		return;
	}
	if ((size_t)n < sizeof small) {
		o_put(o, small, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		o->err = RP_ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	o_put(o, big, (size_t)n);
	free(big);
}

/* ---- shared text helpers ---- */

/* Length of the valid UTF-8 sequence at s (1-4), 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];
	size_t need;
	uint32_t min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	uint32_t cp = c & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Text for a terminal: control characters and invalid bytes become '?'. */
static void put_term(outbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0 || (k == 1 && (p[i] < 0x20 || p[i] == 0x7f))) {
			o_put(b, "?", 1);
			i++;
			continue;
		}
		if (k == 2 && p[i] == 0xc2 && p[i + 1] < 0xa0) {
			o_put(b, "?", 1); /* C1 controls */
			i += 2;
			continue;
		}
		o_put(b, p + i, k);
		i += k;
	}
}

static void put_html(outbuf *b, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t k = utf8_seq(p + i, n - i);
		if (k == 0) {
			o_put(b, "\xef\xbf\xbd", 3);
			i++;
			continue;
		}
		if (k == 1) {
			switch (p[i]) {
			case '&': o_put(b, "&amp;", 5); break;
			case '<': o_put(b, "&lt;", 4); break;
			case '>': o_put(b, "&gt;", 4); break;
			case '"': o_put(b, "&quot;", 6); break;
			case '\'': o_put(b, "&#39;", 5); break;
			default:
				if (p[i] < 0x20 || p[i] == 0x7f)
					o_put(b, "\xef\xbf\xbd", 3);
				else
					o_put(b, p + i, 1);
			}
			i++;
			continue;
		}
		o_put(b, p + i, k);
		i += k;
	}
}

static void put_html_s(outbuf *b, const char *s)
{
	put_html(b, (const uint8_t *)s, strlen(s));
}

static const char *bytes_en(char buf[32], uint64_t v)
{
	static const char *const UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	double x = (double)v;
	int u = 0;
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, "%llu B", (unsigned long long)v);
	else
		snprintf(buf, 32, "%.1f %s", x, UNITS[u]);
	return buf;
}

/* French: decimal comma, "o" for octet, no-break space before the unit. */
static const char *bytes_fr(char buf[40], uint64_t v)
{
	static const char *const UNITS[] = {"o", "Kio", "Mio", "Gio", "Tio", "Pio"};
	double x = (double)v;
	int u = 0;
	while (x >= 1024 && u < 5) {
		x /= 1024;
		u++;
	}
	if (u == 0) {
		snprintf(buf, 40, "%llu\xc2\xa0o", (unsigned long long)v);
	} else {
		snprintf(buf, 40, "%.1f\xc2\xa0%s", x, UNITS[u]);
		char *dot = strchr(buf, '.');
		if (dot)
			*dot = ',';
	}
	return buf;
}

/* "12,5" (decimal comma, one decimal; "0,1" for any non-zero below it). */
static const char *percent_fr(char buf[16], double v)
{
	if (v > 0 && v < 0.1)
		v = 0.1;
	snprintf(buf, 16, "%.1f", v);
	char *dot = strchr(buf, '.');
	if (dot)
		*dot = ',';
	return buf;
}

/* French thousands: groups of three digits joined by no-break spaces. */
static const char *int_fr(char buf[40], uint64_t v)
{
	char d[24];
	int n = snprintf(d, sizeof d, "%llu", (unsigned long long)v);
	size_t k = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0) {
			buf[k++] = (char)0xc2;
			buf[k++] = (char)0xa0;
		}
		buf[k++] = d[i];
	}
	buf[k] = 0;
	return buf;
}

/* Share of the bytes that could not be read, in percent. */
static double not_scanned_share(const rp_pii_report *r)
{
	uint64_t all = r->tot.scanned_bytes + r->tot.not_scanned_bytes;
	return all ? 100.0 * (double)r->tot.not_scanned_bytes / (double)all : 0;
}

/* ---- JSON ---- */

static void json_counts(rp_jw *w, const uint64_t *n)
{
	rp_jw_obj_begin(w);
	for (int k = 0; k < RP_PII_KINDS; k++) {
		rp_jw_key(w, rp_pii_kind_name(k));
		rp_jw_uint(w, n[k]);
	}
	rp_jw_obj_end(w);
}

static int write_json(rp_pii_report *r, const views *v, const rp_pii_distinct *d,
		      const char *snapshot, outbuf *out)
{
	rp_jw w;
	rp_jw_init(&w, out->b, 1);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "snapshot");
	rp_jw_str(&w, snapshot);
	rp_jw_key(&w, "totals");
	rp_jw_obj_begin(&w);
	int exact = 1;
	for (int k = 0; k < RP_PII_KINDS; k++) {
		rp_jw_key(&w, rp_pii_kind_name(k));
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "occurrences");
		rp_jw_uint(&w, r->tot.n[k]);
		rp_jw_key(&w, "distinct");
		if (d) {
			rp_jw_uint(&w, rp_pii_distinct_count(d, k));
			exact &= rp_pii_distinct_is_exact(d, k);
		} else {
			rp_jw_null(&w);
		}
		rp_jw_obj_end(&w);
	}
	rp_jw_obj_end(&w);
	rp_jw_key(&w, "files");
	rp_jw_arr_begin(&w);
	for (size_t i = 0; i < v->nrows; i++) {
		const file_row *f = v->rows[i];
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "path");
		rp_jw_strn(&w, (const char *)f->path, f->path_len);
		rp_jw_key(&w, "counts");
		json_counts(&w, f->n);
		rp_jw_key(&w, "total");
		rp_jw_uint(&w, f->total);
		rp_jw_key(&w, "bytes");
		rp_jw_uint(&w, f->bytes);
		rp_jw_key(&w, "format");
		rp_jw_str(&w, rp_pii_format_name(f->format));
		if (f->ncols) {
			rp_jw_key(&w, "columns");
			rp_jw_arr_begin(&w);
			for (uint32_t c = 0; c < f->ncols; c++) {
				rp_jw_obj_begin(&w);
				rp_jw_key(&w, "sheet");
				rp_jw_uint(&w, f->cols[c].sheet);
				rp_jw_key(&w, "index");
				rp_jw_uint(&w, f->cols[c].index);
				rp_jw_key(&w, "name");
				rp_jw_str(&w, f->cols[c].name);
				rp_jw_key(&w, "counts");
				json_counts(&w, f->cols[c].n);
				rp_jw_obj_end(&w);
			}
			rp_jw_arr_end(&w);
		}
		rp_jw_obj_end(&w);
	}
	rp_jw_arr_end(&w);
	rp_jw_key(&w, "not_scanned");
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "files");
	rp_jw_uint(&w, r->tot.not_scanned_files);
	rp_jw_key(&w, "bytes");
	rp_jw_uint(&w, r->tot.not_scanned_bytes);
	rp_jw_key(&w, "share_of_bytes");
	rp_jw_double(&w, not_scanned_share(r) / 100);
	rp_jw_key(&w, "reasons");
	rp_jw_obj_begin(&w);
	for (int k = 1; k < RP_PII_SKIP_REASONS; k++) {
		rp_jw_key(&w, rp_pii_skip_name(k));
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "files");
		rp_jw_uint(&w, r->ns_files[k]);
		rp_jw_key(&w, "bytes");
		rp_jw_uint(&w, r->ns_bytes[k]);
		rp_jw_obj_end(&w);
	}
	rp_jw_obj_end(&w);
	rp_jw_obj_end(&w);
	rp_jw_key(&w, "scanned");
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "files");
	rp_jw_uint(&w, r->tot.scanned_files);
	rp_jw_key(&w, "bytes");
	rp_jw_uint(&w, r->tot.scanned_bytes);
	rp_jw_obj_end(&w);
	rp_jw_key(&w, "files_total");
	rp_jw_uint(&w, r->tot.files);
	rp_jw_key(&w, "files_with_pii");
	rp_jw_uint(&w, r->tot.files_with_pii);
	rp_jw_key(&w, "files_listed");
	rp_jw_uint(&w, v->nrows);
	rp_jw_key(&w, "distinct_exact");
	rp_jw_bool(&w, d && exact);
	rp_jw_key(&w, "folders");
	rp_jw_arr_begin(&w);
	for (size_t i = 0; i < v->nfolders && i < r->max_files; i++) {
		const folder *f = v->folders[i];
		const uint8_t *p;
		size_t n;
		folder_name(f, &p, &n);
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "path");
		rp_jw_strn(&w, (const char *)p, n);
		rp_jw_key(&w, "files");
		rp_jw_uint(&w, f->files);
		rp_jw_key(&w, "files_with_pii");
		rp_jw_uint(&w, f->files_with_pii);
		rp_jw_key(&w, "bytes");
		rp_jw_uint(&w, f->bytes);
		rp_jw_key(&w, "not_scanned_files");
		rp_jw_uint(&w, f->ns_files);
		rp_jw_key(&w, "not_scanned_bytes");
		rp_jw_uint(&w, f->ns_bytes);
		rp_jw_key(&w, "counts");
		json_counts(&w, f->n);
		rp_jw_key(&w, "total");
		rp_jw_uint(&w, folder_total(f));
		rp_jw_key(&w, "other");
		rp_jw_bool(&w, f->other);
		rp_jw_obj_end(&w);
	}
	rp_jw_arr_end(&w);
	rp_jw_key(&w, "formats");
	rp_jw_obj_begin(&w);
	for (int k = 0; k < RP_PII_FORMATS; k++) {
		if (!r->fmt_files[k])
			continue;
		rp_jw_key(&w, rp_pii_format_name(k));
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "files");
		rp_jw_uint(&w, r->fmt_files[k]);
		rp_jw_key(&w, "bytes");
		rp_jw_uint(&w, r->fmt_bytes[k]);
		rp_jw_key(&w, "occurrences");
		rp_jw_uint(&w, r->fmt_occ[k]);
		rp_jw_obj_end(&w);
	}
	rp_jw_obj_end(&w);
	rp_jw_obj_end(&w);
	if (rp_jw_status(&w))
		out->err = RP_ENOMEM;
	o_put(out, "\n", 1);
	return out->err;
}

/* ---- CSV ---- */

/* Quoted always; a path that a spreadsheet would run as a formula (first
 * character = + - @ or a tab/CR) gets a leading apostrophe, since this file
 * is meant to be opened in one. */
static void csv_field(outbuf *b, const uint8_t *p, size_t n)
{
	o_put(b, "\"", 1);
	if (n && (p[0] == '=' || p[0] == '+' || p[0] == '-' || p[0] == '@' || p[0] == '\t' ||
		  p[0] == '\r'))
		o_put(b, "'", 1);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"')
			o_put(b, "\"\"", 2);
		else
			o_put(b, p + i, 1);
	}
	o_put(b, "\"", 1);
}

static void write_csv(const views *v, outbuf *out)
{
	o_putf(out, "path,format,bytes,total");
	for (int k = 0; k < RP_PII_KINDS; k++)
		o_putf(out, ",%s", rp_pii_kind_name(k));
	o_putf(out, "\r\n");
	for (size_t i = 0; i < v->nrows; i++) {
		const file_row *f = v->rows[i];
		csv_field(out, f->path, f->path_len);
		o_putf(out, ",%s,%llu,%llu", rp_pii_format_name(f->format),
			    (unsigned long long)f->bytes, (unsigned long long)f->total);
		for (int k = 0; k < RP_PII_KINDS; k++)
			o_putf(out, ",%llu", (unsigned long long)f->n[k]);
		o_putf(out, "\r\n");
	}
}

/* ---- text table ---- */

static const char *const KIND_HEADS[RP_PII_KINDS] = {
	"NIR", "IBAN", "CARD", "SIRET", "EMAIL", "PHONE", "BIRTH", "ADDR",
};

static void table_counts(outbuf *out, uint64_t total, const uint64_t *n)
{
	o_putf(out, "%8llu", (unsigned long long)total);
	for (int k = 0; k < RP_PII_KINDS; k++)
		o_putf(out, " %6llu", (unsigned long long)n[k]);
	o_putf(out, "  ");
}

static void table_head(outbuf *out, const char *what)
{
	o_putf(out, "%8s", "TOTAL");
	for (int k = 0; k < RP_PII_KINDS; k++)
		o_putf(out, " %6s", KIND_HEADS[k]);
	o_putf(out, "  %s\n", what);
}

static void write_table(rp_pii_report *r, const views *v, const rp_pii_distinct *d,
			const char *snapshot, outbuf *out)
{
	char b1[32], b2[32];
	o_putf(out, "Personal data exposure report");
	if (snapshot) {
		o_putf(out, " - snapshot ");
		put_term(out, (const uint8_t *)snapshot, strlen(snapshot));
	}
	o_putf(out, "\n\n%-10s %12s %12s\n", "KIND", "OCCURRENCES", "DISTINCT");
	for (int k = 0; k < RP_PII_KINDS; k++) {
		o_putf(out, "%-10s %12llu ", rp_pii_kind_name(k), (unsigned long long)r->tot.n[k]);
		if (d)
			o_putf(out, "%12llu%s\n", (unsigned long long)rp_pii_distinct_count(d, k),
				    rp_pii_distinct_is_exact(d, k) ? "" : " (estimate)");
		else
			o_putf(out, "%12s\n", "-");
	}
	o_putf(out, "\nScanned: %llu files, %s.  Not scanned: %llu files, %s = %.1f%% of the bytes",
		    (unsigned long long)r->tot.scanned_files, bytes_en(b1, r->tot.scanned_bytes),
		    (unsigned long long)r->tot.not_scanned_files, bytes_en(b2, r->tot.not_scanned_bytes),
		    not_scanned_share(r));
	int first = 1;
	for (int k = 1; k < RP_PII_SKIP_REASONS; k++) {
		if (!r->ns_files[k])
			continue;
		o_putf(out, "%s%s %llu", first ? " (" : ", ", rp_pii_skip_name(k),
			    (unsigned long long)r->ns_files[k]);
		first = 0;
	}
	o_putf(out, "%s.\n", first ? "" : ")");
	o_putf(out, "Files with personal data: %llu", (unsigned long long)r->tot.files_with_pii);
	if (v->nrows < r->tot.files_with_pii)
		o_putf(out, " (the %zu with the most are listed)", v->nrows);
	o_putf(out, "\n");
	if (v->nfolders) {
		o_putf(out, "\nFolders with the most identifiers\n");
		table_head(out, "FOLDER");
		for (size_t i = 0; i < v->nfolders && i < RP_PII_REPORT_CHART_FOLDERS; i++) {
			const uint8_t *p;
			size_t n;
			folder_name(v->folders[i], &p, &n);
			table_counts(out, folder_total(v->folders[i]), v->folders[i]->n);
			put_term(out, p, n);
			o_putf(out, "\n");
		}
	}
	if (v->nrows) {
		o_putf(out, "\nFiles\n");
		table_head(out, "PATH");
		for (size_t i = 0; i < v->nrows; i++) {
			table_counts(out, v->rows[i]->total, v->rows[i]->n);
			put_term(out, v->rows[i]->path, v->rows[i]->path_len);
			o_putf(out, "\n");
		}
	}
}

/* ---- HTML ---- */

static const char *const KIND_LABELS_FR[RP_PII_KINDS] = {
	"Numéros de sécurité sociale (NIR)",
	"IBAN (comptes bancaires)",
	"Numéros de carte bancaire",
	"SIREN / SIRET",
	"Adresses e-mail",
	"Numéros de téléphone",
	"Dates de naissance",
	"Adresses postales",
};

static const char *const KIND_SHORT_FR[RP_PII_KINDS] = {
	"NIR", "IBAN", "Carte", "SIRET", "E-mail", "Téléphone", "Naissance", "Adresse",
};

static const char *const KIND_COLORS[RP_PII_KINDS] = {
	"#c0392b", "#2471a3", "#7d3c98", "#7f8c8d", "#d68910", "#229954", "#e84393", "#1abc9c",
};

static const char *const SKIP_LABELS_FR[RP_PII_SKIP_REASONS] = {
	"",
	"format binaire non lu (images, exécutables, anciens formats Office…)",
	"document trop volumineux pour être ouvert",
	"document endommagé ou chiffré",
	"document sans texte lisible (numérisation, image)",
};

static const char HTML_STYLE[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;margin:2em auto;"
	"max-width:72em;padding:0 1em;color:#222;line-height:1.4}"
	"h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;margin-top:1.8em;"
	"border-bottom:2px solid #ddd;padding-bottom:.2em}"
	".meta{color:#666}.note{background:#fff8e1;border-left:4px solid #f0b400;padding:.6em 1em}"
	"table{border-collapse:collapse;width:100%;margin:.6em 0}"
	"th,td{border-bottom:1px solid #e3e3e3;padding:.35em .6em;text-align:left;vertical-align:top}"
	"td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"td.path{word-break:break-all;font-family:ui-monospace,Consolas,monospace;font-size:.92em}"
	"table.sortable th{cursor:pointer;user-select:none;background:#f4f6f8}"
	"table.sortable th:hover{background:#e8ecf0}"
	"th[aria-sort=ascending]::after{content:' \\25B2'}th[aria-sort=descending]::after{content:' \\25BC'}"
	"#totals-table td.num{font-size:1.15em;font-weight:600}"
	".legend span{display:inline-block;margin-right:1em}"
	".legend i{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em}"
	"svg text{font-size:12px;font-family:inherit}"
	"@media print{table.sortable th{background:none}}";

/* Sorts a table when a header is clicked, and on load when the address
 * ends in #sort=TABLE:COLUMN:asc|desc (handy for bookmarks). */
static const char HTML_SCRIPT[] =
	"(function(){\n"
	"function key(td){var v=td.getAttribute('data-v');return v!==null?parseFloat(v):"
	"td.textContent.toLowerCase();}\n"
	"function sortTable(t,col,dir){var tb=t.tBodies[0];var rows=Array.prototype.slice.call(tb.rows);\n"
	" rows.sort(function(a,b){var x=key(a.cells[col]),y=key(b.cells[col]);"
	"var c=(typeof x==='number'&&typeof y==='number')?x-y:(x<y?-1:x>y?1:0);return dir==='asc'?c:-c;});\n"
	" rows.forEach(function(r){tb.appendChild(r);});\n"
	" Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){"
	"if(i===col)th.setAttribute('aria-sort',dir==='asc'?'ascending':'descending');"
	"else th.removeAttribute('aria-sort');});\n"
	" t.setAttribute('data-sorted',col+':'+dir);}\n"
	"Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){\n"
	" Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){th.addEventListener('click',"
	"function(){var cur=th.getAttribute('aria-sort');sortTable(t,i,cur==='descending'?'asc':'desc');});});});\n"
	"var m=/#sort=([\\w-]+):(\\d+):(asc|desc)/.exec(location.hash);\n"
	"if(m){var t=document.getElementById(m[1]);if(t&&t.tHead)sortTable(t,parseInt(m[2],10),m[3]);}\n"
	"document.body.setAttribute('data-js','ready');\n"
	"})();\n";

static void html_num_td(outbuf *out, uint64_t v, const char *cls)
{
	char b[40];
	o_putf(out, "<td class=\"num%s%s\" data-v=\"%llu\">%s</td>", cls ? " " : "", cls ? cls : "",
		    (unsigned long long)v, int_fr(b, v));
}

static void html_chart(outbuf *out, const views *v)
{
	size_t n = 0;
	uint64_t max = 0;
	for (size_t i = 0; i < v->nfolders && n < RP_PII_REPORT_CHART_FOLDERS; i++) {
		uint64_t t = folder_total(v->folders[i]);
		if (!t)
			break;
		if (t > max)
			max = t;
		n++;
	}
	if (!n) {
		o_putf(out, "<p>Aucun identifiant trouvé.</p>\n");
		return;
	}
	const int label_w = 330, bar_w = 480, row_h = 24;
	o_putf(out, "<p class=\"legend\">");
	for (int k = 0; k < RP_PII_KINDS; k++) {
		o_putf(out, "<span><i style=\"background:%s\"></i>", KIND_COLORS[k]);
		put_html_s(out, KIND_SHORT_FR[k]);
		o_putf(out, "</span>");
	}
	o_putf(out, "</p>\n<svg id=\"chart\" role=\"img\" aria-label=\"Identifiants par dossier\" "
			 "width=\"100%%\" viewBox=\"0 0 %d %zu\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		    label_w + bar_w + 80, n * (size_t)row_h + 4);
	for (size_t i = 0; i < n; i++) {
		const folder *f = v->folders[i];
		const uint8_t *p;
		size_t pn;
		folder_name(f, &p, &pn);
		size_t y = i * (size_t)row_h + 2;
		/* long paths keep their end, which names the folder */
		size_t shown = pn, cut = 0;
		if (shown > 48) {
			cut = pn - 46;
			while (cut < pn && (p[cut] & 0xc0) == 0x80)
				cut++;
		}
		o_putf(out, "<g class=\"bar\" data-total=\"%llu\"><title>",
			    (unsigned long long)folder_total(f));
		put_html(out, p, pn);
		o_putf(out, "</title><text x=\"%d\" y=\"%zu\" text-anchor=\"end\">%s", label_w - 8,
			    y + 16, cut ? "\xe2\x80\xa6" : "");
		put_html(out, p + cut, pn - cut);
		o_putf(out, "</text>");
		double x = label_w;
		for (int k = 0; k < RP_PII_KINDS; k++) {
			if (!f->n[k])
				continue;
			double w = (double)bar_w * (double)f->n[k] / (double)max;
			o_putf(out, "<rect x=\"%.1f\" y=\"%zu\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>",
				    x, y, w < 0.5 ? 0.5 : w, row_h - 6, KIND_COLORS[k]);
			x += w;
		}
		char b[40];
		o_putf(out, "<text x=\"%.1f\" y=\"%zu\">%s</text></g>\n", x + 6, y + 16,
			    int_fr(b, folder_total(f)));
	}
	o_putf(out, "</svg>\n");
}

static void html_count_heads(outbuf *out)
{
	o_putf(out, "<th class=\"num\">Total</th>");
	for (int k = 0; k < RP_PII_KINDS; k++) {
		o_putf(out, "<th class=\"num\">");
		put_html_s(out, KIND_SHORT_FR[k]);
		o_putf(out, "</th>");
	}
}

static void write_html(rp_pii_report *r, const views *v, const rp_pii_distinct *d,
		       const char *snapshot, outbuf *out)
{
	char b1[40], b2[40], b3[16];
	o_putf(out, "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
			 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			 "<title>Données personnelles exposées");
	if (snapshot) {
		o_putf(out, " \xe2\x80\x94 ");
		put_html_s(out, snapshot);
	}
	o_putf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n", HTML_STYLE);
	o_putf(out, "<h1>Données personnelles présentes dans la sauvegarde</h1>\n<p class=\"meta\">");
	if (snapshot) {
		o_putf(out, "Instantané <code id=\"snapshot\">");
		put_html_s(out, snapshot);
		o_putf(out, "</code> · ");
	}
	o_putf(out, "rapport produit par rempart. Il compte les identifiants trouvés dans chaque "
			 "fichier sans jamais en reproduire la valeur.</p>\n");

	o_putf(out, "<section id=\"totals\">\n<h2>Totaux</h2>\n<table id=\"totals-table\">\n"
			 "<thead><tr><th>Type de donnée</th><th class=\"num\">Occurrences</th>"
			 "<th class=\"num\">Valeurs distinctes</th></tr></thead>\n<tbody>\n");
	int exact = 1;
	for (int k = 0; k < RP_PII_KINDS; k++) {
		o_putf(out, "<tr data-kind=\"%s\"><td>", rp_pii_kind_name(k));
		put_html_s(out, KIND_LABELS_FR[k]);
		o_putf(out, "</td>");
		html_num_td(out, r->tot.n[k], "occ");
		if (d) {
			html_num_td(out, rp_pii_distinct_count(d, k), "dist");
			exact &= rp_pii_distinct_is_exact(d, k);
		} else {
			o_putf(out, "<td class=\"num dist\">\xe2\x80\x94</td>");
		}
		o_putf(out, "</tr>\n");
	}
	o_putf(out, "</tbody>\n</table>\n");
	if (d && !exact)
		o_putf(out, "<p class=\"note\">Les valeurs distinctes sont des estimations "
				 "(à environ 1 %% près) : il y en a trop pour les compter une à une.</p>\n");
	char n1[40], n2[40], n3[40];
	o_putf(out,
		    "<p id=\"coverage\">Fichiers analysés : <span id=\"scanned-files\" data-v=\"%llu\">%s</span> "
		    "(%s). Fichiers contenant des données personnelles : <span id=\"pii-files\" "
		    "data-v=\"%llu\">%s</span>.</p>\n",
		    (unsigned long long)r->tot.scanned_files, int_fr(n1, r->tot.scanned_files),
		    bytes_fr(b1, r->tot.scanned_bytes), (unsigned long long)r->tot.files_with_pii,
		    int_fr(n2, r->tot.files_with_pii));
	o_putf(out,
		    "<p id=\"not-scanned\" class=\"%s\">Fichiers non analysés : <span id=\"ns-files\" "
		    "data-v=\"%llu\">%s</span> (<span id=\"ns-bytes\" data-v=\"%llu\">%s</span>, "
		    "soit %s\xc2\xa0%% des données)",
		    r->tot.not_scanned_files ? "note" : "", (unsigned long long)r->tot.not_scanned_files,
		    int_fr(n3, r->tot.not_scanned_files), (unsigned long long)r->tot.not_scanned_bytes,
		    bytes_fr(b2, r->tot.not_scanned_bytes), percent_fr(b3, not_scanned_share(r)));
	if (r->tot.not_scanned_files) {
		o_putf(out, ". Ils peuvent contenir des données personnelles que ce rapport ne "
				 "compte pas :</p>\n<ul>\n");
		for (int k = 1; k < RP_PII_SKIP_REASONS; k++) {
			if (!r->ns_files[k])
				continue;
			o_putf(out, "<li data-reason=\"%s\">%s : %s fichier%s (%s)</li>\n",
				    rp_pii_skip_name(k), SKIP_LABELS_FR[k], int_fr(n1, r->ns_files[k]),
				    r->ns_files[k] > 1 ? "s" : "", bytes_fr(b1, r->ns_bytes[k]));
		}
		o_putf(out, "</ul>\n");
	} else {
		o_putf(out, ".</p>\n");
	}
	o_putf(out, "</section>\n");

	o_putf(out, "<section>\n<h2>Identifiants par dossier</h2>\n");
	html_chart(out, v);
	o_putf(out, "</section>\n");

	o_putf(out, "<section>\n<h2>Dossiers</h2>\n<p>Cliquez sur un titre de colonne pour trier. "
			 "Chaque dossier compte les fichiers qu'il contient directement.</p>\n"
			 "<table class=\"sortable\" id=\"folders\">\n<thead><tr><th>Dossier</th>");
	html_count_heads(out);
	o_putf(out, "<th class=\"num\">Fichiers</th><th class=\"num\">Non analysés</th></tr></thead>\n"
			 "<tbody>\n");
	for (size_t i = 0; i < v->nfolders && i < r->max_files; i++) {
		const folder *f = v->folders[i];
		const uint8_t *p;
		size_t n;
		folder_name(f, &p, &n);
		o_putf(out, "<tr><td class=\"path\">");
		put_html(out, p, n);
		o_putf(out, "</td>");
		html_num_td(out, folder_total(f), NULL);
		for (int k = 0; k < RP_PII_KINDS; k++)
			html_num_td(out, f->n[k], NULL);
		html_num_td(out, f->files, NULL);
		html_num_td(out, f->ns_files, NULL);
		o_putf(out, "</tr>\n");
	}
	o_putf(out, "</tbody>\n</table>\n</section>\n");

	o_putf(out, "<section>\n<h2>Fichiers</h2>\n");
	if (v->nrows < r->tot.files_with_pii)
		o_putf(out, "<p class=\"note\">Seuls les %zu fichiers contenant le plus "
				 "d'identifiants sont listés, sur %llu.</p>\n",
			    v->nrows, (unsigned long long)r->tot.files_with_pii);
	o_putf(out, "<table class=\"sortable\" id=\"files\">\n<thead><tr><th>Fichier</th>");
	html_count_heads(out);
	o_putf(out, "<th>Format</th><th class=\"num\">Taille</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < v->nrows; i++) {
		const file_row *f = v->rows[i];
		o_putf(out, "<tr><td class=\"path\">");
		put_html(out, f->path, f->path_len);
		o_putf(out, "</td>");
		html_num_td(out, f->total, NULL);
		for (int k = 0; k < RP_PII_KINDS; k++)
			html_num_td(out, f->n[k], NULL);
		o_putf(out, "<td>%s</td><td class=\"num\" data-v=\"%llu\">%s</td></tr>\n",
			    rp_pii_format_name(f->format), (unsigned long long)f->bytes,
			    bytes_fr(b1, f->bytes));
	}
	o_putf(out, "</tbody>\n</table>\n</section>\n<script>\n%s</script>\n</body>\n</html>\n",
		    HTML_SCRIPT);
}

int rp_pii_report_write(rp_pii_report *r, const rp_pii_distinct *d, const char *snapshot,
			int format, rp_buf *out, rp_err *e)
{
	if (format < RP_PII_OUT_TABLE || format > RP_PII_OUT_HTML)
		return rp_err_set(e, RP_EINVAL, "PII report: unknown output format %d", format);
	pthread_mutex_lock(&r->lock);
	views v;
	outbuf o = {out, 0};
	o.err = views_make(r, &v);
	if (!o.err) {
		switch (format) {
		case RP_PII_OUT_TABLE:
			write_table(r, &v, d, snapshot, &o);
			break;
		case RP_PII_OUT_JSON:
			write_json(r, &v, d, snapshot, &o);
			break;
		case RP_PII_OUT_CSV:
			write_csv(&v, &o);
			break;
		case RP_PII_OUT_HTML:
			write_html(r, &v, d, snapshot, &o);
			break;
		}
		views_free(&v);
	}
	pthread_mutex_unlock(&r->lock);
	if (o.err)
		return rp_err_set(e, RP_ENOMEM, "PII report: out of memory writing the report");
	return 0;
}
