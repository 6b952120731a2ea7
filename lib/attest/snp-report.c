/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "attest/result.h"
#include "attest/snp-report.h"
#include "util/endian.h"

/* Field offsets (ATTESTATION_REPORT, all integers little-endian). */
#define OFF_VERSION 0x000
#define OFF_GUEST_SVN 0x004
#define OFF_POLICY 0x008
#define OFF_FAMILY_ID 0x010
#define OFF_IMAGE_ID 0x020
#define OFF_VMPL 0x030
#define OFF_SIG_ALGO 0x034
#define OFF_CURRENT_TCB 0x038
#define OFF_PLATFORM_INFO 0x040
#define OFF_SIGNER_INFO 0x048
#define OFF_REPORT_DATA 0x050
#define OFF_MEASUREMENT 0x090
#define OFF_HOST_DATA 0x0c0
#define OFF_ID_KEY_DIGEST 0x0e0
#define OFF_AUTHOR_KEY_DIGEST 0x110
#define OFF_REPORT_ID 0x140
#define OFF_REPORT_ID_MA 0x160
#define OFF_REPORTED_TCB 0x180
#define OFF_CPUID_FAM 0x188
#define OFF_CPUID_MOD 0x189
#define OFF_CPUID_STEP 0x18a
#define OFF_CHIP_ID 0x1a0
#define OFF_COMMITTED_TCB 0x1e0
#define OFF_CURRENT_BUILD 0x1e8
#define OFF_COMMITTED_BUILD 0x1ec
#define OFF_LAUNCH_TCB 0x1f0
#define OFF_LAUNCH_MIT 0x1f8
#define OFF_CURRENT_MIT 0x200

#define SIG_ALGO_ECDSA_P384_SHA384 1
#define POLICY_RESERVED_ONE (1ull << 17)
#define POLICY_MBZ (~0ull << 26)
#define SIGNER_INFO_MBZ (~0u << 5)

#define CERT_TABLE_ENTRY 24
#define CERT_TABLE_MAX_ENTRIES 64

static bool only_hex_text(const uint8_t *buf, size_t len)
{
	bool any = false;

	for (size_t i = 0; i < len; i++) {
		if (isxdigit(buf[i]))
			any = true;
		else if (!isspace(buf[i]))
			return false;
	}
	return any;
}

static int decode_hex(const struct cvm_attest_blob *in, uint8_t **ret_buf, size_t *ret_len,
		      cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *out = malloc(in->len / 2 + 1);
	size_t n = 0, digits = 0;
	int hi = -1;

	if (!out)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	for (size_t i = 0; i < in->len; i++) {
		int c = in->data[i], v;

		if (isspace(c))
			continue;
		if (!isxdigit(c))
			return cvm_err_set(reterr, -EBADMSG, "'%s' is not hex text: byte %zu",
					   in->name, i);
		v = isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10);
		digits++;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	if (hi >= 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' has an odd number of hex digits (%zu)",
				   in->name, digits);
	*ret_len = n;
	*ret_buf = CVM_TAKE_PTR(out);
	return 0;
}

int cvm_snp_report_decode(const struct cvm_attest_blob *in, enum cvm_snp_report_format fmt,
			  uint8_t **ret_buf, size_t *ret_len, cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if (!in->data || in->len == 0)
		return cvm_err_set(reterr, -EBADMSG, "'%s' is empty", in->name);
	if (in->len > CVM_ATTEST_INPUT_MAX)
		return cvm_err_set(reterr, -EFBIG, "'%s' is too large (%zu bytes)", in->name,
				   in->len);
	if (fmt == CVM_SNP_FORMAT_AUTO)
		fmt = in->len != CVM_SNP_REPORT_SIZE && only_hex_text(in->data, in->len)
			      ? CVM_SNP_FORMAT_HEX
			      : CVM_SNP_FORMAT_BIN;
	if (fmt == CVM_SNP_FORMAT_HEX) {
		r = decode_hex(in, &buf, &len, reterr);
		if (r < 0)
			return r;
	} else {
		buf = malloc(in->len);
		if (!buf)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		memcpy(buf, in->data, in->len);
		len = in->len;
	}
	if (len < CVM_SNP_REPORT_SIZE)
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' is %zu bytes, an SNP report is %u bytes", in->name, len,
				   CVM_SNP_REPORT_SIZE);
	*ret_len = len;
	*ret_buf = CVM_TAKE_PTR(buf);
	return 0;
}

/* The GUIDs of the GHCB certificate table, in their binary (EFI) byte order. */
static const struct {
	uint8_t guid[16];
	int which; /* 0 vcek, 1 vlek, 2 ask/asvk, 3 ark */
} table_guids[] = {
	/* 63da758d-e664-4564-adc5-f4b93be8accd */
	{ { 0x8d, 0x75, 0xda, 0x63, 0x64, 0xe6, 0x64, 0x45, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8,
	    0xac, 0xcd },
	  0 },
	/* a8074bc2-a25a-483e-aae6-39c045a0b8a1 */
	{ { 0xc2, 0x4b, 0x07, 0xa8, 0x5a, 0xa2, 0x3e, 0x48, 0xaa, 0xe6, 0x39, 0xc0, 0x45, 0xa0,
	    0xb8, 0xa1 },
	  1 },
	/* 4ab7b379-bbac-4fe4-a02f-05aef327c782 */
	{ { 0x79, 0xb3, 0xb7, 0x4a, 0xac, 0xbb, 0xe4, 0x4f, 0xa0, 0x2f, 0x05, 0xae, 0xf3, 0x27,
	    0xc7, 0x82 },
	  2 },
	/* c0b406a4-a803-4952-9743-3fb6014cd0ae */
	{ { 0xa4, 0x06, 0xb4, 0xc0, 0x03, 0xa8, 0x52, 0x49, 0x97, 0x43, 0x3f, 0xb6, 0x01, 0x4c,
	    0xd0, 0xae },
	  3 },
};

static void table_put(struct snp_certs *c, int which, const uint8_t *p, size_t len)
{
	const uint8_t **slot[] = { &c->vcek, &c->vlek, &c->ask, &c->ark };
	size_t *lens[] = { &c->vcek_len, &c->vlek_len, &c->ask_len, &c->ark_len };

	*slot[which] = p;
	*lens[which] = len;
}

int cvm_snp_cert_table(const uint8_t *table, size_t len, const char *name,
		       struct snp_certs *ret, cvm_err *reterr)
{
	static const uint8_t zero[CERT_TABLE_ENTRY];
	struct snp_certs c = { 0 };

	for (size_t i = 0;; i++) {
		const uint8_t *e = table + i * CERT_TABLE_ENTRY;
		uint32_t off, n;

		if (i >= CERT_TABLE_MAX_ENTRIES || (i + 1) * CERT_TABLE_ENTRY > len)
			return cvm_err_set(reterr, -EBADMSG,
					   "the certificate table after the report in '%s' has no "
					   "terminating entry",
					   name);
		if (!memcmp(e, zero, CERT_TABLE_ENTRY))
			break;
		off = cvm_le32(e + 16);
		n = cvm_le32(e + 20);
		if (off > len || n > len - off || n == 0)
			return cvm_err_set(reterr, -EBADMSG,
					   "certificate table entry %zu in '%s' points outside the "
					   "table (offset %u, length %u)",
					   i, name, off, n);
		for (size_t g = 0; g < sizeof(table_guids) / sizeof(table_guids[0]); g++)
			if (!memcmp(e, table_guids[g].guid, 16))
				table_put(&c, table_guids[g].which, table + off, n);
	}
	*ret = c;
	return 0;
}

static void parse_tcb_raw(const uint8_t *p, struct cvm_snp_tcb *t)
{
	memset(t, 0, sizeof(*t));
	t->raw = cvm_le64(p);
}

void cvm_snp_report_parse(const uint8_t rep[CVM_SNP_REPORT_SIZE], struct cvm_snp_info *info)
{
	info->version = cvm_le32(rep + OFF_VERSION);
	info->guest_svn = cvm_le32(rep + OFF_GUEST_SVN);
	info->policy = cvm_le64(rep + OFF_POLICY);
	memcpy(info->family_id, rep + OFF_FAMILY_ID, 16);
	memcpy(info->image_id, rep + OFF_IMAGE_ID, 16);
	info->vmpl = cvm_le32(rep + OFF_VMPL);
	info->signature_algo = cvm_le32(rep + OFF_SIG_ALGO);
	parse_tcb_raw(rep + OFF_CURRENT_TCB, &info->current_tcb);
	info->platform_info = cvm_le64(rep + OFF_PLATFORM_INFO);
	info->signer_info = cvm_le32(rep + OFF_SIGNER_INFO);
	memcpy(info->report_data, rep + OFF_REPORT_DATA, 64);
	memcpy(info->measurement, rep + OFF_MEASUREMENT, 48);
	memcpy(info->host_data, rep + OFF_HOST_DATA, 32);
	memcpy(info->id_key_digest, rep + OFF_ID_KEY_DIGEST, 48);
	memcpy(info->author_key_digest, rep + OFF_AUTHOR_KEY_DIGEST, 48);
	memcpy(info->report_id, rep + OFF_REPORT_ID, 32);
	memcpy(info->report_id_ma, rep + OFF_REPORT_ID_MA, 32);
	parse_tcb_raw(rep + OFF_REPORTED_TCB, &info->reported_tcb);
	/* version-dependent fields are read only for the versions that define them */
	info->has_cpuid = info->version >= 3 && info->version <= 5;
	if (info->has_cpuid) {
		info->cpuid_family = rep[OFF_CPUID_FAM];
		info->cpuid_model = rep[OFF_CPUID_MOD];
		info->cpuid_stepping = rep[OFF_CPUID_STEP];
	}
	memcpy(info->chip_id, rep + OFF_CHIP_ID, 64);
	parse_tcb_raw(rep + OFF_COMMITTED_TCB, &info->committed_tcb);
	for (int i = 0; i < 3; i++) {
		/* stored build, minor, major: kept as major, minor, build */
		info->current_fw[i] = rep[OFF_CURRENT_BUILD + 2 - i];
		info->committed_fw[i] = rep[OFF_COMMITTED_BUILD + 2 - i];
	}
	parse_tcb_raw(rep + OFF_LAUNCH_TCB, &info->launch_tcb);
	info->has_mit_vectors = info->version == 5;
	if (info->has_mit_vectors) {
		info->launch_mit_vector = cvm_le64(rep + OFF_LAUNCH_MIT);
		info->current_mit_vector = cvm_le64(rep + OFF_CURRENT_MIT);
	}
	switch (SNP_SIGNING_KEY(info->signer_info)) {
	case 0:
		info->signer = CVM_SNP_SIGNER_VCEK;
		break;
	case 1:
		info->signer = CVM_SNP_SIGNER_VLEK;
		break;
	default:
		info->signer = CVM_SNP_SIGNER_INVALID;
	}
}

void cvm_snp_tcb_decode(uint64_t raw, enum cvm_snp_product p, struct cvm_snp_tcb *t)
{
	uint8_t b[8];

	cvm_put_le64(b, raw);
	memset(t, 0, sizeof(*t));
	t->raw = raw;
	t->microcode = b[7];
	if (p == CVM_SNP_TURIN) {
		t->fmc = b[0];
		t->bootloader = b[1];
		t->tee = b[2];
		t->snp = b[3];
	} else {
		t->bootloader = b[0];
		t->tee = b[1];
		t->snp = b[6];
	}
}

enum cvm_snp_product cvm_snp_product_from_cpuid(uint8_t family, uint8_t model)
{
	if (family == 0x19 && model <= 0x0f)
		return CVM_SNP_MILAN;
	/* 0xa0..0xaf: Bergamo and Siena, which use Genoa's keys */
	if (family == 0x19 && ((model >= 0x10 && model <= 0x1f) || (model >= 0xa0 && model <= 0xaf)))
		return CVM_SNP_GENOA;
	if (family == 0x1a && model <= 0x11)
		return CVM_SNP_TURIN;
	return CVM_SNP_PRODUCT_INVALID;
}

/* The first non-zero byte in [from, to), or -1. */
static long nonzero_at(const uint8_t *rep, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (rep[i])
			return (long)i;
	return -1;
}

static bool check_reserved(const uint8_t rep[CVM_SNP_REPORT_SIZE],
			   const struct cvm_snp_info *info, struct cvm_attest_result *r)
{
	/* must-be-zero ranges; which ones depends on the version */
	const size_t ranges[][2] = {
		{ 0x04c, 0x050 },
		{ info->version >= 3 ? 0x18b : 0x188, 0x1a0 },
		{ 0x1eb, 0x1ec },
		{ 0x1ef, 0x1f0 },
		{ info->version >= 5 ? 0x208 : 0x1f8, 0x2a0 },
		{ 0x330, CVM_SNP_REPORT_SIZE },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		long at = nonzero_at(rep, ranges[i][0], ranges[i][1]);

		if (at >= 0)
			return cvm_check(r, "reserved_zero", false,
					 "reserved byte 0x%03lx is 0x%02x, must be zero", at,
					 rep[at]);
	}
	if (!(info->policy & POLICY_RESERVED_ONE))
		return cvm_check(r, "reserved_zero", false,
				 "guest policy 0x%llx: reserved bit 17 must be one",
				 (unsigned long long)info->policy);
	if (info->policy & POLICY_MBZ)
		return cvm_check(r, "reserved_zero", false,
				 "guest policy 0x%llx: reserved bits 63:26 must be zero",
				 (unsigned long long)info->policy);
	if (info->signer_info & SIGNER_INFO_MBZ)
		return cvm_check(r, "reserved_zero", false,
				 "signer info 0x%x: reserved bits 31:5 must be zero",
				 info->signer_info);
	return cvm_check(r, "reserved_zero", true, "reserved fields are zero");
}

bool cvm_snp_report_structure(const uint8_t rep[CVM_SNP_REPORT_SIZE],
			      const struct cvm_snp_info *info, struct cvm_attest_result *r)
{
	if (info->version < 2 || info->version > 5) {
		cvm_check(r, "version", false, "unsupported report version %u (2 to 5 are known)",
			  info->version);
		return false;
	}
	cvm_check(r, "version", true, "report version %u", info->version);
	if (info->signature_algo == SIG_ALGO_ECDSA_P384_SHA384)
		cvm_check(r, "signature_algo", true, "ECDSA P-384 with SHA-384");
	else
		cvm_check(r, "signature_algo", false, "unknown signature algorithm %u",
			  info->signature_algo);
	check_reserved(rep, info, r);
	return true;
}
