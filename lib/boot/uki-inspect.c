/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvm_uki_inspect(): what a UKI holds and what it will measure. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>

#include "boot/authenticode.h"
#include "boot/pcr.h"
#include "boot/sections.h"
#include "boot/sigparse.h"
#include "util/hash.h"
#include "util/macro.h"

CVM_PUBLIC struct cvm_uki_info *cvm_uki_info_free(struct cvm_uki_info *info)
{
	if (!info)
		return NULL;
	free(info->sections);
	free(info->stub_version);
	free(info->uname);
	free(info->signer_subject);
	free(info->signer_issuer);
	free(info);
	return NULL;
}

static void info_freep(struct cvm_uki_info **p)
{
	cvm_uki_info_free(*p);
}

/* One uki_part per known section (the first of each name), mapped as the loader maps it. */
struct mapped {
	struct cvm_uki_blob blob[UKI__COUNT];
	struct uki_part part[UKI__COUNT];
	const struct uki_part *by_sec[UKI__COUNT];
	uint16_t first[UKI__COUNT]; /* its index in the section table */
};

static int map_sections(const struct pe_image *pe, struct mapped *m, cvm_err *reterr)
{
	for (uint16_t i = 0; i < pe->n_sections; i++) {
		const struct pe_section *s = &pe->sections[i];
		enum uki_section sec = uki_section_from_string(s->name);
		size_t len, zeros;
		const uint8_t *data = pe_section_data(pe, s, &len, &zeros);

		if (!data)
			return cvm_err_set(reterr, -EBADMSG, "section '%s' lies outside the file",
					   s->name);
		if (sec == UKI_INVALID || m->by_sec[sec])
			continue;
		m->blob[sec] = (struct cvm_uki_blob){ .data = data, .len = len };
		m->part[sec] = (struct uki_part){ .sec = sec, .name = s->name,
						  .pieces = &m->blob[sec], .n_pieces = 1,
						  .pad = 1, .zeros = zeros };
		m->part[sec].len = uki_part_len(&m->part[sec]);
		m->by_sec[sec] = &m->part[sec];
		m->first[sec] = i;
	}
	return 0;
}

static int describe_sections(const struct pe_image *pe, unsigned mask,
			     const struct mapped *m, struct cvm_uki_info *info, cvm_err *reterr)
{
	info->sections = calloc(pe->n_sections ? pe->n_sections : 1, sizeof(*info->sections));
	if (!info->sections)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	info->n_sections = pe->n_sections;
	for (uint16_t i = 0; i < pe->n_sections; i++) {
		const struct pe_section *s = &pe->sections[i];
		struct cvm_uki_section *o = &info->sections[i];
		enum uki_section sec = uki_section_from_string(s->name);
		struct cvm_uki_blob blob;
		struct uki_part part = { .pieces = &blob, .n_pieces = 1, .pad = 1 };

		memcpy(o->name, s->name, sizeof(o->name));
		o->virtual_address = s->va;
		o->virtual_size = s->vsize;
		o->file_offset = s->raw_ptr;
		o->file_size = s->raw_size;
		blob.data = pe_section_data(pe, s, &blob.len, &part.zeros);
		if (uki_part_hash(&part, CVM_HASH_SHA256, o->sha256) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash section '%s'", s->name);
		/* as uki_pcr11() counts: the first of its name, known, non-empty, not .pcrsig */
		o->measured = sec != UKI_INVALID && sec != UKI_PCRSIG && (mask & (1u << sec)) &&
			      m->first[sec] == i && s->vsize > 0;
	}
	return 0;
}

static int describe_uki(const struct pe_image *pe, struct cvm_uki_info *info, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct mapped *m = calloc(1, sizeof(*m));
	uint8_t pcr[CVM_UKI_PHASES + 1][CVM_SHA512_LEN];
	const char *version;
	size_t vlen;
	unsigned mask = uki_stub_measured_mask(pe, &version, &vlen);
	int r;

	if (!m)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = map_sections(pe, m, reterr);
	if (r < 0 || (r = describe_sections(pe, mask, m, info, reterr)) < 0)
		return r;
	info->is_uki = m->by_sec[UKI_LINUX] != NULL;
	if (version && !(info->stub_version = strndup(version, vlen)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (m->by_sec[UKI_UNAME] &&
	    !(info->uname = strndup((const char *)m->blob[UKI_UNAME].data, m->blob[UKI_UNAME].len)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (uki_pcr11(m->by_sec, mask, CVM_HASH_SHA256, pcr) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute PCR 11");
	for (size_t i = 0; i <= CVM_UKI_PHASES; i++)
		memcpy(info->pcr11_sha256[i], pcr[i], CVM_SHA256_LEN);
	return 0;
}

CVM_PUBLIC int cvm_uki_inspect(const uint8_t *data, size_t len, const char *name,
			       struct cvm_uki_info **ret, cvm_err *reterr)
{
	CVM_CLEANUP(info_freep) struct cvm_uki_info *info = NULL;
	CVM_CLEANUP_FREE struct pe_image *pe = NULL;
	int r;

	CVM_CHECK_ARG(data && ret, reterr);
	pe = malloc(sizeof(*pe));
	info = calloc(1, sizeof(*info));
	if (!pe || !info)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = pe_parse(data, len, name ? name : "image", pe, reterr);
	if (r < 0 || (r = describe_uki(pe, info, reterr)) < 0)
		return r;
	r = pe_authenticode(pe, CVM_HASH_SHA256, info->authenticode_sha256, reterr);
	if (r < 0 || (r = pe_authenticode(pe, CVM_HASH_SHA384, info->authenticode_sha384,
					  reterr)) < 0)
		return r;
	r = uki_signature_describe(pe, info, reterr);
	if (r < 0)
		return r;
	info->size = len;
	if (cvm_sha256(data, len, info->sha256) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(info);
	return 0;
}
