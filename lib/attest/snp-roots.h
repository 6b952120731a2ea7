/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AMD certificate hierarchy per product: the ARK (trust anchor) and the
 * two intermediates it signs. The built-in set is parsed once per process;
 * tests build other sets (a forged hierarchy) and pass them to the verifier.
 */
#ifndef CVM_ATTEST_SNP_ROOTS_H
#define CVM_ATTEST_SNP_ROOTS_H

#include <openssl/x509.h>

#include <cvmimg/attest.h>

enum amd_role {
	AMD_ROLE_ARK,
	AMD_ROLE_ASK,  /* issues VCEKs: CN SEV-<Product> */
	AMD_ROLE_ASVK, /* issues VLEKs: CN SEV-VLEK-<Product> */
	AMD_ROLE__COUNT,
};

struct amd_roots {
	X509 *cert[CVM_SNP_PRODUCT__COUNT][AMD_ROLE__COUNT];
};

/* The built-in set (shared, never freed). -EBADMSG if a PEM does not match its pin. */
int cvm_amd_roots_builtin(const struct amd_roots **ret, cvm_err *reterr);

#endif
