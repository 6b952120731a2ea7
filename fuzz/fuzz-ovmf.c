/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the firmware parsers: the footer GUID table and the
 * SEV metadata of an OVMF or SVSM image. Any input must be parsed or refused
 * with -EBADMSG; ASan and UBSan catch the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "measure/ovmf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvm_fw fw;
	cvm_err e = { 0 };
	int r;

	/* the parser wants whole pages: pad the input up to one */
	size_t padded = (size + 4095) / 4096 * 4096;
	uint8_t *buf;

	if (size == 0 || size > (1u << 20))
		return 0;
	buf = calloc(1, padded);
	if (!buf)
		return 0;
	/* keep the input at the end of the image, where the table lives */
	memcpy(buf + padded - size, data, size);
	memset(&fw, 0, sizeof(fw));
	r = cvm_fw_parse(buf, padded, "fuzz", &fw, &e);
	if (r < 0 && r != -EBADMSG)
		abort();
	for (size_t i = 0; r == 0 && i < fw.nsections; i++)
		if (fw.sections[i].size % 4096 || fw.sections[i].gpa % 4096)
			abort();
	free(buf);
	return 0;
}
