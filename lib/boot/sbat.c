/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The UKI's .sbat: shim's SBAT CSV (github.com/rhboot/shim SBAT.md). The UKI
 * replaces the stub's .sbat, so it carries the stub's and the kernel's entries
 * plus the caller's (or cvmimg's own), under one header line.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "boot/sbat.h"

#define SBAT_HEADER "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
#define SBAT_FIELDS 6

const char uki_sbat_default[] =
	"cvmimg,1,cvmimg,cvmimg," CVMIMG_VERSION
	",https://uapi-group.org/specifications/specs/unified_kernel_image/\n";

struct sbat_buf {
	char *text;
	size_t len, cap;
};

static bool has_line(const struct sbat_buf *b, const char *line, size_t n)
{
	for (const char *p = b->text; p && p < b->text + b->len;) {
		const char *e = memchr(p, '\n', (size_t)(b->text + b->len - p));

		if ((size_t)(e - p) == n && !memcmp(p, line, n))
			return true;
		p = e + 1;
	}
	return false;
}

static int append_line(struct sbat_buf *b, const char *line, size_t n)
{
	if (has_line(b, line, n))
		return 0;
	if (b->len + n + 2 > b->cap) {
		size_t cap = (b->len + n + 2) * 2;
		char *t = realloc(b->text, cap);

		if (!t)
			return -ENOMEM;
		b->text = t;
		b->cap = cap;
	}
	memcpy(b->text + b->len, line, n);
	b->len += n;
	b->text[b->len++] = '\n';
	return 0;
}

static size_t count_fields(const char *line, size_t n)
{
	size_t fields = 1;

	for (size_t i = 0; i < n; i++)
		fields += line[i] == ',';
	return fields;
}

/*
 * Add the lines of @data (trailing NULs ignored, CR LF accepted) except the
 * header. Lines with fewer than six fields, or control bytes, are refused.
 */
static int add_entries(struct sbat_buf *b, const uint8_t *data, size_t len, const char *what,
		       cvm_err *reterr)
{
	const char *p = (const char *)data, *end = p + len;
	unsigned lineno = 0;

	while (end > p && end[-1] == '\0')
		end--;
	while (p < end) {
		const char *e = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((e ? e : end) - p);

		lineno++;
		if (n && p[n - 1] == '\r')
			n--;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
				return cvm_err_set(reterr, -EBADMSG,
						   "%s: line %u has a control character", what,
						   lineno);
		if (n && count_fields(p, n) < SBAT_FIELDS)
			return cvm_err_set(reterr, -EBADMSG,
					   "%s: line %u has fewer than %d comma-separated fields",
					   what, lineno, SBAT_FIELDS);
		if (n && !(n >= 5 && !memcmp(p, "sbat,", 5)) && append_line(b, p, n) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		p = e ? e + 1 : end;
	}
	return 0;
}

static void sbat_buf_done(struct sbat_buf *b)
{
	free(b->text);
}

int uki_sbat_build(const struct cvm_uki_blob *stub_sbat, const struct cvm_uki_blob *kernel_sbat,
		   const struct cvm_uki_blob *user, const char *user_name, char **ret,
		   size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP(sbat_buf_done) struct sbat_buf b = { 0 };
	int r;

	if (append_line(&b, SBAT_HEADER, strlen(SBAT_HEADER) - 1) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (stub_sbat->len &&
	    (r = add_entries(&b, stub_sbat->data, stub_sbat->len, "the stub's .sbat", reterr)) < 0)
		return r;
	if (kernel_sbat->len &&
	    (r = add_entries(&b, kernel_sbat->data, kernel_sbat->len, "the kernel's .sbat",
			     reterr)) < 0)
		return r;
	if (user->len)
		r = add_entries(&b, user->data, user->len, user_name, reterr);
	else
		r = add_entries(&b, (const uint8_t *)uki_sbat_default, strlen(uki_sbat_default),
				"cvmimg's .sbat", reterr);
	if (r < 0)
		return r;
	*ret_len = b.len;
	*ret = CVM_TAKE_PTR(b.text);
	return 0;
}
