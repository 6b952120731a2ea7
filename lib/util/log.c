/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/log.h>

#include "util/log-internal.h"
#include "util/macro.h"

static cvm_log_func log_fn;
static unsigned log_mask;
static void *log_userdata;

static const struct {
	const char *name;
	unsigned bit;
} log_domains[] = {
	{ "util", CVM_LOG_UTIL },     { "measure", CVM_LOG_MEASURE }, { "boot", CVM_LOG_BOOT },
	{ "image", CVM_LOG_IMAGE },   { "attest", CVM_LOG_ATTEST },   { "bundle", CVM_LOG_BUNDLE },
	{ "all", CVM_LOG_ALL },
};

CVM_PUBLIC void cvm_set_log_func(cvm_log_func fn, unsigned mask, void *userdata)
{
	log_fn = fn;
	log_mask = fn ? mask : 0;
	log_userdata = userdata;
}

CVM_PUBLIC unsigned cvm_log_mask_from_string(const char *s)
{
	unsigned mask = 0;

	while (s && *s) {
		size_t n = strcspn(s, ",");

		for (size_t i = 0; i < CVM_ARRAY_SIZE(log_domains); i++)
			if (strlen(log_domains[i].name) == n && !strncmp(s, log_domains[i].name, n))
				mask |= log_domains[i].bit;
		s += n;
		if (*s == ',')
			s++;
	}
	return mask;
}

CVM_PUBLIC const char *cvm_version(void)
{
	return CVMIMG_VERSION;
}

bool cvm_log_enabled(unsigned domain)
{
	return log_fn && (log_mask & domain);
}

void cvm_log_debug(unsigned domain, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!cvm_log_enabled(domain))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_fn(domain, buf, log_userdata);
}
