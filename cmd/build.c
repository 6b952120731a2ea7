/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg build: an encrypted, bootable disk image from a root filesystem tarball. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "build-seal.h"
#include "build-unlock.h"
#include "cli.h"
#include "cmd.h"
#include "passphrase.h"
#include "progress.h"

static const char *const synopsis[] = {
    "--rootfs FILE --output DIR [--size auto|SIZE] [--format raw|qcow2] [options]",
    NULL,
};

static const struct cli_command build_cmd = {
    .name = "build",
    .synopsis = synopsis,
    .summary = "Build a GPT disk image from a root filesystem tarball: an EFI system\n"
	       "partition with a UKI, and a LUKS2-encrypted ext4 root with a recovery\n"
	       "passphrase keyslot and a broker keyslot. No root, no device-mapper, and\n"
	       "the root filesystem's plaintext never touches the disk.",
};

CVM_DEFINE_CLEANUP(struct cvm_build_result, cvm_build_result_free, cvm_build_result)

struct build_args {
	struct cvm_build_options o;
	struct passphrase_source pass;
	bool generate, json;
	const char *format, *size;
	char *extra; /* --cmdline-extra and --console, in order, joined by spaces */
};

/* The kernel takes up to 2048 bytes of command line on x86 (COMMAND_LINE_SIZE). */
#define CMDLINE_MAX 2048

static int append_extra(struct build_args *a, const char *prefix, const char *arg)
{
	size_t have = a->extra ? strlen(a->extra) : 0, add = strlen(prefix) + strlen(arg) + 1;
	char *n;

	if (!*arg || strchr(arg, '\n') || have + add > CMDLINE_MAX)
		return cli_usage("build", "'%s%s' is empty, spans lines or makes the command line "
					  "too long",
				 prefix, arg);
	n = realloc(a->extra, have + add + 1);
	if (!n)
		return cli_fail("build", &(cvm_err){ .code = -ENOMEM });
	snprintf(n + have, add + 1, "%s%s%s", have ? " " : "", prefix, arg);
	a->extra = n;
	return 0;
}

static int add_extra(const struct cli_option *o, const char *arg)
{
	return append_extra(o->dest, "", arg);
}

static int add_console(const struct cli_option *o, const char *arg)
{
	return append_extra(o->dest, "console=", arg);
}

/* --cmdline, then what --cmdline-extra and --console added. */
static int join_cmdline(struct build_args *a)
{
	const char *base = a->o.cmdline;
	char *joined;

	if (!a->extra)
		return 0;
	if (base && *base) {
		if (asprintf(&joined, "%s %s", base, a->extra) < 0)
			return cli_fail("build", &(cvm_err){ .code = -ENOMEM });
		free(a->extra);
		a->extra = joined;
	}
	a->o.cmdline = a->extra;
	return 0;
}

/* --size auto|SIZE and --esp-size SIZE: whole MiB. */
static int parse_size(const char *opt, const char *arg, bool allow_auto, uint64_t *ret)
{
	if (allow_auto && !strcmp(arg, "auto")) {
		*ret = 0;
		return 0;
	}
	if (cli_size_parse(arg, ret) < 0 || *ret == 0)
		return cli_usage("build", "--%s needs %sa size such as 512M or 4G, not '%s'", opt,
				 allow_auto ? "auto or " : "", arg);
	if (*ret % (1u << 20))
		return cli_usage("build", "--%s must be a multiple of 1M", opt);
	return 0;
}

static int set_esp_size(const struct cli_option *o, const char *arg)
{
	return parse_size("esp-size", arg, false, o->dest);
}

static int convert(struct build_args *a)
{
	struct cvm_build_options *o = &a->o;
	int r;

	if (a->size && (r = parse_size("size", a->size, true, &o->size)))
		return r;
	if (a->format) {
		o->format = cvm_image_format_from_string(a->format);
		if (o->format == CVM_IMAGE_FORMAT_INVALID)
			return cli_usage("build", "--format is raw or qcow2, not '%s'", a->format);
	}
	return 0;
}

static int check_args(struct build_args *a)
{
	struct cvm_build_options *o = &a->o;
	int sources = passphrase_sources(&a->pass);

	if (!o->rootfs_path)
		return cli_usage("build", "--rootfs is required");
	if (!o->output_dir)
		return cli_usage("build", "--output is required");
	if (sources > 1 || (sources && a->generate))
		return cli_usage("build", "give one of --passphrase-file, --passphrase-fd, "
					  "--passphrase-env and --generate-passphrase");
	if (!strcmp(o->rootfs_path, "-")) {
		if (a->pass.file && !strcmp(a->pass.file, "-"))
			return cli_usage("build", "standard input cannot carry both the rootfs and "
						  "the passphrase");
		if (a->pass.fd && *a->pass.fd && !a->pass.fd[strspn(a->pass.fd, "0")])
			return cli_usage("build", "standard input cannot carry both the rootfs and "
						  "the passphrase");
		if (!o->size)
			return cli_usage("build",
					 "--rootfs - needs --size (the archive is read once)");
		o->rootfs_fd = 0;
	}
	return 0;
}

/* SOURCE_DATE_EPOCH, as reproducible-builds.org defines it. */
static int read_epoch(struct cvm_build_options *o)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	uint64_t v;

	if (!s || !*s)
		return 0;
	if (cvm_parse_u64(s, 0, INT64_MAX, &v) < 0 || (s[0] == '0' && s[1]))
		return cli_usage("build", "SOURCE_DATE_EPOCH must be a number of seconds, not '%s'",
				 s);
	o->have_source_date_epoch = true;
	o->source_date_epoch = (int64_t)v;
	return 0;
}

static int get_passphrase(struct build_args *a, char **pass)
{
	size_t len;
	cvm_err err = {0};
	int r;

	if (a->generate) {
		*pass = cvm_secret_alloc(CVM_PASSPHRASE_GENERATED_LEN + 1);
		if (!*pass)
			return cli_fail("build", &(cvm_err){.code = -ENOMEM});
		if ((r = cvm_passphrase_generate(*pass, &err)) < 0)
			return cli_fail("build", &err);
		a->o.passphrase = *pass;
		a->o.passphrase_len = CVM_PASSPHRASE_GENERATED_LEN;
		a->o.write_passphrase = true;
		return 0;
	}
	if ((r = passphrase_read("build", &a->pass, true, pass, &len)))
		return r;
	a->o.passphrase = *pass;
	a->o.passphrase_len = len;
	return 0;
}

static void print_summary(const char *dir, const struct cvm_build_result *res)
{
	for (size_t i = 0; i < res->n_artifacts; i++)
		printf("%s/%-12s %10llu bytes (%llu allocated)\n", dir, res->artifacts[i].name,
		       (unsigned long long)res->artifacts[i].size,
		       (unsigned long long)res->artifacts[i].allocated);
	printf("%s/build.json\n", dir);
	printf("LUKS UUID: %s\n", res->luks.uuid);
	printf("cmdline:   %s\n", res->boot.cmdline);
}

static int print_result(const char *dir, const struct cvm_build_result *res, bool json)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;

	if (!json) {
		print_summary(dir, res);
		return CLI_EXIT_OK;
	}
	if (cvm_build_result_to_json(res, &o) < 0)
		return cli_fail("build", &(cvm_err){ .code = -ENOMEM });
	cli_print_json(o);
	return CLI_EXIT_OK;
}

/* The command line (and --config) into @a and @seal: CLI_GO_ON, or the exit code. */
static int parse_args(struct build_args *a, struct build_seal *seal, int argc, char **argv)
{
	struct cvm_build_options *o = &a->o;
	struct cli_option options[] = {
		CLI_STRING("rootfs", 'r', "FILE", &o->rootfs_path,
			   "root filesystem tarball (any compression; - for stdin)"),
		CLI_STRING("output", 'o', "DIR", &o->output_dir,
			   "directory for the outputs (created if missing)"),
		CLI_FLAG("force", 0, &o->replace,
			 "replace the outputs of an earlier build in DIR as a whole"),
		CLI_STRING("format", 'f', "FMT", &a->format, "raw (default, sparse) or qcow2"),
		CLI_STRING("size", 's', "SIZE", &a->size,
			   "disk size: auto (default) or e.g. 4G, a multiple of 1M"),
		CLI_CALLBACK("esp-size", 0, "SIZE", set_esp_size, &o->esp_size,
			     "EFI system partition size (default 256M)"),
		CLI_STRING("seed", 0, "STRING", &o->seed,
			   "derive GUIDs and UUIDs from this (default: random)"),
		CLI_STRING("passphrase-file", 0, "FILE", &a->pass.file,
			   "recovery passphrase from FILE (- = stdin)"),
		CLI_STRING("passphrase-fd", 0, "N", &a->pass.fd,
			   "recovery passphrase from file descriptor N"),
		CLI_STRING("passphrase-env", 0, "VAR", &a->pass.env,
			   "recovery passphrase from environment VAR"),
		CLI_FLAG("generate-passphrase", 0, &a->generate,
			 "generate one into DIR/passphrase (0600)"),
		CLI_U32("pbkdf-memory", 0, "KIB", &o->pbkdf_memory_kb, 32, 4u << 20,
			"argon2id memory cost of the passphrase"),
		CLI_U32("pbkdf-time", 0, "MS", &o->pbkdf_time_ms, 1, 600000,
			"argon2id target time (benchmarked)"),
		CLI_U32("pbkdf-iterations", 0, "N", &o->pbkdf_iterations, 4, UINT32_MAX,
			"argon2id iterations (no benchmark; >= 4)"),
		CLI_U32("pbkdf-threads", 0, "N", &o->pbkdf_threads, 1, 4,
			"argon2id parallel threads (1-4)"),
		CLI_STRING("luks-label", 0, "LABEL", &o->luks_label, "LUKS2 label (default root)"),
		CLI_STRING("luks-uuid", 0, "UUID", &o->luks_uuid,
			   "LUKS2 UUID (default: from the seed)"),
		CLI_STRING("fs-label", 0, "LABEL", &o->fs_label, "ext4 label (default root)"),
		CLI_STRING("kernel", 0, "FILE", &o->kernel_path,
			   "kernel instead of the tarball's newest /boot/vmlinuz-*"),
		CLI_STRING("initrd", 0, "FILE", &o->initrd_path, "initrd instead of the tarball's"),
		CLI_STRING("cmdline", 0, "STRING", &o->cmdline,
			   "appended to the kernel command line"),
		CLI_CALLBACK("cmdline-extra", 0, "STRING", add_extra, a,
			     "appended after --cmdline (repeatable)"),
		CLI_CALLBACK("console", 0, "DEV", add_console, a,
			     "add console=DEV, e.g. ttyS0 (repeatable)"),
		CLI_FLAG("skip-initrd-check", 0, &o->skip_initrd_check,
			 "pack an initrd that seems unable to unlock LUKS"),
		CLI_STRING("uki-name", 0, "NAME", &o->uki_name,
			   "ESP file EFI/Linux/NAME.efi (default from os-release)"),
		CLI_STRING("stub", 0, "FILE", &o->stub_path, "systemd-stub to use"),
		CLI_FLAG("wipe", 0, &o->wipe, "fill free space with encrypted zeros (no holes)"),
		CLI_FLAG("verity", 0, &o->verity,
			 "seal the root read-only under a dm-verity tree"),
		CLI_U64("max-entries", 0, "N", &o->max_entries, 1, UINT32_MAX,
			"refuse archives with more entries (10000000)"),
		BUILD_SEAL_OPTIONS(seal, o),
		BUILD_UNLOCK_OPTIONS(o),
		CLI_JSON(&a->json),
		CLI_END,
	};

	int r = cli_parse(&build_cmd, options, argc, argv, NULL, NULL);

	if (r == CLI_GO_ON && (r = build_seal_config(seal, &build_cmd, options)) == 0)
		r = CLI_GO_ON;
	return r;
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = { .o = { .rootfs_fd = -1 } };
	struct cvm_build_options *o = &a.o;
	CVM_CLEANUP(build_seal_done) struct build_seal seal = { 0 };
	CVM_CLEANUP(cvm_build_resultp) struct cvm_build_result *res = NULL;
	struct progress prog;
	char *pass = NULL;
	cvm_err err = { 0 };
	int r;

	r = parse_args(&a, &seal, argc, argv);
	if (r == CLI_GO_ON && !(r = build_seal_check(&seal, o)) && !(r = build_unlock_check(o)) &&
	    !(r = convert(&a)) &&
	    !(r = check_args(&a)) && !(r = join_cmdline(&a)) && !(r = read_epoch(o)) &&
	    !(r = get_passphrase(&a, &pass)))
		r = CLI_GO_ON;
	if (r != CLI_GO_ON) {
		free(a.extra);
		return r;
	}
	if (a.pass.env)
		unsetenv(a.pass.env); /* no child inherits it */
	o->templates_dir = cli_templates_dir();
	progress_init(&prog);
	o->progress = progress_update;
	o->progress_userdata = &prog;
	r = cvm_image_build(o, &res, &err);
	progress_done(&prog);
	/* the signal may have broken a read (EINTR) the library reports as such */
	if (r < 0 && progress_interrupted())
		r = cvm_err_set(&err, -ECANCELED, "cancelled");
	cvm_secret_free(pass);
	free(a.extra);
	if (r == -EEXIST) /* --output conflicts with what DIR holds */
		return cli_usage("build", "%s", err.msg);
	if (r < 0)
		return cli_fail("build", &err);
	if ((r = build_seal_run(&seal, o, res, a.json)) ||
	    (r = print_result(o->output_dir, res, a.json)))
		return r;
	if (a.generate)
		fprintf(stderr,
			"cvmimg build: the recovery passphrase is in %s/passphrase; keep it "
			"safe and delete the file\n",
			o->output_dir);
	return CLI_EXIT_OK;
}
