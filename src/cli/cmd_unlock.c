/* cmd_unlock.c - rempart unlock: remove stale locks. */
#include "cli.h"

#include <string.h>

int cmd_unlock(rp_cli *cli, int argc, char **argv)
{
	int all = argc > 1 && !strcmp(argv[1], "--remove-all");
	if (argc > 1 + all)
		return rp_cli_usage("unlock", "usage: rempart unlock [--remove-all]");
	rp_session s;
	rp_err e;
	size_t n = 0;
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, 0, &e);
	if (!rc)
		rc = rp_lock_remove_stale(s.repo, all, &n, &e);
	if (!rc && !cli->quiet)
		printf("removed %zu lock%s\n", n, n == 1 ? "" : "s");
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
