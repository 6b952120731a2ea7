/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * TDX event logs: the CCEL a TD's firmware leaves in ACPI (a TCG2
 * crypto-agile log, /sys/firmware/acpi/tables/data/CCEL in the guest) and
 * JSON event lists (cvmimg measure --json's "events", dstack's event_log),
 * read into one list of events, replayed into RTMR0..3, and compared.
 *
 * No secrets pass through these functions.
 */
#ifndef CVMIMG_EVENTLOG_H
#define CVMIMG_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

/* Event types (TCG PC Client Platform Firmware Profile, UEFI CC). */
#define CVM_EV_PREBOOT_CERT 0x0u
#define CVM_EV_POST_CODE 0x1u
#define CVM_EV_NO_ACTION 0x3u
#define CVM_EV_SEPARATOR 0x4u
#define CVM_EV_ACTION 0x5u
#define CVM_EV_EVENT_TAG 0x6u
#define CVM_EV_S_CRTM_CONTENTS 0x7u
#define CVM_EV_S_CRTM_VERSION 0x8u
#define CVM_EV_CPU_MICROCODE 0x9u
#define CVM_EV_PLATFORM_CONFIG_FLAGS 0xau
#define CVM_EV_TABLE_OF_DEVICES 0xbu
#define CVM_EV_COMPACT_HASH 0xcu
#define CVM_EV_IPL 0xdu
#define CVM_EV_IPL_PARTITION_DATA 0xeu
#define CVM_EV_NONHOST_CODE 0xfu
#define CVM_EV_NONHOST_CONFIG 0x10u
#define CVM_EV_NONHOST_INFO 0x11u
#define CVM_EV_OMIT_BOOT_DEVICE_EVENTS 0x12u
#define CVM_EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define CVM_EV_EFI_VARIABLE_BOOT 0x80000002u
#define CVM_EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define CVM_EV_EFI_BOOT_SERVICES_DRIVER 0x80000004u
#define CVM_EV_EFI_RUNTIME_SERVICES_DRIVER 0x80000005u
#define CVM_EV_EFI_GPT_EVENT 0x80000006u
#define CVM_EV_EFI_ACTION 0x80000007u
#define CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008u
#define CVM_EV_EFI_HANDOFF_TABLES 0x80000009u
#define CVM_EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000au
#define CVM_EV_EFI_HANDOFF_TABLES2 0x8000000bu
#define CVM_EV_EFI_VARIABLE_BOOT2 0x8000000cu
#define CVM_EV_EFI_VARIABLE_AUTHORITY 0x800000e0u

#define CVM_EVENTLOG_MAX_SIZE (16u << 20) /* bytes of a log file */
#define CVM_EVENTLOG_MAX_EVENTS 20000u
#define CVM_EVENTLOG_MAX_DATA (1u << 20)   /* bytes of one event's data */

struct cvm_event {
	int64_t mr_index;   /* CC MR index as in the CCEL: 1..4 = RTMR0..3; -1 if not given */
	int rtmr;	    /* 0..3, or -1: not extended into an RTMR (MRTD, EV_NO_ACTION, ...) */
	uint32_t type;	    /* TCG event type */
	bool has_digest;    /* false: a JSON event whose digest is null (unknown) */
	uint8_t digest[48]; /* SHA-384 */
	uint8_t *data;	    /* event data as logged (may be NULL) */
	size_t data_len;
	char *description;  /* readable summary, never NULL */
};

struct cvm_eventlog {
	size_t n;
	struct cvm_event *events;
	bool has_quote_rtmrs;	  /* JSON with a TDX quote: its RTMRs */
	uint8_t quote_rtmr[4][48];
};

/*
 * Read @path: a CCEL (binary TCG2 log, the Spec ID event first, SHA-384
 * digests) or JSON: an array of events, an object with "events" (cvmimg
 * measure --json) or with "event_log" (a JSON string of events, as dstack's
 * quote files carry it, with "quote" in hex). JSON events have "rtmr" (or
 * "imr", 0-based), "event_type", "digest" (hex, or null/"" when unknown) and
 * optionally "description", "event" and "event_payload" (hex); dstack's
 * runtime events (type 0x08000001) without a digest get
 * SHA384(u32le type ":" event ":" payload). Returns 0 with *@ret freed by
 * cvm_eventlog_free(); -ENOENT/-EACCES; -EFBIG over the limits; -EBADMSG for
 * a malformed log, naming the event and what is wrong.
 */
int cvm_eventlog_load(const char *path, struct cvm_eventlog **ret, cvm_err *reterr);

/* The same for a log in memory; @name names it in messages. */
int cvm_eventlog_parse(const uint8_t *buf, size_t len, const char *name,
		       struct cvm_eventlog **ret, cvm_err *reterr);

struct cvm_eventlog *cvm_eventlog_free(struct cvm_eventlog *l); /* NULL-safe, returns NULL */

/*
 * Replay: RTMRi = SHA384(RTMRi || digest) over the events with rtmr i, in
 * order, from zeros. Returns the number of events extended; -EBADMSG if an
 * event that would be extended has no digest (named in the message).
 */
int cvm_eventlog_replay(const struct cvm_eventlog *l, uint8_t ret[4][48], cvm_err *reterr);

/* The name of a TCG event type ("EV_SEPARATOR"), or NULL. */
const char *cvm_event_type_name(uint32_t type);

#endif
