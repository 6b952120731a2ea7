/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dm-verity tree and superblock against veritysetup (the independent
 * reference; `veritysetup format/verify/dump` work on plain files in user
 * space): the same data, salt and UUID must give veritysetup's root hash and
 * its hash area byte for byte, and our check must agree with `veritysetup
 * verify` on intact and changed devices. Also the command line words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include <cvmimg/util.h>
#include <cvmimg/verity.h>

#include "util/file.h"
#include "util/pio.h"
#include "verity/tree.h"
#include "vectors.h"

#define VSETUP "PATH=$PATH:/usr/sbin:/sbin veritysetup"

static const char *const uuid_text = "5a7c1b3e-9f2d-4e6a-8b1c-0d2e3f405162";
static const uint8_t uuid_raw[16] = {0x5a, 0x7c, 0x1b, 0x3e, 0x9f, 0x2d, 0x4e, 0x6a,
				     0x8b, 0x1c, 0x0d, 0x2e, 0x3f, 0x40, 0x51, 0x62};
static const uint8_t salt[] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
			       0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67,
			       0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54,
			       0x32, 0x10};

static int setup(void **state)
{
	(void)state;
	if (system(VSETUP " --version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "SKIP: veritysetup missing\n");
		exit(77);
	}
	return test_tmpdir_setup(state);
}

/* Deterministic data: block b filled from a small generator, every 5th block zeros. */
static void make_data(const char *path, uint64_t blocks, uint64_t file_size)
{
	uint8_t *buf = malloc(CVM_VERITY_BLOCK);
	uint32_t x = 2463534242u;
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)file_size), 0);
	for (uint64_t b = 0; b < blocks; b++) {
		for (size_t i = 0; i < CVM_VERITY_BLOCK; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			buf[i] = b % 5 == 4 ? 0 : (uint8_t)x;
		}
		assert_int_equal(cvm_pwrite_full(fd, buf, CVM_VERITY_BLOCK, b * CVM_VERITY_BLOCK), 0);
	}
	close(fd);
	free(buf);
}

static void build_tree(const char *path, uint64_t blocks, struct cvm_verity_tree **ret,
		       uint8_t root[32])
{
	uint8_t *buf = malloc(CVM_VERITY_BLOCK);
	int fd = open(path, O_RDONLY);
	cvm_err e = {0};

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_int_equal(cvm_verity_tree_new(blocks, salt, sizeof(salt), ret, &e), 0);
	/* in reverse order, and block 0 twice: the last content counts */
	assert_int_equal(cvm_verity_tree_add(*ret, 0, buf, 1), 0);
	for (uint64_t b = blocks; b-- > 0;) {
		assert_int_equal(cvm_pread_full(fd, buf, CVM_VERITY_BLOCK, b * CVM_VERITY_BLOCK), 0);
		assert_int_equal(cvm_verity_tree_add(*ret, b, buf, 1), 0);
	}
	assert_int_equal(cvm_verity_tree_finish(*ret, uuid_raw, root, &e), 0);
	close(fd);
	free(buf);
}

static char *file_path(const char *name)
{
	static char p[256];

	snprintf(p, sizeof(p), "%s/%s", test_tmpdir, name);
	return p;
}

/* The value after "@name" and blanks in veritysetup's output, up to the line's end. */
static const char *field(const char *out, const char *name, char *buf, size_t size)
{
	const char *p = strstr(out, name);

	assert_non_null(p);
	p += strlen(name);
	p += strspn(p, " \t");
	snprintf(buf, size, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

/* Root hash and hash area equal veritysetup's, for sizes around each level boundary. */
static void test_format_matches_veritysetup(void **state)
{
	static const uint64_t sizes[] = {2, 127, 128, 129, 300, 16384, 16385};
	char salt_hex[2 * sizeof(salt) + 1], root_hex[65], want[128];

	(void)state;
	cvm_hex_encode(salt, sizeof(salt), salt_hex);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i], off = (n + 3) * CVM_VERITY_BLOCK;
		struct cvm_verity_tree *t = NULL;
		const struct cvm_verity_geometry *g;
		uint8_t root[32], *disk;
		const uint8_t *area;
		size_t len;
		char *path = strdup(file_path("data.img")), *out;

		make_data(path, n, off);
		out = test_run(NULL,
			  VSETUP " format %s %s --data-blocks=%llu --hash-offset=%llu "
				 "--salt=%s --uuid=%s 2>&1",
			  path, path, (unsigned long long)n, (unsigned long long)off, salt_hex,
			  uuid_text);
		build_tree(path, n, &t, root);
		cvm_hex_encode(root, 32, root_hex);
		if (strcmp(field(out, "Root hash:", want, sizeof(want)), root_hex))
			fail_msg("%llu blocks: our root %s, veritysetup says:\n%s",
				 (unsigned long long)n, root_hex, out);
		g = cvm_verity_tree_geometry(t);
		assert_int_equal(strtoull(field(out, "Hash blocks:", want, sizeof(want)), NULL, 10),
				 g->tree_blocks);
		area = cvm_verity_tree_area(t, &len);
		assert_int_equal(len, (1 + g->tree_blocks) * CVM_VERITY_BLOCK);
		disk = malloc(len);
		assert_non_null(disk);
		{
			int fd = open(path, O_RDONLY);

			assert_int_equal(cvm_pread_full(fd, disk, len, off), 0);
			close(fd);
		}
		/* the superblock's 512 bytes, its padding and the tree, byte for byte */
		assert_memory_equal(area, disk, len);
		free(disk);
		cvm_verity_tree_free(t);
		free(path);
	}
}

/*
 * The same tree through the hashing thread (feed.c): blocks given in runs of
 * 1 to 700 blocks (more than a slot), every block first with wrong content
 * and later with its own, blocks past the end mixed in; the root must still
 * be veritysetup's, and the hash area the direct tree's.
 */
static void test_feed_matches_veritysetup(void **state)
{
	const uint64_t n = 16385, off = (n + 3) * CVM_VERITY_BLOCK;
	struct cvm_verity_tree *t = NULL, *direct = NULL;
	struct cvm_verity_feed *f = NULL;
	char salt_hex[2 * sizeof(salt) + 1], root_hex[65], want[128], *path, *out;
	uint8_t root[32], direct_root[32], *data, junk[CVM_VERITY_BLOCK];
	const uint8_t *area, *direct_area;
	size_t len, direct_len;
	cvm_err e = {0};
	int fd;

	(void)state;
	path = strdup(file_path("feed.img"));
	cvm_hex_encode(salt, sizeof(salt), salt_hex);
	make_data(path, n, off);
	out = test_run(NULL,
		  VSETUP " format %s %s --data-blocks=%llu --hash-offset=%llu --salt=%s "
			 "--uuid=%s 2>&1",
		  path, path, (unsigned long long)n, (unsigned long long)off, salt_hex, uuid_text);
	field(out, "Root hash:", want, sizeof(want));
	data = malloc(n * CVM_VERITY_BLOCK);
	assert_non_null(data);
	fd = open(path, O_RDONLY);
	assert_int_equal(cvm_pread_full(fd, data, n * CVM_VERITY_BLOCK, 0), 0);
	close(fd);
	memset(junk, 0xa5, sizeof(junk));

	assert_int_equal(cvm_verity_tree_new(n, salt, sizeof(salt), &t, &e), 0);
	assert_int_equal(cvm_verity_feed_new(t, &f, &e), 0);
	for (uint64_t b = 0; b < n; b++) /* wrong content first, one block at a time */
		assert_int_equal(cvm_verity_feed_add(f, b, junk, 1), 0);
	for (uint64_t b = 0, k = 1; b < n; b += k, k = k * 7 % 701 + 1) {
		if (k > n - b)
			k = n - b;
		assert_int_equal(cvm_verity_feed_add(f, b, data + b * CVM_VERITY_BLOCK, k), 0);
		assert_int_equal(cvm_verity_feed_add(f, n + b, junk, 1), 0); /* dropped */
	}
	/* a run that crosses the end: only its first block is data */
	assert_int_equal(cvm_verity_feed_add(f, n - 1, data + (n - 1) * CVM_VERITY_BLOCK, 1), 0);
	assert_int_equal(cvm_verity_feed_finish(f, &e), 0);
	assert_int_equal(cvm_verity_feed_add(f, 0, junk, 1), -EINVAL);
	f = cvm_verity_feed_free(f);
	assert_int_equal(cvm_verity_tree_finish(t, uuid_raw, root, &e), 0);
	cvm_hex_encode(root, 32, root_hex);
	if (strcmp(want, root_hex))
		fail_msg("through the feed: root %s, veritysetup %s", root_hex, want);

	build_tree(path, n, &direct, direct_root);
	area = cvm_verity_tree_area(t, &len);
	direct_area = cvm_verity_tree_area(direct, &direct_len);
	assert_int_equal(len, direct_len);
	assert_memory_equal(area, direct_area, len);
	/* freed while blocks are queued: the thread stops, nothing leaks (ASan) */
	assert_int_equal(cvm_verity_feed_new(direct, &f, &e), 0);
	for (uint64_t b = 0; b < 2000; b++)
		assert_int_equal(cvm_verity_feed_add(f, b % n, data, 1), 0);
	cvm_verity_feed_free(f);
	cvm_verity_tree_free(direct);
	cvm_verity_tree_free(t);
	free(data);
	free(path);
}

static void test_geometry(void **state)
{
	static const struct {
		uint64_t blocks;
		unsigned levels;
		uint64_t tree;
	} cases[] = {{2, 1, 1},	      {128, 1, 1},	 {129, 2, 3},	    {16384, 2, 129},
		     {16385, 3, 132}, {4096, 2, 33},	 {2097152, 3, 16384 + 128 + 1}};
	struct cvm_verity_geometry g;
	cvm_err e = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cvm_verity_geometry(cases[i].blocks, &g, &e), 0);
		assert_int_equal(g.levels, cases[i].levels);
		assert_int_equal(g.tree_blocks, cases[i].tree);
		assert_int_equal(g.area_bytes, (cases[i].tree + 1) * 4096);
	}
	assert_int_equal(cvm_verity_geometry(1, &g, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "covers 2 to"));
	assert_int_equal(cvm_verity_geometry(CVM_VERITY_MAX_DATA_BLOCKS + 1, &g, &e), -EINVAL);
}

static int read_file(void *userdata, uint64_t offset, void *buf, size_t len, cvm_err *reterr)
{
	int fd = *(int *)userdata;
	int r = cvm_pread_full(fd, buf, len, offset);

	return r < 0 ? cvm_err_set(reterr, r, "read failed") : 0;
}

static void flip(const char *path, uint64_t offset)
{
	int fd = open(path, O_RDWR);
	uint8_t c;

	assert_true(fd >= 0);
	assert_int_equal(cvm_pread_full(fd, &c, 1, offset), 0);
	c ^= 0x40;
	assert_int_equal(cvm_pwrite_full(fd, &c, 1, offset), 0);
	close(fd);
}

static struct cvm_verity_report check(const char *path, const struct cvm_verity_params *p)
{
	struct cvm_verity_report rep;
	cvm_err e = {0};
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(cvm_verity_verify(read_file, &fd, p, &rep, &e), 0);
	close(fd);
	return rep;
}

/* Our check and veritysetup verify agree: intact, a data byte changed, a hash byte changed. */
static void test_verify(void **state)
{
	uint64_t n = 1000, off = n * CVM_VERITY_BLOCK;
	struct cvm_verity_params p = {
	    .data_blocks = n,
	    .hash_offset = off,
	    .data_block_size = 4096,
	    .hash_block_size = 4096,
	    .hash_algorithm = "sha256",
	    .salt_len = sizeof(salt),
	};
	struct cvm_verity_tree *t = NULL;
	struct cvm_verity_report rep;
	char *path = strdup(file_path("v.img")), root_hex[65], salt_hex[65];
	const uint8_t *area;
	size_t len;
	int st, fd;

	(void)state;
	memcpy(p.salt, salt, sizeof(salt));
	make_data(path, n, off);
	build_tree(path, n, &t, p.root_hash);
	area = cvm_verity_tree_area(t, &len);
	fd = open(path, O_RDWR);
	assert_int_equal(cvm_pwrite_full(fd, area, len, off), 0);
	close(fd);
	cvm_verity_tree_free(t);
	cvm_hex_encode(p.root_hash, 32, root_hex);
	cvm_hex_encode(salt, sizeof(salt), salt_hex);

	/* ours, written by us, accepted by veritysetup; dump reads our superblock */
	test_run(NULL, VSETUP " verify %s %s %s --hash-offset=%llu 2>&1", path, path, root_hex,
	    (unsigned long long)off);
	assert_non_null(strstr(test_run(NULL, VSETUP " dump %s --hash-offset=%llu", path,
				   (unsigned long long)off),
			       salt_hex));
	rep = check(path, &p);
	assert_true(rep.ok);
	assert_int_equal(rep.found.data_blocks, n);
	assert_memory_equal(rep.found.uuid, uuid_raw, 16);

	flip(path, 777 * CVM_VERITY_BLOCK + 5);
	test_run(&st, VSETUP " verify %s %s %s --hash-offset=%llu 2>&1", path, path, root_hex,
	    (unsigned long long)off);
	assert_int_not_equal(st, 0);
	rep = check(path, &p);
	assert_false(rep.ok);
	assert_true(rep.data_bad);
	assert_int_equal(rep.data_block, 777);
	flip(path, 777 * CVM_VERITY_BLOCK + 5); /* back */
	assert_true(check(path, &p).ok);

	flip(path, off + CVM_VERITY_BLOCK + 3); /* the top level's first byte area */
	rep = check(path, &p);
	assert_false(rep.ok);
	assert_true(rep.hash_bad);
	assert_int_equal(rep.hash_block, 0);
	flip(path, off + CVM_VERITY_BLOCK + 3);

	p.root_hash[0] ^= 1;
	rep = check(path, &p);
	assert_true(rep.root_bad && !rep.data_bad && !rep.hash_bad && !rep.ok);
	p.root_hash[0] ^= 1;

	p.salt[0] ^= 1; /* the superblock disagrees, and so does every digest */
	rep = check(path, &p);
	assert_true(rep.superblock_bad && rep.data_bad && !rep.ok);
	free(path);
}

static void test_missing_block(void **state)
{
	struct cvm_verity_tree *t = NULL;
	uint8_t block[4096] = {0}, root[32];
	cvm_err e = {0};

	(void)state;
	assert_int_equal(cvm_verity_tree_new(200, salt, sizeof(salt), &t, &e), 0);
	for (uint64_t b = 0; b < 200; b++)
		if (b != 130)
			assert_int_equal(cvm_verity_tree_add(t, b, block, 1), 0);
	assert_int_equal(cvm_verity_tree_finish(t, uuid_raw, root, &e), -ENODATA);
	assert_non_null(strstr(e.msg, "data block 130 was never written"));
	cvm_verity_tree_free(t);
	assert_int_equal(cvm_verity_tree_new(200, salt, 257, &t, &e), -EINVAL);
	assert_int_equal(cvm_verity_tree_new(200, NULL, 4, &t, &e), -EINVAL);
	assert_int_equal(cvm_verity_tree_new(200, salt, 4, NULL, &e), -EINVAL);
}

static void test_superblock(void **state)
{
	uint8_t sb[CVM_VERITY_SB_SIZE];
	struct cvm_verity_params p = {.data_blocks = 5,
				      .data_block_size = 4096,
				      .hash_block_size = 4096,
				      .hash_algorithm = "sha256",
				      .salt_len = 3,
				      .salt = {1, 2, 3}},
				 q;
	cvm_err e = {0};

	(void)state;
	cvm_verity_sb_encode(&p, sb);
	if (cvm_verity_sb_decode(sb, &q, &e) < 0)
		fail_msg("%s", e.msg);
	assert_int_equal(q.data_blocks, 5);
	assert_int_equal(q.salt_len, 3);
	sb[0] = 'V';
	assert_int_equal(cvm_verity_sb_decode(sb, &q, &e), -EBADMSG);
	sb[0] = 'v';
	sb[0x41] = 0; /* data block size 0 */
	assert_int_equal(cvm_verity_sb_decode(sb, &q, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "4096/4096 expected"));
	sb[0x41] = 0x10;
	sb[0x50] = 0x01;
	sb[0x51] = 0x01; /* salt of 257 bytes */
	assert_int_equal(cvm_verity_sb_decode(sb, &q, &e), -EBADMSG);
}

static void test_cmdline(void **state)
{
	struct cvm_verity_params p;
	cvm_err e = {0};
	const char *good =
	    "root=/dev/mapper/root roothash=00 "
	    "roothash=" /* the last one counts */
	    "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 ro "
	    "systemd.verity_root_options=superblock=true,hash-offset=8192,salt=a1b2,data-blocks=2 "
	    "quiet";

	(void)state;
	assert_int_equal(cvm_verity_params_from_cmdline(good, &p, &e), 0);
	assert_int_equal(p.root_hash[0], 1);
	assert_int_equal(p.root_hash[31], 0x20);
	assert_int_equal(p.hash_offset, 8192);
	assert_int_equal(p.data_blocks, 2);
	assert_int_equal(p.salt_len, 2);
	assert_int_equal(p.salt[1], 0xb2);
	assert_string_equal(p.hash_algorithm, "sha256");
	assert_int_equal(cvm_verity_params_from_cmdline("root=/dev/sda1 ro", &p, &e), -ENOENT);
	assert_int_equal(cvm_verity_params_from_cmdline("roothash=00", &p, &e), -EBADMSG);
	assert_int_equal(
	    cvm_verity_params_from_cmdline(
		"roothash=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20 "
		"systemd.verity_root_options=salt=00,data-blocks=2",
		&p, &e),
	    -EBADMSG);
	assert_non_null(strstr(e.msg, "lacks hash-offset"));
	assert_int_equal(
	    cvm_verity_params_from_cmdline(
		"roothash=0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f2 "
		"systemd.verity_root_options=hash-offset=1,salt=00,data-blocks=2",
		&p, &e),
	    -EBADMSG);
	assert_int_equal(cvm_verity_params_from_cmdline(NULL, &p, &e), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_geometry),
	    cmocka_unit_test(test_format_matches_veritysetup),
	    cmocka_unit_test(test_feed_matches_veritysetup),
	    cmocka_unit_test(test_verify),
	    cmocka_unit_test(test_missing_block),
	    cmocka_unit_test(test_superblock),
	    cmocka_unit_test(test_cmdline),
	};

	return cmocka_run_group_tests(tests, setup, test_tmpdir_teardown);
}
