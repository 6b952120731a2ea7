/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "util/hash.h"
#include "image/ids.h"

int cvm_ids_derive_bytes(const char *seed, const char *label, uint8_t out[32], cvm_err *reterr)
{
	char msg[128];
	size_t maclen = 0;
	int n = snprintf(msg, sizeof(msg), "cvmimg:%s", label);

	if (n < 0 || (size_t)n >= sizeof(msg))
		return cvm_err_set(reterr, -EINVAL, "label too long");
	if (!EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, seed, strlen(seed),
		       (const unsigned char *)msg, (size_t)n, out, 32, &maclen) ||
	    maclen != 32)
		return cvm_err_openssl(reterr, -EIO, "cannot derive an identifier");
	return 0;
}

int cvm_ids_derive(const char *seed, const char *label, uint8_t out[16], cvm_err *reterr)
{
	uint8_t mac[32];
	int r = cvm_ids_derive_bytes(seed, label, mac, reterr);

	if (r < 0)
		return r;
	memcpy(out, mac, 16);
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40); /* version 4 */
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	return 0;
}

void cvm_uuid_format(const uint8_t u[16], char out[CVM_UUID_STR])
{
	snprintf(out, CVM_UUID_STR,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
}

int cvm_uuid_parse(const char *s, uint8_t out[16])
{
	size_t j = 0;

	if (strlen(s) != 36)
		return -EINVAL;
	for (size_t i = 0; i < 36;) {
		unsigned v;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return -EINVAL;
			continue;
		}
		if (sscanf(s + i, "%2x", &v) != 1 || !strchr("0123456789abcdefABCDEF", s[i]) ||
		    !strchr("0123456789abcdefABCDEF", s[i + 1]))
			return -EINVAL;
		out[j++] = (uint8_t)v;
		i += 2;
	}
	return 0;
}
