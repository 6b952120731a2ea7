/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An SNP attestation report as Trustee's SNP verifier reads it: the serde
 * JSON of the sev crate's AttestationReport (src/firmware/guest/types/snp.rs),
 * field by field, byte arrays as arrays of integers, TCB versions as objects
 * {"fmc","bootloader","tee","snp","microcode"} decoded with the product's
 * layout, firmware versions as {"major","minor","build"}. The verifier
 * rebuilds the signed bytes from these fields, so nothing may be lost.
 */
#include <errno.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>

#include "attest/snp-report.h"
#include "util/endian.h"
#include "util/macro.h"

static json_object *bytes(const uint8_t *p, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);

	for (size_t i = 0; a && i < n; i++)
		if (json_object_array_add(a, json_object_new_int(p[i])) < 0) {
			json_object_put(a);
			return NULL;
		}
	return a;
}

static json_object *tcb(const uint8_t *rep, size_t off, enum cvm_snp_product prod)
{
	json_object *o = json_object_new_object();
	struct cvm_snp_tcb t;

	cvm_snp_tcb_decode(cvm_le64(rep + off), prod, &t);
	/* fmc exists only on Turin; elsewhere it is JSON null */
	if (!o ||
	    (prod == CVM_SNP_TURIN ? cvm_json_add(o, "fmc", json_object_new_int(t.fmc))
				   : json_object_object_add(o, "fmc", NULL)) < 0 ||
	    cvm_json_add(o, "bootloader", json_object_new_int(t.bootloader)) < 0 ||
	    cvm_json_add(o, "tee", json_object_new_int(t.tee)) < 0 ||
	    cvm_json_add(o, "snp", json_object_new_int(t.snp)) < 0 ||
	    cvm_json_add(o, "microcode", json_object_new_int(t.microcode)) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static json_object *version(const uint8_t *p)
{
	json_object *o = json_object_new_object();

	if (!o || cvm_json_add(o, "major", json_object_new_int(p[2])) < 0 ||
	    cvm_json_add(o, "minor", json_object_new_int(p[1])) < 0 ||
	    cvm_json_add(o, "build", json_object_new_int(p[0])) < 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* cvm_json_add(): a NULL value (no memory) is a failure */
static int add(json_object *o, const char *k, json_object *v)
{
	return cvm_json_add(o, k, v);
}

static int add_u64(json_object *o, const char *k, uint64_t v)
{
	return add(o, k, json_object_new_uint64(v));
}

static int fill(json_object *r, const uint8_t *p, uint32_t ver, enum cvm_snp_product prod)
{
	json_object *sig = json_object_new_object();

	if (!sig || add_u64(r, "version", ver) < 0 || add_u64(r, "guest_svn", cvm_le32(p + 4)) < 0 ||
	    add_u64(r, "policy", cvm_le64(p + 0x08)) < 0 ||
	    add(r, "family_id", bytes(p + 0x10, 16)) < 0 ||
	    add(r, "image_id", bytes(p + 0x20, 16)) < 0 || add_u64(r, "vmpl", cvm_le32(p + 0x30)) < 0 ||
	    add_u64(r, "sig_algo", cvm_le32(p + 0x34)) < 0 ||
	    add(r, "current_tcb", tcb(p, 0x38, prod)) < 0 ||
	    add_u64(r, "plat_info", cvm_le64(p + 0x40)) < 0 ||
	    add_u64(r, "key_info", cvm_le32(p + 0x48)) < 0 ||
	    add(r, "report_data", bytes(p + 0x50, 64)) < 0 ||
	    add(r, "measurement", bytes(p + 0x90, 48)) < 0 ||
	    add(r, "host_data", bytes(p + 0xc0, 32)) < 0 ||
	    add(r, "id_key_digest", bytes(p + 0xe0, 48)) < 0 ||
	    add(r, "author_key_digest", bytes(p + 0x110, 48)) < 0 ||
	    add(r, "report_id", bytes(p + 0x140, 32)) < 0 ||
	    add(r, "report_id_ma", bytes(p + 0x160, 32)) < 0 ||
	    add(r, "reported_tcb", tcb(p, 0x180, prod)) < 0) {
		json_object_put(sig);
		return -ENOMEM;
	}
	if (ver >= 3 && (add_u64(r, "cpuid_fam_id", p[0x188]) < 0 ||
			 add_u64(r, "cpuid_mod_id", p[0x189]) < 0 ||
			 add_u64(r, "cpuid_step", p[0x18a]) < 0)) {
		json_object_put(sig);
		return -ENOMEM;
	}
	if (add(r, "chip_id", bytes(p + 0x1a0, 64)) < 0 ||
	    add(r, "committed_tcb", tcb(p, 0x1e0, prod)) < 0 ||
	    add(r, "current", version(p + 0x1e8)) < 0 ||
	    add(r, "committed", version(p + 0x1ec)) < 0 ||
	    add(r, "launch_tcb", tcb(p, 0x1f0, prod)) < 0 ||
	    (ver >= 5 && (add_u64(r, "launch_mit_vector", cvm_le64(p + 0x1f8)) < 0 ||
			  add_u64(r, "current_mit_vector", cvm_le64(p + 0x200)) < 0)) ||
	    add(sig, "r", bytes(p + SNP_SIG_R, SNP_SIG_COORD)) < 0 ||
	    add(sig, "s", bytes(p + SNP_SIG_S, SNP_SIG_COORD)) < 0) {
		json_object_put(sig);
		return -ENOMEM;
	}
	return add(r, "signature", sig);
}

CVM_PUBLIC int cvm_snp_report_to_evidence(const uint8_t *report, size_t len, json_object **ret,
					  cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *ev = NULL;
	enum cvm_snp_product prod = CVM_SNP_MILAN;
	json_object *rep;
	uint32_t ver;

	CVM_CHECK_ARG(report && ret, reterr);
	ev = json_object_new_object();
	/* cvm_json_add() frees @rep when it cannot add it */
	if (!ev || cvm_json_add(ev, "attestation_report", rep = json_object_new_object()) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (len < CVM_SNP_REPORT_SIZE)
		return cvm_err_set(reterr, -EBADMSG, "the SNP report has %zu bytes, not %d", len,
				   CVM_SNP_REPORT_SIZE);
	ver = cvm_le32(report);
	if (ver < 2 || ver > 5)
		return cvm_err_set(reterr, -EBADMSG, "the SNP report has version %u, not 2 to 5",
				   ver);
	if (ver >= 3) {
		prod = cvm_snp_product_from_cpuid(report[0x188], report[0x189]);
		if (prod != CVM_SNP_TURIN)
			prod = CVM_SNP_MILAN; /* Milan and Genoa share the TCB layout */
	}
	if (fill(rep, report, ver, prod) < 0 ||
	    json_object_object_add(ev, "cert_chain", NULL) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(ev);
	return 0;
}
