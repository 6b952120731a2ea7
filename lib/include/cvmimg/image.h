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

#include <cvmimg/crypt.h>
#include <cvmimg/disk.h>
#include <cvmimg/err.h>
#include <cvmimg/uki.h>
#include <cvmimg/verity.h>

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
	/*
	 * DIR holding an earlier build's outputs (disk.raw, disk.qcow2, uki.efi,
	 * broker.key, passphrase, build.json, measurements.json, bundle.json):
	 * false refuses it with -EEXIST before anything is written; true replaces
	 * that set as a whole when the new one is complete (the earlier files the
	 * new build does not write are removed; no other file is touched).
	 */
	bool replace;
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
	bool verity; /* seal the root read-only under a dm-verity tree (cvmimg-build(1)) */
	uint64_t max_entries; /* 0: CVM_IMAGE_DEFAULT_MAX_ENTRIES */
	const char *kbs_url;  /* hints stored in the cvmimg-kbs token */
	const char *kbs_resource;
	const char *templates_dir; /* templates/ to read; NULL: the installed copy */
	/*
	 * The unlock agent in the initrd (cvmimg-unlock(8)): installed when one of
	 * broker_ca, broker_pin, broker_allow_http is set, with kbs_url and
	 * kbs_resource, or when broker_evidence is "efi-secret" (the key the SEV
	 * guest owner injects, no broker); its files, /etc/cvmimg/unlock.json and
	 * the keyscript go into the overlay cpio, keyscript= and (with a broker)
	 * ip=dhcp onto the command line.
	 */
	const char *broker_ca;	      /* PEM file, copied to /etc/cvmimg/broker-ca.pem */
	const char *broker_pin;	      /* "sha256//<base64>" of the broker's SPKI */
	bool broker_allow_http;	      /* an http:// URL is meant */
	unsigned broker_timeout;      /* seconds the agent tries; 0: 30 */
	const char *broker_evidence;  /* NULL (auto), "tsm", "sev-guest" or "efi-secret" */
	const char *unlock_agent_dir; /* cvmimg-unlock, its libraries and loader */
	cvm_build_progress_func progress;
	void *progress_userdata;
};

/* An output file of the build. */
struct cvm_build_artifact {
	char name[32];	  /* "disk.raw", "uki.efi", "broker.key", ... */
	uint64_t size;	  /* bytes */
	uint64_t allocated; /* bytes the host filesystem allocated (sparse images) */
	unsigned mode;
	bool has_sha256; /* false for secrets: no digest is recorded */
	uint8_t sha256[32];
};

#define CVM_BUILD_MAX_ARTIFACTS 8

/* The root filesystem as built. */
struct cvm_build_fs {
	char uuid[40], label[17];
	uint64_t blocks, blocks_used, inodes, inodes_used;
	uint64_t entries, data_bytes; /* written from the archive */
	uint64_t replaced;	      /* archive entries the build's own files replaced */
	bool wiped;		      /* free space holds encrypted zeros */
};

/* What boots it. */
struct cvm_build_boot {
	char kernel_version[128]; /* "" if the archive's /boot did not say */
	char kernel_source[300], initrd_source[300]; /* "rootfs:/boot/..." or "file:..." */
	uint8_t kernel_sha256[32], initrd_sha256[32];
	bool initrd_checked, initrd_can_unlock;
	bool initrd_can_open_verity; /* with --verity */
	bool initrd_has_network_driver; /* with a broker: the unlock agent can reach it */
	bool initrd_has_efi_secret;	/* with efi-secret evidence: the injected key shows */
	char initrd_flavour[24], initrd_compression[16];
	char *cmdline;
	char os[128]; /* PRETTY_NAME of os-release, "" if none */
	char esp_files[2][160];
	struct cvm_uki_info *uki;
};

/* What it was built from. */
struct cvm_build_inputs {
	char *rootfs; /* "-" for standard input */
	bool have_rootfs_sha256;
	uint8_t rootfs_sha256[32];
	char seed[80];
	bool seed_generated;
	bool have_source_date_epoch;
	int64_t source_date_epoch;
};

/*
 * What a build made, read back from its outputs where they say it best (the
 * GPT, the LUKS2 header, the UKI), so that build.json describes them exactly
 * as `cvmimg inspect` does. Freed by cvm_build_result_free().
 */
struct cvm_build_result {
	enum cvm_image_format format;
	size_t n_artifacts;
	struct cvm_build_artifact artifacts[CVM_BUILD_MAX_ARTIFACTS];
	struct cvm_gpt disk;
	struct cvm_luks_header luks;
	struct cvm_build_fs filesystem;
	struct cvm_build_boot boot;
	struct cvm_build_inputs inputs;
	bool have_verity;
	struct cvm_verity_params verity; /* with have_verity: as on the UKI's command line */
};

struct cvm_build_result *cvm_build_result_free(struct cvm_build_result *r); /* NULL-safe */

struct json_object;

/*
 * The result as JSON, the document DIR/build.json holds (cvmimg-build(1),
 * FILES): {"cvmimg_version", "format", "artifacts", "disk" (a GPT), "luks" (a
 * LUKS2 header), "filesystem", "boot" (with "uki", a UKI), "inputs", and with
 * verity "verity" (cvm_verity_params_to_json())}.
 * Returns 0 or -ENOMEM.
 */
int cvm_build_result_to_json(const struct cvm_build_result *r, struct json_object **ret);

/*
 * Build DIR/disk.raw (or disk.qcow2), DIR/uki.efi, DIR/broker.key,
 * [DIR/passphrase] and DIR/build.json. Each is written under a temporary name
 * and renamed only when all are complete: on failure or cancellation nothing
 * new exists at the final names. *@ret (may be NULL) receives what was built.
 *
 * Errors: -EINVAL for unusable options; -ENOENT/-EACCES for missing inputs;
 * -EBADMSG for an archive that is malformed, truncated or holds an entry the
 * image cannot take (".." in a name, a write through a symlink, a hard link to
 * a missing path, a non-directory named twice, ...); -EFBIG when --size is
 * too small; -EFBIG for too many entries or boot files too large to hold;
 * -EEXIST when DIR holds an earlier build's outputs and @replace is false;
 * -ECANCELED; -EIO and others for system errors and failed subprocesses
 * (mkfs.fat, mcopy, qemu-img).
 */
int cvm_image_build(const struct cvm_build_options *o, struct cvm_build_result **ret,
		    cvm_err *reterr);

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

/* One entry of the root filesystem, as `inspect --list` shows it. */
struct cvm_inspect_entry {
	char type;	 /* as find -printf %y: f d l c b p s */
	unsigned mode;	 /* permission bits */
	uint32_t uid, gid;
	int64_t mtime;
	uint64_t size;
	char *path;	 /* relative to the root, without a leading '/' */
	char *target;	 /* symlinks: the target; else NULL */
};

/* The root filesystem as a real kernel sees it (libguestfs). */
struct cvm_inspect_root {
	char os[128];	     /* PRETTY_NAME, "" if none */
	char uuid[40], label[40];
	uint64_t size, free, inodes_used;
	int fsck_exit;	     /* e2fsck -fn's exit status; 0: clean */
	uint64_t entry_count;
	size_t n_kernels;
	char kernels[8][128]; /* versions in /lib/modules */
	size_t n_entries;     /* with @list */
	struct cvm_inspect_entry *entries;
};

/* What cvm_image_inspect() found. Freed by cvm_inspect_result_free(). */
struct cvm_inspect_result {
	char *image;
	enum cvm_image_format format;
	struct cvm_gpt disk;
	struct cvm_luks_header luks;
	size_t n_esp_files;
	char **esp_files;	      /* paths on the ESP, without the leading '/' */
	struct cvm_uki_info *uki;     /* EFI/BOOT/BOOTX64.EFI */
	struct cvm_inspect_root *root; /* NULL without a passphrase */
	bool have_verity;	       /* the UKI's .cmdline names a verity root (raw images) */
	struct cvm_verity_params verity; /* from the .cmdline; uuid zero (not on it) */
};

struct cvm_inspect_result *cvm_inspect_result_free(struct cvm_inspect_result *r); /* NULL-safe */

/*
 * As JSON (cvmimg-inspect(1)): {"image", "format", "disk" (a GPT), "luks" (a
 * LUKS2 header), "esp_files", "uki" (a UKI), ["verity"], ["root"]}, the GPT, LUKS2 header
 * and UKI in the shapes `cvmimg build` and `cvmimg uki inspect` print them.
 * Returns 0 or -ENOMEM.
 */
int cvm_inspect_result_to_json(const struct cvm_inspect_result *r, struct json_object **ret);

/*
 * Describe an image: the partition table, the ESP's files, the UKI, the LUKS2
 * header (keyslots, tokens) and, with a passphrase, the root filesystem as a
 * real kernel sees it (libguestfs). Returns 0; -ENOENT/-EACCES; -EBADMSG for
 * an image that is not one of ours; -EKEYREJECTED for a wrong passphrase;
 * -EIO when libguestfs fails.
 */
int cvm_image_inspect(const struct cvm_inspect_options *o, struct cvm_inspect_result **ret,
		      cvm_err *reterr);

/* ---- after the build: measurements and the bundle (seal.c) ---------------------- */

struct cvm_shape_plan;
struct json_object;

struct cvm_seal_options {
	const char *output_dir;		    /* the build's DIR */
	const struct cvm_shape_plan *plan;  /* <cvmimg/bundle.h>; uki_path: DIR/uki.efi */
	const char *const *signing_keys;    /* none: only DIR/measurements.json */
	size_t n_signing_keys;
	const char *image_name, *image_version; /* the bundle's image identity */
	const char *broker_url, *resource;  /* NULL resource: cvmimg/<name>/luks-key */
	const char *operator_key_path;	    /* seal DIR/broker.key to it (then remove it) */
	struct json_object *reference_values; /* more Trustee reference values, or NULL */
	int64_t now;			    /* the bundle's creation time */
	uint64_t valid_days;
};

/*
 * Write DIR/measurements.json (the VM shapes of @o->plan, measured from the
 * UKI the build made) and, with signing keys, DIR/bundle.json: subjects the
 * disk image and the UKI (digests from @res) and each firmware, the LUKS2 UUID
 * from @res, and with @operator_key_path DIR/broker.key sealed to it, after
 * which DIR/broker.key is removed, and dropped from @res and DIR/build.json.
 * Each file is written atomically. Returns 0; errors as
 * cvm_bundle_measure_plan() and cvm_bundle_create(); -ENOENT when
 * DIR/broker.key is gone.
 */
int cvm_image_seal(const struct cvm_seal_options *o, struct cvm_build_result *res,
		   cvm_err *reterr);

#endif
