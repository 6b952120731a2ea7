/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A UKI's description as JSON: the one shape `uki inspect`, `inspect` and `build` print. */
#include <errno.h>

#include <cvmimg/json.h>
#include <cvmimg/uki.h>

#include "util/macro.h"

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *sections(const struct cvm_uki_info *in)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < in->n_sections; i++) {
		const struct cvm_uki_section *s = &in->sections[i];
		json_object *o = json_object_new_object();

		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
		json_object_object_add(o, "name", json_object_new_string(s->name));
		json_object_object_add(o, "file_offset", json_object_new_int64(s->file_offset));
		json_object_object_add(o, "file_size", json_object_new_int64(s->file_size));
		json_object_object_add(o, "virtual_address",
				       json_object_new_int64(s->virtual_address));
		json_object_object_add(o, "virtual_size", json_object_new_int64(s->virtual_size));
		cvm_json_add_hex(o, "sha256", s->sha256, 32);
		json_object_object_add(o, "measured", json_object_new_boolean(s->measured));
	}
	return a;
}

static json_object *pcr11(const struct cvm_uki_info *in)
{
	json_object *o = json_object_new_object(), *bank = json_object_new_object();

	if (!o || !bank || json_object_object_add(o, "sha256", bank) < 0) {
		json_object_put(o);
		json_object_put(bank);
		return NULL;
	}
	cvm_json_add_hex(bank, "sections", in->pcr11_sha256[0], 32);
	for (size_t i = 0; i < CVM_UKI_PHASES; i++)
		cvm_json_add_hex(bank, cvm_uki_phase_name(i), in->pcr11_sha256[1 + i], 32);
	return o;
}

static json_object *signature(const struct cvm_uki_info *in)
{
	json_object *o;

	if (!in->is_signed || !(o = json_object_new_object()))
		return NULL;
	json_object_object_add(o, "subject", string_or_null(in->signer_subject));
	json_object_object_add(o, "issuer", string_or_null(in->signer_issuer));
	json_object_object_add(o, "digest_matches",
			       json_object_new_boolean(in->signature_digest_matches));
	return o;
}

CVM_PUBLIC int cvm_uki_info_to_json(const struct cvm_uki_info *in, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *a;

	if (!in || !ret)
		return -EINVAL;
	if (!(o = json_object_new_object()) ||
	    cvm_json_add(o, "authenticode", a = json_object_new_object()) < 0)
		return -ENOMEM;
	json_object_object_add(o, "size", json_object_new_uint64(in->size));
	cvm_json_add_hex(o, "sha256", in->sha256, 32);
	json_object_object_add(o, "is_uki", json_object_new_boolean(in->is_uki));
	json_object_object_add(o, "stub", string_or_null(in->stub_version));
	json_object_object_add(o, "uname", string_or_null(in->uname));
	if (cvm_json_add(o, "sections", sections(in)) < 0)
		return -ENOMEM;
	cvm_json_add_hex(a, "sha256", in->authenticode_sha256, 32);
	cvm_json_add_hex(a, "sha384", in->authenticode_sha384, 48);
	json_object_object_add(o, "pcr11", in->is_uki ? pcr11(in) : NULL);
	json_object_object_add(o, "signature", signature(in));
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
