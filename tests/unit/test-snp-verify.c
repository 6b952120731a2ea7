/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_snp_verify_roots() on evidence this test makes with OpenSSL: an AMD-like
 * hierarchy (ARK, ASK or ASVK with RSA-PSS, VCEK or VLEK on P-384 with AMD's
 * extensions) and reports signed by it. It covers what no real fixture has: a
 * valid CRL that revokes the ASK, an author key, a masked CHIP_ID, a Turin VLEK,
 * a VLEK on Genoa; and it shows that the same evidence fails only on the chain
 * with the built-in roots.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cvmimg/attest.h>

#include "attest/snp-roots.h"
#include "attest/snp-verify.h"
#include "util/endian.h"

#define T_NOT_BEFORE 1704067200 /* 2024-01-01 */
#define T_NOT_AFTER 1893456000  /* 2030-01-01 */
#define T_VERIFY 1748736000     /* 2025-06-01 */

static const char *const prod_name[] = { "Milan", "Genoa", "Turin" };

struct forged {
	EVP_PKEY *ark_key, *mid_key, *vek_key;
	X509 *ark, *mid, *vek;
	struct amd_roots roots;
	uint8_t report[CVM_SNP_REPORT_SIZE];
	uint8_t *vek_der;
	int vek_der_len;
};

static X509_NAME *amd_name(const char *cn)
{
	X509_NAME *n = X509_NAME_new();
	const char *f[][2] = { { "OU", "Engineering" },	   { "C", "US" },
			       { "L", "Santa Clara" },	   { "ST", "CA" },
			       { "O", "Advanced Micro Devices" }, { "CN", cn } };

	for (size_t i = 0; i < 6; i++)
		assert_int_equal(X509_NAME_add_entry_by_txt(n, f[i][0], MBSTRING_ASC,
							    (const unsigned char *)f[i][1], -1, -1, 0),
				 1);
	return n;
}

static void add_raw_ext(X509 *x, const char *oid, const uint8_t *der, size_t len)
{
	ASN1_OBJECT *o = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;

	assert_int_equal(ASN1_OCTET_STRING_set(s, der, (int)len), 1);
	e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, s);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(s);
	ASN1_OBJECT_free(o);
}

static void add_conf_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);

	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

/* RSASSA-PSS, SHA-384, salt 48: what AMD signs its certificates with. */
static void sign_pss(X509 *x, EVP_PKEY *key)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_int_equal(EVP_DigestSignInit(c, &pc, EVP_sha384(), NULL, key), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, 48), 1);
	assert_true(X509_sign_ctx(x, c) > 0);
	EVP_MD_CTX_free(c);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, long serial, bool ca)
{
	X509 *x = X509_new();
	X509_NAME *n = amd_name(cn);

	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), serial), 1);
	assert_int_equal(X509_set_subject_name(x, n), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n), 1);
	assert_non_null(ASN1_TIME_set(X509_getm_notBefore(x), T_NOT_BEFORE));
	assert_non_null(ASN1_TIME_set(X509_getm_notAfter(x), T_NOT_AFTER));
	assert_int_equal(X509_set_pubkey(x, key), 1);
	if (ca) {
		add_conf_ext(x, NID_basic_constraints, "critical,CA:TRUE");
		add_conf_ext(x, NID_key_usage, "critical,keyCertSign,cRLSign");
	}
	X509_NAME_free(n);
	return x;
}

struct vek_ext {
	uint8_t bl, tee, snp, ucode, fmc;
	bool turin, vlek;
	const uint8_t *hwid;
};

static void add_int_ext(X509 *x, const char *oid, unsigned v)
{
	uint8_t der[4] = { 0x02, 0x01, (uint8_t)v };

	if (v >= 0x80) { /* canonical: a leading zero byte */
		der[1] = 2;
		der[2] = 0;
		der[3] = (uint8_t)v;
	}
	add_raw_ext(x, oid, der, v >= 0x80 ? 4 : 3);
}

static void add_amd_exts(X509 *x, const struct vek_ext *e, const char *product)
{
	uint8_t name[16] = { 0x16, (uint8_t)strlen(product) };

	add_int_ext(x, "1.3.6.1.4.1.3704.1.1", e->turin ? 1 : 0);
	memcpy(name + 2, product, strlen(product));
	add_raw_ext(x, "1.3.6.1.4.1.3704.1.2", name, 2 + strlen(product));
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.1", e->bl);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.2", e->tee);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.3", e->snp);
	add_int_ext(x, "1.3.6.1.4.1.3704.1.3.8", e->ucode);
	if (e->turin)
		add_int_ext(x, "1.3.6.1.4.1.3704.1.3.9", e->fmc);
	if (!e->vlek)
		add_raw_ext(x, "1.3.6.1.4.1.3704.1.4", e->hwid, e->turin ? 8 : 64);
}

static void forge_hierarchy(struct forged *f, enum cvm_snp_product p, const struct vek_ext *e)
{
	char cn[32];

	memset(f, 0, sizeof(*f));
	f->ark_key = EVP_RSA_gen(2048);
	f->mid_key = EVP_RSA_gen(2048);
	f->vek_key = EVP_EC_gen("secp384r1");
	assert_true(f->ark_key && f->mid_key && f->vek_key);
	snprintf(cn, sizeof(cn), "ARK-%s", prod_name[p]);
	f->ark = make_cert(f->ark_key, cn, NULL, 0x10000, true);
	sign_pss(f->ark, f->ark_key);
	snprintf(cn, sizeof(cn), "SEV-%s%s", e->vlek ? "VLEK-" : "", prod_name[p]);
	f->mid = make_cert(f->mid_key, cn, f->ark, 0x10001, true);
	sign_pss(f->mid, f->ark_key);
	f->vek = make_cert(f->vek_key, e->vlek ? "SEV-VLEK" : "SEV-VCEK", f->mid, 0, false);
	add_amd_exts(f->vek, e, prod_name[p]);
	sign_pss(f->vek, f->mid_key);
	f->roots.cert[p][AMD_ROLE_ARK] = f->ark;
	f->roots.cert[p][e->vlek ? AMD_ROLE_ASVK : AMD_ROLE_ASK] = f->mid;
	f->vek_der_len = i2d_X509(f->vek, &f->vek_der);
	assert_true(f->vek_der_len > 0);
}

static void forged_free(struct forged *f)
{
	EVP_PKEY_free(f->ark_key);
	EVP_PKEY_free(f->mid_key);
	EVP_PKEY_free(f->vek_key);
	X509_free(f->ark);
	X509_free(f->mid);
	X509_free(f->vek);
	OPENSSL_free(f->vek_der);
}

/* TCB_VERSION bytes in the product's layout (reference/snp-report.md 1.3). */
static uint64_t tcb_raw(const struct vek_ext *e)
{
	uint8_t b[8] = { 0 };

	if (e->turin) {
		b[0] = e->fmc;
		b[1] = e->bl;
		b[2] = e->tee;
		b[3] = e->snp;
	} else {
		b[0] = e->bl;
		b[1] = e->tee;
		b[6] = e->snp;
	}
	b[7] = e->ucode;
	return cvm_le64(b);
}

struct report_opts {
	uint32_t version, vmpl;
	uint8_t family, model;
	uint64_t policy;
	bool author_key;
	bool mask_chip;
	bool no_signing_key; /* SIGNING_KEY 7: "not signed" */
};

/* Build a report and sign it with the VCEK/VLEK key: r and s little-endian, 72 bytes. */
static void make_report(struct forged *f, const struct vek_ext *e, const struct report_opts *o)
{
	uint8_t *r = f->report, der[128], *sig_der = der;
	const uint8_t *p = der;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	size_t len = sizeof(der);
	ECDSA_SIG *sig;
	uint64_t tcb = tcb_raw(e);

	memset(r, 0, CVM_SNP_REPORT_SIZE);
	cvm_put_le32(r + 0x000, o->version);
	cvm_put_le64(r + 0x008, o->policy);
	cvm_put_le32(r + 0x030, o->vmpl);
	cvm_put_le32(r + 0x034, 1);
	cvm_put_le64(r + 0x038, tcb);
	cvm_put_le32(r + 0x048, (o->no_signing_key ? 7u << 2 : e->vlek ? 1u << 2 : 0) |
					(o->author_key ? 1 : 0));
	memset(r + 0x090, 0x5a, 48);
	memset(r + 0x110, o->author_key ? 0xa5 : 0, 48);
	cvm_put_le64(r + 0x180, tcb);
	if (o->version >= 3) {
		r[0x188] = o->family;
		r[0x189] = o->model;
		r[0x18a] = 1;
	}
	if (!o->mask_chip && !e->vlek)
		memcpy(r + 0x1a0, e->hwid, e->turin ? 8 : 64);
	cvm_put_le64(r + 0x1e0, tcb);
	cvm_put_le64(r + 0x1f0, tcb);
	assert_int_equal(EVP_DigestSignInit(c, NULL, EVP_sha384(), NULL, f->vek_key), 1);
	assert_int_equal(EVP_DigestSign(c, sig_der, &len, r, 0x2a0), 1);
	sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	assert_non_null(sig);
	assert_int_equal(BN_bn2lebinpad(ECDSA_SIG_get0_r(sig), r + 0x2a0, 72), 72);
	assert_int_equal(BN_bn2lebinpad(ECDSA_SIG_get0_s(sig), r + 0x2e8, 72), 72);
	ECDSA_SIG_free(sig);
	EVP_MD_CTX_free(c);
}

static struct cvm_attest_result *verify(struct forged *f, const struct amd_roots *roots,
					const struct cvm_attest_policy *pol, const uint8_t *crl,
					size_t crl_len)
{
	struct cvm_attest_result *r = calloc(1, sizeof(*r));
	struct cvm_snp_evidence ev = {
		.report = { f->report, CVM_SNP_REPORT_SIZE, "report" },
		.vek = { f->vek_der, (size_t)f->vek_der_len, "vek" },
		.vek_kind = CVM_SNP_SIGNER_AUTO,
		.crl = { crl, crl_len, "crl" },
		.product = CVM_SNP_PRODUCT_AUTO,
		.have_time = true,
		.at_time = T_VERIFY,
	};
	cvm_err e = { 0 };

	assert_non_null(r);
	assert_int_equal(cvm_snp_verify_roots(&ev, pol, roots, r, &e), 0);
	return r;
}

/* "name name ..." of the failing checks. */
static const char *failing(const struct cvm_attest_result *r)
{
	static char buf[512];
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < r->n_checks; i++)
		if (!r->checks[i].ok)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s", n ? " " : "",
					      r->checks[i].name);
	return buf;
}

static const char *detail(const struct cvm_attest_result *r, const char *name)
{
	for (unsigned i = 0; i < r->n_checks; i++)
		if (!strcmp(r->checks[i].name, name))
			return r->checks[i].detail;
	return "";
}

static uint8_t hwid[64];

static const struct vek_ext milan_vcek = { .bl = 4, .tee = 0, .snp = 24, .ucode = 219, .hwid = hwid };
static const struct report_opts milan_v3 = { .version = 3, .family = 0x19, .model = 0x01,
					     .policy = 0x30000 };

/* A consistent forged Milan hierarchy verifies with its own roots, not with the built-in ones. */
static void test_forged_milan(void **state)
{
	struct cvm_attest_policy pol;
	const struct amd_roots *builtin;
	struct cvm_attest_result *r;
	struct forged f;

	(void)state;
	cvm_attest_policy_init(&pol);
	forge_hierarchy(&f, CVM_SNP_MILAN, &milan_vcek);
	make_report(&f, &milan_vcek, &milan_v3);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	assert_true(r->valid);
	assert_int_equal(r->snp.product, CVM_SNP_MILAN);
	assert_int_equal(r->snp.reported_tcb.microcode, 219);
	free(r);
	builtin = cvm_amd_roots_builtin();
	r = verify(&f, builtin, &pol, NULL, 0);
	assert_string_equal(failing(r), "chain");
	free(r);
	forged_free(&f);
}

static X509_CRL *make_crl(struct forged *f, X509 *revoked, int64_t this_update, int64_t next)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	EVP_PKEY_CTX *pc = NULL;

	assert_int_equal(X509_CRL_set_version(crl, 1), 1);
	assert_int_equal(X509_CRL_set_issuer_name(crl, X509_get_subject_name(f->ark)), 1);
	ASN1_TIME_set(t, (time_t)this_update);
	assert_int_equal(X509_CRL_set1_lastUpdate(crl, t), 1);
	ASN1_TIME_set(t, (time_t)next);
	assert_int_equal(X509_CRL_set1_nextUpdate(crl, t), 1);
	if (revoked) {
		X509_REVOKED *rv = X509_REVOKED_new();

		assert_int_equal(X509_REVOKED_set_serialNumber(rv, X509_get_serialNumber(revoked)), 1);
		ASN1_TIME_set(t, (time_t)this_update);
		assert_int_equal(X509_REVOKED_set_revocationDate(rv, t), 1);
		assert_int_equal(X509_CRL_add0_revoked(crl, rv), 1);
	}
	assert_int_equal(EVP_DigestSignInit(c, &pc, EVP_sha384(), NULL, f->ark_key), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
	assert_true(X509_CRL_sign_ctx(crl, c) > 0);
	EVP_MD_CTX_free(c);
	ASN1_TIME_free(t);
	return crl;
}

static struct cvm_attest_result *verify_crl(struct forged *f, X509_CRL *crl)
{
	const struct cvm_attest_policy *pol;
	static struct cvm_attest_policy p;
	struct cvm_attest_result *r;
	uint8_t *der = NULL;
	int n = i2d_X509_CRL(crl, &der);

	assert_true(n > 0);
	cvm_attest_policy_init(&p);
	pol = &p;
	r = verify(f, &f->roots, pol, der, (size_t)n);
	OPENSSL_free(der);
	X509_CRL_free(crl);
	return r;
}

/* A CRL from the ARK: current and empty passes; revoking the ASK, stale or early fails. */
static void test_crl(void **state)
{
	struct cvm_attest_result *r;
	struct forged f, other;

	(void)state;
	forge_hierarchy(&f, CVM_SNP_MILAN, &milan_vcek);
	make_report(&f, &milan_vcek, &milan_v3);
	r = verify_crl(&f, make_crl(&f, NULL, T_VERIFY - 86400, T_VERIFY + 86400));
	assert_string_equal(failing(r), "");
	free(r);
	r = verify_crl(&f, make_crl(&f, f.mid, T_VERIFY - 86400, T_VERIFY + 86400));
	assert_string_equal(failing(r), "crl");
	assert_string_equal(detail(r, "crl"), "'SEV-Milan' is revoked");
	free(r);
	r = verify_crl(&f, make_crl(&f, NULL, T_VERIFY - 2 * 86400, T_VERIFY - 86400));
	assert_string_equal(failing(r), "crl");
	assert_non_null(strstr(detail(r, "crl"), "CRL has expired (nextUpdate 2025-05-31T00:00:00Z)"));
	free(r);
	r = verify_crl(&f, make_crl(&f, NULL, T_VERIFY + 86400, T_VERIFY + 2 * 86400));
	assert_string_equal(failing(r), "crl");
	assert_non_null(strstr(detail(r, "crl"), "CRL is not yet valid"));
	free(r);
	/* signed by another key with the ARK's name */
	forge_hierarchy(&other, CVM_SNP_MILAN, &milan_vcek);
	r = verify_crl(&f, make_crl(&other, NULL, T_VERIFY - 86400, T_VERIFY + 86400));
	assert_string_equal(failing(r), "crl");
	assert_string_equal(detail(r, "crl"), "CRL signature does not verify with 'ARK-Milan'");
	free(r);
	forged_free(&other);
	forged_free(&f);
}

/* A Turin VCEK (8-byte hwID, FMC) on a v5 report, and its FMC bound to the certificate. */
static void test_turin(void **state)
{
	struct vek_ext e = { .bl = 1, .tee = 1, .snp = 4, .ucode = 81, .fmc = 1, .turin = true,
			     .hwid = hwid };
	struct report_opts o = { .version = 5, .family = 0x1a, .model = 0x02, .policy = 0x3001f };
	struct cvm_attest_policy pol;
	struct cvm_attest_result *r;
	struct forged f;

	(void)state;
	cvm_attest_policy_init(&pol);
	forge_hierarchy(&f, CVM_SNP_TURIN, &e);
	make_report(&f, &e, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	assert_int_equal(r->snp.reported_tcb.fmc, 1);
	assert_string_equal(detail(r, "chip_id"), "CHIP_ID equals the VCEK's hwID (8 bytes)");
	free(r);
	/* a report claiming another FMC than the certificate, signed all the same */
	e.fmc = 2;
	make_report(&f, &e, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "tcb_binding");
	assert_string_equal(detail(r, "tcb_binding"),
			    "REPORTED_TCB fmc is 2 but the certificate's fmcSPL is 1");
	free(r);
	forged_free(&f);
}

/* VLEKs on Turin and Genoa: the ASVK chain, no hwID, SIGNING_KEY 1. */
static void test_vlek(void **state)
{
	struct vek_ext e = { .bl = 1, .tee = 1, .snp = 4, .ucode = 81, .fmc = 1, .turin = true,
			     .vlek = true };
	struct report_opts o = { .version = 5, .family = 0x1a, .model = 0x11, .policy = 0x30000 };
	struct cvm_attest_policy pol;
	struct cvm_attest_result *r;
	struct forged f;

	(void)state;
	cvm_attest_policy_init(&pol);
	forge_hierarchy(&f, CVM_SNP_TURIN, &e);
	make_report(&f, &e, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	assert_int_equal(r->snp.signer, CVM_SNP_SIGNER_VLEK);
	free(r);
	forged_free(&f);
	e = (struct vek_ext){ .bl = 10, .snp = 23, .ucode = 84, .vlek = true };
	o = (struct report_opts){ .version = 4, .family = 0x19, .model = 0x11, .policy = 0x30000 };
	forge_hierarchy(&f, CVM_SNP_GENOA, &e);
	make_report(&f, &e, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	assert_int_equal(r->snp.product, CVM_SNP_GENOA);
	free(r);
	forged_free(&f);
}

/* AUTHOR_KEY_EN and a masked CHIP_ID, which no real fixture has. */
static void test_author_key_masked_chip(void **state)
{
	struct report_opts o = milan_v3;
	struct cvm_attest_policy pol;
	struct cvm_attest_result *r;
	struct forged f;

	(void)state;
	cvm_attest_policy_init(&pol);
	pol.snp.n_author_key_digests = 1;
	memset(pol.snp.author_key_digests[0], 0xa5, 48);
	o.author_key = true;
	o.mask_chip = true;
	forge_hierarchy(&f, CVM_SNP_MILAN, &milan_vcek);
	make_report(&f, &milan_vcek, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	assert_non_null(strstr(detail(r, "chip_id"), "CHIP_ID is masked"));
	free(r);
	memset(pol.snp.author_key_digests[0], 0xa6, 48);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "author_key_digest");
	free(r);
	forged_free(&f);
}

/* Version 2 has no CPUID: the product comes from the certificate; policy bits; SIGNING_KEY 7. */
static void test_v2_and_policy_bits(void **state)
{
	struct report_opts o = { .version = 2, .policy = 0x30000 | (1u << 18) | (1u << 19) };
	struct cvm_attest_policy pol;
	struct cvm_attest_result *r;
	struct forged f;

	(void)state;
	cvm_attest_policy_init(&pol);
	forge_hierarchy(&f, CVM_SNP_MILAN, &milan_vcek);
	make_report(&f, &milan_vcek, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "debug migration_agent");
	assert_string_equal(detail(r, "product"), "milan (from the certificate issuer)");
	free(r);
	pol.snp.allow_debug = pol.snp.allow_migration_agent = true;
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "");
	free(r);
	/* reserved bit 17 cleared, then an unsigned report (SIGNING_KEY 7): signed, still refused */
	o.policy = 0;
	make_report(&f, &milan_vcek, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "reserved_zero");
	free(r);
	o.policy = 0x30000;
	o.no_signing_key = true;
	make_report(&f, &milan_vcek, &o);
	r = verify(&f, &f.roots, &pol, NULL, 0);
	assert_string_equal(failing(r), "signing_key");
	assert_string_equal(detail(r, "signing_key"), "SIGNING_KEY is 7: the report is not signed");
	free(r);
	forged_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forged_milan), cmocka_unit_test(test_crl),
		cmocka_unit_test(test_turin),	     cmocka_unit_test(test_vlek),
		cmocka_unit_test(test_author_key_masked_chip),
		cmocka_unit_test(test_v2_and_policy_bits),
	};

	for (int i = 0; i < 64; i++)
		hwid[i] = (uint8_t)(0x40 + i);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
