/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg-unlock as a systemd password agent (systemd.io/PASSWORD_AGENTS):
 * the requests systemd-cryptsetup leaves in /run/systemd/ask-password, and
 * the answer to one of them.
 */
#ifndef CVMIMG_UNLOCK_ASK_H
#define CVMIMG_UNLOCK_ASK_H

#include <stddef.h>

#include <cvmimg/err.h>

#define ASK_DIR "/run/systemd/ask-password"

struct ask {
	char file[300];	  /* the ask.* file */
	char socket[300]; /* where the answer goes (Socket=) */
	char id[300];	  /* Id=, "cryptsetup:<device path>" */
};

/*
 * Find an unexpired request of systemd-cryptsetup for @device in @dir: one
 * whose Id= names a path that is @device (the same block device, or the same
 * file for tests). Returns 1 and fills @ret, 0 for none, < 0 for a directory
 * that cannot be read.
 */
int ask_find(const char *dir, const char *device, struct ask *ret, cvm_err *reterr);

/*
 * ask_find(), and while there is none, wait for @dir to change, for at
 * most @seconds in all. Returns 1 and fills @ret, 0 for none in time, < 0 on
 * error.
 */
int ask_wait_for(const char *dir, const char *device, double seconds, struct ask *ret,
		 cvm_err *reterr);

/* Answer @a with @pass (text: the answer ends at the first NUL). */
int ask_answer(const struct ask *a, const char *pass, size_t len, cvm_err *reterr);

#endif
