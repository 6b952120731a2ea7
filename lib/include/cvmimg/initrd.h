/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an initrd contains, as far as unlocking a LUKS root is concerned.
 *
 * An initrd is one or more cpio ("newc") archives back to back, each either
 * plain or compressed (gzip, zstd, xz, lzma, bzip2, lz4): Debian puts early
 * CPU microcode in a plain archive before the compressed main one. Every
 * segment is read; nothing is written anywhere.
 */
#ifndef CVMIMG_INITRD_H
#define CVMIMG_INITRD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_INITRD_MAX_SEGMENTS 16
#define CVM_INITRD_MAX_UNPACKED (4ull << 30) /* 4 GiB of cpio data in all */

enum cvm_initrd_flavour {
	CVM_INITRD_UNKNOWN,
	CVM_INITRD_INITRAMFS_TOOLS, /* Debian/Ubuntu: scripts/local-top/cryptroot */
	CVM_INITRD_DRACUT,          /* dracut (and systemd-based initrds) */
	CVM_INITRD_FLAVOUR__COUNT,
};

const char *cvm_initrd_flavour_to_string(enum cvm_initrd_flavour f);

struct cvm_initrd_info {
	unsigned segments;
	const char *compression[CVM_INITRD_MAX_SEGMENTS]; /* "none", "gzip", "zstd", ... */
	uint64_t entries;
	enum cvm_initrd_flavour flavour;
	bool has_cryptsetup;         /* a cryptsetup binary */
	bool has_dm_crypt;           /* dm-crypt.ko, or dm-crypt in modules.builtin */
	bool has_cryptroot;          /* initramfs-tools' cryptroot script */
	bool has_systemd_cryptsetup; /* systemd-cryptsetup (dracut, systemd initrds) */
	bool has_veritysetup;        /* a veritysetup binary */
	bool has_systemd_veritysetup; /* systemd-veritysetup and its generator */
	bool has_dm_verity;          /* dm-verity.ko, or dm-verity in modules.builtin */
	bool has_verity_script;      /* cvmimg's: initramfs-tools' scripts/local-top/cvmimg-verity,
				      * dracut's generator of module 90cvmimg-verity */
	bool has_network_driver;     /* virtio_net, gve, ena, hv_netvsc or mana (module or built in) */
	bool has_efi_secret;         /* efi_secret: the SEV launch secret (module or built in) */
	bool has_systemd_networkd;   /* systemd-networkd (dracut's module brings its ip= generator) */
	char kernel_version[64];     /* from lib/modules/<version>/, "" if none */
};

/*
 * Read every segment of the initrd in @data. Returns 0; -EBADMSG for data
 * that is not a (possibly compressed) cpio archive or is truncated or
 * inconsistent; -EFBIG past CVM_INITRD_MAX_UNPACKED or the segment limit.
 */
int cvm_initrd_scan(const uint8_t *data, size_t len, struct cvm_initrd_info *ret,
		    cvm_err *reterr);

/*
 * Whether the initrd can open a LUKS2 root by itself: cryptsetup (or
 * systemd-cryptsetup) and dm-crypt, plus the flavour's unlock logic. When it
 * cannot, @ret_missing (if not NULL) says what is missing, for an error
 * message such as "no cryptsetup binary".
 */
bool cvm_initrd_can_unlock_luks(const struct cvm_initrd_info *info, const char **ret_missing);

/*
 * Whether the initrd can open the dm-verity root of `cvmimg build --verity`
 * on the LUKS2 mapping: the dm-verity module and, for initramfs-tools,
 * veritysetup and cvmimg's local-top script (templates/initramfs-tools), for
 * dracut cvmimg's module (templates/dracut: its generator opens the root with
 * veritysetup, as systemd-veritysetup before 254 cannot). When it cannot,
 * @ret_missing says what is missing.
 */
bool cvm_initrd_can_open_verity(const struct cvm_initrd_info *info, const char **ret_missing);

#endif
