/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel TDX quotes, versions 4 and 5 (Intel TDX DCAP Quote Generation Library
 * and Quote Verification Library API, "Quote Format"): header, TD report body
 * (TDX 1.0 or 1.5), and the ECDSA quote signature data with the QE report and
 * the PCK certificate chain (certification data types 6 and 5).
 */
#ifndef CVM_ATTEST_TDX_QUOTE_H
#define CVM_ATTEST_TDX_QUOTE_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/attest.h>

#define TDX_QE_REPORT_SIZE 384

struct tdx_quote {
	size_t signed_len;          /* header (+ v5 descriptor) + body: what the AK signs */
	const uint8_t *quote_sig;   /* r || s, 32 bytes each, big-endian */
	const uint8_t *att_key;     /* X || Y, 64 bytes */
	const uint8_t *qe_report;   /* 384 bytes */
	const uint8_t *qe_report_sig;
	const uint8_t *qe_auth;
	size_t qe_auth_len;
	const uint8_t *pck_chain;   /* PEM, trailing NULs removed */
	size_t pck_chain_len;
};

/*
 * Parse the quote in @buf into @q (pointers into @buf) and info's quote fields.
 * Records the header checks (version, att_key_type, tee_type, body_type) in
 * @r. Returns 1 if parsed; 0 if a header check failed and nothing more can be
 * read; -EBADMSG naming @name if truncated or inconsistent.
 */
int cvm_tdx_quote_parse(const uint8_t *buf, size_t len, const char *name, struct tdx_quote *q,
			struct cvm_tdx_info *info, struct cvm_attest_result *r, cvm_err *reterr);

#endif
