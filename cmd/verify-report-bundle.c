/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg verify-report --bundle FILE --bundle-key FILE: after the report's or
 * quote's own checks, its launch measurement (SNP) or MRTD and RTMRs (TDX)
 * must be one of the expected values of a signed, unexpired bundle. The
 * outcome is one more check of the verdict, "bundle", naming the VM shape
 * that matched, or the closest one.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cvmimg/bundle.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "bundle-output.h"
#include "cli.h"
#include "verify-report-bundle.h"

#define NAME "verify-report"

int vr_bundle_check_args(const struct vr_bundle *b)
{
	if (!b->path != !b->key)
		return cli_usage(NAME, "--bundle and --bundle-key go together");
	return 0;
}

static void add_check(struct cvm_attest_result *res, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add_check(struct cvm_attest_result *res, bool ok, const char *fmt, ...)
{
	struct cvm_attest_check *c;
	va_list ap;

	if (res->n_checks >= CVM_ATTEST_MAX_CHECKS)
		c = &res->checks[CVM_ATTEST_MAX_CHECKS - 1];
	else
		c = &res->checks[res->n_checks++];
	snprintf(c->name, sizeof(c->name), "bundle");
	c->ok = ok;
	va_start(ap, fmt);
	vsnprintf(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
	if (!ok)
		res->valid = false;
}

/* What the report or quote measured, in the bundle's terms. */
static void evidence_of(const struct cvm_attest_result *res, struct cvm_bundle_evidence *ev)
{
	memset(ev, 0, sizeof(*ev));
	if (res->tee == CVM_ATTEST_SNP) {
		ev->tee = "snp";
		ev->measurement = res->snp.measurement;
		return;
	}
	ev->tee = "tdx";
	ev->mr_td = res->tdx.mrtd;
	for (int i = 0; i < 4; i++)
		ev->rtmr[i] = res->tdx.rtmr[i];
}

/* The closest shape's values against the evidence's, on stderr. */
static void explain(const struct cvm_bundle_match *m, const struct cvm_bundle_evidence *ev)
{
	const uint8_t *vals[] = { ev->measurement, ev->mr_td, ev->rtmr[0], ev->rtmr[1],
				  ev->rtmr[2], ev->rtmr[3] };
	const char *regs[] = { "measurement", "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
	json_object *expected = json_object_object_get(m->shape, "measurement");

	for (size_t i = 0; i < 6; i++) {
		json_object *want = NULL;
		char hex[2 * 48 + 1];

		if (!vals[i] || !json_object_object_get_ex(expected, regs[i], &want))
			continue;
		cvm_hex_encode(vals[i], 48, hex);
		fprintf(stderr, "cvmimg %s: bundle: %-11s expected %s\n", NAME, regs[i],
			want ? json_object_get_string(want) : "(unknown)");
		fprintf(stderr, "cvmimg %s: bundle: %-11s reported %s%s\n", NAME, regs[i], hex,
			want && strcmp(json_object_get_string(want), hex) ? "  (differs)" : "");
	}
}

static void match(const struct cvm_bundle *b, struct cvm_attest_result *res)
{
	struct cvm_bundle_evidence ev;
	struct cvm_bundle_match m;
	cvm_err e = { 0 };

	evidence_of(res, &ev);
	if (cvm_bundle_match(b, &ev, &m, &e) < 0) {
		add_check(res, false, "%s", e.msg);
		return;
	}
	if (m.matched) {
		add_check(res, true, "VM shape '%s' of the bundle matches",
			  json_object_get_string(json_object_object_get(m.shape, "shape")));
		return;
	}
	if (!m.shape) {
		add_check(res, false, "the bundle has no %s shape", ev.tee);
		return;
	}
	add_check(res, false, "no VM shape of the bundle matches; the closest, '%s', has %u of %u "
			      "values equal",
		  json_object_get_string(json_object_object_get(m.shape, "shape")), m.equal,
		  m.known);
	explain(&m, &ev);
}

int vr_bundle_apply(const struct vr_bundle *vb, struct cvm_attest_result *res, bool have_time,
		    int64_t at)
{
	CVM_CLEANUP(bundle_file_done) struct bundle_file f = { .key_path = vb->key };
	cvm_err e = { 0 };
	int r;

	if (!vb->path || !res->parsed)
		return 0;
	if ((r = bundle_read(NAME, vb->path, &f)))
		return r;
	if (cvm_bundle_check_time(f.b, have_time ? at : (int64_t)time(NULL), &e) < 0) {
		add_check(res, false, "%s", e.msg);
		return 0;
	}
	match(f.b, res);
	return 0;
}
