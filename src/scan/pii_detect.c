/* pii_detect.c - the identifier detectors over a UTF-8 text buffer.
 *
 * The scan skips every byte that cannot start an identifier (all but
 * digits, '@' and '+') through one table lookup, so ordinary prose costs
 * about a cycle a byte.  At a digit that starts a token (not glued to a
 * letter or digit before it) it tries a date, then reads a digit sequence:
 * groups of digits joined by one consistent separator (space, no-break
 * space, '.', '-').  Each prefix of whole groups, longest first, is tried
 * as NIR (15), SIRET (14), card (13-19), international phone (0033 + 9),
 * phone (10), SIREN after a keyword (9) and postcode of an address (5),
 * each with the groupings people actually write.  A run glued to more
 * digits or letters is never cut, so a phone number inside a longer digit
 * run does not match.  IBANs start at two capital letters glued to digits;
 * e-mail addresses are grown around an '@'.
 */
#include "pii_internal.h"
#include "pii_validate.h"

#include <string.h>

enum {
	C_DIGIT = 1,
	C_UPPER = 2,
	C_LOWER = 4,
	C_TRIGGER = 8, /* may start an identifier: digits, '@', '+' */
	C_LOCAL = 16,  /* e-mail local part: alnum . _ % + - */
	C_DOMAIN = 32, /* e-mail domain label: alnum - */
	C_ALNUM = C_DIGIT | C_UPPER | C_LOWER,
};

static const uint8_t CLS[256] = {
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0, 16,  0,  0,  0,  0,  0, 24,  0, 48, 16,  0,
	57, 57, 57, 57, 57, 57, 57, 57, 57, 57,  0,  0,  0,  0,  0,  0,
	 8, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,
	50, 50, 50, 50, 50, 50, 50, 50, 50, 50, 50,  0,  0,  0,  0, 16,
	 0, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52,
	52, 52, 52, 52, 52, 52, 52, 52, 52, 52, 52,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
	 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,
};

#define IS(c, k) (CLS[(uint8_t)(c)] & (k))

static int is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

/* Eight bytes at a time (SWAR): most text holds no digit for dozens of
 * bytes, and the search for the next possible identifier tests words
 * before bytes.  (The same filter on the walk back from a date, for a
 * birth keyword, cost more than it saved: measured.) */
#define SWAR_ONES 0x0101010101010101ULL
#define SWAR_HIGHS 0x8080808080808080ULL

static uint64_t swar_load(const uint8_t *p)
{
	uint64_t x;
	memcpy(&x, p, sizeof x);
	return x;
}

/* Nonzero when a byte of x equals v. */
static uint64_t swar_has(uint64_t x, uint8_t v)
{
	uint64_t y = x ^ (SWAR_ONES * v);
	return (y - SWAR_ONES) & ~y & SWAR_HIGHS;
}

/* Nonzero when a byte of x is an ASCII digit (bytes >= 0x80 never are). */
static uint64_t swar_has_digit(uint64_t x)
{
	uint64_t low = x & (SWAR_ONES * 127);
	return ((SWAR_ONES * (127 + '9' + 1)) - low) & ~x & (low + SWAR_ONES * (127 - ('0' - 1))) & SWAR_HIGHS;
}

/* Nonzero when a byte of x may start an identifier (C_TRIGGER). */
static uint64_t swar_has_trigger(uint64_t x)
{
	return swar_has_digit(x) | swar_has(x, '@') | swar_has(x, '+');
}

/* A letter for word boundaries: ASCII letters and any byte of a non-ASCII
 * UTF-8 character (accented letters). */
static int is_wordch(uint8_t c)
{
	return IS(c, C_ALNUM) || c >= 0x80;
}

/* Case folding good enough for keyword matching: ASCII letters, and the
 * second byte of UTF-8 capitals U+00C0..U+00DE (É is C3 89, é is C3 A9). */
static uint8_t fold(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (uint8_t)(c + 32);
	if (c >= 0x80 && c <= 0x9e)
		return (uint8_t)(c + 0x20);
	return c;
}

/* Keyword kw (lower case, UTF-8) at b[at..) within len, at a word start;
 * with `whole`, also followed by a non-letter. */
static int kw_at(const uint8_t *b, size_t len, size_t at, const char *kw, int whole)
{
	if (at > 0 && is_wordch(b[at - 1]) && IS(kw[0], C_ALNUM))
		return 0;
	size_t n = 0; /* compared as it goes: most calls fail on the first byte */
	for (; kw[n]; n++)
		if (at + n >= len || fold(b[at + n]) != (uint8_t)kw[n])
			return 0;
	if (whole && at + n < len && IS(b[at + n], C_ALNUM))
		return 0;
	if (whole && at + n + 1 < len && b[at + n] >= 0x80 && b[at + n] != 0xc2)
		return 0; /* an accented letter continues the word (but not NBSP) */
	return 1;
}

typedef struct kw_rule {
	const char *kw;
	int whole;
} kw_rule;

/* Every keyword starts with a letter at a word start: other positions are
 * skipped before the rules are tried (most of the cost of context checks). */
static int word_start(const uint8_t *b, size_t at)
{
	return IS(b[at], C_UPPER | C_LOWER) && (at == 0 || !is_wordch(b[at - 1]));
}

/* The bytes a rule set's keywords can start with, before folding, as a
 * 256-bit set: a scan tests one bit per byte and folds and looks at the
 * rules only where a keyword can start. */
typedef struct kw_first {
	uint64_t bits[4];
} kw_first;

static void kw_first_add(kw_first *f, uint8_t c)
{
	f->bits[c >> 6] |= (uint64_t)1 << (c & 63);
}

static void kw_first_init(kw_first *f, const kw_rule *rules, size_t nrules)
{
	memset(f, 0, sizeof *f);
	for (size_t r = 0; r < nrules; r++) {
		uint8_t c = (uint8_t)rules[r].kw[0];
		kw_first_add(f, c);
		/* the bytes fold() turns into c */
		if (c >= 'a' && c <= 'z')
			kw_first_add(f, (uint8_t)(c - 32));
		if (c >= 0xa0 && c <= 0xbe)
			kw_first_add(f, (uint8_t)(c - 0x20));
	}
}

/* Whether a keyword of the set may start at b[at]; sets *c to its folded byte. */
static inline __attribute__((always_inline)) int kw_may_start(const kw_first *f, const uint8_t *b, size_t at, uint8_t *c)
{
	uint8_t raw = b[at];
	if (!(f->bits[raw >> 6] >> (raw & 63) & 1))
		return 0;
	*c = fold(raw);
	return word_start(b, at);
}

static int any_kw(const uint8_t *b, size_t lo, size_t hi, const kw_rule *rules, size_t nrules)
{
	kw_first f;
	kw_first_init(&f, rules, nrules);
	for (size_t at = lo; at < hi; at++) {
		uint8_t c;
		if (!kw_may_start(&f, b, at, &c))
			continue;
		for (size_t r = 0; r < nrules; r++)
			if ((uint8_t)rules[r].kw[0] == c && kw_at(b, hi, at, rules[r].kw, rules[r].whole))
				return 1;
	}
	return 0;
}

static const kw_rule BIRTH_KW[] = {
	{"naiss", 0},          {"n\xc3\xa9 ", 0},     {"n\xc3\xa9" "e ", 0}, {"n\xc3\xa9(e)", 0},
	{"n\xc3\xa9:", 0},     {"n\xc3\xa9" "e:", 0}, {"n\xc3\xa9" "e,", 0}, {"n\xc3\xa9,", 0},
	{"birth", 0},          {"born", 1},           {"dob", 1},            {"d.o.b", 0},
	{"ddn", 1},            {"date de nais", 0},
};

static const kw_rule NIR_KW[] = {
	{"nir", 1},         {"n.i.r", 0},            {"s\xc3\xa9" "cu", 0}, {"secu", 0},
	{"s\xc3\xa9" "curit\xc3\xa9 sociale", 0},   {"securite sociale", 0},
	{"insee", 1},       {"ssn", 1},              {"social security", 0},
	{"immatriculation", 0},                     {"n\xc2\xb0 ss", 1},   {"n\xc2\xb0ss", 1},
	{"no ss", 1},       {"num ss", 1},           {"nss", 1},            {"num_ss", 1},
	{"n_ss", 1},        {"carte vitale", 0},
};

static const kw_rule SIREN_KW[] = {
	{"siren", 0}, {"siret", 0}, {"rcs", 1},
};

static const kw_rule CARD_KW[] = {
	{"carte", 0},    {"card", 0},      {"cb", 1},         {"visa", 1},  {"mastercard", 0},
	{"master card", 0}, {"amex", 1},   {"american express", 0},         {"maestro", 1},
	{"paiement", 0}, {"payment", 0},   {"pan", 1},        {"cr\xc3\xa9" "dit", 0},
};

static const kw_rule STREET_KW[] = {
	{"rue", 1},       {"avenue", 1},     {"av", 1},          {"ave", 1},
	{"boulevard", 1}, {"bd", 1},         {"bld", 1},         {"blvd", 1},
	{"place", 1},     {"pl", 1},         {"chemin", 1},      {"all\xc3\xa9" "e", 1},
	{"allee", 1},     {"impasse", 1},    {"imp", 1},         {"route", 1},
	{"rte", 1},       {"quai", 1},       {"cours", 1},       {"square", 1},
	{"r\xc3\xa9sidence", 1},             {"residence", 1},   {"lotissement", 1},
	{"lieu-dit", 1},  {"hameau", 1},     {"voie", 1},        {"passage", 1},
	{"rond-point", 1}, {"faubourg", 1},  {"fbg", 1},         {"cit\xc3\xa9", 1},
	{"sentier", 1},   {"promenade", 1},  {"esplanade", 1},   {"parvis", 1},
	{"chauss\xc3\xa9" "e", 1},           {"mont\xc3\xa9" "e", 1}, {"villa", 1},
	{"clos", 1},      {"domaine", 1},    {"square", 1},      {"r\xc3\xa9s", 1},
};

#define NKW(a) (sizeof(a) / sizeof((a)[0]))

/* kw_first_init() of BIRTH_KW and STREET_KW, written out: they are tried
 * at every date and postcode, and pii_detect() runs once per table cell,
 * too often to build them each time.  pii_detect_tables_ok() checks them. */
static const kw_first BIRTH_FIRST = {{0, 0x0000401400004014ULL, 0, 0}};
static const kw_first STREET_FIRST = {{0, 0x004f337e004f337eULL, 0, 0}};

int pii_detect_tables_ok(void)
{
	kw_first f;
	kw_first_init(&f, BIRTH_KW, NKW(BIRTH_KW));
	if (memcmp(&f, &BIRTH_FIRST, sizeof f))
		return 0;
	/* the word-at-a-time filter agrees with the byte test */
	for (unsigned c = 0; c < 256; c++) {
		uint64_t x = SWAR_ONES * c;
		if (!swar_has_trigger(x) != !IS(c, C_TRIGGER))
			return 0;
	}
	kw_first_init(&f, STREET_KW, NKW(STREET_KW));
	return !memcmp(&f, &STREET_FIRST, sizeof f);
}

int pii_has_nir_keyword(const uint8_t *buf, size_t len)
{
	return any_kw(buf, 0, len, NIR_KW, NKW(NIR_KW));
}

int pii_has_birth_keyword(const uint8_t *buf, size_t len)
{
	return any_kw(buf, 0, len, BIRTH_KW, NKW(BIRTH_KW));
}

int pii_has_card_keyword(const uint8_t *buf, size_t len)
{
	return any_kw(buf, 0, len, CARD_KW, NKW(CARD_KW));
}

int pii_has_siret_keyword(const uint8_t *buf, size_t len)
{
	return any_kw(buf, 0, len, SIREN_KW, NKW(SIREN_KW));
}

#define BIRTH_LOOKBACK_BYTES 64
#define SIREN_LOOKBACK_BYTES 40
#define CARD_LOOKBACK_BYTES 48
#define STREET_LOOKBACK_BYTES 110

static size_t back(size_t at, size_t span)
{
	return at > span ? at - span : 0;
}

/* Like back(), but not before the start of the line holding b[at]: a
 * keyword on the line above describes something else. */
static size_t line_back(const uint8_t *b, size_t at, size_t span)
{
	size_t lo = back(at, span);
	const uint8_t *nl = memrchr(b + lo, '\n', at - lo);
	return nl ? (size_t)(nl - b) + 1 : lo;
}

static void emit(pii_hit_fn fn, void *ctx, int kind, unsigned flags, size_t off, size_t end,
		 const uint8_t *v, size_t n)
{
	pii_hit h;
	h.kind = kind;
	h.flags = flags;
	h.off = off;
	h.len = end - off;
	h.year = h.month = h.day = 0;
	if (n > sizeof h.val)
		n = sizeof h.val;
	memcpy(h.val, v, n);
	h.val_len = n;
	fn(ctx, &h);
}

/* ---- e-mail ---- */

#define EMAIL_LOCAL_MAX_BYTES 64
#define EMAIL_DOMAIN_MAX_BYTES 253

static size_t try_email(const uint8_t *b, size_t len, size_t at, pii_hit_fn fn, void *ctx)
{
	size_t k = at;
	while (k > 0 && at - k < EMAIL_LOCAL_MAX_BYTES && IS(b[k - 1], C_LOCAL))
		k--;
	if (k > 0 && IS(b[k - 1], C_LOCAL))
		return 0; /* local part too long to be one */
	while (k < at && !IS(b[k], C_ALNUM))
		k++;
	if (k == at || b[at - 1] == '.')
		return 0;
	size_t j = at + 1, labels = 0, last = j;
	for (;;) {
		size_t s = j;
		while (j < len && j - at <= EMAIL_DOMAIN_MAX_BYTES && IS(b[j], C_DOMAIN))
			j++;
		if (j == s || j - s > 63 || b[s] == '-' || b[j - 1] == '-')
			return 0;
		labels++;
		last = s;
		if (j + 1 < len && b[j] == '.' && IS(b[j + 1], C_ALNUM) && j - at < EMAIL_DOMAIN_MAX_BYTES)
			j++;
		else
			break;
	}
	if (labels < 2 || j - last < 2)
		return 0;
	for (size_t t = last; t < j; t++)
		if (!IS(b[t], C_UPPER | C_LOWER))
			return 0;
	if (j < len && (b[j] == '@' || b[j] == '_'))
		return 0;
	uint8_t v[PII_VALUE_MAX_BYTES];
	size_t n = 0;
	for (size_t t = k; t < j && n < sizeof v; t++)
		v[n++] = fold(b[t]);
	emit(fn, ctx, RP_PII_EMAIL, 0, k, j, v, n);
	return j;
}

/* ---- digit sequences ---- */

#define SEQ_MAX_DIGITS 40
#define SEQ_MAX_GROUPS 20

typedef struct numseq {
	char d[SEQ_MAX_DIGITS];
	unsigned nd, ng;
	uint8_t gl[SEQ_MAX_GROUPS];  /* digits per group */
	size_t gs[SEQ_MAX_GROUPS];   /* group start */
	size_t ge[SEQ_MAX_GROUPS];   /* just past the group */
	unsigned sep;                /* separator in use (' ' for every kind of space) */
	size_t end;
	int overflow;
} numseq;

/* Separator at b[j]: space, '.', '-', NBSP (C2 A0), narrow NBSP (E2 80 AF).
 * The spaces share one code: web pages mix them in one number. */
static size_t sep_at(const uint8_t *b, size_t len, size_t j, unsigned *code)
{
	if (j >= len)
		return 0;
	uint8_t c = b[j];
	if (c == ' ' || c == '.' || c == '-') {
		*code = c;
		return 1;
	}
	if (c == 0xc2 && j + 1 < len && b[j + 1] == 0xa0) {
		*code = ' ';
		return 2;
	}
	if (c == 0xe2 && j + 2 < len && b[j + 1] == 0x80 && b[j + 2] == 0xaf) {
		*code = ' ';
		return 3;
	}
	return 0;
}

static void seq_read(const uint8_t *b, size_t len, size_t i, numseq *s)
{
	s->nd = s->ng = 0;
	s->sep = 0;
	s->overflow = 0;
	size_t j = i;
	for (;;) {
		size_t start = j;
		unsigned gl = 0;
		while (j < len) {
			uint8_t c = b[j];
			/* Corsican departments 2A/2B sit at NIR offsets 5-6 */
			int corsica = (c == 'A' || c == 'B') && s->nd == 6 && s->d[5] == '2';
			if (!is_digit(c) && !corsica)
				break;
			if (s->nd == SEQ_MAX_DIGITS) {
				s->overflow = 1;
				while (j < len && IS(b[j], C_ALNUM))
					j++;
				s->end = j;
				return;
			}
			s->d[s->nd++] = (char)c;
			gl++;
			j++;
		}
		s->gl[s->ng] = (uint8_t)gl;
		s->gs[s->ng] = start;
		s->ge[s->ng] = j;
		s->ng++;
		if (s->ng == SEQ_MAX_GROUPS)
			break;
		unsigned code = 0;
		size_t w = sep_at(b, len, j, &code);
		if (!w || (s->sep && s->sep != code) || j + w >= len || !is_digit(b[j + w]))
			break;
		s->sep = code;
		j += w;
	}
	s->end = j;
}

/* Can an identifier end at b[end]?  Not when glued to a letter, digit,
 * '@' or '_'; and at the end of the sequence, not before a decimal part. */
static int end_ok(const uint8_t *b, size_t len, size_t end, int last)
{
	if (end >= len)
		return 1;
	uint8_t c = b[end];
	if (IS(c, C_ALNUM) || c == '@' || c == '_')
		return 0;
	if (last && (c == ',' || c == '.' || c == '/') && end + 1 < len && is_digit(b[end + 1]))
		return 0;
	return 1;
}

static int groups_all(const numseq *s, unsigned from, unsigned to, unsigned glen)
{
	for (unsigned k = from; k < to; k++)
		if (s->gl[k] != glen)
			return 0;
	return 1;
}

static int groups_at_most(const numseq *s, unsigned from, unsigned to, unsigned glen)
{
	for (unsigned k = from; k < to; k++)
		if (s->gl[k] > glen)
			return 0;
	return 1;
}

static int card_grouping(const numseq *s, unsigned j)
{
	if (j == 1)
		return 1;
	if (groups_all(s, 0, j - 1, 4) && s->gl[j - 1] >= 1 && s->gl[j - 1] <= 4)
		return 1;
	/* American Express 4-6-5, Diners 4-6-4 */
	return j == 3 && s->gl[0] == 4 && s->gl[1] == 6 && (s->gl[2] == 5 || s->gl[2] == 4);
}

static int siret_grouping(const numseq *s, unsigned j)
{
	if (j == 1)
		return 1;
	if (j == 4 && s->gl[0] == 3 && s->gl[1] == 3 && s->gl[2] == 3 && s->gl[3] == 5)
		return 1;
	return j == 2 && s->gl[0] == 9 && s->gl[1] == 5;
}

static int phone_grouping(const numseq *s, unsigned from, unsigned j)
{
	return j - from == 1 || groups_at_most(s, from, j, 3) || groups_all(s, from, j, 2);
}

/* ---- addresses ---- */

/* A house number ending just before b[q] (spaces, commas and bis/ter
 * allowed in between); returns its start or SIZE_MAX. */
static size_t house_number_before(const uint8_t *b, size_t lo, size_t q)
{
	size_t k = q;
	for (int round = 0; round < 2; round++) {
		while (k > lo && (b[k - 1] == ' ' || b[k - 1] == ','))
			k--;
		if (round == 0) {
			static const char *const SUFFIXES[] = {"bis", "ter", "b", "t"};
			for (size_t s = 0; s < 4; s++) {
				size_t n = strlen(SUFFIXES[s]);
				if (k >= lo + n + 1 && kw_at(b, k, k - n, SUFFIXES[s], 1)) {
					k -= n;
					break;
				}
			}
		}
	}
	size_t e = k;
	while (k > lo && is_digit(b[k - 1]) && e - k < 5)
		k--;
	if (k == e || e - k > 4 || (k > lo && IS(b[k - 1], C_ALNUM)))
		return SIZE_MAX;
	return k;
}

static int try_address(const uint8_t *b, size_t len, size_t p, size_t end, pii_hit_fn fn,
		       void *ctx)
{
	/* the town follows: spaces (or a cell break) then a letter */
	size_t j = end;
	while (j < len && j - end < 3 && (b[j] == ' ' || b[j] == '\t' || b[j] == ','))
		j++;
	if (j == end || j >= len || !(IS(b[j], C_UPPER | C_LOWER) || b[j] == 0xc3))
		return 0;
	size_t lo = back(p, STREET_LOOKBACK_BYTES);
	for (size_t q = p; q-- > lo;) {
		uint8_t c;
		if (!kw_may_start(&STREET_FIRST, b, q, &c))
			continue;
		for (size_t r = 0; r < NKW(STREET_KW); r++) {
			if ((uint8_t)STREET_KW[r].kw[0] != c || !kw_at(b, p, q, STREET_KW[r].kw, 1))
				continue;
			size_t start = house_number_before(b, back(q, 16) > lo ? back(q, 16) : lo, q);
			if (start == SIZE_MAX)
				continue;
			/* another postcode or number, or a second line break, between
			 * the street and this postcode: they do not belong together */
			size_t run = 0, breaks = 0;
			int apart = 0;
			for (size_t k = q; k < p && !apart; k++) {
				run = is_digit(b[k]) ? run + 1 : 0;
				breaks += b[k] == '\n';
				apart = run >= 5 || breaks > 1;
			}
			if (apart)
				return 0;
			uint8_t v[PII_VALUE_MAX_BYTES];
			size_t n = 0;
			int space = 0;
			for (size_t t = start; t < end && n < sizeof v; t++) {
				if (IS(b[t], C_ALNUM) || b[t] >= 0x80) {
					if (space && n < sizeof v)
						v[n++] = ' ';
					space = 0;
					if (n < sizeof v)
						v[n++] = fold(b[t]);
				} else if (n) {
					space = 1;
				}
			}
			emit(fn, ctx, RP_PII_ADDRESS, 0, start, end, v, n);
			return 1;
		}
	}
	return 0;
}

/* ---- dates ---- */

static size_t read_num(const uint8_t *b, size_t len, size_t j, unsigned maxd, int *v)
{
	size_t k = 0;
	int x = 0;
	while (j + k < len && k < maxd && is_digit(b[j + k]))
		x = x * 10 + (b[j + k++] - '0');
	*v = x;
	return k;
}

static const char *const MONTHS[] = {
	"janvier", "f\xc3\xa9vrier", "fevrier", "mars", "avril", "mai", "juin", "juillet",
	"ao\xc3\xbbt", "aout", "septembre", "octobre", "novembre", "d\xc3\xa9" "cembre",
	"decembre", "january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december", "janv", "f\xc3\xa9vr",
	"fevr", "f\xc3\xa9v", "fev", "avr", "juil", "sept", "oct", "nov", "d\xc3\xa9" "c", "dec",
};
static const uint8_t MONTH_NO[] = {
	1, 2, 2, 3, 4, 5, 6, 7, 8, 8, 9, 10, 11, 12, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
	1, 2, 2, 2, 2, 4, 7, 9, 10, 11, 12, 12,
};

static int month_name(const uint8_t *b, size_t len, size_t j, size_t *end)
{
	for (size_t m = 0; m < NKW(MONTHS); m++) {
		if (kw_at(b, len, j, MONTHS[m], 1)) {
			size_t e = j + strlen(MONTHS[m]);
			if (e < len && b[e] == '.')
				e++;
			*end = e;
			return MONTH_NO[m];
		}
	}
	return 0;
}

/* At most 3 spaces: a date is written on one line, and the detector must
 * not read further than PII_LOOKAHEAD_BYTES. */
static size_t skip_spaces(const uint8_t *b, size_t len, size_t j)
{
	for (int k = 0; k < 3 && j < len && b[j] == ' '; k++)
		j++;
	return j;
}

static int date_end_ok(const uint8_t *b, size_t len, size_t e)
{
	if (e >= len)
		return 1;
	if (IS(b[e], C_ALNUM))
		return 0;
	return !((b[e] == '/' || b[e] == '-' || b[e] == '.') && e + 1 < len && is_digit(b[e + 1]));
}

/* A birth keyword before a date at b[i]: on the same line, within
 * BIRTH_LOOKBACK_BYTES, with no other year between them (so in "né le
 * 12/03/1985, marié le 03/06/2010" only the first date is a birth date). */
static int birth_context(const uint8_t *b, size_t i)
{
	size_t lo = line_back(b, i, BIRTH_LOOKBACK_BYTES);
	/* walking back, a year (four digits in a row) ends the search: any
	 * keyword before it belongs to that other date (rows of dates in
	 * tables and dumps stop at once instead of walking the whole span) */
	size_t run = 0;
	for (size_t at = i; at-- > lo;) {
		if (is_digit(b[at])) {
			if (++run == 4)
				return 0;
			continue;
		}
		run = 0;
		uint8_t c;
		if (!kw_may_start(&BIRTH_FIRST, b, at, &c))
			continue;
		for (size_t r = 0; r < NKW(BIRTH_KW); r++)
			if ((uint8_t)BIRTH_KW[r].kw[0] == c && kw_at(b, i, at, BIRTH_KW[r].kw, BIRTH_KW[r].whole))
				return 1;
	}
	return 0;
}

static size_t try_date(const uint8_t *b, size_t len, size_t i, pii_hit_fn fn, void *ctx)
{
	int d = 0, m = 0, y = 0;
	size_t e = 0, k;
	int a;
	size_t n1 = read_num(b, len, i, 4, &a);
	size_t j = i + n1;
	if (n1 == 4 && j + 5 < len && b[j] == '-') {
		/* 1985-03-12 */
		y = a;
		if (read_num(b, len, j + 1, 2, &m) != 2 || b[j + 3] != '-' ||
		    read_num(b, len, j + 4, 2, &d) != 2)
			return 0;
		e = j + 6;
	} else if ((n1 == 1 || n1 == 2) && j < len && (b[j] == '/' || b[j] == '.' || b[j] == '-')) {
		/* 12/03/1985, 12.03.1985, 12-03-1985 */
		uint8_t sep = b[j];
		d = a;
		k = read_num(b, len, j + 1, 2, &m);
		if (k == 0 || j + 1 + k >= len || b[j + 1 + k] != sep)
			return 0;
		size_t yk = read_num(b, len, j + 2 + k, 4, &y);
		if (yk != 4)
			return 0;
		e = j + 2 + k + 4;
	} else if (n1 == 1 || n1 == 2) {
		/* 12 mars 1985, 1er janvier 1990 */
		d = a;
		if (j + 2 <= len && b[j] == 'e' && j + 1 < len && b[j + 1] == 'r')
			j += 2;
		if (j >= len || b[j] != ' ')
			return 0;
		j = skip_spaces(b, len, j);
		size_t me;
		m = month_name(b, len, j, &me);
		if (!m || me >= len || b[me] != ' ')
			return 0;
		j = skip_spaces(b, len, me);
		if (read_num(b, len, j, 4, &y) != 4)
			return 0;
		e = j + 4;
	} else {
		return 0;
	}
	if (!rp_pii_date_valid(y, m, d) || !date_end_ok(b, len, e))
		return 0;
	pii_hit h;
	h.kind = birth_context(b, i) ? RP_PII_BIRTHDATE : PII_HIT_DATE;
	h.flags = 0;
	h.off = i;
	h.len = e - i;
	h.year = y;
	h.month = m;
	h.day = d;
	h.val_len = 8;
	h.val[0] = (uint8_t)('0' + y / 1000);
	h.val[1] = (uint8_t)('0' + y / 100 % 10);
	h.val[2] = (uint8_t)('0' + y / 10 % 10);
	h.val[3] = (uint8_t)('0' + y % 10);
	h.val[4] = (uint8_t)('0' + m / 10);
	h.val[5] = (uint8_t)('0' + m % 10);
	h.val[6] = (uint8_t)('0' + d / 10);
	h.val[7] = (uint8_t)('0' + d % 10);
	fn(ctx, &h);
	return e;
}

/* ---- numbers ---- */

static void emit_nir(pii_hit_fn fn, void *ctx, size_t off, size_t end, const char *d, int bare)
{
	pii_hit h;
	h.kind = RP_PII_NIR;
	h.flags = bare ? PII_HIT_F_BARE : 0;
	h.off = off;
	h.len = end - off;
	h.year = (d[1] - '0') * 10 + (d[2] - '0');
	h.month = (d[3] - '0') * 10 + (d[4] - '0');
	h.day = 0;
	memcpy(h.val, d, 15);
	h.val_len = 15;
	fn(ctx, &h);
}

static size_t try_number(const uint8_t *b, size_t len, size_t i, pii_hit_fn fn, void *ctx)
{
	size_t e = try_date(b, len, i, fn, ctx);
	if (e)
		return e;
	numseq s;
	seq_read(b, len, i, &s);
	if (s.overflow)
		return s.end;
	unsigned cum[SEQ_MAX_GROUPS + 1];
	cum[0] = 0;
	for (unsigned k = 0; k < s.ng; k++)
		cum[k + 1] = cum[k] + s.gl[k];
	for (unsigned j = s.ng; j >= 1; j--) {
		unsigned n = cum[j];
		size_t end = s.ge[j - 1];
		if (!end_ok(b, len, end, j == s.ng))
			continue;
		if (n == 15 && rp_pii_nir_plausible(s.d, 15)) {
			emit_nir(fn, ctx, i, end, s.d, j == 1);
			return end;
		}
		/* SIRETs and card numbers written as one run of digits look like
		 * any reference number: without a keyword before them they are
		 * flagged bare, and count only in a table column named for them */
		if (n == 14 && siret_grouping(&s, j) && rp_pii_siret_valid(s.d, 14)) {
			int bare = j == 1 && !any_kw(b, line_back(b, i, SIREN_LOOKBACK_BYTES), i, SIREN_KW, NKW(SIREN_KW));
			emit(fn, ctx, RP_PII_SIRET, bare ? PII_HIT_F_BARE : 0, i, end, (const uint8_t *)s.d, 14);
			return end;
		}
		if (n >= 13 && n <= 19 && card_grouping(&s, j) && rp_pii_card_valid(s.d, n)) {
			int bare = j == 1 && !any_kw(b, line_back(b, i, CARD_LOOKBACK_BYTES), i, CARD_KW, NKW(CARD_KW));
			emit(fn, ctx, RP_PII_CARD, bare ? PII_HIT_F_BARE : 0, i, end, (const uint8_t *)s.d, n);
			return end;
		}
		if (n == 13 && s.gl[0] == 4 && !memcmp(s.d, "0033", 4) && s.d[4] != '0' &&
		    phone_grouping(&s, 1, j)) {
			emit(fn, ctx, RP_PII_PHONE, 0, i, end, (const uint8_t *)s.d + 4, 9);
			return end;
		}
		if (n == 10 && s.d[0] == '0' && s.d[1] != '0' &&
		    (j == 1 || groups_all(&s, 0, j, 2))) {
			emit(fn, ctx, RP_PII_PHONE, 0, i, end, (const uint8_t *)s.d + 1, 9);
			return end;
		}
		if (n == 9 && (j == 1 || (j == 3 && groups_all(&s, 0, 3, 3))) &&
		    rp_pii_siren_valid(s.d, 9) &&
		    any_kw(b, line_back(b, i, SIREN_LOOKBACK_BYTES), i, SIREN_KW, NKW(SIREN_KW))) {
			emit(fn, ctx, RP_PII_SIRET, 0, i, end, (const uint8_t *)s.d, 9);
			return end;
		}
		if (n == 5 && j == 1 && rp_pii_postcode_valid(s.d, 5) &&
		    try_address(b, len, i, end, fn, ctx))
			return end;
	}
	/* nothing starts here: the next group may start something */
	return s.ng > 1 ? s.gs[1] : s.end;
}

/* +33 6 12 34 56 78, +33 (0)6 12 34 56 78, +33612345678 */
static size_t try_plus_phone(const uint8_t *b, size_t len, size_t i, pii_hit_fn fn, void *ctx)
{
	if (i > 0 && (IS(b[i - 1], C_ALNUM) || b[i - 1] == '+'))
		return 0;
	size_t j = i + 1;
	if (j + 2 > len || b[j] != '3' || b[j + 1] != '3')
		return 0;
	j += 2;
	unsigned code;
	j += sep_at(b, len, j, &code);
	if (j + 3 <= len && b[j] == '(' && b[j + 1] == '0' && b[j + 2] == ')') {
		j += 3;
		j += sep_at(b, len, j, &code);
	}
	if (j >= len || !is_digit(b[j]) || b[j] == '0')
		return 0;
	numseq s;
	seq_read(b, len, j, &s);
	if (s.overflow)
		return 0;
	unsigned n = 0;
	for (unsigned k = 0; k < s.ng; k++) {
		n += s.gl[k];
		if (n > 9)
			return 0;
		if (n == 9) {
			if (!phone_grouping(&s, 0, k + 1) || !end_ok(b, len, s.ge[k], k + 1 == s.ng))
				return 0;
			emit(fn, ctx, RP_PII_PHONE, 0, i, s.ge[k], (const uint8_t *)s.d, 9);
			return s.ge[k];
		}
	}
	return 0;
}

/* ---- IBAN ---- */

static size_t try_iban(const uint8_t *b, size_t len, size_t s, pii_hit_fn fn, void *ctx)
{
	char cc[2] = {(char)b[s], (char)b[s + 1]};
	size_t want = rp_pii_iban_length(cc);
	if (!want)
		return 0;
	char v[34];
	size_t n = 0, j = s;
	unsigned group = 0, sep = 0;
	while (n < want) {
		if (j < len && IS(b[j], C_DIGIT | C_UPPER)) {
			v[n++] = (char)b[j++];
			group++;
			continue;
		}
		/* printed IBANs come in groups of four */
		unsigned code = 0;
		size_t w = group == 4 ? sep_at(b, len, j, &code) : 0;
		if (!w || code == '.' || (sep && code != sep) || j + w >= len ||
		    !IS(b[j + w], C_DIGIT | C_UPPER))
			return 0;
		sep = code;
		j += w;
		group = 0;
	}
	if (j < len && IS(b[j], C_ALNUM))
		return 0;
	/* an IBAN-shaped token is consumed even when its key is wrong, so its
	 * digits are not taken for a card or a phone number */
	if (rp_pii_iban_valid(v, n))
		emit(fn, ctx, RP_PII_IBAN, 0, s, j, (const uint8_t *)v, n);
	return j;
}

size_t pii_detect(const uint8_t *b, size_t len, size_t from, size_t to, pii_hit_fn fn, void *ctx)
{
	size_t i = from;
	while (i < to) {
		while (i + 8 <= to && !swar_has_trigger(swar_load(b + i)))
			i += 8;
		while (i < to && !IS(b[i], C_TRIGGER))
			i++;
		if (i >= to)
			break;
		uint8_t c = b[i];
		size_t e;
		if (c == '@') {
			e = try_email(b, len, i, fn, ctx);
			i = e ? e : i + 1;
			continue;
		}
		if (c == '+') {
			e = try_plus_phone(b, len, i, fn, ctx);
			i = e ? e : i + 1;
			continue;
		}
		if (i > 0 && IS(b[i - 1], C_ALNUM)) {
			if (i >= 2 && IS(b[i - 1], C_UPPER) && IS(b[i - 2], C_UPPER) &&
			    (i == 2 || !IS(b[i - 3], C_ALNUM)) && i + 1 < len && is_digit(b[i + 1])) {
				e = try_iban(b, len, i - 2, fn, ctx);
				if (e) {
					i = e;
					continue;
				}
			}
			while (i < len && IS(b[i], C_ALNUM))
				i++;
			continue;
		}
		if (i >= 2 && b[i - 1] >= 0x80 && b[i - 1] <= 0xbf && b[i - 2] >= 0xc3 && b[i - 2] <= 0xc5) {
			/* glued to an accented Latin letter (U+00C0..U+017F) */
			while (i < len && IS(b[i], C_ALNUM))
				i++;
			continue;
		}
		i = try_number(b, len, i, fn, ctx);
	}
	return i;
}
