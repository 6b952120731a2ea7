/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TD HOB list QEMU writes for the firmware (hw/i386/tdvf-hob.c), whose
 * bytes OVMF measures into RTMR0 as its first event
 * (reference/tdx-measurement.md §3.1): a PHIT HOB, then one resource HOB per
 * RAM range in address order. RAM starts as one unaccepted range (two on q35
 * from 0xB0000000 bytes on: 2 GiB below 4 GiB, the rest above), and the
 * TD_HOB and TEMP_MEM sections of the firmware are carved out of it as
 * accepted memory. The end-of-list HOB is written but not measured.
 */
#include <errno.h>
#include <string.h>

#include "measure/tdx/tdx.h"
#include "util/endian.h"

#define PHIT_LEN 56u
#define RESOURCE_LEN 48u
#define END_HOB_LEN 8u
#define HOB_TYPE_PHIT 0x0001u
#define HOB_TYPE_RESOURCE 0x0003u
#define RES_SYSTEM_MEMORY 0x00u
#define RES_UNACCEPTED 0x07u
#define RES_ATTRS 0x7u	      /* PRESENT | INITIALIZED | TESTED */
#define PHIT_VERSION 9u
#define Q35_LOWMEM_SPLIT 0xb0000000ull
#define Q35_LOWMEM 0x80000000ull
#define FOUR_GIB 0x100000000ull
#define RANGES_MAX (2 * CVM_TDVF_SECTIONS_MAX + 2)

struct range {
	uint64_t start, end;
	bool accepted;
};

struct ranges {
	size_t n;
	struct range r[RANGES_MAX];
};

static int insert(struct ranges *rs, size_t at, struct range r)
{
	if (rs->n == RANGES_MAX)
		return -E2BIG;
	memmove(&rs->r[at + 1], &rs->r[at], (rs->n - at) * sizeof(r));
	rs->r[at] = r;
	rs->n++;
	return 0;
}

/* Mark [start, end) accepted, splitting the unaccepted range that holds it. */
static int accept(struct ranges *rs, uint64_t start, uint64_t end)
{
	for (size_t i = 0; i < rs->n; i++) {
		struct range *r = &rs->r[i], head = *r, tail = *r;

		if (r->accepted || start < r->start || end > r->end)
			continue;
		head.end = start;
		tail.start = end;
		r->start = start;
		r->end = end;
		r->accepted = true;
		if (tail.start < tail.end && insert(rs, i + 1, tail) < 0)
			return -E2BIG;
		if (head.start < head.end && insert(rs, i, head) < 0)
			return -E2BIG;
		return 0;
	}
	return -ERANGE;
}

static void put_resource(uint8_t *p, const struct range *r)
{
	memset(p, 0, RESOURCE_LEN);
	cvm_put_le16(p, HOB_TYPE_RESOURCE);
	cvm_put_le16(p + 2, RESOURCE_LEN);
	/* owner GUID (16 bytes at 8) stays zero */
	cvm_put_le32(p + 24, r->accepted ? RES_SYSTEM_MEMORY : RES_UNACCEPTED);
	cvm_put_le32(p + 28, RES_ATTRS);
	cvm_put_le64(p + 32, r->start);
	cvm_put_le64(p + 40, r->end - r->start);
}

static int build_ranges(const struct cvm_tdvf *t, uint64_t memory, struct ranges *rs,
			cvm_err *reterr)
{
	rs->n = 0;
	if (memory >= Q35_LOWMEM_SPLIT) {
		rs->r[rs->n++] = (struct range){ 0, Q35_LOWMEM, false };
		rs->r[rs->n++] = (struct range){ FOUR_GIB, FOUR_GIB + memory - Q35_LOWMEM, false };
	} else {
		rs->r[rs->n++] = (struct range){ 0, memory, false };
	}
	for (size_t i = 0; i < t->n; i++) {
		const struct cvm_tdvf_section *s = &t->s[i];

		if (s->type != CVM_TDVF_TD_HOB && s->type != CVM_TDVF_TEMP_MEM)
			continue;
		if (accept(rs, s->gpa, s->gpa + s->mem_size) < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "TDX metadata of '%s': %s section at 0x%llx+0x%llx is "
					   "not inside %llu bytes of RAM or overlaps another",
					   t->name, cvm_tdvf_type_to_string(s->type),
					   (unsigned long long)s->gpa,
					   (unsigned long long)s->mem_size,
					   (unsigned long long)memory);
	}
	return 0;
}

int cvm_tdx_td_hob(const struct cvm_tdvf *t, uint64_t memory, uint8_t *buf, size_t cap,
		   cvm_err *reterr)
{
	const struct cvm_tdvf_section *hob = cvm_tdvf_find(t, CVM_TDVF_TD_HOB);
	struct ranges rs;
	size_t len;
	int r;

	if (!hob)
		return cvm_err_set(reterr, -EBADMSG, "TDX metadata of '%s' has no TD_HOB section",
				   t->name);
	if ((r = build_ranges(t, memory, &rs, reterr)) < 0)
		return r;
	len = PHIT_LEN + rs.n * RESOURCE_LEN;
	if (len > cap || len + END_HOB_LEN > hob->mem_size)
		return cvm_err_set(reterr, -E2BIG, "the TD HOB (%zu bytes) does not fit", len);
	memset(buf, 0, PHIT_LEN);
	cvm_put_le16(buf, HOB_TYPE_PHIT);
	cvm_put_le16(buf + 2, PHIT_LEN);
	cvm_put_le32(buf + 8, PHIT_VERSION);
	cvm_put_le64(buf + 48, hob->gpa + len + END_HOB_LEN);
	for (size_t i = 0; i < rs.n; i++)
		put_resource(buf + PHIT_LEN + i * RESOURCE_LEN, &rs.r[i]);
	return (int)len;
}
