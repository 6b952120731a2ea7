/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_image_inspect(): a raw disk is read directly (GPT with libfdisk, the
 * LUKS2 header's JSON area, the ESP with mtools, the UKI with the boot
 * code); a qcow2 disk, and the root filesystem (with a passphrase), through
 * a libguestfs appliance, whose kernel does the decryption.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "disk/gpt.h"
#include "inspect/inspect.h"
#include "util/macro.h"
#include "util/pio.h"
#include "util/spawn.h"


int cvm_inspect_add_esp_file(struct cvm_inspect_result *res, const char *path)
{
	char **n;

	if (res->n_esp_files >= CVM_INSPECT_ESP_FILES_MAX)
		return -EFBIG;
	if (!(n = realloc(res->esp_files, (res->n_esp_files + 1) * sizeof(*n))))
		return -ENOMEM;
	res->esp_files = n;
	if (!(n[res->n_esp_files] = strdup(path)))
		return -ENOMEM;
	res->n_esp_files++;
	return 0;
}

/* The ESP's files (mdir) and its BOOTX64.EFI (mtype) of a raw disk. */
static int raw_esp(const char *path, uint64_t offset, struct cvm_inspect_result *res,
		   cvm_err *reterr)
{
	char image[4200];
	CVM_CLEANUP_FREE uint8_t *list = NULL, *uki = NULL;
	size_t len, uki_len;
	int r;

	snprintf(image, sizeof(image), "%s@@%llu", path, (unsigned long long)offset);
	const char *mdir[] = {"mdir", "-/", "-b", "-i", image, "::", NULL};
	const char *mtype[] = {"mtype", "-i", image, "::EFI/BOOT/BOOTX64.EFI", NULL};

	if ((r = cvm_spawn_capture(mdir, "mtools", 1u << 20, &list, &len, reterr)) < 0)
		return r;
	for (char *line = strtok((char *)list, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "::/", 3) && line[strlen(line) - 1] != '/' &&
		    (r = cvm_inspect_add_esp_file(res, line + 3)) < 0)
			return cvm_err_set(reterr, r, "too many files on the ESP");
	cvm_err ignored;

	r = cvm_spawn_capture(mtype, "mtools", CVM_INSPECT_UKI_MAX, &uki, &uki_len, reterr);
	if (r < 0 || (r = cvm_uki_inspect(uki, uki_len, "EFI/BOOT/BOOTX64.EFI", &res->uki,
					  reterr)) < 0)
		return r;
	/* a root sealed with dm-verity: its parameters are on the measured command line */
	res->have_verity =
	    cvm_inspect_uki_verity(uki, uki_len, res->uki, &res->verity, &ignored) == 0;
	return 0;
}

static int inspect_raw(const char *path, struct cvm_inspect_result *res, cvm_err *reterr)
{
	const struct cvm_gpt_partition *esp, *root;
	CVM_CLEANUP_CLOSE int fd = -1;
	int r;

	if ((r = cvm_gpt_read(path, &res->disk, reterr)) < 0)
		return r;
	esp = cvm_gpt_find(&res->disk, CVM_GPT_TYPE_ESP);
	root = cvm_gpt_find(&res->disk, CVM_GPT_TYPE_ROOT_X86_64);
	if (!esp || !root)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no ESP or no x86-64 root partition",
				   path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
	if ((r = cvm_luks_header_read(fd, root->start, &res->luks, reterr)) < 0)
		return r;
	return raw_esp(path, esp->start, res, reterr);
}

static int is_qcow2(const char *path, bool *ret, cvm_err *reterr)
{
	uint8_t magic[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
	r = cvm_pread_full(fd, magic, 4, 0);
	close(fd);
	if (r < 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is too short for a disk image", path);
	*ret = !memcmp(magic, "QFI\xfb", 4);
	return 0;
}

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void gfs_closep(struct cvm_gfs **g)
{
	cvm_gfs_close(*g);
}

static int inspect_gfs(const struct cvm_inspect_options *o, struct cvm_inspect_result *res,
		       cvm_err *reterr)
{
	CVM_CLEANUP(gfs_closep) struct cvm_gfs *g = NULL;
	bool qcow2 = res->format == CVM_IMAGE_QCOW2;
	int r;

	if ((r = cvm_gfs_open(o->image_path, qcow2, &g, reterr)) < 0)
		return r;
	if (qcow2 && (r = cvm_gfs_disk(g, res, reterr)) < 0)
		return r;
	if (!o->passphrase)
		return 0;
	if (!(res->root = calloc(1, sizeof(*res->root))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_gfs_root(g, o->passphrase, o->passphrase_len, o->list, res->root, reterr);
}

CVM_PUBLIC int cvm_image_inspect(const struct cvm_inspect_options *o,
				 struct cvm_inspect_result **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_inspect_result_freep) struct cvm_inspect_result *res = NULL;
	bool qcow2 = false;
	int r;

	CVM_CHECK_ARG(o && o->image_path && ret, reterr);
	if (!(res = calloc(1, sizeof(*res))) || !(res->image = strdup(o->image_path)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = is_qcow2(o->image_path, &qcow2, reterr)) < 0)
		return r;
	res->format = qcow2 ? CVM_IMAGE_QCOW2 : CVM_IMAGE_RAW;
	if (!qcow2 && (r = inspect_raw(o->image_path, res, reterr)) < 0)
		return r;
	if ((qcow2 || o->passphrase) && (r = inspect_gfs(o, res, reterr)) < 0)
		return r;
	/* mdir and libguestfs list in different orders: one order for both */
	qsort(res->esp_files, res->n_esp_files, sizeof(*res->esp_files), compare_paths);
	*ret = CVM_TAKE_PTR(res);
	return 0;
}
