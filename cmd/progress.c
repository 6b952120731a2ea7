/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

void progress_init(struct progress *p)
{
	struct sigaction sa = {.sa_handler = on_signal};
	struct winsize ws;

	*p = (struct progress){.enabled = isatty(2) == 1, .width = 80};
	if (p->enabled && ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
		p->width = ws.ws_col;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

bool progress_interrupted(void)
{
	return interrupted;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int progress_update(const struct cvm_build_progress *bp, void *userdata)
{
	struct progress *p = userdata;
	char line[256];
	double t = now(), frac = 0;
	int bar, fill, n;

	if (interrupted)
		return 1;
	if (!p->enabled ||
	    (t - p->last < 0.1 && bp->phase != CVM_BUILD_BOOT && bp->phase != CVM_BUILD_FINISH))
		return 0;
	p->last = t;
	if (bp->bytes_total)
		frac = (double)bp->bytes / (double)bp->bytes_total;
	else if (bp->entries_total)
		frac = (double)bp->entries / (double)bp->entries_total;
	if (frac > 1)
		frac = 1;
	if (bp->phase == CVM_BUILD_BOOT || bp->phase == CVM_BUILD_FINISH) {
		frac = 1;
		n = snprintf(line, sizeof(line), " %s", bp->phase == CVM_BUILD_BOOT
							     ? "boot   UKI and EFI system partition"
							     : "finish partition table and digests");
	} else {
		n = snprintf(line, sizeof(line), " %-6s %llu entries, %llu MiB",
			     cvm_build_phase_to_string(bp->phase), (unsigned long long)bp->entries,
			     (unsigned long long)(bp->bytes >> 20));
	}
	bar = p->width - n - 10;
	if (bar > 50)
		bar = 50;
	if (bar < 10)
		bar = 10;
	fill = (int)(frac * bar);
	fprintf(stderr, "\r[%.*s%*s] %3d%%%s\033[K", fill,
		"##################################################", bar - fill, "",
		(int)(frac * 100), line);
	return 0;
}

void progress_done(struct progress *p)
{
	if (p->enabled)
		fputs("\r\033[K", stderr);
}
