/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg keygen: key pairs for bundle signatures and for the broker operator. */
#include <stdio.h>

#include <cvmimg/bundle.h>

#include "cli.h"
#include "cmd.h"

static const char *const synopsis[] = {
	"--type TYPE -o KEY.pem [--public-out PUB.pem]",
	NULL,
};

static const struct cli_command keygen_cmd = {
	.name = "keygen",
	.synopsis = synopsis,
	.summary = "Generate a key pair: ecdsa-p256 or ed25519 to sign bundles, ecdh-p256 for\n"
		   "the broker operator, to whose public key the broker key is sealed. The\n"
		   "private key is written unencrypted with mode 0600; the key id (SHA-256 of\n"
		   "the public key's SubjectPublicKeyInfo) is printed.",
	.refuse_repeats = true,
};

static const char *const types[] = { "ecdsa-p256", "ed25519", "ecdh-p256", NULL };
/* The same curve signs (ECDSA) and receives the sealed broker key (ECDH-ES). */
static const enum cvm_key_type type_keys[] = { CVM_KEY_P256, CVM_KEY_ED25519, CVM_KEY_P256 };

int cmd_keygen(int argc, char **argv)
{
	const char *out = NULL, *pub = NULL;
	int type = -1;
	struct cli_option options[] = {
		CLI_CHOICE("type", 't', "TYPE", &type, types, "ecdsa-p256, ed25519 or ecdh-p256"),
		CLI_STRING("output", 'o', "FILE", &out, "write the private key (PEM) to FILE"),
		CLI_STRING("public-out", 0, "FILE", &pub, "write the public key (PEM) to FILE"),
		CLI_END,
	};
	char keyid[CVM_KEYID_LEN + 1];
	cvm_err e = { 0 };
	int r;

	if ((r = cli_parse(&keygen_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	if (type < 0)
		return cli_usage("keygen", "--type is required");
	if (!out)
		return cli_usage("keygen", "--output is required");
	if (cvm_keygen(type_keys[type], out, pub, keyid, &e) < 0)
		return cli_fail("keygen", &e);
	printf("%s\n", keyid);
	return CLI_EXIT_OK;
}
