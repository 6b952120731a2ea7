/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small DER writer for the structures OpenSSL has no API for (Authenticode's
 * SpcIndirectDataContent) and for PKCS#7 SignedData laid out byte for byte,
 * so that a signature is reproducible. Errors are sticky: check d->failed once.
 */
#ifndef CVM_BOOT_DER_H
#define CVM_BOOT_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DER_INTEGER 0x02
#define DER_BIT_STRING 0x03
#define DER_OCTET_STRING 0x04
#define DER_NULL 0x05
#define DER_OID 0x06
#define DER_UTC_TIME 0x17
#define DER_GENERALIZED_TIME 0x18
#define DER_SEQUENCE 0x30
#define DER_SET 0x31
#define DER_CONTEXT(n) (0xa0 | (n))      /* constructed, context-specific */
#define DER_CONTEXT_PRIM(n) (0x80 | (n)) /* primitive, context-specific */

struct der {
	uint8_t *buf;
	size_t len, cap;
	bool failed;
};

void der_free(struct der *d); /* cleanup form: takes the struct's address */

void der_raw(struct der *d, const void *p, size_t n);

/* Start a constructed or primitive value; returns where its contents begin. */
size_t der_open(struct der *d, uint8_t tag);

/* End the value opened at @start: insert its length. */
void der_close(struct der *d, size_t start);

/* A whole primitive value. */
void der_prim(struct der *d, uint8_t tag, const void *p, size_t n);

/* An OID in dotted form ("1.2.840.113549.1.7.2"); components below 2^28. */
void der_oid(struct der *d, const char *dotted);

/* AlgorithmIdentifier { oid, NULL } */
void der_alg(struct der *d, const char *dotted);

/* Offset of the contents of the DER value at @p (after tag and length), 0 if malformed. */
size_t der_header_len(const uint8_t *p, size_t len);

/*
 * Read the value at *@p (*@len bytes left) if its tag is @tag: its contents in
 * *@ret and *@ret_len, and advance past it. False if malformed or another tag.
 */
bool der_read(const uint8_t **p, size_t *len, uint8_t tag, const uint8_t **ret, size_t *ret_len);

#endif
