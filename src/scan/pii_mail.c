/* pii_mail.c - mbox files and single messages (.eml), MIME parts decoded.
 *
 * Line by line: headers (unfolded, at most MAIL_HEADER_MAX_BYTES each),
 * then the body.  Multipart boundaries nest up to MAIL_MAX_BOUNDARIES
 * deep; message/rfc822 parts continue with the inner message's headers.
 * Each leaf part is a document one level down, chosen by its content type
 * (or sniffed when that says nothing, e.g. application/octet-stream), after
 * base64 or quoted-printable decoding.  Of the headers only those that
 * name people are searched (From, To, Cc, Bcc, Reply-To, Sender, Subject,
 * Organization): Message-ID, References and Received hold address-like
 * tokens that are not personal data.  An mbox "From " line starts a new
 * message when it follows an empty line.
 */
#include "pii_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAIL_LINE_MAX_BYTES ((size_t)16 << 10)
#define MAIL_HEADER_MAX_BYTES ((size_t)8 << 10)
#define MAIL_MAX_BOUNDARIES 8
#define MAIL_BOUNDARY_MAX_BYTES 80
#define MAIL_DECODE_BYTES 4096

enum { M_HEADERS, M_BODY, M_SKIP };
enum { CTE_RAW, CTE_BASE64, CTE_QP };

struct pii_mail {
	pii_sc *sc;
	int depth;
	rp_buf line;
	int line_cont; /* the current line continues an over-long one */
	int state;
	int first_line;
	int prev_blank;
	rp_buf hdr;
	/* the entity whose headers are being read */
	char ctype[80];
	char charset[32];
	char ext[PII_EXT_BYTES];
	char boundary[MAIL_BOUNDARY_MAX_BYTES + 1];
	int cte;
	/* open multiparts */
	char bounds[MAIL_MAX_BOUNDARIES][MAIL_BOUNDARY_MAX_BYTES + 1];
	int nb;
	/* the leaf part being decoded */
	int body_cte;
	uint32_t b64_acc;
	int b64_bits;
	int qp_pend; /* 0, 1 after '=', 2 after '=' and one hex digit */
	uint8_t qp_hi;
	pii_doc child;
	int child_open;
	int rc;
	rp_err err;
};

int pii_mail_new(pii_mail **out, pii_sc *sc, int depth, rp_err *e)
{
	pii_mail *m = calloc(1, sizeof *m);
	if (!m)
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for a mail parser");
	m->sc = sc;
	m->depth = depth;
	pii_doc_init(&m->child, sc, depth + 1);
	*out = m;
	return 0;
}

void pii_mail_free(pii_mail *m)
{
	if (!m)
		return;
	pii_doc_free(&m->child);
	rp_buf_free(&m->line);
	rp_buf_free(&m->hdr);
	free(m);
}

static void entity_reset(pii_mail *m)
{
	strcpy(m->ctype, "text/plain");
	m->charset[0] = 0;
	m->ext[0] = 0;
	m->boundary[0] = 0;
	m->cte = CTE_RAW;
	rp_buf_reset(&m->hdr);
}

void pii_mail_begin(pii_mail *m)
{
	rp_buf_reset(&m->line);
	m->line_cont = 0;
	m->state = M_HEADERS;
	m->first_line = 1;
	m->prev_blank = 0;
	m->nb = 0;
	m->child_open = 0;
	m->rc = 0;
	entity_reset(m);
}

static void keep_rc(pii_mail *m, int rc)
{
	if (rc && !m->rc)
		m->rc = rc;
}

static void child_write(pii_mail *m, const uint8_t *p, size_t n)
{
	if (m->child_open && n)
		keep_rc(m, pii_doc_write(&m->child, p, n, &m->err));
}

static void child_close(pii_mail *m)
{
	if (!m->child_open)
		return;
	if (m->body_cte == CTE_QP && m->qp_pend) {
		uint8_t eq = '=';
		child_write(m, &eq, 1);
		if (m->qp_pend == 2)
			child_write(m, &m->qp_hi, 1);
	}
	keep_rc(m, pii_doc_end(&m->child, &m->err));
	m->child_open = 0;
}

/* ---- header parsing ---- */

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int ci_eq(const uint8_t *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != (uint8_t)b[i])
			return 0;
	return 1;
}

/* Value of parameter `name` (also name* and name*0*, RFC 2231) in a
 * header value, into out (lower-cased when `fold`). */
static int param(const uint8_t *v, size_t n, const char *name, char *out, size_t cap, int fold)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i + nl < n; i++) {
		if (i > 0 && v[i - 1] != ';' && v[i - 1] != ' ' && v[i - 1] != '\t')
			continue;
		size_t k;
		for (k = 0; k < nl && lower(v[i + k]) == (uint8_t)name[k]; k++)
			;
		if (k < nl)
			continue;
		size_t j = i + nl;
		while (j < n && (v[j] == '*' || (v[j] >= '0' && v[j] <= '9')))
			j++;
		while (j < n && v[j] == ' ')
			j++;
		if (j >= n || v[j] != '=')
			continue;
		j++;
		while (j < n && v[j] == ' ')
			j++;
		size_t s = j, e;
		if (j < n && v[j] == '"') {
			s = ++j;
			while (j < n && v[j] != '"')
				j++;
			e = j;
		} else {
			while (j < n && v[j] != ';' && v[j] != ' ' && v[j] != '\t')
				j++;
			e = j;
		}
		/* charset'lang'value */
		for (size_t q = s; q + 1 < e; q++) {
			if (v[q] == '\'' ) {
				for (size_t r = q + 1; r < e; r++) {
					if (v[r] == '\'') {
						s = r + 1;
						break;
					}
				}
				break;
			}
		}
		size_t len = e - s < cap - 1 ? e - s : cap - 1;
		for (size_t t = 0; t < len; t++)
			out[t] = (char)(fold ? lower(v[s + t]) : v[s + t]);
		out[len] = 0;
		return 1;
	}
	return 0;
}

static void header_done(pii_mail *m)
{
	const uint8_t *h = m->hdr.data;
	size_t n = m->hdr.len;
	if (!n)
		return;
	size_t colon = 0;
	while (colon < n && h[colon] != ':')
		colon++;
	if (colon == n) {
		rp_buf_reset(&m->hdr);
		return;
	}
	const uint8_t *v = h + colon + 1;
	size_t vn = n - colon - 1;
	while (vn && (*v == ' ' || *v == '\t'))
		v++, vn--;
	if (ci_eq(h, colon, "content-type")) {
		size_t k = 0;
		while (k < vn && k + 1 < sizeof m->ctype && v[k] != ';' && v[k] != ' ') {
			m->ctype[k] = (char)lower(v[k]);
			k++;
		}
		m->ctype[k] = 0;
		param(v, vn, "boundary", m->boundary, sizeof m->boundary, 0);
		param(v, vn, "charset", m->charset, sizeof m->charset, 1);
		char name[128];
		if (param(v, vn, "name", name, sizeof name, 0))
			pii_name_ext((const uint8_t *)name, strlen(name), m->ext);
	} else if (ci_eq(h, colon, "content-transfer-encoding")) {
		if (vn >= 6 && ci_eq(v, 6, "base64"))
			m->cte = CTE_BASE64;
		else if (vn >= 16 && ci_eq(v, 16, "quoted-printable"))
			m->cte = CTE_QP;
		else
			m->cte = CTE_RAW;
	} else if (ci_eq(h, colon, "content-disposition")) {
		char name[128];
		if (param(v, vn, "filename", name, sizeof name, 0))
			pii_name_ext((const uint8_t *)name, strlen(name), m->ext);
	} else if (ci_eq(h, colon, "from") || ci_eq(h, colon, "to") || ci_eq(h, colon, "cc") ||
		   ci_eq(h, colon, "bcc") || ci_eq(h, colon, "reply-to") ||
		   ci_eq(h, colon, "sender") || ci_eq(h, colon, "subject") ||
		   ci_eq(h, colon, "organization")) {
		pii_text_write(&m->sc->text, v, vn);
		pii_text_break(&m->sc->text);
	}
	rp_buf_reset(&m->hdr);
}

static int charset_of(const char *cs)
{
	if (!strcmp(cs, "iso-8859-1") || !strcmp(cs, "iso-8859-15") || !strcmp(cs, "latin1") ||
	    !strcmp(cs, "windows-1252") || !strcmp(cs, "cp1252") || !strcmp(cs, "latin-1"))
		return RP_PII_CS_LATIN1;
	if (!strcmp(cs, "utf-16be"))
		return RP_PII_CS_UTF16BE;
	if (!strcmp(cs, "utf-16le") || !strcmp(cs, "utf-16"))
		return RP_PII_CS_UTF16LE;
	return RP_PII_CS_UTF8;
}

static int starts(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

static int part_format(const char *ct)
{
	if (!strcmp(ct, "text/html"))
		return RP_PII_FMT_HTML;
	if (!strcmp(ct, "text/csv") || !strcmp(ct, "text/comma-separated-values") ||
	    !strcmp(ct, "text/tab-separated-values"))
		return RP_PII_FMT_CSV;
	if (!strcmp(ct, "text/xml") || !strcmp(ct, "application/xml"))
		return RP_PII_FMT_XML;
	if (!strcmp(ct, "application/json"))
		return RP_PII_FMT_JSON;
	if (starts(ct, "text/"))
		return RP_PII_FMT_TEXT;
	if (!strcmp(ct, "application/pdf"))
		return RP_PII_FMT_PDF;
	if (starts(ct, "application/vnd.openxmlformats-officedocument.") ||
	    starts(ct, "application/vnd.oasis.opendocument."))
		return RP_PII_FMT_DOCX; /* any zip office file; the zip says which */
	if (starts(ct, "image/") || starts(ct, "audio/") || starts(ct, "video/") ||
	    starts(ct, "font/"))
		return RP_PII_FMT_BINARY;
	return RP_PII_FMT_UNKNOWN;
}

static void headers_end(pii_mail *m)
{
	header_done(m);
	if (starts(m->ctype, "multipart/") && m->boundary[0]) {
		if (m->nb < MAIL_MAX_BOUNDARIES)
			strcpy(m->bounds[m->nb++], m->boundary);
		m->state = M_SKIP; /* the preamble */
		entity_reset(m);
		return;
	}
	if (!strcmp(m->ctype, "message/rfc822")) {
		entity_reset(m);
		m->state = M_HEADERS;
		return;
	}
	int format = part_format(m->ctype);
	m->state = M_SKIP;
	if (format != RP_PII_FMT_BINARY) {
		int rc = pii_doc_begin(&m->child, format, charset_of(m->charset), m->ext, 0, &m->err);
		keep_rc(m, rc);
		if (!rc) {
			m->child_open = 1;
			m->state = M_BODY;
			m->body_cte = m->cte;
			m->b64_acc = 0;
			m->b64_bits = 0;
			m->qp_pend = 0;
		}
	}
	entity_reset(m);
}

/* ---- body decoding ---- */

static int b64_value(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)lower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void body_bytes(pii_mail *m, const uint8_t *p, size_t n)
{
	uint8_t out[MAIL_DECODE_BYTES + 4];
	size_t k = 0;
	if (m->body_cte == CTE_RAW) {
		child_write(m, p, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (m->body_cte == CTE_BASE64) {
			int v = b64_value(c);
			if (v < 0) {
				if (c == '=')
					m->b64_bits = 0; /* padding ends a quantum */
				continue;
			}
			m->b64_acc = m->b64_acc << 6 | (uint32_t)v;
			m->b64_bits += 6;
			if (m->b64_bits >= 8) {
				m->b64_bits -= 8;
				out[k++] = (uint8_t)(m->b64_acc >> m->b64_bits);
			}
		} else if (m->qp_pend == 0) {
			if (c == '=')
				m->qp_pend = 1;
			else
				out[k++] = c;
		} else if (m->qp_pend == 1) {
			if (hexval(c) >= 0) {
				m->qp_hi = c;
				m->qp_pend = 2;
			} else {
				out[k++] = '=';
				out[k++] = c;
				m->qp_pend = 0;
			}
		} else {
			if (hexval(c) >= 0) {
				out[k++] = (uint8_t)(hexval(m->qp_hi) << 4 | hexval(c));
			} else {
				out[k++] = '=';
				out[k++] = m->qp_hi;
				out[k++] = c;
			}
			m->qp_pend = 0;
		}
		if (k >= MAIL_DECODE_BYTES) {
			child_write(m, out, k);
			k = 0;
		}
	}
	child_write(m, out, k);
}

static void body_eol(pii_mail *m)
{
	if (m->body_cte == CTE_BASE64)
		return;
	if (m->body_cte == CTE_QP) {
		if (m->qp_pend == 1) {
			m->qp_pend = 0; /* soft line break */
			return;
		}
		if (m->qp_pend == 2) {
			uint8_t t[2] = {'=', m->qp_hi};
			child_write(m, t, 2);
			m->qp_pend = 0;
		}
	}
	child_write(m, (const uint8_t *)"\n", 1);
}

/* ---- lines ---- */

static int boundary_line(pii_mail *m, const uint8_t *l, size_t n)
{
	if (n < 3 || l[0] != '-' || l[1] != '-' || !m->nb)
		return 0;
	for (int k = m->nb; k-- > 0;) {
		size_t bl = strlen(m->bounds[k]);
		if (n < 2 + bl || memcmp(l + 2, m->bounds[k], bl))
			continue;
		int closing = n >= 4 + bl && l[2 + bl] == '-' && l[3 + bl] == '-';
		child_close(m);
		if (closing) {
			m->nb = k;
			m->state = M_SKIP;
		} else {
			m->nb = k + 1;
			m->state = M_HEADERS;
			entity_reset(m);
		}
		return 1;
	}
	return 0;
}

static void mail_line(pii_mail *m, const uint8_t *l, size_t n)
{
	if (n && l[n - 1] == '\r')
		n--;
	int first = m->first_line;
	m->first_line = 0;
	if (n >= 5 && !memcmp(l, "From ", 5) && (first || (m->prev_blank && m->state != M_HEADERS))) {
		/* mbox: the next message */
		child_close(m);
		m->nb = 0;
		m->state = M_HEADERS;
		entity_reset(m);
		m->prev_blank = 0;
		return;
	}
	m->prev_blank = n == 0;
	if (m->state == M_HEADERS) {
		if (n == 0) {
			headers_end(m);
		} else if (l[0] == ' ' || l[0] == '\t') {
			if (m->hdr.len + n <= MAIL_HEADER_MAX_BYTES)
				keep_rc(m, rp_buf_put(&m->hdr, l, n));
		} else {
			header_done(m);
			keep_rc(m, rp_buf_put(&m->hdr, l, n < MAIL_HEADER_MAX_BYTES ? n : MAIL_HEADER_MAX_BYTES));
		}
		return;
	}
	if (boundary_line(m, l, n))
		return;
	if (m->state == M_BODY) {
		body_bytes(m, l, n);
		body_eol(m);
	}
}

int pii_mail_write(pii_mail *m, const uint8_t *p, size_t n)
{
	/* line_cont: 0 a fresh line, 1 the rest of an over-long body line
	 * (its start went to the part already), 2 the rest of an over-long
	 * line that is dropped (headers are cut, skipped parts ignored) */
	while (n && !m->rc) {
		const uint8_t *nl = memchr(p, '\n', n);
		size_t k = nl ? (size_t)(nl - p) : n;
		if (m->line_cont == 2) {
			p += k;
			n -= k;
			if (nl) {
				p++;
				n--;
				m->line_cont = 0;
			}
			continue;
		}
		if (m->line.len + k > MAIL_LINE_MAX_BYTES) {
			size_t room = MAIL_LINE_MAX_BYTES - m->line.len;
			keep_rc(m, rp_buf_put(&m->line, p, room));
			p += room;
			n -= room;
			if (m->state == M_BODY) {
				body_bytes(m, m->line.data, m->line.len);
				m->line_cont = 1;
			} else {
				if (m->line_cont == 0)
					mail_line(m, m->line.data, m->line.len);
				m->line_cont = 2;
			}
			rp_buf_reset(&m->line);
			continue;
		}
		keep_rc(m, rp_buf_put(&m->line, p, k));
		p += k;
		n -= k;
		if (!nl)
			break;
		p++;
		n--;
		if (m->line_cont == 1) {
			if (m->state == M_BODY) {
				body_bytes(m, m->line.data, m->line.len);
				body_eol(m);
			}
		} else {
			mail_line(m, m->line.data, m->line.len);
		}
		m->line_cont = 0;
		rp_buf_reset(&m->line);
	}
	return m->rc;
}

int pii_mail_end(pii_mail *m)
{
	if (m->line.len && m->line_cont == 0)
		mail_line(m, m->line.data, m->line.len);
	else if (m->line.len && m->line_cont == 1 && m->state == M_BODY)
		body_bytes(m, m->line.data, m->line.len);
	rp_buf_reset(&m->line);
	m->line_cont = 0;
	if (m->state == M_HEADERS)
		header_done(m);
	child_close(m);
	return m->rc;
}
