/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "measure/sev-hashes.h"
#include "util/endian.h"
#include "util/hash.h"

/* 9438d606-4f22-4cc9-b479-a793d411fd21 */
static const uint8_t guid_header[16] = { 0x06, 0xd6, 0x38, 0x94, 0x22, 0x4f, 0xc9, 0x4c,
					 0xb4, 0x79, 0xa7, 0x93, 0xd4, 0x11, 0xfd, 0x21 };
/* 97d02dd8-bd20-4c94-aa78-e7714d36ab2a */
static const uint8_t guid_cmdline[16] = { 0xd8, 0x2d, 0xd0, 0x97, 0x20, 0xbd, 0x94, 0x4c,
					  0xaa, 0x78, 0xe7, 0x71, 0x4d, 0x36, 0xab, 0x2a };
/* 44baf731-3a2f-4bd7-9af1-41e29169781d */
static const uint8_t guid_initrd[16] = { 0x31, 0xf7, 0xba, 0x44, 0x2f, 0x3a, 0xd7, 0x4b,
					 0x9a, 0xf1, 0x41, 0xe2, 0x91, 0x69, 0x78, 0x1d };
/* 4de79437-abd2-427f-b835-d5b172d2045b */
static const uint8_t guid_kernel[16] = { 0x37, 0x94, 0xe7, 0x4d, 0xd2, 0xab, 0x7f, 0x42,
					 0xb8, 0x35, 0xd5, 0xb1, 0x72, 0xd2, 0x04, 0x5b };

#define ENTRY_LEN 50 /* guid + u16 length + sha256 */
#define TABLE_LEN 168

int cvm_sev_hashes_compute(const char *kernel, const char *initrd, const char *cmdline,
			   struct cvm_sev_hashes *ret, cvm_err *reterr)
{
	int r;

	r = cvm_hash_file(CVM_HASH_SHA256, kernel, ret->kernel, reterr);
	if (r < 0)
		return r;
	if (initrd)
		r = cvm_hash_file(CVM_HASH_SHA256, initrd, ret->initrd, reterr);
	else
		r = cvm_sha256("", 0, ret->initrd);
	if (r < 0)
		return r;
	/* QEMU hashes the string it passes to the kernel, NUL terminator included. */
	if (!cmdline)
		cmdline = "";
	if (cvm_sha256(cmdline, strlen(cmdline) + 1, ret->cmdline) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the cmdline");
	return 0;
}

static uint8_t *put_entry(uint8_t *p, const uint8_t guid[16], const uint8_t hash[32])
{
	memcpy(p, guid, 16);
	cvm_put_le16(p + 16, ENTRY_LEN);
	memcpy(p + 18, hash, 32);
	return p + ENTRY_LEN;
}

void cvm_sev_hashes_table(const struct cvm_sev_hashes *h, uint8_t out[CVM_SEV_HASHES_TABLE_SIZE])
{
	uint8_t *p = out;

	memset(out, 0, CVM_SEV_HASHES_TABLE_SIZE);
	memcpy(p, guid_header, 16);
	cvm_put_le16(p + 16, TABLE_LEN);
	p += 18;
	p = put_entry(p, guid_cmdline, h->cmdline);
	p = put_entry(p, guid_initrd, h->initrd);
	put_entry(p, guid_kernel, h->kernel);
}
