/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVMIMG_VERIFY_REPORT_OUTPUT_H
#define CVMIMG_VERIFY_REPORT_OUTPUT_H

#include <stdbool.h>

#include <cvmimg/attest.h>

/*
 * Print the verdict (text or JSON) on stdout and each failing check on
 * stderr. Returns the exit code: 0 if valid, 1 if not.
 */
int verify_report_print(const struct cvm_attest_result *r, bool json);

#endif
