/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ext4 writer on a plaintext file (unix_io), judged by e2fsck and debugfs,
 * and the encrypting io_manager's semantics (round trip, partial sectors,
 * never-written sectors, encrypted zeroout), with its ciphertext checked
 * against OpenSSL's AES-256-XTS used directly with the plain64 IV.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypt/io-manager.h"
#include "ext4/writer.h"
#include "vectors.h"

static const char *tmp(const char *name)
{
	static char buf[4][512];
	static unsigned next;
	char *b = buf[next++ % 4]; /* several may appear in one call */

	snprintf(b, sizeof(buf[0]), "%s/%s", test_tmpdir, name);
	return b;
}

static void add(struct cvm_ext4 *w, struct cvm_fs_entry e)
{
	cvm_err err = {0};
	int r = cvm_ext4_add(w, &e, &err);

	if (r < 0)
		fail_msg("add '%s': %s", e.path, err.msg);
	if (e.type == CVM_FS_REG) {
		assert_int_equal(cvm_ext4_end_file(w, &err), 0);
	}
}

static void add_file(struct cvm_ext4 *w, const char *path, const void *data, size_t len)
{
	cvm_err err = {0};
	struct cvm_fs_entry e = {.path = path,
				   .type = CVM_FS_REG,
				   .mode = 0644,
				   .uid = 1000,
				   .gid = 100000,
				   .mtime = 1700000000,
				   .mtime_nsec = 123456789,
				   .size = len};

	assert_int_equal(cvm_ext4_add(w, &e, &err), 0);
	for (size_t off = 0; off < len; off += 5000)
		assert_int_equal(cvm_ext4_write(w, off, (const uint8_t *)data + off,
						len - off < 5000 ? len - off : 5000, &err),
				 0);
	assert_int_equal(cvm_ext4_end_file(w, &err), 0);
}

static void test_plain_filesystem(void **state)
{
	struct cvm_ext4_geometry g = {.blocks = 16384, .label = "root", .now = 1700000000};
	struct cvm_ext4 *w = NULL;
	static uint8_t big[3u << 20];
	uint8_t cap[20] = {1, 0, 0, 2, 0x20, 0, 0, 0};
	struct cvm_fs_xattr xa[] = {{"security.capability", cap, sizeof(cap)},
				      {"user.note", "hello", 5}};
	cvm_err err = {0};
	char *out;
	FILE *f;

	(void)state;
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
	f = fopen(tmp("plain.img"), "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), 64 << 20), 0);
	fclose(f);
	memset(g.uuid, 0x11, 16);
	memset(g.hash_seed, 0x22, 16);
	if (cvm_ext4_create(tmp("plain.img"), unix_io_manager, &g, &w, &err) < 0)
		fail_msg("create: %s", err.msg);
	add(w, (struct cvm_fs_entry){.path = "", .type = CVM_FS_DIR, .mode = 0755});
	add(w, (struct cvm_fs_entry){
		   .path = "etc", .type = CVM_FS_DIR, .mode = 0755, .mtime = 1600000000});
	add_file(w, "etc/hostname", "cvm\n", 4);
	add_file(w, "usr/lib/big", big, sizeof(big)); /* parents created implicitly */
	add(w, (struct cvm_fs_entry){.path = "usr/bin/ping",
				       .type = CVM_FS_REG,
				       .mode = 04755,
				       .xattrs = xa,
				       .n_xattrs = 2});
	add(w, (struct cvm_fs_entry){
		   .path = "usr/bin/ping6", .type = CVM_FS_HARDLINK, .target = "usr/bin/ping"});
	add(w, (struct cvm_fs_entry){
		   .path = "bin", .type = CVM_FS_SYMLINK, .mode = 0777, .target = "usr/bin"});
	add(w, (struct cvm_fs_entry){.path = "dev", .type = CVM_FS_DIR, .mode = 0755});
	add(w, (struct cvm_fs_entry){.path = "dev/null",
				       .type = CVM_FS_CHR,
				       .mode = 0666,
				       .rdev_major = 1,
				       .rdev_minor = 3});
	add(w, (struct cvm_fs_entry){.path = "dev/big",
				       .type = CVM_FS_BLK,
				       .mode = 0660,
				       .rdev_major = 259,
				       .rdev_minor = 70000});
	add(w, (struct cvm_fs_entry){.path = "tmp", .type = CVM_FS_DIR, .mode = 01777});
	add(w, (struct cvm_fs_entry){.path = "tmp/fifo", .type = CVM_FS_FIFO, .mode = 0600});
	/* a directory named again takes the later metadata; a file named again is refused */
	add(w,
	    (struct cvm_fs_entry){.path = "usr", .type = CVM_FS_DIR, .mode = 0700, .uid = 5});
	assert_int_equal(
	    cvm_ext4_add(w, &(struct cvm_fs_entry){.path = "etc/hostname", .type = CVM_FS_FIFO},
			 &err),
	    -EBADMSG);
	assert_non_null(strstr(err.msg, "appears twice"));
	assert_int_equal(
	    cvm_ext4_add(w, &(struct cvm_fs_entry){.path = "bin/x", .type = CVM_FS_FIFO}, &err),
	    -EBADMSG);
	assert_non_null(strstr(err.msg, "'bin' is not a directory"));
	assert_int_equal(cvm_ext4_add(w,
				      &(struct cvm_fs_entry){
					  .path = "h", .type = CVM_FS_HARDLINK, .target = "nope"},
				      &err),
			 -EBADMSG);
	for (int i = 0; i < 3000; i++) { /* a directory of many blocks */
		char name[64];

		snprintf(name, sizeof(name), "many/a-rather-long-file-name-number-%06d", i);
		add(w, (struct cvm_fs_entry){.path = name, .type = CVM_FS_REG, .mode = 0600});
	}
	if (cvm_ext4_close(w, &err) < 0)
		fail_msg("close: %s", err.msg);
	test_run(NULL, "e2fsck -fn '%s' >/dev/null 2>&1", tmp("plain.img"));
	out = test_run(NULL, "debugfs -R 'stat /usr/bin/ping' '%s' 2>/dev/null", tmp("plain.img"));
	assert_non_null(strstr(out, "Mode:  04755"));
	assert_non_null(strstr(out, "Links: 2"));
	assert_non_null(strstr(out, "security.capability"));
	out = test_run(NULL, "debugfs -R 'stat /usr/lib/big' '%s' 2>/dev/null", tmp("plain.img"));
	assert_non_null(strstr(out, "User:  1000   Group: 100000"));
	assert_non_null(strstr(out, "Size: 3145728"));
	test_run(NULL, "debugfs -R 'dump /usr/lib/big %s' '%s' 2>/dev/null", tmp("big.out"), tmp("plain.img"));
	f = fopen(tmp("big.ref"), "w");
	assert_int_equal(fwrite(big, 1, sizeof(big), f), sizeof(big));
	fclose(f);
	test_run(NULL, "cmp '%s' '%s'", tmp("big.out"), tmp("big.ref"));
	out = test_run(NULL, "debugfs -R 'stat /dev/big' '%s' 2>/dev/null", tmp("plain.img"));
	assert_non_null(strstr(out, "Device major/minor number: 259:70000"));
	out = test_run(NULL, "debugfs -R 'stat /usr' '%s' 2>/dev/null", tmp("plain.img"));
	assert_non_null(strstr(out, "Mode:  0700"));
	out = test_run(NULL, "debugfs -R 'ls -l /many' '%s' 2>/dev/null | wc -l", tmp("plain.img"));
	assert_true(atoi(out) >= 3002);
}

/* The encrypting channel: what libext2fs writes comes back, and the file holds AES-XTS. */
static void test_crypt_io(void **state)
{
	uint8_t key[64], blk[8192], back[8192], raw[4096], plain[4096];
	struct cvm_crypt_io_params p = {.offset = 8192, .size = 1 << 20, .key = key};
	io_channel ch = NULL;
	EVP_CIPHER_CTX *c;
	uint8_t iv[16] = {0};
	int fd, outl;
	cvm_err err;

	(void)state;
	for (int i = 0; i < 64; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	fd = open(tmp("crypt.img"), O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	p.fd = fd;
	assert_int_equal(cvm_crypt_io_prepare(&p, &err), 0);
	assert_int_equal(cvm_crypt_io_manager->open("x", IO_FLAG_RW, &ch), 0);
	/* a second open has nothing prepared */
	io_channel ch2 = NULL;
	assert_int_not_equal(cvm_crypt_io_manager->open("x", IO_FLAG_RW, &ch2), 0);
	assert_int_equal(io_channel_set_blksize(ch, 4096), 0);
	memset(back, 0xaa, sizeof(back));
	assert_int_equal(io_channel_read_blk64(ch, 5, 2, back), 0);
	for (size_t i = 0; i < sizeof(back); i++)
		assert_int_equal(back[i], 0); /* never written: zeros */
	for (size_t i = 0; i < sizeof(blk); i++)
		blk[i] = (uint8_t)i;
	assert_int_equal(io_channel_write_blk64(ch, 3, 2, blk), 0);
	/* 1 KiB inside sector 4, as libext2fs writes a superblock */
	assert_int_equal(io_channel_set_blksize(ch, 1024), 0);
	memset(blk, 0x5a, 1024);
	assert_int_equal(io_channel_write_blk64(ch, 4 * 4 + 1, -1024, blk), 0);
	assert_int_equal(io_channel_read_blk64(ch, 4 * 4, 4, back), 0);
	assert_int_equal(back[0], 0);
	assert_int_equal(back[1024], 0x5a);
	assert_int_equal(back[2047], 0x5a);
	assert_int_equal(back[2048], (uint8_t)(4096 + 2048));
	assert_int_equal(io_channel_set_blksize(ch, 4096), 0);
	assert_int_equal(io_channel_zeroout(ch, 7, 1), 0);
	assert_int_equal(io_channel_write_blk64(ch, 256, 1, blk), EFBIG); /* past the end */
	assert_int_equal(io_channel_flush(ch), 0);
	assert_int_equal(cvm_crypt_io_sectors_written(ch), 3);
	assert_int_equal(io_channel_close(ch), 0);

	/* sector 3 on disk is AES-256-XTS of its plaintext with IV = le64(3 * 4096 / 512) */
	assert_int_equal(pread(fd, raw, 4096, 8192 + 3 * 4096), 4096);
	iv[0] = 3 * 8;
	c = EVP_CIPHER_CTX_new();
	assert_true(EVP_DecryptInit_ex2(c, EVP_aes_256_xts(), key, iv, NULL));
	assert_true(EVP_DecryptUpdate(c, plain, &outl, raw, 4096));
	for (int i = 0; i < 4096; i++)
		assert_int_equal(plain[i], (uint8_t)i);
	/* sector 7: encrypted zeros, not a hole */
	assert_int_equal(pread(fd, raw, 4096, 8192 + 7 * 4096), 4096);
	memset(iv, 0, 16);
	iv[0] = 7 * 8;
	assert_true(EVP_DecryptInit_ex2(c, NULL, NULL, iv, NULL));
	assert_true(EVP_DecryptUpdate(c, plain, &outl, raw, 4096));
	for (int i = 0; i < 4096; i++)
		assert_int_equal(plain[i], 0);
	EVP_CIPHER_CTX_free(c);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_plain_filesystem),
	    cmocka_unit_test(test_crypt_io),
	};

	return cmocka_run_group_tests(tests, test_tmpdir_setup, test_tmpdir_teardown);
}
