/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bundle's pieces for Trustee (key-broker.md 1.6 to 1.10): reference
 * values under the names Trustee's default attestation policy queries, and
 * the per-image rule of the resource policy, generated from
 * policies/trustee-resource-rule.rego.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/json.h>

#include "bundle/shapes.h"
#include "bundle/trustee.h"
#include "bundle/policy-template.h"
#include "util/macro.h"

/*
 * The reference values of ear_default_policy_cpu.rego (key-broker.md 1.6),
 * with the JSON type each must have there. Nothing else is accepted: a name
 * the policy does not query (such as "snp-launch-measurement") would be
 * stored and never used.
 */
static const struct rv_name {
	const char *name;
	enum rv_kind {
		RV_HEX_LIST, /* list of lowercase hex strings of hex_bytes bytes */
		RV_INT_LIST,
		RV_BOOL,
		RV_INT,
		RV_HEX, /* one lowercase hex string (a digest of any length) */
	} kind;
	size_t hex_bytes;
	const char *tee; /* computed from this TEE's shapes, or NULL: given by the user */
	const char *reg;
} rv_names[] = {
	{ "snp_launch_measurement", RV_HEX_LIST, 48, "snp", "measurement" },
	{ "snp_bootloader", RV_INT_LIST, 0, NULL, NULL },
	{ "snp_microcode", RV_INT_LIST, 0, NULL, NULL },
	{ "snp_snp_svn", RV_INT_LIST, 0, NULL, NULL },
	{ "snp_tee_svn", RV_INT_LIST, 0, NULL, NULL },
	{ "snp_smt_enabled", RV_BOOL, 0, NULL, NULL },
	{ "snp_tsme_enabled", RV_BOOL, 0, NULL, NULL },
	{ "snp_guest_abi_major", RV_INT, 0, NULL, NULL },
	{ "snp_guest_abi_minor", RV_INT, 0, NULL, NULL },
	{ "snp_single_socket", RV_BOOL, 0, NULL, NULL },
	{ "snp_smt_allowed", RV_BOOL, 0, NULL, NULL },
	{ "mr_td", RV_HEX_LIST, 48, "tdx", "mrtd" },
	{ "rtmr_1", RV_HEX_LIST, 48, "tdx", "rtmr1" },
	{ "rtmr_2", RV_HEX_LIST, 48, "tdx", "rtmr2" },
	{ "tdvfkernel", RV_HEX, 0, NULL, NULL },
	{ "tdvfkernelparams", RV_HEX, 0, NULL, NULL },
	{ "xfam", RV_HEX_LIST, 8, NULL, NULL },
};

const char *bundle_trustee_rv_name(size_t i)
{
	return i < CVM_ARRAY_SIZE(rv_names) ? rv_names[i].name : NULL;
}

static const struct rv_name *rv_lookup(const char *name)
{
	for (size_t i = 0; i < CVM_ARRAY_SIZE(rv_names); i++)
		if (!strcmp(name, rv_names[i].name))
			return &rv_names[i];
	return NULL;
}

bool bundle_trustee_rv_is_list(const char *name)
{
	const struct rv_name *n = rv_lookup(name);

	return n && (n->kind == RV_HEX_LIST || n->kind == RV_INT_LIST);
}

static bool is_hex_any(const char *s)
{
	size_t n = strlen(s);

	return n && n % 2 == 0 && bundle_is_hex(s, n / 2);
}

static bool item_ok(const struct rv_name *n, json_object *v)
{
	switch (n->kind) {
	case RV_HEX_LIST:
		return json_object_is_type(v, json_type_string) &&
		       bundle_is_hex(json_object_get_string(v), n->hex_bytes);
	case RV_INT_LIST:
	case RV_INT:
		return json_object_is_type(v, json_type_int) && json_object_get_int64(v) >= 0;
	case RV_BOOL:
		return json_object_is_type(v, json_type_boolean);
	case RV_HEX:
		return json_object_is_type(v, json_type_string) &&
		       is_hex_any(json_object_get_string(v));
	}
	return false;
}

static const char *kind_text(const struct rv_name *n)
{
	static const char *const text[] = {
		[RV_HEX_LIST] = "a list of lowercase hex strings", [RV_INT_LIST] = "a list of integers",
		[RV_BOOL] = "true or false", [RV_INT] = "an integer",
		[RV_HEX] = "a lowercase hex string",
	};
	return text[n->kind];
}

int bundle_trustee_check_rv(const char *name, json_object *v, const char *where, cvm_err *reterr)
{
	const struct rv_name *n = rv_lookup(name);
	bool ok;

	if (!n)
		return cvm_err_set(reterr, -EBADMSG,
				   "%s: '%s' is not a reference value of Trustee's default policy",
				   where, name);
	if (n->kind == RV_HEX_LIST || n->kind == RV_INT_LIST) {
		ok = json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0 &&
		     json_object_array_length(v) <= CVM_BUNDLE_MAX_SHAPES;
		for (size_t i = 0; ok && i < json_object_array_length(v); i++)
			ok = item_ok(n, json_object_array_get_idx(v, i));
	} else {
		ok = item_ok(n, v);
	}
	if (!ok)
		return cvm_err_set(reterr, -EBADMSG, "%s: '%s' must be %s%s", where, name,
				   kind_text(n), n->hex_bytes ? " of the right length" : "");
	return 0;
}

int bundle_trustee_check_rvs(json_object *rvs, const char *where, cvm_err *reterr)
{
	int r;

	if (!json_object_is_type(rvs, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "%s: expected an object", where);
	json_object_object_foreach(rvs, name, v)
		if ((r = bundle_trustee_check_rv(name, v, where, reterr)) < 0)
			return r;
	return 0;
}

/* Append the string @s to the array @a unless it is there already. */
static int add_unique(json_object *a, const char *s)
{
	for (size_t i = 0; i < json_object_array_length(a); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(a, i)), s))
			return 0;
	return json_object_array_add(a, json_object_new_string(s)) < 0 ? -ENOMEM : 0;
}

/* The list @n->name from the shapes' known values, or NULL if there is none. */
static int computed_rv(const struct rv_name *n, json_object *shapes, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *list = json_object_new_array();

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < json_object_array_length(shapes); i++) {
		json_object *s = json_object_array_get_idx(shapes, i);
		const char *v = bundle_shape_value(s, n->reg);

		if (strcmp(bundle_shape_tee(s), n->tee) || !v)
			continue;
		if (add_unique(list, v) < 0)
			return -ENOMEM;
	}
	*ret = json_object_array_length(list) ? CVM_TAKE_PTR(list) : NULL;
	return 0;
}

int bundle_trustee_rvs(json_object *shapes, json_object *extra, json_object **ret,
		       cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *rvs = json_object_new_object();
	int r;

	if (!rvs)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (size_t i = 0; i < CVM_ARRAY_SIZE(rv_names); i++) {
		json_object *v = NULL;

		if (!rv_names[i].tee)
			continue;
		if (computed_rv(&rv_names[i], shapes, &v) < 0 ||
		    (v && cvm_json_add(rvs, rv_names[i].name, v) < 0))
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	if (extra) {
		if ((r = bundle_trustee_check_rvs(extra, "reference values", reterr)) < 0)
			return r;
		json_object_object_foreach(extra, name, v) {
			if (rv_lookup(name)->tee)
				return cvm_err_set(reterr, -EINVAL,
						   "reference value '%s' is computed from the "
						   "measurements; it cannot be given",
						   name);
			if (cvm_json_add(rvs, name, json_object_get(v)) < 0)
				return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
	}
	*ret = CVM_TAKE_PTR(rvs);
	return 0;
}
