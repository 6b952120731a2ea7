/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The image's rule of Trustee's resource policy, expanded from the template
 * policies/trustee-resource-rule.rego (compiled in), and merged into a whole
 * policy: the block between "# cvmimg begin <resource>" and "# cvmimg end
 * <resource>" is replaced, or appended; nothing else is touched.
 *
 * Every value put into Rego text is checked first: resource paths and image
 * names are [A-Za-z0-9._-], registers lowercase hex, shape names printable
 * ASCII (they land in a comment).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>

#include "bundle/policy-template.h"
#include "bundle/shapes.h"
#include "bundle/trustee.h"
#include "util/macro.h"

#define FRESH_POLICY_HEAD "package policy\n\nimport rego.v1\n\ndefault allow := false\n"

struct part {
	const char *name;
	const char *start;
	size_t len;
};

/* The text of part @name of the template ("#@ name" up to the next "#@ "). */
static int template_part(const char *name, struct part *ret)
{
	const char *p = cvm_trustee_rule_template;
	size_t n = strlen(name);

	while ((p = strstr(p, "\n#@ "))) {
		p += 4;
		if (strncmp(p, name, n) || p[n] != '\n')
			continue;
		ret->name = name;
		ret->start = p + n + 1;
		p = strstr(ret->start, "\n#@ ");
		ret->len = p ? (size_t)(p + 1 - ret->start) : strlen(ret->start);
		return 0;
	}
	return -EBADMSG;
}

/* What the placeholders stand for; a NULL value drops the line. */
struct subst {
	const char *names[12];
	const char *values[12];
	size_t n;
};

static void subst_set(struct subst *s, const char *name, const char *value)
{
	s->names[s->n] = name;
	s->values[s->n++] = value;
}

/* One line with its placeholders replaced; false if it is to be dropped. */
static int expand_line(FILE *out, const char *line, size_t len, const struct subst *s)
{
	const char *end = line + len, *p = line;

	/* first pass: any unknown value drops the line */
	for (const char *q = line; (q = memchr(q, '@', (size_t)(end - q)));) {
		const char *close = memchr(q + 1, '@', (size_t)(end - q - 1));
		size_t i = 0;

		if (!close)
			return -EBADMSG;
		while (i < s->n && (strlen(s->names[i]) != (size_t)(close - q - 1) ||
				    strncmp(s->names[i], q + 1, (size_t)(close - q - 1))))
			i++;
		if (i == s->n)
			return -EBADMSG;
		if (!s->values[i])
			return 0;
		q = close + 1;
	}
	while (p < end) {
		const char *q = memchr(p, '@', (size_t)(end - p)), *close;
		size_t i = 0;

		if (!q) {
			fwrite(p, 1, (size_t)(end - p), out);
			break;
		}
		fwrite(p, 1, (size_t)(q - p), out);
		close = memchr(q + 1, '@', (size_t)(end - q - 1));
		while (strlen(s->names[i]) != (size_t)(close - q - 1) ||
		       strncmp(s->names[i], q + 1, (size_t)(close - q - 1)))
			i++;
		fputs(s->values[i], out);
		p = close + 1;
	}
	return 1;
}

static int expand(FILE *out, const char *name, const struct subst *s, cvm_err *reterr)
{
	struct part part;
	const char *p, *end;

	if (template_part(name, &part) < 0)
		return cvm_err_set(reterr, -EBADMSG, "the policy template has no part '%s'", name);
	for (p = part.start, end = part.start + part.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl + 1 - p) : (size_t)(end - p);
		int r = expand_line(out, p, len, s);

		if (r < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "the policy template has an unknown placeholder in "
					   "part '%s'",
					   name);
		p += len;
	}
	return 0;
}

bool bundle_is_name(const char *s, size_t max)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");

	return n && n <= max && !s[n] && strcmp(s, ".") && strcmp(s, "..");
}

bool bundle_is_resource(const char *s)
{
	char seg[3][CVM_BUNDLE_NAME_MAX + 1];
	int n = 0;

	if (strlen(s) > 3 * CVM_BUNDLE_NAME_MAX + 2)
		return false;
	if (sscanf(s, "%64[^/]/%64[^/]/%64[^/]%n", seg[0], seg[1], seg[2], &n) != 3 ||
	    (size_t)n != strlen(s))
		return false;
	for (int i = 0; i < 3; i++)
		if (!bundle_is_name(seg[i], CVM_BUNDLE_NAME_MAX))
			return false;
	return true;
}

/* {["a", "b", "c"], "/a/b/c"}: the resource path as Trustee's releases give it. */
static char *paths_literal(const char *resource)
{
	char a[CVM_BUNDLE_NAME_MAX + 1], b[CVM_BUNDLE_NAME_MAX + 1], c[CVM_BUNDLE_NAME_MAX + 1];
	char *out = NULL;

	if (sscanf(resource, "%64[^/]/%64[^/]/%64s", a, b, c) != 3 ||
	    asprintf(&out, "{[\"%s\", \"%s\", \"%s\"], \"/%s\"}", a, b, c, resource) < 0)
		return NULL;
	return out;
}

/* {"h1", "h2"} of the SNP shapes' measurements; NULL if there is none. */
static char *snp_set(json_object *shapes)
{
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	fputc('{', f);
	for (size_t i = 0; i < json_object_array_length(shapes); i++) {
		json_object *s = json_object_array_get_idx(shapes, i);

		if (!strcmp(bundle_shape_tee(s), "snp"))
			fprintf(f, "%s\"%s\"", n++ ? ", " : "",
				bundle_shape_value(s, "measurement"));
	}
	fputc('}', f);
	if (fclose(f) != 0 || !n) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int tdx_parts(FILE *out, json_object *shapes, struct subst *s, cvm_err *reterr)
{
	static const char *const regs[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	static const char *const names[] = { "MR_TD", "RTMR_0", "RTMR_1", "RTMR_2", "RTMR_3" };
	size_t base = s->n;
	int r;

	for (size_t i = 0; i < json_object_array_length(shapes); i++) {
		json_object *shape = json_object_array_get_idx(shapes, i);

		if (strcmp(bundle_shape_tee(shape), "tdx"))
			continue;
		s->n = base;
		subst_set(s, "SHAPE", bundle_shape_name(shape));
		for (size_t j = 0; j < CVM_ARRAY_SIZE(regs); j++)
			subst_set(s, names[j], bundle_shape_value(shape, regs[j]));
		if ((r = expand(out, "tdx", s, reterr)) < 0)
			return r;
	}
	return 0;
}

int bundle_trustee_rule(const char *image, const char *resource, json_object *shapes,
			char **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *paths = NULL, *snp = NULL, *buf = NULL;
	struct subst s = { .n = 0 };
	size_t len = 0;
	FILE *out;
	int r;

	if (!bundle_is_name(image, CVM_BUNDLE_NAME_MAX) || !bundle_is_resource(resource))
		return cvm_err_set(reterr, -EINVAL, "invalid image name or resource path");
	if (!(paths = paths_literal(resource)) || !(out = open_memstream(&buf, &len)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	snp = snp_set(shapes);
	subst_set(&s, "RESOURCE", resource);
	subst_set(&s, "PATHS", paths);
	subst_set(&s, "IMAGE", image);
	subst_set(&s, "SNP_MEASUREMENTS", snp);
	r = expand(out, "begin", &s, reterr);
	if (r >= 0 && snp)
		r = expand(out, "snp", &s, reterr);
	if (r >= 0)
		r = tdx_parts(out, shapes, &s, reterr);
	s.n = 4;
	if (r >= 0)
		r = expand(out, "end", &s, reterr);
	if (fclose(out) != 0 && r >= 0)
		r = cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (r < 0)
		return r;
	*ret = CVM_TAKE_PTR(buf);
	return 0;
}

/* The line that starts at @p has exactly the text @want. */
static bool line_is(const char *p, const char *want)
{
	size_t n = strlen(want);

	return !strncmp(p, want, n) && (p[n] == '\n' || !p[n]);
}

/* The start of the first line equal to @want, or NULL. */
static const char *find_line(const char *text, const char *want)
{
	for (const char *p = text; p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (line_is(p, want))
			return p;
	return NULL;
}

static const char *next_line(const char *p)
{
	const char *nl = strchr(p, '\n');

	return nl ? nl + 1 : p + strlen(p);
}

/* Whether an allow rule outside cvmimg's blocks may release resources too. */
static bool foreign_allow(const char *text)
{
	bool inside = false;

	for (const char *p = text; *p; p = next_line(p)) {
		const char *q = p + strspn(p, " \t");

		if (!strncmp(q, "# cvmimg begin ", 15))
			inside = true;
		else if (!strncmp(q, "# cvmimg end ", 13))
			inside = false;
		else if (!inside && !strncmp(q, "allow", 5) && !strchr("_0-9A-Za-z", q[5]))
			return true;
	}
	return false;
}

int bundle_policy_merge(const char *existing, const char *resource, const char *block,
			char **ret, bool *ret_foreign, cvm_err *reterr)
{
	char begin[CVM_BUNDLE_RESOURCE_MAX + 32], end[CVM_BUNDLE_RESOURCE_MAX + 32];
	const char *b, *e;
	char *out = NULL;
	int n;

	snprintf(begin, sizeof(begin), "# cvmimg begin %s", resource);
	snprintf(end, sizeof(end), "# cvmimg end %s", resource);
	if (!existing || !existing[strspn(existing, " \t\r\n")]) {
		*ret_foreign = false;
		n = asprintf(&out, "%s\n%s", FRESH_POLICY_HEAD, block);
	} else {
		if (strlen(existing) != strcspn(existing, "\r") || !find_line(existing, "package policy"))
			return cvm_err_set(reterr, -EBADMSG, "the resource policy is not Rego of "
							     "'package policy' with Unix line ends");
		b = find_line(existing, begin);
		e = b ? find_line(b, end) : NULL;
		if (b && !e)
			return cvm_err_set(reterr, -EBADMSG, "the resource policy has '%s' without "
							     "'%s'", begin, end);
		if (b)
			n = asprintf(&out, "%.*s%s%s", (int)(b - existing), existing, block,
				     next_line(e));
		else
			n = asprintf(&out, "%s%s\n%s", existing,
				     existing[strlen(existing) - 1] == '\n' ? "" : "\n", block);
		if (n >= 0)
			*ret_foreign = foreign_allow(out);
	}
	if (n < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = out;
	return 0;
}
