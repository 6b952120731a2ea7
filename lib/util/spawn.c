/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cvmimg/log.h>

#include "util/log-internal.h"
#include "util/spawn.h"
#include "util/macro.h"

const char *cvm_find_tool(const char *tool, char *buf, size_t size)
{
	static const char *const dirs[] = {"/usr/sbin", "/usr/bin", "/sbin", "/bin"};

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if ((size_t)snprintf(buf, size, "%s/%s", dirs[i], tool) < size &&
		    access(buf, X_OK) == 0)
			return buf;
	}
	return NULL;
}

/* The first line of what the child wrote on stderr, for the error message. */
static void read_first_line(int fd, char *line, size_t size)
{
	size_t n = 0;
	char c;

	while (read(fd, &c, 1) == 1) {
		if (n + 1 < size && c != '\n' && (n || c != ' '))
			line[n++] = c;
		else if (c == '\n' && n)
			break;
	}
	line[n] = '\0';
	while (read(fd, &c, 1) == 1) /* drain, so the child never blocks on a full pipe */
		;
}

static int run(const char *path, const char *const *argv, int errpipe[2], int outfd, pid_t *pid)
{
	static char *const env[] = {"LC_ALL=C", "TZ=UTC", "MTOOLSRC=/dev/null",
				    "MTOOLS_SKIP_CHECK=1", NULL};
	posix_spawn_file_actions_t fa;
	int r;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (outfd >= 0)
		posix_spawn_file_actions_adddup2(&fa, outfd, 1);
	else
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, errpipe[1], 2);
	posix_spawn_file_actions_addclose(&fa, errpipe[0]);
	r = posix_spawn(pid, path, &fa, NULL, (char *const *)argv, env);
	posix_spawn_file_actions_destroy(&fa);
	return -r;
}

/* Read the child's stdout (into *buf, up to @max) and then its stderr's first line. */
static int drain(int outfd, int errfd, size_t max, uint8_t **buf, size_t *len, char *line,
		 size_t size)
{
	size_t cap = 0;
	int over = 0;

	*len = 0;
	for (;;) {
		uint8_t chunk[65536];
		ssize_t n = outfd >= 0 ? read(outfd, chunk, sizeof(chunk)) : 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (*len + (size_t)n > max) {
			over = 1; /* keep reading so the child can finish */
			continue;
		}
		if (*len + (size_t)n + 1 > cap) {
			uint8_t *nb;

			cap = (*len + (size_t)n + 1) * 2;
			if (!(nb = realloc(*buf, cap)))
				return -ENOMEM;
			*buf = nb;
		}
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
	}
	if (*buf)
		(*buf)[*len] = '\0';
	read_first_line(errfd, line, size);
	return over ? -EFBIG : 0;
}

static void log_command(const char *const *argv)
{
	char cmd[1024] = "";

	if (!cvm_log_enabled(CVM_LOG_IMAGE))
		return;
	for (size_t i = 0; argv[i]; i++)
		snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", i ? " " : "",
			 argv[i]);
	cvm_log_debug(CVM_LOG_IMAGE, "run: %s", cmd);
}

static int spawn(const char *const *argv, const char *package, size_t max, uint8_t **ret,
		 size_t *ret_len, cvm_err *reterr)
{
	char path[256], line[200];
	int errpipe[2], outpipe[2] = {-1, -1}, status, r, d;
	uint8_t *buf = NULL;
	size_t len = 0;
	pid_t pid;

	if (!cvm_find_tool(argv[0], path, sizeof(path)))
		return cvm_err_set(reterr, -ENOENT,
				   "'%s' not found: install the Debian package "
				   "'%s'",
				   argv[0], package);
	log_command(argv);
	if (pipe2(errpipe, O_CLOEXEC) < 0 || (ret && pipe2(outpipe, O_CLOEXEC) < 0))
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot run '%s'", argv[0]);
	r = run(path, argv, errpipe, outpipe[1], &pid);
	close(errpipe[1]);
	if (outpipe[1] >= 0)
		close(outpipe[1]);
	if (r < 0) {
		close(errpipe[0]);
		if (outpipe[0] >= 0)
			close(outpipe[0]);
		return cvm_err_set_errno(reterr, r, "cannot run '%s'", path);
	}
	d = drain(outpipe[0], errpipe[0], max, &buf, &len, line, sizeof(line));
	close(errpipe[0]);
	if (outpipe[0] >= 0)
		close(outpipe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot wait for '%s'", argv[0]);
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(buf);
		return cvm_err_set(reterr, -EIO, "%s failed%s%s", argv[0], line[0] ? ": " : "",
				   line);
	}
	if (d < 0) {
		free(buf);
		return cvm_err_set(reterr, d, "%s wrote more than %zu bytes", argv[0], max);
	}
	if (ret) {
		*ret = buf ? buf : calloc(1, 1);
		*ret_len = len;
		if (!*ret)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	return 0;
}

int cvm_spawn(const char *const *argv, const char *package, cvm_err *reterr)
{
	return spawn(argv, package, 0, NULL, NULL, reterr);
}

int cvm_spawn_capture(const char *const *argv, const char *package, size_t max, uint8_t **ret,
		      size_t *ret_len, cvm_err *reterr)
{
	return spawn(argv, package, max, ret, ret_len, reterr);
}
