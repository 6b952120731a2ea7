/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One filesystem entry, as the archive reader produces it and the ext4 writer
 * consumes it. It lives here so that neither of the two depends on the other:
 * the archive layer knows nothing of libext2fs, the writer nothing of
 * libarchive; image/populate.c joins them.
 */
#ifndef CVM_UTIL_FS_ENTRY_H
#define CVM_UTIL_FS_ENTRY_H

#include <stddef.h>
#include <stdint.h>

enum cvm_fs_type {
	CVM_FS_REG,
	CVM_FS_DIR,
	CVM_FS_SYMLINK,
	CVM_FS_CHR,
	CVM_FS_BLK,
	CVM_FS_FIFO,
	CVM_FS_SOCK,
	CVM_FS_HARDLINK,
};

struct cvm_fs_xattr {
	const char *name;  /* "user.x", "security.capability", "system.posix_acl_access" */
	const void *value; /* system.posix_acl_*: the Linux xattr form (version 2) */
	size_t len;
};

/*
 * One archive entry. Paths are relative to the root, with no empty, "." or
 * ".." components ("" is the root itself); each component is at most 255
 * bytes, any bytes but '/' and NUL.
 */
struct cvm_fs_entry {
	const char *path;
	enum cvm_fs_type type;
	uint32_t mode; /* permission bits, 07777 */
	uint32_t uid, gid;
	int64_t mtime; /* also atime, ctime and crtime */
	uint32_t mtime_nsec;
	uint64_t size;	    /* regular files: the (logical) size */
	const char *target; /* symlink target, or the hard link's existing path */
	uint32_t rdev_major, rdev_minor;
	const struct cvm_fs_xattr *xattrs;
	size_t n_xattrs;
};

#endif
