/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/archive: the tarball reader's ACL decoding at its limits. The archives are
 * written by libarchive's own pax writer (SCHILY.acl.access), the form GNU tar
 * and bsdtar produce; the expected bytes follow the kernel's posix_acl_xattr
 * layout (le32 version 2, then le16 tag, le16 perm, le32 id, sorted).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "archive/acl.h"
#include "archive/reader.h"
#include "vectors.h"

/* An entry with user::rwx, group::r-x, other::r-x and @named user:N:rwx entries, no mask. */
static struct archive_entry *acl_entry(int named)
{
	struct archive_entry *e = archive_entry_new();

	assert_non_null(e);
	archive_entry_set_pathname(e, "f");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0755);
	archive_entry_set_size(e, 0);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 7,
				    ARCHIVE_ENTRY_ACL_USER_OBJ, -1, NULL);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 5,
				    ARCHIVE_ENTRY_ACL_GROUP_OBJ, -1, NULL);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 5, ARCHIVE_ENTRY_ACL_OTHER,
				    -1, NULL);
	for (int i = 0; i < named; i++)
		archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, 7,
					    ARCHIVE_ENTRY_ACL_USER, 1000 + i, NULL);
	return e;
}

/* A pax tarball holding acl_entry(@named); returns its path. */
static const char *write_tar(int named)
{
	static char path[256];
	struct archive *a = archive_write_new();
	struct archive_entry *e = acl_entry(named);

	snprintf(path, sizeof(path), "%s/acl-%d.tar", test_tmpdir, named);
	assert_int_equal(archive_write_set_format_pax(a), ARCHIVE_OK);
	assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
	assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	return path;
}

/* 1021 named entries + 3 = 1024 read, the mask would be the 1025th: refused, nothing written
 * past the buffer (the guard bytes after it stay as they were). */
static void test_acl_mask_past_limit(void **state)
{
	struct archive_entry *e = acl_entry(CVM_ACL_MAX_ENTRIES - 3);
	uint8_t *buf = malloc(CVM_ACL_BUF_SIZE + 64);
	uint32_t mode = 0755;

	(void)state;
	assert_non_null(buf);
	memset(buf, 0xa5, CVM_ACL_BUF_SIZE + 64);
	assert_int_equal(cvm_tar_acl_encode(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, &mode, buf,
					    CVM_ACL_BUF_SIZE),
			 -E2BIG);
	for (size_t i = CVM_ACL_BUF_SIZE; i < CVM_ACL_BUF_SIZE + 64; i++)
		assert_int_equal(buf[i], 0xa5);
	assert_int_equal(mode, 0755);
	assert_int_equal(cvm_tar_acl_encode(e, ARCHIVE_ENTRY_ACL_TYPE_ACCESS, &mode, buf,
					    CVM_ACL_BUF_SIZE - 1),
			 -EINVAL);
	free(buf);
	archive_entry_free(e);
}

/* The same through the reader: one clear refusal (under ASan: no overflow report). */
static void test_reader_refuses_acl_past_limit(void **state)
{
	const char *path = write_tar(CVM_ACL_MAX_ENTRIES - 3);
	struct cvm_tar *t = NULL;
	struct cvm_tar_entry *te;
	cvm_err err = {0};

	(void)state;
	assert_int_equal(cvm_tar_open(path, -1, false, NULL, NULL, &t, &err), 0);
	assert_int_equal(cvm_tar_next(t, &te, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "entry 'f' has an ACL of more than 1024 entries"));
	cvm_tar_free(t);
}

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* 1020 named + 3 + the added mask = exactly 1024: accepted, laid out as the kernel wants. */
static void test_reader_acl_at_limit(void **state)
{
	const int named = CVM_ACL_MAX_ENTRIES - 4;
	const char *path = write_tar(named);
	struct cvm_tar *t = NULL;
	struct cvm_tar_entry *te;
	const struct cvm_fs_xattr *x = NULL;
	cvm_err err = {0};

	(void)state;
	assert_int_equal(cvm_tar_open(path, -1, false, NULL, NULL, &t, &err), 0);
	assert_int_equal(cvm_tar_next(t, &te, &err), 1);
	for (size_t i = 0; i < te->e.n_xattrs; i++)
		if (!strcmp(te->e.xattrs[i].name, "system.posix_acl_access"))
			x = &te->e.xattrs[i];
	assert_non_null(x);
	assert_int_equal(x->len, 4 + 8 * CVM_ACL_MAX_ENTRIES);
	const uint8_t *v = x->value;
	assert_int_equal(le32(v), 2);
	/* USER_OBJ 1, USER 2 (ids ascending), GROUP_OBJ 4, MASK 0x10 (union of group class), OTHER 0x20 */
	assert_int_equal(le16(v + 4), 0x01);
	for (int i = 0; i < named; i++) {
		assert_int_equal(le16(v + 12 + 8 * i), 0x02);
		assert_int_equal(le32(v + 16 + 8 * i), 1000 + i);
	}
	assert_int_equal(le16(v + 12 + 8 * named), 0x04);
	assert_int_equal(le16(v + 20 + 8 * named), 0x10);
	assert_int_equal(le16(v + 22 + 8 * named), 7);
	assert_int_equal(le16(v + 28 + 8 * named), 0x20);
	assert_int_equal(te->e.mode & 070, 070); /* the group bits show the mask */
	cvm_tar_free(t);
}

/* A default ACL without its owner entry would make the kernel refuse it at access time. */
static void test_acl_invalid(void **state)
{
	struct archive_entry *e = acl_entry(0);
	uint8_t *buf = malloc(CVM_ACL_BUF_SIZE);
	uint32_t mode = 0755;

	(void)state;
	assert_non_null(buf);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, 7, ARCHIVE_ENTRY_ACL_USER,
				    1000, NULL);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, 5,
				    ARCHIVE_ENTRY_ACL_GROUP_OBJ, -1, NULL);
	archive_entry_acl_add_entry(e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, 0, ARCHIVE_ENTRY_ACL_OTHER,
				    -1, NULL);
	assert_int_equal(cvm_tar_acl_encode(e, ARCHIVE_ENTRY_ACL_TYPE_DEFAULT, &mode, buf,
					    CVM_ACL_BUF_SIZE),
			 -EINVAL);
	free(buf);
	archive_entry_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acl_mask_past_limit),
		cmocka_unit_test(test_reader_refuses_acl_past_limit),
		cmocka_unit_test(test_reader_acl_at_limit),
		cmocka_unit_test(test_acl_invalid),
	};

	return cmocka_run_group_tests(tests, test_tmpdir_setup, test_tmpdir_teardown);
}
