/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg uki: build a Unified Kernel Image; "cvmimg uki inspect" describes one. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "uki-inspect.h"

#define MAX_INITRDS 32
#define MAX_SECTIONS 32
#define CMDLINE_MAX (1u << 20)

static const char *const synopsis[] = {
	"--linux FILE [--initrd FILE ...] [--cmdline TEXT|@FILE] [options] -o FILE",
	"inspect FILE [--json]",
	NULL,
};

static const struct cli_command uki_cmd = {
	.name = "uki",
	.synopsis = synopsis,
	.summary = "Build a Unified Kernel Image: systemd-stub with the kernel, initrds, command\n"
		   "line and metadata as PE sections, optionally with a signed PCR 11 policy\n"
		   "(.pcrsig) and a Secure Boot signature. The same inputs give the same bytes.\n"
		   "'cvmimg uki inspect FILE' describes a UKI.",
	.refuse_repeats = true,
};

struct file_part {
	const char *path;
	uint8_t *data;
	size_t len;
};

struct uki_args {
	struct cvm_uki_input in;
	struct file_part linux_f, osrel, sbat, splash, dtb, pcrpkey, cmdline_f;
	struct file_part initrds[MAX_INITRDS];
	size_t n_initrds;
	struct file_part sections[MAX_SECTIONS];
	char *section_names[MAX_SECTIONS];
	size_t n_sections;
	struct cvm_uki_blob initrd_blobs[MAX_INITRDS];
	struct cvm_uki_extra extra[MAX_SECTIONS];
	const char *cmdline_arg, *output;
	char *cmdline;
	bool json;
};

static void file_part_free(struct file_part *f)
{
	free(f->data);
}

static void uki_args_free(struct uki_args *a)
{
	struct file_part *singles[] = { &a->linux_f, &a->osrel,   &a->sbat,     &a->splash,
					&a->dtb,     &a->pcrpkey, &a->cmdline_f };

	for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
		file_part_free(singles[i]);
	for (size_t i = 0; i < a->n_initrds; i++)
		file_part_free(&a->initrds[i]);
	for (size_t i = 0; i < a->n_sections; i++) {
		file_part_free(&a->sections[i]);
		free(a->section_names[i]);
	}
	free(a->cmdline);
}

/* --section NAME:FILE; the name itself is checked by the library. */
static int add_section(const struct cli_option *o, const char *arg)
{
	struct uki_args *a = o->dest;
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || !colon[1])
		return cli_usage("uki", "--section needs NAME:FILE, not '%s'", arg);
	if (a->n_sections >= MAX_SECTIONS)
		return cli_usage("uki", "at most %d --section options", MAX_SECTIONS);
	a->section_names[a->n_sections] = strndup(arg, (size_t)(colon - arg));
	if (!a->section_names[a->n_sections])
		return CLI_EXIT_SYSTEM;
	a->sections[a->n_sections++].path = colon + 1;
	return 0;
}

static int add_initrd(const struct cli_option *o, const char *arg)
{
	struct uki_args *a = o->dest;

	if (a->n_initrds >= MAX_INITRDS)
		return cli_usage("uki", "at most %d --initrd options", MAX_INITRDS);
	a->initrds[a->n_initrds++].path = arg;
	return 0;
}

static int check_args(struct uki_args *a)
{
	const struct cvm_uki_input *in = &a->in;
	const char *sde = getenv("SOURCE_DATE_EPOCH");

	if (!a->linux_f.path)
		return cli_usage("uki", "--linux is required");
	if (!a->output)
		return cli_usage("uki", "--output is required");
	if (!in->pcr_private_key_path != !in->pcr_public_key_path)
		return cli_usage("uki", "--pcr-private-key and --pcr-public-key go together");
	if (!in->sb_key_path != !in->sb_cert_path)
		return cli_usage("uki", "--secureboot-private-key and --secureboot-certificate "
					"go together");
	if (a->cmdline_arg && (!*a->cmdline_arg || !strcmp(a->cmdline_arg, "@")))
		return cli_usage("uki", "--cmdline needs text or @FILE");
	if (in->uname && !*in->uname)
		return cli_usage("uki", "--uname needs text");
	if (sde && *sde &&
	    cvm_parse_u64(sde, 0, 253402300799ull, &a->in.source_date_epoch) < 0) /* 9999-12-31 */
		return cli_usage("uki", "SOURCE_DATE_EPOCH must be seconds since 1970, not '%s'",
				 sde);
	return 0;
}

/* Every file part, for the size check and the reads. */
static size_t all_parts(struct uki_args *a, struct file_part **out)
{
	struct file_part *singles[] = { &a->linux_f, &a->osrel, &a->sbat,
					&a->splash,  &a->dtb,   &a->pcrpkey };
	size_t n = 0;

	for (size_t i = 0; i < sizeof(singles) / sizeof(singles[0]); i++)
		if (singles[i]->path)
			out[n++] = singles[i];
	for (size_t i = 0; i < a->n_initrds; i++)
		out[n++] = &a->initrds[i];
	for (size_t i = 0; i < a->n_sections; i++)
		out[n++] = &a->sections[i];
	return n;
}

/*
 * A UKI is one PE file with 32-bit offsets: refuse parts that cannot fit before
 * reading gigabytes (sizes of regular files; others are checked as they are read).
 */
static int check_total_size(struct file_part **parts, size_t n)
{
	uint64_t total = 0;
	struct stat st;

	for (size_t i = 0; i < n; i++)
		if (stat(parts[i]->path, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	if (total > CVM_UKI_MAX_SIZE) {
		cli_error("uki", "the parts add up to %llu bytes, more than the 4 GiB a PE "
				 "image can hold",
			  (unsigned long long)total);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

static int read_part(struct file_part *f, size_t max)
{
	cvm_err e = { 0 };

	if (cvm_read_file(f->path, max, &f->data, &f->len, &e) < 0)
		return cli_fail("uki", &e);
	if (!f->len) {
		cli_error("uki", "'%s' is empty", f->path);
		return CLI_EXIT_INPUT;
	}
	return 0;
}

/* TEXT: whitespace runs become one space, as ukify does; @FILE: kept, less trailing whitespace. */
static int make_cmdline(struct uki_args *a)
{
	const char *src = a->cmdline_arg;
	size_t n = 0;
	int r;

	if (src[0] == '@') {
		a->cmdline_f.path = src + 1;
		r = read_part(&a->cmdline_f, CMDLINE_MAX);
		if (r)
			return r;
		while (a->cmdline_f.len && isspace(a->cmdline_f.data[a->cmdline_f.len - 1]))
			a->cmdline_f.len--;
		if (!a->cmdline_f.len || memchr(a->cmdline_f.data, '\0', a->cmdline_f.len)) {
			cli_error("uki", "'%s' is not a command line (empty, or a NUL byte)",
				  a->cmdline_f.path);
			return CLI_EXIT_INPUT;
		}
		a->cmdline = strndup((const char *)a->cmdline_f.data, a->cmdline_f.len);
		return a->cmdline ? 0 : CLI_EXIT_SYSTEM;
	}
	a->cmdline = malloc(strlen(src) + 1);
	if (!a->cmdline)
		return CLI_EXIT_SYSTEM;
	for (const char *p = src; *p; p++)
		if (!isspace((unsigned char)*p))
			a->cmdline[n++] = *p;
		else if (n && !isspace((unsigned char)p[1]) && p[1])
			a->cmdline[n++] = ' ';
	a->cmdline[n] = '\0';
	if (!n)
		return cli_usage("uki", "--cmdline is only whitespace");
	return 0;
}

static struct cvm_uki_blob blob_of(const struct file_part *f)
{
	return (struct cvm_uki_blob){ .data = f->data, .len = f->path ? f->len : 0 };
}

static int read_inputs(struct uki_args *a)
{
	struct file_part *parts[8 + MAX_INITRDS + MAX_SECTIONS];
	struct cvm_uki_input *in = &a->in;
	size_t n = all_parts(a, parts);
	int r;

	r = check_total_size(parts, n);
	for (size_t i = 0; !r && i < n; i++)
		r = read_part(parts[i], CVM_UKI_MAX_SIZE);
	if (!r && a->cmdline_arg)
		r = make_cmdline(a);
	if (r)
		return r;
	in->kernel = blob_of(&a->linux_f);
	in->kernel_name = a->linux_f.path;
	in->osrel = blob_of(&a->osrel);
	in->sbat = blob_of(&a->sbat);
	in->sbat_name = a->sbat.path;
	in->splash = blob_of(&a->splash);
	in->dtb = blob_of(&a->dtb);
	in->pcrpkey = blob_of(&a->pcrpkey);
	in->cmdline = a->cmdline;
	for (size_t i = 0; i < a->n_initrds; i++)
		a->initrd_blobs[i] = blob_of(&a->initrds[i]);
	in->initrds = a->initrd_blobs;
	in->n_initrds = a->n_initrds;
	for (size_t i = 0; i < a->n_sections; i++)
		a->extra[i] = (struct cvm_uki_extra){ .name = a->section_names[i],
						      .data = blob_of(&a->sections[i]) };
	in->extra = a->extra;
	in->n_extra = a->n_sections;
	return 0;
}

static int build(struct uki_args *a)
{
	CVM_CLEANUP_FREE uint8_t *uki = NULL;
	cvm_err e = { 0 };
	size_t len;
	int r;

	r = read_inputs(a);
	if (r)
		return r;
	if (cvm_uki_build(&a->in, &uki, &len, &e) < 0 ||
	    cvm_write_file_atomic(a->output, uki, len, 0644, &e) < 0)
		return cli_fail("uki", &e);
	return a->json ? uki_report(a->output, uki, len, true) : CLI_EXIT_OK;
}

/* Nested verbs, as git's OPT_SUBCOMMAND: "cvmimg uki inspect ...". */
static const struct cli_verb verbs[] = {
	{ "inspect", uki_inspect_main },
	{ NULL, NULL },
};

int cmd_uki(int argc, char **argv)
{
	CVM_CLEANUP(uki_args_free) struct uki_args a = { 0 };
	struct cvm_uki_input *in = &a.in;
	struct cli_option options[] = {
		CLI_STRING("linux", 0, "FILE", &a.linux_f.path,
			   "kernel image with an EFI stub (.linux)"),
		CLI_CALLBACK("initrd", 0, "FILE", add_initrd, &a,
			     "initrd; repeat to concatenate several (.initrd)"),
		CLI_STRING("cmdline", 0, "TEXT|@FILE", &a.cmdline_arg,
			   "kernel command line (.cmdline)"),
		CLI_STRING("os-release", 0, "FILE", &a.osrel.path, "os-release file (.osrel)"),
		CLI_STRING("uname", 0, "TEXT", &in->uname,
			   "kernel release (.uname); default: from the kernel"),
		CLI_STRING("sbat", 0, "FILE", &a.sbat.path, "SBAT entries instead of cvmimg's (.sbat)"),
		CLI_STRING("splash", 0, "FILE", &a.splash.path, "boot splash image, BMP (.splash)"),
		CLI_STRING("dtb", 0, "FILE", &a.dtb.path, "device tree blob (.dtb)"),
		CLI_STRING("pcrpkey", 0, "FILE", &a.pcrpkey.path,
			   "public key for PCR policies (.pcrpkey)"),
		CLI_STRING("pcr-private-key", 0, "FILE", &in->pcr_private_key_path,
			   "RSA key to sign PCR 11 (.pcrsig)"),
		CLI_STRING("pcr-public-key", 0, "FILE", &in->pcr_public_key_path,
			   "its public key (PEM)"),
		CLI_STRING("secureboot-private-key", 0, "FILE", &in->sb_key_path,
			   "RSA key for Secure Boot signing"),
		CLI_STRING("secureboot-certificate", 0, "FILE", &in->sb_cert_path,
			   "its X.509 certificate"),
		CLI_CALLBACK("section", 0, "NAME:FILE", add_section, &a,
			     "add a section of your own (repeatable)"),
		CLI_STRING("stub", 0, "FILE", &in->stub_path,
			   "systemd-stub, default " CVM_UKI_DEFAULT_STUB),
		CLI_STRING("output", 'o', "FILE", &a.output, "write the UKI to FILE"),
		CLI_JSON(&a.json),
		CLI_END,
	};
	int r;

	if ((r = cli_run_verb(verbs, argc, argv)) != CLI_GO_ON)
		return r;
	if ((r = cli_parse(&uki_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	r = check_args(&a);
	return r ? r : build(&a);
}
