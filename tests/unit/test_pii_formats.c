/* test_pii_formats.c - every format the PII scanner reads, end to end:
 * fixtures (zip office files, PDFs, mail) are built here in memory with
 * libarchive, zlib and a small base64 encoder. */
#include "pii_test_util.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <zlib.h>

#include "util/buf.h"

/* ---- fixture builders ---- */

typedef struct zip_part {
	const char *name;
	const char *data;
	int store; /* no compression (ODF mimetype) */
} zip_part;

static void zip_build(rp_buf *out, const zip_part *parts, size_t n)
{
	size_t cap = 1 << 20, used = 0;
	rp_buf_reset(out);
	assert_int_equal(rp_buf_reserve(out, cap), 0);
	struct archive *a = archive_write_new();
	assert_non_null(a);
	assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_memory(a, out->data, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(parts[i].data);
		if (parts[i].store)
			archive_write_zip_set_compression_store(a);
		else
			archive_write_zip_set_compression_deflate(a);
		struct archive_entry *ent = archive_entry_new();
		archive_entry_set_pathname(ent, parts[i].name);
		archive_entry_set_size(ent, (la_int64_t)len);
		archive_entry_set_filetype(ent, AE_IFREG);
		archive_entry_set_perm(ent, 0644);
		assert_int_equal(archive_write_header(a, ent), ARCHIVE_OK);
		assert_int_equal(archive_write_data(a, parts[i].data, len), (la_ssize_t)len);
		archive_entry_free(ent);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	out->len = used;
}

static void b64_encode(rp_buf *out, const uint8_t *p, size_t n)
{
	static const char A[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t col = 0;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = {A[v >> 18], A[(v >> 12) & 63], i + 1 < n ? A[(v >> 6) & 63] : '=',
			     i + 2 < n ? A[v & 63] : '='};
		rp_buf_put(out, q, 4);
		col += 4;
		if (col >= 76) {
			rp_buf_put(out, "\r\n", 2);
			col = 0;
		}
	}
	rp_buf_put(out, "\r\n", 2);
}

/* A one-page PDF whose content stream (Flate-compressed) is `content`;
 * plus an image stream the scanner must skip. */
static void pdf_build(rp_buf *out, const char *content, int with_text)
{
	uLongf zn = compressBound(strlen(content));
	uint8_t *z = malloc(zn);
	assert_non_null(z);
	assert_int_equal(compress2(z, &zn, (const Bytef *)content, strlen(content), 9), Z_OK);
	rp_buf_reset(out);
	rp_buf_putf(out, "%%PDF-1.4\n%%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
			 "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n"
			 "3 0 obj\n<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>\nendobj\n");
	/* an image holding what would be a phone number if it were text */
	static const char IMG[] = "BT (01 23 45 67 89) Tj ET";
	uLongf in = compressBound(sizeof IMG);
	uint8_t *iz = malloc(in);
	assert_non_null(iz);
	compress2(iz, &in, (const Bytef *)IMG, sizeof IMG - 1, 9);
	rp_buf_putf(out, "5 0 obj\n<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /Filter /FlateDecode "
			 "/Length %lu >>\nstream\n", (unsigned long)in);
	rp_buf_put(out, iz, in);
	rp_buf_putf(out, "\nendstream\nendobj\n");
	if (with_text) {
		rp_buf_putf(out, "4 0 obj\n<< /Length %lu /Filter /FlateDecode >>\nstream\r\n", (unsigned long)zn);
		rp_buf_put(out, z, zn);
		rp_buf_putf(out, "\r\nendstream\nendobj\n");
	}
	rp_buf_putf(out, "trailer\n<< /Root 1 0 R >>\n%%%%EOF\n");
	free(z);
	free(iz);
}

static rp_pii_counts scan_buf(const char *name, const rp_buf *b, size_t piece)
{
	return pii_scan(name, b->data, b->len, piece);
}

/* ---- plain text in other character sets ---- */

static void test_latin1(void **state)
{
	(void)state;
	/* "né le" with é as the single byte E9 */
	static const char T[] = "Mme Dupont, n\xe9" "e le 12/03/1985, t\xe9l. 01 23 45 67 89 \x80";
	rp_pii_counts c = pii_scan_str("lettre.txt", T);
	assert_int_equal(c.charset, RP_PII_CS_LATIN1);
	assert_int_equal(c.format, RP_PII_FMT_TEXT);
	assert_int_equal(c.n[RP_PII_BIRTHDATE], 1);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
}

static void utf16(rp_buf *b, const char *ascii, int be, int bom)
{
	rp_buf_reset(b);
	if (bom)
		rp_buf_put(b, be ? "\xfe\xff" : "\xff\xfe", 2);
	/* a character outside the BMP first: a surrogate pair */
	rp_buf_put(b, be ? "\xd8\x3d\xde\x00" : "\x3d\xd8\x00\xde", 4);
	for (const char *p = ascii; *p; p++) {
		uint8_t u[2] = {0, (uint8_t)*p};
		if (!be) {
			u[0] = (uint8_t)*p;
			u[1] = 0;
		}
		rp_buf_put(b, u, 2);
	}
}

static void test_utf16(void **state)
{
	(void)state;
	static const char T[] = "Contact : jean.dupont@example.fr, NIR 1 85 05 78 006 084 91, "
				"portable 06 12 34 56 78.\r\n";
	rp_buf b = {0};
	for (int be = 0; be < 2; be++) {
		for (int bom = 0; bom < 2; bom++) {
			utf16(&b, T, be, bom);
			size_t pieces[] = {0, 1, 3, 7};
			for (size_t p = 0; p < 4; p++) {
				rp_pii_counts c = scan_buf("export.txt", &b, pieces[p]);
				assert_int_equal(c.charset, be ? RP_PII_CS_UTF16BE : RP_PII_CS_UTF16LE);
				assert_int_equal(c.n[RP_PII_EMAIL], 1);
				assert_int_equal(c.n[RP_PII_NIR], 1);
				assert_int_equal(c.n[RP_PII_PHONE], 1);
			}
		}
	}
	rp_buf_free(&b);
}

/* ---- tables ---- */

static void test_csv_context(void **state)
{
	(void)state;
	/* the NIR column is named: bare 15-digit NIRs count; the same numbers
	 * under "Code" in another file do not, unless the row's birth date
	 * matches them */
	static const char NAMED[] =
		"Nom;NIR;Date de naissance;Date d'entr\xc3\xa9" "e;T\xc3\xa9l\xc3\xa9phone\r\n"
		"Dupont;185057800608491;12/05/1985;01/09/2010;0612345678\r\n"
		"\"Martin; Marie\";\"285052A00608482\";03/05/1985;02/09/2011;\"06 12 34\n56 78\"\r\n";
	rp_pii_counts c = pii_scan_str("agents.csv", NAMED);
	assert_int_equal(c.format, RP_PII_FMT_CSV);
	assert_int_equal(c.n[RP_PII_NIR], 2);
	assert_int_equal(c.n[RP_PII_BIRTHDATE], 2); /* not the hiring dates */
	assert_int_equal(c.n[RP_PII_PHONE], 1);     /* a line break is no separator */
	assert_true(c.columns_n >= 2);
	assert_int_equal(c.columns[0].index, 1);
	assert_string_equal(c.columns[0].name, "NIR");
	assert_int_equal(c.columns[0].n[RP_PII_NIR], 2);
	assert_int_equal(c.columns[1].index, 2);
	assert_string_equal(c.columns[1].name, "Date de naissance");

	static const char UNNAMED[] = "Article,Code,Prix\n"
				      "Stylos,185057800608491,\"1,50\"\n"
				      "Cahiers,285052A00608482,\"2,10\"\n";
	c = pii_scan_str("stock.csv", UNNAMED);
	assert_int_equal(c.n[RP_PII_NIR], 0);
	assert_int_equal(c.columns_n, 0);
	/* the same without a header, but with birth dates that agree */
	static const char CONSISTENT[] = "Dupont\t185057800608491\t12/05/1985\n"
					 "Durand\t185057800608491\t12/06/1985\n";
	c = pii_scan_str("liste.tsv", CONSISTENT);
	assert_int_equal(c.n[RP_PII_NIR], 1);
	assert_int_equal(c.n[RP_PII_BIRTHDATE], 0);
	/* or a keyword in the row */
	c = pii_scan_str("liste.csv", "Dupont,n\xc2\xb0 s\xc3\xa9" "cu,185057800608491\n");
	assert_int_equal(c.n[RP_PII_NIR], 1);
	/* spaced NIRs need no context */
	c = pii_scan_str("stock.csv", "a;b\nx;1 85 05 78 006 084 91\n");
	assert_int_equal(c.n[RP_PII_NIR], 1);
	/* bare card numbers count under a card header only */
	c = pii_scan_str("p.csv", "Nom;Carte bancaire;R\xc3\xa9" "f\n"
				   "Dupont;4970101234567893;4970101234567893\n");
	assert_int_equal(c.n[RP_PII_CARD], 1);
}

static void test_csv_pieces(void **state)
{
	(void)state;
	static const char T[] = "Nom;NIR;Courriel;Adresse;CP;Ville\r\n"
				"Dupont;185057800608491;jean@example.fr;12 rue de la Paix;44480;Donges\r\n"
				"\"Du\"\"rand\";\"285052A00608482\";\"marie@example.fr\";\"3 place de l'\xc3\x89glise\";"
				"44600;Saint-Nazaire\r\n";
	rp_pii_counts whole = pii_scan("a.csv", T, sizeof T - 1, 0);
	assert_int_equal(whole.n[RP_PII_NIR], 2);
	assert_int_equal(whole.n[RP_PII_EMAIL], 2);
	assert_int_equal(whole.n[RP_PII_ADDRESS], 2);
	for (size_t piece = 1; piece < 20; piece++) {
		rp_pii_counts c = pii_scan("a.csv", T, sizeof T - 1, piece);
		assert_memory_equal(c.n, whole.n, sizeof c.n);
	}
}

/* ---- markup ---- */

static void test_html(void **state)
{
	(void)state;
	static const char T[] =
		"<!DOCTYPE html><html><head><title>x</title><style>p{width:0612345678px}</style>"
		"<script>var t='06 11 22 33 44';</script></head><body>"
		"<p>N&eacute;e le 12/03/1985 &agrave; Nantes</p>"
		"<p>T&#233;l. <b>06</b>&nbsp;12&#x20;34 <span>56</span> 78</p>"
		"<a href=\"mailto:cache@example.fr\">jean.dupont&#64;example.fr</a>"
		"<!-- 01 23 45 67 89 -->"
		"<table><tr><td>1 85 05 78 006 084 91</td><td>01 23 45 67 89</td></tr></table>"
		"<p>R&D &amp co; &unknown; a < b</p></body></html>";
	for (size_t piece = 0; piece < 12; piece += 5) {
		rp_pii_counts c = pii_scan("page.html", T, sizeof T - 1, piece);
		assert_int_equal(c.format, RP_PII_FMT_HTML);
		assert_int_equal(c.n[RP_PII_BIRTHDATE], 1);
		assert_int_equal(c.n[RP_PII_PHONE], 2);
		assert_int_equal(c.n[RP_PII_EMAIL], 1);
		assert_int_equal(c.n[RP_PII_NIR], 1);
	}
}

static void test_xml_json(void **state)
{
	(void)state;
	static const char X[] = "<?xml version=\"1.0\"?><agents><agent><tel>0612345678</tel>"
				"<tel>0612345679</tel><mail><![CDATA[a]]b@example.fr]]></mail>"
				"<?pi 01 23 45 67 89?></agent></agents>";
	rp_pii_counts c = pii_scan("export.xml", X, sizeof X - 1, 3);
	assert_int_equal(c.format, RP_PII_FMT_XML);
	assert_int_equal(c.n[RP_PII_PHONE], 2);
	assert_int_equal(c.n[RP_PII_EMAIL], 1);
	/* JSON escapes: \u00e9 is é and \n is a line break */
	static const char J[] = "{\"note\":\"n\\u00e9 le 12/03/1985\\n0612345678\",\"mail\":\"x@example.fr\"}";
	c = pii_scan("api.json", J, sizeof J - 1, 2);
	assert_int_equal(c.format, RP_PII_FMT_JSON);
	assert_int_equal(c.n[RP_PII_BIRTHDATE], 1);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	assert_int_equal(c.n[RP_PII_EMAIL], 1);
}

/* ---- mail ---- */

static void docx_zip(rp_buf *out, const char *body_xml)
{
	zip_part parts[] = {
		{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>", 0},
		{"word/document.xml", body_xml, 0},
	};
	zip_build(out, parts, 2);
}

static void test_mail(void **state)
{
	(void)state;
	rp_buf docx = {0}, b64 = {0}, csv64 = {0}, m = {0};
	docx_zip(&docx, "<w:document><w:body><w:p><w:r><w:t>IBAN FR76 3000 6000 0112 3456 7890 189"
			"</w:t></w:r></w:p></w:body></w:document>");
	b64_encode(&b64, docx.data, docx.len);
	static const char CSV[] = "Nom;NIR\nDupont;185057800608491\n";
	b64_encode(&csv64, (const uint8_t *)CSV, sizeof CSV - 1);
	rp_buf_cstr(&b64);
	rp_buf_cstr(&csv64);
	rp_buf_putf(&m,
		    "Return-Path: <bounce@example.net>\r\n"
		    "Received: from mx (mx [192.0.2.1]) by mail for <hidden@example.net>;\r\n"
		    "Message-ID: <123.456@mail.example.fr>\r\n"
		    "From: Jean Dupont <jean.dupont@example.fr>\r\n"
		    "To: Marie <marie@example.fr>,\r\n\tPaul <paul@example.fr>\r\n"
		    "Subject: dossier\r\nMIME-Version: 1.0\r\n"
		    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
		    "preamble 01 23 45 67 89\r\n"
		    "--outer\r\nContent-Type: multipart/alternative; boundary=inner\r\n\r\n"
		    "--inner\r\nContent-Type: text/plain; charset=utf-8\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "N=C3=A9e le 12/03/1985, t=C3=A9l. 06 12 3=\r\n4 56 78\r\n"
		    "--inner\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "<p>n=E9e le 12/03/1985</p>\r\n"
		    "--inner--\r\n"
		    "--outer\r\nContent-Type: application/vnd.openxmlformats-officedocument."
		    "wordprocessingml.document; name=\"iban.docx\"\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s"
		    "--outer\r\nContent-Type: application/octet-stream\r\n"
		    "Content-Disposition: attachment; filename*=UTF-8''liste.csv\r\n"
		    "Content-Transfer-Encoding: base64\r\n\r\n%s"
		    "--outer\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		    "MDEgMjMgNDUgNjcgODk=\r\n"
		    "--outer\r\nContent-Type: message/rfc822\r\n\r\n"
		    "From: inner@example.fr\r\nSubject: fwd\r\n\r\nRIB FR76 3000 6000 0112 3456 7890 189\r\n"
		    "--outer--\r\nepilogue 01 23 45 67 89\r\n",
		    (const char *)b64.data, (const char *)csv64.data);
	size_t pieces[] = {0, 1, 13, 100};
	for (size_t p = 0; p < 4; p++) {
		rp_pii_counts c = scan_buf("message.eml", &m, pieces[p]);
		assert_int_equal(c.format, RP_PII_FMT_MAIL);
		/* From, two To, the inner From; not Return-Path, Received, Message-ID */
		assert_int_equal(c.n[RP_PII_EMAIL], 4);
		assert_int_equal(c.n[RP_PII_PHONE], 1);
		assert_int_equal(c.n[RP_PII_BIRTHDATE], 2);
		assert_int_equal(c.n[RP_PII_IBAN], 2);
		assert_int_equal(c.n[RP_PII_NIR], 1);
	}
	/* the same message found by its headers, without the extension */
	rp_pii_counts c = scan_buf("INBOX-1", &m, 0);
	assert_int_equal(c.format, RP_PII_FMT_MAIL);
	rp_buf_free(&docx);
	rp_buf_free(&b64);
	rp_buf_free(&csv64);
	rp_buf_free(&m);
}

static void test_mbox(void **state)
{
	(void)state;
	static const char T[] = "From jean@example.fr Mon Mar  4 10:12:01 2024\n"
				"From: a@example.fr\nSubject: un\n\ncorps 01 23 45 67 89\n"
				"From the start of a body line: not a new message\n\n"
				"From marie@example.fr Mon Mar  4 10:13:01 2024\n"
				"From: b@example.fr\nContent-Type: text/plain\n"
				"Content-Transfer-Encoding: base64\n\nMDYgMTIgMzQgNTYgNzg=\n";
	rp_pii_counts c = pii_scan("Inbox", T, sizeof T - 1, 5);
	assert_int_equal(c.format, RP_PII_FMT_MAIL);
	assert_int_equal(c.n[RP_PII_EMAIL], 2);
	assert_int_equal(c.n[RP_PII_PHONE], 2);
}

/* ---- office ---- */

static void test_docx(void **state)
{
	(void)state;
	rp_buf z = {0};
	zip_part parts[] = {
		{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>", 0},
		{"word/document.xml",
		 "<?xml version=\"1.0\"?><w:document xmlns:w=\"w\"><w:body>"
		 /* a phone number split over runs by the spelling checker */
		 "<w:p><w:r><w:t>T\xc3\xa9l. 06 1</w:t></w:r><w:proofErr w:type=\"spellStart\"/>"
		 "<w:r><w:rPr><w:b/></w:rPr><w:t>2 34 56</w:t></w:r><w:r><w:t xml:space=\"preserve\"> 78</w:t></w:r></w:p>"
		 /* two paragraphs do not make one number */
		 "<w:p><w:r><w:t>01 23</w:t></w:r></w:p><w:p><w:r><w:t>45 67 89</w:t></w:r></w:p>"
		 "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>NIR</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r>"
		 "<w:t>1 85 05 78 006 084 91</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"
		 "</w:body></w:document>", 0},
		{"word/footer1.xml", "<w:ftr><w:p><w:r><w:t>mairie@example.fr</w:t></w:r></w:p></w:ftr>", 0},
		{"word/styles.xml", "<w:styles>06 12 34 56 78</w:styles>", 0},
	};
	zip_build(&z, parts, 4);
	rp_pii_counts c = scan_buf("lettre.docx", &z, 0);
	assert_int_equal(c.format, RP_PII_FMT_DOCX);
	assert_int_equal(c.scanned, 1);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	assert_int_equal(c.n[RP_PII_NIR], 1);
	assert_int_equal(c.n[RP_PII_EMAIL], 1);
	/* found by content under another name, and fed in pieces */
	c = scan_buf("lettre", &z, 333);
	assert_int_equal(c.format, RP_PII_FMT_DOCX);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	rp_buf_free(&z);
}

static void test_xlsx(void **state)
{
	(void)state;
	rp_buf z = {0};
	zip_part parts[] = {
		{"[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>", 0},
		{"xl/workbook.xml", "<workbook/>", 0},
		/* worksheets come before the shared strings, as Excel writes them */
		{"xl/worksheets/sheet1.xml",
		 "<worksheet><sheetData>"
		 "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
		 "<c r=\"D1\" t=\"s\"><v>2</v></c></row>"
		 "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>3</v></c><c r=\"B2\"><v>185057800608491</v></c>"
		 "<c r=\"D2\" t=\"inlineStr\"><is><t>06 12 34 56 78</t></is></c></row>"
		 "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>4</v></c><c r=\"B3\" t=\"s\"><v>5</v></c>"
		 "<c r=\"D3\" t=\"s\"><v>6</v></c></row>"
		 "</sheetData></worksheet>", 0},
		{"xl/worksheets/sheet2.xml",
		 "<worksheet><sheetData><row><c><v>185057800608491</v></c></row></sheetData></worksheet>", 0},
		{"xl/sharedStrings.xml",
		 "<sst><si><t>Nom</t></si><si><t>N\xc2\xb0 s\xc3\xa9" "cu</t></si><si><t>T\xc3\xa9l\xc3\xa9phone</t></si>"
		 "<si><t>Dupont</t></si><si><r><t>Dur</t></r><r><t>and</t></r><rPh><t>06 00 00 00 01</t></rPh></si>"
		 "<si><t>285052A00608482</t></si><si><t>marie@example.fr</t></si></sst>", 0},
	};
	zip_build(&z, parts, 5);
	rp_pii_counts c = scan_buf("agents.xlsx", &z, 0);
	assert_int_equal(c.format, RP_PII_FMT_XLSX);
	assert_int_equal(c.n[RP_PII_NIR], 2);  /* sheet 2 has no header and no context */
	assert_int_equal(c.n[RP_PII_PHONE], 1); /* not the phonetic run */
	assert_int_equal(c.n[RP_PII_EMAIL], 1);
	int found = 0;
	for (uint32_t i = 0; i < c.columns_n; i++) {
		if (c.columns[i].index == 1) {
			assert_string_equal(c.columns[i].name, "N\xc2\xb0 s\xc3\xa9" "cu");
			assert_int_equal(c.columns[i].n[RP_PII_NIR], 2);
			found = 1;
		}
	}
	assert_true(found);
	rp_buf_free(&z);
}

static void test_pptx_odt_ods(void **state)
{
	(void)state;
	rp_buf z = {0};
	zip_part pptx[] = {
		{"[Content_Types].xml", "<Types/>", 0},
		{"ppt/presentation.xml", "<p:presentation/>", 0},
		{"ppt/slides/slide1.xml", "<p:sld><a:p><a:r><a:t>Contact 06 12</a:t></a:r><a:r><a:t> 34 56 78"
					  "</a:t></a:r></a:p></p:sld>", 0},
		{"ppt/notesSlides/notesSlide1.xml", "<p:notes><a:p><a:r><a:t>x@example.fr</a:t></a:r></a:p></p:notes>", 0},
	};
	zip_build(&z, pptx, 4);
	rp_pii_counts c = scan_buf("diapos.pptx", &z, 0);
	assert_int_equal(c.format, RP_PII_FMT_PPTX);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	assert_int_equal(c.n[RP_PII_EMAIL], 1);

	zip_part odt[] = {
		{"mimetype", "application/vnd.oasis.opendocument.text", 1},
		{"content.xml", "<office:document-content><office:body><office:text>"
				"<text:p>NIR<text:s/>1 85 05 78 006<text:s text:c=\"2\"/>084 91</text:p>"
				"<text:p><text:span>n\xc3\xa9 le</text:span> 12/03/1985</text:p>"
				"</office:text></office:body></office:document-content>", 0},
	};
	zip_build(&z, odt, 2);
	c = scan_buf("cr.odt", &z, 0);
	assert_int_equal(c.format, RP_PII_FMT_ODT);
	assert_int_equal(c.n[RP_PII_NIR], 1);
	assert_int_equal(c.n[RP_PII_BIRTHDATE], 1);

	zip_part ods[] = {
		{"mimetype", "application/vnd.oasis.opendocument.spreadsheet", 1},
		{"content.xml",
		 "<office:document-content><office:body><office:spreadsheet><table:table table:name=\"A\">"
		 "<table:table-row><table:table-cell><text:p>Nom</text:p></table:table-cell>"
		 "<table:table-cell table:number-columns-repeated=\"2\"/>"
		 "<table:table-cell><text:p>NIR</text:p></table:table-cell></table:table-row>"
		 "<table:table-row><table:table-cell><text:p>Dupont</text:p></table:table-cell>"
		 "<table:table-cell table:number-columns-repeated=\"2\"/>"
		 "<table:table-cell office:value-type=\"float\" office:value=\"185057800608491\">"
		 "<text:p>1,85057800608491E+014</text:p></table:table-cell>"
		 "<table:table-cell table:number-columns-repeated=\"16000\"/></table:table-row>"
		 "</table:table></office:spreadsheet></office:body></office:document-content>", 0},
	};
	zip_build(&z, ods, 2);
	c = scan_buf("liste.ods", &z, 0);
	assert_int_equal(c.format, RP_PII_FMT_ODS);
	assert_int_equal(c.n[RP_PII_NIR], 1);
	assert_int_equal(c.columns_n, 1);
	assert_int_equal(c.columns[0].index, 3);
	assert_string_equal(c.columns[0].name, "NIR");
	rp_buf_free(&z);
}

static void test_office_not_scanned(void **state)
{
	(void)state;
	rp_buf z = {0};
	/* an office zip with no text part (a scan pasted as an image) */
	zip_part img[] = {
		{"[Content_Types].xml", "<Types/>", 0},
		{"word/document.xml", "<w:document/>", 0},
	};
	zip_build(&z, img, 2);
	rp_pii_counts c = scan_buf("scan.docx", &z, 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_NO_TEXT);
	/* a zip that is not an office file */
	zip_part other[] = {{"notes.txt", "06 12 34 56 78", 0}};
	zip_build(&z, other, 1);
	c = scan_buf("archive.zip", &z, 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_BINARY);
	/* damaged */
	static const char BAD[] = "PK\x03\x04garbage that is no zip at all";
	c = pii_scan("broken.docx", BAD, sizeof BAD - 1, 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_CORRUPT);
	/* too big: decided from the announced size, nothing buffered */
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	const char *name = "enorme.xlsx";
	assert_int_equal(rp_pii_file_begin(s, (const uint8_t *)name, strlen(name),
					   (uint64_t)RP_PII_CONTAINER_MAX_BYTES + 1, &e), 0);
	uint8_t *block = calloc(1, 1 << 20);
	assert_non_null(block);
	memcpy(block, "PK\x03\x04", 4);
	for (size_t i = 0; i < (RP_PII_CONTAINER_MAX_BYTES >> 20) + 1; i++)
		assert_int_equal(rp_pii_file_update(s, block, 1 << 20, &e), 0);
	assert_int_equal(rp_pii_file_end(s, &c, &e), 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_TOO_BIG);
	assert_int_equal(c.bytes, (uint64_t)((RP_PII_CONTAINER_MAX_BYTES >> 20) + 1) << 20);
	free(block);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
	rp_buf_free(&z);
}

/* ---- PDF ---- */

static void test_pdf(void **state)
{
	(void)state;
	rp_buf p = {0};
	pdf_build(&p,
		  "BT /F1 10 Tf 50 780 Td (N\\351e le 12/03/1985) Tj T*\n"
		  "[(T\\351l. 06 12) -20 ( 34 56 78)] TJ\n"
		  "0 -14 Td <6a65616e406578616d706c652e6672> Tj\n"
		  "(NIR 1 85 05 78 006 084 91 \\(assur\\351\\)) ' % 01 23 45 67 89 in a comment\n"
		  "/Span << /ActualText (09 87 65 43 21) >> BDC EMC ET\n", 1);
	size_t pieces[] = {0, 1, 17, 4096};
	for (size_t i = 0; i < 4; i++) {
		rp_pii_counts c = scan_buf("arrete.pdf", &p, pieces[i]);
		assert_int_equal(c.format, RP_PII_FMT_PDF);
		assert_int_equal(c.scanned, 1);
		assert_int_equal(c.n[RP_PII_BIRTHDATE], 1);
		assert_int_equal(c.n[RP_PII_PHONE], 1);
		assert_int_equal(c.n[RP_PII_EMAIL], 1);
		assert_int_equal(c.n[RP_PII_NIR], 1);
	}
	/* images only: nothing to read */
	pdf_build(&p, "", 0);
	rp_pii_counts c = scan_buf("scan.pdf", &p, 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_NO_TEXT);
	assert_int_equal(pii_total(&c), 0);
	rp_buf_free(&p);
}

/* ---- binaries ---- */

static void test_binary(void **state)
{
	(void)state;
	static const char PNG[] = "\x89PNG\r\n\x1a\n 06 12 34 56 78";
	rp_pii_counts c = pii_scan("photo.png", PNG, sizeof PNG - 1, 0);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.skip_reason, RP_PII_SKIP_BINARY);
	assert_int_equal(c.bytes, sizeof PNG - 1);
	assert_int_equal(pii_total(&c), 0);
	/* no magic, but NUL bytes; renamed to .txt does not make it text */
	uint8_t bin[8192];
	for (size_t i = 0; i < sizeof bin; i++)
		bin[i] = (uint8_t)(i * 37 + (i >> 8));
	c = pii_scan("data.txt", bin, sizeof bin, 1000);
	assert_int_equal(c.scanned, 0);
	assert_int_equal(c.format, RP_PII_FMT_BINARY);
	/* old binary Office documents are not read */
	static const char OLE[] = "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 06 12 34 56 78";
	c = pii_scan("vieux.doc", OLE, sizeof OLE - 1, 0);
	assert_int_equal(c.scanned, 0);
}

/* Texts that only look like another format stay text. */
static void test_sniff_text(void **state)
{
	(void)state;
	rp_pii_counts c = pii_scan_str("note", "From now on, call 06 12 34 56 78.\nThanks\n");
	assert_int_equal(c.format, RP_PII_FMT_TEXT);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	c = pii_scan_str("note", "See the %PDF-1.4 header. Call 06 12 34 56 78\n");
	assert_int_equal(c.format, RP_PII_FMT_TEXT);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	c = pii_scan_str("notes.csv", "");
	assert_int_equal(c.scanned, 1);
	/* and a PDF after binary junk is a PDF */
	rp_buf p = {0};
	rp_buf_put(&p, "\x01\x02junk", 6);
	rp_buf pdf = {0};
	pdf_build(&pdf, "BT (06 12 34 56 78) Tj ET", 1);
	rp_buf_put(&p, pdf.data, pdf.len);
	c = scan_buf("doc", &p, 0);
	assert_int_equal(c.format, RP_PII_FMT_PDF);
	assert_int_equal(c.n[RP_PII_PHONE], 1);
	rp_buf_free(&p);
	rp_buf_free(&pdf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latin1),
		cmocka_unit_test(test_utf16),
		cmocka_unit_test(test_csv_context),
		cmocka_unit_test(test_csv_pieces),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_xml_json),
		cmocka_unit_test(test_mail),
		cmocka_unit_test(test_mbox),
		cmocka_unit_test(test_docx),
		cmocka_unit_test(test_xlsx),
		cmocka_unit_test(test_pptx_odt_ods),
		cmocka_unit_test(test_office_not_scanned),
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_binary),
		cmocka_unit_test(test_sniff_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
