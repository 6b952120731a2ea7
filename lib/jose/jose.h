/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the JOSE files share: OpenSSL cleanups, the P-256 checks and JWK members. */
#ifndef CVM_JOSE_JOSE_H
#define CVM_JOSE_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/err.h>

#define JOSE_P256_COORD 32 /* bytes of x, y, d and of the ECDH shared secret */

CVM_DEFINE_CLEANUP(EVP_PKEY, EVP_PKEY_free, jose_pkey_free)
CVM_DEFINE_CLEANUP(EVP_PKEY_CTX, EVP_PKEY_CTX_free, jose_pkey_ctx_free)
CVM_DEFINE_CLEANUP(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free, jose_cipher_ctx_free)
CVM_DEFINE_CLEANUP(BIGNUM, BN_free, jose_bn_free)
CVM_DEFINE_CLEANUP(BIGNUM, BN_clear_free, jose_bn_clear_free)

/* Whether @key is an EC key on P-256 (public or private). */
bool jose_is_p256(EVP_PKEY *key);

/*
 * The public JWK of the P-256 key @key: {"crv","kty","x","y"}, and "alg"
 * first when @with_alg (the KBS tee-pubkey has it, a JWE's "epk" does not).
 */
int jose_jwk_p256(EVP_PKEY *key, bool with_alg, json_object **ret, cvm_err *reterr);

/*
 * The string member @name of the object @o: 0 with it in *ret and *ret_len;
 * -ENOENT if absent (no message); -EBADMSG naming @what if not a string.
 */
int jose_member_string(json_object *o, const char *name, const char *what, const char **ret,
		       size_t *ret_len, cvm_err *reterr);

#endif
