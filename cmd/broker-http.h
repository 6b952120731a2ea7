/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The libcurl transport of cvmimg broker apply and cvmimg-unlock (broker-http.c). */
#ifndef CVMIMG_BROKER_HTTP_H
#define CVMIMG_BROKER_HTTP_H

#include <stdbool.h>

#include <cvmimg/bundle.h>

struct broker_http {
	const char *base_url; /* "https://kbs.example:8080" */
	const char *ca_file;  /* NULL: the system's CAs */
	const char *pin;      /* NULL, or the server key's "sha256//<base64>" (SPKI pin) */
	const char *token;    /* the admin bearer token */
	long timeout;	      /* seconds, per request */
	bool allow_http;      /* else https only */
	bool initialized;
};

int broker_http_init(struct broker_http *h, cvm_err *reterr);
void broker_http_done(struct broker_http *h);

/* A cvm_http_func over libcurl; @ctx is a struct broker_http. */
int broker_http_request(void *ctx, const struct cvm_http_request *req,
			struct cvm_http_response *ret, cvm_err *reterr);

#endif
