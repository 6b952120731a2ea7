/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both log formats share: the event list, its replay, names and descriptions. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/eventlog.h>
#include <cvmimg/util.h>

#include "eventlog/eventlog-internal.h"
#include "util/endian.h"
#include "util/hash.h"
#include "util/macro.h"

static const struct {
	uint32_t type;
	const char *name;
} event_names[] = {
	{ CVM_EV_PREBOOT_CERT, "EV_PREBOOT_CERT" },
	{ CVM_EV_POST_CODE, "EV_POST_CODE" },
	{ CVM_EV_NO_ACTION, "EV_NO_ACTION" },
	{ CVM_EV_SEPARATOR, "EV_SEPARATOR" },
	{ CVM_EV_ACTION, "EV_ACTION" },
	{ CVM_EV_EVENT_TAG, "EV_EVENT_TAG" },
	{ CVM_EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS" },
	{ CVM_EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION" },
	{ CVM_EV_CPU_MICROCODE, "EV_CPU_MICROCODE" },
	{ CVM_EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
	{ CVM_EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES" },
	{ CVM_EV_COMPACT_HASH, "EV_COMPACT_HASH" },
	{ CVM_EV_IPL, "EV_IPL" },
	{ CVM_EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA" },
	{ CVM_EV_NONHOST_CODE, "EV_NONHOST_CODE" },
	{ CVM_EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG" },
	{ CVM_EV_NONHOST_INFO, "EV_NONHOST_INFO" },
	{ CVM_EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS" },
	{ CVM_EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
	{ CVM_EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT" },
	{ CVM_EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
	{ CVM_EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER" },
	{ CVM_EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
	{ CVM_EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT" },
	{ CVM_EV_EFI_ACTION, "EV_EFI_ACTION" },
	{ CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
	{ CVM_EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES" },
	{ CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
	{ CVM_EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2" },
	{ CVM_EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2" },
	{ CVM_EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY" },
};

CVM_PUBLIC const char *cvm_event_type_name(uint32_t type)
{
	for (size_t i = 0; i < CVM_ARRAY_SIZE(event_names); i++)
		if (event_names[i].type == type)
			return event_names[i].name;
	return NULL;
}

CVM_PUBLIC struct cvm_eventlog *cvm_eventlog_free(struct cvm_eventlog *l)
{
	if (!l)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		free(l->events[i].data);
		free(l->events[i].description);
	}
	free(l->events);
	free(l);
	return NULL;
}

int eventlog_append(struct cvm_eventlog *l, size_t *cap, struct cvm_event **ret, cvm_err *reterr)
{
	if (l->n == CVM_EVENTLOG_MAX_EVENTS)
		return cvm_err_set(reterr, -EFBIG, "more than %u events", CVM_EVENTLOG_MAX_EVENTS);
	if (l->n == *cap) {
		size_t n = *cap ? 2 * *cap : 64;
		struct cvm_event *e = realloc(l->events, n * sizeof(*e));

		if (!e)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		l->events = e;
		*cap = n;
	}
	*ret = &l->events[l->n++];
	memset(*ret, 0, sizeof(**ret));
	(*ret)->mr_index = -1;
	(*ret)->rtmr = -1;
	return 0;
}

/* Printable ASCII of @p (up to a NUL), or NULL if it is not text. */
static bool is_text(const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] >= 0x20 && p[i] < 0x7f)
		i++;
	if (i == 0)
		return false;
	while (i < n && p[i] == 0)
		i++;
	return i == n;
}

/* UEFI_VARIABLE_DATA: the variable's name. */
static void variable_name(const uint8_t *p, size_t n, char *out, size_t cap)
{
	uint64_t chars = n >= 32 ? cvm_le64(p + 16) : 0;
	size_t k = 0;

	out[0] = '\0';
	if (chars > 64 || 32 + 2 * chars > n)
		return;
	for (uint64_t i = 0; i < chars && k + 1 < cap; i++) {
		uint16_t c = cvm_le16(p + 32 + 2 * i);

		out[k++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[k] = '\0';
}

/* A one-line summary of what the event's data says. */
int eventlog_describe(struct cvm_event *e)
{
	char buf[256] = "";
	const uint8_t *p = e->data;
	size_t n = e->data_len;

	if (n && (e->type == CVM_EV_EFI_VARIABLE_DRIVER_CONFIG ||
		  e->type == CVM_EV_EFI_VARIABLE_BOOT || e->type == CVM_EV_EFI_VARIABLE_AUTHORITY)) {
		char name[80];

		variable_name(p, n, name, sizeof(name));
		snprintf(buf, sizeof(buf), "UEFI variable %s", name);
	} else if (n > 8 && e->type == CVM_EV_EVENT_TAG && is_text(p + 8, n - 8)) {
		snprintf(buf, sizeof(buf), "tag 0x%08x: %.*s", cvm_le32(p), (int)(n - 8), p + 8);
	} else if (n > 1 && (e->type == CVM_EV_EFI_HANDOFF_TABLES2 ||
			     e->type == CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2) &&
		   p[0] && (size_t)p[0] < n && is_text(p + 1, p[0])) {
		snprintf(buf, sizeof(buf), "%.*s", (int)p[0], p + 1);
	} else if (n && is_text(p, n)) {
		snprintf(buf, sizeof(buf), "%.*s", (int)(n > 200 ? 200 : n), p);
	} else if (n && n <= 16) {
		char hex[33];

		cvm_hex_encode(p, n, hex);
		snprintf(buf, sizeof(buf), "%s", hex);
	} else if (n) {
		snprintf(buf, sizeof(buf), "%zu bytes of data", n);
	}
	e->description = strdup(buf);
	return e->description ? 0 : -ENOMEM;
}

CVM_PUBLIC int cvm_eventlog_replay(const struct cvm_eventlog *l, uint8_t ret[4][48],
				   cvm_err *reterr)
{
	uint8_t mr[4][48] = { { 0 } }, buf[96];
	int n = 0;

	CVM_CHECK_ARG(l && ret, reterr);
	for (size_t i = 0; i < l->n; i++) {
		const struct cvm_event *e = &l->events[i];

		if (e->rtmr < 0)
			continue;
		if (!e->has_digest)
			return cvm_err_set(reterr, -EBADMSG,
					   "event %zu (rtmr%d, %s) has no digest: cannot replay", i,
					   e->rtmr, e->description);
		memcpy(buf, mr[e->rtmr], 48);
		memcpy(buf + 48, e->digest, 48);
		if (cvm_sha384(buf, sizeof(buf), mr[e->rtmr]) < 0)
			return cvm_err_set(reterr, -ENOMEM, "cannot compute SHA-384");
		n++;
	}
	memcpy(ret, mr, sizeof(mr));
	return n;
}

static bool looks_like_json(const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\n' || buf[i] == '\r')
			continue;
		return buf[i] == '{' || buf[i] == '[';
	}
	return false;
}

CVM_PUBLIC int cvm_eventlog_parse(const uint8_t *buf, size_t len, const char *name,
				  struct cvm_eventlog **ret, cvm_err *reterr)
{
	CVM_CHECK_ARG(buf && name && ret, reterr);
	if (len > CVM_EVENTLOG_MAX_SIZE)
		return cvm_err_set(reterr, -EFBIG, "'%s' is larger than %u bytes", name,
				   CVM_EVENTLOG_MAX_SIZE);
	if (looks_like_json(buf, len))
		return eventlog_parse_json(buf, len, name, ret, reterr);
	return eventlog_parse_ccel(buf, len, name, ret, reterr);
}

CVM_PUBLIC int cvm_eventlog_load(const char *path, struct cvm_eventlog **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len;
	int r;

	CVM_CHECK_ARG(path && ret, reterr);
	if ((r = cvm_read_file(path, CVM_EVENTLOG_MAX_SIZE, &buf, &len, reterr)) < 0)
		return r;
	return cvm_eventlog_parse(buf, len, path, ret, reterr);
}
