/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * PCR 11 as systemd-stub leaves it (systemd src/boot/efi/stub.c, measure.c:
 * measure_kernel()), and the TPM2 PolicyPCR digest a .pcrsig entry signs.
 */
#ifndef CVM_BOOT_PCR_H
#define CVM_BOOT_PCR_H

#include <stdint.h>

#include <cvmimg/uki.h>

#include "boot/sections.h"
#include "util/hash.h"

#define UKI_PCR11 11

/*
 * PCR 11 from zero: for each section of @mask present in @parts (indexed by
 * enum uki_section, NULL when absent or empty), in enum order, extend
 * H(name with its NUL) then H(contents). out[0] is the value after the
 * sections; out[1 + i] after boot phase i of cvm_uki_phase_name(), each phase
 * extending H(word) for its last word. Returns 0 or -ENOMEM.
 */
int uki_pcr11(const struct uki_part *const parts[UKI__COUNT], unsigned mask,
	      enum cvm_hash_alg alg, uint8_t out[CVM_UKI_PHASES + 1][CVM_SHA512_LEN]);

/*
 * The policy digest of TPM2_PolicyPCR over PCR 11 of bank @bank holding
 * @pcr, in a SHA-256 session started from zeros:
 * SHA256(0^32 || TPM_CC_PolicyPCR || TPML_PCR_SELECTION || SHA256(pcr)).
 * Returns 0; -EINVAL for a bank without a TPM algorithm id; -ENOMEM.
 */
int tpm2_policy_pcr11(enum cvm_hash_alg bank, const uint8_t *pcr, uint8_t out[CVM_SHA256_LEN]);

#endif
