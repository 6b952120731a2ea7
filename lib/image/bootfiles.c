/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/util.h>

#include "image/bootfiles.h"

#define MAX_VERSIONS 16

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
	struct version v[MAX_VERSIONS];
	size_t n;
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

/* The slot for @ver; past MAX_VERSIONS the oldest is dropped (or @ver itself). */
static struct version *slot_for(struct cvm_bootfiles *b, char *ver)
{
	size_t oldest = 0;

	for (size_t i = 0; i < b->n; i++) {
		if (!strcmp(b->v[i].name, ver)) {
			free(ver);
			return &b->v[i];
		}
		if (strverscmp(b->v[i].name, b->v[oldest].name) < 0)
			oldest = i;
	}
	if (b->n == MAX_VERSIONS) {
		if (strverscmp(ver, b->v[oldest].name) < 0) {
			free(ver);
			return NULL;
		}
		version_clear(&b->v[oldest]);
		b->v[oldest].name = ver;
		return &b->v[oldest];
	}
	b->v[b->n].name = ver;
	return &b->v[b->n++];
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

int cvm_bootfiles_offer(struct cvm_bootfiles *b, const struct cvm_fs_entry *e,
			struct cvm_capture **ret, cvm_err *reterr)
{
	char *ver = NULL;
	enum kind k = e->type == CVM_FS_REG ? classify(e->path, &ver) : NONE;
	struct version *v;
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
	if (!(v = slot_for(b, ver)))
		return 0;
	c = k == KERNEL ? &v->kernel : &v->initrd;
	if ((r = start(c, e, k == KERNEL ? CVM_BOOT_KERNEL_MAX : CVM_BOOT_INITRD_MAX, reterr)) < 0)
		return r;
	*ret = c;
	return 0;
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
