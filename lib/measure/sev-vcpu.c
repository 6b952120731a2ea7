/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <strings.h>

#include <cvmimg/measure.h>

#include "util/macro.h"

/* QEMU -cpu models of AMD EPYC and the family/model/stepping they report. */
static const struct {
	const char *name;
	uint8_t family, model, stepping;
} vcpu_types[] = {
	{ "EPYC", 23, 1, 2 },         { "EPYC-v1", 23, 1, 2 },      { "EPYC-v2", 23, 1, 2 },
	{ "EPYC-IBPB", 23, 1, 2 },    { "EPYC-v3", 23, 1, 2 },      { "EPYC-v4", 23, 1, 2 },
	{ "EPYC-Rome", 23, 49, 0 },   { "EPYC-Rome-v1", 23, 49, 0 }, { "EPYC-Rome-v2", 23, 49, 0 },
	{ "EPYC-Rome-v3", 23, 49, 0 }, { "EPYC-Milan", 25, 1, 1 },  { "EPYC-Milan-v1", 25, 1, 1 },
	{ "EPYC-Milan-v2", 25, 1, 1 }, { "EPYC-Genoa", 25, 17, 0 }, { "EPYC-Genoa-v1", 25, 17, 0 },
	{ "EPYC-Turin", 26, 0, 0 },
};

CVM_PUBLIC uint32_t cvm_vcpu_sig(unsigned family, unsigned model, unsigned stepping)
{
	unsigned base_family = family, ext_family = 0;

	if (family > 0xf) {
		base_family = 0xf;
		ext_family = (family - 0xf) & 0xff;
	}
	return ext_family << 20 | ((model >> 4) & 0xf) << 16 | base_family << 8 |
	       (model & 0xf) << 4 | (stepping & 0xf);
}

CVM_PUBLIC int cvm_vcpu_type_sig(const char *name, uint32_t *ret_sig)
{
	if (!name || !ret_sig)
		return -EINVAL;
	for (size_t i = 0; i < CVM_ARRAY_SIZE(vcpu_types); i++)
		if (!strcasecmp(name, vcpu_types[i].name)) {
			*ret_sig = cvm_vcpu_sig(vcpu_types[i].family, vcpu_types[i].model,
						vcpu_types[i].stepping);
			return 0;
		}
	return -ENOENT;
}

CVM_PUBLIC const char *cvm_vcpu_type_name(size_t i)
{
	return i < CVM_ARRAY_SIZE(vcpu_types) ? vcpu_types[i].name : NULL;
}
