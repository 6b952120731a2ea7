/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <json-c/json.h>
#include <libcryptsetup.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/log-internal.h"
#include "crypt/luks.h"
#include "util/pio.h"
#include "util/macro.h"

CVM_DEFINE_CLEANUP(struct crypt_device, crypt_free, cvm_crypt)

/* libcryptsetup's messages: errors kept for ours, the rest to the debug log. */
struct luks_log {
	char last_error[200];
};

static void log_cb(int level, const char *msg, void *usrptr)
{
	struct luks_log *l = usrptr;
	size_t n = strlen(msg);

	while (n && (msg[n - 1] == '\n' || msg[n - 1] == '.'))
		n--;
	if (level == CRYPT_LOG_ERROR && l)
		snprintf(l->last_error, sizeof(l->last_error), "%.*s", (int)n, msg);
	else
		cvm_log_debug(CVM_LOG_IMAGE, "cryptsetup: %.*s", (int)n, msg);
}

static int luks_fail(cvm_err *reterr, int r, const struct luks_log *l, const char *what)
{
	if (r >= 0)
		r = -EIO;
	if (l->last_error[0])
		return cvm_err_set(reterr, r, "%s: %s", what, l->last_error);
	return cvm_err_set_errno(reterr, r, "%s", what);
}

/* A temporary file that is unlinked on every path out. */
struct tmpfile {
	char path[4096];
	int fd;
};

static void tmpfile_cleanup(struct tmpfile *t)
{
	if (t->fd >= 0)
		close(t->fd);
	if (t->path[0])
		unlink(t->path);
}

static int make_tmp(struct tmpfile *t, const char *dir, uint64_t size, cvm_err *reterr)
{
	if ((size_t)snprintf(t->path, sizeof(t->path), "%s/.luks-header.tmp-XXXXXX", dir) >=
	    sizeof(t->path)) {
		t->path[0] = '\0';
		return cvm_err_set(reterr, -ENAMETOOLONG, "'%s': path too long", dir);
	}
	t->fd = mkostemp(t->path, O_CLOEXEC);
	if (t->fd < 0) {
		int r = cvm_negative_errno();

		t->path[0] = '\0';
		return cvm_err_set_errno(reterr, r, "cannot create a temporary file in '%s'", dir);
	}
	if (ftruncate(t->fd, (off_t)size) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot size '%s'", t->path);
	return 0;
}

static char *token_json(const struct cvm_luks_params *p)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *slots = json_object_new_array();
	const char *s;

	if (!o || !slots)
		return NULL;
	json_object_object_add(o, "type", json_object_new_string("cvmimg-kbs"));
	json_object_array_add(slots, json_object_new_string("1"));
	json_object_object_add(o, "keyslots", slots);
	json_object_object_add(o, "version", json_object_new_int(1));
	if (p->kbs_url)
		json_object_object_add(o, "kbs_url", json_object_new_string(p->kbs_url));
	if (p->kbs_resource)
		json_object_object_add(o, "kbs_resource", json_object_new_string(p->kbs_resource));
	s = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

static int add_keyslots(struct crypt_device *cd, const struct cvm_luks_params *p,
			const struct luks_log *l, cvm_err *reterr)
{
	struct crypt_pbkdf_type human = *crypt_get_pbkdf_default(CRYPT_LUKS2);
	struct crypt_pbkdf_type broker = {.type = CRYPT_KDF_PBKDF2,
					  .hash = "sha512",
					  .iterations = 1000,
					  .flags = CRYPT_PBKDF_NO_BENCHMARK};
	const size_t vks = CVM_LUKS_VOLUME_KEY_SIZE;
	int r;

	human.type = CRYPT_KDF_ARGON2ID;
	if (p->pbkdf_memory_kb)
		human.max_memory_kb = p->pbkdf_memory_kb;
	if (p->pbkdf_time_ms)
		human.time_ms = p->pbkdf_time_ms;
	if (p->pbkdf_threads)
		human.parallel_threads = p->pbkdf_threads;
	if (p->pbkdf_iterations) {
		human.iterations = p->pbkdf_iterations;
		human.flags |= CRYPT_PBKDF_NO_BENCHMARK;
	}
	if ((r = crypt_set_pbkdf_type(cd, &human)) < 0)
		return luks_fail(reterr, r == -EINVAL ? -EINVAL : r, l,
				 "the passphrase's key derivation parameters are not accepted");
	r = crypt_keyslot_add_by_volume_key(cd, 0, (const char *)p->volume_key, vks, p->passphrase,
					    p->passphrase_len);
	if (r < 0)
		return luks_fail(reterr, r, l, "cannot add the passphrase keyslot");
	if ((r = crypt_set_pbkdf_type(cd, &broker)) < 0)
		return luks_fail(reterr, r, l, "cannot set the broker keyslot's key derivation");
	r = crypt_keyslot_add_by_volume_key(cd, 1, (const char *)p->volume_key, vks,
					    p->broker_passphrase, p->broker_passphrase_len);
	if (r < 0)
		return luks_fail(reterr, r, l, "cannot add the broker keyslot");
	return 0;
}

static int format(const char *dev, const struct cvm_luks_params *p, struct cvm_luks_info *info,
		  cvm_err *reterr)
{
	CVM_CLEANUP(cvm_cryptp) struct crypt_device *cd = NULL;
	CVM_CLEANUP_FREE char *token = token_json(p);
	struct crypt_params_luks2 params = {.sector_size = CVM_LUKS_SECTOR, .label = p->label};
	struct crypt_pbkdf_type used;
	struct luks_log l = {{0}};
	int r;

	if (!token)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = crypt_init(&cd, dev)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot open '%s' for the LUKS2 header", dev);
	crypt_set_log_callback(cd, log_cb, &l);
	crypt_volume_key_keyring(cd, 0);
	if ((r = crypt_set_data_offset(cd, CVM_LUKS_DATA_OFFSET / 512)) < 0)
		return luks_fail(reterr, r, &l, "cannot set the LUKS2 data offset");
	/* the volume-key digest follows the benchmark flag: keep it fast when asked */
	if (p->pbkdf_iterations &&
	    (r = crypt_set_pbkdf_type(
		 cd, &(struct crypt_pbkdf_type){.type = CRYPT_KDF_PBKDF2,
						.hash = "sha256",
						.iterations = 1000,
						.flags = CRYPT_PBKDF_NO_BENCHMARK})) < 0)
		return luks_fail(reterr, r, &l, "cannot set the digest's key derivation");
	r = crypt_format(cd, CRYPT_LUKS2, "aes", "xts-plain64", p->uuid,
			 (const char *)p->volume_key, CVM_LUKS_VOLUME_KEY_SIZE, &params);
	if (r < 0)
		return luks_fail(reterr, r, &l, "cannot format the LUKS2 header");
	if ((r = add_keyslots(cd, p, &l, reterr)) < 0)
		return r;
	if ((r = crypt_token_json_set(cd, CRYPT_ANY_TOKEN, token)) < 0)
		return luks_fail(reterr, r, &l, "cannot add the cvmimg-kbs token");
	info->token = r;
	snprintf(info->uuid, sizeof(info->uuid), "%s", crypt_get_uuid(cd));
	info->data_offset = crypt_get_data_offset(cd) * 512;
	if ((r = crypt_get_metadata_size(cd, &info->metadata_size, &info->keyslots_size)) < 0 ||
	    (r = crypt_keyslot_get_pbkdf(cd, 0, &used)) < 0)
		return luks_fail(reterr, r, &l, "cannot read the LUKS2 header back");
	info->pbkdf_iterations = used.iterations;
	info->pbkdf_memory_kb = used.max_memory_kb;
	info->pbkdf_threads = used.parallel_threads;
	return 0;
}

int cvm_luks_write_header(int fd, uint64_t part_offset, uint64_t part_size, const char *tmp_dir,
			  const struct cvm_luks_params *p, struct cvm_luks_info *ret,
			  cvm_err *reterr)
{
	CVM_CLEANUP(tmpfile_cleanup) struct tmpfile t = {.fd = -1};
	struct cvm_luks_info info = {.token = -1};
	int r;

	if (!p || !p->volume_key || !p->passphrase || !p->broker_passphrase || !tmp_dir ||
	    part_size <= CVM_LUKS_DATA_OFFSET || part_size % CVM_LUKS_SECTOR)
		return cvm_err_set(reterr, -EINVAL, "invalid LUKS2 parameters");
	if ((r = make_tmp(&t, tmp_dir, part_size, reterr)) < 0)
		return r;
	if ((r = format(t.path, p, &info, reterr)) < 0)
		return r;
	if (info.data_offset != CVM_LUKS_DATA_OFFSET ||
	    info.metadata_size * 2 + info.keyslots_size > info.data_offset)
		return cvm_err_set(reterr, -EIO, "unexpected LUKS2 layout (data at %llu bytes)",
				   (unsigned long long)info.data_offset);
	r = cvm_copy_range_sparse(t.fd, 0, fd, part_offset, info.data_offset);
	if (r < 0)
		return cvm_err_set_errno(reterr, r, "cannot copy the LUKS2 header into the image");
	*ret = info;
	return 0;
}

/* The partition's header area in a memory file, sized like the partition (sparse). */
static int header_memfd(int fd, uint64_t part_offset, uint64_t part_size, int *ret,
			cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int m = memfd_create("cvmimg-luks-header", MFD_CLOEXEC);
	int r;

	if (m < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot create a memory file");
	if (ftruncate(m, (off_t)part_size) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot size a memory file");
	if ((r = cvm_copy_range_sparse(fd, part_offset, m, 0, CVM_LUKS_DATA_OFFSET)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 header");
	*ret = m;
	m = -1;
	return 0;
}

static int check_cipher(struct crypt_device *cd, cvm_err *reterr)
{
	const char *cipher = crypt_get_cipher(cd), *mode = crypt_get_cipher_mode(cd);

	if (!cipher || !mode || strcmp(cipher, "aes") || strcmp(mode, "xts-plain64") ||
	    crypt_get_volume_key_size(cd) != CVM_LUKS_VOLUME_KEY_SIZE ||
	    crypt_get_sector_size(cd) != CVM_LUKS_SECTOR)
		return cvm_err_set(reterr, -EBADMSG,
				   "the LUKS2 data is not aes-xts-plain64 with a 64-byte key and "
				   "4096-byte sectors");
	return 0;
}

int cvm_luks_unlock(int fd, uint64_t part_offset, uint64_t part_size, const char *pass,
		    size_t pass_len, uint8_t **ret_key, uint64_t *ret_data_offset,
		    uint64_t *ret_data_size, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_cryptp) struct crypt_device *cd = NULL;
	CVM_CLEANUP_CLOSE int m = -1;
	uint8_t *key;
	size_t key_len = CVM_LUKS_VOLUME_KEY_SIZE;
	struct luks_log l = {{0}};
	char dev[64];
	int r;

	if (fd < 0 || !pass || !ret_key || part_size <= CVM_LUKS_DATA_OFFSET)
		return cvm_err_set(reterr, -EINVAL, "invalid arguments to unlock LUKS2");
	if ((r = header_memfd(fd, part_offset, part_size, &m, reterr)) < 0)
		return r;
	snprintf(dev, sizeof(dev), "/proc/self/fd/%d", m);
	if ((r = crypt_init(&cd, dev)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 header");
	crypt_set_log_callback(cd, log_cb, &l);
	crypt_volume_key_keyring(cd, 0);
	if ((r = crypt_load(cd, CRYPT_LUKS2, NULL)) < 0)
		return cvm_err_set(reterr, -EBADMSG, "no LUKS2 header in the root partition%s%s",
				   l.last_error[0] ? ": " : "", l.last_error);
	if ((r = check_cipher(cd, reterr)) < 0)
		return r;
	if (!(key = cvm_secret_alloc(CVM_LUKS_VOLUME_KEY_SIZE)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = crypt_volume_key_get(cd, CRYPT_ANY_SLOT, (char *)key, &key_len, pass, pass_len);
	if (r < 0 || key_len != CVM_LUKS_VOLUME_KEY_SIZE) {
		cvm_secret_free(key);
		if (r == -EPERM || r == -ENOENT)
			return cvm_err_set(reterr, -EKEYREJECTED,
					   "the passphrase opens no keyslot of the LUKS2 header");
		return luks_fail(reterr, r, &l, "cannot unlock the LUKS2 header");
	}
	*ret_key = key;
	*ret_data_offset = crypt_get_data_offset(cd) * 512;
	*ret_data_size = part_size - *ret_data_offset;
	return 0;
}
