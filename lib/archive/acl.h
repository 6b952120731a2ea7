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

#define CVM_ACL_MAX_ENTRIES 1024

/*
 * Encode the access (@type ARCHIVE_ENTRY_ACL_TYPE_ACCESS) or default ACL of
 * @entry into @buf (at least 4 + 8 * CVM_ACL_MAX_ENTRIES bytes). Returns the
 * length, 0 if the entry has no such ACL (or only the mode's three entries),
 * -E2BIG past CVM_ACL_MAX_ENTRIES, -ENOENT for an entry naming a user or
 * group without a numeric id. For an access ACL with a mask, *@mode's
 * group bits become the mask, as in stat(2).
 */
int cvm_tar_acl_encode(struct archive_entry *entry, int type, uint32_t *mode, uint8_t *buf);

#endif
