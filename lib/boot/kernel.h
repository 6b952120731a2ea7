/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_KERNEL_H
#define CVM_BOOT_KERNEL_H

#include <stddef.h>

#include <cvmimg/err.h>

#include "boot/pe.h"

#define UKI_UNAME_MAX 256

/*
 * The kernel release ("6.1.0-56-amd64") from an x86 bzImage's setup header
 * (Documentation/arch/x86/boot.rst: "HdrS" at 0x202, kernel_version at 0x20e
 * pointing 0x200 bytes before a NUL-terminated string), into @buf. Returns the
 * length, or 0 when the image has no such string (not an x86 bzImage).
 */
size_t uki_kernel_release(const uint8_t *kernel, size_t len, char buf[UKI_UNAME_MAX]);

/* The COFF Machine field, e.g. 0x8664 for x86-64. */
uint16_t pe_machine(const struct pe_image *pe);

#endif
