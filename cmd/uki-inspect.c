/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg uki inspect: sections, Authenticode digests, PCR 11 and signer of a UKI. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "cli.h"
#include "uki-inspect.h"

CVM_DEFINE_CLEANUP(struct cvm_uki_info, cvm_uki_info_free, uki_info_free)

static const char *const inspect_synopsis[] = {
	"inspect FILE [--json]",
	NULL,
};

/* Named "uki" so that messages read "cvmimg uki: ..." and --help points at cvmimg-uki(1). */
static const struct cli_command inspect_cmd = {
	.name = "uki",
	.synopsis = inspect_synopsis,
	.summary = "Describe a UKI or any PE image: its sections, Authenticode digests (SHA-256\n"
		   "and SHA-384), the PCR 11 value systemd-stub will leave for each boot phase,\n"
		   "and the signer of its Secure Boot signature.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "inspect needs a FILE",
};

static void hex_line(const char *label, const uint8_t *buf, size_t len)
{
	char hex[2 * 64 + 1];

	cvm_hex_encode(buf, len, hex);
	printf("%-42s %s\n", label, hex);
}

static void print_text(const char *path, size_t len, const struct cvm_uki_info *in)
{
	printf("%-42s %s\n%-42s %zu\n", "File:", path, "Size:", len);
	printf("%-42s %s\n", "Stub:", in->stub_version ? in->stub_version : "-");
	printf("%-42s %s\n", "Kernel release:", in->uname ? in->uname : "-");
	printf("Sections:\n  %-8s %-10s %-10s %-10s %-10s %-8s %s\n", "name", "offset", "size",
	       "vaddr", "vsize", "pcr11", "sha256");
	for (size_t i = 0; i < in->n_sections; i++) {
		const struct cvm_uki_section *s = &in->sections[i];
		char hex[65];

		cvm_hex_encode(s->sha256, sizeof(s->sha256), hex);
		printf("  %-8s 0x%08x 0x%08x 0x%08x 0x%08x %-8s %s\n", s->name, s->file_offset,
		       s->file_size, s->virtual_address, s->virtual_size,
		       s->measured ? "yes" : "-", hex);
	}
	hex_line("Authenticode SHA-256:", in->authenticode_sha256, 32);
	hex_line("Authenticode SHA-384:", in->authenticode_sha384, 48);
	if (in->is_uki) {
		printf("PCR 11 SHA-256:\n");
		hex_line("  sections", in->pcr11_sha256[0], 32);
		for (size_t i = 0; i < CVM_UKI_PHASES; i++) {
			char label[64];

			snprintf(label, sizeof(label), "  %s", cvm_uki_phase_name(i));
			hex_line(label, in->pcr11_sha256[1 + i], 32);
		}
	}
	if (!in->is_signed)
		printf("%-42s %s\n", "Signature:", "none");
	else
		printf("%-42s subject '%s', issuer '%s', digest %s\n", "Signature:",
		       in->signer_subject, in->signer_issuer,
		       in->signature_digest_matches ? "matches the image" : "DOES NOT MATCH");
}

int uki_report(const char *path, const uint8_t *data, size_t len, bool json)
{
	CVM_CLEANUP(uki_info_freep) struct cvm_uki_info *info = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	cvm_err e = { 0 };
	int r;

	r = cvm_uki_inspect(data, len, path, &info, &e);
	if (r < 0)
		return cli_fail("uki", &e);
	if (!json) {
		print_text(path, len, info);
		return CLI_EXIT_OK;
	}
	if (cvm_uki_info_to_json(info, &o) < 0 ||
	    cvm_json_add(o, "file", json_object_new_string(path)) < 0)
		return cli_fail("uki", &(cvm_err){ .code = -ENOMEM });
	cli_print_json(o);
	return CLI_EXIT_OK;
}

int uki_inspect_main(int argc, char **argv)
{
	CVM_CLEANUP_FREE uint8_t *data = NULL;
	bool json = false;
	struct cli_option options[] = {
		CLI_JSON(&json),
		CLI_END,
	};
	char **operands;
	cvm_err e = { 0 };
	size_t len;
	int r;

	if ((r = cli_parse(&inspect_cmd, options, argc, argv, &operands, NULL)) != CLI_GO_ON)
		return r;
	if (cvm_read_file(operands[0], CVM_UKI_MAX_SIZE, &data, &len, &e) < 0)
		return cli_fail("uki", &e);
	return uki_report(operands[0], data, len, json);
}
