/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/attest building blocks: the built-in roots against the vendor files in
 * ../shared/vectors/attest, names, RFC 3339 times, TCB layouts, product
 * detection, the raw JSON member scanner, the certificate table of extended
 * reports and the JSON policy.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <json-c/json.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cvmimg/attest.h>
#include <cvmimg/util.h>

#include "attest/snp-roots.h"
#include "attest/tdx/tdx-collateral-parse.h"
#include "attest/tdx/tdx-roots.h"
#include "attest/snp-report.h"
#include "util/x509.h"
#include "vectors.h"

static X509 *read_pem(const char *rel)
{
	FILE *f = fopen(vec_path(rel), "r");
	X509 *x;

	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

/* The manifest's trust_anchors.<key>[.<sub>] string. */
static const char *anchor(json_object *m, const char *key, const char *sub)
{
	json_object *a, *v;

	assert_true(json_object_object_get_ex(m, "trust_anchors", &a));
	assert_true(json_object_object_get_ex(a, key, &v));
	if (sub)
		assert_true(json_object_object_get_ex(v, sub, &v));
	return json_object_get_string(v);
}

/* Each built-in certificate is byte for byte the vendor's, and its key the manifest's pin. */
static void test_builtin_roots(void **state)
{
	static const char *const prod[] = { "Milan", "Genoa", "Turin" };
	json_object *m = json_object_from_file(vec_path("attest/manifest.json"));
	const struct amd_roots *roots;
	X509 *intel;
	uint8_t spki[32];

	(void)state;
	assert_non_null(m);
	roots = cvm_amd_roots_builtin();
	for (int p = 0; p < CVM_SNP_PRODUCT__COUNT; p++) {
		const char *files[] = { anchor(m, "amd_ark", prod[p]), anchor(m, "amd_ask", prod[p]),
					anchor(m, "amd_asvk", prod[p]) };

		for (int role = 0; role < AMD_ROLE__COUNT; role++) {
			char rel[256];
			X509 *want;

			snprintf(rel, sizeof(rel), "attest/%s", files[role]);
			want = read_pem(rel);
			/* the vendor's file is the built-in one, and no other role's or product's */
			assert_true(amd_root_is(roots, p, role, want));
			assert_false(amd_root_is(roots, (p + 1) % CVM_SNP_PRODUCT__COUNT, role, want));
			assert_false(amd_root_is(roots, p, (role + 1) % AMD_ROLE__COUNT, want));
			assert_int_equal(X509_cmp(amd_root(roots, p, role), want), 0);
			X509_free(want);
		}
		assert_int_equal(cvm_x509_spki_sha256(amd_root(roots, p, AMD_ROLE_ARK), spki), 0);
		assert_string_equal(vec_hex(spki, 32), anchor(m, "amd_ark_spki_sha256", prod[p]));
	}
	assert_int_equal(cvm_intel_root(&intel, NULL), 0);
	{
		char rel[256];
		X509 *want;

		snprintf(rel, sizeof(rel), "attest/%s", anchor(m, "intel_sgx_root", NULL));
		want = read_pem(rel);
		assert_int_equal(X509_cmp(intel, want), 0);
		X509_free(want);
	}
	assert_int_equal(cvm_x509_spki_sha256(intel, spki), 0);
	assert_string_equal(vec_hex(spki, 32), anchor(m, "intel_sgx_root_spki_sha256", NULL));
	json_object_put(m);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(cvm_snp_product_to_string(CVM_SNP_TURIN), "turin");
	assert_int_equal(cvm_snp_product_from_string("Genoa"), CVM_SNP_GENOA);
	assert_int_equal(cvm_snp_product_from_string("rome"), CVM_SNP_PRODUCT_INVALID);
	assert_int_equal(cvm_snp_product_from_string(NULL), CVM_SNP_PRODUCT_INVALID);
	assert_null(cvm_snp_product_to_string(CVM_SNP_PRODUCT_AUTO));
	assert_string_equal(cvm_snp_signer_to_string(CVM_SNP_SIGNER_VLEK), "vlek");
	assert_null(cvm_snp_signer_to_string(CVM_SNP_SIGNER_INVALID));
	assert_int_equal(cvm_snp_report_format_from_string("HEX"), CVM_SNP_FORMAT_HEX);
	assert_int_equal(cvm_snp_report_format_from_string("b64"), CVM_SNP_FORMAT_INVALID);
	for (int s = 0; s < CVM_TDX_TCB__COUNT; s++)
		assert_int_equal(cvm_tdx_tcb_status_from_string(
					 cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)s)),
				 s);
	assert_string_equal(cvm_tdx_tcb_status_to_string(CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED),
			    "OutOfDateConfigurationNeeded");
	assert_int_equal(cvm_tdx_tcb_status_from_string("uptodate"), CVM_TDX_TCB_UP_TO_DATE);
	assert_int_equal(cvm_tdx_tcb_status_from_string("Fine"), CVM_TDX_TCB_INVALID);
}

/* Expected values from date(1): date -u -d <time> +%s. */
static void test_rfc3339(void **state)
{
	static const struct {
		const char *s;
		int64_t t;
	} good[] = {
		{ "2025-06-01T00:00:00Z", 1748736000 },
		{ "2025-06-01t00:00:00z", 1748736000 },
		{ "2025-06-01T02:30:00+02:30", 1748736000 },
		{ "2025-06-01T00:00:00.123456Z", 1748736000 },
		{ "2024-02-29T23:59:59Z", 1709251199 },
		{ "1970-01-01T00:00:00Z", 0 },
	};
	static const char *const bad[] = {
		"2025-02-30T00:00:00Z", "2025-06-01T00:00:00", "2025-06-01", "2025-13-01T00:00:00Z",
		"2025-06-01T24:00:00Z", "25-06-01T00:00:00Z",  "2025-06-01T00:00:00Zjunk",
		"2025-06-01T00:00:00+2:00", "",
	};
	int64_t t;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(cvm_parse_rfc3339(good[i].s, &t), 0);
		assert_int_equal(t, good[i].t);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cvm_parse_rfc3339(bad[i], &t), -EINVAL);
	assert_int_equal(cvm_parse_rfc3339(NULL, &t), -EINVAL);
	assert_int_equal(cvm_parse_rfc3339("2025-06-01T00:00:00Z", NULL), -EINVAL);
}

/* The layouts of reference/snp-report.md 1.3, on its two worked examples. */
static void test_tcb_layout(void **state)
{
	struct cvm_snp_tcb t;

	(void)state;
	cvm_snp_tcb_decode(0xdb18000000000004ull, CVM_SNP_MILAN, &t);
	assert_int_equal(t.microcode, 0xdb);
	assert_int_equal(t.snp, 0x18);
	assert_int_equal(t.tee, 0);
	assert_int_equal(t.bootloader, 4);
	cvm_snp_tcb_decode(0x5100000004010101ull, CVM_SNP_TURIN, &t);
	assert_int_equal(t.microcode, 0x51);
	assert_int_equal(t.snp, 4);
	assert_int_equal(t.tee, 1);
	assert_int_equal(t.bootloader, 1);
	assert_int_equal(t.fmc, 1);
	assert_int_equal(t.raw, 0x5100000004010101ull);
}

static void test_product_cpuid(void **state)
{
	(void)state;
	assert_int_equal(cvm_snp_product_from_cpuid(0x19, 0x01), CVM_SNP_MILAN);
	assert_int_equal(cvm_snp_product_from_cpuid(0x19, 0x11), CVM_SNP_GENOA);
	assert_int_equal(cvm_snp_product_from_cpuid(0x19, 0xa0), CVM_SNP_GENOA); /* Bergamo */
	assert_int_equal(cvm_snp_product_from_cpuid(0x1a, 0x02), CVM_SNP_TURIN);
	assert_int_equal(cvm_snp_product_from_cpuid(0x1a, 0x50), CVM_SNP_PRODUCT_INVALID);
	assert_int_equal(cvm_snp_product_from_cpuid(0x17, 0x31), CVM_SNP_PRODUCT_INVALID);
	assert_int_equal(cvm_snp_product_from_cpuid(0x19, 0x20), CVM_SNP_PRODUCT_INVALID);
}

/* The exact text of a member, with braces and escaped quotes inside strings. */
static void test_json_raw_member(void **state)
{
	static const char doc[] =
		" {\"a\": \"x}\\\"{\", \"n\": [1, {\"b\": 2}], \"tcbInfo\" :\t{\"k\":\"}\",\"l\":[]} ,"
		" \"signature\":\"ab\"}";
	size_t off, len;

	(void)state;
	assert_int_equal(cvm_json_raw_member(doc, strlen(doc), "tcbInfo", &off, &len), 0);
	assert_int_equal(len, strlen("{\"k\":\"}\",\"l\":[]}"));
	assert_memory_equal(doc + off, "{\"k\":\"}\",\"l\":[]}", len);
	assert_int_equal(cvm_json_raw_member(doc, strlen(doc), "signature", &off, &len), 0);
	assert_memory_equal(doc + off, "\"ab\"", len);
	assert_int_equal(cvm_json_raw_member(doc, strlen(doc), "b", &off, &len), -ENOENT);
	assert_int_equal(cvm_json_raw_member("[1]", 3, "a", &off, &len), -EBADMSG);
	assert_int_equal(cvm_json_raw_member("{\"a\"", 4, "a", &off, &len), -EBADMSG);
}

static void put_entry(uint8_t *e, const uint8_t guid[16], uint32_t off, uint32_t len)
{
	memcpy(e, guid, 16);
	for (int i = 0; i < 4; i++) {
		e[16 + i] = (uint8_t)(off >> (8 * i));
		e[20 + i] = (uint8_t)(len >> (8 * i));
	}
}

/* GUIDs in the EFI byte order, written out from the GHCB specification's text form. */
static void test_cert_table(void **state)
{
	static const uint8_t vcek[16] = { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45,
					  0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd };
	static const uint8_t ark[16] = { 0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49,
					 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c, 0xd0, 0xae };
	static const uint8_t other[16] = { 1 };
	uint8_t t[4 * 24 + 10] = { 0 };
	struct snp_certs c;
	cvm_err e = { 0 };

	(void)state;
	put_entry(t, other, 96, 2);
	put_entry(t + 24, vcek, 96, 6);
	put_entry(t + 48, ark, 102, 4);
	memcpy(t + 96, "vcek..ark!", 10);
	assert_int_equal(cvm_snp_cert_table(t, sizeof(t), "x", &c, &e), 0);
	assert_ptr_equal(c.vcek, t + 96);
	assert_int_equal(c.vcek_len, 6);
	assert_ptr_equal(c.ark, t + 102);
	assert_int_equal(c.ark_len, 4);
	assert_null(c.vlek);
	assert_null(c.ask);
	put_entry(t + 48, ark, 102, 5); /* one byte past the end */
	assert_int_equal(cvm_snp_cert_table(t, sizeof(t), "x", &c, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "entry 2 in 'x' points outside the table"));
	put_entry(t, vcek, 0, 24); /* points at itself; no terminator follows */
	assert_int_equal(cvm_snp_cert_table(t, 24, "x", &c, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "no terminating entry"));
}

static int load_policy(struct cvm_attest_policy *p, const char *json, cvm_err *e)
{
	return cvm_attest_policy_load_json(p, json, strlen(json), "p.json", e);
}

static void test_policy_json(void **state)
{
	struct cvm_attest_policy def, p, before;
	char *text, path[4096];
	size_t len;
	cvm_err e = { 0 };

	(void)state;
	cvm_attest_policy_init(&def);
	/* the shipped default file says exactly what the code does */
	snprintf(path, sizeof(path), "%s/policies/verify-report-default.json",
		 getenv("CVMIMG_SOURCE_DIR") ? getenv("CVMIMG_SOURCE_DIR") : ".");
	assert_int_equal(cvm_read_file(path, 1 << 20, (uint8_t **)&text, &len, &e), 0);
	cvm_attest_policy_init(&p);
	p.snp.vmpl = 2; /* the file's null must reset it */
	assert_int_equal(cvm_attest_policy_load_json(&p, text, len, path, &e), 0);
	assert_memory_equal(&p, &def, sizeof(p));
	free(text);

	assert_int_equal(load_policy(&p,
				     "{\"snp\": {\"vmpl\": 1, \"min_tcb\": {\"bootloader\": 1, "
				     "\"tee\": 2, \"snp\": 3, \"microcode\": 4, \"fmc\": 5}, "
				     "\"measurements\": \"" /* a single string is a list of one */
				     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001\"},"
				     " \"tdx\": {\"accept_tcb_status\": [\"OutOfDate\", \"UpToDate\"],"
				     " \"rtmr2\": \"020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202020202\"}}",
				     &e),
			 0);
	assert_int_equal(p.snp.vmpl, 1);
	assert_true(p.snp.have_min_tcb && p.snp.min_tcb_has_fmc);
	assert_int_equal(p.snp.min_tcb.microcode, 4);
	assert_int_equal(p.snp.min_tcb.fmc, 5);
	assert_int_equal(p.snp.n_measurements, 1);
	assert_int_equal(p.snp.measurements[0][47], 1);
	assert_int_equal(p.tdx.accept_tcb_status,
			 (1u << CVM_TDX_TCB_OUT_OF_DATE) | (1u << CVM_TDX_TCB_UP_TO_DATE));
	assert_true(p.tdx.have_rtmr[2]);
	assert_int_equal(p.tdx.rtmr[2][0], 2);

	/* errors name the key, and leave the policy as it was */
	before = p;
	assert_int_equal(load_policy(&p, "{\"snp\": {\"vmpl\": 0, \"hostdata\": null}}", &e),
			 -EBADMSG);
	assert_string_equal(e.msg, "'p.json': snp.hostdata: unknown key");
	assert_memory_equal(&p, &before, sizeof(p));
	assert_int_equal(load_policy(&p, "{\"tdx\": {\"allow_debug\": 1}}", &e), -EBADMSG);
	assert_string_equal(e.msg, "'p.json': tdx.allow_debug: expected true or false");
	assert_int_equal(load_policy(&p, "{\"snp\": {\"id_key_digests\": [\"00\"]}}", &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "expected an array of 48-byte hex values"));
	assert_int_equal(load_policy(&p, "{\"snp\": {\"min_guest_svn\": -1}}", &e), -EBADMSG);
	assert_int_equal(load_policy(&p, "{\"snp\": 1}", &e), -EBADMSG);
	assert_string_equal(e.msg, "'p.json': snp: expected an object");
	assert_int_equal(load_policy(&p, "{\"snp\": {}} {}", &e), -EBADMSG);
	assert_int_equal(load_policy(&p, "{\"comment\": \"x\", \"snp\": {\"comment\": 1}}", &e), 0);
	assert_int_equal(cvm_attest_policy_load_json(NULL, "{}", 2, "x", &e), -EINVAL);
	assert_int_equal(cvm_attest_policy_load_json(&p, NULL, 0, "x", &e), -EINVAL);
}

/* Missing inputs and bad arguments are refused, not crashed on. */
static void test_bad_arguments(void **state)
{
	struct cvm_attest_policy p;
	struct cvm_attest_result *r = calloc(1, sizeof(*r));
	struct cvm_snp_evidence snp = { .product = CVM_SNP_PRODUCT_AUTO,
					.vek_kind = CVM_SNP_SIGNER_AUTO };
	struct cvm_tdx_evidence tdx = { 0 };
	cvm_err e = { 0 };

	(void)state;
	assert_non_null(r);
	cvm_attest_policy_init(&p);
	assert_int_equal(cvm_snp_verify(NULL, &p, r, &e), -EINVAL);
	assert_int_equal(cvm_snp_verify(&snp, NULL, r, &e), -EINVAL);
	assert_int_equal(cvm_snp_verify(&snp, &p, r, &e), -EBADMSG);
	assert_string_equal(e.msg, "'report' is empty");
	snp.product = (enum cvm_snp_product)7;
	assert_int_equal(cvm_snp_verify(&snp, &p, r, &e), -EINVAL);
	assert_int_equal(cvm_tdx_verify(&tdx, &p, NULL, &e), -EINVAL);
	assert_int_equal(cvm_tdx_verify(&tdx, &p, r, &e), -EBADMSG);
	assert_string_equal(e.msg, "'quote' is empty");
	assert_null(cvm_attest_first_failure(NULL));
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_builtin_roots), cmocka_unit_test(test_names),
		cmocka_unit_test(test_rfc3339),	      cmocka_unit_test(test_tcb_layout),
		cmocka_unit_test(test_product_cpuid), cmocka_unit_test(test_json_raw_member),
		cmocka_unit_test(test_cert_table),    cmocka_unit_test(test_policy_json),
		cmocka_unit_test(test_bad_arguments),
	};

	vec_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
