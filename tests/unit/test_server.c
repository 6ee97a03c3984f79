/* test_server.c - the server's pure parts: the path grammar, the tokens
 * file, the metrics text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/server.h"
#include "server/server_internal.h"

#define H64 "3f2a9c8107b4e6d13f2a9c8107b4e6d13f2a9c8107b4e6d13f2a9c8107b4e6d1"

static void test_path_grammar_accepts(void **state)
{
	srv_path p;
	assert_int_equal(srv_path_parse("/donges/config", &p), 0);
	assert_int_equal(p.kind, SRV_PATH_FILE);
	assert_int_equal(p.fkind, SRV_FILE_CONFIG);
	assert_false(p.hashed);
	assert_string_equal(p.tenant, "donges");
	assert_string_equal(p.rel, "config");
	assert_string_equal(p.dir, "");

	assert_int_equal(srv_path_parse("/t-1_x/data/3f/" H64, &p), 0);
	assert_int_equal(p.fkind, SRV_FILE_DATA);
	assert_true(p.hashed);
	assert_string_equal(p.dir, "data/3f");
	assert_string_equal(p.leaf, H64);
	assert_string_equal(p.rel, "data/3f/" H64);

	const char *kinds[] = {"keys", "index", "snapshots", "locks"};
	for (int i = 0; i < 4; i++) {
		char u[160];
		snprintf(u, sizeof u, "/a/%s/" H64, kinds[i]);
		assert_int_equal(srv_path_parse(u, &p), 0);
		assert_int_equal(p.kind, SRV_PATH_FILE);
		assert_string_equal(p.dir, kinds[i]);
		snprintf(u, sizeof u, "/a/%s/", kinds[i]);
		assert_int_equal(srv_path_parse(u, &p), 0);
		assert_int_equal(p.kind, SRV_PATH_FOLDER);
		assert_string_equal(p.rel, kinds[i]);
	}
	assert_int_equal(srv_path_parse("/a/data/", &p), 0);
	assert_int_equal(p.kind, SRV_PATH_FOLDER);
	assert_string_equal(p.rel, "data");
	assert_int_equal(srv_path_parse("/a/data/ff/", &p), 0);
	assert_string_equal(p.rel, "data/ff");
	assert_int_equal(srv_path_parse("/metrics", &p), 0);
	assert_int_equal(p.kind, SRV_PATH_METRICS);
}

static void test_path_grammar_refuses(void **state)
{
	static const char *bad[] = {
		"", "/", "//", "/donges", "/donges/", "donges/config", "/donges/config/", "/donges//config",
		"/donges/../vue/config", "/donges/%2e%2e/vue/config", "/donges%2fconfig", "/donges/keys/..",
		"/donges/keys/" H64 "/", "/donges/keys/" H64 "0", "/donges/keys/3F2A9C8107B4E6D13F2A9C8107B4E6D13F2A9C8107B4E6D13F2A9C8107B4E6D1",
		"/donges/data/" H64, "/donges/data/00/" H64, "/donges/data/3F/" H64, "/donges/data/3f", "/donges/data/3f/x",
		"/donges/keys\\" H64, "/Donges/config", "/-x/config", "/_x/config", "/.rempart/config",
		"/donges/.rempart/tmp/", "/donges/tmp/", "/donges/tmp/x", "/donges/keys", "/donges/config\t",
		"/donges/config%00", "/donges/./config", "http://h/donges/config", "*", "/metrics/",
		"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/config", /* 64 characters */
	};
	srv_path p;
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		if (srv_path_parse(bad[i], &p) == 0)
			fail_msg("accepted '%s'", bad[i]);
	}
	assert_int_equal(srv_path_parse(NULL, &p), -1);
}

static void test_tenant_names_and_roles(void **state)
{
	assert_true(rp_tenant_name_ok("donges"));
	assert_true(rp_tenant_name_ok("0"));
	assert_true(rp_tenant_name_ok("st-nazaire_2"));
	assert_false(rp_tenant_name_ok(""));
	assert_false(rp_tenant_name_ok("-a"));
	assert_false(rp_tenant_name_ok("A"));
	assert_false(rp_tenant_name_ok("a.b"));
	assert_false(rp_tenant_name_ok("a/b"));
	assert_false(rp_tenant_name_ok("*"));
	rp_role r;
	assert_int_equal(rp_role_parse("append", &r), 0);
	assert_int_equal(r, RP_ROLE_APPEND);
	assert_string_equal(rp_role_name(RP_ROLE_ADMIN), "admin");
	assert_int_equal(rp_role_parse("root", &r), -1);
}

static void test_tokens_file(void **state)
{
	char dir[256], path[300];
	const char *tmp = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/rempart-test-tokens-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/tokens.conf", dir);
	rp_err e;
	char t1[RP_TOKEN_CHARS + 1], t2[RP_TOKEN_CHARS + 1], t3[RP_TOKEN_CHARS + 1];
	char id1[RP_TOKEN_ID_CHARS + 1], id2[RP_TOKEN_ID_CHARS + 1], id3[RP_TOKEN_ID_CHARS + 1];
	rp_tokens *t;
	assert_int_equal(rp_tokens_load(&t, path, &e), RP_ENOTFOUND);
	assert_int_equal(rp_tokens_add(path, "donges", RP_ROLE_APPEND, t1, id1, &e), 0);
	assert_int_equal(rp_tokens_add(path, "vue", RP_ROLE_ADMIN, t2, id2, &e), 0);
	assert_int_equal(rp_tokens_add(path, "*", RP_ROLE_METRICS, t3, id3, &e), 0);
	assert_int_equal(rp_tokens_add(path, "donges", RP_ROLE_METRICS, t3, id3, &e), RP_EINVAL);
	assert_int_equal(rp_tokens_add(path, "Bad", RP_ROLE_READ, t3, id3, &e), RP_EINVAL);
	assert_int_equal(strncmp(t1, "rpt_", 4), 0);
	assert_int_equal(strlen(t1), RP_TOKEN_CHARS);
	assert_string_not_equal(t1, t2);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* the file holds no token */
	FILE *f = fopen(path, "r");
	char text[4096] = {0};
	assert_true(fread(text, 1, sizeof text - 1, f) > 0);
	fclose(f);
	assert_null(strstr(text, t1 + 4));
	assert_null(strstr(text, t2 + 4));

	assert_int_equal(rp_tokens_load(&t, path, &e), 0);
	assert_int_equal(rp_tokens_count(t), 3);
	const rp_token_entry *m = rp_tokens_match(t, t2, strlen(t2));
	assert_non_null(m);
	assert_string_equal(m->tenant, "vue");
	assert_int_equal(m->role, RP_ROLE_ADMIN);
	assert_string_equal(m->id, id2);
	assert_null(rp_tokens_match(t, t2, strlen(t2) - 1));
	char wrong[RP_TOKEN_CHARS + 1];
	memcpy(wrong, t1, sizeof wrong);
	wrong[RP_TOKEN_CHARS - 1] ^= 1;
	assert_null(rp_tokens_match(t, wrong, RP_TOKEN_CHARS));
	rp_tokens_free(t);

	assert_int_equal(rp_tokens_remove(path, id1, &e), 0);
	assert_int_equal(rp_tokens_remove(path, id1, &e), RP_ENOTFOUND);
	assert_int_equal(rp_tokens_load(&t, path, &e), 0);
	assert_int_equal(rp_tokens_count(t), 2);
	assert_null(rp_tokens_match(t, t1, strlen(t1)));
	assert_non_null(rp_tokens_match(t, t3, strlen(t3)));
	rp_tokens_free(t);

	/* a broken line is reported with its number and blocks edits */
	f = fopen(path, "a");
	fprintf(f, "\n# a comment\n\ndonges append nothex " H64 " 2025-01-01T00:00:00Z\n");
	fclose(f);
	assert_int_equal(rp_tokens_load(&t, path, &e), RP_ECORRUPT);
	assert_non_null(strstr(e.msg, "line 8"));
	assert_int_equal(rp_tokens_add(path, "donges", RP_ROLE_READ, t1, id1, &e), RP_ECORRUPT);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_metrics_text(void **state)
{
	srv_metrics *m;
	rp_err e;
	rp_buf b = {0};
	assert_int_equal(srv_metrics_new(&m, &e), 0);
	srv_metrics_record(m, "donges", SRV_M_PUT, 201, 1000, 20);
	srv_metrics_record(m, "donges", SRV_M_PUT, 201, 500, 20);
	srv_metrics_record(m, "donges", SRV_M_DELETE, 403, 0, 80);
	srv_metrics_record(m, "vue", SRV_M_GET, 499, 0, 0);
	srv_metrics_record(m, NULL, SRV_M_OTHER, 401, 0, 10);
	assert_int_equal(srv_metrics_render(m, NULL, 3, 1, &b), 0);
	assert_int_equal(rp_buf_cstr(&b), 0);
	const char *all = (const char *)b.data;
	assert_non_null(strstr(all, "rempart_requests_total{tenant=\"donges\",method=\"PUT\",status=\"201\"} 2\n"));
	assert_non_null(strstr(all, "rempart_requests_total{tenant=\"vue\",method=\"GET\",status=\"other\"} 1\n"));
	assert_non_null(strstr(all, "rempart_requests_total{tenant=\"-\",method=\"OTHER\",status=\"401\"} 1\n"));
	assert_non_null(strstr(all, "rempart_received_bytes_total{tenant=\"donges\"} 1500\n"));
	assert_non_null(strstr(all, "rempart_sent_bytes_total{tenant=\"donges\"} 120\n"));
	assert_non_null(strstr(all, "rempart_request_errors_total{tenant=\"donges\"} 1\n"));
	assert_non_null(strstr(all, "rempart_connections_open 3\n"));
	rp_buf_reset(&b);
	assert_int_equal(srv_metrics_render(m, "donges", 3, 1, &b), 0);
	assert_int_equal(rp_buf_cstr(&b), 0);
	assert_null(strstr((const char *)b.data, "vue"));
	assert_null(strstr((const char *)b.data, "connections_open"));
	rp_buf_free(&b);
	srv_metrics_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_grammar_accepts),
		cmocka_unit_test(test_path_grammar_refuses),
		cmocka_unit_test(test_tenant_names_and_roles),
		cmocka_unit_test(test_tokens_file),
		cmocka_unit_test(test_metrics_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
