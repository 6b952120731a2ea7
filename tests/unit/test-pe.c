/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PE parsing, Authenticode digests and the PE checksum, against the shared
 * vectors (../shared/vectors/tdx/VECTORS.md, C4 and C5: cross-checked with
 * edk2's MeasureBootPeCoff.c), the CheckSum fields written by the linkers and
 * signers of Debian's binaries, and OpenSSL's own DER encoder.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/asn1.h>
#include <openssl/objects.h>

#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "boot/der.h"
#include "boot/pe.h"
#include "util/endian.h"
#include "util/hash.h"
#include "vectors.h"

#define STUB "tdx/pe/linuxx64.efi.stub.debian-252.39"
#define BOOT "tdx/pe/systemd-bootx64.efi.debian-252.39"
/* VECTORS.md C4: the Debian kernel the vectors were computed from */
#define KERNEL "/boot/vmlinuz-6.1.0-56-amd64"
#define KERNEL_SHA256 "26f2e57c99338feaf71c46fa4babdc7e1a6c115943002d109fdb746667104f5f"

static uint8_t *load(const char *path, size_t *len)
{
	uint8_t *buf = NULL;

	assert_int_equal(cvm_read_file(path, 64u << 20, &buf, len, NULL), 0);
	return buf;
}

static void test_authenticode_vectors(void **state)
{
	static const struct {
		const char *file, *sha384;
	} cases[] = {
		{ STUB, "d4abea8d6e4a0c1952aa28b3ba459492730b3de024fd45380512fdee33c56ae283b60c59"
			"02bf40634102f0d485262ce2" },
		{ BOOT, "58ed6f28e9fb7dbb77e69c8f79653f47925412e4b0cc62713d57580891eaf734bde066f8"
			"2405b23a1aeb388b4838418e" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len;
		uint8_t *buf = load(vec_path(cases[i].file), &len);
		uint8_t d384[48], d384b[48], d256[32];

		/* size % 8 is 1 and 3: no padding may be hashed */
		assert_int_not_equal(len % 8, 0);
		assert_int_equal(cvm_pe_authenticode(buf, len, NULL, NULL, d384, NULL), 0);
		assert_string_equal(vec_hex(d384, 48), cases[i].sha384);
		/* both at once give the same */
		assert_int_equal(cvm_pe_authenticode(buf, len, NULL, d256, d384b, NULL), 0);
		assert_memory_equal(d384, d384b, 48);
		free(buf);
	}
}

/* C4: a signed image; the certificate table is excluded. */
static void test_authenticode_kernel(void **state)
{
	uint8_t sha[32], d384[48], *buf;
	size_t len;

	(void)state;
	if (cvm_read_file(KERNEL, 64u << 20, &buf, &len, NULL) < 0)
		skip();
	cvm_sha256(buf, len, sha);
	if (strcmp(vec_hex(sha, 32), KERNEL_SHA256)) {
		free(buf);
		skip();
	}
	assert_int_equal(cvm_pe_authenticode(buf, len, NULL, NULL, d384, NULL), 0);
	assert_string_equal(vec_hex(d384, 48),
			    "e494e71ba795e8fc3edc1b3cab678c8c8782a6efe14d2d5a25155dc948b53f7d1dab08"
			    "8ff7005b7e6f9b0534738660e2");
	/* the checksum sbsign wrote after signing */
	struct pe_image *pe = malloc(sizeof(*pe));
	assert_int_equal(pe_parse(buf, len, "kernel", pe, NULL), 0);
	assert_int_equal(pe_compute_checksum(buf, len, pe_checksum_off(pe)),
			 cvm_le32(buf + pe_checksum_off(pe)));
	free(pe);
	free(buf);
}

/*
 * Every installed kernel, whatever its version: it parses, and the CheckSum
 * sbsign stored after signing is the one we compute; the Authenticode SHA-256
 * equals pesign's (`pesign -h`, when pesign is installed).
 */
static void test_installed_kernels(void **state)
{
	glob_t g;
	int n = 0;

	(void)state;
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0)
		skip();
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct pe_image *pe = malloc(sizeof(*pe));
		uint8_t *buf, d256[32];
		size_t len;
		char cmd[512], line[256] = "";
		FILE *p;

		if (cvm_read_file(g.gl_pathv[i], 64u << 20, &buf, &len, NULL) < 0) {
			free(pe);
			continue;
		}
		n++;
		assert_int_equal(pe_parse(buf, len, "kernel", pe, NULL), 0);
		assert_int_equal(pe_compute_checksum(buf, len, pe_checksum_off(pe)),
				 cvm_le32(buf + pe_checksum_off(pe)));
		assert_int_equal(cvm_pe_authenticode(buf, len, NULL, d256, NULL, NULL), 0);
		snprintf(cmd, sizeof(cmd), "pesign -h -i '%s' 2>/dev/null", g.gl_pathv[i]);
		if ((p = popen(cmd, "r"))) {
			if (fgets(line, sizeof(line), p) && !strncmp(line, "hash: ", 6)) {
				line[strcspn(line, "\n")] = '\0';
				assert_string_equal(line + 6, vec_hex(d256, 32));
			}
			pclose(p);
		}
		free(pe);
		free(buf);
	}
	globfree(&g);
	if (!n)
		skip();
}

/* The linker's CheckSum of the stub (0x1aa6c, see luks-uki-image.md 2.1). */
static void test_checksum(void **state)
{
	struct pe_image *pe = malloc(sizeof(*pe));
	size_t len;
	uint8_t *buf = load(vec_path(STUB), &len);

	(void)state;
	assert_int_equal(pe_parse(buf, len, "stub", pe, NULL), 0);
	assert_int_equal(cvm_le32(buf + pe_checksum_off(pe)), 0x1aa6c);
	assert_int_equal(pe_compute_checksum(buf, len, pe_checksum_off(pe)), 0x1aa6c);
	free(pe);
	free(buf);
}

/* What objdump -h reports for the stub (luks-uki-image.md 2.1). */
static void test_parse_stub(void **state)
{
	struct pe_image *pe = malloc(sizeof(*pe));
	const struct pe_section *s;
	size_t len;
	uint8_t *buf = load(vec_path(STUB), &len);

	(void)state;
	assert_int_equal(pe_parse(buf, len, "stub", pe, NULL), 0);
	assert_true(pe->pe32plus);
	assert_int_equal(pe->n_sections, 8);
	assert_int_equal(pe->section_alignment, 0x200);
	assert_int_equal(pe->file_alignment, 0x200);
	assert_int_equal(pe->size_of_headers, 0x400);
	assert_non_null(s = pe_find_section(pe, ".sbat"));
	assert_int_equal(s->va, 0x19000);
	assert_non_null(s = pe_find_section(pe, ".sdmagic"));
	assert_int_equal(s->va, 0x19100);
	assert_int_equal(s->vsize, 0x34);
	assert_null(pe_find_section(pe, ".linux"));
	free(pe);
	free(buf);
}

static void expect_parse_error(const uint8_t *buf, size_t len, const char *phrase)
{
	struct pe_image *pe = malloc(sizeof(*pe));
	cvm_err e = { 0 };

	assert_int_equal(pe_parse(buf, len, "x.efi", pe, &e), -EBADMSG);
	assert_int_equal(e.code, -EBADMSG);
	if (!strstr(e.msg, phrase))
		fail_msg("message '%s' lacks '%s'", e.msg, phrase);
	assert_non_null(strstr(e.msg, "'x.efi'"));
	free(pe);
}

static void test_parse_errors(void **state)
{
	size_t len;
	uint8_t *buf = load(vec_path(STUB), &len), *bad = malloc(len);
	uint32_t lfanew = cvm_le32(buf + 0x3c), sectab;

	(void)state;
	expect_parse_error((const uint8_t *)"hello, world", 12, "no MZ header");
	memcpy(bad, buf, len);
	cvm_put_le32(bad + 0x3c, (uint32_t)len);
	expect_parse_error(bad, len, "no PE signature");
	expect_parse_error(buf, lfanew + 40, "truncated PE headers");
	memcpy(bad, buf, len);
	cvm_put_le16(bad + lfanew + 24, 0x999);
	expect_parse_error(bad, len, "unknown optional header magic");
	memcpy(bad, buf, len);
	cvm_put_le32(bad + lfanew + 24 + 36, 3); /* FileAlignment */
	expect_parse_error(bad, len, "invalid alignments");
	memcpy(bad, buf, len);
	sectab = lfanew + 24 + cvm_le16(buf + lfanew + 20);
	cvm_put_le32(bad + sectab + 20, 0xfffff000); /* .text PointerToRawData */
	expect_parse_error(bad, len, "section '.text' of 'x.efi' lies outside the file");
	memcpy(bad, buf, len);
	cvm_put_le16(bad + lfanew + 6, 200); /* NumberOfSections */
	expect_parse_error(bad, len, "200 sections");
	free(bad);
	free(buf);
}

static void test_authenticode_args(void **state)
{
	uint8_t d[48];
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_pe_authenticode(NULL, 10, NULL, d, NULL, &e), -EINVAL);
	assert_int_equal(cvm_pe_authenticode((const uint8_t *)"MZ", 2, NULL, NULL, NULL, &e),
			 -EINVAL);
	assert_int_equal(
		cvm_pe_authenticode((const uint8_t *)"not a PE image", 14, "k.efi", d, NULL, &e),
		-EBADMSG);
	assert_non_null(strstr(e.msg, "'k.efi' is not a PE image"));
}

/* Our DER writer against OpenSSL's encoder. */
static void test_der(void **state)
{
	static const char *const oids[] = { "1.2.840.113549.1.7.2", "1.3.6.1.4.1.311.2.1.15",
					    "2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.9.5" };
	static const size_t lens[] = { 0, 1, 127, 128, 255, 256, 70000 };
	uint8_t *buf = calloc(1, 70000);

	(void)state;
	for (size_t i = 0; i < sizeof(oids) / sizeof(oids[0]); i++) {
		struct der d = { 0 };
		ASN1_OBJECT *o = OBJ_txt2obj(oids[i], 1);
		unsigned char *p = NULL;
		int n = i2d_ASN1_OBJECT(o, &p);

		der_oid(&d, oids[i]);
		assert_false(d.failed);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.buf, p, n);
		OPENSSL_free(p);
		ASN1_OBJECT_free(o);
		der_free(&d);
	}
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct der d = { 0 };
		ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
		unsigned char *p = NULL;
		const uint8_t *r = NULL, *q;
		size_t rlen, left;
		int n;

		ASN1_OCTET_STRING_set(os, buf, (int)lens[i]);
		n = i2d_ASN1_OCTET_STRING(os, &p);
		der_prim(&d, DER_OCTET_STRING, buf, lens[i]);
		assert_int_equal(d.len, n);
		assert_memory_equal(d.buf, p, n);
		q = d.buf;
		left = d.len;
		assert_true(der_read(&q, &left, DER_OCTET_STRING, &r, &rlen));
		assert_int_equal(rlen, lens[i]);
		assert_int_equal(left, 0);
		OPENSSL_free(p);
		ASN1_OCTET_STRING_free(os);
		der_free(&d);
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_authenticode_vectors),
		cmocka_unit_test(test_authenticode_kernel),
		cmocka_unit_test(test_installed_kernels),
		cmocka_unit_test(test_checksum),
		cmocka_unit_test(test_parse_stub),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_authenticode_args),
		cmocka_unit_test(test_der),
	};

	vec_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
