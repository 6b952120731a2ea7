/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The measurements document and its VM shapes (cvmimg-bundle(5), MEASUREMENTS):
 *
 *   {"measurements": [
 *     {"shape": "snp/4xEPYC-Milan", "launch": {"vcpu_type": "EPYC-Milan", ...},
 *      "measurement": {"tee": "snp", "measurement": "<96 hex>", "inputs": {...}}},
 *     {"shape": "tdx/2", "launch": {...},
 *      "measurement": {"tee": "tdx", "mrtd": "<hex>", "rtmr0": null, ...,
 *                      "unknown": {"rtmr0": "why"}, "inputs": {...}, "events": [...]}}]}
 *
 * One shape is one way of launching the image with the measurement it gives.
 * "measurement" is the measure library's object, as cvm_measurement_to_json()
 * writes it and cvmimg measure --json prints it, carried unchanged; only the
 * members that name the TEE and its values are read here. "launch" holds what
 * the measurement object does not (a vCPU type's name, a memory size, a QEMU
 * version). The same checks run on measurements.json when a bundle is made
 * and on the predicate of every bundle read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/json.h>

#include "bundle/shapes.h"
#include "util/macro.h"

static const struct tee_info {
	const char *name;      /* as the measurement object names it */
	const char *tee;       /* as a report names it: snp:svsm launches are snp */
	const char *const *registers;
	size_t len;	       /* bytes of each value */
	bool may_be_unknown;
} tees[] = {
	{ "sev", "sev", (const char *const[]){ "measurement", NULL }, 32, false },
	{ "sev-es", "sev-es", (const char *const[]){ "measurement", NULL }, 32, false },
	{ "snp", "snp", (const char *const[]){ "measurement", NULL }, 48, false },
	{ "snp:svsm", "snp", (const char *const[]){ "measurement", NULL }, 48, false },
	{ "tdx", "tdx", (const char *const[]){ "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3", NULL },
	  48, true },
};

static const struct tee_info *tee_info(const char *name)
{
	for (size_t i = 0; name && i < CVM_ARRAY_SIZE(tees); i++)
		if (!strcmp(name, tees[i].name))
			return &tees[i];
	return NULL;
}

const char *const *bundle_tee_registers(const char *tee, size_t *ret_len)
{
	const struct tee_info *t = tee_info(tee);

	if (!t)
		return NULL;
	if (ret_len)
		*ret_len = t->len;
	return t->registers;
}

bool bundle_is_hex(const char *s, size_t bytes)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 2 * bytes;
}

/* Where a value is: "'measurements.json': measurements[2].measurement.mrtd". */
struct where {
	const char *doc;
	const char *list;
	size_t i;
	cvm_err *err;
};

static int bad(const struct where *w, const char *key, const char *what)
{
	return cvm_err_set(w->err, -EBADMSG, "%s: %s[%zu]%s%s: %s", w->doc, w->list, w->i,
			   key ? "." : "", key ? key : "", what);
}

/* A member of type @t, named @label in messages: required, or optional (absent or null: NULL). */
static int member(const struct where *w, json_object *o, const char *key, const char *label,
		  json_type t, bool required, json_object **ret)
{
	static const char *const names[] = {
		[json_type_null] = "null",	  [json_type_boolean] = "a boolean",
		[json_type_double] = "a number",  [json_type_int] = "an integer",
		[json_type_object] = "an object", [json_type_array] = "an array",
		[json_type_string] = "a string",
	};
	char what[48];

	*ret = NULL;
	if (!json_object_object_get_ex(o, key, ret) || !*ret) {
		*ret = NULL;
		return required ? bad(w, label, "missing") : 0;
	}
	if (!json_object_is_type(*ret, t)) {
		snprintf(what, sizeof(what), "expected %s", names[t]);
		return bad(w, label, what);
	}
	return 0;
}

/* One register of the measurement object: hex of the right length, or null with a reason. */
static int check_value(const struct where *w, const struct tee_info *t, json_object *m,
		       json_object *unknown, const char *reg)
{
	json_object *v = NULL, *why = NULL;
	char key[64], what[96];

	snprintf(key, sizeof(key), "measurement.%s", reg);
	if (!json_object_object_get_ex(m, reg, &v))
		return bad(w, key, t->may_be_unknown ? "missing (null with a reason if unknown)"
						     : "missing");
	if (!v) {
		if (!t->may_be_unknown)
			return bad(w, key, "cannot be unknown");
		if (!unknown || !json_object_object_get_ex(unknown, reg, &why) ||
		    !json_object_is_type(why, json_type_string) ||
		    !json_object_get_string_len(why))
			return bad(w, key, "null without a reason in \"unknown\"");
		return 0;
	}
	snprintf(what, sizeof(what), "expected %zu lowercase hex digits", 2 * t->len);
	if (!json_object_is_type(v, json_type_string) ||
	    !bundle_is_hex(json_object_get_string(v), t->len))
		return bad(w, key, what);
	return 1;
}

static int check_measurement(const struct where *w, json_object *m)
{
	json_object *tee, *unknown, *inputs;
	const struct tee_info *t;
	int r, known = 0;

	if ((r = member(w, m, "tee", "measurement.tee", json_type_string, true, &tee)) < 0 ||
	    (r = member(w, m, "unknown", "measurement.unknown", json_type_object, false,
			&unknown)) < 0 ||
	    (r = member(w, m, "inputs", "measurement.inputs", json_type_object, false, &inputs)) <
		    0)
		return r;
	if (!(t = tee_info(json_object_get_string(tee))))
		return bad(w, "measurement.tee", "expected sev, sev-es, snp, snp:svsm or tdx");
	for (const char *const *reg = t->registers; *reg; reg++) {
		if ((r = check_value(w, t, m, unknown, *reg)) < 0)
			return r;
		known += r;
	}
	if (!known)
		return bad(w, "measurement", "no value is known");
	return 0;
}

static int check_shape(const struct where *w, json_object *s)
{
	json_object *name, *launch, *m;
	const char *n;
	int r;

	if (!json_object_is_type(s, json_type_object))
		return bad(w, NULL, "expected an object");
	if ((r = member(w, s, "shape", "shape", json_type_string, true, &name)) < 0 ||
	    (r = member(w, s, "launch", "launch", json_type_object, false, &launch)) < 0 ||
	    (r = member(w, s, "measurement", "measurement", json_type_object, true, &m)) < 0)
		return r;
	n = json_object_get_string(name);
	if (!*n || strlen(n) > 128 || strspn(n, " !\"#$%&'()*+,-./0123456789:;<=>?@"
						"ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
						"abcdefghijklmnopqrstuvwxyz{|}~") != strlen(n))
		return bad(w, "shape", "expected 1 to 128 printable ASCII characters");
	return check_measurement(w, m);
}

int bundle_check_shapes(json_object *list, const char *doc, const char *list_name,
			cvm_err *reterr)
{
	struct where w = { .doc = doc, .list = list_name, .err = reterr };
	size_t n;
	int r;

	if (!list || !json_object_is_type(list, json_type_array))
		return cvm_err_set(reterr, -EBADMSG, "%s: %s: expected an array of VM shapes", doc,
				   list_name);
	n = json_object_array_length(list);
	if (n == 0)
		return cvm_err_set(reterr, -EBADMSG, "%s: %s: no measurements", doc, list_name);
	if (n > CVM_BUNDLE_MAX_SHAPES)
		return cvm_err_set(reterr, -EFBIG, "%s: %s: more than %d VM shapes", doc,
				   list_name, CVM_BUNDLE_MAX_SHAPES);
	for (w.i = 0; w.i < n; w.i++) {
		json_object *s = json_object_array_get_idx(list, w.i);

		if ((r = check_shape(&w, s)) < 0)
			return r;
		for (size_t j = 0; j < w.i; j++)
			if (!strcmp(bundle_shape_name(s),
				    bundle_shape_name(json_object_array_get_idx(list, j))))
				return bad(&w, "shape", "the same name as an earlier shape");
	}
	return 0;
}

const char *bundle_shape_name(json_object *shape)
{
	return json_object_get_string(json_object_object_get(shape, "shape"));
}

const char *bundle_shape_tee(json_object *shape)
{
	json_object *m = json_object_object_get(shape, "measurement");
	const struct tee_info *t = tee_info(json_object_get_string(json_object_object_get(m, "tee")));

	return t ? t->tee : NULL;
}

const char *bundle_shape_value(json_object *shape, const char *reg)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(json_object_object_get(shape, "measurement"), reg, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

CVM_PUBLIC int cvm_bundle_measurements_load(const char *text, size_t len, const char *name,
					    json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL;
	char quoted[300];
	int r;

	CVM_CHECK_ARG(text && name && ret, reterr);
	snprintf(quoted, sizeof(quoted), "'%s'", name);
	if ((r = cvm_json_parse(text, len, CVM_BUNDLE_MAX_SIZE, quoted, &doc, reterr)) < 0)
		return r;
	if (!json_object_is_type(doc, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "%s: expected a JSON object", quoted);
	if ((r = bundle_check_shapes(json_object_object_get(doc, "measurements"), quoted,
				     "measurements", reterr)) < 0)
		return r;
	*ret = CVM_TAKE_PTR(doc);
	return 0;
}

CVM_PUBLIC int cvm_bundle_shape_new(const char *name, json_object *launch, json_object *measurement,
				    json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *s = json_object_new_object();
	CVM_CLEANUP(cvm_jsonp) json_object *one = json_object_new_array();
	int r;

	CVM_CHECK_ARG(name && measurement && ret, reterr);
	if (!s || !one || cvm_json_add(s, "shape", json_object_new_string(name)) < 0 ||
	    (launch && cvm_json_add(s, "launch", json_object_get(launch)) < 0) ||
	    cvm_json_add(s, "measurement", json_object_get(measurement)) < 0 ||
	    json_object_array_add(one, json_object_get(s)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = bundle_check_shapes(one, "the shape", "shapes", reterr)) < 0)
		return r;
	*ret = CVM_TAKE_PTR(s);
	return 0;
}
