/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The files the build writes into the image's root so that it boots from the
 * encrypted root on any distribution: /etc/crypttab names the LUKS2 device
 * and /etc/fstab mounts its mapping as /. They replace the archive's own.
 */
#ifndef CVM_IMAGE_ROOTCONF_H
#define CVM_IMAGE_ROOTCONF_H

#include <cvmimg/err.h>

#define CVM_ROOT_MAPPING "root" /* /dev/mapper/root, as in the cmdline */

struct cvm_rootconf {
	char *crypttab;
	char *fstab;
};

int cvm_rootconf_make(const char *luks_uuid, struct cvm_rootconf *ret, cvm_err *reterr);
void cvm_rootconf_done(struct cvm_rootconf *rc);

#endif
