/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The CCEL: a TCG2 crypto-agile event log (TCG PC Client Platform Firmware
 * Profile, "Crypto Agile Log Entries Format"). The first record has the
 * SHA-1 layout (TCG_PCR_EVENT) and holds the "Spec ID Event03", which lists
 * the digest algorithms and their sizes; every later record is a
 * TCG_PCR_EVENT2: MR index, type, a count of (algorithm, digest) pairs, the
 * event size, the data. The index is the CC MR index: 1..4 are RTMR0..3.
 * The log ends at an index of 0xFFFFFFFF, at zero padding, or at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/eventlog.h>

#include "eventlog/eventlog-internal.h"
#include "util/endian.h"

#define ALG_SHA384 0x000cu
#define ALGS_MAX 8

struct reader {
	const uint8_t *p;
	size_t len, off;
	const char *name;
	cvm_err *err;
	size_t n_algs;
	uint16_t alg[ALGS_MAX], size[ALGS_MAX];
};

static int truncated(struct reader *r, size_t index, const char *what)
{
	return cvm_err_set(r->err, -EBADMSG, "'%s': event %zu at offset 0x%zx: %s runs past the "
					     "end of the log",
			   r->name, index, r->off, what);
}

static bool take(struct reader *r, size_t n, const uint8_t **ret)
{
	if (n > r->len - r->off)
		return false;
	*ret = r->p + r->off;
	r->off += n;
	return true;
}

static int spec_id(struct reader *r)
{
	static const char sig[16] = "Spec ID Event03";
	const uint8_t *h, *d;
	uint32_t size, n;

	if (!take(r, 32, &h))
		return truncated(r, 0, "the header event");
	size = cvm_le32(h + 28);
	if (cvm_le32(h + 4) != CVM_EV_NO_ACTION || size < 29 || !take(r, size, &d) ||
	    memcmp(d, sig, 16))
		return cvm_err_set(r->err, -EBADMSG,
				   "'%s' is not a TCG2 event log (no Spec ID Event03 at its start)",
				   r->name);
	n = cvm_le32(d + 24);
	if (n == 0 || n > ALGS_MAX || 28 + 4 * (size_t)n > size)
		return cvm_err_set(r->err, -EBADMSG, "'%s': the Spec ID event lists %u algorithms",
				   r->name, n);
	r->n_algs = n;
	for (uint32_t i = 0; i < n; i++) {
		r->alg[i] = cvm_le16(d + 28 + 4 * i);
		r->size[i] = cvm_le16(d + 30 + 4 * i);
		if (r->size[i] == 0 || r->size[i] > 64)
			return cvm_err_set(r->err, -EBADMSG,
					   "'%s': digest size %u of algorithm 0x%04x", r->name,
					   r->size[i], r->alg[i]);
	}
	return 0;
}

static int digests(struct reader *r, size_t index, struct cvm_event *e)
{
	const uint8_t *h, *d;
	uint32_t count;

	if (!take(r, 4, &h))
		return truncated(r, index, "the digest count");
	count = cvm_le32(h);
	if (count == 0 || count > ALGS_MAX)
		return cvm_err_set(r->err, -EBADMSG, "'%s': event %zu has %u digests", r->name,
				   index, count);
	for (uint32_t i = 0; i < count; i++) {
		size_t k = 0;
		uint16_t alg;

		if (!take(r, 2, &h))
			return truncated(r, index, "a digest");
		alg = cvm_le16(h);
		while (k < r->n_algs && r->alg[k] != alg)
			k++;
		if (k == r->n_algs)
			return cvm_err_set(r->err, -EBADMSG,
					   "'%s': event %zu has a digest of algorithm 0x%04x, which "
					   "the Spec ID event does not list",
					   r->name, index, alg);
		if (!take(r, r->size[k], &d))
			return truncated(r, index, "a digest");
		if (alg == ALG_SHA384 && r->size[k] == 48) {
			memcpy(e->digest, d, 48);
			e->has_digest = true;
		}
	}
	return 0;
}

/* 1: the log ended; 0: an event was read into @e. */
static int next_event(struct reader *r, size_t index, struct cvm_event *e)
{
	const uint8_t *h, *d;
	uint32_t size;
	int rc;

	if (r->len - r->off < 8) {
		for (size_t i = r->off; i < r->len; i++)
			if (r->p[i] != 0 && r->p[i] != 0xff)
				return truncated(r, index, "the event header");
		return 1;
	}
	h = r->p + r->off;
	if (cvm_le32(h) == 0xffffffffu || (cvm_le32(h) == 0 && cvm_le32(h + 4) == 0))
		return 1;
	r->off += 8;
	e->mr_index = cvm_le32(h);
	e->type = cvm_le32(h + 4);
	if ((rc = digests(r, index, e)) < 0)
		return rc;
	if (!take(r, 4, &h))
		return truncated(r, index, "the event size");
	size = cvm_le32(h);
	if (size > CVM_EVENTLOG_MAX_DATA)
		return cvm_err_set(r->err, -EFBIG, "'%s': event %zu has %u bytes of data", r->name,
				   index, size);
	if (!take(r, size, &d))
		return truncated(r, index, "the event data");
	if (size && !(e->data = malloc(size)))
		return cvm_err_set(r->err, -ENOMEM, "out of memory");
	if (size)
		memcpy(e->data, d, size);
	e->data_len = size;
	if (e->mr_index >= 1 && e->mr_index <= 4 && e->type != CVM_EV_NO_ACTION)
		e->rtmr = (int)e->mr_index - 1;
	if (e->rtmr >= 0 && !e->has_digest)
		return cvm_err_set(r->err, -EBADMSG, "'%s': event %zu has no SHA-384 digest",
				   r->name, index);
	return eventlog_describe(e) < 0 ? cvm_err_set(r->err, -ENOMEM, "out of memory") : 0;
}

int eventlog_parse_ccel(const uint8_t *buf, size_t len, const char *name,
			struct cvm_eventlog **ret, cvm_err *reterr)
{
	CVM_CLEANUP_FREE struct reader *r = calloc(1, sizeof(*r));
	struct cvm_eventlog *l = calloc(1, sizeof(*l));
	size_t cap = 0;
	int rc;

	if (!r || !l) {
		free(l);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	*r = (struct reader){ .p = buf, .len = len, .name = name, .err = reterr };
	if ((rc = spec_id(r)) < 0) {
		cvm_eventlog_free(l);
		return rc;
	}
	for (;;) {
		struct cvm_event *e;

		if ((rc = eventlog_append(l, &cap, &e, reterr)) < 0 ||
		    (rc = next_event(r, l->n - 1, e)) != 0) {
			if (rc > 0) /* the end: drop the unused slot */
				l->n--;
			break;
		}
	}
	if (rc < 0) {
		cvm_eventlog_free(l);
		return rc;
	}
	*ret = l;
	return 0;
}
