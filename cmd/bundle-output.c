/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What cvmimg bundle verify and show print. */
#include <stdio.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>

#include "bundle-output.h"
#include "cli.h"

/* The member at @path ("predicate.image.name"), or NULL. */
static json_object *get(json_object *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		if (!json_object_object_get_ex(o, key, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}

static const char *str(json_object *o, const char *path)
{
	json_object *v = get(o, path);

	return v && !json_object_is_type(v, json_type_null) ? json_object_get_string(v) : "-";
}

static json_object *verdict_json(const struct bundle_file *f, const char *image,
				 const char *subject)
{
	json_object *st = cvm_bundle_statement(f->b), *o = json_object_new_object();
	char keyid[CVM_KEYID_LEN + 1] = "";

	cvm_bundle_verified(f->b, keyid);
	json_object_object_add(o, "valid", json_object_new_boolean(true));
	json_object_object_add(o, "keyid", json_object_new_string(keyid));
	json_object_object_add(o, "image", json_object_get(get(st, "predicate.image")));
	json_object_object_add(o, "created", json_object_get(get(st, "predicate.created")));
	json_object_object_add(o, "not_after", json_object_get(get(st, "predicate.not_after")));
	if (image) {
		json_object *a = json_object_new_object();

		json_object_object_add(a, "path", json_object_new_string(image));
		json_object_object_add(a, "subject", json_object_new_string(subject));
		json_object_object_add(o, "artifact", a);
	}
	return o;
}

int bundle_print_verified(const struct bundle_file *f, const char *image, const char *subject,
			  bool json)
{
	json_object *st = cvm_bundle_statement(f->b);
	char keyid[CVM_KEYID_LEN + 1] = "";

	if (json) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = verdict_json(f, image, subject);

		cli_print_json(o);
		return CLI_EXIT_OK;
	}
	cvm_bundle_verified(f->b, keyid);
	printf("signature:  verified, key %s\n", keyid);
	printf("image:      %s %s\n", str(st, "predicate.image.name"),
	       str(st, "predicate.image.version"));
	printf("valid:      %s to %s\n", str(st, "predicate.created"),
	       str(st, "predicate.not_after"));
	if (image)
		printf("artifact:   '%s' is subject %s\n", image, subject);
	printf("verdict:    valid\n");
	return CLI_EXIT_OK;
}

void bundle_print_shape_values(json_object *shape, const char *indent)
{
	static const char *const regs[] = { "measurement", "mrtd",  "rtmr0",
					     "rtmr1",	    "rtmr2", "rtmr3" };
	json_object *m = get(shape, "measurement"), *v = NULL;

	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (!json_object_object_get_ex(m, regs[i], &v))
			continue;
		if (v)
			printf("%s%-12s %s\n", indent, regs[i], json_object_get_string(v));
		else
			printf("%s%-12s unknown: %s\n", indent, regs[i],
			       str(get(m, "unknown"), regs[i]));
	}
}

static void print_shapes(json_object *st)
{
	json_object *list = get(st, "predicate.launch");

	printf("shapes:\n");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *s = json_object_array_get_idx(list, i);

		printf("  %s (%s)\n", str(s, "shape"), str(s, "measurement.tee"));
		bundle_print_shape_values(s, "    ");
	}
}

/* The dm-verity parameters of a read-only root, as cvmimg inspect prints them. */
static void print_verity(json_object *st)
{
	json_object *v = get(st, "predicate.verity");

	if (!v || json_object_is_type(v, json_type_null)) {
		printf("verity:     none\n");
		return;
	}
	printf("verity:     root hash %s\n", str(v, "root_hash"));
	printf("            %s data blocks, hash offset %s, %s, salt %s\n", str(v, "data_blocks"),
	       str(v, "hash_offset"), str(v, "hash_algorithm"), str(v, "salt"));
	printf("            data blocks of %s bytes, hash blocks of %s bytes\n",
	       str(v, "data_block_size"), str(v, "hash_block_size"));
}

static void print_broker(json_object *st)
{
	json_object *rvs = get(st, "predicate.broker.trustee.reference_values");

	printf("broker:\n  url:         %s\n", str(st, "predicate.broker.url"));
	printf("  resource:    %s\n", str(st, "predicate.broker.trustee.resource"));
	printf("  reference values:\n");
	json_object_object_foreach(rvs, name, v)
		printf("    %-24s %s\n", name,
		       json_object_to_json_string_ext(v, JSON_C_TO_STRING_SPACED));
	if (get(st, "predicate.broker.sealed_key.jwe"))
		printf("  sealed key:  to key %s (%s, %s)\n",
		       str(st, "predicate.broker.sealed_key.recipient"),
		       str(st, "predicate.broker.sealed_key.alg"),
		       str(st, "predicate.broker.sealed_key.enc"));
	else
		printf("  sealed key:  none\n");
}

int bundle_print(const struct bundle_file *f, bool json)
{
	json_object *st = cvm_bundle_statement(f->b), *subjects = get(st, "subject");
	char keyid[CVM_KEYID_LEN + 1] = "";
	bool verified = cvm_bundle_verified(f->b, keyid);

	if (json) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();

		json_object_object_add(o, "verified", json_object_new_boolean(verified));
		json_object_object_add(o, "keyid",
				       verified ? json_object_new_string(keyid) : NULL);
		json_object_object_add(o, "statement", json_object_get(st));
		cli_print_json(o);
		return CLI_EXIT_OK;
	}
	if (verified)
		printf("signature:  verified, key %s\n", keyid);
	else
		printf("signature:  not checked (no --key)\n");
	printf("image:      %s, version %s, LUKS UUID %s\n", str(st, "predicate.image.name"),
	       str(st, "predicate.image.version"), str(st, "predicate.image.luks_uuid"));
	printf("created:    %s\nnot after:  %s\nsubjects:\n", str(st, "predicate.created"),
	       str(st, "predicate.not_after"));
	for (size_t i = 0; i < json_object_array_length(subjects); i++) {
		json_object *s = json_object_array_get_idx(subjects, i);

		printf("  %-24s sha256 %s\n", str(s, "name"), str(s, "digest.sha256"));
	}
	print_shapes(st);
	print_verity(st);
	print_broker(st);
	return CLI_EXIT_OK;
}
