/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON as the library and its command line write it (json-c): the one
 * cleanup for json_object and the one way bytes become a JSON value
 * (lowercase hex, no prefix), so every object has one shape wherever it is
 * printed. The documents themselves are described in cvmimg(1), "JSON output".
 */
#ifndef CVMIMG_JSON_H
#define CVMIMG_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/err.h>

CVM_DEFINE_CLEANUP(json_object, json_object_put, cvm_json)
CVM_DEFINE_CLEANUP(json_tokener, json_tokener_free, cvm_json_tokener)

/* A JSON string of the lowercase hex of @len bytes; NULL when out of memory. */
json_object *cvm_json_hex(const uint8_t *buf, size_t len);

/* Add "@key": "<hex>" to the object @o. Returns 0, or -ENOMEM. */
int cvm_json_add_hex(json_object *o, const char *key, const uint8_t *buf, size_t len);

/* Add "@key": @v (a new reference is not taken: @v is owned by @o afterwards, NULL-safe). */
int cvm_json_add(json_object *o, const char *key, json_object *v);

/*
 * Parse @len bytes of @text (at most @max) as one JSON value, whitespace
 * around it allowed, nesting as deep as json-c's default (32). Returns 0 with
 * the value in *ret (json_object_put(); NULL for the text "null"); -EFBIG
 * over @max; -EBADMSG "<name> is not valid JSON: <reason>" (a NUL byte or
 * trailing data too). @name is used as given: quote a file name yourself.
 */
int cvm_json_parse(const char *text, size_t len, size_t max, const char *name, json_object **ret,
		   cvm_err *reterr);

#endif
