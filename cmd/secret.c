/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg secret: the SEV/SEV-ES secret table that carries the disk key into the guest. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"

static const char *const synopsis[] = {
	"--key-file FILE -o OUT [--guid GUID] [--json]",
	NULL,
};

static const struct cli_command secret_cmd = {
	.name = "secret",
	.synopsis = synopsis,
	.summary = "Write the EFI secret table a SEV or SEV-ES guest owner injects at launch\n"
		   "(LAUNCH_SECRET), holding the disk key (DIR/broker.key of cvmimg build) under\n"
		   "cvmimg's GUID, where the guest's efi_secret driver and cvmimg-unlock find it.\n"
		   "The table is written with mode 0600; encrypting it for the launch is the\n"
		   "guest owner's launch tool's part.",
	.refuse_repeats = true,
};

int cmd_secret(int argc, char **argv)
{
	const char *key_file = NULL, *out = NULL, *guid = CVM_SEV_SECRET_DISK_GUID;
	bool json = false;
	struct cli_option options[] = {
		CLI_STRING("key-file", 'k', "FILE", &key_file,
			   "the disk key (DIR/broker.key of cvmimg build)"),
		CLI_STRING("output", 'o', "FILE", &out, "write the secret table to FILE"),
		CLI_STRING("guid", 0, "GUID", &guid,
			   "the entry's GUID (default cvmimg's: " CVM_SEV_SECRET_DISK_GUID ")"),
		CLI_JSON(&json),
		CLI_END,
	};
	CVM_CLEANUP(cvm_secret_freep) uint8_t *table = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	uint8_t *raw = NULL, *key = NULL;
	size_t key_len = 0, len = 0;
	cvm_err e = { 0 };
	int r;

	if ((r = cli_parse(&secret_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	if (!key_file)
		return cli_usage("secret", "--key-file is required");
	if (!out)
		return cli_usage("secret", "--output is required");
	if ((r = cvm_read_file(key_file, CVM_SEV_SECRET_MAX, &raw, &key_len, &e)) < 0)
		return cli_fail("secret", &e);
	/* the key only in locked memory from here on */
	if ((key = cvm_secret_alloc(key_len ? key_len : 1)))
		memcpy(key, raw, key_len);
	cvm_memzero(raw, key_len);
	free(raw);
	if (!key) {
		cvm_err_set(&e, -ENOMEM, "out of memory");
		return cli_fail("secret", &e);
	}
	r = cvm_sev_secret_table(&(struct cvm_sev_secret){ guid, key, key_len }, 1, &table, &len,
				 &e);
	cvm_secret_free(key);
	if (r < 0 || (r = cvm_write_file_atomic(out, table, len, 0600, &e)) < 0)
		return cli_fail("secret", &e);
	if (!json) {
		printf("%s: %zu bytes, entry %s (%zu bytes of key)\n", out, len, guid, key_len);
		return CLI_EXIT_OK;
	}
	o = json_object_new_object();
	if (!o || cvm_json_add(o, "output", json_object_new_string(out)) < 0 ||
	    cvm_json_add(o, "size", json_object_new_int64((int64_t)len)) < 0 ||
	    cvm_json_add(o, "guid", json_object_new_string(guid)) < 0 ||
	    cvm_json_add(o, "key_size", json_object_new_int64((int64_t)key_len)) < 0) {
		cvm_err_set(&e, -ENOMEM, "out of memory");
		return cli_fail("secret", &e);
	}
	cli_print_json(o);
	return CLI_EXIT_OK;
}
