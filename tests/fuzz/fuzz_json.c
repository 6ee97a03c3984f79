/* fuzz_json.c - rp_json_parse, then write and parse again.
 *
 * Properties: whatever parses, the writer turns into JSON that parses
 * again (compact and pretty) to the same tree, and the text reaches a
 * fixed point after one round of normalisation.
 * "Same" allows the writer's documented normalisations: invalid UTF-8
 * becomes U+FFFD, non-integers are printed with 6 significant digits.
 */
#include "fuzz_common.h"
#include "util/json.h"

#include <math.h>

static int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;
	while (i < n) {
		unsigned c = p[i], need, cp, min;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			need = 1, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (n - i - 1 < need)
			return 0;
		for (unsigned k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* The double the writer's text for v parses back to. */
static double written_double(double v)
{
	char t[64];
	if (!isfinite(v))
		v = 0;
	snprintf(t, sizeof t, "%.6g", v);
	return strtod(t, NULL);
}

/* a was parsed from the input, b from the writer's text for a. */
static void same_tree(const rp_json *a, const rp_json *b)
{
	if (a->type == RP_JSON_NUM) {
		FUZZ_CHECK(b->type == RP_JSON_NUM);
		if (a->is_int) {
			FUZZ_CHECK(b->is_int && b->inum == a->inum);
		} else {
			double want = written_double(a->num);
			FUZZ_CHECK(b->num == want || (isnan(b->num) && isnan(want)));
		}
		return;
	}
	FUZZ_CHECK(a->type == b->type);
	switch (a->type) {
	case RP_JSON_BOOL: FUZZ_CHECK(a->boolean == b->boolean); break;
	case RP_JSON_STR:
		if (valid_utf8(a->str, a->str_len))
			FUZZ_CHECK(a->str_len == b->str_len && !memcmp(a->str, b->str, a->str_len));
		break;
	case RP_JSON_ARR:
	case RP_JSON_OBJ: {
		FUZZ_CHECK(a->count == b->count);
		const rp_json *x = a->child, *y = b->child;
		for (; x && y; x = x->next, y = y->next) {
			if (a->type == RP_JSON_OBJ && valid_utf8(x->key, x->key_len) && !memchr(x->key, 0, x->key_len))
				FUZZ_CHECK(x->key_len == y->key_len && !memcmp(x->key, y->key, x->key_len));
			same_tree(x, y);
		}
		FUZZ_CHECK(!x && !y);
		break;
	}
	default: break;
	}
}

/* An exact integer must be the number the text holds. */
static void ints_are_exact(const rp_json *j)
{
	if (j->type == RP_JSON_NUM && j->is_int) {
		double d = (double)j->inum;
		FUZZ_CHECK(fabs(d - j->num) <= fabs(j->num) * 1e-15);
	}
	for (const rp_json *c = j->child; c; c = c->next)
		ints_are_exact(c);
}

static void write_json(const rp_json *j, int pretty, rp_buf *out)
{
	rp_jw w;
	rp_buf_reset(out);
	rp_jw_init(&w, out, pretty);
	rp_json_write(&w, j);
	FUZZ_CHECK(rp_jw_status(&w) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_json *j1 = NULL, *j2 = NULL, *j3 = NULL, *jp = NULL;
	rp_buf t1 = {0}, t2 = {0}, tp = {0};
	rp_err e;
	if (rp_json_parse((const char *)data, size, &j1, &e)) {
		FUZZ_CHECK(e.code == RP_ECORRUPT && strstr(e.msg, "at byte"));
		return 0;
	}
	ints_are_exact(j1);
	write_json(j1, 0, &t1);
	if (rp_json_parse((const char *)t1.data, t1.len, &j2, &e)) {
		fprintf(stderr, "writer output does not parse: %s\n%.*s\n", e.msg, (int)t1.len, (const char *)t1.data);
		abort();
	}
	same_tree(j1, j2);
	write_json(j2, 0, &t2);
	FUZZ_CHECK(rp_json_parse((const char *)t2.data, t2.len, &j3, &e) == 0);
	same_tree(j2, j3);
	/* the text is stable from the second round on (the first may still
	 * turn -0.0, written "-0", into the integer 0) */
	write_json(j3, 0, &t1);
	FUZZ_CHECK(t1.len == t2.len && !memcmp(t1.data, t2.data, t1.len));
	/* pretty printing changes nothing but whitespace */
	write_json(j1, 1, &tp);
	FUZZ_CHECK(rp_json_parse((const char *)tp.data, tp.len, &jp, &e) == 0);
	same_tree(j2, jp);
	rp_json_free(j1);
	rp_json_free(j2);
	rp_json_free(j3);
	rp_json_free(jp);
	rp_buf_free(&t1);
	rp_buf_free(&t2);
	rp_buf_free(&tp);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	static const char *seeds[] = {
		("{\"version\":1,\"kind\":\"full\",\"created\":1700000000,\"host\":\"mairie\",\"opslimit\":2,"
		 "\"memlimit\":67108864,\"salt\":\"00ff\",\"data\":\"abcd\"}"),
		"[1,-2,3.5,1e300,-0,true,false,null,\"\\u00e9\\ud83d\\ude00\\n\\t\\\"\",[],{},[[[]]]]",
		"{\"a\":{\"b\":[{\"c\":\"d\"},{\"e\":9223372036854775807}]},\"f\":-9223372036854775808}",
		"\"caf\xc3\xa9 \xff\xfe\"",
		"  [ 1 , { \"k\" : [ ] } ]  ",
	};
	char name[16];
	for (size_t i = 0; i < sizeof seeds / sizeof *seeds; i++) {
		snprintf(name, sizeof name, "%zu", i);
		fuzz_seed(dir, name, seeds[i], strlen(seeds[i]));
	}
}
