/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VM shapes: one launch configuration and the measurement it gives (shapes.c). */
#ifndef CVM_BUNDLE_SHAPES_H
#define CVM_BUNDLE_SHAPES_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include <cvmimg/err.h>

/*
 * Check an array of shapes (@list, named @list_name inside @doc in messages).
 * Returns 0; -EBADMSG naming the shape and member; -EFBIG for too many.
 */
int bundle_check_shapes(json_object *list, const char *doc, const char *list_name,
			cvm_err *reterr);

/* The expected-value names of @tee ("measurement"; "mr_td", "rtmr_0".."rtmr_3"), NULL-ended. */
const char *const *bundle_tee_registers(const char *tee, size_t *ret_len);

/* Members of a checked shape; the value of an expected register, or NULL if unknown. */
const char *bundle_shape_name(json_object *shape);
const char *bundle_shape_tee(json_object *shape);
const char *bundle_shape_value(json_object *shape, const char *reg);

/* Exactly 2 * @bytes lowercase hex digits. */
bool bundle_is_hex(const char *s, size_t bytes);

#endif
