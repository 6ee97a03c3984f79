/* test_pii_detect.c - each detector with positive, negative and boundary
 * cases, over plain text; identifiers split across pieces and across the
 * text window; distinct values. */
#include "pii_test_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "scan/pii_internal.h"

static uint64_t count(const char *text, int kind)
{
	rp_pii_counts c = pii_scan_str("note.txt", text);
	return c.n[kind];
}

static uint64_t total(const char *text)
{
	rp_pii_counts c = pii_scan_str("note.txt", text);
	return pii_total(&c);
}

static void test_nir(void **state)
{
	(void)state;
	assert_int_equal(count("NIR : 1 85 05 78 006 084 91.", RP_PII_NIR), 1);
	assert_int_equal(count("185057800608491", RP_PII_NIR), 1);
	assert_int_equal(count("n\xc2\xb0 1850578006084 91\n", RP_PII_NIR), 1);
	assert_int_equal(count("1.85.05.78.006.084.91", RP_PII_NIR), 1);
	assert_int_equal(count("1\xc2\xa0" "85\xc2\xa0" "05\xc2\xa0" "78\xc2\xa0" "006\xc2\xa0" "084\xc2\xa0" "91",
			       RP_PII_NIR), 1);
	assert_int_equal(count("Corse : 2 85 05 2A 006 084 82", RP_PII_NIR), 1);
	assert_int_equal(count("285052A00608482", RP_PII_NIR), 1);
	/* wrong key; impossible month; glued to letters or digits; a decimal */
	assert_int_equal(total("1 85 05 78 006 084 92"), 0);
	assert_int_equal(count("Corse : 2 85 05 2B 006 084 82", RP_PII_NIR), 0);
	assert_int_equal(count("A185057800608491", RP_PII_NIR), 0);
	assert_int_equal(count("185057800608491B", RP_PII_NIR), 0);
	assert_int_equal(count("1850578006084911", RP_PII_NIR), 0);
	assert_int_equal(count("9185057800608491", RP_PII_NIR), 0);
	assert_int_equal(count("185057800608491,50", RP_PII_NIR), 0);
	assert_int_equal(count("1 85 05 78 006 084 91 et 1 85 05 78 006 084 91", RP_PII_NIR), 2);
	/* a separator mixed in the middle ends the sequence */
	assert_int_equal(count("1 85 05.78 006 084 91", RP_PII_NIR), 0);
}

static void test_iban(void **state)
{
	(void)state;
	assert_int_equal(count("IBAN : FR76 3000 6000 0112 3456 7890 189.", RP_PII_IBAN), 1);
	assert_int_equal(count("FR7630006000011234567890189", RP_PII_IBAN), 1);
	assert_int_equal(count("GB29 NWBK 6016 1331 9268 19 BIC NWBKGB2L", RP_PII_IBAN), 1);
	assert_int_equal(count("(BE68539007547034)", RP_PII_IBAN), 1);
	/* a wrong key: nothing at all, not even its digits as a card */
	assert_int_equal(total("FR76 3000 6000 0112 3456 7890 188"), 0);
	assert_int_equal(count("fr76 3000 6000 0112 3456 7890 189", RP_PII_IBAN), 0);
	assert_int_equal(count("XFR7630006000011234567890189", RP_PII_IBAN), 0);
	assert_int_equal(count("FR76300060000112345678901890", RP_PII_IBAN), 0);
	/* groups must be of four */
	assert_int_equal(count("FR76 30006 000 0112 3456 7890 189", RP_PII_IBAN), 0);
}

static void test_card(void **state)
{
	(void)state;
	assert_int_equal(count("4970 1012 3456 7893", RP_PII_CARD), 1);
	assert_int_equal(count("4970-1012-3456-7893", RP_PII_CARD), 1);
	assert_int_equal(count("Amex 3782 822463 10005", RP_PII_CARD), 1);
	/* one run of digits needs a payment word before it */
	assert_int_equal(count("carte bancaire 4970101234567893", RP_PII_CARD), 1);
	assert_int_equal(count("CB: 4970101234567893", RP_PII_CARD), 1);
	assert_int_equal(count("R\303\251f. 4970101234567893", RP_PII_CARD), 0);
	/* the payment word must be on the same line */
	assert_int_equal(count("pay\303\251 par carte.\nR\303\251f. 4970101234567893", RP_PII_CARD), 0);
	assert_int_equal(count("4970 1012 3456 7894", RP_PII_CARD), 0);
	assert_int_equal(count("1000 0000 0000 0008", RP_PII_CARD), 0); /* Luhn, no issuer */
	assert_int_equal(count("4970 10 1234 567893", RP_PII_CARD), 0);
}

static void test_siret(void **state)
{
	(void)state;
	assert_int_equal(count("732 829 320 00074", RP_PII_SIRET), 1);
	assert_int_equal(count("SIRET 73282932000074", RP_PII_SIRET), 1);
	assert_int_equal(count("R\303\251f. 73282932000074", RP_PII_SIRET), 0);
	assert_int_equal(count("RCS Nantes 732 829 320", RP_PII_SIRET), 1);
	assert_int_equal(count("siren : 732829320", RP_PII_SIRET), 1);
	assert_int_equal(count("Commande 732 829 320", RP_PII_SIRET), 0);
	assert_int_equal(count("SIRET\n732 829 320", RP_PII_SIRET), 0);
	/* a wrong establishment number still leaves the company's SIREN */
	assert_int_equal(count("SIRET 732 829 320 00075", RP_PII_SIRET), 1);
	assert_int_equal(count("SIRET 732 829 321 00075", RP_PII_SIRET), 0);
	assert_int_equal(count("La Poste 356 000 000 64786", RP_PII_SIRET), 1);
}

static void test_email(void **state)
{
	(void)state;
	assert_int_equal(count("jean.dupont@example.fr", RP_PII_EMAIL), 1);
	assert_int_equal(count("<Marie-Claire.Durand+news@mairie-donges.fr>", RP_PII_EMAIL), 1);
	assert_int_equal(count("mailto:a@b.co.", RP_PII_EMAIL), 1);
	assert_int_equal(count("cid:image001.png@01D2A3B4.C5D6E7F0", RP_PII_EMAIL), 0);
	assert_int_equal(count("root@localhost", RP_PII_EMAIL), 0);
	assert_int_equal(count("a@b.c", RP_PII_EMAIL), 0);
	assert_int_equal(count("@example.fr", RP_PII_EMAIL), 0);
	assert_int_equal(count("jean.@example.fr", RP_PII_EMAIL), 0);
	assert_int_equal(count("jean@-example.fr", RP_PII_EMAIL), 0);
	/* a phone glued to an address is part of the address */
	rp_pii_counts c = pii_scan_str("n.txt", "0612345678@sms.example.fr");
	assert_int_equal(c.n[RP_PII_EMAIL], 1);
	assert_int_equal(c.n[RP_PII_PHONE], 0);
}

static void test_phone(void **state)
{
	(void)state;
	const char *yes[] = {
		"01 23 45 67 89", "06.12.34.56.78", "06-12-34-56-78", "0612345678", "+33 6 12 34 56 78",
		"+33 (0)6 12 34 56 78", "+33612345678", "0033 6 12 34 56 78", "T\xc3\xa9l.:09 87 65 43 21.",
		"+33.6.12.34.56.78",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (count(yes[i], RP_PII_PHONE) != 1)
			fail_msg("not found as a phone: %s", yes[i]);
	}
	const char *no[] = {
		"0612345678901", "R\303\251f. 33061234567890", "00 12 34 56 78", "1234567890",
		"+44 20 7946 0958", "06 12 34 56 7", "06 1234 5678", "x0612345678", "06 12 34 56 78 9",
		"0612345678,5",
	};
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
		if (count(no[i], RP_PII_PHONE) != (i == 8 ? 1 : 0))
			fail_msg("phone count wrong for: %s", no[i]);
	}
}

static void test_birthdate(void **state)
{
	(void)state;
	assert_int_equal(count("n\xc3\xa9 le 12/03/1985 \xc3\xa0 Nantes", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("N\xc3\x89" "E LE 12.03.1985", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("n\xc3\xa9" "e le 1er mars 1990", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("Date de naissance : 12 d\xc3\xa9" "cembre 1960", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("DOB: 1985-03-12", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("R\xc3\xa9union le 12/03/1985", RP_PII_BIRTHDATE), 0);
	assert_int_equal(count("n\xc3\xa9 le 31/02/1985", RP_PII_BIRTHDATE), 0);
	assert_int_equal(count("n\xc3\xa9 le 12/13/1985", RP_PII_BIRTHDATE), 0);
	/* the keyword belongs to its line and to the first date after it */
	assert_int_equal(count("n\xc3\xa9 le\n12/03/1985", RP_PII_BIRTHDATE), 0);
	assert_int_equal(count("n\xc3\xa9 le 12/03/1985, mari\xc3\xa9 le 03/06/2010", RP_PII_BIRTHDATE), 1);
	assert_int_equal(pii_detect_tables_ok(), 1);
	/* the search back stops at a year, not at shorter numbers; keywords in capitals count */
	assert_int_equal(count("NAISSANCE : 12/03/1985", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("naissance (acte 123) 12/03/1985", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("naissance (acte 12345) 12/03/1985", RP_PII_BIRTHDATE), 0);
	assert_int_equal(count("Birth 4 05 1985-03-12", RP_PII_BIRTHDATE), 1);
	assert_int_equal(count("naissance 12/03/19856", RP_PII_BIRTHDATE), 0);
	/* "connaissance" is not "naissance" */
	assert_int_equal(count("connaissance du 12/03/1985", RP_PII_BIRTHDATE), 0);
}

static void test_address(void **state)
{
	(void)state;
	assert_int_equal(count("12 rue de la Paix, 75002 Paris", RP_PII_ADDRESS), 1);
	assert_int_equal(count("12 bis, avenue Jean Jaur\xc3\xa8s\n44480 Donges", RP_PII_ADDRESS), 1);
	assert_int_equal(count("3 all\xc3\xa9" "e des Tilleuls - 97400 Saint-Denis", RP_PII_ADDRESS), 1);
	assert_int_equal(count("rue de la Paix, 75002 Paris", RP_PII_ADDRESS), 0);
	assert_int_equal(count("Code postal 75002 Paris", RP_PII_ADDRESS), 0);
	assert_int_equal(count("12 rue de la Paix, 00002 Paris", RP_PII_ADDRESS), 0);
	assert_int_equal(count("12 rue de la Paix, 75002", RP_PII_ADDRESS), 0);
	assert_int_equal(count("12 rue de la Paix, 75002 Paris.\nCode postal 44600, 54923 habitants",
			       RP_PII_ADDRESS), 1);
}

/* Every identifier of a mixed text is found however the text is cut. */
static void test_pieces(void **state)
{
	(void)state;
	static const char TEXT[] =
		"Monsieur Jean Dupont, n\xc3\xa9 le 12/03/1985 \xc3\xa0 Nantes. NIR : 1 85 05 78 006 084 91 "
		"IBAN FR76 3000 6000 0112 3456 7890 189, carte 4970 1012 3456 7893, SIRET 732 829 320 00074, "
		"jean.dupont@example.fr, t\xc3\xa9l. +33 (0)6 12 34 56 78 ou 01.23.45.67.89, "
		"12 rue de la Paix, 44480 Donges.";
	rp_pii_counts whole = pii_scan("a.txt", TEXT, sizeof TEXT - 1, 0);
	for (int k = 0; k < RP_PII_KINDS; k++)
		assert_true(whole.n[k] >= 1);
	assert_int_equal(whole.n[RP_PII_PHONE], 2);
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	for (size_t piece = 1; piece <= 70; piece++) {
		rp_pii_counts c = pii_scan_with(s, "a.txt", TEXT, sizeof TEXT - 1, piece);
		assert_memory_equal(c.n, whole.n, sizeof c.n);
	}
	/* the same values every time: one distinct value each */
	for (int k = 0; k < RP_PII_KINDS; k++)
		assert_int_equal(rp_pii_distinct_count(d, k), k == RP_PII_PHONE ? 2 : 1);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
}

/* Identifiers straddling the sliding window's edge, at every offset. */
static void test_window_edges(void **state)
{
	(void)state;
	static const char ID[] = "jean.dupont@example.fr 1 85 05 78 006 084 91";
	size_t n = PII_TEXT_WINDOW_BYTES * 3;
	char *buf = malloc(n);
	assert_non_null(buf);
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	for (size_t edge = PII_TEXT_WINDOW_BYTES - PII_LOOKAHEAD_BYTES - 60;
	     edge < PII_TEXT_WINDOW_BYTES - PII_LOOKAHEAD_BYTES + 60; edge += 3) {
		memset(buf, 'x', n);
		for (size_t i = 80; i < n; i += 80)
			buf[i] = ' ';
		size_t at = edge - 20;
		buf[at - 1] = ' ';
		memcpy(buf + at, ID, sizeof ID - 1);
		buf[at + sizeof ID - 1] = ' ';
		/* and a second copy past the first slide, where the window
		 * has already moved once */
		size_t at2 = at + PII_TEXT_WINDOW_BYTES - 500;
		buf[at2 - 1] = ' ';
		memcpy(buf + at2, ID, sizeof ID - 1);
		buf[at2 + sizeof ID - 1] = ' ';
		size_t pieces[] = {0, 4096, 997, 65536};
		for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
			rp_pii_counts c = pii_scan_with(s, "big.txt", buf, n, pieces[p]);
			assert_int_equal(c.n[RP_PII_EMAIL], 2);
			assert_int_equal(c.n[RP_PII_NIR], 2);
		}
	}
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
	free(buf);
}

static void test_long_digit_runs(void **state)
{
	(void)state;
	/* a megabyte of digits: no identifier, no time wasted re-reading it */
	size_t n = 1 << 20;
	char *buf = malloc(n);
	assert_non_null(buf);
	for (size_t i = 0; i < n; i++)
		buf[i] = (char)('0' + (i * 7 + i / 13) % 10);
	rp_pii_counts c = pii_scan("digits.txt", buf, n, 4099);
	assert_int_equal(pii_total(&c), 0);
	assert_int_equal(c.scanned, 1);
	/* the same digits in groups of two: many candidates, bounded work */
	for (size_t i = 2; i < n; i += 3)
		buf[i] = ' ';
	c = pii_scan("pairs.txt", buf, n, 0);
	assert_int_equal(c.scanned, 1);
	free(buf);
}

static void test_distinct_normalises(void **state)
{
	(void)state;
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_err e;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	static const char A[] = "1 85 05 78 006 084 91 / 185057800608491 / Jean.Dupont@Example.FR / "
				"jean.dupont@example.fr / 06 12 34 56 78 / +33 6 12 34 56 78 / 0612345678";
	rp_pii_counts c = pii_scan_with(s, "a.txt", A, sizeof A - 1, 0);
	assert_int_equal(c.n[RP_PII_NIR], 2);
	assert_int_equal(c.n[RP_PII_EMAIL], 2);
	assert_int_equal(c.n[RP_PII_PHONE], 3);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_NIR), 1);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_EMAIL), 1);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_PHONE), 1);
	/* another file adds to the same set */
	static const char B[] = "06 12 34 56 79";
	pii_scan_with(s, "b.txt", B, sizeof B - 1, 0);
	assert_int_equal(rp_pii_distinct_count(d, RP_PII_PHONE), 2);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
}

static void test_misuse(void **state)
{
	(void)state;
	rp_pii_distinct *d;
	rp_pii_scanner *s;
	rp_err e;
	rp_pii_counts c;
	assert_int_equal(rp_pii_distinct_new(&d, PII_TEST_KEY, &e), 0);
	assert_int_equal(rp_pii_scanner_new(&s, d, &e), 0);
	assert_int_equal(rp_pii_file_update(s, (const uint8_t *)"x", 1, &e), RP_EINVAL);
	assert_int_equal(rp_pii_file_end(s, &c, &e), RP_EINVAL);
	assert_non_null(strstr(e.msg, "file_end"));
	/* an empty file is scanned and holds nothing */
	c = pii_scan_with(s, "empty.txt", "", 0, 0);
	assert_int_equal(c.scanned, 1);
	assert_int_equal(c.bytes, 0);
	assert_int_equal(pii_total(&c), 0);
	rp_pii_scanner_free(s);
	rp_pii_distinct_free(d);
	assert_int_equal(rp_pii_distinct_new_bounded(&d, PII_TEST_KEY, 3, &e), RP_EINVAL);
	assert_string_equal(rp_pii_kind_name(RP_PII_BIRTHDATE), "birthdate");
	assert_string_equal(rp_pii_kind_name(RP_PII_KINDS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nir),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_card),
		cmocka_unit_test(test_siret),
		cmocka_unit_test(test_email),
		cmocka_unit_test(test_phone),
		cmocka_unit_test(test_birthdate),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_long_digit_runs),
		cmocka_unit_test(test_distinct_normalises),
		cmocka_unit_test(test_misuse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
