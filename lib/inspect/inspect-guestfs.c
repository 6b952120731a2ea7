/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The libguestfs side of cvm_image_inspect() (the one boundary to it): an
 * appliance with the disk attached read-only. libguestfs reads its own
 * environment (LIBGUESTFS_BACKEND_SETTINGS=force_tcg where KVM is unusable);
 * its messages are kept for our errors, never printed.
 */
#ifdef CVMIMG_HAVE_GUESTFS
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <guestfs.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "disk/gpt.h"
#include "inspect/inspect.h"
#include "util/log-internal.h"

#define CHUNK	 (1u << 20)
#define ROOT_MAP "cvmimg-root"

struct cvm_gfs {
	guestfs_h *g;
};

/*
 * libguestfs is loaded when first needed: linked in, it and its libvirt chain
 * would cost every cvmimg command about 7 MB of resident memory (measured),
 * and the build's peak RSS is budgeted.
 */
#define GFS_SYMBOLS(X)                                                                             \
	X(guestfs_add_drive_opts)                                                                  \
	X(guestfs_blockdev_getsize64)                                                              \
	X(guestfs_cat)                                                                             \
	X(guestfs_close)                                                                           \
	X(guestfs_create)                                                                          \
	X(guestfs_cryptsetup_close)                                                                \
	X(guestfs_cryptsetup_open)                                                                 \
	X(guestfs_debug)                                                                           \
	X(guestfs_filesize)                                                                        \
	X(guestfs_find)                                                                            \
	X(guestfs_free_partition_list)                                                             \
	X(guestfs_free_statvfs)                                                                    \
	X(guestfs_is_file)                                                                         \
	X(guestfs_last_error)                                                                      \
	X(guestfs_launch)                                                                          \
	X(guestfs_ls)                                                                              \
	X(guestfs_mount_ro)                                                                        \
	X(guestfs_part_get_disk_guid)                                                              \
	X(guestfs_part_get_gpt_guid)                                                               \
	X(guestfs_part_get_gpt_type)                                                               \
	X(guestfs_part_get_name)                                                                   \
	X(guestfs_part_list)                                                                       \
	X(guestfs_pread)                                                                           \
	X(guestfs_pread_device)                                                                    \
	X(guestfs_set_error_handler)                                                               \
	X(guestfs_statvfs)                                                                         \
	X(guestfs_umount_all)                                                                      \
	X(guestfs_vfs_label)                                                                       \
	X(guestfs_vfs_uuid)

#define GFS_DECLARE(name) __typeof__(name) *name;
static struct {
	GFS_SYMBOLS(GFS_DECLARE)
} gfs;

static int gfs_load(cvm_err *reterr)
{
	static void *lib;

	if (lib)
		return 0;
	lib = dlopen("libguestfs.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return cvm_err_set(reterr, -ENOENT,
				   "libguestfs is not installed (Debian package "
				   "'libguestfs0'): %s",
				   dlerror());
#define GFS_LOAD(name)                                                                             \
	if (!(gfs.name = (__typeof__(gfs.name))dlsym(lib, #name)))                                 \
		return cvm_err_set(reterr, -ENOENT, "libguestfs lacks %s", #name);
	GFS_SYMBOLS(GFS_LOAD)
#undef GFS_LOAD
	return 0;
}

static int gfs_err(struct cvm_gfs *g, cvm_err *reterr, int code, const char *what)
{
	const char *m = gfs.guestfs_last_error(g->g);

	return cvm_err_set(reterr, code, "%s: %s", what, m ? m : "libguestfs failed");
}

void cvm_gfs_close(struct cvm_gfs *g)
{
	if (!g)
		return;
	if (g->g)
		gfs.guestfs_close(g->g);
	free(g);
}

int cvm_gfs_open(const char *path, bool qcow2, struct cvm_gfs **ret, cvm_err *reterr)
{
	struct cvm_gfs *g;
	int r = gfs_load(reterr);

	if (r < 0)
		return r;
	g = calloc(1, sizeof(*g));
	if (!g || !(g->g = gfs.guestfs_create())) {
		free(g);
		return cvm_err_set(reterr, -EIO, "cannot create a libguestfs handle");
	}
	gfs.guestfs_set_error_handler(g->g, NULL, NULL);
	if (gfs.guestfs_add_drive_opts(g->g, path, GUESTFS_ADD_DRIVE_OPTS_READONLY, 1,
				       GUESTFS_ADD_DRIVE_OPTS_FORMAT, qcow2 ? "qcow2" : "raw",
				       -1) < 0 ||
	    gfs.guestfs_launch(g->g) < 0) {
		r = gfs_err(g, reterr, -EIO, "cannot start the libguestfs appliance");
		cvm_gfs_close(g);
		return r;
	}
	*ret = g;
	return 0;
}

/* A shell command inside the appliance (filesystems are under /sysroot). */
static char *sh(struct cvm_gfs *g, const char *cmd)
{
	char *const args[] = {(char *)cmd, NULL};

	return gfs.guestfs_debug(g->g, "sh", args);
}

/* Copy a string libguestfs returned (and free it). */
static void take(char *dst, size_t size, char *s)
{
	snprintf(dst, size, "%s", s ? s : "");
	free(s);
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int partitions(struct cvm_gfs *g, struct cvm_gpt *disk, cvm_err *reterr)
{
	struct guestfs_partition_list *pl = gfs.guestfs_part_list(g->g, "/dev/sda");
	int64_t size = gfs.guestfs_blockdev_getsize64(g->g, "/dev/sda");

	if (!pl)
		return gfs_err(g, reterr, -EBADMSG, "cannot read the partition table");
	take(disk->guid, sizeof(disk->guid), gfs.guestfs_part_get_disk_guid(g->g, "/dev/sda"));
	lower(disk->guid);
	disk->size = size > 0 ? (uint64_t)size : 0;
	for (uint32_t i = 0; i < pl->len && disk->n < CVM_GPT_MAX_PARTS; i++) {
		struct cvm_gpt_partition *p = &disk->parts[disk->n++];
		int n = pl->val[i].part_num;

		p->number = (unsigned)n;
		take(p->name, sizeof(p->name), gfs.guestfs_part_get_name(g->g, "/dev/sda", n));
		take(p->type, sizeof(p->type), gfs.guestfs_part_get_gpt_type(g->g, "/dev/sda", n));
		take(p->uuid, sizeof(p->uuid), gfs.guestfs_part_get_gpt_guid(g->g, "/dev/sda", n));
		lower(p->type);
		lower(p->uuid);
		p->start = (uint64_t)pl->val[i].part_start;
		p->size = (uint64_t)pl->val[i].part_size;
	}
	gfs.guestfs_free_partition_list(pl);
	return 0;
}

static int luks(struct cvm_gfs *g, struct cvm_luks_header *ret, cvm_err *reterr)
{
	size_t n = 0;
	CVM_CLEANUP_FREE char *hdr = gfs.guestfs_pread_device(g->g, "/dev/sda2", 65536, 0, &n);

	if (!hdr)
		return gfs_err(g, reterr, -EIO, "cannot read the root partition");
	return cvm_luks_header_parse((const uint8_t *)hdr, n, ret, reterr);
}

/* A whole file of the mounted filesystem, read in chunks (messages are limited to 4 MiB). */
static int read_all(struct cvm_gfs *g, const char *path, uint8_t **ret, size_t *ret_len,
		    cvm_err *reterr)
{
	int64_t size = gfs.guestfs_filesize(g->g, path);
	uint8_t *buf;

	if (size < 0)
		return gfs_err(g, reterr, -ENOENT, path);
	if ((uint64_t)size > CVM_INSPECT_UKI_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large", path);
	if (!(buf = malloc((size_t)size + 1)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (int64_t off = 0; off < size;) {
		size_t n = 0;
		char *c = gfs.guestfs_pread(g->g, path, CHUNK, off, &n);

		if (!c || n == 0) {
			free(c);
			free(buf);
			return gfs_err(g, reterr, -EIO, path);
		}
		memcpy(buf + off, c, n < (size_t)(size - off) ? n : (size_t)(size - off));
		off += (int64_t)n;
		free(c);
	}
	*ret = buf;
	*ret_len = (size_t)size;
	return 0;
}

static int esp(struct cvm_gfs *g, struct cvm_inspect_result *res, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *uki = NULL;
	size_t len = 0;
	bool nomem = false;
	char **all;
	int r;

	if (gfs.guestfs_mount_ro(g->g, "/dev/sda1", "/") < 0)
		return gfs_err(g, reterr, -EBADMSG, "cannot mount the ESP");
	if (!(all = gfs.guestfs_find(g->g, "/")))
		return gfs_err(g, reterr, -EIO, "cannot list the ESP");
	for (char **p = all; *p; p++) {
		char path[4200];

		snprintf(path, sizeof(path), "/%s", *p);
		if (gfs.guestfs_is_file(g->g, path) > 0 && cvm_inspect_add_esp_file(res, *p) < 0)
			nomem = true;
		free(*p);
	}
	free(all);
	if (nomem) {
		gfs.guestfs_umount_all(g->g);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	r = read_all(g, "/EFI/BOOT/BOOTX64.EFI", &uki, &len, reterr);
	gfs.guestfs_umount_all(g->g);
	if (r < 0)
		return r;
	return cvm_uki_inspect(uki, len, "EFI/BOOT/BOOTX64.EFI", &res->uki, reterr);
}

int cvm_gfs_disk(struct cvm_gfs *g, struct cvm_inspect_result *res, cvm_err *reterr)
{
	int r;

	if ((r = partitions(g, &res->disk, reterr)) < 0 || (r = luks(g, &res->luks, reterr)) < 0)
		return r;
	return esp(g, res, reterr);
}

/* Undo sed -n 'l 0' in place: octal and C escapes; the trailing '$' is dropped. */
static size_t sed_unescape(char *s)
{
	static const char from[] = "abfnrtv\\", to[] = "\a\b\f\n\r\t\v\\";
	size_t o = 0, n = strlen(s);

	if (n && s[n - 1] == '$')
		s[--n] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *k;

		if (s[i] != '\\' || i + 1 >= n) {
			s[o++] = s[i];
		} else if (i + 3 < n && s[i + 1] >= '0' && s[i + 1] <= '3') {
			s[o++] =
			    (char)((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		} else if ((k = strchr(from, s[i + 1]))) {
			s[o++] = to[k - from];
			i++;
		} else {
			s[o++] = s[++i];
		}
	}
	s[o] = '\0';
	return o;
}

/* One line of find's -printf below, fields split at tabs. */
static int parse_entry(char *rec, struct cvm_inspect_entry *e)
{
	char *f[8] = {0};
	size_t n = 0;

	for (char *p = rec; p && n < 8; n++) {
		f[n] = p;
		if ((p = n < 7 ? strchr(p, '\t') : NULL))
			*p++ = '\0';
	}
	if (n < 7)
		return -EBADMSG;
	e->type = f[0][0];
	e->mode = (unsigned)strtoul(f[1], NULL, 8);
	e->uid = (uint32_t)strtoul(f[2], NULL, 10);
	e->gid = (uint32_t)strtoul(f[3], NULL, 10);
	e->mtime = strtoll(f[4], NULL, 10);
	e->size = strtoull(f[5], NULL, 10);
	if (!(e->path = strdup(f[6])))
		return -ENOMEM;
	if (n == 8 && *f[7] && !(e->target = strdup(f[7])))
		return -ENOMEM;
	return 0;
}

static int list_entries(struct cvm_gfs *g, struct cvm_inspect_root *root, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *out = sh(g, "cd /sysroot && find . -xdev -printf "
					   "'%y\\t%m\\t%U\\t%G\\t%T@\\t%s\\t%P\\t%l\\n' | "
					   "sed -n 'l 0'");
	size_t lines = 0;

	if (!out)
		return gfs_err(g, reterr, -EIO, "cannot list the root filesystem");
	for (const char *p = out; *p; p++)
		lines += *p == '\n';
	if (!(root->entries = calloc(lines + 1, sizeof(*root->entries))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
		sed_unescape(line);
		if (parse_entry(line, &root->entries[root->n_entries]) < 0)
			return cvm_err_set(reterr, -EIO, "cannot read the listing of the root");
		root->n_entries++;
	}
	return 0;
}

static bool osrel_pretty(const char *text, char *out, size_t size)
{
	const char *p = strstr(text, "PRETTY_NAME=");

	if (!p || (p != text && p[-1] != '\n'))
		return false;
	p += strlen("PRETTY_NAME=");
	if (*p == '"' || *p == '\'')
		p++;
	snprintf(out, size, "%.*s", (int)strcspn(p, "\"'\n"), p);
	return true;
}

static int open_luks(struct cvm_gfs *g, const char *pass, size_t len, cvm_err *reterr)
{
	char *key = cvm_secret_alloc(len + 1);
	const char *m;
	int r;

	if (!key)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (memchr(pass, '\0', len)) {
		cvm_secret_free(key);
		return cvm_err_set(reterr, -EINVAL,
				   "a passphrase with a NUL byte cannot be passed "
				   "to libguestfs");
	}
	memcpy(key, pass, len);
	r = gfs.guestfs_cryptsetup_open(g->g, "/dev/sda2", key, ROOT_MAP, -1);
	cvm_secret_free(key);
	if (r == 0)
		return 0;
	m = gfs.guestfs_last_error(g->g);
	if (m && strstr(m, "No key available"))
		return cvm_err_set(reterr, -EKEYREJECTED,
				   "the passphrase does not open the root "
				   "partition");
	return gfs_err(g, reterr, -EIO, "cannot open the root partition");
}

static void fs_summary(struct cvm_gfs *g, struct cvm_inspect_root *root)
{
	struct guestfs_statvfs *v = gfs.guestfs_statvfs(g->g, "/");
	char *os = gfs.guestfs_cat(g->g, "/etc/os-release"), **boot;

	take(root->label, sizeof(root->label),
	     gfs.guestfs_vfs_label(g->g, "/dev/mapper/" ROOT_MAP));
	take(root->uuid, sizeof(root->uuid), gfs.guestfs_vfs_uuid(g->g, "/dev/mapper/" ROOT_MAP));
	if (v) {
		root->size = (uint64_t)v->blocks * (uint64_t)v->frsize;
		root->free = (uint64_t)v->bfree * (uint64_t)v->frsize;
		root->inodes_used = (uint64_t)(v->files - v->ffree);
		gfs.guestfs_free_statvfs(v);
	}
	if (os)
		osrel_pretty(os, root->os, sizeof(root->os));
	free(os);
	if ((boot = gfs.guestfs_ls(g->g, "/boot"))) {
		for (char **p = boot; *p; p++) {
			if (!strncmp(*p, "vmlinuz-", 8) && root->n_kernels < 8)
				snprintf(root->kernels[root->n_kernels++],
					 sizeof(root->kernels[0]), "%s", *p + 8);
			free(*p);
		}
		free(boot);
	}
}

int cvm_gfs_root(struct cvm_gfs *g, const char *pass, size_t len, bool list,
		 struct cvm_inspect_root *root, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *fsck = NULL, *count = NULL;
	int r;

	if ((r = open_luks(g, pass, len, reterr)) < 0)
		return r;
	fsck = sh(g, "e2fsck -fn /dev/mapper/" ROOT_MAP " >/tmp/fsck 2>&1; echo $?; cat /tmp/fsck");
	if (!fsck)
		return gfs_err(g, reterr, -EIO, "cannot run e2fsck in the appliance");
	root->fsck_exit = atoi(fsck);
	if (gfs.guestfs_mount_ro(g->g, "/dev/mapper/" ROOT_MAP, "/") < 0)
		return gfs_err(g, reterr, -EBADMSG, "cannot mount the root filesystem");
	fs_summary(g, root);
	if ((count = sh(g, "find /sysroot -xdev | wc -l")))
		root->entry_count = strtoull(count, NULL, 10);
	if (list && (r = list_entries(g, root, reterr)) < 0)
		return r;
	gfs.guestfs_umount_all(g->g);
	gfs.guestfs_cryptsetup_close(g->g, "/dev/mapper/" ROOT_MAP);
	return 0;
}

#else /* built without libguestfs's headers: raw images are still read directly */

#include <errno.h>

#include "inspect/inspect.h"

int cvm_gfs_open(const char *path, bool qcow2, struct cvm_gfs **ret, cvm_err *reterr)
{
	(void)path;
	(void)qcow2;
	(void)ret;
	return cvm_err_set(reterr, -EOPNOTSUPP,
			   "this cvmimg was built without libguestfs: it reads raw images only, and "
			   "cannot open qcow2 images or the root");
}

void cvm_gfs_close(struct cvm_gfs *g)
{
	(void)g;
}

int cvm_gfs_disk(struct cvm_gfs *g, struct cvm_inspect_result *res, cvm_err *reterr)
{
	(void)g;
	(void)res;
	return cvm_err_set(reterr, -EOPNOTSUPP, "built without libguestfs");
}

int cvm_gfs_root(struct cvm_gfs *g, const char *pass, size_t len, bool list,
		 struct cvm_inspect_root *root, cvm_err *reterr)
{
	(void)g;
	(void)pass;
	(void)len;
	(void)list;
	(void)root;
	return cvm_err_set(reterr, -EOPNOTSUPP, "built without libguestfs");
}

#endif
