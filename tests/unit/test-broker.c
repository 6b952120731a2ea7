/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lib/broker: the SNP report as Trustee's verifier reads it (against the
 * evidence.json of Trustee's own e2e test and the raw report it came from),
 * the evidence sources, and the KBS client's argument and answer checks over
 * an in-process transport (the protocol itself runs against the mock broker
 * in tests/cli/kbs.sh).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cvmimg/broker.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "vectors.h"

static void snp_report_matches_trustee(void **state)
{
	uint8_t *rep = NULL, *golden = NULL;
	size_t len = 0, glen = 0;
	json_object *ours = NULL, *theirs = NULL, *ta, *oa;
	cvm_err e = {0};

	(void)state;
	vec_require();
	assert_int_equal(cvm_read_file(vec_path("attest/snp/trustee/e2e-genoa-v3-report.bin"),
				       1 << 20, &rep, &len, &e), 0);
	assert_int_equal(cvm_read_file(vec_path("attest/snp/trustee/e2e-evidence.json"), 1 << 20,
				       &golden, &glen, &e), 0);
	assert_int_equal(cvm_json_parse((char *)golden, glen, 1 << 20, "golden", &theirs, &e), 0);
	assert_int_equal(cvm_snp_report_to_evidence(rep, len, &ours, &e), 0);
	assert_true(json_object_object_get_ex(theirs, "attestation_report", &ta));
	assert_true(json_object_object_get_ex(ours, "attestation_report", &oa));
	/* every member, value for value (json-c compares objects regardless of order) */
	json_object_object_foreach(ta, k, v) {
		json_object *mine = NULL;

		assert_true(json_object_object_get_ex(oa, k, &mine));
		if (!json_object_equal(v, mine))
			fail_msg("member '%s' differs: ours %s", k, json_object_to_json_string(mine));
	}
	assert_int_equal(json_object_object_length(ta), json_object_object_length(oa));
	assert_true(json_object_equal(ta, oa));

	/* short or unknown versions are refused */
	json_object_put(ours);
	ours = NULL;
	assert_int_equal(cvm_snp_report_to_evidence(rep, 1000, &ours, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "1000 bytes"));
	rep[0] = 9;
	assert_int_equal(cvm_snp_report_to_evidence(rep, len, &ours, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "version 9"));
	assert_int_equal(cvm_snp_report_to_evidence(NULL, len, &ours, &e), -EINVAL);
	json_object_put(theirs);
	free(rep);
	free(golden);
}

static void evidence_sources(void **state)
{
	struct cvm_evidence *ev = NULL;
	cvm_err e = {0};

	(void)state;
	assert_string_equal(cvm_evidence_source_to_string(CVM_EVIDENCE_TSM), "tsm");
	assert_int_equal(cvm_evidence_source_from_string("sev-guest"), CVM_EVIDENCE_SEV_GUEST);
	assert_int_equal(cvm_evidence_source_from_string("sgx"), CVM_EVIDENCE_INVALID);
	assert_null(cvm_evidence_source_to_string(CVM_EVIDENCE__COUNT));
	/* an empty root: no TEE here */
	assert_int_equal(cvm_evidence_open(CVM_EVIDENCE_TSM, "/nonexistent", &ev, &e), -ENODEV);
	assert_int_equal(cvm_evidence_open_any("/nonexistent", &ev, &e), -ENODEV);
	assert_non_null(strstr(e.msg, "neither configfs-tsm nor /dev/sev-guest"));
#ifdef CVMIMG_SAMPLE_EVIDENCE
	assert_true(cvm_evidence_source_built(CVM_EVIDENCE_SAMPLE));
#else
	assert_false(cvm_evidence_source_built(CVM_EVIDENCE_SAMPLE));
	assert_int_equal(cvm_evidence_open(CVM_EVIDENCE_SAMPLE, NULL, &ev, &e), -EOPNOTSUPP);
	assert_non_null(strstr(e.msg, "CVMIMG_SAMPLE_EVIDENCE"));
#endif
	assert_null(ev);
}

/* A transport that answers every request with one canned response. */
struct canned {
	long status;
	const char *body, *cookie;
	int calls;
};

static int canned_http(void *ctx, const struct cvm_http_request *req,
		       struct cvm_http_response *ret, cvm_err *reterr)
{
	struct canned *c = ctx;

	(void)req;
	(void)reterr;
	c->calls++;
	ret->status = c->status;
	ret->body = strdup(c->body);
	ret->len = strlen(c->body);
	snprintf(ret->cookie, sizeof(ret->cookie), "%s", c->cookie ? c->cookie : "");
	return 0;
}

static void kbs_client_checks(void **state)
{
	struct cvm_evidence *ev = NULL;
	struct canned can = {401, "{\"type\":\"x\",\"detail\":\"denied\\nby policy\"}", NULL, 0};
	struct cvm_kbs_client c = {.http = canned_http, .http_ctx = &can};
	uint8_t *key = NULL;
	size_t len = 0;
	cvm_err e = {0};

	(void)state;
	if (cvm_evidence_open(CVM_EVIDENCE_SAMPLE, NULL, &ev, &e) < 0)
		skip(); /* a build without sample evidence */
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c", &key, &len, &e), -EINVAL);
	c.evidence = ev;
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c/d", &key, &len, &e), -EINVAL);
	assert_int_equal(cvm_kbs_get_resource(&c, "a//c", &key, &len, &e), -EINVAL);
	assert_int_equal(can.calls, 0);
	/* the broker's detail, control characters and all, is one line */
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c", &key, &len, &e), -EACCES);
	assert_string_equal(e.msg, "the broker refused auth (HTTP 401): denied by policy");
	can = (struct canned){500, "<html>oops</html>", NULL, 0};
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c", &key, &len, &e), -EPROTO);
	assert_string_equal(e.msg, "the broker refused auth (HTTP 500): <html>oops</html>");
	can = (struct canned){200, "[1]", "kbs-session-id=1", 0};
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c", &key, &len, &e), -EBADMSG);
	can = (struct canned){200, "{\"nonce\":\"AAAAAAAAAAAAAAAAAAAAAA==\","
				   "\"extra-params\":{\"selected-hash-algorithm\":\"md5\"}}",
			      "kbs-session-id=1", 0};
	assert_int_equal(cvm_kbs_get_resource(&c, "a/b/c", &key, &len, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "selects the hash 'md5'"));
	assert_null(key);
	cvm_evidence_free(ev);
}

static int parse(const char *text, struct cvm_unlock_config *c, cvm_err *e)
{
	return cvm_unlock_config_parse(text, strlen(text), c, e);
}

static void unlock_config(void **state)
{
	struct cvm_unlock_config c = {0};
	const char *u = "\"luks_uuid\":\"3f1a2b3c-4d5e-4f60-8172-93a4b5c6d7e8\"";
	char text[512], *json = NULL;
	cvm_err e = {0};

	(void)state;
	snprintf(text, sizeof(text), "{\"broker_url\":\"https://kbs:8080\",\"broker_ca\":"
		 "\"/etc/cvmimg/broker-ca.pem\",\"broker_resource\":\"a/b/c\",%s}", u);
	assert_int_equal(parse(text, &c, &e), 0);
	/* the defaults */
	assert_int_equal(c.keyslot, 1);
	assert_int_equal(c.timeout, 30);
	assert_int_equal(c.request_timeout, 10);
	assert_false(c.allow_http);
	assert_string_equal(c.evidence, "auto");
	/* written and read back: the same */
	assert_int_equal(cvm_unlock_config_to_json(&c, &json, &e), 0);
	cvm_unlock_config_done(&c);
	assert_int_equal(parse(json, &c, &e), 0);
	assert_string_equal(c.broker_ca, "/etc/cvmimg/broker-ca.pem");
	assert_string_equal(c.broker_url, "https://kbs:8080");
	cvm_unlock_config_done(&c);
	free(json);

	static const struct {
		const char *members, *msg;
	} bad[] = {
	    {"\"broker_url\":\"https://k\",\"broker_resource\":\"a/b/c\"",
	     "has no \"luks_uuid\""},
	    {"\"broker_url\":\"https://k\",\"broker_resource\":\"a/b/c\",\"luks_uuid\":\"x\"",
	     "is not a UUID"},
	    {"\"broker_url\":\"https://k\",\"broker_resource\":\"a/b/c\"", NULL},
	    {"\"broker_url\":\"http://k\",\"broker_resource\":\"a/b/c\"",
	     "is plain http, and \"allow_http\" is not true"},
	    {"\"broker_url\":\"ftp://k\",\"broker_resource\":\"a/b/c\"",
	     "neither https:// nor http://"},
	    {"\"broker_url\":\"https://k\",\"broker_pin\":\"md5//x\",\"broker_resource\":\"r\"",
	     "\"broker_pin\" must be sha256//"},
	    {"\"broker_url\":\"https://k\",\"broker_ca\":\"f\",\"broker_resource\":\"a/b/c\","
	     "\"timeout\":0", "\"timeout\" of the unlock configuration is not an integer from 1"},
	    {"\"broker_url\":\"https://k\",\"broker_ca\":\"f\",\"broker_resource\":\"a/b/c\","
	     "\"evidence\":\"sgx\"", "\"evidence\" 'sgx' is not auto"},
	    {"\"broker_url\":\"https://k\",\"broker_ca\":\"f\",\"broker_resource\":\"a/b/c\","
	     "\"url\":1", "unknown key \"url\""},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (!bad[i].msg)
			snprintf(text, sizeof(text), "{%s,%s}", bad[i].members, u);
		else if (strstr(bad[i].msg, "luks_uuid") || strstr(bad[i].msg, "UUID"))
			snprintf(text, sizeof(text), "{%s}", bad[i].members);
		else
			snprintf(text, sizeof(text), "{%s,%s}", bad[i].members, u);
		assert_int_equal(parse(text, &c, &e), -EBADMSG);
		assert_non_null(strstr(e.msg, bad[i].msg ? bad[i].msg : "needs \"broker_ca\" or "
								   "\"broker_pin\""));
	}
	assert_int_equal(parse("[]", &c, &e), -EBADMSG);
	assert_int_equal(cvm_unlock_config_load("/nonexistent/unlock.json", &c, &e), -ENOENT);
	assert_int_equal(cvm_unlock_check_key("/nonexistent", NULL, 1, (const uint8_t *)"k", 1, &e),
			 -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(snp_report_matches_trustee),
	    cmocka_unit_test(evidence_sources),
	    cmocka_unit_test(kbs_client_checks),
	    cmocka_unit_test(unlock_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
