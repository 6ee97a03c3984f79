/* server_tokens.c - the tokens file: who may do what, stored as hashes.
 *
 * One line per token: TENANT ROLE ID SHA256HEX CREATED, where the hash is
 * SHA-256 of the token text.  A plain hash is enough because a token is
 * 256 random bits: there is no dictionary to try, and no way to find a
 * preimage, so a slow password hash (Argon2) would only cost CPU on every
 * request without adding anything.  Lines starting with '#' and blank lines
 * are kept as they are.
 */
#include "server.h"

#include "../util/hex.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define TOKENS_FILE_MAX_BYTES (16u << 20)
#define TOKEN_PREFIX "rpt_"

struct rp_tokens {
	rp_token_entry *v;
	size_t n;
};

static const char *const role_names[] = {"none", "read", "append", "admin", "metrics"};

int rp_role_parse(const char *s, rp_role *role)
{
	for (int r = RP_ROLE_READ; r <= RP_ROLE_METRICS; r++)
		if (!strcmp(s, role_names[r])) {
			*role = (rp_role)r;
			return 0;
		}
	return -1;
}

const char *rp_role_name(rp_role role)
{
	if ((int)role < 0 || role > RP_ROLE_METRICS)
		return "none";
	return role_names[role];
}

int rp_tenant_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > RP_TENANT_MAX_CHARS)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
		if (!alnum && (i == 0 || (c != '-' && c != '_')))
			return 0;
	}
	return 1;
}

static void sha256(const void *p, size_t n, uint8_t out[32])
{
	unsigned int len = 32;
	EVP_Digest(p, n, out, &len, EVP_sha256(), NULL);
}

static int fill_random(void *p, size_t n, rp_err *e)
{
	uint8_t *b = p;
	while (n) {
		ssize_t k = getrandom(b, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return rp_err_errno(e, errno, "cannot read random bytes");
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Splits line into at most max fields separated by blanks (in place). */
static size_t split_fields(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (n == max)
			return max + 1;
		f[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		if (*p)
			*p++ = 0;
	}
	return n;
}

/* Parses one non-comment line into ent; -1 with a reason on failure. */
static int parse_line(char *line, rp_token_entry *ent, const char **why)
{
	char *f[5];
	size_t n = split_fields(line, f, 5);
	if (n != 5) {
		*why = "expected 5 fields: TENANT ROLE ID SHA256 CREATED";
		return -1;
	}
	memset(ent, 0, sizeof *ent);
	if (rp_role_parse(f[1], &ent->role)) {
		*why = "unknown role";
		return -1;
	}
	if (ent->role == RP_ROLE_METRICS ? strcmp(f[0], "*") != 0 : !rp_tenant_name_ok(f[0])) {
		*why = "bad tenant name (metrics tokens use \"*\")";
		return -1;
	}
	strcpy(ent->tenant, f[0]);
	if (strlen(f[2]) != RP_TOKEN_ID_CHARS || !rp_hex_is(f[2], RP_TOKEN_ID_CHARS)) {
		*why = "bad token id";
		return -1;
	}
	strcpy(ent->id, f[2]);
	if (rp_hex_decode(ent->hash, 32, f[3], strlen(f[3]))) {
		*why = "bad hash (64 hex digits expected)";
		return -1;
	}
	struct tm tm = {0};
	const char *end = strptime(f[4], "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (!end || *end) {
		*why = "bad creation time";
		return -1;
	}
	ent->created = (int64_t)timegm(&tm);
	return 0;
}

/* Reads the whole file into a NUL-terminated buffer. */
static int read_text(const char *path, char **out, size_t *len, rp_err *e)
{
	int rc = 0;
	char *buf = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return rp_err_errno(e, errno, "tokens file %s", path);
	struct stat st;
	if (fstat(fd, &st)) {
		rc = rp_err_errno(e, errno, "tokens file %s", path);
		goto done;
	}
	if (st.st_size > TOKENS_FILE_MAX_BYTES) {
		rc = rp_err_set(e, RP_ECORRUPT, "tokens file %s: larger than %u bytes", path, TOKENS_FILE_MAX_BYTES);
		goto done;
	}
	size_t cap = (size_t)st.st_size + 1, n = 0;
	if (!(buf = malloc(cap))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory reading %s", path);
		goto done;
	}
	while (n < cap - 1) {
		ssize_t k = read(fd, buf + n, cap - 1 - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = rp_err_errno(e, errno, "tokens file %s: read failed", path);
			goto done;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		rc = rp_err_set(e, RP_ECORRUPT, "tokens file %s: contains a NUL byte", path);
		goto done;
	}
	*out = buf;
	*len = n;
	buf = NULL;
done:
	free(buf);
	close(fd);
	return rc;
}

/* Parses text (modified in place) into t. */
static int parse_text(rp_tokens *t, char *text, const char *path, rp_err *e)
{
	size_t lineno = 0;
	char *p = text;
	while (*p) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		lineno++;
		size_t l = strlen(p);
		if (l && p[l - 1] == '\r')
			p[--l] = 0;
		char *s = p + strspn(p, " \t");
		if (*s && *s != '#') {
			rp_token_entry ent;
			const char *why = "";
			if (parse_line(s, &ent, &why))
				return rp_err_set(e, RP_ECORRUPT, "tokens file %s, line %zu: %s", path, lineno, why);
			for (size_t i = 0; i < t->n; i++)
				if (!strcmp(t->v[i].id, ent.id))
					return rp_err_set(e, RP_ECORRUPT, "tokens file %s, line %zu: id %s appears twice",
							  path, lineno, ent.id);
			rp_token_entry *v = realloc(t->v, (t->n + 1) * sizeof *v);
			if (!v)
				return rp_err_set(e, RP_ENOMEM, "out of memory reading %s", path);
			t->v = v;
			t->v[t->n++] = ent;
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

int rp_tokens_load(rp_tokens **out, const char *path, rp_err *e)
{
	char *text = NULL;
	size_t len;
	rp_tokens *t = calloc(1, sizeof *t);
	if (!t)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	int rc = read_text(path, &text, &len, e);
	if (!rc)
		rc = parse_text(t, text, path, e);
	free(text);
	if (rc) {
		rp_tokens_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

void rp_tokens_free(rp_tokens *t)
{
	if (!t)
		return;
	OPENSSL_cleanse(t->v, t->n * sizeof *t->v);
	free(t->v);
	free(t);
}

size_t rp_tokens_count(const rp_tokens *t)
{
	return t->n;
}

const rp_token_entry *rp_tokens_at(const rp_tokens *t, size_t i)
{
	return i < t->n ? &t->v[i] : NULL;
}

const rp_token_entry *rp_tokens_match(const rp_tokens *t, const char *token, size_t len)
{
	uint8_t h[32];
	const rp_token_entry *found = NULL;
	sha256(token, len, h);
	/* no early exit: the loop takes the same time whichever entry matches */
	for (size_t i = 0; i < t->n; i++) {
		int same = CRYPTO_memcmp(h, t->v[i].hash, 32) == 0;
		if (same && !found)
			found = &t->v[i];
	}
	return found;
}

/* ---- editing the file ---- */

static int full_write(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n) {
		ssize_t k = write(fd, b, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Replaces path with text (atomically, durably). */
static int replace_file(const char *path, const char *text, size_t n, rp_err *e)
{
	char tmp[4096], dir[4096];
	int rc = 0;
	if (snprintf(tmp, sizeof tmp, "%s.new", path) >= (int)sizeof tmp)
		return rp_err_set(e, RP_EINVAL, "tokens file path too long");
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rp_err_errno(e, errno, "cannot create %s", tmp);
	if (full_write(fd, text, n) || fsync(fd)) {
		rc = rp_err_errno(e, errno, "cannot write %s", tmp);
		close(fd);
		unlink(tmp);
		return rc;
	}
	close(fd);
	if (rename(tmp, path)) {
		rc = rp_err_errno(e, errno, "cannot replace %s", path);
		unlink(tmp);
		return rc;
	}
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == dir)
		slash[1] = 0;
	else if (slash)
		*slash = 0;
	else
		strcpy(dir, ".");
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		if (fsync(dfd))
			rc = rp_err_errno(e, errno, "cannot sync folder %s", dir);
		close(dfd);
	}
	return rc;
}

/* Takes an exclusive lock on path.lock so that two edits never interleave. */
static int lock_file(const char *path, int *lockfd, rp_err *e)
{
	char lk[4096];
	if (snprintf(lk, sizeof lk, "%s.lock", path) >= (int)sizeof lk)
		return rp_err_set(e, RP_EINVAL, "tokens file path too long");
	int fd = open(lk, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rp_err_errno(e, errno, "cannot open %s", lk);
	while (flock(fd, LOCK_EX)) {
		if (errno != EINTR) {
			int err = errno;
			close(fd);
			return rp_err_errno(e, err, "cannot lock %s", lk);
		}
	}
	*lockfd = fd;
	return 0;
}

/* Reads the current text (empty when the file does not exist yet) and
 * checks that it parses, so that an edit never builds on a broken file. */
static int read_checked(const char *path, char **text, size_t *len, rp_err *e)
{
	int rc = read_text(path, text, len, e);
	if (rc == RP_ENOTFOUND) {
		*text = strdup("# rempart serve tokens: TENANT ROLE ID SHA256(token) CREATED\n"
			       "# Only hashes are stored.  Edit with `rempart serve token add|list|remove`.\n");
		if (!*text)
			return rp_err_set(e, RP_ENOMEM, "out of memory");
		*len = strlen(*text);
		return 0;
	}
	if (rc)
		return rc;
	char *copy = strdup(*text);
	rp_tokens t = {0};
	if (!copy) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	} else {
		rc = parse_text(&t, copy, path, e);
	}
	free(copy);
	free(t.v);
	if (rc) {
		free(*text);
		*text = NULL;
	}
	return rc;
}

int rp_tokens_add(const char *path, const char *tenant, rp_role role, char token[RP_TOKEN_CHARS + 1],
		  char id[RP_TOKEN_ID_CHARS + 1], rp_err *e)
{
	uint8_t secret[32], idb[RP_TOKEN_ID_CHARS / 2], h[32];
	char hhex[65], line[256], when[32];
	char *text = NULL;
	int lockfd = -1, rc;
	if (role < RP_ROLE_READ || role > RP_ROLE_METRICS)
		return rp_err_set(e, RP_EINVAL, "unknown role");
	if (role == RP_ROLE_METRICS ? strcmp(tenant, "*") != 0 : !rp_tenant_name_ok(tenant))
		return rp_err_set(e, RP_EINVAL,
				  role == RP_ROLE_METRICS
					  ? "a metrics token covers every tenant: give \"*\" as the tenant"
					  : "bad tenant name '%s': use 1-63 of a-z, 0-9, '-' and '_', starting with a "
					    "letter or digit",
				  tenant);
	if ((rc = fill_random(secret, sizeof secret, e)) || (rc = fill_random(idb, sizeof idb, e)))
		return rc;
	memcpy(token, TOKEN_PREFIX, 4);
	rp_hex_encode(token + 4, secret, sizeof secret);
	rp_hex_encode(id, idb, sizeof idb);
	sha256(token, RP_TOKEN_CHARS, h);
	rp_hex_encode(hhex, h, 32);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(line, sizeof line, "%s %s %s %s %s\n", tenant, rp_role_name(role), id, hhex, when);

	size_t len;
	if ((rc = lock_file(path, &lockfd, e)) || (rc = read_checked(path, &text, &len, e)))
		goto done;
	size_t ll = strlen(line);
	int need_nl = len && text[len - 1] != '\n';
	char *all = realloc(text, len + ll + 2);
	if (!all) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	text = all;
	if (need_nl)
		text[len++] = '\n';
	memcpy(text + len, line, ll + 1);
	rc = replace_file(path, text, len + ll, e);
done:
	OPENSSL_cleanse(secret, sizeof secret);
	if (rc)
		OPENSSL_cleanse(token, RP_TOKEN_CHARS + 1);
	free(text);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}

int rp_tokens_remove(const char *path, const char *id, rp_err *e)
{
	char *text = NULL, *out = NULL;
	size_t len, n = 0;
	int lockfd = -1, rc, found = 0;
	if ((rc = lock_file(path, &lockfd, e)) || (rc = read_checked(path, &text, &len, e)))
		goto done;
	if (!(out = malloc(len + 1))) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	for (char *p = text; *p;) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) + 1 : strlen(p);
		char line[512], *f[5];
		int drop = 0;
		if (l < sizeof line) {
			memcpy(line, p, l);
			line[l] = 0;
			line[strcspn(line, "\r\n")] = 0;
			char *s = line + strspn(line, " \t");
			if (*s != '#' && split_fields(s, f, 5) == 5 && !strcmp(f[2], id))
				drop = 1;
		}
		if (drop)
			found = 1;
		else {
			memcpy(out + n, p, l);
			n += l;
		}
		p += l;
	}
	if (!found) {
		rc = rp_err_set(e, RP_ENOTFOUND, "tokens file %s: no token with id %s", path, id);
		goto done;
	}
	rc = replace_file(path, out, n, e);
done:
	free(out);
	free(text);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
