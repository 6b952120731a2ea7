/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_image_inspect(): a raw disk is read directly (GPT with libfdisk, the
 * LUKS2 header's JSON area, the ESP with mtools, the UKI with the boot
 * code); a qcow2 disk, and the root filesystem (with a passphrase), through
 * a libguestfs appliance, whose kernel does the decryption.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/image.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "util/endian.h"
#include "disk/gpt.h"
#include "util/hash.h"
#include "image/inspect.h"
#include "util/macro.h"
#include "util/pio.h"
#include "util/spawn.h"


static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

uint64_t cvm_inspect_luks_size(const uint8_t hdr[4096])
{
	if (memcmp(hdr, "LUKS\xba\xbe", 6) || hdr[6] != 0 || hdr[7] != 2)
		return 0;
	return be64(hdr + 8);
}

int cvm_inspect_luks_parse(const uint8_t *buf, size_t len, json_object **ret, cvm_err *reterr)
{
	uint64_t size = len >= 4096 ? cvm_inspect_luks_size(buf) : 0;
	CVM_CLEANUP_FREE char *area = NULL;
	json_object *meta;

	if (!size)
		return cvm_err_set(reterr, -EBADMSG, "the root partition has no LUKS2 header");
	if (size <= 4096 || size - 4096 > CVM_INSPECT_LUKS_JSON_MAX || size > len)
		return cvm_err_set(reterr, -EBADMSG, "the LUKS2 header size %llu is implausible",
				   (unsigned long long)size);
	if (!(area = strndup((const char *)buf + 4096, size - 4096)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!(meta = json_tokener_parse(area)))
		return cvm_err_set(reterr, -EBADMSG, "the LUKS2 metadata is not JSON");
	json_object_object_add(
	    meta, "uuid",
	    json_object_new_string_len((const char *)buf + 168,
				       (int)strnlen((const char *)buf + 168, 40)));
	json_object_object_add(
	    meta, "label",
	    json_object_new_string_len((const char *)buf + 24,
				       (int)strnlen((const char *)buf + 24, 48)));
	*ret = meta;
	return 0;
}

int cvm_inspect_luks(int fd, uint64_t offset, json_object **ret, cvm_err *reterr)
{
	uint8_t hdr[4096];
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	uint64_t size;
	int r;

	if ((r = cvm_pread_full(fd, hdr, sizeof(hdr), offset)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 header");
	size = cvm_inspect_luks_size(hdr);
	if (size <= sizeof(hdr) || size - sizeof(hdr) > CVM_INSPECT_LUKS_JSON_MAX)
		return cvm_inspect_luks_parse(hdr, sizeof(hdr), ret, reterr);
	if (!(buf = malloc(size)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_pread_full(fd, buf, size, offset)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 metadata");
	return cvm_inspect_luks_parse(buf, size, ret, reterr);
}

static json_object *pick(json_object *o, const char *const *keys)
{
	json_object *out = json_object_new_object(), *v;

	for (; *keys; keys++)
		if (json_object_object_get_ex(o, *keys, &v))
			json_object_object_add(out, *keys, json_object_get(v));
	return out;
}

json_object *cvm_inspect_luks_summary(json_object *meta)
{
	static const char *const top[] = {"uuid", "label", "segments", "tokens", NULL};
	static const char *const kdf_keys[] = {"type",	 "hash", "iterations", "time",
					       "memory", "cpus", NULL};
	json_object *out = pick(meta, top), *slots, *kept = json_object_new_object();

	if (json_object_object_get_ex(meta, "keyslots", &slots)) {
		json_object_object_foreach(slots, id, ks)
		{
			json_object *s = json_object_new_object(), *v;

			if (json_object_object_get_ex(ks, "key_size", &v))
				json_object_object_add(s, "key_size", json_object_get(v));
			if (json_object_object_get_ex(ks, "kdf", &v))
				json_object_object_add(s, "kdf", pick(v, kdf_keys));
			json_object_object_add(kept, id, s);
		}
	}
	json_object_object_add(out, "keyslots", kept);
	return out;
}

static void add_hex(json_object *o, const char *k, const uint8_t *b, size_t n)
{
	char hex[129];

	cvm_hex_encode(b, n, hex);
	json_object_object_add(o, k, json_object_new_string(hex));
}

json_object *cvm_inspect_uki_json(const uint8_t *uki, size_t len, cvm_err *reterr)
{
	struct cvm_uki_info *info = NULL;
	json_object *o, *secs;
	uint8_t digest[32];

	if (cvm_uki_inspect(uki, len, "EFI/BOOT/BOOTX64.EFI", &info, reterr) < 0)
		return NULL;
	o = json_object_new_object();
	secs = json_object_new_array();
	json_object_object_add(o, "size", json_object_new_uint64(len));
	cvm_sha256(uki, len, digest);
	add_hex(o, "sha256", digest, 32);
	add_hex(o, "authenticode_sha256", info->authenticode_sha256, 32);
	add_hex(o, "authenticode_sha384", info->authenticode_sha384, 48);
	json_object_object_add(o, "is_uki", json_object_new_boolean(info->is_uki));
	json_object_object_add(o, "uname",
			       info->uname ? json_object_new_string(info->uname) : NULL);
	json_object_object_add(o, "stub_version",
			       info->stub_version ? json_object_new_string(info->stub_version)
						  : NULL);
	json_object_object_add(o, "signed", json_object_new_boolean(info->is_signed));
	for (size_t i = 0; i < info->n_sections; i++) {
		const struct cvm_uki_section *s = &info->sections[i];
		json_object *j = json_object_new_object();

		json_object_object_add(j, "name", json_object_new_string(s->name));
		json_object_object_add(j, "virtual_size", json_object_new_uint64(s->virtual_size));
		add_hex(j, "sha256", s->sha256, 32);
		json_object_object_add(j, "measured", json_object_new_boolean(s->measured));
		json_object_array_add(secs, j);
	}
	json_object_object_add(o, "sections", secs);
	add_hex(o, "pcr11_sha256", info->pcr11_sha256[CVM_UKI_PHASES], 32);
	cvm_uki_info_free(info);
	return o;
}

static json_object *gpt_json(const struct cvm_gpt_info *g)
{
	json_object *o = json_object_new_object(), *parts = json_object_new_array();

	json_object_object_add(o, "guid", json_object_new_string(g->disk_guid));
	for (size_t i = 0; i < g->n; i++) {
		json_object *p = json_object_new_object();

		json_object_object_add(p, "number", json_object_new_int((int)g->parts[i].number));
		json_object_object_add(p, "name", json_object_new_string(g->parts[i].name));
		json_object_object_add(p, "type", json_object_new_string(g->parts[i].type));
		json_object_object_add(p, "uuid", json_object_new_string(g->parts[i].uuid));
		json_object_object_add(p, "start", json_object_new_uint64(g->parts[i].start));
		json_object_object_add(p, "size", json_object_new_uint64(g->parts[i].size));
		json_object_array_add(parts, p);
	}
	json_object_object_add(o, "partitions", parts);
	return o;
}

/* The ESP's files (mdir) and its BOOTX64.EFI (mtype) of a raw disk. */
static int raw_esp(const char *path, uint64_t offset, json_object *out, cvm_err *reterr)
{
	char image[4200];
	CVM_CLEANUP_FREE uint8_t *list = NULL, *uki = NULL;
	size_t len, uki_len;
	json_object *files = json_object_new_array(), *u;
	int r;

	snprintf(image, sizeof(image), "%s@@%llu", path, (unsigned long long)offset);
	const char *mdir[] = {"mdir", "-/", "-b", "-i", image, "::", NULL};
	const char *mtype[] = {"mtype", "-i", image, "::EFI/BOOT/BOOTX64.EFI", NULL};

	json_object_object_add(out, "esp_files", files);
	if ((r = cvm_spawn_capture(mdir, "mtools", 1u << 20, &list, &len, reterr)) < 0)
		return r;
	for (char *line = strtok((char *)list, "\n"); line; line = strtok(NULL, "\n"))
		if (!strncmp(line, "::/", 3) && line[strlen(line) - 1] != '/')
			json_object_array_add(files, json_object_new_string(line + 3));
	r = cvm_spawn_capture(mtype, "mtools", CVM_INSPECT_UKI_MAX, &uki, &uki_len, reterr);
	if (r < 0)
		return r;
	if (!(u = cvm_inspect_uki_json(uki, uki_len, reterr)))
		return reterr ? reterr->code : -EBADMSG;
	json_object_object_add(out, "uki", u);
	return 0;
}

static int inspect_raw(const char *path, json_object *out, cvm_err *reterr)
{
	struct cvm_gpt_info g;
	CVM_CLEANUP_CLOSE int fd = -1;
	json_object *meta = NULL;
	int r, esp = -1, root = -1;

	if ((r = cvm_gpt_read(path, &g, reterr)) < 0)
		return r;
	json_object_object_add(out, "disk", gpt_json(&g));
	for (size_t i = 0; i < g.n; i++) {
		if (!strcasecmp(g.parts[i].type, CVM_GPT_TYPE_ESP))
			esp = (int)i;
		if (!strcasecmp(g.parts[i].type, CVM_GPT_TYPE_ROOT_X86_64))
			root = (int)i;
	}
	if (esp < 0 || root < 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no ESP or no x86-64 root partition",
				   path);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return cvm_err_set_errno(reterr, -errno, "cannot open '%s'", path);
	if ((r = cvm_inspect_luks(fd, g.parts[root].start, &meta, reterr)) < 0)
		return r;
	json_object_object_add(out, "luks", cvm_inspect_luks_summary(meta));
	json_object_put(meta);
	return raw_esp(path, g.parts[esp].start, out, reterr);
}

static int is_qcow2(const char *path, bool *ret, cvm_err *reterr)
{
	uint8_t magic[4] = {0};
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return cvm_err_set_errno(reterr, -errno, "cannot open '%s'", path);
	r = cvm_pread_full(fd, magic, 4, 0);
	close(fd);
	if (r < 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is too short for a disk image", path);
	*ret = !memcmp(magic, "QFI\xfb", 4);
	return 0;
}

static void gfs_closep(struct cvm_gfs **g)
{
	cvm_gfs_close(*g);
}

CVM_PUBLIC int cvm_image_inspect(const struct cvm_inspect_options *o, char **ret_json,
				 cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *out = json_object_new_object();
	CVM_CLEANUP(gfs_closep) struct cvm_gfs *g = NULL;
	bool qcow2 = false;
	const char *s;
	int r;

	CVM_CHECK_ARG(o && o->image_path && ret_json, reterr);
	if (!out)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = is_qcow2(o->image_path, &qcow2, reterr)) < 0)
		return r;
	json_object_object_add(out, "image", json_object_new_string(o->image_path));
	json_object_object_add(out, "format", json_object_new_string(qcow2 ? "qcow2" : "raw"));
	if (!qcow2 && (r = inspect_raw(o->image_path, out, reterr)) < 0)
		return r;
	if (qcow2 || o->passphrase) {
		if ((r = cvm_gfs_open(o->image_path, qcow2, &g, reterr)) < 0)
			return r;
		if (qcow2 && (r = cvm_gfs_disk(g, out, reterr)) < 0)
			return r;
		if (o->passphrase && (r = cvm_gfs_root(g, o->passphrase, o->passphrase_len, o->list,
						       out, reterr)) < 0)
			return r;
	}
	s = json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || !(*ret_json = strdup(s)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}
