/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <cvmimg/util.h>

#include "vectors.h"

static const char *vec_root(void)
{
	const char *root = getenv("CVMIMG_VECTORS");

	return root && *root ? root : "../shared/vectors";
}

const char *vec_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", vec_root(), rel);
	return buf;
}

void vec_require(void)
{
	struct stat st;

	if (stat(vec_root(), &st) < 0) {
		fprintf(stderr, "vectors not found at '%s': set CVMIMG_VECTORS\n", vec_root());
		exit(77);
	}
}

const char *vec_hex(const uint8_t *buf, size_t len)
{
	static char out[2 * 4096 + 1];

	if (len > 4096)
		len = 4096;
	cvm_hex_encode(buf, len, out);
	return out;
}

void vec_unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(cvm_hex_decode(hex, out, len, NULL), 0);
}

char test_tmpdir[] = "/tmp/cvmimg-test-XXXXXX";

int test_tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(test_tmpdir) ? 0 : -1;
}

int test_tmpdir_teardown(void **state)
{
	char cmd[sizeof(test_tmpdir) + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

char *test_run(int *status, const char *fmt, ...)
{
	static char out[65536];
	char cmd[1024];
	va_list ap;
	FILE *p;
	size_t n;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	if (status)
		*status = st;
	else if (st != 0)
		fail_msg("'%s' failed: %s", cmd, out);
	return out;
}
