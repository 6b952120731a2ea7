/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a loaded bundle answers: its members, whether it is still valid,
 * whether an artifact is one of its subjects, which VM shape a report's
 * measurement matches, and the broker key it seals.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/util.h>

#include "bundle/bundle.h"
#include "bundle/keys.h"
#include "bundle/shapes.h"
#include "util/hash.h"
#include "util/macro.h"
#include "util/ossl.h"
#include "util/x509.h"

CVM_PUBLIC json_object *cvm_bundle_statement(const struct cvm_bundle *b)
{
	return b ? b->statement : NULL;
}

CVM_PUBLIC bool cvm_bundle_verified(const struct cvm_bundle *b, char ret_keyid[CVM_KEYID_LEN + 1])
{
	if (!b || !b->verified)
		return false;
	if (ret_keyid)
		memcpy(ret_keyid, b->keyid, sizeof(b->keyid));
	return true;
}

CVM_PUBLIC const char *cvm_bundle_image_name(const struct cvm_bundle *b)
{
	return b ? b->image_name : NULL;
}

CVM_PUBLIC const char *cvm_bundle_resource(const struct cvm_bundle *b)
{
	return b ? b->resource : NULL;
}

CVM_PUBLIC json_object *cvm_bundle_reference_values(const struct cvm_bundle *b)
{
	return b ? b->rvs : NULL;
}

CVM_PUBLIC const char *cvm_bundle_policy_rule(const struct cvm_bundle *b)
{
	return b ? b->rule : NULL;
}

CVM_PUBLIC int cvm_bundle_check_time(const struct cvm_bundle *b, int64_t now, cvm_err *reterr)
{
	char when[32];

	CVM_CHECK_ARG(b, reterr);
	if (now <= b->not_after)
		return 0;
	cvm_format_time(b->not_after, when, sizeof(when));
	return cvm_err_set(reterr, -EKEYREJECTED, "%s expired at %s (not_after)", b->name, when);
}

CVM_PUBLIC int cvm_bundle_check_artifact(const struct cvm_bundle *b, const char *path,
					 const char **ret_subject, cvm_err *reterr)
{
	json_object *list;
	uint8_t md[CVM_SHA256_LEN];
	char hex[2 * CVM_SHA256_LEN + 1];
	int r;

	CVM_CHECK_ARG(b && path, reterr);
	if ((r = cvm_hash_file(CVM_HASH_SHA256, path, md, reterr)) < 0)
		return r;
	cvm_hex_encode(md, sizeof(md), hex);
	list = bundle_get(b->statement, "subject");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);

		if (strcmp(json_object_get_string(bundle_get(s, "digest.sha256")), hex))
			continue;
		if (ret_subject)
			*ret_subject = json_object_get_string(bundle_get(s, "name"));
		return 0;
	}
	return cvm_err_set(reterr, -EKEYREJECTED, "'%s' (sha256 %.16s...) is none of the "
						  "bundle's subjects",
			   path, hex);
}

/* The evidence's value of register @reg, as hex; NULL if the evidence has none. */
static bool evidence_hex(const struct cvm_bundle_evidence *ev, const char *reg, size_t len,
			 char *hex)
{
	static const char *const rtmr[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	const uint8_t *v = NULL;

	if (!strcmp(reg, "measurement"))
		v = ev->measurement;
	else if (!strcmp(reg, "mrtd"))
		v = ev->mr_td;
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(reg, rtmr[i]))
			v = ev->rtmr[i];
	if (!v)
		return false;
	cvm_hex_encode(v, len, hex);
	return true;
}

CVM_PUBLIC int cvm_bundle_match(const struct cvm_bundle *b, const struct cvm_bundle_evidence *ev,
				struct cvm_bundle_match *ret, cvm_err *reterr)
{
	const char *const *regs;
	size_t len = 0;
	struct cvm_bundle_match best = { 0 };

	CVM_CHECK_ARG(b && ev && ev->tee && ret, reterr);
	if (!(regs = bundle_tee_registers(ev->tee, &len)))
		return cvm_err_set(reterr, -EINVAL, "unknown TEE '%s'", ev->tee);
	for (size_t i = 0; i < json_object_array_length(b->shapes); i++) {
		json_object *s = json_object_array_get_idx(b->shapes, i);
		struct cvm_bundle_match m = { .shape = s };
		char hex[2 * 48 + 1];

		if (strcmp(bundle_shape_tee(s), ev->tee))
			continue;
		for (const char *const *r = regs; *r; r++) {
			const char *want = bundle_shape_value(s, *r);

			if (!want || !evidence_hex(ev, *r, len, hex))
				continue;
			m.known++;
			m.equal += !strcmp(want, hex);
		}
		m.matched = m.known && m.equal == m.known;
		if (m.matched) {
			*ret = m;
			return 0;
		}
		if (!best.shape || m.equal > best.equal)
			best = m;
	}
	*ret = best;
	return 0;
}

CVM_PUBLIC int cvm_bundle_unseal(const struct cvm_bundle *b, const char *operator_key_path,
				 uint8_t **ret_key, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_evp_pkeyp) EVP_PKEY *k = NULL;
	const char *recipient, *jwe;
	char keyid[CVM_KEYID_LEN + 1];
	enum cvm_key_type type;
	int r;

	CVM_CHECK_ARG(b && operator_key_path && ret_key && ret_len, reterr);
	if (!b->sealed)
		return cvm_err_set(reterr, -ENOENT, "%s seals no broker key", b->name);
	if ((r = cvm_key_load_pem(operator_key_path, true, &k, &type, reterr)) < 0)
		return r;
	if (type != CVM_KEY_P256 || bundle_keyid(k, keyid) < 0)
		return cvm_err_set(reterr, -EINVAL, "'%s' is not an EC P-256 private key",
				   operator_key_path);
	recipient = json_object_get_string(bundle_get(b->sealed, "recipient"));
	if (strcmp(recipient, keyid))
		return cvm_err_set(reterr, -EKEYREJECTED, "the broker key is sealed to key "
							  "%.16s..., not to '%s' (%.16s...)",
				   recipient, operator_key_path, keyid);
	jwe = json_object_to_json_string_ext(bundle_get(b->sealed, "jwe"),
					     JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!jwe)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_jwe_decrypt(k, jwe, strlen(jwe), ret_key, ret_len, reterr);
}
