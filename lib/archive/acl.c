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

/* The kernel's posix_acl_valid(): one of each object entry, no repeated id. */
static bool valid(const struct ace *a, size_t n)
{
	unsigned have = 0;

	for (size_t i = 0; i < n; i++) {
		bool named = a[i].tag == USER || a[i].tag == GROUP;

		if (!named && (have & a[i].tag))
			return false;
		if (named && i && a[i - 1].tag == a[i].tag && a[i - 1].id == a[i].id)
			return false;
		have |= a[i].tag;
	}
	return (have & (USER_OBJ | GROUP_OBJ | OTHER)) == (USER_OBJ | GROUP_OBJ | OTHER);
}

/* Read @type's entries into @a (room for CVM_ACL_MAX_ENTRIES); the count or -errno. */
static int collect(struct archive_entry *entry, int type, struct ace *a, unsigned *ret_have,
		   unsigned *ret_group_class)
{
	int n = 0, kind, permset, tag, id;
	const char *name;

	while (archive_entry_acl_next(entry, type, &kind, &permset, &tag, &id, &name) ==
	       ARCHIVE_OK) {
		int t = tag_of(tag);

		if (!t || kind != type)
			continue;
		if (n == CVM_ACL_MAX_ENTRIES)
			return -E2BIG;
		/* a name only: resolving it needs the image's user database, not ours */
		if ((t == USER || t == GROUP) && id < 0)
			return -ENOENT;
		a[n] = (struct ace){(uint16_t)t, (uint16_t)(permset & 7),
				    (t == USER || t == GROUP) ? (uint32_t)id : UNDEFINED_ID};
		if (t == USER || t == GROUP || t == GROUP_OBJ)
			*ret_group_class |= a[n].perm;
		*ret_have |= (unsigned)t;
		n++;
	}
	return n;
}

int cvm_tar_acl_encode(struct archive_entry *entry, int type, uint32_t *mode, uint8_t *buf,
		       size_t cap)
{
	struct ace *a;
	unsigned have = 0, group_class = 0;
	int n;

	if (archive_entry_acl_reset(entry, type) <= 0)
		return 0;
	if (cap < CVM_ACL_BUF_SIZE)
		return -EINVAL;
	a = calloc(CVM_ACL_MAX_ENTRIES, sizeof(*a));
	if (!a)
		return -ENOMEM;
	n = collect(entry, type, a, &have, &group_class);
	/* only the mode's three entries: not an ACL worth storing */
	if (n >= 0 && !(have & (USER | GROUP | MASK)) && type == ARCHIVE_ENTRY_ACL_TYPE_ACCESS)
		n = 0;
	/* the kernel requires a mask with named entries: it counts against the limit too */
	if (n > 0 && (have & (USER | GROUP)) && !(have & MASK)) {
		if (n == CVM_ACL_MAX_ENTRIES)
			n = -E2BIG;
		else
			a[n++] = (struct ace){MASK, (uint16_t)group_class, UNDEFINED_ID};
	}
	if (n > 0) {
		qsort(a, (size_t)n, sizeof(*a), cmp_ace);
		if (!valid(a, (size_t)n))
			n = -EINVAL;
	}
	if (n <= 0) {
		free(a);
		return n;
	}
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
