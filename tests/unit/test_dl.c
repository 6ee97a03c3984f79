/* test_dl.c - optional libraries loaded when needed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <zlib.h>

#include "util/dl.h"

#define Z_FNS(X) X(version, zlibVersion) X(crc, crc32)

typedef struct z_fns {
	Z_FNS(RP_DL_FIELD)
} z_fns;

/* zlib is linked anyway: loading it again must give the same functions */
static void test_dl_resolves_typed_functions(void **state)
{
	(void)state;
	static const char *const names[] = {Z_FNS(RP_DL_NAME)};
	void *p[2];
	rp_err e;
	assert_int_equal(rp_dl_load("libz.so.1", "zlib1g", names, p, 2, &e), 0);
	z_fns f;
	RP_DL_SET(&f.version, p[0]);
	RP_DL_SET(&f.crc, p[1]);
	assert_string_equal(f.version(), zlibVersion());
	assert_int_equal(f.crc(0, (const Bytef *)"rempart", 7), crc32(0, (const Bytef *)"rempart", 7));
}

static void test_dl_missing_library_names_the_package(void **state)
{
	(void)state;
	static const char *const names[] = {"anything"};
	void *p[1];
	rp_err e;
	assert_int_equal(rp_dl_load("librempart-nonexistent.so.9", "rempart-nothing", names, p, 1, &e), RP_EIO);
	assert_non_null(strstr(e.msg, "librempart-nonexistent.so.9"));
	assert_non_null(strstr(e.msg, "Debian package rempart-nothing"));
}

static void test_dl_missing_symbol_is_named(void **state)
{
	(void)state;
	static const char *const names[] = {"zlibVersion", "rp_no_such_function"};
	void *p[2];
	rp_err e;
	assert_int_equal(rp_dl_load("libz.so.1", "zlib1g", names, p, 2, &e), RP_EIO);
	assert_non_null(strstr(e.msg, "rp_no_such_function"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dl_resolves_typed_functions),
		cmocka_unit_test(test_dl_missing_library_names_the_package),
		cmocka_unit_test(test_dl_missing_symbol_is_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
