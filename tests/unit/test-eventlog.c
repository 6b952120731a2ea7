/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The event log parsers and replay against the dstack logs in ../shared/vectors/tdx. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cvmimg/eventlog.h>
#include <cvmimg/util.h>

#include "vectors.h"

static void test_ccel(void **state)
{
	struct cvm_eventlog *l = NULL;
	uint8_t mr[4][48];

	(void)state;
	assert_int_equal(cvm_eventlog_load(vec_path("tdx/dstack/ccel.bin"), &l, NULL), 0);
	assert_int_equal(l->n, 18); /* VECTORS.md A3 */
	assert_int_equal(l->events[0].mr_index, 1);
	assert_int_equal(l->events[0].type, CVM_EV_EFI_HANDOFF_TABLES2);
	assert_string_equal(l->events[0].description, "TdxTable");
	assert_int_equal(l->events[11].rtmr, 1);
	assert_int_equal(cvm_eventlog_replay(l, mr, NULL), 18);
	assert_string_equal(vec_hex(mr[0], 48),
			    "274c2344116db7c663470693b5ba62b8621eac28cb41d2f816ddf188f9f423f9"
			    "00a1c44d32386fd3c993dc814e62af9d");
	assert_false(l->has_quote_rtmrs);
	cvm_eventlog_free(l);
}

static void test_json_quote(void **state)
{
	struct cvm_eventlog *l = NULL;
	uint8_t mr[4][48];

	(void)state;
	assert_int_equal(cvm_eventlog_load(vec_path("tdx/dstack/tdx-lite-getquote.json"), &l,
					   NULL),
			 0);
	assert_int_equal(l->n, 29);
	assert_true(l->has_quote_rtmrs);
	assert_int_equal(cvm_eventlog_replay(l, mr, NULL), 29);
	assert_memory_equal(mr, l->quote_rtmr, sizeof(mr)); /* RTMR3 from the dstack formula */
	cvm_eventlog_free(l);
}

static void test_errors(void **state)
{
	static const char unknown[] = "[{\"rtmr\": 2, \"event_type\": 6, \"digest\": null}]";
	static const char no_rtmr[] = "[{\"event_type\": 6}]";
	struct cvm_eventlog *l = NULL;
	uint8_t mr[4][48], *buf;
	size_t len;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_eventlog_parse(NULL, 0, "x", &l, &e), -EINVAL);
	assert_int_equal(cvm_eventlog_load("/nonexistent", &l, &e), -ENOENT);
	assert_int_equal(cvm_eventlog_parse((const uint8_t *)no_rtmr, sizeof(no_rtmr) - 1, "j", &l,
					    &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "no \"rtmr\""));
	if (cvm_eventlog_parse((const uint8_t *)unknown, sizeof(unknown) - 1, "j", &l, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(cvm_eventlog_replay(l, mr, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "has no digest"));
	cvm_eventlog_free(l);
	/* a CCEL cut in the middle of an event */
	assert_int_equal(cvm_read_file(vec_path("tdx/dstack/ccel.bin"), 1 << 20, &buf, &len, NULL),
			 0);
	assert_int_equal(cvm_eventlog_parse(buf, 300, "cut", &l, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "runs past the end"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ccel),
		cmocka_unit_test(test_json_quote),
		cmocka_unit_test(test_errors),
	};

	vec_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
