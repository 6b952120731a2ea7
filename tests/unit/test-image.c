/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small parts of the image builder against outside references: SipHash-2-4
 * (the reference paper's test vector), seed-derived identifiers (python's
 * hmac module), UUID text, generated passphrases, the disk layout's
 * invariants and its API's argument checks.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <cvmimg/image.h>

#include "ext4/writer.h"
#include "image/bootfiles.h"
#include "image/ids.h"
#include "image/scan.h"
#include "ext4/pathmap.h"

/* Aumasson and Bernstein, "SipHash: a fast short-input PRF", appendix A */
static void test_siphash(void **state)
{
	uint8_t key[16], msg[15];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		msg[i] = (uint8_t)i;
	assert_true(cvm_siphash24(key, msg, 15) == UINT64_C(0xa129ca6149be45e5));
}

static void test_pathmap(void **state)
{
	struct cvm_pathmap *m = cvm_pathmap_new();
	uint32_t ino;
	uint8_t type;
	char name[32];

	(void)state;
	assert_non_null(m);
	for (uint32_t i = 0; i < 50000; i++) { /* grows several times */
		snprintf(name, sizeof(name), "f%u", i);
		assert_int_equal(cvm_pathmap_put(m, 2 + i % 7, name, strlen(name), 100 + i, 1), 0);
	}
	assert_int_equal(cvm_pathmap_count(m), 50000);
	assert_int_equal(cvm_pathmap_get(m, 2 + 1234 % 7, "f1234", 5, &ino, &type), 1);
	assert_int_equal(ino, 1334);
	assert_int_equal(cvm_pathmap_get(m, 3, "f1234", 5, &ino, &type), 0); /* other parent */
	assert_int_equal(cvm_pathmap_get(m, 2, "nope", 4, &ino, &type), 0);
	cvm_pathmap_free(m);
}

/* expected: python3 hmac.new(b"demo", b"cvmimg:disk", sha256), first 16 bytes, v4 bits */
static void test_ids(void **state)
{
	uint8_t u[16], back[16];
	char s[CVM_UUID_STR];

	(void)state;
	assert_int_equal(cvm_ids_derive("demo", "disk", u, NULL), 0);
	cvm_uuid_format(u, s);
	assert_string_equal(s, "7a95ca7e-dfff-4bdf-9353-f8b9ce20e541");
	assert_int_equal(cvm_uuid_parse("7A95CA7E-DFFF-4BDF-9353-F8B9CE20E541", back), 0);
	assert_memory_equal(u, back, 16);
	assert_int_equal(cvm_uuid_parse("7a95ca7e-dfff-4bdf-9353-f8b9ce20e54", back), -EINVAL);
	assert_int_equal(cvm_uuid_parse("7a95ca7e+dfff-4bdf-9353-f8b9ce20e541", back), -EINVAL);
	assert_int_equal(cvm_uuid_parse("7a95ca7e-dfff-4bdf-9353-f8b9ce20e5zz", back), -EINVAL);
}

static void test_passphrase(void **state)
{
	char a[CVM_PASSPHRASE_GENERATED_LEN + 1], b[CVM_PASSPHRASE_GENERATED_LEN + 1];

	(void)state;
	assert_int_equal(cvm_passphrase_generate(a, NULL), 0);
	assert_int_equal(cvm_passphrase_generate(b, NULL), 0);
	assert_int_equal(strlen(a), CVM_PASSPHRASE_GENERATED_LEN);
	assert_string_not_equal(a, b);
	for (int i = 0; i < CVM_PASSPHRASE_GENERATED_LEN; i++)
		assert_non_null(strchr(i % 9 == 8 ? "-" : "cbdefghijklnrtuv", a[i]));
	assert_int_equal(cvm_passphrase_generate(NULL, NULL), -EINVAL);
}

static void test_layout(void **state)
{
	struct cvm_scan scan = { .need = { .entries = 20000, .dirs = 2000, .data_blocks = 150000,
					   .name_bytes = 20000 * 24 } };
	struct cvm_layout l;
	uint64_t room;
	cvm_err err;

	(void)state;
	assert_int_equal(cvm_scan_layout(&scan, 0, 256 << 20, false, &l, &err), 0);
	assert_int_equal(l.esp_start, 1 << 20);
	assert_int_equal(l.root_start, l.esp_start + (256 << 20));
	assert_int_equal(l.root_size, (16 << 20) + l.fs_blocks * 4096);
	assert_int_equal(l.disk_size, l.root_start + l.root_size + (1 << 20));
	assert_int_equal(l.fs_blocks % 256, 0);
	assert_true(l.fs_inodes >= scan.need.entries);
	assert_int_equal(cvm_ext4_capacity(l.fs_blocks, l.fs_inodes, false, &room, &err), 0);
	assert_true(room >= scan.need.data_blocks * 5 / 4); /* a quarter more than the data */
	/* an explicit size */
	assert_int_equal(cvm_scan_layout(NULL, 1024 << 20, 256 << 20, false, &l, &err), 0);
	assert_int_equal(l.disk_size, 1024 << 20);
	assert_int_equal(l.root_size, (1024 - 1 - 256 - 1) << 20);
	assert_int_equal(cvm_scan_layout(NULL, (1024 << 20) + 512, 256 << 20, false, &l, &err),
			 -EINVAL);
	assert_int_equal(cvm_scan_layout(NULL, 300 << 20, 256 << 20, false, &l, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "too small"));
}

/* a passphrase no message may ever show (STYLE 6.5) */
#define PASS "correct-horse-7f3a9c"

static void test_build_arguments(void **state)
{
	struct cvm_build_options o = { .rootfs_path = "x.tar", .rootfs_fd = -1,
				       .output_dir = "/nonexistent/out", .passphrase = PASS,
				       .passphrase_len = sizeof(PASS) - 1 };
	cvm_err err;

	(void)state;
	assert_int_equal(cvm_image_build(NULL, NULL, &err), -EINVAL);
	o.passphrase_len = 0;
	assert_int_equal(cvm_image_build(&o, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "passphrase"));
	o.passphrase_len = sizeof(PASS) - 1;
	o.rootfs_fd = 0;
	assert_int_equal(cvm_image_build(&o, NULL, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "explicit disk size"));
	o.rootfs_fd = -1;
	o.esp_size = 10 << 20;
	assert_int_equal(cvm_image_build(&o, NULL, &err), -EINVAL);
	assert_null(strstr(err.msg, PASS));
	o.esp_size = 0;
	o.luks_uuid = "nope";
	assert_int_equal(cvm_image_build(&o, NULL, &err), -EINVAL);
	assert_null(strstr(err.msg, PASS));
	o.luks_uuid = NULL;
	assert_int_equal(cvm_image_build(&o, NULL, &err), -ENOENT); /* the parent of DIR */
	assert_null(strstr(err.msg, PASS));
	assert_string_equal(cvm_image_format_to_string(CVM_IMAGE_QCOW2), "qcow2");
	assert_int_equal(cvm_image_format_from_string("RAW"), CVM_IMAGE_RAW);
	assert_int_equal(cvm_image_format_from_string("vmdk"), CVM_IMAGE_FORMAT_INVALID);
	assert_string_equal(cvm_build_phase_to_string(CVM_BUILD_WIPE), "wipe");
	assert_int_equal(cvm_image_inspect(NULL, NULL, &err), -EINVAL);
}

/* Offer "<prefix><version>" of @size bytes; *ret_kept says whether it was taken. */
static int offer(struct cvm_bootfiles *b, const char *prefix, int version, uint64_t size,
		 bool *ret_kept, cvm_err *err)
{
	char path[64];
	struct cvm_fs_entry e = { .path = path, .type = CVM_FS_REG, .size = size };
	struct cvm_capture *c = NULL;
	int r;

	snprintf(path, sizeof(path), "%s6.%d.0-1-amd64", prefix, version);
	r = cvm_bootfiles_offer(b, &e, &c, err);
	if (ret_kept)
		*ret_kept = c != NULL;
	return r;
}

#define K "boot/vmlinuz-"
#define I "boot/initrd.img-"
#define MIB (1ull << 20)

/* Ten versions in either order: only what can still win is held. */
static void test_bootfiles_versions(void **state)
{
	struct cvm_bootfiles *b;
	struct cvm_boot_parts parts;
	cvm_err err;
	bool kept;

	(void)state;
	/* oldest first, each initrd before its kernel: one version and the next initrd */
	assert_non_null(b = cvm_bootfiles_new(true, true));
	for (int v = 1; v <= 10; v++) {
		assert_int_equal(offer(b, I, v, 100 * MIB, &kept, &err), 0);
		assert_true(kept);
		assert_true(cvm_bootfiles_held(b) <= 208 * MIB);
		assert_int_equal(offer(b, K, v, 8 * MIB, &kept, &err), 0);
		assert_true(kept);
		assert_int_equal(cvm_bootfiles_held(b), 108 * MIB);
	}
	cvm_bootfiles_result(b, &parts);
	assert_string_equal(parts.version, "6.10.0-1-amd64");
	assert_int_equal(parts.kernel_len, 8 * MIB);
	assert_int_equal(parts.initrd_len, 100 * MIB);
	cvm_bootfiles_free(b);
	/* newest first: the older ones are passed over */
	assert_non_null(b = cvm_bootfiles_new(true, true));
	for (int v = 10; v >= 1; v--) {
		assert_int_equal(offer(b, K, v, 8 * MIB, &kept, &err), 0);
		assert_int_equal(kept, v == 10);
		assert_int_equal(offer(b, I, v, 100 * MIB, &kept, &err), 0);
		assert_int_equal(kept, v == 10);
	}
	assert_int_equal(cvm_bootfiles_held(b), 108 * MIB);
	cvm_bootfiles_result(b, &parts);
	assert_string_equal(parts.version, "6.10.0-1-amd64");
	cvm_bootfiles_free(b);
	/* with --kernel only initrds are wanted: the newest one is held */
	assert_non_null(b = cvm_bootfiles_new(false, true));
	for (int v = 1; v <= 10; v++) {
		assert_int_equal(offer(b, K, v, 8 * MIB, &kept, &err), 0);
		assert_false(kept);
		assert_int_equal(offer(b, I, v, 100 * MIB, NULL, &err), 0);
		assert_int_equal(cvm_bootfiles_held(b), 100 * MIB);
	}
	cvm_bootfiles_result(b, &parts);
	assert_string_equal(parts.version, "6.10.0-1-amd64");
	assert_null(parts.kernel);
	cvm_bootfiles_free(b);
}

/* Initrds without their kernels: refused past one kernel and one initrd at their limits. */
static void test_bootfiles_held_limit(void **state)
{
	struct cvm_bootfiles *b;
	cvm_err err;
	bool kept;

	(void)state;
	assert_non_null(b = cvm_bootfiles_new(true, true));
	assert_int_equal(offer(b, I, 1, 700 * MIB, &kept, &err), 0);
	assert_int_equal(offer(b, I, 2, 580 * MIB, &kept, &err), 0); /* 1280 MiB: the limit */
	assert_int_equal(offer(b, I, 3, 1, &kept, &err), -EFBIG);
	assert_false(kept);
	assert_non_null(strstr(err.msg, "keeping 'boot/initrd.img-6.3.0-1-amd64' would hold over "
					"1280 MiB of kernels and initrds"));
	assert_int_equal(cvm_bootfiles_held(b), 1280 * MIB);
	/* a kernel of the newest version drops the older initrd, and there is room again */
	assert_int_equal(offer(b, K, 2, 8 * MIB, &kept, &err), 0);
	assert_true(kept);
	assert_int_equal(cvm_bootfiles_held(b), 588 * MIB);
	assert_int_equal(offer(b, K, 4, CVM_BOOT_KERNEL_MAX + 1ull, &kept, &err), -EFBIG);
	assert_non_null(strstr(err.msg, "is larger than 256 MiB"));
	cvm_bootfiles_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_siphash),     cmocka_unit_test(test_pathmap),
		cmocka_unit_test(test_ids),         cmocka_unit_test(test_passphrase),
		cmocka_unit_test(test_layout),      cmocka_unit_test(test_build_arguments),
		cmocka_unit_test(test_bootfiles_versions),
		cmocka_unit_test(test_bootfiles_held_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
