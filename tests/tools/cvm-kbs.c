/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A test driver for the KBS client (<cvmimg/broker.h>) over the command
 * line's libcurl transport, so that shell tests can run it against the mock
 * broker (tests/tools/kbs-mock.py). Not installed.
 *
 *   cvm-kbs URL REPO/TYPE/TAG [TEE-SOURCE [VERSION]]
 *
 * TEE-SOURCE is an evidence provider (sample, tsm, sev-guest; default
 * sample). Prints the resource in hex and one line per protocol step on
 * stderr. Exit 0; 1 for -EKEYREJECTED or -EACCES; 3 for bad input; 4 otherwise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "broker-http.h"

static int fail(int r, const cvm_err *e)
{
	fprintf(stderr, "cvm-kbs: %s\n", e->msg);
	if (r == -EKEYREJECTED || r == -EACCES)
		return 1;
	return r == -EBADMSG || r == -EINVAL || r == -ENOENT ? 3 : 4;
}

static void note(void *ctx, const char *text)
{
	(void)ctx;
	fprintf(stderr, "cvm-kbs: %s\n", text);
}

static void evidence_freep(struct cvm_evidence **e)
{
	cvm_evidence_free(*e);
}

int main(int argc, char **argv)
{
	CVM_CLEANUP(evidence_freep) struct cvm_evidence *ev = NULL;
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	struct broker_http h = {.timeout = 10, .allow_http = true};
	enum cvm_evidence_source src = CVM_EVIDENCE_SAMPLE;
	cvm_err e = {0};
	size_t len = 0;
	int r;

	if (argc < 3 || argc > 5) {
		fprintf(stderr, "usage: cvm-kbs URL REPO/TYPE/TAG [TEE-SOURCE [VERSION]]\n");
		return 2;
	}
	if (argc > 3 && (src = cvm_evidence_source_from_string(argv[3])) < 0) {
		fprintf(stderr, "cvm-kbs: unknown evidence source '%s'\n", argv[3]);
		return 2;
	}
	h.base_url = argv[1];
	if ((r = cvm_evidence_open(src, NULL, &ev, &e)) < 0 || (r = broker_http_init(&h, &e)) < 0)
		return fail(r, &e);
	struct cvm_kbs_client c = {
	    .version = argc > 4 ? argv[4] : NULL,
	    .http = broker_http_request,
	    .http_ctx = &h,
	    .evidence = ev,
	    .note = note,
	};
	r = cvm_kbs_get_resource(&c, argv[2], &key, &len, &e);
	broker_http_done(&h);
	if (r < 0)
		return fail(r, &e);
	for (size_t i = 0; i < len; i++)
		printf("%02x", key[i]);
	printf("\n");
	return 0;
}
