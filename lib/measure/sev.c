/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cvmimg/cleanup.h>

#include "measure/sev-launch.h"
#include "util/hash.h"
#include "util/log-internal.h"
#include "util/macro.h"
#include "measure/sev-vmsa.h"

int cvm_launch_vmsa_pages(const struct cvm_launch *l, uint64_t sev_features,
			  struct cvm_measurement *out, cvm_err *reterr)
{
	const struct cvm_measure_input *in = l->in;
	struct cvm_vmsa_regs regs;

	if (!l->fw->has_reset_eip)
		return cvm_fw_err_no_table(l->fw, "SEV-ES reset block", reterr);
	cvm_vmsa_regs_for_vmm(in->vmm, CVM_BSP_EIP, in->vcpu_sig, sev_features, &regs);
	cvm_vmsa_regs_override(&regs, &in->vmsa);
	cvm_vmsa_build(&regs, out->vmsa[0]);
	cvm_vmsa_regs_for_vmm(in->vmm, l->fw->reset_eip, in->vcpu_sig, sev_features, &regs);
	cvm_vmsa_regs_override(&regs, &in->vmsa);
	cvm_vmsa_build(&regs, out->vmsa[1]);
	/* host-version quirks are the usual cause of mismatches: say what was chosen */
	cvm_log_debug(CVM_LOG_MEASURE,
		      "VMSA (%s): ap_eip=0x%x sev_features=0x%llx rdx=0x%llx g_pat=0x%llx "
		      "mxcsr=0x%x x87_fcw=0x%x cs/ss/tr attr=0x%x/0x%x/0x%x",
		      cvm_vmm_to_string(in->vmm), l->fw->reset_eip,
		      (unsigned long long)regs.sev_features, (unsigned long long)regs.rdx,
		      (unsigned long long)regs.g_pat, regs.mxcsr, regs.fcw, regs.cs_attr,
		      regs.ss_attr, regs.tr_attr);
	out->vmsa_count = in->vcpus;
	out->guest_features = sev_features;
	return 0;
}

/* SEV and SEV-ES hash the firmware and the kernel-hashes table as one stream. */
static int sev_stream(const struct cvm_launch *l, struct cvm_hash_ctx *c, cvm_err *reterr)
{
	uint8_t table[CVM_SEV_HASHES_TABLE_SIZE];

	if (cvm_hash_update(c, l->fw->data, l->fw->size) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
	if (!l->hashes)
		return 0;
	if (!l->fw->has_hash_table)
		return cvm_err_set(reterr, -EBADMSG,
				   "kernel given, but '%s' does not support kernel/initrd/cmdline "
				   "measurement (no SEV hash table in its footer table): measured "
				   "direct boot needs an OVMF built from OvmfPkg/AmdSev/AmdSevX64.dsc",
				   l->fw->path);
	cvm_sev_hashes_table(l->hashes, table);
	if (cvm_hash_update(c, table, sizeof(table)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
	return 0;
}

int cvm_sev_prefix(const struct cvm_launch *l, struct cvm_hash_ctx **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	int r;

	if (cvm_hash_new(CVM_HASH_SHA256, &c) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = sev_stream(l, c, reterr)) < 0)
		return r;
	*ret = CVM_TAKE_PTR(c);
	return 0;
}

int cvm_sev_finish(const struct cvm_launch *l, struct cvm_hash_ctx *c, bool with_vmsas,
		   struct cvm_measurement *out, cvm_err *reterr)
{
	int r;

	if (with_vmsas) {
		/* SEV-ES has no guest features to choose: sev_features is always 0 */
		r = cvm_launch_vmsa_pages(l, 0, out, reterr);
		if (r < 0)
			return r;
		for (unsigned i = 0; i < out->vmsa_count; i++)
			if (cvm_hash_update(c, out->vmsa[i == 0 ? 0 : 1], CVM_VMSA_SIZE) < 0)
				return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
	}
	if (cvm_hash_final(c, out->digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-256");
	out->digest_len = 32;
	return 0;
}

static int sev_digest(const struct cvm_launch *l, bool with_vmsas, struct cvm_measurement *out,
		      cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	int r;

	if ((r = cvm_sev_prefix(l, &c, reterr)) < 0)
		return r;
	return cvm_sev_finish(l, c, with_vmsas, out, reterr);
}

int cvm_launch_sev(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr)
{
	return sev_digest(l, false, out, reterr);
}

int cvm_launch_sev_es(const struct cvm_launch *l, struct cvm_measurement *out, cvm_err *reterr)
{
	return sev_digest(l, true, out, reterr);
}

CVM_PUBLIC int cvm_sev_launch_measure(const uint8_t digest[32], uint8_t api_major,
				      uint8_t api_minor, uint8_t build, uint32_t policy,
				      const uint8_t mnonce[16], const uint8_t tik[16],
				      uint8_t ret_measure[32], cvm_err *reterr)
{
	uint8_t msg[1 + 3 + 4 + 32 + 16];
	unsigned int len = 0;

	CVM_CHECK_ARG(digest && mnonce && tik && ret_measure, reterr);
	msg[0] = 0x04;
	msg[1] = api_major;
	msg[2] = api_minor;
	msg[3] = build;
	for (int i = 0; i < 4; i++)
		msg[4 + i] = (uint8_t)(policy >> (8 * i));
	memcpy(msg + 8, digest, 32);
	memcpy(msg + 40, mnonce, 16);
	if (!HMAC(EVP_sha256(), tik, 16, msg, sizeof(msg), ret_measure, &len) || len != 32)
		return cvm_err_openssl(reterr, -ENOMEM, "cannot compute the HMAC");
	return 0;
}
