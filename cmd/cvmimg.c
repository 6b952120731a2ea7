/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg: dispatch to one subcommand from the table below. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/log.h>

#include "cli.h"
#include "cmd.h"

/*
 * The front program (cvmimg, CVMIMG_FRONT) links only libcrypto and json-c;
 * the commands that need the image and network libraries run in cvmimg-full,
 * which it executes in its place (cmd/CMakeLists.txt says why).
 */
#ifdef CVMIMG_FRONT
#define FULL_ONLY(fn) NULL
#else
#define FULL_ONLY(fn) fn
#endif

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
	bool keys; /* may hold keys, passphrases or plaintext: no core dumps, no ptrace */
} commands[] = {
	{ "broker", FULL_ONLY(cmd_broker), "hand a bundle to a Trustee key broker: export files or apply", true },
	{ "build", FULL_ONLY(cmd_build), "build an encrypted disk image from a root filesystem tarball", true },
	{ "bundle", cmd_bundle, "make, check and describe the signed policy bundle for the broker", true },
	{ "eventlog", cmd_eventlog, "replay, list and compare TDX event logs (CCEL or JSON)", false },
	{ "inspect", FULL_ONLY(cmd_inspect), "describe a disk image, and with a passphrase its root", true },
	{ "keygen", cmd_keygen, "generate a key pair for bundle signatures or the broker operator", true },
	{ "measure", cmd_measure, "compute the expected SEV, SEV-ES, SEV-SNP or TDX measurements", false },
	{ "secret", cmd_secret, "write the SEV secret table that injects the disk key", true },
	{ "uki", cmd_uki, "build, inspect and sign Unified Kernel Images", true },
	{ "verify-report", cmd_verify_report,
	  "verify an SEV-SNP report or TDX quote against pinned vendor roots", false },
	{ "verity", FULL_ONLY(cmd_verity), "check the dm-verity root of a built image in user space", true },
};

static void usage(FILE *out)
{
	fputs("Usage:\n"
	      " cvmimg <command> [options] [arguments]\n"
	      " cvmimg help [<command>]\n"
	      "\n"
	      "Build, measure and verify images for confidential VMs.\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, " %-16s%s\n", commands[i].name, commands[i].help);
	fputs("\n"
	      " -h, --help      display this help\n"
	      " -V, --version   display version\n"
	      "\n"
	      "Run 'cvmimg <command> --help' for a command's options.\n"
	      "For more details see cvmimg(1).\n",
	      out);
}

static void log_to_stderr(unsigned domain, const char *msg, void *userdata)
{
	(void)domain;
	(void)userdata;
	fprintf(stderr, "cvmimg: debug: %s\n", msg);
}

#ifdef CVMIMG_FRONT
/*
 * Replace this process by cvmimg-full running the same command line: beside
 * cvmimg in the build tree, else where it is installed relative to cvmimg
 * (CVMIMG_FULL_REL, e.g. ../libexec/cvmimg/cvmimg-full), whatever the prefix.
 */
static int run_full(int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + sizeof(CVMIMG_FULL_REL) + 1];
	char **args;

	if (!cli_program_dir(dir, sizeof(dir))) {
		fprintf(stderr, "cvmimg %s: cannot find cvmimg's own directory: %s\n", argv[0],
			strerror(errno ? errno : ENAMETOOLONG));
		return CLI_EXIT_SYSTEM;
	}
	snprintf(path, sizeof(path), "%s/%s", dir,
		 cli_in_build_tree() ? "cvmimg-full" : CVMIMG_FULL_REL);
	if (!(args = calloc((size_t)argc + 2, sizeof(*args)))) {
		fprintf(stderr, "cvmimg %s: out of memory\n", argv[0]);
		return CLI_EXIT_SYSTEM;
	}
	args[0] = "cvmimg";
	memcpy(args + 1, argv, (size_t)argc * sizeof(*args));
	execv(path, args);
	fprintf(stderr, "cvmimg %s: cannot run %s: %s\n", argv[0], path, strerror(errno));
	free(args);
	return CLI_EXIT_SYSTEM;
}
#endif

static int run(int argc, char **argv)
{
	const char *name = argv[0];

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(name, commands[i].name))
			continue;
#ifdef CVMIMG_FRONT
		if (!commands[i].fn)
			return run_full(argc, argv);
#endif
		if (commands[i].keys && cli_protect_secrets() < 0) {
			fprintf(stderr, "cvmimg %s: cannot protect its secrets (core dumps, "
				"OpenSSL's key memory): %s\n", name, strerror(errno));
			return CLI_EXIT_SYSTEM;
		}
		return commands[i].fn(argc, argv);
	}
	fprintf(stderr, "cvmimg: '%s' is not a cvmimg command. See 'cvmimg --help'.\n", name);
	return CLI_EXIT_USAGE;
}

static int help(int argc, char **argv)
{
	char *args[] = { argv[1], "--help", NULL };

	if (argc < 2) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	if (argc > 2) {
		fputs("cvmimg: help takes at most one command\n", stderr);
		return CLI_EXIT_USAGE;
	}
	return run(2, args);
}

int main(int argc, char **argv)
{
	const char *debug = getenv("CVMIMG_DEBUG");
	int code;

	if (debug && *debug)
		cvm_set_log_func(log_to_stderr, cvm_log_mask_from_string(debug), NULL);
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		code = help(1, argv + 1);
	else if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		code = printf("cvmimg %s\n", cvm_version()) < 0 ? CLI_EXIT_SYSTEM : CLI_EXIT_OK;
	else if (!strcmp(argv[1], "help"))
		code = help(argc - 1, argv + 1);
	else
		code = run(argc - 1, argv + 1);
	return cli_close_stdout(code);
}
