/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef CVM_EVENTLOG_INTERNAL_H
#define CVM_EVENTLOG_INTERNAL_H

#include <stddef.h>

#include <cvmimg/eventlog.h>

/* A new zeroed event at the end of @l (mr_index and rtmr -1); @cap is the allocation. */
int eventlog_append(struct cvm_eventlog *l, size_t *cap, struct cvm_event **ret, cvm_err *reterr);

/* Set e->description from its type and data. 0 or -ENOMEM. */
int eventlog_describe(struct cvm_event *e);

int eventlog_parse_ccel(const uint8_t *buf, size_t len, const char *name,
			struct cvm_eventlog **ret, cvm_err *reterr);
int eventlog_parse_json(const uint8_t *buf, size_t len, const char *name,
			struct cvm_eventlog **ret, cvm_err *reterr);

#endif
