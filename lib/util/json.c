/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/macro.h"

CVM_PUBLIC json_object *cvm_json_hex(const uint8_t *buf, size_t len)
{
	CVM_CLEANUP_FREE char *hex = malloc(2 * len + 1);

	if (!hex)
		return NULL;
	cvm_hex_encode(buf, len, hex);
	return json_object_new_string_len(hex, (int)(2 * len));
}

CVM_PUBLIC int cvm_json_add(json_object *o, const char *key, json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v) < 0) {
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

CVM_PUBLIC int cvm_json_add_hex(json_object *o, const char *key, const uint8_t *buf, size_t len)
{
	return cvm_json_add(o, key, cvm_json_hex(buf, len));
}
