/* pii_markup.c - a forgiving streaming XML/HTML tokenizer, and the text
 * extraction built on it.
 *
 * The tokenizer never fails: malformed markup degrades to text.  It
 * reports text (entities decoded, CDATA passed through, comments,
 * processing instructions and declarations dropped) and tags (name split
 * from its namespace prefix, raw attribute text, end and self-closing
 * flags).  A tag longer than PII_TAG_MAX_BYTES keeps its first bytes.
 */
#include "pii_internal.h"

#include <string.h>

enum { ST_TEXT, ST_LT, ST_TAG, ST_COMMENT, ST_CDATA, ST_PI, ST_ENT };

void pii_markup_begin(pii_markup *m, int html, const pii_markup_ops *ops, void *ctx)
{
	m->ops = *ops;
	m->ctx = ctx;
	m->state = ST_TEXT;
	m->html = html;
	m->tag_len = 0;
	m->tag_trunc = 0;
	m->quote = 0;
	m->ent_len = 0;
	m->match = 0;
}

static int mk_text(pii_markup *m, const uint8_t *p, size_t n)
{
	return n && m->ops.text ? m->ops.text(m->ctx, p, n) : 0;
}

static int is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int lower_eq(const uint8_t *a, size_t n, const char *b)
{
	if (strlen(b) != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = a[i];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + 32);
		if (c != (uint8_t)b[i])
			return 0;
	}
	return 1;
}

int pii_tag_is(const pii_tag *t, const char *s)
{
	return lower_eq(t->name, t->name_len, s);
}

const uint8_t *pii_tag_attr(const pii_tag *t, const char *name, size_t *len)
{
	const uint8_t *p = t->attrs, *end = t->attrs + t->attrs_len;
	while (p < end) {
		while (p < end && (is_space(*p) || *p == '/'))
			p++;
		const uint8_t *ns = p;
		while (p < end && !is_space(*p) && *p != '=' && *p != '/')
			p++;
		const uint8_t *ne = p;
		while (p < end && is_space(*p))
			p++;
		const uint8_t *v = NULL;
		size_t vn = 0;
		if (p < end && *p == '=') {
			p++;
			while (p < end && is_space(*p))
				p++;
			if (p < end && (*p == '"' || *p == '\'')) {
				uint8_t q = *p++;
				v = p;
				while (p < end && *p != q)
					p++;
				vn = (size_t)(p - v);
				if (p < end)
					p++;
			} else {
				v = p;
				while (p < end && !is_space(*p))
					p++;
				vn = (size_t)(p - v);
			}
		}
		if (ne == ns) {
			if (p == ns)
				p++;
			continue;
		}
		/* compare the local part of the attribute name */
		const uint8_t *local = ns;
		for (const uint8_t *q = ns; q < ne; q++)
			if (*q == ':')
				local = q + 1;
		if (lower_eq(local, (size_t)(ne - local), name)) {
			*len = vn;
			return v ? v : ne;
		}
	}
	return NULL;
}

static int emit_tag(pii_markup *m)
{
	const uint8_t *p = m->tag, *end = m->tag + m->tag_len;
	pii_tag t;
	memset(&t, 0, sizeof t);
	if (p < end && *p == '/') {
		t.end = 1;
		p++;
	}
	const uint8_t *ns = p;
	while (p < end && !is_space(*p) && *p != '/')
		p++;
	t.name = ns;
	t.name_len = (size_t)(p - ns);
	for (const uint8_t *q = ns; q < p; q++) {
		if (*q == ':') {
			t.prefix = ns;
			t.prefix_len = (size_t)(q - ns);
			t.name = q + 1;
			t.name_len = (size_t)(p - q - 1);
		}
	}
	const uint8_t *last = end;
	while (last > p && is_space(last[-1]))
		last--;
	if (!m->tag_trunc && last > p && last[-1] == '/') {
		t.selfclose = 1;
		last--;
	}
	t.attrs = p;
	t.attrs_len = (size_t)(last - p);
	return m->ops.tag ? m->ops.tag(m->ctx, &t) : 0;
}

typedef struct entity {
	const char *name;
	uint32_t cp;
} entity;

static const entity ENTITIES[] = {
	{"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
	{"apos", '\''},     {"nbsp", 0xa0},     {"eacute", 0xe9},   {"egrave", 0xe8},
	{"ecirc", 0xea},    {"euml", 0xeb},     {"agrave", 0xe0},   {"acirc", 0xe2},
	{"auml", 0xe4},     {"ccedil", 0xe7},   {"ocirc", 0xf4},    {"ouml", 0xf6},
	{"ucirc", 0xfb},    {"ugrave", 0xf9},   {"uuml", 0xfc},     {"icirc", 0xee},
	{"iuml", 0xef},     {"Eacute", 0xc9},   {"Egrave", 0xc8},   {"Agrave", 0xc0},
	{"Ccedil", 0xc7},   {"Ecirc", 0xca},    {"laquo", 0xab},    {"raquo", 0xbb},
	{"euro", 0x20ac},   {"deg", 0xb0},      {"rsquo", 0x2019},  {"lsquo", 0x2018},
	{"ldquo", 0x201c},  {"rdquo", 0x201d},  {"hellip", 0x2026}, {"ndash", 0x2013},
	{"mdash", 0x2014},  {"oelig", 0x153},   {"copy", 0xa9},     {"shy", 0xad},
	{"thinsp", 0x2009}, {"ensp", 0x2002},   {"emsp", 0x2003},   {"commat", '@'},
	{"period", '.'},    {"plus", '+'},      {"num", '#'},
};

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes the entity in m->ent (without & and ;) and emits it, or the raw
 * text when unknown. */
static int emit_entity(pii_markup *m)
{
	const uint8_t *e = m->ent;
	size_t n = m->ent_len;
	uint32_t cp = 0;
	int ok = 0;
	if (n >= 2 && e[0] == '#') {
		ok = 1;
		if (e[1] == 'x' || e[1] == 'X') {
			if (n == 2)
				ok = 0;
			for (size_t i = 2; i < n && ok; i++) {
				int h = hexval(e[i]);
				if (h < 0 || cp > 0x10ffff)
					ok = 0;
				else
					cp = cp * 16 + (uint32_t)h;
			}
		} else {
			for (size_t i = 1; i < n && ok; i++) {
				if (e[i] < '0' || e[i] > '9' || cp > 0x10ffff)
					ok = 0;
				else
					cp = cp * 10 + (uint32_t)(e[i] - '0');
			}
		}
		if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			cp = 0xfffd;
	} else {
		for (size_t i = 0; i < sizeof ENTITIES / sizeof ENTITIES[0]; i++) {
			if (strlen(ENTITIES[i].name) == n && !memcmp(ENTITIES[i].name, e, n)) {
				cp = ENTITIES[i].cp;
				ok = 1;
				break;
			}
		}
	}
	if (!ok) {
		int rc = mk_text(m, (const uint8_t *)"&", 1);
		if (!rc)
			rc = mk_text(m, m->ent, m->ent_len);
		if (!rc)
			rc = mk_text(m, (const uint8_t *)";", 1);
		return rc;
	}
	uint8_t o[4];
	return mk_text(m, o, pii_utf8_put(o, cp));
}

static void tag_push(pii_markup *m, uint8_t c)
{
	if (m->tag_len < PII_TAG_MAX_BYTES)
		m->tag[m->tag_len++] = c;
	else
		m->tag_trunc = 1;
}

int pii_markup_write(pii_markup *m, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int rc = 0;
	while (i < n && !rc) {
		uint8_t c = p[i];
		switch (m->state) {
		case ST_TEXT: {
			size_t j = i;
			while (j < n && p[j] != '<' && p[j] != '&')
				j++;
			rc = mk_text(m, p + i, j - i);
			i = j;
			if (i < n) {
				m->state = p[i] == '<' ? ST_LT : ST_ENT;
				m->ent_len = 0;
				i++;
			}
			break;
		}
		case ST_LT:
			if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' || c == '!' ||
			    c == '?' || c == '_') {
				m->state = c == '?' ? ST_PI : ST_TAG;
				m->tag_len = 0;
				m->tag_trunc = 0;
				m->quote = 0;
				m->match = 0;
				if (c != '?')
					tag_push(m, c);
				i++;
			} else {
				rc = mk_text(m, (const uint8_t *)"<", 1);
				m->state = ST_TEXT;
			}
			break;
		case ST_TAG:
			i++;
			if (m->quote) {
				if (c == m->quote)
					m->quote = 0;
				tag_push(m, c);
				break;
			}
			if (c == '>') {
				m->state = ST_TEXT;
				if (m->tag[0] != '!')
					rc = emit_tag(m);
				break;
			}
			if ((c == '"' || c == '\'') && m->tag[0] != '!')
				m->quote = c;
			tag_push(m, c);
			if (m->tag_len == 3 && !memcmp(m->tag, "!--", 3)) {
				m->state = ST_COMMENT;
				m->match = 0;
			} else if (m->tag_len == 8 && !memcmp(m->tag, "![CDATA[", 8)) {
				m->state = ST_CDATA;
				m->match = 0;
			}
			break;
		case ST_COMMENT:
			/* ends at "--" followed by '>' */
			i++;
			if (c == '-')
				m->match++;
			else if (c == '>' && m->match >= 2)
				m->state = ST_TEXT;
			else
				m->match = 0;
			break;
		case ST_PI:
			i++;
			if (c == '>' && m->match)
				m->state = ST_TEXT;
			m->match = c == '?';
			break;
		case ST_CDATA:
			/* ends at "]]" followed by '>'; other brackets are text */
			if (m->match == 0 && c != ']') {
				size_t j = i;
				while (j < n && p[j] != ']')
					j++;
				rc = mk_text(m, p + i, j - i);
				i = j;
				break;
			}
			i++;
			if (c == ']') {
				m->match++;
				break;
			}
			if (c == '>' && m->match >= 2) {
				for (size_t k = 2; k < m->match && !rc; k++)
					rc = mk_text(m, (const uint8_t *)"]", 1);
				m->match = 0;
				m->state = ST_TEXT;
				break;
			}
			for (size_t k = 0; k < m->match && !rc; k++)
				rc = mk_text(m, (const uint8_t *)"]", 1);
			m->match = 0;
			if (!rc)
				rc = mk_text(m, &c, 1);
			break;
		case ST_ENT:
			if (c == ';') {
				i++;
				m->state = ST_TEXT;
				rc = emit_entity(m);
			} else if (m->ent_len < sizeof m->ent &&
				   ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
				    (c >= '0' && c <= '9') || c == '#')) {
				m->ent[m->ent_len++] = c;
				i++;
			} else {
				/* not an entity: a bare ampersand */
				m->state = ST_TEXT;
				rc = mk_text(m, (const uint8_t *)"&", 1);
				if (!rc)
					rc = mk_text(m, m->ent, m->ent_len);
			}
			break;
		}
	}
	return rc;
}

int pii_markup_end(pii_markup *m)
{
	int rc = 0;
	if (m->state == ST_ENT) {
		rc = mk_text(m, (const uint8_t *)"&", 1);
		if (!rc)
			rc = mk_text(m, m->ent, m->ent_len);
	} else if (m->state == ST_LT) {
		rc = mk_text(m, (const uint8_t *)"<", 1);
	}
	m->state = ST_TEXT;
	return rc;
}

/* ---- text extraction ---- */

static const char *const HTML_BLOCK[] = {
	"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol",
	"title", "section", "article", "header", "footer", "blockquote", "pre", "hr", "dt", "dd",
	"dl", "form", "fieldset", "legend", "address", "nav", "aside", "main", "figure",
	"figcaption", "caption", "thead", "tbody", "tfoot", "body", "head", "html", "option",
	"select", "textarea", "input", "button", "img",
};

static const char *const HTML_INLINE[] = {
	"a", "span", "b", "i", "em", "strong", "u", "font", "small", "big", "sup", "sub", "abbr",
	"code", "mark", "s", "q", "cite", "bdi", "bdo", "wbr", "tt", "var", "kbd", "samp", "ins",
	"del", "acronym", "dfn", "time", "data", "nobr",
};

static int in_list(const pii_tag *t, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pii_tag_is(t, list[i]))
			return 1;
	return 0;
}

#define NLIST(a) (sizeof(a) / sizeof((a)[0]))

static int mt_text(void *ctx, const uint8_t *p, size_t n)
{
	pii_markup_text *mt = ctx;
	if (mt->skip)
		return 0; /* inside <script> or <style> */
	pii_text_write(mt->text, p, n);
	return 0;
}

static int mt_tag(void *ctx, const pii_tag *t)
{
	pii_markup_text *mt = ctx;
	const char *sep = NULL;
	switch (mt->flavor) {
	case PII_FLAVOR_OFFICE:
		/* Word splits runs anywhere (spelling marks, revisions), so only
		 * paragraph, line, cell and tab elements separate text */
		if (pii_tag_is(t, "p") || pii_tag_is(t, "h") || pii_tag_is(t, "tr") ||
		    pii_tag_is(t, "table-row") || pii_tag_is(t, "list-item")) {
			if (t->end || t->selfclose)
				sep = "\n";
		} else if (pii_tag_is(t, "br") || pii_tag_is(t, "cr") || pii_tag_is(t, "line-break")) {
			sep = "\n";
		} else if (pii_tag_is(t, "tab") || ((pii_tag_is(t, "tc") || pii_tag_is(t, "table-cell")) &&
						    (t->end || t->selfclose))) {
			sep = "\t";
		} else if (pii_tag_is(t, "s") && t->prefix_len == 4 && !memcmp(t->prefix, "text", 4)) {
			sep = " ";
		}
		break;
	case PII_FLAVOR_HTML:
		if (pii_tag_is(t, "script") || pii_tag_is(t, "style")) {
			mt->skip = !(t->end || t->selfclose);
			sep = "\n";
		} else if (pii_tag_is(t, "td") || pii_tag_is(t, "th")) {
			sep = "\t";
		} else if (in_list(t, HTML_BLOCK, NLIST(HTML_BLOCK))) {
			sep = "\n";
		} else if (!in_list(t, HTML_INLINE, NLIST(HTML_INLINE))) {
			sep = " ";
		}
		break;
	default:
		sep = "\n";
	}
	if (sep)
		pii_text_write(mt->text, (const uint8_t *)sep, 1);
	return 0;
}

void pii_markup_text_begin(pii_markup_text *mt, int flavor, pii_text *text)
{
	static const pii_markup_ops OPS = {mt_text, mt_tag};
	mt->flavor = flavor;
	mt->text = text;
	mt->skip = 0;
	pii_markup_begin(&mt->mk, flavor == PII_FLAVOR_HTML, &OPS, mt);
}
