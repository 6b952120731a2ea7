/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The EFI secret table a SEV or SEV-ES guest owner injects at launch
 * (LAUNCH_SECRET into OVMF's secret area), as Linux's efi_secret driver
 * reads it (drivers/virt/coco/efi_secret): a header {GUID
 * 1e74f542-71dd-4d66-963e-ef4287ff173b, u32 length of the table}, then
 * entries {GUID, u32 length including this 20-byte header, data}; GUIDs in
 * EFI byte order (the first three fields little-endian). Each entry becomes
 * /sys/kernel/security/secrets/coco/<GUID>. The blob is padded with zeros to
 * a multiple of 16 bytes, as LAUNCH_SECRET's packets are.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/broker.h>
#include <cvmimg/util.h>

#include "util/endian.h"
#include "util/macro.h"

#define TABLE_GUID "1e74f542-71dd-4d66-963e-ef4287ff173b"
#define HDR	   20

/* "aabbccdd-eeff-gghh-iijj-kkllmmnnoopp" in EFI byte order. */
static int efi_guid(const char *s, uint8_t out[16])
{
	uint8_t b[16];
	size_t k = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (size_t i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		if (!isxdigit((unsigned char)s[i]) || !isxdigit((unsigned char)s[i + 1]))
			return -EINVAL;
		b[k++] = (uint8_t)strtoul((char[3]){s[i], s[i + 1], 0}, NULL, 16);
		i++;
	}
	/* data1 (4 bytes), data2, data3 (2 each) little-endian; data4 as is */
	const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
	for (size_t i = 0; i < 16; i++)
		out[i] = b[order[i]];
	return 0;
}

CVM_PUBLIC int cvm_sev_secret_table(const struct cvm_sev_secret *entries, size_t n,
				    uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr)
{
	size_t len = HDR, padded, off;
	uint8_t *buf;

	CVM_CHECK_ARG(entries && n && ret_buf && ret_len, reterr);
	for (size_t i = 0; i < n; i++) {
		uint8_t g[16];

		if (!entries[i].guid || efi_guid(entries[i].guid, g) < 0)
			return cvm_err_set(reterr, -EINVAL, "'%s' is not a GUID",
					   entries[i].guid ? entries[i].guid : "(null)");
		if (!entries[i].data || !entries[i].len || entries[i].len > CVM_SEV_SECRET_MAX)
			return cvm_err_set(reterr, -EINVAL, "the secret for %s must have 1 to %u "
					   "bytes", entries[i].guid, CVM_SEV_SECRET_MAX);
		len += HDR + entries[i].len;
	}
	if (len > CVM_SEV_SECRET_MAX)
		return cvm_err_set(reterr, -EFBIG, "the secret table has %zu bytes, more than %u",
				   len, CVM_SEV_SECRET_MAX);
	padded = (len + 15) & ~(size_t)15;
	if (!(buf = cvm_secret_alloc(padded)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	efi_guid(TABLE_GUID, buf);
	cvm_put_le32(buf + 16, (uint32_t)len);
	off = HDR;
	for (size_t i = 0; i < n; i++) {
		efi_guid(entries[i].guid, buf + off);
		cvm_put_le32(buf + off + 16, (uint32_t)(HDR + entries[i].len));
		memcpy(buf + off + HDR, entries[i].data, entries[i].len);
		off += HDR + entries[i].len;
	}
	*ret_buf = buf;
	*ret_len = padded;
	return 0;
}
