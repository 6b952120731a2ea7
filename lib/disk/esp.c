/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>

#include "disk/esp.h"
#include "util/spawn.h"
#include "util/macro.h"

/* The staging tree: DIR/.esp.tmp-XXXXXX/EFI/{BOOT/BOOTX64.EFI,Linux/<name>.efi} */
struct stage {
	char root[4096];
	char efi[4104], boot[4112], linux_dir[4112], f1[4128], f2[4400];
};

static void stage_cleanup(struct stage *s)
{
	const char *paths[] = {s->f1, s->f2, s->boot, s->linux_dir, s->efi, s->root};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i][0])
			remove(paths[i]);
}

static int pin_time(const char *path, int64_t t, cvm_err *reterr)
{
	struct timespec ts[2] = {{.tv_sec = (time_t)t}, {.tv_sec = (time_t)t}};

	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot set the time of '%s'", path);
	return 0;
}

static int make_stage(struct stage *s, const struct cvm_esp_params *p, cvm_err *reterr)
{
	snprintf(s->root, sizeof(s->root), "%s/.esp.tmp-XXXXXX", p->tmp_dir);
	if (!mkdtemp(s->root)) {
		s->root[0] = '\0';
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot create a directory in '%s'",
					 p->tmp_dir);
	}
	snprintf(s->efi, sizeof(s->efi), "%s/EFI", s->root);
	snprintf(s->boot, sizeof(s->boot), "%s/BOOT", s->efi);
	snprintf(s->linux_dir, sizeof(s->linux_dir), "%s/Linux", s->efi);
	if (mkdir(s->efi, 0700) < 0 || mkdir(s->boot, 0700) < 0 || mkdir(s->linux_dir, 0700) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot create '%s'", s->efi);
	snprintf(s->f1, sizeof(s->f1), "%s/BOOTX64.EFI", s->boot);
	if (link(p->uki_path, s->f1) < 0) {
		s->f1[0] = '\0';
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot link '%s'", p->uki_path);
	}
	snprintf(s->f2, sizeof(s->f2), "%s/%s.efi", s->linux_dir, p->uki_name);
	if (link(p->uki_path, s->f2) < 0) {
		s->f2[0] = '\0';
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot link '%s'", p->uki_path);
	}
	/* files first: linking changes the directories' times */
	const char *order[] = {s->f1, s->boot, s->linux_dir, s->efi};
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		int r = pin_time(order[i], p->mtime, reterr);

		if (r < 0)
			return r;
	}
	return 0;
}

int cvm_esp_write(const struct cvm_esp_params *p, cvm_err *reterr)
{
	CVM_CLEANUP(stage_cleanup) struct stage s = {.root = {0}};
	char sectors[32], kib[32], volid[16], image[4200], spc[16];
	unsigned per = 8;
	int r;

	/*
	 * FAT32 needs at least 65525 clusters, or readers (mtools, firmware)
	 * take it for FAT16: the largest cluster up to 4 KiB that leaves room.
	 */
	while (per > 1 && p->size / 512 / per < 70000)
		per /= 2;
	snprintf(spc, sizeof(spc), "%u", per);

	snprintf(sectors, sizeof(sectors), "%llu", (unsigned long long)(p->offset / 512));
	snprintf(kib, sizeof(kib), "%llu", (unsigned long long)(p->size / 1024));
	snprintf(volid, sizeof(volid), "%08x", p->volume_id);
	snprintf(image, sizeof(image), "%s@@%llu", p->disk_path, (unsigned long long)p->offset);
	const char *mkfs[] = {"mkfs.fat", "-F",	   "32",	 "-s",	spc,
			      "-n",	  "ESP",   "-i",	 volid, "--invariant",
			      "--offset", sectors, p->disk_path, kib,	NULL};
	const char *copy[] = {"mcopy", "-i", image, "-s", "-p", "-m", "-Q", s.efi, "::", NULL};

	if ((r = cvm_spawn(mkfs, "dosfstools", reterr)) < 0)
		return r;
	if ((r = make_stage(&s, p, reterr)) < 0)
		return r;
	return cvm_spawn(copy, "mtools", reterr);
}
