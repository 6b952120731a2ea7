/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Evidence providers for the KBS client:
 *  - configfs-tsm (Documentation/ABI/testing/configfs-tsm): a report directory
 *    per request; inblob <- report_data (64 bytes), outblob -> the SNP report
 *    or the TDX quote; generation must equal the one write made;
 *  - /dev/sev-guest (include/uapi/linux/sev-guest.h): SNP_GET_REPORT;
 *  - Trustee's "sample" TEE, compiled only with CVMIMG_SAMPLE_EVIDENCE.
 * The primary_evidence JSON is what Trustee's verifiers read:
 * snp {"attestation_report","cert_chain"}, tdx {"cc_eventlog","quote"},
 * sample {"svn","report_data"}.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/sev-guest.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/json.h>
#include <cvmimg/util.h>

#include "util/file.h"
#include "util/macro.h"

#define TSM_DIR	      "sys/kernel/config/tsm/report"
#define SEV_GUEST_DEV "dev/sev-guest"
#define CCEL_TABLE    "sys/firmware/acpi/tables/data/CCEL"
#define OUTBLOB_MAX   (64u << 10)
#define CCEL_MAX      (8u << 20)

struct cvm_evidence {
	enum cvm_evidence_source src;
	char tee[8];
	char root[256];
};

static const char *const source_names[] = {
    [CVM_EVIDENCE_TSM] = "tsm",
    [CVM_EVIDENCE_SEV_GUEST] = "sev-guest",
    [CVM_EVIDENCE_SAMPLE] = "sample",
};

CVM_PUBLIC const char *cvm_evidence_source_to_string(enum cvm_evidence_source s)
{
	return (unsigned)s < CVM_EVIDENCE__COUNT ? source_names[s] : NULL;
}

CVM_PUBLIC enum cvm_evidence_source cvm_evidence_source_from_string(const char *s)
{
	for (int i = 0; s && i < CVM_EVIDENCE__COUNT; i++)
		if (!strcmp(s, source_names[i]))
			return (enum cvm_evidence_source)i;
	return CVM_EVIDENCE_INVALID;
}

CVM_PUBLIC bool cvm_evidence_source_built(enum cvm_evidence_source s)
{
#ifdef CVMIMG_SAMPLE_EVIDENCE
	return (unsigned)s < CVM_EVIDENCE__COUNT;
#else
	return (unsigned)s < CVM_EVIDENCE__COUNT && s != CVM_EVIDENCE_SAMPLE;
#endif
}

static void join(const struct cvm_evidence *e, const char *rel, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", e->root, rel);
}

/* ---- configfs-tsm ------------------------------------------------------------------------ */

struct tsm_report {
	char dir[400];
	bool made;
};

static void tsm_report_done(struct tsm_report *t)
{
	if (t->made)
		rmdir(t->dir);
}

static int tsm_make(const struct cvm_evidence *e, struct tsm_report *t, cvm_err *reterr)
{
	char base[300];
	static unsigned counter;

	join(e, TSM_DIR, base, sizeof(base));
	snprintf(t->dir, sizeof(t->dir), "%s/cvmimg-%ld-%u", base, (long)getpid(), counter++);
	if (mkdir(t->dir, 0700) < 0)
		return cvm_err_set_errno(reterr, errno == ENOENT ? -ENODEV : cvm_negative_errno(),
					 "cannot create the configfs-tsm report '%s'", t->dir);
	t->made = true;
	return 0;
}

static int tsm_read(const struct tsm_report *t, const char *name, size_t max, uint8_t **ret,
		    size_t *ret_len, cvm_err *reterr)
{
	char path[450];

	snprintf(path, sizeof(path), "%s/%s", t->dir, name);
	return cvm_read_file(path, max, ret, ret_len, reterr);
}

static int tsm_provider(struct cvm_evidence *e, cvm_err *reterr)
{
	CVM_CLEANUP(tsm_report_done) struct tsm_report t = {0};
	CVM_CLEANUP_FREE uint8_t *p = NULL;
	size_t len;
	int r;

	if ((r = tsm_make(e, &t, reterr)) < 0 ||
	    (r = tsm_read(&t, "provider", 64, &p, &len, reterr)) < 0)
		return r;
	while (len && (p[len - 1] == '\n' || p[len - 1] == '\0'))
		p[--len] = '\0';
	if (!strcmp((char *)p, "sev_guest"))
		snprintf(e->tee, sizeof(e->tee), "snp");
	else if (!strcmp((char *)p, "tdx_guest"))
		snprintf(e->tee, sizeof(e->tee), "tdx");
	else
		return cvm_err_set(reterr, -ENODEV, "configfs-tsm provider '%.40s' is neither "
				   "sev_guest nor tdx_guest", (char *)p);
	return 0;
}

static int write_all(const char *path, const uint8_t *buf, size_t len, cvm_err *reterr)
{
	CVM_CLEANUP_CLOSE int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
	n = write(fd, buf, len);
	if (n < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot write '%s'", path);
	if ((size_t)n != len)
		return cvm_err_set(reterr, -EIO, "short write to '%s'", path);
	return 0;
}

static int tdx_evidence(const struct cvm_evidence *e, const uint8_t *quote, size_t len,
			json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	CVM_CLEANUP_FREE uint8_t *ccel = NULL;
	CVM_CLEANUP_FREE char *q = cvm_base64_encode(quote, len), *el = NULL;
	char path[300];
	size_t ccel_len = 0;

	join(e, CCEL_TABLE, path, sizeof(path));
	if (cvm_read_file(path, CCEL_MAX, &ccel, &ccel_len, NULL) == 0 &&
	    !(el = cvm_base64_encode(ccel, ccel_len)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if (!o || !q || cvm_json_add(o, "quote", json_object_new_string(q)) < 0 ||
	    json_object_object_add(o, "cc_eventlog", el ? json_object_new_string(el) : NULL) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(o);
	return 0;
}

static int tsm_get(struct cvm_evidence *e, const uint8_t rd[CVM_KBS_REPORT_DATA_LEN],
		   json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(tsm_report_done) struct tsm_report t = {0};
	CVM_CLEANUP_FREE uint8_t *out = NULL, *gen = NULL;
	char path[450];
	size_t len, gen_len;
	int r;

	if ((r = tsm_make(e, &t, reterr)) < 0)
		return r;
	snprintf(path, sizeof(path), "%s/inblob", t.dir);
	if ((r = write_all(path, rd, CVM_KBS_REPORT_DATA_LEN, reterr)) < 0 ||
	    (r = tsm_read(&t, "outblob", OUTBLOB_MAX, &out, &len, reterr)) < 0 ||
	    (r = tsm_read(&t, "generation", 32, &gen, &gen_len, reterr)) < 0)
		return r;
	/* another writer in between would have changed the report under us */
	if (strtoul((char *)gen, NULL, 10) != 1)
		return cvm_err_set(reterr, -EIO, "configfs-tsm report '%s' changed while read "
				   "(generation %.20s)", t.dir, (char *)gen);
	/* a TDX host without a quote service answers with nothing, not an error */
	if (!len)
		return cvm_err_set(reterr, -EIO, "configfs-tsm gave an empty %s report (is the "
				   "host's quote service set up?)", e->tee);
	if (!strcmp(e->tee, "tdx"))
		return tdx_evidence(e, out, len, ret, reterr);
	return cvm_snp_report_to_evidence(out, len, ret, reterr);
}

/* ---- /dev/sev-guest ---------------------------------------------------------------------- */

static int sev_guest_get(struct cvm_evidence *e, const uint8_t rd[CVM_KBS_REPORT_DATA_LEN],
			 json_object **ret, cvm_err *reterr)
{
	struct snp_report_req req = {0};
	struct snp_report_resp resp = {0};
	struct snp_guest_request_ioctl io = {
	    .msg_version = 1,
	    .req_data = (uintptr_t)&req,
	    .resp_data = (uintptr_t)&resp,
	};
	char path[300];
	CVM_CLEANUP_CLOSE int fd = -1;
	uint32_t status, size;

	join(e, SEV_GUEST_DEV, path, sizeof(path));
	if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot open '%s'", path);
	memcpy(req.user_data, rd, sizeof(req.user_data));
	if (ioctl(fd, SNP_GET_REPORT, &io) < 0)
		return cvm_err_set(reterr, -EIO, "SNP_GET_REPORT failed: %s (firmware error "
				   "0x%llx)", strerror(errno), (unsigned long long)io.exitinfo2);
	/* MSG_REPORT_RSP: status, report size, 24 reserved bytes, the report */
	memcpy(&status, resp.data, 4);
	memcpy(&size, resp.data + 4, 4);
	if (status)
		return cvm_err_set(reterr, -EIO, "SNP_GET_REPORT: firmware status 0x%x", status);
	if (size > sizeof(resp.data) - 0x20)
		return cvm_err_set(reterr, -EBADMSG, "SNP_GET_REPORT: report size %u", size);
	return cvm_snp_report_to_evidence(resp.data + 0x20, size, ret, reterr);
}

/* ---- sample ------------------------------------------------------------------------------ */

#ifdef CVMIMG_SAMPLE_EVIDENCE
static int sample_get(const uint8_t *digest, size_t len, json_object **ret, cvm_err *reterr)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = json_object_new_object();
	CVM_CLEANUP_FREE char *b64 = cvm_base64_encode(digest, len);

	if (!o || !b64 || cvm_json_add(o, "svn", json_object_new_string("1")) < 0 ||
	    cvm_json_add(o, "report_data", json_object_new_string(b64)) < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	*ret = CVM_TAKE_PTR(o);
	return 0;
}
#endif

/* ---- the handle -------------------------------------------------------------------------- */

CVM_PUBLIC struct cvm_evidence *cvm_evidence_free(struct cvm_evidence *e)
{
	free(e);
	return NULL;
}

static void evidence_freep(struct cvm_evidence **e)
{
	cvm_evidence_free(*e);
}

CVM_PUBLIC int cvm_evidence_open(enum cvm_evidence_source s, const char *root,
				 struct cvm_evidence **ret, cvm_err *reterr)
{
	CVM_CLEANUP(evidence_freep) struct cvm_evidence *e = NULL;
	char path[300];
	int r;

	CVM_CHECK_ARG(ret && cvm_evidence_source_to_string(s), reterr);
	if (!cvm_evidence_source_built(s))
		return cvm_err_set(reterr, -EOPNOTSUPP, "this build has no %s evidence (configure "
				   "with -DCVMIMG_SAMPLE_EVIDENCE=ON for tests)",
				   cvm_evidence_source_to_string(s));
	if (!(e = calloc(1, sizeof(*e))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	e->src = s;
	snprintf(e->root, sizeof(e->root), "%s", root && strcmp(root, "/") ? root : "");
	switch (s) {
	case CVM_EVIDENCE_TSM:
		if ((r = tsm_provider(e, reterr)) < 0)
			return r;
		break;
	case CVM_EVIDENCE_SEV_GUEST:
		join(e, SEV_GUEST_DEV, path, sizeof(path));
		if (access(path, F_OK) < 0)
			return cvm_err_set(reterr, -ENODEV, "no SNP guest device '%s'", path);
		snprintf(e->tee, sizeof(e->tee), "snp");
		break;
	default:
		snprintf(e->tee, sizeof(e->tee), "sample");
		break;
	}
	*ret = CVM_TAKE_PTR(e);
	return 0;
}

CVM_PUBLIC int cvm_evidence_open_any(const char *root, struct cvm_evidence **ret,
				     cvm_err *reterr)
{
	int r;

	CVM_CHECK_ARG(ret, reterr);
	r = cvm_evidence_open(CVM_EVIDENCE_TSM, root, ret, reterr);
	if (r != -ENODEV)
		return r;
	r = cvm_evidence_open(CVM_EVIDENCE_SEV_GUEST, root, ret, reterr);
	if (r == -ENODEV)
		return cvm_err_set(reterr, r, "no TEE evidence here: neither configfs-tsm nor "
				   "/dev/sev-guest");
	return r;
}

CVM_PUBLIC const char *cvm_evidence_tee(const struct cvm_evidence *e)
{
	return e ? e->tee : NULL;
}

CVM_PUBLIC int cvm_evidence_get(struct cvm_evidence *e, const uint8_t *digest, size_t len,
				json_object **ret, cvm_err *reterr)
{
	uint8_t rd[CVM_KBS_REPORT_DATA_LEN] = {0};

	CVM_CHECK_ARG(e && digest && ret && len <= CVM_KBS_REPORT_DATA_LEN, reterr);
	memcpy(rd, digest, len);
	switch (e->src) {
	case CVM_EVIDENCE_TSM:
		return tsm_get(e, rd, ret, reterr);
	case CVM_EVIDENCE_SEV_GUEST:
		return sev_guest_get(e, rd, ret, reterr);
	default:
#ifdef CVMIMG_SAMPLE_EVIDENCE
		return sample_get(digest, len, ret, reterr);
#else
		return cvm_err_set(reterr, -EOPNOTSUPP, "this build has no sample evidence");
#endif
	}
}
