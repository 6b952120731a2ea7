/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the initrd scanner (lib/archive/initrd.c): newc cpio
 * archives back to back, compressed segments, modules.builtin. Any input must
 * be scanned or refused with -EBADMSG or -EFBIG.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cvmimg/initrd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvm_initrd_info info;
	const char *missing = NULL;
	cvm_err e = { 0 };
	int r = cvm_initrd_scan(data, size, &info, &e);

	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
	if (r == 0)
		(void)cvm_initrd_can_unlock_luks(&info, &missing);
	return 0;
}
