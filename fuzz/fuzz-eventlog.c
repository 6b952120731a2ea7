/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the TDX event log readers: a CCEL (TCG2 binary log)
 * or a JSON event list. Any input must be parsed or refused with -EBADMSG or
 * -EFBIG; a parsed log must replay or be refused with -EBADMSG (an event
 * without a digest). ASan and UBSan catch the rest.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include <cvmimg/eventlog.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cvm_eventlog *l = NULL;
	uint8_t mr[4][48];
	cvm_err e = { 0 };
	int r = cvm_eventlog_parse(data, size, "fuzz", &l, &e);

	if (r < 0 && r != -EBADMSG && r != -EFBIG)
		abort();
	if (r < 0)
		return 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->events[i].rtmr > 3 || !l->events[i].description)
			abort();
	r = cvm_eventlog_replay(l, mr, &e);
	if (r < 0 && r != -EBADMSG)
		abort();
	cvm_eventlog_free(l);
	return 0;
}
