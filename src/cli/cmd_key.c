/* cmd_key.c - rempart key: add, list, remove keys; change a password. */
#include "cli.h"

#include "util/json.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void wipe_free(char *p)
{
	if (p) {
		memset(p, 0, strlen(p));
		free(p);
	}
}

static int key_add(rp_cli *cli, rp_session *s, int argc, char **argv, rp_err *e)
{
	static const struct option opts[] = {
		{"backup-only", no_argument, NULL, 'b'},
		{"new-password-file", required_argument, NULL, 'p'},
		{0, 0, 0, 0},
	};
	int backup_only = 0, c;
	const char *pwfile = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'b')
			backup_only = 1;
		else if (c == 'p')
			pwfile = optarg;
		else
			return rp_err_set(e, RP_EINVAL, "usage: rempart key add [--backup-only] [--new-password-file F]");
	}
	if (!backup_only && !rp_repo_can_read(s->repo))
		return rp_err_set(e, RP_EPERM, "a backup-only key can only add backup-only keys");
	rp_masterkey mk = s->repo->mk;
	if (backup_only)
		rp_masterkey_restrict(&mk, &s->repo->mk);
	char *pw = NULL, id[65];
	int rc = rp_cli_new_password(pwfile, &pw, e);
	if (!rc && !*pw)
		rc = rp_err_set(e, RP_EINVAL, "empty password refused");
	if (!rc)
		rc = rp_repo_add_key(s->repo, &mk, pw, id, e);
	rp_wipe(&mk, sizeof mk);
	wipe_free(pw);
	if (!rc) {
		if (cli->json)
			printf("{\"id\":\"%s\",\"kind\":\"%s\"}\n", id, backup_only ? "backup-only" : "full");
		else
			printf("added %s key %.8s\n", backup_only ? "backup-only" : "full", id);
	}
	return rc;
}

static int load_infos(rp_session *s, char (**ids)[65], rp_keyfile_info **infos, size_t *n, rp_err *e)
{
	int rc = rp_repo_list_ids(s->repo, "keys", ids, n, e);
	if (rc)
		return rc;
	*infos = calloc(*n ? *n : 1, sizeof **infos);
	if (!*infos)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	for (size_t i = 0; i < *n; i++) {
		char name[RP_NAME_BYTES];
		rp_buf f = {0};
		rp_err ke;
		rp_repo_name(name, "keys", (*ids)[i]);
		if (!rp_store_get(s->repo->store, name, 0, 0, &f, &ke))
			rp_keyfile_info_read(f.data, f.len, &(*infos)[i], &ke);
		rp_buf_free(&f);
	}
	return 0;
}

static int key_list(rp_cli *cli, rp_session *s, rp_err *e)
{
	char(*ids)[65] = NULL;
	rp_keyfile_info *infos = NULL;
	size_t n = 0;
	int rc = load_infos(s, &ids, &infos, &n, e);
	if (rc)
		goto done;
	if (cli->json) {
		rp_buf out = {0};
		rp_jw w;
		rp_jw_init(&w, &out, 0);
		rp_jw_arr_begin(&w);
		for (size_t i = 0; i < n; i++) {
			rp_jw_obj_begin(&w);
			rp_jw_key(&w, "id"), rp_jw_str(&w, ids[i]);
			rp_jw_key(&w, "current"), rp_jw_bool(&w, !strcmp(ids[i], s->repo->key_id));
			rp_jw_key(&w, "kind"), rp_jw_str(&w, infos[i].kind == RP_KEY_FULL ? "full" : "backup-only");
			rp_jw_key(&w, "created"), rp_jw_int(&w, infos[i].created);
			rp_jw_key(&w, "host"), rp_jw_str(&w, infos[i].host);
			rp_jw_key(&w, "username"), rp_jw_str(&w, infos[i].username);
			rp_jw_obj_end(&w);
		}
		rp_jw_arr_end(&w);
		printf("%.*s\n", (int)out.len, (char *)out.data);
		rp_buf_free(&out);
		goto done;
	}
	printf(" %-8s  %-11s  %-19s  %-16s  %s\n", "ID", "Kind", "Created", "Host", "User");
	for (size_t i = 0; i < n; i++) {
		char when[32];
		time_t t = (time_t)infos[i].created;
		strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&t));
		printf("%c%.8s  %-11s  %-19s  %-16s  %s\n", strcmp(ids[i], s->repo->key_id) ? ' ' : '*', ids[i],
		       infos[i].kind == RP_KEY_FULL ? "full" : "backup-only", when, infos[i].host, infos[i].username);
	}
done:
	free(ids);
	free(infos);
	return rc;
}

static int key_remove(rp_cli *cli, rp_session *s, const char *prefix, rp_err *e)
{
	char(*ids)[65] = NULL;
	rp_keyfile_info *infos = NULL;
	size_t n = 0, match = SIZE_MAX, full = 0;
	int rc = load_infos(s, &ids, &infos, &n, e);
	if (rc)
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (infos[i].kind == RP_KEY_FULL)
			full++;
		if (!strncmp(ids[i], prefix, strlen(prefix))) {
			if (match != SIZE_MAX) {
				rc = rp_err_set(e, RP_EINVAL, "key id prefix '%s' is ambiguous", prefix);
				goto done;
			}
			match = i;
		}
	}
	if (match == SIZE_MAX) {
		rc = rp_err_set(e, RP_ENOTFOUND, "no key with id '%s'", prefix);
		goto done;
	}
	if (!strcmp(ids[match], s->repo->key_id)) {
		rc = rp_err_set(e, RP_EINVAL, "refusing to remove the key in use; open the repository with another key to remove it");
		goto done;
	}
	if (infos[match].kind == RP_KEY_FULL && full <= 1) {
		rc = rp_err_set(e, RP_EINVAL, "refusing to remove the last full key: nobody could restore anymore");
		goto done;
	}
	char name[RP_NAME_BYTES];
	rp_repo_name(name, "keys", ids[match]);
	if ((rc = rp_store_remove(s->repo->store, name, e)) || (rc = rp_store_sync(s->repo->store, e)))
		goto done;
	if (!cli->quiet)
		printf("removed key %.8s\n", ids[match]);
done:
	free(ids);
	free(infos);
	return rc;
}

static int key_passwd(rp_cli *cli, rp_session *s, int argc, char **argv, rp_err *e)
{
	const char *pwfile = NULL;
	if (argc == 3 && !strcmp(argv[1], "--new-password-file"))
		pwfile = argv[2];
	else if (argc != 1)
		return rp_err_set(e, RP_EINVAL, "usage: rempart key passwd [--new-password-file F]");
	char *pw = NULL, id[65], old[65], name[RP_NAME_BYTES];
	int rc = rp_cli_new_password(pwfile, &pw, e);
	if (!rc && !*pw)
		rc = rp_err_set(e, RP_EINVAL, "empty password refused");
	/* the new key first: a crash in between leaves two keys, never none */
	if (!rc)
		rc = rp_repo_add_key(s->repo, &s->repo->mk, pw, id, e);
	wipe_free(pw);
	if (rc)
		return rc;
	memcpy(old, s->repo->key_id, 65);
	rp_repo_name(name, "keys", old);
	if (strcmp(old, id) && ((rc = rp_store_remove(s->repo->store, name, e)) || (rc = rp_store_sync(s->repo->store, e))))
		return rc;
	memcpy(s->repo->key_id, id, 65);
	if (!cli->quiet)
		printf("password changed: key %.8s replaced by %.8s\n", old, id);
	return 0;
}

int cmd_key(rp_cli *cli, int argc, char **argv)
{
	static const char *usage_text = "usage: rempart key add [--backup-only] | list | remove ID | passwd";
	if (argc < 2)
		return rp_cli_usage("key", "%s", usage_text);
	const char *sub = argv[1];
	if (strcmp(sub, "add") && strcmp(sub, "list") && strcmp(sub, "remove") && strcmp(sub, "passwd"))
		return rp_cli_usage("key", "%s", usage_text);
	if (!strcmp(sub, "remove") && argc != 3)
		return rp_cli_usage("key", "usage: rempart key remove ID");
	rp_session s;
	rp_err e;
	int rc = rp_session_open(cli, &s, RP_OPEN_NOLOCK, 0, &e);
	if (rc)
		return rp_cli_fail(cli, &e);
	if (!strcmp(sub, "add"))
		rc = key_add(cli, &s, argc - 1, argv + 1, &e);
	else if (!strcmp(sub, "list"))
		rc = key_list(cli, &s, &e);
	else if (!strcmp(sub, "remove"))
		rc = key_remove(cli, &s, argv[2], &e);
	else
		rc = key_passwd(cli, &s, argc - 1, argv + 1, &e);
	rp_session_close(&s);
	return rc ? rp_cli_fail(cli, &e) : 0;
}
