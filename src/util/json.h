/* json.h - a JSON writer and a small DOM parser.
 *
 * The writer appends to an rp_buf and inserts commas itself.  Strings that
 * are not valid UTF-8 (file names may be anything) are written with each
 * invalid byte as U+FFFD, so the output is always valid JSON; callers that
 * need the exact bytes add a separate hex field.
 *
 * The parser builds a tree it owns; it accepts RFC 8259 JSON, rejects
 * nesting deeper than RP_JSON_MAX_DEPTH, and keeps integers exact.
 */
#ifndef RP_JSON_H
#define RP_JSON_H

#include "buf.h"
#include "err.h"

#include <stdint.h>

#define RP_JSON_MAX_DEPTH 64

typedef struct rp_jw {
	rp_buf *out;
	int depth;
	/* one bit per nesting level; deeper writes set err */
	uint8_t need_comma[(RP_JSON_MAX_DEPTH + 2 + 7) / 8];
	int after_key;
	int pretty;
	int err;
} rp_jw;

void rp_jw_init(rp_jw *w, rp_buf *out, int pretty);
void rp_jw_obj_begin(rp_jw *w);
void rp_jw_obj_end(rp_jw *w);
void rp_jw_arr_begin(rp_jw *w);
void rp_jw_arr_end(rp_jw *w);
void rp_jw_key(rp_jw *w, const char *key);
void rp_jw_str(rp_jw *w, const char *s);
void rp_jw_strn(rp_jw *w, const char *s, size_t n);
/* 1 if s[0..n) is valid UTF-8 (what rp_jw_strn writes unchanged), else 0. */
int rp_json_utf8_valid(const char *s, size_t n);
void rp_jw_int(rp_jw *w, int64_t v);
void rp_jw_uint(rp_jw *w, uint64_t v);
void rp_jw_double(rp_jw *w, double v);
void rp_jw_bool(rp_jw *w, int v);
void rp_jw_null(rp_jw *w);
/* Appends already-encoded JSON text as one value. */
void rp_jw_raw(rp_jw *w, const char *json, size_t n);
/* 0, or RP_ENOMEM if any append failed. */
int rp_jw_status(const rp_jw *w);

typedef enum {
	RP_JSON_NULL,
	RP_JSON_BOOL,
	RP_JSON_NUM,
	RP_JSON_STR,
	RP_JSON_ARR,
	RP_JSON_OBJ
} rp_json_type;

typedef struct rp_json {
	rp_json_type type;
	char *key;          /* member name when inside an object */
	size_t key_len;
	char *str;          /* RP_JSON_STR: NUL-terminated, may hold NULs */
	size_t str_len;
	double num;
	int64_t inum;       /* exact value when is_int */
	int is_int;
	int boolean;
	struct rp_json *child; /* first element or member */
	struct rp_json *next;
	size_t count;       /* number of children */
} rp_json;

/* Parses text[0..len) into *out (owned by the caller, free with
 * rp_json_free).  On error returns RP_ECORRUPT with the byte offset. */
int rp_json_parse(const char *text, size_t len, rp_json **out, rp_err *e);
void rp_json_free(rp_json *j);
/* Member of an object by name, or NULL. */
const rp_json *rp_json_get(const rp_json *obj, const char *key);
/* Typed getters: 0 on success, -1 when missing or of another type. */
int rp_json_get_str(const rp_json *obj, const char *key, const char **s, size_t *len);
int rp_json_get_int(const rp_json *obj, const char *key, int64_t *v);
int rp_json_get_bool(const rp_json *obj, const char *key, int *v);

#endif

/* Writes the value j (and its children) through w. */
void rp_json_write(rp_jw *w, const rp_json *j);
