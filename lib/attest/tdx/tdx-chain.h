/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The PCK certificate chain of a TDX quote and the SGX extensions of the PCK leaf. */
#ifndef CVM_ATTEST_TDX_CHAIN_H
#define CVM_ATTEST_TDX_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <cvmimg/attest.h>

/*
 * Record the "pck_chain" check: three certificates (PCK leaf, PCK Platform or
 * Processor CA, the built-in Intel SGX Root CA), valid at @at.
 */
bool cvm_tdx_check_pck_chain(STACK_OF(X509) *certs, X509 *root, int64_t at,
			     struct cvm_attest_result *r);

/*
 * The SGX extensions (OID 1.2.840.113741.1.13.1) of the PCK leaf: FMSPC, PCE-ID,
 * the 16 SGX TCB component SVNs, PCESVN and CPUSVN, into info. Returns 0;
 * -EBADMSG with the reason in @err.
 */
int cvm_tdx_pck_parse(X509 *leaf, struct cvm_tdx_info *info, char *err, size_t errlen);

#endif
