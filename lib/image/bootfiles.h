/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel, initrd and os-release caught in memory as the archive streams past
 * (they are written into the root filesystem too, like every file). Kernels:
 * boot/vmlinuz-<version> and usr/lib/modules/<version>/vmlinuz; initrds:
 * boot/initrd.img-<version>, boot/initramfs-<version>.img,
 * boot/initrd-<version>, usr/lib/modules/<version>/initrd; os-release:
 * etc/os-release, else usr/lib/os-release. The newest kernel version
 * (strverscmp) wins, with the initrd of the same version.
 *
 * Memory: what cannot win is not kept. A kernel drops every older version
 * and an older version is passed over once a kernel is held (with --kernel,
 * the same for initrds), so an archive with its kernels in any order holds
 * one version, plus the initrds of newer versions whose kernel has not come
 * yet. All held boot files together stay within CVM_BOOT_HELD_MAX: one
 * kernel and one initrd at their limits. Real ones are far smaller (a Debian
 * kernel is 8 MiB, its initrd 30 to 200 MiB), so the sum is reached only by
 * an archive that names many large initrds without their kernels, which a
 * small compressed archive can do at no cost.
 */
#ifndef CVM_IMAGE_BOOTFILES_H
#define CVM_IMAGE_BOOTFILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#include "util/fs-entry.h"

#define CVM_BOOT_KERNEL_MAX (256u << 20)
#define CVM_BOOT_INITRD_MAX (1024u << 20)
#define CVM_BOOT_OSREL_MAX  (64u << 10)
#define CVM_BOOT_HELD_MAX   ((uint64_t)CVM_BOOT_KERNEL_MAX + CVM_BOOT_INITRD_MAX)

struct cvm_bootfiles;
struct cvm_capture;

struct cvm_bootfiles *cvm_bootfiles_new(bool want_kernel, bool want_initrd);
struct cvm_bootfiles *cvm_bootfiles_free(struct cvm_bootfiles *b);

/*
 * Offer an entry. *ret is a sink for its data when it is wanted, else NULL.
 * Returns 0, -EFBIG for a boot file over its limit or when keeping it would
 * hold more than CVM_BOOT_HELD_MAX bytes, -ENOMEM.
 */
int cvm_bootfiles_offer(struct cvm_bootfiles *b, const struct cvm_fs_entry *e,
			struct cvm_capture **ret, cvm_err *reterr);

/* Data of the offered entry, at increasing offsets within its size. */
void cvm_capture_put(struct cvm_capture *c, uint64_t off, const void *buf, size_t len);

struct cvm_boot_parts {
	const char *version; /* NULL if no kernel was found */
	const uint8_t *kernel, *initrd, *osrel;
	size_t kernel_len, initrd_len, osrel_len;
	const char *kernel_path, *initrd_path; /* as found in the archive */
};

/* Bytes of boot files held now (the sum CVM_BOOT_HELD_MAX limits). */
uint64_t cvm_bootfiles_held(const struct cvm_bootfiles *b);

/* What was found (pointers owned by @b). */
void cvm_bootfiles_result(const struct cvm_bootfiles *b, struct cvm_boot_parts *ret);

#endif
