/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "util/template.h"

#ifndef CVMIMG_TEMPLATES_DIR
#define CVMIMG_TEMPLATES_DIR "/usr/share/cvmimg/templates"
#endif

static const char *lookup(const char *name, size_t len, const struct cvm_template_var *vars,
			  size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(vars[i].name) == len && !memcmp(vars[i].name, name, len))
			return vars[i].value;
	return NULL;
}

/* Append @len bytes of @s to the growing string *@out (of *@used bytes). */
static int append(char **out, size_t *used, const char *s, size_t len)
{
	char *n = realloc(*out, *used + len + 1);

	if (!n)
		return -ENOMEM;
	memcpy(n + *used, s, len);
	*used += len;
	n[*used] = '\0';
	*out = n;
	return 0;
}

static int expand(const char *path, const char *text, const struct cvm_template_var *vars,
		  size_t n_vars, char **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *out = strdup("");
	size_t used = 0;

	if (!out)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (const char *p = text; *p;) {
		const char *at = strchr(p, '@'), *end, *value;

		if (!at)
			at = p + strlen(p);
		if (append(&out, &used, p, (size_t)(at - p)) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		if (!*at)
			break;
		end = strchr(at + 1, '@');
		if (!end || end == at + 1 || memchr(at + 1, '\n', (size_t)(end - at - 1)))
			return cvm_err_set(reterr, -EBADMSG, "'%s': '@' that starts no @NAME@",
					   path);
		value = lookup(at + 1, (size_t)(end - at - 1), vars, n_vars);
		if (!value)
			return cvm_err_set(reterr, -EBADMSG, "'%s': unknown variable '%.*s'", path,
					   (int)(end - at + 1), at);
		if (append(&out, &used, value, strlen(value)) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		p = end + 1;
	}
	*ret = CVM_TAKE_PTR(out);
	return 0;
}

int cvm_template_read(const char *dir, const char *name, const struct cvm_template_var *vars,
		      size_t n_vars, char **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *path = NULL;
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	size_t len;
	int r;

	if (asprintf(&path, "%s/%s", dir ? dir : CVMIMG_TEMPLATES_DIR, name) < 0) {
		path = NULL;
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	if ((r = cvm_read_file(path, CVM_TEMPLATE_MAX, &text, &len, reterr)) < 0)
		return r;
	if (memchr(text, '\0', len))
		return cvm_err_set(reterr, -EBADMSG, "'%s' holds a NUL byte", path);
	return expand(path, (const char *)text, vars, n_vars, ret, reterr);
}

int cvm_template_read_line(const char *dir, const char *name, const struct cvm_template_var *vars,
			   size_t n_vars, char **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *text = NULL;
	char *out, *save = NULL, *o;
	int r;

	if ((r = cvm_template_read(dir, name, vars, n_vars, &text, reterr)) < 0)
		return r;
	if (!(out = o = calloc(1, strlen(text) + 1)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len;

		line += strspn(line, " \t\r");
		len = strlen(line);
		while (len && strchr(" \t\r", line[len - 1]))
			len--;
		if (!len || line[0] == '#')
			continue;
		if (o != out)
			*o++ = ' ';
		memcpy(o, line, len);
		o += len;
	}
	*o = '\0';
	*ret = out;
	return 0;
}
