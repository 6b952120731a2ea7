/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the unlock agent needs besides the protocol: its configuration
 * (/etc/cvmimg/unlock.json in the measured initrd overlay), written by
 * cvmimg build and read by cvmimg-unlock, the broker key's passphrase form,
 * and the check that it opens the broker keyslot of the expected LUKS2 device
 * before anyone is answered.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include <libcryptsetup.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/macro.h"

CVM_DEFINE_CLEANUP(struct crypt_device, crypt_free, unlock_crypt)

static const char *const keys[] = {
    "broker_url", "broker_ca",	   "broker_pin", "broker_resource", "luks_uuid",
    "keyslot",	  "timeout",	   "request_timeout", "allow_http", "evidence", NULL,
};

CVM_PUBLIC void cvm_unlock_config_done(struct cvm_unlock_config *c)
{
	if (!c)
		return;
	free(c->broker_url);
	free(c->broker_ca);
	free(c->broker_pin);
	free(c->broker_resource);
	free(c->luks_uuid);
	free(c->evidence);
	memset(c, 0, sizeof(*c));
}

/* 8-4-4-4-12 hex digits */
static bool uuid_ok(const char *s)
{
	if (strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++)
		if (i == 8 || i == 13 || i == 18 || i == 23 ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static int get_string(json_object *o, const char *k, bool required, char **ret, cvm_err *reterr)
{
	json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null)) {
		if (required)
			return cvm_err_set(reterr, -EBADMSG, "the unlock configuration has no "
					   "\"%s\"", k);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
		return cvm_err_set(reterr, -EBADMSG, "\"%s\" of the unlock configuration is not "
				   "a non-empty string", k);
	if (!(*ret = strdup(json_object_get_string(v))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

static int get_uint(json_object *o, const char *k, unsigned min, unsigned max, unsigned *ret,
		    cvm_err *reterr)
{
	json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(o, k, &v))
		return 0;
	n = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || n < min || n > max)
		return cvm_err_set(reterr, -EBADMSG, "\"%s\" of the unlock configuration is not "
				   "an integer from %u to %u", k, min, max);
	*ret = (unsigned)n;
	return 0;
}

static int check_keys(json_object *o, cvm_err *reterr)
{
	json_object_object_foreach(o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; keys[i] && strcmp(keys[i], k); i++)
			;
		if (!keys[i])
			return cvm_err_set(reterr, -EBADMSG, "the unlock configuration has an "
					   "unknown key \"%.40s\"", k);
	}
	return 0;
}

/* The meaning of the values, once read: the URL's scheme, one trust anchor, the evidence. */
static int check_values(const struct cvm_unlock_config *c, cvm_err *reterr)
{
	bool https;

	if (strcmp(c->evidence, "auto") && strcmp(c->evidence, "efi-secret") &&
	    cvm_evidence_source_from_string(c->evidence) < 0)
		return cvm_err_set(reterr, -EBADMSG, "\"evidence\" '%.40s' is not auto, tsm, "
				   "sev-guest, efi-secret or sample", c->evidence);
	if (!strcmp(c->evidence, "efi-secret") && !c->broker_url)
		return 0; /* the injected key: no broker */
	if (!c->broker_url || !c->broker_resource)
		return cvm_err_set(reterr, -EBADMSG, "the unlock configuration has no \"%s\"",
				   c->broker_url ? "broker_resource" : "broker_url");
	https = !strncmp(c->broker_url, "https://", 8);
	if (!https && strncmp(c->broker_url, "http://", 7))
		return cvm_err_set(reterr, -EBADMSG, "the broker URL '%.100s' is neither https:// "
				   "nor http://", c->broker_url);
	if (!https && !c->allow_http)
		return cvm_err_set(reterr, -EBADMSG, "the broker URL '%.100s' is plain http, and "
				   "\"allow_http\" is not true", c->broker_url);
	if (https && !c->broker_ca && !c->broker_pin)
		return cvm_err_set(reterr, -EBADMSG, "an https broker needs \"broker_ca\" or "
				   "\"broker_pin\"");
	if (c->broker_pin && strncmp(c->broker_pin, "sha256//", 8))
		return cvm_err_set(reterr, -EBADMSG, "\"broker_pin\" must be sha256//<base64 of "
				   "the SPKI digest>");
	return 0;
}

CVM_PUBLIC int cvm_unlock_config_parse(const char *text, size_t len, struct cvm_unlock_config *ret,
				       cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	CVM_CLEANUP(cvm_unlock_config_done) struct cvm_unlock_config c = {
	    .keyslot = 1, .timeout = 30, .request_timeout = 10};
	json_object *v;
	int r;

	CVM_CHECK_ARG(text && ret, reterr);
	if ((r = cvm_json_parse(text, len, 64u << 10, "the unlock configuration", &o, reterr)) < 0)
		return r;
	if (!json_object_is_type(o, json_type_object))
		return cvm_err_set(reterr, -EBADMSG, "the unlock configuration is not an object");
	if ((r = check_keys(o, reterr)) < 0 ||
	    (r = get_string(o, "broker_url", false, &c.broker_url, reterr)) < 0 ||
	    (r = get_string(o, "broker_resource", false, &c.broker_resource, reterr)) < 0 ||
	    (r = get_string(o, "luks_uuid", true, &c.luks_uuid, reterr)) < 0 ||
	    (r = get_string(o, "broker_ca", false, &c.broker_ca, reterr)) < 0 ||
	    (r = get_string(o, "broker_pin", false, &c.broker_pin, reterr)) < 0 ||
	    (r = get_string(o, "evidence", false, &c.evidence, reterr)) < 0 ||
	    (r = get_uint(o, "keyslot", 0, 31, &c.keyslot, reterr)) < 0 ||
	    (r = get_uint(o, "timeout", 1, 3600, &c.timeout, reterr)) < 0 ||
	    (r = get_uint(o, "request_timeout", 1, 3600, &c.request_timeout, reterr)) < 0)
		return r;
	if (json_object_object_get_ex(o, "allow_http", &v)) {
		if (!json_object_is_type(v, json_type_boolean))
			return cvm_err_set(reterr, -EBADMSG, "\"allow_http\" is not true or false");
		c.allow_http = json_object_get_boolean(v);
	}
	if (!c.evidence && !(c.evidence = strdup("auto")))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!uuid_ok(c.luks_uuid))
		return cvm_err_set(reterr, -EBADMSG, "\"luks_uuid\" '%.40s' is not a UUID",
				   c.luks_uuid);
	if ((r = check_values(&c, reterr)) < 0)
		return r;
	*ret = c;
	memset(&c, 0, sizeof(c));
	return 0;
}

CVM_PUBLIC int cvm_unlock_config_load(const char *path, struct cvm_unlock_config *ret,
				      cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	CVM_CHECK_ARG(path && ret, reterr);
	if ((r = cvm_read_file(path, 64u << 10, &buf, &len, reterr)) < 0)
		return r;
	r = cvm_unlock_config_parse((const char *)buf, len, ret, reterr);
	if (r < 0 && r != -ENOMEM && reterr) {
		cvm_err e = *reterr;

		return cvm_err_set(reterr, r, "'%s': %s", path, e.msg);
	}
	return r;
}

static int add_str(json_object *o, const char *k, const char *v)
{
	return v ? cvm_json_add(o, k, json_object_new_string(v)) : 0;
}

CVM_PUBLIC int cvm_unlock_config_to_json(const struct cvm_unlock_config *c, char **ret,
					 cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	const char *s;

	CVM_CHECK_ARG(c && c->luks_uuid && ret, reterr);
	if (!o || add_str(o, "broker_url", c->broker_url) < 0 ||
	    add_str(o, "broker_ca", c->broker_ca) < 0 || add_str(o, "broker_pin", c->broker_pin) < 0 ||
	    add_str(o, "broker_resource", c->broker_resource) < 0 ||
	    add_str(o, "luks_uuid", c->luks_uuid) < 0 ||
	    cvm_json_add(o, "keyslot", json_object_new_int((int)c->keyslot)) < 0 ||
	    cvm_json_add(o, "timeout", json_object_new_int((int)c->timeout)) < 0 ||
	    cvm_json_add(o, "request_timeout", json_object_new_int((int)c->request_timeout)) < 0 ||
	    cvm_json_add(o, "allow_http", json_object_new_boolean(c->allow_http)) < 0 ||
	    add_str(o, "evidence", c->evidence ? c->evidence : "auto") < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
						  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!s || asprintf(ret, "%s\n", s) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return 0;
}

CVM_PUBLIC int cvm_broker_key_passphrase(const uint8_t *key, size_t len, char *ret,
					 cvm_err *reterr)
{
	CVM_CHECK_ARG(key && ret, reterr);
	if (len != CVM_BROKER_KEY_SIZE)
		return cvm_err_set(reterr, -EBADMSG, "the broker key is %zu bytes, not %d", len,
				   CVM_BROKER_KEY_SIZE);
	cvm_hex_encode(key, len, ret);
	return 0;
}

/* libcryptsetup's messages go nowhere: the caller gets ours. */
static void quiet(int level, const char *msg, void *usrptr)
{
	(void)level;
	(void)msg;
	(void)usrptr;
}

CVM_PUBLIC int cvm_unlock_check_key(const char *device, const char *luks_uuid, unsigned keyslot,
				    const uint8_t *key, size_t len, cvm_err *reterr)
{
	CVM_CLEANUP(unlock_cryptp) struct crypt_device *cd = NULL;
	const char *uuid;
	int r;

	CVM_CHECK_ARG(device && key && len, reterr);
	crypt_set_log_callback(NULL, quiet, NULL);
	if (access(device, R_OK) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", device);
	if ((r = crypt_init(&cd, device)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot open '%s'", device);
	crypt_set_log_callback(cd, quiet, NULL);
	if ((r = crypt_load(cd, CRYPT_LUKS2, NULL)) < 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has no LUKS2 header", device);
	uuid = crypt_get_uuid(cd);
	if (luks_uuid && (!uuid || strcasecmp(uuid, luks_uuid)))
		return cvm_err_set(reterr, -EKEYREJECTED, "'%s' is the LUKS2 device %s, not %s",
				   device, uuid ? uuid : "(none)", luks_uuid);
	/* a NULL name only checks the key against the keyslot: nothing is activated */
	r = crypt_activate_by_passphrase(cd, NULL, (int)keyslot, (const char *)key, len, 0);
	if (r == -EPERM || r == -ENOENT)
		return cvm_err_set(reterr, -EKEYREJECTED, "the key does not open keyslot %u of "
				   "'%s'", keyslot, device);
	if (r < 0)
		return cvm_err_set_errno(reterr, r, "cannot check keyslot %u of '%s'", keyslot,
					 device);
	return 0;
}
