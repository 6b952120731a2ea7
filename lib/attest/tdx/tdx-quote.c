/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "attest/result.h"
#include "attest/tdx/tdx-quote.h"
#include "util/endian.h"

#define HEADER_SIZE 48
#define ATT_KEY_ECDSA_P256 2
#define TEE_TYPE_TDX 0x81
#define BODY_TD10 2 /* v5 body types */
#define BODY_TD15 3
#define TD10_SIZE 584
#define TD15_SIZE 648
#define CERT_QE_REPORT 6 /* QE report certification data */
#define CERT_PCK_CHAIN 5 /* PCK leaf, intermediate and root, PEM */

/* Offsets in the TD report body. */
#define B_TEE_TCB_SVN 0x000
#define B_MRSEAM 0x010
#define B_MRSIGNERSEAM 0x040
#define B_SEAMATTRIBUTES 0x070
#define B_TDATTRIBUTES 0x078
#define B_XFAM 0x080
#define B_MRTD 0x088
#define B_MRCONFIGID 0x0b8
#define B_MROWNER 0x0e8
#define B_MROWNERCONFIG 0x118
#define B_RTMR0 0x148
#define B_REPORTDATA 0x208
#define B_TEE_TCB_SVN2 0x248
#define B_MRSERVICETD 0x258

/* Offsets in the QE report (an SGX REPORT body). */
#define QE_MISCSELECT 0x10
#define QE_ATTRIBUTES 0x30
#define QE_MRSIGNER 0x80
#define QE_ISVPRODID 0x100
#define QE_ISVSVN 0x102

/* A bounds-checked reader over the quote. */
struct cursor {
	const uint8_t *buf;
	size_t len, pos;
	const char *name;
	cvm_err *err;
};

static int take(struct cursor *c, size_t n, const char *what, const uint8_t **ret)
{
	if (n > c->len - c->pos)
		return cvm_err_set(c->err, -EBADMSG,
				   "'%s' is truncated: %s needs %zu bytes at offset %zu, %zu left",
				   c->name, what, n, c->pos, c->len - c->pos);
	*ret = c->buf + c->pos;
	c->pos += n;
	return 0;
}

static int take_u16(struct cursor *c, const char *what, uint16_t *ret)
{
	const uint8_t *p = NULL;
	int r = take(c, 2, what, &p);

	if (r == 0)
		*ret = cvm_le16(p);
	return r;
}

static int take_u32(struct cursor *c, const char *what, uint32_t *ret)
{
	const uint8_t *p = NULL;
	int r = take(c, 4, what, &p);

	if (r == 0)
		*ret = cvm_le32(p);
	return r;
}

static void parse_body(const uint8_t *b, struct cvm_tdx_info *info)
{
	memcpy(info->tee_tcb_svn, b + B_TEE_TCB_SVN, 16);
	memcpy(info->mrseam, b + B_MRSEAM, 48);
	memcpy(info->mrsignerseam, b + B_MRSIGNERSEAM, 48);
	memcpy(info->seam_attributes, b + B_SEAMATTRIBUTES, 8);
	memcpy(info->td_attributes, b + B_TDATTRIBUTES, 8);
	memcpy(info->xfam, b + B_XFAM, 8);
	memcpy(info->mrtd, b + B_MRTD, 48);
	memcpy(info->mrconfigid, b + B_MRCONFIGID, 48);
	memcpy(info->mrowner, b + B_MROWNER, 48);
	memcpy(info->mrownerconfig, b + B_MROWNERCONFIG, 48);
	for (int i = 0; i < 4; i++)
		memcpy(info->rtmr[i], b + B_RTMR0 + 48 * i, 48);
	memcpy(info->report_data, b + B_REPORTDATA, 64);
	if (info->has_tdx15) {
		memcpy(info->tee_tcb_svn2, b + B_TEE_TCB_SVN2, 16);
		memcpy(info->mrservicetd, b + B_MRSERVICETD, 48);
	}
}

static void parse_qe_report(const uint8_t *q, struct cvm_tdx_info *info)
{
	info->qe_miscselect = cvm_le32(q + QE_MISCSELECT);
	memcpy(info->qe_attributes, q + QE_ATTRIBUTES, 16);
	memcpy(info->qe_mrsigner, q + QE_MRSIGNER, 32);
	info->qe_isvprodid = cvm_le16(q + QE_ISVPRODID);
	info->qe_isvsvn = cvm_le16(q + QE_ISVSVN);
}

/* Header and, for v5, the body descriptor. Returns 1 to go on, 0 to stop. */
static int parse_header(struct cursor *c, struct cvm_tdx_info *info, struct cvm_attest_result *r)
{
	const uint8_t *h = NULL;
	uint32_t body_size = TD10_SIZE;
	int ret = take(c, HEADER_SIZE, "the header", &h);

	if (ret < 0)
		return ret;
	info->version = cvm_le16(h);
	info->att_key_type = cvm_le16(h + 2);
	info->tee_type = cvm_le32(h + 4);
	memcpy(info->qe_vendor_id, h + 12, 16);
	if (!cvm_check(r, "version", info->version == 4 || info->version == 5,
		       "quote version %u%s", info->version,
		       info->version == 4 || info->version == 5 ? "" : " is not supported (4, 5)"))
		return 0;
	if (!cvm_check(r, "att_key_type", info->att_key_type == ATT_KEY_ECDSA_P256,
		       "attestation key type %u%s", info->att_key_type,
		       info->att_key_type == ATT_KEY_ECDSA_P256 ? " (ECDSA P-256)"
								: " is not ECDSA P-256 (2)"))
		return 0;
	if (!cvm_check(r, "tee_type", info->tee_type == TEE_TYPE_TDX, "TEE type 0x%x%s",
		       info->tee_type, info->tee_type == TEE_TYPE_TDX ? " (TDX)" : " is not TDX (0x81)"))
		return 0;
	info->body_type = BODY_TD10;
	if (info->version == 5) {
		ret = take_u16(c, "the body type", &info->body_type);
		if (ret < 0 || (ret = take_u32(c, "the body size", &body_size)) < 0)
			return ret;
	}
	if (!cvm_check(r, "body_type",
		       (info->body_type == BODY_TD10 && body_size == TD10_SIZE) ||
			       (info->body_type == BODY_TD15 && body_size == TD15_SIZE),
		       "body type %u (%s), %u bytes", info->body_type,
		       info->body_type == BODY_TD10   ? "TDX 1.0"
		       : info->body_type == BODY_TD15 ? "TDX 1.5"
						      : "not a TD report",
		       body_size))
		return 0;
	info->has_tdx15 = info->body_type == BODY_TD15;
	return 1;
}

/* The QE report certification data (type 6) and, inside it, the PCK chain (type 5). */
static int parse_cert_data(struct cursor *c, struct tdx_quote *q)
{
	uint16_t type = 0, auth_len = 0, inner_type = 0;
	uint32_t size = 0, inner_size = 0;
	const uint8_t *p = NULL;
	size_t start;
	int r;

	if ((r = take_u16(c, "the certification data type", &type)) < 0 ||
	    (r = take_u32(c, "the certification data size", &size)) < 0)
		return r;
	if (type != CERT_QE_REPORT)
		return cvm_err_set(c->err, -EBADMSG,
				   "'%s': certification data type %u, expected %u (QE report)",
				   c->name, type, CERT_QE_REPORT);
	start = c->pos;
	if ((r = take(c, TDX_QE_REPORT_SIZE, "the QE report", &q->qe_report)) < 0 ||
	    (r = take(c, 64, "the QE report signature", &q->qe_report_sig)) < 0 ||
	    (r = take_u16(c, "the QE authentication data size", &auth_len)) < 0 ||
	    (r = take(c, auth_len, "the QE authentication data", &q->qe_auth)) < 0 ||
	    (r = take_u16(c, "the PCK certification data type", &inner_type)) < 0 ||
	    (r = take_u32(c, "the PCK certification data size", &inner_size)) < 0 ||
	    (r = take(c, inner_size, "the PCK certificate chain", &p)) < 0)
		return r;
	q->qe_auth_len = auth_len;
	if (inner_type != CERT_PCK_CHAIN)
		return cvm_err_set(c->err, -EBADMSG,
				   "'%s': PCK certification data type %u, expected %u (PEM chain)",
				   c->name, inner_type, CERT_PCK_CHAIN);
	if (c->pos - start != size)
		return cvm_err_set(c->err, -EBADMSG,
				   "'%s': certification data size is %u, its parts add up to %zu",
				   c->name, size, c->pos - start);
	/* the chain often ends with a NUL */
	while (inner_size > 0 && p[inner_size - 1] == '\0')
		inner_size--;
	q->pck_chain = p;
	q->pck_chain_len = inner_size;
	return 0;
}

int cvm_tdx_quote_parse(const uint8_t *buf, size_t len, const char *name, struct tdx_quote *q,
			struct cvm_tdx_info *info, struct cvm_attest_result *r, cvm_err *reterr)
{
	struct cursor c = { .buf = buf, .len = len, .name = name, .err = reterr };
	const uint8_t *body = NULL;
	uint32_t sig_len = 0;
	size_t sig_start;
	int ret = parse_header(&c, info, r);

	if (ret <= 0)
		return ret;
	ret = take(&c, info->has_tdx15 ? TD15_SIZE : TD10_SIZE, "the TD report body", &body);
	if (ret < 0)
		return ret;
	parse_body(body, info);
	q->signed_len = c.pos;
	if ((ret = take_u32(&c, "the signature data size", &sig_len)) < 0)
		return ret;
	sig_start = c.pos;
	if ((ret = take(&c, 64, "the quote signature", &q->quote_sig)) < 0 ||
	    (ret = take(&c, 64, "the attestation key", &q->att_key)) < 0 ||
	    (ret = parse_cert_data(&c, q)) < 0)
		return ret;
	if (c.pos - sig_start != sig_len)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s': signature data size is %u, its parts add up to %zu", name,
				   sig_len, c.pos - sig_start);
	parse_qe_report(q->qe_report, info);
	/* bytes after the signed data are not covered by any signature: ignored */
	info->trailing_bytes = len - c.pos;
	return 1;
}
