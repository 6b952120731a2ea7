/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The predicate's "verity" object (cvmimg-bundle(5)): the dm-verity
 * parameters of a read-only root, as build.json records them and the UKI's
 * command line carries them. A bundle holds the object exactly as the build
 * wrote it; here it is only checked, when a bundle is made and when one is
 * read, so that a reader can rely on every member's type and form.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <cvmimg/verity.h>

#include "bundle/verity.h"
#include "util/macro.h"

enum kind { ROOT_HASH, SALT, BLOCKS, OFFSET, BLOCK_SIZE, ALGORITHM, UUID };

static const struct member {
	const char *name;
	enum kind kind;
	bool required;
} members[] = {
    {"root_hash", ROOT_HASH, true},	   {"salt", SALT, true},
    {"data_blocks", BLOCKS, true},	   {"hash_offset", OFFSET, true},
    {"data_block_size", BLOCK_SIZE, true}, {"hash_block_size", BLOCK_SIZE, true},
    {"hash_algorithm", ALGORITHM, true},   {"uuid", UUID, false},
};

static bool all_of(const char *s, const char *set)
{
	return strspn(s, set) == strlen(s);
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (size_t i = 0; i < 36; i++)
		if ((i == 8 || i == 13 || i == 18 || i == 23) ? s[i] != '-'
							      : !strchr("0123456789abcdef", s[i]))
			return false;
	return true;
}

/* A non-negative integer member; JSON numbers with a fraction or a sign are refused. */
static bool get_u64(json_object *o, uint64_t *ret)
{
	if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0)
		return false;
	*ret = json_object_get_uint64(o);
	return true;
}

/* positions in members[] of the numbers compared at the end */
enum { DATA_BLOCKS = 2, HASH_OFFSET = 3, DATA_BLOCK_SIZE = 4 };

/* NULL when @o is right for @m, else what it should be. */
static const char *check_member(const struct member *m, json_object *o, uint64_t *ret)
{
	const char *s = json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
	switch (m->kind) {
	case ROOT_HASH:
		return s && strlen(s) == 2 * CVM_VERITY_DIGEST && all_of(s, "0123456789abcdef")
			   ? NULL
			   : "expected 64 lowercase hex digits";
	case SALT:
		return s && strlen(s) % 2 == 0 && strlen(s) <= 2 * CVM_VERITY_SALT_MAX &&
			       all_of(s, "0123456789abcdef")
			   ? NULL
			   : "expected at most 256 bytes of lowercase hex";
	case BLOCKS:
		return get_u64(o, ret) && *ret >= 1 && *ret <= CVM_VERITY_MAX_DATA_BLOCKS
			   ? NULL
			   : "expected a block count from 1 to 2^26";
	case OFFSET:
		return get_u64(o, ret) ? NULL : "expected a byte offset";
	case BLOCK_SIZE:
		return get_u64(o, ret) && *ret >= 512 && *ret <= 65536 && !(*ret & (*ret - 1))
			   ? NULL
			   : "expected a power of two from 512 to 65536";
	case ALGORITHM:
		return s && *s && strlen(s) < 16 &&
			       all_of(s, "abcdefghijklmnopqrstuvwxyz0123456789-")
			   ? NULL
			   : "expected a hash name such as sha256";
	case UUID:
		return s && is_uuid(s) ? NULL : "expected a lowercase UUID";
	}
	return "unexpected";
}

int bundle_check_verity(json_object *v, const char *where, cvm_err *reterr)
{
	uint64_t value[CVM_ARRAY_SIZE(members)] = {0};

	if (!json_object_is_type(v, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "%s: expected an object", where);
	for (size_t i = 0; i < CVM_ARRAY_SIZE(members); i++) {
		json_object *o = NULL;
		const char *what;

		if (!json_object_object_get_ex(v, members[i].name, &o) || !o) {
			if (!members[i].required)
				continue;
			return cvm_err_set(reterr, -EBADMSG, "%s.%s: missing", where,
					   members[i].name);
		}
		if ((what = check_member(&members[i], o, &value[i])))
			return cvm_err_set(reterr, -EBADMSG, "%s.%s: %s", where, members[i].name,
					   what);
	}
	json_object_object_foreach(v, key, val)
	{
		bool known = false;

		(void)val;
		for (size_t i = 0; i < CVM_ARRAY_SIZE(members); i++)
			known |= !strcmp(key, members[i].name);
		if (!known)
			return cvm_err_set(reterr, -EBADMSG, "%s: unknown member \"%.64s\"", where,
					   key);
	}
	/* the tree follows the data: hash_offset is not inside data_blocks * data_block_size */
	if (value[HASH_OFFSET] / value[DATA_BLOCK_SIZE] < value[DATA_BLOCKS])
		return cvm_err_set(reterr, -EBADMSG, "%s.hash_offset: inside the data blocks",
				   where);
	return 0;
}
