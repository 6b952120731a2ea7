/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libfdisk/libfdisk.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>

#include "disk/gpt.h"
#include "util/macro.h"
#include "util/log-internal.h"

static void unref_context(struct fdisk_context *c)
{
	fdisk_unref_context(c);
}

static void unref_partition(struct fdisk_partition *p)
{
	fdisk_unref_partition(p);
}

static void unref_table(struct fdisk_table *t)
{
	fdisk_unref_table(t);
}

CVM_DEFINE_CLEANUP(struct fdisk_context, unref_context, cvm_fdisk)
CVM_DEFINE_CLEANUP(struct fdisk_partition, unref_partition, cvm_fdisk_part)
CVM_DEFINE_CLEANUP(struct fdisk_table, unref_table, cvm_fdisk_table)

/* libfdisk asks and informs through this; nothing reaches the terminal. */
static int ask_cb(struct fdisk_context *cxt, struct fdisk_ask *ask, void *data)
{
	(void)cxt;
	(void)data;
	if (fdisk_ask_get_type(ask) == FDISK_ASKTYPE_INFO ||
	    fdisk_ask_get_type(ask) == FDISK_ASKTYPE_WARN ||
	    fdisk_ask_get_type(ask) == FDISK_ASKTYPE_WARNX)
		cvm_log_debug(CVM_LOG_IMAGE, "fdisk: %s", fdisk_ask_print_get_mesg(ask));
	return 0;
}

static int open_disk(const char *path, int readonly, struct fdisk_context **ret, cvm_err *reterr)
{
	struct fdisk_context *c = fdisk_new_context();
	int r;

	if (!c)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	fdisk_disable_dialogs(c, 1);
	fdisk_set_ask(c, ask_cb, NULL);
	if ((r = fdisk_assign_device(c, path, readonly)) < 0) {
		fdisk_unref_context(c);
		return cvm_err_set_errno(reterr, r, "cannot open '%s' for its partition table",
					 path);
	}
	*ret = c;
	return 0;
}

static int add_part(struct fdisk_context *c, size_t i, const struct cvm_gpt_part *p,
		    cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fdisk_partp) struct fdisk_partition *pa = fdisk_new_partition();
	struct fdisk_parttype *t;
	int r;

	if (!pa)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	t = fdisk_label_get_parttype_from_string(fdisk_get_label(c, "gpt"), p->type);
	if (!t)
		return cvm_err_set(reterr, -EINVAL, "unknown partition type %s", p->type);
	if ((r = fdisk_partition_set_partno(pa, i)) < 0 ||
	    (r = fdisk_partition_set_start(pa, p->start / 512)) < 0 ||
	    (r = fdisk_partition_set_size(pa, p->size / 512)) < 0 ||
	    (r = fdisk_partition_set_type(pa, t)) < 0 ||
	    (r = fdisk_partition_set_uuid(pa, p->uuid)) < 0 ||
	    (r = fdisk_partition_set_name(pa, p->name)) < 0 ||
	    (r = fdisk_add_partition(c, pa, NULL)) < 0) {
		fdisk_unref_parttype(t);
		return cvm_err_set_errno(reterr, r, "cannot add partition '%s'", p->name);
	}
	fdisk_unref_parttype(t);
	return 0;
}

int cvm_gpt_write(const char *path, const char *disk_guid, const struct cvm_gpt_part *parts,
		  size_t n, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fdiskp) struct fdisk_context *c = NULL;
	int r;

	if ((r = open_disk(path, 0, &c, reterr)) < 0)
		return r;
	if (fdisk_get_sector_size(c) != 512)
		return cvm_err_set(reterr, -EINVAL, "'%s' does not have 512-byte sectors", path);
	if ((r = fdisk_create_disklabel(c, "gpt")) < 0 ||
	    (r = fdisk_set_disklabel_id_from_string(c, disk_guid)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot create a GPT on '%s'", path);
	for (size_t i = 0; i < n; i++)
		if ((r = add_part(c, i, &parts[i], reterr)) < 0)
			return r;
	if ((r = fdisk_write_disklabel(c)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write the GPT of '%s'", path);
	if ((r = fdisk_deassign_device(c, 0)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write the GPT of '%s'", path);
	return 0;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static void copy_lower(char *dst, size_t size, const char *src)
{
	copy_str(dst, size, src);
	for (; *dst; dst++)
		*dst = (char)tolower((unsigned char)*dst);
}

static void read_part(struct fdisk_partition *pa, struct cvm_gpt_partition *p)
{
	struct fdisk_parttype *t = fdisk_partition_get_type(pa);

	p->number = (unsigned)fdisk_partition_get_partno(pa) + 1;
	copy_str(p->name, sizeof(p->name), fdisk_partition_get_name(pa));
	copy_lower(p->type, sizeof(p->type), t ? fdisk_parttype_get_string(t) : NULL);
	copy_lower(p->uuid, sizeof(p->uuid), fdisk_partition_get_uuid(pa));
	p->start = fdisk_partition_get_start(pa) * 512;
	p->size = fdisk_partition_get_size(pa) * 512;
}

CVM_PUBLIC int cvm_gpt_read(const char *path, struct cvm_gpt *ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fdiskp) struct fdisk_context *c = NULL;
	CVM_CLEANUP(cvm_fdisk_tablep) struct fdisk_table *tb = NULL;
	CVM_CLEANUP_FREE char *id = NULL;
	struct cvm_gpt g = { 0 };
	int r;

	CVM_CHECK_ARG(path && ret, reterr);
	if ((r = open_disk(path, 1, &c, reterr)) < 0)
		return r;
	if (!fdisk_is_label(c, GPT))
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no GPT", path);
	if (fdisk_get_disklabel_id(c, &id) == 0)
		copy_lower(g.guid, sizeof(g.guid), id);
	g.size = fdisk_get_nsectors(c) * fdisk_get_sector_size(c);
	if ((r = fdisk_get_partitions(c, &tb)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the GPT of '%s'", path);
	for (size_t i = 0; i < fdisk_table_get_nents(tb) && g.n < CVM_GPT_MAX_PARTS; i++)
		read_part(fdisk_table_get_partition(tb, i), &g.parts[g.n++]);
	*ret = g;
	return 0;
}

CVM_PUBLIC const struct cvm_gpt_partition *cvm_gpt_find(const struct cvm_gpt *g,
							const char *type_guid)
{
	for (size_t i = 0; g && type_guid && i < g->n; i++)
		if (!strcasecmp(g->parts[i].type, type_guid))
			return &g->parts[i];
	return NULL;
}
