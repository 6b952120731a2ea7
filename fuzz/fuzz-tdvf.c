/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the TDVF metadata parser and the TD HOB built from
 * it: the input is the end of a firmware image (where the footer table and
 * the descriptor live). Any input must be parsed or refused with -EBADMSG;
 * every parsed section must lie inside the image.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/tdx/tdx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hob[CVM_TDX_HOB_MAX];
	struct cvm_tdvf t;
	cvm_err e = { 0 };
	int r;

	if (size > (1u << 20))
		return 0;
	r = cvm_tdvf_parse(data, size, "fuzz", &t, &e);
	if (r < 0 && r != -EBADMSG)
		abort();
	for (size_t i = 0; r == 0 && i < t.n; i++)
		if ((uint64_t)t.s[i].data_offset + t.s[i].raw_size > size || t.s[i].gpa % 4096)
			abort();
	if (r == 0) {
		r = cvm_tdx_td_hob(&t, 2ull << 30, hob, sizeof(hob), &e);
		if (r < 0 && r != -EBADMSG && r != -E2BIG)
			abort();
	}
	return 0;
}
