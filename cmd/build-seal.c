/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg build's measurements and bundle: the options, and the step after the build. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "build-seal.h"

#define NAME "build"
#define CONFIG_MAX (1u << 20)
#define MAX_STRINGS 128

/* The pieces of comma lists, owned here. */
static char *pieces[MAX_STRINGS];
static size_t n_pieces;

void build_seal_done(struct build_seal *s)
{
	struct cli_list *lists[] = { &s->tees,	 &s->ovmf,    &s->vcpus, &s->vcpu_types,
				     &s->memory, &s->signing, &s->rvs };

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		cli_list_free(lists[i]);
	json_object_put(s->config_doc);
	json_object_put(s->rv_doc);
	free(s->uki_path);
	while (n_pieces)
		free(pieces[--n_pieces]);
}

int build_seal_config(struct build_seal *s, const struct cli_command *cmd,
		      struct cli_option *opts)
{
	CVM_CLEANUP_FREE uint8_t *text = NULL;
	CVM_CLEANUP_FREE char *quoted = NULL;
	cvm_err e = { 0 };
	size_t len = 0;

	if (!s->config)
		return 0;
	if (asprintf(&quoted, "'%s'", s->config) < 0)
		return CLI_EXIT_SYSTEM;
	if (cvm_read_file(s->config, CONFIG_MAX, &text, &len, &e) < 0 ||
	    cvm_json_parse((const char *)text, len, CONFIG_MAX, quoted, &s->config_doc, &e) < 0)
		return cli_fail(NAME, &e);
	return cli_apply_config(cmd, opts, s->config_doc, s->config);
}

/* Each comma-separated piece of each item of @l, to @fn. */
static int each_piece(const struct cli_list *l, const char *opt,
		      int (*fn)(struct build_seal *s, const char *piece), struct build_seal *s)
{
	for (size_t i = 0; i < l->n; i++)
		for (const char *p = l->items[i];;) {
			size_t n = strcspn(p, ",");
			int r;

			if (!n || n_pieces == MAX_STRINGS)
				return cli_usage(NAME, "--%s: an empty or too long list '%s'", opt,
						 l->items[i]);
			if (!(pieces[n_pieces] = strndup(p, n)))
				return CLI_EXIT_SYSTEM;
			if ((r = fn(s, pieces[n_pieces++])))
				return r;
			if (!p[n])
				break;
			p += n + 1;
		}
	return 0;
}

static int add_tee(struct build_seal *s, const char *name)
{
	enum cvm_tee t = cvm_tee_from_string(name);
	struct cvm_shape_plan *p = &s->plan;

	if (t != CVM_TEE_SEV && t != CVM_TEE_SEV_ES && t != CVM_TEE_SNP && t != CVM_TEE_TDX)
		return cli_usage(NAME, "--tee: '%s' is not one of sev, sev-es, snp, tdx", name);
	for (size_t i = 0; i < p->n_tees; i++)
		if (p->tees[i] == t)
			return cli_usage(NAME, "--tee: %s twice", name);
	p->tees[p->n_tees++] = t;
	return 0;
}

static int add_vcpus(struct build_seal *s, const char *v)
{
	uint64_t n;

	if (s->plan.n_vcpus == sizeof(s->vcpu_values) / sizeof(s->vcpu_values[0]) ||
	    cvm_parse_u64(v, 1, CVM_VCPUS_MAX, &n) < 0)
		return cli_usage(NAME, "--vcpus: '%s' is not from 1 to %u (at most 64 counts)", v,
				 CVM_VCPUS_MAX);
	s->vcpu_values[s->plan.n_vcpus++] = (unsigned)n;
	return 0;
}

static int add_vcpu_type(struct build_seal *s, const char *v)
{
	uint32_t sig;

	if (cvm_vcpu_type_sig(v, &sig) < 0 || s->plan.n_vcpu_types == 16)
		return cli_usage(NAME, "--vcpu-type: unknown vCPU type '%s' (see cvmimg-measure(1))",
				 v);
	s->vcpu_type_names[s->plan.n_vcpu_types++] = v;
	return 0;
}

static int add_memory(struct build_seal *s, const char *v)
{
	uint64_t n;

	if (s->plan.n_memory == 16 || cli_size_parse(v, &n) < 0 || !n || n % (1u << 20))
		return cli_usage(NAME, "--memory: '%s' is not a size in whole MiB such as 2G", v);
	s->memory_values[s->plan.n_memory++] = n;
	return 0;
}

/* --ovmf FILE (every TEE) or TEE=FILE, later ones winning. */
static int set_firmware(struct build_seal *s)
{
	struct cvm_shape_plan *p = &s->plan;

	for (size_t i = 0; i < s->ovmf.n; i++) {
		const char *arg = s->ovmf.items[i], *eq = strchr(arg, '=');
		enum cvm_tee t = CVM_TEE_INVALID;
		char name[16];

		if (eq) {
			snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
			t = cvm_tee_from_string(name);
			if (t != CVM_TEE_SEV && t != CVM_TEE_SEV_ES && t != CVM_TEE_SNP &&
			    t != CVM_TEE_TDX)
				return cli_usage(NAME, "--ovmf: '%s' is not sev, sev-es, snp or tdx",
						 name);
		}
		for (size_t k = 0; k < p->n_tees; k++)
			if (!eq || p->tees[k] == t)
				p->ovmf[k] = eq ? eq + 1 : arg;
	}
	for (size_t k = 0; k < p->n_tees; k++)
		if (!p->ovmf[k])
			return cli_usage(NAME, "--tee %s needs --ovmf FILE or --ovmf %s=FILE",
					 cvm_tee_to_string(p->tees[k]), cvm_tee_to_string(p->tees[k]));
	return 0;
}

static int collect_rvs(struct build_seal *s)
{
	if (!s->rvs.n)
		return 0;
	if (!(s->rv_doc = json_object_new_object()))
		return CLI_EXIT_SYSTEM;
	for (size_t i = 0; i < s->rvs.n; i++) {
		const char *arg = s->rvs.items[i], *eq = strchr(arg, '=');
		json_object *v = NULL;
		char name[64];

		if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof(name) ||
		    cvm_json_parse(eq + 1, strlen(eq + 1), 4096, "value", &v, NULL) < 0 || !v)
			return cli_usage(NAME, "--reference-value needs NAME=JSON, not '%s'", arg);
		snprintf(name, sizeof(name), "%.*s", (int)(eq - arg), arg);
		json_object_object_add(s->rv_doc, name, v);
	}
	return 0;
}

/* A TDX firmware is checked before the image is built: its metadata, the versions. */
static int check_tdx_firmware(const struct cvm_shape_plan *p)
{
	for (size_t k = 0; k < p->n_tees; k++) {
		struct cvm_measure_input in = {
			.tee = CVM_TEE_TDX, .ovmf_path = p->ovmf[k],
			.qemu_version = p->qemu_version, .ovmf_version = p->ovmf_version,
		};
		CVM_CLEANUP_FREE struct cvm_measurement *m = NULL;
		cvm_err e = { 0 };

		if (p->tees[k] != CVM_TEE_TDX)
			continue;
		if (!(m = calloc(1, sizeof(*m))))
			return CLI_EXIT_SYSTEM;
		if (cvm_measure(&in, m, &e) < 0)
			return cli_fail(NAME, &e);
	}
	return 0;
}

int build_seal_check(struct build_seal *s, const struct cvm_build_options *o)
{
	struct cvm_shape_plan *p = &s->plan;
	bool bundle = s->signing.n || s->operator_key;
	int r;

	(void)o;
	if ((r = each_piece(&s->tees, "tee", add_tee, s)) ||
	    (r = each_piece(&s->vcpus, "vcpus", add_vcpus, s)) ||
	    (r = each_piece(&s->vcpu_types, "vcpu-type", add_vcpu_type, s)) ||
	    (r = each_piece(&s->memory, "memory", add_memory, s)))
		return r;
	if (!p->n_tees) {
		if (s->ovmf.n || s->vcpus.n || s->vcpu_types.n || s->memory.n || bundle)
			return cli_usage(NAME, "--ovmf, --vcpus, --vcpu-type, --memory, "
					       "--signing-key and --broker-public-key need --tee");
		return 0;
	}
	if (s->operator_key && !s->signing.n)
		return cli_usage(NAME, "--broker-public-key needs --signing-key (the key is sealed "
				       "in bundle.json)");
	if (s->vmm && (p->vmm = cvm_vmm_from_string(s->vmm)) == CVM_VMM_INVALID)
		return cli_usage(NAME, "--vmm-type is qemu, ec2 or gce, not '%s'", s->vmm);
	p->vcpus = s->vcpu_values;
	p->vcpu_types = s->vcpu_type_names;
	p->memory = s->memory_values;
	p->guest_features = s->guest_features;
	p->qemu_version = s->qemu_version;
	p->ovmf_version = s->ovmf_version;
	if ((r = set_firmware(s)) || (r = check_tdx_firmware(p)))
		return r;
	return collect_rvs(s);
}

/* The bundle's image name: --image-name, or the output directory's name. */
static const char *image_name(const struct build_seal *s, const char *dir, char *buf, size_t len)
{
	const char *base;
	size_t n;

	if (s->image_name)
		return s->image_name;
	n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	snprintf(buf, len, "%.*s", (int)n, dir);
	base = strrchr(buf, '/');
	return base && base[1] ? base + 1 : buf;
}

int build_seal_run(struct build_seal *s, const struct cvm_build_options *o,
		   struct cvm_build_result *res, bool json)
{
	char buf[4096];
	struct cvm_seal_options so = {
		.output_dir = o->output_dir, .plan = &s->plan,
		.signing_keys = s->signing.items, .n_signing_keys = s->signing.n,
		.image_version = s->image_version, .broker_url = o->kbs_url,
		.resource = o->kbs_resource, .operator_key_path = s->operator_key,
		.reference_values = s->rv_doc, .now = (int64_t)time(NULL),
		.valid_days = s->valid_days ? s->valid_days : 365,
	};
	cvm_err e = { 0 };

	if (!s->plan.n_tees)
		return 0;
	if (asprintf(&s->uki_path, "%s/uki.efi", o->output_dir) < 0)
		return CLI_EXIT_SYSTEM;
	s->plan.uki_path = s->uki_path;
	so.image_name = image_name(s, o->output_dir, buf, sizeof(buf));
	if (cvm_image_seal(&so, res, &e) < 0)
		return cli_fail(NAME, &e);
	if (json)
		return 0;
	printf("%s/measurements.json\n", o->output_dir);
	if (s->signing.n)
		printf("%s/bundle.json%s\n", o->output_dir,
		       s->operator_key ? " (the broker key sealed; broker.key removed)" : "");
	return 0;
}
