/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JOSE building blocks for the key broker: base64url (RFC 4648 section 5),
 * EC P-256 public keys as JWK (RFC 7517/7518), JCS canonical JSON (RFC 8785)
 * and the KBS runtime-data digest, and JWE (RFC 7516) with exactly one
 * algorithm pair, "ECDH-ES+A256KW" and "A256GCM" (RFC 7518 sections 4.6 and
 * 5.3), in compact and flattened JSON serialization. This is what Trustee's
 * KBS sends as a resource (kbs/src/jwe) and what the signed policy bundle
 * seals the broker key with.
 *
 * Every function checks its pointer arguments and returns -EINVAL (never
 * aborts); errors are a negative errno with a one-line message in @reterr.
 * Input limits are the CVM_JOSE_* and CVM_JWE_* constants below; longer input
 * is refused with -EFBIG before anything is allocated for it.
 *
 * Secrets: a JWE's content key, key-encryption key, ECDH shared secret and
 * plaintext live only in cvm_secret_alloc() memory and are wiped; decrypted
 * payloads are returned in such memory. No secret appears in a message.
 */
#ifndef CVMIMG_JOSE_H
#define CVMIMG_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <cvmimg/err.h>

#define CVM_JOSE_INPUT_MAX (1u << 20)   /* base64 text, PEM files, a serialized JWE */
#define CVM_JWE_PAYLOAD_MAX (512u << 10) /* plaintext: its JWE stays under the input limit */
#define CVM_JWE_HEADER_MAX (4u << 10)    /* decoded protected header (JSON) */
#define CVM_JCS_DEPTH_MAX 32             /* nesting of arrays and objects */
#define CVM_KBS_RUNTIME_DIGEST_LEN 48    /* SHA-384 */

/* The only JWE algorithms: key management and content encryption. */
#define CVM_JWE_ALG "ECDH-ES+A256KW"
#define CVM_JWE_ENC "A256GCM"

/* ---- base64 (base64.c) ------------------------------------------------------------------- */

/* base64url of @len bytes, no padding (RFC 4648 section 5); caller frees. NULL on ENOMEM. */
char *cvm_base64url_encode(const uint8_t *buf, size_t len);

enum cvm_base64_mode {
	CVM_BASE64_URL,    /* "-_" alphabet, no "=" (JOSE) */
	CVM_BASE64_STD,    /* "+/" alphabet, "=" padding optional but complete if present */
	CVM_BASE64_EITHER, /* either alphabet, not mixed; padding as CVM_BASE64_STD (DSSE) */
	CVM_BASE64__COUNT,
};

/*
 * Decode @len characters of @s (no NUL needed) into a new buffer of at most
 * @max bytes, freed with free(); one NUL byte follows the data. Refuses any
 * character outside the alphabet (whitespace too), a length no encoding
 * has, and non-zero bits after the last byte (so each byte string has one
 * encoding). Returns 0; -EBADMSG if malformed; -EFBIG if @len is over
 * CVM_JOSE_INPUT_MAX or the result over @max; -EINVAL on a bad argument.
 */
int cvm_base64_decode(const char *s, size_t len, enum cvm_base64_mode mode, size_t max,
		      uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr);

/* ---- keys and JWK (jwk.c) ---------------------------------------------------------------- */

enum cvm_key_type {
	CVM_KEY_P256,    /* EC P-256 (prime256v1): ECDH-ES and ECDSA with SHA-256 */
	CVM_KEY_ED25519, /* Ed25519 signatures */
	CVM_KEY__COUNT,
	CVM_KEY_INVALID = -22,
};

/* "p256", "ed25519"; NULL for a value out of range. */
const char *cvm_key_type_to_string(enum cvm_key_type t);

/*
 * Load a PEM key file (at most CVM_JOSE_INPUT_MAX bytes): with @private_key an
 * unencrypted private key (PKCS#8 or traditional; the file passes through
 * locked, wiped memory), else a public key (SubjectPublicKeyInfo) or an X.509
 * certificate. Only P-256 and Ed25519 keys are accepted. Returns 0 with the
 * key in *ret_key (EVP_PKEY_free()) and its type in *ret_type (may be NULL);
 * -ENOENT/-EACCES if unreadable; -EBADMSG if not such a PEM key, or of
 * another type or curve (the message names it).
 */
int cvm_key_load_pem(const char *path, bool private_key, EVP_PKEY **ret_key,
		     enum cvm_key_type *ret_type, cvm_err *reterr);

/* A new random key pair of @type. Returns 0; -EINVAL; -ENOMEM if OpenSSL fails. */
int cvm_key_generate(enum cvm_key_type type, EVP_PKEY **ret_key, cvm_err *reterr);

/*
 * The public half of a P-256 key (public or private) as a JWK, exactly
 * {"alg":"ECDH-ES+A256KW","crv":"P-256","kty":"EC","x":..,"y":..} with x and
 * y the 32-byte big-endian coordinates in base64url: the "tee-pubkey" of the
 * KBS protocol. Returns 0 with a new object in *ret_jwk (json_object_put());
 * -EBADMSG if @key is not a P-256 key; -ENOMEM.
 */
int cvm_jwk_from_pkey(EVP_PKEY *key, json_object **ret_jwk, cvm_err *reterr);

/*
 * A P-256 public key from a JWK object: "kty" must be "EC", "crv" "P-256", x
 * and y 32 bytes of base64url each, a point on the curve; "alg", if present,
 * must be "ECDH-ES+A256KW"; other members (a private "d" too) are ignored.
 * Returns 0 with the key in *ret_key (EVP_PKEY_free()); -EBADMSG naming what
 * is wrong.
 */
int cvm_jwk_to_pkey(json_object *jwk, EVP_PKEY **ret_key, cvm_err *reterr);

/* ---- canonical JSON (jcs.c) -------------------------------------------------------------- */

/*
 * RFC 8785 (JCS) serialization of @value: no whitespace, object members
 * sorted by the UTF-16 code units of their names, strings with only the
 * escapes JSON requires (\" \\ \b \f \n \r \t, other controls as \u00xx),
 * numbers in ECMAScript form: doubles as the shortest text that reads back
 * ("1e+30", "4.5", "1e-7"), integers as they are up to 2^53 in magnitude and
 * beyond only when that text is also the ECMAScript form of the double.
 * @value NULL is JSON null (json-c's form). json-c holds member names as C
 * strings and keeps the last of duplicate names, so a parsed document whose
 * names contain U+0000 or repeat (both outside I-JSON, which RFC 8785
 * requires) is not what its text said: check such input before signing.
 * Returns 0 with a new NUL-terminated string in *ret_str (free()) and its
 * length in *ret_len (may be NULL); -EBADMSG for a string that is not valid
 * UTF-8 (a lone surrogate too); -ERANGE for NaN, an infinity, an integer
 * that no double holds (2^53 + 1) or that json-c saturated (integer text
 * beyond 64 bits, as JCS prints doubles from 1e20 to 1e21), nesting deeper
 * than CVM_JCS_DEPTH_MAX;
 * -ENOMEM.
 */
int cvm_jcs_serialize(json_object *value, char **ret_str, size_t *ret_len, cvm_err *reterr);

/*
 * The KBS binding of the runtime data (Trustee RCAR 0.4.0): SHA-384 of
 * JCS(@runtime_data), e.g. of {"additional-evidence":"","nonce":..,
 * "tee-pubkey":<JWK>}. SNP and TDX put it into report_data followed by 16
 * zero bytes. Returns 0; errors as cvm_jcs_serialize().
 */
int cvm_kbs_runtime_digest(json_object *runtime_data,
			   uint8_t ret_digest[CVM_KBS_RUNTIME_DIGEST_LEN], cvm_err *reterr);

/* ---- JWE (jwe.c) ------------------------------------------------------------------------- */

/*
 * Encrypt @len bytes (at most CVM_JWE_PAYLOAD_MAX; may be 0) to the P-256
 * public key @recipient with ECDH-ES+A256KW and A256GCM: a new ephemeral key,
 * Concat KDF (SHA-256, empty PartyUInfo/PartyVInfo), a random 32-byte content
 * key wrapped with AES-256 key wrap (RFC 3394), a random 12-byte IV, and as
 * additional data the protected header's base64url text. The protected
 * header is {"alg":"ECDH-ES+A256KW","enc":"A256GCM","epk":{"crv","kty","x","y"}}.
 * Writes the same JWE in either or both serializations: *ret_compact, the
 * compact text (free()), and *ret_flat, the flattened JSON object
 * {"protected","encrypted_key","iv","ciphertext","tag"} (no "aad";
 * json_object_put()). At least one of them must be non-NULL.
 * Returns 0; -EBADMSG if @recipient is not a P-256 key; -EFBIG if @len is
 * over the limit; -ENOMEM.
 */
int cvm_jwe_encrypt(EVP_PKEY *recipient, const uint8_t *payload, size_t len, char **ret_compact,
		    json_object **ret_flat, cvm_err *reterr);

/*
 * Decrypt a JWE of @len bytes (at most CVM_JOSE_INPUT_MAX) in compact or
 * flattened JSON serialization (recognised by a leading "{", whitespace
 * allowed around either) with the P-256 private key @key. "alg" must be
 * ECDH-ES+A256KW and "enc" A256GCM; "epk" a P-256 public JWK; no "zip",
 * "crit" or "aad". In the JSON form, header parameters may also come from
 * "unprotected" and "header" (as Debian's jose tool writes), disjoint from
 * the protected header; the general serialization ("recipients") is refused.
 * Returns 0 with the plaintext in *ret_payload, in cvm_secret_alloc() memory
 * followed by one NUL byte (free it with cvm_secret_free()), and its length in
 * *ret_len; -EBADMSG for a malformed or unsupported JWE (the message names the
 * member); -EFBIG over the limit; -EKEYREJECTED "cannot decrypt the JWE" when
 * the key unwrap or the authentication tag fails (which one is not said).
 */
int cvm_jwe_decrypt(EVP_PKEY *key, const char *jwe, size_t len, uint8_t **ret_payload,
		    size_t *ret_len, cvm_err *reterr);

#endif
