/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line's one door to libcurl: the transport cvmimg broker apply
 * and the cvmimg-unlock agent give the library (cvm_http_func). Cookies pass
 * through explicitly (the request's Cookie, the response's Set-Cookie pairs).
 * libcurl errors become negative errno with curl's text; nothing is printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include <cvmimg/cleanup.h>

#include "broker-http.h"

#define BODY_MAX (4u << 20)

CVM_DEFINE_CLEANUP(CURL, curl_easy_cleanup, curl_easy)
CVM_DEFINE_CLEANUP(struct curl_slist, curl_slist_free_all, curl_slist)

struct sink {
	char *buf;
	size_t len;
	bool overflow;
};

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
	struct sink *s = userdata;
	size_t len = size * n;
	char *nb;

	if (s->len + len > BODY_MAX) {
		s->overflow = true;
		return 0;
	}
	if (!(nb = realloc(s->buf, s->len + len + 1)))
		return 0;
	memcpy(nb + s->len, p, len);
	s->buf = nb;
	s->len += len;
	s->buf[s->len] = '\0';
	return len;
}

/* Each "Set-Cookie: name=value; attrs" header: "name=value" appended to the response's cookie. */
static size_t on_header(char *p, size_t size, size_t n, void *userdata)
{
	struct cvm_http_response *ret = userdata;
	static const char key[] = "set-cookie:";
	size_t len = size * n, k = sizeof(key) - 1, end, used = strlen(ret->cookie);

	if (len <= k || strncasecmp(p, key, k))
		return len;
	p += k;
	len -= k;
	while (len && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	for (end = 0; end < len && !strchr(";\r\n", p[end]); end++)
		;
	if (end && used + end + 3 < sizeof(ret->cookie))
		snprintf(ret->cookie + used, sizeof(ret->cookie) - used, "%s%.*s",
			 used ? "; " : "", (int)end, p);
	return size * n;
}

int broker_http_init(struct broker_http *h, cvm_err *reterr)
{
	CURLcode c = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (c != CURLE_OK)
		return cvm_err_set(reterr, -EIO, "libcurl: %s", curl_easy_strerror(c));
	h->initialized = true;
	return 0;
}

void broker_http_done(struct broker_http *h)
{
	if (h->initialized)
		curl_global_cleanup();
	h->initialized = false;
}

/* Append @line to *@l (left as it was on failure). */
static int append(struct curl_slist **l, const char *line)
{
	struct curl_slist *n = curl_slist_append(*l, line);

	if (!n)
		return -ENOMEM;
	*l = n;
	return 0;
}

static int headers(const struct broker_http *h, const struct cvm_http_request *req,
		   struct curl_slist **l)
{
	CVM_CLEANUP_FREE char *auth = NULL, *type = NULL, *cookie = NULL;

	if (req->cookie && (asprintf(&cookie, "Cookie: %s", req->cookie) < 0 || append(l, cookie) < 0))
		return -ENOMEM;
	if ((h->token && (asprintf(&auth, "Authorization: Bearer %s", h->token) < 0 ||
			  append(l, auth) < 0)) ||
	    (req->content_type && (asprintf(&type, "Content-Type: %s", req->content_type) < 0 ||
				   append(l, type) < 0)) ||
	    append(l, "Expect:") < 0)
		return -ENOMEM;
	return 0;
}

static int setup(CURL *c, const struct broker_http *h, const struct cvm_http_request *req,
		 const char *url, struct curl_slist *hdrs, struct sink *s,
		 struct cvm_http_response *ret)
{
	CURLcode r = CURLE_OK;

#define SET(opt, val)                                                                              \
	do {                                                                                       \
		if (r == CURLE_OK)                                                                 \
			r = curl_easy_setopt(c, opt, val);                                         \
	} while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, h->allow_http ? "http,https" : "https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT, h->timeout);
	SET(CURLOPT_CONNECTTIMEOUT, h->timeout);
	SET(CURLOPT_HTTPHEADER, hdrs);
	SET(CURLOPT_WRITEFUNCTION, on_data);
	SET(CURLOPT_WRITEDATA, s);
	SET(CURLOPT_HEADERFUNCTION, on_header);
	SET(CURLOPT_HEADERDATA, ret);
	SET(CURLOPT_USERAGENT, "cvmimg");
	if (h->ca_file)
		SET(CURLOPT_CAINFO, h->ca_file);
	if (h->pin)
		SET(CURLOPT_PINNEDPUBLICKEY, h->pin);
	/* a pin alone is the trust anchor: libcurl checks it with peer verification off too */
	if (h->pin && !h->ca_file) {
		SET(CURLOPT_SSL_VERIFYPEER, 0L);
		SET(CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (!strcmp(req->method, "POST")) {
		SET(CURLOPT_POST, 1L);
		SET(CURLOPT_POSTFIELDS, req->body ? req->body : "");
		SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->len);
	}
#undef SET
	return r == CURLE_OK ? 0 : -EINVAL;
}

int broker_http_request(void *ctx, const struct cvm_http_request *req,
			struct cvm_http_response *ret, cvm_err *reterr)
{
	const struct broker_http *h = ctx;
	CVM_CLEANUP(curl_easyp) CURL *c = curl_easy_init();
	CVM_CLEANUP(curl_slistp) struct curl_slist *hdrs = NULL;
	CVM_CLEANUP_FREE char *url = NULL;
	struct sink s = { 0 };
	size_t n = strlen(h->base_url);
	CURLcode cr;
	long status = 0;

	while (n && h->base_url[n - 1] == '/')
		n--;
	if (!c || asprintf(&url, "%.*s%s", (int)n, h->base_url, req->path) < 0 ||
	    headers(h, req, &hdrs) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	ret->cookie[0] = '\0';
	if (setup(c, h, req, url, hdrs, &s, ret) < 0)
		return cvm_err_set(reterr, -EINVAL, "libcurl cannot be set up for '%s'", url);
	cr = curl_easy_perform(c);
	if (cr != CURLE_OK) {
		free(s.buf);
		/* an untrusted broker stays untrusted: not a failure to retry */
		if (cr == CURLE_PEER_FAILED_VERIFICATION || cr == CURLE_SSL_PINNEDPUBKEYNOTMATCH ||
		    cr == CURLE_SSL_CACERT_BADFILE)
			return cvm_err_set(reterr, -EKEYREJECTED, "%s %s: %s", req->method, url,
					   curl_easy_strerror(cr));
		if (cr == CURLE_UNSUPPORTED_PROTOCOL && !h->allow_http)
			return cvm_err_set(reterr, -EINVAL, "'%s': the broker needs https (or "
							    "--allow-http)", h->base_url);
		return cvm_err_set(reterr, s.overflow ? -EFBIG : -EIO, "%s %s: %s", req->method,
				   url, curl_easy_strerror(cr));
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	ret->status = status;
	ret->body = s.buf;
	ret->len = s.len;
	return 0;
}
