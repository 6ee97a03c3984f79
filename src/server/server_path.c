/* server_path.c - the only request paths the server accepts.
 *
 * The path is checked byte by byte against a closed grammar before any
 * file is touched: lowercase hex names, fixed folder names, a tenant name
 * from a small alphabet.  '%', '.', '\\', '//' and control bytes cannot
 * appear in any valid path, so no decoding trick can reach the file
 * system; openat2() below the root is the second wall, not the first.
 */
#include "server_internal.h"

#include <string.h>

#define HASH_HEX_CHARS 64

static int is_lower_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int is_hash_name(const char *s)
{
	return strlen(s) == HASH_HEX_CHARS && is_lower_hex(s, HASH_HEX_CHARS);
}

static const struct {
	const char *name;
	srv_file_kind kind;
} folders[] = {
	{"keys", SRV_FILE_KEYS},
	{"index", SRV_FILE_INDEX},
	{"snapshots", SRV_FILE_SNAPSHOTS},
	{"locks", SRV_FILE_LOCKS},
	{"data", SRV_FILE_DATA},
};

int srv_path_leaf_ok(srv_file_kind kind, const char *data_prefix, const char *name)
{
	if (!is_hash_name(name))
		return 0;
	if (kind == SRV_FILE_DATA && (!data_prefix || strncmp(name, data_prefix, 2)))
		return 0;
	return 1;
}

int srv_path_parse(const char *url, srv_path *p)
{
	memset(p, 0, sizeof *p);
	if (!url || url[0] != '/' || strlen(url) > 200)
		return -1;
	if (!strcmp(url, "/metrics")) {
		p->kind = SRV_PATH_METRICS;
		return 0;
	}
	const char *t = url + 1;
	const char *slash = strchr(t, '/');
	if (!slash || (size_t)(slash - t) > RP_TENANT_MAX_CHARS)
		return -1;
	memcpy(p->tenant, t, (size_t)(slash - t));
	p->tenant[slash - t] = 0;
	if (!rp_tenant_name_ok(p->tenant))
		return -1;
	const char *rest = slash + 1;

	if (!strcmp(rest, "config")) {
		p->kind = SRV_PATH_FILE;
		p->fkind = SRV_FILE_CONFIG;
		strcpy(p->rel, "config");
		strcpy(p->leaf, "config");
		return 0;
	}
	for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
		size_t fl = strlen(folders[i].name);
		if (strncmp(rest, folders[i].name, fl) || rest[fl] != '/')
			continue;
		const char *tail = rest + fl + 1;
		p->fkind = folders[i].kind;
		if (!*tail) { /* "keys/": the folder */
			p->kind = SRV_PATH_FOLDER;
			strcpy(p->rel, folders[i].name);
			return 0;
		}
		if (folders[i].kind == SRV_FILE_DATA) {
			/* data/ab/ or data/ab/<hash starting with ab> */
			if (!is_lower_hex(tail, 2) || tail[2] != '/')
				return -1;
			char sub[3] = {tail[0], tail[1], 0};
			const char *leaf = tail + 3;
			if (!*leaf) {
				p->kind = SRV_PATH_FOLDER;
				snprintf(p->rel, sizeof p->rel, "data/%s", sub);
				return 0;
			}
			if (!srv_path_leaf_ok(SRV_FILE_DATA, sub, leaf))
				return -1;
			snprintf(p->dir, sizeof p->dir, "data/%s", sub);
		} else {
			if (!srv_path_leaf_ok(folders[i].kind, NULL, tail))
				return -1;
			snprintf(p->dir, sizeof p->dir, "%s", folders[i].name);
		}
		p->kind = SRV_PATH_FILE;
		p->hashed = 1;
		strcpy(p->leaf, strrchr(rest, '/') + 1);
		snprintf(p->rel, sizeof p->rel, "%s/%s", p->dir, p->leaf);
		return 0;
	}
	return -1;
}
