/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The three fw_cfg files OVMF measures into RTMR0 as "ACPI DATA"
 * (reference/tdx-measurement.md §3.3): etc/table-loader, etc/acpi/rsdp and
 * etc/acpi/tables, each hashed as QEMU serves it (before the firmware patches
 * pointers and checksums). They come from a dump of the same QEMU with the
 * same machine options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>

#include "measure/tdx.h"
#include "util/hash.h"


/* The first of the names a dump may use for fw_cfg file @name that exists. */
static int find_blob(const char *dir, const char *name, char *path, size_t cap,
		     cvm_err *reterr)
{
	char flat[64];
	const char *forms[3];
	struct stat st;

	snprintf(flat, sizeof(flat), "%s", name);
	for (char *p = flat; *p; p++)
		if (*p == '/')
			*p = '_';
	forms[0] = flat;
	forms[1] = name;
	forms[2] = NULL;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, cap, "%s/%s", dir, forms[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		snprintf(path, cap, "%s/%s/raw", dir, forms[i]);
		if (i == 1 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return cvm_err_set(reterr, -ENOENT,
			   "no '%s' in the ACPI dump '%s' (looked for %s, %s and %s/raw)", name,
			   dir, flat, name, name);
}

static int blob_digest(const char *dir, const char *name, uint8_t out[48], cvm_err *reterr)
{
	char path[4096];
	int r;

	if ((r = find_blob(dir, name, path, sizeof(path), reterr)) < 0)
		return r;
	return cvm_hash_file(CVM_HASH_SHA384, path, out, reterr);
}

int cvm_tdx_acpi_dir(const char *dir, struct cvm_tdx_acpi *ret, cvm_err *reterr)
{
	int r;

	if ((r = blob_digest(dir, "etc/table-loader", ret->loader, reterr)) < 0 ||
	    (r = blob_digest(dir, "etc/acpi/rsdp", ret->rsdp, reterr)) < 0 ||
	    (r = blob_digest(dir, "etc/acpi/tables", ret->tables, reterr)) < 0)
		return r;
	return 0;
}
