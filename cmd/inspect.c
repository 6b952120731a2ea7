/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg inspect: what a cvmimg disk image holds, and with a passphrase, its root filesystem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "passphrase.h"

static const char *const synopsis[] = {
    "IMAGE [--passphrase-file FILE] [--list] [--json]",
    NULL,
};

static const struct cli_command inspect_cmd = {
    .name = "inspect",
    .synopsis = synopsis,
    .summary = "Describe a disk image built by cvmimg build: the partition table, the\n"
	       "ESP's files, the UKI's sections and digests, the LUKS2 header's keyslots\n"
	       "and tokens; with a passphrase, the root filesystem as a real kernel sees\n"
	       "it (libguestfs).",
    .min_operands = 1,
    .max_operands = 1,
    .missing_operand = "IMAGE is required",
};

CVM_DEFINE_CLEANUP(struct cvm_inspect_result, cvm_inspect_result_free, cvm_inspect_result)

static void print_luks(const struct cvm_luks_header *h)
{
	printf("luks:   UUID %s label %s\n", h->uuid, h->label);
	if (h->n_segments)
		printf("        data %s at %s, %u-byte sectors\n", h->segments[0].encryption,
		       h->segments[0].offset, h->segments[0].sector_size);
	for (size_t i = 0; i < h->n_keyslots; i++) {
		const struct cvm_luks_keyslot *k = &h->keyslots[i];

		printf("        keyslot %u: %s %llu\n", k->id, k->kdf,
		       (unsigned long long)(strcmp(k->kdf, "pbkdf2") ? k->memory : k->iterations));
	}
	for (size_t i = 0; i < h->n_tokens; i++) {
		const struct cvm_luks_token *t = &h->tokens[i];

		printf("        token %u: %s keyslots", t->id, t->type);
		for (size_t k = 0; k < t->n_keyslots; k++)
			printf(" %u", t->keyslots[k]);
		printf("\n");
	}
}

static void print_disk(const struct cvm_inspect_result *r)
{
	const struct cvm_uki_info *u = r->uki;
	char hex[65] = "-";

	printf("image:  %s (%s)\n", r->image, cvm_image_format_to_string(r->format));
	printf("disk:   GUID %s\n", r->disk.guid);
	for (size_t i = 0; i < r->disk.n; i++) {
		const struct cvm_gpt_partition *p = &r->disk.parts[i];

		printf("  %u %-5s type %s uuid %s start %llu size %llu\n", p->number, p->name,
		       p->type, p->uuid, (unsigned long long)p->start,
		       (unsigned long long)p->size);
	}
	for (size_t i = 0; i < r->n_esp_files; i++)
		printf("esp:    %s\n", r->esp_files[i]);
	if (u) {
		cvm_hex_encode(u->authenticode_sha256, 32, hex);
		printf("uki:    %llu bytes, kernel %s, stub %s, authenticode sha256 %s\n",
		       (unsigned long long)u->size, u->uname ? u->uname : "-",
		       u->stub_version ? u->stub_version : "-", hex);
		printf("        sections");
		for (size_t i = 0; i < u->n_sections; i++)
			printf(" %s", u->sections[i].name);
		printf("\n");
	}
	print_luks(&r->luks);
	if (r->have_verity) {
		char root[65], salt[2 * CVM_VERITY_SALT_MAX + 1];

		cvm_hex_encode(r->verity.root_hash, 32, root);
		cvm_hex_encode(r->verity.salt, r->verity.salt_len, salt);
		printf("verity: root hash %s\n        %llu data blocks, hash offset %llu, %s, salt "
		       "%s\n",
		       root, (unsigned long long)r->verity.data_blocks,
		       (unsigned long long)r->verity.hash_offset, r->verity.hash_algorithm, salt);
	}
}

static void print_root(const struct cvm_inspect_root *root, bool list)
{
	if (!root)
		return;
	printf("root:   %s, ext4 UUID %s label %s\n", root->os[0] ? root->os : "-", root->uuid,
	       root->label);
	printf("        %llu bytes, %llu free, %llu entries, e2fsck %s\n",
	       (unsigned long long)root->size, (unsigned long long)root->free,
	       (unsigned long long)root->entry_count, root->fsck_exit ? "found errors" : "clean");
	for (size_t i = 0; list && i < root->n_entries; i++) {
		const struct cvm_inspect_entry *e = &root->entries[i];

		printf("%c %04o %u:%u %lld %llu /%s", e->type, e->mode, e->uid, e->gid,
		       (long long)e->mtime, (unsigned long long)e->size, e->path);
		if (e->target)
			printf(" -> %s", e->target);
		printf("\n");
	}
}

int cmd_inspect(int argc, char **argv)
{
	struct cvm_inspect_options o = { 0 };
	struct passphrase_source src = { 0 };
	bool json = false;
	struct cli_option options[] = {
		CLI_STRING("passphrase-file", 0, "FILE", &src.file,
			   "open the root with the passphrase in FILE"),
		CLI_STRING("passphrase-fd", 0, "N", &src.fd,
			   "open the root with the passphrase from fd N"),
		CLI_STRING("passphrase-env", 0, "VAR", &src.env,
			   "open the root with the passphrase in VAR"),
		CLI_FLAG("list", 'l', &o.list, "list every entry of the root (needs a passphrase)"),
		CLI_JSON(&json),
		CLI_END,
	};
	CVM_CLEANUP(cvm_inspect_resultp) struct cvm_inspect_result *res = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *j = NULL;
	char *pass = NULL, **operands;
	cvm_err err = { 0 };
	int r;

	if ((r = cli_parse(&inspect_cmd, options, argc, argv, &operands, NULL)) != CLI_GO_ON)
		return r;
	o.image_path = operands[0];
	if (passphrase_sources(&src) > 1)
		return cli_usage("inspect", "give one of --passphrase-file, --passphrase-fd and "
					    "--passphrase-env");
	if (o.list && !passphrase_sources(&src))
		return cli_usage("inspect", "--list needs a passphrase to open the root");
	if (passphrase_sources(&src)) {
		size_t len;

		if ((r = passphrase_read("inspect", &src, false, &pass, &len)))
			return r;
		o.passphrase = pass;
		o.passphrase_len = len;
	}
	r = cvm_image_inspect(&o, &res, &err);
	cvm_secret_free(pass);
	if (r < 0)
		return cli_fail("inspect", &err);
	if (!json) {
		print_disk(res);
		print_root(res->root, o.list);
		return CLI_EXIT_OK;
	}
	if (cvm_inspect_result_to_json(res, &j) < 0)
		return cli_fail("inspect", &(cvm_err){ .code = -ENOMEM });
	cli_print_json(j);
	return CLI_EXIT_OK;
}
