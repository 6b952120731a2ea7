/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg verity verify: check a built image's dm-verity root in user space. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>
#include <cvmimg/verity.h>

#include "cli.h"
#include "cmd.h"
#include "passphrase.h"

static const char *const synopsis[] = {
    "verify IMAGE [--uki FILE] [--passphrase-file FILE] [--json]",
    NULL,
};

/* Named "verity" so that messages read "cvmimg verity: ..." and --help points at cvmimg-verity(1). */
static const struct cli_command verity_cmd = {
    .name = "verity",
    .synopsis = synopsis,
    .summary = "Check the dm-verity root of an image built with 'cvmimg build --verity' as\n"
	       "its kernel would, in user space: the root hash, salt, data blocks and hash\n"
	       "offset from the UKI's command line, the LUKS2 root unlocked with the\n"
	       "passphrase and decrypted in memory, every block hashed. Exit 1 when it fails.",
    .min_operands = 1,
    .max_operands = 1,
    .missing_operand = "verify needs an IMAGE",
};

struct verity_args {
	struct cvm_verity_image_options o;
	struct passphrase_source pass;
	bool json;
};

#define VERITY_OPTIONS(a)                                                                          \
	CLI_STRING("uki", 0, "FILE", &(a)->o.uki_path,                                              \
		   "the UKI to take the command line from (default: the ESP's)"),                  \
	    CLI_STRING("passphrase-file", 0, "FILE", &(a)->pass.file,                              \
		       "unlock the root with the passphrase in FILE"),                             \
	    CLI_STRING("passphrase-fd", 0, "N", &(a)->pass.fd,                                     \
		       "unlock the root with the passphrase from fd N"),                           \
	    CLI_STRING("passphrase-env", 0, "VAR", &(a)->pass.env,                                 \
		       "unlock the root with the passphrase in VAR"),                              \
	    CLI_JSON(&(a)->json), CLI_END

static const char *verdict(const struct cvm_verity_report *rep, char *buf, size_t size)
{
	if (rep->ok)
		return "verified";
	if (rep->data_bad)
		snprintf(buf, size, "data block %" PRIu64 " does not match the tree",
			 rep->data_block);
	else if (rep->hash_bad)
		snprintf(buf, size, "hash block %" PRIu64 " of the tree does not match the data",
			 rep->hash_block);
	else if (rep->root_bad)
		snprintf(buf, size, "the tree's root is not the command line's root hash");
	else
		snprintf(buf, size, "the verity superblock disagrees with the command line");
	return buf;
}

static int print_json(const char *image, const struct cvm_verity_params *p,
		      const struct cvm_verity_report *rep)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *v = NULL;

	if (!o || cvm_verity_params_to_json(p, &v) < 0 || cvm_json_add(o, "verity", v) < 0 ||
	    cvm_json_add(o, "image", json_object_new_string(image)) < 0 ||
	    cvm_json_add(o, "verified", json_object_new_boolean(rep->ok)) < 0 ||
	    cvm_json_add(o, "superblock_matches", json_object_new_boolean(!rep->superblock_bad)) <
		0 ||
	    cvm_json_add(o, "root_hash_matches", json_object_new_boolean(!rep->root_bad)) < 0)
		return cli_fail("verity", &(cvm_err){.code = -ENOMEM});
	/* null when none */
	json_object_object_add(o, "first_bad_data_block",
			       rep->data_bad ? json_object_new_uint64(rep->data_block) : NULL);
	json_object_object_add(o, "first_bad_hash_block",
			       rep->hash_bad ? json_object_new_uint64(rep->hash_block) : NULL);
	cli_print_json(o);
	return 0;
}

static int verify_main(int argc, char **argv)
{
	struct verity_args a = {0};
	struct cli_option options[] = {VERITY_OPTIONS(&a)};
	struct cvm_verity_params p;
	struct cvm_verity_report rep;
	char *pass = NULL, **operands, why[160], root[65];
	cvm_err err = {0};
	size_t len;
	int r;

	if ((r = cli_parse(&verity_cmd, options, argc, argv, &operands, NULL)) != CLI_GO_ON)
		return r;
	a.o.image_path = operands[0];
	if (passphrase_sources(&a.pass) > 1)
		return cli_usage("verity", "give one of --passphrase-file, --passphrase-fd and "
					   "--passphrase-env");
	if ((r = passphrase_read("verity", &a.pass, false, &pass, &len)))
		return r;
	a.o.passphrase = pass;
	a.o.passphrase_len = len;
	r = cvm_verity_image_verify(&a.o, &p, &rep, &err);
	cvm_secret_free(pass);
	if (r < 0)
		return cli_fail("verity", &err);
	if (a.json) {
		if ((r = print_json(a.o.image_path, &p, &rep)))
			return r;
	} else {
		cvm_hex_encode(p.root_hash, sizeof(p.root_hash), root);
		printf("%s: %s (root hash %s, %" PRIu64 " data blocks)\n", a.o.image_path,
		       verdict(&rep, why, sizeof(why)), root, p.data_blocks);
	}
	return rep.ok ? CLI_EXIT_OK : CLI_EXIT_CHECK;
}

static const struct cli_verb verbs[] = {
    {"verify", verify_main},
    {NULL, NULL},
};

int cmd_verity(int argc, char **argv)
{
	struct verity_args a = {0};
	struct cli_option options[] = {VERITY_OPTIONS(&a)};
	int r;

	if ((r = cli_run_verb(verbs, argc, argv)) != CLI_GO_ON)
		return r;
	/* --help and --version here; anything else lacks the verb */
	if ((r = cli_parse(&verity_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	return cli_usage("verity", "a verb is needed: verify");
}
