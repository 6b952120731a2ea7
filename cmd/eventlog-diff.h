/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVMIMG_EVENTLOG_DIFF_H
#define CVMIMG_EVENTLOG_DIFF_H

#include <stdbool.h>

#include <cvmimg/eventlog.h>

/*
 * Compare @want (expected events, digests may be unknown) with @got, register
 * by register, and print each difference (or a JSON object with them).
 * Returns 0 when they agree, CLI_EXIT_CHECK when they differ.
 */
int eventlog_diff_print(const struct cvm_eventlog *want, const struct cvm_eventlog *got,
			bool json);

#endif
