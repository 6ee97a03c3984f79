/* json.c - a JSON writer and a small DOM parser. */
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

void rp_jw_init(rp_jw *w, rp_buf *out, int pretty)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->pretty = pretty;
}

static void jw_put(rp_jw *w, const void *p, size_t n)
{
	if (!w->err && rp_buf_put(w->out, p, n))
		w->err = RP_ENOMEM;
}

static void jw_indent(rp_jw *w)
{
	if (!w->pretty)
		return;
	jw_put(w, "\n", 1);
	for (int i = 0; i < w->depth; i++)
		jw_put(w, "  ", 2);
}

/* Called before every value or key: a comma if needed, and indentation. */
static void jw_sep(rp_jw *w)
{
	if (w->after_key) {
		w->after_key = 0;
		return;
	}
	uint8_t *byte = &w->need_comma[w->depth / 8], bit = (uint8_t)(1u << (w->depth % 8));
	if (*byte & bit)
		jw_put(w, ",", 1);
	*byte |= bit;
	if (w->depth > 0)
		jw_indent(w);
}

static void jw_open(rp_jw *w, char c)
{
	if (w->depth >= RP_JSON_MAX_DEPTH) {
		/* the parser refuses deeper text: never write it */
		w->err = RP_EINVAL;
		return;
	}
	jw_sep(w);
	jw_put(w, &c, 1);
	w->depth++;
	w->need_comma[w->depth / 8] &= (uint8_t)~(1u << (w->depth % 8));
}

static void jw_close(rp_jw *w, char c)
{
	if (w->depth <= 0 || w->err == RP_EINVAL)
		return;
	int had = (w->need_comma[w->depth / 8] >> (w->depth % 8)) & 1;
	w->depth--;
	if (had)
		jw_indent(w);
	jw_put(w, &c, 1);
}

void rp_jw_obj_begin(rp_jw *w) { jw_open(w, '{'); }
void rp_jw_obj_end(rp_jw *w) { jw_close(w, '}'); }
void rp_jw_arr_begin(rp_jw *w) { jw_open(w, '['); }
void rp_jw_arr_end(rp_jw *w) { jw_close(w, ']'); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t need;
	unsigned min;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	unsigned cp = c & (0x7f >> need);
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

int rp_json_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0, k; i < n; i += k)
		if (!(k = utf8_seq(p + i, n - i)))
			return 0;
	return 1;
}

static void jw_string(rp_jw *w, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	jw_put(w, "\"", 1);
	size_t i = 0;
	while (i < n) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			char t[2] = {'\\', (char)c};
			jw_put(w, t, 2);
			i++;
		} else if (c < 0x20) {
			char t[8];
			const char *esc = NULL;
			switch (c) {
			case '\n': esc = "\\n"; break;
			case '\t': esc = "\\t"; break;
			case '\r': esc = "\\r"; break;
			default: snprintf(t, sizeof t, "\\u%04x", c); esc = t;
			}
			jw_put(w, esc, strlen(esc));
			i++;
		} else {
			size_t k = utf8_seq(p + i, n - i);
			if (k == 0) {
				jw_put(w, "\xef\xbf\xbd", 3);
				i++;
			} else {
				jw_put(w, p + i, k);
				i += k;
			}
		}
	}
	jw_put(w, "\"", 1);
}

void rp_jw_key(rp_jw *w, const char *key)
{
	jw_sep(w);
	jw_string(w, key, strlen(key));
	jw_put(w, w->pretty ? ": " : ":", w->pretty ? 2 : 1);
	w->after_key = 1;
}

void rp_jw_strn(rp_jw *w, const char *s, size_t n)
{
	jw_sep(w);
	jw_string(w, s, n);
}

void rp_jw_str(rp_jw *w, const char *s)
{
	if (!s) {
		rp_jw_null(w);
		return;
	}
	rp_jw_strn(w, s, strlen(s));
}

static void jw_text(rp_jw *w, const char *t)
{
	jw_sep(w);
	jw_put(w, t, strlen(t));
}

void rp_jw_int(rp_jw *w, int64_t v)
{
	char t[32];
	snprintf(t, sizeof t, "%lld", (long long)v);
	jw_text(w, t);
}

void rp_jw_uint(rp_jw *w, uint64_t v)
{
	char t[32];
	snprintf(t, sizeof t, "%llu", (unsigned long long)v);
	jw_text(w, t);
}

void rp_jw_double(rp_jw *w, double v)
{
	char t[64];
	if (!isfinite(v))
		v = 0;
	snprintf(t, sizeof t, "%.6g", v);
	jw_text(w, t);
}

void rp_jw_bool(rp_jw *w, int v) { jw_text(w, v ? "true" : "false"); }
void rp_jw_null(rp_jw *w) { jw_text(w, "null"); }

void rp_jw_raw(rp_jw *w, const char *json, size_t n)
{
	jw_sep(w);
	jw_put(w, json, n);
}

int rp_jw_status(const rp_jw *w)
{
	return w->err;
}

/* ---- parser ---- */

typedef struct jp {
	const char *s;
	size_t n;
	size_t i;
	rp_err *e;
} jp;

static int jp_fail(jp *p, const char *what)
{
	return rp_err_set(p->e, RP_ECORRUPT, "JSON: %s at byte %zu", what, p->i);
}

static void jp_ws(jp *p)
{
	while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\t' ||
			       p->s[p->i] == '\n' || p->s[p->i] == '\r'))
		p->i++;
}

static int put_utf8(rp_buf *b, unsigned cp)
{
	uint8_t t[4];
	size_t n;
	if (cp < 0x80) {
		t[0] = (uint8_t)cp;
		n = 1;
	} else if (cp < 0x800) {
		t[0] = (uint8_t)(0xc0 | cp >> 6);
		t[1] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		t[0] = (uint8_t)(0xe0 | cp >> 12);
		t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		t[2] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		t[0] = (uint8_t)(0xf0 | cp >> 18);
		t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
		t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		t[3] = (uint8_t)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return rp_buf_put(b, t, n);
}

static int jp_hex4(jp *p, unsigned *v)
{
	if (p->n - p->i < 4)
		return jp_fail(p, "short \\u escape");
	unsigned x = 0;
	for (int k = 0; k < 4; k++) {
		char c = p->s[p->i++];
		x <<= 4;
		if (c >= '0' && c <= '9')
			x |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			x |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			x |= (unsigned)(c - 'A' + 10);
		else
			return jp_fail(p, "bad \\u escape");
	}
	*v = x;
	return 0;
}

static int jp_string(jp *p, char **out, size_t *out_len)
{
	rp_buf b = {0};
	int rc;
	p->i++; /* opening quote */
	for (;;) {
		if (p->i >= p->n) {
			rc = jp_fail(p, "unterminated string");
			goto fail;
		}
		unsigned char c = (unsigned char)p->s[p->i];
		if (c == '"') {
			p->i++;
			break;
		}
		if (c < 0x20) {
			rc = jp_fail(p, "control character in string");
			goto fail;
		}
		if (c != '\\') {
			if ((rc = rp_buf_put_u8(&b, c)))
				goto fail;
			p->i++;
			continue;
		}
		if (++p->i >= p->n) {
			rc = jp_fail(p, "unterminated escape");
			goto fail;
		}
		char x = p->s[p->i++];
		unsigned cp;
		switch (x) {
		case '"': cp = '"'; break;
		case '\\': cp = '\\'; break;
		case '/': cp = '/'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if ((rc = jp_hex4(p, &cp)))
				goto fail;
			if (cp >= 0xd800 && cp <= 0xdbff && p->n - p->i >= 6 &&
			    p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
				unsigned lo;
				p->i += 2;
				if ((rc = jp_hex4(p, &lo)))
					goto fail;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				} else {
					/* a lone high surrogate; the escape after it
					 * is a character of its own, read it again */
					cp = 0xfffd;
					p->i -= 6;
				}
			} else if (cp >= 0xd800 && cp <= 0xdfff) {
				cp = 0xfffd;
			}
			break;
		default:
			rc = jp_fail(p, "bad escape");
			goto fail;
		}
		if ((rc = put_utf8(&b, cp)))
			goto fail;
	}
	if ((rc = rp_buf_cstr(&b)))
		goto fail;
	if (!b.data) {
		b.data = calloc(1, 1);
		if (!b.data)
			return RP_ENOMEM;
	}
	*out = (char *)b.data;
	*out_len = b.len;
	return 0;
fail:
	rp_buf_free(&b);
	return rc;
}

static int jp_number(jp *p, rp_json *j)
{
	size_t start = p->i;
	if (p->i < p->n && p->s[p->i] == '-')
		p->i++;
	if (p->i >= p->n || p->s[p->i] < '0' || p->s[p->i] > '9')
		return jp_fail(p, "bad number");
	int integral = 1;
	while (p->i < p->n) {
		char c = p->s[p->i];
		if (c >= '0' && c <= '9') {
			p->i++;
		} else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			integral = 0;
			p->i++;
		} else {
			break;
		}
	}
	char tmp[64];
	size_t len = p->i - start;
	if (len >= sizeof tmp)
		return jp_fail(p, "number too long");
	memcpy(tmp, p->s + start, len);
	tmp[len] = 0;
	char *end;
	j->type = RP_JSON_NUM;
	j->num = strtod(tmp, &end);
	if (*end)
		return jp_fail(p, "bad number");
	if (integral) {
		errno = 0;
		long long v = strtoll(tmp, &end, 10);
		if (!*end && errno != ERANGE) {
			j->inum = v;
			j->is_int = 1;
		}
	}
	return 0;
}

static int jp_literal(jp *p, const char *word)
{
	size_t k = strlen(word);
	if (p->n - p->i < k || memcmp(p->s + p->i, word, k))
		return jp_fail(p, "bad literal");
	p->i += k;
	return 0;
}

static int jp_value(jp *p, rp_json *j, int depth);

static int jp_container(jp *p, rp_json *j, int depth, int is_obj)
{
	char close = is_obj ? '}' : ']';
	rp_json **tail = &j->child;
	j->type = is_obj ? RP_JSON_OBJ : RP_JSON_ARR;
	p->i++;
	jp_ws(p);
	if (p->i < p->n && p->s[p->i] == close) {
		p->i++;
		return 0;
	}
	for (;;) {
		rp_json *c = calloc(1, sizeof *c);
		if (!c)
			return RP_ENOMEM;
		*tail = c;
		tail = &c->next;
		j->count++;
		jp_ws(p);
		if (is_obj) {
			if (p->i >= p->n || p->s[p->i] != '"')
				return jp_fail(p, "expected member name");
			int rc = jp_string(p, &c->key, &c->key_len);
			if (rc)
				return rc;
			jp_ws(p);
			if (p->i >= p->n || p->s[p->i] != ':')
				return jp_fail(p, "expected ':'");
			p->i++;
		}
		int rc = jp_value(p, c, depth + 1);
		if (rc)
			return rc;
		jp_ws(p);
		if (p->i < p->n && p->s[p->i] == ',') {
			p->i++;
			continue;
		}
		if (p->i < p->n && p->s[p->i] == close) {
			p->i++;
			return 0;
		}
		return jp_fail(p, is_obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

/* depth: the containers around j; j may be one more of them if that
 * makes at most RP_JSON_MAX_DEPTH. */
static int jp_value(jp *p, rp_json *j, int depth)
{
	jp_ws(p);
	if (p->i >= p->n)
		return jp_fail(p, "unexpected end");
	if ((p->s[p->i] == '{' || p->s[p->i] == '[') && depth >= RP_JSON_MAX_DEPTH)
		return jp_fail(p, "nesting too deep");
	switch (p->s[p->i]) {
	case '{': return jp_container(p, j, depth, 1);
	case '[': return jp_container(p, j, depth, 0);
	case '"':
		j->type = RP_JSON_STR;
		return jp_string(p, &j->str, &j->str_len);
	case 't':
		j->type = RP_JSON_BOOL;
		j->boolean = 1;
		return jp_literal(p, "true");
	case 'f':
		j->type = RP_JSON_BOOL;
		return jp_literal(p, "false");
	case 'n':
		j->type = RP_JSON_NULL;
		return jp_literal(p, "null");
	default:
		return jp_number(p, j);
	}
}

int rp_json_parse(const char *text, size_t len, rp_json **out, rp_err *e)
{
	jp p = {text, len, 0, e};
	rp_json *j = calloc(1, sizeof *j);
	if (!j)
		return rp_err_set(e, RP_ENOMEM, "out of memory parsing JSON");
	int rc = jp_value(&p, j, 0);
	if (!rc) {
		jp_ws(&p);
		if (p.i != p.n)
			rc = jp_fail(&p, "trailing data");
	}
	if (rc) {
		if (rc == RP_ENOMEM)
			rp_err_set(e, rc, "out of memory parsing JSON");
		rp_json_free(j);
		return rc;
	}
	*out = j;
	return 0;
}

void rp_json_free(rp_json *j)
{
	while (j) {
		rp_json *next = j->next;
		rp_json_free(j->child);
		free(j->key);
		free(j->str);
		free(j);
		j = next;
	}
}

const rp_json *rp_json_get(const rp_json *obj, const char *key)
{
	if (!obj || obj->type != RP_JSON_OBJ)
		return NULL;
	size_t k = strlen(key);
	for (const rp_json *c = obj->child; c; c = c->next)
		if (c->key_len == k && !memcmp(c->key, key, k))
			return c;
	return NULL;
}

int rp_json_get_str(const rp_json *obj, const char *key, const char **s, size_t *len)
{
	const rp_json *v = rp_json_get(obj, key);
	if (!v || v->type != RP_JSON_STR)
		return -1;
	*s = v->str;
	if (len)
		*len = v->str_len;
	return 0;
}

int rp_json_get_int(const rp_json *obj, const char *key, int64_t *out)
{
	const rp_json *v = rp_json_get(obj, key);
	if (!v || v->type != RP_JSON_NUM || !v->is_int)
		return -1;
	*out = v->inum;
	return 0;
}

int rp_json_get_bool(const rp_json *obj, const char *key, int *out)
{
	const rp_json *v = rp_json_get(obj, key);
	if (!v || v->type != RP_JSON_BOOL)
		return -1;
	*out = v->boolean;
	return 0;
}

void rp_json_write(rp_jw *w, const rp_json *j)
{
	switch (j->type) {
	case RP_JSON_NULL: rp_jw_null(w); break;
	case RP_JSON_BOOL: rp_jw_bool(w, j->boolean); break;
	case RP_JSON_NUM:
		if (j->is_int)
			rp_jw_int(w, j->inum);
		else
			rp_jw_double(w, j->num);
		break;
	case RP_JSON_STR: rp_jw_strn(w, j->str, j->str_len); break;
	case RP_JSON_ARR:
		rp_jw_arr_begin(w);
		for (const rp_json *c = j->child; c; c = c->next)
			rp_json_write(w, c);
		rp_jw_arr_end(w);
		break;
	case RP_JSON_OBJ:
		rp_jw_obj_begin(w);
		for (const rp_json *c = j->child; c; c = c->next) {
			rp_jw_key(w, c->key);
			rp_json_write(w, c);
		}
		rp_jw_obj_end(w);
		break;
	}
}
