/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/endian.h"
#include "archive/acl.h"

/* Linux's tags, in the order the kernel requires */
enum { USER_OBJ = 0x01, USER = 0x02, GROUP_OBJ = 0x04, GROUP = 0x08, MASK = 0x10, OTHER = 0x20 };
#define UNDEFINED_ID 0xffffffffu

struct ace {
	uint16_t tag, perm;
	uint32_t id;
};

static int tag_of(int t)
{
	switch (t) {
	case ARCHIVE_ENTRY_ACL_USER_OBJ:
		return USER_OBJ;
	case ARCHIVE_ENTRY_ACL_USER:
		return USER;
	case ARCHIVE_ENTRY_ACL_GROUP_OBJ:
		return GROUP_OBJ;
	case ARCHIVE_ENTRY_ACL_GROUP:
		return GROUP;
	case ARCHIVE_ENTRY_ACL_MASK:
		return MASK;
	case ARCHIVE_ENTRY_ACL_OTHER:
		return OTHER;
	default:
		return 0;
	}
}

static int cmp_ace(const void *a, const void *b)
{
	const struct ace *x = a, *y = b;

	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int cvm_tar_acl_encode(struct archive_entry *entry, int type, uint32_t *mode, uint8_t *buf)
{
	struct ace *a;
	int n = 0, kind, permset, tag, id;
	unsigned have = 0, group_class = 0;
	const char *name;

	if (archive_entry_acl_reset(entry, type) <= 0)
		return 0;
	a = calloc(CVM_ACL_MAX_ENTRIES + 1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	while (archive_entry_acl_next(entry, type, &kind, &permset, &tag, &id, &name) ==
	       ARCHIVE_OK) {
		int t = tag_of(tag);

		if (!t || kind != type)
			continue;
		if (n == CVM_ACL_MAX_ENTRIES) {
			free(a);
			return -E2BIG;
		}
		a[n].tag = (uint16_t)t;
		a[n].perm = (uint16_t)(permset & 7);
		if ((t == USER || t == GROUP) && id < 0) {
			/* a name only: resolving it needs the image's user database, not ours */
			free(a);
			return -ENOENT;
		}
		a[n].id = (t == USER || t == GROUP) ? (uint32_t)id : UNDEFINED_ID;
		if (t == USER || t == GROUP || t == GROUP_OBJ)
			group_class |= a[n].perm;
		have |= (unsigned)t;
		n++;
	}
	/* only the mode's three entries: not an ACL worth storing */
	if (!(have & (USER | GROUP | MASK)) && type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS) {
		free(a);
		return 0;
	}
	if ((have & (USER | GROUP)) && !(have & MASK)) /* the kernel requires a mask then */
		a[n++] = (struct ace){MASK, (uint16_t)group_class, UNDEFINED_ID};
	qsort(a, (size_t)n, sizeof(*a), cmp_ace);
	cvm_put_le32(buf, 2);
	for (int i = 0; i < n; i++) {
		cvm_put_le16(buf + 4 + 8 * i, a[i].tag);
		cvm_put_le16(buf + 6 + 8 * i, a[i].perm);
		cvm_put_le32(buf + 8 + 8 * i, a[i].id);
		if (a[i].tag == MASK && type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS)
			*mode = (*mode & ~070u) | (uint32_t)a[i].perm << 3;
	}
	free(a);
	return 4 + 8 * n;
}
