/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/util: errors, hex and base64 (RFC 4648 vectors), numbers, files, secrets. */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <cvmimg/err.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include <openssl/evp.h>

#include "crypt/xts.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/log-internal.h"
#include "util/secret.h"
#include "util/template.h"
#include "vectors.h"

static void test_err(void **state)
{
	cvm_err e = { 0 };
	char longname[400];

	(void)state;
	assert_int_equal(cvm_err_set(&e, -EBADMSG, "bad '%s'\nsecond line", "x"), -EBADMSG);
	assert_int_equal(e.code, -EBADMSG);
	assert_string_equal(e.msg, "bad 'x' second line");
	assert_int_equal(cvm_err_set_errno(&e, -ENOENT, "cannot open '%s'", "f"), -ENOENT);
	assert_string_equal(e.msg, "cannot open 'f': No such file or directory");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	cvm_err_set(&e, -EINVAL, "%s", longname);
	assert_int_equal(strlen(e.msg), CVM_ERR_MSG_MAX - 1);
	assert_int_equal(cvm_err_set(NULL, -EIO, "ignored"), -EIO);
	cvm_err_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	cvm_err_clear(NULL);
}

static void test_hex(void **state)
{
	uint8_t buf[4];
	uint8_t *dyn = NULL;
	size_t len = 0;
	char out[9];
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_hex_decode("0xDEADbeef", buf, 4, &e), 0);
	cvm_hex_encode(buf, 4, out);
	assert_string_equal(out, "deadbeef");
	assert_int_equal(cvm_hex_decode("deadbe", buf, 4, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "expected 8 hex digits, got 6"));
	assert_int_equal(cvm_hex_decode("deadbeeg", buf, 4, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "invalid hex digit"));
	assert_int_equal(cvm_hex_decode(NULL, buf, 4, &e), -EINVAL);
	assert_int_equal(cvm_hex_decode_alloc("00ff10", 16, &dyn, &len, &e), 0);
	assert_int_equal(len, 3);
	assert_int_equal(dyn[1], 0xff);
	free(dyn);
	assert_int_equal(cvm_hex_decode_alloc("0", 16, &dyn, &len, &e), -EINVAL);
	assert_int_equal(cvm_hex_decode_alloc("0011", 1, &dyn, &len, &e), -ERANGE);
	assert_int_equal(cvm_hex_decode_alloc("zz", 1, &dyn, &len, &e), -EINVAL);
}

/* RFC 4648 section 10 */
static void test_base64(void **state)
{
	static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	static const char *const want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
					    "Zm9vYmFy" };

	(void)state;
	for (size_t i = 0; i < 7; i++) {
		char *b = cvm_base64_encode((const uint8_t *)in[i], strlen(in[i]));

		assert_string_equal(b, want[i]);
		free(b);
	}
}

static void test_parse_u64(void **state)
{
	uint64_t v = 7;

	(void)state;
	assert_int_equal(cvm_parse_u64("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(cvm_parse_u64("0x1F", 0, 100, &v), 0);
	assert_int_equal(v, 31);
	assert_int_equal(cvm_parse_u64("101", 0, 100, &v), -ERANGE);
	assert_int_equal(cvm_parse_u64("18446744073709551616", 0, UINT64_MAX, &v), -ERANGE);
	assert_int_equal(cvm_parse_u64("-1", 0, 100, &v), -EINVAL);
	assert_int_equal(cvm_parse_u64("", 0, 100, &v), -EINVAL);
	assert_int_equal(cvm_parse_u64("12x", 0, 100, &v), -EINVAL);
	assert_int_equal(cvm_parse_u64(" 1", 0, 100, &v), -EINVAL);
	assert_int_equal(cvm_parse_u64(NULL, 0, 100, &v), -EINVAL);
	assert_int_equal(v, 31); /* untouched on failure */
}

static int entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	closedir(d);
	return n;
}

static const char *tmp_path(const char *name)
{
	static char buf[256];

	snprintf(buf, sizeof(buf), "%s/%s", test_tmpdir, name);
	return buf;
}

static void test_files(void **state)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	cvm_err e = { 0 };
	struct stat st;
	char path[256];

	(void)state;
	snprintf(path, sizeof(path), "%s", tmp_path("out.bin"));
	assert_int_equal(cvm_write_file_atomic(path, "hello", 5, 0600, &e), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cvm_read_file(path, 5, &buf, &len, &e), 0);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(buf[5], 0); /* NUL-terminated for text callers */
	free(buf);
	assert_int_equal(cvm_read_file(path, 4, &buf, &len, &e), -EFBIG);
	assert_non_null(strstr(e.msg, "is too large"));
	assert_int_equal(cvm_read_file(tmp_path("missing"), 4, &buf, &len, &e), -ENOENT);
	assert_int_equal(cvm_read_file(test_tmpdir, 4, &buf, &len, &e), -EISDIR);
	assert_int_equal(cvm_read_file("/dev/null", 4, &buf, &len, &e), 0);
	assert_int_equal(len, 0);
	free(buf);
	/* a device without a size still respects the limit */
	assert_int_equal(cvm_read_file("/dev/zero", 100000, &buf, &len, &e), -EFBIG);
	/* a failed atomic write leaves nothing behind: the rename onto a directory
	 * fails after the temporary file was written; the folder holds only that
	 * directory afterwards */
	assert_int_equal(cvm_write_file_atomic(tmp_path("nodir/x"), "a", 1, 0644, &e), -ENOENT);
	assert_int_equal(cvm_write_file_atomic(NULL, "a", 1, 0644, &e), -EINVAL);
	assert_int_equal(mkdir(tmp_path("atomic"), 0755), 0);
	assert_int_equal(mkdir(tmp_path("atomic/target"), 0755), 0);
	assert_true(cvm_write_file_atomic(tmp_path("atomic/target"), "a", 1, 0644, &e) < 0);
	assert_int_equal(entries_in(tmp_path("atomic")), 1);
}

static void write_text(const char *name, const char *text)
{
	cvm_err e = { 0 };

	assert_int_equal(cvm_write_file_atomic(tmp_path(name), text, strlen(text), 0644, &e), 0);
}

static void test_template(void **state)
{
	const struct cvm_template_var vars[] = { { "A", "alpha" }, { "B_C", "" } };
	char *out = NULL;
	cvm_err e = { 0 };

	(void)state;
	write_text("t1", "x@A@y@B_C@z @A@\n");
	assert_int_equal(cvm_template_read(test_tmpdir, "t1", vars, 2, &out, &e), 0);
	assert_string_equal(out, "xalphayz alpha\n");
	free(out);
	/* comment lines dropped, lines trimmed and joined by one space */
	write_text("t2", "# a comment\n  root=@A@  \n\n\tro\n# end\n");
	assert_int_equal(cvm_template_read_line(test_tmpdir, "t2", vars, 2, &out, &e), 0);
	assert_string_equal(out, "root=alpha ro");
	free(out);
	/* a typo fails instead of reaching an image */
	write_text("t3", "UUID=@LUKS_UID@\n");
	assert_int_equal(cvm_template_read(test_tmpdir, "t3", vars, 2, &out, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "unknown variable '@LUKS_UID@'"));
	write_text("t4", "mail me@example.org\n");
	assert_int_equal(cvm_template_read(test_tmpdir, "t4", vars, 2, &out, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "starts no @NAME@"));
	assert_int_equal(cvm_template_read(test_tmpdir, "missing", vars, 2, &out, &e), -ENOENT);
}

static void test_map_file(void **state)
{
	struct cvm_mapped_file m = { 0 };
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_write_file_atomic(tmp_path("map.bin"), "abcdef", 6, 0644, &e), 0);
	assert_int_equal(cvm_map_file(tmp_path("map.bin"), 6, &m, &e), 0);
	assert_true(m.mapped);
	assert_int_equal(m.len, 6);
	assert_memory_equal(m.data, "abcdef", 6);
	cvm_unmap_file(&m);
	assert_null(m.data);
	assert_int_equal(cvm_map_file(tmp_path("map.bin"), 5, &m, &e), -EFBIG);
	assert_int_equal(cvm_map_file("/dev/null", 5, &m, &e), 0);
	assert_false(m.mapped);
	cvm_unmap_file(&m);
}

static void test_hash_file(void **state)
{
	uint8_t d[32];
	cvm_err e = { 0 };

	(void)state;
	/* FIPS 180-2 "abc" */
	assert_int_equal(cvm_write_file_atomic(tmp_path("abc"), "abc", 3, 0644, &e), 0);
	assert_int_equal(cvm_hash_file(CVM_HASH_SHA256, tmp_path("abc"), d, &e), 0);
	assert_int_equal(d[0], 0xba);
	assert_int_equal(d[31], 0xad);
	assert_int_equal(cvm_hash_file(CVM_HASH_SHA256, tmp_path("none"), d, &e), -ENOENT);
	assert_int_equal(cvm_hash_len(CVM_HASH_SHA384), 48);
}

static void test_secret(void **state)
{
	uint8_t *s = cvm_secret_alloc(64);

	(void)state;
	assert_non_null(s);
	for (int i = 0; i < 64; i++)
		assert_int_equal(s[i], 0);
	memset(s, 0xaa, 64);
	cvm_secret_free(s);
	cvm_secret_free(NULL);
	s = cvm_secret_alloc(10000); /* spans pages */
	assert_non_null(s);
	s[9999] = 1;
	cvm_secret_freep(&s);
}

static int logged;
static void count_log(unsigned domain, const char *msg, void *ud)
{
	(void)domain;
	(void)msg;
	(void)ud;
	logged++;
}

static void test_log(void **state)
{
	(void)state;
	assert_int_equal(cvm_log_mask_from_string("measure,boot"), CVM_LOG_MEASURE | CVM_LOG_BOOT);
	assert_int_equal(cvm_log_mask_from_string("all"), CVM_LOG_ALL);
	assert_int_equal(cvm_log_mask_from_string("nonsense,"), 0);
	assert_int_equal(cvm_log_mask_from_string(NULL), 0);
	logged = 0;
	cvm_set_log_func(count_log, CVM_LOG_MEASURE, NULL);
	cvm_log_debug(CVM_LOG_MEASURE, "counted %d", 1);
	cvm_log_debug(CVM_LOG_BOOT, "not counted");
	assert_int_equal(logged, 1);
	cvm_set_log_func(NULL, CVM_LOG_ALL, NULL);
	cvm_log_debug(CVM_LOG_MEASURE, "dropped");
	assert_int_equal(logged, 1);
	assert_non_null(cvm_version());
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* kB of locked memory, from /proc/self/status */
static long locked_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmLck: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

/*
 * The AES-XTS key schedule OpenSSL expands lives in secure memory (main()
 * called cvm_secret_openssl_init() first), and is gone when the context is;
 * the cipher still gives what OpenSSL's own AES-256-XTS gives.
 */
static void test_xts_key_schedule(void **state)
{
	uint8_t key[CVM_XTS_KEY_SIZE], in[2 * CVM_XTS_SECTOR], out[sizeof(in)], ref[sizeof(in)];
	uint8_t iv[16] = {0};
	struct cvm_xts *x = NULL;
	EVP_CIPHER_CTX *c;
	long before = locked_kb();
	int n;

	(void)state;
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7 + 1);
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)i;
	assert_int_equal(cvm_secret_openssl_held(), 0);
	assert_int_equal(cvm_xts_new(key, &x, NULL), 0);
	assert_true(cvm_secret_openssl_held() >= 2); /* one expanded key per direction */
	/* a user's RLIMIT_MEMLOCK may refuse (then unlocked, still undumped); ASan ignores mlock */
	if (geteuid() == 0 && !SANITIZED)
		assert_true(locked_kb() > before);
	assert_int_equal(cvm_xts_crypt(x, true, 5 * CVM_XTS_SECTOR, in, out, sizeof(in)), 0);
	/* OpenSSL's AES-256-XTS, a 4096-byte sector at a time, tweak = plain64 (512-byte units) */
	for (int s = 0; s < 2; s++) {
		assert_non_null(c = EVP_CIPHER_CTX_new());
		cvm_put_le64(iv, (5 + (uint64_t)s) * CVM_XTS_SECTOR / 512);
		assert_true(EVP_EncryptInit_ex2(c, EVP_aes_256_xts(), key, iv, NULL));
		assert_true(EVP_EncryptUpdate(c, ref + s * CVM_XTS_SECTOR, &n,
					      in + s * CVM_XTS_SECTOR, CVM_XTS_SECTOR));
		EVP_CIPHER_CTX_free(c);
	}
	assert_memory_equal(out, ref, sizeof(out));
	assert_int_equal(cvm_xts_crypt(x, false, 5 * CVM_XTS_SECTOR, out, out, sizeof(out)), 0);
	assert_memory_equal(out, in, sizeof(in));
	cvm_xts_free(x);
	assert_int_equal(cvm_secret_openssl_held(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_err),       cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64),    cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_files),     cmocka_unit_test(test_map_file),
		cmocka_unit_test(test_hash_file), cmocka_unit_test(test_secret),
		cmocka_unit_test(test_log),       cmocka_unit_test(test_template),
		cmocka_unit_test(test_xts_key_schedule),
	};

	/* first, before OpenSSL allocates: test_xts_key_schedule relies on it */
	if (cvm_secret_openssl_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, test_tmpdir_setup, test_tmpdir_teardown);
}
