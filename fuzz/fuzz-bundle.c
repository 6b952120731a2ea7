/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for what reads bundles: the DSSE envelope and the whole
 * statement check (the input as an envelope, and wrapped as the payload of
 * an unsigned one), measurements.json, the resource-policy merge (the input
 * as the broker's policy), and, with FUZZ_BUNDLE_KEY set to a public key, the
 * signature check. Any input must be parsed or refused with -EBADMSG,
 * -EFBIG or (signatures) -EKEYREJECTED.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/util.h>

#include "bundle/trustee.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errno(int r)
{
	if (r < 0 && r != -EBADMSG && r != -EFBIG && r != -EKEYREJECTED)
		abort();
}

/* Whatever a loaded bundle answers. */
static void query(struct cvm_bundle *b)
{
	static const uint8_t v[48];
	struct cvm_bundle_evidence snp = { .tee = "snp", .measurement = v };
	struct cvm_bundle_evidence tdx = { .tee = "tdx", .mr_td = v, .rtmr = { v, v, v, v } };
	struct cvm_bundle_match m;
	char *merged = NULL;
	bool foreign;

	if (cvm_bundle_match(b, &snp, &m, NULL) < 0 || cvm_bundle_match(b, &tdx, &m, NULL) < 0)
		abort();
	if (cvm_bundle_check_time(b, 0, NULL) < 0)
		abort();
	check_errno(bundle_policy_merge(NULL, cvm_bundle_resource(b), cvm_bundle_policy_rule(b),
					&merged, &foreign, NULL));
	free(merged);
	cvm_bundle_free(b);
}

static void load(const char *text, size_t len, const char *key)
{
	struct cvm_bundle *b = NULL;
	int r = cvm_bundle_load(text, len, "fuzz", key, &b, NULL);

	check_errno(r);
	if (r >= 0)
		query(b);
}

/* The input as the payload of an envelope whose signature is never checked. */
static void as_payload(const uint8_t *data, size_t size)
{
	char *b64 = cvm_base64_encode(data, size), *env = NULL;

	if (b64 && asprintf(&env, "{\"payload\":\"%s\",\"payloadType\":\"%s\","
				  "\"signatures\":[{\"sig\":\"AA==\"}]}",
			    b64, CVM_DSSE_PAYLOAD_TYPE) >= 0)
		load(env, strlen(env), NULL);
	free(env);
	free(b64);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *key = getenv("FUZZ_BUNDLE_KEY");
	json_object *doc = NULL;
	char *text = malloc(size + 1), *merged = NULL;
	bool foreign;

	if (!text)
		return 0;
	load((const char *)data, size, NULL);
	if (key)
		load((const char *)data, size, key);
	as_payload(data, size);
	check_errno(cvm_bundle_measurements_load((const char *)data, size, "fuzz", &doc, NULL));
	json_object_put(doc);
	memcpy(text, data, size);
	text[size] = '\0';
	check_errno(bundle_policy_merge(text, "cvmimg/fuzz/luks-key",
					"# cvmimg begin cvmimg/fuzz/luks-key\n"
					"# cvmimg end cvmimg/fuzz/luks-key\n",
					&merged, &foreign, NULL));
	free(merged);
	free(text);
	return 0;
}
