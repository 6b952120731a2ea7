/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg verify-report: an SEV-SNP report or a TDX quote, offline, against pinned roots. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "verify-report-bundle.h"
#include "verify-report-output.h"

static const char *const synopsis[] = {
	"--report FILE [--vcek FILE | --vlek FILE] [--chain FILE] [--product NAME] [options]",
	"--quote FILE (--collateral FILE | --tcb-info FILE ... | --no-collateral) [options]",
	NULL,
};

static const struct cli_command verify_cmd = {
	.name = "verify-report",
	.synopsis = synopsis,
	.summary = "Verify an AMD SEV-SNP attestation report or an Intel TDX quote offline: its\n"
		   "signature, its certificate chain to the AMD or Intel root built into cvmimg,\n"
		   "the TCB it claims and the expected values of a policy.",
};

#define NAME "verify-report"

/* An input file, read whole (at most CVM_ATTEST_INPUT_MAX bytes). */
struct vr_file {
	const char *path;
	uint8_t *data;
	size_t len;
};

struct vr_args {
	struct vr_file report, vcek, vlek, chain, ark, crl;
	struct vr_file quote, collateral, tcb_info, tcb_info_sig, qe_identity, qe_identity_sig,
	    tcb_signing_chain, pck_crl, root_crl;
	struct vr_file policy;
	const char *format_name, *product_name, *at_time;
	enum cvm_snp_report_format format;
	enum cvm_snp_product product;
	bool have_time, json, allow_debug, allow_ma, strict_committed, no_collateral, require_crl;
	int64_t at;
	uint64_t vmpl;
	struct cvm_attest_policy cli; /* policy values given on the command line */
	struct vr_bundle bundle;
};

/* Options that make sense for one kind of evidence only. */
static const char *const snp_only[] = {
	"report", "report-format", "vcek", "vlek", "chain", "ark", "product", "crl",
	"allow-migration-agent", "expect-measurement", "host-data", "min-tcb", "min-guest-svn",
	"vmpl", "id-key-digest", "author-key-digest", "strict-committed-tcb", "require-crl",
	"vlek-csp-id", NULL,
};
static const char *const tdx_only[] = {
	"collateral", "tcb-info", "tcb-info-signature", "qe-identity", "qe-identity-signature",
	"tcb-signing-chain", "pck-crl", "root-crl", "expect-mrtd", "expect-rtmr0", "expect-rtmr1",
	"expect-rtmr2", "expect-rtmr3", "accept-tcb-status", "no-collateral", "expect-td-attributes",
	"expect-xfam", "expect-mrconfigid", "expect-mrowner", "expect-mrownerconfig", NULL,
};
static const char *const tdx_collateral[] = {
	"collateral", "tcb-info", "tcb-info-signature", "qe-identity", "qe-identity-signature",
	"tcb-signing-chain", "pck-crl", "root-crl", "accept-tcb-status", NULL,
};

/* The first option of @names given, in the order of the command line's table. */
static const char *first_given(const struct cli_option *opts, const char *const *names)
{
	for (; opts->long_name; opts++)
		for (const char *const *n = names; *n; n++)
			if (opts->given && !strcmp(opts->long_name, *n))
				return opts->long_name;
	return NULL;
}

/* A repeatable 48-byte value: --expect-measurement, --id-key-digest, --expect-mrtd ... */
struct value_list {
	uint8_t (*values)[48];
	unsigned *n;
};

static int add_value(const struct cli_option *o, const char *arg)
{
	const struct value_list *l = o->dest;

	if (*l->n >= CVM_ATTEST_MAX_VALUES)
		return cli_usage(NAME, "--%s is given more than %d times", o->long_name,
				 CVM_ATTEST_MAX_VALUES);
	if (cvm_hex_decode(arg, l->values[*l->n], 48, NULL) < 0)
		return cli_usage(NAME, "--%s needs 48 bytes in hex", o->long_name);
	(*l->n)++;
	return 0;
}

/* --vlek-csp-id: an accepted csp_id of the VLEK, as the policy's vlek_csp_ids. */
static int add_csp_id(const struct cli_option *o, const char *arg)
{
	struct cvm_attest_policy *p = o->dest;

	if (p->snp.n_vlek_csp_ids >= CVM_ATTEST_MAX_VALUES)
		return cli_usage(NAME, "--vlek-csp-id is given more than %d times",
				 CVM_ATTEST_MAX_VALUES);
	if (!*arg || strlen(arg) >= sizeof(p->snp.vlek_csp_ids[0]))
		return cli_usage(NAME, "--vlek-csp-id needs 1 to %zu bytes",
				 sizeof(p->snp.vlek_csp_ids[0]) - 1);
	snprintf(p->snp.vlek_csp_ids[p->snp.n_vlek_csp_ids++], sizeof(p->snp.vlek_csp_ids[0]),
		 "%s", arg);
	return 0;
}

/* "bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]" (bl and ucode accepted too). */
static int parse_min_tcb(const struct cli_option *o, const char *arg)
{
	struct cvm_attest_policy *p = o->dest;
	static const char *const names[][2] = {
		{ "bootloader", "bl" }, { "tee", "tee" }, { "snp", "snp" },
		{ "microcode", "ucode" }, { "fmc", "fmc" },
	};
	uint8_t *dst[] = { &p->snp.min_tcb.bootloader, &p->snp.min_tcb.tee, &p->snp.min_tcb.snp,
			   &p->snp.min_tcb.microcode, &p->snp.min_tcb.fmc };
	CVM_CLEANUP_FREE char *copy = strdup(arg);
	bool seen[5] = { false };
	char *save = NULL;

	if (!copy)
		return cli_usage(NAME, "out of memory");
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');
		uint64_t v;
		int i = 0;

		if (eq)
			*eq = '\0';
		while (i < 5 && (!eq || (strcmp(tok, names[i][0]) && strcmp(tok, names[i][1]))))
			i++;
		if (i == 5 || cvm_parse_u64(eq + 1, 0, 255, &v) < 0)
			return cli_usage(NAME, "--min-tcb takes bootloader=N,tee=N,snp=N,"
					       "microcode=N[,fmc=N] with N from 0 to 255");
		*dst[i] = (uint8_t)v;
		seen[i] = true;
	}
	if (!seen[0] || !seen[1] || !seen[2] || !seen[3])
		return cli_usage(NAME, "--min-tcb needs bootloader, tee, snp and microcode");
	p->snp.have_min_tcb = true;
	p->snp.min_tcb_has_fmc = seen[4];
	return 0;
}

static int parse_statuses(const struct cli_option *o, const char *arg)
{
	unsigned *mask = o->dest;
	CVM_CLEANUP_FREE char *copy = strdup(arg);
	char *save = NULL;

	if (!copy)
		return cli_usage(NAME, "out of memory");
	*mask = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum cvm_tdx_tcb_status s = cvm_tdx_tcb_status_from_string(tok);

		if (s < 0)
			return cli_usage(NAME, "unknown TCB status '%s' (UpToDate, "
					       "SWHardeningNeeded, ConfigurationNeeded, OutOfDate, ...)",
					 tok);
		*mask |= 1u << s;
	}
	if (!*mask)
		return cli_usage(NAME, "--accept-tcb-status needs at least one status");
	return 0;
}

/* The values the table leaves as text. */
static int convert(struct vr_args *a)
{
	if (a->format_name &&
	    (a->format = cvm_snp_report_format_from_string(a->format_name)) < 0)
		return cli_usage(NAME, "--report-format is bin, hex or auto, not '%s'",
				 a->format_name);
	if (a->product_name && (a->product = cvm_snp_product_from_string(a->product_name)) < 0)
		return cli_usage(NAME, "unknown product '%s' (milan, genoa, turin)",
				 a->product_name);
	if (a->at_time) {
		if (cvm_parse_rfc3339(a->at_time, &a->at) < 0)
			return cli_usage(NAME, "--at-time needs an RFC 3339 time such as "
					       "2025-06-01T00:00:00Z, not '%s'",
					 a->at_time);
		a->have_time = true;
	}
	return 0;
}

static int check_args(const struct vr_args *a, const struct cli_option *opts)
{
	const char *snp_opt = first_given(opts, snp_only), *tdx_opt = first_given(opts, tdx_only);

	if (!a->report.path == !a->quote.path)
		return cli_usage(NAME, "give one of --report (SEV-SNP) or --quote (TDX)");
	if (a->report.path && tdx_opt)
		return cli_usage(NAME, "--%s is for TDX quotes, not SNP reports", tdx_opt);
	if (a->quote.path && snp_opt)
		return cli_usage(NAME, "--%s is for SNP reports, not TDX quotes", snp_opt);
	if (a->no_collateral && first_given(opts, tdx_collateral))
		return cli_usage(NAME, "--no-collateral verifies signatures only: --%s needs the "
				       "collateral",
				 first_given(opts, tdx_collateral));
	if (a->vcek.path && a->vlek.path)
		return cli_usage(NAME, "give --vcek or --vlek, not both");
	if (a->tcb_info_sig.path && !a->tcb_info.path)
		return cli_usage(NAME, "--tcb-info-signature needs --tcb-info");
	if (a->qe_identity_sig.path && !a->qe_identity.path)
		return cli_usage(NAME, "--qe-identity-signature needs --qe-identity");
	if ((a->tcb_info.path || a->qe_identity.path) && !a->collateral.path &&
	    !a->tcb_signing_chain.path)
		return cli_usage(NAME, "--tcb-info and --qe-identity need --tcb-signing-chain");
	return 0;
}

static void copy_values(uint8_t (*dst)[48], unsigned *n_dst, uint8_t (*src)[48], unsigned n)
{
	*n_dst = n;
	memcpy(dst, src, n * sizeof(*src));
}

/* The policy: defaults, then the --policy file, then the command line's values. */
static void apply_cli(struct vr_args *a, const struct cli_option *opts,
		      struct cvm_attest_policy *p)
{
	struct cvm_attest_policy *c = &a->cli;

	if (a->allow_debug)
		p->snp.allow_debug = p->tdx.allow_debug = true;
	if (a->allow_ma)
		p->snp.allow_migration_agent = true;
	if (a->strict_committed)
		p->snp.strict_committed_tcb = true;
	if (a->require_crl)
		p->snp.require_crl = true;
	if (cli_given(opts, c->snp.report_data)) {
		p->snp.have_report_data = p->tdx.have_report_data = true;
		memcpy(p->snp.report_data, c->snp.report_data, 64);
		memcpy(p->tdx.report_data, c->snp.report_data, 64);
	}
	if (cli_given(opts, c->snp.host_data)) {
		p->snp.have_host_data = true;
		memcpy(p->snp.host_data, c->snp.host_data, 32);
	}
	if (c->snp.n_measurements)
		copy_values(p->snp.measurements, &p->snp.n_measurements, c->snp.measurements,
			    c->snp.n_measurements);
	if (c->snp.have_min_tcb) {
		p->snp.have_min_tcb = true;
		p->snp.min_tcb_has_fmc = c->snp.min_tcb_has_fmc;
		p->snp.min_tcb = c->snp.min_tcb;
	}
	if (cli_given(opts, &c->snp.min_guest_svn)) {
		p->snp.have_min_guest_svn = true;
		p->snp.min_guest_svn = c->snp.min_guest_svn;
	}
	if (cli_given(opts, &a->vmpl))
		p->snp.vmpl = (int)a->vmpl;
	if (c->snp.n_id_key_digests)
		copy_values(p->snp.id_key_digests, &p->snp.n_id_key_digests, c->snp.id_key_digests,
			    c->snp.n_id_key_digests);
	if (c->snp.n_author_key_digests)
		copy_values(p->snp.author_key_digests, &p->snp.n_author_key_digests,
			    c->snp.author_key_digests, c->snp.n_author_key_digests);
	if (c->snp.n_vlek_csp_ids) {
		p->snp.n_vlek_csp_ids = c->snp.n_vlek_csp_ids;
		memcpy(p->snp.vlek_csp_ids, c->snp.vlek_csp_ids,
		       c->snp.n_vlek_csp_ids * sizeof(c->snp.vlek_csp_ids[0]));
	}
	if (c->tdx.n_mrtd)
		copy_values(p->tdx.mrtd, &p->tdx.n_mrtd, c->tdx.mrtd, c->tdx.n_mrtd);
	const struct {
		const uint8_t *src;
		uint8_t *dst;
		bool *have;
		size_t len;
	} td[] = {
		{ c->tdx.td_attributes, p->tdx.td_attributes, &p->tdx.have_td_attributes, 8 },
		{ c->tdx.xfam, p->tdx.xfam, &p->tdx.have_xfam, 8 },
		{ c->tdx.mrconfigid, p->tdx.mrconfigid, &p->tdx.have_mrconfigid, 48 },
		{ c->tdx.mrowner, p->tdx.mrowner, &p->tdx.have_mrowner, 48 },
		{ c->tdx.mrownerconfig, p->tdx.mrownerconfig, &p->tdx.have_mrownerconfig, 48 },
	};
	for (size_t i = 0; i < sizeof(td) / sizeof(td[0]); i++)
		if (cli_given(opts, td[i].src)) {
			*td[i].have = true;
			memcpy(td[i].dst, td[i].src, td[i].len);
		}
	for (int i = 0; i < 4; i++)
		if (cli_given(opts, c->tdx.rtmr[i])) {
			p->tdx.have_rtmr[i] = true;
			memcpy(p->tdx.rtmr[i], c->tdx.rtmr[i], 48);
		}
	if (cli_given(opts, &c->tdx.accept_tcb_status)) {
		p->tdx.accept_tcb_status = c->tdx.accept_tcb_status;
		p->tdx.tcb_status_named = true;
	}
}

#define VR_FILES 16

/* Every input file, for reading and freeing. */
static void file_list(struct vr_args *a, struct vr_file *out[VR_FILES])
{
	struct vr_file *list[VR_FILES] = {
		&a->report,	   &a->vcek,	      &a->vlek,		   &a->chain,
		&a->ark,	   &a->crl,	      &a->quote,	   &a->collateral,
		&a->tcb_info,	   &a->tcb_info_sig,  &a->qe_identity,	   &a->qe_identity_sig,
		&a->tcb_signing_chain, &a->pck_crl,   &a->root_crl,	   &a->policy,
	};

	memcpy(out, list, sizeof(list));
}

static void vr_files_done(struct vr_args *a)
{
	struct vr_file *files[VR_FILES];

	file_list(a, files);
	for (size_t i = 0; i < VR_FILES; i++)
		free(files[i]->data);
}

static int read_inputs(struct vr_args *a)
{
	struct vr_file *files[VR_FILES];

	file_list(a, files);
	for (size_t i = 0; i < VR_FILES; i++) {
		struct vr_file *f = files[i];
		cvm_err e = { 0 };

		if (f->path && cvm_read_file(f->path, CVM_ATTEST_INPUT_MAX, &f->data, &f->len, &e) < 0)
			return cli_fail(NAME, &e);
	}
	return 0;
}

static struct cvm_attest_blob blob(const struct vr_file *f)
{
	return (struct cvm_attest_blob){ f->data, f->len, f->path };
}

static int run_snp(const struct vr_args *a, const struct cvm_attest_policy *p,
		   struct cvm_attest_result *res, cvm_err *e)
{
	struct cvm_snp_evidence ev = {
		.report = blob(&a->report),
		.format = a->format,
		.vek = blob(a->vlek.path ? &a->vlek : &a->vcek),
		.vek_kind = a->vlek.path   ? CVM_SNP_SIGNER_VLEK
			    : a->vcek.path ? CVM_SNP_SIGNER_VCEK
					   : CVM_SNP_SIGNER_AUTO,
		.chain = blob(&a->chain),
		.ark = blob(&a->ark),
		.crl = blob(&a->crl),
		.product = a->product,
		.have_time = a->have_time,
		.at_time = a->at,
	};

	return cvm_snp_verify(&ev, p, res, e);
}

static int run_tdx(const struct vr_args *a, const struct cvm_attest_policy *p,
		   struct cvm_attest_result *res, cvm_err *e)
{
	struct cvm_tdx_evidence ev = {
		.quote = blob(&a->quote),
		.collateral = blob(&a->collateral),
		.tcb_info = blob(&a->tcb_info),
		.tcb_info_sig = blob(&a->tcb_info_sig),
		.qe_identity = blob(&a->qe_identity),
		.qe_identity_sig = blob(&a->qe_identity_sig),
		.tcb_signing_chain = blob(&a->tcb_signing_chain),
		.pck_crl = blob(&a->pck_crl),
		.root_crl = blob(&a->root_crl),
		.no_collateral = a->no_collateral,
		.have_time = a->have_time,
		.at_time = a->at,
	};

	return cvm_tdx_verify(&ev, p, res, e);
}

static int verify_inputs(struct vr_args *a, const struct cli_option *opts)
{
	CVM_CLEANUP_FREE struct cvm_attest_result *res = calloc(1, sizeof(*res));
	struct cvm_attest_policy policy;
	cvm_err e = { 0 };
	int r;

	if (!res)
		return cli_fail(NAME, &(cvm_err){ .code = -ENOMEM });
	cvm_attest_policy_init(&policy);
	if (a->policy.path &&
	    cvm_attest_policy_load_json(&policy, (const char *)a->policy.data, a->policy.len,
					a->policy.path, &e) < 0)
		return cli_fail(NAME, &e);
	apply_cli(a, opts, &policy);
	r = a->report.path ? run_snp(a, &policy, res, &e) : run_tdx(a, &policy, res, &e);
	if (r < 0)
		return cli_fail(NAME, &e);
	if ((r = vr_bundle_apply(&a->bundle, res, a->have_time, a->at)))
		return r;
	return verify_report_print(res, a->json);
}

static int verify(struct vr_args *a, const struct cli_option *opts)
{
	int r = read_inputs(a);

	if (!r)
		r = verify_inputs(a, opts);
	vr_files_done(a);
	return r;
}

#define VR_MAX_OPTIONS 64

/* The command line's state: the arguments and the option table bound to them. */
struct vr_ctx {
	struct vr_args a;
	struct value_list measurements, id_keys, author_keys, mrtds;
	struct cli_option options[VR_MAX_OPTIONS];
};

/* The TDX policy options, the bundle and --json: the end of the table. */
static size_t vr_tdx_options(struct vr_ctx *x, struct cli_option *out, size_t room)
{
	struct vr_args *a = &x->a;
	struct cvm_attest_policy *c = &a->cli;
	const struct cli_option options[] = {
		CLI_CALLBACK("expect-mrtd", 0, "HEX", add_value, &x->mrtds,
			     "TDX: accepted MRTD (repeatable)"),
		CLI_HEX("expect-rtmr0", 0, "HEX", c->tdx.rtmr[0], 48, "TDX: expected RTMR0"),
		CLI_HEX("expect-rtmr1", 0, "HEX", c->tdx.rtmr[1], 48, "TDX: expected RTMR1"),
		CLI_HEX("expect-rtmr2", 0, "HEX", c->tdx.rtmr[2], 48, "TDX: expected RTMR2"),
		CLI_HEX("expect-rtmr3", 0, "HEX", c->tdx.rtmr[3], 48, "TDX: expected RTMR3"),
		CLI_HEX("expect-td-attributes", 0, "HEX", c->tdx.td_attributes, 8,
			"TDX: expected TDATTRIBUTES (8 bytes as in the quote)"),
		CLI_HEX("expect-xfam", 0, "HEX", c->tdx.xfam, 8, "TDX: expected XFAM (8 bytes)"),
		CLI_HEX("expect-mrconfigid", 0, "HEX", c->tdx.mrconfigid, 48,
			"TDX: expected MRCONFIGID"),
		CLI_HEX("expect-mrowner", 0, "HEX", c->tdx.mrowner, 48, "TDX: expected MROWNER"),
		CLI_HEX("expect-mrownerconfig", 0, "HEX", c->tdx.mrownerconfig, 48,
			"TDX: expected MROWNERCONFIG"),
		CLI_CALLBACK("accept-tcb-status", 0, "LIST", parse_statuses,
			     &c->tdx.accept_tcb_status,
			     "TDX: accepted TCB statuses (default UpToDate)"),
		VR_BUNDLE_OPTIONS(&a->bundle),
		CLI_JSON(&a->json),
		CLI_END,
	};

	if (sizeof(options) > room * sizeof(*out))
		return 0;
	memcpy(out, options, sizeof(options));
	return sizeof(options) / sizeof(options[0]);
}

static void vr_options(struct vr_ctx *x)
{
	struct vr_args *a = &x->a;
	struct cvm_attest_policy *c = &a->cli;
	const struct cli_option options[] = {
		CLI_STRING("report", 0, "FILE", &a->report.path,
			   "SEV-SNP attestation report (binary or hex)"),
		CLI_STRING("report-format", 0, "FMT", &a->format_name, "bin, hex or auto (default)"),
		CLI_STRING("vcek", 0, "FILE", &a->vcek.path, "the VCEK certificate (PEM or DER)"),
		CLI_STRING("vlek", 0, "FILE", &a->vlek.path, "the VLEK certificate (PEM or DER)"),
		CLI_STRING("chain", 0, "FILE", &a->chain.path,
			   "ASK or ASVK [+ ARK] (PEM); default: built in"),
		CLI_STRING("ark", 0, "FILE", &a->ark.path,
			   "the ARK sent with the evidence (must be the built-in one)"),
		CLI_STRING("product", 0, "NAME", &a->product_name,
			   "milan, genoa or turin (default: from the report)"),
		CLI_STRING("crl", 0, "FILE", &a->crl.path, "AMD CRL of the product (DER or PEM)"),
		CLI_STRING("quote", 0, "FILE", &a->quote.path, "TDX quote, version 4 or 5"),
		CLI_STRING("collateral", 0, "FILE", &a->collateral.path,
			   "QuoteCollateralV3 JSON (TCB info, QE identity, CRLs)"),
		CLI_STRING("tcb-info", 0, "FILE", &a->tcb_info.path,
			   "TDX TCB Info as served by Intel PCS"),
		CLI_STRING("tcb-info-signature", 0, "FILE", &a->tcb_info_sig.path,
			   "signature (hex) of a bare TCB Info"),
		CLI_STRING("qe-identity", 0, "FILE", &a->qe_identity.path,
			   "TD QE identity as served by Intel PCS"),
		CLI_STRING("qe-identity-signature", 0, "FILE", &a->qe_identity_sig.path,
			   "signature (hex) of a bare QE identity"),
		CLI_STRING("tcb-signing-chain", 0, "FILE", &a->tcb_signing_chain.path,
			   "Intel SGX TCB Signing certificate (PEM)"),
		CLI_STRING("pck-crl", 0, "FILE", &a->pck_crl.path,
			   "PCK CRL of the PCK's CA (DER, PEM or hex)"),
		CLI_STRING("root-crl", 0, "FILE", &a->root_crl.path,
			   "Intel SGX Root CA CRL (DER, PEM or hex)"),
		CLI_FLAG("no-collateral", 0, &a->no_collateral,
			 "TDX: signatures only; TCB status, QE identity and revocation "
			 "not evaluated"),
		CLI_STRING("at-time", 0, "TIME", &a->at_time,
			   "verify at this RFC 3339 time instead of now"),
		CLI_STRING("policy", 0, "FILE", &a->policy.path, "expected values as a JSON policy"),
		CLI_FLAG("allow-debug", 0, &a->allow_debug, "accept a debuggable guest"),
		CLI_HEX("report-data", 0, "HEX", c->snp.report_data, 64,
			"expected REPORT_DATA (64 bytes)"),
		CLI_FLAG("allow-migration-agent", 0, &a->allow_ma,
			 "SNP: accept a guest policy with MIGRATE_MA"),
		CLI_CALLBACK("expect-measurement", 0, "HEX", add_value, &x->measurements,
			     "SNP: accepted MEASUREMENT (repeatable)"),
		CLI_HEX("host-data", 0, "HEX", c->snp.host_data, 32,
			"SNP: expected HOST_DATA (32 bytes)"),
		CLI_CALLBACK("min-tcb", 0, "LIST", parse_min_tcb, c,
			     "SNP: bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]"),
		CLI_U32("min-guest-svn", 0, "N", &c->snp.min_guest_svn, 0, UINT32_MAX,
			"SNP: minimum GUEST_SVN"),
		CLI_U64("vmpl", 0, "N", &a->vmpl, 0, 3,
			"SNP: required VMPL, 0-3 (default: any, or the policy's vmpl)"),
		CLI_CALLBACK("id-key-digest", 0, "HEX", add_value, &x->id_keys,
			     "SNP: accepted ID_KEY_DIGEST (repeatable)"),
		CLI_CALLBACK("author-key-digest", 0, "HEX", add_value, &x->author_keys,
			     "SNP: accepted AUTHOR_KEY_DIGEST (repeatable)"),
		CLI_FLAG("strict-committed-tcb", 0, &a->strict_committed,
			 "SNP: require committed == current TCB"),
		CLI_FLAG("require-crl", 0, &a->require_crl,
			 "SNP: fail unless revocation is checked (--crl)"),
		CLI_CALLBACK("vlek-csp-id", 0, "ID", add_csp_id, c,
			     "SNP: accepted CSP id of the VLEK (repeatable)"),
	};
	size_t n = sizeof(options) / sizeof(options[0]);

	_Static_assert(sizeof(options) < sizeof(x->options), "VR_MAX_OPTIONS is too small");
	memcpy(x->options, options, sizeof(options));
	if (!vr_tdx_options(x, x->options + n, VR_MAX_OPTIONS - n))
		abort(); /* VR_MAX_OPTIONS is too small: a programming error */
}

int cmd_verify_report(int argc, char **argv)
{
	static struct vr_ctx x; /* large: off the stack; one call per process */
	struct vr_args *a = &x.a;
	struct cvm_attest_policy *c = &a->cli;
	int r;

	*a = (struct vr_args){ .format = CVM_SNP_FORMAT_AUTO, .product = CVM_SNP_PRODUCT_AUTO };
	x.measurements = (struct value_list){ c->snp.measurements, &c->snp.n_measurements };
	x.id_keys = (struct value_list){ c->snp.id_key_digests, &c->snp.n_id_key_digests };
	x.author_keys = (struct value_list){ c->snp.author_key_digests, &c->snp.n_author_key_digests };
	x.mrtds = (struct value_list){ c->tdx.mrtd, &c->tdx.n_mrtd };
	vr_options(&x);
	cvm_attest_policy_init(c);
	if ((r = cli_parse(&verify_cmd, x.options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	if ((r = convert(a)) || (r = check_args(a, x.options)) ||
	    (r = vr_bundle_check_args(&a->bundle)))
		return r;
	return verify(a, x.options);
}
