/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Feeding a bundle to a running Trustee through its admin API (key-broker.md
 * 1.8 to 1.10). Everything is read and computed before anything is written:
 *
 *   unseal the broker key (the operator's key must open it)
 *   GET  /kbs/v0/reference-value/<id>     for each reference value of the bundle
 *   GET  /kbs/v0/resource-policy          (base64url of the Rego text)
 *   -- union the lists, refuse a conflicting single value, merge the rule --
 *   POST /kbs/v0/reference-value          one sample message with the merged values
 *   POST /kbs/v0/resource/<repo>/<type>/<tag>   the broker key
 *   POST /kbs/v0/resource-policy          {"policy": base64url of the merged Rego}
 *
 * Values on the broker that the bundle does not name are never touched; list
 * values are unioned, so other images' measurements stay.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/bundle.h"
#include "bundle/trustee.h"
#include "util/macro.h"

#define RESPONSE_MAX (4u << 20)

struct apply {
	const struct cvm_bundle *b;
	const struct cvm_trustee_apply *o;
	json_object *merged; /* the reference values to POST */
	char *policy;	     /* the merged resource policy */
	bool foreign;
	uint8_t *key; /* secret */
	size_t key_len;
};

static void apply_done(struct apply *a)
{
	json_object_put(a->merged);
	free(a->policy);
	cvm_secret_free(a->key);
}

static void note(const struct apply *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(const struct apply *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (!a->o->note)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	a->o->note(a->o->ctx, buf);
}

/*
 * Whether an error answer is the KBS's "no such reference value": Trustee
 * answers a GET of an unknown id with 401 and the RFC 7807 body
 * {"type": ".../errors/RvpsError", "detail": "... No reference value found
 * for the given id: <id>"} (kbs/src/error.rs, attestation/mod.rs).
 */
static bool no_such_rv(const struct cvm_http_response *resp)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	const char *type, *detail;
	size_t n;

	if (!resp->body || cvm_json_parse(resp->body, resp->len, RESPONSE_MAX, "answer", &o, NULL) < 0)
		return false;
	type = json_object_get_string(json_object_object_get(o, "type"));
	detail = json_object_get_string(json_object_object_get(o, "detail"));
	n = type ? strlen(type) : 0;
	return n >= 10 && !strcmp(type + n - 10, "/RvpsError") && detail &&
	       strstr(detail, "No reference value found");
}

static int exchange(const struct apply *a, const char *method, const char *path,
		    const char *type, const void *body, size_t len, bool secret,
		    struct cvm_http_response *resp, cvm_err *reterr)
{
	struct cvm_http_request req = { method, path, type, body, len, secret, NULL };
	int r;

	memset(resp, 0, sizeof(*resp));
	if ((r = a->o->http(a->o->ctx, &req, resp, reterr)) < 0)
		return r;
	if (resp->len > RESPONSE_MAX)
		return cvm_err_set(reterr, -EFBIG, "%s %s: the response is too large", method, path);
	if ((resp->status == 401 || resp->status == 403) && !no_such_rv(resp))
		return cvm_err_set(reterr, -EACCES, "%s %s: HTTP %ld (admin token refused): %.200s",
				   method, path, resp->status, resp->body ? resp->body : "");
	return 0;
}

static void response_done(struct cvm_http_response *r)
{
	free(r->body);
}

static int fail_status(const char *method, const char *path, const struct cvm_http_response *r,
		       cvm_err *reterr)
{
	return cvm_err_set(reterr, -EIO, "%s %s: HTTP %ld: %.200s", method, path, r->status,
			   r->body ? r->body : "");
}

/* The broker's value of @name, or NULL if it has none. */
static int get_rv(const struct apply *a, const char *name, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(response_done) struct cvm_http_response resp = { 0 };
	char path[128], what[160];
	int r;

	snprintf(path, sizeof(path), "/kbs/v0/reference-value/%s", name);
	r = exchange(a, "GET", path, NULL, NULL, 0, false, &resp, reterr);
	if (r >= 0 && (resp.status == 404 || no_such_rv(&resp)))
		*ret = NULL;
	else if (r >= 0 && resp.status != 200)
		r = fail_status("GET", path, &resp, reterr);
	else if (r >= 0 && resp.len == 0)
		*ret = NULL;
	else if (r >= 0) {
		snprintf(what, sizeof(what), "the broker's reference value '%s'", name);
		r = cvm_json_parse(resp.body, resp.len, RESPONSE_MAX, what, ret, reterr);
	}
	return r;
}

/* @have (the broker's) with @want (the bundle's) added: lists unioned, scalars must agree. */
static int union_rv(const char *name, json_object *have, json_object *want, json_object **ret,
		    cvm_err *reterr)
{
	json_object *out;

	if (!have) {
		*ret = json_object_get(want);
		return 0;
	}
	if (!bundle_trustee_rv_is_list(name)) {
		if (!json_object_equal(have, want))
			return cvm_err_set(reterr, -EKEYREJECTED,
					   "the broker has %s = %.64s, the bundle says %.64s: not "
					   "overwriting another image's value",
					   name, json_object_to_json_string(have),
					   json_object_to_json_string(want));
		*ret = json_object_get(have);
		return 0;
	}
	if (!json_object_is_type(have, json_type_array))
		return cvm_err_set(reterr, -EKEYREJECTED,
				   "the broker's %s is not a list; not overwriting it", name);
	if (!(out = json_object_new_array()))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (int pass = 0; pass < 2; pass++) {
		json_object *src = pass ? want : have;

		for (size_t i = 0; i < json_object_array_length(src); i++) {
			json_object *v = json_object_array_get_idx(src, i);
			bool seen = false;

			for (size_t j = 0; !seen && j < json_object_array_length(out); j++)
				seen = json_object_equal(v, json_object_array_get_idx(out, j));
			if (!seen)
				json_object_array_add(out, json_object_get(v));
		}
	}
	*ret = out;
	return 0;
}

static int read_rvs(struct apply *a, cvm_err *reterr)
{
	int r;

	if (!(a->merged = json_object_new_object()))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	json_object_object_foreach(a->b->rvs, name, want) {
		CVM_CLEANUP(cvm_jsonp) json_object *have = NULL;
		json_object *v = NULL;
		size_t before;

		if ((r = get_rv(a, name, &have, reterr)) < 0 ||
		    (r = union_rv(name, have, want, &v, reterr)) < 0)
			return r;
		before = json_object_is_type(have, json_type_array) ? json_object_array_length(have)
								     : have != NULL;
		note(a, "reference value %s: %zu on the broker, %zu after the union", name,
		     before, json_object_is_type(v, json_type_array) ? json_object_array_length(v)
								     : 1);
		if (cvm_json_add(a->merged, name, v) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	return 0;
}

static int read_policy(struct apply *a, cvm_err *reterr)
{
	static const char path[] = "/kbs/v0/resource-policy";
	CVM_CLEANUP(response_done) struct cvm_http_response resp = { 0 };
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	const char *p;
	size_t len = 0, n;
	int r;

	if ((r = exchange(a, "GET", path, NULL, NULL, 0, false, &resp, reterr)) < 0)
		return r;
	if (resp.status != 200 && resp.status != 404)
		return fail_status("GET", path, &resp, reterr);
	/* the base64url text, possibly as a JSON string or with a newline */
	p = resp.body ? resp.body : "";
	n = resp.status == 200 ? resp.len : 0;
	while (n && strchr(" \t\r\n\"", p[n - 1]))
		n--;
	while (n && strchr(" \t\r\n\"", *p)) {
		p++;
		n--;
	}
	if (n && (r = cvm_base64_decode(p, n, CVM_BASE64_URL, RESPONSE_MAX, &text, &len, reterr)) <
			 0)
		return cvm_err_set(reterr, r, "GET %s: the policy is not base64url", path);
	if ((r = bundle_policy_merge(text ? (const char *)text : NULL, a->b->resource, a->b->rule,
				     &a->policy, &a->foreign, reterr)) < 0)
		return r;
	note(a, "resource policy: %zu bytes on the broker, %zu after the merge", len,
	     strlen(a->policy));
	return 0;
}

/* POST, requiring 2xx. */
static int post(const struct apply *a, const char *path, const char *type, const void *body,
		size_t len, bool secret, cvm_err *reterr)
{
	CVM_CLEANUP(response_done) struct cvm_http_response resp = { 0 };
	int r;

	if ((r = exchange(a, "POST", path, type, body, len, secret, &resp, reterr)) < 0)
		return r;
	if (resp.status < 200 || resp.status > 299)
		return fail_status("POST", path, &resp, reterr);
	return 0;
}

int bundle_rv_message(json_object *rvs, char **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *msg = json_object_new_object();
	CVM_CLEANUP_FREE char *payload = NULL;
	const char *text = json_object_to_json_string_ext(rvs, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!msg || !text || !(payload = cvm_base64_encode((const uint8_t *)text, strlen(text))) ||
	    cvm_json_add(msg, "version", json_object_new_string("0.1.0")) < 0 ||
	    cvm_json_add(msg, "type", json_object_new_string("sample")) < 0 ||
	    cvm_json_add(msg, "payload", json_object_new_string(payload)) < 0 ||
	    !(text = json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN)) ||
	    !(*ret = strdup(text)))
		return -ENOMEM;
	return 0;
}

static int write_all(struct apply *a, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *msg = NULL, *policy64 = NULL, *body = NULL;
	char path[CVM_BUNDLE_RESOURCE_MAX + 32];
	int r;

	if (bundle_rv_message(a->merged, &msg) < 0 ||
	    !(policy64 = cvm_base64url_encode((const uint8_t *)a->policy, strlen(a->policy))) ||
	    asprintf(&body, "{\"policy\":\"%s\"}", policy64) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = post(a, "/kbs/v0/reference-value", "application/json", msg, strlen(msg), false,
		      reterr)) < 0)
		return r;
	note(a, "registered %d reference values", json_object_object_length(a->merged));
	snprintf(path, sizeof(path), "/kbs/v0/resource/%s", a->b->resource);
	if ((r = post(a, path, "application/octet-stream", a->key, a->key_len, true, reterr)) < 0)
		return r;
	note(a, "uploaded the broker key (%zu bytes) to %s", a->key_len, a->b->resource);
	if ((r = post(a, "/kbs/v0/resource-policy", "application/json", body, strlen(body), false,
		      reterr)) < 0)
		return r;
	note(a, "merged the rule for %s into the resource policy", a->b->resource);
	if (a->foreign)
		note(a, "warning: the resource policy has allow rules cvmimg did not write; they "
			"may release %s too",
		     a->b->resource);
	return 0;
}

CVM_PUBLIC int cvm_trustee_apply(const struct cvm_bundle *b, const struct cvm_trustee_apply *o,
				 cvm_err *reterr)
{
	CVM_CLEANUP(apply_done) struct apply a = { .b = b, .o = o };
	int r;

	CVM_CHECK_ARG(b && o && o->http && o->operator_key_path, reterr);
	if (!b->verified)
		return cvm_err_set(reterr, -EINVAL, "%s: its signature must be verified first",
				   b->name);
	if ((r = cvm_bundle_unseal(b, o->operator_key_path, &a.key, &a.key_len, reterr)) < 0 ||
	    (r = read_rvs(&a, reterr)) < 0 || (r = read_policy(&a, reterr)) < 0)
		return r;
	return write_all(&a, reterr);
}
