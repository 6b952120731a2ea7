/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Trustee's KBS protocol, RCAR 0.4.0 (trustee kbs/docs/kbs_attestation_protocol.md):
 *   POST /kbs/v0/auth   {"version","tee","extra-params"}  -> cookie, {"nonce","extra-params"}
 *   POST /kbs/v0/attest {"runtime-data","tee-evidence"}   -> {"token"}
 *   GET  /kbs/v0/resource/REPO/TYPE/TAG                   -> flattened JWE to the tee-pubkey
 * The evidence binds the runtime data through report_data: the digest of
 * JCS({"additional-evidence":"","nonce":N,"tee-pubkey":JWK}), SHA-384 unless
 * the broker selects another hash in the challenge's extra-params.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/jose.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/hash.h"
#include "util/macro.h"
#include "util/ossl.h"

struct session {
	const struct cvm_kbs_client *c;
	char cookie[CVM_HTTP_COOKIE_MAX];
	char *nonce;
	enum cvm_hash_alg hash;
	EVP_PKEY *key;
};

static void session_done(struct session *s)
{
	free(s->nonce);
	EVP_PKEY_free(s->key);
	cvm_memzero(s->cookie, sizeof(s->cookie));
}

static void response_done(struct cvm_http_response *r)
{
	if (r->body)
		cvm_memzero(r->body, r->len);
	free(r->body);
	r->body = NULL;
}

static void note(const struct cvm_kbs_client *c, const char *text)
{
	if (c->note)
		c->note(c->note_ctx, text);
}

static bool path_part_ok(const char *p, size_t n)
{
	if (!n || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && !strchr("._-", p[i]))
			return false;
	return true;
}

/* "REPO/TYPE/TAG": three parts, each of letters, digits and ._- (not "." or ".."). */
static bool resource_path_ok(const char *path)
{
	const char *p = path;

	for (int part = 0; part < 3; part++) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);

		if ((part < 2) != (end != NULL) || !path_part_ok(p, n))
			return false;
		p += n + 1;
	}
	return strlen(path) <= 256;
}

/* The "detail" of Trustee's error body {"type":..,"detail":..}, else the body's start. */
static void error_text(const struct cvm_http_response *r, char *out, size_t size)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *d;
	size_t n;

	out[0] = '\0';
	if (!r->body || !r->len)
		return;
	if (cvm_json_parse(r->body, r->len, CVM_KBS_RESPONSE_MAX, "answer", &o, NULL) == 0 &&
	    json_object_object_get_ex(o, "detail", &d) && json_object_is_type(d, json_type_string))
		snprintf(out, size, "%s", json_object_get_string(d));
	else {
		n = r->len < size - 1 ? r->len : size - 1;
		memcpy(out, r->body, n);
		out[n] = '\0';
	}
	/* one line: the broker's control characters become spaces */
	for (char *p = out; *p; p++)
		if (iscntrl((unsigned char)*p))
			*p = ' ';
}

static int status_error(const char *what, const struct cvm_http_response *r, cvm_err *reterr)
{
	char text[160];
	int code = r->status == 401 || r->status == 403 ? -EACCES
		   : r->status == 404			 ? -ENOENT
							 : -EPROTO;

	error_text(r, text, sizeof(text));
	return cvm_err_set(reterr, code, "the broker refused %s (HTTP %ld)%s%s", what, r->status,
			   *text ? ": " : "", text);
}

/* One request; 0 with a 200 answer parsed as a JSON object in *@ret (when @ret). */
static int exchange(struct session *s, const char *what, const char *method, const char *path,
		    json_object *body, struct cvm_http_response *resp, json_object **ret,
		    cvm_err *reterr)
{
	const char *text = body ? json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN)
				: NULL;
	struct cvm_http_request req = {
	    .method = method,
	    .path = path,
	    .content_type = body ? "application/json" : NULL,
	    .body = text,
	    .len = text ? strlen(text) : 0,
	    .cookie = s->cookie[0] ? s->cookie : NULL,
	};
	int r;

	if (body && !text)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = s->c->http(s->c->http_ctx, &req, resp, reterr)) < 0)
		return r;
	if (resp->status != 200)
		return status_error(what, resp, reterr);
	if (resp->cookie[0])
		snprintf(s->cookie, sizeof(s->cookie), "%s", resp->cookie);
	if (!ret)
		return 0;
	if ((r = cvm_json_parse(resp->body ? resp->body : "", resp->len, CVM_KBS_RESPONSE_MAX,
				"the broker's answer", ret, reterr)) < 0)
		return r;
	if (!json_object_is_type(*ret, json_type_object)) {
		json_object_put(*ret);
		*ret = NULL;
		return cvm_err_set(reterr, -EBADMSG, "the broker's answer to %s is not an object",
				   what);
	}
	return 0;
}

static int string_member(json_object *o, const char *name, const char *what, const char **ret,
			 cvm_err *reterr)
{
	json_object *v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
		return cvm_err_set(reterr, -EBADMSG, "the broker's %s has no string \"%s\"", what,
				   name);
	*ret = json_object_get_string(v);
	return 0;
}

/* extra-params may select the hash: {"selected-hash-algorithm":"sha512"} (Intel TA). */
static int select_hash(struct session *s, json_object *challenge, cvm_err *reterr)
{
	static const struct {
		const char *name;
		enum cvm_hash_alg alg;
	} names[] = {{"sha256", CVM_HASH_SHA256},
		     {"sha384", CVM_HASH_SHA384},
		     {"sha512", CVM_HASH_SHA512}};
	json_object *extra, *sel;
	const char *v;

	s->hash = CVM_HASH_SHA384;
	if (!json_object_object_get_ex(challenge, "extra-params", &extra) ||
	    !json_object_is_type(extra, json_type_object) ||
	    !json_object_object_get_ex(extra, "selected-hash-algorithm", &sel))
		return 0;
	v = json_object_get_string(sel);
	for (size_t i = 0; v && i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(v, names[i].name)) {
			s->hash = names[i].alg;
			return 0;
		}
	return cvm_err_set(reterr, -EBADMSG, "the broker selects the hash '%.40s', not one of "
			   "sha256, sha384, sha512", v ? v : "");
}

static int auth(struct session *s, cvm_err *reterr)
{
	const struct cvm_kbs_client *c = s->c;
	CVM_CLEANUP(cvm_jsonp) json_object *req = json_object_new_object(), *ch = NULL;
	CVM_CLEANUP(response_done) struct cvm_http_response resp = {0};
	json_object *extra, *algs;
	const char *nonce;
	uint8_t *raw = NULL;
	size_t raw_len;
	int r;

	/* each cvm_json_add() hands its value to the parent, or frees it */
	if (!req ||
	    cvm_json_add(req, "version", json_object_new_string(c->version ? c->version
									   : CVM_KBS_PROTOCOL_VERSION)) < 0 ||
	    cvm_json_add(req, "tee", json_object_new_string(cvm_evidence_tee(c->evidence))) < 0 ||
	    cvm_json_add(req, "extra-params", extra = json_object_new_object()) < 0 ||
	    cvm_json_add(extra, "supported-hash-algorithms", algs = json_object_new_array()) < 0 ||
	    json_object_array_add(algs, json_object_new_string("sha384")) < 0 ||
	    json_object_array_add(algs, json_object_new_string("sha512")) < 0 ||
	    json_object_array_add(algs, json_object_new_string("sha256")) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = exchange(s, "auth", "POST", "/kbs/v0/auth", req, &resp, &ch, reterr)) < 0 ||
	    (r = string_member(ch, "nonce", "challenge", &nonce, reterr)) < 0 ||
	    (r = select_hash(s, ch, reterr)) < 0)
		return r;
	/* Trustee's nonce is base64 of 32 random bytes; it goes back verbatim */
	if (cvm_base64_decode(nonce, strlen(nonce), CVM_BASE64_STD, 1024, &raw, &raw_len, NULL) <
		0 ||
	    raw_len < 8) {
		free(raw);
		return cvm_err_set(reterr, -EBADMSG, "the broker's nonce '%.40s' is not base64 of "
				   "at least 8 bytes", nonce);
	}
	free(raw);
	if (!s->cookie[0])
		return cvm_err_set(reterr, -EBADMSG, "the broker's challenge sets no session cookie");
	if (!(s->nonce = strdup(nonce)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

/* runtime-data {"nonce","tee-pubkey"} and the digest of its binding form. */
static int runtime_data(struct session *s, json_object **ret, uint8_t *digest, size_t *ret_len,
			cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *rd = json_object_new_object(), *bind = NULL;
	CVM_CLEANUP_FREE char *jcs = NULL;
	json_object *jwk = NULL;
	size_t len;
	int r;

	if ((r = cvm_key_generate(CVM_KEY_P256, &s->key, reterr)) < 0 ||
	    (r = cvm_jwk_from_pkey(s->key, &jwk, reterr)) < 0)
		return r;
	if (!rd)
		json_object_put(jwk);
	if (!rd || cvm_json_add(rd, "tee-pubkey", jwk) < 0 ||
	    cvm_json_add(rd, "nonce", json_object_new_string(s->nonce)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	/* the broker always adds "additional-evidence" to what it hashes */
	if (json_object_deep_copy(rd, &bind, NULL) < 0 || !bind ||
	    cvm_json_add(bind, "additional-evidence", json_object_new_string("")) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_jcs_serialize(bind, &jcs, &len, reterr)) < 0)
		return r;
	if (cvm_hash(s->hash, jcs, len, digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the runtime data");
	*ret_len = cvm_hash_len(s->hash);
	*ret = CVM_TAKE_PTR(rd);
	return 0;
}

static int attest(struct session *s, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *req = json_object_new_object(), *rd = NULL,
					   *ev = NULL, *ans = NULL;
	CVM_CLEANUP(response_done) struct cvm_http_response resp = {0};
	json_object *te;
	uint8_t digest[CVM_SHA512_LEN];
	const char *token;
	size_t len = 0;
	int r;

	if (!req || cvm_json_add(req, "tee-evidence", te = json_object_new_object()) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = runtime_data(s, &rd, digest, &len, reterr)) < 0 ||
	    (r = cvm_evidence_get(s->c->evidence, digest, len, &ev, reterr)) < 0)
		return r;
	if (cvm_json_add(req, "runtime-data", json_object_get(rd)) < 0 ||
	    cvm_json_add(te, "primary_evidence", json_object_get(ev)) < 0 ||
	    cvm_json_add(te, "additional_evidence", json_object_new_string("")) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = exchange(s, "the attestation", "POST", "/kbs/v0/attest", req, &resp, &ans,
			  reterr)) < 0 ||
	    (r = string_member(ans, "token", "attestation answer", &token, reterr)) < 0)
		return r;
	if (!*token)
		return cvm_err_set(reterr, -EBADMSG, "the broker's attestation token is empty");
	return 0;
}

static int resource(struct session *s, const char *path, uint8_t **ret_buf, size_t *ret_len,
		    cvm_err *reterr)
{
	CVM_CLEANUP(response_done) struct cvm_http_response resp = {0};
	CVM_CLEANUP(cvm_secret_freep) uint8_t *plain = NULL;
	char url[300], what[300];
	cvm_err e = {0};
	size_t len = 0;
	int r;

	snprintf(url, sizeof(url), "/kbs/v0/resource/%s", path);
	snprintf(what, sizeof(what), "the resource '%s'", path);
	if ((r = exchange(s, what, "GET", url, NULL, &resp, NULL, reterr)) < 0)
		return r;
	if (!resp.body || !resp.len)
		return cvm_err_set(reterr, -EBADMSG, "the broker's resource '%s' is empty", path);
	r = cvm_jwe_decrypt(s->key, resp.body, resp.len, &plain, &len, &e);
	if (r == -EKEYREJECTED)
		return cvm_err_set(reterr, r, "the resource '%s' does not decrypt with this "
				   "session's key", path);
	if (r < 0)
		return cvm_err_set(reterr, r, "the resource '%s' is not a usable JWE: %s", path,
				   e.msg);
	if (len > CVM_KBS_RESOURCE_MAX)
		return cvm_err_set(reterr, -EFBIG, "the resource '%s' is larger than %u bytes", path,
				   CVM_KBS_RESOURCE_MAX);
	*ret_buf = CVM_TAKE_PTR(plain);
	*ret_len = len;
	return 0;
}

CVM_PUBLIC int cvm_kbs_get_resource(const struct cvm_kbs_client *c, const char *path,
				    uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(session_done) struct session s = {.c = c};
	int r;

	CVM_CHECK_ARG(c && c->http && c->evidence && path && ret_buf && ret_len, reterr);
	if (!resource_path_ok(path))
		return cvm_err_set(reterr, -EINVAL, "'%.256s' is not a resource path REPO/TYPE/TAG",
				   path);
	if ((r = auth(&s, reterr)) < 0)
		return r;
	note(c, "auth: nonce received");
	if ((r = attest(&s, reterr)) < 0)
		return r;
	note(c, "attest: token received");
	if ((r = resource(&s, path, ret_buf, ret_len, reterr)) < 0)
		return r;
	note(c, "resource: decrypted");
	return 0;
}
