/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg verify-report: the verdict as text or JSON, and the failing checks on stderr. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>

#include "cli.h"
#include "verify-report-output.h"

static const struct {
	unsigned bit;
	const char *key, *text;
} not_evaluated[] = {
	{ CVM_NOT_EVALUATED_TCB_STATUS, "tcb_status", "TCB status" },
	{ CVM_NOT_EVALUATED_QE_IDENTITY, "qe_identity", "QE identity" },
	{ CVM_NOT_EVALUATED_REVOCATION, "revocation", "revocation" },
};

/*
 * @in with control characters (and DEL) as \xNN, for the terminal: strings from
 * reports, quotes, certificates and collateral are attacker-chosen bytes.
 */
static const char *escaped(const char *in, char *out, size_t len)
{
	size_t n = 0;

	for (; *in && n + 5 < len; in++) {
		unsigned char ch = (unsigned char)*in;

		if (ch < 0x20 || ch == 0x7f || ch == '\\')
			n += (size_t)snprintf(out + n, len - n, "\\x%02x", ch);
		else
			out[n++] = (char)ch;
	}
	out[n] = '\0';
	return out;
}

static void add_str(json_object *o, const char *key, const char *s)
{
	json_object_object_add(o, key, s ? json_object_new_string(s) : NULL);
}

static void add_int(json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_u64hex(json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	add_str(o, key, buf);
}

static json_object *checks_json(const struct cvm_attest_result *r)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < r->n_checks; i++) {
		json_object *c = json_object_new_object();

		add_str(c, "name", r->checks[i].name);
		json_object_object_add(c, "ok", json_object_new_boolean(r->checks[i].ok));
		add_str(c, "detail", r->checks[i].detail);
		json_object_array_add(a, c);
	}
	return a;
}

static json_object *tcb_json(const struct cvm_snp_tcb *t, bool fmc)
{
	json_object *o = json_object_new_object();

	add_int(o, "bootloader", t->bootloader);
	add_int(o, "tee", t->tee);
	add_int(o, "snp", t->snp);
	add_int(o, "microcode", t->microcode);
	if (fmc)
		add_int(o, "fmc", t->fmc);
	return o;
}

static void add_fw(json_object *o, const char *key, const uint8_t fw[3])
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%u.%u.%u", fw[0], fw[1], fw[2]);
	add_str(o, key, buf);
}

static json_object *vek_json(const struct cvm_snp_info *s, bool fmc)
{
	json_object *o = json_object_new_object();

	add_str(o, "product_name", s->vek_product_name);
	if (s->vek_struct_version >= 0)
		add_int(o, "struct_version", s->vek_struct_version);
	if (s->vek_hwid_len)
		cvm_json_add_hex(o, "hwid", s->vek_hwid, s->vek_hwid_len);
	if (s->vek_csp_id[0])
		add_str(o, "csp_id", s->vek_csp_id);
	json_object_object_add(o, "tcb", tcb_json(&s->vek_tcb, fmc));
	return o;
}

static void snp_fields(json_object *o, const struct cvm_snp_info *s)
{
	bool fmc = s->product == CVM_SNP_TURIN;
	const struct {
		const char *name;
		const struct cvm_snp_tcb *tcb;
	} tcbs[] = { { "reported_tcb", &s->reported_tcb }, { "current_tcb", &s->current_tcb },
		     { "committed_tcb", &s->committed_tcb }, { "launch_tcb", &s->launch_tcb } };

	cvm_json_add_hex(o, "measurement", s->measurement, 48);
	cvm_json_add_hex(o, "report_data", s->report_data, 64);
	cvm_json_add_hex(o, "host_data", s->host_data, 32);
	add_u64hex(o, "policy", s->policy);
	add_int(o, "vmpl", s->vmpl);
	add_str(o, "signer", cvm_snp_signer_to_string(s->signer));
	add_str(o, "product", cvm_snp_product_to_string(s->product));
	cvm_json_add_hex(o, "chip_id", s->chip_id, 64);
	for (size_t i = 0; i < sizeof(tcbs) / sizeof(tcbs[0]); i++)
		json_object_object_add(o, tcbs[i].name, tcb_json(tcbs[i].tcb, fmc));
	for (size_t i = 0; i < sizeof(tcbs) / sizeof(tcbs[0]); i++) {
		char raw[32], hex[24];

		snprintf(raw, sizeof(raw), "%s_raw", tcbs[i].name);
		snprintf(hex, sizeof(hex), "0x%016llx", (unsigned long long)tcbs[i].tcb->raw);
		add_str(o, raw, hex);
	}
	add_int(o, "guest_svn", s->guest_svn);
	add_u64hex(o, "platform_info", s->platform_info);
	cvm_json_add_hex(o, "family_id", s->family_id, 16);
	cvm_json_add_hex(o, "image_id", s->image_id, 16);
	cvm_json_add_hex(o, "id_key_digest", s->id_key_digest, 48);
	cvm_json_add_hex(o, "author_key_digest", s->author_key_digest, 48);
	cvm_json_add_hex(o, "report_id", s->report_id, 32);
	cvm_json_add_hex(o, "report_id_ma", s->report_id_ma, 32);
	json_object_object_add(o, "author_key_en", json_object_new_boolean(s->signer_info & 1));
	add_fw(o, "current_fw", s->current_fw);
	add_fw(o, "committed_fw", s->committed_fw);
	if (s->has_cpuid) {
		json_object *c = json_object_new_object();

		add_int(c, "family", s->cpuid_family);
		add_int(c, "model", s->cpuid_model);
		add_int(c, "stepping", s->cpuid_stepping);
		json_object_object_add(o, "cpuid", c);
	}
	if (s->has_mit_vectors) {
		add_u64hex(o, "launch_mit_vector", s->launch_mit_vector);
		add_u64hex(o, "current_mit_vector", s->current_mit_vector);
	}
	if (s->have_vek)
		json_object_object_add(o, "vek", vek_json(s, fmc));
}

static json_object *pck_json(const struct cvm_tdx_info *t)
{
	json_object *o = json_object_new_object(), *svns = json_object_new_array();
	char when[32] = "";

	cvm_json_add_hex(o, "fmspc", t->fmspc, 6);
	cvm_json_add_hex(o, "pce_id", t->pce_id, 2);
	add_int(o, "pcesvn", t->pcesvn);
	for (int i = 0; i < 16; i++)
		json_object_array_add(svns, json_object_new_int(t->sgx_tcb_svns[i]));
	json_object_object_add(o, "sgx_tcb_svns", svns);
	cvm_json_add_hex(o, "cpusvn", t->cpusvn, 16);
	add_str(o, "issuer", t->pck_issuer);
	if (t->pck_not_after) {
		time_t tt = (time_t)t->pck_not_after;
		struct tm tm;

		if (gmtime_r(&tt, &tm))
			strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
		add_str(o, "not_after", when);
	}
	return o;
}

static void tcb_status_fields(json_object *o, const struct cvm_tdx_info *t)
{
	json_object *adv = json_object_new_array();
	char ids[sizeof(t->advisory_ids)], *save = NULL;

	add_str(o, "tcb_status", cvm_tdx_tcb_status_to_string(t->tcb_status));
	add_str(o, "tcb_date", t->tcb_date[0] ? t->tcb_date : NULL);
	memcpy(ids, t->advisory_ids, sizeof(ids));
	for (char *s = strtok_r(ids, ",", &save); s; s = strtok_r(NULL, ",", &save))
		json_object_array_add(adv, json_object_new_string(s));
	json_object_object_add(o, "advisory_ids", adv);
	add_str(o, "tdx_module_tcb_status",
		t->tdx_module_status >= 0
			? cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)t->tdx_module_status)
			: NULL);
	add_str(o, "qe_tcb_status",
		t->qe_tcb_status >= 0
			? cvm_tdx_tcb_status_to_string((enum cvm_tdx_tcb_status)t->qe_tcb_status)
			: NULL);
}

static void tdx_fields(json_object *o, const struct cvm_tdx_info *t)
{
	json_object *qe = json_object_new_object();
	char name[8];

	cvm_json_add_hex(o, "mrtd", t->mrtd, 48);
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "rtmr%d", i);
		cvm_json_add_hex(o, name, t->rtmr[i], 48);
	}
	cvm_json_add_hex(o, "mrseam", t->mrseam, 48);
	cvm_json_add_hex(o, "td_attributes", t->td_attributes, 8);
	cvm_json_add_hex(o, "xfam", t->xfam, 8);
	cvm_json_add_hex(o, "report_data", t->report_data, 64);
	if (t->has_tcb_status)
		tcb_status_fields(o, t);
	add_int(o, "body_type", t->body_type);
	add_u64hex(o, "tee_type", t->tee_type);
	cvm_json_add_hex(o, "qe_vendor_id", t->qe_vendor_id, 16);
	cvm_json_add_hex(o, "mrsignerseam", t->mrsignerseam, 48);
	cvm_json_add_hex(o, "seam_attributes", t->seam_attributes, 8);
	cvm_json_add_hex(o, "mrconfigid", t->mrconfigid, 48);
	cvm_json_add_hex(o, "mrowner", t->mrowner, 48);
	cvm_json_add_hex(o, "mrownerconfig", t->mrownerconfig, 48);
	cvm_json_add_hex(o, "tee_tcb_svn", t->tee_tcb_svn, 16);
	if (t->has_tdx15) {
		cvm_json_add_hex(o, "tee_tcb_svn_2", t->tee_tcb_svn2, 16);
		cvm_json_add_hex(o, "mrservicetd", t->mrservicetd, 48);
	}
	add_int(o, "trailing_bytes", (int64_t)t->trailing_bytes);
	add_int(qe, "isvprodid", t->qe_isvprodid);
	add_int(qe, "isvsvn", t->qe_isvsvn);
	cvm_json_add_hex(qe, "mrsigner", t->qe_mrsigner, 32);
	json_object_object_add(o, "qe", qe);
	if (t->have_pck)
		json_object_object_add(o, "pck", pck_json(t));
}

static void print_json(const struct cvm_attest_result *r)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();

	json_object_object_add(o, "valid", json_object_new_boolean(r->valid));
	add_str(o, "tee", r->tee == CVM_ATTEST_SNP ? "snp" : "tdx");
	add_int(o, "version", r->version);
	json_object_object_add(o, "checks", checks_json(r));
	json_object *ne = json_object_new_array();
	for (size_t i = 0; i < sizeof(not_evaluated) / sizeof(not_evaluated[0]); i++)
		if (r->not_evaluated & not_evaluated[i].bit)
			json_object_array_add(ne, json_object_new_string(not_evaluated[i].key));
	json_object_object_add(o, "not_evaluated", ne);
	if (r->parsed && r->tee == CVM_ATTEST_SNP)
		snp_fields(o, &r->snp);
	else if (r->parsed)
		tdx_fields(o, &r->tdx);
	cli_print_json(o);
}

static void print_hex_line(const char *key, const uint8_t *buf, size_t len)
{
	printf("%-14s", key);
	for (size_t i = 0; i < len; i++)
		printf("%02x", buf[i]);
	putchar('\n');
}

static void print_not_evaluated(const struct cvm_attest_result *r)
{
	const char *sep = "";

	if (!r->not_evaluated)
		return;
	printf("not evaluated: ");
	for (size_t i = 0; i < sizeof(not_evaluated) / sizeof(not_evaluated[0]); i++)
		if (r->not_evaluated & not_evaluated[i].bit) {
			printf("%s%s", sep, not_evaluated[i].text);
			sep = ", ";
		}
	printf(" (%s)\n", r->tee == CVM_ATTEST_TDX ? "--no-collateral: signatures only"
						  : "no --crl");
}

static void print_text(const struct cvm_attest_result *r)
{
	char buf[4 * sizeof(r->checks[0].detail) + 1];

	printf("%s %s version %u: %s\n", r->tee == CVM_ATTEST_SNP ? "SEV-SNP" : "TDX",
	       r->tee == CVM_ATTEST_SNP ? "report" : "quote", r->version,
	       r->valid ? "valid" : "INVALID");
	for (unsigned i = 0; i < r->n_checks; i++)
		printf("  %-4s %-22s %s\n", r->checks[i].ok ? "ok" : "FAIL", r->checks[i].name,
		       escaped(r->checks[i].detail, buf, sizeof(buf)));
	print_not_evaluated(r);
	if (!r->parsed)
		return;
	if (r->tee == CVM_ATTEST_SNP) {
		print_hex_line("measurement:", r->snp.measurement, 48);
		print_hex_line("report_data:", r->snp.report_data, 64);
	} else {
		print_hex_line("mrtd:", r->tdx.mrtd, 48);
		print_hex_line("report_data:", r->tdx.report_data, 64);
		if (r->tdx.has_tcb_status)
			printf("%-14s%s\n", "tcb_status:",
			       cvm_tdx_tcb_status_to_string(r->tdx.tcb_status));
	}
}

int verify_report_print(const struct cvm_attest_result *r, bool json)
{
	char buf[4 * sizeof(r->checks[0].detail) + 1];

	if (json)
		print_json(r);
	else
		print_text(r);
	for (unsigned i = 0; i < r->n_checks; i++)
		if (!r->checks[i].ok)
			cli_error("verify-report", "check '%s' failed: %s", r->checks[i].name,
				  escaped(r->checks[i].detail, buf, sizeof(buf)));
	return r->valid ? CLI_EXIT_OK : CLI_EXIT_CHECK;
}
