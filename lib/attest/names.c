/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Value/name tables of the attestation API, and RFC 3339 times. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cvmimg/attest.h>

#include "util/macro.h"

static const char *const product_names[CVM_SNP_PRODUCT__COUNT] = {
	[CVM_SNP_MILAN] = "milan",
	[CVM_SNP_GENOA] = "genoa",
	[CVM_SNP_TURIN] = "turin",
};

static const char *const signer_names[CVM_SNP_SIGNER__COUNT] = {
	[CVM_SNP_SIGNER_VCEK] = "vcek",
	[CVM_SNP_SIGNER_VLEK] = "vlek",
};

static const char *const format_names[CVM_SNP_FORMAT__COUNT] = {
	[CVM_SNP_FORMAT_AUTO] = "auto",
	[CVM_SNP_FORMAT_BIN] = "bin",
	[CVM_SNP_FORMAT_HEX] = "hex",
};

static const char *const tcb_status_names[CVM_TDX_TCB__COUNT] = {
	[CVM_TDX_TCB_UP_TO_DATE] = "UpToDate",
	[CVM_TDX_TCB_SW_HARDENING_NEEDED] = "SWHardeningNeeded",
	[CVM_TDX_TCB_CONFIGURATION_NEEDED] = "ConfigurationNeeded",
	[CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED] = "ConfigurationAndSWHardeningNeeded",
	[CVM_TDX_TCB_OUT_OF_DATE] = "OutOfDate",
	[CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED] = "OutOfDateConfigurationNeeded",
	[CVM_TDX_TCB_REVOKED] = "Revoked",
	[CVM_TDX_TCB_TD_RELAUNCH_ADVISED] = "TDRelaunchAdvised",
	[CVM_TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED] =
		"TDRelaunchAdvisedConfigurationNeeded",
	[CVM_TDX_TCB_NOT_SUPPORTED] = "NotSupported",
	[CVM_TDX_TCB_TDX_MODULE_MISMATCH] = "TDXModuleMismatch",
};

static int lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (!strcasecmp(names[i], s))
			return i;
	return -EINVAL;
}

CVM_PUBLIC const char *cvm_snp_product_to_string(enum cvm_snp_product p)
{
	return (unsigned)p < CVM_SNP_PRODUCT__COUNT ? product_names[p] : NULL;
}

CVM_PUBLIC enum cvm_snp_product cvm_snp_product_from_string(const char *s)
{
	return (enum cvm_snp_product)lookup(product_names, CVM_SNP_PRODUCT__COUNT, s);
}

CVM_PUBLIC const char *cvm_snp_signer_to_string(enum cvm_snp_signer s)
{
	return (unsigned)s < CVM_SNP_SIGNER__COUNT ? signer_names[s] : NULL;
}

CVM_PUBLIC enum cvm_snp_report_format cvm_snp_report_format_from_string(const char *s)
{
	return (enum cvm_snp_report_format)lookup(format_names, CVM_SNP_FORMAT__COUNT, s);
}

CVM_PUBLIC const char *cvm_tdx_tcb_status_to_string(enum cvm_tdx_tcb_status s)
{
	return (unsigned)s < CVM_TDX_TCB__COUNT ? tcb_status_names[s] : NULL;
}

CVM_PUBLIC enum cvm_tdx_tcb_status cvm_tdx_tcb_status_from_string(const char *s)
{
	return (enum cvm_tdx_tcb_status)lookup(tcb_status_names, CVM_TDX_TCB__COUNT, s);
}

/* Exactly @n digits at *p, advancing it. */
static int digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -EINVAL;
		v = v * 10 + (**p - '0');
	}
	*ret = v;
	return 0;
}

static int parse_offset(const char *p, int *ret_secs)
{
	int sign, h, m;

	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*ret_secs = 0;
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &m) < 0 || *p || h > 23 ||
	    m > 59)
		return -EINVAL;
	*ret_secs = sign * (h * 3600 + m * 60);
	return 0;
}

CVM_PUBLIC int cvm_parse_rfc3339(const char *s, int64_t *ret)
{
	struct tm tm = { 0 };
	const char *p = s;
	int y, mo, d, h, mi, sec, off;
	time_t t;

	if (!s || !ret)
		return -EINVAL;
	if (digits(&p, 4, &y) < 0 || *p++ != '-' || digits(&p, 2, &mo) < 0 || *p++ != '-' ||
	    digits(&p, 2, &d) < 0 || (*p != 'T' && *p != 't' && *p != ' '))
		return -EINVAL;
	p++;
	if (digits(&p, 2, &h) < 0 || *p++ != ':' || digits(&p, 2, &mi) < 0 || *p++ != ':' ||
	    digits(&p, 2, &sec) < 0)
		return -EINVAL;
	if (*p == '.') /* fractions of a second: dropped */
		for (p++; isdigit((unsigned char)*p); p++)
			;
	if (parse_offset(p, &off) < 0)
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	/* timegm normalises 31 February into March: refuse what did not round-trip */
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -EINVAL;
	*ret = (int64_t)t - off;
	return 0;
}
