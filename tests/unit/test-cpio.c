/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/archive/cpio.c: the newc writer, read back by GNU cpio (the independent reader). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/initrd.h>
#include <cvmimg/util.h>

#include "archive/cpio.h"
#include "vectors.h"

/* Run a shell command in test_tmpdir and return its output (caller frees). */
__attribute__((format(printf, 1, 2))) static char *sh(const char *fmt, ...)
{
	char cmd[1024], *out = calloc(1, 65536);
	va_list ap;
	FILE *p;
	size_t n;
	int len;

	len = snprintf(cmd, sizeof(cmd), "cd '%s' && ", test_tmpdir);
	va_start(ap, fmt);
	vsnprintf(cmd + len, sizeof(cmd) - (size_t)len, fmt, ap);
	va_end(ap);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, 65535, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	return out;
}

static void test_gnu_cpio_reads_it(void **state)
{
	CVM_CLEANUP(cvm_cpio_freep) struct cvm_cpio *c = cvm_cpio_new(1700000000);
	const uint8_t *data;
	size_t len;
	char path[256];
	cvm_err e = { 0 };
	char *out;

	(void)state;
	if (system("command -v cpio >/dev/null") != 0)
		skip();
	assert_int_equal(cvm_cpio_add(c, "etc", S_IFDIR | 0755, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_add(c, "etc/cvmimg", S_IFDIR | 0700, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_add(c, "etc/cvmimg/a.json", S_IFREG | 0600, "{\"a\":1}\n", 8,
				      &e), 0);
	assert_int_equal(cvm_cpio_add(c, "etc/odd", S_IFREG | 0755, "abcde", 5, &e), 0);
	assert_int_equal(cvm_cpio_add(c, "etc/empty", S_IFREG | 0644, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_add(c, "etc/link", S_IFLNK | 0777, "odd", 3, &e), 0);
	assert_int_equal(cvm_cpio_count(c), 6);
	assert_int_equal(cvm_cpio_finish(c, &data, &len, &e), 0);
	assert_int_equal(len % 4, 0);
	snprintf(path, sizeof(path), "%s/o.cpio", test_tmpdir);
	assert_int_equal(cvm_write_file_atomic(path, data, len, 0644, &e), 0);
	/* names, types, modes, owners and times as GNU cpio lists them */
	out = sh("cpio -itv --quiet <o.cpio | awk '{print $1, $3, $4, $NF}'");
	assert_string_equal(out, "drwxr-xr-x root root etc\n"
				 "drwx------ root root etc/cvmimg\n"
				 "-rw------- root root etc/cvmimg/a.json\n"
				 "-rwxr-xr-x root root etc/odd\n"
				 "-rw-r--r-- root root etc/empty\n"
				 "lrwxrwxrwx root root odd\n");
	free(out);
	out = sh("mkdir x && cd x && cpio -idm --quiet <../o.cpio && cat etc/cvmimg/a.json etc/odd && "
		 "readlink etc/link && stat -c %%Y etc/odd && stat -c %%s etc/empty");
	assert_string_equal(out, "{\"a\":1}\nabcde" "odd\n1700000000\n0\n");
	free(out);
}

static void test_concatenated_initrd(void **state)
{
	CVM_CLEANUP(cvm_cpio_freep) struct cvm_cpio *a = cvm_cpio_new(0), *b = cvm_cpio_new(0);
	const uint8_t *da, *db;
	size_t la, lb;
	uint8_t *both;
	struct cvm_initrd_info info;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_cpio_add(a, "usr", S_IFDIR | 0755, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_add(a, "usr/sbin", S_IFDIR | 0755, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_add(a, "usr/sbin/cryptsetup", S_IFREG | 0755, "x", 1, &e), 0);
	assert_int_equal(cvm_cpio_add(b, "etc", S_IFDIR | 0755, NULL, 0, &e), 0);
	assert_int_equal(cvm_cpio_finish(a, &da, &la, &e), 0);
	assert_int_equal(cvm_cpio_finish(b, &db, &lb, &e), 0);
	assert_non_null(both = malloc(la + lb));
	memcpy(both, da, la);
	memcpy(both + la, db, lb);
	assert_int_equal(cvm_initrd_scan(both, la + lb, &info, &e), 0);
	assert_int_equal(info.entries, 4); /* the entries of both archives */
	assert_true(info.has_cryptsetup);
	free(both);
}

static void test_refused(void **state)
{
	CVM_CLEANUP(cvm_cpio_freep) struct cvm_cpio *c = cvm_cpio_new(0);
	const uint8_t *d;
	size_t l;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_cpio_add(c, "/etc", S_IFDIR | 0755, NULL, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "'/etc' is not a relative path"));
	assert_int_equal(cvm_cpio_add(c, "a/../b", S_IFREG | 0644, NULL, 0, &e), -EINVAL);
	assert_int_equal(cvm_cpio_add(c, "a//b", S_IFREG | 0644, NULL, 0, &e), -EINVAL);
	assert_int_equal(cvm_cpio_add(c, "a/", S_IFREG | 0644, NULL, 0, &e), -EINVAL);
	assert_int_equal(cvm_cpio_add(c, "dev/null", S_IFCHR | 0644, NULL, 0, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "only files, directories and symlinks"));
	assert_int_equal(cvm_cpio_add(c, "l", S_IFLNK | 0777, NULL, 0, &e), -EINVAL);
	assert_int_equal(cvm_cpio_add(NULL, "a", S_IFREG, NULL, 0, &e), -EINVAL);
	assert_int_equal(cvm_cpio_finish(c, &d, &l, &e), 0);
	assert_int_equal(cvm_cpio_add(c, "late", S_IFREG | 0644, NULL, 0, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gnu_cpio_reads_it),
		cmocka_unit_test(test_concatenated_initrd),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, test_tmpdir_setup, test_tmpdir_teardown);
}
