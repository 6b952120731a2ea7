/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data firmware and loaders measure into the RTMRs, byte for byte
 * (reference/tdx-measurement.md §3.2, §3.4, §5.1), the event list and its
 * replay, and the QEMU version rules.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/eventlog.h>

#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/hash.h"
#include "util/macro.h"

/* 8be4df61-93ca-11d2-aa0d-00e098032b8c */
const uint8_t cvm_guid_efi_global_variable[16] = { 0x61, 0xdf, 0xe4, 0x8b, 0xca, 0x93, 0xd2, 0x11,
						   0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c };
/* d719b2cb-3d3a-4596-a3bc-dad00e67656f */
const uint8_t cvm_guid_image_security_database[16] = { 0xcb, 0xb2, 0x19, 0xd7, 0x3a, 0x3d,
						       0x96, 0x45, 0xa3, 0xbc, 0xda, 0xd0,
						       0x0e, 0x67, 0x65, 0x6f };
/* 7cb8bdc9-f8eb-4f34-aaea-3ee4af6516a1: OVMF's DXE firmware volume */
static const uint8_t guid_dxe_fv[16] = { 0xc9, 0xbd, 0xb8, 0x7c, 0xeb, 0xf8, 0x34, 0x4f,
					 0xaa, 0xea, 0x3e, 0xe4, 0xaf, 0x65, 0x16, 0xa1 };
/* 462caa21-7614-4503-836e-8ab6f4662331: UiApp */
static const uint8_t guid_uiapp[16] = { 0x21, 0xaa, 0x2c, 0x46, 0x14, 0x76, 0x03, 0x45,
					0x83, 0x6e, 0x8a, 0xb6, 0xf4, 0x66, 0x23, 0x31 };

const char *cvm_tdx_event_type_name(uint32_t type)
{
	return cvm_event_type_name(type);
}

int cvm_uefi_variable_data(const uint8_t guid[16], const char *name, const uint8_t *data,
			   size_t data_len, uint8_t *out, size_t cap)
{
	size_t n = strlen(name), len = 32 + 2 * n + data_len;

	if (len > cap)
		return -E2BIG;
	memcpy(out, guid, 16);
	cvm_put_le64(out + 16, n);
	cvm_put_le64(out + 24, data_len);
	for (size_t i = 0; i < n; i++)
		cvm_put_le16(out + 32 + 2 * i, (uint8_t)name[i]);
	if (data_len)
		memcpy(out + 32 + 2 * n, data, data_len);
	return (int)len;
}

int cvm_utf16_nul(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);

	if (2 * (n + 1) > cap)
		return -E2BIG;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c > 0x7e)
			return -EINVAL;
		cvm_put_le16(out + 2 * i, c);
	}
	cvm_put_le16(out + 2 * n, 0);
	return (int)(2 * (n + 1));
}

int cvm_tdx_load_options(const char *append, bool initrd, uint8_t **ret, size_t *ret_len)
{
	static const char suffix[] = " initrd=initrd";
	size_t n = strlen(append ? append : "") + sizeof(suffix);
	char *s = malloc(n);
	uint8_t *out = malloc(2 * n);
	int r = -ENOMEM;

	if (s && out) {
		snprintf(s, n, "%s%s", append ? append : "", initrd ? suffix : "");
		r = cvm_utf16_nul(s, out, 2 * n);
	}
	free(s);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = (size_t)r;
	return 0;
}

size_t cvm_tdx_boot0000_uiapp(uint8_t out[128])
{
	static const char desc[] = "UiApp";
	uint8_t *p = out;

	cvm_put_le32(p, 0x109); /* ACTIVE | HIDDEN | CATEGORY_APP */
	cvm_put_le16(p + 4, 20 + 20 + 4);
	p += 6;
	for (size_t i = 0; i < sizeof(desc); i++, p += 2)
		cvm_put_le16(p, (uint8_t)desc[i]);
	/* MEDIA_DEVICE_PATH / PIWG firmware volume, then firmware file, then end */
	p[0] = 0x04, p[1] = 0x07, cvm_put_le16(p + 2, 20), memcpy(p + 4, guid_dxe_fv, 16);
	p += 20;
	p[0] = 0x04, p[1] = 0x06, cvm_put_le16(p + 2, 20), memcpy(p + 4, guid_uiapp, 16);
	p += 20;
	p[0] = 0x7f, p[1] = 0xff, cvm_put_le16(p + 2, 4);
	p += 4;
	return (size_t)(p - out);
}

/* "M.N[.P]" with an optional suffix after a '-', '+' or '~' ("9.2.1-tdx"). */
static int parse_version(const char *s, unsigned v[3])
{
	char *end;

	v[0] = v[1] = v[2] = 0;
	for (int i = 0; i < 3; i++) {
		unsigned long x;

		if (*s < '0' || *s > '9')
			return -EINVAL;
		x = strtoul(s, &end, 10);
		if (x > 100000)
			return -EINVAL;
		v[i] = (unsigned)x;
		s = end;
		if (*s != '.')
			break;
		s++;
	}
	return *s == '\0' || *s == '-' || *s == '+' || *s == '~' ? 0 : -EINVAL;
}

int cvm_tdx_qemu_rules(const char *version, bool *ret_two_pass, bool *ret_patches_kernel)
{
	unsigned v[3];

	if (!version || parse_version(version, v) < 0 || v[0] < 2)
		return -EINVAL;
	/* two-pass: Canonical 8.2.2 and Intel's 8.2.50 (reference §2.3); single-pass since 9 */
	*ret_two_pass = v[0] == 8;
	*ret_patches_kernel = v[0] < 10 || (v[0] == 10 && v[1] < 1);
	return 0;
}

static bool digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int cvm_tdx_ovmf_release(const char *version, unsigned *ret)
{
	const char *s = version, *m;
	unsigned year, month;

	if (!s)
		return -EINVAL;
	if (!strncmp(s, "edk2-stable", 11))
		s += 11;
	m = s[4] == '.' ? s + 5 : s + 4;
	if (strlen(s) < 6 || !digits(s, 4) || !digits(m, 2) ||
	    (m[2] && m[2] != '-' && m[2] != '+' && m[2] != '~' && m[2] != '.'))
		return -EINVAL;
	year = (unsigned)atoi((char[5]){ s[0], s[1], s[2], s[3], 0 });
	month = (unsigned)(m[0] - '0') * 10 + (unsigned)(m[1] - '0');
	if (year < 2000 || month < 1 || month > 12)
		return -EINVAL;
	*ret = year * 100 + month;
	return 0;
}

void cvm_tdx_extend(uint8_t mr[48], const uint8_t digest[48])
{
	uint8_t buf[96];

	memcpy(buf, mr, 48);
	memcpy(buf + 48, digest, 48);
	cvm_sha384(buf, sizeof(buf), mr);
}

void cvm_tdx_add_event(struct cvm_tdx_values *v, unsigned rtmr, uint32_t type,
		       const uint8_t *digest, const char *fmt, ...)
{
	struct cvm_tdx_event *e;
	va_list ap;

	if (v->n_events == CVM_TDX_EVENTS_MAX) {
		cvm_tdx_unknown(v, 1 + rtmr, "more than %d events", CVM_TDX_EVENTS_MAX);
		return;
	}
	e = &v->events[v->n_events++];
	memset(e, 0, sizeof(*e));
	e->rtmr = rtmr;
	e->type = type;
	e->known = digest != NULL;
	if (digest)
		memcpy(e->digest, digest, 48);
	va_start(ap, fmt);
	vsnprintf(e->description, sizeof(e->description), fmt, ap);
	va_end(ap);
}

void cvm_tdx_unknown(struct cvm_tdx_values *v, unsigned reg, const char *fmt, ...)
{
	char reason[CVM_TDX_REASON_MAX];
	char *u = v->unknown[reg];
	size_t have;
	va_list ap;

	if (reg > 4)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (strstr(u, reason))
		return;
	have = strlen(u);
	/* every reason, as long as they fit: the user can fix them in one go */
	if (have + 2 + strlen(reason) < CVM_TDX_REASON_MAX)
		snprintf(u + have, CVM_TDX_REASON_MAX - have, "%s%s", have ? "; " : "", reason);
}

void cvm_tdx_replay(struct cvm_tdx_values *v)
{
	memset(v->rtmr, 0, sizeof(v->rtmr));
	for (size_t i = 0; i < v->n_events; i++) {
		const struct cvm_tdx_event *e = &v->events[i];

		if (e->rtmr > 3)
			continue;
		if (!e->known && !v->unknown[1 + e->rtmr][0])
			cvm_tdx_unknown(v, 1 + e->rtmr, "event %zu (%s) cannot be computed", i,
					e->description);
		else if (e->known)
			cvm_tdx_extend(v->rtmr[e->rtmr], e->digest);
	}
	for (unsigned r = 0; r < 4; r++) {
		v->rtmr_known[r] = !v->unknown[1 + r][0];
		if (!v->rtmr_known[r])
			memset(v->rtmr[r], 0, 48);
	}
}
