/* cmd_init.c - rempart init: create a repository. */
#include "cli.h"

#include "util/hex.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_init(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"chunk-min", required_argument, NULL, 1},
		{"chunk-avg", required_argument, NULL, 2},
		{"chunk-max", required_argument, NULL, 3},
		{"compression", required_argument, NULL, 4},
		{"pack-size", required_argument, NULL, 5},
		{"scan-pii", no_argument, NULL, 6},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	rp_config cfg;
	uint8_t zero[32] = {0};
	rp_err e;
	rp_config_default(&cfg, zero, (int64_t)time(NULL));
	optind = 1;
	int c;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		long long v = 0;
		if (c >= 1 && c <= 5 && c != 4 && (v = rp_cli_parse_size(optarg)) <= 0)
			return rp_cli_usage("init", "invalid size '%s'", optarg);
		switch (c) {
		case 1: cfg.chunk_min = (uint32_t)v; break;
		case 2: cfg.chunk_avg = (uint32_t)v; break;
		case 3: cfg.chunk_max = (uint32_t)v; break;
		case 4:
			cfg.zstd_level = atoi(optarg);
			if (cfg.zstd_level < -7 || cfg.zstd_level > 19)
				return rp_cli_usage("init", "compression level must be between -7 and 19");
			break;
		case 5: cfg.pack_bytes = (uint32_t)v; break;
		case 6: cfg.scan_pii = 1; break;
		default: return rp_cli_usage("init", "usage: rempart init [--chunk-min/avg/max SIZE] [--compression N] [--pack-size SIZE]");
		}
	}
	if (optind != argc)
		return rp_cli_usage("init", "unexpected argument '%s'", argv[optind]);
	rp_chunker ch;
	if (rp_chunker_init(&ch, cfg.chunk_min, cfg.chunk_avg, cfg.chunk_max, cfg.chunker_seed, &e))
		return rp_cli_fail(cli, &e);
	if (cfg.pack_bytes < (1u << 20) || cfg.pack_bytes > (1u << 30))
		return rp_cli_usage("init", "pack size must be between 1 MiB and 1 GiB");
	rp_repo *r = NULL;
	char *pw = NULL;
	int rc = rp_cli_repo_open(cli, &r, &e);
	if (!rc)
		rc = rp_cli_password(cli, "new repository password", 1, &pw, &e);
	if (!rc && !*pw)
		rc = rp_err_set(&e, RP_EINVAL, "empty password refused");
	if (!rc)
		rc = rp_repo_init(r, pw, &cfg, &e);
	if (!rc) {
		char id[65];
		rp_hex_encode(id, r->mk.repo_id, 32);
		if (cli->json)
			printf("{\"id\":\"%s\",\"repository\":\"%s\"}\n", id, cli->repo);
		else if (!cli->quiet)
			printf("created rempart repository %.10s at %s\n\n"
			       "Keep the password safe: without it the data cannot be read back.\n",
			       id, cli->repo);
	}
	if (pw) {
		memset(pw, 0, strlen(pw));
		free(pw);
	}
	rp_repo_close(r);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
