/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The UKI sections systemd-stub knows, in the canonical order in which it
 * extends them into PCR 11 (systemd src/fundamental/uki.h), and the parts
 * of a UKI being built or inspected.
 */
#ifndef CVM_BOOT_SECTIONS_H
#define CVM_BOOT_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/uki.h>

#include "boot/pe.h"
#include "util/hash.h"

enum uki_section {
	UKI_LINUX,
	UKI_OSREL,
	UKI_CMDLINE,
	UKI_INITRD,
	UKI_UCODE,
	UKI_SPLASH,
	UKI_DTB,
	UKI_UNAME,
	UKI_SBAT,
	UKI_PCRSIG, /* never measured: it signs the measurements */
	UKI_PCRPKEY,
	UKI_PROFILE,
	UKI__COUNT,
	UKI_INVALID = -22,
};

const char *uki_section_to_string(enum uki_section s); /* ".linux", ... */
enum uki_section uki_section_from_string(const char *name);

/*
 * The sections a stub extends into PCR 11, as a bit mask of (1 << section),
 * from the systemd version in its .sdmagic section ("#### LoaderInfo:
 * systemd-stub 252.39-1~deb12u2 ####"). 252 measures .linux .osrel .cmdline
 * .initrd .splash .dtb .pcrpkey; 253 added .uname and .sbat, 256 .ucode, 257
 * .profile. A stub without a readable version is taken to be current.
 * *ret_version (may be NULL) receives a pointer to the version text inside
 * the image and its length (0 if none).
 */
unsigned uki_stub_measured_mask(const struct pe_image *stub, const char **ret_version,
				size_t *ret_version_len);

/*
 * One section's contents: pieces concatenated, each but the last padded with
 * zeros to a multiple of @pad (initrds: 4), then @zeros zero bytes (the part
 * of VirtualSize past the raw data, when inspecting).
 */
struct uki_part {
	enum uki_section sec; /* UKI_INVALID for a caller's extra section */
	const char *name;     /* the section name */
	const struct cvm_uki_blob *pieces;
	size_t n_pieces;
	size_t pad;
	size_t zeros;
	uint64_t len; /* uki_part_len() */
};

uint64_t uki_part_len(const struct uki_part *p);

/* Digest of the part's bytes. 0 or -ENOMEM. */
int uki_part_hash(const struct uki_part *p, enum cvm_hash_alg alg, uint8_t *out);

/*
 * Call @fn on the part's bytes in order, run by run: each piece as it is, and
 * each stretch of zeros (padding, @zeros) as data NULL with its length. Stops
 * at and returns the first negative return of @fn; 0 otherwise.
 */
typedef int (*uki_part_fn)(void *userdata, const uint8_t *data, size_t len);
int uki_part_walk(const struct uki_part *p, uki_part_fn fn, void *userdata);

#endif
