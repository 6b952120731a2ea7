/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/bundle: the DSSE PAE (the spec's example), every byte of a real bundle's
 * payload and signature tampered, the VM shape checks, Trustee's reference
 * value names against key-broker.md 1.6, the resource-policy rule and merge,
 * and shape matching.
 */
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

#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/bundle.h"
#include "bundle/dsse.h"
#include "bundle/keys.h"
#include "bundle/shapes.h"
#include "bundle/trustee.h"
#include "vectors.h"

static char tmpdir[] = "/tmp/cvmimg-test-bundle-XXXXXX";
static char path_buf[4][512];

static const char *tmp(int slot, const char *name)
{
	snprintf(path_buf[slot], sizeof(path_buf[slot]), "%s/%s", tmpdir, name);
	return path_buf[slot];
}

#define SNP_A "7a1e5c266c0108dbc9bb94fa926951320940915d0aafb42464bd88b579ea158d3e1a0dc39b2c60bd95b9c480cd81841f"
#define SNP_B "5feee30d6d7e1a29f403d70a4198237ddfb13051a2d6976439487c609388ed7f98189887920ab2fa0096903a0c23fca1"
#define H48(c) c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c

static const char shapes_doc[] =
	"{\"measurements\": ["
	"{\"shape\": \"snp/4\", \"launch\": {\"vcpu_type\": \"EPYC-v4\"},"
	" \"measurement\": {\"tee\": \"snp\", \"measurement\": \"" SNP_A "\","
	" \"inputs\": {\"vcpus\": 4}}},"
	"{\"shape\": \"snp/2\", \"measurement\": {\"tee\": \"snp:svsm\","
	" \"measurement\": \"" SNP_B "\"}},"
	"{\"shape\": \"tdx/2\", \"measurement\": {\"tee\": \"tdx\","
	" \"mrtd\": \"" H48("aa") "\", \"rtmr0\": null, \"rtmr1\": \"" H48("bb")
	"\", \"rtmr2\": \"" H48("cc") "\", \"rtmr3\": null,"
	" \"unknown\": {\"rtmr0\": \"ACPI tables\", \"rtmr3\": \"run time\"}}}]}";

static void test_pae(void **state)
{
	uint8_t *out = NULL;
	size_t len = 0;
	static const char want[] = "DSSEv1 28 application/vnd.in-toto+json 7 {\"a\":1}";

	(void)state;
	assert_int_equal(cvm_dsse_pae(CVM_DSSE_PAYLOAD_TYPE, (const uint8_t *)"{\"a\":1}", 7, &out,
				      &len, NULL),
			 0);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(out, want, len);
	free(out);
	assert_int_equal(cvm_dsse_pae("t", NULL, 0, &out, &len, NULL), 0);
	assert_int_equal(len, strlen("DSSEv1 1 t 0 "));
	assert_memory_equal(out, "DSSEv1 1 t 0 ", len);
	free(out);
	assert_int_equal(cvm_dsse_pae(NULL, NULL, 0, &out, &len, NULL), -EINVAL);
}

/* A signed bundle with keys in tmpdir: sign.pem/.pub (P-256), op.pem/.pub. */
static char *make_bundle(const char *sign_name)
{
	char priv[64], pub[64];
	json_object *doc = NULL;
	static const uint8_t key[32] = { 1, 2, 3 };
	const char *signing[1];
	cvm_err e = { 0 };
	char *text = NULL;

	snprintf(priv, sizeof(priv), "%s.pem", sign_name);
	snprintf(pub, sizeof(pub), "%s.pub", sign_name);
	signing[0] = tmp(2, priv);
	assert_int_equal(cvm_bundle_measurements_load(shapes_doc, strlen(shapes_doc), "doc", &doc,
						      &e),
			 0);
	struct cvm_bundle_subject subj = { .name = "disk.raw", .have_sha256 = true };
	struct cvm_bundle_input in = {
		.image_name = "demo",
		.subjects = &subj,
		.n_subjects = 1,
		.shapes = json_object_object_get(doc, "measurements"),
		.broker_key = key,
		.broker_key_len = sizeof(key),
		.operator_key_path = tmp(3, "op.pub"),
		.created = 1700000000,
		.not_after = 1800000000,
		.signing_keys = signing,
		.n_signing_keys = 1,
	};
	if (cvm_bundle_create(&in, &text, &e) < 0)
		fail_msg("cvm_bundle_create: %s", e.msg);
	json_object_put(doc);
	return text;
}

static void tamper(const char *sign_name)
{
	CVM_CLEANUP_FREE char *text = make_bundle(sign_name);
	struct dsse_env env = { 0 };
	EVP_PKEY *k = NULL;
	uint8_t *sig = NULL;
	size_t slen = 0;
	const char *id;
	char pub[64];

	snprintf(pub, sizeof(pub), "%s.pub", sign_name);
	assert_int_equal(cvm_key_load_pem(tmp(2, pub), false, &k, NULL, NULL), 0);
	assert_int_equal(dsse_env_parse(text, strlen(text), "b", &env, NULL), 0);
	assert_int_equal(dsse_env_verify(&env, k, "b", NULL), 0);
	assert_true(env.payload_len > 1000);
	for (size_t i = 0; i < env.payload_len; i++) {
		cvm_err e = { 0 };

		env.payload[i] ^= 0x01;
		assert_int_equal(dsse_env_verify(&env, k, "b", &e), -EKEYREJECTED);
		env.payload[i] ^= 0x01;
	}
	/* every byte of the signature, checked over the real PAE */
	assert_int_equal(dsse_sig_at(&env, 0, "b", &id, &sig, &slen, NULL), 0);
	{
		uint8_t *pae = NULL;
		size_t pae_len = 0;

		assert_int_equal(cvm_dsse_pae(env.payload_type, env.payload, env.payload_len, &pae,
					      &pae_len, NULL),
				 0);
		assert_true(dsse_check_one(k, pae, pae_len, sig, slen));
		for (size_t i = 0; i < slen; i++) {
			sig[i] ^= 0x80;
			assert_false(dsse_check_one(k, pae, pae_len, sig, slen));
			sig[i] ^= 0x80;
		}
		free(pae);
	}
	free(sig);
	EVP_PKEY_free(k);
	dsse_env_done(&env);
}

static void test_tamper_p256(void **state)
{
	(void)state;
	tamper("sign");
}

static void test_tamper_ed25519(void **state)
{
	(void)state;
	tamper("ed");
}

static void test_load(void **state)
{
	CVM_CLEANUP_FREE char *text = make_bundle("sign");
	struct cvm_bundle *b = NULL;
	cvm_err e = { 0 };
	char keyid[CVM_KEYID_LEN + 1];

	(void)state;
	assert_int_equal(cvm_bundle_load(text, strlen(text), "b", tmp(0, "sign.pub"), &b, &e), 0);
	assert_true(cvm_bundle_verified(b, keyid));
	assert_string_equal(cvm_bundle_image_name(b), "demo");
	assert_string_equal(cvm_bundle_resource(b), "cvmimg/demo/luks-key");
	assert_int_equal(cvm_bundle_check_time(b, 1800000000, &e), 0);
	assert_int_equal(cvm_bundle_check_time(b, 1800000001, &e), -EKEYREJECTED);
	assert_non_null(strstr(e.msg, "expired at 2027-01-15T08:00:00Z"));
	cvm_bundle_free(b);
	/* the wrong key; the right key of the wrong type of file */
	assert_int_equal(cvm_bundle_load(text, strlen(text), "b", tmp(0, "ed.pub"), &b, &e),
			 -EKEYREJECTED);
	assert_non_null(strstr(e.msg, "no valid signature by key"));
	assert_int_equal(cvm_bundle_load(text, strlen(text), "b", NULL, &b, &e), 0);
	assert_false(cvm_bundle_verified(b, NULL));
	cvm_bundle_free(b);
}

static void test_match(void **state)
{
	CVM_CLEANUP_FREE char *text = make_bundle("sign");
	struct cvm_bundle *b = NULL;
	struct cvm_bundle_match m;
	uint8_t meas[48], regs[5][48];

	(void)state;
	assert_int_equal(cvm_bundle_load(text, strlen(text), "b", tmp(0, "sign.pub"), &b, NULL), 0);
	vec_unhex(SNP_B, meas, 48);
	struct cvm_bundle_evidence ev = { .tee = "snp", .measurement = meas };
	assert_int_equal(cvm_bundle_match(b, &ev, &m, NULL), 0);
	assert_true(m.matched);
	assert_string_equal(json_object_get_string(json_object_object_get(m.shape, "shape")),
			    "snp/2");
	meas[47] ^= 1;
	assert_int_equal(cvm_bundle_match(b, &ev, &m, NULL), 0);
	assert_false(m.matched);
	assert_int_equal(m.known, 1);
	/* TDX: unknown registers are skipped, the closest is the one with most equal */
	memset(regs[0], 0xaa, 48);
	memset(regs[1], 0x11, 48);
	memset(regs[2], 0xbb, 48);
	memset(regs[3], 0xcc, 48);
	memset(regs[4], 0x22, 48);
	struct cvm_bundle_evidence td = { .tee = "tdx", .mr_td = regs[0],
					  .rtmr = { regs[1], regs[2], regs[3], regs[4] } };
	assert_int_equal(cvm_bundle_match(b, &td, &m, NULL), 0);
	assert_true(m.matched);
	assert_int_equal(m.known, 3);
	regs[3][0] = 0;
	assert_int_equal(cvm_bundle_match(b, &td, &m, NULL), 0);
	assert_false(m.matched);
	assert_int_equal(m.equal, 2);
	struct cvm_bundle_evidence sev = { .tee = "sev", .measurement = meas };
	assert_int_equal(cvm_bundle_match(b, &sev, &m, NULL), 0);
	assert_null(m.shape);
	cvm_bundle_free(b);
}

static void test_shape_errors(void **state)
{
	static const struct {
		const char *doc, *msg;
	} bad[] = {
		{ "{\"measurements\": []}", "no measurements" },
		{ "{}", "expected an array of VM shapes" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"sgx\"}}]}",
		  "measurements[0].measurement.tee: expected sev, sev-es, snp, snp:svsm or tdx" },
		{ "{\"measurements\": [{\"shape\": \"a\"}]}", "measurements[0].measurement: missing" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {}}]}",
		  "measurements[0].measurement.tee: missing" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": \"abcd\"}}]}",
		  "measurements[0].measurement.measurement: expected 96 lowercase hex digits" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": \"" H48("AB") "\"}}]}",
		  "expected 96 lowercase hex digits" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"sev\","
		  " \"measurement\": \"" H48("ab") "\"}}]}",
		  "expected 64 lowercase hex digits" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": null}}]}",
		  "cannot be unknown" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"tdx\","
		  " \"mrtd\": \"" H48("ab") "\", \"rtmr0\": null, \"rtmr1\": null,"
		  " \"rtmr2\": null, \"rtmr3\": null, \"unknown\": {\"rtmr0\": \"x\"}}}]}",
		  "measurement.rtmr1: null without a reason" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"tdx\","
		  " \"mrtd\": \"" H48("ab") "\"}}]}",
		  "measurement.rtmr0: missing" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"tdx\","
		  " \"mrtd\": null, \"rtmr0\": null, \"rtmr1\": null, \"rtmr2\": null,"
		  " \"rtmr3\": null, \"unknown\": {\"mrtd\": \"x\", \"rtmr0\": \"x\","
		  " \"rtmr1\": \"x\", \"rtmr2\": \"x\", \"rtmr3\": \"x\"}}}]}",
		  "measurements[0].measurement: no value is known" },
		{ "{\"measurements\": [{\"shape\": \"a\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": \"" H48("ab") "\"}},"
		  " {\"shape\": \"a\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": \"" H48("cd") "\"}}]}",
		  "measurements[1].shape: the same name as an earlier shape" },
		{ "{\"measurements\": [{\"shape\": \"a\\nb\", \"measurement\": {\"tee\": \"snp\","
		  " \"measurement\": \"" H48("ab") "\"}}]}",
		  "measurements[0].shape: expected 1 to 128 printable ASCII characters" },
		{ "{\"measurements\": [", "is not valid JSON" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *doc = NULL;
		cvm_err e = { 0 };

		assert_int_equal(cvm_bundle_measurements_load(bad[i].doc, strlen(bad[i].doc),
							      "m.json", &doc, &e),
				 -EBADMSG);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].msg);
	}
}

/* The "RV id" column of key-broker.md's table in 1.6, in backquotes. */
static void reference_names(char names[32][40], size_t *n)
{
	FILE *f = fopen(vec_path("../reference/key-broker.md"), "r");
	char line[1024];
	bool in = false;

	*n = 0;
	if (!f)
		skip();
	while (fgets(line, sizeof(line), f)) {
		char *col, *p, *end;
		int bars = 0;

		if (!strncmp(line, "### 1.6", 7))
			in = true;
		else if (!strncmp(line, "### ", 4))
			in = false;
		if (!in || (strncmp(line, "  | SNP", 7) && strncmp(line, "  | TDX", 7)))
			continue;
		for (col = line; *col && bars < 3; col++)
			bars += *col == '|';
		end = strchr(col, '|');
		*end = '\0';
		for (p = col; (p = strchr(p, '`')) && (end = strchr(p + 1, '`')); p = end + 1)
			snprintf(names[(*n)++], 40, "%.*s", (int)(end - p - 1), p + 1);
	}
	fclose(f);
}

static void test_rv_names(void **state)
{
	char names[32][40];
	size_t n = 0, ours = 0;

	(void)state;
	vec_require();
	reference_names(names, &n);
	assert_int_equal(n, 17);
	while (bundle_trustee_rv_name(ours))
		ours++;
	assert_int_equal(ours, n);
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < ours; j++)
			found |= !strcmp(names[i], bundle_trustee_rv_name(j));
		if (!found)
			fail_msg("'%s' of key-broker.md is not a name cvmimg accepts", names[i]);
	}
}

static void test_rule_and_merge(void **state)
{
	json_object *doc = NULL;
	char *rule = NULL, *out = NULL, *again = NULL;
	bool foreign = true;
	cvm_err e = { 0 };
	static const char other[] = "package policy\n\ndefault allow = false\n\n"
				    "# cvmimg begin cvmimg/other/luks-key\nallow if { false }\n"
				    "# cvmimg end cvmimg/other/luks-key\n";

	(void)state;
	assert_int_equal(cvm_bundle_measurements_load(shapes_doc, strlen(shapes_doc), "d", &doc,
						      NULL),
			 0);
	assert_int_equal(bundle_trustee_rule("demo", "cvmimg/demo/luks-key",
					     json_object_object_get(doc, "measurements"), &rule,
					     &e),
			 0);
	assert_non_null(strstr(rule, "# cvmimg begin cvmimg/demo/luks-key\n"));
	assert_non_null(strstr(rule, "ev.snp.measurement in {\"" SNP_A "\", \"" SNP_B "\"}"));
	assert_non_null(strstr(rule, "ev.tdx.quote.body.rtmr_1 == \"" H48("bb") "\""));
	assert_null(strstr(rule, "rtmr_0"));
	assert_null(strstr(rule, "rtmr_3"));
	assert_null(strstr(rule, "@"));
	assert_int_equal(bundle_trustee_rule("de mo", "cvmimg/demo/luks-key",
					     json_object_object_get(doc, "measurements"), &out,
					     &e),
			 -EINVAL);
	/* a fresh policy; another image's block kept; ours replaced, not added twice */
	assert_int_equal(bundle_policy_merge(NULL, "cvmimg/demo/luks-key", rule, &out, &foreign,
					     &e),
			 0);
	assert_true(!strncmp(out, "package policy\n\nimport rego.v1\n\ndefault allow := false\n",
			     52));
	assert_false(foreign);
	free(out);
	assert_int_equal(bundle_policy_merge(other, "cvmimg/demo/luks-key", rule, &out, &foreign,
					     &e),
			 0);
	assert_true(!strncmp(out, other, strlen(other)));
	assert_false(foreign);
	assert_int_equal(bundle_policy_merge(out, "cvmimg/demo/luks-key", rule, &again, &foreign,
					     &e),
			 0);
	assert_string_equal(again, out);
	free(again);
	free(out);
	assert_int_equal(bundle_policy_merge("package policy\nallow if { true }\n",
					     "cvmimg/demo/luks-key", rule, &out, &foreign, &e),
			 0);
	assert_true(foreign);
	free(out);
	assert_int_equal(bundle_policy_merge("package other\n", "cvmimg/demo/luks-key", rule, &out,
					     &foreign, &e),
			 -EBADMSG);
	assert_int_equal(bundle_policy_merge("package policy\n# cvmimg begin cvmimg/demo/luks-key\n",
					     "cvmimg/demo/luks-key", rule, &out, &foreign, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "without"));
	free(rule);
	json_object_put(doc);
}

static void test_rvs(void **state)
{
	json_object *doc = NULL, *rvs = NULL, *extra;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_bundle_measurements_load(shapes_doc, strlen(shapes_doc), "d", &doc,
						      NULL),
			 0);
	extra = json_tokener_parse("{\"snp_bootloader\": [10], \"snp_smt_enabled\": true}");
	assert_int_equal(bundle_trustee_rvs(json_object_object_get(doc, "measurements"), extra,
					    &rvs, &e),
			 0);
	assert_string_equal(json_object_to_json_string_ext(rvs, JSON_C_TO_STRING_PLAIN),
			    "{\"snp_launch_measurement\":[\"" SNP_A "\",\"" SNP_B "\"],"
			    "\"mr_td\":[\"" H48("aa") "\"],\"rtmr_1\":[\"" H48("bb") "\"],"
			    "\"rtmr_2\":[\"" H48("cc") "\"],\"snp_bootloader\":[10],"
			    "\"snp_smt_enabled\":true}");
	json_object_put(rvs);
	json_object_put(extra);
	static const struct {
		const char *json, *msg;
		int code;
	} bad[] = {
		{ "{\"snp-launch-measurement\": [\"00\"]}", "not a reference value", -EBADMSG },
		{ "{\"snp_bootloader\": 10}", "must be a list of integers", -EBADMSG },
		{ "{\"snp_smt_enabled\": [true]}", "must be true or false", -EBADMSG },
		{ "{\"mr_td\": [\"" H48("ab") "\"]}", "computed from the measurements", -EINVAL },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		extra = json_tokener_parse(bad[i].json);
		assert_int_equal(bundle_trustee_rvs(json_object_object_get(doc, "measurements"),
						    extra, &rvs, &e),
				 bad[i].code);
		if (!strstr(e.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, bad[i].msg);
		json_object_put(extra);
	}
	json_object_put(doc);
}

static int setup(void **state)
{
	cvm_err e = { 0 };

	(void)state;
	if (!mkdtemp(tmpdir))
		return -1;
	if (cvm_keygen(CVM_KEY_P256, tmp(0, "sign.pem"), tmp(1, "sign.pub"), NULL, &e) < 0 ||
	    cvm_keygen(CVM_KEY_ED25519, tmp(0, "ed.pem"), tmp(1, "ed.pub"), NULL, &e) < 0 ||
	    cvm_keygen(CVM_KEY_P256, tmp(0, "op.pem"), tmp(1, "op.pub"), NULL, &e) < 0) {
		fprintf(stderr, "keygen: %s\n", e.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	const char *names[] = { "sign.pem", "sign.pub", "ed.pem", "ed.pub", "op.pem", "op.pub" };

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(tmp(0, names[i]));
	rmdir(tmpdir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pae),	       cmocka_unit_test(test_tamper_p256),
		cmocka_unit_test(test_tamper_ed25519), cmocka_unit_test(test_load),
		cmocka_unit_test(test_match),	       cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_rv_names),       cmocka_unit_test(test_rule_and_merge),
		cmocka_unit_test(test_rvs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
