/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unified Kernel Images: systemd-stub plus kernel, initrd, cmdline and
 * metadata sections in one PE/COFF file.
 *
 * API CONTRACT (agreed between the uki and image work): cvm_uki_build() takes
 * every part in memory, because `cvmimg build` reads the kernel and initrd
 * out of a tar stream and never writes them to the host disk. The uki work
 * may add fields at the end of struct cvm_uki_input and more functions, but
 * keeps this signature. cvm_uki_write() is the streaming form: same input,
 * same bytes, written to a file without building the UKI in memory.
 */
#ifndef CVMIMG_UKI_H
#define CVMIMG_UKI_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_UKI_DEFAULT_STUB "/usr/lib/systemd/boot/efi/linuxx64.efi.stub"

/* Limits, checked before anything is allocated. */
#define CVM_UKI_MAX_SIZE 0xffffffffull    /* PE offsets and sizes are 32-bit */
#define CVM_UKI_STUB_MAX_SIZE (16u << 20) /* the stub file */
#define CVM_UKI_NAME_MAX 8                /* PE section names */

/* The boot phases whose PCR 11 value .pcrsig signs (systemd-measure's default). */
#define CVM_UKI_PHASES 4

/* A part in memory; len 0 means "not given". */
struct cvm_uki_blob {
	const uint8_t *data;
	size_t len;
};

/* A section of the caller's: a name of 1 to 8 ASCII characters starting with '.'. */
struct cvm_uki_extra {
	const char *name;
	struct cvm_uki_blob data;
};

struct cvm_uki_input {
	const char *stub_path;              /* NULL: CVM_UKI_DEFAULT_STUB */
	struct cvm_uki_blob kernel;         /* required: a PE (EFI stub) kernel image */
	const struct cvm_uki_blob *initrds; /* concatenated in order into .initrd */
	size_t n_initrds;
	const char *cmdline;                /* NULL: no .cmdline section */
	struct cvm_uki_blob osrel;          /* .osrel (os-release) */
	const char *uname;                  /* NULL: detected from the kernel image */
	struct cvm_uki_blob sbat;           /* added to the stub's entries; len 0: cvmimg's */
	struct cvm_uki_blob splash;
	struct cvm_uki_blob dtb;
	struct cvm_uki_blob pcrpkey;
	const char *pcr_private_key_path;   /* with pcr_public_key_path: sign .pcrsig */
	const char *pcr_public_key_path;
	const char *sb_key_path;            /* with sb_cert_path: Authenticode-sign */
	const char *sb_cert_path;
	uint64_t source_date_epoch;         /* 0: none; timestamps otherwise use this */
	/* Added after the contract: names of parts in messages (e.g. their files). */
	const char *kernel_name;            /* NULL: "kernel" */
	const char *sbat_name;              /* NULL: "SBAT data" */
	const struct cvm_uki_extra *extra;  /* more sections, placed before .linux, not measured */
	size_t n_extra;                     /* at most 32 */
	const char *output_name;            /* cvm_uki_write()'s output in messages; NULL: "UKI" */
};

/*
 * Assemble a UKI in memory (freed by the caller with free()). The same input
 * gives the same bytes. Returns 0; -ENOENT with the Debian package named if the
 * stub is missing; -EBADMSG for a stub or kernel that is not a usable PE;
 * -EFBIG for parts too large for the PE fields.
 *
 * Sections, after the stub's: .osrel .cmdline .dtb .uname .splash .pcrsig
 * .pcrpkey .initrd (the initrds concatenated, each but the last zero-padded to
 * 4 bytes), the extra sections, .linux (VirtualSize = the kernel's file size,
 * as systemd 252's tools measure it), .sbat (replacing the stub's). .pcrpkey
 * defaults to the PCR public key file. Also -EINVAL for an empty part, a bad
 * section name or key files that do not pair; -EBADMSG for unusable key or
 * certificate files or SBAT lines with fewer than six fields. The private
 * keys are read into locked memory and wiped.
 */
int cvm_uki_build(const struct cvm_uki_input *in, uint8_t **ret_uki, size_t *ret_len,
		  cvm_err *reterr);

struct cvm_uki_result {
	uint64_t size;                     /* bytes written */
	uint8_t authenticode_sha256[32];   /* as cvm_pe_authenticode() of the file */
	uint8_t authenticode_sha384[48];
};

/*
 * The same UKI as cvm_uki_build() (byte for byte), written to @fd instead of
 * memory, with no copy of the parts: for callers that hold large parts in
 * memory (`cvmimg build` holds the kernel and initrd), the UKI never exists
 * whole in memory. The sections go out in file order; the PE checksum and the
 * Authenticode digests are computed on the way, and CheckSum and the
 * Certificate Table entry are written last with pwrite(). @fd: a regular
 * file open for writing, without O_APPEND; the UKI is written from offset 0
 * and the file truncated to its size. @ret (may be NULL) receives the size and
 * the Authenticode digests. Errors as cvm_uki_build(), plus -EINVAL if @fd is
 * not such a file, and the negative errno of a failed write (the message names
 * @in->output_name). On failure the file holds a partial UKI: write to a
 * temporary file and rename it when this succeeds.
 */
int cvm_uki_write(const struct cvm_uki_input *in, int fd, struct cvm_uki_result *ret,
		  cvm_err *reterr);

/*
 * The Authenticode digest of a PE image in memory, in SHA-256 (what firmware
 * extends into PCR 4 and what Secure Boot signs) and/or SHA-384 (TDX RTMR 1);
 * either output may be NULL. It covers the headers less CheckSum and the
 * Certificate Table entry, the sections in file order and any trailing data
 * except the certificate table, without padding (edk2's semantics). @name
 * (e.g. the file name; NULL: "PE image") is used in messages.
 * Returns 0; -EINVAL for NULL arguments; -EBADMSG if @pe is not a PE image or
 * is inconsistent.
 */
int cvm_pe_authenticode(const uint8_t *pe, size_t len, const char *name, uint8_t *ret_sha256,
			uint8_t *ret_sha384, cvm_err *reterr);

/*
 * Name of boot phase @i < CVM_UKI_PHASES ("enter-initrd",
 * "enter-initrd:leave-initrd", ...), NULL past the end.
 */
const char *cvm_uki_phase_name(size_t i);

struct cvm_uki_section {
	char name[CVM_UKI_NAME_MAX + 1];
	uint32_t virtual_address, virtual_size;
	uint32_t file_offset, file_size;
	uint8_t sha256[32]; /* of the VirtualSize bytes as mapped (zero-filled past the file) */
	int measured;       /* 1 if the stub extends it into PCR 11 */
};

struct cvm_uki_info {
	uint64_t size;                     /* bytes of the file */
	uint8_t sha256[32];                /* of the whole file */
	size_t n_sections;
	struct cvm_uki_section *sections;  /* in section-table order */
	uint8_t authenticode_sha256[32];
	uint8_t authenticode_sha384[48];
	int is_uki;                        /* has a .linux section */
	char *stub_version;                /* from .sdmagic ("252.39-1~deb12u2"), or NULL */
	char *uname;                       /* .uname, or NULL */
	/* PCR 11 (SHA-256) after the sections, then after each boot phase. */
	uint8_t pcr11_sha256[CVM_UKI_PHASES + 1][32];
	int is_signed;                     /* has an Authenticode signature */
	char *signer_subject, *signer_issuer; /* RFC 2253 names of the signing certificate */
	int signature_digest_matches;      /* the signed digest equals authenticode_sha256 */
};

/*
 * Describe a PE image, typically a UKI (the caller reads the file; at most
 * CVM_UKI_MAX_SIZE bytes). @name (e.g. the file name; NULL: "image") is used
 * in messages. Returns 0 with *ret freed by cvm_uki_info_free(); -EINVAL for
 * NULL arguments; -EBADMSG if it is not a PE image or its signature cannot be
 * parsed; -EFBIG if its sections map more than 256 MiB of zero fill (VirtualSize
 * beyond their file data, which would be hashed as zeros); -ENOMEM.
 */
int cvm_uki_inspect(const uint8_t *data, size_t len, const char *name, struct cvm_uki_info **ret,
		    cvm_err *reterr);

struct cvm_uki_info *cvm_uki_info_free(struct cvm_uki_info *info); /* NULL-safe, returns NULL */

struct json_object;

/*
 * The UKI as JSON, the one shape every command prints it in (cvmimg(1), JSON
 * OUTPUT): {"size", "sha256", "is_uki", "stub", "uname", "sections": [{"name",
 * "file_offset", "file_size", "virtual_address", "virtual_size", "sha256",
 * "measured"}], "authenticode": {"sha256", "sha384"}, "pcr11": {"sha256":
 * {"sections", "<phase>": ...}} or null, "signature": {"subject", "issuer",
 * "digest_matches"} or null}. Returns 0 with a new object in *@ret, or -ENOMEM.
 */
int cvm_uki_info_to_json(const struct cvm_uki_info *info, struct json_object **ret);

#endif
