/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * After a build: the expected launch measurements of the UKI it made, one
 * per VM shape, into DIR/measurements.json, and with signing keys the signed
 * bundle DIR/bundle.json, whose subjects are the disk image, the UKI and the
 * firmware, which carries the verity parameters of a --verity build and seals
 * DIR/broker.key to the broker operator's key; the clear DIR/broker.key is
 * removed once bundle.json is in place.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/bundle.h>
#include <cvmimg/image.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/file.h"
#include "util/macro.h"

#define BROKER_KEY_MAX 4096

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

static int write_json(const char *dir, const char *name, json_object *o, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *path = path_in(dir, name), *text = NULL;
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!path || !s || asprintf(&text, "%s\n", s) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_write_file_atomic(path, text, strlen(text), 0644, reterr);
}

static int write_text(const char *dir, const char *name, const char *s, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *path = path_in(dir, name), *text = NULL;

	if (!path || asprintf(&text, "%s\n", s) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return cvm_write_file_atomic(path, text, strlen(text), 0644, reterr);
}

/* DIR/broker.key, straight into locked memory. */
static int read_broker_key(const char *path, uint8_t **ret, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int fd = open(path, O_RDONLY | O_CLOEXEC);
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	struct stat st;
	size_t n = 0;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return cvm_err_set_errno(reterr, -errno, "cannot read '%s'", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > BROKER_KEY_MAX)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a broker key", path);
	if (!(key = cvm_secret_alloc((size_t)st.st_size)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_read_full(fd, key, (size_t)st.st_size, &n)) < 0 || n != (size_t)st.st_size)
		return cvm_err_set_errno(reterr, r < 0 ? r : -EIO, "cannot read '%s'", path);
	*ret = CVM_TAKE_PTR(key);
	*ret_len = n;
	return 0;
}

/* The build's disk image and UKI (their digests from the build), then the firmware files. */
static size_t subjects(const struct cvm_seal_options *o, const struct cvm_build_result *res,
		       uint8_t (*fw)[32], struct cvm_bundle_subject *out)
{
	size_t n = 0;

	for (size_t i = 0; i < res->n_artifacts; i++) {
		const struct cvm_build_artifact *a = &res->artifacts[i];

		if (!a->has_sha256 || (strncmp(a->name, "disk.", 5) && strcmp(a->name, "uki.efi")))
			continue;
		out[n] = (struct cvm_bundle_subject){ .name = a->name, .have_sha256 = true };
		memcpy(out[n++].sha256, a->sha256, 32);
	}
	for (size_t t = 0; t < o->plan->n_tees; t++) {
		const char *base = strrchr(o->plan->ovmf[t], '/');
		bool seen = false;

		for (size_t i = 0; i < t; i++)
			seen |= !strcmp(o->plan->ovmf[i], o->plan->ovmf[t]);
		if (seen)
			continue;
		out[n] = (struct cvm_bundle_subject){ .name = base ? base + 1 : o->plan->ovmf[t],
						      .have_sha256 = true };
		memcpy(out[n++].sha256, fw[t], 32);
	}
	return n;
}

/* The build's record loses the broker key it no longer has: build.json written anew. */
static int forget_broker_key(const char *dir, struct cvm_build_result *res, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	size_t n = 0;

	for (size_t i = 0; i < res->n_artifacts; i++)
		if (strcmp(res->artifacts[i].name, "broker.key"))
			res->artifacts[n++] = res->artifacts[i];
	res->n_artifacts = n;
	if (cvm_build_result_to_json(res, &o) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return write_json(dir, "build.json", o, reterr);
}

static int make_bundle(const struct cvm_seal_options *o, struct cvm_build_result *res,
		       json_object *shapes, uint8_t (*fw)[32], cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *key_path = path_in(o->output_dir, "broker.key"), *text = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *verity = NULL;
	struct cvm_bundle_subject subj[2 + CVM_SHAPE_PLAN_MAX_TEES];
	struct cvm_bundle_input in = {
		.image_name = o->image_name, .image_version = o->image_version,
		.luks_uuid = res->luks.uuid[0] ? res->luks.uuid : NULL,
		.subjects = subj, .n_subjects = subjects(o, res, fw, subj), .shapes = shapes,
		.broker_url = o->broker_url, .resource = o->resource,
		.reference_values = o->reference_values,
		.operator_key_path = o->operator_key_path,
		.created = o->now, .not_after = o->now + (int64_t)o->valid_days * 86400,
		.signing_keys = o->signing_keys, .n_signing_keys = o->n_signing_keys,
	};
	int r;

	if (!key_path)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	/* the same object as build.json's "verity", so the two agree key for key */
	if (res->have_verity && cvm_verity_params_to_json(&res->verity, &verity) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	in.verity = verity;
	if (o->operator_key_path &&
	    (r = read_broker_key(key_path, &key, &in.broker_key_len, reterr)) < 0)
		return r;
	in.broker_key = key;
	if ((r = cvm_bundle_create(&in, &text, reterr)) < 0 ||
	    (r = write_text(o->output_dir, "bundle.json", text, reterr)) < 0)
		return r;
	if (!o->operator_key_path)
		return 0;
	/* sealed in bundle.json: the clear copy goes */
	if (unlink(key_path) < 0)
		return cvm_err_set_errno(reterr, -errno, "cannot remove '%s'", key_path);
	return forget_broker_key(o->output_dir, res, reterr);
}

CVM_PUBLIC int cvm_image_seal(const struct cvm_seal_options *o, struct cvm_build_result *res,
			      cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *shapes = NULL, *doc = json_object_new_object();
	uint8_t fw[CVM_SHAPE_PLAN_MAX_TEES][32];
	int r;

	CVM_CHECK_ARG(o && o->output_dir && o->plan && o->plan->uki_path && res, reterr);
	if (o->n_signing_keys && !o->image_name)
		return cvm_err_set(reterr, -EINVAL, "a bundle needs the image's name");
	if (!doc)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_bundle_measure_plan(o->plan, &shapes, fw, reterr)) < 0)
		return r;
	if (cvm_json_add(doc, "measurements", json_object_get(shapes)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = write_json(o->output_dir, "measurements.json", doc, reterr)) < 0)
		return r;
	return o->n_signing_keys ? make_bundle(o, res, shapes, fw, reterr) : 0;
}
