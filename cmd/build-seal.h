/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg build's broker and measurement options (issue 14), kept in one group:
 * the VM shapes to measure (--tee, --ovmf, --vcpus, --vcpu-type, --memory ...),
 * the bundle to sign (--signing-key, --broker-public-key ...), and --config.
 */
#ifndef CVMIMG_BUILD_SEAL_H
#define CVMIMG_BUILD_SEAL_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/bundle.h>
#include <cvmimg/image.h>

#include "cli.h"

struct build_seal {
	struct cli_list tees, ovmf, vcpus, vcpu_types, memory, signing, rvs;
	const char *vmm, *qemu_version, *ovmf_version, *operator_key, *image_name, *image_version,
		*config;
	uint64_t guest_features, valid_days;
	/* converted */
	struct cvm_shape_plan plan;
	unsigned vcpu_values[64];
	uint64_t memory_values[16];
	const char *vcpu_type_names[16];
	json_object *config_doc, *rv_doc;
	char *uki_path;
};

/* The option entries, bound to @s; @o the build's options (broker URL and resource). */
#define BUILD_SEAL_OPTIONS(s, o)                                                                   \
	CLI_STRING("broker-url", 0, "URL", &(o)->kbs_url,                                          \
		   "the key broker's URL (token hint; bundle)"),                                   \
	CLI_STRING("kbs-url", 0, "URL", &(o)->kbs_url, "the same as --broker-url"),                \
	CLI_STRING("broker-resource", 0, "PATH", &(o)->kbs_resource,                               \
		   "REPO/TYPE/TAG of the broker key (token hint; bundle)"),                        \
	CLI_STRING("kbs-resource", 0, "PATH", &(o)->kbs_resource,                                  \
		   "the same as --broker-resource"),                                               \
	CLI_STRING("broker-public-key", 0, "FILE", &(s)->operator_key,                             \
		   "seal the broker key to this EC P-256 key in bundle.json"),                     \
	CLI_LIST("tee", 0, "LIST", &(s)->tees, "measure for sev, sev-es, snp, tdx (comma list)"),  \
	CLI_LIST("ovmf", 0, "[TEE=]FILE", &(s)->ovmf, "firmware, for all TEEs or one"),           \
	CLI_LIST("vcpus", 0, "LIST", &(s)->vcpus, "vCPU counts, e.g. 1,2,4,8"),                    \
	CLI_LIST("vcpu-type", 0, "LIST", &(s)->vcpu_types, "QEMU -cpu models, e.g. EPYC-Milan"), \
	CLI_LIST("memory", 0, "LIST", &(s)->memory, "guest memory sizes, e.g. 2G,4G"),             \
	CLI_STRING("vmm-type", 0, "TYPE", &(s)->vmm, "qemu (default), ec2 or gce"),               \
	CLI_U64("guest-features", 0, "HEX", &(s)->guest_features, 0, UINT64_MAX,                   \
		"SNP guest features (default 0x1)"),                                               \
	CLI_STRING("qemu-version", 0, "VERSION", &(s)->qemu_version,                               \
		   "the QEMU the VMs run on (recorded; tdx: measured)"),                           \
	CLI_STRING("ovmf-version", 0, "V", &(s)->ovmf_version,                                    \
		   "tdx: the firmware's edk2 release, e.g. 2024.11"),                              \
	CLI_LIST("signing-key", 0, "FILE", &(s)->signing, "sign bundle.json with this key"),      \
	CLI_STRING("image-name", 0, "NAME", &(s)->image_name,                                      \
		   "the bundle's image name (default from DIR)"),                                  \
	CLI_STRING("image-version", 0, "TEXT", &(s)->image_version, "the bundle's image version"), \
	CLI_U64("valid-days", 0, "N", &(s)->valid_days, 1, 36500,                                  \
		"the bundle is valid N days (default 365)"),                                       \
	CLI_LIST("reference-value", 0, "NAME=JSON", &(s)->rvs,                                     \
		 "another Trustee reference value (repeatable)"),                                  \
	CLI_STRING("config", 0, "FILE", &(s)->config, "options from a JSON file")

/* --config: the file's keys as options, under the command line's. Returns an exit code. */
int build_seal_config(struct build_seal *s, const struct cli_command *cmd,
		      struct cli_option *opts);

/* Check and convert the options (usage errors: exit 2). */
int build_seal_check(struct build_seal *s, const struct cvm_build_options *o);

/*
 * After the build: measurements.json, bundle.json (and broker.key gone from
 * the disk, @res and build.json when sealed); unless @json, a line for each.
 * Returns an exit code.
 */
int build_seal_run(struct build_seal *s, const struct cvm_build_options *o,
		   struct cvm_build_result *res, bool json);

void build_seal_done(struct build_seal *s);

#endif
