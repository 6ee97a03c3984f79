/* common.c - what the commands share: repository sessions, passwords,
 * error printing, sizes. */
#include "cli.h"

#include "engine/cleanstate.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int rp_cli_fail(const rp_cli *cli, const rp_err *e)
{
	(void)cli;
	fprintf(stderr, "rempart: %s\n", e->msg[0] ? e->msg : rp_err_name(e->code));
	return RP_EXIT_FATAL;
}

int rp_cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rempart %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'rempart help %s')\n", cmd);
	return RP_EXIT_USAGE;
}

void rp_cli_note(const rp_cli *cli, const char *fmt, ...)
{
	if (cli->quiet)
		return;
	va_list ap;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

const char *rp_cli_bytes(char buf[32], double v)
{
	static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = 0;
	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, 32, "%.0f B", v);
	else
		snprintf(buf, 32, "%.*f %s", v < 10 ? 2 : v < 100 ? 1 : 0, v, units[u]);
	return buf;
}

long long rp_cli_parse_size(const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || end == s || v < 0)
		return -1;
	long long mul = 1;
	switch (*end) {
	case 0: break;
	case 'k': case 'K': mul = 1LL << 10; end++; break;
	case 'm': case 'M': mul = 1LL << 20; end++; break;
	case 'g': case 'G': mul = 1LL << 30; end++; break;
	case 't': case 'T': mul = 1LL << 40; end++; break;
	default: return -1;
	}
	if (*end == 'i')
		end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end)
		return -1;
	return (long long)(v * (double)mul);
}

/* Reads the first line of a file (without its newline). */
static int read_first_line(const char *path, char **out, rp_err *e)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return rp_err_errno(e, errno, "password file %s", path);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0) {
		free(line);
		line = strdup("");
		n = 0;
	}
	if (!line)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	*out = line;
	return 0;
}

static int prompt(const char *what, char **out, rp_err *e)
{
	FILE *tty = fopen("/dev/tty", "r+");
	if (!tty)
		return rp_err_set(e, RP_EINVAL,
				  "no password given: set REMPART_PASSWORD or REMPART_PASSWORD_FILE, or use --password-file");
	struct termios old, quiet;
	int fd = fileno(tty);
	int have = tcgetattr(fd, &old) == 0;
	if (have) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	fprintf(tty, "%s: ", what);
	fflush(tty);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, tty);
	if (have)
		tcsetattr(fd, TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	if (n < 0) {
		free(line);
		return rp_err_set(e, RP_EINVAL, "no password entered");
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = 0;
	*out = line;
	return 0;
}

static int prompt_twice(const char *what, char **out, rp_err *e)
{
	char *a = NULL, *b = NULL;
	char again[128];
	int rc = prompt(what, &a, e);
	snprintf(again, sizeof again, "%s again", what);
	if (!rc)
		rc = prompt(again, &b, e);
	if (!rc && strcmp(a, b))
		rc = rp_err_set(e, RP_EINVAL, "the passwords do not match");
	if (!rc && !*a)
		rc = rp_err_set(e, RP_EINVAL, "empty password refused");
	free(b);
	if (rc)
		free(a);
	else
		*out = a;
	return rc;
}

int rp_cli_password(const rp_cli *cli, const char *what, int confirm, char **out, rp_err *e)
{
	const char *env = getenv("REMPART_PASSWORD");
	if (env) {
		*out = strdup(env);
		return *out ? 0 : rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	const char *file = cli->password_file ? cli->password_file : getenv("REMPART_PASSWORD_FILE");
	if (file && *file)
		return read_first_line(file, out, e);
	return confirm ? prompt_twice(what, out, e) : prompt(what, out, e);
}

int rp_cli_new_password(const char *file, char **out, rp_err *e)
{
	if (file)
		return read_first_line(file, out, e);
	const char *env = getenv("REMPART_NEW_PASSWORD");
	if (env) {
		*out = strdup(env);
		return *out ? 0 : rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	return prompt_twice("new password", out, e);
}

int rp_cli_repo_open(const rp_cli *cli, rp_repo **out, rp_err *e)
{
	char *token = NULL;
	const char *tf = cli->token_file ? cli->token_file : getenv("REMPART_TOKEN_FILE");
	int rc = tf ? read_first_line(tf, &token, e) : 0;
	if (rc)
		return rc;
	rp_repo_opts o = {token, cli->cache_dir};
	rc = rp_repo_open(out, cli->repo, &o, e);
	if (token) {
		memset(token, 0, strlen(token));
		free(token);
	}
	return rc;
}

int rp_session_open(rp_cli *cli, rp_session *s, int lock, int want_index, rp_err *e)
{
	memset(s, 0, sizeof *s);
	char *pw = NULL;
	int rc = rp_cli_repo_open(cli, &s->repo, e);
	if (rc)
		goto done;
	if ((rc = rp_cli_password(cli, "repository password", 0, &pw, e)))
		goto done;
	if ((rc = rp_repo_unlock(s->repo, pw, e)))
		goto done;
	if (lock && !cli->no_lock && (rc = rp_lock_acquire(s->repo, lock == RP_OPEN_EXCLUSIVE, &s->lock, e))) {
		/* a read-only token cannot write a lock; reading needs none */
		if (!(rc == RP_EPERM && lock == RP_OPEN_READ))
			goto done;
		rp_cli_note(cli, "note: %s; going on without a lock\n", e->msg);
		rc = 0;
		rp_err_clear(e);
	}
	if (want_index) {
		if ((rc = rp_index_new(&s->idx, e)))
			goto done;
		size_t damaged = 0;
		rc = rp_index_load(s->idx, s->repo, 0, &damaged, e);
		if (!rc && damaged)
			fprintf(stderr, "rempart: warning: %zu index file(s) could not be read; run 'rempart check'\n",
				damaged);
	}
done:
	if (pw) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	if (rc)
		rp_session_close(s);
	return rc;
}

int rp_cli_resolve(rp_session *s, const rp_snap_list *l, const char *ref, const rp_snap_entry **out, rp_err *e)
{
	if (!strcmp(ref, "latest-clean")) {
		if (!s->idx)
			return rp_err_set(e, RP_EINVAL, "latest-clean needs the index");
		return rp_latest_clean(s->repo, s->idx, l, NULL, out, e);
	}
	return rp_snaps_resolve(l, ref, NULL, out, e);
}

void rp_session_close(rp_session *s)
{
	rp_lock_release(s->lock);
	rp_index_free(s->idx);
	rp_repo_close(s->repo);
	memset(s, 0, sizeof *s);
}
