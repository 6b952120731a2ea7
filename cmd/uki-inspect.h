/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg uki inspect, and the report that "uki --json" shares with it. */
#ifndef CVMIMG_UKI_INSPECT_H
#define CVMIMG_UKI_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Describe the image @data read from @path on stdout (text or JSON); an exit code. */
int uki_report(const char *path, const uint8_t *data, size_t len, bool json);

/* cvmimg uki inspect FILE [--json] (argv[0] is "inspect"). */
int uki_inspect_main(int argc, char **argv);

#endif
