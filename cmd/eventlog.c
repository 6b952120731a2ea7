/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg eventlog replay|show|diff: TDX event logs (CCEL or JSON). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/eventlog.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "cli.h"
#include "cmd.h"
#include "eventlog-diff.h"

#define NAME "eventlog"
#define REPLAY_USAGE "replay [--json] FILE"
#define SHOW_USAGE "show [--json] FILE"
#define DIFF_USAGE "diff [--json] EXPECTED ACTUAL"

static const char *const synopsis[] = { REPLAY_USAGE, SHOW_USAGE, DIFF_USAGE, NULL };
static const char *const replay_synopsis[] = { REPLAY_USAGE, NULL };
static const char *const show_synopsis[] = { SHOW_USAGE, NULL };
static const char *const diff_synopsis[] = { DIFF_USAGE, NULL };

static const struct cli_command eventlog_cmd = {
	.name = NAME,
	.synopsis = synopsis,
	.summary = "Read a TDX event log, a CCEL (binary TCG2 log, as in\n"
		   "/sys/firmware/acpi/tables/data/CCEL) or a JSON event list: replay it into\n"
		   "RTMR0..3, list its events, or compare it with the expected events.",
};

static const struct cli_command replay_cmd = {
	.name = NAME,
	.synopsis = replay_synopsis,
	.summary = "Replay the log's events into RTMR0..3 and print the registers. When the file\n"
		   "is a quote with its event log (dstack's JSON), compare with the quote's RTMRs.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "an event log file is required",
};

static const struct cli_command show_cmd = {
	.name = NAME,
	.synopsis = show_synopsis,
	.summary = "List the log's events: index, register, type, digest, description.",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "an event log file is required",
};

static const struct cli_command diff_cmd = {
	.name = NAME,
	.synopsis = diff_synopsis,
	.summary = "Compare the expected events (cvmimg measure --tee tdx --json, or any log)\n"
		   "with a real log, register by register, and name every event that differs.",
	.min_operands = 2,
	.max_operands = 2,
	.missing_operand = "the expected events and the actual log are required",
};

static int load(const char *path, struct cvm_eventlog **ret)
{
	cvm_err e = { 0 };

	if (cvm_eventlog_load(path, ret, &e) < 0)
		return cli_fail(NAME, &e);
	return 0;
}

CVM_DEFINE_CLEANUP(struct cvm_eventlog, cvm_eventlog_free, eventlog)

static int replay(int argc, char **argv)
{
	CVM_CLEANUP(eventlogp) struct cvm_eventlog *l = NULL;
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;
	bool json = false, differs = false;
	struct cli_option options[] = { CLI_JSON(&json), CLI_END };
	uint8_t mr[4][48];
	char **ops, hex[97], key[16];
	unsigned n;
	cvm_err e = { 0 };
	int r;

	if ((r = cli_parse(&replay_cmd, options, argc, argv, &ops, &n)) != CLI_GO_ON ||
	    (r = load(ops[0], &l)))
		return r;
	if (cvm_eventlog_replay(l, mr, &e) < 0)
		return cli_fail(NAME, &e);
	o = json_object_new_object();
	for (int i = 0; i < 4; i++) {
		bool bad = l->has_quote_rtmrs && memcmp(mr[i], l->quote_rtmr[i], 48);

		differs |= bad;
		snprintf(key, sizeof(key), "rtmr%d", i);
		cvm_json_add_hex(o, key, mr[i], 48);
		cvm_hex_encode(mr[i], 48, hex);
		if (!json)
			printf("%s: %s%s\n", key, hex, bad ? " (the quote differs)" : "");
	}
	cvm_json_add(o, "events", json_object_new_int64((int64_t)l->n));
	if (l->has_quote_rtmrs)
		cvm_json_add(o, "quote_matches", json_object_new_boolean(!differs));
	if (json)
		cli_print_json(o);
	else if (l->has_quote_rtmrs)
		printf("quote: %s\n", differs ? "RTMRs differ from the replay" : "RTMRs match");
	if (differs)
		cli_error(NAME, "'%s': the replayed RTMRs differ from its quote's", ops[0]);
	return differs ? CLI_EXIT_CHECK : 0;
}

static json_object *event_json(const struct cvm_event *ev, size_t i)
{
	json_object *o = json_object_new_object();
	const char *t = cvm_event_type_name(ev->type);

	cvm_json_add(o, "index", json_object_new_int64((int64_t)i));
	cvm_json_add(o, "mr_index", json_object_new_int64(ev->mr_index));
	json_object_object_add(o, "rtmr", ev->rtmr >= 0 ? json_object_new_int(ev->rtmr) : NULL);
	cvm_json_add(o, "event_type", json_object_new_int64(ev->type));
	json_object_object_add(o, "type", t ? json_object_new_string(t) : NULL);
	if (ev->has_digest)
		cvm_json_add_hex(o, "digest", ev->digest, 48);
	else
		json_object_object_add(o, "digest", NULL);
	cvm_json_add(o, "description", json_object_new_string(ev->description));
	cvm_json_add_hex(o, "data", ev->data ? ev->data : (const uint8_t *)"", ev->data_len);
	return o;
}

static int show(int argc, char **argv)
{
	CVM_CLEANUP(eventlogp) struct cvm_eventlog *l = NULL;
	bool json = false;
	struct cli_option options[] = { CLI_JSON(&json), CLI_END };
	char **ops, hex[97];
	unsigned n;
	int r;

	if ((r = cli_parse(&show_cmd, options, argc, argv, &ops, &n)) != CLI_GO_ON ||
	    (r = load(ops[0], &l)))
		return r;
	if (json) {
		CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
		json_object *list = json_object_new_array();

		cvm_json_add(o, "events", list);
		for (size_t i = 0; i < l->n; i++)
			json_object_array_add(list, event_json(&l->events[i], i));
		cli_print_json(o);
		return 0;
	}
	for (size_t i = 0; i < l->n; i++) {
		const struct cvm_event *ev = &l->events[i];
		const char *t = cvm_event_type_name(ev->type);
		char reg[16] = "-";

		if (ev->rtmr >= 0)
			snprintf(reg, sizeof(reg), "rtmr%d", ev->rtmr);
		if (ev->has_digest)
			cvm_hex_encode(ev->digest, 48, hex);
		printf("%3zu %-5s %-32s %s %s\n", i, reg, t ? t : "?",
		       ev->has_digest ? hex : "(unknown)", ev->description);
	}
	return 0;
}

static int diff(int argc, char **argv)
{
	CVM_CLEANUP(eventlogp) struct cvm_eventlog *want = NULL, *got = NULL;
	bool json = false;
	struct cli_option options[] = { CLI_JSON(&json), CLI_END };
	char **ops;
	unsigned n;
	int r;

	if ((r = cli_parse(&diff_cmd, options, argc, argv, &ops, &n)) != CLI_GO_ON ||
	    (r = load(ops[0], &want)) || (r = load(ops[1], &got)))
		return r;
	return eventlog_diff_print(want, got, json);
}

static const struct cli_verb verbs[] = {
	{ "replay", replay },
	{ "show", show },
	{ "diff", diff },
	{ NULL, NULL },
};

int cmd_eventlog(int argc, char **argv)
{
	struct cli_option options[] = { CLI_END };
	int r;

	if ((r = cli_run_verb(verbs, argc, argv)) != CLI_GO_ON)
		return r;
	if ((r = cli_parse(&eventlog_cmd, options, argc, argv, NULL, NULL)) != CLI_GO_ON)
		return r;
	return cli_usage(NAME, "a verb is required: replay, show or diff");
}
