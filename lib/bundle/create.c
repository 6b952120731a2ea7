/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Making a bundle: the in-toto Statement (subjects, predicate) as compact
 * JSON, the broker key sealed to the operator's key, then the DSSE envelope
 * signed over exactly those payload bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/keys.h"
#include "bundle/shapes.h"
#include "bundle/trustee.h"
#include "bundle/verity.h"
#include "util/hash.h"
#include "util/macro.h"
#include "util/ossl.h"
#include "util/x509.h"

/* "@key": "@s", or "@key": null (json-c's null is the NULL object). */
static int add_str_or_null(json_object *o, const char *key, const char *s)
{
	if (s)
		return cvm_json_add(o, key, json_object_new_string(s));
	return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

static int add_time(json_object *o, const char *key, int64_t t)
{
	char buf[32];

	cvm_format_time(t, buf, sizeof(buf));
	return cvm_json_add(o, key, json_object_new_string(buf));
}

static int subjects(const struct cvm_bundle_input *in, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *list = json_object_new_array();
	int r;

	if (!list)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (size_t i = 0; i < in->n_subjects; i++) {
		const struct cvm_bundle_subject *s = &in->subjects[i];
		uint8_t md[CVM_SHA256_LEN];
		json_object *o = json_object_new_object(), *d;

		if (!o || json_object_array_add(list, o) < 0) {
			json_object_put(o);
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
		if (cvm_json_add(o, "name", json_object_new_string(s->name)) < 0 ||
		    cvm_json_add(o, "digest", (d = json_object_new_object())) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		if (s->have_sha256)
			memcpy(md, s->sha256, sizeof(md));
		else if ((r = cvm_hash_file(CVM_HASH_SHA256, s->path, md, reterr)) < 0)
			return r;
		if (cvm_json_add_hex(d, "sha256", md, sizeof(md)) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	*ret = CVM_TAKE_PTR(list);
	return 0;
}

/* {"alg", "enc", "recipient": keyid, "jwe": flattened JWE} of the broker key. */
static int seal(const struct cvm_bundle_input *in, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *op = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *jwe = NULL;
	enum cvm_key_type type;
	char keyid[CVM_KEYID_LEN + 1];
	int r;

	if (!o)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_key_load_pem(in->operator_key_path, false, &op, &type, reterr)) < 0)
		return r;
	if (type != CVM_KEY_P256)
		return cvm_err_set(reterr, -EINVAL, "'%s' is an Ed25519 key; the broker key is "
						    "sealed to an EC P-256 key (ecdh-p256)",
				   in->operator_key_path);
	if ((r = cvm_jwe_encrypt(op, in->broker_key, in->broker_key_len, NULL, &jwe, reterr)) < 0)
		return r;
	if (cvm_json_add(o, "alg", json_object_new_string(CVM_JWE_ALG)) < 0 ||
	    cvm_json_add(o, "enc", json_object_new_string(CVM_JWE_ENC)) < 0 ||
	    bundle_keyid(op, keyid) < 0 ||
	    cvm_json_add(o, "recipient", json_object_new_string(keyid)) < 0 ||
	    cvm_json_add(o, "jwe", jwe) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

static int broker_section(const struct cvm_bundle_input *in, json_object *shapes,
			  json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *b = json_object_new_object();
	CVM_CLEANUP_FREE char *rule = NULL, *resource = NULL;
	json_object *t = json_object_new_object(), *rvs = NULL, *sealed = NULL;
	int r;

	if (!b || add_str_or_null(b, "url", in->broker_url) < 0 ||
	    cvm_json_add(b, "trustee", t) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (in->resource)
		resource = strdup(in->resource);
	else if (asprintf(&resource, "cvmimg/%s/luks-key", in->image_name) < 0)
		resource = NULL;
	if (!resource)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!bundle_is_resource(resource))
		return cvm_err_set(reterr, -EINVAL, "the broker resource must be REPO/TYPE/TAG of "
						    "[A-Za-z0-9._-], not '%s'", resource);
	if ((r = bundle_trustee_rvs(shapes, in->reference_values, &rvs, reterr)) < 0 ||
	    (r = bundle_trustee_rule(in->image_name, resource, shapes, &rule, reterr)) < 0)
		return r;
	if (cvm_json_add(t, "resource", json_object_new_string(resource)) < 0 ||
	    cvm_json_add(t, "reference_values", rvs) < 0 ||
	    cvm_json_add(t, "resource_policy_rule", json_object_new_string(rule)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (in->broker_key && (r = seal(in, &sealed, reterr)) < 0)
		return r;
	if (sealed ? cvm_json_add(b, "sealed_key", sealed) < 0
		   : json_object_object_add(b, "sealed_key", NULL) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(b);
	return 0;
}

static int image_section(const struct cvm_bundle_input *in, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();

	if (!o || cvm_json_add(o, "name", json_object_new_string(in->image_name)) < 0 ||
	    add_str_or_null(o, "version", in->image_version) < 0 ||
	    add_str_or_null(o, "luks_uuid", in->luks_uuid) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

static int predicate(const struct cvm_bundle_input *in, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *p = json_object_new_object();
	json_object *image = NULL, *broker = NULL;
	int r;

	if (!p)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = image_section(in, &image, reterr)) < 0 || (r = cvm_json_add(p, "image", image)) < 0 ||
	    (r = add_time(p, "created", in->created)) < 0 ||
	    (r = add_time(p, "not_after", in->not_after)) < 0 ||
	    (r = cvm_json_add(p, "launch", json_object_get(in->shapes))) < 0)
		return r == -ENOMEM ? cvm_err_set(reterr, r, "out of memory") : r;
	/* the object exactly as build.json has it, or null: a reader sees the member either way */
	if (in->verity ? cvm_json_add(p, "verity", json_object_get(in->verity)) < 0
		       : json_object_object_add(p, "verity", NULL) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = broker_section(in, in->shapes, &broker, reterr)) < 0)
		return r;
	if (cvm_json_add(p, "broker", broker) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(p);
	return 0;
}

static bool printable(const char *s)
{
	for (; s && *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			return false;
	return true;
}

static int check_input(const struct cvm_bundle_input *in, cvm_err *reterr)
{
	int r;

	if (!bundle_is_name(in->image_name, CVM_BUNDLE_NAME_MAX))
		return cvm_err_set(reterr, -EINVAL, "the image name must be 1 to %d characters of "
						    "[A-Za-z0-9._-], not '%s'",
				   CVM_BUNDLE_NAME_MAX, in->image_name);
	if (!printable(in->image_version) || !printable(in->luks_uuid) ||
	    !printable(in->broker_url))
		return cvm_err_set(reterr, -EINVAL, "version, LUKS UUID and broker URL must be "
						    "printable ASCII");
	if (in->not_after <= in->created)
		return cvm_err_set(reterr, -EINVAL, "not_after must be later than the creation time");
	if (in->broker_key && !in->operator_key_path)
		return cvm_err_set(reterr, -EINVAL, "the broker key needs the operator's public "
						    "key to be sealed to; it is never stored in clear");
	if (in->n_subjects > CVM_BUNDLE_MAX_SUBJECTS)
		return cvm_err_set(reterr, -EINVAL, "at most %d subjects", CVM_BUNDLE_MAX_SUBJECTS);
	for (size_t i = 0; i < in->n_subjects; i++)
		if (!in->subjects[i].name || !*in->subjects[i].name ||
		    !printable(in->subjects[i].name) ||
		    (!in->subjects[i].have_sha256 && !in->subjects[i].path))
			return cvm_err_set(reterr, -EINVAL, "subject %zu needs a printable name and "
							    "a file or digest", i);
	if ((r = bundle_check_shapes(in->shapes, "the measurements", "measurements", reterr)) < 0)
		return r;
	if (in->verity && (r = bundle_check_verity(in->verity, "the verity parameters", reterr)) < 0)
		return r;
	return 0;
}

CVM_PUBLIC int cvm_bundle_create(const struct cvm_bundle_input *in, char **ret_text,
				 cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *st = json_object_new_object();
	json_object *subj = NULL, *pred = NULL;
	const char *payload;
	int r;

	CVM_CHECK_ARG(in && in->image_name && in->shapes && in->signing_keys &&
			      in->n_signing_keys && in->n_subjects && ret_text,
		      reterr);
	if ((r = check_input(in, reterr)) < 0)
		return r;
	if (!st)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = subjects(in, &subj, reterr)) < 0 || (r = predicate(in, &pred, reterr)) < 0) {
		json_object_put(subj);
		return r;
	}
	if (cvm_json_add(st, "_type", json_object_new_string(CVM_INTOTO_STATEMENT_TYPE)) < 0 ||
	    cvm_json_add(st, "subject", subj) < 0 ||
	    cvm_json_add(st, "predicateType", json_object_new_string(CVM_BUNDLE_PREDICATE_TYPE)) <
		    0 ||
	    cvm_json_add(st, "predicate", pred) < 0 ||
	    !(payload = json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (strlen(payload) > CVM_BUNDLE_MAX_SIZE / 2)
		return cvm_err_set(reterr, -EFBIG, "the statement is too large (%zu bytes)",
				   strlen(payload));
	return cvm_dsse_sign(CVM_DSSE_PAYLOAD_TYPE, (const uint8_t *)payload, strlen(payload),
			     in->signing_keys, in->n_signing_keys, ret_text, reterr);
}
