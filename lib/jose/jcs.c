/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON Canonicalization Scheme (RFC 8785) of a json-c value, and the KBS
 * runtime-data digest built on it. Layout of the work: one recursive walk
 * (depth-limited) appends to a json-c printbuf; object members are sorted by
 * the UTF-16 code units of their names (section 3.2.3); strings are checked
 * to be UTF-8 of Unicode scalar values and escaped as section 3.2.2.2 says;
 * numbers take the ECMAScript Number.prototype.toString form (3.2.2.3).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/printbuf.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/jose.h>

#include "util/hash.h"
#include "util/macro.h"

CVM_DEFINE_CLEANUP(struct printbuf, printbuf_free, jcs_printbuf_free)

struct out {
	struct printbuf *pb;
	bool failed; /* out of memory: checked once at the end */
};

static void put(struct out *o, const char *s, size_t len)
{
	if (!o->failed && printbuf_memappend(o->pb, s, (int)len) < 0)
		o->failed = true;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* The code point at s[*i] (advancing *i), or -1 if not UTF-8 of a Unicode scalar value. */
static int32_t utf8_next(const uint8_t *s, size_t len, size_t *i)
{
	static const uint32_t min[4] = { 0, 0x80, 0x800, 0x10000 };
	uint8_t c = s[*i];
	uint32_t cp;
	size_t n;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	n = c >= 0xc2 && c < 0xe0 ? 1 : c >= 0xe0 && c < 0xf0 ? 2 : c >= 0xf0 && c < 0xf5 ? 3 : 0;
	if (n == 0 || len - *i <= n)
		return -1;
	cp = c & (0x3fu >> n);
	for (size_t k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[*i + k] & 0x3f);
	}
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += n + 1;
	return (int32_t)cp;
}

static bool utf8_valid(const char *s, size_t len)
{
	for (size_t i = 0; i < len;)
		if (utf8_next((const uint8_t *)s, len, &i) < 0)
			return false;
	return true;
}

static void put_string(struct out *o, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0;

	put(o, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = c == '"'    ? "\\\""
				  : c == '\\' ? "\\\\"
				  : c == '\b' ? "\\b"
				  : c == '\f' ? "\\f"
				  : c == '\n' ? "\\n"
				  : c == '\r' ? "\\r"
				  : c == '\t' ? "\\t"
					      : NULL;
		char u[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], '\0' };

		if (!esc && c >= 0x20)
			continue;
		put(o, s + run, i - run);
		puts_(o, esc ? esc : u);
		run = i + 1;
	}
	put(o, s + run, len - run);
	put(o, "\"", 1);
}

/* The first UTF-16 code unit of @cp in u[0], the second (or 0) in u[1]. */
static void utf16_units(int32_t cp, uint16_t u[2])
{
	if (cp < 0x10000) {
		u[0] = (uint16_t)cp;
		u[1] = 0;
	} else {
		u[0] = (uint16_t)(0xd800 + ((cp - 0x10000) >> 10));
		u[1] = (uint16_t)(0xdc00 + ((cp - 0x10000) & 0x3ff));
	}
}

/* strcmp() over UTF-16 code units of two valid UTF-8 strings. */
static int utf16_cmp(const void *pa, const void *pb)
{
	const char *a = *(const char *const *)pa, *b = *(const char *const *)pb;
	size_t la = strlen(a), lb = strlen(b), i = 0, j = 0;

	while (i < la && j < lb) {
		uint16_t ua[2], ub[2];

		utf16_units(utf8_next((const uint8_t *)a, la, &i), ua);
		utf16_units(utf8_next((const uint8_t *)b, lb, &j), ub);
		if (ua[0] != ub[0])
			return ua[0] < ub[0] ? -1 : 1;
		if (ua[1] != ub[1])
			return ua[1] < ub[1] ? -1 : 1;
	}
	return (i < la) - (j < lb);
}

/*
 * ECMAScript's Number::toString(d) for a finite double: the shortest digits
 * that read back as @d (printf rounds correctly, so the first precision that
 * round-trips gives the closest such digits), placed by the exponent.
 */
static void format_double(double d, char *out, size_t size)
{
	char tmp[40], digits[20], *p = out, *end = out + size;
	int k = 0, n;

	if (d == 0) { /* -0 too */
		snprintf(out, size, "0");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	for (const char *t = tmp; *t && *t != 'e'; t++)
		if (*t >= '0' && *t <= '9')
			digits[k++] = *t;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	n = atoi(strchr(tmp, 'e') + 1) + 1; /* value = 0.digits * 10^n */
	if (d < 0)
		*p++ = '-';
	if (k <= n && n <= 21) /* an integer: the digits, then zeros */
		snprintf(p, (size_t)(end - p), "%s%.*d", digits, n - k, 0);
	else if (n > 0 && n <= 21) /* the point inside the digits */
		snprintf(p, (size_t)(end - p), "%.*s.%s", n, digits, digits + n);
	else if (n > -6 && n <= 0) /* "0." then zeros */
		snprintf(p, (size_t)(end - p), "0.%.*d%s", -n, 0, digits);
	else
		snprintf(p, (size_t)(end - p), "%c%s%se%c%d", digits[0], k > 1 ? "." : "",
			 digits + 1, n - 1 > 0 ? '+' : '-', abs(n - 1));
}

static int put_value(struct out *o, json_object *v, int depth, cvm_err *reterr);

/*
 * An integer beyond 2^53 is a JSON number like any other, an IEEE double to
 * RFC 8785: accepted when that double's ECMAScript text is the integer's own
 * text (1e18, or what JCS printed for a large double), refused when reading it
 * as a double would change the number (2^53 + 1).
 */
static int put_integer(struct out *o, json_object *v, cvm_err *reterr)
{
	const int64_t safe = (int64_t)1 << 53;
	char text[32], es[40];
	double d;
	int64_t i = json_object_get_int64(v);
	uint64_t u = json_object_get_uint64(v);
	bool beyond = i > safe || i < -safe;

	if (i == INT64_MAX && u > (uint64_t)INT64_MAX) {
		snprintf(text, sizeof(text), "%" PRIu64, u);
		d = (double)u;
	} else {
		snprintf(text, sizeof(text), "%" PRId64, i);
		d = (double)i;
	}
	if (i == INT64_MIN || u == UINT64_MAX) /* where json-c saturates longer integers */
		return cvm_err_set(reterr, -ERANGE, "JCS: integer beyond 64 bits (json-c saturates)");
	if (beyond) {
		format_double(d, es, sizeof(es));
		if (strcmp(es, text))
			return cvm_err_set(reterr, -ERANGE,
					   "JCS: integer %s is beyond 2^53 and no IEEE double", text);
	}
	puts_(o, text);
	return 0;
}

static int put_number(struct out *o, json_object *v, cvm_err *reterr)
{
	char buf[40];
	double d;

	if (json_object_is_type(v, json_type_int))
		return put_integer(o, v, reterr);
	d = json_object_get_double(v);
	if (!isfinite(d))
		return cvm_err_set(reterr, -ERANGE, "JCS: NaN and infinities have no JSON form");
	format_double(d, buf, sizeof(buf));
	puts_(o, buf);
	return 0;
}

static int put_str(struct out *o, const char *s, size_t len, cvm_err *reterr)
{
	if (!utf8_valid(s, len))
		return cvm_err_set(reterr, -EBADMSG, "JCS: a string is not valid UTF-8");
	put_string(o, s, len);
	return 0;
}

static int put_array(struct out *o, json_object *v, int depth, cvm_err *reterr)
{
	size_t n = json_object_array_length(v);
	int r;

	put(o, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i)
			put(o, ",", 1);
		r = put_value(o, json_object_array_get_idx(v, i), depth + 1, reterr);
		if (r < 0)
			return r;
	}
	put(o, "]", 1);
	return 0;
}

static int put_object(struct out *o, json_object *v, int depth, cvm_err *reterr)
{
	size_t n = (size_t)json_object_object_length(v), k = 0;
	CVM_CLEANUP_FREE const char **keys = calloc(n ? n : 1, sizeof(*keys));
	int r;

	if (!keys)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	json_object_object_foreach(v, key, val) {
		(void)val;
		if (!utf8_valid(key, strlen(key)))
			return cvm_err_set(reterr, -EBADMSG, "JCS: a member name is not valid UTF-8");
		keys[k++] = key;
	}
	qsort(keys, k, sizeof(*keys), utf16_cmp);
	put(o, "{", 1);
	for (size_t i = 0; i < k; i++) {
		if (i)
			put(o, ",", 1);
		put_string(o, keys[i], strlen(keys[i]));
		put(o, ":", 1);
		r = put_value(o, json_object_object_get(v, keys[i]), depth + 1, reterr);
		if (r < 0)
			return r;
	}
	put(o, "}", 1);
	return 0;
}

static int put_value(struct out *o, json_object *v, int depth, cvm_err *reterr)
{
	if (depth > CVM_JCS_DEPTH_MAX)
		return cvm_err_set(reterr, -ERANGE, "JCS: nested deeper than %d levels",
				   CVM_JCS_DEPTH_MAX);
	switch (json_object_get_type(v)) {
	case json_type_null:
		puts_(o, "null");
		return 0;
	case json_type_boolean:
		puts_(o, json_object_get_boolean(v) ? "true" : "false");
		return 0;
	case json_type_int:
	case json_type_double:
		return put_number(o, v, reterr);
	case json_type_string:
		return put_str(o, json_object_get_string(v),
			       (size_t)json_object_get_string_len(v), reterr);
	case json_type_array:
		return put_array(o, v, depth, reterr);
	case json_type_object:
		return put_object(o, v, depth, reterr);
	}
	return cvm_err_set(reterr, -EBADMSG, "JCS: unknown JSON type");
}

CVM_PUBLIC int cvm_jcs_serialize(json_object *value, char **ret_str, size_t *ret_len,
				 cvm_err *reterr)
{
	CVM_CLEANUP(jcs_printbuf_freep) struct printbuf *pb = printbuf_new();
	struct out o = { pb, !pb };
	char *s;
	int r;

	CVM_CHECK_ARG(ret_str, reterr);
	r = put_value(&o, value, 0, reterr);
	if (r < 0)
		return r;
	if (o.failed || !(s = malloc((size_t)pb->bpos + 1)))
		return cvm_err_set(reterr, -ENOMEM, "JCS: out of memory");
	memcpy(s, pb->buf, (size_t)pb->bpos);
	s[pb->bpos] = '\0';
	if (ret_len)
		*ret_len = (size_t)pb->bpos;
	*ret_str = s;
	return 0;
}

CVM_PUBLIC int cvm_kbs_runtime_digest(json_object *runtime_data,
				      uint8_t ret_digest[CVM_KBS_RUNTIME_DIGEST_LEN],
				      cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *s = NULL;
	size_t len = 0;
	int r;

	CVM_CHECK_ARG(runtime_data && ret_digest, reterr);
	r = cvm_jcs_serialize(runtime_data, &s, &len, reterr);
	if (r < 0)
		return r;
	if (cvm_sha384(s, len, ret_digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the runtime data");
	return 0;
}
