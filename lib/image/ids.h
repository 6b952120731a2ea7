/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Identifiers derived from the build seed, so that the same seed gives the
 * same disk GUID, partition GUIDs, LUKS UUID and filesystem UUID: TDX measures
 * the GPT, and the cmdline inside the UKI names the LUKS UUID.
 */
#ifndef CVM_IMAGE_IDS_H
#define CVM_IMAGE_IDS_H

#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_UUID_STR 37

/* HMAC-SHA256(key = seed, "cvmimg:" label), first 16 bytes, as a version 4 UUID. */
int cvm_ids_derive(const char *seed, const char *label, uint8_t out[16], cvm_err *reterr);

/* HMAC-SHA256(key = seed, "cvmimg:" label), all 32 bytes (salts). */
int cvm_ids_derive_bytes(const char *seed, const char *label, uint8_t out[32], cvm_err *reterr);

/* Lowercase 8-4-4-4-12 form. */
void cvm_uuid_format(const uint8_t u[16], char out[CVM_UUID_STR]);

/* Parse the 8-4-4-4-12 form (any case). Returns 0 or -EINVAL. */
int cvm_uuid_parse(const char *s, uint8_t out[16]);

#endif
