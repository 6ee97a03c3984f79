/* snapshot.c - snapshot body codec. */
#include "snapshot.h"

#include "../util/hex.h"
#include "../util/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void rp_time_format(char buf[40], int64_t s, uint32_t ns)
{
	time_t t = (time_t)s;
	struct tm tm;
	if (!gmtime_r(&t, &tm)) {
		/* beyond the calendar gmtime knows: the seconds, stable */
		snprintf(buf, 40, "@%lld.%09u", (long long)s, ns % 1000000000u);
		return;
	}
	char date[24];
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, 40, "%.19s.%09uZ", date, ns % 1000000000u);
}

static int is_utf8(const char *s)
{
	return rp_json_utf8_valid(s, strlen(s));
}

/* Writes s in hex (the exact bytes of a name that is not UTF-8). */
static void put_hex(rp_jw *w, const char *s)
{
	size_t n = strlen(s);
	char *hex = malloc(2 * n + 1);
	if (!hex) {
		rp_jw_strn(w, "", 0);
		w->err = RP_ENOMEM;
		return;
	}
	rp_hex_encode(hex, (const uint8_t *)s, n);
	rp_jw_strn(w, hex, 2 * n);
	free(hex);
}

/* A text field, and beside it "<key>_hex" when it is not valid UTF-8. */
static void put_text(rp_jw *w, const char *key, const char *s)
{
	rp_jw_key(w, key), rp_jw_str(w, s);
	if (is_utf8(s))
		return;
	char hkey[32];
	snprintf(hkey, sizeof hkey, "%s_hex", key);
	rp_jw_key(w, hkey), put_hex(w, s);
}

/* A list of text, and beside it "<key>_hex" holding every entry in hex
 * when any of them is not valid UTF-8. */
static void put_strs(rp_jw *w, const char *key, char **v, size_t n)
{
	int all_utf8 = 1;
	rp_jw_key(w, key);
	rp_jw_arr_begin(w);
	for (size_t i = 0; i < n; i++) {
		rp_jw_str(w, v[i]);
		all_utf8 &= is_utf8(v[i]);
	}
	rp_jw_arr_end(w);
	if (all_utf8)
		return;
	char hkey[32];
	snprintf(hkey, sizeof hkey, "%s_hex", key);
	rp_jw_key(w, hkey);
	rp_jw_arr_begin(w);
	for (size_t i = 0; i < n; i++)
		put_hex(w, v[i]);
	rp_jw_arr_end(w);
}

static void put_stats(rp_jw *w, const rp_snapshot_stats *st)
{
	rp_jw_key(w, "stats");
	rp_jw_obj_begin(w);
	rp_jw_key(w, "files"), rp_jw_uint(w, st->files);
	rp_jw_key(w, "dirs"), rp_jw_uint(w, st->dirs);
	rp_jw_key(w, "others"), rp_jw_uint(w, st->others);
	rp_jw_key(w, "bytes"), rp_jw_uint(w, st->bytes);
	rp_jw_key(w, "files_new"), rp_jw_uint(w, st->files_new);
	rp_jw_key(w, "files_changed"), rp_jw_uint(w, st->files_changed);
	rp_jw_key(w, "files_unchanged"), rp_jw_uint(w, st->files_unchanged);
	rp_jw_key(w, "bytes_read"), rp_jw_uint(w, st->bytes_read);
	rp_jw_key(w, "blobs_added"), rp_jw_uint(w, st->blobs_added);
	rp_jw_key(w, "bytes_added"), rp_jw_uint(w, st->bytes_added);
	rp_jw_key(w, "bytes_stored"), rp_jw_uint(w, st->bytes_stored);
	rp_jw_key(w, "errors"), rp_jw_uint(w, st->errors);
	rp_jw_key(w, "seconds"), rp_jw_double(w, st->seconds);
	rp_jw_obj_end(w);
}

int rp_snapshot_encode(const rp_snapshot *s, rp_buf *out, rp_err *e)
{
	char t[40], hex[65];
	rp_jw w;
	rp_jw_init(&w, out, 1);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "version"), rp_jw_int(&w, RP_SNAPSHOT_VERSION);
	rp_time_format(t, s->time_s, s->time_ns);
	rp_jw_key(&w, "time"), rp_jw_str(&w, t);
	rp_jw_key(&w, "time_s"), rp_jw_int(&w, s->time_s);
	rp_jw_key(&w, "time_ns"), rp_jw_uint(&w, s->time_ns);
	put_text(&w, "host", s->host ? s->host : "");
	put_text(&w, "username", s->username ? s->username : "");
	put_strs(&w, "paths", s->paths, s->n_paths);
	put_strs(&w, "tags", s->tags, s->n_tags);
	rp_hex_encode(hex, s->tree.b, 32);
	rp_jw_key(&w, "tree"), rp_jw_str(&w, hex);
	if (s->has_parent) {
		rp_hex_encode(hex, s->parent.b, 32);
		rp_jw_key(&w, "parent"), rp_jw_str(&w, hex);
	}
	if (s->verdict)
		rp_jw_key(&w, "verdict"), rp_jw_str(&w, s->verdict);
	put_stats(&w, &s->stats);
	if (s->scan_json)
		rp_jw_key(&w, "scan"), rp_jw_raw(&w, s->scan_json, strlen(s->scan_json));
	if (s->pii_json)
		rp_jw_key(&w, "pii"), rp_jw_raw(&w, s->pii_json, strlen(s->pii_json));
	rp_jw_obj_end(&w);
	return rp_jw_status(&w) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0;
}

static char *dup_n(const char *s, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, s, n);
		d[n] = 0;
	}
	return d;
}

/* A copy of the text in c: its hex form decoded when hex, else as is.
 * NULL when it is not a string, not hex, holds a NUL or memory ran out. */
static char *text_of(const rp_json *c, int hex)
{
	if (!c || c->type != RP_JSON_STR)
		return NULL;
	if (!hex)
		return memchr(c->str, 0, c->str_len) ? NULL : dup_n(c->str, c->str_len);
	size_t n = c->str_len / 2;
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	if (c->str_len % 2 || rp_hex_decode((uint8_t *)d, n, c->str, c->str_len) || memchr(d, 0, n)) {
		free(d);
		return NULL;
	}
	d[n] = 0;
	return d;
}

/* Reads the text field key, preferring its exact bytes from "<key>_hex".
 * 0 when absent (*out stays NULL) or read, -1 when malformed. */
static int get_text(const rp_json *j, const char *key, char **out)
{
	char hkey[32];
	snprintf(hkey, sizeof hkey, "%s_hex", key);
	const rp_json *h = rp_json_get(j, hkey), *t = rp_json_get(j, key);
	if (!h && (!t || t->type != RP_JSON_STR))
		return 0;
	*out = text_of(h ? h : t, h != NULL);
	return *out ? 0 : -1;
}

static int get_strs(const rp_json *j, const char *key, char ***out, size_t *n)
{
	char hkey[32];
	snprintf(hkey, sizeof hkey, "%s_hex", key);
	const rp_json *a = rp_json_get(j, key), *h = rp_json_get(j, hkey);
	*out = NULL;
	*n = 0;
	if (!a)
		return 0;
	if (a->type != RP_JSON_ARR || (h && (h->type != RP_JSON_ARR || h->count != a->count)))
		return -1;
	*out = calloc(a->count ? a->count : 1, sizeof **out);
	if (!*out)
		return -1;
	for (const rp_json *c = h ? h->child : a->child; c; c = c->next) {
		if (!((*out)[*n] = text_of(c, h != NULL)))
			return -1;
		(*n)++;
	}
	return 0;
}

static char *dump_json(const rp_json *j)
{
	rp_buf b = {0};
	rp_jw w;
	rp_jw_init(&w, &b, 0);
	rp_json_write(&w, j);
	if (rp_jw_status(&w) || rp_buf_cstr(&b)) {
		rp_buf_free(&b);
		return NULL;
	}
	return (char *)b.data;
}

static uint64_t get_u64(const rp_json *j, const char *k)
{
	int64_t v = 0;
	rp_json_get_int(j, k, &v);
	return v < 0 ? 0 : (uint64_t)v;
}

static void get_stats(const rp_json *j, rp_snapshot_stats *st)
{
	const rp_json *o = rp_json_get(j, "stats");
	if (!o)
		return;
	st->files = get_u64(o, "files");
	st->dirs = get_u64(o, "dirs");
	st->others = get_u64(o, "others");
	st->bytes = get_u64(o, "bytes");
	st->files_new = get_u64(o, "files_new");
	st->files_changed = get_u64(o, "files_changed");
	st->files_unchanged = get_u64(o, "files_unchanged");
	st->bytes_read = get_u64(o, "bytes_read");
	st->blobs_added = get_u64(o, "blobs_added");
	st->bytes_added = get_u64(o, "bytes_added");
	st->bytes_stored = get_u64(o, "bytes_stored");
	st->errors = get_u64(o, "errors");
	const rp_json *sec = rp_json_get(o, "seconds");
	if (sec && sec->type == RP_JSON_NUM)
		st->seconds = sec->num;
}

int rp_snapshot_decode(const uint8_t *p, size_t n, rp_snapshot *s, rp_err *e)
{
	rp_json *j = NULL;
	int64_t v, ts, tns = 0;
	const char *str;
	size_t len;
	memset(s, 0, sizeof *s);
	if (rp_json_parse((const char *)p, n, &j, e))
		return rp_err_set(e, RP_ECORRUPT, "snapshot is not valid JSON");
	int rc = RP_ECORRUPT;
	if (rp_json_get_int(j, "version", &v) || v < 1) {
		rp_err_set(e, rc, "snapshot has no version");
		goto done;
	}
	if (v > RP_SNAPSHOT_VERSION) {
		rc = rp_err_set(e, RP_EVERSION, "snapshot version %lld is newer than this program", (long long)v);
		goto done;
	}
	if (rp_json_get_int(j, "time_s", &ts) || rp_json_get_str(j, "tree", &str, &len) ||
	    rp_hex_decode(s->tree.b, 32, str, len)) {
		rp_err_set(e, rc, "snapshot lacks its time or tree");
		goto done;
	}
	rp_json_get_int(j, "time_ns", &tns);
	s->time_s = ts;
	s->time_ns = (uint32_t)(tns < 0 || tns > 999999999 ? 0 : tns);
	if (!rp_json_get_str(j, "parent", &str, &len)) {
		if (rp_hex_decode(s->parent.b, 32, str, len)) {
			rp_err_set(e, rc, "snapshot has a bad parent id");
			goto done;
		}
		s->has_parent = 1;
	}
	if (get_text(j, "host", &s->host) || get_text(j, "username", &s->username) ||
	    (!rp_json_get_str(j, "verdict", &str, &len) && !(s->verdict = dup_n(str, len))) ||
	    get_strs(j, "paths", &s->paths, &s->n_paths) || get_strs(j, "tags", &s->tags, &s->n_tags)) {
		rp_err_set(e, rc, "snapshot has malformed fields");
		goto done;
	}
	const rp_json *scan = rp_json_get(j, "scan"), *pii = rp_json_get(j, "pii");
	if ((scan && !(s->scan_json = dump_json(scan))) || (pii && !(s->pii_json = dump_json(pii)))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	get_stats(j, &s->stats);
	rc = 0;
done:
	if (rc)
		rp_snapshot_clear(s);
	rp_json_free(j);
	return rc;
}

static void free_strs(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void rp_snapshot_clear(rp_snapshot *s)
{
	free(s->host);
	free(s->username);
	free(s->verdict);
	free(s->scan_json);
	free(s->pii_json);
	free_strs(s->paths, s->n_paths);
	free_strs(s->tags, s->n_tags);
	memset(s, 0, sizeof *s);
}
