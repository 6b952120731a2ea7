/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The VM shapes of a build: every TEE asked for, times every vCPU type and
 * vCPU count (SEV has neither: one shape per firmware), each measured as the
 * VM is launched by QEMU with `-kernel uki.efi` and no -initrd or -append
 * (the UKI carries both), so the kernel-hashes table holds the UKI's hash,
 * the empty initrd's and the empty command line's: what sev-snp-measure
 * computes from --kernel uki.efi alone. One measurement batch per firmware
 * hashes the firmware and the UKI once for all the shapes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/bundle.h>
#include <cvmimg/json.h>
#include <cvmimg/measure.h>

#include "util/macro.h"

/* The measure library's measurement object, carried unchanged (cvmimg-measure(1)). */
static int measurement_json(const struct cvm_measure_input *in, const struct cvm_measurement *m,
			    json_object **ret)
{
	return cvm_measurement_to_json(in, m, ret);
}

/* What "launch" records beyond the measurement: the names and sizes as given (tdx: its one). */
static int launch_json(const struct cvm_shape_plan *p, const char *vcpu_type, uint64_t tdx_memory,
		       json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *mem;

	if (!o || (vcpu_type && cvm_json_add(o, "vcpu_type", json_object_new_string(vcpu_type)) < 0) ||
	    (p->qemu_version &&
	     cvm_json_add(o, "qemu_version", json_object_new_string(p->qemu_version)) < 0) ||
	    cvm_json_add(o, "boot", json_object_new_string("-kernel uki.efi")) < 0)
		return -ENOMEM;
	if (p->n_memory) {
		if (cvm_json_add(o, "memory", (mem = json_object_new_array())) < 0)
			return -ENOMEM;
		for (size_t i = 0; i < (tdx_memory ? 1 : p->n_memory); i++) {
			uint64_t v = tdx_memory ? tdx_memory : p->memory[i];

			if (json_object_array_add(mem, json_object_new_int64((int64_t)v)) < 0)
				return -ENOMEM;
		}
	}
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

/* Append the shape @name (its launch inputs and measurement @m) to @list. */
static int append_shape(const char *name, const struct cvm_measure_input *in,
			const struct cvm_measurement *m, const struct cvm_shape_plan *p,
			const char *vcpu_type, uint64_t tdx_memory, json_object *list,
			uint8_t fw_sha256[32], cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *mj = NULL, *launch = NULL;
	json_object *shape = NULL;
	int r;

	if (measurement_json(in, m, &mj) < 0 || launch_json(p, vcpu_type, tdx_memory, &launch) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_bundle_shape_new(name, launch, mj, &shape, reterr)) < 0)
		return r;
	if (json_object_array_add(list, shape) < 0) {
		json_object_put(shape);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	memcpy(fw_sha256, m->ovmf_sha256, 32);
	return 0;
}

/* One shape: measure @in with @b, name it, append it to @list. */
static int add_shape(const struct cvm_shape_plan *p, struct cvm_measure_batch *b,
		     const struct cvm_measure_input *in, const char *vcpu_type, json_object *list,
		     uint8_t fw_sha256[32], cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct cvm_measurement *m = calloc(1, sizeof(*m));
	char name[160];
	int r;

	if (!m)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_measure_batch_run(b, in, m, reterr)) < 0)
		return r;
	if (in->tee == CVM_TEE_SEV)
		snprintf(name, sizeof(name), "sev");
	else
		snprintf(name, sizeof(name), "%s/%ux%s", cvm_tee_to_string(in->tee), in->vcpus,
			 vcpu_type);
	return append_shape(name, in, m, p, vcpu_type, 0, list, fw_sha256, reterr);
}

static int tee_shapes(const struct cvm_shape_plan *p, size_t t, struct cvm_measure_batch *b,
		      json_object *list, uint8_t fw_sha256[32], cvm_err *reterr)
{
	struct cvm_measure_input in = {
		.tee = p->tees[t], .vmm = p->vmm, .ovmf_path = p->ovmf[t],
		.kernel_path = p->uki_path, .firmware_sha256 = true,
		.guest_features = p->guest_features ? p->guest_features : 0x1,
	};
	int r;

	if (in.tee == CVM_TEE_SEV)
		return add_shape(p, b, &in, NULL, list, fw_sha256, reterr);
	for (size_t i = 0; i < p->n_vcpu_types; i++) {
		in.have_vcpu_sig = true;
		if (cvm_vcpu_type_sig(p->vcpu_types[i], &in.vcpu_sig) < 0)
			return cvm_err_set(reterr, -EINVAL, "unknown vCPU type '%s'",
					   p->vcpu_types[i]);
		for (size_t j = 0; j < p->n_vcpus; j++) {
			in.vcpus = p->vcpus[j];
			if ((r = add_shape(p, b, &in, p->vcpu_types[i], list, fw_sha256, reterr)) <
			    0)
				return r;
		}
	}
	return 0;
}

static int add_tdx_shape(const struct cvm_shape_plan *p, const struct cvm_measure_input *in,
			 json_object *list, uint8_t fw_sha256[32], cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct cvm_measurement *m = calloc(1, sizeof(*m));
	char name[64];
	int r;

	if (!m)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_measure(in, m, reterr)) < 0)
		return r;
	if (!in->memory)
		snprintf(name, sizeof(name), "tdx");
	else if (in->memory % (1ull << 30))
		snprintf(name, sizeof(name), "tdx/%lluM", (unsigned long long)(in->memory >> 20));
	else
		snprintf(name, sizeof(name), "tdx/%lluG", (unsigned long long)(in->memory >> 30));
	return append_shape(name, in, m, p, NULL, in->memory, list, fw_sha256, reterr);
}

/* TDX: the UKI booted directly, one shape per memory size (the TD HOB depends on it). */
static int tdx_shapes(const struct cvm_shape_plan *p, size_t t, json_object *list,
		      uint8_t fw_sha256[32], cvm_err *reterr)
{
	struct cvm_measure_input in = {
		.tee = CVM_TEE_TDX, .ovmf_path = p->ovmf[t], .uki_path = p->uki_path,
		.qemu_version = p->qemu_version, .ovmf_version = p->ovmf_version,
		.firmware_sha256 = true,
	};
	int r;

	if (!p->n_memory)
		return add_tdx_shape(p, &in, list, fw_sha256, reterr);
	for (size_t i = 0; i < p->n_memory; i++) {
		in.memory = p->memory[i];
		if ((r = add_tdx_shape(p, &in, list, fw_sha256, reterr)) < 0)
			return r;
	}
	return 0;
}

static void batches_free(struct cvm_measure_batch *(*b)[CVM_SHAPE_PLAN_MAX_TEES])
{
	for (size_t i = 0; i < CVM_SHAPE_PLAN_MAX_TEES; i++)
		cvm_measure_batch_free((*b)[i]);
}

/* The batch of firmware @t: one per firmware file, shared by the TEEs that use it. */
static int batch_of(const struct cvm_shape_plan *p, size_t t, struct cvm_measure_batch **b,
		    cvm_err *reterr)
{
	int r;

	for (size_t i = 0; i < t; i++)
		if (p->tees[i] != CVM_TEE_TDX && !strcmp(p->ovmf[i], p->ovmf[t]))
			return (int)i;
	r = cvm_measure_batch_new(p->ovmf[t], p->uki_path, NULL, NULL, &b[t], reterr);
	return r < 0 ? r : (int)t;
}

static int check_plan(const struct cvm_shape_plan *p, cvm_err *reterr)
{
	for (size_t t = 0; t < p->n_tees; t++) {
		enum cvm_tee tee = p->tees[t];

		if (tee != CVM_TEE_SEV && tee != CVM_TEE_SEV_ES && tee != CVM_TEE_SNP &&
		    tee != CVM_TEE_TDX)
			return cvm_err_set(reterr, -EINVAL, "cannot measure %s shapes "
							    "(sev, sev-es, snp, tdx)",
					   cvm_tee_to_string(tee) ? cvm_tee_to_string(tee) : "?");
		if (!p->ovmf[t])
			return cvm_err_set(reterr, -EINVAL, "no firmware for %s",
					   cvm_tee_to_string(tee));
		if (tee != CVM_TEE_SEV && tee != CVM_TEE_TDX && (!p->n_vcpus || !p->n_vcpu_types))
			return cvm_err_set(reterr, -EINVAL, "%s needs vCPU counts and vCPU types",
					   cvm_tee_to_string(tee));
	}
	return 0;
}

CVM_PUBLIC int cvm_bundle_measure_plan(const struct cvm_shape_plan *p, json_object **ret,
				       uint8_t (*ret_fw_sha256)[32], cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *list = json_object_new_array();
	CVM_CLEANUP(batches_free) struct cvm_measure_batch *b[CVM_SHAPE_PLAN_MAX_TEES] = { NULL };
	uint8_t fw[CVM_SHAPE_PLAN_MAX_TEES][32];
	int r;

	CVM_CHECK_ARG(p && p->uki_path && p->n_tees && p->n_tees <= CVM_SHAPE_PLAN_MAX_TEES && ret,
		      reterr);
	if (!list)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = check_plan(p, reterr)) < 0)
		return r;
	for (size_t t = 0; t < p->n_tees; t++) {
		int owner = p->tees[t] == CVM_TEE_TDX ? 0 : batch_of(p, t, b, reterr);

		if (owner < 0)
			return owner;
		r = p->tees[t] == CVM_TEE_TDX ? tdx_shapes(p, t, list, fw[t], reterr)
					      : tee_shapes(p, t, b[owner], list, fw[t], reterr);
		if (r < 0)
			return r;
		if (ret_fw_sha256)
			memcpy(ret_fw_sha256[t], fw[t], 32);
	}
	if (json_object_array_length(list) > CVM_BUNDLE_MAX_SHAPES)
		return cvm_err_set(reterr, -EFBIG, "more than %d VM shapes", CVM_BUNDLE_MAX_SHAPES);
	*ret = CVM_TAKE_PTR(list);
	return 0;
}
