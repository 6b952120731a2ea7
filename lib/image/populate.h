/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The second pass: every archive entry into the ext4 writer, boot files caught on the way. */
#ifndef CVM_IMAGE_POPULATE_H
#define CVM_IMAGE_POPULATE_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "bootfiles.h"
#include "ext4-writer.h"
#include "tar-reader.h"

typedef int (*cvm_populate_progress)(uint64_t entries, uint64_t bytes, void *userdata);

struct cvm_populate {
	const char *archive; /* its name, for messages */
	struct cvm_tar *tar;
	struct cvm_ext4 *fs;
	struct cvm_bootfiles *boot;
	bool clamp; /* mtimes later than @epoch become @epoch */
	int64_t epoch;
	uint64_t max_entries;
	cvm_populate_progress progress;
	void *userdata;
	uint64_t entries;    /* out: entries written */
	uint64_t data_bytes; /* out: file data bytes written */
};

int cvm_populate_run(struct cvm_populate *p, cvm_err *reterr);

#endif
