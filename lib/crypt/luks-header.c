/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reading a LUKS2 header back (cryptsetup's docs/on-disk-format-luks2.pdf):
 * a 4 KiB binary header (magic, version 2, header size, label at 24, UUID at
 * 168) followed by the JSON metadata, which lists segments, keyslots and
 * tokens as objects keyed by decimal ids.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/crypt.h>
#include <cvmimg/json.h>

#include "util/macro.h"
#include "util/pio.h"

#define BIN_HDR 4096

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* The header's size from its first 4 KiB, 0 if it is not LUKS2. */
static uint64_t header_size(const uint8_t hdr[BIN_HDR])
{
	if (memcmp(hdr, "LUKS\xba\xbe", 6) || hdr[6] != 0 || hdr[7] != 2)
		return 0;
	return be64(hdr + 8);
}

static void copy(char *dst, size_t size, json_object *o, const char *key)
{
	json_object *v;

	snprintf(dst, size, "%s",
		 json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "");
}

static uint64_t number(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static int id_of(const char *key, unsigned *ret)
{
	char *end;
	unsigned long v = strtoul(key, &end, 10);

	if (!*key || *end || v > 1024)
		return -EBADMSG;
	*ret = (unsigned)v;
	return 0;
}

static int segments(json_object *meta, struct cvm_luks_header *h)
{
	json_object *all;

	if (!json_object_object_get_ex(meta, "segments", &all) ||
	    !json_object_is_type(all, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(all, key, seg)
	{
		struct cvm_luks_segment *s = &h->segments[h->n_segments];

		if (h->n_segments == CVM_LUKS_MAX_SEGMENTS || id_of(key, &s->id) < 0)
			return -EBADMSG;
		copy(s->type, sizeof(s->type), seg, "type");
		copy(s->offset, sizeof(s->offset), seg, "offset");
		copy(s->size, sizeof(s->size), seg, "size");
		copy(s->iv_tweak, sizeof(s->iv_tweak), seg, "iv_tweak");
		copy(s->encryption, sizeof(s->encryption), seg, "encryption");
		s->sector_size = (unsigned)number(seg, "sector_size");
		h->n_segments++;
	}
	return 0;
}

static int keyslots(json_object *meta, struct cvm_luks_header *h)
{
	json_object *all, *kdf;

	if (!json_object_object_get_ex(meta, "keyslots", &all) ||
	    !json_object_is_type(all, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(all, key, ks)
	{
		struct cvm_luks_keyslot *k = &h->keyslots[h->n_keyslots];

		if (h->n_keyslots == CVM_LUKS_MAX_KEYSLOTS || id_of(key, &k->id) < 0 ||
		    !json_object_object_get_ex(ks, "kdf", &kdf))
			return -EBADMSG;
		k->key_size = (unsigned)number(ks, "key_size");
		copy(k->kdf, sizeof(k->kdf), kdf, "type");
		copy(k->hash, sizeof(k->hash), kdf, "hash");
		k->iterations = number(kdf, "iterations");
		k->time = number(kdf, "time");
		k->memory = number(kdf, "memory");
		k->cpus = number(kdf, "cpus");
		h->n_keyslots++;
	}
	return 0;
}

static int token_hint(struct cvm_luks_token *t, const char *name, json_object *v)
{
	struct cvm_luks_token_hint *hint = &t->hints[t->n_hints];

	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return 0; /* neither text nor a number: not a hint a reader needs */
	if (t->n_hints == CVM_LUKS_MAX_HINTS)
		return -EBADMSG;
	snprintf(hint->name, sizeof(hint->name), "%s", name);
	hint->is_number = json_object_is_type(v, json_type_int);
	hint->number = json_object_get_int64(v);
	snprintf(hint->text, sizeof(hint->text), "%s", json_object_get_string(v));
	t->n_hints++;
	return 0;
}

static int token(const char *key, json_object *tok, struct cvm_luks_token *t)
{
	json_object *slots = NULL;
	unsigned id;

	if (id_of(key, &t->id) < 0 || !json_object_object_get_ex(tok, "keyslots", &slots) ||
	    !json_object_is_type(slots, json_type_array) ||
	    json_object_array_length(slots) > CVM_LUKS_MAX_KEYSLOTS)
		return -EBADMSG;
	copy(t->type, sizeof(t->type), tok, "type");
	for (size_t i = 0; i < json_object_array_length(slots); i++) {
		if (id_of(json_object_get_string(json_object_array_get_idx(slots, i)), &id) < 0)
			return -EBADMSG;
		t->keyslots[t->n_keyslots++] = id;
	}
	json_object_object_foreach(tok, name, v)
	{
		if (strcmp(name, "type") && strcmp(name, "keyslots") && token_hint(t, name, v) < 0)
			return -EBADMSG;
	}
	return 0;
}

static int tokens(json_object *meta, struct cvm_luks_header *h)
{
	json_object *all;

	if (!json_object_object_get_ex(meta, "tokens", &all))
		return 0;
	if (!json_object_is_type(all, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(all, key, tok)
	{
		if (h->n_tokens == CVM_LUKS_MAX_TOKENS ||
		    token(key, tok, &h->tokens[h->n_tokens]) < 0)
			return -EBADMSG;
		h->n_tokens++;
	}
	return 0;
}

CVM_PUBLIC int cvm_luks_header_parse(const uint8_t *buf, size_t len, struct cvm_luks_header *ret,
				     cvm_err *reterr)
{
	CVM_CLEANUP(cvm_json_tokenerp) json_tokener *tok = json_tokener_new();
	CVM_CLEANUP(cvm_jsonp) json_object *meta = NULL;
	CVM_CLEANUP_FREE struct cvm_luks_header *h = calloc(1, sizeof(*h));
	uint64_t size = len >= BIN_HDR ? header_size(buf) : 0;

	CVM_CHECK_ARG(buf && ret, reterr);
	if (!tok || !h)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!size)
		return cvm_err_set(reterr, -EBADMSG, "no LUKS2 header");
	if (size <= BIN_HDR || size - BIN_HDR > CVM_LUKS_JSON_MAX || size > len)
		return cvm_err_set(reterr, -EBADMSG, "the LUKS2 header size %llu is implausible",
				   (unsigned long long)size);
	meta = json_tokener_parse_ex(tok, (const char *)buf + BIN_HDR,
				     (int)strnlen((const char *)buf + BIN_HDR, size - BIN_HDR));
	if (!meta || !json_object_is_type(meta, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "the LUKS2 metadata is not a JSON object");
	snprintf(h->label, sizeof(h->label), "%.*s", 48, (const char *)buf + 24);
	snprintf(h->uuid, sizeof(h->uuid), "%.*s", 40, (const char *)buf + 168);
	h->header_size = size;
	if (segments(meta, h) < 0 || keyslots(meta, h) < 0 || tokens(meta, h) < 0)
		return cvm_err_set(reterr, -EBADMSG,
				   "the LUKS2 metadata's segments, keyslots or tokens are malformed");
	*ret = *h;
	return 0;
}

CVM_PUBLIC int cvm_luks_header_read(int fd, uint64_t offset, struct cvm_luks_header *ret,
				    cvm_err *reterr)
{
	uint8_t hdr[BIN_HDR];
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	uint64_t size;
	int r;

	CVM_CHECK_ARG(fd >= 0 && ret, reterr);
	if ((r = cvm_pread_full(fd, hdr, sizeof(hdr), offset)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 header");
	size = header_size(hdr);
	if (size <= sizeof(hdr) || size - sizeof(hdr) > CVM_LUKS_JSON_MAX)
		return cvm_luks_header_parse(hdr, sizeof(hdr), ret, reterr);
	if (!(buf = malloc(size)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_pread_full(fd, buf, size, offset)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot read the LUKS2 metadata");
	return cvm_luks_header_parse(buf, size, ret, reterr);
}
