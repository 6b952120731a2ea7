/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_image_build(): options, identifiers and keys, then the steps in
 * build-root.c, build-boot.c and build-finish.c. Every output stays under a
 * temporary name until the last step renames them all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/rand.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "archive/cpio.h"
#include "image/build.h"
#include "crypt/io-manager.h"
#include "util/macro.h"

static const char *const format_names[] = {[CVM_IMAGE_RAW] = "raw", [CVM_IMAGE_QCOW2] = "qcow2"};
static const char *const phase_names[] = {
    [CVM_BUILD_SCAN] = "scan", [CVM_BUILD_WRITE] = "write",   [CVM_BUILD_WIPE] = "wipe",
    [CVM_BUILD_BOOT] = "boot", [CVM_BUILD_FINISH] = "finish",
};

CVM_PUBLIC const char *cvm_image_format_to_string(enum cvm_image_format f)
{
	return (unsigned)f < CVM_IMAGE_FORMAT__COUNT ? format_names[f] : NULL;
}

CVM_PUBLIC enum cvm_image_format cvm_image_format_from_string(const char *s)
{
	for (int i = 0; s && i < CVM_IMAGE_FORMAT__COUNT; i++)
		if (!strcasecmp(s, format_names[i]))
			return (enum cvm_image_format)i;
	return CVM_IMAGE_FORMAT_INVALID;
}

CVM_PUBLIC const char *cvm_build_phase_to_string(enum cvm_build_phase p)
{
	return (unsigned)p < CVM_BUILD_PHASE__COUNT ? phase_names[p] : NULL;
}

int cvm_build_report(struct build *b, enum cvm_build_phase phase, uint64_t entries,
		     uint64_t entries_total, uint64_t bytes, uint64_t bytes_total)
{
	struct cvm_build_progress p = {.phase = phase,
				       .entries = entries,
				       .entries_total = entries_total,
				       .bytes = bytes,
				       .bytes_total = bytes_total};

	return b->o->progress ? b->o->progress(&p, b->o->progress_userdata) : 0;
}

static void build_cleanup(struct build *b)
{
	cvm_outputs_abort(&b->out);
	/* a failed build leaves no directory it made (rmdir: only if still empty) */
	if (b->made_dir)
		(void)rmdir(b->o->output_dir);
	cvm_crypt_io_unprepare();
	cvm_secret_free(b->volume_key);
	cvm_secret_free(b->broker_key);
	cvm_bootfiles_free(b->boot);
	free(b->host_kernel);
	free(b->host_initrd);
	free(b->cmdline);
	cvm_cpio_free(b->overlay);
	cvm_build_verity_free(b->verity);
	cvm_build_result_free(b->res);
}

static bool label_ok(const char *s, size_t max)
{
	return !s || (strlen(s) > 0 && strlen(s) <= max);
}

static int check_options(const struct cvm_build_options *o, cvm_err *reterr)
{
	CVM_CHECK_ARG(o && o->output_dir && (o->rootfs_path || o->rootfs_fd >= 0), reterr);
	if (!o->passphrase || o->passphrase_len == 0 ||
	    o->passphrase_len > CVM_IMAGE_PASSPHRASE_MAX)
		return cvm_err_set(reterr, -EINVAL, "the passphrase must have 1 to %d bytes",
				   CVM_IMAGE_PASSPHRASE_MAX);
	if (!cvm_image_format_to_string(o->format))
		return cvm_err_set(reterr, -EINVAL, "unknown image format");
	if (o->rootfs_fd >= 0 && !o->size)
		return cvm_err_set(reterr, -EINVAL,
				   "an archive read from a pipe needs an explicit "
				   "disk size");
	if (o->esp_size && (o->esp_size < CVM_IMAGE_MIN_ESP_SIZE || o->esp_size % CVM_MIB))
		return cvm_err_set(reterr, -EINVAL,
				   "the ESP size must be a multiple of 1 MiB and "
				   "at least %llu MiB",
				   CVM_IMAGE_MIN_ESP_SIZE >> 20);
	if (!label_ok(o->luks_label, 47) || !label_ok(o->fs_label, 16))
		return cvm_err_set(reterr, -EINVAL,
				   "labels have 1 to 47 (LUKS) or 16 (ext4) bytes");
	if (o->luks_uuid) {
		uint8_t u[16];

		if (cvm_uuid_parse(o->luks_uuid, u) < 0)
			return cvm_err_set(reterr, -EINVAL, "'%s' is not a UUID", o->luks_uuid);
	}
	return 0;
}

const char *const cvm_build_outputs[] = {
	"build.json", "disk.raw", "disk.qcow2", "uki.efi", "broker.key", "passphrase",
	"measurements.json", "bundle.json", NULL,
};

/* DIR, created; an earlier build's outputs in it are refused unless replaced. */
static int prepare_dir(struct build *b, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	const char *dir = o->output_dir;
	char found[160];
	struct stat st;
	int n;

	if (mkdir(dir, 0755) == 0) {
		b->made_dir = true;
		return 0;
	}
	if (errno != EEXIST)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot create '%s'", dir);
	if (stat(dir, &st) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot use '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		return cvm_err_set(reterr, -ENOTDIR, "'%s' is not a directory", dir);
	n = cvm_outputs_present(dir, cvm_build_outputs, found, sizeof(found), reterr);
	if (n > 0 && !o->replace)
		return cvm_err_set(reterr, -EEXIST,
				   "'%s' holds the outputs of an earlier build (%s): give --force "
				   "to replace them, or another directory",
				   dir, found);
	return n < 0 ? n : 0;
}

static int derive(struct build *b, const char *label, char *out, uint8_t *raw, cvm_err *reterr)
{
	uint8_t u[16];
	int r = cvm_ids_derive(b->seed, label, u, reterr);

	if (r < 0)
		return r;
	if (out)
		cvm_uuid_format(u, out);
	if (raw)
		memcpy(raw, u, 16);
	return 0;
}

static int make_ids(struct build *b, cvm_err *reterr)
{
	uint8_t vol[16];
	int r;

	if (b->o->seed) {
		snprintf(b->seed, sizeof(b->seed), "%s", b->o->seed);
		if (strlen(b->o->seed) >= sizeof(b->seed) || !*b->o->seed)
			return cvm_err_set(reterr, -EINVAL, "the seed must have 1 to %zu bytes",
					   sizeof(b->seed) - 1);
	} else {
		uint8_t rnd[32];

		if (RAND_bytes(rnd, sizeof(rnd)) != 1)
			return cvm_err_set(reterr, -EIO, "the random generator failed");
		cvm_hex_encode(rnd, sizeof(rnd), b->seed);
		b->seed_generated = true;
	}
	if ((r = derive(b, "disk", b->disk_guid, NULL, reterr)) < 0 ||
	    (r = derive(b, "esp", b->esp_uuid, NULL, reterr)) < 0 ||
	    (r = derive(b, "root", b->root_uuid, NULL, reterr)) < 0 ||
	    (r = derive(b, "luks", b->luks_uuid, NULL, reterr)) < 0 ||
	    (r = derive(b, "ext4", b->fs_uuid, b->fs_uuid_raw, reterr)) < 0 ||
	    (r = derive(b, "ext4-hash-seed", NULL, b->fs_hash_seed, reterr)) < 0 ||
	    (r = derive(b, "esp-volume-id", NULL, vol, reterr)) < 0)
		return r;
	if (b->o->luks_uuid)
		snprintf(b->luks_uuid, sizeof(b->luks_uuid), "%s", b->o->luks_uuid);
	b->esp_volume_id =
	    (uint32_t)vol[0] << 24 | (uint32_t)vol[1] << 16 | (uint32_t)vol[2] << 8 | vol[3];
	return 0;
}

static int make_keys(struct build *b, cvm_err *reterr)
{
	b->volume_key = cvm_secret_alloc(CVM_LUKS_VOLUME_KEY_SIZE);
	b->broker_key = cvm_secret_alloc(CVM_IMAGE_BROKER_KEY_SIZE);
	if (!b->volume_key || !b->broker_key)
		return cvm_err_set(reterr, -ENOMEM, "out of memory for keys");
	/* K1 and K2 of XTS must differ; with 64 random bytes they do */
	if (RAND_priv_bytes(b->volume_key, CVM_LUKS_VOLUME_KEY_SIZE) != 1 ||
	    RAND_priv_bytes(b->broker_key, CVM_IMAGE_BROKER_KEY_SIZE) != 1)
		return cvm_err_set(reterr, -EIO, "the random generator failed");
	return 0;
}

static int scan_progress(uint64_t entries, uint64_t bytes, void *userdata)
{
	struct build *b = userdata;

	return cvm_build_report(b, CVM_BUILD_SCAN, entries, 0, bytes, b->bytes_total);
}

static int plan(struct build *b, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	uint64_t max = o->max_entries ? o->max_entries : CVM_IMAGE_DEFAULT_MAX_ENTRIES;
	struct stat st;
	int r;

	if (o->rootfs_fd < 0 && stat(o->rootfs_path, &st) == 0 && S_ISREG(st.st_mode))
		b->bytes_total = (uint64_t)st.st_size;
	else if (o->rootfs_fd < 0 && !o->size && stat(o->rootfs_path, &st) == 0)
		return cvm_err_set(reterr, -EINVAL, "'%s' is not a regular file and can be read "
				   "only once: give a disk size", o->rootfs_path);
	if (!o->size) {
		r = cvm_scan_archive(o->rootfs_path, max, scan_progress, b, &b->scan, reterr);
		if (r < 0)
			return r;
		b->scanned = true;
		b->entries_total = b->scan.need.entries;
	}
	if ((r = cvm_scan_layout(b->scanned ? &b->scan : NULL, o->size,
				 o->esp_size ? o->esp_size : CVM_IMAGE_DEFAULT_ESP_SIZE, o->verity,
				 &b->layout, reterr)) < 0)
		return r;
	return o->verity ? cvm_build_verity_plan(b, reterr) : 0;
}

CVM_PUBLIC int cvm_image_build(const struct cvm_build_options *o, struct cvm_build_result **ret,
			       cvm_err *reterr)
{
	CVM_CLEANUP(build_cleanup) struct build b = {.o = o, .disk_i = -1, .uki_i = -1};
	int r;

	if ((r = check_options(o, reterr)) < 0)
		return r;
	if (!(b.res = calloc(1, sizeof(*b.res))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	b.out.dir = o->output_dir;
	b.now = o->have_source_date_epoch ? o->source_date_epoch : (int64_t)time(NULL);
	if ((r = prepare_dir(&b, reterr)) < 0 || (r = make_ids(&b, reterr)) < 0 ||
	    (r = make_keys(&b, reterr)) < 0 || (r = plan(&b, reterr)) < 0 ||
	    (r = cvm_build_root(&b, reterr)) < 0 || (r = cvm_build_boot(&b, reterr)) < 0)
		return r;
	if ((r = cvm_build_finish(&b, reterr)) < 0)
		return r;
	b.made_dir = false; /* it holds the build now */
	if (ret)
		*ret = CVM_TAKE_PTR(b.res);
	return 0;
}
