/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdisk/libfdisk.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>

#include "disk/gpt.h"
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

int cvm_gpt_read(const char *path, struct cvm_gpt_info *ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_fdiskp) struct fdisk_context *c = NULL;
	CVM_CLEANUP(cvm_fdisk_tablep) struct fdisk_table *tb = NULL;
	CVM_CLEANUP_FREE char *id = NULL;
	int r;

	memset(ret, 0, sizeof(*ret));
	if ((r = open_disk(path, 1, &c, reterr)) < 0)
		return r;
	if (!fdisk_is_label(c, GPT))
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no GPT", path);
	if (fdisk_get_disklabel_id(c, &id) == 0)
		copy_str(ret->disk_guid, sizeof(ret->disk_guid), id);
	if ((r = fdisk_get_partitions(c, &tb)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the GPT of '%s'", path);
	for (size_t i = 0; i < fdisk_table_get_nents(tb) && ret->n < 16; i++) {
		struct fdisk_partition *pa = fdisk_table_get_partition(tb, i);
		struct fdisk_parttype *t = fdisk_partition_get_type(pa);

		ret->parts[ret->n].number = (unsigned)fdisk_partition_get_partno(pa) + 1;
		copy_str(ret->parts[ret->n].name, sizeof(ret->parts[0].name),
			 fdisk_partition_get_name(pa));
		copy_str(ret->parts[ret->n].type, sizeof(ret->parts[0].type),
			 t ? fdisk_parttype_get_string(t) : NULL);
		copy_str(ret->parts[ret->n].uuid, sizeof(ret->parts[0].uuid),
			 fdisk_partition_get_uuid(pa));
		ret->parts[ret->n].start = fdisk_partition_get_start(pa) * 512;
		ret->parts[ret->n].size = fdisk_partition_get_size(pa) * 512;
		ret->n++;
	}
	return 0;
}
