/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel TDX collateral: the TCB Info (id "TDX", version 3) and the TD QE
 * identity (id "TD_QE", version 2), each with the exact signed bytes and the
 * signature, the TCB Signing chain and the two CRLs. From a QuoteCollateralV3
 * JSON document and/or the individual PCS documents.
 */
#ifndef CVM_ATTEST_TDX_COLLATERAL_PARSE_H
#define CVM_ATTEST_TDX_COLLATERAL_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include <openssl/x509.h>

#include <cvmimg/attest.h>

#define TDX_MAX_LEVELS 64
#define TDX_MAX_MODULES 16

struct tdx_tcb_level {
	uint8_t sgx[16], tdx[16];
	uint16_t pcesvn;
	enum cvm_tdx_tcb_status status;
	char date[32];
	char advisories[256];
};

struct tdx_module_level {
	uint8_t isvsvn;
	enum cvm_tdx_tcb_status status;
};

struct tdx_module_identity {
	char id[16];
	uint8_t mrsigner[48], attributes[8], attributes_mask[8];
	unsigned n_levels;
	struct tdx_module_level levels[TDX_MAX_LEVELS];
};

struct tdx_tcb_info {
	int64_t issue_date, next_update;
	uint8_t fmspc[6], pce_id[2];
	uint8_t module_mrsigner[48], module_attributes[8], module_attributes_mask[8];
	unsigned n_modules;
	struct tdx_module_identity modules[TDX_MAX_MODULES];
	unsigned n_levels;
	struct tdx_tcb_level levels[TDX_MAX_LEVELS];
};

struct tdx_qe_level {
	uint16_t isvsvn;
	enum cvm_tdx_tcb_status status;
	char advisories[256];
};

struct tdx_qe_identity {
	int64_t issue_date, next_update;
	uint32_t miscselect, miscselect_mask;
	uint8_t attributes[16], attributes_mask[16], mrsigner[32];
	uint16_t isvprodid;
	unsigned n_levels;
	struct tdx_qe_level levels[TDX_MAX_LEVELS];
};

/* A signed JSON body: the exact bytes Intel signed, and the signature r || s. */
struct tdx_signed_doc {
	bool present;
	char *raw;
	size_t raw_len;
	uint8_t sig[64];
	const char *name;
};

struct tdx_collateral {
	struct tdx_signed_doc tcb_doc, qe_doc;
	struct tdx_tcb_info tcb;
	struct tdx_qe_identity qe;
	STACK_OF(X509) *signing_chain; /* TCB Signing cert first */
	const char *signing_chain_name;
	X509_CRL *pck_crl, *root_crl;
};

/* Whether @ev carries any collateral at all. */
bool cvm_tdx_has_collateral(const struct cvm_tdx_evidence *ev);

/*
 * Load and parse every collateral input of @ev into @c (heap-allocated by the
 * caller; release with cvm_tdx_collateral_done()). Returns 0; -EBADMSG naming
 * the document for malformed JSON, a missing or mistyped field, a bad
 * signature encoding or CRL; -EFBIG if too large.
 */
int cvm_tdx_collateral_load(const struct cvm_tdx_evidence *ev, struct tdx_collateral *c,
			    cvm_err *reterr);
void cvm_tdx_collateral_done(struct tdx_collateral *c);

/* The exact text of the value of top-level key @key in the JSON object @doc. */
int cvm_json_raw_member(const char *doc, size_t len, const char *key, size_t *ret_off,
			size_t *ret_len);

#endif
