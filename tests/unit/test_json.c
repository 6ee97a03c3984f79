/* test_json.c - the JSON writer and parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"

/* ---- helpers ---- */

/* Text written by fn into a fresh buffer (NUL-terminated, caller frees). */
static char *written(void (*fn)(rp_jw *), int pretty)
{
	rp_buf b = {0};
	rp_jw w;
	rp_jw_init(&w, &b, pretty);
	fn(&w);
	assert_int_equal(rp_jw_status(&w), 0);
	assert_int_equal(rp_buf_cstr(&b), 0);
	return (char *)b.data;
}

static char *write_tree(const rp_json *j, int pretty)
{
	rp_buf b = {0};
	rp_jw w;
	rp_jw_init(&w, &b, pretty);
	rp_json_write(&w, j);
	assert_int_equal(rp_jw_status(&w), 0);
	assert_int_equal(rp_buf_cstr(&b), 0);
	return (char *)b.data;
}

static rp_json *parse_ok(const char *text)
{
	rp_json *j = NULL;
	rp_err e;
	int rc = rp_json_parse(text, strlen(text), &j, &e);
	if (rc)
		fail_msg("parse of %s failed: %s", text, e.msg);
	return j;
}

static void parse_fails(const char *text, size_t n, const char *msg)
{
	rp_json *j = NULL;
	rp_err e;
	rp_err_clear(&e);
	assert_int_equal(rp_json_parse(text, n, &j, &e), RP_ECORRUPT);
	assert_null(j);
	assert_int_equal(e.code, RP_ECORRUPT);
	if (strcmp(e.msg, msg))
		fail_msg("parse of '%.*s': got \"%s\", wanted \"%s\"", (int)n, text, e.msg, msg);
}

/* depth nested arrays, the innermost holding inner; after is placed in
 * the outermost array behind its first element. */
static char *nested(int depth, const char *inner, const char *after)
{
	size_t n = 2 * (size_t)depth + strlen(inner) + strlen(after) + 1;
	char *s = malloc(n), *p = s;
	for (int i = 0; i < depth; i++)
		*p++ = '[';
	p += sprintf(p, "%s", inner);
	for (int i = 0; i < depth; i++) {
		*p++ = ']';
		if (i == depth - 2)
			p += sprintf(p, "%s", after);
	}
	*p = 0;
	return s;
}

/* ---- writer ---- */

static void w_escapes(rp_jw *w)
{
	rp_jw_strn(w, "\"\\/\n\t\r\b\f\x01\x1f\x7f", 11);
}

static void test_writer_escapes(void **state)
{
	(void)state;
	char *s = written(w_escapes, 0);
	assert_string_equal(s, "\"\\\"\\\\/\\n\\t\\r\\u0008\\u000c\\u0001\\u001f\x7f\"");
	free(s);
}

static void w_nul(rp_jw *w)
{
	rp_jw_strn(w, "a\0b", 3);
}

static void test_writer_keeps_nul_bytes(void **state)
{
	(void)state;
	char *s = written(w_nul, 0);
	assert_string_equal(s, "\"a\\u0000b\"");
	rp_json *j = parse_ok(s);
	assert_int_equal(j->str_len, 3);
	assert_memory_equal(j->str, "a\0b", 3);
	rp_json_free(j);
	free(s);
}

static const struct {
	const char *in;
	const char *out;
} utf8_cases[] = {
	{"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}, /* valid */
	{"Comptabilit\xe9", "Comptabilit\xef\xbf\xbd"},                                         /* Latin-1 */
	{"\xff", "\xef\xbf\xbd"},
	{"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                                 /* overlong '/' */
	{"\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong, 3 bytes */
	{"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},                 /* surrogate U+D800 */
	{"\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
	{"a\xe2\x82", "a\xef\xbf\xbd\xef\xbf\xbd"},                               /* cut at the end */
	{"\xe2(\xa1", "\xef\xbf\xbd(\xef\xbf\xbd"},                               /* bad continuation */
	{"\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf"},                                 /* U+10FFFF itself */
};

static void test_writer_replaces_invalid_utf8(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof utf8_cases / sizeof *utf8_cases; i++) {
		rp_buf b = {0};
		rp_jw w;
		rp_jw_init(&w, &b, 0);
		rp_jw_str(&w, utf8_cases[i].in);
		rp_buf_cstr(&b);
		char want[64];
		snprintf(want, sizeof want, "\"%s\"", utf8_cases[i].out);
		assert_string_equal((char *)b.data, want);
		/* and it is valid JSON that reads back as the replaced text */
		rp_json *j = parse_ok((char *)b.data);
		assert_string_equal(j->str, utf8_cases[i].out);
		rp_json_free(j);
		rp_buf_free(&b);
	}
}

static void w_nesting(rp_jw *w)
{
	rp_jw_obj_begin(w);
	rp_jw_key(w, "a"), rp_jw_arr_begin(w), rp_jw_arr_end(w);
	rp_jw_key(w, "b"), rp_jw_obj_begin(w), rp_jw_obj_end(w);
	rp_jw_key(w, "c");
	rp_jw_arr_begin(w);
	rp_jw_int(w, 1);
	rp_jw_arr_begin(w), rp_jw_int(w, 2), rp_jw_int(w, 3), rp_jw_arr_end(w);
	rp_jw_obj_begin(w), rp_jw_key(w, "d"), rp_jw_null(w), rp_jw_obj_end(w);
	rp_jw_str(w, NULL);
	rp_jw_arr_end(w);
	rp_jw_key(w, "e"), rp_jw_bool(w, 1);
	rp_jw_key(w, "f"), rp_jw_bool(w, 0);
	rp_jw_key(w, "g"), rp_jw_raw(w, "{\"x\":[1]}", 9);
	rp_jw_key(w, "h\"k"), rp_jw_str(w, "");
	rp_jw_obj_end(w);
}

static void test_writer_nesting_and_commas(void **state)
{
	(void)state;
	char *s = written(w_nesting, 0);
	assert_string_equal(s, "{\"a\":[],\"b\":{},\"c\":[1,[2,3],{\"d\":null},null],\"e\":true,\"f\":false,"
			       "\"g\":{\"x\":[1]},\"h\\\"k\":\"\"}");
	rp_json *j = parse_ok(s);
	assert_int_equal(j->count, 7);
	free(s);
	rp_json_free(j);
}

static void w_pretty(rp_jw *w)
{
	rp_jw_obj_begin(w);
	rp_jw_key(w, "a"), rp_jw_int(w, 1);
	rp_jw_key(w, "b"), rp_jw_arr_begin(w), rp_jw_int(w, 2), rp_jw_arr_begin(w), rp_jw_arr_end(w), rp_jw_arr_end(w);
	rp_jw_key(w, "c"), rp_jw_obj_begin(w), rp_jw_obj_end(w);
	rp_jw_obj_end(w);
}

static void test_writer_pretty(void **state)
{
	(void)state;
	char *s = written(w_pretty, 1);
	assert_string_equal(s, "{\n  \"a\": 1,\n  \"b\": [\n    2,\n    []\n  ],\n  \"c\": {}\n}");
	free(s);
}

static void w_numbers(rp_jw *w)
{
	rp_jw_arr_begin(w);
	rp_jw_int(w, INT64_MIN);
	rp_jw_int(w, INT64_MAX);
	rp_jw_uint(w, UINT64_MAX);
	rp_jw_double(w, 1.5);
	rp_jw_double(w, -0.25);
	rp_jw_double(w, 1234567.0);
	rp_jw_double(w, NAN);
	rp_jw_double(w, INFINITY);
	rp_jw_arr_end(w);
}

static void test_writer_numbers(void **state)
{
	(void)state;
	char *s = written(w_numbers, 0);
	assert_string_equal(s, "[-9223372036854775808,9223372036854775807,18446744073709551615,1.5,-0.25,1.23457e+06,0,0]");
	free(s);
}

/* Writing up to 64 levels of nesting (the parser's limit) stays valid. */
static void test_writer_deep_nesting_is_valid(void **state)
{
	(void)state;
	for (int depth = 1; depth <= RP_JSON_MAX_DEPTH; depth++) {
		rp_buf b = {0};
		rp_jw w;
		rp_jw_init(&w, &b, depth & 1);
		for (int i = 0; i < depth; i++) {
			rp_jw_arr_begin(&w);
			rp_jw_int(&w, i);
		}
		for (int i = 0; i < depth; i++) {
			rp_jw_int(&w, -i);
			rp_jw_arr_end(&w);
		}
		rp_buf_cstr(&b);
		rp_json *j = parse_ok((char *)b.data);
		/* level i holds i, the next level, -(depth-1-i); the innermost i, 0 */
		const rp_json *x = j;
		for (int i = 0; i < depth; i++) {
			assert_int_equal(x->type, RP_JSON_ARR);
			assert_int_equal(x->count, i == depth - 1 ? 2 : 3);
			assert_int_equal(x->child->inum, i);
			if (i == depth - 1) {
				assert_int_equal(x->child->next->inum, 0);
				break;
			}
			assert_int_equal(x->child->next->next->inum, -(depth - 1 - i));
			x = x->child->next;
		}
		rp_json_free(j);
		rp_buf_free(&b);
	}
}

/* ---- parser ---- */

static void test_parser_values(void **state)
{
	(void)state;
	rp_json *j = parse_ok(" {\"s\":\"x\\u00e9\\/\",\"n\":-12,\"f\":2.5e3,\"t\":true,\"z\":null,\"a\":[1,[],{}],"
			      "\"o\":{\"k\":false},\"e\":\"\",\"neg0\":-0} \n");
	const char *s;
	size_t len;
	int64_t v;
	int bo;
	assert_int_equal(j->type, RP_JSON_OBJ);
	assert_int_equal(j->count, 9);
	assert_int_equal(rp_json_get_str(j, "s", &s, &len), 0);
	assert_int_equal(len, 4);
	assert_string_equal(s, "x\xc3\xa9/");
	assert_int_equal(rp_json_get_int(j, "n", &v), 0);
	assert_int_equal(v, -12);
	const rp_json *f = rp_json_get(j, "f");
	assert_int_equal(f->type, RP_JSON_NUM);
	assert_int_equal(f->is_int, 0);
	assert_true(f->num == 2500.0);
	assert_int_equal(rp_json_get_int(j, "f", &v), -1); /* not an integer */
	assert_int_equal(rp_json_get_bool(j, "t", &bo), 0);
	assert_int_equal(bo, 1);
	assert_int_equal(rp_json_get(j, "z")->type, RP_JSON_NULL);
	const rp_json *a = rp_json_get(j, "a");
	assert_int_equal(a->type, RP_JSON_ARR);
	assert_int_equal(a->count, 3);
	assert_int_equal(a->child->next->type, RP_JSON_ARR);
	assert_int_equal(a->child->next->count, 0);
	assert_int_equal(rp_json_get_bool(rp_json_get(j, "o"), "k", &bo), 0);
	assert_int_equal(bo, 0);
	assert_int_equal(rp_json_get_str(j, "e", &s, &len), 0);
	assert_int_equal(len, 0);
	assert_string_equal(s, "");
	assert_int_equal(rp_json_get_int(j, "neg0", &v), 0);
	assert_int_equal(v, 0);
	/* wrong types and missing members */
	assert_int_equal(rp_json_get_str(j, "n", &s, &len), -1);
	assert_int_equal(rp_json_get_int(j, "s", &v), -1);
	assert_int_equal(rp_json_get_bool(j, "z", &bo), -1);
	assert_int_equal(rp_json_get_int(j, "missing", &v), -1);
	assert_null(rp_json_get(a, "x")); /* not an object */
	assert_null(rp_json_get(NULL, "x"));
	rp_json_free(j);
}

static void test_parser_duplicate_keys_first_wins(void **state)
{
	(void)state;
	rp_json *j = parse_ok("{\"k\":1,\"k\":2,\"kk\":3}");
	int64_t v;
	assert_int_equal(rp_json_get_int(j, "k", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(rp_json_get_int(j, "kk", &v), 0);
	assert_int_equal(v, 3);
	rp_json_free(j);
}

static void test_parser_error_paths(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *msg;
	} cases[] = {
		{"", "JSON: unexpected end at byte 0"},
		{"   ", "JSON: unexpected end at byte 3"},
		{"[", "JSON: unexpected end at byte 1"},
		{"tru", "JSON: bad literal at byte 0"},
		{"nul", "JSON: bad literal at byte 0"},
		{"falsy", "JSON: bad literal at byte 0"},
		{"[1,]", "JSON: bad number at byte 3"},
		{"-", "JSON: bad number at byte 1"},
		{"-x", "JSON: bad number at byte 1"},
		{"1.2.3", "JSON: bad number at byte 5"},
		{"+1", "JSON: bad number at byte 0"},
		{".5", "JSON: bad number at byte 0"},
		{"{\"a\" 1}", "JSON: expected ':' at byte 5"},
		{"{1:2}", "JSON: expected member name at byte 1"},
		{"{\"a\":1,}", "JSON: expected member name at byte 7"},
		{"[1 2]", "JSON: expected ',' or ']' at byte 3"},
		{"{\"a\":1 \"b\":2}", "JSON: expected ',' or '}' at byte 7"},
		{"\"abc", "JSON: unterminated string at byte 4"},
		{"\"a\tb\"", "JSON: control character in string at byte 2"},
		{"\"\\", "JSON: unterminated escape at byte 2"},
		{"\"\\x\"", "JSON: bad escape at byte 3"},
		{"\"\\u12\"", "JSON: short \\u escape at byte 3"},
		{"\"\\u12G4\"", "JSON: bad \\u escape at byte 6"},
		{"1 2", "JSON: trailing data at byte 2"},
		{"[] x", "JSON: trailing data at byte 3"},
		{"{\"a\":1}}", "JSON: trailing data at byte 7"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
		parse_fails(cases[i].in, strlen(cases[i].in), cases[i].msg);
	/* a NUL byte in the text is not whitespace */
	parse_fails("[1]\0", 4, "JSON: trailing data at byte 3");
	parse_fails("\"a\0b\"", 5, "JSON: control character in string at byte 2");
	/* numbers longer than the parser's buffer are refused, not cut */
	char longnum[80];
	memset(longnum, '1', sizeof longnum - 1);
	longnum[sizeof longnum - 1] = 0;
	parse_fails(longnum, strlen(longnum), "JSON: number too long at byte 79");
}

static void test_parser_errors_free_everything(void **state)
{
	(void)state;
	/* failures deep inside containers must not leak (valgrind / ASan check) */
	static const char *bad[] = {
		"{\"a\":[1,2,{\"b\":\"c\",\"d\":[true,false,nul]}]}",
		"[[[[\"x\",\"y\"],[\"z\"]],{\"k\":\"v\"}],\"unterminated",
		"{\"a\":{\"b\":{\"c\":{\"d\":1,}}}}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		rp_json *j = NULL;
		rp_err e;
		assert_int_equal(rp_json_parse(bad[i], strlen(bad[i]), &j, &e), RP_ECORRUPT);
		assert_null(j);
	}
}

static void test_parser_depth_limit(void **state)
{
	(void)state;
	rp_json *j = NULL;
	rp_err e;
	/* RP_JSON_MAX_DEPTH levels of containers are fine, values inside too */
	char *s = nested(RP_JSON_MAX_DEPTH, "", "");
	assert_int_equal(rp_json_parse(s, strlen(s), &j, &e), 0);
	rp_json_free(j);
	free(s);
	s = nested(RP_JSON_MAX_DEPTH, "1,\"x\",null", "");
	assert_int_equal(rp_json_parse(s, strlen(s), &j, &e), 0);
	rp_json_free(j);
	free(s);
	/* far deeper input fails fast without exhausting the stack */
	s = nested(100000, "", "");
	assert_int_equal(rp_json_parse(s, strlen(s), &j, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "nesting too deep"));
	free(s);
	/* one level more than the limit is refused, whatever it holds */
	s = nested(RP_JSON_MAX_DEPTH + 1, "1", "");
	assert_int_equal(rp_json_parse(s, strlen(s), &j, &e), RP_ECORRUPT);
	free(s);
	s = nested(RP_JSON_MAX_DEPTH + 1, "", "");
	assert_int_equal(rp_json_parse(s, strlen(s), &j, &e), RP_ECORRUPT);
	free(s);
}

/* Whatever the parser accepts, the writer must write back as valid JSON:
 * nesting at the parser's limit followed by a sibling. */
static void test_parser_max_depth_writes_back(void **state)
{
	(void)state;
	for (int depth = RP_JSON_MAX_DEPTH - 1; depth <= RP_JSON_MAX_DEPTH + 1; depth++) {
		char *s = nested(depth, "", ",1");
		rp_json *j = NULL, *k = NULL;
		rp_err e;
		if (rp_json_parse(s, strlen(s), &j, &e)) {
			free(s);
			continue; /* refused: fine */
		}
		char *t = write_tree(j, 0);
		if (rp_json_parse(t, strlen(t), &k, &e))
			fail_msg("depth %d: the writer's output does not parse (%s): %s", depth, e.msg, t);
		assert_string_equal(t, s);
		rp_json_free(j);
		rp_json_free(k);
		free(s);
		free(t);
	}
}

static void test_parser_surrogate_pairs(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80"},         /* U+1F600 */
		{"\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e"},         /* U+1D11E, upper case */
		{"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf"},         /* U+10FFFF */
		{"\"\\ud83d\"", "\xef\xbf\xbd"},                    /* lone high */
		{"\"\\ude00\"", "\xef\xbf\xbd"},                    /* lone low */
		{"\"\\ud83dx\"", "\xef\xbf\xbdx"},                  /* high, then a plain char */
		{"\"\\ude00\\ud83d\"", "\xef\xbf\xbd\xef\xbf\xbd"}, /* reversed pair */
		{"\"\\u00e9\\u20ac\"", "\xc3\xa9\xe2\x82\xac"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rp_json *j = parse_ok(cases[i].in);
		assert_int_equal(j->type, RP_JSON_STR);
		assert_int_equal(j->str_len, strlen(cases[i].out));
		if (strcmp(j->str, cases[i].out))
			fail_msg("%s: got %s", cases[i].in, j->str);
		rp_json_free(j);
	}
}

/* A high surrogate followed by an escape that is not a low surrogate:
 * the second escape is a character of its own and must not be lost. */
static void test_parser_surrogate_then_other_escape(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{"\"\\ud83d\\u0041\"", "\xef\xbf\xbd" "A"},
		{"\"\\ud83d\\u00e9t\\u00e9\"", "\xef\xbf\xbd\xc3\xa9t\xc3\xa9"},
		{"\"\\ud83d\\ud83d\\ude00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		rp_json *j = parse_ok(cases[i].in);
		if (strcmp(j->str, cases[i].out))
			fail_msg("%s: got \"%s\", wanted \"%s\"", cases[i].in, j->str, cases[i].out);
		rp_json_free(j);
	}
}

static void test_parser_integers_exact(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		int64_t v;
	} ok[] = {
		{"9223372036854775807", INT64_MAX},
		{"-9223372036854775808", INT64_MIN},
		{"9007199254740993", 9007199254740993LL}, /* 2^53 + 1: not a double */
		{"-1", -1},
		{"0", 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		rp_json *j = parse_ok(ok[i].in);
		assert_int_equal(j->type, RP_JSON_NUM);
		assert_int_equal(j->is_int, 1);
		assert_true(j->inum == ok[i].v);
		char *t = write_tree(j, 0);
		assert_string_equal(t, ok[i].in);
		free(t);
		rp_json_free(j);
	}
}

/* Integers outside int64 must not come back as a different integer. */
static void test_parser_big_integers_not_clamped(void **state)
{
	(void)state;
	static const char *big[] = {"9223372036854775808", "18446744073709551615", "-9223372036854775809",
				    "100000000000000000000"};
	for (size_t i = 0; i < sizeof big / sizeof *big; i++) {
		rp_json *j = parse_ok(big[i]);
		assert_int_equal(j->type, RP_JSON_NUM);
		assert_true(j->num == strtod(big[i], NULL));
		if (j->is_int)
			fail_msg("%s parsed as the exact integer %lld", big[i], (long long)j->inum);
		rp_json_free(j);
	}
	/* so a config or key file field holding one is refused, not clamped */
	rp_json *j = parse_ok("{\"n\":18446744073709551616}");
	int64_t v;
	assert_int_equal(rp_json_get_int(j, "n", &v), -1);
	rp_json_free(j);
}

static void test_parse_write_parse_roundtrip(void **state)
{
	(void)state;
	static const char *docs[] = {
		"{\"version\":1,\"paths\":[\"/srv/a\",\"/srv/\\u00e9t\\u00e9\"],\"stats\":{\"files\":42,\"seconds\":12.5},"
		"\"tags\":[],\"scan\":{\"x\":[true,false,null,-7,{\"y\":\"\\\"q\\\"\"}]}}",
		"[\"\\u0001\\u001f\\b\\f\\n\\r\\t\",\"\\ud83d\\ude00\",1e-7,-0.5,123456789012]",
	};
	for (size_t i = 0; i < sizeof docs / sizeof *docs; i++) {
		rp_json *a = parse_ok(docs[i]);
		for (int pretty = 0; pretty < 2; pretty++) {
			char *t1 = write_tree(a, pretty);
			rp_json *b = parse_ok(t1);
			char *t2 = write_tree(b, pretty);
			assert_string_equal(t1, t2);
			char *c1 = write_tree(a, 0), *c2 = write_tree(b, 0);
			assert_string_equal(c1, c2);
			free(c1);
			free(c2);
			free(t1);
			free(t2);
			rp_json_free(b);
		}
		rp_json_free(a);
	}
	/* compact output of the first document, byte for byte */
	rp_json *a = parse_ok(docs[0]);
	char *t = write_tree(a, 0);
	assert_string_equal(t, "{\"version\":1,\"paths\":[\"/srv/a\",\"/srv/\xc3\xa9t\xc3\xa9\"],\"stats\":{\"files\":42,"
			       "\"seconds\":12.5},\"tags\":[],\"scan\":{\"x\":[true,false,null,-7,{\"y\":\"\\\"q\\\"\"}]}}");
	free(t);
	rp_json_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_writer_escapes),
		cmocka_unit_test(test_writer_keeps_nul_bytes),
		cmocka_unit_test(test_writer_replaces_invalid_utf8),
		cmocka_unit_test(test_writer_nesting_and_commas),
		cmocka_unit_test(test_writer_pretty),
		cmocka_unit_test(test_writer_numbers),
		cmocka_unit_test(test_writer_deep_nesting_is_valid),
		cmocka_unit_test(test_parser_values),
		cmocka_unit_test(test_parser_duplicate_keys_first_wins),
		cmocka_unit_test(test_parser_error_paths),
		cmocka_unit_test(test_parser_errors_free_everything),
		cmocka_unit_test(test_parser_depth_limit),
		cmocka_unit_test(test_parser_max_depth_writes_back),
		cmocka_unit_test(test_parser_surrogate_pairs),
		cmocka_unit_test(test_parser_surrogate_then_other_escape),
		cmocka_unit_test(test_parser_integers_exact),
		cmocka_unit_test(test_parser_big_integers_not_clamped),
		cmocka_unit_test(test_parse_write_parse_roundtrip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
