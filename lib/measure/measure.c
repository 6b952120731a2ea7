/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/measure.h>
#include <cvmimg/util.h>

#include "measure/sev-launch.h"
#include "measure/tdx/tdx.h"
#include "util/hash.h"
#include "util/log-internal.h"
#include "util/macro.h"

static const char *const tee_names[CVM_TEE__COUNT] = {
	[CVM_TEE_SEV] = "sev",
	[CVM_TEE_SEV_ES] = "sev-es",
	[CVM_TEE_SNP] = "snp",
	[CVM_TEE_SNP_SVSM] = "snp:svsm",
	[CVM_TEE_SNP_OVMF_HASH] = "snp:ovmf-hash",
	[CVM_TEE_TDX] = "tdx",
};

/* sev-snp-measure's --mode spellings, for users coming from it. */
static const struct {
	const char *alias;
	enum cvm_tee tee;
} tee_aliases[] = {
	{ "seves", CVM_TEE_SEV_ES },
	{ "sev-snp", CVM_TEE_SNP },
	{ "sev-snp:svsm", CVM_TEE_SNP_SVSM },
	{ "sev-snp:ovmf-hash", CVM_TEE_SNP_OVMF_HASH },
};

static const char *const vmm_names[CVM_VMM__COUNT] = {
	[CVM_VMM_QEMU] = "qemu",
	[CVM_VMM_EC2] = "ec2",
	[CVM_VMM_GCE] = "gce",
};

CVM_PUBLIC const char *cvm_tee_to_string(enum cvm_tee tee)
{
	return (unsigned)tee < CVM_TEE__COUNT ? tee_names[tee] : NULL;
}

CVM_PUBLIC enum cvm_tee cvm_tee_from_string(const char *s)
{
	if (!s)
		return CVM_TEE_INVALID;
	for (int i = 0; i < CVM_TEE__COUNT; i++)
		if (!strcasecmp(s, tee_names[i]))
			return (enum cvm_tee)i;
	for (size_t i = 0; i < CVM_ARRAY_SIZE(tee_aliases); i++)
		if (!strcasecmp(s, tee_aliases[i].alias))
			return tee_aliases[i].tee;
	return CVM_TEE_INVALID;
}

CVM_PUBLIC const char *cvm_vmm_to_string(enum cvm_vmm vmm)
{
	return (unsigned)vmm < CVM_VMM__COUNT ? vmm_names[vmm] : NULL;
}

CVM_PUBLIC enum cvm_vmm cvm_vmm_from_string(const char *s)
{
	if (!s)
		return CVM_VMM_INVALID;
	for (int i = 0; i < CVM_VMM__COUNT; i++)
		if (!strcasecmp(s, vmm_names[i]))
			return (enum cvm_vmm)i;
	return CVM_VMM_INVALID;
}

static bool has_vmsa(enum cvm_tee tee)
{
	return tee == CVM_TEE_SEV_ES || tee == CVM_TEE_SNP || tee == CVM_TEE_SNP_SVSM;
}

/* Combinations that make no sense are refused before any file is read. */
static int check_input(const struct cvm_measure_input *in, cvm_err *reterr)
{
	const char *tee = cvm_tee_to_string(in->tee);

	if (!tee || in->tee == CVM_TEE_TDX)
		return cvm_err_set(reterr, -EINVAL, "unknown TEE %d", (int)in->tee);
	if (in->memory || in->qemu_version || in->ovmf_version || in->uki_path || in->disk_path ||
	    in->ovmf_vars_path || in->acpi_dir || in->qemu_path || in->machine)
		return cvm_err_set(reterr, -EINVAL, "memory, QEMU and OVMF versions, UKI, disk, "
						    "vars and ACPI inputs are for tdx only");
	if (!cvm_vmm_to_string(in->vmm))
		return cvm_err_set(reterr, -EINVAL, "unknown VMM type %d", (int)in->vmm);
	if (!in->ovmf_path)
		return cvm_err_set(reterr, -EINVAL, "no firmware (OVMF) given");
	if (!in->kernel_path && (in->initrd_path || in->cmdline))
		return cvm_err_set(reterr, -EINVAL, "an initrd or cmdline needs a kernel");
	if (in->kernel_path && (in->tee == CVM_TEE_SNP_SVSM || in->tee == CVM_TEE_SNP_OVMF_HASH))
		return cvm_err_set(reterr, -EINVAL, "%s does not measure a kernel", tee);
	if (in->ovmf_hash && in->tee != CVM_TEE_SNP)
		return cvm_err_set(reterr, -EINVAL, "an OVMF hash seed is only for snp, not %s",
				   tee);
	if ((in->tee == CVM_TEE_SNP_SVSM) != !!in->svsm_path)
		return cvm_err_set(reterr, -EINVAL, "an SVSM binary goes with snp:svsm only");
	if (in->tee != CVM_TEE_SNP_SVSM && in->vars_size)
		return cvm_err_set(reterr, -EINVAL, "a vars size goes with snp:svsm only");
	if (in->tee == CVM_TEE_SNP_SVSM && in->vmm != CVM_VMM_QEMU)
		return cvm_err_set(reterr, -EINVAL, "snp:svsm is modelled for QEMU only");
	if (!has_vmsa(in->tee))
		return 0;
	if (in->vcpus < 1 || in->vcpus > CVM_VCPUS_MAX)
		return cvm_err_set(reterr, -ERANGE, "vcpus must be between 1 and %u, not %u",
				   CVM_VCPUS_MAX, in->vcpus);
	if (in->vmm == CVM_VMM_QEMU && !in->have_vcpu_sig)
		return cvm_err_set(reterr, -EINVAL,
				   "%s under QEMU needs the vCPU signature (a vCPU type)", tee);
	if (in->vmm == CVM_VMM_QEMU && in->vmsa.set_rdx)
		return cvm_err_set(reterr, -EINVAL,
				   "QEMU puts the vCPU signature in RDX: no RDX override");
	return 0;
}

int cvm_measure_check(const struct cvm_measure_input *in, cvm_err *reterr)
{
	return check_input(in, reterr);
}

static int hash_inputs(const struct cvm_measure_input *in, const struct cvm_fw *fw,
		       const struct cvm_fw *svsm, struct cvm_sev_hashes *hashes,
		       struct cvm_measurement *out, cvm_err *reterr)
{
	int r;

	out->ovmf_size = fw->size;
	out->has_svsm = svsm != NULL;
	/* a second pass over the firmware: only for callers that report it */
	if (in->firmware_sha256 && (cvm_sha256(fw->data, fw->size, out->ovmf_sha256) < 0 ||
				    (svsm && cvm_sha256(svsm->data, svsm->size, out->svsm_sha256) < 0)))
		return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
	if (!in->kernel_path)
		return 0;
	r = cvm_sev_hashes_compute(in->kernel_path, in->initrd_path, in->cmdline, hashes, reterr);
	if (r < 0)
		return r;
	out->has_kernel = true;
	memcpy(out->kernel_sha256, hashes->kernel, 32);
	memcpy(out->initrd_sha256, hashes->initrd, 32);
	memcpy(out->cmdline_sha256, hashes->cmdline, 32);
	return 0;
}

static void log_firmware(const struct cvm_fw *fw)
{
	if (!cvm_log_enabled(CVM_LOG_MEASURE))
		return;
	cvm_log_debug(CVM_LOG_MEASURE, "'%s': %zu bytes, %zu footer table entries%s%s",
		      fw->path, fw->size, fw->table.count,
		      fw->has_reset_eip ? ", SEV-ES reset block" : "",
		      fw->has_hash_table ? ", kernel hashes table" : "");
	for (size_t i = 0; i < fw->nsections; i++)
		cvm_log_debug(CVM_LOG_MEASURE, "  section %zu: gpa 0x%x size 0x%x %s", i,
			      fw->sections[i].gpa, fw->sections[i].size,
			      cvm_sev_section_type_to_string(fw->sections[i].type));
}

typedef int (*launch_fn)(const struct cvm_launch *, struct cvm_measurement *, cvm_err *);

static const launch_fn launch_fns[CVM_TEE__COUNT] = {
	[CVM_TEE_SEV] = cvm_launch_sev,
	[CVM_TEE_SEV_ES] = cvm_launch_sev_es,
	[CVM_TEE_SNP] = cvm_launch_snp,
	[CVM_TEE_SNP_SVSM] = cvm_launch_snp_svsm,
	[CVM_TEE_SNP_OVMF_HASH] = cvm_launch_snp_ovmf_hash,
};

CVM_PUBLIC int cvm_measure(const struct cvm_measure_input *in, struct cvm_measurement *ret,
			   cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fw_freep) struct cvm_fw *fw = NULL;
	CVM_CLEANUP(cvm_fw_freep) struct cvm_fw *svsm = NULL;
	struct cvm_sev_hashes hashes;
	struct cvm_measurement *out;
	struct cvm_launch l = { .in = in };
	int r;

	CVM_CHECK_ARG(in && ret, reterr);
	if (in->tee == CVM_TEE_TDX)
		return cvm_tdx_measure(in, ret, reterr);
	r = check_input(in, reterr);
	if (r < 0)
		return r;
	r = cvm_fw_load(in->ovmf_path, &fw, reterr);
	if (r < 0)
		return r;
	if (in->svsm_path && (r = cvm_fw_load(in->svsm_path, &svsm, reterr)) < 0)
		return r;
	/* the result is 8 KiB: build it on the heap and copy once complete */
	out = calloc(1, sizeof(*out));
	if (!out)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	out->tee = in->tee;
	out->vcpus = has_vmsa(in->tee) ? in->vcpus : 0;
	out->vcpu_sig = in->vcpu_sig;
	l.fw = fw;
	l.svsm = svsm;
	log_firmware(fw);
	if (svsm)
		log_firmware(svsm);
	r = hash_inputs(in, fw, svsm, &hashes, out, reterr);
	if (r >= 0) {
		l.hashes = out->has_kernel ? &hashes : NULL;
		r = launch_fns[in->tee](&l, out, reterr);
	}
	if (r >= 0)
		*ret = *out;
	free(out);
	return r;
}
