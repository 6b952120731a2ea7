/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a passphrase on the command line's side, never from argv: a file
 * ("-" for standard input), a file descriptor, an environment variable named
 * by the user, or the terminal (asked twice when @confirm). A single trailing
 * newline (or CR LF) is dropped from files and descriptors, so that
 * "echo secret > file" and typing "secret" at the boot prompt agree. The
 * result lives in secure memory (cvm_secret_free()).
 */
#ifndef CVMIMG_CMD_PASSPHRASE_H
#define CVMIMG_CMD_PASSPHRASE_H

#include <stdbool.h>
#include <stddef.h>

struct passphrase_source {
	const char *file;
	const char *fd;
	const char *env;
};

/* How many sources are set (more than one is a usage error). */
int passphrase_sources(const struct passphrase_source *s);

/*
 * Read the passphrase for command @cmd. With no source, ask on the terminal
 * if there is one. Returns an exit code: 0 with *ret and *ret_len set, 2 for
 * no usable source, 3 for an empty, oversized or unreadable passphrase.
 */
int passphrase_read(const char *cmd, const struct passphrase_source *s, bool confirm, char **ret,
		    size_t *ret_len);

#endif
