/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* DSSE envelopes inside the library: parsing, one signature made or checked. */
#ifndef CVM_BUNDLE_DSSE_H
#define CVM_BUNDLE_DSSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include <cvmimg/err.h>

#define DSSE_SIG_MAX 512 /* bytes of one decoded signature */

/* A parsed envelope; the payload decoded, nothing verified yet. */
struct dsse_env {
	json_object *doc;
	const char *payload_type; /* in doc */
	uint8_t *payload;	  /* decoded, NUL-terminated */
	size_t payload_len;
	json_object *sigs; /* in doc: 1 to CVM_DSSE_MAX_SIGNATURES entries */
};

/* Parse an envelope (@name for messages). Returns 0; -EBADMSG; -EFBIG. */
int dsse_env_parse(const char *text, size_t len, const char *name, struct dsse_env *ret,
		   cvm_err *reterr);
void dsse_env_done(struct dsse_env *e);

/* Signature @i: its keyid (NULL if none) and decoded bytes (caller frees). -EBADMSG. */
int dsse_sig_at(const struct dsse_env *e, size_t i, const char *name, const char **ret_keyid,
		uint8_t **ret_sig, size_t *ret_len, cvm_err *reterr);

/* One signature of the PAE by @k verifies. Returns 0; -EKEYREJECTED naming the key id. */
int dsse_env_verify(const struct dsse_env *e, EVP_PKEY *k, const char *name, cvm_err *reterr);

/*
 * Sign @msg with @k (a P-256 or Ed25519 key from cvm_key_load_pem()): ECDSA
 * over SHA-256, DER, or Ed25519. *@ret_sig (caller frees). Returns 0 or -ENOMEM.
 */
int dsse_sign_one(EVP_PKEY *k, const uint8_t *msg, size_t len, uint8_t **ret_sig,
		  size_t *ret_len, cvm_err *reterr);

/* Whether @sig is a valid signature of @msg by @k (DER or raw r || s for P-256). */
bool dsse_check_one(EVP_PKEY *k, const uint8_t *msg, size_t len, const uint8_t *sig,
		    size_t slen);

#endif
