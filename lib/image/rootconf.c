/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image/rootconf.h"

/*
 * crypttab: only options both initramfs-tools' cryptroot and
 * systemd-cryptsetup understand, so neither warns; the keyslot layout goes in
 * a comment for the person reading it.
 */
static const char crypttab_fmt[] =
	"# <target name> <source device> <key file> <options>\n"
	"# Written by cvmimg build: keyslot 0 holds the recovery passphrase, keyslot 1\n"
	"# the key broker's key (LUKS2 token \"cvmimg-kbs\" has the broker hints).\n"
	"%s UUID=%s none luks\n";

static const char fstab_fmt[] =
	"# <file system> <mount point> <type> <options> <dump> <pass>\n"
	"# Written by cvmimg build: the root is the LUKS2 mapping opened by the initrd.\n"
	"/dev/mapper/%s / ext4 defaults,errors=remount-ro 0 1\n";

int cvm_rootconf_make(const char *luks_uuid, struct cvm_rootconf *ret, cvm_err *reterr)
{
	struct cvm_rootconf rc = {0};

	if (asprintf(&rc.crypttab, crypttab_fmt, CVM_ROOT_MAPPING, luks_uuid) < 0) {
		rc.crypttab = NULL;
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	if (asprintf(&rc.fstab, fstab_fmt, CVM_ROOT_MAPPING) < 0) {
		free(rc.crypttab);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	*ret = rc;
	return 0;
}

void cvm_rootconf_done(struct cvm_rootconf *rc)
{
	free(rc->crypttab);
	free(rc->fstab);
	rc->crypttab = rc->fstab = NULL;
}
