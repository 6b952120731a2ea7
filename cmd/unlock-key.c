/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg-unlock's key: from the key broker (Trustee KBS, with retries until
 * the configured time is up) or, for SEV and SEV-ES, the one the guest owner
 * injected (efi_secret); in either case its passphrase form, checked against
 * the broker keyslot of the configured device before anyone is answered.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "broker-http.h"
#include "unlock.h"

#define EFI_SECRET_DIR	"/sys/kernel/security/secrets/coco"
#define RETRY_PAUSE	2 /* seconds between attempts on a transport error */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void note(void *ctx, const char *text)
{
	(void)ctx;
	say("broker: %s", text);
}

static void evidence_freep(struct cvm_evidence **e)
{
	cvm_evidence_free(*e);
}

/* A transport failure or a broker error 5xx may pass; a refusal or a wrong key will not. */
static bool transient(int r)
{
	return r == -EIO || r == -ETIMEDOUT || r == -ECONNREFUSED || r == -EPROTO ||
	       r == -EHOSTUNREACH || r == -ENETUNREACH;
}

static int open_evidence(const struct unlock_agent *a, struct cvm_evidence **ret, cvm_err *e)
{
	int r;

	if (!strcmp(a->cfg.evidence, "auto")) {
		r = cvm_evidence_open_any(a->evidence_root, ret, e);
		/* only a test build has sample evidence: there it stands in for a TEE */
		if (r != -ENODEV || !cvm_evidence_source_built(CVM_EVIDENCE_SAMPLE))
			return r;
		say("no TEE evidence here; this test build sends Trustee's sample evidence");
		return cvm_evidence_open(CVM_EVIDENCE_SAMPLE, NULL, ret, e);
	}
	return cvm_evidence_open(cvm_evidence_source_from_string(a->cfg.evidence),
				 a->evidence_root, ret, e);
}

/* The keyslot's passphrase for the broker key @key, once it opens the broker keyslot. */
static int checked_passphrase(const struct unlock_agent *a, const uint8_t *key, size_t len,
			      char **ret, cvm_err *e)
{
	CVM_CLEANUP(cvm_secret_freep) char *pass = cvm_secret_alloc(CVM_BROKER_PASSPHRASE_LEN + 1);
	int r;

	if (!pass)
		return cvm_err_set(e, -ENOMEM, "out of memory");
	if ((r = cvm_broker_key_passphrase(key, len, pass, e)) < 0 ||
	    (r = cvm_unlock_check_key(a->device, a->cfg.luks_uuid, a->cfg.keyslot,
				      (const uint8_t *)pass, CVM_BROKER_PASSPHRASE_LEN, e)) < 0)
		return r;
	*ret = CVM_TAKE_PTR(pass);
	return 0;
}

/* One attempt: the key from the broker, checked against the device. */
static int attempt(struct unlock_agent *a, struct cvm_evidence *ev, long timeout, char **ret,
		   cvm_err *e)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	struct broker_http h = {
	    .base_url = a->cfg.broker_url,
	    .ca_file = a->cfg.broker_ca,
	    .pin = a->cfg.broker_pin,
	    .timeout = timeout,
	    .allow_http = a->cfg.allow_http,
	};
	struct cvm_kbs_client c = {.http = broker_http_request, .http_ctx = &h, .note = note};
	size_t len = 0;
	int r;

	if ((r = broker_http_init(&h, e)) < 0)
		return r;
	c.evidence = ev;
	r = cvm_kbs_get_resource(&c, a->cfg.broker_resource, &key, &len, e);
	broker_http_done(&h);
	if (r < 0)
		return r;
	return checked_passphrase(a, key, len, ret, e);
}

/* Attempts until one succeeds, one fails for good, or the configured time is up. */
static int from_broker(struct unlock_agent *a, char **ret, cvm_err *e)
{
	CVM_CLEANUP(evidence_freep) struct cvm_evidence *ev = NULL;
	double deadline = now() + a->cfg.timeout, left;
	unsigned n = 0;
	int r;

	if ((r = open_evidence(a, &ev, e)) < 0)
		return r;
	for (;;) {
		left = deadline - now();
		if (left < 1) {
			cvm_err last = *e;

			return cvm_err_set(e, -ETIMEDOUT, "no key within %u s after %u attempts "
					   "(last: %s)", a->cfg.timeout, n, n ? last.msg : "none");
		}
		n++;
		r = attempt(a, ev,
			    left < a->cfg.request_timeout ? (long)left : (long)a->cfg.request_timeout,
			    ret, e);
		if (r == 0 || !transient(r))
			return r;
		say("attempt %u: %s; trying again", n, e->msg);
		left = deadline - now();
		if (left > 0)
			usleep((useconds_t)((left < RETRY_PAUSE ? left : RETRY_PAUSE) * 1e6));
	}
}

/* SEV and SEV-ES: the guest owner injected the key at launch (efi_secret). */
static int from_efi_secret(struct unlock_agent *a, char **ret, cvm_err *e)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *key = NULL;
	uint8_t *buf = NULL;
	char path[300];
	size_t len = 0;
	int r;

	snprintf(path, sizeof(path), "%s%s/%s", a->evidence_root ? a->evidence_root : "",
		 EFI_SECRET_DIR, CVM_SEV_SECRET_DISK_GUID);
	if ((r = cvm_read_file(path, 4096, &buf, &len, e)) < 0)
		return r;
	key = cvm_secret_alloc(len ? len : 1);
	if (key)
		memcpy(key, buf, len);
	cvm_memzero(buf, len);
	free(buf);
	if (!key)
		return cvm_err_set(e, -ENOMEM, "out of memory");
	/* efi_secret wipes the secret from memory when its file is removed */
	if (unlink(path) < 0)
		say("cannot remove '%s' (the secret stays readable): %s", path, strerror(errno));
	return checked_passphrase(a, key, len, ret, e);
}

const char *unlock_device(struct unlock_agent *a)
{
	const char *src = getenv("CRYPTTAB_SOURCE");

	if (a->device)
		return a->device;
	if (src && *src)
		return src;
	snprintf(a->device_buf, sizeof(a->device_buf), "/dev/disk/by-uuid/%s", a->cfg.luks_uuid);
	return a->device_buf;
}

/* The broker key as the keyslot's passphrase, checked: from the broker, or injected (SEV). */
int unlock_get_passphrase(struct unlock_agent *a, char **ret, cvm_err *e)
{
	if (!strcmp(a->cfg.evidence, "efi-secret"))
		return from_efi_secret(a, ret, e);
	return from_broker(a, ret, e);
}
