/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The build's progress bar on standard error, only when it is a terminal,
 * redrawn at most ten times a second; and Ctrl-C (SIGINT, SIGTERM) turned
 * into a cancellation the library unwinds cleanly.
 */
#ifndef CVMIMG_CMD_PROGRESS_H
#define CVMIMG_CMD_PROGRESS_H

#include <stdbool.h>

#include <cvmimg/image.h>

struct progress {
	bool enabled;
	double last;
	int width;
};

/* Decide whether to draw and catch SIGINT/SIGTERM. */
void progress_init(struct progress *p);

/* Whether SIGINT or SIGTERM came since progress_init(). */
bool progress_interrupted(void);

/* cvm_build_progress_func: draws, and returns non-zero once a signal came. */
int progress_update(const struct cvm_build_progress *bp, void *userdata);

/* Erase the bar. */
void progress_done(struct progress *p);

#endif
