/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The attestation code's one door to OpenSSL's X.509, CRL and ECDSA
 * functions. Nothing here prints; OpenSSL's error queue is cleared on every
 * failure and turned into a message or a check detail.
 */
#ifndef CVM_UTIL_X509_H
#define CVM_UTIL_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cvmimg/err.h>

#include "util/hash.h"
#include "util/ossl.h"

/* One certificate from a NUL-terminated PEM string (the built-in ones); NULL if bad. */
X509 *cvm_x509_from_pem_string(const char *pem);

/*
 * Every certificate in @buf: one or more PEM blocks (text around them, a
 * trailing NUL and whitespace are tolerated) or one DER certificate. Returns the
 * number of certificates (>= 1); -EBADMSG naming @name if there is none or one
 * does not parse; -EFBIG over CVM_ATTEST_INPUT_MAX.
 */
int cvm_x509_load_all(const uint8_t *buf, size_t len, const char *name, STACK_OF(X509) **ret,
		      cvm_err *reterr);

/* As cvm_x509_load_all(), for exactly one certificate. */
int cvm_x509_load_one(const uint8_t *buf, size_t len, const char *name, X509 **ret,
		      cvm_err *reterr);

/* SHA-256 of the DER SubjectPublicKeyInfo. Returns 0 or -EBADMSG. */
int cvm_x509_spki_sha256(X509 *x, uint8_t out[32]);

/* Whether @a and @b carry the same public key (SPKI). */
bool cvm_x509_same_key(X509 *a, X509 *b);

/* The subject's or issuer's commonName into @buf ("" if absent). */
void cvm_x509_subject_cn(X509 *x, char *buf, size_t len);
void cvm_x509_issuer_cn(X509 *x, char *buf, size_t len);

/* Subject name equals issuer name (the signature is not checked). */
bool cvm_x509_self_issued(X509 *x);

/* The signature algorithm's short name ("RSASSA-PSS", "ecdsa-with-SHA256"). */
const char *cvm_x509_sig_alg(X509 *x);

/* The public key's EC group name ("secp384r1", "prime256v1"), or "" if not EC. */
void cvm_pkey_ec_group(EVP_PKEY *k, char *buf, size_t len);

/* notAfter as seconds since the epoch. Returns 0 or -EBADMSG. */
int cvm_x509_not_after(X509 *x, int64_t *ret);

/* The raw extnValue bytes of the extension @oid (dotted), or NULL if absent. */
const uint8_t *cvm_x509_ext_data(X509 *x, const char *oid, size_t *ret_len);

/*
 * Verify @leaf through @untrusted to @anchor, the only trusted certificate, at
 * @at (seconds since the epoch). Returns 0, with the chain OpenSSL built (leaf
 * first, anchor last) in *ret_chain if not NULL; -EKEYREJECTED with the reason
 * in @detail; -ENOMEM.
 */
int cvm_x509_verify_chain(X509 *leaf, STACK_OF(X509) *untrusted, X509 *anchor, int64_t at,
			  STACK_OF(X509) **ret_chain, char *detail, size_t dlen);

/* A CRL in DER, PEM or hex text. Returns 0; -EBADMSG naming @name. */
int cvm_crl_load(const uint8_t *buf, size_t len, const char *name, X509_CRL **ret,
		 cvm_err *reterr);

/*
 * The CRL is issued and signed by @issuer, current at @at (thisUpdate <= at <=
 * nextUpdate), and lists none of the @n certificates' serial numbers. Returns 0;
 * -EKEYREJECTED with the reason in @detail.
 */
int cvm_crl_check(X509_CRL *crl, X509 *issuer, int64_t at, X509 *const *certs, size_t n,
		  char *detail, size_t dlen);

/*
 * An ECDSA signature given as r and s of @coord bytes each (big-endian, or
 * little-endian if @le, as AMD stores them) over @msg hashed with @alg.
 * Returns 1 if valid, 0 if not, -ENOMEM on an OpenSSL failure.
 */
int cvm_ecdsa_verify_raw(EVP_PKEY *key, enum cvm_hash_alg alg, const uint8_t *r,
			 const uint8_t *s, size_t coord, bool le, const void *msg, size_t len);

/* An uncompressed P-256 public key from X || Y (64 bytes). -EBADMSG if not on the curve. */
int cvm_ec_p256_key(const uint8_t xy[64], EVP_PKEY **ret);

/* Seconds since the epoch of an ASN1_TIME. Returns 0 or -EBADMSG. */
int cvm_asn1_time_to_epoch(const ASN1_TIME *t, int64_t *ret);

/* "2025-06-01T00:00:00Z" for @t into @buf (at least 21 bytes). */
void cvm_format_time(int64_t t, char *buf, size_t len);

#endif
