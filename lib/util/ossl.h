/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scoped cleanup for every OpenSSL type the library holds, one each
 * (CVM_CLEANUP(cvm_<type>p)): files include this instead of defining their
 * own. Each frees a NULL pointer safely, as OpenSSL's own _free() functions do.
 */
#ifndef CVM_UTIL_OSSL_H
#define CVM_UTIL_OSSL_H

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cvmimg/cleanup.h>

CVM_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free, cvm_evp_pkey)
CVM_DEFINE_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free, cvm_evp_pkey_ctx)
CVM_DEFINE_CLEANUP(EVP_MD_CTX, EVP_MD_CTX_free, cvm_evp_md_ctx)
CVM_DEFINE_CLEANUP(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free, cvm_evp_cipher_ctx)
CVM_DEFINE_CLEANUP(BIO, BIO_free, cvm_bio)
CVM_DEFINE_CLEANUP(BIGNUM, BN_free, cvm_bn)
CVM_DEFINE_CLEANUP(BIGNUM, BN_clear_free, cvm_bn_clear) /* a secret number: wiped */
CVM_DEFINE_CLEANUP(ECDSA_SIG, ECDSA_SIG_free, cvm_ecdsa_sig)
CVM_DEFINE_CLEANUP(X509, X509_free, cvm_x509)
CVM_DEFINE_CLEANUP(X509_STORE, X509_STORE_free, cvm_x509_store)
CVM_DEFINE_CLEANUP(X509_STORE_CTX, X509_STORE_CTX_free, cvm_x509_store_ctx)
CVM_DEFINE_CLEANUP(PKCS7, PKCS7_free, cvm_pkcs7)
CVM_DEFINE_CLEANUP(ASN1_OBJECT, ASN1_OBJECT_free, cvm_asn1_object)
CVM_DEFINE_CLEANUP(ASN1_INTEGER, ASN1_INTEGER_free, cvm_asn1_integer)
CVM_DEFINE_CLEANUP(ASN1_IA5STRING, ASN1_IA5STRING_free, cvm_asn1_ia5string)
CVM_DEFINE_CLEANUP(ASN1_OCTET_STRING, ASN1_OCTET_STRING_free, cvm_asn1_octet_string)

/* A stack that owns its certificates. */
static inline void cvm_x509_stackp(STACK_OF(X509) **p)
{
	sk_X509_pop_free(*p, X509_free);
}

/* A stack whose certificates are borrowed: frees the stack only. */
static inline void cvm_x509_shallow_stackp(STACK_OF(X509) **p)
{
	sk_X509_free(*p);
}

static inline void cvm_asn1_type_stackp(STACK_OF(ASN1_TYPE) **p)
{
	sk_ASN1_TYPE_pop_free(*p, ASN1_TYPE_free);
}

#endif
