/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_initrd_scan() on initrds made by the real tools: GNU cpio (newc) and the
 * gzip, zstd and xz compressors, alone and with a plain microcode segment in
 * front as Debian builds them; entry counts compared with `cpio -t`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cvmimg/initrd.h>
#include <cvmimg/util.h>

static char dir[] = "/tmp/cvmimg-test-initrd-XXXXXX";

__attribute__((format(printf, 1, 2))) static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	assert_int_equal(system(cmd), 0);
}

/* The number of entries `cpio -t` lists for a (decompressed) archive file. */
static uint64_t cpio_count(const char *decompress, const char *file)
{
	char cmd[1024];
	unsigned long long n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "cd %s && %s %s | cpio -t --quiet | wc -l", dir, decompress,
		 file);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%llu", &n), 1);
	pclose(p);
	return n;
}

static void scan(const char *file, struct cvm_initrd_info *info, int want)
{
	char path[512];
	uint8_t *buf = NULL;
	size_t len = 0;
	cvm_err e = { 0 };

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(cvm_read_file(path, 1u << 30, &buf, &len, &e), 0);
	assert_int_equal(cvm_initrd_scan(buf, len, info, &e), want);
	if (want < 0)
		assert_non_null(strstr(e.msg, "initrd"));
	free(buf);
}

/* A tree shaped like an initramfs-tools initrd with cryptsetup-initramfs. */
static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	sh("cd %s && mkdir -p root/usr/sbin root/scripts/local-top root/conf "
	   "root/usr/lib/modules/6.1.0-99-amd64/kernel/drivers/md early/kernel/x86/microcode && "
	   "echo x > root/usr/sbin/cryptsetup && echo x > root/scripts/local-top/cryptroot && "
	   "echo x > root/conf/initramfs.conf && "
	   "echo x > root/usr/lib/modules/6.1.0-99-amd64/kernel/drivers/md/dm-crypt.ko.xz && "
	   "head -c 1000 /dev/urandom > root/big && ln -s usr/sbin root/sbin && "
	   "head -c 3000 /dev/urandom > early/kernel/x86/microcode/AuthenticAMD.bin && "
	   "(cd root && find . | sort | cpio -o -H newc --quiet > ../main.cpio) && "
	   "(cd early && find . | sort | cpio -o -H newc --quiet > ../early.cpio) && "
	   "gzip -9 -k -n main.cpio && zstd -q -19 -k main.cpio && xz -k main.cpio && "
	   "cat early.cpio main.cpio.zst > multi.img",
	   dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sh("rm -rf %s", dir);
	return 0;
}

static void test_plain_and_compressed(void **state)
{
	static const struct {
		const char *file, *decompress, *compression;
	} cases[] = {
		{ "main.cpio", "cat", "none" },
		{ "main.cpio.gz", "zcat", "gzip" },
		{ "main.cpio.zst", "zstdcat", "zstd" },
		{ "main.cpio.xz", "xzcat", "xz" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cvm_initrd_info info;
		const char *missing = "unset";

		scan(cases[i].file, &info, 0);
		assert_int_equal(info.segments, 1);
		assert_string_equal(info.compression[0], cases[i].compression);
		assert_int_equal(info.entries, cpio_count(cases[i].decompress, cases[i].file));
		assert_true(info.has_cryptsetup);
		assert_true(info.has_dm_crypt);
		assert_true(info.has_cryptroot);
		assert_int_equal(info.flavour, CVM_INITRD_INITRAMFS_TOOLS);
		assert_string_equal(info.kernel_version, "6.1.0-99-amd64");
		assert_true(cvm_initrd_can_unlock_luks(&info, &missing));
		assert_null(missing);
	}
}

/* early microcode (plain) followed by the zstd main archive */
static void test_multi_segment(void **state)
{
	struct cvm_initrd_info info;

	(void)state;
	scan("multi.img", &info, 0);
	assert_int_equal(info.segments, 2);
	assert_string_equal(info.compression[0], "none");
	assert_string_equal(info.compression[1], "zstd");
	assert_int_equal(info.entries, cpio_count("cat", "early.cpio") +
					       cpio_count("zstdcat", "main.cpio.zst"));
	assert_true(info.has_cryptsetup && info.has_dm_crypt);
}

static void test_cannot_unlock(void **state)
{
	struct cvm_initrd_info info;
	const char *missing = NULL;

	(void)state;
	scan("early.cpio", &info, 0);
	assert_false(cvm_initrd_can_unlock_luks(&info, &missing));
	assert_string_equal(missing, "no cryptsetup binary");
	info.has_cryptsetup = true;
	assert_false(cvm_initrd_can_unlock_luks(&info, &missing));
	assert_string_equal(missing, "no dm-crypt kernel module");
	info.has_dm_crypt = true;
	info.flavour = CVM_INITRD_INITRAMFS_TOOLS;
	assert_false(cvm_initrd_can_unlock_luks(&info, &missing));
	assert_string_equal(missing, "no cryptroot script of initramfs-tools");
	/* dm-crypt built into the kernel counts, via modules.builtin */
	sh("cd %s && mkdir -p b/lib/modules/6.1.0/ && "
	   "printf 'kernel/drivers/md/dm-mod.ko\\nkernel/drivers/md/dm-crypt.ko\\n' > "
	   "b/lib/modules/6.1.0/modules.builtin && echo x > b/usr-sbin-none && "
	   "(cd b && find . | cpio -o -H newc --quiet > ../builtin.cpio)",
	   dir);
	scan("builtin.cpio", &info, 0);
	assert_true(info.has_dm_crypt);
	assert_false(info.has_cryptsetup);
}

static void test_bad_input(void **state)
{
	struct cvm_initrd_info info;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_initrd_scan((const uint8_t *)"x", 0, &info, &e), -EBADMSG);
	assert_int_equal(cvm_initrd_scan(NULL, 1, &info, &e), -EINVAL);
	sh("cd %s && head -c $(($(stat -c %%s main.cpio) / 2)) main.cpio > trunc.cpio && "
	   "head -c $(($(stat -c %%s main.cpio.gz) / 2)) main.cpio.gz > trunc.gz && "
	   "head -c 4096 /dev/urandom | tr '\\0' 'x' > random.bin && "
	   "cp main.cpio names.cpio && printf 'FFFFFFFF' | dd of=names.cpio bs=1 seek=94 "
	   "conv=notrunc status=none && cat main.cpio.gz main.cpio.gz > twogz.img",
	   dir);
	scan("trunc.cpio", &info, -EBADMSG);
	scan("trunc.gz", &info, -EBADMSG);
	scan("random.bin", &info, -EBADMSG);
	scan("names.cpio", &info, -EBADMSG);
	/* gzip members back to back are one stream holding two archives */
	scan("twogz.img", &info, 0);
	assert_int_equal(info.entries, 2 * cpio_count("cat", "main.cpio"));
}

/* The host's own initrd, if readable: whatever it holds, cpio -t agrees on the count. */
static void test_host_initrd(void **state)
{
	FILE *p = popen("ls /boot/initrd.img-* 2>/dev/null | head -n1", "r");
	char path[512] = "";
	struct cvm_initrd_info info;
	uint8_t *buf = NULL;
	size_t len = 0;
	char cmd[1024];
	unsigned long long want = 0;

	(void)state;
	if (p && fgets(path, sizeof(path), p))
		path[strcspn(path, "\n")] = '\0';
	if (p)
		pclose(p);
	if (!path[0] || access(path, R_OK) < 0)
		skip();
	assert_int_equal(cvm_read_file(path, 1u << 30, &buf, &len, NULL), 0);
	assert_int_equal(cvm_initrd_scan(buf, len, &info, NULL), 0);
	free(buf);
	snprintf(cmd, sizeof(cmd), "lsinitramfs %s | wc -l", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_int_equal(fscanf(p, "%llu", &want), 1);
	pclose(p);
	/* lsinitramfs prints one name per entry, plus the "." of each archive */
	assert_true(info.entries >= want - info.segments && info.entries <= want);
	assert_int_not_equal(info.flavour, CVM_INITRD_UNKNOWN);
	assert_true(info.kernel_version[0] != '\0');
}

/* What a --verity root needs: dm-verity, veritysetup, and cvmimg's initramfs-tools script or dracut module. */
static void test_verity(void **state)
{
	struct cvm_initrd_info info;
	const char *missing = NULL;

	(void)state;
	scan("main.cpio", &info, 0);
	assert_false(cvm_initrd_can_open_verity(&info, &missing));
	assert_string_equal(missing, "no dm-verity kernel module");
	sh("cd %s && cp -r root vroot && mkdir -p vroot/usr/lib/modules/6.1.0-99-amd64/kernel/"
	   "drivers/md && echo x > vroot/usr/lib/modules/6.1.0-99-amd64/kernel/drivers/md/"
	   "dm-verity.ko && (cd vroot && find . | sort | cpio -o -H newc --quiet > ../v1.cpio) && "
	   "echo x > vroot/usr/sbin/veritysetup && "
	   "(cd vroot && find . | sort | cpio -o -H newc --quiet > ../v2.cpio) && "
	   "echo x > vroot/scripts/local-top/cvmimg-verity && "
	   "(cd vroot && find . | sort | cpio -o -H newc --quiet > ../v3.cpio) && "
	   "mkdir -p d/usr/lib/dracut d/usr/lib/systemd d/usr/lib/modules/6.1.0-99-amd64 && "
	   "echo kernel/drivers/md/dm-verity.ko > d/usr/lib/modules/6.1.0-99-amd64/modules.builtin && "
	   "echo x > d/usr/lib/systemd/systemd-veritysetup && echo x > d/usr/lib/dracut/modules.txt && "
	   "(cd d && find . | sort | cpio -o -H newc --quiet > ../d.cpio) && "
	   "mkdir -p d/usr/lib/systemd/system-generators d/usr/sbin && "
	   "echo x > d/usr/lib/systemd/system-generators/cvmimg-verity-generator && "
	   "(cd d && find . | sort | cpio -o -H newc --quiet > ../d2.cpio) && "
	   "echo x > d/usr/sbin/veritysetup && "
	   "(cd d && find . | sort | cpio -o -H newc --quiet > ../d3.cpio)",
	   dir);
	scan("v1.cpio", &info, 0);
	assert_true(info.has_dm_verity);
	assert_false(cvm_initrd_can_open_verity(&info, &missing));
	assert_string_equal(missing, "no veritysetup binary");
	scan("v2.cpio", &info, 0);
	assert_true(info.has_veritysetup);
	assert_false(cvm_initrd_can_open_verity(&info, &missing));
	assert_string_equal(missing, "no cvmimg-verity script of initramfs-tools");
	scan("v3.cpio", &info, 0);
	assert_true(cvm_initrd_can_open_verity(&info, &missing));
	assert_null(missing);
	scan("d.cpio", &info, 0); /* built in, and systemd's veritysetup */
	assert_int_equal(info.flavour, CVM_INITRD_DRACUT);
	assert_true(info.has_dm_verity && info.has_systemd_veritysetup);
	assert_false(cvm_initrd_can_open_verity(&info, &missing));
	assert_string_equal(missing, "no cvmimg-verity dracut module");
	scan("d2.cpio", &info, 0); /* and cvmimg's generator, but no veritysetup for it */
	assert_true(info.has_verity_script);
	assert_false(cvm_initrd_can_open_verity(&info, &missing));
	assert_string_equal(missing, "no veritysetup binary");
	scan("d3.cpio", &info, 0);
	assert_true(cvm_initrd_can_open_verity(&info, &missing));
	assert_null(missing);
}

/*
 * The unlock agent's network: a NIC driver as a module or built in, not any
 * module; systemd-networkd (dracut) by its own name, in lib/ or usr/lib/.
 */
static void test_network_driver(void **state)
{
	struct cvm_initrd_info info;

	(void)state;
	sh("cd %s && M=usr/lib/modules/6.1.0-99-amd64 && "
	   "mkdir -p n1/$M/kernel/drivers/net/ethernet/amazon/ena n2/$M n0/$M/kernel/drivers/net && "
	   "echo x > n0/$M/kernel/drivers/net/xena.ko && "
	   "echo x > n1/$M/kernel/drivers/net/ethernet/amazon/ena/ena.ko && "
	   "echo kernel/drivers/net/virtio_net.ko > n2/$M/modules.builtin && "
	   "mkdir -p n0/usr/lib/systemd n1/usr/lib/systemd n2/lib/systemd && "
	   "echo x > n0/usr/lib/systemd/systemd-networkd-wait-online && "
	   "echo x > n1/usr/lib/systemd/systemd-networkd && echo x > n2/lib/systemd/systemd-networkd && "
	   "for n in n0 n1 n2; do (cd $n && find . | sort | cpio -o -H newc --quiet > ../$n.cpio); done",
	   dir);
	scan("n0.cpio", &info, 0);
	assert_false(info.has_network_driver);
	assert_false(info.has_systemd_networkd);
	scan("n1.cpio", &info, 0);
	assert_true(info.has_network_driver);
	assert_true(info.has_systemd_networkd);
	scan("n2.cpio", &info, 0);
	assert_true(info.has_network_driver);
	assert_true(info.has_systemd_networkd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_compressed),
		cmocka_unit_test(test_multi_segment),
		cmocka_unit_test(test_cannot_unlock),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_host_initrd),
		cmocka_unit_test(test_verity),
		cmocka_unit_test(test_network_driver),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
