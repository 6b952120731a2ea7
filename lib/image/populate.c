/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "image/populate.h"

#define PROGRESS_EVERY 256u

/* The writer's message, prefixed with the archive's name. */
static int entry_error(struct cvm_populate *p, int r, const cvm_err *e, cvm_err *reterr)
{
	if (r == -EFBIG && strstr(e->msg, "filesystem is full"))
		return cvm_err_set(reterr, r, "'%s': %s (a larger --size would hold it)",
				   p->archive, e->msg);
	return cvm_err_set(reterr, r, "'%s': %s", p->archive, e->msg);
}

static int copy_data(struct cvm_populate *p, struct cvm_capture *cap, cvm_err *reterr)
{
	const void *buf;
	size_t len;
	uint64_t off;
	cvm_err e = {0};
	int r;

	while ((r = cvm_tar_data(p->tar, &buf, &len, &off, reterr)) > 0) {
		if ((r = cvm_ext4_write(p->fs, off, buf, len, &e)) < 0)
			return entry_error(p, r, &e, reterr);
		if (cap)
			cvm_capture_put(cap, off, buf, len);
		p->data_bytes += len;
	}
	if (r < 0)
		return r;
	if ((r = cvm_ext4_end_file(p->fs, &e)) < 0)
		return entry_error(p, r, &e, reterr);
	return 0;
}

static bool overlaid(const struct cvm_populate *p, const char *path)
{
	for (size_t i = 0; i < p->n_overlays; i++)
		if (!strcmp(path, p->overlays[i].path))
			return true;
	return false;
}

static int one_entry(struct cvm_populate *p, struct cvm_tar_entry *te, cvm_err *reterr)
{
	struct cvm_capture *cap = NULL;
	cvm_err e = {0};
	int r;

	if (overlaid(p, te->e.path)) {
		p->replaced++;
		return 0; /* its data, if any, is passed over by the next header */
	}
	if (p->clamp && te->e.mtime > p->epoch) {
		te->e.mtime = p->epoch;
		te->e.mtime_nsec = 0;
	}
	if ((r = cvm_ext4_add(p->fs, &te->e, &e)) < 0)
		return entry_error(p, r, &e, reterr);
	if (te->e.type != CVM_FS_REG)
		return 0;
	if (p->boot && (r = cvm_bootfiles_offer(p->boot, &te->e, &cap, &e)) < 0)
		return entry_error(p, r, &e, reterr);
	return copy_data(p, cap, reterr);
}

static int add_overlays(struct cvm_populate *p, cvm_err *reterr)
{
	for (size_t i = 0; i < p->n_overlays; i++) {
		const struct cvm_populate_overlay *ov = &p->overlays[i];
		struct cvm_fs_entry ent = {
		    .path = ov->path,
		    .type = CVM_FS_REG,
		    .mode = 0644,
		    .mtime = p->overlay_mtime,
		    .size = strlen(ov->content),
		};
		cvm_err e = {0};
		int r;

		if ((r = cvm_ext4_add(p->fs, &ent, &e)) < 0 ||
		    (r = cvm_ext4_write(p->fs, 0, ov->content, ent.size, &e)) < 0 ||
		    (r = cvm_ext4_end_file(p->fs, &e)) < 0)
			return cvm_err_set(reterr, r, "cannot write /%s into the image: %s", ov->path,
					   e.msg);
	}
	return 0;
}

int cvm_populate_run(struct cvm_populate *p, cvm_err *reterr)
{
	struct cvm_tar_entry *te;
	int r;

	while ((r = cvm_tar_next(p->tar, &te, reterr)) > 0) {
		if (++p->entries > p->max_entries)
			return cvm_err_set(reterr, -EFBIG, "'%s' has more than %llu entries",
					   p->archive, (unsigned long long)p->max_entries);
		if ((r = one_entry(p, te, reterr)) < 0)
			return r;
		if (p->progress && p->entries % PROGRESS_EVERY == 0 &&
		    p->progress(p->entries, cvm_tar_bytes_in(p->tar), p->userdata))
			return cvm_err_set(reterr, -ECANCELED, "cancelled");
	}
	if (r < 0 || (r = add_overlays(p, reterr)) < 0)
		return r;
	if (p->progress)
		p->progress(p->entries, cvm_tar_bytes_in(p->tar), p->userdata);
	return 0;
}
