/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What `cvmimg inspect` found, as JSON; the GPT, LUKS2 header and UKI in their one shape each. */
#include <errno.h>
#include <stdlib.h>

#include <cvmimg/image.h>
#include <cvmimg/json.h>

#include "inspect/inspect.h"
#include "util/macro.h"

static void root_free(struct cvm_inspect_root *root)
{
	if (!root)
		return;
	for (size_t i = 0; i < root->n_entries; i++) {
		free(root->entries[i].path);
		free(root->entries[i].target);
	}
	free(root->entries);
	free(root);
}

CVM_PUBLIC struct cvm_inspect_result *cvm_inspect_result_free(struct cvm_inspect_result *r)
{
	if (!r)
		return NULL;
	for (size_t i = 0; i < r->n_esp_files; i++)
		free(r->esp_files[i]);
	free(r->esp_files);
	cvm_uki_info_free(r->uki);
	root_free(r->root);
	free(r->image);
	free(r);
	return NULL;
}

void cvm_inspect_result_freep(struct cvm_inspect_result **r)
{
	cvm_inspect_result_free(*r);
}

static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v && *v ? json_object_new_string(v) : NULL);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static json_object *entry(const struct cvm_inspect_entry *e)
{
	json_object *o = json_object_new_object();
	char type[2] = { e->type, '\0' };

	if (!o)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "mode", json_object_new_int((int)e->mode));
	add_u64(o, "uid", e->uid);
	add_u64(o, "gid", e->gid);
	json_object_object_add(o, "mtime", json_object_new_int64(e->mtime));
	add_u64(o, "size", e->size);
	json_object_object_add(o, "path", json_object_new_string(e->path));
	if (e->target)
		json_object_object_add(o, "target", json_object_new_string(e->target));
	return o;
}

static json_object *strings(char *const *v, size_t n, size_t stride)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_string(
					     stride ? (const char *)v + i * stride : v[i]));
	return a;
}

static json_object *root(const struct cvm_inspect_root *r)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *list = NULL;

	if (!o)
		return NULL;
	add_str(o, "os", r->os);
	add_str(o, "uuid", r->uuid);
	add_str(o, "label", r->label);
	add_u64(o, "size", r->size);
	add_u64(o, "free", r->free);
	add_u64(o, "inodes_used", r->inodes_used);
	json_object_object_add(o, "fsck_exit", json_object_new_int(r->fsck_exit));
	json_object_object_add(o, "fsck_clean", json_object_new_boolean(r->fsck_exit == 0));
	add_u64(o, "entry_count", r->entry_count);
	if (cvm_json_add(o, "kernels", strings((char *const *)r->kernels, r->n_kernels,
					      sizeof(r->kernels[0]))) < 0)
		return NULL;
	if (!r->entries)
		return CVM_TAKE_PTR(o);
	if (cvm_json_add(o, "entries", list = json_object_new_array()) < 0)
		return NULL;
	for (size_t i = 0; i < r->n_entries; i++) {
		json_object *e = entry(&r->entries[i]);

		if (!e || json_object_array_add(list, e) < 0) {
			json_object_put(e);
			return NULL;
		}
	}
	return CVM_TAKE_PTR(o);
}

CVM_PUBLIC int cvm_inspect_result_to_json(const struct cvm_inspect_result *r, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *disk = NULL, *luks = NULL, *uki = NULL;

	if (!r || !ret)
		return -EINVAL;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	json_object_object_add(o, "image", json_object_new_string(r->image));
	json_object_object_add(o, "format",
			       json_object_new_string(cvm_image_format_to_string(r->format)));
	if (cvm_gpt_to_json(&r->disk, &disk) < 0 || cvm_json_add(o, "disk", disk) < 0 ||
	    cvm_luks_header_to_json(&r->luks, &luks) < 0 || cvm_json_add(o, "luks", luks) < 0 ||
	    cvm_json_add(o, "esp_files", strings(r->esp_files, r->n_esp_files, 0)) < 0 ||
	    (r->uki && cvm_uki_info_to_json(r->uki, &uki) < 0) ||
	    (uki && cvm_json_add(o, "uki", uki) < 0))
		return -ENOMEM;
	if (r->have_verity) {
		json_object *v = NULL;

		if (cvm_verity_params_to_json(&r->verity, &v) < 0 || cvm_json_add(o, "verity", v) < 0)
			return -ENOMEM;
	}
	if (r->root && cvm_json_add(o, "root", root(r->root)) < 0)
		return -ENOMEM;
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
