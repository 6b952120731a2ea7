/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bundle as files for Trustee's own tools (key-broker.md 1.10), for
 * air-gapped or hand-run registration: the RVPS sample message, the reference
 * values as a map, a complete resource policy holding the image's rule, the
 * broker key as the resource file, and a script of kbs-client calls.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/bundle.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle/bundle.h"
#include "bundle/trustee.h"
#include "util/macro.h"

static const char script_head[] =
	"#!/bin/sh\n"
	"# Register image %s with a Trustee KBS (written by cvmimg broker export).\n"
	"#   KBS_URL=https://kbs.example:8080 ADMIN_TOKEN=/path/to/admin-token ./kbs-client.sh\n"
	"# The reference values go in one POST of rv-message.json (or: rvps-tool register\n"
	"# --path rv-message.json): kbs-client set-sample-reference-value replaces a whole\n"
	"# list and would drop other images' values. resource-policy.rego replaces the\n"
	"# broker's whole resource policy. 'cvmimg broker apply' unions the values and\n"
	"# merges the rule into the existing policy instead.\n"
	"set -eu\n"
	"cd \"$(dirname \"$0\")\"\n"
	": \"${KBS_URL:?set KBS_URL}\" \"${ADMIN_TOKEN:?set ADMIN_TOKEN to the admin token file}\"\n"
	"curl -fsS -X POST -H \"Authorization: Bearer $(cat \"$ADMIN_TOKEN\")\" \\\n"
	"\t-H 'Content-Type: application/json' --data-binary @rv-message.json \\\n"
	"\t\"$KBS_URL/kbs/v0/reference-value\"\n";

static const char script_resource[] =
	"kbs-client --url \"$KBS_URL\" config --admin-token-file \"$ADMIN_TOKEN\" \\\n"
	"\tset-resource --path %s --resource-file resource.key\n";

static const char script_policy[] =
	"kbs-client --url \"$KBS_URL\" config --admin-token-file \"$ADMIN_TOKEN\" \\\n"
	"\tset-resource-policy --policy-file resource-policy.rego\n";

static int put(const char *dir, const char *name, const void *buf, size_t len, unsigned mode,
	       cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *path = NULL;

	if (asprintf(&path, "%s/%s", dir, name) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_write_file_atomic(path, buf, len, mode, reterr);
}

static int put_text(const char *dir, const char *name, const char *text, unsigned mode,
		    cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *line = NULL;
	size_t n = strlen(text);

	if (asprintf(&line, "%s%s", text, n && text[n - 1] == '\n' ? "" : "\n") < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return put(dir, name, line, strlen(line), mode, reterr);
}

static int script(const struct cvm_bundle *b, bool with_key, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, script_head, b->image_name);
	if (with_key)
		fprintf(f, script_resource, b->resource);
	fputs(script_policy, f);
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

CVM_PUBLIC int cvm_trustee_export(const struct cvm_bundle *b, const char *operator_key_path,
				  const char *dir, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *msg = NULL, *policy = NULL, *sh = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	size_t key_len = 0;
	bool foreign;
	int r;

	CVM_CHECK_ARG(b && dir, reterr);
	if (operator_key_path &&
	    (r = cvm_bundle_unseal(b, operator_key_path, &key, &key_len, reterr)) < 0)
		return r;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cvm_err_set_errno(reterr, -errno, "cannot create '%s'", dir);
	if (bundle_rv_message(b->rvs, &msg) < 0 || script(b, key != NULL, &sh) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = bundle_policy_merge(NULL, b->resource, b->rule, &policy, &foreign, reterr)) < 0 ||
	    (r = put_text(dir, "rv-message.json", msg, 0644, reterr)) < 0 ||
	    (r = put_text(dir, "reference-values.json",
			  json_object_to_json_string_ext(b->rvs, JSON_C_TO_STRING_PRETTY |
								   JSON_C_TO_STRING_NOSLASHESCAPE),
			  0644, reterr)) < 0 ||
	    (r = put_text(dir, "resource-policy.rego", policy, 0644, reterr)) < 0 ||
	    (key && (r = put(dir, "resource.key", key, key_len, 0600, reterr)) < 0) ||
	    (r = put_text(dir, "kbs-client.sh", sh, 0755, reterr)) < 0)
		return r;
	return 0;
}
