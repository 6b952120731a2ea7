/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The library never prints. Debug text leaves it through a callback that the
 * caller installs; without one it is dropped.
 */
#ifndef CVMIMG_LOG_H
#define CVMIMG_LOG_H

/* Debug domains, one bit each; CVM_LOG_ALL enables every domain. */
enum {
	CVM_LOG_UTIL = 1u << 0,
	CVM_LOG_MEASURE = 1u << 1,
	CVM_LOG_BOOT = 1u << 2,
	CVM_LOG_IMAGE = 1u << 3,
	CVM_LOG_ATTEST = 1u << 4,
	CVM_LOG_BUNDLE = 1u << 5,
	CVM_LOG_ALL = 0xffffffffu,
};

typedef void (*cvm_log_func)(unsigned domain, const char *msg, void *userdata);

/* Install @fn for the domains in @mask (NULL disables logging). */
void cvm_set_log_func(cvm_log_func fn, unsigned mask, void *userdata);

/*
 * Parse a comma-separated list of domain names ("util,measure,boot,image,
 * attest,bundle,all") into a mask. Unknown names are ignored.
 */
unsigned cvm_log_mask_from_string(const char *s);

/* The library version, e.g. "0.1.0". */
const char *cvm_version(void);

#endif
