/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg verify-report: an SEV-SNP report or a TDX quote, offline, against pinned roots. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/attest.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "verify-report-output.h"

/* The ids follow the order of options[]: options[id - 1] is option id. */
enum {
	OPT_REPORT = 1,
	OPT_REPORT_FORMAT,
	OPT_VCEK,
	OPT_VLEK,
	OPT_CHAIN,
	OPT_ARK,
	OPT_PRODUCT,
	OPT_CRL,
	OPT_QUOTE,
	OPT_COLLATERAL,
	OPT_TCB_INFO,
	OPT_TCB_INFO_SIG,
	OPT_QE_IDENTITY,
	OPT_QE_IDENTITY_SIG,
	OPT_TCB_SIGNING_CHAIN,
	OPT_PCK_CRL,
	OPT_ROOT_CRL,
	OPT_AT_TIME,
	OPT_POLICY,
	OPT_ALLOW_DEBUG,
	OPT_REPORT_DATA,
	OPT_ALLOW_MA,
	OPT_MEASUREMENT,
	OPT_HOST_DATA,
	OPT_MIN_TCB,
	OPT_MIN_GUEST_SVN,
	OPT_VMPL,
	OPT_ID_KEY_DIGEST,
	OPT_AUTHOR_KEY_DIGEST,
	OPT_STRICT_COMMITTED,
	OPT_MRTD,
	OPT_RTMR0,
	OPT_RTMR1,
	OPT_RTMR2,
	OPT_RTMR3,
	OPT_ACCEPT_TCB,
	OPT__COUNT,
};

static const struct cli_option options[] = {
	{ "report", 0, "FILE", OPT_REPORT, "SEV-SNP attestation report (binary or hex)" },
	{ "report-format", 0, "FMT", OPT_REPORT_FORMAT, "bin, hex or auto (default)" },
	{ "vcek", 0, "FILE", OPT_VCEK, "the VCEK certificate (PEM or DER)" },
	{ "vlek", 0, "FILE", OPT_VLEK, "the VLEK certificate (PEM or DER)" },
	{ "chain", 0, "FILE", OPT_CHAIN, "ASK or ASVK [+ ARK] (PEM); default: built in" },
	{ "ark", 0, "FILE", OPT_ARK, "the ARK sent with the evidence (must be the built-in one)" },
	{ "product", 0, "NAME", OPT_PRODUCT, "milan, genoa or turin (default: from the report)" },
	{ "crl", 0, "FILE", OPT_CRL, "AMD CRL of the product (DER or PEM)" },
	{ "quote", 0, "FILE", OPT_QUOTE, "TDX quote, version 4 or 5" },
	{ "collateral", 0, "FILE", OPT_COLLATERAL,
	  "QuoteCollateralV3 JSON (TCB info, QE identity, CRLs)" },
	{ "tcb-info", 0, "FILE", OPT_TCB_INFO, "TDX TCB Info as served by Intel PCS" },
	{ "tcb-info-signature", 0, "FILE", OPT_TCB_INFO_SIG, "signature (hex) of a bare TCB Info" },
	{ "qe-identity", 0, "FILE", OPT_QE_IDENTITY, "TD QE identity as served by Intel PCS" },
	{ "qe-identity-signature", 0, "FILE", OPT_QE_IDENTITY_SIG,
	  "signature (hex) of a bare QE identity" },
	{ "tcb-signing-chain", 0, "FILE", OPT_TCB_SIGNING_CHAIN,
	  "Intel SGX TCB Signing certificate (PEM)" },
	{ "pck-crl", 0, "FILE", OPT_PCK_CRL, "PCK CRL of the PCK's CA (DER, PEM or hex)" },
	{ "root-crl", 0, "FILE", OPT_ROOT_CRL, "Intel SGX Root CA CRL (DER, PEM or hex)" },
	{ "at-time", 0, "TIME", OPT_AT_TIME, "verify at this RFC 3339 time instead of now" },
	{ "policy", 0, "FILE", OPT_POLICY, "expected values as a JSON policy" },
	{ "allow-debug", 0, NULL, OPT_ALLOW_DEBUG, "accept a debuggable guest" },
	{ "report-data", 0, "HEX", OPT_REPORT_DATA, "expected REPORT_DATA (64 bytes)" },
	{ "allow-migration-agent", 0, NULL, OPT_ALLOW_MA,
	  "SNP: accept a guest policy with MIGRATE_MA" },
	{ "expect-measurement", 0, "HEX", OPT_MEASUREMENT,
	  "SNP: accepted MEASUREMENT (repeatable)" },
	{ "host-data", 0, "HEX", OPT_HOST_DATA, "SNP: expected HOST_DATA (32 bytes)" },
	{ "min-tcb", 0, "LIST", OPT_MIN_TCB, "SNP: bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]" },
	{ "min-guest-svn", 0, "N", OPT_MIN_GUEST_SVN, "SNP: minimum GUEST_SVN" },
	{ "vmpl", 0, "N", OPT_VMPL, "SNP: required VMPL of the report (0-3)" },
	{ "id-key-digest", 0, "HEX", OPT_ID_KEY_DIGEST,
	  "SNP: accepted ID_KEY_DIGEST (repeatable)" },
	{ "author-key-digest", 0, "HEX", OPT_AUTHOR_KEY_DIGEST,
	  "SNP: accepted AUTHOR_KEY_DIGEST (repeatable)" },
	{ "strict-committed-tcb", 0, NULL, OPT_STRICT_COMMITTED,
	  "SNP: require committed == current TCB" },
	{ "expect-mrtd", 0, "HEX", OPT_MRTD, "TDX: accepted MRTD (repeatable)" },
	{ "expect-rtmr0", 0, "HEX", OPT_RTMR0, "TDX: expected RTMR0" },
	{ "expect-rtmr1", 0, "HEX", OPT_RTMR1, "TDX: expected RTMR1" },
	{ "expect-rtmr2", 0, "HEX", OPT_RTMR2, "TDX: expected RTMR2" },
	{ "expect-rtmr3", 0, "HEX", OPT_RTMR3, "TDX: expected RTMR3" },
	{ "accept-tcb-status", 0, "LIST", OPT_ACCEPT_TCB,
	  "TDX: accepted TCB statuses (default UpToDate)" },
	CLI_OPTION_JSON,
	CLI_OPTION_END,
};

static const char *const synopsis[] = {
	"--report FILE [--vcek FILE | --vlek FILE] [--chain FILE] [--product NAME] [options]",
	"--quote FILE [--collateral FILE] [options]",
	NULL,
};

static const struct cli_command verify_cmd = {
	.name = "verify-report",
	.synopsis = synopsis,
	.summary = "Verify an AMD SEV-SNP attestation report or an Intel TDX quote offline: its\n"
		   "signature, its certificate chain to the AMD or Intel root built into cvmimg,\n"
		   "the TCB it claims and the expected values of a policy.",
	.options = options,
};

#define NAME "verify-report"

/* Which evidence an option belongs to. */
enum scope { ANY, SNP, TDX };

static enum scope scope_of(int id)
{
	if (id >= OPT__COUNT)
		return ANY;
	if (id <= OPT_CRL || (id >= OPT_ALLOW_MA && id <= OPT_STRICT_COMMITTED))
		return SNP;
	if ((id >= OPT_QUOTE && id <= OPT_ROOT_CRL) || id >= OPT_MRTD)
		return TDX;
	return ANY;
}

struct vr_args {
	const char *file[OPT__COUNT]; /* file arguments by option */
	enum cvm_snp_report_format format;
	enum cvm_snp_product product;
	bool have_time, json;
	int64_t at;
	struct cvm_attest_policy cli; /* policy values given on the command line */
	bool set[OPT__COUNT];         /* options given */
	const char *snp_opt, *tdx_opt; /* the first option of each kind, for messages */
};

static int parse_hex_arg(const char *opt, const char *arg, uint8_t *out, size_t len)
{
	if (cvm_hex_decode(arg, out, len, NULL) < 0)
		return cli_usage(NAME, "--%s needs %zu bytes in hex", opt, len);
	return 0;
}

static int add_value(const char *opt, const char *arg, uint8_t (*list)[48], unsigned *n)
{
	if (*n >= CVM_ATTEST_MAX_VALUES)
		return cli_usage(NAME, "--%s is given more than %d times", opt,
				 CVM_ATTEST_MAX_VALUES);
	if (parse_hex_arg(opt, arg, list[*n], 48))
		return CLI_EXIT_USAGE;
	(*n)++;
	return 0;
}

/* "bootloader=N,tee=N,snp=N,microcode=N[,fmc=N]" (bl and ucode accepted too). */
static int parse_min_tcb(const char *arg, struct cvm_attest_policy *p)
{
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

static int parse_statuses(const char *arg, unsigned *mask)
{
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

static int parse_policy_option(struct vr_args *a, int id, const char *arg)
{
	struct cvm_attest_policy *p = &a->cli;
	uint64_t v;

	switch (id) {
	case OPT_REPORT_DATA:
		if (parse_hex_arg("report-data", arg, p->snp.report_data, 64))
			return CLI_EXIT_USAGE;
		memcpy(p->tdx.report_data, p->snp.report_data, 64);
		return 0;
	case OPT_MEASUREMENT:
		return add_value("expect-measurement", arg, p->snp.measurements,
				 &p->snp.n_measurements);
	case OPT_HOST_DATA:
		return parse_hex_arg("host-data", arg, p->snp.host_data, 32);
	case OPT_MIN_TCB:
		return parse_min_tcb(arg, p);
	case OPT_MIN_GUEST_SVN:
		if (cli_parse_u64(NAME, "min-guest-svn", arg, 0, UINT32_MAX, &v))
			return CLI_EXIT_USAGE;
		p->snp.min_guest_svn = (uint32_t)v;
		return 0;
	case OPT_VMPL:
		if (cli_parse_u64(NAME, "vmpl", arg, 0, 3, &v))
			return CLI_EXIT_USAGE;
		p->snp.vmpl = (int)v;
		return 0;
	case OPT_ID_KEY_DIGEST:
		return add_value("id-key-digest", arg, p->snp.id_key_digests,
				 &p->snp.n_id_key_digests);
	case OPT_AUTHOR_KEY_DIGEST:
		return add_value("author-key-digest", arg, p->snp.author_key_digests,
				 &p->snp.n_author_key_digests);
	case OPT_MRTD:
		return add_value("expect-mrtd", arg, p->tdx.mrtd, &p->tdx.n_mrtd);
	case OPT_RTMR0:
	case OPT_RTMR1:
	case OPT_RTMR2:
	case OPT_RTMR3:
		return parse_hex_arg(options[id - 1].long_name, arg, p->tdx.rtmr[id - OPT_RTMR0],
				     48);
	case OPT_ACCEPT_TCB:
		return parse_statuses(arg, &p->tdx.accept_tcb_status);
	}
	return 0; /* flags: recorded in a->set */
}

static int parse_option(struct vr_args *a, int id, const char *arg)
{
	int64_t t;

	if (id < OPT__COUNT)
		a->set[id] = true;
	if (scope_of(id) == SNP && !a->snp_opt)
		a->snp_opt = options[id - 1].long_name;
	if (scope_of(id) == TDX && !a->tdx_opt)
		a->tdx_opt = options[id - 1].long_name;
	switch (id) {
	case OPT_REPORT_FORMAT:
		a->format = cvm_snp_report_format_from_string(arg);
		if (a->format < 0)
			return cli_usage(NAME, "--report-format is bin, hex or auto, not '%s'", arg);
		return 0;
	case OPT_PRODUCT:
		a->product = cvm_snp_product_from_string(arg);
		if (a->product < 0)
			return cli_usage(NAME, "unknown product '%s' (milan, genoa, turin)", arg);
		return 0;
	case OPT_AT_TIME:
		if (cvm_parse_rfc3339(arg, &t) < 0)
			return cli_usage(NAME, "--at-time needs an RFC 3339 time such as "
					       "2025-06-01T00:00:00Z, not '%s'",
					 arg);
		a->have_time = true;
		a->at = t;
		return 0;
	case CLI_OPT_JSON:
		a->json = true;
		return 0;
	}
	if (id <= OPT_POLICY) {
		a->file[id] = arg;
		return 0;
	}
	return parse_policy_option(a, id, arg);
}

static int check_args(const struct vr_args *a)
{
	if (!a->file[OPT_REPORT] == !a->file[OPT_QUOTE])
		return cli_usage(NAME, "give one of --report (SEV-SNP) or --quote (TDX)");
	if (a->file[OPT_REPORT] && a->tdx_opt && strcmp(a->tdx_opt, "quote"))
		return cli_usage(NAME, "--%s is for TDX quotes, not SNP reports", a->tdx_opt);
	if (a->file[OPT_QUOTE] && a->snp_opt)
		return cli_usage(NAME, "--%s is for SNP reports, not TDX quotes", a->snp_opt);
	if (a->file[OPT_VCEK] && a->file[OPT_VLEK])
		return cli_usage(NAME, "give --vcek or --vlek, not both");
	if (a->file[OPT_TCB_INFO_SIG] && !a->file[OPT_TCB_INFO])
		return cli_usage(NAME, "--tcb-info-signature needs --tcb-info");
	if (a->file[OPT_QE_IDENTITY_SIG] && !a->file[OPT_QE_IDENTITY])
		return cli_usage(NAME, "--qe-identity-signature needs --qe-identity");
	if ((a->file[OPT_TCB_INFO] || a->file[OPT_QE_IDENTITY]) && !a->file[OPT_COLLATERAL] &&
	    !a->file[OPT_TCB_SIGNING_CHAIN])
		return cli_usage(NAME, "--tcb-info and --qe-identity need --tcb-signing-chain");
	return 0;
}

/* The policy: defaults, then the --policy file, then the command line's values. */
static void apply_cli(const struct vr_args *a, struct cvm_attest_policy *p)
{
	const struct cvm_attest_policy *c = &a->cli;

	if (a->set[OPT_ALLOW_DEBUG])
		p->snp.allow_debug = p->tdx.allow_debug = true;
	if (a->set[OPT_ALLOW_MA])
		p->snp.allow_migration_agent = true;
	if (a->set[OPT_STRICT_COMMITTED])
		p->snp.strict_committed_tcb = true;
	if (a->set[OPT_REPORT_DATA]) {
		p->snp.have_report_data = p->tdx.have_report_data = true;
		memcpy(p->snp.report_data, c->snp.report_data, 64);
		memcpy(p->tdx.report_data, c->tdx.report_data, 64);
	}
	if (a->set[OPT_HOST_DATA]) {
		p->snp.have_host_data = true;
		memcpy(p->snp.host_data, c->snp.host_data, 32);
	}
	if (a->set[OPT_MEASUREMENT]) {
		p->snp.n_measurements = c->snp.n_measurements;
		memcpy(p->snp.measurements, c->snp.measurements, sizeof(c->snp.measurements));
	}
	if (a->set[OPT_MIN_TCB]) {
		p->snp.have_min_tcb = true;
		p->snp.min_tcb_has_fmc = c->snp.min_tcb_has_fmc;
		p->snp.min_tcb = c->snp.min_tcb;
	}
	if (a->set[OPT_MIN_GUEST_SVN]) {
		p->snp.have_min_guest_svn = true;
		p->snp.min_guest_svn = c->snp.min_guest_svn;
	}
	if (a->set[OPT_VMPL])
		p->snp.vmpl = c->snp.vmpl;
	if (a->set[OPT_ID_KEY_DIGEST]) {
		p->snp.n_id_key_digests = c->snp.n_id_key_digests;
		memcpy(p->snp.id_key_digests, c->snp.id_key_digests, sizeof(c->snp.id_key_digests));
	}
	if (a->set[OPT_AUTHOR_KEY_DIGEST]) {
		p->snp.n_author_key_digests = c->snp.n_author_key_digests;
		memcpy(p->snp.author_key_digests, c->snp.author_key_digests,
		       sizeof(c->snp.author_key_digests));
	}
	if (a->set[OPT_MRTD]) {
		p->tdx.n_mrtd = c->tdx.n_mrtd;
		memcpy(p->tdx.mrtd, c->tdx.mrtd, sizeof(c->tdx.mrtd));
	}
	for (int i = 0; i < 4; i++)
		if (a->set[OPT_RTMR0 + i]) {
			p->tdx.have_rtmr[i] = true;
			memcpy(p->tdx.rtmr[i], c->tdx.rtmr[i], 48);
		}
	if (a->set[OPT_ACCEPT_TCB])
		p->tdx.accept_tcb_status = c->tdx.accept_tcb_status;
}

/* The input files, read whole (each at most CVM_ATTEST_INPUT_MAX bytes). */
struct vr_files {
	uint8_t *data[OPT__COUNT];
	size_t len[OPT__COUNT];
};

static void vr_files_done(struct vr_files *f)
{
	for (int i = 0; i < OPT__COUNT; i++)
		free(f->data[i]);
}

static int read_inputs(const struct vr_args *a, struct vr_files *f)
{
	for (int id = 1; id <= OPT_POLICY; id++) {
		cvm_err e = { 0 };

		if (!a->file[id])
			continue;
		if (cvm_read_file(a->file[id], CVM_ATTEST_INPUT_MAX, &f->data[id], &f->len[id],
				  &e) < 0)
			return cli_fail(NAME, &e);
	}
	return 0;
}

static struct cvm_attest_blob blob(const struct vr_args *a, const struct vr_files *f, int id)
{
	return (struct cvm_attest_blob){ f->data[id], f->len[id], a->file[id] };
}

static int run_snp(const struct vr_args *a, const struct vr_files *f,
		   const struct cvm_attest_policy *p, struct cvm_attest_result *res, cvm_err *e)
{
	struct cvm_snp_evidence ev = {
		.report = blob(a, f, OPT_REPORT),
		.format = a->format,
		.vek = blob(a, f, a->file[OPT_VLEK] ? OPT_VLEK : OPT_VCEK),
		.vek_kind = a->file[OPT_VLEK]	? CVM_SNP_SIGNER_VLEK
			    : a->file[OPT_VCEK] ? CVM_SNP_SIGNER_VCEK
						: CVM_SNP_SIGNER_AUTO,
		.chain = blob(a, f, OPT_CHAIN),
		.ark = blob(a, f, OPT_ARK),
		.crl = blob(a, f, OPT_CRL),
		.product = a->product,
		.have_time = a->have_time,
		.at_time = a->at,
	};

	return cvm_snp_verify(&ev, p, res, e);
}

static int run_tdx(const struct vr_args *a, const struct vr_files *f,
		   const struct cvm_attest_policy *p, struct cvm_attest_result *res, cvm_err *e)
{
	struct cvm_tdx_evidence ev = {
		.quote = blob(a, f, OPT_QUOTE),
		.collateral = blob(a, f, OPT_COLLATERAL),
		.tcb_info = blob(a, f, OPT_TCB_INFO),
		.tcb_info_sig = blob(a, f, OPT_TCB_INFO_SIG),
		.qe_identity = blob(a, f, OPT_QE_IDENTITY),
		.qe_identity_sig = blob(a, f, OPT_QE_IDENTITY_SIG),
		.tcb_signing_chain = blob(a, f, OPT_TCB_SIGNING_CHAIN),
		.pck_crl = blob(a, f, OPT_PCK_CRL),
		.root_crl = blob(a, f, OPT_ROOT_CRL),
		.have_time = a->have_time,
		.at_time = a->at,
	};

	return cvm_tdx_verify(&ev, p, res, e);
}

static int verify(const struct vr_args *a)
{
	CVM_CLEANUP(vr_files_done) struct vr_files f = { 0 };
	CVM_CLEANUP_FREE struct cvm_attest_result *res = calloc(1, sizeof(*res));
	struct cvm_attest_policy policy;
	cvm_err e = { 0 };
	int r = read_inputs(a, &f);

	if (r)
		return r;
	if (!res)
		return cli_fail(NAME, &(cvm_err){ .code = -ENOMEM });
	cvm_attest_policy_init(&policy);
	if (a->file[OPT_POLICY] &&
	    cvm_attest_policy_load_json(&policy, (const char *)f.data[OPT_POLICY], f.len[OPT_POLICY],
					a->file[OPT_POLICY], &e) < 0)
		return cli_fail(NAME, &e);
	apply_cli(a, &policy);
	r = a->file[OPT_REPORT] ? run_snp(a, &f, &policy, res, &e) : run_tdx(a, &f, &policy, res, &e);
	if (r < 0)
		return cli_fail(NAME, &e);
	return verify_report_print(res, a->json);
}

int cmd_verify_report(int argc, char **argv)
{
	struct vr_args a = { .format = CVM_SNP_FORMAT_AUTO, .product = CVM_SNP_PRODUCT_AUTO };
	struct cli_parser p;
	const char *arg;
	int id, r;

	cvm_attest_policy_init(&a.cli);
	cli_parser_init(&p, &verify_cmd, argc, argv);
	while ((id = cli_next(&p, &arg)) > 0)
		if ((r = parse_option(&a, id, arg)))
			return r;
	if (id == CLI_EXIT)
		return p.exit_code;
	if (p.optind < argc)
		return cli_usage(NAME, "unexpected argument '%s'", argv[p.optind]);
	r = check_args(&a);
	return r ? r : verify(&a);
}
