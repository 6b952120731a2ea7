/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Boot: the kernel and initrd (from the archive or the host), the cmdline, the UKI, the ESP. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/initrd.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "image/build.h"
#include "image/rootconf.h"
#include "disk/esp.h"
#include "util/file.h"
#include "util/hash.h"
#include "util/macro.h"

/* KEY=value or KEY="value" from os-release, unquoted, into @out. */
static bool osrel_value(const uint8_t *buf, size_t len, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (size_t i = 0; buf && i < len;) {
		const char *line = (const char *)buf + i;
		const char *nl = memchr(line, '\n', len - i);
		size_t n = nl ? (size_t)(nl - line) : len - i;

		if (n > klen && !strncmp(line, key, klen) && line[klen] == '=') {
			const char *v = line + klen + 1;
			size_t vn = n - klen - 1;

			if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
				v++;
				vn -= 2;
			}
			snprintf(out, size, "%.*s", (int)vn, v);
			return true;
		}
		i += n + 1;
	}
	return false;
}

static void sanitize(char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._+-", *s))
			*s = '_';
}

static int read_host(const char *path, size_t max, uint8_t **buf, size_t *len, cvm_err *reterr)
{
	return path ? cvm_read_file(path, max, buf, len, reterr) : 0;
}

static int resolve_parts(struct build *b, struct cvm_boot_parts *bp, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	int r;

	cvm_bootfiles_result(b->boot, bp);
	if ((r = read_host(o->kernel_path, CVM_BOOT_KERNEL_MAX, &b->host_kernel,
			   &b->host_kernel_len, reterr)) < 0 ||
	    (r = read_host(o->initrd_path, CVM_BOOT_INITRD_MAX, &b->host_initrd,
			   &b->host_initrd_len, reterr)) < 0)
		return r;
	if (o->kernel_path) {
		bp->kernel = b->host_kernel;
		bp->kernel_len = b->host_kernel_len;
	}
	if (o->initrd_path) {
		bp->initrd = b->host_initrd;
		bp->initrd_len = b->host_initrd_len;
	}
	if (!bp->kernel || !bp->kernel_len)
		return cvm_err_set(reterr, -ENOENT,
				   "'%s' has no kernel in /boot (boot/vmlinuz-*); "
				   "pass --kernel",
				   o->rootfs_path ? o->rootfs_path : "-");
	if (!bp->initrd || !bp->initrd_len)
		return cvm_err_set(reterr, -ENOENT,
				   "'%s' has no initrd for kernel %s in /boot; "
				   "install one in the rootfs or pass --initrd",
				   o->rootfs_path ? o->rootfs_path : "-",
				   bp->version ? bp->version : "(given)");
	return 0;
}

/*
 * An initrd without cryptsetup, dm-crypt or the flavour's unlock script would
 * drop to a shell at the first boot: refuse it now, saying what to install.
 */
static int check_initrd(struct build *b, const struct cvm_boot_parts *bp, cvm_err *reterr)
{
	struct cvm_initrd_info info;
	const char *missing = NULL, *name = b->o->initrd_path ? b->o->initrd_path : bp->initrd_path;
	cvm_err e = {0};
	int r;

	if ((r = cvm_initrd_scan(bp->initrd, bp->initrd_len, &info, &e)) < 0) {
		if (b->o->skip_initrd_check)
			return 0;
		return cvm_err_set(reterr, r, "cannot read the initrd '%s': %s", name, e.msg);
	}
	b->res->boot.initrd_checked = true;
	b->res->boot.initrd_can_unlock = cvm_initrd_can_unlock_luks(&info, &missing);
	snprintf(b->res->boot.initrd_flavour, sizeof(b->res->boot.initrd_flavour), "%s",
		 cvm_initrd_flavour_to_string(info.flavour));
	snprintf(b->res->boot.initrd_compression, sizeof(b->res->boot.initrd_compression), "%s",
		 info.compression[info.segments - 1]);
	if (b->o->skip_initrd_check)
		return 0;
	if (!b->res->boot.initrd_can_unlock)
		return cvm_err_set(reterr, -EBADMSG,
				   "the initrd '%s' cannot unlock the encrypted root (%s): install "
				   "cryptsetup-initramfs (initramfs-tools) or cryptsetup with dracut "
				   "in the rootfs, or pass --initrd",
				   name, missing);
	if (b->verity && (r = cvm_build_verity_check_initrd(b, &info, name, reterr)) < 0)
		return r;
	if (cvm_build_unlock_wanted(b->o))
		return cvm_build_unlock_check_initrd(b, &info, name, reterr);
	return 0;
}

/* What the encrypted root needs, for initramfs-tools (cryptopts) and dracut/systemd (rd.luks). */
static int make_cmdline(struct build *b, cvm_err *reterr)
{
	const char *extra = b->o->cmdline;
	CVM_CLEANUP_FREE char *base = NULL;
	int r;

	r = b->verity ? cvm_build_verity_cmdline(b, &base, reterr)
		      : cvm_rootconf_cmdline(b->o->templates_dir, b->luks.uuid, &base, reterr);
	if (r < 0)
		return r;
	if (asprintf(&b->cmdline, "%s%s%s", base, extra && *extra ? " " : "",
		     extra ? extra : "") < 0) {
		b->cmdline = NULL;
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	return 0;
}

static int make_names(struct build *b, const struct cvm_boot_parts *bp, cvm_err *reterr)
{
	char id[64] = "linux", ver[64] = "";

	if (!osrel_value(bp->osrel, bp->osrel_len, "PRETTY_NAME", b->os_name, sizeof(b->os_name)))
		b->os_name[0] = '\0';
	if (b->o->uki_name) {
		size_t n = strlen(b->o->uki_name);

		snprintf(b->uki_name, sizeof(b->uki_name), "%s", b->o->uki_name);
		sanitize(b->uki_name);
		if (!n || n > 100 || strcmp(b->uki_name, b->o->uki_name))
			return cvm_err_set(reterr, -EINVAL,
					   "the UKI name '%s' must have 1 to 100 "
					   "letters, digits or ._+-",
					   b->o->uki_name);
		return 0;
	}
	osrel_value(bp->osrel, bp->osrel_len, "ID", id, sizeof(id));
	osrel_value(bp->osrel, bp->osrel_len, "VERSION_ID", ver, sizeof(ver));
	snprintf(b->uki_name, sizeof(b->uki_name), "%s%s%s%s%s", id, *ver ? "-" : "", ver,
		 bp->version ? "-" : "", bp->version ? bp->version : "");
	sanitize(b->uki_name);
	return 0;
}

/*
 * The UKI goes straight into the temporary DIR/uki.efi, section by section from
 * the parts in memory: building it in memory first would hold the kernel and
 * initrd twice, the largest block of the build's peak memory.
 */
static int write_uki(struct build *b, const struct cvm_boot_parts *bp, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	struct cvm_uki_blob initrds[2] = {{bp->initrd, bp->initrd_len}};
	struct timespec ts[2] = {{.tv_sec = (time_t)b->now}, {.tv_sec = (time_t)b->now}};
	struct cvm_uki_input in = {
	    .stub_path = o->stub_path,
	    .kernel = {bp->kernel, bp->kernel_len},
	    .initrds = initrds,
	    .n_initrds = 1,
	    .cmdline = b->cmdline,
	    .osrel = {bp->osrel, bp->osrel_len},
	    .source_date_epoch = o->have_source_date_epoch ? (uint64_t)o->source_date_epoch : 0,
	    .kernel_name = o->kernel_path ? o->kernel_path : bp->kernel_path,
	};
	struct cvm_uki_result res;
	int fd, r;

	/* the build's own files, as a second archive the kernel lays over the first */
	if (cvm_cpio_count(b->overlay)) {
		if ((r = cvm_cpio_finish(b->overlay, &initrds[1].data, &initrds[1].len, reterr)) < 0)
			return r;
		in.n_initrds = 2;
	}
	b->uki_i = cvm_outputs_add(&b->out, "uki.efi", 0644, reterr);
	if (b->uki_i < 0)
		return b->uki_i;
	fd = b->out.item[b->uki_i].fd;
	in.output_name = b->out.item[b->uki_i].tmp;
	if ((r = cvm_uki_write(&in, fd, &res, reterr)) < 0)
		return r;
	/* what build.json says of uki.efi is read back from the file (build-finish.c) */
	b->uki_len = (size_t)res.size;
	if (futimens(fd, ts) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot set the time of '%s'",
					 b->out.item[b->uki_i].tmp);
	return 0;
}

static void record(struct build *b, const struct cvm_boot_parts *bp)
{
	const struct cvm_build_options *o = b->o;
	struct cvm_build_boot *rb = &b->res->boot;

	snprintf(rb->kernel_source, sizeof(rb->kernel_source), "%s%s",
		 o->kernel_path ? "file:" : "rootfs:/",
		 o->kernel_path ? o->kernel_path : bp->kernel_path);
	snprintf(rb->initrd_source, sizeof(rb->initrd_source), "%s%s",
		 o->initrd_path ? "file:" : "rootfs:/",
		 o->initrd_path ? o->initrd_path : bp->initrd_path);
	snprintf(rb->kernel_version, sizeof(rb->kernel_version), "%s",
		 bp->version ? bp->version : "");
	cvm_sha256(bp->kernel, bp->kernel_len, rb->kernel_sha256);
	cvm_sha256(bp->initrd, bp->initrd_len, rb->initrd_sha256);
	snprintf(rb->os, sizeof(rb->os), "%s", b->os_name);
	snprintf(rb->esp_files[0], sizeof(rb->esp_files[0]), "EFI/BOOT/BOOTX64.EFI");
	snprintf(rb->esp_files[1], sizeof(rb->esp_files[1]), "EFI/Linux/%s.efi", b->uki_name);
}

int cvm_build_boot(struct build *b, cvm_err *reterr)
{
	struct cvm_boot_parts bp;
	struct cvm_esp_params ep;
	int r;

	if (cvm_build_report(b, CVM_BUILD_BOOT, 0, 0, 0, 0))
		return cvm_err_set(reterr, -ECANCELED, "cancelled");
	if ((r = resolve_parts(b, &bp, reterr)) < 0 || (r = check_initrd(b, &bp, reterr)) < 0 ||
	    (r = make_cmdline(b, reterr)) < 0 || (r = cvm_build_unlock(b, reterr)) < 0 ||
	    (r = make_names(b, &bp, reterr)) < 0 ||
	    (r = write_uki(b, &bp, reterr)) < 0)
		return r;
	record(b, &bp);
	/* the parts live on inside the UKI: drop them before the ESP, GPT and digests */
	b->boot = cvm_bootfiles_free(b->boot);
	b->overlay = cvm_cpio_free(b->overlay);
	free(b->host_kernel);
	free(b->host_initrd);
	b->host_kernel = b->host_initrd = NULL;
	if (b->uki_len * 2 + (4u << 20) > b->layout.esp_size)
		return cvm_err_set(reterr, -EFBIG,
				   "the UKI (%zu MiB) does not fit twice in the "
				   "ESP of %llu MiB; pass a larger --esp-size",
				   b->uki_len >> 20,
				   (unsigned long long)(b->layout.esp_size >> 20));
	ep = (struct cvm_esp_params){
	    .disk_path = b->out.item[b->disk_i].tmp,
	    .offset = b->layout.esp_start,
	    .size = b->layout.esp_size,
	    .uki_path = b->out.item[b->uki_i].tmp,
	    .uki_name = b->uki_name,
	    .mtime = b->now,
	    .volume_id = b->esp_volume_id,
	    .tmp_dir = b->o->output_dir,
	};
	return cvm_esp_write(&ep, reterr);
}
