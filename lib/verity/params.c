/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The verity parameters as JSON and as kernel command line words. The
 * command line carries them in systemd's spelling, which the initramfs-tools
 * script in templates/ reads too:
 *   roothash=HEX
 *   systemd.verity_root_options=hash-offset=BYTES,salt=HEX,data-blocks=N
 * (other options in the list are skipped; the last of a repeated word counts,
 * as the kernel's own parameters do).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/json.h>
#include <cvmimg/util.h>
#include <cvmimg/verity.h>

#include "util/macro.h"

#define OPTIONS_WORD "systemd.verity_root_options="
#define ROOTHASH     "roothash="

CVM_PUBLIC int cvm_verity_params_to_json(const struct cvm_verity_params *p, json_object **ret)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	char uuid[37];
	const uint8_t *u;

	if (!p || !ret)
		return -EINVAL;
	u = p->uuid;
	snprintf(uuid, sizeof(uuid),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	if (!o || cvm_json_add_hex(o, "root_hash", p->root_hash, sizeof(p->root_hash)) < 0 ||
	    cvm_json_add_hex(o, "salt", p->salt, p->salt_len) < 0 ||
	    cvm_json_add(o, "data_blocks", json_object_new_uint64(p->data_blocks)) < 0 ||
	    cvm_json_add(o, "hash_offset", json_object_new_uint64(p->hash_offset)) < 0 ||
	    cvm_json_add(o, "data_block_size", json_object_new_uint64(p->data_block_size)) < 0 ||
	    cvm_json_add(o, "hash_block_size", json_object_new_uint64(p->hash_block_size)) < 0 ||
	    cvm_json_add(o, "hash_algorithm", json_object_new_string(p->hash_algorithm)) < 0)
		return -ENOMEM;
	/* a UUID of zeros is one not known (the command line does not carry it) */
	if (memcmp(p->uuid, (uint8_t[16]){0}, 16) &&
	    cvm_json_add(o, "uuid", json_object_new_string(uuid)) < 0)
		return -ENOMEM;
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

/* The value of the last word starting with @prefix, up to the next blank (caller frees). */
static char *last_word(const char *cmdline, const char *prefix)
{
	size_t plen = strlen(prefix);
	const char *found = NULL;
	size_t flen = 0;

	for (const char *s = cmdline; *s;) {
		size_t n;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		n = strcspn(s, " \t\n");
		if (n >= plen && !strncmp(s, prefix, plen)) {
			found = s + plen;
			flen = n - plen;
		}
		s += n;
	}
	return found ? strndup(found, flen) : NULL;
}

static int hex_value(const char *what, const char *v, size_t min, size_t max, uint8_t *out,
		     size_t *ret_len, cvm_err *reterr)
{
	size_t n = strlen(v) / 2;
	cvm_err e;

	if (!strcmp(v, "-")) /* veritysetup's empty salt */
		n = 0;
	else if (strlen(v) % 2 || n < min || n > max || cvm_hex_decode(v, out, n, &e) < 0)
		return cvm_err_set(reterr, -EBADMSG,
				   "the command line's %s '%s' is not %zu to %zu bytes of hex", what,
				   v, min, max);
	*ret_len = n;
	return 0;
}

static int num_value(const char *what, const char *v, uint64_t *ret, cvm_err *reterr)
{
	if (cvm_parse_u64(v, 0, UINT64_MAX, ret) < 0)
		return cvm_err_set(reterr, -EBADMSG, "the command line's %s '%s' is not a number",
				   what, v);
	return 0;
}

/* hash-offset=, salt=, data-blocks= from the comma list; the others are skipped. */
static int parse_options(char *opts, struct cvm_verity_params *p, unsigned *have,
			 cvm_err *reterr)
{
	for (char *save = NULL, *o = strtok_r(opts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		int r = 0;

		if (!strncmp(o, "hash-offset=", 12)) {
			r = num_value("hash-offset", o + 12, &p->hash_offset, reterr);
			*have |= 1;
		} else if (!strncmp(o, "salt=", 5)) {
			r = hex_value("salt", o + 5, 0, CVM_VERITY_SALT_MAX, p->salt, &p->salt_len,
				      reterr);
			*have |= 2;
		} else if (!strncmp(o, "data-blocks=", 12)) {
			r = num_value("data-blocks", o + 12, &p->data_blocks, reterr);
			*have |= 4;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

CVM_PUBLIC int cvm_verity_params_from_cmdline(const char *cmdline, struct cvm_verity_params *ret,
					      cvm_err *reterr)
{
	CVM_CLEANUP_FREE char *hash = NULL;
	CVM_CLEANUP_FREE char *opts = NULL;
	struct cvm_verity_params p = {
	    .data_block_size = CVM_VERITY_BLOCK,
	    .hash_block_size = CVM_VERITY_BLOCK,
	    .hash_algorithm = CVM_VERITY_ALGORITHM,
	};
	unsigned have = 0;
	size_t n;
	int r;

	CVM_CHECK_ARG(cmdline && ret, reterr);
	hash = last_word(cmdline, ROOTHASH);
	opts = last_word(cmdline, OPTIONS_WORD);
	if (!hash && !opts)
		return cvm_err_set(reterr, -ENOENT, "the command line names no verity root");
	if (!hash || !opts)
		return cvm_err_set(reterr, -EBADMSG, "the command line has %s but no %s",
				   hash ? ROOTHASH : OPTIONS_WORD, hash ? OPTIONS_WORD : ROOTHASH);
	if ((r = hex_value("roothash", hash, CVM_VERITY_DIGEST, CVM_VERITY_DIGEST, p.root_hash, &n,
			   reterr)) < 0 ||
	    (r = parse_options(opts, &p, &have, reterr)) < 0)
		return r;
	if (have != 7)
		return cvm_err_set(reterr, -EBADMSG,
				   "%s lacks %s (hash-offset, salt and data-blocks are needed)",
				   OPTIONS_WORD,
				   !(have & 1) ? "hash-offset" : !(have & 2) ? "salt" : "data-blocks");
	*ret = p;
	return 0;
}
