/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "disk/qcow2.h"
#include "util/spawn.h"

int cvm_qcow2_convert(const char *raw_path, const char *qcow2_path, cvm_err *reterr)
{
	const char *argv[] = {"qemu-img", "convert", "-q",     "-f",	   "raw",
			      "-O",	  "qcow2",   raw_path, qcow2_path, NULL};

	return cvm_spawn(argv, "qemu-utils", reterr);
}
