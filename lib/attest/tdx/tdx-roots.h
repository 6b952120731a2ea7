/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_ATTEST_TDX_ROOTS_H
#define CVM_ATTEST_TDX_ROOTS_H

#include <openssl/x509.h>

#include <cvmimg/err.h>

/* The built-in Intel SGX Root CA (shared, never freed). -EBADMSG if it does not match its pin. */
int cvm_intel_root(X509 **ret, cvm_err *reterr);

#endif
