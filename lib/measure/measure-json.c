/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The measurement object: one JSON shape for every TEE, printed by
 * `cvmimg measure --json`, embedded unchanged in build's measurements.json
 * and in bundles (cvmimg-measure(1), "The measurement object"):
 *
 *   {"tee": "snp", "measurement": "<hex>", "inputs": {...}}
 *   {"tee": "tdx", "mrtd": "<hex>"|null, "rtmr0".."rtmr3": "<hex>"|null,
 *    "unknown": {"rtmr0": "why", ...}, "inputs": {...},
 *    "events": [{"rtmr", "event_type", "type", "digest", "description"}]}
 */
#include <errno.h>
#include <stdio.h>

#include <cvmimg/json.h>
#include <cvmimg/measure.h>

#include "measure/tdx/tdx.h"
#include "util/macro.h"

static int add_null(json_object *o, const char *key)
{
	return json_object_object_add(o, key, NULL) < 0 ? -ENOMEM : 0;
}

/* A string, or null for NULL. */
static int add_str(json_object *o, const char *key, const char *s)
{
	return s ? cvm_json_add(o, key, json_object_new_string(s)) : add_null(o, key);
}

static int add_hexnum(json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	return add_str(o, key, buf);
}

static int add_int(json_object *o, const char *key, int64_t v)
{
	return cvm_json_add(o, key, json_object_new_int64(v));
}

static int sev_inputs(json_object *o, const struct cvm_measure_input *in,
		      const struct cvm_measurement *m)
{
	int r = 0;

	if (m->has_svsm)
		r |= add_str(o, "svsm", in->svsm_path) |
		     cvm_json_add_hex(o, "svsm_sha256", m->svsm_sha256, 32) |
		     add_int(o, "vars_size", (int64_t)in->vars_size);
	r |= add_str(o, "vmm", cvm_vmm_to_string(in->vmm));
	if (m->vmsa_count) {
		r |= add_int(o, "vcpus", m->vcpus);
		if (in->have_vcpu_sig)
			r |= add_hexnum(o, "vcpu_sig", m->vcpu_sig);
		r |= add_hexnum(o, "guest_features", m->guest_features);
	}
	if (in->ovmf_hash)
		r |= cvm_json_add_hex(o, "snp_ovmf_hash", in->ovmf_hash, 48);
	return r;
}

static int kernel_inputs(json_object *o, const struct cvm_measure_input *in,
			 const struct cvm_measurement *m)
{
	int r = 0;

	if (!m->has_kernel)
		return 0;
	if (in->uki_path)
		return add_str(o, "uki", in->uki_path) |
		       cvm_json_add_hex(o, "uki_sha256", m->kernel_sha256, 32);
	r |= add_str(o, "kernel", in->kernel_path) |
	     cvm_json_add_hex(o, "kernel_sha256", m->kernel_sha256, 32);
	if (in->initrd_path)
		r |= add_str(o, "initrd", in->initrd_path);
	if (in->initrd_path || m->tee != CVM_TEE_TDX)
		r |= cvm_json_add_hex(o, "initrd_sha256", m->initrd_sha256, 32);
	r |= add_str(o, "cmdline", in->cmdline ? in->cmdline : "") |
	     cvm_json_add_hex(o, "cmdline_sha256", m->cmdline_sha256, 32);
	return r;
}

static int tdx_inputs(json_object *o, const struct cvm_measure_input *in,
		      const struct cvm_measurement *m)
{
	const struct cvm_tdx_values *v = &m->tdx;
	int r = 0;

	if (in->memory)
		r |= add_int(o, "memory", (int64_t)in->memory);
	r |= add_str(o, "qemu_version", in->qemu_version) |
	     add_str(o, "ovmf_version", in->ovmf_version);
	if (v->mrtd_known)
		r |= add_str(o, "page_order", v->two_pass ? "two-pass" : "single-pass");
	if (in->ovmf_vars_path)
		r |= add_str(o, "ovmf_vars", in->ovmf_vars_path);
	r |= cvm_json_add_hex(o, "cfv_sha384", v->cfv_sha384, 48);
	if (in->memory)
		r |= cvm_json_add_hex(o, "td_hob_sha384", v->td_hob_sha384, 48);
	if (in->acpi_dir)
		r |= add_str(o, "acpi_tables", in->acpi_dir);
	if (in->qemu_path)
		r |= add_str(o, "qemu", in->qemu_path) |
		     add_str(o, "machine", in->machine ? in->machine : "q35") |
		     add_int(o, "vcpus", in->vcpus ? in->vcpus : 1);
	if (in->disk_path)
		r |= add_str(o, "disk", in->disk_path);
	if (m->has_kernel && !in->disk_path)
		r |= cvm_json_add(o, "kernel_patched", json_object_new_boolean(v->kernel_patched));
	return r;
}

static int inputs_json(const struct cvm_measure_input *in, const struct cvm_measurement *m,
		       json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	int r;

	if (!o)
		return -ENOMEM;
	r = add_str(o, "ovmf", in->ovmf_path);
	if (in->firmware_sha256)
		r |= cvm_json_add_hex(o, "ovmf_sha256", m->ovmf_sha256, 32);
	r |= add_int(o, "ovmf_size", (int64_t)m->ovmf_size);
	r |= m->tee == CVM_TEE_TDX ? tdx_inputs(o, in, m) : sev_inputs(o, in, m);
	r |= kernel_inputs(o, in, m);
	if (r)
		return -ENOMEM;
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

static int events_json(const struct cvm_tdx_values *v, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *list = json_object_new_array();

	if (!list)
		return -ENOMEM;
	for (size_t i = 0; i < v->n_events; i++) {
		const struct cvm_tdx_event *e = &v->events[i];
		json_object *o = json_object_new_object();
		const char *name = cvm_tdx_event_type_name(e->type);

		if (!o || json_object_array_add(list, o) < 0)
			return json_object_put(o), -ENOMEM;
		if (add_int(o, "rtmr", e->rtmr) | add_int(o, "event_type", e->type) |
		    add_str(o, "type", name) |
		    (e->known ? cvm_json_add_hex(o, "digest", e->digest, 48)
			      : add_null(o, "digest")) |
		    add_str(o, "description", e->description))
			return -ENOMEM;
	}
	*ret = CVM_TAKE_PTR(list);
	return 0;
}

static int tdx_values(json_object *o, const struct cvm_tdx_values *v)
{
	static const char *const regs[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	json_object *unknown = NULL, *events = NULL;
	int r = 0;

	for (size_t i = 0; i < 5; i++) {
		bool known = i == 0 ? v->mrtd_known : v->rtmr_known[i - 1];
		const uint8_t *val = i == 0 ? v->mrtd : v->rtmr[i - 1];

		r |= known ? cvm_json_add_hex(o, regs[i], val, 48) : add_null(o, regs[i]);
		if (known)
			continue;
		if (!unknown && cvm_json_add(o, "unknown", (unknown = json_object_new_object())) < 0)
			return -ENOMEM;
		r |= add_str(unknown, regs[i], v->unknown[i][0] ? v->unknown[i] : "not computed");
	}
	if (r || events_json(v, &events) < 0)
		return -ENOMEM;
	return cvm_json_add(o, "events", events);
}

CVM_PUBLIC int cvm_measurement_to_json(const struct cvm_measure_input *in,
				       const struct cvm_measurement *m, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	json_object *inputs = NULL;

	if (!in || !m || !ret)
		return -EINVAL;
	if (!o || add_str(o, "tee", cvm_tee_to_string(m->tee)) < 0)
		return -ENOMEM;
	if (m->tee == CVM_TEE_TDX ? tdx_values(o, &m->tdx) < 0
				  : cvm_json_add_hex(o, "measurement", m->digest, m->digest_len) < 0)
		return -ENOMEM;
	if (inputs_json(in, m, &inputs) < 0 || cvm_json_add(o, "inputs", inputs) < 0)
		return -ENOMEM;
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
