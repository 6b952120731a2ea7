/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "boot/pcr.h"
#include "util/macro.h"

/* systemd's default phases for "systemd-measure sign", cumulative. */
static const char *const phases[CVM_UKI_PHASES] = {
	"enter-initrd",
	"enter-initrd:leave-initrd",
	"enter-initrd:leave-initrd:sysinit",
	"enter-initrd:leave-initrd:sysinit:ready",
};

CVM_PUBLIC const char *cvm_uki_phase_name(size_t i)
{
	return i < CVM_UKI_PHASES ? phases[i] : NULL;
}

/* PCR = H(PCR || digest) */
static int extend(enum cvm_hash_alg alg, uint8_t *pcr, const uint8_t *digest)
{
	uint8_t buf[2 * CVM_SHA512_LEN];
	size_t n = cvm_hash_len(alg);

	memcpy(buf, pcr, n);
	memcpy(buf + n, digest, n);
	return cvm_hash(alg, buf, 2 * n, pcr);
}

static int extend_data(enum cvm_hash_alg alg, uint8_t *pcr, const void *data, size_t len)
{
	uint8_t d[CVM_SHA512_LEN];

	if (cvm_hash(alg, data, len, d) < 0)
		return -ENOMEM;
	return extend(alg, pcr, d);
}

int uki_pcr11(const struct uki_part *const parts[UKI__COUNT], unsigned mask,
	      enum cvm_hash_alg alg, uint8_t out[CVM_UKI_PHASES + 1][CVM_SHA512_LEN])
{
	uint8_t pcr[CVM_SHA512_LEN] = { 0 }, d[CVM_SHA512_LEN];
	size_t n = cvm_hash_len(alg);

	for (int s = 0; s < UKI__COUNT; s++) {
		const char *name = uki_section_to_string((enum uki_section)s);

		if (s == UKI_PCRSIG || !(mask & (1u << s)) || !parts[s] || !parts[s]->len)
			continue;
		if (extend_data(alg, pcr, name, strlen(name) + 1) < 0 ||
		    uki_part_hash(parts[s], alg, d) < 0 || extend(alg, pcr, d) < 0)
			return -ENOMEM;
	}
	memcpy(out[0], pcr, n);
	for (size_t i = 0; i < CVM_UKI_PHASES; i++) {
		const char *word = strrchr(phases[i], ':');

		word = word ? word + 1 : phases[i];
		if (extend_data(alg, pcr, word, strlen(word)) < 0)
			return -ENOMEM;
		memcpy(out[1 + i], pcr, n);
	}
	return 0;
}

static const uint16_t tpm_alg_ids[CVM_HASH__COUNT] = {
	[CVM_HASH_SHA1] = 0x0004,
	[CVM_HASH_SHA256] = 0x000b,
	[CVM_HASH_SHA384] = 0x000c,
	[CVM_HASH_SHA512] = 0x000d,
};

int tpm2_policy_pcr11(enum cvm_hash_alg bank, const uint8_t *pcr, uint8_t out[CVM_SHA256_LEN])
{
	/* old policy digest (32 zero bytes) || TPM_CC_PolicyPCR || selection || pcrDigest */
	uint8_t buf[32 + 4 + 10 + CVM_SHA256_LEN] = { 0 };
	uint8_t *p = buf + 32;

	if ((unsigned)bank >= CVM_HASH__COUNT)
		return -EINVAL;
	memcpy(p, "\x00\x00\x01\x7f", 4);                       /* TPM_CC_PolicyPCR */
	memcpy(p + 4, "\x00\x00\x00\x01", 4);                   /* TPML_PCR_SELECTION.count */
	p[8] = (uint8_t)(tpm_alg_ids[bank] >> 8);               /* TPMS_PCR_SELECTION.hash */
	p[9] = (uint8_t)tpm_alg_ids[bank];
	p[10] = 3;                                              /* sizeofSelect */
	p[11 + UKI_PCR11 / 8] = (uint8_t)(1u << (UKI_PCR11 % 8)); /* pcrSelect bitmap */
	if (cvm_sha256(pcr, cvm_hash_len(bank), p + 14) < 0 ||
	    cvm_sha256(buf, sizeof(buf), out) < 0)
		return -ENOMEM;
	return 0;
}
