/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared between the TDX event builders (tdx.c, tdx-uki.c, tdx-disk.c). */
#ifndef CVM_MEASURE_TDX_BOOT_H
#define CVM_MEASURE_TDX_BOOT_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>
#include <cvmimg/measure.h>

#include "boot/pe.h"

struct tdx_uki {
	const uint8_t *data; /* borrowed */
	size_t len;
	const char *name;
	struct pe_image pe;
	unsigned mask;	     /* sections the stub measures (boot/sections.h) */
	unsigned stub_major; /* systemd version of the stub, 0 if unknown */
};

/* Parse @data as a UKI. Returns 0; -EBADMSG if it is not a PE with .linux. */
int tdx_uki_open(struct tdx_uki *u, const uint8_t *data, size_t len, const char *name,
		 cvm_err *reterr);

/* RTMR1: Authenticode of .linux, when the stub starts it with LoadImage (< 258). */
int tdx_uki_linux_event(struct cvm_tdx_values *v, const struct tdx_uki *u, cvm_err *reterr);

/* RTMR2: systemd-stub's section events (>= 256), then the kernel's (Linux >= 6.9). */
int tdx_uki_rtmr2(struct cvm_tdx_values *v, const struct tdx_uki *u, cvm_err *reterr);

/*
 * Whether the kernel @k measures its LoadOptions and initrd into RTMR2 (the
 * CC protocol fallback of Linux 6.9 and later): 1 yes, 0 no, -1 unknown (the
 * image has no version string; RTMR2 is then marked unknown with the reason).
 */
int tdx_kernel_measures_rtmr2(struct cvm_tdx_values *v, const uint8_t *k, size_t len,
			      const char *name);

/*
 * RTMR1 and RTMR2 of a boot from @path (a raw or qcow2 disk image, or a
 * directory holding disk.raw or disk.qcow2): the GPT event, the Authenticode
 * digest of \EFI\BOOT\BOOTX64.EFI (a UKI) and what its stub measures, added
 * after the ReadyToBoot events. Returns 0; -ENOENT; -EBADMSG for a disk
 * without GPT or ESP, or a BOOTX64.EFI that is not a UKI; -EIO if qemu-img or
 * mtype fail.
 */
int tdx_disk_boot_events(struct cvm_tdx_values *v, const char *path, cvm_err *reterr);

#endif
