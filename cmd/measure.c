/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg measure: expected AMD SEV, SEV-ES and SEV-SNP launch digests. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/measure.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "measure-output.h"

enum {
	OPT_TEE = 1,
	OPT_OVMF,
	OPT_VCPUS,
	OPT_VCPU_TYPE,
	OPT_VCPU_SIG,
	OPT_VCPU_FAMILY,
	OPT_VCPU_MODEL,
	OPT_VCPU_STEPPING,
	OPT_VMM_TYPE,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_APPEND,
	OPT_GUEST_FEATURES,
	OPT_SNP_OVMF_HASH,
	OPT_SVSM,
	OPT_VARS_SIZE,
	OPT_VARS_FILE,
	OPT_DUMP_VMSA,
	OPT_OUTPUT_FORMAT,
	OPT_MXCSR,
	OPT_X87_FCW,
	OPT_VMSA_RDX,
	OPT_ID_KEY,
	OPT_AUTHOR_KEY,
	OPT_ID_POLICY,
	OPT_GUEST_SVN,
	OPT_FAMILY_ID,
	OPT_IMAGE_ID,
	OPT_TIK,
	OPT_MNONCE,
	OPT_API_MAJOR,
	OPT_API_MINOR,
	OPT_BUILD,
	OPT_POLICY,
};

static const struct cli_option options[] = {
	{ "tee", 't', "TEE", OPT_TEE, "sev, sev-es, snp, snp:svsm or snp:ovmf-hash" },
	{ "mode", 0, "TEE", OPT_TEE, "the same as --tee (sev-snp-measure's name)" },
	{ "ovmf", 0, "FILE", OPT_OVMF, "single-file OVMF firmware (OVMF.fd)" },
	{ "vcpus", 0, "N", OPT_VCPUS, "number of vCPUs" },
	{ "vcpu-type", 0, "NAME", OPT_VCPU_TYPE, "QEMU -cpu model, e.g. EPYC-v4 or EPYC-Milan" },
	{ "vcpu-sig", 0, "HEX", OPT_VCPU_SIG, "vCPU signature (CPUID 1 EAX)" },
	{ "vcpu-family", 0, "N", OPT_VCPU_FAMILY, "vCPU family (with --vcpu-model/-stepping)" },
	{ "vcpu-model", 0, "N", OPT_VCPU_MODEL, "vCPU model" },
	{ "vcpu-stepping", 0, "N", OPT_VCPU_STEPPING, "vCPU stepping" },
	{ "vmm-type", 0, "TYPE", OPT_VMM_TYPE, "qemu (default), ec2 or gce" },
	{ "kernel", 0, "FILE", OPT_KERNEL, "kernel for measured direct boot" },
	{ "initrd", 0, "FILE", OPT_INITRD, "initrd for measured direct boot" },
	{ "append", 0, "CMDLINE", OPT_APPEND, "kernel command line for measured direct boot" },
	{ "guest-features", 0, "HEX", OPT_GUEST_FEATURES, "SNP guest features (default 0x1)" },
	{ "snp-ovmf-hash", 0, "HEX", OPT_SNP_OVMF_HASH, "precomputed snp:ovmf-hash digest" },
	{ "svsm", 0, "FILE", OPT_SVSM, "COCONUT-SVSM binary (snp:svsm)" },
	{ "vars-size", 0, "N", OPT_VARS_SIZE, "size of OVMF_VARS in bytes (snp:svsm)" },
	{ "vars-file", 0, "FILE", OPT_VARS_FILE, "OVMF_VARS file whose size to use (snp:svsm)" },
	{ "dump-vmsa", 0, "DIR", OPT_DUMP_VMSA, "write each vCPU's VMSA page to DIR/vmsaN.bin" },
	{ "output-format", 0, "FMT", OPT_OUTPUT_FORMAT, "hex (default) or base64" },
	{ "mxcsr", 0, "HEX", OPT_MXCSR, "VMSA MXCSR (qemu 0x1f80, ec2/gce 0)" },
	{ "x87-fcw", 0, "HEX", OPT_X87_FCW, "VMSA x87 FCW (qemu 0x37f, ec2/gce 0)" },
	{ "vmsa-rdx", 0, "HEX", OPT_VMSA_RDX, "VMSA RDX for ec2/gce (default 0x600)" },
	{ "id-key", 0, "FILE", OPT_ID_KEY, "SNP ID key (PEM, EC P-384) to sign an ID block" },
	{ "author-key", 0, "FILE", OPT_AUTHOR_KEY, "SNP author key (PEM, EC P-384)" },
	{ "id-policy", 0, "HEX", OPT_ID_POLICY, "guest policy in the ID block (default 0x30000)" },
	{ "guest-svn", 0, "N", OPT_GUEST_SVN, "guest SVN in the ID block (default 0)" },
	{ "family-id", 0, "HEX", OPT_FAMILY_ID, "16-byte family ID in the ID block" },
	{ "image-id", 0, "HEX", OPT_IMAGE_ID, "16-byte image ID in the ID block" },
	{ "tik", 0, "FILE", OPT_TIK, "SEV transport integrity key (16 bytes, or TEK+TIK)" },
	{ "mnonce", 0, "HEX", OPT_MNONCE, "16-byte nonce of LAUNCH_MEASURE" },
	{ "api-major", 0, "N", OPT_API_MAJOR, "SEV firmware API major version" },
	{ "api-minor", 0, "N", OPT_API_MINOR, "SEV firmware API minor version" },
	{ "build", 0, "N", OPT_BUILD, "SEV firmware build ID" },
	{ "policy", 0, "HEX", OPT_POLICY, "SEV guest policy" },
	CLI_OPTION_JSON,
	CLI_OPTION_END,
};

static const char *const synopsis[] = {
	"--tee TEE --ovmf FILE [--vcpus N --vcpu-type NAME] [options]",
	NULL,
};

static const struct cli_command measure_cmd = {
	.name = "measure",
	.synopsis = synopsis,
	.summary = "Compute the expected launch digest of an AMD SEV, SEV-ES or SEV-SNP guest\n"
		   "from its firmware, vCPUs and (for measured direct boot) kernel, initrd and\n"
		   "command line. Optionally sign an SNP ID block or compute the SEV\n"
		   "LAUNCH_MEASURE value.",
	.options = options,
};

struct measure_args {
	struct cvm_measure_input in;
	struct measure_extras x;
	const char *vcpu_type, *vcpu_sig;
	int64_t family, model, stepping;
	bool have_vcpus;
	uint8_t ovmf_hash[48];
};

static int parse_hex_u64(const char *opt, const char *arg, uint64_t max, uint64_t *ret)
{
	return cli_parse_u64("measure", opt, arg, 0, max, ret);
}

/* --vcpu-family/-model/-stepping first, then --vcpu-sig, then --vcpu-type. */
static int resolve_vcpu_sig(struct measure_args *a)
{
	struct cvm_measure_input *in = &a->in;
	uint64_t v;

	if (a->family >= 0 || a->model >= 0 || a->stepping >= 0) {
		if (a->family < 0 || a->model < 0 || a->stepping < 0)
			return cli_usage("measure", "--vcpu-family, --vcpu-model and "
						    "--vcpu-stepping go together");
		in->vcpu_sig = cvm_vcpu_sig((unsigned)a->family, (unsigned)a->model,
					    (unsigned)a->stepping);
	} else if (a->vcpu_sig) {
		if (parse_hex_u64("vcpu-sig", a->vcpu_sig, UINT32_MAX, &v))
			return CLI_EXIT_USAGE;
		in->vcpu_sig = (uint32_t)v;
	} else if (a->vcpu_type) {
		if (cvm_vcpu_type_sig(a->vcpu_type, &in->vcpu_sig) < 0) {
			char valid[512] = "";

			for (size_t i = 0; cvm_vcpu_type_name(i); i++)
				snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s",
					 i ? ", " : "", cvm_vcpu_type_name(i));
			return cli_usage("measure", "unknown vCPU type '%s' (valid: %s)", a->vcpu_type,
					 valid);
		}
	} else {
		return 0;
	}
	in->have_vcpu_sig = true;
	return 0;
}

static int parse_cpu_part(const char *opt, const char *arg, int64_t *ret)
{
	uint64_t v;

	if (cli_parse_u64("measure", opt, arg, 0, 255, &v))
		return CLI_EXIT_USAGE;
	*ret = (int64_t)v;
	return 0;
}

static int parse_id_hex(const char *opt, const char *arg, uint8_t *out, size_t len)
{
	if (cvm_hex_decode(arg, out, len, NULL) < 0)
		return cli_usage("measure", "--%s needs %zu bytes in hex", opt, len);
	return 0;
}

/* Options of the ID block and of LAUNCH_MEASURE. */
static int parse_extra(struct measure_args *a, int id, const char *arg)
{
	struct measure_extras *x = &a->x;
	uint64_t v;

	switch (id) {
	case OPT_ID_KEY:
		x->id_key = arg;
		return 0;
	case OPT_AUTHOR_KEY:
		x->author_key = arg;
		return 0;
	case OPT_ID_POLICY:
		x->want_id_params = true;
		return parse_hex_u64("id-policy", arg, UINT64_MAX, &x->id_params.policy);
	case OPT_GUEST_SVN:
		x->want_id_params = true;
		if (parse_hex_u64("guest-svn", arg, UINT32_MAX, &v))
			return CLI_EXIT_USAGE;
		x->id_params.guest_svn = (uint32_t)v;
		return 0;
	case OPT_FAMILY_ID:
		x->want_id_params = true;
		return parse_id_hex("family-id", arg, x->id_params.family_id, 16);
	case OPT_IMAGE_ID:
		x->want_id_params = true;
		return parse_id_hex("image-id", arg, x->id_params.image_id, 16);
	case OPT_TIK:
		x->tik = arg;
		return 0;
	case OPT_MNONCE:
		x->have_mnonce = true;
		return parse_id_hex("mnonce", arg, x->mnonce, 16);
	case OPT_API_MAJOR:
		x->have_api_major = true;
		return parse_hex_u64("api-major", arg, 255, &x->api_major);
	case OPT_API_MINOR:
		x->have_api_minor = true;
		return parse_hex_u64("api-minor", arg, 255, &x->api_minor);
	case OPT_BUILD:
		x->have_build = true;
		return parse_hex_u64("build", arg, 255, &x->build);
	case OPT_POLICY:
		x->have_policy = true;
		return parse_hex_u64("policy", arg, UINT32_MAX, &x->policy);
	}
	return cli_usage("measure", "internal error: unhandled option %d", id);
}

static int parse_vmsa(struct measure_args *a, int id, const char *arg)
{
	struct cvm_vmsa_overrides *o = &a->in.vmsa;
	uint64_t v;

	switch (id) {
	case OPT_MXCSR:
		o->set_mxcsr = true;
		if (parse_hex_u64("mxcsr", arg, UINT32_MAX, &v))
			return CLI_EXIT_USAGE;
		o->mxcsr = (uint32_t)v;
		return 0;
	case OPT_X87_FCW:
		o->set_fcw = true;
		if (parse_hex_u64("x87-fcw", arg, UINT16_MAX, &v))
			return CLI_EXIT_USAGE;
		o->fcw = (uint16_t)v;
		return 0;
	default:
		o->set_rdx = true;
		return parse_hex_u64("vmsa-rdx", arg, UINT64_MAX, &o->rdx);
	}
}

static int parse_option(struct measure_args *a, int id, const char *arg)
{
	struct cvm_measure_input *in = &a->in;
	uint64_t v;

	switch (id) {
	case OPT_TEE:
		in->tee = cvm_tee_from_string(arg);
		if (in->tee == CVM_TEE_INVALID)
			return cli_usage("measure", "unknown TEE '%s' (sev, sev-es, snp, snp:svsm, "
						    "snp:ovmf-hash)", arg);
		return 0;
	case OPT_OVMF:
		in->ovmf_path = arg;
		return 0;
	case OPT_VCPUS:
		a->have_vcpus = true;
		if (cli_parse_u64("measure", "vcpus", arg, 1, CVM_VCPUS_MAX, &v))
			return CLI_EXIT_USAGE;
		in->vcpus = (unsigned)v;
		return 0;
	case OPT_VCPU_TYPE:
		a->vcpu_type = arg;
		return 0;
	case OPT_VCPU_SIG:
		a->vcpu_sig = arg;
		return 0;
	case OPT_VCPU_FAMILY:
		return parse_cpu_part("vcpu-family", arg, &a->family);
	case OPT_VCPU_MODEL:
		return parse_cpu_part("vcpu-model", arg, &a->model);
	case OPT_VCPU_STEPPING:
		return parse_cpu_part("vcpu-stepping", arg, &a->stepping);
	case OPT_VMM_TYPE:
		in->vmm = cvm_vmm_from_string(arg);
		if (in->vmm == CVM_VMM_INVALID)
			return cli_usage("measure", "unknown VMM type '%s' (qemu, ec2, gce)", arg);
		return 0;
	case OPT_KERNEL:
		in->kernel_path = arg;
		return 0;
	case OPT_INITRD:
		in->initrd_path = arg;
		return 0;
	case OPT_APPEND:
		in->cmdline = arg;
		return 0;
	case OPT_GUEST_FEATURES:
		return parse_hex_u64("guest-features", arg, UINT64_MAX, &in->guest_features);
	case OPT_SNP_OVMF_HASH:
		if (cvm_hex_decode(arg, a->ovmf_hash, 48, NULL) < 0)
			return cli_usage("measure", "--snp-ovmf-hash needs 48 bytes in hex");
		in->ovmf_hash = a->ovmf_hash;
		return 0;
	case OPT_SVSM:
		in->svsm_path = arg;
		return 0;
	case OPT_VARS_SIZE:
		return cli_parse_u64("measure", "vars-size", arg, 0, 1ull << 31, &in->vars_size);
	case OPT_VARS_FILE:
		a->x.vars_file = arg;
		return 0;
	case OPT_DUMP_VMSA:
		a->x.dump_dir = arg;
		return 0;
	case OPT_OUTPUT_FORMAT:
		if (strcmp(arg, "hex") && strcmp(arg, "base64"))
			return cli_usage("measure", "--output-format is hex or base64, not '%s'",
					 arg);
		a->x.base64 = !strcmp(arg, "base64");
		return 0;
	case OPT_MXCSR:
	case OPT_X87_FCW:
	case OPT_VMSA_RDX:
		return parse_vmsa(a, id, arg);
	case CLI_OPT_JSON:
		a->x.json = true;
		return 0;
	}
	return parse_extra(a, id, arg);
}

/* Combinations the library would also refuse, caught here with the option names. */
static int check_args(struct measure_args *a)
{
	struct cvm_measure_input *in = &a->in;
	struct measure_extras *x = &a->x;
	bool vmsa = in->tee == CVM_TEE_SEV_ES || in->tee == CVM_TEE_SNP ||
		    in->tee == CVM_TEE_SNP_SVSM;

	if (in->tee == CVM_TEE_INVALID)
		return cli_usage("measure", "--tee is required");
	if (!in->ovmf_path)
		return cli_usage("measure", "--ovmf is required");
	if (vmsa && !a->have_vcpus)
		return cli_usage("measure", "--vcpus is required for %s",
				 cvm_tee_to_string(in->tee));
	if (vmsa && in->vmm == CVM_VMM_QEMU && !in->have_vcpu_sig)
		return cli_usage("measure", "%s under QEMU needs --vcpu-type, --vcpu-sig or "
					    "--vcpu-family/--vcpu-model/--vcpu-stepping",
				 cvm_tee_to_string(in->tee));
	if (!in->kernel_path && (in->initrd_path || in->cmdline))
		return cli_usage("measure", "--initrd and --append need --kernel");
	if (in->ovmf_hash && in->tee != CVM_TEE_SNP)
		return cli_usage("measure", "--snp-ovmf-hash is only for --tee snp");
	if ((in->svsm_path || in->vars_size || x->vars_file) && in->tee != CVM_TEE_SNP_SVSM)
		return cli_usage("measure", "--svsm, --vars-size and --vars-file are for "
					    "--tee snp:svsm");
	if (in->tee == CVM_TEE_SNP_SVSM && (!in->svsm_path || (!in->vars_size == !x->vars_file)))
		return cli_usage("measure", "snp:svsm needs --svsm and one of --vars-size or "
					    "--vars-file");
	if (x->dump_dir && !vmsa)
		return cli_usage("measure", "--dump-vmsa needs a TEE with VMSAs (sev-es, snp, "
					    "snp:svsm)");
	if (in->vmsa.set_rdx && in->vmm == CVM_VMM_QEMU)
		return cli_usage("measure", "--vmsa-rdx is for ec2 and gce; QEMU puts the vCPU "
					    "signature in RDX");
	if ((x->id_key || x->author_key || x->want_id_params) &&
	    (!x->id_key || !x->author_key || in->tee != CVM_TEE_SNP))
		return cli_usage("measure", "an ID block needs --tee snp, --id-key and "
					    "--author-key");
	return measure_check_launch_measure_args(a->in.tee, x);
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a = {
		.in = { .tee = CVM_TEE_INVALID, .vmm = CVM_VMM_QEMU, .guest_features = 0x1 },
		.family = -1,
		.model = -1,
		.stepping = -1,
	};
	struct cli_parser p;
	const char *arg;
	int id, r;

	cvm_snp_id_block_params_init(&a.x.id_params);
	cli_parser_init(&p, &measure_cmd, argc, argv);
	while ((id = cli_next(&p, &arg)) > 0)
		if ((r = parse_option(&a, id, arg)))
			return r;
	if (id == CLI_EXIT)
		return p.exit_code;
	if (p.optind < argc)
		return cli_usage("measure", "unexpected argument '%s'", argv[p.optind]);
	r = resolve_vcpu_sig(&a);
	if (r || (r = check_args(&a)))
		return r;
	return measure_run(&a.in, &a.x);
}
