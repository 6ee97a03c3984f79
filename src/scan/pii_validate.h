/* pii_validate.h - check-digit validators behind the PII detectors.
 *
 * Every validator takes the compact form (no separators) and returns 1 for
 * valid, 0 otherwise; none reads past s[n-1].  The key/format validators
 * follow the rules of the national and ISO standards, so they agree with
 * independent implementations (tests/e2e/pii_stdnum.sh checks them against
 * python-stdnum); the detectors add plausibility checks on top
 * (rp_pii_nir_plausible, card issuer prefixes) to keep random digits out.
 */
#ifndef RP_PII_VALIDATE_H
#define RP_PII_VALIDATE_H

#include <stddef.h>
#include <stdint.h>

/* NIR: 15 characters, digits except "2A"/"2B" at offsets 5-6 (Corsica),
 * and a key (offsets 13-14) equal to 97 - (first 13 digits mod 97), where
 * 2A counts as 19 and 2B as 18. */
int rp_pii_nir_valid(const char *s, size_t n);
/* A valid NIR whose fields are in range: sex 1, 2 (or 7, 8 for temporary
 * numbers); month 01-12, 20 or 30-42; department 01-99 (97 followed by
 * 1-8), 2A, 2B; commune and order number not 000. */
int rp_pii_nir_plausible(const char *s, size_t n);

/* IBAN: known country code, that country's length and BBAN structure
 * (digits / letters / either, per position), and the ISO 7064 mod 97-10
 * check.  Letters must be upper case. */
int rp_pii_iban_valid(const char *s, size_t n);
/* Length of an IBAN for this country code (2 upper-case letters), or 0. */
size_t rp_pii_iban_length(const char *cc);

/* Luhn checksum over n >= 1 digits. */
int rp_pii_luhn_valid(const char *s, size_t n);
/* Payment card: 12-19 digits, Luhn, and an issuer prefix known for that
 * length (Visa, Mastercard, Amex, Diners, Discover, JCB, UnionPay,
 * Maestro, Mir). */
int rp_pii_card_valid(const char *s, size_t n);
/* Issuer name for a card number ("visa", ...), or NULL if no prefix/length
 * rule matches (Luhn not checked). */
const char *rp_pii_card_brand(const char *s, size_t n);

/* SIREN: 9 digits, Luhn. */
int rp_pii_siren_valid(const char *s, size_t n);
/* SIRET: 14 digits, Luhn (La Poste establishments, SIREN 356000000 other
 * than the head office, instead have a digit sum divisible by 5), and a
 * valid SIREN in the first 9 digits. */
int rp_pii_siret_valid(const char *s, size_t n);

/* French postcode: 5 digits, department 01-95, 971-978 or 98. */
int rp_pii_postcode_valid(const char *s, size_t n);
/* A calendar date with year 1900-2099. */
int rp_pii_date_valid(int year, int month, int day);

#endif
