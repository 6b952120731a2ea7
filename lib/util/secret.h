/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Around the OpenSSL calls that expand a key (EVP_CipherInit_ex2 with a key),
 * in the thread that makes them: OpenSSL's allocations between begin and end
 * come from secure memory once cvm_secret_openssl_init() has run.
 */
#ifndef CVMIMG_UTIL_SECRET_H
#define CVMIMG_UTIL_SECRET_H

void cvm_secret_openssl_begin(void);
void cvm_secret_openssl_end(void);

/* How many OpenSSL allocations are in secure memory now (tests). */
unsigned cvm_secret_openssl_held(void);

#endif
