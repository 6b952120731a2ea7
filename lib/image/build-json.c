/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* build.json: what was built, from what, and how to check it. Never a secret. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <cvmimg/image.h>
#include <cvmimg/json.h>
#include <cvmimg/log.h>

#include "util/macro.h"

CVM_PUBLIC struct cvm_build_result *cvm_build_result_free(struct cvm_build_result *r)
{
	if (!r)
		return NULL;
	free(r->boot.cmdline);
	cvm_uki_info_free(r->boot.uki);
	free(r->inputs.rootfs);
	free(r);
	return NULL;
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *artifacts(const struct cvm_build_result *r)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < r->n_artifacts; i++) {
		const struct cvm_build_artifact *it = &r->artifacts[i];
		json_object *o = json_object_new_object();
		char mode[8];

		if (!o || json_object_array_add(a, o) < 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
		snprintf(mode, sizeof(mode), "%04o", it->mode);
		add_str(o, "name", it->name);
		add_u64(o, "size", it->size);
		add_u64(o, "allocated", it->allocated);
		add_str(o, "mode", mode);
		if (it->has_sha256)
			cvm_json_add_hex(o, "sha256", it->sha256, 32);
	}
	return a;
}

static json_object *filesystem(const struct cvm_build_fs *f)
{
	json_object *o = json_object_new_object(), *written = json_object_new_array();

	if (!o || !written || json_object_object_add(o, "type", json_object_new_string("ext4"))) {
		json_object_put(o);
		json_object_put(written);
		return NULL;
	}
	add_str(o, "uuid", f->uuid);
	add_str(o, "label", f->label);
	add_u64(o, "block_size", 4096);
	add_u64(o, "blocks", f->blocks);
	add_u64(o, "blocks_used", f->blocks_used);
	add_u64(o, "inodes", f->inodes);
	add_u64(o, "inodes_used", f->inodes_used);
	add_u64(o, "entries", f->entries);
	add_u64(o, "data_bytes", f->data_bytes);
	json_object_object_add(o, "written_by_cvmimg", written);
	json_object_array_add(written, json_object_new_string("/etc/crypttab"));
	json_object_array_add(written, json_object_new_string("/etc/fstab"));
	add_u64(o, "archive_entries_replaced", f->replaced);
	json_object_object_add(o, "wiped", json_object_new_boolean(f->wiped));
	return o;
}

static json_object *initrd(const struct cvm_build_boot *b)
{
	json_object *i = json_object_new_object();

	if (!i)
		return NULL;
	add_str(i, "source", b->initrd_source);
	cvm_json_add_hex(i, "sha256", b->initrd_sha256, 32);
	if (b->initrd_checked) {
		add_str(i, "flavour", b->initrd_flavour);
		add_str(i, "compression", b->initrd_compression);
		json_object_object_add(i, "can_unlock_luks",
				       json_object_new_boolean(b->initrd_can_unlock));
		if (b->initrd_can_open_verity)
			json_object_object_add(i, "can_open_verity", json_object_new_boolean(true));
		if (b->initrd_has_network_driver)
			json_object_object_add(i, "has_network_driver",
					       json_object_new_boolean(true));
		if (b->initrd_has_efi_secret)
			json_object_object_add(i, "has_efi_secret", json_object_new_boolean(true));
	}
	return i;
}

static json_object *boot(const struct cvm_build_boot *b)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *k = json_object_new_object(), *files = json_object_new_array(), *u = NULL;

	if (!o || cvm_json_add(o, "kernel", k) < 0 || cvm_json_add(o, "initrd", initrd(b)) < 0 ||
	    (b->uki && cvm_uki_info_to_json(b->uki, &u) < 0) || cvm_json_add(o, "uki", u) < 0 ||
	    cvm_json_add(o, "esp_files", files) < 0) {
		json_object_put(files);
		return NULL;
	}
	add_str(k, "version", b->kernel_version[0] ? b->kernel_version : NULL);
	add_str(k, "source", b->kernel_source);
	cvm_json_add_hex(k, "sha256", b->kernel_sha256, 32);
	add_str(o, "cmdline", b->cmdline);
	add_str(o, "os", b->os[0] ? b->os : NULL);
	for (size_t i = 0; i < 2; i++)
		json_object_array_add(files, json_object_new_string(b->esp_files[i]));
	return CVM_TAKE_PTR(o);
}

static json_object *inputs(const struct cvm_build_inputs *in)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add_str(o, "rootfs", in->rootfs);
	if (in->have_rootfs_sha256)
		cvm_json_add_hex(o, "rootfs_sha256", in->rootfs_sha256, 32);
	add_str(o, "seed", in->seed);
	json_object_object_add(o, "seed_generated", json_object_new_boolean(in->seed_generated));
	if (in->have_source_date_epoch)
		json_object_object_add(o, "source_date_epoch",
				       json_object_new_int64(in->source_date_epoch));
	return o;
}

CVM_PUBLIC int cvm_build_result_to_json(const struct cvm_build_result *r, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *disk = NULL, *luks = NULL;

	if (!r || !ret)
		return -EINVAL;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	add_str(o, "cvmimg_version", cvm_version());
	add_str(o, "format", cvm_image_format_to_string(r->format));
	if (cvm_json_add(o, "artifacts", artifacts(r)) < 0 || cvm_gpt_to_json(&r->disk, &disk) < 0 ||
	    cvm_json_add(o, "disk", disk) < 0 || cvm_luks_header_to_json(&r->luks, &luks) < 0 ||
	    cvm_json_add(o, "luks", luks) < 0 ||
	    cvm_json_add(o, "filesystem", filesystem(&r->filesystem)) < 0 ||
	    cvm_json_add(o, "boot", boot(&r->boot)) < 0 ||
	    cvm_json_add(o, "inputs", inputs(&r->inputs)) < 0)
		return -ENOMEM;
	if (r->have_verity) {
		json_object *v = NULL;

		if (cvm_verity_params_to_json(&r->verity, &v) < 0 || cvm_json_add(o, "verity", v) < 0)
			return -ENOMEM;
	}
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
