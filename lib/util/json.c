/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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

CVM_PUBLIC int cvm_json_parse(const char *text, size_t len, size_t max, const char *name,
			      json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_json_tokenerp) json_tokener *tok = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	enum json_tokener_error e;
	size_t end;

	CVM_CHECK_ARG(text && name && ret, reterr);
	if (len > max || len > INT32_MAX)
		return cvm_err_set(reterr, -EFBIG, "%s is longer than %zu bytes", name, max);
	if (memchr(text, '\0', len))
		return cvm_err_set(reterr, -EBADMSG, "%s is not valid JSON: a NUL byte", name);
	tok = json_tokener_new();
	if (!tok)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (e == json_tokener_continue) {
		/* a number or literal at the very end waits for more: a NUL ends the input */
		o = json_tokener_parse_ex(tok, "", 1);
		e = json_tokener_get_error(tok);
		end = len;
	}
	if (e != json_tokener_success)
		return cvm_err_set(reterr, -EBADMSG, "%s is not valid JSON: %s", name,
				   e == json_tokener_continue ? "unexpected end"
							      : json_tokener_error_desc(e));
	while (end < len && strchr(" \t\r\n", text[end]))
		end++;
	if (end < len)
		return cvm_err_set(reterr, -EBADMSG, "%s is not valid JSON: data after the value",
				   name);
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
