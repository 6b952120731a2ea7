/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * LUKS2 headers as cvmimg reads them back: the binary header's UUID and label
 * and, from its JSON metadata, what a reader needs to know of the segments,
 * keyslots and tokens (never salts, digests or key material). The same
 * description is what `cvmimg build` records in build.json and what
 * `cvmimg inspect` prints, in one JSON shape (cvmimg(1), JSON OUTPUT).
 */
#ifndef CVMIMG_CRYPT_H
#define CVMIMG_CRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_LUKS_JSON_MAX     (4u << 20) /* bytes of JSON metadata read */
#define CVM_LUKS_MAX_KEYSLOTS 32
#define CVM_LUKS_MAX_SEGMENTS 8
#define CVM_LUKS_MAX_TOKENS   32
#define CVM_LUKS_MAX_HINTS    8 /* a token's members besides "type" and "keyslots" */

struct cvm_luks_keyslot {
	unsigned id;
	unsigned key_size; /* bytes */
	char kdf[16];	   /* "argon2id", "pbkdf2", ... */
	char hash[16];	   /* pbkdf2 only, else "" */
	uint64_t iterations, time, memory, cpus; /* 0: absent for this KDF */
};

/* Values as LUKS2 stores them: decimal strings, or "dynamic" for the size. */
struct cvm_luks_segment {
	unsigned id;
	char type[16];
	char offset[24], size[24], iv_tweak[24];
	char encryption[64];
	unsigned sector_size;
};

struct cvm_luks_token_hint {
	char name[32];
	bool is_number;
	int64_t number;
	char text[512];
};

struct cvm_luks_token {
	unsigned id;
	char type[64];
	size_t n_keyslots;
	unsigned keyslots[CVM_LUKS_MAX_KEYSLOTS];
	size_t n_hints;
	struct cvm_luks_token_hint hints[CVM_LUKS_MAX_HINTS];
};

struct cvm_luks_header {
	char uuid[41];
	char label[49];
	uint64_t header_size; /* binary header + JSON area, bytes */
	size_t n_segments, n_keyslots, n_tokens;
	struct cvm_luks_segment segments[CVM_LUKS_MAX_SEGMENTS];
	struct cvm_luks_keyslot keyslots[CVM_LUKS_MAX_KEYSLOTS];
	struct cvm_luks_token tokens[CVM_LUKS_MAX_TOKENS];
};

/*
 * Read the LUKS2 header at byte @offset of @fd. Returns 0; -EBADMSG if there
 * is no LUKS2 header or its metadata is not what LUKS2 describes; -EIO and
 * other negative errno for read errors.
 */
int cvm_luks_header_read(int fd, uint64_t offset, struct cvm_luks_header *ret, cvm_err *reterr);

/* The same from memory: @len bytes holding at least the binary header and its JSON area. */
int cvm_luks_header_parse(const uint8_t *buf, size_t len, struct cvm_luks_header *ret,
			  cvm_err *reterr);

struct json_object;

/*
 * The header as JSON: {"uuid", "label", "segments": {"<id>": {"type", "offset",
 * "size", "iv_tweak", "encryption", "sector_size"}}, "keyslots": {"<id>":
 * {"key_size", "kdf": {"type", ["hash"], ["iterations"], ["time"], ["memory"],
 * ["cpus"]}}}, "tokens": {"<id>": {"type", "keyslots": ["<id>", ...],
 * <hints>}}}, with LUKS2's own names and values. Returns 0 or -ENOMEM.
 */
int cvm_luks_header_to_json(const struct cvm_luks_header *h, struct json_object **ret);

#endif
