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

static const char *const synopsis[] = {
	"--tee TEE --ovmf FILE [--vcpus N --vcpu-type NAME] [options]",
	"--tee tdx --ovmf FILE [--qemu-version V --ovmf-version V --memory SIZE] [options]",
	NULL,
};

static const struct cli_command measure_cmd = {
	.name = "measure",
	.synopsis = synopsis,
	.summary = "Compute the expected launch digest of an AMD SEV, SEV-ES or SEV-SNP guest\n"
		   "from its firmware, vCPUs and (for measured direct boot) kernel, initrd and\n"
		   "command line. Optionally sign an SNP ID block or compute the SEV\n"
		   "LAUNCH_MEASURE value. For Intel TDX, compute MRTD and RTMR0..3 with the\n"
		   "events that produce them; what the inputs cannot tell is reported unknown.",
};

static const char *const output_formats[] = { "hex", "base64", NULL };

struct measure_args {
	struct cvm_measure_input in;
	struct measure_extras x;
	const char *tee, *vmm, *vcpu_type;
	uint64_t vcpus, vcpu_sig, family, model, stepping, mxcsr, fcw;
	int output_format;
	uint8_t ovmf_hash[48];
};

static int set_tee(struct measure_args *a)
{
	struct cvm_measure_input *in = &a->in;

	if (a->tee && (in->tee = cvm_tee_from_string(a->tee)) == CVM_TEE_INVALID)
		return cli_usage("measure", "unknown TEE '%s' (sev, sev-es, snp, snp:svsm, "
					    "snp:ovmf-hash, tdx)", a->tee);
	if (a->vmm && (in->vmm = cvm_vmm_from_string(a->vmm)) == CVM_VMM_INVALID)
		return cli_usage("measure", "unknown VMM type '%s' (qemu, ec2, gce)", a->vmm);
	return 0;
}

static int unknown_vcpu_type(const char *name)
{
	char valid[512] = "";

	for (size_t i = 0; cvm_vcpu_type_name(i); i++)
		snprintf(valid + strlen(valid), sizeof(valid) - strlen(valid), "%s%s",
			 i ? ", " : "", cvm_vcpu_type_name(i));
	return cli_usage("measure", "unknown vCPU type '%s' (valid: %s)", name, valid);
}

/* --vcpu-family/-model/-stepping first, then --vcpu-sig, then --vcpu-type. */
static int resolve_vcpu_sig(struct measure_args *a, const struct cli_option *opts)
{
	struct cvm_measure_input *in = &a->in;
	int parts = cli_given(opts, &a->family) + cli_given(opts, &a->model) +
		    cli_given(opts, &a->stepping);

	if (parts) {
		if (parts < 3)
			return cli_usage("measure", "--vcpu-family, --vcpu-model and "
						    "--vcpu-stepping go together");
		in->vcpu_sig = cvm_vcpu_sig((unsigned)a->family, (unsigned)a->model,
					    (unsigned)a->stepping);
	} else if (cli_given(opts, &a->vcpu_sig)) {
		in->vcpu_sig = (uint32_t)a->vcpu_sig;
	} else if (a->vcpu_type) {
		if (cvm_vcpu_type_sig(a->vcpu_type, &in->vcpu_sig) < 0)
			return unknown_vcpu_type(a->vcpu_type);
	} else {
		return 0;
	}
	in->have_vcpu_sig = true;
	return 0;
}

/* What the table leaves as raw values, turned into the library's input. */
static void collect(struct measure_args *a, const struct cli_option *opts)
{
	struct cvm_measure_input *in = &a->in;
	struct measure_extras *x = &a->x;
	struct cvm_snp_id_block_params *id = &x->id_params;

	in->vcpus = (unsigned)a->vcpus;
	if (cli_given(opts, a->ovmf_hash))
		in->ovmf_hash = a->ovmf_hash;
	x->base64 = a->output_format == 1;
	in->vmsa.set_mxcsr = cli_given(opts, &a->mxcsr);
	in->vmsa.mxcsr = (uint32_t)a->mxcsr;
	in->vmsa.set_fcw = cli_given(opts, &a->fcw);
	in->vmsa.fcw = (uint16_t)a->fcw;
	in->vmsa.set_rdx = cli_given(opts, &in->vmsa.rdx);
	x->want_id_params = cli_given(opts, &id->policy) || cli_given(opts, &id->guest_svn) ||
			    cli_given(opts, id->family_id) || cli_given(opts, id->image_id);
	x->have_mnonce = cli_given(opts, x->mnonce);
	x->have_api_major = cli_given(opts, &x->api_major);
	x->have_api_minor = cli_given(opts, &x->api_minor);
	x->have_build = cli_given(opts, &x->build);
	x->have_policy = cli_given(opts, &x->policy);
}

/* TDX: its own inputs, none of the AMD ones. */
static int check_tdx_args(struct measure_args *a, const struct cli_option *opts)
{
	struct cvm_measure_input *in = &a->in;
	struct measure_extras *x = &a->x;
	bool tdx_only = in->memory || in->qemu_version || in->ovmf_version || in->uki_path ||
			in->disk_path || in->ovmf_vars_path || in->acpi_dir || in->qemu_path ||
			in->machine;

	if (in->tee != CVM_TEE_TDX)
		return tdx_only ? cli_usage("measure", "--memory, --qemu-version, --ovmf-version, "
						       "--uki, --disk, --ovmf-vars, --acpi-tables, "
						       "--qemu and --machine are for --tee tdx")
				: 0;
	if (a->vcpu_type || in->have_vcpu_sig || in->svsm_path || in->vars_size || x->vars_file ||
	    in->ovmf_hash || x->dump_dir || x->id_key || x->author_key || x->want_id_params ||
	    x->tik || cli_given(opts, &in->guest_features) || cli_given(opts, &a->vmm) ||
	    in->vmsa.set_mxcsr || in->vmsa.set_fcw || in->vmsa.set_rdx || x->base64)
		return cli_usage("measure", "--tee tdx takes none of the SEV and SNP options "
					    "(vCPU type, SVSM, VMSA, ID block, LAUNCH_MEASURE, "
					    "--output-format)");
	if (!!in->kernel_path + !!in->uki_path + !!in->disk_path > 1)
		return cli_usage("measure", "--kernel, --uki and --disk exclude each other");
	if (in->qemu_path && (!in->memory || in->acpi_dir))
		return cli_usage("measure", "--qemu needs --memory (and --vcpus, --machine as the "
					    "TD is started), and excludes --acpi-tables");
	if (in->machine && !in->qemu_path)
		return cli_usage("measure", "--machine goes with --qemu");
	if (in->uki_path && (in->cmdline || in->initrd_path))
		return cli_usage("measure", "--append and --initrd do not go with --uki: the UKI's "
					    ".cmdline and .initrd are measured");
	return 0;
}

/* Combinations the library would also refuse, caught here with the option names. */
static int check_args(struct measure_args *a, const struct cli_option *opts)
{
	struct cvm_measure_input *in = &a->in;
	struct measure_extras *x = &a->x;
	bool vmsa = in->tee == CVM_TEE_SEV_ES || in->tee == CVM_TEE_SNP ||
		    in->tee == CVM_TEE_SNP_SVSM;
	int r;

	if (in->tee == CVM_TEE_INVALID)
		return cli_usage("measure", "--tee is required");
	if (!in->ovmf_path)
		return cli_usage("measure", "--ovmf is required");
	if ((r = check_tdx_args(a, opts)))
		return r;
	if (vmsa && !cli_given(opts, &a->vcpus))
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

#define OPTIONS_MAX 64

/*
 * The TDX and LAUNCH_MEASURE options, then --json, after those of the table
 * (OPTIONS_MAX entries, the unused ones zero). False if they do not fit.
 */
static bool add_options(struct cli_option *o, struct cvm_measure_input *in,
			struct measure_extras *x)
{
	struct cli_option more[] = {
		CLI_SIZE("memory", 0, "SIZE", &in->memory, 16 << 20, 1ull << 46,
			 "TDX: guest RAM, e.g. 2G (TD HOB, kernel header)"),
		CLI_STRING("qemu-version", 0, "V", &in->qemu_version,
			   "TDX: QEMU version, e.g. 8.2.2 (page order, kernel edits)"),
		CLI_STRING("ovmf-version", 0, "V", &in->ovmf_version,
			   "TDX: edk2 release of the firmware, e.g. 2024.11"),
		CLI_STRING("uki", 0, "FILE", &in->uki_path, "TDX: direct boot of a UKI"),
		CLI_STRING("disk", 0, "IMAGE", &in->disk_path,
			   "TDX: boot from this disk (raw, qcow2 or build's output directory)"),
		CLI_STRING("ovmf-vars", 0, "FILE", &in->ovmf_vars_path,
			   "TDX: the vars store the TD starts with (CFV)"),
		CLI_STRING("acpi-tables", 0, "DIR", &in->acpi_dir,
			   "TDX: dump of QEMU's fw_cfg ACPI files"),
		CLI_STRING("qemu", 0, "PATH", &in->qemu_path,
			   "TDX: dump them from this QEMU in qtest mode"),
		CLI_STRING("machine", 0, "OPTS", &in->machine, "TDX: its -M value (default q35)"),
		CLI_STRING("tik", 0, "FILE", &x->tik,
			   "SEV transport integrity key (16 bytes, or TEK+TIK)"),
		CLI_HEX("mnonce", 0, "HEX", x->mnonce, 16, "16-byte nonce of LAUNCH_MEASURE"),
		CLI_U64("api-major", 0, "N", &x->api_major, 0, 255,
			"SEV firmware API major version"),
		CLI_U64("api-minor", 0, "N", &x->api_minor, 0, 255,
			"SEV firmware API minor version"),
		CLI_U64("build", 0, "N", &x->build, 0, 255, "SEV firmware build ID"),
		CLI_U64("policy", 0, "HEX", &x->policy, 0, UINT32_MAX, "SEV guest policy"),
		CLI_JSON(&x->json),
	};
	size_t n = 0;

	while (o[n].long_name)
		n++;
	if (n + sizeof(more) / sizeof(more[0]) >= OPTIONS_MAX)
		return false;
	memcpy(o + n, more, sizeof(more));
	return true;
}

int cmd_measure(int argc, char **argv)
{
	struct measure_args a = {
		.in = { .tee = CVM_TEE_INVALID, .vmm = CVM_VMM_QEMU, .guest_features = 0x1 },
	};
	struct cvm_measure_input *in = &a.in;
	struct measure_extras *x = &a.x;
	struct cvm_snp_id_block_params *id = &x->id_params;
	struct cli_option options[OPTIONS_MAX] = {
		CLI_STRING("tee", 't', "TEE", &a.tee,
			   "sev, sev-es, snp, snp:svsm, snp:ovmf-hash or tdx"),
		CLI_STRING("mode", 0, "TEE", &a.tee, "the same as --tee (sev-snp-measure's name)"),
		CLI_STRING("ovmf", 0, "FILE", &in->ovmf_path, "single-file OVMF firmware (OVMF.fd)"),
		CLI_U64("vcpus", 0, "N", &a.vcpus, 1, CVM_VCPUS_MAX, "number of vCPUs"),
		CLI_STRING("vcpu-type", 0, "NAME", &a.vcpu_type,
			   "QEMU -cpu model, e.g. EPYC-v4 or EPYC-Milan"),
		CLI_U64("vcpu-sig", 0, "HEX", &a.vcpu_sig, 0, UINT32_MAX,
			"vCPU signature (CPUID 1 EAX)"),
		CLI_U64("vcpu-family", 0, "N", &a.family, 0, 255,
			"vCPU family (with --vcpu-model/-stepping)"),
		CLI_U64("vcpu-model", 0, "N", &a.model, 0, 255, "vCPU model"),
		CLI_U64("vcpu-stepping", 0, "N", &a.stepping, 0, 255, "vCPU stepping"),
		CLI_STRING("vmm-type", 0, "TYPE", &a.vmm, "qemu (default), ec2 or gce"),
		CLI_STRING("kernel", 0, "FILE", &in->kernel_path, "kernel for measured direct boot"),
		CLI_STRING("initrd", 0, "FILE", &in->initrd_path, "initrd for measured direct boot"),
		CLI_STRING("append", 0, "CMDLINE", &in->cmdline,
			   "kernel command line for measured direct boot"),
		CLI_U64("guest-features", 0, "HEX", &in->guest_features, 0, UINT64_MAX,
			"SNP guest features (default 0x1)"),
		CLI_HEX("snp-ovmf-hash", 0, "HEX", a.ovmf_hash, 48,
			"precomputed snp:ovmf-hash digest"),
		CLI_STRING("svsm", 0, "FILE", &in->svsm_path, "COCONUT-SVSM binary (snp:svsm)"),
		CLI_U64("vars-size", 0, "N", &in->vars_size, 0, 1ull << 31,
			"size of OVMF_VARS in bytes (snp:svsm)"),
		CLI_STRING("vars-file", 0, "FILE", &x->vars_file,
			   "OVMF_VARS file whose size to use (snp:svsm)"),
		CLI_STRING("dump-vmsa", 0, "DIR", &x->dump_dir,
			   "write each vCPU's VMSA page to DIR/vmsaN.bin"),
		CLI_CHOICE("output-format", 0, "FMT", &a.output_format, output_formats,
			   "hex (default) or base64"),
		CLI_U64("mxcsr", 0, "HEX", &a.mxcsr, 0, UINT32_MAX,
			"VMSA MXCSR (qemu 0x1f80, ec2/gce 0)"),
		CLI_U64("x87-fcw", 0, "HEX", &a.fcw, 0, UINT16_MAX,
			"VMSA x87 FCW (qemu 0x37f, ec2/gce 0)"),
		CLI_U64("vmsa-rdx", 0, "HEX", &in->vmsa.rdx, 0, UINT64_MAX,
			"VMSA RDX for ec2/gce (default 0x600)"),
		CLI_STRING("id-key", 0, "FILE", &x->id_key,
			   "SNP ID key (PEM, EC P-384) to sign an ID block"),
		CLI_STRING("author-key", 0, "FILE", &x->author_key,
			   "SNP author key (PEM, EC P-384)"),
		CLI_U64("id-policy", 0, "HEX", &id->policy, 0, UINT64_MAX,
			"guest policy in the ID block (default 0x30000)"),
		CLI_U32("guest-svn", 0, "N", &id->guest_svn, 0, UINT32_MAX,
			"guest SVN in the ID block (default 0)"),
		CLI_HEX("family-id", 0, "HEX", id->family_id, 16,
			"16-byte family ID in the ID block"),
		CLI_HEX("image-id", 0, "HEX", id->image_id, 16, "16-byte image ID in the ID block"),
	};
	int r;

	if (!add_options(options, in, x)) {
		cli_error("measure", "internal error: too many options");
		return CLI_EXIT_SYSTEM;
	}
	cvm_snp_id_block_params_init(id);
	if ((r = cli_parse(&measure_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	collect(&a, options);
	if ((r = set_tee(&a)) || (r = resolve_vcpu_sig(&a, options)) || (r = check_args(&a, options)))
		return r;
	return measure_run(in, x);
}
