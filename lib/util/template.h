/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files in templates/ that the build puts into images: read from a
 * directory (the installed copy, or the source tree's), with every @NAME@
 * replaced by its value. A name without a value is an error, so that a typo in
 * a template fails the build instead of reaching an image.
 */
#ifndef CVM_UTIL_TEMPLATE_H
#define CVM_UTIL_TEMPLATE_H

#include <stddef.h>

#include <cvmimg/err.h>

#define CVM_TEMPLATE_MAX (64u << 10) /* bytes of a template file */

struct cvm_template_var {
	const char *name; /* "LUKS_UUID" for @LUKS_UUID@ */
	const char *value;
};

/*
 * @dir/@name with the variables replaced, NUL-terminated (caller frees).
 * @dir NULL: CVMIMG_TEMPLATES_DIR, where cvmimg installs them. Returns 0;
 * -ENOENT/-EACCES if unreadable; -EFBIG over CVM_TEMPLATE_MAX; -EBADMSG for an
 * unknown or unterminated @NAME@.
 */
int cvm_template_read(const char *dir, const char *name, const struct cvm_template_var *vars,
		      size_t n_vars, char **ret, cvm_err *reterr);

/* The same, as one line: '#' lines dropped, the others trimmed and joined by one space. */
int cvm_template_read_line(const char *dir, const char *name, const struct cvm_template_var *vars,
			   size_t n_vars, char **ret, cvm_err *reterr);

#endif
