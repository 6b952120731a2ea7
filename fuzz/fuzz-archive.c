/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the rootfs tarball reader (lib/archive): every entry
 * and its data are read, ACLs (pax SCHILY.acl.*), xattrs and sparse maps
 * decoded, as `cvmimg build` does before the ext4 writer. Any input must be
 * read or refused with -EBADMSG (or -ENAMETOOLONG for a name over the limit).
 * The input comes through a memfd: the reader works on descriptors.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive/reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_errno(int r)
{
	if (r < 0 && r != -EBADMSG && r != -ENAMETOOLONG)
		abort();
}

static volatile size_t sink;

/* Touch every byte range the writer would read: ASan checks the bounds. */
static void use_entry(const struct cvm_tar_entry *te)
{
	size_t sum = strlen(te->e.path) + strlen(te->name);

	if (te->e.target)
		sum += strlen(te->e.target);
	for (size_t i = 0; i < te->e.n_xattrs; i++) {
		const uint8_t *v = te->e.xattrs[i].value;

		sum += strlen(te->e.xattrs[i].name);
		if (te->e.xattrs[i].len)
			sum += v[0] + v[te->e.xattrs[i].len - 1];
	}
	sink = sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvm_tar *t = NULL;
	struct cvm_tar_entry *te;
	cvm_err e = { 0 };
	int fd = memfd_create("fuzz", MFD_CLOEXEC), r;

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || lseek(fd, 0, SEEK_SET))
		abort();
	r = cvm_tar_open("fuzz.tar", fd, true, NULL, NULL, &t, &e);
	check_errno(r);
	while (r >= 0 && (r = cvm_tar_next(t, &te, &e)) > 0) {
		const void *buf;
		size_t len;
		uint64_t off, end = 0;

		use_entry(te);
		while ((r = cvm_tar_data(t, &buf, &len, &off, &e)) > 0) {
			if (off < end || (len && !buf))
				abort(); /* the writer relies on ordered blocks */
			end = off + len;
		}
		if (r < 0)
			break;
	}
	check_errno(r);
	if (r == 0 && t) {
		uint8_t d[32];

		check_errno(cvm_tar_digest(t, d, &e));
	}
	cvm_tar_free(t);
	close(fd);
	return 0;
}
