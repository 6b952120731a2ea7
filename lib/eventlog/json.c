/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * JSON event lists: cvmimg measure --json ("events": rtmr, event_type,
 * digest, description) and dstack's quote files ("event_log": a JSON string
 * of imr, event_type, digest, event, event_payload; "quote": the TDX quote in
 * hex, whose TD report carries RTMR0..3).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/eventlog.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "eventlog/eventlog-internal.h"
#include "util/endian.h"
#include "util/hash.h"

#define DSTACK_RUNTIME_EVENT 0x08000001u
#define QUOTE_RTMR0 (48 + 328) /* quote header, then the TD report body */

static int bad(cvm_err *e, const char *name, size_t i, const char *what)
{
	return cvm_err_set(e, -EBADMSG, "'%s': event %zu: %s", name, i, what);
}

static int get_int(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !v)
		return -ENOENT;
	if (json_object_is_type(v, json_type_int)) {
		*ret = json_object_get_int64(v);
		return 0;
	}
	if (json_object_is_type(v, json_type_string)) {
		uint64_t u;

		if (cvm_parse_u64(json_object_get_string(v), 0, INT64_MAX, &u) < 0)
			return -EINVAL;
		*ret = (int64_t)u;
		return 0;
	}
	return -EINVAL;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* dstack's runtime events (RTMR3): SHA384(u32le type ":" name ":" payload). */
static int dstack_digest(struct cvm_event *e, const char *event)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t n = strlen(event), len = 4 + 1 + n + 1 + e->data_len;

	if (!(buf = malloc(len)))
		return -ENOMEM;
	cvm_put_le32(buf, e->type);
	buf[4] = ':';
	memcpy(buf + 5, event, n);
	buf[5 + n] = ':';
	if (e->data_len)
		memcpy(buf + 6 + n, e->data, e->data_len);
	e->has_digest = true;
	return cvm_sha384(buf, len, e->digest);
}

static int parse_digest(struct cvm_event *e, json_object *o, const char *name, size_t i,
			cvm_err *reterr)
{
	const char *d = get_str(o, "digest");
	const char *event = get_str(o, "event");

	if (d && *d) {
		if (strlen(d) != 96 || cvm_hex_decode(d, e->digest, 48, NULL) < 0)
			return bad(reterr, name, i, "\"digest\" is not 96 hex digits (SHA-384)");
		e->has_digest = true;
	} else if (e->type == DSTACK_RUNTIME_EVENT && event) {
		if (dstack_digest(e, event) < 0)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	return 0;
}

static int parse_event(struct cvm_event *e, json_object *o, const char *name, size_t i,
		       cvm_err *reterr)
{
	const char *payload = get_str(o, "event_payload"), *desc = get_str(o, "description");
	const char *event = get_str(o, "event");
	int64_t rtmr, type;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return bad(reterr, name, i, "not an object");
	if (get_int(o, "rtmr", &rtmr) < 0 && get_int(o, "imr", &rtmr) < 0)
		return bad(reterr, name, i, "no \"rtmr\" (or \"imr\") number");
	if (get_int(o, "event_type", &type) < 0 || type > UINT32_MAX)
		return bad(reterr, name, i, "no \"event_type\" number");
	e->rtmr = rtmr >= 0 && rtmr <= 3 ? (int)rtmr : -1;
	e->mr_index = e->rtmr >= 0 ? e->rtmr + 1 : -1;
	e->type = (uint32_t)type;
	if (payload && *payload &&
	    cvm_hex_decode_alloc(payload, CVM_EVENTLOG_MAX_DATA, &e->data, &e->data_len, NULL) < 0)
		return bad(reterr, name, i, "\"event_payload\" is not hex");
	if ((r = parse_digest(e, o, name, i, reterr)) < 0)
		return r;
	if (desc || (event && *event))
		e->description = strdup(desc ? desc : event);
	else if ((r = eventlog_describe(e)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	return e->description ? 0 : cvm_err_set(reterr, -ENOMEM, "out of memory");
}

static int parse_list(json_object *list, const char *name, struct cvm_eventlog *l,
		      cvm_err *reterr)
{
	size_t cap = 0, n = json_object_array_length(list);
	int r;

	for (size_t i = 0; i < n; i++) {
		struct cvm_event *e;

		if ((r = eventlog_append(l, &cap, &e, reterr)) < 0 ||
		    (r = parse_event(e, json_object_array_get_idx(list, i), name, i, reterr)) < 0)
			return r;
	}
	return 0;
}

/* The RTMRs of a TDX quote in hex (the TD report body follows the 48-byte header). */
static void quote_rtmrs(json_object *doc, struct cvm_eventlog *l)
{
	const char *q = get_str(doc, "quote");
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len;

	if (!q || cvm_hex_decode_alloc(q, 1 << 20, &buf, &len, NULL) < 0 ||
	    len < QUOTE_RTMR0 + 4 * 48 || cvm_le16(buf) < 4)
		return;
	memcpy(l->quote_rtmr, buf + QUOTE_RTMR0, sizeof(l->quote_rtmr));
	l->has_quote_rtmrs = true;
}

/* The event array of @doc: itself, its "events", or its "event_log" (a JSON string). */
static int find_list(json_object *doc, const char *name, json_object **owned, json_object **ret,
		     cvm_err *reterr)
{
	const char *s;
	int r;

	if (json_object_is_type(doc, json_type_array)) {
		*ret = doc;
		return 0;
	}
	if (json_object_is_type(doc, json_type_object) &&
	    json_object_object_get_ex(doc, "events", ret) &&
	    json_object_is_type(*ret, json_type_array))
		return 0;
	if (json_object_is_type(doc, json_type_object) && (s = get_str(doc, "event_log"))) {
		if ((r = cvm_json_parse(s, strlen(s), CVM_EVENTLOG_MAX_SIZE, "its event_log", owned,
					reterr)) < 0)
			return r;
		if (json_object_is_type(*owned, json_type_array)) {
			*ret = *owned;
			return 0;
		}
	}
	return cvm_err_set(reterr, -EBADMSG,
			   "'%s' holds no event list (an array, \"events\" or \"event_log\")", name);
}

int eventlog_parse_json(const uint8_t *buf, size_t len, const char *name,
			struct cvm_eventlog **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *doc = NULL, *inner = NULL;
	json_object *list;
	struct cvm_eventlog *l;
	char what[300];
	int r;

	snprintf(what, sizeof(what), "'%s'", name);
	if ((r = cvm_json_parse((const char *)buf, len, CVM_EVENTLOG_MAX_SIZE, what, &doc,
				reterr)) < 0 ||
	    (r = find_list(doc, name, &inner, &list, reterr)) < 0)
		return r;
	if (!(l = calloc(1, sizeof(*l))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = parse_list(list, name, l, reterr)) < 0) {
		cvm_eventlog_free(l);
		return r;
	}
	if (json_object_is_type(doc, json_type_object))
		quote_rtmrs(doc, l);
	*ret = l;
	return 0;
}
