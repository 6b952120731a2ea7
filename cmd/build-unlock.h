/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg build's unlock agent options (issue 11): how the initrd agent trusts
 * the broker (--broker-ca, --broker-pin, --broker-allow-http) and how long it
 * tries (--broker-timeout), and what it proves itself with (--broker-evidence).
 * With one of the first three, --broker-url and --broker-resource, or with
 * --broker-evidence efi-secret (the key the SEV guest owner injects, no
 * broker), the agent goes into the initrd (lib/image/build-unlock.c).
 */
#ifndef CVMIMG_BUILD_UNLOCK_H
#define CVMIMG_BUILD_UNLOCK_H

#include <cvmimg/image.h>

#include "cli.h"

#define BUILD_UNLOCK_OPTIONS(o)                                                                    \
	CLI_STRING("broker-ca", 0, "FILE", &(o)->broker_ca,                                        \
		   "the initrd agent trusts the broker's TLS by these CAs (PEM)"),                 \
	CLI_STRING("broker-pin", 0, "PIN", &(o)->broker_pin,                                       \
		   "... or by its key: sha256//<base64 of the SPKI digest>"),                      \
	CLI_FLAG("broker-allow-http", 0, &(o)->broker_allow_http,                                  \
		 "... or talks plain http to it (tests only)"),                                    \
	CLI_U32("broker-timeout", 0, "S", &(o)->broker_timeout, 1, 3600,                           \
		"seconds the agent tries before the passphrase (default 30)"),                     \
	CLI_STRING("broker-evidence", 0, "SOURCE", &(o)->broker_evidence,                          \
		   "the agent's evidence: auto, tsm, sev-guest, or efi-secret (no broker)")

/* Check the combination and find the agent (usage errors: exit 2); 0 to go on. */
int build_unlock_check(struct cvm_build_options *o);

#endif
