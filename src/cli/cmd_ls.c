/* cmd_ls.c - rempart ls: list the files of a snapshot. */
#include "cli.h"

#include "engine/blobread.h"
#include "engine/snaps.h"
#include "engine/treewalk.h"
#include "util/hex.h"
#include "util/json.h"

#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

typedef struct ls_ctx {
	rp_cli *cli;
	const char *prefix;
	size_t prefix_len;
	int long_format;
	int recursive;
	rp_buf out;
	rp_jw w;
} ls_ctx;

static char type_char(int t)
{
	switch (t) {
	case RP_NODE_DIR: return 'd';
	case RP_NODE_SYMLINK: return 'l';
	case RP_NODE_FIFO: return 'p';
	case RP_NODE_CHR: return 'c';
	case RP_NODE_BLK: return 'b';
	case RP_NODE_SOCK: return 's';
	default: return '-';
	}
}

static void mode_string(char out[11], const rp_node *n)
{
	static const char rwx[] = "rwxrwxrwx";
	out[0] = type_char(n->type);
	for (int i = 0; i < 9; i++)
		out[i + 1] = (n->mode >> (8 - i)) & 1 ? rwx[i] : '-';
	if (n->mode & S_ISUID)
		out[3] = out[3] == 'x' ? 's' : 'S';
	if (n->mode & S_ISGID)
		out[6] = out[6] == 'x' ? 's' : 'S';
	if (n->mode & S_ISVTX)
		out[9] = out[9] == 'x' ? 't' : 'T';
	out[10] = 0;
}

static const char *type_name(int t)
{
	switch (t) {
	case RP_NODE_DIR: return "dir";
	case RP_NODE_SYMLINK: return "symlink";
	case RP_NODE_FIFO: return "fifo";
	case RP_NODE_CHR: return "chardev";
	case RP_NODE_BLK: return "blockdev";
	case RP_NODE_SOCK: return "socket";
	default: return "file";
	}
}

/* 1 when path is the prefix or below it. */
static int under(const ls_ctx *c, const char *path, size_t len)
{
	if (!c->prefix_len)
		return 1;
	return len >= c->prefix_len && !memcmp(path, c->prefix, c->prefix_len) &&
	       (len == c->prefix_len || path[c->prefix_len] == '/' || c->prefix[c->prefix_len - 1] == '/');
}

/* 1 when path lies above the prefix (we must descend to reach it). */
static int above(const ls_ctx *c, const char *path, size_t len)
{
	return len < c->prefix_len && !memcmp(path, c->prefix, len) && c->prefix[len] == '/';
}

static int ls_enter(void *ctx, const char *path, size_t len, const rp_node *n)
{
	ls_ctx *c = ctx;
	if (!under(c, path, len))
		return above(c, path, len) ? 0 : 1;
	if (c->cli->json) {
		char t[40];
		rp_jw *w = &c->w;
		rp_jw_obj_begin(w);
		rp_jw_key(w, "path"), rp_jw_strn(w, path, len);
		rp_jw_key(w, "type"), rp_jw_str(w, type_name(n->type));
		rp_jw_key(w, "mode"), rp_jw_uint(w, n->mode);
		rp_jw_key(w, "uid"), rp_jw_uint(w, n->uid);
		rp_jw_key(w, "gid"), rp_jw_uint(w, n->gid);
		rp_jw_key(w, "user"), rp_jw_strn(w, (const char *)n->user.p, n->user.n);
		rp_jw_key(w, "group"), rp_jw_strn(w, (const char *)n->group.p, n->group.n);
		rp_jw_key(w, "size"), rp_jw_uint(w, n->size);
		rp_time_format(t, n->mtime_s, n->mtime_ns);
		rp_jw_key(w, "mtime"), rp_jw_str(w, t);
		if (n->type == RP_NODE_SYMLINK)
			rp_jw_key(w, "target"), rp_jw_strn(w, (const char *)n->target.p, n->target.n);
		rp_jw_obj_end(w);
		/* stream it: one array element at a time */
		fwrite(c->out.data, 1, c->out.len, stdout);
		c->out.len = 0;
		return 0;
	}
	if (c->long_format) {
		char mode[11], when[32], user[32], group[32];
		time_t t = (time_t)n->mtime_s;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M", localtime(&t));
		mode_string(mode, n);
		snprintf(user, sizeof user, "%.*s", (int)n->user.n, (const char *)n->user.p);
		snprintf(group, sizeof group, "%.*s", (int)n->group.n, (const char *)n->group.p);
		if (!n->user.n)
			snprintf(user, sizeof user, "%u", n->uid);
		if (!n->group.n)
			snprintf(group, sizeof group, "%u", n->gid);
		printf("%s %-8s %-8s %12llu %s %.*s", mode, user, group, (unsigned long long)n->size, when, (int)len, path);
		if (n->type == RP_NODE_SYMLINK)
			printf(" -> %.*s", (int)n->target.n, (const char *)n->target.p);
		printf("\n");
	} else {
		fwrite(path, 1, len, stdout);
		putchar('\n');
	}
	return 0;
}

int cmd_ls(rp_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{"long", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	ls_ctx c = {.cli = cli};
	int ch;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "lh", opts, NULL)) != -1) {
		if (ch == 'l')
			c.long_format = 1;
		else
			return rp_cli_usage("ls", "usage: rempart ls [-l] SNAPSHOT [PATH]");
	}
	if (optind >= argc || argc - optind > 2)
		return rp_cli_usage("ls", "usage: rempart ls [-l] SNAPSHOT [PATH]");
	const char *ref = argv[optind];
	char *prefix = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (prefix) {
		size_t l = strlen(prefix);
		while (l > 1 && prefix[l - 1] == '/')
			prefix[--l] = 0;
		if (!(l == 1 && prefix[0] == '/')) {
			c.prefix = prefix;
			c.prefix_len = l;
		}
	}
	rp_session s;
	rp_snap_list l = {0};
	rp_blob_reader *br = NULL;
	const rp_snap_entry *snap;
	rp_err e;
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, 1, &e);
	if (rc)
		return rp_cli_fail(cli, &e);
	if ((rc = rp_snaps_load(s.repo, &l, &e)) || (rc = rp_cli_resolve(&s, &l, ref, &snap, &e)) ||
	    (rc = rp_blob_reader_new(&br, s.repo, s.idx, &e)))
		goto done;
	rp_walk_ops ops = {&c, ls_enter, NULL, NULL};
	if (cli->json) {
		rp_jw_init(&c.w, &c.out, 0);
		rp_jw_arr_begin(&c.w);
	}
	rc = rp_tree_walk(br, &snap->s.tree, &ops, &e);
	if (cli->json) {
		rp_jw_arr_end(&c.w);
		fwrite(c.out.data, 1, c.out.len, stdout);
		putchar('\n');
	}
done:
	rp_buf_free(&c.out);
	rp_blob_reader_free(br);
	rp_snaps_free(&l);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
