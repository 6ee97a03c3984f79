/* main.c - global options and command dispatch. */
#include "cli.h"

#include "format/crypto.h"

#include <malloc.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct command {
	const char *name;
	rp_cmd_fn fn;
	const char *summary;
} command;

static const command commands[] = {
	{"init", cmd_init, "create a new repository"},
	{"backup", cmd_backup, "back up files and folders into a new snapshot"},
	{"snapshots", cmd_snapshots, "list snapshots"},
	{"ls", cmd_ls, "list the files of a snapshot"},
	{"restore", cmd_restore, "restore a snapshot into a folder"},
	{"check", cmd_check, "verify the repository (--read-data: every byte)"},
	{"analyze", cmd_analyze, "ransomware verdict of a snapshot against its parent"},
	{"exposure", cmd_exposure, "which personal data a snapshot holds (table, json, csv, html)"},
	{"forget", cmd_forget, "remove snapshots by a retention policy (--prune to free space)"},
	{"prune", cmd_prune, "remove data no snapshot uses"},
	{"key", cmd_key, "add, list, remove keys, change a password"},
	{"serve", cmd_serve, "serve repositories over HTTP (append-only, many tenants)"},
	{"cat", cmd_cat, "print a repository object (debugging)"},
	{"unlock", cmd_unlock, "remove stale locks"},
	{"version", cmd_version, "print the version"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: rempart [-r REPO] [--password-file F] [--json] [-q] COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\nRepository from -r/--repo or REMPART_REPOSITORY; password from REMPART_PASSWORD,\n"
		   "REMPART_PASSWORD_FILE, --password-file or a prompt.  'man rempart-COMMAND' for details.\n");
}

int cmd_version(rp_cli *cli, int argc, char **argv)
{
	(void)cli, (void)argc, (void)argv;
	printf("rempart 0.1.0 (repository format %d)\n", RP_REPO_VERSION);
	return 0;
}

/* Takes "-r X", "--repo=X", ... out of argv wherever they are. */
static int parse_globals(rp_cli *cli, int *argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		const char *val = NULL;
		if (!strcmp(a, "--")) {
			while (i < *argc)
				argv[out++] = argv[i++];
			break;
		}
		if (!strcmp(a, "-r") || !strcmp(a, "--repo"))
			slot = &cli->repo;
		else if (!strncmp(a, "--repo=", 7))
			slot = &cli->repo, val = a + 7;
		else if (!strcmp(a, "--password-file"))
			slot = &cli->password_file;
		else if (!strncmp(a, "--password-file=", 16))
			slot = &cli->password_file, val = a + 16;
		else if (!strcmp(a, "--token-file"))
			slot = &cli->token_file;
		else if (!strncmp(a, "--token-file=", 13))
			slot = &cli->token_file, val = a + 13;
		else if (!strcmp(a, "--cache-dir"))
			slot = &cli->cache_dir;
		else if (!strncmp(a, "--cache-dir=", 12))
			slot = &cli->cache_dir, val = a + 12;
		else if (!strcmp(a, "--json"))
			cli->json = 1;
		else if (!strcmp(a, "-q") || !strcmp(a, "--quiet"))
			cli->quiet = 1;
		else if (!strcmp(a, "-v") || !strcmp(a, "--verbose"))
			cli->verbose++;
		else if (!strcmp(a, "--no-lock"))
			cli->no_lock = 1;
		else {
			argv[out++] = argv[i];
			continue;
		}
		if (slot && !val) {
			if (i + 1 >= *argc) {
				fprintf(stderr, "rempart: %s needs a value\n", a);
				return -1;
			}
			val = argv[++i];
		}
		if (slot)
			*slot = val;
	}
	*argc = out;
	argv[out] = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	rp_cli cli = {0};
	rp_err e;
	struct rlimit rl;
	signal(SIGPIPE, SIG_IGN);
	/* worker threads hand buffers to each other; one malloc arena per
	 * thread only multiplies idle memory (measured: more page faults,
	 * higher peak RSS) */
	mallopt(M_ARENA_MAX, 2);
	/* deep trees and many parallel reads want file descriptors */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max > 65536 ? 65536 : rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (parse_globals(&cli, &argc, argv))
		return RP_EXIT_USAGE;
	if (!cli.repo)
		cli.repo = getenv("REMPART_REPOSITORY");
	if (!cli.cache_dir)
		cli.cache_dir = getenv("REMPART_CACHE_DIR");
	cli.progress = !cli.quiet && isatty(STDERR_FILENO) && !cli.json;
	if (argc < 2 || !strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		if (argc >= 3) {
			/* the page beside the binary (build/../docs/man), else the installed one */
			char exe[4096], page[4200];
			ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
			if (n > 0) {
				exe[n] = 0;
				char *slash = strrchr(exe, '/');
				if (slash)
					*slash = 0;
				snprintf(page, sizeof page, "%s/../docs/man/rempart-%s.1", exe, argv[2]);
				if (!access(page, R_OK))
					execlp("man", "man", "-l", page, (char *)NULL);
			}
			snprintf(page, sizeof page, "rempart-%s", argv[2]);
			execlp("man", "man", page, (char *)NULL);
		}
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? RP_EXIT_USAGE : 0;
	}
	if (rp_crypto_init(&e))
		return rp_cli_fail(&cli, &e);
	for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(&cli, argc - 1, argv + 1);
	fprintf(stderr, "rempart: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return RP_EXIT_USAGE;
}
