/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg inspect: what a cvmimg disk image holds, and with a passphrase, its root filesystem. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <cvmimg/image.h>
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

static const char *str(json_object *o, const char *path)
{
	char key[64];
	json_object *v = o;

	while (v && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(v, key, &v))
			return "-";
		path += n + (path[n] == '.');
	}
	return v ? json_object_get_string(v) : "-";
}

static void print_disk(json_object *m)
{
	json_object *parts, *files, *secs, *slots, *tokens;

	printf("image:  %s (%s)\n", str(m, "image"), str(m, "format"));
	printf("disk:   GUID %s\n", str(m, "disk.guid"));
	if (json_object_object_get_ex(json_object_object_get(m, "disk"), "partitions", &parts))
		for (size_t i = 0; i < json_object_array_length(parts); i++) {
			json_object *p = json_object_array_get_idx(parts, i);

			printf("  %s %-5s type %s uuid %s start %s size %s\n", str(p, "number"),
			       str(p, "name"), str(p, "type"), str(p, "uuid"), str(p, "start"),
			       str(p, "size"));
		}
	if (json_object_object_get_ex(m, "esp_files", &files))
		for (size_t i = 0; i < json_object_array_length(files); i++)
			printf("esp:    %s\n",
			       json_object_get_string(json_object_array_get_idx(files, i)));
	printf("uki:    %s bytes, kernel %s, stub %s, authenticode sha256 %s\n", str(m, "uki.size"),
	       str(m, "uki.uname"), str(m, "uki.stub_version"), str(m, "uki.authenticode_sha256"));
	if (json_object_object_get_ex(json_object_object_get(m, "uki"), "sections", &secs)) {
		printf("        sections");
		for (size_t i = 0; i < json_object_array_length(secs); i++)
			printf(" %s", str(json_object_array_get_idx(secs, i), "name"));
		printf("\n");
	}
	printf("luks:   UUID %s label %s\n", str(m, "luks.uuid"), str(m, "luks.label"));
	printf("        data %s at %s, %s-byte sectors\n", str(m, "luks.segments.0.encryption"),
	       str(m, "luks.segments.0.offset"), str(m, "luks.segments.0.sector_size"));
	if (json_object_object_get_ex(json_object_object_get(m, "luks"), "keyslots", &slots)) {
		json_object_object_foreach(slots, id, ks)
		    printf("        keyslot %s: %s %s\n", id, str(ks, "kdf.type"),
			   strcmp(str(ks, "kdf.type"), "pbkdf2") ? str(ks, "kdf.memory")
								 : str(ks, "kdf.iterations"));
	}
	if (json_object_object_get_ex(json_object_object_get(m, "luks"), "tokens", &tokens)) {
		json_object_object_foreach(tokens, id, t)
		    printf("        token %s: %s %s\n", id, str(t, "type"),
			   json_object_to_json_string(json_object_object_get(t, "keyslots")));
	}
}

static void print_root(json_object *m, bool list)
{
	json_object *root, *entries;

	if (!json_object_object_get_ex(m, "root", &root))
		return;
	printf("root:   %s, ext4 UUID %s label %s\n", str(root, "os"), str(root, "uuid"),
	       str(root, "label"));
	printf("        %s bytes, %s free, %s entries, e2fsck %s\n", str(root, "size"),
	       str(root, "free"), str(root, "entry_count"),
	       json_object_get_boolean(json_object_object_get(root, "fsck_clean"))
		   ? "clean"
		   : "found errors");
	if (!list || !json_object_object_get_ex(root, "entries", &entries))
		return;
	for (size_t i = 0; i < json_object_array_length(entries); i++) {
		json_object *e = json_object_array_get_idx(entries, i), *t;

		printf("%s %04o %s:%s %s %s /%s", str(e, "type"),
		       json_object_get_int(json_object_object_get(e, "mode")), str(e, "uid"),
		       str(e, "gid"), str(e, "mtime"), str(e, "size"), str(e, "path"));
		if (json_object_object_get_ex(e, "target", &t))
			printf(" -> %s", json_object_get_string(t));
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
	char *pass = NULL, *out = NULL, **operands;
	cvm_err err = { 0 };
	json_object *m;
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
	r = cvm_image_inspect(&o, &out, &err);
	cvm_secret_free(pass);
	if (r < 0)
		return cli_fail("inspect", &err);
	if (json) {
		puts(out);
	} else if ((m = json_tokener_parse(out))) {
		print_disk(m);
		print_root(m, o.list);
		json_object_put(m);
	}
	free(out);
	return CLI_EXIT_OK;
}
