/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * base64 and base64url (RFC 4648 sections 4 and 5). Encoding reuses the
 * standard encoder and swaps the alphabet; decoding is strict, so that every
 * byte string has exactly one accepted text (a changed character always
 * changes the bytes: the JWE tamper tests rely on it).
 */
#include <errno.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/jose.h>
#include <cvmimg/util.h>

#include "util/macro.h"

CVM_PUBLIC char *cvm_base64url_encode(const uint8_t *buf, size_t len)
{
	char *s = cvm_base64_encode(buf, len), *p;

	if (!s)
		return NULL;
	for (p = s; *p && *p != '='; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
	}
	*p = '\0';
	return s;
}

enum { ALPHA_STD = 1, ALPHA_URL = 2 };

/* The 6-bit value of @c, with the alphabet it belongs to in *alpha; -1 if none. */
static int sextet(char c, int *alpha)
{
	*alpha = 0;
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	*alpha = c == '+' || c == '/' ? ALPHA_STD : ALPHA_URL;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Number of "=" at the end of @s, checked against @mode and the length. */
static int padding(const char *s, size_t len, enum cvm_base64_mode mode, size_t *ret_pad,
		   cvm_err *reterr)
{
	size_t pad = 0;

	while (pad < len && s[len - 1 - pad] == '=')
		pad++;
	if (pad && mode == CVM_BASE64_URL)
		return cvm_err_set(reterr, -EBADMSG, "padding '=' in base64url text");
	if (pad && (pad > 2 || len % 4))
		return cvm_err_set(reterr, -EBADMSG, "base64 text has wrong padding");
	*ret_pad = pad;
	return 0;
}

static int decode_into(const char *s, size_t n, enum cvm_base64_mode mode, uint8_t *out,
		       cvm_err *reterr)
{
	int seen = 0, allowed = mode == CVM_BASE64_URL   ? ALPHA_URL
				: mode == CVM_BASE64_STD ? ALPHA_STD
							 : ALPHA_STD | ALPHA_URL;
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int alpha, v = sextet(s[i], &alpha);

		if (v < 0 || (alpha && !(alpha & allowed)))
			return cvm_err_set(reterr, -EBADMSG,
					   "invalid base64 character at offset %zu", i);
		if (alpha && (seen | alpha) == (ALPHA_STD | ALPHA_URL))
			return cvm_err_set(reterr, -EBADMSG,
					   "base64 text mixes both alphabets at offset %zu", i);
		seen |= alpha;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc)
		return cvm_err_set(reterr, -EBADMSG, "base64 text has non-zero trailing bits");
	return 0;
}

CVM_PUBLIC int cvm_base64_decode(const char *s, size_t len, enum cvm_base64_mode mode,
				 size_t max, uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t pad = 0, n, out_len;
	int r;

	CVM_CHECK_ARG(s && ret_buf && ret_len, reterr);
	CVM_CHECK_ARG(mode >= 0 && mode < CVM_BASE64__COUNT, reterr);
	if (len > CVM_JOSE_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "base64 text longer than %u bytes",
				   CVM_JOSE_INPUT_MAX);
	r = padding(s, len, mode, &pad, reterr);
	if (r < 0)
		return r;
	n = len - pad;
	if (n % 4 == 1)
		return cvm_err_set(reterr, -EBADMSG, "base64 text has an impossible length %zu",
				   len);
	out_len = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if (out_len > max)
		return cvm_err_set(reterr, -EFBIG, "base64 value longer than %zu bytes", max);
	buf = malloc(out_len + 1);
	if (!buf)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = decode_into(s, n, mode, buf, reterr);
	if (r < 0)
		return r;
	buf[out_len] = '\0';
	*ret_len = out_len;
	*ret_buf = CVM_TAKE_PTR(buf);
	return 0;
}
