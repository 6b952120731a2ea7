/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the PE reader behind cvm_uki_inspect(): headers,
 * section table, section hashing, PCR 11, Authenticode and the embedded
 * PKCS#7 signature. Any input must be described or refused with -EBADMSG
 * (or -EFBIG: more zero fill than PE_MAX_ZERO_FILL); ASan and UBSan catch
 * the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cvmimg/uki.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvm_uki_info *info = NULL;
	cvm_err e = { 0 };
	int r;

	if (size > (4u << 20))
		return 0;
	r = cvm_uki_inspect(data, size, "fuzz", &info, &e);
	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
	if (r == 0 && info->n_sections > 96)
		abort();
	cvm_uki_info_free(info);
	return 0;
}
