/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/rootconf.h"
#include "util/template.h"

int cvm_rootconf_make(const char *templates, const char *luks_uuid, bool verity,
		      struct cvm_rootconf *ret, cvm_err *reterr)
{
	const struct cvm_template_var vars[] = {
		{ "MAPPING", CVM_ROOT_MAPPING },
		{ "LUKS_UUID", luks_uuid },
	};
	const struct cvm_template_var luks_vars[] = {
		{ "MAPPING", verity ? CVM_ROOT_LUKS_MAPPING_VERITY : CVM_ROOT_MAPPING },
		{ "LUKS_UUID", luks_uuid },
	};
	struct cvm_rootconf rc = { 0 };
	int r;

	if ((r = cvm_template_read(templates, "crypttab", luks_vars, 2, &rc.crypttab, reterr)) < 0)
		return r;
	if ((r = cvm_template_read(templates, verity ? "fstab-verity" : "fstab", vars, 2, &rc.fstab,
				   reterr)) < 0) {
		free(rc.crypttab);
		return r;
	}
	*ret = rc;
	return 0;
}

int cvm_rootconf_cmdline(const char *templates, const char *luks_uuid, char **ret, cvm_err *reterr)
{
	const struct cvm_template_var vars[] = {
		{ "MAPPING", CVM_ROOT_MAPPING },
		{ "LUKS_UUID", luks_uuid },
	};

	return cvm_template_read_line(templates, "cmdline", vars, 2, ret, reterr);
}

void cvm_rootconf_done(struct cvm_rootconf *rc)
{
	free(rc->crypttab);
	free(rc->fstab);
	rc->crypttab = rc->fstab = NULL;
}
