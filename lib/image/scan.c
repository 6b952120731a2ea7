/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <cvmimg/cleanup.h>

#include "archive/reader.h"
#include "image/scan.h"

int cvm_scan_archive(const char *path, uint64_t max_entries, cvm_scan_progress progress,
		     void *userdata, struct cvm_scan *ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_tar_freep) struct cvm_tar *t = NULL;
	struct cvm_scan s = {0};
	struct cvm_tar_entry *te;
	int r;

	if ((r = cvm_tar_open(path, -1, false, progress, userdata, &t, reterr)) < 0)
		return r;
	while ((r = cvm_tar_next(t, &te, reterr)) > 0) {
		cvm_ext4_need_add(&s.need, &te->e);
		if (s.need.entries > max_entries)
			return cvm_err_set(reterr, -EFBIG, "'%s' has more than %llu entries", path,
					   (unsigned long long)max_entries);
		if (progress && s.need.entries % 1024 == 0 &&
		    progress(s.need.entries, cvm_tar_bytes_in(t), userdata))
			return cvm_err_set(reterr, -ECANCELED, "cancelled");
	}
	if (r < 0)
		return r;
	s.input_bytes = cvm_tar_bytes_in(t);
	*ret = s;
	return 0;
}

int cvm_scan_layout(const struct cvm_scan *scan, uint64_t disk_size, uint64_t esp_size,
		    bool read_only, struct cvm_layout *ret, cvm_err *reterr)
{
	uint64_t blocks = 0, inodes = 0;
	struct cvm_layout l;
	int r;

	if (!disk_size && (r = cvm_ext4_auto_size(&scan->need, read_only, &blocks, &inodes, reterr)) < 0)
		return r;
	if ((r = cvm_layout_compute(disk_size, esp_size, blocks, &l, reterr)) < 0)
		return r;
	if (disk_size && scan)
		inodes = cvm_ext4_inodes_for(&scan->need, l.fs_blocks, read_only);
	l.fs_inodes = inodes;
	*ret = l;
	return 0;
}
