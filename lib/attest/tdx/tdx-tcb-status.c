/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "attest/tdx/tdx-tcb-status.h"

typedef enum cvm_tdx_tcb_status tcb_status;

static bool config_needed(tcb_status s)
{
	return s == CVM_TDX_TCB_CONFIGURATION_NEEDED ||
	       s == CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED ||
	       s == CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED ||
	       s == CVM_TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED;
}

/* A lower component's status (module or QE) caps the level's: OutOfDate, Revoked. */
static tcb_status converge(tcb_status level, tcb_status lower)
{
	if (lower == CVM_TDX_TCB_OUT_OF_DATE) {
		if (level == CVM_TDX_TCB_UP_TO_DATE || level == CVM_TDX_TCB_SW_HARDENING_NEEDED)
			return CVM_TDX_TCB_OUT_OF_DATE;
		if (level == CVM_TDX_TCB_CONFIGURATION_NEEDED ||
		    level == CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
			return CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED;
	}
	if (lower == CVM_TDX_TCB_REVOKED)
		return CVM_TDX_TCB_REVOKED;
	return level;
}

static bool sgx_reached(const struct tdx_tcb_level *l, const struct cvm_tdx_info *info)
{
	for (int i = 0; i < 16; i++)
		if (info->sgx_tcb_svns[i] < l->sgx[i])
			return false;
	return info->pcesvn >= l->pcesvn;
}

/* With a TDX module version (TEE_TCB_SVN[1] > 0) its own identity covers bytes 0 and 1. */
static bool tdx_reached(const struct tdx_tcb_level *l, const uint8_t svn[16])
{
	for (int i = svn[1] > 0 ? 2 : 0; i < 16; i++)
		if (svn[i] < l->tdx[i])
			return false;
	return true;
}

static const struct tdx_module_identity *find_module(const struct tdx_tcb_info *t, uint8_t version)
{
	char id[16];

	snprintf(id, sizeof(id), "TDX_%02X", version);
	for (unsigned i = 0; i < t->n_modules; i++)
		if (!strcasecmp(t->modules[i].id, id))
			return &t->modules[i];
	return NULL;
}

static tcb_status module_status(const struct tdx_tcb_info *t, const uint8_t svn[16])
{
	const struct tdx_module_identity *m;

	if (svn[1] == 0)
		return CVM_TDX_TCB_UP_TO_DATE; /* covered by the TCB level itself */
	m = find_module(t, svn[1]);
	if (!m)
		return CVM_TDX_TCB_TDX_MODULE_MISMATCH;
	for (unsigned i = 0; i < m->n_levels; i++)
		if (svn[0] >= m->levels[i].isvsvn)
			return m->levels[i].status;
	return CVM_TDX_TCB_NOT_SUPPORTED;
}

static tcb_status relaunch_verdict(tcb_status sgx, tcb_status tdx)
{
	return config_needed(sgx) || config_needed(tdx)
		       ? CVM_TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED
		       : CVM_TDX_TCB_TD_RELAUNCH_ADVISED;
}

/*
 * TDX 1.5: a TD launched on an out-of-date module whose platform has since
 * been updated (TEE_TCB_SVN_2 reaches the latest level) is advised to relaunch.
 */
static tcb_status relaunch(const struct tdx_tcb_info *t, const struct cvm_tdx_info *info,
			   tcb_status sgx, tcb_status tdx, tcb_status module, int qe)
{
	const uint8_t *svn2 = info->tee_tcb_svn2;
	const struct tdx_tcb_level *latest;
	const struct tdx_module_identity *m;

	if (qe == CVM_TDX_TCB_OUT_OF_DATE || qe == CVM_TDX_TCB_REVOKED ||
	    qe == CVM_TDX_TCB_NOT_SUPPORTED)
		return tdx;
	if (sgx != CVM_TDX_TCB_UP_TO_DATE && sgx != CVM_TDX_TCB_SW_HARDENING_NEEDED &&
	    sgx != CVM_TDX_TCB_CONFIGURATION_NEEDED &&
	    sgx != CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED)
		return tdx;
	if ((tdx != CVM_TDX_TCB_OUT_OF_DATE && tdx != CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED) ||
	    module != CVM_TDX_TCB_OUT_OF_DATE)
		return tdx;
	if (t->n_levels == 0)
		return CVM_TDX_TCB_NOT_SUPPORTED;
	latest = &t->levels[0];
	if (svn2[1] == 0)
		return svn2[0] >= latest->tdx[0] && svn2[2] >= latest->tdx[2]
			       ? relaunch_verdict(sgx, tdx)
			       : tdx;
	m = find_module(t, svn2[1]);
	if (!m)
		return CVM_TDX_TCB_TDX_MODULE_MISMATCH;
	if (m->n_levels == 0)
		return CVM_TDX_TCB_NOT_SUPPORTED;
	return svn2[0] >= m->levels[0].isvsvn && svn2[2] >= latest->tdx[2]
		       ? relaunch_verdict(sgx, tdx)
		       : tdx;
}

static void qe_evaluate(const struct tdx_qe_identity *qe, const struct cvm_tdx_info *info,
			struct tdx_tcb_eval *ret)
{
	ret->qe_status = -1;
	if (!qe)
		return;
	ret->qe_status = CVM_TDX_TCB_NOT_SUPPORTED;
	for (unsigned i = 0; i < qe->n_levels; i++)
		if (info->qe_isvsvn >= qe->levels[i].isvsvn) {
			ret->qe_status = qe->levels[i].status;
			ret->qe_level = &qe->levels[i];
			return;
		}
}

/* The QE's status caps the platform's (QVL convergeTcbStatusWithQeTcbStatus). */
static tcb_status with_qe(tcb_status s, int qe)
{
	if (qe == CVM_TDX_TCB_NOT_SUPPORTED)
		return CVM_TDX_TCB_NOT_SUPPORTED;
	return qe < 0 ? s : converge(s, (tcb_status)qe);
}

void cvm_tdx_tcb_evaluate(const struct tdx_tcb_info *t, const struct tdx_qe_identity *qe,
			  const struct cvm_tdx_info *info, struct tdx_tcb_eval *ret)
{
	const struct tdx_tcb_level *sgx = NULL, *tdx = NULL;
	tcb_status s, module;

	memset(ret, 0, sizeof(*ret));
	ret->module_status = -1;
	qe_evaluate(qe, info, ret);
	ret->status = CVM_TDX_TCB_NOT_SUPPORTED;
	for (unsigned i = 0; i < t->n_levels && !tdx; i++) {
		const struct tdx_tcb_level *l = &t->levels[i];

		if (!sgx_reached(l, info))
			continue;
		if (!sgx)
			sgx = l;
		if (tdx_reached(l, info->tee_tcb_svn))
			tdx = l;
	}
	if (!sgx || !tdx)
		return;
	ret->level = tdx;
	module = module_status(t, info->tee_tcb_svn);
	ret->module_status = module;
	if (module == CVM_TDX_TCB_NOT_SUPPORTED || module == CVM_TDX_TCB_TDX_MODULE_MISMATCH) {
		ret->status = module;
		return;
	}
	s = converge(tdx->status, module);
	if (s == CVM_TDX_TCB_REVOKED) {
		ret->status = s;
		return;
	}
	if (info->has_tdx15)
		s = relaunch(t, info, sgx->status, s, module, ret->qe_status);
	ret->status = with_qe(s, ret->qe_status);
}
