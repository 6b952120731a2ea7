/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <cvmimg/image.h>

#include "macro.h"

CVM_PUBLIC int cvm_image_inspect(const struct cvm_inspect_options *o, char **ret_json,
				 cvm_err *reterr)
{
	(void)o;
	(void)ret_json;
	return cvm_err_set(reterr, -EOPNOTSUPP, "not implemented yet");
}
