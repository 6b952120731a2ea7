/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg eventlog diff: per RTMR, the longest common subsequence of the two
 * event lists (an expected event matches an actual one of the same type with
 * the same digest, or any digest when the expected one is unknown), then the
 * events outside it in order: a pair at the same place with the same type
 * "differs", an expected event alone is "missing", an actual one "unexpected".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "eventlog-diff.h"

struct seq {
	size_t n;
	const struct cvm_event **ev;
	size_t *index; /* position in the whole log */
};

struct report {
	bool json;
	json_object *list;
	size_t count;
	size_t unchecked; /* expected events of unknown digest that matched */
};

static int pick(const struct cvm_eventlog *l, int rtmr, struct seq *s)
{
	s->n = 0;
	s->ev = calloc(l->n + 1, sizeof(*s->ev));
	s->index = calloc(l->n + 1, sizeof(*s->index));
	if (!s->ev || !s->index)
		return -1;
	for (size_t i = 0; i < l->n; i++)
		if (l->events[i].rtmr == rtmr) {
			s->ev[s->n] = &l->events[i];
			s->index[s->n++] = i;
		}
	return 0;
}

static bool matches(const struct cvm_event *w, const struct cvm_event *g)
{
	return w->type == g->type &&
	       (!w->has_digest || (g->has_digest && !memcmp(w->digest, g->digest, 48)));
}

static void describe(const struct cvm_event *e, char *out, size_t cap)
{
	const char *t = cvm_event_type_name(e->type);
	char hex[97] = "unknown";

	if (e->has_digest)
		cvm_hex_encode(e->digest, 48, hex);
	snprintf(out, cap, "%s %s%s%s%s", t ? t : "?", hex, *e->description ? " (" : "",
		 e->description, *e->description ? ")" : "");
}

static void emit(struct report *r, int rtmr, const char *what, const struct seq *w, size_t i,
		 const struct seq *g, size_t j)
{
	char a[512] = "", b[512] = "";
	json_object *o;

	r->count++;
	if (w)
		describe(w->ev[i], a, sizeof(a));
	if (g)
		describe(g->ev[j], b, sizeof(b));
	if (!r->json) {
		if (w && g)
			printf("rtmr%d: differs: expected event %zu %s, actual event %zu %s\n", rtmr,
			       w->index[i], a, g->index[j], b);
		else
			printf("rtmr%d: %s: %s event %zu %s\n", rtmr, what, w ? "expected" : "actual",
			       w ? w->index[i] : g->index[j], w ? a : b);
		return;
	}
	o = json_object_new_object();
	cvm_json_add(o, "rtmr", json_object_new_int(rtmr));
	cvm_json_add(o, "kind", json_object_new_string(what));
	if (w)
		cvm_json_add(o, "expected_index", json_object_new_int64((int64_t)w->index[i])),
			cvm_json_add(o, "expected", json_object_new_string(a));
	if (g)
		cvm_json_add(o, "actual_index", json_object_new_int64((int64_t)g->index[j])),
			cvm_json_add(o, "actual", json_object_new_string(b));
	json_object_array_add(r->list, o);
}

/* LCS table: L[i][j] = length for the suffixes w[i..], g[j..]. */
static int compare(struct report *r, int rtmr, const struct seq *w, const struct seq *g)
{
	size_t cols = g->n + 1, i = 0, j = 0;
	CVM_CLEANUP_FREE size_t *L = calloc((w->n + 1) * cols, sizeof(*L));

	if (!L)
		return -1;
	for (size_t a = w->n; a-- > 0;)
		for (size_t b = g->n; b-- > 0;)
			L[a * cols + b] = matches(w->ev[a], g->ev[b])
						  ? L[(a + 1) * cols + b + 1] + 1
						  : (L[(a + 1) * cols + b] > L[a * cols + b + 1]
							     ? L[(a + 1) * cols + b]
							     : L[a * cols + b + 1]);
	while (i < w->n || j < g->n) {
		if (i < w->n && j < g->n && matches(w->ev[i], g->ev[j]) &&
		    L[i * cols + j] == L[(i + 1) * cols + j + 1] + 1) {
			r->unchecked += !w->ev[i]->has_digest;
			i++, j++;
		} else if (i < w->n && j < g->n && w->ev[i]->type == g->ev[j]->type &&
			   L[i * cols + j] == L[(i + 1) * cols + j + 1]) {
			emit(r, rtmr, "differs", w, i++, g, j++);
		} else if (j < g->n && (i == w->n || L[i * cols + j + 1] >= L[(i + 1) * cols + j])) {
			emit(r, rtmr, "unexpected", NULL, 0, g, j++);
		} else {
			emit(r, rtmr, "missing", w, i++, NULL, 0);
		}
	}
	return 0;
}

int eventlog_diff_print(const struct cvm_eventlog *want, const struct cvm_eventlog *got,
			bool json)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	struct report r = { .json = json, .list = json_object_new_array() };

	cvm_json_add(o, "differences", r.list);
	for (int rtmr = 0; rtmr < 4; rtmr++) {
		struct seq w = { 0 }, g = { 0 };
		int rc = pick(want, rtmr, &w) | pick(got, rtmr, &g);

		rc = rc ? rc : compare(&r, rtmr, &w, &g);
		free(w.ev), free(w.index), free(g.ev), free(g.index);
		if (rc) {
			cli_error("eventlog", "out of memory");
			return CLI_EXIT_SYSTEM;
		}
	}
	cvm_json_add(o, "count", json_object_new_int64((int64_t)r.count));
	cvm_json_add(o, "unchecked", json_object_new_int64((int64_t)r.unchecked));
	if (json)
		cli_print_json(o);
	else if (!r.count)
		printf("no differences%s\n",
		       r.unchecked ? " (expected events of unknown digest matched by type)" : "");
	return r.count ? CLI_EXIT_CHECK : 0;
}
