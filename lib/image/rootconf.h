/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the build writes so that the image boots from the encrypted root on
 * any distribution: /etc/crypttab names the LUKS2 device and /etc/fstab
 * mounts its mapping as / (they replace the archive's own), and the start of
 * the kernel command line. All three come from templates/ (util/template.h);
 * @templates is their directory, NULL for the installed one.
 */
#ifndef CVM_IMAGE_ROOTCONF_H
#define CVM_IMAGE_ROOTCONF_H

#include <stdbool.h>

#include <cvmimg/err.h>

#define CVM_ROOT_MAPPING "root" /* /dev/mapper/root, as in the cmdline */
/* With verity, /dev/mapper/root is the verity device over this LUKS2 mapping. */
#define CVM_ROOT_LUKS_MAPPING_VERITY "root_crypt"

struct cvm_rootconf {
	char *crypttab;
	char *fstab;
};

/* @verity: crypttab names CVM_ROOT_LUKS_MAPPING_VERITY, fstab is "fstab-verity" (read-only). */
int cvm_rootconf_make(const char *templates, const char *luks_uuid, bool verity,
		      struct cvm_rootconf *ret, cvm_err *reterr);
void cvm_rootconf_done(struct cvm_rootconf *rc);

/* The command line the encrypted root needs (caller frees). */
int cvm_rootconf_cmdline(const char *templates, const char *luks_uuid, char **ret, cvm_err *reterr);

#endif
