/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intel signs the TCB Info and QE identity bodies as served, byte for byte:
 * the signature is checked over the exact text of the "tcbInfo" (or
 * "enclaveIdentity") member, never over a re-serialisation. This scanner finds
 * that text in a document json-c has already accepted.
 */
#include <errno.h>
#include <string.h>

#include "attest/tdx/tdx-collateral-parse.h"

static size_t skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
		i++;
	return i;
}

/* Past the closing quote of the string starting at s[i] == '"', or len. */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

/* Past the value starting at s[i]. */
static size_t skip_value(const char *s, size_t len, size_t i)
{
	int depth = 0;

	if (i < len && s[i] == '"')
		return skip_string(s, len, i);
	if (i < len && s[i] != '{' && s[i] != '[') {
		while (i < len && !strchr(",}] \t\r\n", s[i]))
			i++;
		return i;
	}
	while (i < len) {
		if (s[i] == '"') {
			i = skip_string(s, len, i);
			continue;
		}
		if (s[i] == '{' || s[i] == '[')
			depth++;
		else if (s[i] == '}' || s[i] == ']')
			depth--;
		i++;
		if (depth == 0)
			return i;
	}
	return len;
}

int cvm_json_raw_member(const char *doc, size_t len, const char *key, size_t *ret_off,
			size_t *ret_len)
{
	size_t klen = strlen(key), i = skip_ws(doc, len, 0);

	if (i >= len || doc[i] != '{')
		return -EBADMSG;
	for (i++;;) {
		size_t kstart, kend, vstart, vend;

		i = skip_ws(doc, len, i);
		if (i >= len || doc[i] != '"')
			return -ENOENT;
		kstart = i + 1;
		kend = skip_string(doc, len, i);
		if (kend >= len)
			return -EBADMSG;
		i = skip_ws(doc, len, kend);
		if (i >= len || doc[i] != ':')
			return -EBADMSG;
		vstart = skip_ws(doc, len, i + 1);
		vend = skip_value(doc, len, vstart);
		if (kend - 1 - kstart == klen && !memcmp(doc + kstart, key, klen)) {
			*ret_off = vstart;
			*ret_len = vend - vstart;
			return 0;
		}
		i = skip_ws(doc, len, vend);
		if (i >= len || doc[i] != ',')
			return -ENOENT;
		i++;
	}
}
