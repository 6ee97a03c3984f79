/* pii_pdf.c - text from PDF content streams (uncompressed or Flate).
 *
 * The file is read front to back without the cross-reference table: each
 * "stream" keyword is weighed by the dictionary before it (the bytes since
 * the last "obj", at most PDF_DICT_BYTES): streams with a filter other than
 * FlateDecode, images, fonts, cross-reference and object streams, embedded
 * files and XMP metadata are skipped to their "endstream"; the others are
 * inflated (at most PDF_MAX_INFLATED_BYTES per file) and their text-showing
 * operators (Tj, TJ, ', ") give the text.  Strings are PDFDoc/WinAnsi
 * (read as Windows-1252) or UTF-16BE with a byte-order mark; glyph codes of
 * fonts without a Unicode map come out as noise and find nothing.  Text
 * positioning (Td, TD, T*, Tm, ET) becomes spaces and line breaks, and a
 * TJ gap wider than PDF_TJ_SPACE_UNITS a space.
 */
#include "pii_internal.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define PDF_DICT_BYTES 2048
#define PDF_SLICE_BYTES 1024
#define PDF_OUT_BYTES ((size_t)64 << 10)
#define PDF_MAX_INFLATED_BYTES ((uint64_t)1 << 30)
#define PDF_STRING_MAX_BYTES 4096
#define PDF_PENDING_MAX_BYTES 16384
#define PDF_TJ_SPACE_UNITS 200.0

enum { P_SCAN, P_EOL, P_FLATE, P_RAW, P_SKIP };
enum { C_NORMAL, C_LT, C_LIT, C_ESC, C_OCT, C_HEX, C_COMMENT };

struct pii_pdf {
	pii_sc *sc;
	int state;
	uint8_t dict[PDF_DICT_BYTES];
	size_t dict_len;
	int flate;          /* the coming stream is Flate (else raw) */
	int skip;           /* the coming stream is skipped */
	uint8_t carry[16];  /* end of the previous piece, for "endstream" */
	size_t carry_len;
	z_stream z;
	int z_open;
	uint8_t *out;
	uint64_t inflated;
	uint64_t text_streams;
	/* content stream tokenizer */
	int cs;
	int depth;
	int oct_n, oct_v;
	int in_array;
	uint8_t tok[16];
	size_t tok_len;
	double nums[2];
	int have_tm_y;
	double tm_y;
	rp_buf str;         /* the string being read */
	int str_hex;
	int hex_half, hex_hi;
	rp_buf pending;     /* strings waiting for their operator */
	int gap;            /* a wide TJ gap before the next string */
	uint64_t stream_alnum;
	pii_charset conv;
};

int pii_pdf_new(pii_pdf **out, pii_sc *sc, rp_err *e)
{
	pii_pdf *p = calloc(1, sizeof *p);
	if (!p || !(p->out = malloc(PDF_OUT_BYTES))) {
		free(p);
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for a PDF reader");
	}
	p->sc = sc;
	*out = p;
	return 0;
}

static void pdf_close_z(pii_pdf *p)
{
	if (p->z_open)
		inflateEnd(&p->z);
	p->z_open = 0;
}

void pii_pdf_free(pii_pdf *p)
{
	if (!p)
		return;
	pdf_close_z(p);
	rp_buf_free(&p->str);
	rp_buf_free(&p->pending);
	free(p->out);
	free(p);
}

int pii_pdf_begin(pii_pdf *p, rp_err *e)
{
	(void)e;
	pdf_close_z(p);
	p->state = P_SCAN;
	p->dict_len = 0;
	p->carry_len = 0;
	p->inflated = 0;
	p->text_streams = 0;
	return 0;
}

/* ---- text of a content stream ---- */

static int to_text(void *ctx, const uint8_t *q, size_t n)
{
	pii_pdf *p = ctx;
	for (size_t i = 0; i < n; i++)
		p->stream_alnum += (q[i] >= '0' && q[i] <= '9') || ((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'z');
	pii_text_write(&p->sc->text, q, n);
	return 0;
}

static void emit_sep(pii_pdf *p, const char *s)
{
	pii_text_write(&p->sc->text, (const uint8_t *)s, 1);
}

static void content_begin(pii_pdf *p)
{
	p->cs = C_NORMAL;
	p->in_array = 0;
	p->tok_len = 0;
	p->nums[0] = p->nums[1] = 0;
	p->have_tm_y = 0;
	p->gap = 0;
	p->stream_alnum = 0;
	rp_buf_reset(&p->str);
	rp_buf_reset(&p->pending);
}

/* A finished string joins the pending text of the current operation. */
static void string_done(pii_pdf *p)
{
	const uint8_t *s = p->str.data;
	size_t n = p->str.len;
	uint8_t conv[PDF_STRING_MAX_BYTES];
	if (p->gap && p->pending.len + 1 <= PDF_PENDING_MAX_BYTES)
		rp_buf_put(&p->pending, " ", 1);
	p->gap = 0;
	if (n >= 2 && s[0] == 0xfe && s[1] == 0xff) {
		/* UTF-16BE text string: keep it marked with a NUL lead byte pair,
		 * converted below code unit by code unit */
		size_t k = 0;
		for (size_t i = 2; i + 1 < n; i += 2) {
			uint32_t u = (uint32_t)s[i] << 8 | s[i + 1];
			conv[k++] = u < 0x100 ? (uint8_t)u : '?';
		}
		s = conv;
		n = k;
	} else if (p->str_hex && n >= 2 && n % 2 == 0) {
		/* two-byte codes whose high bytes are all zero: take the low ones */
		int all_zero = 1;
		for (size_t i = 0; i < n && all_zero; i += 2)
			all_zero = s[i] == 0;
		if (all_zero) {
			size_t k = 0;
			for (size_t i = 1; i < n; i += 2)
				conv[k++] = s[i];
			s = conv;
			n = k;
		}
	}
	if (p->pending.len + n <= PDF_PENDING_MAX_BYTES)
		rp_buf_put(&p->pending, s, n);
	rp_buf_reset(&p->str);
}

static void flush_pending(pii_pdf *p)
{
	if (p->pending.len) {
		pii_charset_begin(&p->conv, RP_PII_CS_LATIN1);
		pii_charset_write(&p->conv, p->pending.data, p->pending.len, to_text, p);
	}
	rp_buf_reset(&p->pending);
}

static int parse_num(const uint8_t *t, size_t n, double *v)
{
	double x = 0, scale = 0;
	int neg = 0, digits = 0;
	size_t i = 0;
	if (i < n && (t[i] == '-' || t[i] == '+'))
		neg = t[i++] == '-';
	for (; i < n; i++) {
		if (t[i] >= '0' && t[i] <= '9') {
			x = x * 10 + (t[i] - '0');
			if (scale)
				scale *= 10;
			digits = 1;
		} else if (t[i] == '.' && !scale) {
			scale = 1;
		} else {
			return 0;
		}
	}
	if (!digits)
		return 0;
	if (scale)
		x /= scale;
	*v = neg ? -x : x;
	return 1;
}

static int tok_is(const pii_pdf *p, const char *s)
{
	return p->tok_len == strlen(s) && !memcmp(p->tok, s, p->tok_len);
}

static void token_done(pii_pdf *p)
{
	if (!p->tok_len)
		return;
	double v;
	if (parse_num(p->tok, p->tok_len, &v)) {
		p->nums[0] = p->nums[1];
		p->nums[1] = v;
		if (p->in_array && -v > PDF_TJ_SPACE_UNITS)
			p->gap = 1;
	} else if (tok_is(p, "Tj") || tok_is(p, "TJ")) {
		flush_pending(p);
	} else if (tok_is(p, "'") || tok_is(p, "\"")) {
		emit_sep(p, "\n");
		flush_pending(p);
	} else if (tok_is(p, "Td") || tok_is(p, "TD")) {
		emit_sep(p, p->nums[1] != 0 ? "\n" : " ");
	} else if (tok_is(p, "T*") || tok_is(p, "ET")) {
		emit_sep(p, "\n");
	} else if (tok_is(p, "Tm")) {
		emit_sep(p, p->have_tm_y && p->tm_y == p->nums[1] ? " " : "\n");
		p->tm_y = p->nums[1];
		p->have_tm_y = 1;
	} else {
		/* strings given to other operators (marked content) are dropped */
		rp_buf_reset(&p->pending);
		p->gap = 0;
	}
	p->tok_len = 0;
}

static int is_delim(uint8_t c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0 || c == '(' ||
	       c == ')' || c == '<' || c == '>' || c == '[' || c == ']' || c == '{' || c == '}' ||
	       c == '/' || c == '%';
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void str_put(pii_pdf *p, uint8_t c)
{
	if (p->str.len < PDF_STRING_MAX_BYTES)
		rp_buf_put(&p->str, &c, 1);
}

static void content_write(pii_pdf *p, const uint8_t *q, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = q[i];
		switch (p->cs) {
		case C_NORMAL:
			if (!is_delim(c)) {
				if (p->tok_len < sizeof p->tok)
					p->tok[p->tok_len++] = c;
				break;
			}
			token_done(p);
			if (c == '(') {
				p->cs = C_LIT;
				p->depth = 1;
				p->str_hex = 0;
				rp_buf_reset(&p->str);
			} else if (c == '<') {
				p->cs = C_LT;
			} else if (c == '%') {
				p->cs = C_COMMENT;
			} else if (c == '[') {
				p->in_array = 1;
			} else if (c == ']') {
				p->in_array = 0;
			} else if (c == '/') {
				/* a name: read it as a token that is never an operator */
				p->tok[0] = '/';
				p->tok_len = 1;
			}
			break;
		case C_LT:
			if (c == '<') {
				p->cs = C_NORMAL; /* a dictionary */
				break;
			}
			p->cs = C_HEX;
			p->str_hex = 1;
			p->hex_half = 0;
			rp_buf_reset(&p->str);
			/* fall through */
		case C_HEX:
			if (c == '>') {
				if (p->hex_half)
					str_put(p, (uint8_t)(p->hex_hi << 4));
				string_done(p);
				p->cs = C_NORMAL;
			} else if (hexval(c) >= 0) {
				if (p->hex_half)
					str_put(p, (uint8_t)(p->hex_hi << 4 | hexval(c)));
				else
					p->hex_hi = hexval(c);
				p->hex_half = !p->hex_half;
			}
			break;
		case C_LIT:
			if (c == '\\') {
				p->cs = C_ESC;
			} else if (c == '(') {
				p->depth++;
				str_put(p, c);
			} else if (c == ')') {
				if (--p->depth == 0) {
					string_done(p);
					p->cs = C_NORMAL;
				} else {
					str_put(p, c);
				}
			} else {
				str_put(p, c);
			}
			break;
		case C_ESC:
			p->cs = C_LIT;
			if (c >= '0' && c <= '7') {
				p->cs = C_OCT;
				p->oct_n = 1;
				p->oct_v = c - '0';
			} else if (c == 'n') {
				str_put(p, '\n');
			} else if (c == 'r') {
				str_put(p, '\r');
			} else if (c == 't') {
				str_put(p, '\t');
			} else if (c == 'b' || c == 'f') {
				str_put(p, ' ');
			} else if (c != '\n' && c != '\r') {
				str_put(p, c);
			}
			break;
		case C_OCT:
			if (c >= '0' && c <= '7' && p->oct_n < 3) {
				p->oct_v = p->oct_v * 8 + (c - '0');
				p->oct_n++;
				break;
			}
			str_put(p, (uint8_t)p->oct_v);
			p->cs = C_LIT;
			i--; /* this byte belongs to the string */
			break;
		case C_COMMENT:
			if (c == '\n' || c == '\r')
				p->cs = C_NORMAL;
			break;
		}
	}
}

static void content_end(pii_pdf *p)
{
	token_done(p);
	flush_pending(p);
	pii_text_break(&p->sc->text);
	/* glyph codes without a Unicode map give few letters or digits */
	if (p->stream_alnum >= 4)
		p->text_streams++;
}

/* ---- file structure ---- */

static const uint8_t *find(const uint8_t *h, size_t hn, const char *needle)
{
	return memmem(h, hn, needle, strlen(needle));
}

/* Decides from the dictionary before "stream" what to do with it. */
static void weigh_dict(pii_pdf *p)
{
	const uint8_t *d = p->dict;
	size_t n = p->dict_len;
	/* the dictionary starts after the last "obj" */
	for (size_t i = n; i-- > 3;) {
		if (!memcmp(d + i - 3, "obj", 3)) {
			d += i;
			n -= i;
			break;
		}
	}
	static const char *const SKIP[] = {
		"/Image", "/Length1", "/Length2", "/Length3", "/XRef", "/ObjStm", "/EmbeddedFile",
		"/Metadata", "/DCTDecode", "/JPXDecode", "/CCITTFaxDecode", "/JBIG2Decode",
		"/LZWDecode", "/ASCII85Decode", "/ASCIIHexDecode", "/RunLengthDecode", "/Crypt",
		"/FontFile", "/Encrypt", "/DCT", "/AHx", "/A85", "/CCF", "/RL", "/LZW",
	};
	p->skip = 0;
	for (size_t k = 0; k < sizeof SKIP / sizeof SKIP[0] && !p->skip; k++)
		p->skip = find(d, n, SKIP[k]) != NULL;
	p->flate = find(d, n, "/FlateDecode") != NULL || find(d, n, "/Fl ") != NULL ||
		   find(d, n, "/Fl/") != NULL || find(d, n, "/Fl]") != NULL;
	if (!p->flate && find(d, n, "/Filter"))
		p->skip = 1; /* a filter we do not know */
}

static void dict_push(pii_pdf *p, const uint8_t *q, size_t n)
{
	if (n >= PDF_DICT_BYTES) {
		memcpy(p->dict, q + n - PDF_DICT_BYTES, PDF_DICT_BYTES);
		p->dict_len = PDF_DICT_BYTES;
		return;
	}
	if (p->dict_len + n > PDF_DICT_BYTES) {
		size_t drop = p->dict_len + n - PDF_DICT_BYTES;
		memmove(p->dict, p->dict + drop, p->dict_len - drop);
		p->dict_len -= drop;
	}
	memcpy(p->dict + p->dict_len, q, n);
	p->dict_len += n;
}

/* SCAN: looks for "stream" (not "endstream"); returns bytes consumed. */
static size_t scan_for_stream(pii_pdf *p, const uint8_t *q, size_t n)
{
	size_t done = 0;
	while (done < n) {
		size_t k = n - done < PDF_SLICE_BYTES ? n - done : PDF_SLICE_BYTES;
		dict_push(p, q + done, k);
		size_t base = p->dict_len - k; /* where this slice starts in dict */
		size_t from = base > 5 ? base - 5 : 0;
		const uint8_t *hit = NULL, *h = p->dict + from;
		size_t hn = p->dict_len - from;
		while ((hit = memmem(h, hn, "stream", 6)) != NULL) {
			size_t at = (size_t)(hit - p->dict);
			if (at >= 3 && !memcmp(hit - 3, "end", 3)) {
				hn -= (size_t)(hit + 6 - h);
				h = hit + 6;
				continue;
			}
			break;
		}
		if (hit) {
			size_t at = (size_t)(hit - p->dict);
			size_t used = at + 6 - base; /* bytes of this slice up to the keyword's end */
			p->dict_len = at;
			weigh_dict(p);
			p->dict_len = 0;
			p->state = P_EOL;
			return done + used;
		}
		done += k;
	}
	return done;
}

/* RAW/SKIP: feeds (RAW) and looks for "endstream"; returns bytes consumed
 * (all, or up to the keyword's end). */
static size_t scan_for_end(pii_pdf *p, const uint8_t *q, size_t n)
{
	static const char END[] = "endstream";
	const size_t en = sizeof END - 1;
	/* the keyword may straddle the previous piece */
	uint8_t join[32];
	size_t head = n < en - 1 ? n : en - 1;
	memcpy(join, p->carry, p->carry_len);
	memcpy(join + p->carry_len, q, head);
	const uint8_t *hit = memmem(join, p->carry_len + head, END, en);
	size_t used = SIZE_MAX;
	if (hit)
		used = (size_t)(hit - join) + en - p->carry_len;
	else if ((hit = memmem(q, n, END, en)) != NULL)
		used = (size_t)(hit - q) + en;
	size_t feed = used == SIZE_MAX ? n : used;
	if (p->state == P_RAW)
		content_write(p, q, feed);
	if (used != SIZE_MAX) {
		if (p->state == P_RAW)
			content_end(p);
		p->state = P_SCAN;
		p->carry_len = 0;
		return used;
	}
	size_t keep = n < en - 1 ? n : en - 1;
	if (p->carry_len + keep > en - 1) {
		size_t drop = p->carry_len + keep - (en - 1);
		if (drop > p->carry_len)
			drop = p->carry_len;
		memmove(p->carry, p->carry + drop, p->carry_len - drop);
		p->carry_len -= drop;
	}
	memcpy(p->carry + p->carry_len, q + n - keep, keep);
	p->carry_len += keep;
	return n;
}

static size_t inflate_some(pii_pdf *p, const uint8_t *q, size_t n)
{
	p->z.next_in = (Bytef *)q;
	p->z.avail_in = (uInt)(n > UINT32_MAX ? UINT32_MAX : n);
	size_t given = p->z.avail_in;
	for (;;) {
		p->z.next_out = p->out;
		p->z.avail_out = (uInt)PDF_OUT_BYTES;
		int zr = inflate(&p->z, Z_NO_FLUSH);
		size_t got = PDF_OUT_BYTES - p->z.avail_out;
		if (p->inflated + got > PDF_MAX_INFLATED_BYTES)
			got = (size_t)(PDF_MAX_INFLATED_BYTES - p->inflated);
		p->inflated += got;
		content_write(p, p->out, got);
		int stuck = zr == Z_BUF_ERROR && got == 0 && p->z.avail_in > 0;
		if (zr == Z_STREAM_END || (zr != Z_OK && zr != Z_BUF_ERROR) || stuck ||
		    p->inflated >= PDF_MAX_INFLATED_BYTES) {
			content_end(p);
			pdf_close_z(p);
			/* after a clean end, whatever follows is file structure; after
			 * damage, look for the stream's end */
			p->state = zr == Z_STREAM_END ? P_SCAN : P_SKIP;
			p->carry_len = 0;
			return given - p->z.avail_in;
		}
		if (p->z.avail_in == 0 && p->z.avail_out != 0)
			return given;
	}
}

int pii_pdf_write(pii_pdf *p, const uint8_t *q, size_t n)
{
	while (n) {
		size_t used = 0;
		switch (p->state) {
		case P_SCAN:
			used = scan_for_stream(p, q, n);
			break;
		case P_EOL:
			/* "stream" is followed by CRLF or LF */
			if (q[0] == '\r' || q[0] == '\n' || q[0] == ' ') {
				used = 1;
				if (q[0] != '\n')
					break;
			}
			p->carry_len = 0;
			if (p->skip || p->inflated >= PDF_MAX_INFLATED_BYTES) {
				p->state = P_SKIP;
			} else if (p->flate) {
				memset(&p->z, 0, sizeof p->z);
				if (inflateInit(&p->z) != Z_OK) {
					p->state = P_SKIP;
					break;
				}
				p->z_open = 1;
				p->state = P_FLATE;
				content_begin(p);
			} else {
				p->state = P_RAW;
				content_begin(p);
			}
			break;
		case P_FLATE:
			used = inflate_some(p, q, n);
			break;
		case P_RAW:
		case P_SKIP:
			used = scan_for_end(p, q, n);
			break;
		}
		q += used;
		n -= used;
	}
	return 0;
}

int pii_pdf_end(pii_pdf *p, uint64_t *text_streams)
{
	if (p->state == P_FLATE || p->state == P_RAW)
		content_end(p);
	pdf_close_z(p);
	p->state = P_SCAN;
	*text_streams = p->text_streams;
	return 0;
}
