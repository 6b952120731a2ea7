/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* verify-report against a signed bundle's expected values (verify-report-bundle.c). */
#ifndef CVMIMG_VERIFY_REPORT_BUNDLE_H
#define CVMIMG_VERIFY_REPORT_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/attest.h>

struct vr_bundle {
	const char *path, *key;
};

/* verify-report's options for the bundle, bound to a struct vr_bundle. */
#define VR_BUNDLE_OPTIONS(b)                                                                       \
	CLI_STRING("bundle", 0, "FILE", &(b)->path,                                                \
		   "a signed bundle whose expected values must include the report's"),             \
	CLI_STRING("bundle-key", 0, "FILE", &(b)->key, "the public key of the bundle's signer")

/* Usage check: both or neither. Returns 0 or an exit code. */
int vr_bundle_check_args(const struct vr_bundle *b);

/*
 * With a bundle, add the check "bundle" to @res: the bundle's signature
 * verifies (else exit 1 here), it has not expired at @at (or now), and one of
 * its VM shapes of the evidence's TEE has the evidence's values. Returns 0,
 * or an exit code when the bundle cannot be read or verified.
 */
int vr_bundle_apply(const struct vr_bundle *b, struct cvm_attest_result *res, bool have_time,
		    int64_t at);

#endif
