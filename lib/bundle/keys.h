/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The bundle's key ids (SHA-256 of the DER SubjectPublicKeyInfo). */
#ifndef CVM_BUNDLE_KEYS_H
#define CVM_BUNDLE_KEYS_H

#include <openssl/evp.h>

#include <cvmimg/bundle.h>

/* Lowercase hex SHA-256 of the DER SubjectPublicKeyInfo of @k. Returns 0 or -ENOMEM. */
int bundle_keyid(EVP_PKEY *k, char ret[CVM_KEYID_LEN + 1]);

#endif
