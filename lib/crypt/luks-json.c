/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A LUKS2 header's description as JSON, the one shape `build` and `inspect` print. */
#include <errno.h>
#include <stdio.h>

#include <cvmimg/crypt.h>
#include <cvmimg/json.h>

#include "util/macro.h"

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_u64_if(json_object *o, const char *key, uint64_t v)
{
	if (v)
		json_object_object_add(o, key, json_object_new_uint64(v));
}

/* A member of @parent named by the decimal @id, holding a new object (NULL when out of memory). */
static json_object *member(json_object *parent, unsigned id)
{
	json_object *o = json_object_new_object();
	char key[16];

	snprintf(key, sizeof(key), "%u", id);
	return o && cvm_json_add(parent, key, o) == 0 ? o : NULL;
}

static int segments(const struct cvm_luks_header *h, json_object *all)
{
	for (size_t i = 0; i < h->n_segments; i++) {
		const struct cvm_luks_segment *s = &h->segments[i];
		json_object *o = member(all, s->id);

		if (!o)
			return -ENOMEM;
		add_str(o, "type", s->type);
		add_str(o, "offset", s->offset);
		add_str(o, "size", s->size);
		add_str(o, "iv_tweak", s->iv_tweak);
		add_str(o, "encryption", s->encryption);
		json_object_object_add(o, "sector_size", json_object_new_int((int)s->sector_size));
	}
	return 0;
}

static int keyslots(const struct cvm_luks_header *h, json_object *all)
{
	for (size_t i = 0; i < h->n_keyslots; i++) {
		const struct cvm_luks_keyslot *k = &h->keyslots[i];
		json_object *o = member(all, k->id), *kdf;

		if (!o)
			return -ENOMEM;
		json_object_object_add(o, "key_size", json_object_new_int((int)k->key_size));
		if (cvm_json_add(o, "kdf", kdf = json_object_new_object()) < 0)
			return -ENOMEM;
		add_str(kdf, "type", k->kdf);
		if (k->hash[0])
			add_str(kdf, "hash", k->hash);
		add_u64_if(kdf, "iterations", k->iterations);
		add_u64_if(kdf, "time", k->time);
		add_u64_if(kdf, "memory", k->memory);
		add_u64_if(kdf, "cpus", k->cpus);
	}
	return 0;
}

static int tokens(const struct cvm_luks_header *h, json_object *all)
{
	for (size_t i = 0; i < h->n_tokens; i++) {
		const struct cvm_luks_token *t = &h->tokens[i];
		json_object *o = member(all, t->id), *slots;

		if (!o)
			return -ENOMEM;
		add_str(o, "type", t->type);
		if (cvm_json_add(o, "keyslots", slots = json_object_new_array()) < 0)
			return -ENOMEM;
		for (size_t k = 0; k < t->n_keyslots; k++) {
			char id[16];

			snprintf(id, sizeof(id), "%u", t->keyslots[k]);
			json_object_array_add(slots, json_object_new_string(id));
		}
		for (size_t k = 0; k < t->n_hints; k++)
			json_object_object_add(o, t->hints[k].name,
					       t->hints[k].is_number
						   ? json_object_new_int64(t->hints[k].number)
						   : json_object_new_string(t->hints[k].text));
	}
	return 0;
}

CVM_PUBLIC int cvm_luks_header_to_json(const struct cvm_luks_header *h, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *segs, *slots, *toks;

	if (!h || !ret)
		return -EINVAL;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	add_str(o, "uuid", h->uuid);
	add_str(o, "label", h->label);
	if (cvm_json_add(o, "segments", segs = json_object_new_object()) < 0 ||
	    cvm_json_add(o, "keyslots", slots = json_object_new_object()) < 0 ||
	    cvm_json_add(o, "tokens", toks = json_object_new_object()) < 0 ||
	    segments(h, segs) < 0 || keyslots(h, slots) < 0 || tokens(h, toks) < 0)
		return -ENOMEM;
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
