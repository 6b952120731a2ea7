/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "disk/gpt.h"
#include "image/manifest.h"


static void add_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

static void add_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_uint64(v));
}

static void add_hex(json_object *o, const char *k, const uint8_t *b, size_t n)
{
	char hex[129];

	cvm_hex_encode(b, n, hex);
	add_str(o, k, hex);
}

static json_object *artifacts(const struct cvm_manifest *m)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; i < m->n_artifacts; i++) {
		const struct cvm_artifact *it = &m->artifacts[i];
		json_object *o = json_object_new_object();
		char mode[8];

		snprintf(mode, sizeof(mode), "%04o", it->mode);
		add_str(o, "name", it->name);
		add_u64(o, "size", it->size);
		add_u64(o, "allocated", it->allocated);
		add_str(o, "mode", mode);
		if (it->digest)
			add_hex(o, "sha256", it->sha256, 32);
		json_object_array_add(a, o);
	}
	return a;
}

static json_object *partition(unsigned n, const char *name, const char *type, const char *uuid,
			      uint64_t start, uint64_t size)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "number", json_object_new_int((int)n));
	add_str(o, "name", name);
	add_str(o, "type", type);
	add_str(o, "uuid", uuid);
	add_u64(o, "start", start);
	add_u64(o, "size", size);
	return o;
}

static json_object *disk(const struct cvm_manifest *m)
{
	json_object *o = json_object_new_object(), *parts = json_object_new_array();
	const struct cvm_layout *l = m->layout;

	add_str(o, "label", "gpt");
	add_str(o, "guid", m->disk_guid);
	add_u64(o, "size", l->disk_size);
	json_object_array_add(
	    parts, partition(1, "esp", CVM_GPT_TYPE_ESP, m->esp_uuid, l->esp_start, l->esp_size));
	json_object_array_add(parts, partition(2, "root", CVM_GPT_TYPE_ROOT_X86_64, m->root_uuid,
					       l->root_start, l->root_size));
	json_object_object_add(o, "partitions", parts);
	return o;
}

static json_object *keyslot(int id, const char *role, const char *pbkdf, const char *hash,
			    uint32_t iterations, uint32_t memory_kb, uint32_t threads)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_int(id));
	add_str(o, "role", role);
	add_str(o, "pbkdf", pbkdf);
	if (hash)
		add_str(o, "hash", hash);
	add_u64(o, "iterations", iterations);
	if (memory_kb)
		add_u64(o, "memory_kb", memory_kb);
	if (threads)
		add_u64(o, "threads", threads);
	return o;
}

static json_object *luks(const struct cvm_manifest *m)
{
	const struct cvm_luks_info *i = m->luks;
	json_object *o = json_object_new_object(), *slots = json_object_new_array();
	json_object *tokens = json_object_new_array(), *t = json_object_new_object();
	json_object *tslots = json_object_new_array();

	add_str(o, "uuid", i->uuid);
	add_str(o, "label", m->luks_label);
	add_str(o, "cipher", "aes-xts-plain64");
	json_object_object_add(o, "key_size", json_object_new_int(512));
	json_object_object_add(o, "sector_size", json_object_new_int(4096));
	add_u64(o, "data_offset", i->data_offset);
	json_object_object_add(o, "wiped", json_object_new_boolean(m->wiped));
	json_object_array_add(slots,
			      keyslot(0, "recovery-passphrase", "argon2id", NULL,
				      i->pbkdf_iterations, i->pbkdf_memory_kb, i->pbkdf_threads));
	json_object_array_add(slots, keyslot(1, "broker", "pbkdf2", "sha512", 1000, 0, 0));
	json_object_object_add(o, "keyslots", slots);
	json_object_object_add(t, "id", json_object_new_int(i->token));
	add_str(t, "type", "cvmimg-kbs");
	json_object_array_add(tslots, json_object_new_string("1"));
	json_object_object_add(t, "keyslots", tslots);
	json_object_array_add(tokens, t);
	json_object_object_add(o, "tokens", tokens);
	return o;
}

static json_object *filesystem(const struct cvm_manifest *m)
{
	json_object *o = json_object_new_object(), *written = json_object_new_array();

	add_str(o, "type", "ext4");
	add_str(o, "uuid", m->fs_uuid);
	add_str(o, "label", m->fs_label);
	add_u64(o, "block_size", 4096);
	add_u64(o, "blocks", m->layout->fs_blocks);
	add_u64(o, "blocks_used", m->fs_blocks_used);
	add_u64(o, "inodes", m->fs_inodes);
	add_u64(o, "inodes_used", m->fs_inodes_used);
	add_u64(o, "entries", m->entries);
	add_u64(o, "data_bytes", m->data_bytes);
	json_object_object_add(o, "written_by_cvmimg", written);
	json_object_array_add(written, json_object_new_string("/etc/crypttab"));
	json_object_array_add(written, json_object_new_string("/etc/fstab"));
	add_u64(o, "archive_entries_replaced", m->root_files_replaced);
	return o;
}

static json_object *boot(const struct cvm_manifest *m)
{
	json_object *o = json_object_new_object(), *k = json_object_new_object();
	json_object *i = json_object_new_object(), *u = json_object_new_object();
	json_object *files = json_object_new_array();
	char path[300];

	add_str(k, "version", m->kernel_version);
	add_str(k, "source", m->kernel_source);
	add_hex(k, "sha256", m->kernel_sha256, 32);
	add_str(i, "source", m->initrd_source);
	add_hex(i, "sha256", m->initrd_sha256, 32);
	if (m->have_initrd_check) {
		add_str(i, "flavour", m->initrd_flavour);
		add_str(i, "compression", m->initrd_compression);
		json_object_object_add(i, "can_unlock_luks",
				       json_object_new_boolean(m->initrd_can_unlock));
	}
	add_hex(u, "authenticode_sha256", m->uki_authenticode_sha256, 32);
	add_hex(u, "authenticode_sha384", m->uki_authenticode_sha384, 48);
	json_object_array_add(files, json_object_new_string("EFI/BOOT/BOOTX64.EFI"));
	snprintf(path, sizeof(path), "EFI/Linux/%s.efi", m->uki_name);
	json_object_array_add(files, json_object_new_string(path));
	json_object_object_add(u, "esp_files", files);
	json_object_object_add(o, "kernel", k);
	json_object_object_add(o, "initrd", i);
	add_str(o, "cmdline", m->cmdline);
	add_str(o, "os", m->os_pretty_name);
	json_object_object_add(o, "uki", u);
	return o;
}

static json_object *inputs(const struct cvm_manifest *m)
{
	json_object *o = json_object_new_object();

	add_str(o, "rootfs", m->rootfs);
	if (m->have_rootfs_sha256)
		add_hex(o, "rootfs_sha256", m->rootfs_sha256, 32);
	add_str(o, "seed", m->seed);
	json_object_object_add(o, "seed_generated", json_object_new_boolean(m->seed_generated));
	if (m->have_sde)
		json_object_object_add(o, "source_date_epoch", json_object_new_int64(m->sde));
	return o;
}

char *cvm_manifest_json(const struct cvm_manifest *m)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	const char *s;

	if (!o)
		return NULL;
	add_str(o, "cvmimg_version", cvm_version());
	add_str(o, "format", m->format);
	json_object_object_add(o, "artifacts", artifacts(m));
	json_object_object_add(o, "disk", disk(m));
	json_object_object_add(o, "luks", luks(m));
	json_object_object_add(o, "filesystem", filesystem(m));
	json_object_object_add(o, "boot", boot(m));
	json_object_object_add(o, "inputs", inputs(m));
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s)
		return NULL;
	return strdup(s);
}
