/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A bundle read by cvm_bundle_load() (load.c), as the other modules see it. */
#ifndef CVM_BUNDLE_BUNDLE_H
#define CVM_BUNDLE_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/bundle.h>

struct cvm_bundle {
	char name[280]; /* "'file'", for messages */
	json_object *statement;
	bool verified; /* the envelope's signature was checked, by key keyid */
	char keyid[CVM_KEYID_LEN + 1];
	/* borrowed from statement, checked by load.c */
	const char *image_name;
	int64_t created, not_after;
	json_object *shapes; /* predicate.launch */
	const char *resource, *rule;
	json_object *rvs;
	json_object *sealed; /* NULL if no key is sealed */
};

/* The member at @path ("predicate.broker.url") of @o, or NULL. */
json_object *bundle_get(json_object *o, const char *path);

#endif
