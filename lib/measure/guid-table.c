/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "measure/guid-table.h"
#include "util/endian.h"

/* 96b582de-1fb2-45f7-baea-a366c55a082d */
const uint8_t cvm_guid_table_footer[16] = { 0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
					    0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d };
/* 00f771de-1a7e-4fcb-890e-68c77e2fb44e */
const uint8_t cvm_guid_sev_es_reset_block[16] = { 0xde, 0x71, 0xf7, 0x00, 0x7e, 0x1a, 0xcb, 0x4f,
						  0x89, 0x0e, 0x68, 0xc7, 0x7e, 0x2f, 0xb4, 0x4e };
/* 7255371f-3a3b-4b04-927b-1da6efa8d454 */
const uint8_t cvm_guid_sev_hash_table[16] = { 0x1f, 0x37, 0x55, 0x72, 0x3b, 0x3a, 0x04, 0x4b,
					      0x92, 0x7b, 0x1d, 0xa6, 0xef, 0xa8, 0xd4, 0x54 };
/* dc886566-984a-4798-a75e-5585a7bf67cc */
const uint8_t cvm_guid_sev_metadata[16] = { 0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
					    0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc };
/* 4c2eb361-7d9b-4cc3-8081-127c90d3d294 */
const uint8_t cvm_guid_sev_secret[16] = { 0x61, 0xb3, 0x2e, 0x4c, 0x9b, 0x7d, 0xc3, 0x4c,
					  0x80, 0x81, 0x12, 0x7c, 0x90, 0xd3, 0xd2, 0x94 };
/* a789a612-0597-4c4b-a49f-cbb1fe9d1ddd */
const uint8_t cvm_guid_svsm_info[16] = { 0x12, 0xa6, 0x89, 0xa7, 0x97, 0x05, 0x4b, 0x4c,
					 0xa4, 0x9f, 0xcb, 0xb1, 0xfe, 0x9d, 0x1d, 0xdd };
/* e47a6535-984a-4798-865e-4685a7bf8ec2 */
const uint8_t cvm_guid_tdx_metadata[16] = { 0x35, 0x65, 0x7a, 0xe4, 0x4a, 0x98, 0x98, 0x47,
					    0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2 };

#define ENTRY_HDR 18 /* u16 size + guid */
#define FOOTER_END 32 /* the reset vector and padding follow the footer */

int cvm_guid_table_parse(const uint8_t *img, size_t len, const char *name,
			 struct cvm_guid_table *ret, cvm_err *reterr)
{
	size_t footer, body_start, end;
	uint16_t size;

	memset(ret, 0, sizeof(*ret));
	if (len < FOOTER_END + ENTRY_HDR)
		return 0;
	footer = len - FOOTER_END - ENTRY_HDR;
	if (memcmp(img + footer + 2, cvm_guid_table_footer, 16))
		return 0;
	size = cvm_le16(img + footer);
	if (size < ENTRY_HDR)
		return 0;
	if ((size_t)size - ENTRY_HDR > footer)
		return cvm_err_set(reterr, -EBADMSG,
				   "footer table of '%s' claims %u bytes, more than the %zu "
				   "bytes before it",
				   name, size, footer);
	body_start = footer - (size - ENTRY_HDR);
	end = footer;
	while (end - body_start >= ENTRY_HDR) {
		struct cvm_guid_entry *e;
		size_t hdr = end - ENTRY_HDR;
		uint16_t esize = cvm_le16(img + hdr);

		if (esize < ENTRY_HDR)
			return cvm_err_set(reterr, -EBADMSG,
					   "footer table of '%s': entry at offset 0x%zx has "
					   "invalid size %u",
					   name, hdr, esize);
		if (esize > end - body_start)
			return cvm_err_set(reterr, -EBADMSG,
					   "footer table of '%s': entry at offset 0x%zx (size %u) "
					   "runs past the start of the table",
					   name, hdr, esize);
		if (ret->count == CVM_GUID_TABLE_MAX)
			return cvm_err_set(reterr, -EBADMSG,
					   "footer table of '%s' has more than %d entries", name,
					   CVM_GUID_TABLE_MAX);
		e = &ret->e[ret->count++];
		memcpy(e->guid, img + hdr + 2, 16);
		e->len = esize - ENTRY_HDR;
		e->data = img + hdr - e->len;
		end -= esize;
	}
	return 0;
}

const struct cvm_guid_entry *cvm_guid_table_find(const struct cvm_guid_table *t,
						 const uint8_t guid[16])
{
	/* Walking backwards from the footer, a later duplicate is one found earlier in the
	 * file, which the reference overwrites with: keep the last one parsed. */
	const struct cvm_guid_entry *found = NULL;

	for (size_t i = 0; i < t->count; i++)
		if (!memcmp(t->e[i].guid, guid, 16))
			found = &t->e[i];
	return found;
}

int cvm_guid_entry_u32(const struct cvm_guid_entry *e, size_t index, uint32_t *ret)
{
	if (e->len < 4 * (index + 1))
		return -EBADMSG;
	*ret = cvm_le32(e->data + 4 * index);
	return 0;
}
