/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Trustee's reference values (trustee.c) and resource-policy rule (rego.c). */
#ifndef CVM_BUNDLE_TRUSTEE_H
#define CVM_BUNDLE_TRUSTEE_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include <cvmimg/err.h>

/* The @i-th reference-value name cvmimg knows (Trustee's default CPU policy), NULL past the end. */
const char *bundle_trustee_rv_name(size_t i);

/* Whether the reference value @name is a list (unioned on the broker) or one value. */
bool bundle_trustee_rv_is_list(const char *name);

/*
 * Check one reference value, or a whole map, against its name's type. -EBADMSG
 * for an unknown name or a wrong type (@where starts the message).
 */
int bundle_trustee_check_rv(const char *name, json_object *v, const char *where, cvm_err *reterr);
int bundle_trustee_check_rvs(json_object *rvs, const char *where, cvm_err *reterr);

/*
 * The reference values of checked @shapes (snp_launch_measurement, mr_td,
 * rtmr_1, rtmr_2: each value once, in the order of the shapes) and of @extra
 * (may be NULL; the values the measurements cannot give, such as TCB
 * versions). Returns 0 with a new object; -EBADMSG for a bad @extra; -EINVAL
 * if @extra names a computed value.
 */
int bundle_trustee_rvs(json_object *shapes, json_object *extra, json_object **ret,
		       cvm_err *reterr);

/* [A-Za-z0-9._-]{1,max}, neither "." nor "..". */
bool bundle_is_name(const char *s, size_t max);
/* repo/type/tag, each a name of at most CVM_BUNDLE_NAME_MAX. */
bool bundle_is_resource(const char *s);

/*
 * The image's resource-policy block for @resource from the template (caller
 * frees). Returns 0; -EINVAL for a bad name or path.
 */
int bundle_trustee_rule(const char *image, const char *resource, json_object *shapes,
			char **ret, cvm_err *reterr);

/*
 * @existing (NULL or blank: none) with @block replacing the block of the same
 * @resource, or appended; a new policy (deny by default) if there was none.
 * *@ret_foreign tells whether another allow rule remains that may release
 * resources too. Returns 0; -EBADMSG for a policy cvmimg cannot merge into.
 */
int bundle_policy_merge(const char *existing, const char *resource, const char *block,
			char **ret, bool *ret_foreign, cvm_err *reterr);

/* {"version":"0.1.0","type":"sample","payload":<base64 of @rvs>} (caller frees). -ENOMEM. */
int bundle_rv_message(json_object *rvs, char **ret);

#endif
