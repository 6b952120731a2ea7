/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel as OVMF measures it after `qemu -kernel`: up to QEMU 10.0,
 * x86_load_linux() edits the setup header (load addresses, the initrd's
 * address and size, loader type, heap end) and passes the edited file
 * through fw_cfg (reference/tdx-measurement.md §4.1). The initrd address
 * depends on the RAM below 4 GiB, so the kernel's Authenticode digest, and
 * RTMR1, depend on the memory size whenever there is an initrd.
 */
#include <errno.h>
#include <string.h>

#include "measure/tdx/tdx.h"
#include "util/endian.h"

#define HDR_MIN 0x240u
#define Q35_ACPI_DATA_SIZE 0x28000ull
#define XLF_CAN_BE_LOADED_ABOVE_4G 0x2u

struct setup {
	uint16_t protocol;
	uint32_t real, cmdline;
	uint64_t initrd_max;
};

static void addresses(const uint8_t *k, const char *append, struct setup *s)
{
	uint32_t cmdline_size = (uint32_t)((strlen(append ? append : "") + 16) & ~15ull);

	s->protocol = !memcmp(k + 0x202, "HdrS", 4) ? cvm_le16(k + 0x206) : 0;
	if (s->protocol < 0x202 || !(k[0x211] & 0x01)) {
		s->real = 0x90000;
		s->cmdline = 0x9a000 - cmdline_size;
	} else {
		s->real = 0x10000;
		s->cmdline = 0x20000;
	}
	if (s->protocol >= 0x20c && (cvm_le16(k + 0x236) & XLF_CAN_BE_LOADED_ABOVE_4G))
		s->initrd_max = UINT32_MAX;
	else if (s->protocol >= 0x203)
		s->initrd_max = cvm_le32(k + 0x22c);
	else
		s->initrd_max = 0x37ffffff;
}

int cvm_tdx_patch_kernel(uint8_t *k, size_t len, uint64_t memory, bool has_initrd,
			 uint64_t initrd_size, const char *append, cvm_err *reterr)
{
	uint64_t lowmem = memory >= 0xb0000000ull ? 0x80000000ull : 0xb0000000ull;
	uint64_t below4g = memory < lowmem ? memory : lowmem;
	struct setup s;

	if (len < HDR_MIN)
		return cvm_err_set(reterr, -EBADMSG, "the kernel is only %zu bytes", len);
	addresses(k, append, &s);
	if (below4g > Q35_ACPI_DATA_SIZE && s.initrd_max >= below4g - Q35_ACPI_DATA_SIZE)
		s.initrd_max = below4g - Q35_ACPI_DATA_SIZE - 1;
	if (s.protocol >= 0x202) {
		cvm_put_le32(k + 0x228, s.cmdline);
	} else {
		cvm_put_le16(k + 0x20, 0xa33f);
		cvm_put_le16(k + 0x22, (uint16_t)(s.cmdline - s.real));
	}
	if (has_initrd) {
		if (s.protocol < 0x200)
			return cvm_err_set(reterr, -EINVAL,
					   "QEMU cannot pass an initrd to this kernel (boot "
					   "protocol 0x%x)",
					   s.protocol);
		if (initrd_size >= s.initrd_max)
			return cvm_err_set(reterr, -EINVAL,
					   "the initrd (%llu bytes) is too large for this memory "
					   "size (QEMU refuses it)",
					   (unsigned long long)initrd_size);
		cvm_put_le32(k + 0x218, (uint32_t)((s.initrd_max - initrd_size) & ~0xfffull));
		cvm_put_le32(k + 0x21c, (uint32_t)initrd_size);
	}
	if (s.protocol >= 0x200)
		k[0x210] = 0xb0;
	if (s.protocol >= 0x201) {
		k[0x211] |= 0x80;
		cvm_put_le16(k + 0x224, (uint16_t)(s.cmdline - s.real - 0x200));
	}
	return 0;
}
