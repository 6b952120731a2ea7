/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "attest/tdx/tdx-collateral-parse.h"
#include "util/x509.h"


/* Where a field is, for messages: document name and object path. */
struct jctx {
	const char *name;
	const char *path;
	cvm_err *err;
};

static int jbad(const struct jctx *c, const char *key, const char *what)
{
	return cvm_err_set(c->err, -EBADMSG, "'%s': %s.%s: %s", c->name, c->path, key, what);
}

static int parse_json(const char *text, size_t len, const char *name, json_object **ret,
		      cvm_err *reterr)
{
	char quoted[PATH_MAX + 3];

	snprintf(quoted, sizeof(quoted), "'%s'", name);
	return cvm_json_parse(text, len, CVM_ATTEST_INPUT_MAX, quoted, ret, reterr);
}

static int jfield(const struct jctx *c, json_object *o, const char *key, json_type t,
		  json_object **ret)
{
	if (!json_object_object_get_ex(o, key, ret))
		return jbad(c, key, "missing");
	if (!json_object_is_type(*ret, t))
		return jbad(c, key, t == json_type_string	? "expected a string"
				    : t == json_type_int	? "expected an integer"
				    : t == json_type_array	? "expected an array"
								: "expected an object");
	return 0;
}

static int jhex(const struct jctx *c, json_object *o, const char *key, uint8_t *out, size_t len)
{
	json_object *v;
	char what[48];
	int r = jfield(c, o, key, json_type_string, &v);

	if (r < 0)
		return r;
	snprintf(what, sizeof(what), "expected %zu bytes in hex", len);
	if (cvm_hex_decode(json_object_get_string(v), out, len, NULL) < 0)
		return jbad(c, key, what);
	return 0;
}

static int jint(const struct jctx *c, json_object *o, const char *key, int64_t max, int64_t *ret)
{
	json_object *v;
	int r = jfield(c, o, key, json_type_int, &v);

	if (r < 0)
		return r;
	*ret = json_object_get_int64(v);
	if (*ret < 0 || *ret > max)
		return jbad(c, key, "out of range");
	return 0;
}

static int jtime(const struct jctx *c, json_object *o, const char *key, int64_t *ret)
{
	json_object *v;
	int r = jfield(c, o, key, json_type_string, &v);

	if (r < 0)
		return r;
	if (cvm_parse_rfc3339(json_object_get_string(v), ret) < 0)
		return jbad(c, key, "expected an RFC 3339 date");
	return 0;
}

static int jstatus(const struct jctx *c, json_object *o, enum cvm_tdx_tcb_status *ret)
{
	json_object *v;
	int r = jfield(c, o, "tcbStatus", json_type_string, &v);

	if (r < 0)
		return r;
	*ret = cvm_tdx_tcb_status_from_string(json_object_get_string(v));
	if (*ret < 0)
		return jbad(c, "tcbStatus", "unknown TCB status");
	return 0;
}

/* advisoryIDs, if present, as one comma-separated string. */
static int jadvisories(const struct jctx *c, json_object *o, char *out, size_t len)
{
	json_object *v;
	size_t n = 0;

	out[0] = '\0';
	if (!json_object_object_get_ex(o, "advisoryIDs", &v))
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return jbad(c, "advisoryIDs", "expected an array");
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = json_object_is_type(e, json_type_string) ? json_object_get_string(e)
									: "?";

		if (n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", s);
	}
	return 0;
}

/* An array of 16 {"svn": N} objects into out[16]. */
static int jcomponents(const struct jctx *c, json_object *o, const char *key, uint8_t out[16])
{
	json_object *a;
	int r = jfield(c, o, key, json_type_array, &a);

	if (r < 0)
		return r;
	if (json_object_array_length(a) != 16)
		return jbad(c, key, "expected 16 components");
	for (size_t i = 0; i < 16; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		int64_t svn;

		if (!json_object_is_type(e, json_type_object))
			return jbad(c, key, "expected objects with an svn");
		r = jint(c, e, "svn", 255, &svn);
		if (r < 0)
			return r;
		out[i] = (uint8_t)svn;
	}
	return 0;
}

static int parse_tcb_level(const struct jctx *c, json_object *lv, struct tdx_tcb_level *out)
{
	json_object *tcb;
	json_object *date;
	int64_t pcesvn;
	int r;

	if (!json_object_is_type(lv, json_type_object))
		return jbad(c, "tcbLevels", "expected objects");
	if ((r = jfield(c, lv, "tcb", json_type_object, &tcb)) < 0 ||
	    (r = jcomponents(c, tcb, "sgxtcbcomponents", out->sgx)) < 0 ||
	    (r = jcomponents(c, tcb, "tdxtcbcomponents", out->tdx)) < 0 ||
	    (r = jint(c, tcb, "pcesvn", 65535, &pcesvn)) < 0 || (r = jstatus(c, lv, &out->status)) < 0 ||
	    (r = jadvisories(c, lv, out->advisories, sizeof(out->advisories))) < 0)
		return r;
	out->pcesvn = (uint16_t)pcesvn;
	if (json_object_object_get_ex(lv, "tcbDate", &date) &&
	    json_object_is_type(date, json_type_string))
		snprintf(out->date, sizeof(out->date), "%s", json_object_get_string(date));
	return 0;
}

static int parse_module(const struct jctx *c, json_object *m, struct tdx_module_identity *out)
{
	json_object *id, *levels;
	int r;

	if (!json_object_is_type(m, json_type_object))
		return jbad(c, "tdxModuleIdentities", "expected objects");
	if ((r = jfield(c, m, "id", json_type_string, &id)) < 0 ||
	    (r = jhex(c, m, "mrsigner", out->mrsigner, 48)) < 0 ||
	    (r = jhex(c, m, "attributes", out->attributes, 8)) < 0 ||
	    (r = jhex(c, m, "attributesMask", out->attributes_mask, 8)) < 0 ||
	    (r = jfield(c, m, "tcbLevels", json_type_array, &levels)) < 0)
		return r;
	snprintf(out->id, sizeof(out->id), "%s", json_object_get_string(id));
	if (json_object_array_length(levels) > TDX_MAX_LEVELS)
		return jbad(c, "tdxModuleIdentities", "too many TCB levels");
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *lv = json_object_array_get_idx(levels, i), *tcb;
		int64_t isvsvn;

		if (!json_object_is_type(lv, json_type_object))
			return jbad(c, "tdxModuleIdentities", "expected TCB level objects");
		if ((r = jfield(c, lv, "tcb", json_type_object, &tcb)) < 0 ||
		    (r = jint(c, tcb, "isvsvn", 255, &isvsvn)) < 0 ||
		    (r = jstatus(c, lv, &out->levels[i].status)) < 0)
			return r;
		out->levels[i].isvsvn = (uint8_t)isvsvn;
		out->n_levels++;
	}
	return 0;
}

static int check_id(const struct jctx *c, json_object *o, const char *want_id, int64_t want_v)
{
	json_object *id;
	int64_t v;
	int r = jfield(c, o, "id", json_type_string, &id);

	if (r < 0 || (r = jint(c, o, "version", 1000, &v)) < 0)
		return r;
	if (strcmp(json_object_get_string(id), want_id))
		return jbad(c, "id", want_v == 3 ? "expected \"TDX\" (a TDX TCB Info)"
						 : "expected \"TD_QE\" (the TD quoting enclave)");
	if (v != want_v)
		return jbad(c, "version", want_v == 3 ? "expected version 3" : "expected version 2");
	return 0;
}

static int parse_tcb_info(json_object *o, const char *name, struct tdx_tcb_info *t,
			  cvm_err *reterr)
{
	struct jctx c = { .name = name, .path = "tcbInfo", .err = reterr };
	json_object *module, *levels, *ids;
	int r;

	if ((r = check_id(&c, o, "TDX", 3)) < 0 || (r = jtime(&c, o, "issueDate", &t->issue_date)) < 0 ||
	    (r = jtime(&c, o, "nextUpdate", &t->next_update)) < 0 ||
	    (r = jhex(&c, o, "fmspc", t->fmspc, 6)) < 0 || (r = jhex(&c, o, "pceId", t->pce_id, 2)) < 0 ||
	    (r = jfield(&c, o, "tdxModule", json_type_object, &module)) < 0 ||
	    (r = jhex(&c, module, "mrsigner", t->module_mrsigner, 48)) < 0 ||
	    (r = jhex(&c, module, "attributes", t->module_attributes, 8)) < 0 ||
	    (r = jhex(&c, module, "attributesMask", t->module_attributes_mask, 8)) < 0 ||
	    (r = jfield(&c, o, "tcbLevels", json_type_array, &levels)) < 0)
		return r;
	if (json_object_array_length(levels) > TDX_MAX_LEVELS)
		return jbad(&c, "tcbLevels", "too many levels");
	for (size_t i = 0; i < json_object_array_length(levels); i++, t->n_levels++)
		if ((r = parse_tcb_level(&c, json_object_array_get_idx(levels, i), &t->levels[i])) < 0)
			return r;
	if (!json_object_object_get_ex(o, "tdxModuleIdentities", &ids))
		return 0;
	if (!json_object_is_type(ids, json_type_array) ||
	    json_object_array_length(ids) > TDX_MAX_MODULES)
		return jbad(&c, "tdxModuleIdentities", "expected an array of at most 16");
	for (size_t i = 0; i < json_object_array_length(ids); i++, t->n_modules++)
		if ((r = parse_module(&c, json_object_array_get_idx(ids, i), &t->modules[i])) < 0)
			return r;
	return 0;
}

static int parse_qe_levels(const struct jctx *c, json_object *levels, struct tdx_qe_identity *q)
{
	if (json_object_array_length(levels) > TDX_MAX_LEVELS)
		return jbad(c, "tcbLevels", "too many levels");
	for (size_t i = 0; i < json_object_array_length(levels); i++) {
		json_object *lv = json_object_array_get_idx(levels, i), *tcb;
		struct tdx_qe_level *l = &q->levels[i];
		int64_t isvsvn;
		int r;

		if (!json_object_is_type(lv, json_type_object))
			return jbad(c, "tcbLevels", "expected objects");
		if ((r = jfield(c, lv, "tcb", json_type_object, &tcb)) < 0 ||
		    (r = jint(c, tcb, "isvsvn", 65535, &isvsvn)) < 0 ||
		    (r = jstatus(c, lv, &l->status)) < 0 ||
		    (r = jadvisories(c, lv, l->advisories, sizeof(l->advisories))) < 0)
			return r;
		l->isvsvn = (uint16_t)isvsvn;
		q->n_levels++;
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int parse_qe_identity(json_object *o, const char *name, struct tdx_qe_identity *q,
			     cvm_err *reterr)
{
	struct jctx c = { .name = name, .path = "enclaveIdentity", .err = reterr };
	json_object *levels;
	uint8_t misc[4], mask[4];
	int64_t prodid;
	int r;

	if ((r = check_id(&c, o, "TD_QE", 2)) < 0 || (r = jtime(&c, o, "issueDate", &q->issue_date)) < 0 ||
	    (r = jtime(&c, o, "nextUpdate", &q->next_update)) < 0 ||
	    (r = jhex(&c, o, "miscselect", misc, 4)) < 0 ||
	    (r = jhex(&c, o, "miscselectMask", mask, 4)) < 0 ||
	    (r = jhex(&c, o, "attributes", q->attributes, 16)) < 0 ||
	    (r = jhex(&c, o, "attributesMask", q->attributes_mask, 16)) < 0 ||
	    (r = jhex(&c, o, "mrsigner", q->mrsigner, 32)) < 0 ||
	    (r = jint(&c, o, "isvprodid", 65535, &prodid)) < 0 ||
	    (r = jfield(&c, o, "tcbLevels", json_type_array, &levels)) < 0)
		return r;
	/* written as numbers: most significant byte first */
	q->miscselect = be32(misc);
	q->miscselect_mask = be32(mask);
	q->isvprodid = (uint16_t)prodid;
	return parse_qe_levels(&c, levels, q);
}

/* Hex text (surrounding whitespace ignored) of a 64-byte r || s signature. */
static int parse_sig(const char *text, size_t len, const char *name, uint8_t out[64],
		     cvm_err *reterr)
{
	char buf[160];

	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	while (len > 0 && isspace((unsigned char)*text))
		text++, len--;
	if (len != 128)
		return cvm_err_set(reterr, -EBADMSG, "'%s': the signature is not 64 bytes in hex",
				   name);
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (cvm_hex_decode(buf, out, 64, NULL) < 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s': the signature is not 64 bytes in hex",
				   name);
	return 0;
}

static int set_raw(struct tdx_signed_doc *d, const char *text, size_t len, const char *name)
{
	free(d->raw);
	d->raw = malloc(len + 1);
	if (!d->raw)
		return -ENOMEM;
	memcpy(d->raw, text, len);
	d->raw[len] = '\0';
	d->raw_len = len;
	d->name = name;
	d->present = true;
	return 0;
}

/*
 * A PCS document: {"<member>": {...}, "signature": "<hex>"}, where the signed
 * bytes are the member's exact text; or the bare body with the signature in
 * @sig. @doc is json-c's parse of @in.
 */
static int load_pcs_doc(const struct cvm_attest_blob *in, const struct cvm_attest_blob *sig,
			const char *member, json_object *doc, struct tdx_signed_doc *out,
			cvm_err *reterr)
{
	const char *text = (const char *)in->data;
	size_t off, len = in->len;
	json_object *s;

	if (cvm_json_raw_member(text, in->len, member, &off, &len) == 0) {
		if (!json_object_object_get_ex(doc, "signature", &s) ||
		    !json_object_is_type(s, json_type_string))
			return cvm_err_set(reterr, -EBADMSG, "'%s' has no \"signature\"", in->name);
		if (set_raw(out, text + off, len, in->name) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		return parse_sig(json_object_get_string(s), strlen(json_object_get_string(s)),
				 in->name, out->sig, reterr);
	}
	if (!sig->data)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' has no \"%s\" member and no separate signature was given",
				   in->name, member);
	while (len > 0 && isspace((unsigned char)text[len - 1]))
		len--;
	if (set_raw(out, text, len, in->name) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return parse_sig((const char *)sig->data, sig->len, sig->name, out->sig, reterr);
}

/* QuoteCollateralV3 (PCCS, dcap-qvl): every item as a string member. */
static const char *v3_string(json_object *doc, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(doc, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int v3_doc(json_object *doc, const char *key, const char *sigkey, const char *name,
		  struct tdx_signed_doc *out, cvm_err *reterr)
{
	const char *body = v3_string(doc, key), *sig = v3_string(doc, sigkey);

	if (!body && !sig)
		return 0;
	if (!body || !sig)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has \"%s\" without \"%s\" or the reverse",
				   name, key, sigkey);
	if (set_raw(out, body, strlen(body), name) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return parse_sig(sig, strlen(sig), name, out->sig, reterr);
}

static int v3_certs_crls(json_object *doc, const char *name, struct tdx_collateral *c,
			 cvm_err *reterr)
{
	const char *chain = v3_string(doc, "tcb_info_issuer_chain");
	const char *pck = v3_string(doc, "pck_crl"), *root = v3_string(doc, "root_ca_crl");
	int r;

	if (!chain)
		chain = v3_string(doc, "qe_identity_issuer_chain");
	if (chain) {
		r = cvm_x509_load_all((const uint8_t *)chain, strlen(chain), name,
				      &c->signing_chain, reterr);
		if (r < 0)
			return r;
		c->signing_chain_name = name;
	}
	if (pck && (r = cvm_crl_load((const uint8_t *)pck, strlen(pck), name, &c->pck_crl,
				     reterr)) < 0)
		return r;
	if (root && (r = cvm_crl_load((const uint8_t *)root, strlen(root), name, &c->root_crl,
				      reterr)) < 0)
		return r;
	return 0;
}

static int load_v3(const struct cvm_attest_blob *in, struct tdx_collateral *c, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL;
	int r = parse_json((const char *)in->data, in->len, in->name, &doc, reterr);

	if (r < 0)
		return r;
	if (!json_object_is_type(doc, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a JSON object", in->name);
	if ((r = v3_doc(doc, "tcb_info", "tcb_info_signature", in->name, &c->tcb_doc, reterr)) < 0 ||
	    (r = v3_doc(doc, "qe_identity", "qe_identity_signature", in->name, &c->qe_doc,
			reterr)) < 0)
		return r;
	return v3_certs_crls(doc, in->name, c, reterr);
}

static bool given(const struct cvm_attest_blob *b)
{
	return b->data && b->len > 0;
}

static int load_file_doc(const struct cvm_attest_blob *in, const struct cvm_attest_blob *sig,
			 const char *member, struct tdx_signed_doc *out, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL;
	int r = parse_json((const char *)in->data, in->len, in->name, &doc, reterr);

	if (r < 0)
		return r;
	if (!json_object_is_type(doc, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a JSON object", in->name);
	return load_pcs_doc(in, given(sig) ? sig : &(struct cvm_attest_blob){ 0 }, member, doc,
			    out, reterr);
}

/* The individual documents, which replace what a QuoteCollateralV3 document gave. */
static int load_files(const struct cvm_tdx_evidence *ev, struct tdx_collateral *c,
		      cvm_err *reterr)
{
	int r;

	if (given(&ev->tcb_info) &&
	    (r = load_file_doc(&ev->tcb_info, &ev->tcb_info_sig, "tcbInfo", &c->tcb_doc, reterr)) < 0)
		return r;
	if (given(&ev->qe_identity) &&
	    (r = load_file_doc(&ev->qe_identity, &ev->qe_identity_sig, "enclaveIdentity",
			       &c->qe_doc, reterr)) < 0)
		return r;
	if (given(&ev->tcb_signing_chain)) {
		sk_X509_pop_free(c->signing_chain, X509_free);
		c->signing_chain = NULL;
		r = cvm_x509_load_all(ev->tcb_signing_chain.data, ev->tcb_signing_chain.len,
				      ev->tcb_signing_chain.name, &c->signing_chain, reterr);
		if (r < 0)
			return r;
		c->signing_chain_name = ev->tcb_signing_chain.name;
	}
	if (given(&ev->pck_crl)) {
		X509_CRL_free(c->pck_crl);
		c->pck_crl = NULL;
		if ((r = cvm_crl_load(ev->pck_crl.data, ev->pck_crl.len, ev->pck_crl.name,
				      &c->pck_crl, reterr)) < 0)
			return r;
	}
	if (given(&ev->root_crl)) {
		X509_CRL_free(c->root_crl);
		c->root_crl = NULL;
		if ((r = cvm_crl_load(ev->root_crl.data, ev->root_crl.len, ev->root_crl.name,
				      &c->root_crl, reterr)) < 0)
			return r;
	}
	return 0;
}

/* The signed body of @d (tcbInfo, enclaveIdentity: @what), which must be a JSON object. */
static int body_object(const struct tdx_signed_doc *d, const char *what, json_object **ret,
		       cvm_err *reterr)
{
	int r = parse_json(d->raw, d->raw_len, d->name, ret, reterr);

	if (r < 0)
		return r;
	if (!json_object_is_type(*ret, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "'%s': %s is not an object", d->name, what);
	return 0;
}

static int parse_bodies(struct tdx_collateral *c, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *tcb = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *qe = NULL;
	int r;

	if (c->tcb_doc.present &&
	    ((r = body_object(&c->tcb_doc, "tcbInfo", &tcb, reterr)) < 0 ||
	     (r = parse_tcb_info(tcb, c->tcb_doc.name, &c->tcb, reterr)) < 0))
		return r;
	if (c->qe_doc.present &&
	    ((r = body_object(&c->qe_doc, "enclaveIdentity", &qe, reterr)) < 0 ||
	     (r = parse_qe_identity(qe, c->qe_doc.name, &c->qe, reterr)) < 0))
		return r;
	return 0;
}

bool cvm_tdx_has_collateral(const struct cvm_tdx_evidence *ev)
{
	return given(&ev->collateral) || given(&ev->tcb_info) || given(&ev->qe_identity) ||
	       given(&ev->pck_crl) || given(&ev->root_crl);
}

int cvm_tdx_collateral_load(const struct cvm_tdx_evidence *ev, struct tdx_collateral *c,
			    cvm_err *reterr)
{
	int r;

	if (given(&ev->collateral) && (r = load_v3(&ev->collateral, c, reterr)) < 0)
		return r;
	if ((r = load_files(ev, c, reterr)) < 0)
		return r;
	return parse_bodies(c, reterr);
}

void cvm_tdx_collateral_done(struct tdx_collateral *c)
{
	if (!c)
		return;
	free(c->tcb_doc.raw);
	free(c->qe_doc.raw);
	sk_X509_pop_free(c->signing_chain, X509_free);
	X509_CRL_free(c->pck_crl);
	X509_CRL_free(c->root_crl);
}
