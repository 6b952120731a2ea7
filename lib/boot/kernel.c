/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <string.h>

#include "boot/kernel.h"
#include "util/endian.h"

#define SETUP_MAGIC_OFF 0x202
#define SETUP_VERSION_OFF 0x206
#define SETUP_KERNEL_VERSION_OFF 0x20e
#define SETUP_KERNEL_VERSION_MIN 0x0200 /* boot protocol 2.00 introduced the pointer */

size_t uki_kernel_release(const uint8_t *kernel, size_t len, char buf[UKI_UNAME_MAX])
{
	size_t off, n = 0;

	if (len < SETUP_KERNEL_VERSION_OFF + 2 || memcmp(kernel + SETUP_MAGIC_OFF, "HdrS", 4) ||
	    cvm_le16(kernel + SETUP_VERSION_OFF) < SETUP_KERNEL_VERSION_MIN)
		return 0;
	off = (size_t)cvm_le16(kernel + SETUP_KERNEL_VERSION_OFF) + 0x200;
	if (off == 0x200 || off >= len)
		return 0;
	/* the release is the first word; "uname -r" prints the same */
	while (off + n < len && n < UKI_UNAME_MAX - 1 && kernel[off + n] > ' ' &&
	       kernel[off + n] < 0x7f)
		n++;
	if (off + n >= len || n == UKI_UNAME_MAX - 1 || (kernel[off + n] != ' ' && kernel[off + n]))
		return 0;
	memcpy(buf, kernel + off, n);
	buf[n] = '\0';
	return n;
}

uint16_t pe_machine(const struct pe_image *pe)
{
	return cvm_le16(pe->data + pe->coff_off);
}
