/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The table of kernel, initrd and cmdline SHA-256 hashes that QEMU places in
 * guest memory with kernel-hashes=on, and that OVMF checks before booting.
 */
#ifndef CVM_MEASURE_SEV_HASHES_H
#define CVM_MEASURE_SEV_HASHES_H

#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_SEV_HASHES_TABLE_SIZE 176 /* 168 bytes, padded to 16 */

struct cvm_sev_hashes {
	uint8_t kernel[32];
	uint8_t initrd[32];
	uint8_t cmdline[32];
};

/*
 * Hash the inputs as QEMU does: the kernel and initrd files (no initrd: the
 * empty string) and the cmdline with its NUL terminator (none: "").
 */
int cvm_sev_hashes_compute(const char *kernel, const char *initrd, const char *cmdline,
			   struct cvm_sev_hashes *ret, cvm_err *reterr);

/* Lay out the padded table: header, then cmdline, initrd and kernel entries. */
void cvm_sev_hashes_table(const struct cvm_sev_hashes *h,
			  uint8_t out[CVM_SEV_HASHES_TABLE_SIZE]);

#endif
