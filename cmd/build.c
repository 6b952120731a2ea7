/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg build: an encrypted, bootable disk image from a root filesystem tarball. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include <cvmimg/image.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "passphrase.h"
#include "progress.h"

enum {
	OPT_ROOTFS = 1,
	OPT_OUTPUT,
	OPT_FORMAT,
	OPT_SIZE,
	OPT_ESP_SIZE,
	OPT_SEED,
	OPT_PASS_FILE,
	OPT_PASS_FD,
	OPT_PASS_ENV,
	OPT_GENERATE,
	OPT_PBKDF_MEMORY,
	OPT_PBKDF_TIME,
	OPT_PBKDF_ITER,
	OPT_PBKDF_THREADS,
	OPT_LUKS_LABEL,
	OPT_LUKS_UUID,
	OPT_FS_LABEL,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_CMDLINE,
	OPT_UKI_NAME,
	OPT_STUB,
	OPT_WIPE,
	OPT_MAX_ENTRIES,
	OPT_KBS_URL,
	OPT_KBS_RESOURCE,
	OPT_CMDLINE_EXTRA,
	OPT_CONSOLE,
	OPT_SKIP_INITRD_CHECK,
};

static const struct cli_option options[] = {
    {"rootfs", 'r', "FILE", OPT_ROOTFS, "root filesystem tarball (any compression; - for stdin)"},
    {"output", 'o', "DIR", OPT_OUTPUT, "directory for the outputs (created if missing)"},
    {"format", 'f', "FMT", OPT_FORMAT, "raw (default, sparse) or qcow2"},
    {"size", 's', "SIZE", OPT_SIZE, "disk size: auto (default) or e.g. 4G, a multiple of 1M"},
    {"esp-size", 0, "SIZE", OPT_ESP_SIZE, "EFI system partition size (default 256M)"},
    {"seed", 0, "STRING", OPT_SEED, "derive GUIDs and UUIDs from this (default: random)"},
    {"passphrase-file", 0, "FILE", OPT_PASS_FILE, "recovery passphrase from FILE (- = stdin)"},
    {"passphrase-fd", 0, "N", OPT_PASS_FD, "recovery passphrase from file descriptor N"},
    {"passphrase-env", 0, "VAR", OPT_PASS_ENV, "recovery passphrase from environment VAR"},
    {"generate-passphrase", 0, NULL, OPT_GENERATE, "generate one into DIR/passphrase (0600)"},
    {"pbkdf-memory", 0, "KIB", OPT_PBKDF_MEMORY, "argon2id memory cost of the passphrase"},
    {"pbkdf-time", 0, "MS", OPT_PBKDF_TIME, "argon2id target time (benchmarked)"},
    {"pbkdf-iterations", 0, "N", OPT_PBKDF_ITER, "argon2id iterations (no benchmark; >= 4)"},
    {"pbkdf-threads", 0, "N", OPT_PBKDF_THREADS, "argon2id parallel threads (1-4)"},
    {"luks-label", 0, "LABEL", OPT_LUKS_LABEL, "LUKS2 label (default root)"},
    {"luks-uuid", 0, "UUID", OPT_LUKS_UUID, "LUKS2 UUID (default: from the seed)"},
    {"fs-label", 0, "LABEL", OPT_FS_LABEL, "ext4 label (default root)"},
    {"kernel", 0, "FILE", OPT_KERNEL, "kernel instead of the tarball's newest /boot/vmlinuz-*"},
    {"initrd", 0, "FILE", OPT_INITRD, "initrd instead of the tarball's"},
    {"cmdline", 0, "STRING", OPT_CMDLINE, "appended to the kernel command line"},
    {"cmdline-extra", 0, "STRING", OPT_CMDLINE_EXTRA, "appended after --cmdline (repeatable)"},
    {"console", 0, "DEV", OPT_CONSOLE, "add console=DEV, e.g. ttyS0 (repeatable)"},
    {"skip-initrd-check", 0, NULL, OPT_SKIP_INITRD_CHECK,
     "pack an initrd that seems unable to unlock LUKS"},
    {"uki-name", 0, "NAME", OPT_UKI_NAME, "ESP file EFI/Linux/NAME.efi (default from os-release)"},
    {"stub", 0, "FILE", OPT_STUB, "systemd-stub to use"},
    {"wipe", 0, NULL, OPT_WIPE, "fill free space with encrypted zeros (no holes)"},
    {"max-entries", 0, "N", OPT_MAX_ENTRIES, "refuse archives with more entries (10000000)"},
    {"kbs-url", 0, "URL", OPT_KBS_URL, "key broker URL, a hint in the LUKS2 token"},
    {"kbs-resource", 0, "PATH", OPT_KBS_RESOURCE, "key broker resource, a token hint"},
    CLI_OPTION_JSON,
    CLI_OPTION_END,
};

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
    .options = options,
};

struct build_args {
	struct cvm_build_options o;
	struct passphrase_source pass;
	bool generate, json;
	char *extra; /* --cmdline-extra and --console, in order, joined by spaces */
};

/* The kernel takes up to 2048 bytes of command line on x86 (COMMAND_LINE_SIZE). */
#define CMDLINE_MAX 2048

static int add_extra(struct build_args *a, const char *prefix, const char *arg)
{
	size_t have = a->extra ? strlen(a->extra) : 0, add = strlen(prefix) + strlen(arg) + 1;
	char *n;

	if (!*arg || strchr(arg, '\n') || have + add > CMDLINE_MAX)
		return cli_usage("build", "'%s%s' is empty, spans lines or makes the command line "
					  "too long",
				 prefix, arg);
	n = realloc(a->extra, have + add + 1);
	if (!n)
		return cli_fail("build", &(cvm_err){.code = -ENOMEM});
	snprintf(n + have, add + 1, "%s%s%s", have ? " " : "", prefix, arg);
	a->extra = n;
	return 0;
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
			return cli_fail("build", &(cvm_err){.code = -ENOMEM});
		free(a->extra);
		a->extra = joined;
	}
	a->o.cmdline = a->extra;
	return 0;
}

/* SIZE: digits with an optional K, M, G or T (powers of 1024, "iB"/"B" allowed). */
static int parse_size(const char *opt, const char *arg, bool allow_auto, uint64_t *ret)
{
	char *end;
	unsigned long long v;
	int shift = 0;

	if (allow_auto && !strcmp(arg, "auto")) {
		*ret = 0;
		return 0;
	}
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (end != arg && *end) {
		const char *units = "KMGT", *u = strchr(units, toupper((unsigned char)*end));

		if (u) {
			shift = 10 * (int)(u - units + 1);
			end++;
			if (!strcasecmp(end, "iB") || !strcasecmp(end, "B"))
				end += strlen(end);
		}
	}
	if (errno || end == arg || *end || !isdigit((unsigned char)arg[0]) || v == 0 ||
	    v > (UINT64_MAX >> shift))
		return cli_usage("build", "--%s needs %sa size such as 512M or 4G, not '%s'", opt,
				 allow_auto ? "auto or " : "", arg);
	*ret = (uint64_t)v << shift;
	if (*ret % (1u << 20))
		return cli_usage("build", "--%s must be a multiple of 1M", opt);
	return 0;
}

static int parse_u32(const char *opt, const char *arg, uint32_t min, uint32_t max, uint32_t *ret)
{
	uint64_t v;

	if (cli_parse_u64("build", opt, arg, min, max, &v))
		return CLI_EXIT_USAGE;
	*ret = (uint32_t)v;
	return 0;
}

static int parse_more(struct build_args *a, int id, const char *arg)
{
	struct cvm_build_options *o = &a->o;

	switch (id) {
	case OPT_LUKS_LABEL:
		o->luks_label = arg;
		return 0;
	case OPT_LUKS_UUID:
		o->luks_uuid = arg;
		return 0;
	case OPT_FS_LABEL:
		o->fs_label = arg;
		return 0;
	case OPT_KERNEL:
		o->kernel_path = arg;
		return 0;
	case OPT_INITRD:
		o->initrd_path = arg;
		return 0;
	case OPT_CMDLINE:
		o->cmdline = arg;
		return 0;
	case OPT_CMDLINE_EXTRA:
		return add_extra(a, "", arg);
	case OPT_CONSOLE:
		return add_extra(a, "console=", arg);
	case OPT_SKIP_INITRD_CHECK:
		o->skip_initrd_check = true;
		return 0;
	case OPT_UKI_NAME:
		o->uki_name = arg;
		return 0;
	case OPT_STUB:
		o->stub_path = arg;
		return 0;
	case OPT_WIPE:
		o->wipe = true;
		return 0;
	case OPT_KBS_URL:
		o->kbs_url = arg;
		return 0;
	case OPT_KBS_RESOURCE:
		o->kbs_resource = arg;
		return 0;
	case OPT_MAX_ENTRIES:
		return cli_parse_u64("build", "max-entries", arg, 1, UINT32_MAX, &o->max_entries);
	case CLI_OPT_JSON:
		a->json = true;
		return 0;
	}
	return cli_usage("build", "internal error: unhandled option %d", id);
}

static int parse_option(struct build_args *a, int id, const char *arg)
{
	struct cvm_build_options *o = &a->o;

	switch (id) {
	case OPT_ROOTFS:
		o->rootfs_path = arg;
		return 0;
	case OPT_OUTPUT:
		o->output_dir = arg;
		return 0;
	case OPT_FORMAT:
		o->format = cvm_image_format_from_string(arg);
		if (o->format == CVM_IMAGE_FORMAT_INVALID)
			return cli_usage("build", "--format is raw or qcow2, not '%s'", arg);
		return 0;
	case OPT_SIZE:
		return parse_size("size", arg, true, &o->size);
	case OPT_ESP_SIZE:
		return parse_size("esp-size", arg, false, &o->esp_size);
	case OPT_SEED:
		o->seed = arg;
		return 0;
	case OPT_PASS_FILE:
		a->pass.file = arg;
		return 0;
	case OPT_PASS_FD:
		a->pass.fd = arg;
		return 0;
	case OPT_PASS_ENV:
		a->pass.env = arg;
		return 0;
	case OPT_GENERATE:
		a->generate = true;
		return 0;
	case OPT_PBKDF_MEMORY:
		return parse_u32("pbkdf-memory", arg, 32, 4u << 20, &o->pbkdf_memory_kb);
	case OPT_PBKDF_TIME:
		return parse_u32("pbkdf-time", arg, 1, 600000, &o->pbkdf_time_ms);
	case OPT_PBKDF_ITER:
		return parse_u32("pbkdf-iterations", arg, 4, UINT32_MAX, &o->pbkdf_iterations);
	case OPT_PBKDF_THREADS:
		return parse_u32("pbkdf-threads", arg, 1, 4, &o->pbkdf_threads);
	}
	return parse_more(a, id, arg);
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

static void print_summary(const char *dir, const char *manifest)
{
	json_object *m = json_tokener_parse(manifest), *v, *arts;

	if (!m)
		return;
	if (json_object_object_get_ex(m, "artifacts", &arts))
		for (size_t i = 0; i < json_object_array_length(arts); i++) {
			json_object *it = json_object_array_get_idx(arts, i), *n, *s, *al;

			json_object_object_get_ex(it, "name", &n);
			json_object_object_get_ex(it, "size", &s);
			json_object_object_get_ex(it, "allocated", &al);
			printf("%s/%-12s %10llu bytes (%llu allocated)\n", dir,
			       json_object_get_string(n),
			       (unsigned long long)json_object_get_uint64(s),
			       (unsigned long long)json_object_get_uint64(al));
		}
	printf("%s/build.json\n", dir);
	if (json_object_object_get_ex(m, "luks", &v) && json_object_object_get_ex(v, "uuid", &v))
		printf("LUKS UUID: %s\n", json_object_get_string(v));
	if (json_object_object_get_ex(m, "boot", &v) && json_object_object_get_ex(v, "cmdline", &v))
		printf("cmdline:   %s\n", json_object_get_string(v));
	json_object_put(m);
}

/* 0 to go on, an exit code to stop (usage error or --help), -1 for p->exit_code. */
static int parse_all(struct build_args *a, struct cli_parser *p, int argc, char **argv)
{
	const char *arg;
	int id, r;

	while ((id = cli_next(p, &arg)) > 0)
		if ((r = parse_option(a, id, arg)))
			return r;
	if (id == CLI_EXIT)
		return -1;
	if (p->optind < argc)
		return cli_usage("build", "unexpected argument '%s'", argv[p->optind]);
	return 0;
}

int cmd_build(int argc, char **argv)
{
	struct build_args a = {.o = {.rootfs_fd = -1}};
	struct progress prog;
	struct cli_parser p;
	char *pass = NULL, *manifest = NULL;
	cvm_err err = {0};
	int r;

	cli_parser_init(&p, &build_cmd, argc, argv);
	r = parse_all(&a, &p, argc, argv);
	if (r || (r = check_args(&a)) || (r = join_cmdline(&a)) || (r = read_epoch(&a.o)) ||
	    (r = get_passphrase(&a, &pass))) {
		free(a.extra);
		return r < 0 ? p.exit_code : r;
	}
	if (a.pass.env)
		unsetenv(a.pass.env); /* no child inherits it */
	progress_init(&prog);
	a.o.progress = progress_update;
	a.o.progress_userdata = &prog;
	r = cvm_image_build(&a.o, &manifest, &err);
	progress_done(&prog);
	cvm_secret_free(pass);
	free(a.extra);
	if (r < 0)
		return cli_fail("build", &err);
	if (a.json)
		puts(manifest);
	else
		print_summary(a.o.output_dir, manifest);
	if (a.generate)
		fprintf(stderr,
			"cvmimg build: the recovery passphrase is in %s/passphrase; keep it "
			"safe and delete the file\n",
			a.o.output_dir);
	free(manifest);
	return CLI_EXIT_OK;
}
