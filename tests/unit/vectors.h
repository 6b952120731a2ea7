/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for unit tests: where the shared vectors are, and hex comparison. */
#ifndef CVM_TEST_VECTORS_H
#define CVM_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

/* $CVMIMG_VECTORS/<rel>, in a static buffer (valid until the next call). */
const char *vec_path(const char *rel);

/* Skip (exit 77) when the vectors directory is missing. */
void vec_require(void);

/* Lowercase hex of @buf in a static buffer. */
const char *vec_hex(const uint8_t *buf, size_t len);

/*
 * cmocka group setup and teardown: test_tmpdir becomes a new directory
 * (/tmp/cvmimg-test-XXXXXX), removed with its contents after the group.
 */
extern char test_tmpdir[];
int test_tmpdir_setup(void **state);
int test_tmpdir_teardown(void **state);

/*
 * Run a shell command (printf-style); its stdout (at most 64 KiB, in a static
 * buffer valid until the next call), and its wait status in *@status, or with
 * @status NULL a failed test unless it exits 0.
 */
char *test_run(int *status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decode a hex literal into @out (aborts the test on malformed input). */
void vec_unhex(const char *hex, uint8_t *out, size_t len);

#endif
