/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <cvmimg/image.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "passphrase.h"

#define MAX CVM_IMAGE_PASSPHRASE_MAX

int passphrase_sources(const struct passphrase_source *s)
{
	return !!s->file + !!s->fd + !!s->env;
}

/*
 * Up to MAX + 2 bytes (room to notice an oversized one), until end of file or,
 * with @line (a terminal), the end of the line; one newline dropped.
 */
static int read_fd(const char *cmd, int fd, const char *what, bool line, char *buf, size_t *len)
{
	size_t n = 0;

	while (n < MAX + 2 && !(line && n && buf[n - 1] == '\n')) {
		ssize_t k = read(fd, buf + n, MAX + 2 - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			cli_error(cmd, "cannot read the passphrase from %s: %s", what,
				  strerror(errno));
			return CLI_EXIT_INPUT;
		}
		if (k == 0)
			break;
		n += (size_t)k;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	if (n && buf[n - 1] == '\r')
		n--;
	if (n > MAX) {
		cli_error(cmd, "the passphrase from %s is longer than %d bytes", what, MAX);
		return CLI_EXIT_INPUT;
	}
	*len = n;
	return 0;
}

static int ask(const char *cmd, int tty, const char *prompt, char *buf, size_t *len)
{
	struct termios old, quiet;
	int r;

	if (tcgetattr(tty, &old) < 0) {
		cli_error(cmd, "cannot use the terminal: %s", strerror(errno));
		return CLI_EXIT_SYSTEM;
	}
	/* echo off before the prompt: an answer typed at once is neither echoed nor flushed */
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(tty, TCSAFLUSH, &quiet);
	if (write(tty, prompt, strlen(prompt)) < 0) {
		tcsetattr(tty, TCSANOW, &old);
		cli_error(cmd, "cannot use the terminal: %s", strerror(errno));
		return CLI_EXIT_SYSTEM;
	}
	r = read_fd(cmd, tty, "the terminal", true, buf, len);
	tcsetattr(tty, TCSANOW, &old);
	if (write(tty, "\n", 1) < 0)
		r = r ? r : CLI_EXIT_SYSTEM;
	return r;
}

static int from_tty(const char *cmd, bool confirm, char *buf, size_t *len)
{
	char *again = cvm_secret_alloc(MAX + 2);
	size_t n2 = 0;
	int tty = open("/dev/tty", O_RDWR | O_CLOEXEC), r;

	if (!again || tty < 0) {
		cvm_secret_free(again);
		if (tty >= 0)
			close(tty);
		return cli_usage(cmd, "no passphrase: use --passphrase-file, --passphrase-fd, "
				      "--passphrase-env or --generate-passphrase");
	}
	r = ask(cmd, tty, "Passphrase: ", buf, len);
	if (!r && confirm)
		r = ask(cmd, tty, "Passphrase (again): ", again, &n2);
	if (!r && confirm && (n2 != *len || memcmp(again, buf, n2))) {
		cli_error(cmd, "the passphrases do not match");
		r = CLI_EXIT_USAGE;
	}
	close(tty);
	cvm_secret_free(again);
	return r;
}

static int from_source(const char *cmd, const struct passphrase_source *s, char *buf, size_t *len)
{
	uint64_t fd;
	int r;

	if (s->env) {
		const char *v = getenv(s->env);

		if (!v) {
			cli_error(cmd, "the environment variable '%s' is not set", s->env);
			return CLI_EXIT_INPUT;
		}
		if (strlen(v) > MAX) {
			cli_error(cmd, "the passphrase in '%s' is longer than %d bytes", s->env,
				  MAX);
			return CLI_EXIT_INPUT;
		}
		*len = strlen(v);
		memcpy(buf, v, *len);
		/* the value sits in the process's initial environment, which
		 * /proc/PID/environ shows: wipe it there, and keep it from children */
		cvm_memzero((char *)v, *len);
		unsetenv(s->env);
		return 0;
	}
	if (s->fd) {
		if (cli_parse_u64(cmd, "passphrase-fd", s->fd, 0, 1 << 20, &fd))
			return CLI_EXIT_USAGE;
		return read_fd(cmd, (int)fd, "the descriptor", false, buf, len);
	}
	if (!strcmp(s->file, "-"))
		return read_fd(cmd, 0, "standard input", false, buf, len);
	fd = (uint64_t)open(s->file, O_RDONLY | O_CLOEXEC);
	if ((int)fd < 0) {
		cli_error(cmd, "cannot open '%s': %s", s->file, strerror(errno));
		return CLI_EXIT_INPUT;
	}
	r = read_fd(cmd, (int)fd, s->file, false, buf, len);
	close((int)fd);
	return r;
}

int passphrase_read(const char *cmd, const struct passphrase_source *s, bool confirm, char **ret,
		    size_t *ret_len)
{
	char *buf = cvm_secret_alloc(MAX + 2);
	size_t len = 0;
	int r;

	if (!buf) {
		cli_error(cmd, "out of memory");
		return CLI_EXIT_SYSTEM;
	}
	r = passphrase_sources(s) ? from_source(cmd, s, buf, &len)
				  : from_tty(cmd, confirm, buf, &len);
	if (!r && len == 0) {
		cli_error(cmd, "the passphrase is empty");
		r = CLI_EXIT_INPUT;
	}
	if (r) {
		cvm_secret_free(buf);
		return r;
	}
	memset(buf + len, 0, MAX + 2 - len); /* NUL-terminated, newline wiped */
	*ret = buf;
	*ret_len = len;
	return 0;
}
