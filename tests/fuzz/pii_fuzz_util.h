/* pii_fuzz_util.h - the shared body of the PII fuzz targets: scan the input
 * as a file of a given name, cut into pieces whose sizes come from the
 * input's first byte, and check the counts are sane. */
#ifndef RP_PII_FUZZ_UTIL_H
#define RP_PII_FUZZ_UTIL_H

#include "fuzz_common.h"
#include "scan/pii.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static void pii_fuzz_scan(const char *name, const uint8_t *data, size_t size)
{
	static const uint8_t KEY[32] = {9};
	rp_pii_distinct *d = NULL;
	rp_pii_scanner *s = NULL;
	rp_err e;
	if (rp_pii_distinct_new_bounded(&d, KEY, 64, &e) || rp_pii_scanner_new(&s, d, &e))
		abort();
	size_t piece = 1;
	if (size) {
		/* 1..256 bytes, or all at once */
		piece = data[0] == 255 ? size : (size_t)data[0] + 1;
		data++;
		size--;
	}
	for (int round = 0; round < 2; round++) {
		if (rp_pii_file_begin(s, (const uint8_t *)name, strlen(name), size, &e))
			abort();
		for (size_t at = 0; at < size; at += piece) {
			size_t k = size - at < piece ? size - at : piece;
			if (rp_pii_file_update(s, data + at, k, &e))
				abort();
		}
		rp_pii_counts c;
		if (rp_pii_file_end(s, &c, &e))
			abort();
		if (c.bytes != size || c.columns_n > RP_PII_COLUMNS_MAX)
			abort();
		/* an identifier takes at least 5 bytes of text */
		uint64_t total = 0;
		for (int k = 0; k < RP_PII_KINDS; k++)
			total += c.n[k];
		if (c.format != RP_PII_FMT_PDF && !(c.format >= RP_PII_FMT_DOCX && c.format <= RP_PII_FMT_ODP) &&
		    c.format != RP_PII_FMT_MAIL && total * 5 > c.text_bytes + 5)
			abort();
		/* the second round checks the scanner is reusable */
		piece = piece * 7 + 1;
	}
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
}

/* Text holding one of each kind of identifier the scanner looks for. */
#define PII_FUZZ_TEXT                                                                              \
	"Jean Dupont, 12 rue des Lilas, 44000 Nantes, n\xc3\xa9 le 01/02/1980\n"                  \
	"IBAN FR76 3000 6000 0112 3456 7890 189, NIR 1 80 02 75 123 456 78\n"                      \
	"t\xc3\xa9l. 06 12 34 56 78, jean.dupont@example.fr\n"

/* A seed whose first byte cuts the body into 64-byte pieces. */
static void pii_fuzz_seed(const char *dir, const char *name, const void *p, size_t n)
{
	fuzz_seed_mode(dir, name, 63, p, n);
}

/* A one-file zip archive made with libarchive, as an office file. */
static void pii_fuzz_seed_zip(const char *dir, const char *name, const char *member, const char *body)
{
	static uint8_t out[1 << 16];
	size_t used = 0;
	struct archive *a = archive_write_new();
	struct archive_entry *en = archive_entry_new();
	if (!a || !en || archive_write_set_format_zip(a) || archive_write_open_memory(a, out, sizeof out, &used))
		goto done;
	archive_entry_set_pathname(en, member);
	archive_entry_set_filetype(en, AE_IFREG);
	archive_entry_set_perm(en, 0644);
	archive_entry_set_size(en, (la_int64_t)strlen(body));
	if (archive_write_header(a, en) || archive_write_data(a, body, strlen(body)) < 0 || archive_write_close(a))
		goto done;
	pii_fuzz_seed(dir, name, out, used);
done:
	archive_entry_free(en);
	archive_write_free(a);
}

/* A PDF page whose text is in a FlateDecode content stream. */
static void pii_fuzz_seed_pdf(const char *dir)
{
	const char *content = "BT /F1 12 Tf 72 720 Td (" PII_FUZZ_TEXT ") Tj ET";
	uint8_t z[1024];
	uLongf zn = sizeof z;
	if (compress(z, &zn, (const Bytef *)content, strlen(content)) != Z_OK)
		return;
	rp_buf b = {0};
	char head[256];
	int k = snprintf(head, sizeof head,
			 "%%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
			 "2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
			 "4 0 obj << /Length %lu /Filter /FlateDecode >>\nstream\n",
			 (unsigned long)zn);
	rp_buf_put(&b, head, (size_t)k);
	rp_buf_put(&b, z, zn);
	const char *tail = "\nendstream\nendobj\n3 0 obj << /Type /Page /Parent 2 0 R /Contents 4 0 R >> endobj\n"
			   "trailer << /Root 1 0 R >>\n%EOF\n";
	rp_buf_put(&b, tail, strlen(tail));
	pii_fuzz_seed(dir, "pdf", b.data, b.len);
	rp_buf_free(&b);
}

/* One seed per format the scanner reads, for every PII target: each
 * target names its file differently, the sniffing one reads them all. */
static void pii_fuzz_seeds(const char *dir)
{
	static const char text[] = PII_FUZZ_TEXT;
	static const char csv[] = "nom;pr\xc3\xa9nom;naissance;iban;courriel\n"
				  "Dupont;Jean;01/02/1980;FR7630006000011234567890189;jean.dupont@example.fr\n"
				  "Martin;Claire;15/07/1975;FR7630001007941234567890185;c.martin@example.fr\n";
	static const char html[] = "<html><body><table><tr><th>Nom</th><th>T\xc3\xa9l\xc3\xa9phone</th></tr>"
				   "<tr><td>Jean Dupont</td><td>06 12 34 56 78</td></tr></table>"
				   "<p>jean.dupont@example.fr &amp; NIR 1 80 02 75 123 456 78</p></body></html>";
	static const char mail[] = "From: Jean Dupont <jean.dupont@example.fr>\r\nTo: mairie@example.fr\r\n"
				   "Subject: =?UTF-8?Q?=C3=A9tat_civil?=\r\nMIME-Version: 1.0\r\n"
				   "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n"
				   "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
				   "SUJBTiBGUjc2IDMwMDAgNjAwMCAwMTEyIDM0NTYgNzg5MCAxODk=\r\n--b1--\r\n";
	pii_fuzz_seed(dir, "text", text, sizeof text - 1);
	pii_fuzz_seed(dir, "csv", csv, sizeof csv - 1);
	pii_fuzz_seed(dir, "html", html, sizeof html - 1);
	pii_fuzz_seed(dir, "mail", mail, sizeof mail - 1);
	pii_fuzz_seed_pdf(dir);
	pii_fuzz_seed_zip(dir, "docx", "word/document.xml",
			  "<?xml version=\"1.0\"?><w:document><w:body><w:p><w:r><w:t>" PII_FUZZ_TEXT
			  "</w:t></w:r></w:p></w:body></w:document>");
	pii_fuzz_seed_zip(dir, "xlsx", "xl/sharedStrings.xml",
			  "<sst><si><t>Jean Dupont</t></si><si><t>FR7630006000011234567890189</t></si></sst>");
	fuzz_seed(dir, "empty", "", 0);
}

static void fuzz_write_seeds(const char *dir)
{
	pii_fuzz_seeds(dir);
}

#endif
