/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Authenticode image hashing ("Windows Authenticode Portable Executable
 * Signature Format", section "Calculating the PE Image Hash"). Firmware
 * extends this digest into PCR 4 (SHA-256) and RTMR 1 (SHA-384, TDX); it is
 * also what a Secure Boot signature signs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/uki.h>

#include "boot/authenticode.h"
#include "util/macro.h"

/* Section indexes ordered by PointerToRawData (insertion sort: n <= 96, stable). */
static void sort_by_raw_ptr(const struct pe_image *pe, uint16_t *idx)
{
	for (uint16_t i = 0; i < pe->n_sections; i++) {
		uint16_t j = i;

		while (j > 0 && pe->sections[idx[j - 1]].raw_ptr > pe->sections[i].raw_ptr) {
			idx[j] = idx[j - 1];
			j--;
		}
		idx[j] = i;
	}
}

static int hash_headers(const struct pe_image *pe, struct cvm_hash_ctx *c)
{
	uint32_t cks = pe_checksum_off(pe), after = cks + 4;
	int r;

	r = cvm_hash_update(c, pe->data, cks);
	if (r < 0)
		return r;
	if (pe->n_dirs > PE_DIR_SECURITY) {
		uint32_t dir = pe->dir_off + 8 * PE_DIR_SECURITY;

		r = cvm_hash_update(c, pe->data + after, dir - after);
		if (r < 0)
			return r;
		after = dir + 8;
	}
	return cvm_hash_update(c, pe->data + after, pe->size_of_headers - after);
}

int pe_authenticode(const struct pe_image *pe, enum cvm_hash_alg alg, uint8_t *out,
		    cvm_err *reterr)
{
	CVM_CLEANUP(cvm_hash_freep) struct cvm_hash_ctx *c = NULL;
	uint16_t idx[PE_MAX_SECTIONS];
	uint32_t cert_off, cert_size;
	uint64_t sum = pe->size_of_headers;
	size_t end = pe->len;

	pe_dir(pe, PE_DIR_SECURITY, &cert_off, &cert_size);
	if (cert_size) {
		/* The certificate table's "VirtualAddress" is a file offset. */
		if ((uint64_t)cert_off + cert_size > pe->len)
			return cvm_err_set(reterr, -EBADMSG,
					   "the certificate table lies outside the file");
		end = pe->len - cert_size;
	}
	if (cvm_hash_new(alg, &c) < 0 || hash_headers(pe, c) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the PE headers");
	sort_by_raw_ptr(pe, idx);
	for (uint16_t i = 0; i < pe->n_sections; i++) {
		const struct pe_section *s = &pe->sections[idx[i]];

		if (!s->raw_size)
			continue;
		if (cvm_hash_update(c, pe->data + s->raw_ptr, s->raw_size) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot hash section '%s'", s->name);
		sum += s->raw_size;
	}
	/* Data after the sections (but not the signatures) is covered too. */
	if (end > sum && cvm_hash_update(c, pe->data + sum, end - (size_t)sum) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the trailing data");
	if (cvm_hash_final(c, out) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the PE image");
	return 0;
}

CVM_PUBLIC int cvm_pe_authenticode(const uint8_t *pe, size_t len, const char *name,
				   uint8_t *ret_sha256, uint8_t *ret_sha384, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct pe_image *img = NULL;
	uint8_t d256[CVM_SHA256_LEN], d384[CVM_SHA384_LEN];
	int r;

	CVM_CHECK_ARG(pe && (ret_sha256 || ret_sha384), reterr);
	img = malloc(sizeof(*img));
	if (!img)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	r = pe_parse(pe, len, name ? name : "PE image", img, reterr);
	if (r < 0)
		return r;
	if (ret_sha256 && (r = pe_authenticode(img, CVM_HASH_SHA256, d256, reterr)) < 0)
		return r;
	if (ret_sha384 && (r = pe_authenticode(img, CVM_HASH_SHA384, d384, reterr)) < 0)
		return r;
	if (ret_sha256)
		memcpy(ret_sha256, d256, sizeof(d256));
	if (ret_sha384)
		memcpy(ret_sha384, d384, sizeof(d384));
	return 0;
}
