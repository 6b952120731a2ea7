/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A TD that boots from its disk (reference/tdx-measurement.md §4.2): OVMF
 * measures the GPT (EV_EFI_GPT_EVENT: the header, the number of used entries
 * and those entries) and the Authenticode digest of \EFI\BOOT\BOOTX64.EFI,
 * the UKI cvmimg build puts there, into RTMR1. The disk is what cvmimg build
 * wrote: disk.raw, disk.qcow2 (read through `qemu-img dd`) or the output
 * directory holding either; the file is read with mtools' mtype.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>

#include "measure/tdx/tdx-boot.h"
#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/spawn.h"

#define SECTOR 512u
#define HEAD_BYTES (1u << 20) /* the GPT header and entries of any image cvmimg writes */
#define ENTRIES_MAX 256u
#define UKI_MAX (512u << 20)

/* c12a7328-f81f-11d2-ba4b-00a0c93ec93b */
static const uint8_t guid_esp[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
				      0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };

/* The disk image a path names: itself, or disk.raw / disk.qcow2 in a directory. */
static int resolve(const char *path, char *out, size_t cap, bool *ret_qcow2, cvm_err *reterr)
{
	static const char *const names[] = { "disk.raw", "disk.qcow2" };
	struct stat st;
	uint8_t magic[4] = { 0 };
	int fd;

	snprintf(out, cap, "%s", path);
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		size_t i = 0;

		for (; i < 2; i++) {
			snprintf(out, cap, "%s/%s", path, names[i]);
			if (stat(out, &st) == 0)
				break;
		}
		if (i == 2)
			return cvm_err_set(reterr, -ENOENT, "'%s' holds neither disk.raw nor "
							    "disk.qcow2", path);
	}
	if ((fd = cvm_open_input(out, NULL, reterr)) < 0)
		return fd;
	if (read(fd, magic, 4) < 0)
		magic[0] = 0;
	close(fd);
	*ret_qcow2 = !memcmp(magic, "QFI\xfb", 4);
	return 0;
}

/* Bytes [@skip, @skip + @count) sectors of a qcow2 image into the file @to. */
static int qcow2_extract(const char *qcow2, uint64_t skip, uint64_t count, const char *to,
			 cvm_err *reterr)
{
	char sk[40], cn[40], in[4200], of[4200];
	const char *argv[] = { "qemu-img", "dd", "-f", "qcow2", "-O", "raw", "bs=512", sk, cn,
			       in, of, NULL };

	snprintf(sk, sizeof(sk), "skip=%llu", (unsigned long long)skip);
	snprintf(cn, sizeof(cn), "count=%llu", (unsigned long long)count);
	snprintf(in, sizeof(in), "if=%s", qcow2);
	snprintf(of, sizeof(of), "of=%s", to);
	return cvm_spawn(argv, "qemu-utils", reterr);
}

struct disk {
	char path[4096];
	bool qcow2;
	char tmp[64]; /* a scratch directory for qcow2 extracts */
	uint8_t head[HEAD_BYTES];
	size_t head_len;
	uint64_t esp_start, esp_sectors;
};

static int read_head(struct disk *d, cvm_err *reterr)
{
	char part[128];
	int fd, r;
	size_t n;

	if (d->qcow2) {
		snprintf(part, sizeof(part), "%s/head.raw", d->tmp);
		if ((r = qcow2_extract(d->path, 0, HEAD_BYTES / SECTOR, part, reterr)) < 0)
			return r;
	}
	if ((fd = cvm_open_input(d->qcow2 ? part : d->path, NULL, reterr)) < 0)
		return fd;
	r = cvm_read_full(fd, d->head, sizeof(d->head), &n);
	close(fd);
	if (r < 0)
		return cvm_err_set_errno(reterr, r, "cannot read '%s'", d->path);
	d->head_len = n;
	return 0;
}

/* UEFI_GPT_DATA: header, u64 count of used entries, those entries; and the ESP's extent. */
static int gpt_event(struct disk *d, uint8_t digest[48], cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	const uint8_t *h = d->head + SECTOR, *e;
	uint32_t hsize, n, esize;
	uint64_t lba, used = 0;
	uint8_t count[8];

	if (d->head_len < 2 * SECTOR || memcmp(h, "EFI PART", 8))
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no GPT", d->path);
	hsize = cvm_le32(h + 12);
	lba = cvm_le64(h + 72);
	n = cvm_le32(h + 80);
	esize = cvm_le32(h + 84);
	if (hsize < 92 || hsize > SECTOR || esize < 128 || esize > 1024 || n > ENTRIES_MAX ||
	    lba > HEAD_BYTES / SECTOR || lba * SECTOR + (uint64_t)n * esize > d->head_len)
		return cvm_err_set(reterr, -EBADMSG, "the GPT of '%s' is not one cvmimg reads "
						     "(%u entries of %u bytes at LBA %llu)",
				   d->path, n, esize, (unsigned long long)lba);
	e = d->head + lba * SECTOR;
	for (uint32_t i = 0; i < n; i++) {
		static const uint8_t zero[16];
		const uint8_t *p = e + (size_t)i * esize;

		used += memcmp(p, zero, 16) != 0;
		if (!memcmp(p, guid_esp, 16) && !d->esp_sectors) {
			d->esp_start = cvm_le64(p + 32);
			d->esp_sectors = cvm_le64(p + 40) - d->esp_start + 1;
		}
	}
	cvm_put_le64(count, used);
	if (cvm_hash_new(CVM_HASH_SHA384, &c) < 0 || cvm_hash_update(c, h, hsize) < 0 ||
	    cvm_hash_update(c, count, 8) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the GPT");
	for (uint32_t i = 0; i < n; i++) {
		static const uint8_t zero[16];
		const uint8_t *p = e + (size_t)i * esize;

		if (memcmp(p, zero, 16) && cvm_hash_update(c, p, esize) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash the GPT");
	}
	if (cvm_hash_final(c, digest) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the GPT");
	if (!d->esp_sectors)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no EFI system partition", d->path);
	return 0;
}

/* \EFI\BOOT\BOOTX64.EFI of the ESP, in memory. */
static int read_bootx64(struct disk *d, uint8_t **ret, size_t *ret_len, cvm_err *reterr)
{
	char img[4200], esp[128];
	const char *argv[] = { "mtype", "-i", img, "::/EFI/BOOT/BOOTX64.EFI", NULL };
	cvm_err e = { 0 };
	int r;

	if (d->qcow2) {
		snprintf(esp, sizeof(esp), "%s/esp.raw", d->tmp);
		if ((r = qcow2_extract(d->path, d->esp_start, d->esp_sectors, esp, reterr)) < 0)
			return r;
		snprintf(img, sizeof(img), "%s", esp);
	} else {
		snprintf(img, sizeof(img), "%s@@%llu", d->path,
			 (unsigned long long)(d->esp_start * SECTOR));
	}
	r = cvm_spawn_capture(argv, "mtools", UKI_MAX, ret, ret_len, &e);
	if (r < 0)
		return cvm_err_set(reterr, r, "cannot read \\EFI\\BOOT\\BOOTX64.EFI from the ESP of "
					      "'%s': %s",
				   d->path, e.msg);
	return 0;
}

static void cleanup_tmp(struct disk *d)
{
	char p[128];

	if (!d->tmp[0])
		return;
	snprintf(p, sizeof(p), "%s/head.raw", d->tmp);
	unlink(p);
	snprintf(p, sizeof(p), "%s/esp.raw", d->tmp);
	unlink(p);
	rmdir(d->tmp);
}

static int disk_events(struct cvm_tdx_values *v, struct disk *d, const char *name,
		       cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *uki = NULL;
	CVM_CLEANUP_FREE struct tdx_uki *u = malloc(sizeof(*u));
	uint8_t g[48], a[48];
	size_t len;
	int r;

	if (!u)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = read_head(d, reterr)) < 0 || (r = gpt_event(d, g, reterr)) < 0 ||
	    (r = read_bootx64(d, &uki, &len, reterr)) < 0 ||
	    (r = tdx_uki_open(u, uki, len, "\\EFI\\BOOT\\BOOTX64.EFI", reterr)) < 0 ||
	    (r = cvm_pe_authenticode(uki, len, "\\EFI\\BOOT\\BOOTX64.EFI", NULL, a, reterr)) < 0)
		return r;
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_GPT_EVENT, g, "GPT of '%s'", name);
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, a,
			  "\\EFI\\BOOT\\BOOTX64.EFI (the UKI) on the ESP of '%s'", name);
	if ((r = tdx_uki_linux_event(v, u, reterr)) < 0)
		return r;
	return tdx_uki_rtmr2(v, u, reterr);
}

int tdx_disk_boot_events(struct cvm_tdx_values *v, const char *path, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct disk *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = resolve(path, d->path, sizeof(d->path), &d->qcow2, reterr)) < 0)
		return r;
	if (d->qcow2) {
		snprintf(d->tmp, sizeof(d->tmp), "/tmp/cvmimg-disk-XXXXXX");
		if (!mkdtemp(d->tmp))
			return cvm_err_set_errno(reterr, -errno, "cannot create a directory in /tmp");
	}
	r = disk_events(v, d, path, reterr);
	cleanup_tmp(d);
	return r;
}
