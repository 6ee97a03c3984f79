/* main.c - command dispatch (being built). */
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "version")) {
		puts("rempart 0.1");
		return 0;
	}
	fprintf(stderr, "usage: rempart COMMAND ...\n");
	return 1;
}
