/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verification policy as a JSON document (json-c stays in this file):
 *
 *   {"snp": {"allow_debug": false, "vmpl": 0, "measurements": ["<hex>"], ...},
 *    "tdx": {"allow_debug": false, "mrtd": ["<hex>"], "accept_tcb_status": [...]}}
 *
 * Keys are those of policies/verify-report-default.json; null resets an entry
 * to "not checked"; "comment" is allowed anywhere and ignored.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "util/macro.h"


CVM_PUBLIC void cvm_attest_policy_init(struct cvm_attest_policy *p)
{
	if (!p)
		return;
	memset(p, 0, sizeof(*p));
	p->snp.vmpl = -1;
	p->tdx.accept_tcb_status = 1u << CVM_TDX_TCB_UP_TO_DATE;
}

/* Where an error is: the document and the key path. */
struct pctx {
	const char *name;
	const char *section;
	const char *key;
	cvm_err *err;
};

static int bad(const struct pctx *c, const char *what)
{
	return cvm_err_set(c->err, -EBADMSG, "'%s': %s.%s: %s", c->name, c->section, c->key, what);
}

static int get_bool(const struct pctx *c, json_object *v, bool *dst)
{
	if (!json_object_is_type(v, json_type_boolean))
		return bad(c, "expected true or false");
	*dst = json_object_get_boolean(v);
	return 0;
}

/* An array of at most CVM_ATTEST_MAX_VALUES strings of under 128 bytes. */
static int get_strings(const struct pctx *c, json_object *v, char (*dst)[128], unsigned *n)
{
	size_t len;

	if (!json_object_is_type(v, json_type_array))
		return bad(c, "expected an array of strings");
	len = json_object_array_length(v);
	if (len > CVM_ATTEST_MAX_VALUES)
		return bad(c, "too many values");
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    (size_t)json_object_get_string_len(e) >= sizeof(dst[0]))
			return bad(c, "expected strings of under 128 bytes");
		snprintf(dst[i], sizeof(dst[0]), "%s", json_object_get_string(e));
	}
	*n = (unsigned)len;
	return 0;
}

static int get_hex(const struct pctx *c, json_object *v, uint8_t *dst, size_t len, bool *have)
{
	char what[64];

	if (json_object_is_type(v, json_type_null)) {
		*have = false;
		return 0;
	}
	snprintf(what, sizeof(what), "expected %zu bytes in hex, or null", len);
	if (!json_object_is_type(v, json_type_string) ||
	    cvm_hex_decode(json_object_get_string(v), dst, len, NULL) < 0)
		return bad(c, what);
	*have = true;
	return 0;
}

/* A list of 48-byte values: an array of hex strings (a single string is a list of one). */
static int get_list48(const struct pctx *c, json_object *v, uint8_t (*dst)[48], unsigned *n)
{
	size_t count;

	if (json_object_is_type(v, json_type_null)) {
		*n = 0;
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		bool have;
		int r = get_hex(c, v, dst[0], 48, &have);

		*n = r < 0 ? 0 : 1;
		return r;
	}
	if (!json_object_is_type(v, json_type_array))
		return bad(c, "expected an array of 48-byte hex values");
	count = json_object_array_length(v);
	if (count > CVM_ATTEST_MAX_VALUES)
		return bad(c, "more than 16 values");
	for (size_t i = 0; i < count; i++) {
		json_object *e = json_object_array_get_idx(v, i);

		if (!json_object_is_type(e, json_type_string) ||
		    cvm_hex_decode(json_object_get_string(e), dst[i], 48, NULL) < 0)
			return bad(c, "expected an array of 48-byte hex values");
	}
	*n = (unsigned)count;
	return 0;
}

static int get_int(const struct pctx *c, json_object *v, int64_t min, int64_t max, int64_t *dst)
{
	char what[64];

	snprintf(what, sizeof(what), "expected an integer from %lld to %lld", (long long)min,
		 (long long)max);
	if (!json_object_is_type(v, json_type_int))
		return bad(c, what);
	errno = 0;
	*dst = json_object_get_int64(v);
	if (errno || *dst < min || *dst > max)
		return bad(c, what);
	return 0;
}

static int get_min_tcb(const struct pctx *c, json_object *v, struct cvm_attest_policy *p)
{
	uint8_t *dst[] = { &p->snp.min_tcb.bootloader, &p->snp.min_tcb.tee, &p->snp.min_tcb.snp,
			   &p->snp.min_tcb.microcode, &p->snp.min_tcb.fmc };
	static const char *const names[] = { "bootloader", "tee", "snp", "microcode", "fmc" };
	bool seen[5] = { false };

	if (json_object_is_type(v, json_type_null)) {
		p->snp.have_min_tcb = p->snp.min_tcb_has_fmc = false;
		return 0;
	}
	if (!json_object_is_type(v, json_type_object))
		return bad(c, "expected {\"bootloader\": N, \"tee\": N, \"snp\": N, "
			      "\"microcode\": N[, \"fmc\": N]}");
	memset(&p->snp.min_tcb, 0, sizeof(p->snp.min_tcb));
	json_object_object_foreach(v, key, val) {
		size_t i = 0;
		int64_t n;
		int r;

		while (i < 5 && strcmp(key, names[i]))
			i++;
		if (i == 5)
			return bad(c, "unknown TCB component (bootloader, tee, snp, microcode, fmc)");
		r = get_int(c, val, 0, 255, &n);
		if (r < 0)
			return r;
		*dst[i] = (uint8_t)n;
		seen[i] = true;
	}
	if (!seen[0] || !seen[1] || !seen[2] || !seen[3])
		return bad(c, "bootloader, tee, snp and microcode are all required");
	p->snp.have_min_tcb = true;
	p->snp.min_tcb_has_fmc = seen[4];
	return 0;
}

static int snp_key(struct pctx *c, json_object *v, struct cvm_attest_policy *p)
{
	const char *k = c->key;
	int64_t n;
	int r;

	if (!strcmp(k, "allow_debug"))
		return get_bool(c, v, &p->snp.allow_debug);
	if (!strcmp(k, "allow_migration_agent"))
		return get_bool(c, v, &p->snp.allow_migration_agent);
	if (!strcmp(k, "strict_committed_tcb"))
		return get_bool(c, v, &p->snp.strict_committed_tcb);
	if (!strcmp(k, "require_crl"))
		return get_bool(c, v, &p->snp.require_crl);
	if (!strcmp(k, "vlek_csp_ids"))
		return get_strings(c, v, p->snp.vlek_csp_ids, &p->snp.n_vlek_csp_ids);
	if (!strcmp(k, "measurements"))
		return get_list48(c, v, p->snp.measurements, &p->snp.n_measurements);
	if (!strcmp(k, "id_key_digests"))
		return get_list48(c, v, p->snp.id_key_digests, &p->snp.n_id_key_digests);
	if (!strcmp(k, "author_key_digests"))
		return get_list48(c, v, p->snp.author_key_digests, &p->snp.n_author_key_digests);
	if (!strcmp(k, "report_data"))
		return get_hex(c, v, p->snp.report_data, 64, &p->snp.have_report_data);
	if (!strcmp(k, "host_data"))
		return get_hex(c, v, p->snp.host_data, 32, &p->snp.have_host_data);
	if (!strcmp(k, "min_tcb"))
		return get_min_tcb(c, v, p);
	if (!strcmp(k, "vmpl")) {
		p->snp.vmpl = -1;
		if (json_object_is_type(v, json_type_null))
			return 0;
		r = get_int(c, v, 0, 3, &n);
		p->snp.vmpl = r < 0 ? -1 : (int)n;
		return r;
	}
	if (!strcmp(k, "min_guest_svn")) {
		p->snp.have_min_guest_svn = false;
		if (json_object_is_type(v, json_type_null))
			return 0;
		r = get_int(c, v, 0, UINT32_MAX, &n);
		p->snp.have_min_guest_svn = r == 0;
		p->snp.min_guest_svn = (uint32_t)n;
		return r;
	}
	return bad(c, "unknown key");
}

static int get_statuses(const struct pctx *c, json_object *v, unsigned *mask)
{
	size_t n;

	if (!json_object_is_type(v, json_type_array))
		return bad(c, "expected an array of TCB status names");
	*mask = 0;
	n = json_object_array_length(v);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		enum cvm_tdx_tcb_status s = cvm_tdx_tcb_status_from_string(
			json_object_is_type(e, json_type_string) ? json_object_get_string(e) : NULL);

		if (s < 0)
			return bad(c, "unknown TCB status (UpToDate, SWHardeningNeeded, "
				      "ConfigurationNeeded, OutOfDate, ...)");
		*mask |= 1u << s;
	}
	return 0;
}

/* {"sept_ve_disable": true, "pks": false, ...}: true = must be set, false = must be clear */
static int get_td_flags(const struct pctx *c, json_object *v, struct cvm_attest_policy *p)
{
	static const struct {
		const char *name;
		uint64_t bit;
	} flags[] = {
		{ "sept_ve_disable", CVM_TD_ATTR_SEPT_VE_DISABLE }, { "migratable", CVM_TD_ATTR_MIGRATABLE },
		{ "pks", CVM_TD_ATTR_PKS },			     { "kl", CVM_TD_ATTR_KL },
		{ "perfmon", CVM_TD_ATTR_PERFMON },
	};

	p->tdx.td_attr_required = p->tdx.td_attr_forbidden = 0;
	if (json_object_is_type(v, json_type_null))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return bad(c, "expected an object of attribute names and true or false");
	json_object_object_foreach(v, key, val) {
		size_t i = 0;

		while (i < sizeof(flags) / sizeof(flags[0]) && strcmp(key, flags[i].name))
			i++;
		if (i == sizeof(flags) / sizeof(flags[0]))
			return bad(c, "unknown attribute (sept_ve_disable, migratable, pks, kl, "
				      "perfmon; debug is allow_debug)");
		if (!json_object_is_type(val, json_type_boolean))
			return bad(c, "expected true (must be set) or false (must be clear)");
		if (json_object_get_boolean(val))
			p->tdx.td_attr_required |= flags[i].bit;
		else
			p->tdx.td_attr_forbidden |= flags[i].bit;
	}
	return 0;
}

static int tdx_key(struct pctx *c, json_object *v, struct cvm_attest_policy *p)
{
	static const char *const rtmr[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	const char *k = c->key;

	if (!strcmp(k, "allow_debug"))
		return get_bool(c, v, &p->tdx.allow_debug);
	if (!strcmp(k, "mrtd"))
		return get_list48(c, v, p->tdx.mrtd, &p->tdx.n_mrtd);
	if (!strcmp(k, "report_data"))
		return get_hex(c, v, p->tdx.report_data, 64, &p->tdx.have_report_data);
	if (!strcmp(k, "td_attributes"))
		return get_hex(c, v, p->tdx.td_attributes, 8, &p->tdx.have_td_attributes);
	if (!strcmp(k, "td_attribute_flags"))
		return get_td_flags(c, v, p);
	if (!strcmp(k, "xfam"))
		return get_hex(c, v, p->tdx.xfam, 8, &p->tdx.have_xfam);
	if (!strcmp(k, "mrconfigid"))
		return get_hex(c, v, p->tdx.mrconfigid, 48, &p->tdx.have_mrconfigid);
	if (!strcmp(k, "mrowner"))
		return get_hex(c, v, p->tdx.mrowner, 48, &p->tdx.have_mrowner);
	if (!strcmp(k, "mrownerconfig"))
		return get_hex(c, v, p->tdx.mrownerconfig, 48, &p->tdx.have_mrownerconfig);
	if (!strcmp(k, "accept_tcb_status")) {
		/* null: the default (UpToDate, when a TCB status is evaluated) */
		p->tdx.tcb_status_named = !json_object_is_type(v, json_type_null);
		if (!p->tdx.tcb_status_named) {
			p->tdx.accept_tcb_status = 1u << CVM_TDX_TCB_UP_TO_DATE;
			return 0;
		}
		return get_statuses(c, v, &p->tdx.accept_tcb_status);
	}
	for (int i = 0; i < 4; i++)
		if (!strcmp(k, rtmr[i]))
			return get_hex(c, v, p->tdx.rtmr[i], 48, &p->tdx.have_rtmr[i]);
	return bad(c, "unknown key");
}

static int section(struct pctx *c, json_object *obj, struct cvm_attest_policy *p,
		   int (*fn)(struct pctx *, json_object *, struct cvm_attest_policy *))
{
	if (!json_object_is_type(obj, json_type_object))
		return cvm_err_set(c->err, -EBADMSG, "'%s': %s: expected an object", c->name,
				   c->section);
	json_object_object_foreach(obj, key, val) {
		int r;

		if (!strcmp(key, "comment"))
			continue;
		c->key = key;
		r = fn(c, val, p);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_document(const char *json, size_t len, const char *name, json_object **ret,
			  cvm_err *reterr)
{
	CVM_CLEANUP(cvm_json_tokenerp) json_tokener *tok = json_tokener_new();
	json_object *o;
	size_t end;

	if (!tok)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o) {
		enum json_tokener_error e = json_tokener_get_error(tok);

		return cvm_err_set(reterr, -EBADMSG, "'%s' is not valid JSON: %s", name,
				   e == json_tokener_continue ? "unexpected end"
							      : json_tokener_error_desc(e));
	}
	end = json_tokener_get_parse_end(tok);
	while (end < len && strchr(" \t\r\n", json[end]))
		end++;
	if (end < len) {
		json_object_put(o);
		return cvm_err_set(reterr, -EBADMSG, "'%s': unexpected data after the JSON value",
				   name);
	}
	*ret = o;
	return 0;
}

CVM_PUBLIC int cvm_attest_policy_load_json(struct cvm_attest_policy *p, const char *json,
					   size_t len, const char *name, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL;
	struct cvm_attest_policy tmp;
	struct pctx c = { .name = name ? name : "policy", .err = reterr };
	int r;

	CVM_CHECK_ARG(p && json, reterr);
	if (len > CVM_ATTEST_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large", c.name);
	r = parse_document(json, len, c.name, &doc, reterr);
	if (r < 0)
		return r;
	if (!json_object_is_type(doc, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "'%s': expected a JSON object", c.name);
	tmp = *p; /* @p is left untouched on error */
	json_object_object_foreach(doc, key, val) {
		c.section = key;
		if (!strcmp(key, "comment"))
			continue;
		if (!strcmp(key, "snp"))
			r = section(&c, val, &tmp, snp_key);
		else if (!strcmp(key, "tdx"))
			r = section(&c, val, &tmp, tdx_key);
		else
			r = cvm_err_set(reterr, -EBADMSG,
					"'%s': unknown key '%s' (expected snp, tdx)", c.name, key);
		if (r < 0)
			return r;
	}
	*p = tmp;
	return 0;
}
