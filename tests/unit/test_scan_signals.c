/* test_scan_signals.c - per-file detection signals: window classes, file
 * types, sampling, and the per-file judgement rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_testlib.h"

/* ---- window classes ---- */

static void test_text_is_text(void **state)
{
	(void)state;
	uint8_t *p = tl_text_new(1, 20000);
	rp_scan_rec r = tl_rec(p, 20000);
	assert_int_equal(r.type, RP_FT_TEXT);
	assert_int_equal(r.first_class, RP_WIN_TEXT);
	assert_int_equal(r.noise, 0);
	assert_int_equal(r.text, r.windows);
	assert_int_equal(r.windows, (20000 + 511) / 512);
	assert_int_equal(r.control_x255, 0);
	assert_true(r.entropy_x4096 < 5 * 4096);
	assert_int_equal(r.top[0], ' ');
	assert_false(r.flags & RP_REC_SAMPLED);
	free(p);
}

static void test_random_is_noise(void **state)
{
	(void)state;
	uint8_t *p = tl_random_new(2, 30000);
	rp_scan_rec r = tl_rec(p, 30000);
	assert_int_equal(r.type, RP_FT_UNKNOWN);
	assert_int_equal(r.first_class, RP_WIN_NOISE);
	assert_int_equal(r.tail_class, RP_WIN_NOISE);
	assert_int_equal(r.noise, r.windows);
	assert_true(rp_scan_rec_is_noise(&r));
	assert_true(r.entropy_x4096 > (uint16_t)(7.95 * 4096));
	assert_true(r.chi2 < 400);
	free(p);
}

/* Boundary: below 32 bytes no window is judged; from 32 on the chi-square
 * test separates random bytes from text. */
static void test_small_files(void **state)
{
	(void)state;
	uint8_t *p = tl_random_new(3, 64);
	rp_scan_rec r = tl_rec(p, 31);
	assert_int_equal(r.windows, 0);
	assert_int_equal(r.type, RP_FT_UNKNOWN);
	for (uint64_t seed = 10; seed < 60; seed++) {
		uint8_t *q = tl_random_new(seed, 40);
		r = tl_rec(q, 40);
		assert_int_equal(r.windows, 1);
		assert_int_equal(r.first_class, RP_WIN_NOISE);
		free(q);
	}
	uint8_t t[] = "Séance du conseil municipal: le maire ouvre la séance.";
	r = tl_rec(t, sizeof t - 1);
	assert_int_equal(r.windows, 1);
	assert_int_equal(r.type, RP_FT_TEXT);
	r = tl_rec((const uint8_t *)"", 0);
	assert_int_equal(r.type, RP_FT_EMPTY);
	assert_int_equal(r.size, 0);
	free(p);
}

static void test_pieces_do_not_matter(void **state)
{
	(void)state;
	size_t n = 300000;
	uint8_t *p = tl_text_new(4, n);
	tl_random(&(tl_rng){5}, p + 100000, 70000);
	uint8_t a[RP_SCAN_RECORD_MAX_BYTES], b[RP_SCAN_RECORD_MAX_BYTES], c[RP_SCAN_RECORD_MAX_BYTES];
	size_t la = tl_scan(p, n, 0, a), lb = tl_scan(p, n, 1, b), lc = tl_scan(p, n, 4093, c);
	assert_int_equal(la, lb);
	assert_int_equal(la, lc);
	assert_memory_equal(a, b, la);
	assert_memory_equal(a, c, la);
	free(p);
}

static void test_encoded_noise(void **state)
{
	(void)state;
	uint8_t *raw = tl_random_new(6, 9000);
	size_t n;
	uint8_t *b64 = tl_base64(raw, 9000, &n);
	rp_scan_rec r = tl_rec(b64, n);
	assert_int_equal(r.type, RP_FT_TEXT);
	assert_int_equal(r.first_class, RP_WIN_ENCODED);
	assert_true(r.encoded * 10 >= r.windows * 9);
	assert_int_equal(r.noise, 0);
	/* hex of random bytes: 16 symbols, also encoded */
	uint8_t *hex = malloc(8001);
	for (size_t i = 0; i < 4000; i++)
		sprintf((char *)hex + 2 * i, "%02x", raw[i]);
	r = tl_rec(hex, 8000);
	assert_int_equal(r.first_class, RP_WIN_ENCODED);
	/* numeric CSV: digits and separators, not encoded noise */
	char *csv = malloc(20000);
	size_t k = 0;
	tl_rng g = {7};
	while (k < 19900)
		k += (size_t)sprintf(csv + k, "2023-%02u-%02u;F%06u;%u.%02u;%u\n", (unsigned)(tl_next(&g) % 12 + 1),
				     (unsigned)(tl_next(&g) % 28 + 1), (unsigned)(tl_next(&g) % 999999),
				     (unsigned)(tl_next(&g) % 99999), (unsigned)(tl_next(&g) % 100),
				     (unsigned)(tl_next(&g) % 99));
	r = tl_rec((const uint8_t *)csv, k);
	assert_int_equal(r.encoded, 0);
	assert_int_equal(r.text, r.windows);
	free(csv);
	free(hex);
	free(b64);
	free(raw);
}

static void test_text_encodings(void **state)
{
	(void)state;
	/* CJK UTF-8: mostly high bytes, still text */
	const char *cjk = "日本語のファイルです。会議の議事録を保存しました。";
	uint8_t buf[2048];
	size_t n = 0;
	while (n + strlen(cjk) < sizeof buf)
		memcpy(buf + n, cjk, strlen(cjk)), n += strlen(cjk);
	rp_scan_rec r = tl_rec(buf, n);
	assert_int_equal(r.type, RP_FT_TEXT);
	/* latin-1 French: a few lone high bytes */
	uint8_t *lat = tl_text_new(8, 3000);
	for (size_t i = 0; i + 1 < 3000; i++)
		if (lat[i] == 0xc3)
			lat[i] = 'e', lat[i + 1] = 0xe9;
	r = tl_rec(lat, 3000);
	assert_int_equal(r.type, RP_FT_TEXT);
	/* the same text with bit 7 flipped: high bytes that are not UTF-8 */
	for (size_t i = 0; i < 3000; i++)
		lat[i] ^= 0x80;
	r = tl_rec(lat, 3000);
	assert_int_not_equal(r.type, RP_FT_TEXT);
	assert_int_equal(r.text, 0);
	/* UTF-16LE with a byte-order mark */
	uint8_t u16[1000];
	u16[0] = 0xff, u16[1] = 0xfe;
	for (size_t i = 2; i < sizeof u16; i += 2)
		u16[i] = (uint8_t)("Registre des actes "[(i / 2) % 19]), u16[i + 1] = 0;
	r = tl_rec(u16, sizeof u16);
	assert_int_equal(r.type, RP_FT_TEXT_UTF16);
	free(lat);
}

/* ---- file types ---- */

typedef struct magic_case {
	const char *head;
	size_t len;
	int type;
} magic_case;

static void test_magic_types(void **state)
{
	(void)state;
	static const magic_case cases[] = {
		{"%PDF-1.7\n", 9, RP_FT_PDF},
		{"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", 14, RP_FT_ZIP},
		{"PK\x03\x04\x14\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x13\x00"
		 "\x00\x00[Content_Types].xml", 49, RP_FT_OOXML},
		{"PK\x03\x04\x14\x00\x00\x08\x00\x00mimetypeapplication/vnd.oasis.opendocument.text", 56, RP_FT_ODF},
		{"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, RP_FT_OLE},
		{"\xff\xd8\xff\xe0\x00\x10JFIF", 10, RP_FT_JPEG},
		{"\x89PNG\r\n\x1a\n", 8, RP_FT_PNG},
		{"GIF89a", 6, RP_FT_GIF},
		{"II*\0", 4, RP_FT_TIFF},
		{"SQLite format 3\0", 16, RP_FT_SQLITE},
		{"\x1f\x8b\x08\x00", 4, RP_FT_GZIP},
		{"\xfd" "7zXZ\0", 6, RP_FT_XZ},
		{"\x28\xb5\x2f\xfd", 4, RP_FT_ZSTD},
		{"BZh91AY&SY", 10, RP_FT_BZIP2},
		{"7z\xbc\xaf\x27\x1c", 6, RP_FT_7Z},
		{"Rar!\x1a\x07\x01", 7, RP_FT_RAR},
		{"\x7f" "ELF\x02\x01", 6, RP_FT_ELF},
		{"\x00\x00\x00\x20" "ftypisom", 12, RP_FT_MP4},
		{"QFI\xfb\x00\x00\x00\x03", 8, RP_FT_VDISK},
		{"age-encryption.org/v1\n", 22, RP_FT_AGE},
		{"-----BEGIN PGP MESSAGE-----\n", 28, RP_FT_OPENPGP},
		{"\x8c\x0d\x04\x09\x03\x02\x41\x00\x57\x1a\xcd\xcb\xb1\xd0\xff\xd2", 16, RP_FT_OPENPGP},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t flags;
		int t = rp_scan_magic((const uint8_t *)cases[i].head, cases[i].len, NULL, 0, 100000, &flags);
		if (t != cases[i].type)
			fail_msg("case %zu: type %d, want %d", i, t, cases[i].type);
	}
	/* gpg -e to an RSA key: the session key MPI fills the packet exactly */
	uint8_t pk[300] = {0x85, 0x01, 0x0c, 3, 1, 2, 3, 4, 5, 6, 7, 8, 1, 0x08, 0x00};
	tl_random(&(tl_rng){14}, pk + 15, sizeof pk - 15);
	uint8_t pflags;
	assert_int_equal(rp_scan_magic(pk, sizeof pk, NULL, 0, 1000, &pflags), RP_FT_OPENPGP);
	assert_true(pflags & RP_REC_ENCRYPTED);
	pk[13] = 0x07; /* 1792 bits: does not fill the 268-byte body */
	assert_int_equal(rp_scan_magic(pk, sizeof pk, NULL, 0, 1000, &pflags), RP_FT_UNKNOWN);
	/* a 7z signature header whose next header is empty, with no tail kept
	 * (a fuzzer's find: the tail pointer was offset while NULL) */
	uint8_t sz[32] = {'7', 'z', 0xbc, 0xaf, 0x27, 0x1c, 0, 4};
	uint8_t zflags;
	assert_int_equal(rp_scan_magic(sz, sizeof sz, NULL, 0, sizeof sz, &zflags), RP_FT_7Z);
	assert_false(zflags & RP_REC_ENCRYPTED);
	/* PE needs "PE\0\0" where the DOS header points */
	uint8_t pe[256] = {'M', 'Z'};
	pe[0x3c] = 0x80;
	uint8_t flags;
	assert_int_equal(rp_scan_magic(pe, sizeof pe, NULL, 0, 1000, &flags), RP_FT_UNKNOWN);
	memcpy(pe + 0x80, "PE\0\0", 4);
	assert_int_equal(rp_scan_magic(pe, sizeof pe, NULL, 0, 1000, &flags), RP_FT_PE);
	/* BMP needs its size field */
	uint8_t bmp[64] = {'B', 'M', 64, 0, 0, 0};
	assert_int_equal(rp_scan_magic(bmp, sizeof bmp, NULL, 0, 64, &flags), RP_FT_BMP);
	assert_int_equal(rp_scan_magic(bmp, sizeof bmp, NULL, 0, 65, &flags), RP_FT_UNKNOWN);
}

/* Random data (what encryption produces) is practically never taken for a
 * structured type: a false match would hide an encrypted file. */
static void test_magic_rejects_random(void **state)
{
	(void)state;
	tl_rng r = {9};
	uint8_t head[512], tail[512];
	int matched = 0;
	for (int i = 0; i < 50000; i++) {
		tl_random(&r, head, sizeof head);
		tl_random(&r, tail, sizeof tail);
		uint8_t flags;
		if (rp_scan_magic(head, sizeof head, tail, sizeof tail, 1 << 20, &flags) != RP_FT_UNKNOWN)
			matched++;
	}
	assert_int_equal(matched, 0);
}

static void test_trailers_and_known_tools(void **state)
{
	(void)state;
	uint8_t flags;
	const char *pdf = "%PDF-1.4\n", *eof = "startxref\n123\n%%EOF\n";
	assert_int_equal(rp_scan_magic((const uint8_t *)pdf, 9, (const uint8_t *)eof, strlen(eof), 5000, &flags),
			 RP_FT_PDF);
	assert_true(flags & RP_REC_TRAILER_OK);
	assert_false(flags & RP_REC_ENCRYPTED);
	rp_scan_magic((const uint8_t *)pdf, 9, (const uint8_t *)"xxxx", 4, 5000, &flags);
	assert_false(flags & RP_REC_TRAILER_OK);
	const char *enc = "trailer << /Encrypt 5 0 R /Root 1 0 R >>\n%%EOF\n";
	rp_scan_magic((const uint8_t *)pdf, 9, (const uint8_t *)enc, strlen(enc), 5000, &flags);
	assert_true(flags & RP_REC_ENCRYPTED);
	/* zip: EOCD trailer; general-purpose bit 0 = encrypted entry */
	uint8_t zip[30] = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0};
	const uint8_t eocd[22] = {'P', 'K', 5, 6};
	rp_scan_magic(zip, sizeof zip, eocd, sizeof eocd, 5000, &flags);
	assert_true(flags & RP_REC_TRAILER_OK);
	assert_false(flags & RP_REC_ENCRYPTED);
	zip[6] = 9;
	rp_scan_magic(zip, sizeof zip, eocd, sizeof eocd, 5000, &flags);
	assert_true(flags & RP_REC_ENCRYPTED);
	/* gpg -c output is encrypted; a scanned file keeps the flag */
	uint8_t *gpg = tl_random_new(10, 4000);
	memcpy(gpg, "\x8c\x0d\x04\x09\x03\x02\x41\x00\x57\x1a\xcd\xcb\xb1\xd0\xff\xd2", 16);
	rp_scan_rec r = tl_rec(gpg, 4000);
	assert_int_equal(r.type, RP_FT_OPENPGP);
	assert_true(r.flags & RP_REC_ENCRYPTED);
	free(gpg);
}

/* ---- sampling ---- */

/* Striped encryption that leaves the head alone is still seen: windows are
 * sampled at jittered positions, so every phase of any period is hit. */
static void test_sampling_catches_stripes(void **state)
{
	(void)state;
	size_t n = 24u << 20;
	uint8_t *p = malloc(n);
	tl_text(&(tl_rng){11}, p, 1 << 16);
	for (size_t off = 1 << 16; off < n; off += 1 << 16)
		memcpy(p + off, p, 1 << 16);
	rp_scan_rec clean = tl_rec(p, n);
	assert_true(clean.flags & RP_REC_SAMPLED);
	assert_int_equal(clean.noise, 0);
	assert_true(clean.windows <= 128 + 448 + 1);
	/* 25% stripes of a 64 KiB period, starting after the first 1 MiB */
	tl_rng g = {12};
	for (size_t off = 1 << 20; off < n; off += 1 << 16)
		tl_random(&g, p + off + 8192, 1 << 14);
	rp_scan_rec striped = tl_rec(p, n);
	assert_int_equal(striped.first_class, RP_WIN_TEXT);
	assert_true(striped.noise * 100 >= striped.windows * 10);
	rp_scan_path path;
	rp_scan_path_split((const uint8_t *)"dump.sql", 8, &path);
	assert_int_equal(rp_scan_judge(&clean, &striped, &path, 300, 0), RP_J_TEXT_DAMAGED);
	free(p);
}

static void test_sparse_sampling_of_compressed_types(void **state)
{
	(void)state;
	size_t n = 8u << 20;
	uint8_t *p = tl_random_new(13, n);
	memcpy(p, "\xff\xd8\xff\xe0\x00\x10JFIF", 10);
	rp_scan_rec jpeg = tl_rec(p, n);
	assert_int_equal(jpeg.type, RP_FT_JPEG);
	assert_true(jpeg.windows <= 8 + 128 + 1);
	p[0] = 0;
	rp_scan_rec unknown = tl_rec(p, n);
	assert_true(unknown.windows > 128 + 8 + 1);
	free(p);
}

/* ---- judgements ---- */

static rp_scan_path P(const char *s)
{
	rp_scan_path p;
	rp_scan_path_split((const uint8_t *)s, strlen(s), &p);
	return p;
}

static void test_judge_text(void **state)
{
	(void)state;
	size_t n = 12000;
	uint8_t *t = tl_text_new(20, n);
	rp_scan_rec old = tl_rec(t, n);
	rp_scan_path path = P("Conseil/compte rendu.txt");
	/* an edit: a sentence inserted and some appended */
	uint8_t *e = malloc(n + 400);
	memcpy(e, t, 5000);
	tl_text(&(tl_rng){21}, e + 5000, 200);
	memcpy(e + 5200, t + 5000, n - 5000);
	tl_text(&(tl_rng){22}, e + n + 200, 200);
	rp_scan_rec edited = tl_rec(e, n + 400);
	assert_int_equal(rp_scan_judge(&old, &edited, &path, 1, 0), RP_J_NONE);
	/* whole file encrypted */
	uint8_t *x = tl_random_new(23, n + 512);
	rp_scan_rec enc = tl_rec(x, n + 512);
	assert_int_equal(rp_scan_judge(&old, &enc, &path, 1, 0), RP_J_TEXT_DAMAGED);
	/* only the first 4 KiB */
	memcpy(e, t, n);
	tl_random(&(tl_rng){24}, e, 4096);
	rp_scan_rec head = tl_rec(e, n);
	assert_int_equal(head.head_noise, 8);
	assert_int_equal(rp_scan_judge(&old, &head, &path, 1, 0), RP_J_TEXT_DAMAGED);
	/* XOR with a byte that keeps it printable: the byte profile moved */
	for (int key = 1; key < 256; key++) {
		for (size_t i = 0; i < n; i++)
			e[i] = t[i] ^ (uint8_t)key;
		rp_scan_rec flipped = tl_rec(e, n);
		int j = rp_scan_judge(&old, &flipped, &path, 1, 0);
		if (j != RP_J_TEXT_DAMAGED && j != RP_J_TRANSFORMED)
			fail_msg("xor key %d not detected (judgement %d)", key, j);
	}
	/* base64 of encrypted bytes */
	size_t bn;
	uint8_t *b64 = tl_base64(x, n, &bn);
	rp_scan_rec enc64 = tl_rec(b64, bn);
	assert_int_equal(rp_scan_judge(&old, &enc64, &path, 1, 0), RP_J_ENCODED);
	/* compressed in place by a tool: a known type, not damage */
	uint8_t gz[4096];
	memcpy(gz, "\x1f\x8b\x08\x00", 4);
	tl_random(&(tl_rng){25}, gz + 4, sizeof gz - 4);
	rp_scan_rec gzr = tl_rec(gz, sizeof gz);
	assert_int_equal(rp_scan_judge(&old, &gzr, &path, 1, 0), RP_J_NONE);
	free(b64);
	free(x);
	free(e);
	free(t);
}

static void test_judge_binary_types(void **state)
{
	(void)state;
	size_t n = 200000;
	uint8_t *pdf = tl_random_new(30, n);
	memcpy(pdf, "%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", 15);
	memcpy(pdf + n - 7, "\n%%EOF\n", 7);
	rp_scan_rec old = tl_rec(pdf, n);
	assert_int_equal(old.type, RP_FT_PDF);
	assert_true(old.flags & RP_REC_TRAILER_OK);
	rp_scan_path path = P("Factures/f.pdf");
	/* re-saved: new body, same structure */
	uint8_t *re = tl_random_new(31, n + 5000);
	memcpy(re, pdf, 15);
	memcpy(re + n + 5000 - 7, "\n%%EOF\n", 7);
	rp_scan_rec resaved = tl_rec(re, n + 5000);
	assert_int_equal(rp_scan_judge(&old, &resaved, &path, 4, 0), RP_J_NONE);
	/* header encrypted (stripes from offset 0, first 4 KiB, full) */
	tl_random(&(tl_rng){32}, re, 4096);
	rp_scan_rec lost = tl_rec(re, n + 5000);
	assert_int_equal(lost.type, RP_FT_UNKNOWN);
	assert_int_equal(rp_scan_judge(&old, &lost, &path, 4, 0), RP_J_TYPE_LOST);
	/* header kept, end encrypted with a footer */
	memcpy(re, pdf, 15);
	tl_random(&(tl_rng){33}, re + n + 5000 - 600, 600);
	rp_scan_rec tail = tl_rec(re, n + 5000);
	assert_int_equal(tail.type, RP_FT_PDF);
	assert_int_equal(rp_scan_judge(&old, &tail, &path, 4, 0), RP_J_TRAILER_LOST);
	assert_true(rp_scan_reason_is_candidate(RP_J_TRAILER_LOST));
	/* a structured binary (no magic) turned to noise */
	uint8_t *bin = malloc(n);
	for (size_t i = 0; i < n; i++)
		bin[i] = (uint8_t)(i % 64 < 40 ? 0 : i * 7);
	rp_scan_rec obin = tl_rec(bin, n);
	rp_scan_rec nbin = tl_rec(pdf + 100, n - 100);
	rp_scan_path bp = P("Informatique/data.bin");
	assert_int_equal(rp_scan_judge(&obin, &nbin, &bp, 4, 0), RP_J_BECAME_NOISE);
	/* noise rewritten with noise: a candidate only when no chunk is kept */
	rp_scan_rec n1 = tl_rec(pdf + 50, 10000), n2 = tl_rec(re + 50, 10000);
	rp_scan_path lp = P("x/Thumbs.db");
	assert_int_equal(rp_scan_judge(&n1, &n2, &lp, 1, 0), RP_J_NOISE_REWRITTEN);
	assert_int_equal(rp_scan_judge(&n1, &n2, &lp, 2, 1), RP_J_NONE);
	free(bin);
	free(re);
	free(pdf);
}

static void test_judge_new_files(void **state)
{
	(void)state;
	uint8_t *x = tl_random_new(40, 50000);
	rp_scan_rec noise = tl_rec(x, 50000);
	rp_scan_path p1 = P("a/Facture.pdf.locked"), p2 = P("a/Facture.locked"), p3 = P("a/Facture.pdf"),
		     p4 = P("a/archive.bin");
	assert_int_equal(rp_scan_judge(NULL, &noise, &p1, 1, 0), RP_J_NEW_NOISE_CLAIMED);
	assert_int_equal(rp_scan_judge(NULL, &noise, &p2, 1, 0), RP_J_NEW_NOISE);
	assert_int_equal(rp_scan_judge(NULL, &noise, &p3, 1, 0), RP_J_NEW_NOISE_CLAIMED);
	assert_int_equal(rp_scan_judge(NULL, &noise, &p4, 1, 0), RP_J_NEW_NOISE);
	memcpy(x, "%PDF-1.4\n", 9);
	rp_scan_rec pdf = tl_rec(x, 50000);
	assert_int_equal(rp_scan_judge(NULL, &pdf, &p3, 1, 0), RP_J_NONE);
	uint8_t *t = tl_text_new(41, 5000);
	rp_scan_rec text = tl_rec(t, 5000);
	assert_int_equal(rp_scan_judge(NULL, &text, &p3, 1, 0), RP_J_NONE);
	memcpy(x, "\x8c\x0d\x04\x09\x03\x02\x41\x00\x57\x1a\xcd\xcb\xb1\xd0\xff\xd2", 16);
	rp_scan_rec gpg = tl_rec(x, 50000);
	rp_scan_path pg = P("a/Facture.pdf.gpg");
	assert_int_equal(rp_scan_judge(NULL, &gpg, &pg, 1, 0), RP_J_KNOWN_TOOL);
	free(t);
	free(x);
}

static void test_path_split(void **state)
{
	(void)state;
	rp_scan_path p = P("Dir/Sub/Facture 12.PDF.Locked");
	assert_string_equal(p.ext, "locked");
	assert_string_equal(p.inner, "pdf");
	assert_int_equal(p.dir_len, 7);
	assert_int_equal(p.name_len, strlen("Facture 12.PDF.Locked"));
	assert_int_equal(p.stem_len, strlen("Dir/Sub/Facture 12.PDF"));
	p = P("a/.DS_Store");
	assert_int_equal(p.ext_len, 0);
	assert_int_equal(p.stem_len, strlen("a/.DS_Store"));
	p = P("point final.");
	assert_int_equal(p.ext_len, 0);
	assert_int_equal(p.dir_len, 0);
	p = P("x.verylongextension");
	assert_int_equal(p.ext_len, 0);
	p = P("a/b.tar.gz");
	assert_string_equal(p.ext, "gz");
	assert_string_equal(p.inner, "tar");
	assert_int_equal(rp_scan_ext_claim("docx", 4), RP_FT_ZIP);
	assert_int_equal(rp_scan_ext_claim("txt", 3), RP_FT_TEXT);
	assert_int_equal(rp_scan_ext_claim("locked", 6), -1);
	assert_int_equal(rp_scan_ext_claim("", 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_is_text),
		cmocka_unit_test(test_random_is_noise),
		cmocka_unit_test(test_small_files),
		cmocka_unit_test(test_pieces_do_not_matter),
		cmocka_unit_test(test_encoded_noise),
		cmocka_unit_test(test_text_encodings),
		cmocka_unit_test(test_magic_types),
		cmocka_unit_test(test_magic_rejects_random),
		cmocka_unit_test(test_trailers_and_known_tools),
		cmocka_unit_test(test_sampling_catches_stripes),
		cmocka_unit_test(test_sparse_sampling_of_compressed_types),
		cmocka_unit_test(test_judge_text),
		cmocka_unit_test(test_judge_binary_types),
		cmocka_unit_test(test_judge_new_files),
		cmocka_unit_test(test_path_split),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
