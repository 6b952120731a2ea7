/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TDX measurement pieces against ../shared/vectors/tdx/vectors.json, table
 * driven: every TDVF section, MRTD in both page orders, TD HOB digest, CFV
 * digest, per-event constant, the cmdline encoding and Authenticode value in
 * the file is checked; the hardware event log of A1 (VECTORS.md) checks that
 * the events recomputed here replay to the RTMRs of its real quote.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <cvmimg/json.h>
#include <cvmimg/measure.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "measure/tdx/tdx.h"
#include "util/hash.h"
#include "vectors.h"

#define OVMF2M "tdx/ovmf/OVMF_debian12_2022.11_2M.fd"
#define VARS4M "tdx/ovmf/OVMF_VARS_4M_debian12_2022.11.fd"
#define INITRD "tdx/initrd-synthetic-64k.bin"
#define KERNEL_ENV "CVMIMG_TDX_KERNEL"
#define KERNEL_DEFAULT "/var/cache/cvmimg-test/vmlinuz-6.1.0-56-amd64"

static json_object *vectors;

static json_object *load_json(const char *rel)
{
	uint8_t *buf;
	size_t len;
	json_object *o = NULL;

	assert_int_equal(cvm_read_file(vec_path(rel), 1 << 20, &buf, &len, NULL), 0);
	assert_int_equal(cvm_json_parse((const char *)buf, len, 1 << 20, rel, &o, NULL), 0);
	free(buf);
	return o;
}

/* The member of @o whose key starts with @prefix (vectors.json annotates keys). */
static json_object *member(json_object *o, const char *prefix)
{
	json_object_object_foreach(o, key, val) if (!strncmp(key, prefix, strlen(prefix))) return val;
	fail_msg("vectors.json: no member '%s'", prefix);
	return NULL;
}

/* The 96 hex digits a value starts with (some carry " (hw)" after them). */
static const char *digest_of(json_object *v)
{
	static char buf[97];

	snprintf(buf, sizeof(buf), "%s", json_object_get_string(v));
	assert_int_equal(strlen(buf), 96);
	return buf;
}

static uint64_t num(json_object *o, const char *key)
{
	return strtoull(json_object_get_string(member(o, key)), NULL, 0);
}

struct fw {
	uint8_t *data;
	size_t len;
	struct cvm_tdvf t;
};

static void load_fw(const char *rel, struct fw *f)
{
	assert_int_equal(cvm_read_file(vec_path(rel), 64 << 20, &f->data, &f->len, NULL), 0);
	assert_int_equal(cvm_tdvf_parse(f->data, f->len, rel, &f->t, NULL), 0);
}

static void test_tdvf_sections(void **state)
{
	json_object *ovmf = member(vectors, "ovmf_debian12_2022.11_2M"), *secs;
	struct fw f;

	(void)state;
	load_fw(OVMF2M, &f);
	assert_int_equal(f.t.descriptor_offset, num(ovmf, "descriptor_offset"));
	secs = member(ovmf, "sections");
	assert_int_equal(f.t.n, json_object_array_length(secs));
	for (size_t i = 0; i < f.t.n; i++) {
		json_object *s = json_object_array_get_idx(secs, i);

		assert_int_equal(f.t.s[i].data_offset, num(s, "data_offset"));
		assert_int_equal(f.t.s[i].raw_size, num(s, "raw_size"));
		assert_int_equal(f.t.s[i].gpa, num(s, "gpa"));
		assert_int_equal(f.t.s[i].mem_size, num(s, "mem_size"));
		assert_int_equal(f.t.s[i].attributes, num(s, "attr"));
		assert_string_equal(cvm_tdvf_type_to_string(f.t.s[i].type),
				    json_object_get_string(member(s, "type")));
	}
	free(f.data);
}

static void test_mrtd(void **state)
{
	json_object *ovmf = member(vectors, "ovmf_debian12_2022.11_2M");
	uint8_t d[48];
	struct fw f;

	(void)state;
	load_fw(OVMF2M, &f);
	assert_int_equal(cvm_tdx_mrtd(&f.t, false, d, NULL), 0);
	assert_string_equal(vec_hex(d, 48), digest_of(member(ovmf, "mrtd_single_pass")));
	assert_int_equal(cvm_tdx_mrtd(&f.t, true, d, NULL), 0);
	assert_string_equal(vec_hex(d, 48), digest_of(member(ovmf, "mrtd_two_pass")));
	free(f.data);
}

/* A code-only image (the vars part cut off) must fail, not hash what is not there. */
static void test_metadata_outside_file(void **state)
{
	struct fw f;
	struct cvm_tdvf t;
	cvm_err e = { 0 };
	const size_t vars = 0x20000;

	(void)state;
	load_fw(OVMF2M, &f);
	assert_int_equal(cvm_tdvf_parse(f.data + vars, f.len - vars, "OVMF_CODE.fd", &t, &e),
			 -EBADMSG);
	assert_non_null(strstr(e.msg, "outside the"));
	assert_non_null(strstr(e.msg, "BFV"));
	/* no footer table at all */
	assert_int_equal(cvm_tdvf_parse(f.data, vars, "vars", &t, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "no TDX metadata"));
	free(f.data);
}

static void test_cfv(void **state)
{
	json_object *ovmf = member(vectors, "ovmf_debian12_2022.11_2M");
	json_object *k = member(vectors, "constants");
	const struct cvm_tdvf_section *cfv;
	uint8_t d[48];
	struct fw f;

	(void)state;
	load_fw(OVMF2M, &f);
	cfv = cvm_tdvf_find(&f.t, CVM_TDVF_CFV);
	assert_non_null(cfv);
	cvm_sha384(f.data + cfv->data_offset, cfv->raw_size, d);
	assert_string_equal(vec_hex(d, 48), digest_of(member(ovmf, "cfv_sha384")));
	assert_int_equal(cvm_hash_file(CVM_HASH_SHA384, vec_path(VARS4M), d, NULL), 0);
	assert_string_equal(vec_hex(d, 48), digest_of(member(k, "cfv_sha384_of_empty_OVMF_VARS_4M")));
	free(f.data);
}

static void test_td_hob(void **state)
{
	json_object *hobs = member(vectors, "td_hob_digest_by_memory");
	uint8_t hob[CVM_TDX_HOB_MAX], d[48];
	struct fw f;
	int n = 0;

	(void)state;
	load_fw(OVMF2M, &f);
	json_object_object_foreach(hobs, mem, want)
	{
		int len = cvm_tdx_td_hob(&f.t, strtoull(mem, NULL, 0), hob, sizeof(hob), NULL);

		assert_true(len == 440 || len == 488);
		cvm_sha384(hob, (size_t)len, d);
		assert_string_equal(vec_hex(d, 48), digest_of(want));
		n++;
	}
	assert_int_equal(n, 6);
	free(f.data);
}

static void sha384_hex(const void *buf, size_t len, char out[97])
{
	uint8_t d[48];

	cvm_sha384(buf, len, d);
	snprintf(out, 97, "%s", vec_hex(d, 48));
}

static void test_event_constants(void **state)
{
	static const struct {
		const char *key, *name;
		int db;
	} vars[] = {
		{ "efivar_empty_SecureBoot", "SecureBoot", 0 }, { "efivar_empty_PK", "PK", 0 },
		{ "efivar_empty_KEK", "KEK", 0 }, { "efivar_empty_db", "db", 1 },
		{ "efivar_empty_dbx", "dbx", 1 },
	};
	json_object *k = member(vectors, "constants");
	uint8_t buf[128];
	char hex[97];
	size_t n;

	(void)state;
	sha384_hex("\0\0\0\0", 4, hex);
	assert_string_equal(hex, digest_of(member(k, "separator_sha384(00000000)")));
	sha384_hex("Calling EFI Application from Boot Option", 40, hex);
	assert_string_equal(hex, digest_of(member(k, "calling_efi_app")));
	sha384_hex("Exit Boot Services Invocation", 29, hex);
	assert_string_equal(hex, digest_of(member(k, "exit_boot_services_invocation")));
	sha384_hex("Exit Boot Services Returned with Success", 40, hex);
	assert_string_equal(hex, digest_of(member(k, "exit_boot_services_success")));
	for (size_t i = 0; i < 5; i++) {
		int len = cvm_uefi_variable_data(vars[i].db ? cvm_guid_image_security_database
							    : cvm_guid_efi_global_variable,
						 vars[i].name, NULL, 0, buf, sizeof(buf));

		assert_true(len > 0);
		sha384_hex(buf, (size_t)len, hex);
		assert_string_equal(hex, digest_of(member(k, vars[i].key)));
	}
	sha384_hex("\0\0", 2, hex);
	assert_string_equal(hex, digest_of(member(k, "BootOrder_[0000]")));
	sha384_hex("\0\0\1\0", 4, hex);
	assert_string_equal(hex, digest_of(member(k, "BootOrder_[0000,0001]")));
	n = cvm_tdx_boot0000_uiapp(buf);
	sha384_hex(buf, n, hex);
	assert_string_equal(hex, digest_of(member(k, "Boot0000_UiApp_pre202505")));
}

static void test_cmdline(void **state)
{
	json_object *kb = member(vectors, "direct_boot_debian_kernel_6.1.0-56");
	uint8_t *opts, d[48];
	size_t n;

	(void)state;
	/* "console=ttyS0 initrd=initrd" per the vectors: the suffix comes with an initrd */
	assert_int_equal(cvm_tdx_load_options("console=ttyS0", true, &opts, &n), 0);
	assert_int_equal(n, 2 * (strlen("console=ttyS0 initrd=initrd") + 1));
	cvm_sha384(opts, n, d);
	assert_string_equal(vec_hex(d, 48), digest_of(member(kb, "cmdline_digest")));
	free(opts);
	assert_int_equal(cvm_tdx_load_options("console=ttyS0", false, &opts, &n), 0);
	assert_int_equal(n, 2 * (strlen("console=ttyS0") + 1));
	free(opts);
	assert_int_equal(cvm_tdx_load_options("caf\xc3\xa9", false, &opts, &n), -EINVAL);
	assert_int_equal(cvm_hash_file(CVM_HASH_SHA384, vec_path(INITRD), d, NULL), 0);
	assert_string_equal(vec_hex(d, 48), digest_of(member(kb, "initrd_digest")));
}

static void test_pe_authenticode(void **state)
{
	json_object *pe = member(vectors, "pe_authenticode_sha384");

	(void)state;
	json_object_object_foreach(pe, file, want)
	{
		char rel[256];
		uint8_t *buf, d[48];
		size_t len;

		snprintf(rel, sizeof(rel), "tdx/%s", file);
		assert_int_equal(cvm_read_file(vec_path(rel), 1 << 24, &buf, &len, NULL), 0);
		assert_int_equal(cvm_pe_authenticode(buf, len, file, NULL, d, NULL), 0);
		assert_string_equal(vec_hex(d, 48), digest_of(want));
		free(buf);
	}
}

static void test_versions(void **state)
{
	bool two, patch;
	unsigned rel;

	(void)state;
	assert_int_equal(cvm_tdx_qemu_rules("8.2.2", &two, &patch), 0);
	assert_true(two && patch);
	assert_int_equal(cvm_tdx_qemu_rules("9.2.1-tdx", &two, &patch), 0);
	assert_true(!two && patch);
	assert_int_equal(cvm_tdx_qemu_rules("10.1", &two, &patch), 0);
	assert_true(!two && !patch);
	assert_int_equal(cvm_tdx_qemu_rules("10.0.3", &two, &patch), 0);
	assert_true(!two && patch);
	assert_int_equal(cvm_tdx_qemu_rules("x8", &two, &patch), -EINVAL);
	assert_int_equal(cvm_tdx_ovmf_release("2024.11", &rel), 0);
	assert_int_equal(rel, 202411);
	assert_int_equal(cvm_tdx_ovmf_release("edk2-stable202502", &rel), 0);
	assert_int_equal(rel, 202502);
	assert_int_equal(cvm_tdx_ovmf_release("2024.02-3+tdx1.0", &rel), 0);
	assert_int_equal(rel, 202402);
	assert_int_equal(cvm_tdx_ovmf_release("2024.13", &rel), -EINVAL);
	assert_int_equal(cvm_tdx_ovmf_release("24.11", &rel), -EINVAL);
}

static const char *kernel_path(void)
{
	const char *k = getenv(KERNEL_ENV);
	struct stat st;

	k = k && *k ? k : KERNEL_DEFAULT;
	return stat(k, &st) == 0 ? k : NULL;
}

static void measure_direct(const char *qemu, const char *ovmf_version, uint64_t memory,
			   const char *initrd, struct cvm_measurement *m)
{
	char acpi[4096];
	struct cvm_measure_input in = {
		.tee = CVM_TEE_TDX, .ovmf_path = vec_path(OVMF2M), .kernel_path = kernel_path(),
		.initrd_path = initrd, .cmdline = "console=ttyS0", .memory = memory,
		.qemu_version = qemu, .ovmf_version = ovmf_version,
	};
	char ovmf[4096];
	cvm_err e = { 0 };

	snprintf(ovmf, sizeof(ovmf), "%s", vec_path(OVMF2M));
	snprintf(acpi, sizeof(acpi), "%s", vec_path("tdx/acpi/qemu7.2-q35-hpetoff-smmoff-2G_1cpu"));
	in.ovmf_path = ovmf;
	in.acpi_dir = acpi;
	if (cvm_measure(&in, m, &e) < 0)
		fail_msg("cvm_measure: %s", e.msg);
}

static const char *kernel_event_digest(const struct cvm_measurement *m)
{
	for (size_t i = 0; i < m->tdx.n_events; i++)
		if (m->tdx.events[i].type == CVM_EV_EFI_BOOT_SERVICES_APPLICATION)
			return vec_hex(m->tdx.events[i].digest, 48);
	return "";
}

/* C4 and C6: the Debian kernel, raw and as QEMU edits it, and the registers it gives. */
static void test_direct_boot(void **state)
{
	json_object *kb = member(vectors, "direct_boot_debian_kernel_6.1.0-56");
	json_object *ovmf = member(vectors, "ovmf_debian12_2022.11_2M");
	json_object *r0 = member(vectors, "synthetic_rtmr0_debianOVMF_2G_1cpu_qemu7.2acpi");
	struct cvm_measurement *m;
	char initrd[4096], big[] = "/tmp/cvmimg-test-tdx-initrd-XXXXXX";
	int fd;

	(void)state;
	if (!kernel_path())
		skip(); /* scripts/setup fetches it into the test cache */
	assert_non_null(m = calloc(1, sizeof(*m)));
	snprintf(initrd, sizeof(initrd), "%s", vec_path(INITRD));
	measure_direct("8.2.2", "2024.11", 2ull << 30, initrd, m);
	assert_true(m->tdx.mrtd_known && m->tdx.two_pass && m->tdx.kernel_patched);
	assert_string_equal(vec_hex(m->tdx.mrtd, 48), digest_of(member(ovmf, "mrtd_two_pass")));
	assert_string_equal(kernel_event_digest(m), digest_of(member(kb, "authenticode_qemu_patched")));
	assert_true(m->tdx.rtmr_known[0] && m->tdx.rtmr_known[1]);
	assert_string_equal(vec_hex(m->tdx.rtmr[1], 48), digest_of(member(kb, "RTMR1 post-202411")));
	assert_string_equal(vec_hex(m->tdx.rtmr[0], 48), digest_of(member(r0, "post-edk2-202411")));
	/* Linux 6.1 measures neither cmdline nor initrd: RTMR2 stays zero */
	assert_true(m->tdx.rtmr_known[2]);
	assert_string_equal(vec_hex(m->tdx.rtmr[2], 48), vec_hex((uint8_t[48]){ 0 }, 48));

	measure_direct("8.2.2", "2022.11", 2ull << 30, initrd, m);
	assert_string_equal(vec_hex(m->tdx.rtmr[1], 48), digest_of(member(kb, "RTMR1 pre-202411")));
	assert_string_equal(vec_hex(m->tdx.rtmr[0], 48), digest_of(member(r0, "pre-edk2-202411")));

	measure_direct("10.1.0", "2024.11", 2ull << 30, initrd, m);
	assert_false(m->tdx.two_pass || m->tdx.kernel_patched);
	assert_string_equal(vec_hex(m->tdx.mrtd, 48), digest_of(member(ovmf, "mrtd_single_pass")));
	assert_string_equal(kernel_event_digest(m), digest_of(member(kb, "authenticode_raw")));
	assert_string_equal(vec_hex(m->tdx.rtmr[1], 48),
			    digest_of(member(kb, "RTMR1 post-202411 unpatched")));

	/* a 16 MiB initrd lands at the same address with 2 and 4 GiB */
	fd = mkstemp(big);
	assert_true(fd >= 0 && ftruncate(fd, 16 << 20) == 0);
	close(fd);
	for (uint64_t gib = 2; gib <= 4; gib += 2) {
		measure_direct("9.2.1", "2024.11", gib << 30, big, m);
		assert_string_equal(kernel_event_digest(m),
				    digest_of(member(kb, "authenticode_qemu_patched_initrd16MiB")));
	}
	unlink(big);
	free(m);
}

/* What cannot be predicted is reported unknown, with the option that would tell it. */
static void test_unknowns(void **state)
{
	struct cvm_measurement *m = calloc(1, sizeof(*m));
	struct cvm_measure_input in = { .tee = CVM_TEE_TDX };
	char ovmf[4096];

	(void)state;
	snprintf(ovmf, sizeof(ovmf), "%s", vec_path(OVMF2M));
	in.ovmf_path = ovmf;
	assert_int_equal(cvm_measure(&in, m, NULL), 0);
	assert_false(m->tdx.mrtd_known);
	assert_non_null(strstr(m->tdx.unknown[0], "--qemu-version"));
	assert_false(m->tdx.rtmr_known[0]);
	assert_non_null(strstr(m->tdx.unknown[1], "--memory"));
	assert_true(m->tdx.rtmr_known[3]);
	in.memory = 1ull << 30;
	in.ovmf_version = "2024.11";
	in.qemu_version = "9.2";
	assert_int_equal(cvm_measure(&in, m, NULL), 0);
	assert_true(m->tdx.mrtd_known);
	assert_non_null(strstr(m->tdx.unknown[1], "--acpi-tables"));
	in.qemu_version = "nine";
	assert_int_equal(cvm_measure(&in, m, NULL), -EINVAL);
	free(m);
}

/* The digests of a dstack event log, by position. */
static void log_digest(json_object *log, size_t i, uint8_t out[48])
{
	vec_unhex(json_object_get_string(json_object_object_get(json_object_array_get_idx(log, i),
								"digest")),
		  out, 48);
}

/*
 * VECTORS.md A1 and A2: RTMR0 and RTMR1 assembled from events recomputed here
 * (TD HOB for the quote's memory size, the empty 4 MiB vars store, the
 * variables, separators, actions), with only what the vectors cannot supply
 * taken from the log (the three ACPI blobs and the kernel), equal the quotes.
 */
static void check_quote(const char *rel, const char *key)
{
	json_object *doc = load_json(rel), *hw = member(vectors, key), *log;
	json_object *cfg = member(hw, "vm_config");
	struct cvm_tdx_values *v = calloc(1, sizeof(*v));
	uint8_t d[48], hob[CVM_TDX_HOB_MAX], opt[128], buf[64];
	static const char *const sb[] = { "SecureBoot", "PK", "KEK", "db", "dbx" };
	struct fw f;
	int n;

	assert_int_equal(cvm_json_parse(json_object_get_string(member(doc, "event_log")),
					strlen(json_object_get_string(member(doc, "event_log"))),
					1 << 20, "event_log", &log, NULL), 0);
	load_fw(OVMF2M, &f); /* the same TD_HOB/TEMP_MEM layout as the 4 MiB firmware */
	n = cvm_tdx_td_hob(&f.t, (uint64_t)json_object_get_int64(member(cfg, "memory_size")), hob,
			   sizeof(hob), NULL);
	cvm_sha384(hob, (size_t)n, d);
	cvm_tdx_add_event(v, 0, CVM_EV_EFI_HANDOFF_TABLES2, d, "hob");
	assert_int_equal(cvm_hash_file(CVM_HASH_SHA384, vec_path(VARS4M), d, NULL), 0);
	cvm_tdx_add_event(v, 0, CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2, d, "cfv");
	for (size_t i = 0; i < 5; i++) {
		n = cvm_uefi_variable_data(i < 3 ? cvm_guid_efi_global_variable
						 : cvm_guid_image_security_database,
					   sb[i], NULL, 0, buf, sizeof(buf));
		cvm_sha384(buf, (size_t)n, d);
		cvm_tdx_add_event(v, 0, CVM_EV_EFI_VARIABLE_DRIVER_CONFIG, d, "%s", sb[i]);
	}
	cvm_sha384("\0\0\0\0", 4, d);
	cvm_tdx_add_event(v, 0, CVM_EV_SEPARATOR, d, "sep");
	for (size_t i = 8; i <= 10; i++) {
		log_digest(log, i, d); /* ACPI: not reproducible without that QEMU */
		cvm_tdx_add_event(v, 0, CVM_EV_PLATFORM_CONFIG_FLAGS, d, "acpi");
	}
	log_digest(log, 11, d); /* the kernel: not among the vectors */
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, d, "kernel");
	cvm_sha384("\0\0", 2, d);
	cvm_tdx_add_event(v, 0, CVM_EV_EFI_VARIABLE_BOOT, d, "BootOrder");
	cvm_sha384(opt, cvm_tdx_boot0000_uiapp(opt), d);
	cvm_tdx_add_event(v, 0, CVM_EV_EFI_VARIABLE_BOOT, d, "Boot0000");
	cvm_sha384("Calling EFI Application from Boot Option", 40, d);
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_ACTION, d, "calling");
	cvm_sha384("\0\0\0\0", 4, d);
	cvm_tdx_add_event(v, 1, CVM_EV_SEPARATOR, d, "sep");
	cvm_sha384("Exit Boot Services Invocation", 29, d);
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_ACTION, d, "ebs");
	cvm_sha384("Exit Boot Services Returned with Success", 40, d);
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_ACTION, d, "ebs-ok");
	cvm_tdx_replay(v);
	assert_string_equal(vec_hex(v->rtmr[0], 48), json_object_get_string(member(hw, "rtmr0")));
	assert_string_equal(vec_hex(v->rtmr[1], 48), json_object_get_string(member(hw, "rtmr1")));
	json_object_put(log);
	json_object_put(doc);
	free(f.data);
	free(v);
}

static void test_hw_quotes(void **state)
{
	(void)state;
	check_quote("tdx/dstack/tdx-lite-getquote.json", "hw_tdx-lite-getquote.json");
	check_quote("tdx/dstack/quote-report.json", "hw_quote-report.json");
}

static void test_rtmr2_assembly(void **state)
{
	json_object *kb = member(vectors, "direct_boot_debian_kernel_6.1.0-56");
	struct cvm_tdx_values *v = calloc(1, sizeof(*v));
	uint8_t d[48];

	(void)state;
	vec_unhex(digest_of(member(kb, "cmdline_digest")), d, 48);
	cvm_tdx_add_event(v, 2, CVM_EV_EVENT_TAG, d, "cmdline");
	vec_unhex(digest_of(member(kb, "initrd_digest")), d, 48);
	cvm_tdx_add_event(v, 2, CVM_EV_EVENT_TAG, d, "initrd");
	cvm_tdx_replay(v);
	assert_string_equal(vec_hex(v->rtmr[2], 48), digest_of(member(kb, "RTMR2 [cmdline,initrd]")));
	free(v);
}

/* C3: from each real QEMU dump's tables, the loader and RSDP QEMU wrote, byte for byte. */
static void test_acpi_rebuild(void **state)
{
	json_object *dumps = member(vectors, "acpi_qemu7.2_nonTDX_dumps");
	int n = 0;

	(void)state;
	json_object_object_foreach(dumps, name, digests)
	{
		char rel[256];
		uint8_t *tables, *loader, *rsdp, want_loader[4096], want_rsdp[20], d[48];
		size_t tlen, llen, rlen;
		struct cvm_tdx_acpi a;

		snprintf(rel, sizeof(rel), "tdx/acpi/%s/etc_acpi_tables", name);
		assert_int_equal(cvm_read_file(vec_path(rel), 1 << 24, &tables, &tlen, NULL), 0);
		snprintf(rel, sizeof(rel), "tdx/acpi/%s/etc_table-loader", name);
		assert_int_equal(cvm_read_file(vec_path(rel), 1 << 24, &loader, &llen, NULL), 0);
		snprintf(rel, sizeof(rel), "tdx/acpi/%s/etc_acpi_rsdp", name);
		assert_int_equal(cvm_read_file(vec_path(rel), 1 << 24, &rsdp, &rlen, NULL), 0);
		assert_int_equal(llen, 4096);
		assert_int_equal(rlen, 20);
		assert_int_equal(cvm_tdx_acpi_rebuild(tables, tlen, want_loader, want_rsdp, NULL), 0);
		assert_memory_equal(want_loader, loader, 4096);
		assert_memory_equal(want_rsdp, rsdp, 20);
		/* and the digests vectors.json gives */
		cvm_sha384(want_loader, 4096, d);
		assert_string_equal(vec_hex(d, 48), digest_of(member(digests, "etc_table-loader")));
		cvm_sha384(want_rsdp, 20, d);
		assert_string_equal(vec_hex(d, 48), digest_of(member(digests, "etc_acpi_rsdp")));
		snprintf(rel, sizeof(rel), "tdx/acpi/%s", name);
		assert_int_equal(cvm_tdx_acpi_dir(vec_path(rel), &a, NULL), 0);
		assert_false(a.rebuilt);
		assert_string_equal(vec_hex(a.tables, 48), digest_of(member(digests, "etc_acpi_tables")));
		free(tables), free(loader), free(rsdp);
		n++;
	}
	assert_int_equal(n, 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tdvf_sections),	 cmocka_unit_test(test_mrtd),
		cmocka_unit_test(test_metadata_outside_file), cmocka_unit_test(test_cfv),
		cmocka_unit_test(test_td_hob),		 cmocka_unit_test(test_event_constants),
		cmocka_unit_test(test_cmdline),		 cmocka_unit_test(test_pe_authenticode),
		cmocka_unit_test(test_versions),	 cmocka_unit_test(test_direct_boot),
		cmocka_unit_test(test_unknowns),	 cmocka_unit_test(test_hw_quotes),
		cmocka_unit_test(test_rtmr2_assembly), cmocka_unit_test(test_acpi_rebuild),
	};
	int r;

	vec_require();
	vectors = load_json("tdx/vectors.json");
	r = cmocka_run_group_tests(tests, NULL, NULL);
	json_object_put(vectors);
	return r;
}
