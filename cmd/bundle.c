/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg bundle create|verify|show: the signed policy bundle for the key broker. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cvmimg/attest.h>
#include <cvmimg/bundle.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "bundle-output.h"
#include "cli.h"
#include "cmd.h"

#define NAME "bundle"
#define MAX_FILES 8
#define BROKER_KEY_MAX 4096

#define CREATE_USAGE                                                                               \
	"create (--measurements FILE | --measurement SHAPE=FILE ...) --name NAME --signing-key FILE "   \
	"[options] -o FILE"
#define VERIFY_USAGE "verify --key FILE [--image FILE] [--at-time TIME] [--json] BUNDLE"
#define SHOW_USAGE "show [--key FILE] [--json] BUNDLE"

static const char *const synopsis[] = { CREATE_USAGE, VERIFY_USAGE, SHOW_USAGE, NULL };

static const struct cli_command bundle_cmd = {
	.name = NAME,
	.synopsis = synopsis,
	.summary = "Make, check and describe the signed policy bundle for the key broker: a DSSE\n"
		   "envelope around an in-toto statement of the image's artifacts, its VM shapes\n"
		   "and expected launch measurements, Trustee's reference values and resource\n"
		   "policy rule, and the broker key sealed to the broker operator's key.",
	.min_operands = 0,
	.max_operands = 0,
};

int bundle_read(const char *cmd, const char *path, struct bundle_file *ret)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	cvm_err e = { 0 };
	size_t len = 0;

	if (cvm_read_file(path, CVM_BUNDLE_MAX_SIZE, &buf, &len, &e) < 0 ||
	    cvm_bundle_load((const char *)buf, len, path, ret->key_path, &ret->b, &e) < 0)
		return cli_fail(cmd, &e);
	return 0;
}

/* --at-time TIME or now. */
int bundle_time(const char *cmd, const char *arg, int64_t *ret)
{
	if (!arg) {
		*ret = (int64_t)time(NULL);
		return 0;
	}
	if (cvm_parse_rfc3339(arg, ret) < 0)
		return cli_usage(cmd, "--at-time needs an RFC 3339 time such as "
				      "2027-01-01T00:00:00Z, not '%s'",
				 arg);
	return 0;
}

/* ---- create ------------------------------------------------------------------ */

static const char *const create_synopsis[] = { CREATE_USAGE, NULL };

static const struct cli_command create_cmd = {
	.name = NAME,
	.synopsis = create_synopsis,
	.summary = "Make a bundle from a measurements document (measurements.json, as cvmimg build\n"
		   "writes it) and the image's artifacts, sign it, and write it to FILE. With\n"
		   "--broker-key, the broker key is sealed to --broker-public-key.",
	.refuse_repeats = true,
};

struct create_args {
	struct cvm_bundle_input in;
	const char *measurements, *output, *image, *uki, *broker_key_path, *not_after, *verity;
	json_object *verity_doc; /* holds in.verity */
	struct cli_list firmware, signing, rvs, shapes;
	uint64_t valid_days;
	struct cvm_bundle_subject subjects[MAX_FILES];
	uint8_t *broker_key;
};

static void create_args_done(struct create_args *a)
{
	cli_list_free(&a->firmware);
	cli_list_free(&a->signing);
	cli_list_free(&a->rvs);
	cli_list_free(&a->shapes);
	cvm_secret_free(a->broker_key);
	json_object_put(a->in.reference_values);
	json_object_put(a->verity_doc);
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s && s[1] ? s + 1 : path;
}

static int add_subject(struct create_args *a, const char *path)
{
	if (a->in.n_subjects >= MAX_FILES)
		return cli_usage(NAME, "at most %d artifacts", MAX_FILES);
	a->subjects[a->in.n_subjects++] =
		(struct cvm_bundle_subject){ .name = base_name(path), .path = path };
	return 0;
}

/* The broker key file, read straight into locked memory. */
static int read_broker_key(struct create_args *a)
{
	CVM_CLEANUP_CLOSE int fd = open(a->broker_key_path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t n = 0;

	if (fd < 0 || fstat(fd, &st) < 0) {
		cli_error(NAME, "cannot read '%s': %s", a->broker_key_path, strerror(errno));
		return cli_exit_code(-errno);
	}
	if (!S_ISREG(st.st_mode) || st.st_size < 16 || st.st_size > BROKER_KEY_MAX) {
		cli_error(NAME, "'%s' is not a broker key file (16 to %d bytes)",
			  a->broker_key_path, BROKER_KEY_MAX);
		return CLI_EXIT_INPUT;
	}
	if (!(a->broker_key = cvm_secret_alloc((size_t)st.st_size)))
		return CLI_EXIT_SYSTEM;
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, a->broker_key + n, (size_t)st.st_size - n);

		if (r <= 0) {
			cli_error(NAME, "cannot read '%s'", a->broker_key_path);
			return CLI_EXIT_INPUT;
		}
		n += (size_t)r;
	}
	a->in.broker_key = a->broker_key;
	a->in.broker_key_len = n;
	return 0;
}

/* --reference-value NAME=JSON, e.g. snp_bootloader=[10] or snp_smt_enabled=true. */
static int collect_rvs(struct create_args *a)
{
	if (!a->rvs.n)
		return 0;
	if (!(a->in.reference_values = json_object_new_object()))
		return CLI_EXIT_SYSTEM;
	for (size_t i = 0; i < a->rvs.n; i++) {
		const char *arg = a->rvs.items[i], *eq = strchr(arg, '=');
		char name[64];
		json_object *v = NULL;
		cvm_err e = { 0 };

		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name))
			return cli_usage(NAME, "--reference-value needs NAME=JSON, not '%s'", arg);
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		if (cvm_json_parse(eq + 1, strlen(eq + 1), 4096, "the --reference-value", &v, &e) <
			    0 ||
		    !v)
			return cli_usage(NAME, "--reference-value %s: the value is not JSON", name);
		json_object_object_add(a->in.reference_values, name, v);
	}
	return 0;
}

/* --verity FILE: the "verity" object of build.json (or of cvmimg inspect --json). */
static int read_verity(struct create_args *a)
{
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	CVM_CLEANUP_FREE char *quoted = NULL;
	cvm_err e = { 0 };
	size_t len = 0;

	if (asprintf(&quoted, "'%s'", a->verity) < 0)
		return CLI_EXIT_SYSTEM;
	if (cvm_read_file(a->verity, CVM_BUNDLE_MAX_SIZE, &text, &len, &e) < 0 ||
	    cvm_json_parse((const char *)text, len, CVM_BUNDLE_MAX_SIZE, quoted, &a->verity_doc,
			   &e) < 0)
		return cli_fail(NAME, &e);
	if (!json_object_object_get_ex(a->verity_doc, "verity", &a->in.verity) || !a->in.verity) {
		cli_error(NAME, "%s has no \"verity\" object (a build without --verity?)", quoted);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

static int create_inputs(struct create_args *a, const struct cli_option *opts)
{
	int r;

	if (!a->measurements == !a->shapes.n)
		return cli_usage(NAME, "create needs --measurements or --measurement, not both");
	if (!a->in.image_name || !a->signing.n || !a->output)
		return cli_usage(NAME, "create needs --name, --signing-key and --output");
	if (!a->broker_key_path != !a->in.operator_key_path)
		return cli_usage(NAME, "--broker-key and --broker-public-key go together");
	if (a->not_after && cli_given(opts, &a->valid_days))
		return cli_usage(NAME, "give --not-after or --valid-days, not both");
	if (a->image && (r = add_subject(a, a->image)))
		return r;
	if (a->uki && (r = add_subject(a, a->uki)))
		return r;
	for (size_t i = 0; i < a->firmware.n; i++)
		if ((r = add_subject(a, a->firmware.items[i])))
			return r;
	if (!a->in.n_subjects)
		return cli_usage(NAME, "create needs at least one of --image, --uki, --firmware");
	a->in.subjects = a->subjects;
	a->in.signing_keys = a->signing.items;
	a->in.n_signing_keys = a->signing.n;
	a->in.created = (int64_t)time(NULL);
	if (a->not_after) {
		if (cvm_parse_rfc3339(a->not_after, &a->in.not_after) < 0)
			return cli_usage(NAME, "--not-after needs an RFC 3339 time, not '%s'",
					 a->not_after);
	} else {
		a->in.not_after = a->in.created + (int64_t)a->valid_days * 86400;
	}
	if (a->broker_key_path && (r = read_broker_key(a)))
		return r;
	if (a->verity && (r = read_verity(a)))
		return r;
	return collect_rvs(a);
}

/* The shapes of --measurement SHAPE=FILE, FILE as cvmimg measure --json prints it. */
static int shapes_of(const struct cli_list *l, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *list = json_object_new_array();

	if (!list)
		return CLI_EXIT_SYSTEM;
	for (size_t i = 0; i < l->n; i++) {
		const char *eq = strchr(l->items[i], '=');
		CVM_CLEANUP_FREE char *name = NULL, *quoted = NULL;
		CVM_CLEANUP_FREE uint8_t *text = NULL;
		CVM_CLEANUP(cvm_jsonp) json_object *m = NULL;
		json_object *s = NULL;
		cvm_err e = { 0 };
		size_t len = 0;

		if (!eq || eq == l->items[i] || !eq[1])
			return cli_usage(NAME, "--measurement needs SHAPE=FILE, not '%s'",
					 l->items[i]);
		if (!(name = strndup(l->items[i], (size_t)(eq - l->items[i]))) ||
		    asprintf(&quoted, "'%s'", eq + 1) < 0)
			return CLI_EXIT_SYSTEM;
		if (cvm_read_file(eq + 1, CVM_BUNDLE_MAX_SIZE, &text, &len, &e) < 0 ||
		    cvm_json_parse((const char *)text, len, CVM_BUNDLE_MAX_SIZE, quoted, &m, &e) < 0 ||
		    cvm_bundle_shape_new(name, NULL, m, &s, &e) < 0)
			return cli_fail(NAME, &e);
		json_object_array_add(list, s);
	}
	*ret = CVM_TAKE_PTR(list);
	return 0;
}

static int create_run(struct create_args *a)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL;
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	CVM_CLEANUP_FREE char *out = NULL, *line = NULL;
	cvm_err e = { 0 };
	size_t len = 0;
	int r;

	if (a->shapes.n) {
		if ((r = shapes_of(&a->shapes, &doc)))
			return r;
		a->in.shapes = doc;
	} else {
		if (cvm_read_file(a->measurements, CVM_BUNDLE_MAX_SIZE, &text, &len, &e) < 0 ||
		    cvm_bundle_measurements_load((const char *)text, len, a->measurements, &doc,
						 &e) < 0)
			return cli_fail(NAME, &e);
		a->in.shapes = json_object_object_get(doc, "measurements");
	}
	if (cvm_bundle_create(&a->in, &out, &e) < 0)
		return cli_fail(NAME, &e);
	if (!(line = realloc(out, strlen(out) + 2)))
		return CLI_EXIT_SYSTEM;
	out = NULL;
	strcat(line, "\n");
	if (cvm_write_file_atomic(a->output, line, strlen(line), 0644, &e) < 0)
		return cli_fail(NAME, &e);
	return CLI_EXIT_OK;
}

static int bundle_create(int argc, char **argv)
{
	CVM_CLEANUP(create_args_done) struct create_args a = { .valid_days = 365 };
	struct cvm_bundle_input *in = &a.in;
	struct cli_option options[] = {
		CLI_STRING("measurements", 'm', "FILE", &a.measurements,
			   "the VM shapes and expected values (measurements.json)"),
		CLI_LIST("measurement", 0, "SHAPE=FILE", &a.shapes,
			 "or one shape: FILE from cvmimg measure --json (repeatable)"),
		CLI_STRING("name", 0, "NAME", &in->image_name,
			   "image name: [A-Za-z0-9._-], names the broker resource"),
		CLI_STRING("image-version", 0, "TEXT", &in->image_version, "image version"),
		CLI_STRING("luks-uuid", 0, "UUID", &in->luks_uuid, "UUID of the LUKS2 root"),
		CLI_STRING("verity", 0, "FILE", &a.verity,
			   "the dm-verity parameters: FILE's \"verity\" (build.json)"),
		CLI_STRING("image", 0, "FILE", &a.image, "the disk image (a subject)"),
		CLI_STRING("uki", 0, "FILE", &a.uki, "the UKI (a subject)"),
		CLI_LIST("firmware", 0, "FILE", &a.firmware, "firmware image (a subject; repeatable)"),
		CLI_STRING("broker-url", 0, "URL", &in->broker_url, "the key broker's URL"),
		CLI_STRING("broker-resource", 0, "PATH", &in->resource,
			   "REPO/TYPE/TAG (default cvmimg/NAME/luks-key)"),
		CLI_STRING("broker-key", 0, "FILE", &a.broker_key_path,
			   "the broker key to seal (DIR/broker.key)"),
		CLI_STRING("broker-public-key", 0, "FILE", &in->operator_key_path,
			   "the broker operator's public key (EC P-256)"),
		CLI_LIST("reference-value", 0, "NAME=JSON", &a.rvs,
			 "another Trustee reference value (repeatable)"),
		CLI_LIST("signing-key", 'k', "FILE", &a.signing,
			 "private key to sign with (repeatable)"),
		CLI_STRING("not-after", 0, "TIME", &a.not_after, "valid until (RFC 3339)"),
		CLI_U64("valid-days", 0, "N", &a.valid_days, 1, 36500,
			"valid for N days (default 365)"),
		CLI_STRING("output", 'o', "FILE", &a.output, "write the bundle to FILE"),
		CLI_END,
	};
	int r;

	if ((r = cli_parse(&create_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	if ((r = create_inputs(&a, options)))
		return r;
	return create_run(&a);
}

/* ---- verify and show ---------------------------------------------------------- */

static const char *const verify_synopsis[] = { VERIFY_USAGE, NULL };
static const char *const show_synopsis[] = { SHOW_USAGE, NULL };

static const struct cli_command verify_cmd = {
	.name = NAME,
	.synopsis = verify_synopsis,
	.summary = "Check a bundle: a signature by the key in --key over the payload exactly as\n"
		   "carried, the statement and predicate in full, not_after, and with --image that\n"
		   "the file is one of the subjects. Exit 1 with the reason on any failure.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "verify needs a BUNDLE",
	.refuse_repeats = true,
};

static const struct cli_command show_cmd = {
	.name = NAME,
	.synopsis = show_synopsis,
	.summary = "Describe a bundle: image, validity, subjects, VM shapes with their expected\n"
		   "values, the dm-verity parameters, the broker section. Without --key the\n"
		   "signature is not checked (and the output says so).",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "show needs a BUNDLE",
	.refuse_repeats = true,
};

static int bundle_verify(int argc, char **argv)
{
	CVM_CLEANUP(bundle_file_done) struct bundle_file f = { 0 };
	const char *image = NULL, *at = NULL, *subject = NULL;
	bool json = false;
	struct cli_option options[] = {
		CLI_STRING("key", 'k', "FILE", &f.key_path, "the signer's public key (PEM)"),
		CLI_STRING("image", 0, "FILE", &image, "check that FILE is one of the subjects"),
		CLI_STRING("at-time", 0, "TIME", &at, "check not_after at this time, not now"),
		CLI_JSON(&json),
		CLI_END,
	};
	char **operands = NULL;
	unsigned n = 0;
	cvm_err e = { 0 };
	int64_t now;
	int r;

	if ((r = cli_parse(&verify_cmd, options, argc, argv, &operands, &n)) != CLI_GO_ON)
		return r;
	if (!f.key_path)
		return cli_usage(NAME, "verify needs --key");
	if ((r = bundle_time(NAME, at, &now)) || (r = bundle_read(NAME, operands[0], &f)))
		return r;
	if (cvm_bundle_check_time(f.b, now, &e) < 0 ||
	    (image && cvm_bundle_check_artifact(f.b, image, &subject, &e) < 0))
		return cli_fail(NAME, &e);
	return bundle_print_verified(&f, image, subject, json);
}

static int bundle_show(int argc, char **argv)
{
	CVM_CLEANUP(bundle_file_done) struct bundle_file f = { 0 };
	bool json = false;
	struct cli_option options[] = {
		CLI_STRING("key", 'k', "FILE", &f.key_path, "check the signature with this key"),
		CLI_JSON(&json),
		CLI_END,
	};
	char **operands = NULL;
	unsigned n = 0;
	int r;

	if ((r = cli_parse(&show_cmd, options, argc, argv, &operands, &n)) != CLI_GO_ON)
		return r;
	if ((r = bundle_read(NAME, operands[0], &f)))
		return r;
	return bundle_print(&f, json);
}

static const struct cli_verb verbs[] = {
	{ "create", bundle_create },
	{ "verify", bundle_verify },
	{ "show", bundle_show },
	{ NULL, NULL },
};

int cmd_bundle(int argc, char **argv)
{
	struct cli_option options[] = { CLI_END };
	int r;

	if ((r = cli_run_verb(verbs, argc, argv)) != CLI_GO_ON)
		return r;
	if ((r = cli_parse(&bundle_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	return cli_usage(NAME, "a verb is required: create, verify or show");
}
