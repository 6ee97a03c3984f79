/* pii_sniff.c - a file's format from its first bytes and its name.
 *
 * Order: magic numbers (zip, PDF, common binaries), byte-order marks,
 * UTF-16 without a mark (one zero byte in most code units), then the
 * binary test (NUL bytes or more than 2% control bytes), UTF-8 validity
 * (else Latin-1), and last the structure of the text: mail headers,
 * markup, JSON, or a CSV/TSV extension.  The extension decides only
 * between text structures and for zip office files, never whether bytes
 * are text: a renamed binary is still skipped.
 */
#include "pii_internal.h"

#include <string.h>

void pii_name_ext(const uint8_t *name, size_t n, char ext[PII_EXT_BYTES])
{
	ext[0] = 0;
	size_t dot = n;
	for (size_t i = n; i-- > 0;) {
		if (name[i] == '/')
			break;
		if (name[i] == '.') {
			dot = i;
			break;
		}
	}
	if (dot == n || dot == 0 || name[dot - 1] == '/' || n - dot - 1 >= PII_EXT_BYTES)
		return;
	size_t k = 0;
	for (size_t i = dot + 1; i < n; i++) {
		uint8_t c = name[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) {
			ext[0] = 0;
			return;
		}
		ext[k++] = (char)c;
	}
	ext[k] = 0;
}

int pii_format_is_office(int format)
{
	return format == RP_PII_FMT_DOCX || format == RP_PII_FMT_XLSX || format == RP_PII_FMT_PPTX ||
	       format == RP_PII_FMT_ODT || format == RP_PII_FMT_ODS || format == RP_PII_FMT_ODP;
}

static int ext_in(const char *ext, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(ext, list[i]))
			return 1;
	return 0;
}

#define NLIST(a) (sizeof(a) / sizeof((a)[0]))

static const char *const OFFICE_EXT[] = {"docx", "docm", "dotx", "xlsx", "xlsm", "xltx", "pptx",
					 "pptm", "odt",  "ott",  "ods",  "ots",  "odp"};
static const char *const MAIL_EXT[] = {"eml", "mbox", "mbx", "mail"};
static const char *const HTML_EXT[] = {"html", "htm", "xhtml", "shtml"};
static const char *const XML_EXT[] = {"xml", "svg", "xsl", "xslt", "rss", "atom", "kml", "gpx",
				      "xsd", "fodt", "fods", "plist"};

typedef struct magic {
	size_t off;
	const char *bytes;
	size_t n;
} magic;

static const magic BINARY_MAGIC[] = {
	{0, "\x89PNG", 4},         {0, "\xff\xd8\xff", 3},     {0, "GIF8", 4},
	{0, "II*\0", 4},           {0, "MM\0*", 4},            {0, "\x7f" "ELF", 4},
	{0, "\x1f\x8b", 2},        {0, "BZh", 3},              {0, "\xfd" "7zXZ", 5},
	{0, "7z\xbc\xaf", 4},      {0, "Rar!", 4},             {0, "\xd0\xcf\x11\xe0", 4},
	{0, "OggS", 4},            {0, "fLaC", 4},             {0, "ID3", 3},
	{0, "RIFF", 4},            {4, "ftyp", 4},             {0, "SQLite format 3", 15},
	{0, "\0asm", 4},           {0, "wOFF", 4},             {0, "PAR1", 4},
	{0, "\xca\xfe\xba\xbe", 4}, {0, "(\xb5/\xfd", 4},      {0, "MSCF", 4},
};

static int has_magic(const uint8_t *p, size_t n, const magic *m)
{
	return n >= m->off + m->n && !memcmp(p + m->off, m->bytes, m->n);
}

/* Length of a valid UTF-8 sequence at p (1-4), 0 if invalid, -1 if cut by
 * the end of the buffer. */
static int utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	int need;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		need = 2;
	else if (c >= 0xe0 && c <= 0xef)
		need = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		need = 4;
	else
		return 0;
	for (int k = 1; k < need; k++) {
		if ((size_t)k >= n)
			return -1;
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	}
	return need;
}

static int ci_prefix(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s);
	if (n < k)
		return 0;
	for (size_t i = 0; i < k; i++) {
		uint8_t c = p[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)s[i])
			return 0;
	}
	return 1;
}

/* Mail: a "From " line (mbox) or a header block with a header only mail
 * has among the first lines. */
static int looks_like_mail(const uint8_t *p, size_t n)
{
	static const char *const HEADERS[] = {"received:", "return-path:", "message-id:",
					      "mime-version:", "delivered-to:", "x-mozilla-status:",
					      "dkim-signature:", "x-original-to:"};
	size_t i = 0;
	int lines = 0, strong = 0, from = 0, subject = 0, mbox = 0;
	if (n >= 5 && !memcmp(p, "From ", 5)) {
		/* an mbox separator, if headers follow it */
		while (i < n && p[i] != '\n')
			i++;
		i++;
		mbox = 1;
	}
	while (i < n && lines < 40) {
		size_t s = i;
		while (i < n && p[i] != '\n')
			i++;
		size_t len = i - s;
		if (i < n)
			i++;
		if (len && p[s + len - 1] == '\r')
			len--;
		if (len == 0)
			break;
		lines++;
		if (p[s] == ' ' || p[s] == '\t')
			continue;
		size_t k = s;
		while (k < s + len && p[k] != ':' && p[k] > ' ' && p[k] < 0x7f)
			k++;
		if (k == s || k == s + len || p[k] != ':')
			return 0;
		for (size_t h = 0; h < NLIST(HEADERS); h++)
			strong |= ci_prefix(p + s, len, HEADERS[h]);
		from |= ci_prefix(p + s, len, "from:");
		subject |= ci_prefix(p + s, len, "subject:");
	}
	return strong || (from && subject) || (mbox && lines >= 2);
}

void pii_sniff(const uint8_t *head, size_t n, const char *ext, pii_sniffed *out)
{
	memset(out, 0, sizeof *out);
	out->format = RP_PII_FMT_TEXT;
	out->charset = RP_PII_CS_UTF8;
	if (n == 0)
		return; /* an empty file: text with nothing in it */
	if (n >= 4 && !memcmp(head, "PK\x03\x04", 4)) {
		/* office zips name a telling part first */
		int office = ext_in(ext, OFFICE_EXT, NLIST(OFFICE_EXT)) ||
			     memmem(head, n, "[Content_Types].xml", 19) ||
			     memmem(head, n, "application/vnd.oasis.opendocument", 34);
		out->format = office ? RP_PII_FMT_DOCX : RP_PII_FMT_BINARY;
		return;
	}
	/* PDF readers accept the header anywhere in the first KiB, after
	 * binary junk; a text that merely quotes "%PDF-" stays text */
	const uint8_t *pdf = memmem(head, n < 1024 ? n : 1024, "%PDF-", 5);
	if (pdf) {
		int junk = pdf == head;
		for (const uint8_t *q = head; q < pdf && !junk; q++)
			junk = *q < 0x09;
		if (junk) {
			out->format = RP_PII_FMT_PDF;
			return;
		}
	}
	for (size_t i = 0; i < NLIST(BINARY_MAGIC); i++) {
		if (has_magic(head, n, &BINARY_MAGIC[i])) {
			out->format = RP_PII_FMT_BINARY;
			return;
		}
	}
	uint8_t view[1024];
	size_t nv = 0;
	if (n >= 3 && !memcmp(head, "\xef\xbb\xbf", 3)) {
		out->skip = 3;
	} else if (n >= 2 && (!memcmp(head, "\xff\xfe", 2) || !memcmp(head, "\xfe\xff", 2))) {
		out->charset = head[0] == 0xff ? RP_PII_CS_UTF16LE : RP_PII_CS_UTF16BE;
		out->skip = 2;
	} else if (n >= 16) {
		size_t zero_even = 0, zero_odd = 0, pairs = n / 2;
		for (size_t i = 0; i + 1 < n; i += 2) {
			zero_even += head[i] == 0;
			zero_odd += head[i + 1] == 0;
		}
		if (zero_odd * 10 > pairs * 4 && zero_even * 20 < pairs)
			out->charset = RP_PII_CS_UTF16LE;
		else if (zero_even * 10 > pairs * 4 && zero_odd * 20 < pairs)
			out->charset = RP_PII_CS_UTF16BE;
	}
	if (out->charset == RP_PII_CS_UTF16LE || out->charset == RP_PII_CS_UTF16BE) {
		/* look at the low bytes; binary files are caught by their NULs
		 * in both positions before this */
		int lo = out->charset == RP_PII_CS_UTF16LE ? 0 : 1;
		for (size_t i = out->skip; i + 1 < n && nv < sizeof view; i += 2)
			view[nv++] = head[i + (size_t)lo];
	} else {
		size_t control = 0;
		int invalid = 0;
		for (size_t i = out->skip; i < n;) {
			uint8_t c = head[i];
			if (c == 0) {
				out->format = RP_PII_FMT_BINARY;
				return;
			}
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x0b &&
			    c != 0x1a && c != 0x1b)
				control++;
			int k = utf8_len(head + i, n - i);
			if (k < 0)
				break;
			if (k == 0) {
				invalid = 1;
				k = 1;
			}
			i += (size_t)k;
		}
		if (control * 50 > n) {
			out->format = RP_PII_FMT_BINARY;
			return;
		}
		if (invalid)
			out->charset = RP_PII_CS_LATIN1;
		nv = n - out->skip < sizeof view ? n - out->skip : sizeof view;
		memcpy(view, head + out->skip, nv);
	}
	size_t s = 0;
	while (s < nv && (view[s] == ' ' || view[s] == '\t' || view[s] == '\n' || view[s] == '\r'))
		s++;
	const uint8_t *v = view + s;
	size_t vn = nv - s;
	if (!strcmp(ext, "csv")) {
		out->format = RP_PII_FMT_CSV;
	} else if (!strcmp(ext, "tsv") || !strcmp(ext, "tab")) {
		out->format = RP_PII_FMT_CSV;
		out->delim = '\t';
	} else if (ext_in(ext, MAIL_EXT, NLIST(MAIL_EXT)) || looks_like_mail(v, vn)) {
		out->format = RP_PII_FMT_MAIL;
	} else if (ext_in(ext, HTML_EXT, NLIST(HTML_EXT)) || ci_prefix(v, vn, "<!doctype html") ||
		   ci_prefix(v, vn, "<html")) {
		out->format = RP_PII_FMT_HTML;
	} else if (ext_in(ext, XML_EXT, NLIST(XML_EXT)) || ci_prefix(v, vn, "<?xml")) {
		out->format = memmem(v, vn, "<html", 5) ? RP_PII_FMT_HTML : RP_PII_FMT_XML;
	} else if (!strcmp(ext, "json") || (vn && (v[0] == '{' || v[0] == '['))) {
		out->format = RP_PII_FMT_JSON;
	}
}
