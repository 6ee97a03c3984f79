/* pii_validate.c - check-digit validators behind the PII detectors. */
#include "pii_validate.h"

#include <string.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static int two(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

int rp_pii_nir_valid(const char *s, size_t n)
{
	if (n != 15 || !all_digits(s, 5) || !all_digits(s + 7, 8))
		return 0;
	/* Corsica: 2A and 2B replace the department; for the key they count
	 * as 19 and 18 (the old number, 20, minus 1 and 2) */
	uint64_t dept;
	if (is_digit(s[5]) && is_digit(s[6]))
		dept = (uint64_t)two(s + 5);
	else if (s[5] == '2' && s[6] == 'A')
		dept = 19;
	else if (s[5] == '2' && s[6] == 'B')
		dept = 18;
	else
		return 0;
	uint64_t v = 0;
	for (int i = 0; i < 5; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	v = v * 100 + dept;
	for (int i = 7; i < 13; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return (uint64_t)two(s + 13) == 97 - v % 97;
}

int rp_pii_nir_plausible(const char *s, size_t n)
{
	if (!rp_pii_nir_valid(s, n))
		return 0;
	if (s[0] != '1' && s[0] != '2' && s[0] != '7' && s[0] != '8')
		return 0;
	int month = two(s + 3);
	if (!((month >= 1 && month <= 12) || month == 20 || (month >= 30 && month <= 42)))
		return 0;
	if (is_digit(s[6])) {
		int dept = two(s + 5);
		if (dept == 0)
			return 0;
		/* overseas departments take a third digit (971-978) */
		if (dept == 97 && (s[7] < '1' || s[7] > '8'))
			return 0;
	}
	if (!memcmp(s + 7, "000", 3) || !memcmp(s + 10, "000", 3))
		return 0;
	return 1;
}

/* ---- IBAN ---- */

/* BBAN structure per country, as in the ISO 13616 registry: runs of a
 * count and a type, n = digits, a = upper-case letters, c = either. */
typedef struct iban_country {
	char cc[3];
	uint8_t length;
	const char *bban;
} iban_country;

static const iban_country IBAN_COUNTRIES[] = {
	{"AD", 24, "4n4n12c"},       {"AE", 23, "3n16n"},          {"AL", 28, "8n16c"},
	{"AT", 20, "5n11n"},         {"AZ", 28, "4a20c"},          {"BA", 20, "3n3n8n2n"},
	{"BE", 16, "3n7n2n"},        {"BG", 22, "4a4n2n8c"},       {"BH", 22, "4a14c"},
	{"BI", 27, "5n5n11n2n"},     {"BR", 29, "8n5n10n1a1c"},    {"BY", 28, "4c4n16c"},
	{"CH", 21, "5n12c"},         {"CR", 22, "4n14n"},          {"CY", 28, "3n5n16c"},
	{"CZ", 24, "4n6n10n"},       {"DE", 22, "8n10n"},          {"DJ", 27, "5n5n11n2n"},
	{"DK", 18, "4n9n1n"},        {"DO", 28, "4c20n"},          {"EE", 20, "2n2n11n1n"},
	{"EG", 29, "4n4n17n"},       {"ES", 24, "4n4n1n1n10n"},    {"FI", 18, "3n11n"},
	{"FK", 18, "2a12n"},         {"FO", 18, "4n9n1n"},         {"FR", 27, "5n5n11c2n"},
	{"GB", 22, "4a6n8n"},        {"GE", 22, "2a16n"},          {"GI", 23, "4a15c"},
	{"GL", 18, "4n9n1n"},        {"GR", 27, "3n4n16c"},        {"GT", 28, "4c20c"},
	{"HR", 21, "7n10n"},         {"HU", 28, "3n4n1n15n1n"},    {"IE", 22, "4a6n8n"},
	{"IL", 23, "3n3n13n"},       {"IQ", 23, "4a3n12n"},        {"IS", 26, "4n2n6n10n"},
	{"IT", 27, "1a5n5n12c"},     {"JO", 30, "4a4n18c"},        {"KW", 30, "4a22c"},
	{"KZ", 20, "3n13c"},         {"LB", 28, "4n20c"},          {"LC", 32, "4a24c"},
	{"LI", 21, "5n12c"},         {"LT", 20, "5n11n"},          {"LU", 20, "3n13c"},
	{"LV", 21, "4a13c"},         {"LY", 25, "3n3n15n"},        {"MC", 27, "5n5n11c2n"},
	{"MD", 24, "2c18c"},         {"ME", 22, "3n13n2n"},        {"MK", 19, "3n10c2n"},
	{"MN", 20, "4n12n"},         {"MR", 27, "5n5n11n2n"},      {"MT", 31, "4a5n18c"},
	{"MU", 30, "4a2n2n12n3n3a"}, {"NI", 28, "4a20n"},          {"NL", 18, "4a10n"},
	{"NO", 15, "4n6n1n"},        {"OM", 23, "3n16c"},          {"PK", 24, "4a16c"},
	{"PL", 28, "8n16n"},         {"PS", 29, "4a21c"},          {"PT", 25, "4n4n11n2n"},
	{"QA", 29, "4a21c"},         {"RO", 24, "4a16c"},          {"RS", 22, "3n13n2n"},
	{"RU", 33, "9n5n15c"},       {"SA", 24, "2n18c"},          {"SC", 31, "4a2n2n16n3a"},
	{"SD", 18, "2n12n"},         {"SE", 24, "3n16n1n"},        {"SI", 19, "5n8n2n"},
	{"SK", 24, "4n6n10n"},       {"SM", 27, "1a5n5n12c"},      {"SO", 23, "4n3n12n"},
	{"ST", 25, "4n4n11n2n"},     {"SV", 28, "4a20n"},          {"TL", 23, "3n14n2n"},
	{"TN", 24, "2n3n13n2n"},     {"TR", 26, "5n1n16c"},        {"UA", 29, "6n19c"},
	{"VA", 22, "3n15n"},         {"VG", 24, "4a16n"},          {"XK", 20, "4n10n2n"},
};

static const iban_country *iban_find(const char *cc)
{
	size_t lo = 0, hi = sizeof IBAN_COUNTRIES / sizeof IBAN_COUNTRIES[0];
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = memcmp(cc, IBAN_COUNTRIES[mid].cc, 2);
		if (c == 0)
			return &IBAN_COUNTRIES[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

size_t rp_pii_iban_length(const char *cc)
{
	const iban_country *c = iban_find(cc);
	return c ? c->length : 0;
}

static int bban_matches(const char *bban, const char *s, size_t n)
{
	size_t at = 0;
	for (const char *p = bban; *p;) {
		unsigned count = 0;
		while (*p >= '0' && *p <= '9')
			count = count * 10 + (unsigned)(*p++ - '0');
		char type = *p++;
		for (unsigned k = 0; k < count; k++, at++) {
			if (at >= n)
				return 0;
			char c = s[at];
			int digit = is_digit(c), upper = c >= 'A' && c <= 'Z';
			if ((type == 'n' && !digit) || (type == 'a' && !upper) ||
			    (type == 'c' && !digit && !upper))
				return 0;
		}
	}
	return at == n;
}

int rp_pii_iban_valid(const char *s, size_t n)
{
	if (n < 5 || n > 34)
		return 0;
	const iban_country *c = iban_find(s);
	if (!c || c->length != n || !is_digit(s[2]) || !is_digit(s[3]))
		return 0;
	if (!bban_matches(c->bban, s + 4, n - 4))
		return 0;
	/* mod 97 of BBAN || country || check digits, letters as 10..35 */
	unsigned r = 0;
	for (size_t k = 0; k < n; k++) {
		char ch = s[(k + 4) % n];
		if (is_digit(ch))
			r = (r * 10 + (unsigned)(ch - '0')) % 97;
		else
			r = (r * 100 + (unsigned)(ch - 'A' + 10)) % 97;
	}
	return r == 1;
}

/* ---- Luhn, cards, SIREN/SIRET ---- */

int rp_pii_luhn_valid(const char *s, size_t n)
{
	if (n == 0 || !all_digits(s, n))
		return 0;
	unsigned sum = 0;
	for (size_t k = 0; k < n; k++) {
		unsigned d = (unsigned)(s[n - 1 - k] - '0');
		if (k & 1) {
			d *= 2;
			if (d > 9)
				d -= 9;
		}
		sum += d;
	}
	return sum % 10 == 0;
}

#define LENS(a, b) ((((uint32_t)1 << ((b) + 1)) - 1) & ~(((uint32_t)1 << (a)) - 1))

typedef struct card_rule {
	uint32_t lo, hi;  /* prefix range, inclusive */
	uint8_t digits;   /* prefix length */
	uint32_t lengths; /* bit k set: length k allowed */
	const char *brand;
} card_rule;

static const card_rule CARD_RULES[] = {
	{4, 4, 1, (1u << 13) | (1u << 16) | (1u << 19), "visa"},
	{51, 55, 2, 1u << 16, "mastercard"},
	{2221, 2720, 4, 1u << 16, "mastercard"},
	{34, 34, 2, 1u << 15, "amex"},
	{37, 37, 2, 1u << 15, "amex"},
	{300, 305, 3, LENS(14, 19), "diners"},
	{3095, 3095, 4, LENS(14, 19), "diners"},
	{36, 36, 2, LENS(14, 19), "diners"},
	{38, 39, 2, LENS(16, 19), "diners"},
	{6011, 6011, 4, LENS(16, 19), "discover"},
	{644, 649, 3, LENS(16, 19), "discover"},
	{65, 65, 2, LENS(16, 19), "discover"},
	{3528, 3589, 4, LENS(16, 19), "jcb"},
	{62, 62, 2, LENS(16, 19), "unionpay"},
	{5018, 5018, 4, LENS(12, 19), "maestro"},
	{5020, 5020, 4, LENS(12, 19), "maestro"},
	{5038, 5038, 4, LENS(12, 19), "maestro"},
	{5893, 5893, 4, LENS(12, 19), "maestro"},
	{6304, 6304, 4, LENS(12, 19), "maestro"},
	{6759, 6759, 4, LENS(12, 19), "maestro"},
	{6761, 6763, 4, LENS(12, 19), "maestro"},
	{2200, 2204, 4, LENS(16, 19), "mir"},
};

const char *rp_pii_card_brand(const char *s, size_t n)
{
	if (n < 12 || n > 19 || !all_digits(s, n))
		return NULL;
	uint32_t prefix[5] = {0};
	for (unsigned k = 0; k < 4; k++)
		prefix[k + 1] = prefix[k] * 10 + (uint32_t)(s[k] - '0');
	for (size_t i = 0; i < sizeof CARD_RULES / sizeof CARD_RULES[0]; i++) {
		const card_rule *r = &CARD_RULES[i];
		uint32_t p = prefix[r->digits];
		if (p >= r->lo && p <= r->hi && (r->lengths >> n & 1))
			return r->brand;
	}
	return NULL;
}

int rp_pii_card_valid(const char *s, size_t n)
{
	return rp_pii_card_brand(s, n) && rp_pii_luhn_valid(s, n);
}

int rp_pii_siren_valid(const char *s, size_t n)
{
	return n == 9 && rp_pii_luhn_valid(s, n);
}

int rp_pii_siret_valid(const char *s, size_t n)
{
	if (n != 14 || !all_digits(s, n))
		return 0;
	if (!memcmp(s, "356000000", 9) && memcmp(s, "35600000000048", 14)) {
		unsigned sum = 0;
		for (size_t k = 0; k < n; k++)
			sum += (unsigned)(s[k] - '0');
		if (sum % 5)
			return 0;
	} else if (!rp_pii_luhn_valid(s, n)) {
		return 0;
	}
	return rp_pii_siren_valid(s, 9);
}

/* ---- postcodes and dates ---- */

int rp_pii_postcode_valid(const char *s, size_t n)
{
	if (n != 5 || !all_digits(s, n))
		return 0;
	int dept = two(s);
	if (dept >= 1 && dept <= 95)
		return 1;
	if (dept == 97)
		return s[2] >= '1' && s[2] <= '8';
	return dept == 98;
}

int rp_pii_date_valid(int year, int month, int day)
{
	static const unsigned char MONTH_DAYS[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (year < 1900 || year > 2099 || month < 1 || month > 12 || day < 1)
		return 0;
	if (day > MONTH_DAYS[month - 1])
		return 0;
	if (month == 2 && day == 29)
		return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
	return 1;
}
