/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel TDX launch measurement of a QEMU + OVMF (TDVF) guest, in pieces that
 * the unit tests reach one by one (../shared/reference/tdx-measurement.md):
 *
 *   tdx-mrtd.c    the TDVF metadata of the firmware, MRTD in both page orders
 *   tdx-hob.c     the TD HOB QEMU hands the firmware (RTMR0's first event)
 *   tdx-events.c  the event data firmware and loaders measure: UEFI variables,
 *                 load options, the cmdline as LoadOptions, action strings
 *   tdx-kernel.c  the kernel as OVMF sees it after QEMU edited its header
 *   tdx-acpi.c    the three fw_cfg ACPI blobs: read from a dump or rebuilt
 *   tdx-uki.c     what systemd-stub and the kernel inside a UKI measure
 *   tdx.c         the event list of a boot, and the registers it replays to
 */
#ifndef CVM_MEASURE_TDX_H
#define CVM_MEASURE_TDX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>
#include <cvmimg/eventlog.h>
#include <cvmimg/measure.h>

#define CVM_TDVF_SECTIONS_MAX 32

enum cvm_tdvf_type {
	CVM_TDVF_BFV = 0,
	CVM_TDVF_CFV = 1,
	CVM_TDVF_TD_HOB = 2,
	CVM_TDVF_TEMP_MEM = 3,
	CVM_TDVF_PERM_MEM = 4,
	CVM_TDVF_PAYLOAD = 5,
	CVM_TDVF_PAYLOAD_PARAM = 6,
	CVM_TDVF_TD_INFO = 7,
	CVM_TDVF_TD_PARAMS = 8,
	CVM_TDVF__COUNT,
};

#define CVM_TDVF_ATTR_MR_EXTEND 0x1u
#define CVM_TDVF_ATTR_PAGE_AUG 0x2u

struct cvm_tdvf_section {
	uint32_t data_offset, raw_size;
	uint64_t gpa, mem_size;
	uint32_t type, attributes;
};

struct cvm_tdvf {
	const uint8_t *data; /* the whole firmware image (borrowed) */
	size_t size;
	const char *name;
	size_t descriptor_offset;
	size_t n;
	struct cvm_tdvf_section s[CVM_TDVF_SECTIONS_MAX];
};

const char *cvm_tdvf_type_to_string(uint32_t type);

/*
 * Find and check the TDVF descriptor of @data (an OVMF.fd as QEMU's -bios
 * takes it). Returns 0; -EBADMSG if there is no TDX metadata, or a section is
 * misaligned, smaller in memory than on file, or its data lies outside the
 * file (a code-only image without its vars part).
 */
int cvm_tdvf_parse(const uint8_t *data, size_t size, const char *name, struct cvm_tdvf *ret,
		   cvm_err *reterr);

/* The first section of @type, or NULL. */
const struct cvm_tdvf_section *cvm_tdvf_find(const struct cvm_tdvf *t, uint32_t type);

/*
 * MRTD: one SHA-384 over the TDH.MEM.PAGE.ADD and TDH.MR.EXTEND records of
 * every section, in metadata order; @two_pass: all ADDs of a section before
 * its EXTENDs (QEMU 8.x), otherwise page by page.
 */
int cvm_tdx_mrtd(const struct cvm_tdvf *t, bool two_pass, uint8_t out[48], cvm_err *reterr);

/*
 * The TD HOB bytes OVMF measures (PHIT and resource HOBs, without the end
 * HOB) for @memory bytes of RAM on q35, into @buf of @cap bytes. Returns the
 * length; -EBADMSG without a TD_HOB section; -E2BIG if @cap is too small.
 */
#define CVM_TDX_HOB_MAX 4096
int cvm_tdx_td_hob(const struct cvm_tdvf *t, uint64_t memory, uint8_t *buf, size_t cap,
		   cvm_err *reterr);

/* GUIDs in their on-disk byte order. */
extern const uint8_t cvm_guid_efi_global_variable[16];
extern const uint8_t cvm_guid_image_security_database[16];

/*
 * UEFI_VARIABLE_DATA: VendorGuid, u64 name length in characters, u64 data
 * length, the name in UTF-16LE without NUL, the data. @name is ASCII. Returns
 * the length written to @out (of @cap bytes), or -E2BIG.
 */
int cvm_uefi_variable_data(const uint8_t guid[16], const char *name, const uint8_t *data,
			   size_t data_len, uint8_t *out, size_t cap);

/*
 * ASCII @s (at most @cap/2 - 1 characters) as UTF-16LE with its NUL, the way
 * OVMF builds LoadOptions. Returns the byte length, or -E2BIG; -EINVAL for
 * a byte outside printable ASCII and tab.
 */
int cvm_utf16_nul(const char *s, uint8_t *out, size_t cap);

/*
 * The LoadOptions OVMF gives a kernel booted with -kernel: the -append string,
 * plus " initrd=initrd" when there is an initrd, in UTF-16LE with NUL, in a
 * new buffer. Returns 0; -EINVAL for non-ASCII; -ENOMEM.
 */
int cvm_tdx_load_options(const char *append, bool initrd, uint8_t **ret, size_t *ret_len);

/* The pre-202505 direct-boot Boot0000 (UiApp) EFI_LOAD_OPTION. Returns its length. */
size_t cvm_tdx_boot0000_uiapp(uint8_t out[128]);

/*
 * The QEMU version rules (major.minor[.micro]): @two_pass for MRTD (QEMU 8.x),
 * @patches_kernel when QEMU passes the edited setup header (before 10.1).
 * Returns 0 or -EINVAL for a malformed version.
 */
int cvm_tdx_qemu_rules(const char *version, bool *ret_two_pass, bool *ret_patches_kernel);

/*
 * The edk2 release of a firmware as YYYYMM from "2024.11", "202411",
 * "edk2-stable202411" or a Debian version "2024.02-3+tdx1.0". Returns 0 or
 * -EINVAL.
 */
int cvm_tdx_ovmf_release(const char *version, unsigned *ret);

/*
 * Edit a bzImage's setup header in place the way QEMU's x86_load_linux() does
 * before it hands the kernel to the firmware, for @memory bytes of RAM (q35),
 * an initrd of @initrd_size bytes (0: none; @has_initrd says whether there is
 * one) and the command line @append. Images without "HdrS" (a UKI) get the
 * old-protocol edits. Returns 0, or -EBADMSG for an image under 1 KiB.
 */
int cvm_tdx_patch_kernel(uint8_t *kernel, size_t len, uint64_t memory, bool has_initrd,
			 uint64_t initrd_size, const char *append, cvm_err *reterr);

/*
 * The ACPI blobs of a dump directory: etc/table-loader, etc/acpi/rsdp and
 * etc/acpi/tables, found as "<dir>/etc_table-loader" (the vectors' and
 * qtest dumps' names), "<dir>/etc/table-loader" or the guest's
 * /sys/firmware/qemu_fw_cfg/by_name layout "<dir>/etc/table-loader/raw".
 * A dump of the tables alone gets the loader and RSDP from
 * cvm_tdx_acpi_rebuild(). Each digest is SHA-384. Returns 0; -ENOENT naming
 * the file not found; -EBADMSG from the rebuild.
 */
struct cvm_tdx_acpi {
	uint8_t loader[48], rsdp[48], tables[48];
	bool rebuilt; /* only the tables were dumped: loader and RSDP rebuilt from them */
};
int cvm_tdx_acpi_dir(const char *dir, struct cvm_tdx_acpi *ret, cvm_err *reterr);

/*
 * The same three digests read from QEMU itself: @qemu (a path) started in
 * qtest mode with "-M @machine -m @memory -smp @vcpus -bios @ovmf"; QEMU
 * builds the tables it would give that machine (without the TDX object).
 * Returns 0; -ENOENT if @qemu cannot be run; -EIO with QEMU's message if it
 * fails, or when no two runs in a row agree. Changes SIGPIPE's disposition
 * while it runs.
 */
int cvm_tdx_acpi_qemu(const char *qemu, const char *machine, uint64_t memory, unsigned vcpus,
		      const char *ovmf, struct cvm_tdx_acpi *ret, cvm_err *reterr);

/*
 * Rebuild etc/table-loader (4096 bytes) and etc/acpi/rsdp (20 bytes) from the
 * tables blob, as QEMU's q35 ACPI builder emits them: ALLOCATE rsdp and
 * tables, checksum and pointer commands in table order. Returns 0; -EBADMSG if
 * the tables blob is not a q35 table set (no RSDT, a table that runs past the
 * blob).
 */
int cvm_tdx_acpi_rebuild(const uint8_t *tables, size_t len, uint8_t loader[4096],
			 uint8_t rsdp[20], cvm_err *reterr);

/* Event names ("EV_SEPARATOR"), or NULL for an unknown type. */
const char *cvm_tdx_event_type_name(uint32_t type);

/* Add an event to @v: RTMR @rtmr, @type, @digest (NULL: unknown), description. */
void cvm_tdx_add_event(struct cvm_tdx_values *v, unsigned rtmr, uint32_t type,
		       const uint8_t *digest, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Mark register @reg (0 MRTD, 1..4 RTMR0..3) unknown, adding the reason to those given. */
void cvm_tdx_unknown(struct cvm_tdx_values *v, unsigned reg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Replay the events into the RTMRs that are not marked unknown. */
void cvm_tdx_replay(struct cvm_tdx_values *v);

/* SHA-384 extend: @mr = SHA384(@mr || @digest). */
void cvm_tdx_extend(uint8_t mr[48], const uint8_t digest[48]);

/* Events of a UKI booted directly (-kernel uki.efi) or from the ESP. */
struct cvm_tdx_boot;
int cvm_tdx_measure(const struct cvm_measure_input *in, struct cvm_measurement *out,
		    cvm_err *reterr);

#endif
