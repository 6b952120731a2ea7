/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* disk.qcow2 from the raw disk with qemu-img (zero clusters stay unallocated). */
#ifndef CVM_DISK_QCOW2_H
#define CVM_DISK_QCOW2_H

#include <cvmimg/err.h>

int cvm_qcow2_convert(const char *raw_path, const char *qcow2_path, cvm_err *reterr);

#endif
