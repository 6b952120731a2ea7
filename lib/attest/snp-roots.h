/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The AMD certificate hierarchy per product: the ARK (trust anchor) and the
 * two intermediates it signs. The built-in set is parsed a certificate at a
 * time, on first use; tests build other sets (a forged hierarchy) and pass them to
 * the verifier.
 */
#ifndef CVM_ATTEST_SNP_ROOTS_H
#define CVM_ATTEST_SNP_ROOTS_H

#include <stdbool.h>

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
	bool builtin; /* the built-in set: filled by amd_root() as certificates are needed */
};

/* The built-in set (shared, never freed; its certificates parsed on first use). */
const struct amd_roots *cvm_amd_roots_builtin(void);

/*
 * The certificate of @role for @product in @r, parsing a built-in one on
 * first use. NULL for an unknown product, or if a built-in PEM does not match
 * its pinned key.
 */
X509 *amd_root(const struct amd_roots *r, enum cvm_snp_product product, enum amd_role role);

/*
 * Whether @x is byte for byte that certificate (for the built-in set, also
 * with the pinned key), so that a caller can use @x in its place and the
 * built-in PEM need not be parsed.
 */
bool amd_root_is(const struct amd_roots *r, enum cvm_snp_product product, enum amd_role role,
		 X509 *x);

#endif
