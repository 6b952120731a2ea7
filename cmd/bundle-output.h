/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg bundle and the commands that read bundles: loading one, printing it. */
#ifndef CVMIMG_BUNDLE_OUTPUT_H
#define CVMIMG_BUNDLE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/bundle.h>

struct bundle_file {
	const char *key_path; /* NULL: read without checking the signature */
	struct cvm_bundle *b;
};

static inline void bundle_file_done(struct bundle_file *f)
{
	cvm_bundle_free(f->b);
}

/* Read and load a bundle file (verified when f->key_path) for @cmd. Returns an exit code. */
int bundle_read(const char *cmd, const char *path, struct bundle_file *f);

/* --at-time @arg (RFC 3339), or now. Returns an exit code (2 for a bad time). */
int bundle_time(const char *cmd, const char *arg, int64_t *ret);

/* The verdict of cvmimg bundle verify. */
int bundle_print_verified(const struct bundle_file *f, const char *image, const char *subject,
			  bool json);

/* cvmimg bundle show. */
int bundle_print(const struct bundle_file *f, bool json);

/* One line per register of a shape: "  mr_td   <hex>" ("unknown: <why>" if null). */
void bundle_print_shape_values(json_object *shape, const char *indent);

#endif
