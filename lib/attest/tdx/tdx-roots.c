/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Intel SGX Root CA, the trust anchor of every PCK certificate chain and
 * of the TCB Signing certificate. Public vendor data, as published at
 * https://certificates.trustedservices.intel.com/Intel_SGX_Provisioning_Certification_RootCA.pem
 * (valid 2018-05-21 to 2049-12-31). The SHA-256 of its SubjectPublicKeyInfo is
 * pinned beside it and checked when it is loaded.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include <cvmimg/util.h>

#include "attest/tdx/tdx-roots.h"
#include "util/x509.h"

static const char sgx_root_ca[] =
	"-----BEGIN CERTIFICATE-----\n"
	"MIICjzCCAjSgAwIBAgIUImUM1lqdNInzg7SVUr9QGzknBqwwCgYIKoZIzj0EAwIw\n"
	"aDEaMBgGA1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENv\n"
	"cnBvcmF0aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJ\n"
	"BgNVBAYTAlVTMB4XDTE4MDUyMTEwNDUxMFoXDTQ5MTIzMTIzNTk1OVowaDEaMBgG\n"
	"A1UEAwwRSW50ZWwgU0dYIFJvb3QgQ0ExGjAYBgNVBAoMEUludGVsIENvcnBvcmF0\n"
	"aW9uMRQwEgYDVQQHDAtTYW50YSBDbGFyYTELMAkGA1UECAwCQ0ExCzAJBgNVBAYT\n"
	"AlVTMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEC6nEwMDIYZOj/iPWsCzaEKi7\n"
	"1OiOSLRFhWGjbnBVJfVnkY4u3IjkDYYL0MxO4mqsyYjlBalTVYxFP2sJBK5zlKOB\n"
	"uzCBuDAfBgNVHSMEGDAWgBQiZQzWWp00ifODtJVSv1AbOScGrDBSBgNVHR8ESzBJ\n"
	"MEegRaBDhkFodHRwczovL2NlcnRpZmljYXRlcy50cnVzdGVkc2VydmljZXMuaW50\n"
	"ZWwuY29tL0ludGVsU0dYUm9vdENBLmRlcjAdBgNVHQ4EFgQUImUM1lqdNInzg7SV\n"
	"Ur9QGzknBqwwDgYDVR0PAQH/BAQDAgEGMBIGA1UdEwEB/wQIMAYBAf8CAQEwCgYI\n"
	"KoZIzj0EAwIDSQAwRgIhAOW/5QkR+S9CiSDcNoowLuPRLsWGf/Yi7GSX94BgwTwg\n"
	"AiEA4J0lrHoMs+Xo5o/sX6O9QWxHRAvZUGOdRQ7cvqRXaqI=\n"
	"-----END CERTIFICATE-----\n"
	;

static const char sgx_root_spki_sha256[] =
	"a0af031289f5d5d4132f9186068a7fc13628633ba235777472e29b6b6c67a49e";

static X509 *root;
static pthread_once_t root_once = PTHREAD_ONCE_INIT;

static void load_root(void)
{
	X509 *x = cvm_x509_from_pem_string(sgx_root_ca);
	uint8_t spki[32];
	char hex[65];

	if (!x)
		return;
	if (cvm_x509_spki_sha256(x, spki) < 0) {
		X509_free(x);
		return;
	}
	cvm_hex_encode(spki, sizeof(spki), hex);
	if (strcmp(hex, sgx_root_spki_sha256)) {
		X509_free(x);
		return;
	}
	root = x;
}

int cvm_intel_root(X509 **ret, cvm_err *reterr)
{
	pthread_once(&root_once, load_root);
	if (!root)
		return cvm_err_set(reterr, -EBADMSG,
				   "the built-in Intel SGX Root CA does not match its pinned key");
	*ret = root;
	return 0;
}
