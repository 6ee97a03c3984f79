/* cli.h - what every command shares: the command table, global options,
 * exit codes and output helpers.
 *
 * A command is `int cmd_NAME(rp_cli *cli, int argc, char **argv)`; argv[0]
 * is the command name and the global options are already removed.  It
 * returns an exit code (RP_EXIT_*).  Only cli/ calls exit().
 */
#ifndef RP_CLI_H
#define RP_CLI_H

#include "util/err.h"

#include <stdio.h>

enum {
	RP_EXIT_OK = 0,
	RP_EXIT_FATAL = 1,
	RP_EXIT_USAGE = 2,
	RP_EXIT_PARTIAL = 3,    /* snapshot written, some files unreadable */
	RP_EXIT_RANSOMWARE = 10 /* the snapshot looks like an attack */
};

typedef struct rp_cli {
	const char *repo;          /* -r/--repo or REMPART_REPOSITORY */
	const char *password_file; /* --password-file or REMPART_PASSWORD_FILE */
	const char *token_file;    /* --token-file (rest: backends) */
	const char *cache_dir;     /* --cache-dir or REMPART_CACHE_DIR */
	int json;                  /* --json */
	int quiet;                 /* -q/--quiet */
	int verbose;               /* -v/--verbose */
	int no_lock;               /* --no-lock */
	int progress;              /* stdout is a terminal and not --quiet */
} rp_cli;

typedef int (*rp_cmd_fn)(rp_cli *cli, int argc, char **argv);

/* Prints "rempart: <message>" for e on stderr and returns the exit code
 * matching e->code (RP_EXIT_FATAL for most). */
int rp_cli_fail(const rp_cli *cli, const rp_err *e);
/* Prints a usage error and returns RP_EXIT_USAGE. */
int rp_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Reads the password: REMPART_PASSWORD, the password file, or a prompt on
 * the terminal (twice when confirm).  The caller frees *out. */
int rp_cli_password(const rp_cli *cli, const char *prompt, int confirm, char **out, rp_err *e);
/* Reads a new password for `key add`/`key passwd`: --new-password-file,
 * REMPART_NEW_PASSWORD, or a prompt. */
int rp_cli_new_password(const char *file, char **out, rp_err *e);
/* Formats a byte count as "1.5 GiB". */
const char *rp_cli_bytes(char buf[32], double bytes);

/* Commands, one file each. */
int cmd_init(rp_cli *cli, int argc, char **argv);
int cmd_backup(rp_cli *cli, int argc, char **argv);
int cmd_snapshots(rp_cli *cli, int argc, char **argv);
int cmd_ls(rp_cli *cli, int argc, char **argv);
int cmd_restore(rp_cli *cli, int argc, char **argv);
int cmd_check(rp_cli *cli, int argc, char **argv);
int cmd_key(rp_cli *cli, int argc, char **argv);
int cmd_cat(rp_cli *cli, int argc, char **argv);
int cmd_serve(rp_cli *cli, int argc, char **argv);
int cmd_forget(rp_cli *cli, int argc, char **argv);
int cmd_exposure(rp_cli *cli, int argc, char **argv);
int cmd_analyze(rp_cli *cli, int argc, char **argv);
int cmd_prune(rp_cli *cli, int argc, char **argv);

#endif

/* ---- shared by the commands (common.c) ---- */
#include "engine/index.h"
#include "engine/lock.h"
#include "engine/repo.h"
#include "engine/snaps.h"

/* RP_OPEN_READ: a shared lock when the store lets us write one (a
 * read-only token does not; reading goes on without). */
enum { RP_OPEN_NOLOCK = 0, RP_OPEN_SHARED = 1, RP_OPEN_EXCLUSIVE = 2, RP_OPEN_READ = 3 };

typedef struct rp_session {
	rp_repo *repo;
	rp_lock *lock;
	rp_index *idx; /* loaded when asked */
} rp_session;

/* Opens and unlocks the repository, takes a lock of the given kind
 * (unless --no-lock) and loads the index when want_index. */
int rp_session_open(rp_cli *cli, rp_session *s, int lock, int want_index, rp_err *e);
void rp_session_close(rp_session *s);
/* Resolves a snapshot reference: an id prefix, latest, or latest-clean
 * (the newest clean state, see engine/cleanstate.h). */
int rp_cli_resolve(rp_session *s, const struct rp_snap_list *l, const char *ref, const struct rp_snap_entry **out,
		   rp_err *e);
/* Opens the repository's store with the token from --token-file or the
 * environment; nothing is read yet. */
int rp_cli_repo_open(const rp_cli *cli, rp_repo **out, rp_err *e);
int cmd_unlock(rp_cli *cli, int argc, char **argv);
int cmd_version(rp_cli *cli, int argc, char **argv);
/* Prints a line to stderr unless --quiet. */
void rp_cli_note(const rp_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parses "1M", "512K", "16MiB" style sizes; -1 when invalid. */
long long rp_cli_parse_size(const char *s);
