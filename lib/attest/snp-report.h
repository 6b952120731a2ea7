/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SEV-SNP ATTESTATION_REPORT (AMD SEV-SNP Firmware ABI #56860): decoding
 * the input forms, the fields, the structural rules and the product.
 */
#ifndef CVM_ATTEST_SNP_REPORT_H
#define CVM_ATTEST_SNP_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/attest.h>

#define SNP_SIGNED_LEN 0x2a0 /* the signature covers bytes 0x000..0x29f */
#define SNP_SIG_R 0x2a0
#define SNP_SIG_S 0x2e8
#define SNP_SIG_COORD 72 /* little-endian, zero-padded */

#define SNP_POLICY_MIGRATE_MA (1ull << 18)
#define SNP_POLICY_DEBUG (1ull << 19)

/* SIGNER_INFO bits 4:2 */
#define SNP_SIGNING_KEY(signer_info) (((signer_info) >> 2) & 7)
#define SNP_AUTHOR_KEY_EN(signer_info) ((signer_info) & 1)

/* Certificates carried by an extended report (GHCB certificate table). */
struct snp_certs {
	const uint8_t *vcek, *vlek, *ask, *ark;
	size_t vcek_len, vlek_len, ask_len, ark_len;
};

/*
 * The report bytes from @in: binary, or hex text (whitespace allowed), per
 * @fmt. *ret_buf (freed by the caller) holds the 1184 report bytes, possibly
 * followed by a certificate table (*ret_len > 1184). -EBADMSG if the size is
 * wrong or the hex is malformed; -EFBIG over CVM_ATTEST_INPUT_MAX.
 */
int cvm_snp_report_decode(const struct cvm_attest_blob *in, enum cvm_snp_report_format fmt,
			  uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr);

/*
 * The certificate table after the report (entries of GUID, u32 offset, u32
 * length, offsets from the start of the table, ended by an all-zero entry).
 * -EBADMSG naming @name if an entry points outside the table.
 */
int cvm_snp_cert_table(const uint8_t *table, size_t len, const char *name,
		       struct snp_certs *ret, cvm_err *reterr);

/* Every field that does not depend on the product; the TCBs are left raw. */
void cvm_snp_report_parse(const uint8_t rep[CVM_SNP_REPORT_SIZE], struct cvm_snp_info *info);

/* Decode a TCB_VERSION with @p's layout (Turin differs; AUTO/INVALID use Milan's). */
void cvm_snp_tcb_decode(uint64_t raw, enum cvm_snp_product p, struct cvm_snp_tcb *ret);

/* The product of a CPUID family/model (Milan, Genoa incl. Bergamo/Siena, Turin). */
enum cvm_snp_product cvm_snp_product_from_cpuid(uint8_t family, uint8_t model);

/*
 * Record the structural checks (version, signature_algo, reserved_zero).
 * Returns false if the version is not 2..5, when nothing else can be read.
 */
bool cvm_snp_report_structure(const uint8_t rep[CVM_SNP_REPORT_SIZE],
			      const struct cvm_snp_info *info, struct cvm_attest_result *r);

#endif
