/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "util/macro.h"

static const char hexdigits[] = "0123456789abcdef";

CVM_PUBLIC void cvm_hex_encode(const uint8_t *buf, size_t len, char *out)
{
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hexdigits[buf[i] >> 4];
		out[2 * i + 1] = hexdigits[buf[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static const char *skip_prefix(const char *s)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return s + 2;
	return s;
}

static int decode_into(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = unhex(s[2 * i]), lo = unhex(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

CVM_PUBLIC int cvm_hex_decode(const char *s, uint8_t *out, size_t len, cvm_err *reterr)
{
	CVM_CHECK_ARG(s && out, reterr);
	s = skip_prefix(s);
	if (strlen(s) != 2 * len)
		return cvm_err_set(reterr, -EINVAL, "expected %zu hex digits, got %zu", 2 * len,
				   strlen(s));
	if (decode_into(s, len, out) < 0)
		return cvm_err_set(reterr, -EINVAL, "invalid hex digit in '%s'", s);
	return 0;
}

CVM_PUBLIC int cvm_hex_decode_alloc(const char *s, size_t max, uint8_t **ret_buf, size_t *ret_len,
				    cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t n;

	CVM_CHECK_ARG(s && ret_buf && ret_len, reterr);
	s = skip_prefix(s);
	n = strlen(s);
	if (n % 2)
		return cvm_err_set(reterr, -EINVAL, "odd number of hex digits");
	if (n / 2 > max)
		return cvm_err_set(reterr, -ERANGE, "hex value longer than %zu bytes", max);
	buf = malloc(n / 2 + 1);
	if (!buf)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (decode_into(s, n / 2, buf) < 0)
		return cvm_err_set(reterr, -EINVAL, "invalid hex digit in '%s'", s);
	*ret_len = n / 2;
	*ret_buf = CVM_TAKE_PTR(buf);
	return 0;
}

CVM_PUBLIC char *cvm_base64_encode(const uint8_t *buf, size_t len)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((len + 2) / 3 * 4 + 1), *p = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)buf[i] << 16;
		size_t rest = len - i;

		if (rest > 1)
			v |= (uint32_t)buf[i + 1] << 8;
		if (rest > 2)
			v |= buf[i + 2];
		*p++ = tbl[v >> 18 & 63];
		*p++ = tbl[v >> 12 & 63];
		*p++ = rest > 1 ? tbl[v >> 6 & 63] : '=';
		*p++ = rest > 2 ? tbl[v & 63] : '=';
	}
	*p = '\0';
	return out;
}

CVM_PUBLIC int cvm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (!s || !ret || !*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || *end)
		return -EINVAL;
	if (v < min || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}
