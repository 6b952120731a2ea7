/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_UTIL_LOG_INTERNAL_H
#define CVM_UTIL_LOG_INTERNAL_H

#include <stdbool.h>

#include <cvmimg/log.h>

bool cvm_log_enabled(unsigned domain);

/* Debug text to the installed callback, if @domain is enabled. Never secrets. */
void cvm_log_debug(unsigned domain, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
