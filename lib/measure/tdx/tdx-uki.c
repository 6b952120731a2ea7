/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What happens inside a UKI once the firmware started it
 * (reference/tdx-measurement.md §4.2, §5.2):
 *
 *   RTMR1: systemd-stub before 258 starts the kernel with LoadImage(), so the
 *          firmware measures the Authenticode digest of .linux (Secure Boot
 *          off); 258 and later jump into the kernel without it.
 *   RTMR2: systemd-stub 256 and later measure through the CC protocol: for each
 *          section it measures, in canonical order, the name with its NUL and
 *          the contents (VirtualSize bytes). Then the kernel's own EFI stub
 *          (Linux 6.9 and later) measures its LoadOptions (.cmdline as the stub
 *          passes it, UTF-16LE with NUL) and the initrd the stub serves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "boot/authenticode.h"
#include "boot/kernel.h"
#include "boot/pe.h"
#include "boot/sections.h"
#include "measure/tdx/tdx.h"
#include "measure/tdx/tdx-boot.h"
#include "util/hash.h"

static unsigned major_of(const char *v, size_t len)
{
	unsigned m = 0;

	for (size_t i = 0; i < len && v[i] >= '0' && v[i] <= '9' && m < 100000; i++)
		m = m * 10 + (unsigned)(v[i] - '0');
	return m;
}

int tdx_uki_open(struct tdx_uki *u, const uint8_t *data, size_t len, const char *name,
		 cvm_err *reterr)
{
	const char *v;
	size_t vlen;
	int r;

	memset(u, 0, sizeof(*u));
	u->data = data;
	u->len = len;
	u->name = name;
	if ((r = pe_parse(data, len, name, &u->pe, reterr)) < 0)
		return r;
	if (!pe_find_section(&u->pe, ".linux"))
		return cvm_err_set(reterr, -EBADMSG, "'%s' is not a UKI (no .linux section)",
				   name);
	u->mask = uki_stub_measured_mask(&u->pe, &v, &vlen);
	u->stub_major = major_of(v ? v : "", vlen);
	return 0;
}

/* A section's bytes as mapped, clipped to the file (the rest is zero fill). */
static const uint8_t *section(const struct tdx_uki *u, const char *name, size_t *ret_len,
			      size_t *ret_zeros)
{
	const struct pe_section *s = pe_find_section(&u->pe, name);

	return s ? pe_section_data(&u->pe, s, ret_len, ret_zeros) : NULL;
}

int tdx_uki_linux_event(struct cvm_tdx_values *v, const struct tdx_uki *u, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct pe_image *pe = malloc(sizeof(*pe));
	uint8_t d[48];
	size_t len, zeros;
	const uint8_t *k = section(u, ".linux", &len, &zeros);
	int r;

	if (u->stub_major >= 258)
		return 0;
	if (!pe)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!k)
		return cvm_err_set(reterr, -EBADMSG, "the .linux section of '%s' lies outside it",
				   u->name);
	if ((r = pe_parse(k, len, ".linux", pe, reterr)) < 0 ||
	    (r = pe_authenticode(pe, CVM_HASH_SHA384, d, reterr)) < 0)
		return r;
	cvm_tdx_add_event(v, 1, CVM_EV_EFI_BOOT_SERVICES_APPLICATION, d,
			  "the kernel (.linux of '%s'), started by systemd-stub %u with LoadImage",
			  u->name, u->stub_major);
	return 0;
}

static int hash_section(const struct tdx_uki *u, const char *name, uint8_t out[48])
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	size_t len, zeros;
	const uint8_t *p = section(u, name, &len, &zeros);

	if (!p || cvm_hash_new(CVM_HASH_SHA384, &c) < 0 || cvm_hash_update(c, p, len) < 0 ||
	    cvm_hash_zeros(c, zeros) < 0 || cvm_hash_final(c, out) < 0)
		return -ENOMEM;
	return 0;
}

static void pcr11_events(struct cvm_tdx_values *v, const struct tdx_uki *u)
{
	for (int s = 0; s < UKI__COUNT; s++) {
		const char *name = uki_section_to_string((enum uki_section)s);
		uint8_t d[48];

		if (s == UKI_PCRSIG || !(u->mask & (1u << s)) || !pe_find_section(&u->pe, name))
			continue;
		cvm_sha384(name, strlen(name) + 1, d);
		cvm_tdx_add_event(v, 2, CVM_EV_IPL, d, "systemd-stub: section name \"%s\"", name);
		if (hash_section(u, name, d) < 0)
			cvm_tdx_add_event(v, 2, CVM_EV_IPL, NULL, "systemd-stub: section %s", name);
		else
			cvm_tdx_add_event(v, 2, CVM_EV_IPL, d, "systemd-stub: section %s", name);
	}
}

/* .cmdline as systemd-stub hands it on: up to a NUL, controls as spaces, trimmed. */
static char *stub_cmdline(const struct tdx_uki *u)
{
	size_t len = 0, zeros, a = 0, b;
	const uint8_t *p = section(u, ".cmdline", &len, &zeros);
	char *s = malloc(len + 1);

	if (!s)
		return NULL;
	for (b = 0; p && b < len && p[b]; b++)
		s[b] = p[b] < 0x20 || p[b] == 0x7f ? ' ' : (char)p[b];
	while (b > 0 && s[b - 1] == ' ')
		b--;
	while (a < b && s[a] == ' ')
		a++;
	memmove(s, s + a, b - a);
	s[b - a] = '\0';
	return s;
}

static int initrd_event(struct cvm_tdx_values *v, const struct tdx_uki *u)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	static const char *const parts[] = { ".ucode", ".initrd" };
	uint8_t d[48];
	bool any = false;

	if (cvm_hash_new(CVM_HASH_SHA384, &c) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < 2; i++) {
		size_t len, zeros;
		const uint8_t *p = section(u, parts[i], &len, &zeros);

		if (!p || (i == 0 && u->stub_major < 256))
			continue;
		if (cvm_hash_update(c, p, len) < 0 || cvm_hash_zeros(c, zeros) < 0)
			return -ENOMEM;
		any = true;
	}
	if (!any)
		return 0;
	if (cvm_hash_final(c, d) < 0)
		return -ENOMEM;
	cvm_tdx_add_event(v, 2, CVM_EV_EVENT_TAG, d,
			  "Linux initrd: the initrd systemd-stub serves (%s.initrd of '%s')",
			  u->stub_major >= 256 ? ".ucode and " : "", u->name);
	return 0;
}

int tdx_uki_rtmr2(struct cvm_tdx_values *v, const struct tdx_uki *u, cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *cmdline = NULL;
	CVM_CLEANUP_FREE uint8_t *opts = NULL;
	size_t len, zeros, n;
	const uint8_t *k = section(u, ".linux", &len, &zeros);
	uint8_t d[48];
	int r;

	if (u->stub_major >= 256)
		pcr11_events(v, u);
	r = tdx_kernel_measures_rtmr2(v, k, len, ".linux");
	if (r <= 0)
		return 0;
	if (!(cmdline = stub_cmdline(u)) || (r = cvm_tdx_load_options(cmdline, false, &opts, &n)) ==
						     -ENOMEM)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (r < 0)
		return cvm_err_set(reterr, -EINVAL,
				   "the .cmdline of '%s' is not printable ASCII: its UTF-16 "
				   "form is not modelled",
				   u->name);
	if (n > 2) {
		cvm_sha384(opts, n, d);
		cvm_tdx_add_event(v, 2, CVM_EV_EVENT_TAG, d,
				  "LOADED_IMAGE::LoadOptions: \"%s\" (UTF-16LE with NUL)", cmdline);
	}
	if (initrd_event(v, u) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the initrd of '%s'", u->name);
	return 0;
}
