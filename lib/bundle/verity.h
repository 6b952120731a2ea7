/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The predicate's "verity" object: the dm-verity parameters of the image (verity.c). */
#ifndef CVM_BUNDLE_VERITY_H
#define CVM_BUNDLE_VERITY_H

#include <json-c/json.h>

#include <cvmimg/err.h>

/*
 * Check @v, named @where in messages, as build.json's "verity" object
 * (cvm_verity_params_to_json()): root_hash, salt, data_blocks, hash_offset,
 * data_block_size, hash_block_size, hash_algorithm, and optionally uuid, no
 * other member. Returns 0; -EBADMSG naming the member at fault.
 */
int bundle_check_verity(json_object *v, const char *where, cvm_err *reterr);

#endif
