/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The second half of cvmimg measure: run the computation and print it. */
#ifndef CVMIMG_MEASURE_OUTPUT_H
#define CVMIMG_MEASURE_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include <cvmimg/measure.h>

/* What the command does besides the digest. */
struct measure_extras {
	bool json, base64;
	const char *dump_dir;
	const char *vars_file;
	/* SNP ID block */
	const char *id_key, *author_key;
	bool want_id_params;
	struct cvm_snp_id_block_params id_params;
	/* SEV/SEV-ES LAUNCH_MEASURE */
	const char *tik;
	bool have_mnonce, have_api_major, have_api_minor, have_build, have_policy;
	uint8_t mnonce[16];
	uint64_t api_major, api_minor, build, policy;
};

/* Usage check of the LAUNCH_MEASURE options (all or none, SEV and SEV-ES only). */
int measure_check_launch_measure_args(enum cvm_tee tee, const struct measure_extras *x);

int measure_run(struct cvm_measure_input *in, const struct measure_extras *x);

#endif
