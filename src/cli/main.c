/* main.c - command dispatch (being built). */
#include "cli.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "version")) {
		puts("rempart 0.1");
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "serve")) {
		rp_cli cli = {0};
		return cmd_serve(&cli, argc - 1, argv + 1);
	}
	fprintf(stderr, "usage: rempart COMMAND ...\n");
	return 1;
}
