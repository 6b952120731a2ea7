/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * POSIX ACLs of an archive entry (from pax SCHILY.acl.* or libarchive's own
 * records) in the form Linux passes through the system.posix_acl_access and
 * system.posix_acl_default xattrs: le32 version 2, then sorted entries of
 * le16 tag, le16 permissions, le32 id.
 */
#ifndef CVM_ARCHIVE_ACL_H
#define CVM_ARCHIVE_ACL_H

#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <archive_entry.h>

#include <stdbool.h>

/* entries of one ACL, counting the mask the encoder adds when named entries lack one */
#define CVM_ACL_MAX_ENTRIES 1024
#define CVM_ACL_BUF_SIZE    (4 + 8 * CVM_ACL_MAX_ENTRIES)

/*
 * Encode the access (@type ARCHIVE_ENTRY_ACL_TYPE_ACCESS) or default ACL of
 * @entry into @buf of @cap bytes (-EINVAL below CVM_ACL_BUF_SIZE; nothing is
 * written past 4 + 8 * CVM_ACL_MAX_ENTRIES). Returns the length, 0 if the
 * entry has no such ACL (or only the mode's three entries), -E2BIG past
 * CVM_ACL_MAX_ENTRIES (the mask added for named entries included), -ENOENT
 * for an entry naming a user or group without a numeric id, -EINVAL for an
 * ACL the kernel would refuse (a repeated or missing owner, group or other
 * entry, a repeated id). For an access ACL with a mask, *@mode's group bits
 * become the mask, as in stat(2).
 */
int cvm_tar_acl_encode(struct archive_entry *entry, int type, uint32_t *mode, uint8_t *buf,
		       size_t cap);

#endif
