/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_BOOT_SBAT_H
#define CVM_BOOT_SBAT_H

#include <stddef.h>

#include <cvmimg/uki.h>

/* cvmimg's own entry, used when the caller gives no SBAT data. */
extern const char uki_sbat_default[];

/*
 * The .sbat text: the SBAT header line, then the entries of the stub, of the
 * kernel and of @user (or cvmimg's default entry when @user is empty), each
 * line once. @user_name names @user in messages. Returns 0 with a new buffer
 * (freed with free()); -EBADMSG for a line with fewer than six fields or a
 * control character; -ENOMEM.
 */
int uki_sbat_build(const struct cvm_uki_blob *stub_sbat, const struct cvm_uki_blob *kernel_sbat,
		   const struct cvm_uki_blob *user, const char *user_name, char **ret,
		   size_t *ret_len, cvm_err *reterr);

#endif
