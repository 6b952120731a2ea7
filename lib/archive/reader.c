/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>

#include <cvmimg/util.h>

#include "util/hash.h"
#include "util/log-internal.h"
#include "archive/acl.h"
#include "archive/reader.h"
#include "util/macro.h"

#define READ_CHUNK (256u << 10)
#define MAX_XATTRS 256

struct cvm_tar {
	struct archive *a;
	int fd;
	bool own_fd, seekable;
	char *name;
	struct cvm_hash_ctx *hash;
	uint64_t bytes_in, entries;
	cvm_tar_interrupt_func interrupted;
	void *interrupted_userdata;
	uint8_t *rbuf;
	char *path, *link;
	size_t path_cap, link_cap;
	struct cvm_fs_xattr xattrs[MAX_XATTRS + 2];
	uint8_t *acl[2];
	struct cvm_tar_entry cur;
};

static la_ssize_t read_cb(struct archive *a, void *client, const void **buf)
{
	struct cvm_tar *t = client;
	ssize_t n;

	for (;;) {
		if (t->interrupted &&
		    t->interrupted(t->entries, t->bytes_in, t->interrupted_userdata)) {
			archive_set_error(a, ECANCELED, "cancelled");
			errno = ECANCELED;
			return -1;
		}
		n = read(t->fd, t->rbuf, READ_CHUNK);
		if (n >= 0 || errno != EINTR)
			break;
	}
	if (n < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	if (t->hash && n > 0)
		cvm_hash_update(t->hash, t->rbuf, (size_t)n);
	t->bytes_in += (uint64_t)n;
	*buf = t->rbuf;
	return n;
}

/* Seek over data only when nobody hashes the input; otherwise libarchive reads it. */
static la_int64_t skip_cb(struct archive *a, void *client, la_int64_t request)
{
	struct cvm_tar *t = client;

	(void)a;
	if (t->hash || !t->seekable || request <= 0)
		return 0;
	if (lseek(t->fd, request, SEEK_CUR) < 0)
		return 0;
	t->bytes_in += (uint64_t)request;
	return request;
}

struct cvm_tar *cvm_tar_free(struct cvm_tar *t)
{
	if (!t)
		return NULL;
	if (t->a)
		archive_read_free(t->a);
	if (t->own_fd && t->fd >= 0)
		close(t->fd);
	cvm_hash_free(t->hash);
	if (t->rbuf) /* the archive's bytes: the image's plaintext */
		cvm_memzero(t->rbuf, READ_CHUNK);
	free(t->rbuf);
	free(t->name);
	free(t->path);
	free(t->link);
	free(t->acl[0]);
	free(t->acl[1]);
	free(t);
	return NULL;
}

void cvm_tar_freep(struct cvm_tar **t)
{
	cvm_tar_free(*t);
}

static int tar_error(struct cvm_tar *t, cvm_err *reterr)
{
	const char *msg = archive_error_string(t->a);
	int e = archive_errno(t->a);

	if (e == ECANCELED)
		return cvm_err_set(reterr, -ECANCELED, "cancelled");
	return cvm_err_set(reterr, e == EIO || e == ENOMEM ? -e : -EBADMSG, "'%s': %s", t->name,
			   msg ? msg : "unreadable archive");
}

int cvm_tar_open(const char *path, int fd, bool hash, cvm_tar_interrupt_func interrupted,
		 void *userdata, struct cvm_tar **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_tar_freep) struct cvm_tar *t = calloc(1, sizeof(*t));
	struct stat st;

	if (!t || !(t->name = strdup(path ? path : "-")) || !(t->rbuf = malloc(READ_CHUNK)) ||
	    !(t->acl[0] = malloc(CVM_ACL_BUF_SIZE)) ||
	    !(t->acl[1] = malloc(CVM_ACL_BUF_SIZE)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	t->fd = fd;
	t->interrupted = interrupted;
	t->interrupted_userdata = userdata;
	if (fd < 0) {
		/* a FIFO without a writer blocks here: a signal may end the wait */
		while ((t->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 && errno == EINTR)
			if (interrupted && interrupted(0, 0, userdata))
				return cvm_err_set(reterr, -ECANCELED, "cancelled");
		if (t->fd < 0)
			return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
		t->own_fd = true;
	}
	if (fstat(t->fd, &st) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot stat '%s'", t->name);
	if (S_ISDIR(st.st_mode))
		return cvm_err_set(reterr, -EISDIR, "'%s' is a directory, not an archive", t->name);
	t->seekable = S_ISREG(st.st_mode);
	if (hash && cvm_hash_new(CVM_HASH_SHA256, &t->hash) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!(t->a = archive_read_new()))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	archive_read_support_filter_all(t->a);
	archive_read_support_format_tar(t->a);
	archive_read_support_format_gnutar(t->a);
	archive_read_set_read_callback(t->a, read_cb);
	archive_read_set_skip_callback(t->a, skip_cb);
	archive_read_set_callback_data(t->a, t);
	if (archive_read_open1(t->a) != ARCHIVE_OK)
		return tar_error(t, reterr);
	*ret = CVM_TAKE_PTR(t);
	return 0;
}

/* Normalise @raw into *@buf (see tar-reader.h). */
static int normalize(const char *raw, char **buf, size_t *cap, const char *archive, cvm_err *reterr)
{
	size_t len = strlen(raw), out = 0;
	const char *p = raw;

	if (len >= CVM_TAR_PATH_MAX)
		return cvm_err_set(reterr, -ENAMETOOLONG, "'%s': a name of %zu bytes is too long",
				   archive, len);
	if (*cap < len + 1) {
		char *n = realloc(*buf, len + 1);

		if (!n)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		*buf = n;
		*cap = len + 1;
	}
	while (*p) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s': entry '%s' has a '..' component", archive, raw);
		if (n && !(n == 1 && p[0] == '.')) {
			if (out)
				(*buf)[out++] = '/';
			memcpy(*buf + out, p, n);
			out += n;
		}
		p += n;
		while (*p == '/')
			p++;
	}
	(*buf)[out] = '\0';
	return 0;
}

static int type_of(struct cvm_tar *t, struct archive_entry *ae, enum cvm_fs_type *ret,
		   cvm_err *reterr)
{
	switch (archive_entry_filetype(ae)) {
	case AE_IFREG:
		*ret = CVM_FS_REG;
		return 0;
	case AE_IFDIR:
		*ret = CVM_FS_DIR;
		return 0;
	case AE_IFLNK:
		*ret = CVM_FS_SYMLINK;
		return 0;
	case AE_IFCHR:
		*ret = CVM_FS_CHR;
		return 0;
	case AE_IFBLK:
		*ret = CVM_FS_BLK;
		return 0;
	case AE_IFIFO:
		*ret = CVM_FS_FIFO;
		return 0;
	case AE_IFSOCK:
		*ret = CVM_FS_SOCK;
		return 0;
	}
	return cvm_err_set(reterr, -EBADMSG, "'%s': entry '%s' has an unknown file type 0%o",
			   t->name, t->cur.name, (unsigned)archive_entry_filetype(ae));
}

/* Extended attributes, then the POSIX ACLs unless they came as xattrs already. */
static int collect_xattrs(struct cvm_tar *t, struct archive_entry *ae, cvm_err *reterr)
{
	static const char *const acl_names[2] = {"system.posix_acl_access",
						 "system.posix_acl_default"};
	static const int acl_types[2] = {ARCHIVE_ENTRY_ACL_TYPE_ACCESS,
					 ARCHIVE_ENTRY_ACL_TYPE_DEFAULT};
	bool have_acl[2] = {false, false};
	size_t n = 0;
	const char *name;
	const void *value;
	size_t size;

	archive_entry_xattr_reset(ae);
	while (archive_entry_xattr_next(ae, &name, &value, &size) == ARCHIVE_OK) {
		if (n == MAX_XATTRS)
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s': entry '%s' has more than %d "
					   "extended attributes",
					   t->name, t->cur.name, MAX_XATTRS);
		for (int i = 0; i < 2; i++)
			have_acl[i] |= !strcmp(name, acl_names[i]);
		t->xattrs[n++] = (struct cvm_fs_xattr){name, value, size};
	}
	for (int i = 0; i < 2; i++) {
		int len;

		if (have_acl[i])
			continue;
		len = cvm_tar_acl_encode(ae, acl_types[i], &t->cur.e.mode, t->acl[i],
					 CVM_ACL_BUF_SIZE);
		if (len == -ENOENT)
			return cvm_err_set(
			    reterr, -EBADMSG,
			    "'%s': entry '%s' has an ACL naming a user "
			    "or group without its number (archive with tar --xattrs)",
			    t->name, t->cur.name);
		if (len == -EINVAL)
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s': entry '%s' has an ACL the kernel would refuse "
					   "(a repeated or missing entry)",
					   t->name, t->cur.name);
		if (len == -ENOMEM)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		if (len < 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "'%s': entry '%s' has an ACL of more than %d entries",
					   t->name, t->cur.name, CVM_ACL_MAX_ENTRIES);
		if (len > 0)
			t->xattrs[n++] =
			    (struct cvm_fs_xattr){acl_names[i], t->acl[i], (size_t)len};
	}
	t->cur.e.xattrs = t->xattrs;
	t->cur.e.n_xattrs = n;
	return 0;
}

static int fill_entry(struct cvm_tar *t, struct archive_entry *ae, cvm_err *reterr)
{
	struct cvm_tar_entry *c = &t->cur;
	const char *hl = archive_entry_hardlink(ae);
	int r;

	if ((r = normalize(c->name, &t->path, &t->path_cap, t->name, reterr)) < 0)
		return r;
	c->e.path = t->path;
	if ((r = type_of(t, ae, &c->e.type, reterr)) < 0 && !hl)
		return r;
	if (archive_entry_uid(ae) < 0 || archive_entry_uid(ae) > UINT32_MAX ||
	    archive_entry_gid(ae) < 0 || archive_entry_gid(ae) > UINT32_MAX)
		return cvm_err_set(reterr, -EBADMSG, "'%s': entry '%s' has an owner beyond 32 bits",
				   t->name, c->name);
	c->e.mode = archive_entry_perm(ae) & 07777;
	c->e.uid = (uint32_t)archive_entry_uid(ae);
	c->e.gid = (uint32_t)archive_entry_gid(ae);
	c->e.mtime = archive_entry_mtime(ae);
	c->e.mtime_nsec =
	    archive_entry_mtime_is_set(ae) ? (uint32_t)archive_entry_mtime_nsec(ae) : 0;
	c->e.size = c->e.type == CVM_FS_REG && archive_entry_size_is_set(ae)
			? (uint64_t)archive_entry_size(ae)
			: 0;
	c->data_size = c->e.size;
	c->e.rdev_major = (uint32_t)archive_entry_rdevmajor(ae);
	c->e.rdev_minor = (uint32_t)archive_entry_rdevminor(ae);
	if (hl) {
		c->e.type = CVM_FS_HARDLINK;
		c->e.size = c->data_size = 0; /* data on a hard link is ignored */
		if ((r = normalize(hl, &t->link, &t->link_cap, t->name, reterr)) < 0)
			return r;
		c->e.target = t->link;
	} else if (c->e.type == CVM_FS_SYMLINK) {
		c->e.target = archive_entry_symlink(ae);
		if (!c->e.target)
			c->e.target = archive_entry_symlink_utf8(ae);
	}
	return collect_xattrs(t, ae, reterr);
}

int cvm_tar_next(struct cvm_tar *t, struct cvm_tar_entry **ret, cvm_err *reterr)
{
	struct archive_entry *ae;
	int r = archive_read_next_header(t->a, &ae);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r == ARCHIVE_WARN)
		cvm_log_debug(CVM_LOG_IMAGE, "tar: %s", archive_error_string(t->a));
	else if (r != ARCHIVE_OK)
		return tar_error(t, reterr);
	memset(&t->cur, 0, sizeof(t->cur));
	t->cur.name = archive_entry_pathname(ae);
	if (!t->cur.name)
		t->cur.name = archive_entry_pathname_utf8(ae);
	if (!t->cur.name)
		return cvm_err_set(reterr, -EBADMSG, "'%s': an entry has no name", t->name);
	if ((r = fill_entry(t, ae, reterr)) < 0)
		return r;
	t->entries++;
	*ret = &t->cur;
	return 1;
}

int cvm_tar_data(struct cvm_tar *t, const void **ret_buf, size_t *ret_len, uint64_t *ret_off,
		 cvm_err *reterr)
{
	la_int64_t off;
	int r = archive_read_data_block(t->a, ret_buf, ret_len, &off);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return tar_error(t, reterr);
	*ret_off = (uint64_t)off;
	return 1;
}

uint64_t cvm_tar_bytes_in(const struct cvm_tar *t)
{
	return t->bytes_in;
}

int cvm_tar_digest(struct cvm_tar *t, uint8_t out[32], cvm_err *reterr)
{
	const void *buf;
	la_ssize_t n;

	if (!t->hash)
		return cvm_err_set(reterr, -EINVAL, "the archive is not being hashed");
	/* libarchive stops at the end-of-archive blocks; the digest covers the whole file */
	while ((n = read_cb(t->a, t, &buf)) > 0)
		;
	if (n < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot read '%s'", t->name);
	if (cvm_hash_final(t->hash, out) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash '%s'", t->name);
	return 0;
}
