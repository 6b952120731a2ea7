/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_EMIT_H
#define CVM_BOOT_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "boot/pe.h"
#include "boot/sections.h"
#include "util/hash.h"

/* Where the image goes: a file descriptor, or a buffer in memory. */
struct uki_sink {
	int fd;		  /* >= 0: written with pwrite() from offset 0 */
	const char *name; /* the output in messages */
	uint8_t *buf;	  /* fd < 0: the image, malloc'd here, the caller's to free */
	uint64_t len;	  /* bytes written so far */
};

struct uki_emit_params {
	const struct pe_image *stub;
	const char *stub_name;
	const struct uki_part *parts;
	size_t n_parts;
	const char *sb_key_path, *sb_cert_path; /* both or none: Authenticode-sign */
	uint64_t source_date_epoch;		/* the signing time, if not 0 */
	bool want_sha384;			/* also the Authenticode SHA-384 */
};

struct uki_emitted {
	uint64_t size;
	uint8_t sha256[CVM_SHA256_LEN]; /* Authenticode digests */
	uint8_t sha384[CVM_SHA384_LEN]; /* if asked for */
};

/*
 * Write the UKI of @p (see uki_layout_plan()) to @sink in one pass in file
 * order, straight from the stub and the parts: the headers, each section and
 * its padding, then, when signing, the certificate table. The Authenticode
 * digests and the PE checksum are computed from the bytes as they go out;
 * the fields that depend on them (CheckSum, the Certificate Table entry) are
 * written last, in place. Returns 0; the layout's and the signer's errors;
 * -ENOMEM; a write error (negative errno, message naming @sink->name).
 */
int uki_emit(const struct uki_emit_params *p, struct uki_sink *sink, struct uki_emitted *ret,
	     cvm_err *reterr);

#endif
