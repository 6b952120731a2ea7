/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/initrd.h>

#include "util/macro.h"

#define NEWC_HDR 110
#define NAME_MAX_LEN 4096
#define BUILTIN_MAX (1u << 20) /* modules.builtin is read to look for dm-crypt and others */

CVM_DEFINE_CLEANUP(struct archive, archive_read_free, cvm_archive_read_free)

/* Bytes of one segment: plain memory, or a decompressing libarchive stream. */
struct src {
	const uint8_t *mem;
	size_t len, pos;
	struct archive *a;
	int peek;           /* a byte given back by src_unread(), or -1 */
	uint64_t *unpacked; /* running total over all segments, for the limit */
};

struct scan {
	struct cvm_initrd_info *info;
	cvm_err *err;
};

static const char *const flavour_names[CVM_INITRD_FLAVOUR__COUNT] = {
	[CVM_INITRD_UNKNOWN] = "unknown",
	[CVM_INITRD_INITRAMFS_TOOLS] = "initramfs-tools",
	[CVM_INITRD_DRACUT] = "dracut",
};

CVM_PUBLIC const char *cvm_initrd_flavour_to_string(enum cvm_initrd_flavour f)
{
	return (unsigned)f < CVM_INITRD_FLAVOUR__COUNT ? flavour_names[f] : NULL;
}

/* Read exactly @n bytes; returns the count read (short only at the end of data). */
static long src_read(struct src *s, void *out, size_t n)
{
	size_t done = 0;

	if (n && s->peek >= 0) {
		*(uint8_t *)out = (uint8_t)s->peek;
		s->peek = -1;
		done = 1;
	}
	if (!s->a) {
		size_t k = n - done < s->len - s->pos ? n - done : s->len - s->pos;

		memcpy((uint8_t *)out + done, s->mem + s->pos, k);
		s->pos += k;
		done += k;
	}
	while (s->a && done < n) {
		la_ssize_t r = archive_read_data(s->a, (uint8_t *)out + done, n - done);

		if (r < 0)
			return -EBADMSG;
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*s->unpacked += done;
	if (*s->unpacked > CVM_INITRD_MAX_UNPACKED)
		return -EFBIG;
	return (long)done;
}

static void src_unread(struct src *s, uint8_t c)
{
	s->peek = c;
	*s->unpacked -= 1;
}

static int src_skip(struct src *s, uint64_t n)
{
	uint8_t buf[16384];

	while (n) {
		size_t chunk = n < sizeof(buf) ? (size_t)n : sizeof(buf);
		long r = src_read(s, buf, chunk);

		if (r < 0)
			return (int)r;
		if ((size_t)r != chunk)
			return -EBADMSG;
		n -= chunk;
	}
	return 0;
}

static int hex8(const char *p, uint32_t *ret)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10
					       : -1;

		if (d < 0)
			return -EBADMSG;
		v = v << 4 | (uint32_t)d;
	}
	*ret = v;
	return 0;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "lib/modules/<version>/..." or "usr/lib/modules/<version>/...": the version part. */
static const char *modules_subpath(const char *path)
{
	if (has_prefix(path, "usr/"))
		path += 4;
	return has_prefix(path, "lib/modules/") ? path + strlen("lib/modules/") : NULL;
}

static void note_kernel_version(struct cvm_initrd_info *info, const char *sub)
{
	size_t n = strcspn(sub, "/");

	if (info->kernel_version[0] || sub[n] != '/' || n >= sizeof(info->kernel_version))
		return;
	memcpy(info->kernel_version, sub, n);
	info->kernel_version[n] = '\0';
}

static bool is_cryptsetup_binary(const char *p)
{
	return !strcmp(p, "sbin/cryptsetup") || !strcmp(p, "usr/sbin/cryptsetup") ||
	       !strcmp(p, "bin/cryptsetup") || !strcmp(p, "usr/bin/cryptsetup");
}

static bool is_systemd_cryptsetup(const char *p)
{
	return !strcmp(p, "lib/systemd/systemd-cryptsetup") ||
	       !strcmp(p, "usr/lib/systemd/systemd-cryptsetup") ||
	       !strcmp(p, "usr/bin/systemd-cryptsetup");
}

/*
 * The kernel modules that matter, in a module's path or in modules.builtin
 * (one path per line). The network drivers are those of QEMU (virtio-net) and
 * of the clouds' confidential VMs (GCE gVNIC, AWS ENA, Azure netvsc and MANA):
 * the unlock agent reaches the key broker through one of them.
 */
static void note_modules(struct cvm_initrd_info *info, const char *text)
{
	static const char *const nics[] = {"/virtio_net.ko", "/gve.ko", "/ena.ko",
					   "/hv_netvsc.ko", "/mana.ko"};

	if (strstr(text, "/dm-crypt.ko"))
		info->has_dm_crypt = true;
	if (strstr(text, "/dm-verity.ko"))
		info->has_dm_verity = true;
	if (strstr(text, "/efi_secret.ko"))
		info->has_efi_secret = true;
	for (size_t i = 0; i < CVM_ARRAY_SIZE(nics); i++)
		if (strstr(text, nics[i]))
			info->has_network_driver = true;
}

/* systemd's @name in lib/systemd/ or usr/lib/systemd/. */
static bool is_systemd_util(const char *p, const char *name)
{
	if (has_prefix(p, "usr/"))
		p += 4;
	return has_prefix(p, "lib/systemd/") && !strcmp(p + 12, name);
}

/* The generator of cvmimg's dracut module 90cvmimg-verity. */
static bool is_dracut_verity_generator(const char *p)
{
	return is_systemd_util(p, "system-generators/cvmimg-verity-generator");
}

/* Classify one entry by its path (leading "./" and "/" already removed). */
static void note_path(struct cvm_initrd_info *info, const char *p)
{
	const char *sub = modules_subpath(p);

	if (sub) {
		note_kernel_version(info, sub);
		note_modules(info, sub);
	}
	if (!strcmp(p, "sbin/veritysetup") || !strcmp(p, "usr/sbin/veritysetup") ||
	    !strcmp(p, "bin/veritysetup") || !strcmp(p, "usr/bin/veritysetup"))
		info->has_veritysetup = true;
	if (is_systemd_util(p, "systemd-veritysetup"))
		info->has_systemd_veritysetup = true;
	if (is_systemd_util(p, "systemd-networkd"))
		info->has_systemd_networkd = true;
	if (!strcmp(p, "scripts/local-top/cvmimg-verity") || is_dracut_verity_generator(p))
		info->has_verity_script = true;
	if (is_cryptsetup_binary(p))
		info->has_cryptsetup = true;
	if (is_systemd_cryptsetup(p))
		info->has_systemd_cryptsetup = true;
	if (!strcmp(p, "scripts/local-top/cryptroot"))
		info->has_cryptroot = true;
	if (has_prefix(p, "scripts/local-top/") || !strcmp(p, "conf/initramfs.conf"))
		info->flavour = CVM_INITRD_INITRAMFS_TOOLS;
	else if (info->flavour == CVM_INITRD_UNKNOWN &&
		 (has_prefix(p, "usr/lib/dracut/") || has_prefix(p, "lib/dracut/")))
		info->flavour = CVM_INITRD_DRACUT;
}

static bool is_modules_builtin(const char *p)
{
	const char *sub = modules_subpath(p);
	const char *slash = sub ? strchr(sub, '/') : NULL;

	return slash && !strcmp(slash, "/modules.builtin");
}

/* modules.builtin lists built-in modules, one path per line. */
static int scan_builtin(struct src *s, struct scan *st, uint32_t size)
{
	CVM_CLEANUP_FREE char *buf = malloc((size_t)size + 1);
	long r;

	if (!buf)
		return cvm_err_set(st->err, -ENOMEM, "out of memory");
	r = src_read(s, buf, size);
	if (r < 0 || (uint32_t)r != size)
		return cvm_err_set(st->err, r == -EFBIG ? -EFBIG : -EBADMSG,
				   "initrd: truncated modules.builtin");
	buf[size] = '\0';
	note_modules(st->info, buf);
	return 0;
}

static const char *strip_leading(const char *name)
{
	while (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		name += name[0] == '/' ? 1 : 2;
	return name;
}

/* Read one entry's header and name. Returns 1 for an entry, 0 at the trailer. */
static int read_header(struct src *s, struct scan *st, char *name, uint32_t *ret_size)
{
	char hdr[NEWC_HDR];
	uint32_t namesize, pad;
	long r = src_read(s, hdr, NEWC_HDR);

	if (r == -EFBIG)
		return cvm_err_set(st->err, -EFBIG, "initrd unpacks to more than %llu bytes",
				   (unsigned long long)CVM_INITRD_MAX_UNPACKED);
	if (r != NEWC_HDR || (memcmp(hdr, "070701", 6) && memcmp(hdr, "070702", 6)))
		return cvm_err_set(st->err, -EBADMSG,
				   "initrd: truncated archive or not a newc cpio header");
	if (hex8(hdr + 54, ret_size) < 0 || hex8(hdr + 94, &namesize) < 0)
		return cvm_err_set(st->err, -EBADMSG, "initrd: malformed cpio header");
	if (namesize < 2 || namesize > NAME_MAX_LEN)
		return cvm_err_set(st->err, -EBADMSG, "initrd: cpio name length %u out of range",
				   namesize);
	pad = (4 - (NEWC_HDR + namesize) % 4) % 4;
	r = src_read(s, name, namesize);
	if (r != (long)namesize || name[namesize - 1] != '\0' || src_skip(s, pad) < 0)
		return cvm_err_set(st->err, -EBADMSG, "initrd: truncated cpio entry name");
	return strcmp(name, "TRAILER!!!") ? 1 : 0;
}

/* One cpio archive, up to and including its trailer. */
static int scan_archive(struct src *s, struct scan *st)
{
	char name[NAME_MAX_LEN];

	for (;;) {
		uint32_t size;
		const char *path;
		int r = read_header(s, st, name, &size);

		if (r <= 0)
			return r;
		path = strip_leading(name);
		st->info->entries++;
		note_path(st->info, path);
		if (is_modules_builtin(path) && size <= BUILTIN_MAX)
			r = scan_builtin(s, st, size);
		else if (src_skip(s, size) < 0)
			r = cvm_err_set(st->err, -EBADMSG, "initrd: truncated data of '%s'", path);
		if (r < 0 || src_skip(s, (4 - size % 4) % 4) < 0)
			return r < 0 ? r : cvm_err_set(st->err, -EBADMSG, "initrd: truncated");
	}
}

/*
 * Archives back to back, with NUL padding between them. Returns 0 at the end of
 * the data, 1 when something other than an archive follows (the next segment,
 * given back to the source), or a negative errno.
 */
static int scan_stream(struct src *s, struct scan *st)
{
	for (;;) {
		uint8_t c = 0;
		long r;
		int k = scan_archive(s, st);

		if (k < 0)
			return k;
		do
			r = src_read(s, &c, 1);
		while (r == 1 && c == 0);
		if (r < 0)
			return cvm_err_set(st->err, (int)r, "initrd: cannot decompress");
		if (r == 0)
			return 0;
		src_unread(s, c);
		if (c != '0')
			return 1;
	}
}

static int scan_compressed(const uint8_t *data, size_t len, uint64_t *unpacked, struct scan *st,
			   const char **ret_name)
{
	CVM_CLEANUP(cvm_archive_read_freep) struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct src s = { .peek = -1, .unpacked = unpacked };
	int r;

	if (!a)
		return cvm_err_set(st->err, -ENOMEM, "out of memory");
	archive_read_support_filter_all(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_memory(a, data, len) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK)
		return cvm_err_set(st->err, -EBADMSG, "initrd: unknown or damaged compression: %s",
				   archive_error_string(a) ? archive_error_string(a) : "?");
	*ret_name = archive_filter_name(a, 0);
	if (archive_filter_count(a) < 2) /* only "none": not compressed after all */
		return cvm_err_set(st->err, -EBADMSG, "initrd: not a cpio archive");
	s.a = a;
	r = scan_stream(&s, st);
	if (r == 1)
		return cvm_err_set(st->err, -EBADMSG, "initrd: garbage after a compressed archive");
	return r;
}

static const char *intern_filter(const char *name)
{
	static const char *const known[] = { "gzip", "zstd", "xz", "lzma", "bzip2", "lz4",
					     "lzop", "compress" };

	for (size_t i = 0; name && i < CVM_ARRAY_SIZE(known); i++)
		if (!strcmp(name, known[i]))
			return known[i];
	return "other";
}

CVM_PUBLIC int cvm_initrd_scan(const uint8_t *data, size_t len, struct cvm_initrd_info *ret,
			       cvm_err *reterr)
{
	struct cvm_initrd_info info = { 0 };
	struct scan st = { .info = &info, .err = reterr };
	uint64_t unpacked = 0;
	size_t pos = 0;
	int r;

	CVM_CHECK_ARG(data && ret, reterr);
	if (len == 0)
		return cvm_err_set(reterr, -EBADMSG, "initrd is empty");
	while (pos < len) {
		struct src s = { .mem = data, .len = len, .pos = pos, .peek = -1,
				 .unpacked = &unpacked };
		const char *filter = NULL;

		if (info.segments == CVM_INITRD_MAX_SEGMENTS)
			return cvm_err_set(reterr, -EFBIG, "initrd has more than %d segments",
					   CVM_INITRD_MAX_SEGMENTS);
		if (len - pos >= 6 && !memcmp(data + pos, "07070", 5)) {
			info.compression[info.segments++] = "none";
			r = scan_stream(&s, &st);
			if (r < 0)
				return r;
			if (r == 0)
				break;
			pos = s.pos - 1; /* the byte given back starts the next segment */
			continue;
		}
		r = scan_compressed(data + pos, len - pos, &unpacked, &st, &filter);
		if (r < 0)
			return r;
		info.compression[info.segments++] = intern_filter(filter);
		break; /* a compressed segment runs to the end */
	}
	*ret = info;
	return 0;
}

CVM_PUBLIC bool cvm_initrd_can_unlock_luks(const struct cvm_initrd_info *info,
					   const char **ret_missing)
{
	const char *missing = NULL;

	if (!info->has_cryptsetup && !info->has_systemd_cryptsetup)
		missing = "no cryptsetup binary";
	else if (!info->has_dm_crypt)
		missing = "no dm-crypt kernel module";
	else if (info->flavour == CVM_INITRD_INITRAMFS_TOOLS && !info->has_cryptroot)
		missing = "no cryptroot script of initramfs-tools";
	if (ret_missing)
		*ret_missing = missing;
	return !missing;
}

CVM_PUBLIC bool cvm_initrd_can_open_verity(const struct cvm_initrd_info *info,
					   const char **ret_missing)
{
	const char *missing = NULL;
	bool itools = info->flavour == CVM_INITRD_INITRAMFS_TOOLS;

	if (!info->has_dm_verity)
		missing = "no dm-verity kernel module";
	else if (itools && !info->has_veritysetup)
		missing = "no veritysetup binary";
	else if (itools && !info->has_verity_script)
		missing = "no cvmimg-verity script of initramfs-tools";
	else if (!itools && !info->has_verity_script)
		missing = "no cvmimg-verity dracut module";
	else if (!itools && !info->has_veritysetup)
		missing = "no veritysetup binary";
	if (ret_missing)
		*ret_missing = missing;
	return !missing;
}
