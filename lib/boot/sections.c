/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include <cvmimg/cleanup.h>

#include "boot/sections.h"
#include "util/macro.h"

static const char *const names[UKI__COUNT] = {
	[UKI_LINUX] = ".linux",	  [UKI_OSREL] = ".osrel",   [UKI_CMDLINE] = ".cmdline",
	[UKI_INITRD] = ".initrd", [UKI_UCODE] = ".ucode",   [UKI_SPLASH] = ".splash",
	[UKI_DTB] = ".dtb",	  [UKI_UNAME] = ".uname",   [UKI_SBAT] = ".sbat",
	[UKI_PCRSIG] = ".pcrsig", [UKI_PCRPKEY] = ".pcrpkey", [UKI_PROFILE] = ".profile",
};

const char *uki_section_to_string(enum uki_section s)
{
	return (unsigned)s < UKI__COUNT ? names[s] : NULL;
}

enum uki_section uki_section_from_string(const char *name)
{
	for (int i = 0; i < UKI__COUNT; i++)
		if (!strcmp(names[i], name))
			return (enum uki_section)i;
	return UKI_INVALID;
}

#define BIT(s) (1u << (s))
#define MEASURED_252                                                                               \
	(BIT(UKI_LINUX) | BIT(UKI_OSREL) | BIT(UKI_CMDLINE) | BIT(UKI_INITRD) | BIT(UKI_SPLASH) |  \
	 BIT(UKI_DTB) | BIT(UKI_PCRPKEY))
#define MEASURED_253 (MEASURED_252 | BIT(UKI_UNAME) | BIT(UKI_SBAT))
#define MEASURED_256 (MEASURED_253 | BIT(UKI_UCODE))
#define MEASURED_257 (MEASURED_256 | BIT(UKI_PROFILE))

/* "systemd-stub 252.39-1~deb12u2" inside .sdmagic: the version text and its major number. */
static unsigned stub_version(const struct pe_image *stub, const char **ret, size_t *ret_len)
{
	static const char tag[] = "systemd-stub ";
	const struct pe_section *s = pe_find_section(stub, ".sdmagic");
	const char *p, *end;
	size_t len, zeros;
	unsigned major = 0;

	*ret = NULL;
	*ret_len = 0;
	if (!s || !(p = (const char *)pe_section_data(stub, s, &len, &zeros)))
		return 0;
	end = p + len;
	p = memmem(p, len, tag, sizeof(tag) - 1);
	if (!p)
		return 0;
	p += sizeof(tag) - 1;
	*ret = p;
	while (p < end && *p >= '0' && *p <= '9' && major < 100000)
		major = major * 10 + (unsigned)(*p++ - '0');
	while (p < end && *p != ' ' && *p != '\0')
		p++;
	*ret_len = (size_t)(p - *ret);
	return major;
}

unsigned uki_stub_measured_mask(const struct pe_image *stub, const char **ret_version,
				size_t *ret_version_len)
{
	const char *v;
	size_t vlen;
	unsigned major = stub_version(stub, &v, &vlen);

	if (ret_version)
		*ret_version = v;
	if (ret_version_len)
		*ret_version_len = vlen;
	if (major == 0 || major >= 257)
		return MEASURED_257;
	if (major >= 256)
		return MEASURED_256;
	if (major >= 253)
		return MEASURED_253;
	return MEASURED_252;
}

uint64_t uki_part_len(const struct uki_part *p)
{
	uint64_t len = 0;

	for (size_t i = 0; i < p->n_pieces; i++) {
		len += p->pieces[i].len;
		if (i + 1 < p->n_pieces && p->pad > 1)
			len = CVM_ALIGN_UP(len, (uint64_t)p->pad);
	}
	return len + p->zeros;
}

static size_t pad_after(const struct uki_part *p, size_t i, uint64_t at)
{
	if (i + 1 >= p->n_pieces || p->pad <= 1)
		return 0;
	return (size_t)(CVM_ALIGN_UP(at, (uint64_t)p->pad) - at);
}

int uki_part_walk(const struct uki_part *p, uki_part_fn fn, void *userdata)
{
	uint64_t at = 0;
	int r;

	for (size_t i = 0; i < p->n_pieces; i++) {
		size_t pad;

		if (p->pieces[i].len && (r = fn(userdata, p->pieces[i].data, p->pieces[i].len)) < 0)
			return r;
		at += p->pieces[i].len;
		pad = pad_after(p, i, at);
		if (pad && (r = fn(userdata, NULL, pad)) < 0)
			return r;
		at += pad;
	}
	return p->zeros ? fn(userdata, NULL, p->zeros) : 0;
}

static int hash_run(void *userdata, const uint8_t *data, size_t len)
{
	struct cvm_hash_ctx *c = userdata;

	if ((data ? cvm_hash_update(c, data, len) : cvm_hash_zeros(c, len)) < 0)
		return -ENOMEM;
	return 0;
}

int uki_part_hash(const struct uki_part *p, enum cvm_hash_alg alg, uint8_t *out)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;

	if (cvm_hash_new(alg, &c) < 0 || uki_part_walk(p, hash_run, c) < 0 ||
	    cvm_hash_final(c, out) < 0)
		return -ENOMEM;
	return 0;
}
