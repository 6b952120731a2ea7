/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The events a QEMU + OVMF TD records from power-on to ExitBootServices, and
 * the registers they replay to (reference/tdx-measurement.md §3-§6), for
 * direct boot of a kernel (-kernel/-initrd/-append) or of a UKI (-kernel
 * uki.efi). What an input that was not given decides is left unknown, with
 * the option that would give it, and never guessed:
 *
 *   MRTD    the firmware; the page order (--qemu-version)
 *   RTMR0   TD HOB (--memory), vars store, Secure Boot variables, ACPI tables
 *           (--acpi-tables), boot variables; the layout (--ovmf-version)
 *   RTMR1   the kernel or UKI as OVMF sees it (QEMU's edits: --qemu-version,
 *           and --memory with an initrd), the boot actions, the separator
 *   RTMR2   what the loaders measure (systemd-stub, the kernel's EFI stub)
 *   RTMR3   nothing at boot
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "boot/authenticode.h"
#include "boot/kernel.h"
#include "measure/tdx/tdx-boot.h"
#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/hash.h"

#define KERNEL_MAX (512u << 20)
#define RELEASE_SEPARATOR_FIX 202411u /* edk2 efaf893: the separator moved to RTMR1 */
#define RELEASE_NEW_LAYOUT 202505u    /* more RTMR0 events, not modelled */
#define LINUX_CC_MEASURE 609u	      /* Linux 6.9: the EFI stub measures via CC */

struct tdx_ctx {
	const struct cvm_measure_input *in;
	struct cvm_tdx_values *v;
	struct cvm_tdvf fw;
	bool have_rules, two_pass, patches_kernel;
	bool have_release;
	unsigned release;
};

static const char action_calling[] = "Calling EFI Application from Boot Option";
static const char action_ebs[] = "Exit Boot Services Invocation";
static const char action_ebs_ok[] = "Exit Boot Services Returned with Success";

static void add_action(struct cvm_tdx_values *v, const char *text)
{
	uint8_t d[48];

	cvm_sha384(text, strlen(text), d);
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_ACTION, d, "\"%s\"", text);
}

static void add_separator(struct cvm_tdx_values *v, unsigned rtmr)
{
	static const uint8_t zero[4];
	uint8_t d[48];

	cvm_sha384(zero, sizeof(zero), d);
	cvm_tdx_add_event(v, rtmr, CVM_EV_SEPARATOR, d, "separator (00000000)");
}

/* Secure Boot variables of an empty vars store: every one without data. */
static void add_sb_variables(struct cvm_tdx_values *v)
{
	static const char *const names[] = { "SecureBoot", "PK", "KEK", "db", "dbx" };
	uint8_t buf[64], d[48];

	for (size_t i = 0; i < 5; i++) {
		const uint8_t *guid = i < 3 ? cvm_guid_efi_global_variable
					    : cvm_guid_image_security_database;
		int n = cvm_uefi_variable_data(guid, names[i], NULL, 0, buf, sizeof(buf));

		cvm_sha384(buf, (size_t)n, d);
		cvm_tdx_add_event(v, 0, CVM_EV_EFI_VARIABLE_DRIVER_CONFIG, d,
				  "UEFI variable %s (empty)", names[i]);
	}
}

static int add_td_hob(struct tdx_ctx *c, cvm_err *reterr)
{
	uint8_t hob[CVM_TDX_HOB_MAX];
	int n;

	if (!c->in->memory) {
		cvm_tdx_unknown(c->v, 1, "the TD HOB depends on the memory size: give --memory");
		cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_HANDOFF_TABLES2, NULL,
				  "TD HOB (memory size unknown)");
		return 0;
	}
	if ((n = cvm_tdx_td_hob(&c->fw, c->in->memory, hob, sizeof(hob), reterr)) < 0)
		return n;
	cvm_sha384(hob, (size_t)n, c->v->td_hob_sha384);
	cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_HANDOFF_TABLES2, c->v->td_hob_sha384,
			  "TD HOB (%d bytes, %llu MiB of RAM)", n,
			  (unsigned long long)(c->in->memory >> 20));
	return 0;
}

/*
 * The variables a vars store holds (edk2 authenticated variable store inside a
 * firmware volume): their names, comma-separated, into @names. Only an empty
 * store is modelled: keys and boot options in it change RTMR0.
 */
static size_t stored_variables(const uint8_t *p, size_t len, char *names, size_t cap)
{
	size_t off, n = 0, used = 0;

	names[0] = '\0';
	if (len < 0x40 || memcmp(p + 0x28, "_FVH", 4))
		return 0;
	off = (size_t)cvm_le16(p + 0x30) + 28; /* FV header, variable store header */
	while (off + 60 <= len && cvm_le16(p + off) == 0x55aa) {
		uint8_t state = p[off + 2];
		uint32_t nsize = cvm_le32(p + off + 36), dsize = cvm_le32(p + off + 40);

		if (nsize > len - off - 60 || dsize > len - off - 60 - nsize)
			break;
		if (state == 0x3f || state == 0x3e) { /* added (or being deleted) */
			n++;
			for (uint32_t i = 0; i + 1 < nsize && used + 3 < cap; i += 2) {
				uint16_t ch = cvm_le16(p + off + 60 + i);

				if (!ch)
					break;
				if (i == 0 && used)
					names[used++] = ',';
				names[used++] = ch < 0x80 ? (char)ch : '?';
			}
			names[used] = '\0';
		}
		off = (off + 60 + nsize + dsize + 3) & ~(size_t)3;
	}
	return n;
}

static void check_vars(struct tdx_ctx *c, const uint8_t *p, size_t len, const char *name)
{
	char names[120];
	size_t n = stored_variables(p, len, names, sizeof(names));

	if (n)
		cvm_tdx_unknown(c->v, 1, "the vars store '%s' holds %zu variables (%s...): Secure "
					 "Boot keys and boot options from it are not modelled, only "
					 "an empty store",
				name, n, names);
}

static int add_cfv(struct tdx_ctx *c, cvm_err *reterr)
{
	const struct cvm_tdvf_section *s = cvm_tdvf_find(&c->fw, CVM_TDVF_CFV);
	const char *vars = c->in->ovmf_vars_path;
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len;
	int r;

	if (!s)
		return cvm_err_set(reterr, -EBADMSG, "TDX metadata of '%s' has no CFV (vars) section",
				   c->fw.name);
	if (vars) {
		if ((r = cvm_read_file(vars, CVM_OVMF_MAX_SIZE, &buf, &len, reterr)) < 0)
			return r;
		if (len != s->raw_size)
			return cvm_err_set(reterr, -EINVAL,
					   "'%s' is %zu bytes, but the firmware's vars store "
					   "(CFV) is %u bytes",
					   vars, len, s->raw_size);
	}
	cvm_sha384(vars ? buf : c->fw.data + s->data_offset, s->raw_size, c->v->cfv_sha384);
	check_vars(c, vars ? buf : c->fw.data + s->data_offset, s->raw_size,
		   vars ? vars : c->fw.name);
	cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2, c->v->cfv_sha384,
			  "vars store (CFV, 0x%x bytes at 0x%llx) of '%s'", s->raw_size,
			  (unsigned long long)s->gpa, vars ? vars : c->fw.name);
	return 0;
}

static void add_acpi_events(struct tdx_ctx *c, const struct cvm_tdx_acpi *a, const char *how)
{
	cvm_tdx_add_event(c->v, 0, CVM_EV_PLATFORM_CONFIG_FLAGS, a->loader,
			  "ACPI DATA: etc/table-loader%s", how);
	cvm_tdx_add_event(c->v, 0, CVM_EV_PLATFORM_CONFIG_FLAGS, a->rsdp,
			  "ACPI DATA: etc/acpi/rsdp%s", how);
	cvm_tdx_add_event(c->v, 0, CVM_EV_PLATFORM_CONFIG_FLAGS, a->tables,
			  "ACPI DATA: etc/acpi/tables%s", strstr(how, "qtest") ? how : "");
}

static int add_acpi(struct tdx_ctx *c, cvm_err *reterr)
{
	struct cvm_tdx_acpi a;
	int r;

	if (c->in->qemu_path) {
		if ((r = cvm_tdx_acpi_qemu(c->in->qemu_path, c->in->machine ? c->in->machine : "q35",
					   c->in->memory, c->in->vcpus, c->in->ovmf_path, &a,
					   reterr)) < 0)
			return r;
		add_acpi_events(c, &a, " (from QEMU in qtest mode)");
		return 0;
	}
	if (!c->in->acpi_dir) {
		cvm_tdx_unknown(c->v, 1, "RTMR0 holds QEMU's ACPI tables: give --acpi-tables DIR "
					 "(or --qemu to dump them)");
		for (int i = 0; i < 3; i++)
			cvm_tdx_add_event(c->v, 0, CVM_EV_PLATFORM_CONFIG_FLAGS, NULL,
					  "ACPI DATA: %s (not given)",
					  i == 0 ? "etc/table-loader" : i == 1 ? "etc/acpi/rsdp"
									  : "etc/acpi/tables");
		return 0;
	}
	if ((r = cvm_tdx_acpi_dir(c->in->acpi_dir, &a, reterr)) < 0)
		return r;
	add_acpi_events(c, &a, a.rebuilt ? " (rebuilt from the tables)" : "");
	return 0;
}

/* RTMR0 up to the ACPI tables: what the firmware measures before it boots anything. */
static int rtmr0_config(struct tdx_ctx *c, cvm_err *reterr)
{
	int r;

	if ((r = add_td_hob(c, reterr)) < 0 || (r = add_cfv(c, reterr)) < 0)
		return r;
	add_sb_variables(c->v);
	add_separator(c->v, 0);
	return add_acpi(c, reterr);
}

/* BootOrder (0000) and Boot0000 (UiApp): a direct boot with no boot options. */
static void rtmr0_boot_variables(struct tdx_ctx *c)
{
	static const uint8_t order[2] = { 0, 0 };
	uint8_t opt[128], d[48];
	size_t n = cvm_tdx_boot0000_uiapp(opt);

	cvm_sha384(order, sizeof(order), d);
	cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_VARIABLE_BOOT, d, "UEFI variable BootOrder (0000)");
	cvm_sha384(opt, n, d);
	cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_VARIABLE_BOOT, d, "UEFI variable Boot0000 (UiApp)");
}

/* ReadyToBoot: the action, and the separator in RTMR1 (RTMR0 before edk2 2024.11). */
static void ready_to_boot(struct tdx_ctx *c)
{
	add_action(c->v, action_calling);
	add_separator(c->v, c->have_release && c->release < RELEASE_SEPARATOR_FIX ? 0 : 1);
}

static void exit_boot_services(struct tdx_ctx *c)
{
	add_action(c->v, action_ebs);
	add_action(c->v, action_ebs_ok);
}

int tdx_kernel_measures_rtmr2(struct cvm_tdx_values *v, const uint8_t *k, size_t len,
			      const char *name)
{
	char rel[UKI_UNAME_MAX];
	unsigned major = 0, minor = 0;

	if (!uki_kernel_release(k, len, rel) || sscanf(rel, "%u.%u", &major, &minor) != 2) {
		cvm_tdx_unknown(v, 3, "cannot tell the version of the kernel in '%s': Linux 6.9 "
				      "and later measure the cmdline and initrd, older ones nothing",
				name);
		return -1;
	}
	return major * 100 + minor >= LINUX_CC_MEASURE;
}

static void load_release(struct tdx_ctx *c)
{
	if (!c->in->ovmf_version) {
		cvm_tdx_unknown(c->v, 1, "the separator is in RTMR1 from edk2 2024.11 on and in "
					 "RTMR0 before: give --ovmf-version");
		cvm_tdx_unknown(c->v, 2, "the separator is in RTMR1 from edk2 2024.11 on and in "
					 "RTMR0 before: give --ovmf-version");
		return;
	}
	c->have_release = cvm_tdx_ovmf_release(c->in->ovmf_version, &c->release) == 0;
	if (c->release >= RELEASE_NEW_LAYOUT)
		cvm_tdx_unknown(c->v, 1, "edk2 2025.05 and later measure more into RTMR0 "
					 "(BootMenu, bootorder, authority, more boot options) "
					 "than is modelled");
}

/* RTMR1's first event: the image QEMU passes as "kernel", as OVMF measures it. */
static int kernel_event(struct tdx_ctx *c, const uint8_t *data, size_t len, const char *name,
			uint64_t initrd_size, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *copy = NULL;
	const struct cvm_measure_input *in = c->in;
	bool initrd = in->initrd_path != NULL;
	uint8_t d[48];
	int r;

	if (!c->have_rules)
		cvm_tdx_unknown(c->v, 2, "whether QEMU edits the kernel's setup header depends "
					 "on the QEMU version: give --qemu-version");
	else if (c->patches_kernel && initrd && !in->memory)
		cvm_tdx_unknown(c->v, 2, "QEMU writes the initrd address, which depends on the "
					 "memory size, into the kernel: give --memory");
	if (!c->have_rules || (c->patches_kernel && initrd && !in->memory)) {
		cvm_tdx_add_event(c->v, 1, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, NULL,
				  "kernel '%s' (QEMU's edits unknown)", name);
		return 0;
	}
	if (c->patches_kernel) {
		if (!(copy = malloc(len)))
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		memcpy(copy, data, len);
		if ((r = cvm_tdx_patch_kernel(copy, len, in->memory, initrd, initrd_size,
					      in->cmdline, reterr)) < 0)
			return r;
		data = copy;
	}
	if ((r = cvm_pe_authenticode(data, len, name, NULL, d, reterr)) < 0)
		return r;
	c->v->kernel_patched = c->patches_kernel;
	cvm_tdx_add_event(c->v, 1, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, d,
			  "kernel '%s'%s, VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/kernel",
			  name, c->patches_kernel ? " with QEMU's setup header edits" : "");
	return 0;
}

/* RTMR2 of a direct boot: the kernel's EFI stub measures LoadOptions and the initrd. */
static int direct_rtmr2(struct tdx_ctx *c, const uint8_t *k, size_t len, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *opts = NULL;
	const struct cvm_measure_input *in = c->in;
	uint8_t d[48];
	size_t n;
	int r;

	if (tdx_kernel_measures_rtmr2(c->v, k, len, in->kernel_path) <= 0)
		return 0;
	r = cvm_tdx_load_options(in->cmdline, in->initrd_path != NULL, &opts, &n);
	if (r == -ENOMEM)
		return cvm_err_set(reterr, r, "out of memory");
	if (r < 0)
		return cvm_err_set(reterr, r, "the command line is not printable ASCII: how OVMF "
					      "converts it to UTF-16 is not modelled");
	cvm_sha384(opts, n, d);
	cvm_tdx_add_event(c->v, 2, CVM_EV_EVENT_TAG, d,
			  "LOADED_IMAGE::LoadOptions: \"%s%s\" (UTF-16LE with NUL)",
			  in->cmdline ? in->cmdline : "", in->initrd_path ? " initrd=initrd" : "");
	if (!in->initrd_path)
		return 0;
	if ((r = cvm_hash_file(CVM_HASH_SHA384, in->initrd_path, d, reterr)) < 0)
		return r;
	cvm_tdx_add_event(c->v, 2, CVM_EV_EVENT_TAG, d, "Linux initrd '%s'", in->initrd_path);
	return 0;
}

static int direct_boot(struct tdx_ctx *c, struct cvm_measurement *out, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *k = NULL;
	const struct cvm_measure_input *in = c->in;
	uint64_t initrd_size = 0;
	struct stat st;
	size_t len;
	int r;

	if ((r = cvm_read_file(in->kernel_path, KERNEL_MAX, &k, &len, reterr)) < 0)
		return r;
	if (in->initrd_path) {
		if (stat(in->initrd_path, &st) < 0)
			return cvm_err_set_errno(reterr, -errno, "cannot stat '%s'",
						 in->initrd_path);
		initrd_size = (uint64_t)st.st_size;
		if ((r = cvm_hash_file(CVM_HASH_SHA256, in->initrd_path, out->initrd_sha256,
				       reterr)) < 0)
			return r;
	}
	out->has_kernel = true;
	cvm_sha256(k, len, out->kernel_sha256);
	cvm_sha256(in->cmdline ? in->cmdline : "", strlen(in->cmdline ? in->cmdline : "") + 1,
		   out->cmdline_sha256);
	if ((r = kernel_event(c, k, len, in->kernel_path, initrd_size, reterr)) < 0)
		return r;
	rtmr0_boot_variables(c);
	ready_to_boot(c);
	if ((r = direct_rtmr2(c, k, len, reterr)) < 0)
		return r;
	exit_boot_services(c);
	return 0;
}

static int uki_boot(struct tdx_ctx *c, struct cvm_measurement *out, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *k = NULL;
	CVM_CLEANUP_FREE struct tdx_uki *u = malloc(sizeof(*u));
	size_t len;
	int r;

	if (!u)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_read_file(c->in->uki_path, KERNEL_MAX, &k, &len, reterr)) < 0 ||
	    (r = tdx_uki_open(u, k, len, c->in->uki_path, reterr)) < 0)
		return r;
	out->has_kernel = true;
	cvm_sha256(k, len, out->kernel_sha256);
	if ((r = kernel_event(c, k, len, c->in->uki_path, 0, reterr)) < 0)
		return r;
	rtmr0_boot_variables(c);
	ready_to_boot(c);
	if ((r = tdx_uki_linux_event(c->v, u, reterr)) < 0 || (r = tdx_uki_rtmr2(c->v, u, reterr)) < 0)
		return r;
	exit_boot_services(c);
	return 0;
}

/*
 * From the disk: the boot options OVMF makes for a disk carry the PCI paths of
 * QEMU's devices, so RTMR0's boot variables are not modelled.
 */
static int disk_boot(struct tdx_ctx *c, cvm_err *reterr)
{
	int r;

	cvm_tdx_unknown(c->v, 1, "the boot options OVMF creates for a disk boot (BootOrder, "
				 "Boot####) hold QEMU's device paths and are not modelled");
	cvm_tdx_add_event(c->v, 0, CVM_EV_EFI_VARIABLE_BOOT, NULL,
			  "UEFI variables BootOrder and Boot#### (device dependent)");
	ready_to_boot(c);
	if ((r = tdx_disk_boot_events(c->v, c->in->disk_path, reterr)) < 0)
		return r;
	exit_boot_services(c);
	return 0;
}

static int check_tdx_input(const struct cvm_measure_input *in, cvm_err *reterr)
{
	bool b;
	unsigned rel;

	if (!in->ovmf_path)
		return cvm_err_set(reterr, -EINVAL, "no firmware (OVMF) given");
	if (!!in->kernel_path + !!in->uki_path + !!in->disk_path > 1)
		return cvm_err_set(reterr, -EINVAL, "boot one of a kernel, a UKI or a disk");
	if (!in->kernel_path && in->initrd_path)
		return cvm_err_set(reterr, -EINVAL, "an initrd needs a kernel");
	if (in->cmdline && !in->kernel_path)
		return cvm_err_set(reterr, -EINVAL,
				   "a cmdline needs a kernel (a UKI's is its .cmdline section)");
	if (in->qemu_path && (!in->memory || in->acpi_dir))
		return cvm_err_set(reterr, -EINVAL, "dumping the ACPI tables from QEMU needs the "
						    "memory size, and no ACPI dump directory");
	if (in->machine && !in->qemu_path)
		return cvm_err_set(reterr, -EINVAL, "a machine type goes with a QEMU to run");
	if (in->svsm_path || in->vars_size || in->ovmf_hash)
		return cvm_err_set(reterr, -EINVAL, "SVSM and SNP options do not apply to tdx");
	if (in->qemu_version && cvm_tdx_qemu_rules(in->qemu_version, &b, &b) < 0)
		return cvm_err_set(reterr, -EINVAL, "'%s' is not a QEMU version (e.g. 8.2.2)",
				   in->qemu_version);
	if (in->ovmf_version && cvm_tdx_ovmf_release(in->ovmf_version, &rel) < 0)
		return cvm_err_set(reterr, -EINVAL,
				   "'%s' is not an edk2 release (e.g. 2024.11 or 202411)",
				   in->ovmf_version);
	return 0;
}

static int measure_fw(struct tdx_ctx *c, const uint8_t *fw, size_t size,
		      struct cvm_measurement *out, cvm_err *reterr)
{
	const struct cvm_measure_input *in = c->in;
	struct cvm_tdx_values *v = c->v;
	int r;

	if ((r = cvm_tdvf_parse(fw, size, in->ovmf_path, &c->fw, reterr)) < 0)
		return r;
	out->ovmf_size = size;
	if (in->firmware_sha256)
		cvm_sha256(fw, size, out->ovmf_sha256);
	c->have_rules = in->qemu_version &&
			cvm_tdx_qemu_rules(in->qemu_version, &c->two_pass, &c->patches_kernel) == 0;
	if (!c->have_rules) {
		cvm_tdx_unknown(v, 0, "the page order depends on the QEMU version: give "
				      "--qemu-version");
	} else {
		if ((r = cvm_tdx_mrtd(&c->fw, c->two_pass, v->mrtd, reterr)) < 0)
			return r;
		v->mrtd_known = true;
		v->two_pass = c->two_pass;
	}
	load_release(c);
	return rtmr0_config(c, reterr);
}

int cvm_tdx_measure(const struct cvm_measure_input *in, struct cvm_measurement *ret,
		    cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct cvm_measurement *out = calloc(1, sizeof(*out));
	CVM_CLEANUP_FREE struct tdx_ctx *c = calloc(1, sizeof(*c));
	struct cvm_mapped_file fw = { 0 };
	int r;

	if (!out || !c)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = check_tdx_input(in, reterr)) < 0)
		return r;
	c->in = in;
	c->v = &out->tdx;
	out->tee = CVM_TEE_TDX;
	if ((r = cvm_map_file(in->ovmf_path, CVM_OVMF_MAX_SIZE, &fw, reterr)) < 0)
		return r;
	r = measure_fw(c, fw.data, fw.len, out, reterr);
	cvm_unmap_file(&fw);
	if (r < 0)
		return r;
	if (in->kernel_path)
		r = direct_boot(c, out, reterr);
	else if (in->uki_path)
		r = uki_boot(c, out, reterr);
	else if (in->disk_path)
		r = disk_boot(c, reterr);
	if (r < 0)
		return r;
	if (!in->kernel_path && !in->uki_path && !in->disk_path)
		for (unsigned reg = 1; reg <= 3; reg++)
			cvm_tdx_unknown(c->v, reg, "the boot variables and what is booted depend on "
						   "--kernel, --uki or --disk");
	cvm_tdx_replay(c->v);
	*ret = *out;
	return 0;
}
