/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The second pass: every archive entry into the ext4 writer, boot files caught on the way. */
#ifndef CVM_IMAGE_POPULATE_H
#define CVM_IMAGE_POPULATE_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "image/bootfiles.h"
#include "ext4/writer.h"
#include "archive/reader.h"

typedef int (*cvm_populate_progress)(uint64_t entries, uint64_t bytes, void *userdata);

/*
 * A file the build writes into the root itself (/etc/crypttab, /etc/fstab):
 * the archive's entry at that path, whatever its type, is skipped, and this
 * one is added after the archive (0644, root:root).
 */
struct cvm_populate_overlay {
	const char *path; /* relative, as the writer takes it: "etc/fstab" */
	const char *content;
};

struct cvm_populate {
	const char *archive; /* its name, for messages */
	struct cvm_tar *tar;
	struct cvm_ext4 *fs;
	struct cvm_bootfiles *boot;
	bool clamp; /* mtimes later than @epoch become @epoch */
	int64_t epoch;
	uint64_t max_entries;
	const struct cvm_populate_overlay *overlays;
	size_t n_overlays;
	int64_t overlay_mtime;
	cvm_populate_progress progress;
	void *userdata;
	uint64_t entries;    /* out: entries written */
	uint64_t data_bytes; /* out: file data bytes written */
	uint64_t replaced;   /* out: archive entries an overlay replaced */
};

int cvm_populate_run(struct cvm_populate *p, cvm_err *reterr);

#endif
