/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The subprocesses the build needs where no library exists (mkfs.fat,
 * mcopy, mmd, qemu-img). They are found in the usual system directories, not
 * through PATH, and run with a fixed environment (C locale, UTC, no mtools
 * configuration) so that their output does not depend on the caller's.
 */
#ifndef CVM_UTIL_SPAWN_H
#define CVM_UTIL_SPAWN_H

#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

/* Absolute path of @tool in /usr/sbin, /usr/bin, /sbin or /bin, or NULL. */
const char *cvm_find_tool(const char *tool, char *buf, size_t size);

/*
 * Run argv[0] (a tool name) with argv, stdin from /dev/null, stdout discarded.
 * Returns 0 if it exits 0; -ENOENT (naming @package) if it is missing; -EIO
 * with the first line of its standard error otherwise.
 */
int cvm_spawn(const char *const *argv, const char *package, cvm_err *reterr);

/*
 * The same, keeping at most @max bytes of its standard output in *@ret (freed
 * by the caller, NUL-terminated). -EFBIG if it writes more.
 */
int cvm_spawn_capture(const char *const *argv, const char *package, size_t max, uint8_t **ret,
		      size_t *ret_len, cvm_err *reterr);

#endif
