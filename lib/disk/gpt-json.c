/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A partition table's description as JSON, the one shape `build` and `inspect` print. */
#include <errno.h>

#include <cvmimg/disk.h>
#include <cvmimg/json.h>

#include "util/macro.h"

static json_object *partition(const struct cvm_gpt_partition *p)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "number", json_object_new_int((int)p->number));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "type", json_object_new_string(p->type));
	json_object_object_add(o, "uuid", json_object_new_string(p->uuid));
	json_object_object_add(o, "start", json_object_new_uint64(p->start));
	json_object_object_add(o, "size", json_object_new_uint64(p->size));
	return o;
}

CVM_PUBLIC int cvm_gpt_to_json(const struct cvm_gpt *g, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	json_object *parts;

	if (!g || !ret)
		return -EINVAL;
	if (!(o = json_object_new_object()))
		return -ENOMEM;
	json_object_object_add(o, "label", json_object_new_string("gpt"));
	json_object_object_add(o, "guid", json_object_new_string(g->guid));
	json_object_object_add(o, "size", json_object_new_uint64(g->size));
	if (cvm_json_add(o, "partitions", parts = json_object_new_array()) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < g->n; i++) {
		json_object *p = partition(&g->parts[i]);

		if (!p || json_object_array_add(parts, p) < 0) {
			json_object_put(p);
			return -ENOMEM;
		}
	}
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
