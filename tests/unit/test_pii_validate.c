/* test_pii_validate.c - check-digit validators: positive, negative and
 * boundary cases (the bulk agreement with python-stdnum is in
 * tests/e2e/pii_stdnum.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "scan/pii_validate.h"

#define V(fn, s) fn(s, strlen(s))

static void test_nir(void **state)
{
	(void)state;
	assert_true(V(rp_pii_nir_valid, "185057800608491"));
	assert_true(V(rp_pii_nir_plausible, "185057800608491"));
	/* Corsica: 2A counts as 19, 2B as 18 */
	assert_true(V(rp_pii_nir_valid, "285052A00608482"));
	assert_false(V(rp_pii_nir_valid, "285052B00608482"));
	assert_false(V(rp_pii_nir_valid, "285052C00608482"));
	/* keys at both ends of their range */
	assert_true(V(rp_pii_nir_valid, "115094460946597"));
	assert_true(V(rp_pii_nir_valid, "152034446836001"));
	/* every wrong key fails */
	char v[16] = "185057800608491";
	for (int key = 0; key < 100; key++) {
		v[13] = (char)('0' + key / 10);
		v[14] = (char)('0' + key % 10);
		assert_int_equal(rp_pii_nir_valid(v, 15), key == 91);
	}
	assert_false(V(rp_pii_nir_valid, "18505780060849"));   /* 14 */
	assert_false(V(rp_pii_nir_valid, "1850578006084910")); /* 16 */
	assert_false(V(rp_pii_nir_valid, "1850578006084 1"));
	assert_false(V(rp_pii_nir_valid, ""));
}

static void test_nir_plausible(void **state)
{
	(void)state;
	/* valid keys, impossible fields */
	char body[16];
	const char *bad[] = {
		"3850578006084", /* sex 3 */
		"1851378006084", /* month 13 */
		"1850000006084", /* month 00 and department 00 */
		"1850500006084", /* department 00 */
		"1850597906084", /* overseas 97 then 9 */
		"1850578000084", /* commune 000 */
		"1850578006000", /* order 000 */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		unsigned long long n = 0;
		for (int k = 0; k < 13; k++)
			n = n * 10 + (unsigned long long)(bad[i][k] - '0');
		snprintf(body, sizeof body, "%s%02llu", bad[i], 97 - n % 97);
		assert_true(rp_pii_nir_valid(body, 15));
		assert_false(rp_pii_nir_plausible(body, 15));
	}
	const char *good[] = {"2850599106084", "1852044006084", "7853044006084", "1854297406084"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		unsigned long long n = 0;
		for (int k = 0; k < 13; k++)
			n = n * 10 + (unsigned long long)(good[i][k] - '0');
		snprintf(body, sizeof body, "%s%02llu", good[i], 97 - n % 97);
		assert_true(rp_pii_nir_plausible(body, 15));
	}
}

static void test_iban(void **state)
{
	(void)state;
	const char *valid[] = {
		"FR7630006000011234567890189", "FR1420041010050500013M02606", "MC5811222000010123456789030",
		"DE89370400440532013000",      "BE68539007547034",            "GB29NWBK60161331926819",
		"NO9386011117947",             "MT84MALT011000012345MTLCAST001S",
		"IT60X0542811101000000123456",
	};
	for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
		assert_true(V(rp_pii_iban_valid, valid[i]));
		/* any single changed digit breaks it */
		char v[40];
		strcpy(v, valid[i]);
		for (size_t k = 4; v[k]; k++) {
			if (v[k] < '0' || v[k] > '9')
				continue;
			char keep = v[k];
			v[k] = keep == '9' ? '0' : (char)(keep + 1);
			assert_false(rp_pii_iban_valid(v, strlen(v)));
			v[k] = keep;
		}
	}
	assert_false(V(rp_pii_iban_valid, "FR763000600001123456789018"));   /* one short */
	assert_false(V(rp_pii_iban_valid, "FR76300060000112345678901890")); /* one long */
	assert_false(V(rp_pii_iban_valid, "US7630006000011234567890189"));  /* no IBAN there */
	assert_false(V(rp_pii_iban_valid, "fr7630006000011234567890189"));  /* lower case */
	/* a letter where the country's structure wants a digit */
	assert_false(V(rp_pii_iban_valid, "DE89370400440532O13000"));
	assert_int_equal(rp_pii_iban_length("FR"), 27);
	assert_int_equal(rp_pii_iban_length("NO"), 15);
	assert_int_equal(rp_pii_iban_length("LC"), 32);
	assert_int_equal(rp_pii_iban_length("US"), 0);
	assert_int_equal(rp_pii_iban_length("AA"), 0);
	assert_int_equal(rp_pii_iban_length("ZZ"), 0);
}

static void test_luhn_and_cards(void **state)
{
	(void)state;
	assert_true(V(rp_pii_luhn_valid, "0"));
	assert_true(V(rp_pii_luhn_valid, "18"));
	assert_false(V(rp_pii_luhn_valid, "19"));
	assert_false(V(rp_pii_luhn_valid, ""));
	assert_false(V(rp_pii_luhn_valid, "4970-1012"));
	struct {
		const char *n, *brand;
	} cards[] = {
		{"4970101234567893", "visa"},     {"5350000000000005", "mastercard"},
		{"2221000000000009", "mastercard"}, {"378282246310005", "amex"},
		{"6011000000000004", "discover"}, {"2200000000000004", "mir"},
	};
	for (size_t i = 0; i < sizeof cards / sizeof cards[0]; i++) {
		assert_true(V(rp_pii_card_valid, cards[i].n));
		assert_string_equal(V(rp_pii_card_brand, cards[i].n), cards[i].brand);
		char v[24];
		strcpy(v, cards[i].n);
		v[strlen(v) - 1] = v[strlen(v) - 1] == '9' ? '0' : (char)(v[strlen(v) - 1] + 1);
		assert_false(V(rp_pii_card_valid, v));
	}
	/* Luhn-valid but no issuer: an unknown prefix, or a wrong length */
	assert_true(V(rp_pii_luhn_valid, "1000000000000008"));
	assert_false(V(rp_pii_card_valid, "1000000000000008"));
	assert_false(V(rp_pii_card_valid, "49701012345678")); /* visa of 14 digits */
	assert_null(V(rp_pii_card_brand, "2720999999999999999"));
	assert_non_null(V(rp_pii_card_brand, "2720000000000000"));
	assert_null(V(rp_pii_card_brand, "2721000000000000"));
	assert_null(V(rp_pii_card_brand, "222000000000000"));
}

static void test_siren_siret(void **state)
{
	(void)state;
	assert_true(V(rp_pii_siren_valid, "732829320"));
	assert_false(V(rp_pii_siren_valid, "732829321"));
	assert_false(V(rp_pii_siren_valid, "73282932"));
	assert_true(V(rp_pii_siret_valid, "73282932000074"));
	assert_false(V(rp_pii_siret_valid, "73282932000075"));
	/* La Poste: digit sum, not Luhn, except the head office */
	assert_true(V(rp_pii_siret_valid, "35600000064786"));
	assert_false(V(rp_pii_luhn_valid, "35600000064786"));
	assert_false(V(rp_pii_siret_valid, "35600000011524"));
	assert_true(V(rp_pii_luhn_valid, "35600000011524"));
	assert_true(V(rp_pii_siret_valid, "35600000000048"));
	/* a Luhn-valid 14 digits whose SIREN is not */
	assert_true(V(rp_pii_luhn_valid, "10000000000008"));
	assert_false(V(rp_pii_siret_valid, "10000000000008"));
}

static void test_postcode_and_dates(void **state)
{
	(void)state;
	assert_true(V(rp_pii_postcode_valid, "44480"));
	assert_true(V(rp_pii_postcode_valid, "01000"));
	assert_true(V(rp_pii_postcode_valid, "20000")); /* Corsica */
	assert_true(V(rp_pii_postcode_valid, "97400"));
	assert_true(V(rp_pii_postcode_valid, "98000"));
	assert_false(V(rp_pii_postcode_valid, "00100"));
	assert_false(V(rp_pii_postcode_valid, "96000"));
	assert_false(V(rp_pii_postcode_valid, "97900"));
	assert_false(V(rp_pii_postcode_valid, "99000"));
	assert_false(V(rp_pii_postcode_valid, "4448"));
	assert_true(rp_pii_date_valid(2000, 2, 29));
	assert_false(rp_pii_date_valid(1900, 2, 29));
	assert_true(rp_pii_date_valid(2024, 2, 29));
	assert_false(rp_pii_date_valid(2023, 2, 29));
	assert_false(rp_pii_date_valid(1985, 4, 31));
	assert_true(rp_pii_date_valid(1985, 12, 31));
	assert_false(rp_pii_date_valid(1985, 13, 1));
	assert_false(rp_pii_date_valid(1985, 0, 1));
	assert_false(rp_pii_date_valid(1899, 1, 1));
	assert_false(rp_pii_date_valid(2100, 1, 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nir),
		cmocka_unit_test(test_nir_plausible),
		cmocka_unit_test(test_iban),
		cmocka_unit_test(test_luhn_and_cards),
		cmocka_unit_test(test_siren_siret),
		cmocka_unit_test(test_postcode_and_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
