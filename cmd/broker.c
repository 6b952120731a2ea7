/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg broker export|apply: a bundle into a Trustee key broker. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvmimg/bundle.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "broker-http.h"
#include "bundle-output.h"
#include "cli.h"
#include "cmd.h"

#define NAME "broker"
#define TOKEN_MAX 16384

#define EXPORT_USAGE "export --format trustee [--bundle-key FILE] [--operator-key FILE] -o DIR BUNDLE"
#define APPLY_USAGE                                                                                \
	"apply --kbs URL --bundle-key FILE --operator-key FILE "                                   \
	"(--admin-key FILE | --admin-token FILE) [options] BUNDLE"

static const char *const synopsis[] = { EXPORT_USAGE, APPLY_USAGE, NULL };

static const struct cli_command broker_cmd = {
	.name = NAME,
	.synopsis = synopsis,
	.summary = "Hand a bundle to a key broker (Trustee): as files for Trustee's own tools,\n"
		   "or straight into a running KBS through its admin API.",
};

static const char *const export_synopsis[] = { EXPORT_USAGE, NULL };
static const char *const apply_synopsis[] = { APPLY_USAGE, NULL };

static const struct cli_command export_cmd = {
	.name = NAME,
	.synopsis = export_synopsis,
	.summary = "Write the bundle's Trustee inputs into DIR: rv-message.json (RVPS sample\n"
		   "message), reference-values.json, resource-policy.rego (a complete policy with\n"
		   "the image's rule), resource.key (the broker key, unsealed with\n"
		   "--operator-key) and kbs-client.sh.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "export needs a BUNDLE",
	.refuse_repeats = true,
};

static const struct cli_command apply_cmd = {
	.name = NAME,
	.synopsis = apply_synopsis,
	.summary = "Verify the bundle, then through Trustee's admin API: union its reference values\n"
		   "with the broker's (never dropping others'), upload the broker key as the\n"
		   "resource, and merge the image's rule into the resource policy.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "apply needs a BUNDLE",
	.refuse_repeats = true,
};

static const char *const formats[] = { "trustee", NULL };

static int broker_export(int argc, char **argv)
{
	CVM_CLEANUP(bundle_file_done) struct bundle_file f = { 0 };
	const char *op = NULL, *dir = NULL;
	int format = -1;
	struct cli_option options[] = {
		CLI_CHOICE("format", 0, "NAME", &format, formats, "trustee (the only one)"),
		CLI_STRING("bundle-key", 0, "FILE", &f.key_path,
			   "check the bundle's signature with this public key"),
		CLI_STRING("operator-key", 0, "FILE", &op,
			   "the operator's private key: write resource.key"),
		CLI_STRING("output", 'o', "DIR", &dir, "write the files into DIR"),
		CLI_END,
	};
	char **operands = NULL;
	unsigned n = 0;
	cvm_err e = { 0 };
	int r;

	if ((r = cli_parse(&export_cmd, options, argc, argv, &operands, &n)) != CLI_GO_ON)
		return r;
	if (format < 0 || !dir)
		return cli_usage(NAME, "export needs --format trustee and --output");
	if ((r = bundle_read(NAME, operands[0], &f)))
		return r;
	if (!f.key_path)
		cli_error(NAME, "note: the bundle's signature was not checked (no --bundle-key)");
	if (cvm_trustee_export(f.b, op, dir, &e) < 0)
		return cli_fail(NAME, &e);
	return CLI_EXIT_OK;
}

struct apply_args {
	struct broker_http http;
	const char *admin_key, *admin_token, *operator_key;
	struct cvm_admin_claims claims;
	uint64_t timeout;
	char *token;
};

static void apply_args_done(struct apply_args *a)
{
	broker_http_done(&a->http);
	if (a->token)
		cvm_memzero(a->token, strlen(a->token));
	free(a->token);
}

static void note(void *ctx, const char *text)
{
	(void)ctx;
	printf("%s\n", text);
}

/* The admin token: minted with --admin-key, or read from --admin-token. */
static int admin_token(struct apply_args *a)
{
	cvm_err e = { 0 };
	uint8_t *buf = NULL;
	size_t len = 0;

	if (a->admin_key) {
		if (cvm_trustee_admin_token(a->admin_key, &a->claims, (int64_t)time(NULL),
					    &a->token, &e) < 0)
			return cli_fail(NAME, &e);
		return 0;
	}
	if (cvm_read_file(a->admin_token, TOKEN_MAX, &buf, &len, &e) < 0)
		return cli_fail(NAME, &e);
	while (len && strchr(" \t\r\n", buf[len - 1]))
		buf[--len] = '\0';
	a->token = (char *)buf;
	if (!len || strpbrk(a->token, " \t\r\n")) {
		cli_error(NAME, "'%s' does not hold one token", a->admin_token);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

static int apply_run(struct apply_args *a, struct bundle_file *f)
{
	struct cvm_trustee_apply o = {
		.operator_key_path = a->operator_key,
		.http = broker_http_request,
		.ctx = &a->http,
		.note = note,
	};
	cvm_err e = { 0 };
	int r;

	if ((r = admin_token(a)))
		return r;
	a->http.token = a->token;
	a->http.timeout = (long)a->timeout;
	if (broker_http_init(&a->http, &e) < 0 || cvm_trustee_apply(f->b, &o, &e) < 0)
		return cli_fail(NAME, &e);
	printf("applied %s to %s\n", cvm_bundle_resource(f->b), a->http.base_url);
	return CLI_EXIT_OK;
}

static int broker_apply(int argc, char **argv)
{
	CVM_CLEANUP(bundle_file_done) struct bundle_file f = { 0 };
	CVM_CLEANUP(apply_args_done) struct apply_args a = {
		.claims = { .issuer = "cvmimg", .subject = "cvmimg", .role = "admin",
			    .lifetime = 300 },
		.timeout = 30,
	};
	struct cli_option options[] = {
		CLI_STRING("kbs", 0, "URL", &a.http.base_url, "the KBS, e.g. https://kbs:8080"),
		CLI_STRING("broker-url", 0, "URL", &a.http.base_url, "the same as --kbs"),
		CLI_STRING("broker-ca", 0, "FILE", &a.http.ca_file,
			   "CA certificate(s) of the KBS (PEM)"),
		CLI_FLAG("allow-http", 0, &a.http.allow_http, "accept an http:// URL"),
		CLI_STRING("bundle-key", 0, "FILE", &f.key_path, "the bundle signer's public key"),
		CLI_STRING("operator-key", 0, "FILE", &a.operator_key,
			   "the operator's private key (unseals the broker key)"),
		CLI_STRING("admin-key", 0, "FILE", &a.admin_key,
			   "sign a short-lived admin token with this private key"),
		CLI_STRING("admin-token", 0, "FILE", &a.admin_token, "or use the token in FILE"),
		CLI_STRING("admin-issuer", 0, "NAME", &a.claims.issuer,
			   "the token's iss (default cvmimg)"),
		CLI_STRING("admin-role", 0, "ROLE", &a.claims.role, "the token's role (default admin)"),
		CLI_STRING("admin-audience", 0, "AUD", &a.claims.audience, "the token's aud"),
		CLI_U64("timeout", 0, "S", &a.timeout, 1, 600, "seconds per request (default 30)"),
		CLI_END,
	};
	char **operands = NULL;
	unsigned n = 0;
	cvm_err e = { 0 };
	int r;

	if ((r = cli_parse(&apply_cmd, options, argc, argv, &operands, &n)) != CLI_GO_ON)
		return r;
	if (!a.http.base_url || !f.key_path || !a.operator_key)
		return cli_usage(NAME, "apply needs --kbs, --bundle-key and --operator-key");
	if (!a.admin_key == !a.admin_token)
		return cli_usage(NAME, "give one of --admin-key or --admin-token");
	if ((r = bundle_read(NAME, operands[0], &f)))
		return r;
	if (cvm_bundle_check_time(f.b, (int64_t)time(NULL), &e) < 0)
		return cli_fail(NAME, &e);
	return apply_run(&a, &f);
}

static const struct cli_verb verbs[] = {
	{ "export", broker_export },
	{ "apply", broker_apply },
	{ NULL, NULL },
};

int cmd_broker(int argc, char **argv)
{
	struct cli_option options[] = { CLI_END };
	int r;

	if ((r = cli_run_verb(verbs, argc, argv)) != CLI_GO_ON)
		return r;
	if ((r = cli_parse(&broker_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	return cli_usage(NAME, "a verb is required: export or apply");
}
