/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/util.h>

#include "image/bootfiles.h"

struct cvm_capture {
	uint8_t *data;
	size_t len;
	char *path;
};

struct version {
	char *name;
	struct cvm_capture kernel, initrd;
};

struct cvm_bootfiles {
	bool want_kernel, want_initrd;
	struct version *v; /* the versions held, in no order */
	size_t n, allocated;
	struct cvm_capture osrel_etc, osrel_usr;
};

enum kind { NONE, KERNEL, INITRD, OSREL_ETC, OSREL_USR };

struct cvm_bootfiles *cvm_bootfiles_new(bool want_kernel, bool want_initrd)
{
	struct cvm_bootfiles *b = calloc(1, sizeof(*b));

	if (b) {
		b->want_kernel = want_kernel;
		b->want_initrd = want_initrd;
	}
	return b;
}

static void capture_clear(struct cvm_capture *c)
{
	cvm_memzero(c->data, c->len); /* read from the rootfs: plaintext */
	free(c->data);
	free(c->path);
	memset(c, 0, sizeof(*c));
}

static void version_clear(struct version *v)
{
	free(v->name);
	capture_clear(&v->kernel);
	capture_clear(&v->initrd);
	v->name = NULL;
}

struct cvm_bootfiles *cvm_bootfiles_free(struct cvm_bootfiles *b)
{
	if (!b)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		version_clear(&b->v[i]);
	free(b->v);
	capture_clear(&b->osrel_etc);
	capture_clear(&b->osrel_usr);
	free(b);
	return NULL;
}

/* "<prefix><version><suffix>" with a non-empty version and no '/' in it. */
static char *match(const char *path, const char *prefix, const char *suffix)
{
	size_t p = strlen(prefix), s = strlen(suffix), n = strlen(path);

	if (n <= p + s || strncmp(path, prefix, p) || strcmp(path + n - s, suffix) ||
	    memchr(path + p, '/', n - p - s))
		return NULL;
	return strndup(path + p, n - p - s);
}

static enum kind classify(const char *path, char **ver)
{
	static const struct {
		const char *prefix, *suffix;
		enum kind kind;
	} pat[] = {
	    {"boot/vmlinuz-", "", KERNEL},    {"usr/lib/modules/", "/vmlinuz", KERNEL},
	    {"boot/initrd.img-", "", INITRD}, {"boot/initramfs-", ".img", INITRD},
	    {"boot/initrd-", "", INITRD},     {"usr/lib/modules/", "/initrd", INITRD},
	};

	*ver = NULL;
	if (!strcmp(path, "etc/os-release"))
		return OSREL_ETC;
	if (!strcmp(path, "usr/lib/os-release"))
		return OSREL_USR;
	for (size_t i = 0; i < sizeof(pat) / sizeof(pat[0]); i++)
		if ((*ver = match(path, pat[i].prefix, pat[i].suffix)))
			return pat[i].kind;
	return NONE;
}

/* The file that decides which version wins: the kernel, or with --kernel the initrd. */
static const struct cvm_capture *decider(const struct cvm_bootfiles *b, const struct version *v)
{
	return b->want_kernel ? &v->kernel : &v->initrd;
}

/* The newest version whose deciding file is held: nothing older can win any more. */
static const char *floor_version(const struct cvm_bootfiles *b)
{
	const char *f = NULL;

	for (size_t i = 0; i < b->n; i++)
		if (decider(b, &b->v[i])->data && (!f || strverscmp(b->v[i].name, f) > 0))
			f = b->v[i].name;
	return f;
}

/* Drop the versions older than @ver: a deciding file of @ver is coming. */
static void drop_older(struct cvm_bootfiles *b, const char *ver)
{
	size_t k = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (strverscmp(b->v[i].name, ver) < 0)
			version_clear(&b->v[i]);
		else
			b->v[k++] = b->v[i];
	}
	b->n = k;
}

/* The slot for @ver (taking it), or NULL. */
static struct version *slot_for(struct cvm_bootfiles *b, char *ver)
{
	for (size_t i = 0; i < b->n; i++)
		if (!strcmp(b->v[i].name, ver)) {
			free(ver);
			return &b->v[i];
		}
	if (b->n == b->allocated) {
		size_t n = b->allocated ? 2 * b->allocated : 4;
		struct version *v = reallocarray(b->v, n, sizeof(*v));

		if (!v) {
			free(ver);
			return NULL;
		}
		b->v = v;
		b->allocated = n;
	}
	b->v[b->n] = (struct version){ .name = ver };
	return &b->v[b->n++];
}

uint64_t cvm_bootfiles_held(const struct cvm_bootfiles *b)
{
	uint64_t n = b->osrel_etc.len + b->osrel_usr.len;

	for (size_t i = 0; i < b->n; i++)
		n += b->v[i].kernel.len + b->v[i].initrd.len;
	return n;
}

static int start(struct cvm_capture *c, const struct cvm_fs_entry *e, size_t max, cvm_err *reterr)
{
	capture_clear(c);
	if (e->size > max)
		return cvm_err_set(reterr, -EFBIG, "'%s' is larger than %zu MiB", e->path,
				   max >> 20);
	c->len = (size_t)e->size;
	if (!(c->data = calloc(1, c->len + 1)) || !(c->path = strdup(e->path)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory reading '%s'", e->path);
	return 0;
}

/* A kernel or an initrd of version @ver (taken). */
static int offer_boot(struct cvm_bootfiles *b, const struct cvm_fs_entry *e, enum kind k,
		      char *ver, struct cvm_capture **ret, cvm_err *reterr)
{
	const char *f = floor_version(b);
	size_t max = k == KERNEL ? CVM_BOOT_KERNEL_MAX : CVM_BOOT_INITRD_MAX;
	struct version *v;
	struct cvm_capture *c;
	int r;

	if (f && strverscmp(ver, f) < 0) { /* older than a kernel held: cannot win */
		free(ver);
		return 0;
	}
	if (e->size > max) {
		free(ver);
		return cvm_err_set(reterr, -EFBIG, "'%s' is larger than %zu MiB", e->path,
				   max >> 20);
	}
	if ((k == KERNEL) == b->want_kernel)
		drop_older(b, ver);
	if (!(v = slot_for(b, ver)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory reading '%s'", e->path);
	c = k == KERNEL ? &v->kernel : &v->initrd;
	capture_clear(c);
	if (cvm_bootfiles_held(b) + e->size > CVM_BOOT_HELD_MAX)
		return cvm_err_set(reterr, -EFBIG,
				   "keeping '%s' would hold over %llu MiB of kernels and initrds "
				   "(initrds newer than the newest kernel wait for theirs)",
				   e->path, (unsigned long long)(CVM_BOOT_HELD_MAX >> 20));
	r = start(c, e, max, reterr);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

int cvm_bootfiles_offer(struct cvm_bootfiles *b, const struct cvm_fs_entry *e,
			struct cvm_capture **ret, cvm_err *reterr)
{
	char *ver = NULL;
	enum kind k = e->type == CVM_FS_REG ? classify(e->path, &ver) : NONE;
	struct cvm_capture *c;
	int r;

	*ret = NULL;
	if (k == OSREL_ETC || k == OSREL_USR) {
		c = k == OSREL_ETC ? &b->osrel_etc : &b->osrel_usr;
		if ((r = start(c, e, CVM_BOOT_OSREL_MAX, reterr)) < 0)
			return r;
		*ret = c;
		return 0;
	}
	if (k == NONE || (k == KERNEL && !b->want_kernel) || (k == INITRD && !b->want_initrd)) {
		free(ver);
		return 0;
	}
	return offer_boot(b, e, k, ver, ret, reterr);
}

void cvm_capture_put(struct cvm_capture *c, uint64_t off, const void *buf, size_t len)
{
	if (off <= c->len && len <= c->len - off)
		memcpy(c->data + off, buf, len);
}

void cvm_bootfiles_result(const struct cvm_bootfiles *b, struct cvm_boot_parts *ret)
{
	const struct version *best = NULL;
	const struct cvm_capture *os = b->osrel_etc.data ? &b->osrel_etc : &b->osrel_usr;

	memset(ret, 0, sizeof(*ret));
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].kernel.data && (!best || strverscmp(b->v[i].name, best->name) > 0))
			best = &b->v[i];
	if (!best && b->n && !b->want_kernel) /* kernel given: the newest initrd */
		for (size_t i = 0; i < b->n; i++)
			if (b->v[i].initrd.data &&
			    (!best || strverscmp(b->v[i].name, best->name) > 0))
				best = &b->v[i];
	if (best) {
		ret->version = best->name;
		ret->kernel = best->kernel.data;
		ret->kernel_len = best->kernel.len;
		ret->kernel_path = best->kernel.path;
		ret->initrd = best->initrd.data;
		ret->initrd_len = best->initrd.len;
		ret->initrd_path = best->initrd.path;
	}
	ret->osrel = os->data;
	ret->osrel_len = os->len;
}
