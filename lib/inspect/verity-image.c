/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_verity_image_verify(): a built image checked as its kernel would check
 * it, in user space. The parameters come from the UKI's measured command
 * line, never from the image's own superblock; the data segment is read
 * through AES-XTS in memory, a block at a time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/disk.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>
#include <cvmimg/verity.h>

#include "crypt/luks.h"
#include "crypt/xts.h"
#include "inspect/inspect.h"
#include "util/macro.h"
#include "util/pio.h"
#include "util/spawn.h"
#include "verity/tree.h"

CVM_DEFINE_CLEANUP(struct cvm_uki_info, cvm_uki_info_free, verity_uki_info)

/* The decrypted data segment of the root partition. */
struct segment {
	int fd;
	uint64_t offset, size; /* in the image, bytes */
	struct cvm_xts *xts;
};

static int read_plain(void *userdata, uint64_t off, void *buf, size_t len, cvm_err *reterr)
{
	struct segment *s = userdata;
	uint64_t first = off / CVM_XTS_SECTOR * CVM_XTS_SECTOR;
	size_t span = (size_t)CVM_ALIGN_UP(off + len, CVM_XTS_SECTOR) - (size_t)first;
	CVM_CLEANUP_FREE uint8_t *tmp = NULL;
	uint8_t *dst = buf;
	int r;

	if (first + span > s->size)
		return cvm_err_set(reterr, -EBADMSG, "the verity area ends past the LUKS2 segment");
	if (first != off || span != len) { /* a partial sector: the superblock */
		if (!(tmp = malloc(span)))
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		dst = tmp;
	}
	if ((r = cvm_pread_full(s->fd, dst, span, s->offset + first)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the root partition");
	if (cvm_xts_crypt(s->xts, false, first, dst, dst, span) < 0)
		return cvm_err_set(reterr, -EIO, "cannot decrypt the root partition");
	if (tmp)
		memcpy(buf, tmp + (off - first), len);
	return 0;
}

int cvm_inspect_uki_verity(const uint8_t *uki, size_t len, const struct cvm_uki_info *info,
			   struct cvm_verity_params *ret, cvm_err *reterr)
{
	for (size_t i = 0; i < info->n_sections; i++) {
		const struct cvm_uki_section *s = &info->sections[i];
		CVM_CLEANUP_FREE char *cmdline = NULL;

		if (strcmp(s->name, ".cmdline"))
			continue;
		if ((uint64_t)s->file_offset + s->file_size > len)
			return cvm_err_set(reterr, -EBADMSG, "the .cmdline section ends past the UKI");
		if (!(cmdline = strndup((const char *)uki + s->file_offset, s->file_size)))
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		return cvm_verity_params_from_cmdline(cmdline, ret, reterr);
	}
	return cvm_err_set(reterr, -ENOENT, "the UKI has no .cmdline section");
}

/* The UKI's command line: from @uki_path, or EFI/BOOT/BOOTX64.EFI on the ESP. */
static int uki_params(const struct cvm_verity_image_options *o, uint64_t esp_start,
		      struct cvm_verity_params *ret, cvm_err *reterr)
{
	CVM_CLEANUP(verity_uki_infop) struct cvm_uki_info *info = NULL;
	CVM_CLEANUP_FREE uint8_t *uki = NULL;
	char image[4200];
	const char *name = o->uki_path ? o->uki_path : "EFI/BOOT/BOOTX64.EFI";
	cvm_err e = {0};
	size_t len;
	int r;

	snprintf(image, sizeof(image), "%s@@%llu", o->image_path, (unsigned long long)esp_start);
	const char *mtype[] = {"mtype", "-i", image, "::EFI/BOOT/BOOTX64.EFI", NULL};

	r = o->uki_path ? cvm_read_file(o->uki_path, CVM_INSPECT_UKI_MAX, &uki, &len, reterr)
			: cvm_spawn_capture(mtype, "mtools", CVM_INSPECT_UKI_MAX, &uki, &len, reterr);
	if (r < 0 || (r = cvm_uki_inspect(uki, len, name, &info, reterr)) < 0)
		return r;
	if ((r = cvm_inspect_uki_verity(uki, len, info, ret, &e)) < 0)
		return cvm_err_set(reterr, r, "'%s': %s", name, e.msg);
	return 0;
}

static int is_qcow2(int fd)
{
	uint8_t magic[4] = {0};

	return cvm_pread_full(fd, magic, 4, 0) == 0 && !memcmp(magic, "QFI\xfb", 4);
}

CVM_PUBLIC int cvm_verity_image_verify(const struct cvm_verity_image_options *o,
				       struct cvm_verity_params *ret_params,
				       struct cvm_verity_report *ret, cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int fd = -1;
	CVM_CLEANUP(cvm_xts_freep) struct cvm_xts *xts = NULL;
	uint8_t *key = NULL;
	const struct cvm_gpt_partition *esp, *root;
	struct cvm_verity_params p;
	struct segment seg;
	struct cvm_gpt gpt;
	uint64_t data_off, data_size;
	int r;

	CVM_CHECK_ARG(o && o->image_path && o->passphrase && ret_params && ret, reterr);
	if ((fd = open(o->image_path, O_RDONLY | O_CLOEXEC)) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'",
					 o->image_path);
	if (is_qcow2(fd))
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' is qcow2: check a raw image (qemu-img convert -O raw)",
				   o->image_path);
	if ((r = cvm_gpt_read(o->image_path, &gpt, reterr)) < 0)
		return r;
	esp = cvm_gpt_find(&gpt, CVM_GPT_TYPE_ESP);
	root = cvm_gpt_find(&gpt, CVM_GPT_TYPE_ROOT_X86_64);
	if (!esp || !root)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no ESP or no x86-64 root partition",
				   o->image_path);
	if ((r = uki_params(o, esp->start, &p, reterr)) < 0 ||
	    (r = cvm_luks_unlock(fd, root->start, root->size, o->passphrase, o->passphrase_len,
				 &key, &data_off, &data_size, reterr)) < 0)
		return r;
	r = cvm_xts_new(key, &xts, reterr);
	cvm_secret_free(key);
	if (r < 0)
		return r;
	seg = (struct segment){.fd = fd, .offset = root->start + data_off, .size = data_size,
			       .xts = xts};
	if ((r = cvm_verity_verify(read_plain, &seg, &p, ret, reterr)) < 0)
		return r;
	if (!ret->superblock_bad) /* the command line does not carry the UUID */
		memcpy(p.uuid, ret->found.uuid, sizeof(p.uuid));
	*ret_params = p;
	return 0;
}
