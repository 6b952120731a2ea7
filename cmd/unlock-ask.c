/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The password agent protocol of systemd (systemd.io/PASSWORD_AGENTS), the
 * part an agent needs: a request is a file ask.XXXX in /run/systemd/ask-password,
 * an ini file whose [Ask] section has Socket=, Id=, NotAfter= (CLOCK_MONOTONIC
 * in µs, 0 for none) and more; the answer is one datagram "+<password>" to
 * Socket=. Every agent (the console's, plymouth's, ours) answers the same
 * request, and the first answer wins: ours never stops a person typing.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "unlock-ask.h"

#define ASK_FILE_MAX 65536

CVM_DEFINE_CLEANUP(DIR, closedir, ask_dir)

/* The same block device, or for a regular file (tests) the same inode. */
static bool same_device(const char *a, const char *b)
{
	struct stat sa, sb;

	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return false;
	if (S_ISBLK(sa.st_mode) && S_ISBLK(sb.st_mode))
		return sa.st_rdev == sb.st_rdev;
	return S_ISREG(sa.st_mode) && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static unsigned long long monotonic_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000;
}

/* Copy the value of "KEY=value" when @line has @key; false for another key or too long. */
static bool take(const char *line, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	if (strncmp(line, key, klen) || line[klen] != '=' || strlen(line + klen + 1) >= size)
		return false;
	strcpy(out, line + klen + 1);
	return true;
}

/* Fill @ret from the request file @path when it is for @device and not expired. */
static bool ask_for(const char *path, const char *device, struct ask *ret)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	CVM_CLEANUP_FREE char *text = NULL;
	char not_after[32] = "0", *line, *save = NULL;
	unsigned long long until;
	bool in_ask = false;
	size_t len = 0;
	cvm_err e = {0};

	ret->socket[0] = ret->id[0] = '\0';
	if (cvm_read_file(path, ASK_FILE_MAX, &buf, &len, &e) < 0 || memchr(buf, '\0', len) ||
	    !(text = strndup((const char *)buf, len)))
		return false;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (*line == '[')
			in_ask = !strcmp(line, "[Ask]");
		else if (in_ask && !take(line, "Socket", ret->socket, sizeof(ret->socket)) &&
			 !take(line, "Id", ret->id, sizeof(ret->id)))
			take(line, "NotAfter", not_after, sizeof(not_after));
	}
	until = strtoull(not_after, NULL, 10);
	if (!ret->socket[0] || (until && until < monotonic_usec()))
		return false;
	if (strncmp(ret->id, "cryptsetup:", 11) || !same_device(ret->id + 11, device))
		return false;
	snprintf(ret->file, sizeof(ret->file), "%s", path);
	return true;
}

int ask_find(const char *dir, const char *device, struct ask *ret, cvm_err *reterr)
{
	CVM_CLEANUP(ask_dirp) DIR *d = opendir(dir);
	struct dirent *de;
	char path[sizeof(((struct ask *)0)->file)];

	if (!d)
		return errno == ENOENT ? 0 : cvm_err_set_errno(reterr, -errno,
							      "cannot read '%s'", dir);
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "ask.", 4))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (ask_for(path, device, ret))
			return 1;
	}
	return 0;
}

/*
 * Start watching @dir once it exists (*fd stays -1 until then). systemd
 * writes ask.XXXX under another name and renames it into place.
 */
static int watch(const char *dir, int *fd, cvm_err *reterr)
{
	int err;

	if (*fd >= 0)
		return 0;
	if ((*fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) < 0)
		return cvm_err_set_errno(reterr, -errno, "inotify");
	if (inotify_add_watch(*fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE) >= 0)
		return 0;
	err = errno;
	close(*fd);
	*fd = -1;
	return err == ENOENT ? 0 : cvm_err_set_errno(reterr, -err, "cannot watch '%s'", dir);
}

int ask_wait_for(const char *dir, const char *device, double seconds, struct ask *ret,
		 cvm_err *reterr)
{
	unsigned long long end = monotonic_usec() + (unsigned long long)(seconds * 1e6), t;
	CVM_CLEANUP_CLOSE int fd = -1;
	char events[4096];
	int r, ms;

	for (;;) {
		/* the watch before the look: a request made in between still wakes us */
		if ((r = watch(dir, &fd, reterr)) < 0 || (r = ask_find(dir, device, ret, reterr)))
			return r;
		if ((t = monotonic_usec()) >= end)
			return 0;
		ms = (int)((end - t) / 1000) + 1;
		/* no directory yet: look again in a moment */
		if (fd < 0) {
			usleep((useconds_t)(ms < 500 ? ms : 500) * 1000);
			continue;
		}
		if (poll(&(struct pollfd){.fd = fd, .events = POLLIN}, 1, ms) < 0 && errno != EINTR)
			return cvm_err_set_errno(reterr, -errno, "poll");
		/* what changed does not matter: the next look reads the directory */
		while (read(fd, events, sizeof(events)) > 0)
			;
	}
}

int ask_answer(const struct ask *a, const char *pass, size_t len, cvm_err *reterr)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	CVM_CLEANUP_CLOSE int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CVM_CLEANUP(cvm_secret_freep) char *msg = cvm_secret_alloc(len + 1);
	ssize_t n;

	if (strlen(a->socket) >= sizeof(sa.sun_path))
		return cvm_err_set(reterr, -ENAMETOOLONG, "the socket path '%s' is too long",
				   a->socket);
	if (fd < 0 || !msg)
		return cvm_err_set_errno(reterr, fd < 0 ? -errno : -ENOMEM,
					 "cannot answer '%s'", a->file);
	strcpy(sa.sun_path, a->socket);
	msg[0] = '+';
	memcpy(msg + 1, pass, len);
	n = sendto(fd, msg, len + 1, MSG_NOSIGNAL, (struct sockaddr *)&sa, sizeof(sa));
	if (n < 0)
		return cvm_err_set_errno(reterr, -errno, "cannot answer on '%s'",
					 a->socket);
	return 0;
}
