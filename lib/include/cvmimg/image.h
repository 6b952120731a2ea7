/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Encrypted disk images from a root filesystem tarball, built as an ordinary
 * user: no device-mapper, no loop devices, no VM, and the root filesystem's
 * plaintext never written to the build host's disk.
 *
 * The disk: GPT with an EFI system partition (FAT32 holding the UKI as
 * EFI/BOOT/BOOTX64.EFI and EFI/Linux/<name>.efi) and a root partition of the
 * Discoverable Partitions x86-64 root type holding LUKS2 (aes-xts-plain64,
 * 4096-byte sectors; keyslot 0 the recovery passphrase, keyslot 1 the broker
 * key, token "cvmimg-kbs") around ext4. Only the blocks the filesystem uses
 * are written; the rest of the partition stays a hole (reading as noise
 * through dm-crypt) unless @wipe asks for encrypted zeros.
 *
 * Secrets that pass through: the passphrase (given), the broker key and the
 * volume key (generated in locked memory, wiped). The broker key is written
 * to DIR/broker.key (0600); nothing else secret leaves the process.
 */
#ifndef CVMIMG_IMAGE_H
#define CVMIMG_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_IMAGE_DEFAULT_ESP_SIZE    (256ull << 20)
#define CVM_IMAGE_MIN_ESP_SIZE	      (40ull << 20)
#define CVM_IMAGE_DEFAULT_MAX_ENTRIES 10000000ull
#define CVM_IMAGE_BROKER_KEY_SIZE     32
#define CVM_IMAGE_PASSPHRASE_MAX      512 /* bytes, as cryptsetup's interactive limit */

enum cvm_image_format {
	CVM_IMAGE_RAW,
	CVM_IMAGE_QCOW2,
	CVM_IMAGE_FORMAT__COUNT,
	CVM_IMAGE_FORMAT_INVALID = -22,
};

const char *cvm_image_format_to_string(enum cvm_image_format f); /* "raw", "qcow2" */
enum cvm_image_format cvm_image_format_from_string(const char *s);

enum cvm_build_phase {
	CVM_BUILD_SCAN,	  /* first pass over the archive: sizes (only for --size auto) */
	CVM_BUILD_WRITE,  /* second pass: the encrypted filesystem */
	CVM_BUILD_WIPE,	  /* encrypted zeros into unused space */
	CVM_BUILD_BOOT,	  /* UKI and ESP */
	CVM_BUILD_FINISH, /* partition table, digests, renames */
	CVM_BUILD_PHASE__COUNT,
};

const char *cvm_build_phase_to_string(enum cvm_build_phase p);

struct cvm_build_progress {
	enum cvm_build_phase phase;
	uint64_t entries, entries_total; /* total 0: unknown */
	uint64_t bytes, bytes_total;	 /* archive bytes read (compressed), or wipe bytes */
};

/* Called now and then; a non-zero return cancels the build with -ECANCELED. */
typedef int (*cvm_build_progress_func)(const struct cvm_build_progress *p, void *userdata);

struct cvm_build_options {
	const char *rootfs_path; /* the tarball, named in messages */
	int rootfs_fd;		 /* >= 0: read this instead (one pass: needs @size) */
	const char *output_dir;	 /* created if missing (one level) */
	enum cvm_image_format format;
	uint64_t size;		/* whole disk in bytes, a multiple of 1 MiB; 0: auto */
	uint64_t esp_size;	/* 0: CVM_IMAGE_DEFAULT_ESP_SIZE */
	const char *seed;	/* GUIDs, UUIDs and hash seeds derive from it; NULL: random */
	const char *passphrase; /* the recovery passphrase, 1 to 512 bytes (secret) */
	size_t passphrase_len;
	bool write_passphrase;	  /* also write it to DIR/passphrase (0600) */
	uint32_t pbkdf_memory_kb; /* argon2id for keyslot 0; 0: libcryptsetup's default */
	uint32_t pbkdf_time_ms;
	uint32_t pbkdf_iterations; /* > 0: fixed cost, no benchmark */
	uint32_t pbkdf_threads;
	const char *luks_label;	 /* NULL: "root" */
	const char *luks_uuid;	 /* NULL: derived from the seed */
	const char *fs_label;	 /* NULL: "root" */
	const char *kernel_path; /* host files overriding the tarball's /boot */
	const char *initrd_path;
	const char *cmdline;   /* appended to what the encrypted root needs */
	bool skip_initrd_check; /* pack an initrd that seems unable to unlock the root */
	const char *uki_name;  /* EFI/Linux/<name>.efi; NULL: from os-release */
	const char *stub_path; /* NULL: systemd-boot's stub */
	bool have_source_date_epoch;
	int64_t source_date_epoch; /* clamps mtimes; fixes every timestamp */
	bool wipe;
	uint64_t max_entries; /* 0: CVM_IMAGE_DEFAULT_MAX_ENTRIES */
	const char *kbs_url;  /* hints stored in the cvmimg-kbs token */
	const char *kbs_resource;
	const char *templates_dir; /* templates/ to read; NULL: the installed copy */
	cvm_build_progress_func progress;
	void *progress_userdata;
};

/*
 * Build DIR/disk.raw (or disk.qcow2), DIR/uki.efi, DIR/broker.key,
 * [DIR/passphrase] and DIR/build.json. Each is written under a temporary name
 * and renamed only when all are complete: on failure or cancellation nothing
 * new exists at the final names. *@ret_manifest receives the text of
 * build.json (caller frees), if @ret_manifest is not NULL.
 *
 * Errors: -EINVAL for unusable options; -ENOENT/-EACCES for missing inputs;
 * -EBADMSG for an archive that is malformed, truncated or holds an entry the
 * image cannot take (".." in a name, a write through a symlink, a hard link to
 * a missing path, a non-directory named twice, ...); -EFBIG when --size is
 * too small; -EFBIG for too many entries; -ECANCELED; -EIO and others for
 * system errors and failed subprocesses (mkfs.fat, mcopy, qemu-img).
 */
int cvm_image_build(const struct cvm_build_options *o, char **ret_manifest, cvm_err *reterr);

/*
 * A recovery passphrase: 8 groups of 8 ModHex characters (256 bits), typable
 * on any keyboard layout, NUL-terminated in @out (72 bytes: 71 + NUL).
 * Returns 0 or -EIO when the random generator fails.
 */
#define CVM_PASSPHRASE_GENERATED_LEN 71
int cvm_passphrase_generate(char out[CVM_PASSPHRASE_GENERATED_LEN + 1], cvm_err *reterr);

struct cvm_inspect_options {
	const char *image_path; /* disk.raw or disk.qcow2 */
	const char *passphrase; /* NULL: do not open the root (secret) */
	size_t passphrase_len;
	bool list; /* with a passphrase: every entry with its metadata */
};

/*
 * Describe an image as JSON (caller frees): the partition table, the ESP's
 * files, the UKI's sections, the LUKS2 header (keyslots, tokens) and, with a
 * passphrase, the root filesystem as a real kernel sees it (libguestfs).
 * Returns 0; -ENOENT/-EACCES; -EBADMSG for an image that is not one of ours;
 * -EKEYREJECTED for a wrong passphrase; -EIO when libguestfs fails.
 */
int cvm_image_inspect(const struct cvm_inspect_options *o, char **ret_json, cvm_err *reterr);

#endif
