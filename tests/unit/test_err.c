/* test_err.c - error codes and messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

static void test_err_set_and_clear(void **state)
{
	(void)state;
	rp_err e;
	rp_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	assert_int_equal(rp_err_set(&e, RP_ECORRUPT, "pack %s: bad tag at offset %d", "3f2a", 1048576), RP_ECORRUPT);
	assert_int_equal(e.code, RP_ECORRUPT);
	assert_string_equal(e.msg, "pack 3f2a: bad tag at offset 1048576");
	/* no message object: the code still comes back */
	assert_int_equal(rp_err_set(NULL, RP_EIO, "ignored"), RP_EIO);
	assert_int_equal(rp_err_errno(NULL, ENOSPC, "ignored"), RP_ENOSPC);
	rp_err_prefix(NULL, "ignored");
	rp_err_clear(NULL);
}

static void test_err_long_message_is_cut(void **state)
{
	(void)state;
	rp_err e;
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = 0;
	rp_err_set(&e, RP_EIO, "%s", big);
	assert_int_equal(strlen(e.msg), RP_ERR_MSG_BYTES - 1);
	rp_err_errno(&e, EIO, "%s", big);
	assert_int_equal(strlen(e.msg), RP_ERR_MSG_BYTES - 1);
	/* a prefix longer than the whole message still leaves a terminated string */
	rp_err_prefix(&e, "%s", big);
	assert_int_equal(strlen(e.msg), RP_ERR_MSG_BYTES - 1);
	assert_memory_equal(e.msg + RP_ERR_MSG_BYTES - 3, ": ", 2);
}

static void test_err_errno_mapping(void **state)
{
	(void)state;
	static const struct {
		int errnum, code;
	} map[] = {
		{ENOMEM, RP_ENOMEM}, {ENOENT, RP_ENOTFOUND}, {EEXIST, RP_EEXIST}, {ENOSPC, RP_ENOSPC},
		{EDQUOT, RP_ENOSPC}, {EACCES, RP_EPERM},     {EPERM, RP_EPERM},   {EINTR, RP_EINTR},
		{EIO, RP_EIO},       {EBADF, RP_EIO},
	};
	rp_err e;
	for (size_t i = 0; i < sizeof map / sizeof *map; i++) {
		assert_int_equal(rp_err_errno(&e, map[i].errnum, "/srv/x"), map[i].code);
		assert_int_equal(e.code, map[i].code);
		char want[256];
		snprintf(want, sizeof want, "/srv/x: %s", strerror(map[i].errnum));
		assert_string_equal(e.msg, want);
	}
}

static void test_err_prefix(void **state)
{
	(void)state;
	rp_err e;
	rp_err_set(&e, RP_ECRYPTO, "authentication failed");
	rp_err_prefix(&e, "index/%s", "ab12");
	assert_string_equal(e.msg, "index/ab12: authentication failed");
	assert_int_equal(e.code, RP_ECRYPTO);
	rp_err_prefix(&e, "check");
	assert_string_equal(e.msg, "check: index/ab12: authentication failed");
}

static void test_err_names_are_distinct(void **state)
{
	(void)state;
	const char *seen[16];
	for (int code = 0; code >= RP_EPARTIAL; code--) {
		const char *n = rp_err_name(code);
		assert_non_null(n);
		assert_string_not_equal(n, "unknown error");
		for (int k = 0; k < -code; k++)
			assert_string_not_equal(n, seen[k]);
		seen[-code] = n;
	}
	assert_string_equal(rp_err_name(RP_EPARTIAL - 1), "unknown error");
	assert_string_equal(rp_err_name(1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err_set_and_clear),
		cmocka_unit_test(test_err_long_message_is_cut),
		cmocka_unit_test(test_err_errno_mapping),
		cmocka_unit_test(test_err_prefix),
		cmocka_unit_test(test_err_names_are_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
