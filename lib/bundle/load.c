/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a bundle: the envelope's signature first (when a key is given),
 * then the statement and the predicate, checked member by member before any
 * of it is used. Nothing is re-serialised: the statement is parsed from the
 * payload bytes the signature covers.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/bundle.h"
#include "bundle/dsse.h"
#include "bundle/keys.h"
#include "bundle/shapes.h"
#include "bundle/trustee.h"
#include "bundle/verity.h"
#include "util/hash.h"
#include "util/macro.h"
#include "util/ossl.h"

CVM_PUBLIC struct cvm_bundle *cvm_bundle_free(struct cvm_bundle *b)
{
	if (!b)
		return NULL;
	json_object_put(b->statement);
	free(b);
	return NULL;
}

/* The member @path ("predicate.broker.trustee") of @o, or NULL. */
json_object *bundle_get(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_is_type(o, json_type_object) ||
		    !json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

static int need(const struct cvm_bundle *b, const char *path, json_type t, json_object **ret,
		cvm_err *reterr)
{
	json_object *v = bundle_get(b->statement, path);

	if (!v || !json_object_is_type(v, t))
		return cvm_err_set(reterr, -EBADMSG, "%s: %s is missing or not %s", b->name, path,
				   t == json_type_string   ? "a string"
				   : t == json_type_object ? "an object"
							   : "an array");
	if (ret)
		*ret = v;
	return 0;
}

static int check_subjects(const struct cvm_bundle *b, cvm_err *reterr)
{
	json_object *list = NULL;
	size_t n;
	int r;

	if ((r = need(b, "subject", json_type_array, &list, reterr)) < 0)
		return r;
	n = json_object_array_length(list);
	if (n == 0 || n > CVM_BUNDLE_MAX_SUBJECTS)
		return cvm_err_set(reterr, -EBADMSG, "%s: subject must list 1 to %d artifacts",
				   b->name, CVM_BUNDLE_MAX_SUBJECTS);
	for (size_t i = 0; i < n; i++) {
		json_object *s = json_object_array_get_idx(list, i);
		json_object *name = bundle_get(s, "name"), *d = bundle_get(s, "digest.sha256");

		if (!name || !json_object_is_type(name, json_type_string) || !d ||
		    !json_object_is_type(d, json_type_string) ||
		    !bundle_is_hex(json_object_get_string(d), CVM_SHA256_LEN))
			return cvm_err_set(reterr, -EBADMSG, "%s: subject[%zu] needs a name and a "
							     "digest.sha256 in hex",
					   b->name, i);
	}
	return 0;
}

static int check_time(const struct cvm_bundle *b, const char *path, int64_t *ret,
		      cvm_err *reterr)
{
	json_object *v = NULL;
	int r;

	if ((r = need(b, path, json_type_string, &v, reterr)) < 0)
		return r;
	if (cvm_parse_rfc3339(json_object_get_string(v), ret) < 0)
		return cvm_err_set(reterr, -EBADMSG, "%s: %s is not an RFC 3339 time", b->name,
				   path);
	return 0;
}

static int check_broker(struct cvm_bundle *b, cvm_err *reterr)
{
	json_object *res = NULL, *rvs = NULL, *rule = NULL, *sealed, *v = NULL;
	char where[400];
	int r;

	if ((r = need(b, "predicate.broker.trustee.resource", json_type_string, &res, reterr)) <
		    0 ||
	    (r = need(b, "predicate.broker.trustee.reference_values", json_type_object, &rvs,
		      reterr)) < 0 ||
	    (r = need(b, "predicate.broker.trustee.resource_policy_rule", json_type_string, &rule,
		      reterr)) < 0)
		return r;
	if (!bundle_is_resource(json_object_get_string(res)))
		return cvm_err_set(reterr, -EBADMSG, "%s: the broker resource is not "
						     "REPO/TYPE/TAG",
				   b->name);
	snprintf(where, sizeof(where), "%s: predicate.broker.trustee.reference_values", b->name);
	if ((r = bundle_trustee_check_rvs(rvs, where, reterr)) < 0)
		return r;
	sealed = bundle_get(b->statement, "predicate.broker.sealed_key");
	if (sealed && !json_object_is_type(sealed, json_type_null)) {
		if ((r = need(b, "predicate.broker.sealed_key.jwe", json_type_object, NULL,
			      reterr)) < 0 ||
		    (r = need(b, "predicate.broker.sealed_key.recipient", json_type_string, &v,
			      reterr)) < 0)
			return r;
		if (!bundle_is_hex(json_object_get_string(v), CVM_SHA256_LEN))
			return cvm_err_set(reterr, -EBADMSG, "%s: sealed_key.recipient is not a key "
							     "id", b->name);
		b->sealed = sealed;
	}
	b->resource = json_object_get_string(res);
	b->rvs = rvs;
	b->rule = json_object_get_string(rule);
	return 0;
}

static int check_statement(struct cvm_bundle *b, cvm_err *reterr)
{
	json_object *v = NULL;
	char where[320];
	int r;

	if (!json_object_is_type(b->statement, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "%s: the payload is not a JSON object", b->name);
	if ((r = need(b, "_type", json_type_string, &v, reterr)) < 0)
		return r;
	if (strcmp(json_object_get_string(v), CVM_INTOTO_STATEMENT_TYPE))
		return cvm_err_set(reterr, -EBADMSG, "%s: not an in-toto Statement v1", b->name);
	if ((r = need(b, "predicateType", json_type_string, &v, reterr)) < 0)
		return r;
	if (strcmp(json_object_get_string(v), CVM_BUNDLE_PREDICATE_TYPE))
		return cvm_err_set(reterr, -EBADMSG, "%s: predicateType is '%.64s', not '%s'",
				   b->name, json_object_get_string(v), CVM_BUNDLE_PREDICATE_TYPE);
	if ((r = check_subjects(b, reterr)) < 0 ||
	    (r = need(b, "predicate.image.name", json_type_string, &v, reterr)) < 0)
		return r;
	if (!bundle_is_name(json_object_get_string(v), CVM_BUNDLE_NAME_MAX))
		return cvm_err_set(reterr, -EBADMSG, "%s: predicate.image.name is not a valid "
						     "name", b->name);
	b->image_name = json_object_get_string(v);
	if ((r = check_time(b, "predicate.created", &b->created, reterr)) < 0 ||
	    (r = check_time(b, "predicate.not_after", &b->not_after, reterr)) < 0)
		return r;
	snprintf(where, sizeof(where), "%s: predicate", b->name);
	b->shapes = bundle_get(b->statement, "predicate.launch");
	if ((r = bundle_check_shapes(b->shapes, where, "launch", reterr)) < 0)
		return r;
	/* absent (bundles made before it existed) or null: no verity root */
	v = bundle_get(b->statement, "predicate.verity");
	snprintf(where, sizeof(where), "%s: predicate.verity", b->name);
	if (v && (r = bundle_check_verity(v, where, reterr)) < 0)
		return r;
	return check_broker(b, reterr);
}

/* Verify the envelope with @k, or only read it (NULL); parse the statement. */
static int open_envelope(struct cvm_bundle *b, const char *text, size_t len, EVP_PKEY *k,
			 cvm_err *reterr)
{
	CVM_CLEANUP(dsse_env_done) struct dsse_env e = { 0 };
	char payload_name[300];
	int r;

	if ((r = dsse_env_parse(text, len, b->name, &e, reterr)) < 0)
		return r;
	/* the signature first: a changed payloadType is a bad signature, not another type */
	if (k) {
		if ((r = dsse_env_verify(&e, k, b->name, reterr)) < 0)
			return r;
		if (bundle_keyid(k, b->keyid) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		b->verified = true;
	}
	if (strcmp(e.payload_type, CVM_DSSE_PAYLOAD_TYPE))
		return cvm_err_set(reterr, -EBADMSG, "%s: payloadType is '%.64s', not '%s'",
				   b->name, e.payload_type, CVM_DSSE_PAYLOAD_TYPE);
	snprintf(payload_name, sizeof(payload_name), "%s: the payload", b->name);
	return cvm_json_parse((const char *)e.payload, e.payload_len, CVM_BUNDLE_MAX_SIZE,
			      payload_name, &b->statement, reterr);
}

CVM_PUBLIC int cvm_bundle_load(const char *text, size_t len, const char *name,
			       const char *public_key_path, struct cvm_bundle **ret,
			       cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	struct cvm_bundle *b;
	int r;

	CVM_CHECK_ARG(text && name && ret, reterr);
	if (public_key_path && (r = cvm_key_load_pem(public_key_path, false, &k, NULL, reterr)) < 0)
		return r;
	if (!(b = calloc(1, sizeof(*b))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	snprintf(b->name, sizeof(b->name), "'%s'", name);
	r = len > CVM_BUNDLE_MAX_SIZE ? cvm_err_set(reterr, -EFBIG, "%s is larger than %u bytes",
						     b->name, CVM_BUNDLE_MAX_SIZE)
				      : open_envelope(b, text, len, k, reterr);
	if (r >= 0)
		r = check_statement(b, reterr);
	if (r < 0) {
		cvm_bundle_free(b);
		/* what a verifier is told: this is not a valid bundle by that key */
		if (k && (r == -EBADMSG || r == -EFBIG) && reterr)
			reterr->code = r = -EKEYREJECTED;
		return r;
	}
	*ret = b;
	return 0;
}
