/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Offline verification of attestation evidence: AMD SEV-SNP attestation
 * reports (versions 2 to 5; Milan, Genoa, Turin; VCEK and VLEK) against the
 * AMD roots built into the library, and Intel TDX quotes (versions 4 and 5)
 * against the built-in Intel SGX Root CA and Intel's collateral (TCB Info, QE
 * identity, PCK CRL: all three required for a valid verdict unless the caller
 * asks for signatures only, and then the result says what was not evaluated).
 *
 * The caller reads the files; every function here works on byte buffers, each
 * at most CVM_ATTEST_INPUT_MAX bytes. No secrets pass through these functions.
 *
 * A verification returns 0 when it could evaluate the evidence: the verdict is
 * then in the result (valid, and one entry per check performed, in order). It
 * returns a negative errno only for input it cannot evaluate at all: -EBADMSG
 * for a malformed report, quote, certificate, CRL or collateral document,
 * -EFBIG for an input over the limit, -EINVAL for a missing input.
 */
#ifndef CVMIMG_ATTEST_H
#define CVMIMG_ATTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

#define CVM_ATTEST_INPUT_MAX (1u << 20) /* any one input buffer */
#define CVM_SNP_REPORT_SIZE 1184
#define CVM_ATTEST_MAX_VALUES 16 /* accepted values per policy entry */
#define CVM_ATTEST_MAX_CHECKS 48

/* ---- names -------------------------------------------------------------- */

enum cvm_snp_product {
	CVM_SNP_PRODUCT_AUTO = -1, /* evidence: determine from the report and certificate */
	CVM_SNP_MILAN,
	CVM_SNP_GENOA,
	CVM_SNP_TURIN,
	CVM_SNP_PRODUCT__COUNT,
	CVM_SNP_PRODUCT_INVALID = -22,
};

/* "milan", "genoa", "turin"; _from_string is case-insensitive. */
const char *cvm_snp_product_to_string(enum cvm_snp_product p);
enum cvm_snp_product cvm_snp_product_from_string(const char *s);

enum cvm_snp_signer {
	CVM_SNP_SIGNER_AUTO = -1, /* evidence: whatever the certificate is */
	CVM_SNP_SIGNER_VCEK,
	CVM_SNP_SIGNER_VLEK,
	CVM_SNP_SIGNER__COUNT,
	CVM_SNP_SIGNER_INVALID = -22,
};

const char *cvm_snp_signer_to_string(enum cvm_snp_signer s); /* "vcek", "vlek" */

enum cvm_snp_report_format {
	CVM_SNP_FORMAT_AUTO, /* hex text if the input is only hex digits, else binary */
	CVM_SNP_FORMAT_BIN,
	CVM_SNP_FORMAT_HEX,
	CVM_SNP_FORMAT__COUNT,
	CVM_SNP_FORMAT_INVALID = -22,
};

enum cvm_snp_report_format cvm_snp_report_format_from_string(const char *s);

/* Intel's TCB status names, in the spelling of the PCS and QVL. */
enum cvm_tdx_tcb_status {
	CVM_TDX_TCB_UP_TO_DATE,
	CVM_TDX_TCB_SW_HARDENING_NEEDED,
	CVM_TDX_TCB_CONFIGURATION_NEEDED,
	CVM_TDX_TCB_CONFIGURATION_AND_SW_HARDENING_NEEDED,
	CVM_TDX_TCB_OUT_OF_DATE,
	CVM_TDX_TCB_OUT_OF_DATE_CONFIGURATION_NEEDED,
	CVM_TDX_TCB_REVOKED,
	CVM_TDX_TCB_TD_RELAUNCH_ADVISED,
	CVM_TDX_TCB_TD_RELAUNCH_ADVISED_CONFIGURATION_NEEDED,
	CVM_TDX_TCB_NOT_SUPPORTED,
	CVM_TDX_TCB_TDX_MODULE_MISMATCH,
	CVM_TDX_TCB__COUNT,
	CVM_TDX_TCB_INVALID = -22,
};

/* "UpToDate", "OutOfDate", ...; _from_string is case-insensitive. */
const char *cvm_tdx_tcb_status_to_string(enum cvm_tdx_tcb_status s);
enum cvm_tdx_tcb_status cvm_tdx_tcb_status_from_string(const char *s);

/*
 * An RFC 3339 date and time ("2025-06-01T00:00:00Z", fractions and offsets
 * allowed) as seconds since the epoch. Returns 0; -EINVAL if malformed.
 */
int cvm_parse_rfc3339(const char *s, int64_t *ret);

/* ---- policy --------------------------------------------------------------- */

/* An SNP TCB version, decoded with the product's layout (fmc is Turin only). */
struct cvm_snp_tcb {
	uint64_t raw;
	uint8_t bootloader, tee, snp, microcode, fmc;
};

/*
 * What the evidence must show beyond its signatures. All comparisons happen in
 * one place (policy.c); a field left at its cvm_attest_policy_init() value is
 * not checked, except the debug and migration-agent bits, which are refused
 * unless allowed.
 */
struct cvm_attest_policy {
	struct {
		bool allow_debug;           /* POLICY.DEBUG may be set */
		bool allow_migration_agent; /* POLICY.MIGRATE_MA may be set */
		bool strict_committed_tcb;  /* COMMITTED == CURRENT (TCB and firmware) */
		int vmpl;                   /* -1: any */
		unsigned n_measurements;    /* MEASUREMENT must be one of these */
		uint8_t measurements[CVM_ATTEST_MAX_VALUES][48];
		bool have_report_data, have_host_data;
		uint8_t report_data[64], host_data[32];
		bool have_min_tcb, min_tcb_has_fmc; /* component-wise on REPORTED_TCB */
		struct cvm_snp_tcb min_tcb;
		bool have_min_guest_svn;
		uint32_t min_guest_svn;
		unsigned n_id_key_digests, n_author_key_digests;
		uint8_t id_key_digests[CVM_ATTEST_MAX_VALUES][48];
		uint8_t author_key_digests[CVM_ATTEST_MAX_VALUES][48];
		bool require_crl; /* revocation must be checked: a CRL must be given */
		/* the report must be VLEK-signed by one of these cloud providers (the
		 * VLEK's csp_id extension, e.g. "CN=cc-us-east-2.amazonaws.com") */
		unsigned n_vlek_csp_ids;
		char vlek_csp_ids[CVM_ATTEST_MAX_VALUES][128];
	} snp;
	struct {
		bool allow_debug; /* TDATTRIBUTES.DEBUG may be set */
		unsigned n_mrtd;  /* MRTD must be one of these */
		uint8_t mrtd[CVM_ATTEST_MAX_VALUES][48];
		bool have_rtmr[4];
		uint8_t rtmr[4][48];
		bool have_report_data;
		uint8_t report_data[64];
		/* exact values of the TD's configuration (each: not checked unless have_) */
		bool have_td_attributes, have_xfam, have_mrconfigid, have_mrowner,
		    have_mrownerconfig;
		uint8_t td_attributes[8], xfam[8]; /* as in the quote (u64 LE) */
		uint8_t mrconfigid[48], mrowner[48], mrownerconfig[48];
		/* TDATTRIBUTES bits that must be set (required) or clear (forbidden),
		 * CVM_TD_ATTR_*; DEBUG is allow_debug's */
		uint64_t td_attr_required, td_attr_forbidden;
		unsigned accept_tcb_status; /* bit (1 << status); default UpToDate */
		/* accept_tcb_status was named (not the default): a TCB status must then
		 * have been evaluated from a verified TCB Info, else the check fails */
		bool tcb_status_named;
	} tdx;
};

/* TDATTRIBUTES bits (Intel TDX module ABI). */
#define CVM_TD_ATTR_DEBUG           (1ull << 0)
#define CVM_TD_ATTR_SEPT_VE_DISABLE (1ull << 28)
#define CVM_TD_ATTR_MIGRATABLE      (1ull << 29)
#define CVM_TD_ATTR_PKS             (1ull << 30)
#define CVM_TD_ATTR_KL              (1ull << 31)
#define CVM_TD_ATTR_PERFMON         (1ull << 63)

/* The default policy (policies/verify-report-default.json says the same). */
void cvm_attest_policy_init(struct cvm_attest_policy *p);

/*
 * Merge a JSON policy document (at most CVM_ATTEST_INPUT_MAX bytes) into @p:
 * {"snp": {...}, "tdx": {...}}, keys as in policies/verify-report-default.json;
 * a key present replaces the value in @p. @name names the document in
 * messages. Returns 0; -EBADMSG for malformed JSON, an unknown key, a wrong
 * type or a hex value of the wrong length; -EFBIG if too large.
 */
int cvm_attest_policy_load_json(struct cvm_attest_policy *p, const char *json, size_t len,
				const char *name, cvm_err *reterr);

/* ---- evidence ------------------------------------------------------------- */

/* An input: bytes, and a name (usually the file path) for messages. */
struct cvm_attest_blob {
	const uint8_t *data; /* NULL or len 0: not given */
	size_t len;
	const char *name;
};

struct cvm_snp_evidence {
	struct cvm_attest_blob report; /* 1184 bytes, hex text, or an extended report */
	enum cvm_snp_report_format format;
	struct cvm_attest_blob vek;    /* VCEK or VLEK, PEM or DER; optional if the report
					  carries a certificate table */
	enum cvm_snp_signer vek_kind;  /* what the caller says it is, or AUTO */
	struct cvm_attest_blob chain;  /* ASK/ASVK [+ ARK], PEM; not given: the built-in ones */
	struct cvm_attest_blob ark;    /* an ARK that came with the evidence (checked, never
					  trusted: it must be the built-in one) */
	struct cvm_attest_blob crl;    /* AMD CRL, DER or PEM; optional */
	enum cvm_snp_product product;  /* AUTO or what the caller insists on */
	bool have_time;                /* verify at at_time, else now */
	int64_t at_time;
};

struct cvm_tdx_evidence {
	struct cvm_attest_blob quote;
	/* Collateral, all optional: a QuoteCollateralV3 JSON document (as served by
	 * PCCS / dcap-qvl) and/or the individual PCS documents, which win. */
	struct cvm_attest_blob collateral;
	struct cvm_attest_blob tcb_info;          /* {"tcbInfo":..,"signature":..} or bare */
	struct cvm_attest_blob tcb_info_sig;      /* hex, for a bare tcbInfo */
	struct cvm_attest_blob qe_identity;       /* {"enclaveIdentity":..,"signature":..} or bare */
	struct cvm_attest_blob qe_identity_sig;   /* hex, for a bare enclaveIdentity */
	struct cvm_attest_blob tcb_signing_chain; /* PEM: TCB Signing cert [+ root] */
	struct cvm_attest_blob pck_crl;           /* DER, PEM or hex */
	struct cvm_attest_blob root_crl;          /* DER, PEM or hex */
	/* Signatures and chain only: TCB status, QE identity and revocation are not
	 * evaluated (the result's not_evaluated says so). Without it, a valid verdict
	 * needs TCB Info, QE identity and PCK CRL, each verified. With it, giving
	 * any collateral is -EINVAL. */
	bool no_collateral;
	bool have_time;
	int64_t at_time;
};

/* ---- results -------------------------------------------------------------- */

struct cvm_attest_check {
	char name[24]; /* "chain", "report_signature", "debug", ... */
	bool ok;
	char detail[192];
};

/* What an SNP report says, and what its endorsement key certificate says. */
struct cvm_snp_info {
	uint32_t version, guest_svn, vmpl, signature_algo, signer_info;
	uint64_t policy, platform_info;
	uint8_t family_id[16], image_id[16];
	uint8_t report_data[64], measurement[48], host_data[32];
	uint8_t id_key_digest[48], author_key_digest[48];
	uint8_t report_id[32], report_id_ma[32];
	uint8_t chip_id[64];
	bool has_cpuid; /* v3+ */
	uint8_t cpuid_family, cpuid_model, cpuid_stepping;
	struct cvm_snp_tcb current_tcb, reported_tcb, committed_tcb, launch_tcb;
	uint8_t current_fw[3], committed_fw[3]; /* major, minor, build */
	bool has_mit_vectors;                   /* v5 */
	uint64_t launch_mit_vector, current_mit_vector;
	enum cvm_snp_product product; /* INVALID if it could not be determined */
	enum cvm_snp_signer signer;   /* from SIGNER_INFO; INVALID if reserved */
	/* the VCEK/VLEK */
	bool have_vek;
	char vek_product_name[32];
	int vek_struct_version; /* -1 if absent */
	size_t vek_hwid_len;    /* 0 if absent */
	uint8_t vek_hwid[64];
	struct cvm_snp_tcb vek_tcb;
	bool vek_has_fmc; /* fmcSPL present (Turin) */
	char vek_csp_id[128];
};

/* What a TDX quote says, and what its PCK certificate and the collateral say. */
struct cvm_tdx_info {
	uint16_t version, att_key_type, body_type;
	uint32_t tee_type;
	uint8_t qe_vendor_id[16];
	uint8_t tee_tcb_svn[16], mrseam[48], mrsignerseam[48], seam_attributes[8];
	uint8_t td_attributes[8], xfam[8], mrtd[48], mrconfigid[48], mrowner[48];
	uint8_t mrownerconfig[48], rtmr[4][48], report_data[64];
	bool has_tdx15; /* body type 3 */
	uint8_t tee_tcb_svn2[16], mrservicetd[48];
	size_t trailing_bytes; /* after the signed data: ignored */
	/* the quoting enclave */
	uint16_t qe_isvprodid, qe_isvsvn;
	uint32_t qe_miscselect;
	uint8_t qe_attributes[16], qe_mrsigner[32];
	/* the PCK certificate */
	bool have_pck;
	uint8_t fmspc[6], pce_id[2], sgx_tcb_svns[16], cpusvn[16];
	uint16_t pcesvn;
	char pck_issuer[64];
	int64_t pck_not_after;
	/* with collateral */
	bool has_tcb_status;
	enum cvm_tdx_tcb_status tcb_status;
	char tcb_date[32];
	char advisory_ids[256]; /* comma-separated */
	int tdx_module_status;  /* enum cvm_tdx_tcb_status, -1 if not evaluated */
	int qe_tcb_status;      /* enum cvm_tdx_tcb_status, -1 if not evaluated */
};

/* What a verdict did not cover (bits of cvm_attest_result.not_evaluated). */
enum cvm_attest_not_evaluated {
	CVM_NOT_EVALUATED_TCB_STATUS = 1u << 0,
	CVM_NOT_EVALUATED_QE_IDENTITY = 1u << 1,
	CVM_NOT_EVALUATED_REVOCATION = 1u << 2,
};

enum cvm_attest_tee {
	CVM_ATTEST_SNP,
	CVM_ATTEST_TDX,
};

struct cvm_attest_result {
	enum cvm_attest_tee tee;
	bool valid;       /* every check below holds */
	bool parsed;      /* the fields below were read (false: unsupported version or type) */
	unsigned version; /* report or quote version */
	unsigned not_evaluated; /* enum cvm_attest_not_evaluated bits */
	unsigned n_checks;
	struct cvm_attest_check checks[CVM_ATTEST_MAX_CHECKS];
	struct cvm_snp_info snp; /* tee == CVM_ATTEST_SNP */
	struct cvm_tdx_info tdx; /* tee == CVM_ATTEST_TDX */
};

/*
 * Verify an SNP report: structure, product, certificate chain to the built-in
 * ARK of the product, optional CRL, report signature, REPORTED_TCB and CHIP_ID
 * bound to the VCEK/VLEK, then @policy. Returns 0 with the verdict in @ret;
 * see the top of this file for the errors. @ret is allocated by the caller
 * (it is large: keep it off small stacks).
 */
int cvm_snp_verify(const struct cvm_snp_evidence *ev, const struct cvm_attest_policy *policy,
		   struct cvm_attest_result *ret, cvm_err *reterr);

/*
 * Verify a TDX quote: structure, PCK chain to the built-in Intel SGX Root CA,
 * QE report signature, attestation key binding, quote signature; the
 * collateral's signatures, validity, CRLs and the TCB status per Intel's
 * algorithm (unless ev->no_collateral); then @policy. Nothing from a
 * collateral document whose signature fails is evaluated. Returns as
 * cvm_snp_verify(), and -EINVAL for collateral given with no_collateral.
 */
int cvm_tdx_verify(const struct cvm_tdx_evidence *ev, const struct cvm_attest_policy *policy,
		   struct cvm_attest_result *ret, cvm_err *reterr);

/* The first failing check of @r, or NULL. */
const struct cvm_attest_check *cvm_attest_first_failure(const struct cvm_attest_result *r);

#endif
