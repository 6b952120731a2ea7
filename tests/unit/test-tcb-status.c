/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The TDX TCB status rules of Intel's Quote Verification Library
 * (reference/tdx-quote.md 4.1), case by case on small made-up TCB Infos:
 * level matching, the TDX module identity, convergence with the module and
 * the QE, and the TD relaunch advice of TDX 1.5. The real collateral's three
 * outcomes are in tests/cli/verify-report-vectors.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <cvmimg/attest.h>

#include "attest/tdx/tdx-tcb-status.h"

enum { UTD = CVM_TDX_TCB_UP_TO_DATE, OOD = CVM_TDX_TCB_OUT_OF_DATE,
       CFG = CVM_TDX_TCB_CONFIGURATION_NEEDED, REV = CVM_TDX_TCB_REVOKED };

struct fixture {
	struct tdx_tcb_info t;
	struct tdx_qe_identity qe;
	struct cvm_tdx_info info;
};

static void level(struct tdx_tcb_info *t, uint8_t sgx, uint8_t tdx2, int status)
{
	struct tdx_tcb_level *l = &t->levels[t->n_levels++];

	memset(l->sgx, sgx, 16);
	l->pcesvn = 13;
	l->tdx[2] = tdx2;
	l->status = (enum cvm_tdx_tcb_status)status;
	snprintf(l->date, sizeof(l->date), "level-%u", t->n_levels - 1);
}

static void module_level(struct tdx_module_identity *m, uint8_t isvsvn, int status)
{
	m->levels[m->n_levels].isvsvn = isvsvn;
	m->levels[m->n_levels++].status = (enum cvm_tdx_tcb_status)status;
}

/*
 * Levels: [0] SGX 6, TDX[2] 3, UpToDate; [1] SGX 5, TDX[2] 2, OutOfDate;
 * module TDX_01: SVN >= 6 UpToDate, >= 4 OutOfDate. The platform: SGX 6,
 * PCESVN 13, TEE_TCB_SVN = 6, 1 (module version), 3.
 */
static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	level(&f->t, 6, 3, UTD);
	level(&f->t, 5, 2, OOD);
	snprintf(f->t.modules[0].id, sizeof(f->t.modules[0].id), "TDX_01");
	module_level(&f->t.modules[0], 6, UTD);
	module_level(&f->t.modules[0], 4, OOD);
	f->t.n_modules = 1;
	memset(f->info.sgx_tcb_svns, 6, 16);
	f->info.pcesvn = 13;
	f->info.tee_tcb_svn[0] = 6;
	f->info.tee_tcb_svn[1] = 1;
	f->info.tee_tcb_svn[2] = 3;
	f->qe.levels[0] = (struct tdx_qe_level){ .isvsvn = 8, .status = CVM_TDX_TCB_UP_TO_DATE };
	f->qe.levels[1] = (struct tdx_qe_level){ .isvsvn = 6, .status = CVM_TDX_TCB_OUT_OF_DATE };
	f->qe.n_levels = 2;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static enum cvm_tdx_tcb_status eval(struct fixture *f, bool with_qe, struct tdx_tcb_eval *ev)
{
	cvm_tdx_tcb_evaluate(&f->t, with_qe ? &f->qe : NULL, &f->info, ev);
	return ev->status;
}

static void test_levels(void **state)
{
	struct fixture *f = *state;
	struct tdx_tcb_eval ev;

	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_UP_TO_DATE);
	assert_string_equal(ev.level->date, "level-0");
	/* TDX[2] below level 0: level 1 */
	f->info.tee_tcb_svn[2] = 2;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	assert_string_equal(ev.level->date, "level-1");
	/* SGX below level 0 */
	f->info.tee_tcb_svn[2] = 3;
	f->info.sgx_tcb_svns[7] = 5;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	/* PCESVN below every level */
	f->info.sgx_tcb_svns[7] = 6;
	f->info.pcesvn = 12;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_NOT_SUPPORTED);
	assert_null(ev.level);
	/* SGX below every level: NotSupported, not OutOfDate */
	f->info.pcesvn = 13;
	memset(f->info.sgx_tcb_svns, 4, 16);
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_NOT_SUPPORTED);
	/* TDX below every level */
	memset(f->info.sgx_tcb_svns, 6, 16);
	f->info.tee_tcb_svn[2] = 1;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_NOT_SUPPORTED);
}

/* Bytes 0 and 1 of TEE_TCB_SVN belong to the module when byte 1 (its version) is set. */
static void test_module(void **state)
{
	struct fixture *f = *state;
	struct tdx_tcb_eval ev;

	/* a module SVN under level 0's TDX[0] does not matter with a module version */
	f->t.levels[0].tdx[0] = 9;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_UP_TO_DATE);
	/* without a module version, byte 0 is compared with the level and no identity is used */
	f->info.tee_tcb_svn[1] = 0;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	assert_int_equal(ev.module_status, CVM_TDX_TCB_UP_TO_DATE);
	f->info.tee_tcb_svn[1] = 1;
	/* the module's own level caps the platform's */
	f->info.tee_tcb_svn[0] = 5;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	assert_int_equal(ev.module_status, CVM_TDX_TCB_OUT_OF_DATE);
	f->t.levels[0].status = CVM_TDX_TCB_CONFIGURATION_NEEDED;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
	f->t.levels[0].status = CVM_TDX_TCB_SW_HARDENING_NEEDED;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	f->t.modules[0].levels[1].status = CVM_TDX_TCB_REVOKED;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_REVOKED);
	/* below every module level; an unknown module version */
	f->info.tee_tcb_svn[0] = 3;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_NOT_SUPPORTED);
	f->info.tee_tcb_svn[0] = 6;
	f->info.tee_tcb_svn[1] = 3;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_TDX_MODULE_MISMATCH);
	/* identities match case-insensitively ("TDX_0A" / "tdx_0a") */
	snprintf(f->t.modules[0].id, sizeof(f->t.modules[0].id), "tdx_0a");
	f->info.tee_tcb_svn[1] = 10;
	f->t.levels[0].status = CVM_TDX_TCB_UP_TO_DATE;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_UP_TO_DATE);
}

/* The QE's level: the first whose ISVSVN the QE reaches. */
static void test_qe(void **state)
{
	struct fixture *f = *state;
	struct tdx_tcb_eval ev;

	f->info.qe_isvsvn = 8;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_UP_TO_DATE);
	assert_int_equal(ev.qe_status, CVM_TDX_TCB_UP_TO_DATE);
	f->info.qe_isvsvn = 7;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	assert_int_equal(ev.qe_status, CVM_TDX_TCB_OUT_OF_DATE);
	f->t.levels[0].status = CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED);
	f->qe.levels[1].status = CVM_TDX_TCB_REVOKED;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_REVOKED);
	f->info.qe_isvsvn = 5;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_NOT_SUPPORTED);
	assert_int_equal(ev.qe_status, CVM_TDX_TCB_NOT_SUPPORTED);
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED);
	assert_int_equal(ev.qe_status, -1);
}

/*
 * TDX 1.5: launched on an out-of-date module (TEE_TCB_SVN 4, 1, 2 -> level 1
 * OutOfDate, module OutOfDate), the platform since updated (TEE_TCB_SVN_2
 * reaches the latest level and module level): relaunch advised.
 */
static void test_relaunch(void **state)
{
	struct fixture *f = *state;
	struct tdx_tcb_eval ev;

	memset(f->info.sgx_tcb_svns, 6, 16);
	f->info.has_tdx15 = true;
	f->info.tee_tcb_svn[0] = 4;
	f->info.tee_tcb_svn[2] = 2;
	f->info.tee_tcb_svn2[0] = 6;
	f->info.tee_tcb_svn2[1] = 1;
	f->info.tee_tcb_svn2[2] = 3;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_TD_RELAUNCH_ADVISED);
	/* the SGX level needs configuration */
	f->t.levels[0].status = CVM_TDX_TCB_CONFIGURATION_NEEDED;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED);
	f->t.levels[0].status = CVM_TDX_TCB_UP_TO_DATE;
	/* the update did not reach the latest module level, or the latest TDX[2] */
	f->info.tee_tcb_svn2[0] = 5;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	f->info.tee_tcb_svn2[0] = 6;
	f->info.tee_tcb_svn2[2] = 2;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	f->info.tee_tcb_svn2[2] = 3;
	/* an out-of-date QE rules relaunch out */
	f->info.qe_isvsvn = 7;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	f->info.qe_isvsvn = 8;
	assert_int_equal(eval(f, true, &ev), CVM_TDX_TCB_TD_RELAUNCH_ADVISED);
	/* TDX 1.0 bodies have no TEE_TCB_SVN_2: no advice */
	f->info.has_tdx15 = false;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_OUT_OF_DATE);
	/* TEE_TCB_SVN_2 naming a module version the TCB Info lacks */
	f->info.has_tdx15 = true;
	f->info.tee_tcb_svn2[1] = 2;
	assert_int_equal(eval(f, false, &ev), CVM_TDX_TCB_TDX_MODULE_MISMATCH);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_qe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relaunch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
