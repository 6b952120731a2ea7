/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest side of the key broker: a client of Trustee's KBS protocol
 * (RCAR, version 0.4.0 exactly) and the evidence providers it needs.
 *
 * cvm_kbs_get_resource() runs auth -> nonce -> attest -> token -> resource:
 * it asks the broker for a nonce, makes a new ephemeral EC P-256 key, binds
 * the nonce and the key's JWK to the evidence through report_data (the
 * SHA-384 of the canonical runtime-data JSON, RFC 8785), sends the evidence,
 * then fetches the resource, a JWE to that key, and decrypts it. HTTP goes
 * through the caller's transport (cvm_http_func, <cvmimg/bundle.h>), so the
 * library links no HTTP client.
 *
 * Evidence: configfs-tsm (SNP or TDX, /sys/kernel/config/tsm/report),
 * /dev/sev-guest (SNP, kernels without configfs-tsm) and, only in builds
 * configured with -DCVMIMG_SAMPLE_EVIDENCE=ON, Trustee's "sample" TEE for
 * tests. A normal build cannot send sample evidence: its provider is not
 * compiled in and asking for it gives -EOPNOTSUPP.
 *
 * Secrets: the resource (a disk key) is returned in cvm_secret_alloc()
 * memory; the ephemeral private key never leaves the process; no secret is
 * put into a message or debug output.
 */
#ifndef CVMIMG_BROKER_H
#define CVMIMG_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/bundle.h>
#include <cvmimg/err.h>

#define CVM_KBS_PROTOCOL_VERSION "0.4.0"
#define CVM_KBS_REPORT_DATA_LEN	 64	     /* SNP REPORT_DATA, TDX REPORTDATA */
#define CVM_KBS_RESOURCE_MAX	 (64u << 10) /* bytes of a decrypted resource */
#define CVM_KBS_RESPONSE_MAX	 (1u << 20)  /* bytes of one broker answer */

/* ---- evidence (evidence.c, evidence-*.c) ------------------------------------------------- */

enum cvm_evidence_source {
	CVM_EVIDENCE_TSM,	/* configfs-tsm report: SNP or TDX */
	CVM_EVIDENCE_SEV_GUEST, /* /dev/sev-guest SNP_GET_REPORT */
	CVM_EVIDENCE_SAMPLE,	/* Trustee "sample" (tests; only with CVMIMG_SAMPLE_EVIDENCE) */
	CVM_EVIDENCE__COUNT,
	CVM_EVIDENCE_INVALID = -22,
};

/* "tsm", "sev-guest", "sample"; NULL out of range. */
const char *cvm_evidence_source_to_string(enum cvm_evidence_source s);
enum cvm_evidence_source cvm_evidence_source_from_string(const char *s);

/* Whether this build has the provider (sample: only with CVMIMG_SAMPLE_EVIDENCE). */
bool cvm_evidence_source_built(enum cvm_evidence_source s);

/*
 * An evidence provider opened on this machine. @root prefixes every path it
 * reads ("/" or NULL for the real ones; tests give a directory). Returns 0
 * with a handle (cvm_evidence_free()); -ENODEV when the machine has no such
 * device (not a TEE guest, or an older kernel); -EOPNOTSUPP for a provider
 * this build lacks; -EACCES.
 */
struct cvm_evidence;
int cvm_evidence_open(enum cvm_evidence_source s, const char *root, struct cvm_evidence **ret,
		      cvm_err *reterr);
struct cvm_evidence *cvm_evidence_free(struct cvm_evidence *e); /* NULL-safe */

/* The first provider that opens, in the order tsm, sev-guest (sample is never chosen). */
int cvm_evidence_open_any(const char *root, struct cvm_evidence **ret, cvm_err *reterr);

/* The KBS "tee" name of its evidence: "snp", "tdx" or "sample". */
const char *cvm_evidence_tee(const struct cvm_evidence *e);

/*
 * The TEE's evidence over @digest (@len bytes, at most 64: placed at the
 * start of report_data, the rest zero; the sample TEE carries it as is), as
 * the primary_evidence JSON Trustee's verifier for the TEE reads. Returns 0
 * with a new object (json_object_put()); -EIO when the device fails (the
 * message says how); -EBADMSG for a report the device returned malformed.
 */
int cvm_evidence_get(struct cvm_evidence *e, const uint8_t *digest, size_t len,
		     json_object **ret, cvm_err *reterr);

/*
 * An SNP attestation report (1184 bytes, version 2 to 5) as the JSON
 * serialisation of the Rust sev crate's AttestationReport, which Trustee's
 * SNP verifier reads field by field: {"attestation_report": {...},
 * "cert_chain": null}. Returns 0; -EBADMSG for a short report or an unknown
 * version; -ENOMEM.
 */
int cvm_snp_report_to_evidence(const uint8_t *report, size_t len, json_object **ret,
			       cvm_err *reterr);

/* ---- the KBS client (kbs.c) -------------------------------------------------------------- */

struct cvm_kbs_client {
	const char *version;	     /* NULL: CVM_KBS_PROTOCOL_VERSION */
	cvm_http_func http;	     /* the transport: relative paths, cookies passed through */
	void *http_ctx;
	struct cvm_evidence *evidence;
	void (*note)(void *ctx, const char *text); /* each step done; NULL: none */
	void *note_ctx;
};

/*
 * Fetch the resource @path ("REPO/TYPE/TAG": three non-empty parts of
 * letters, digits and ._-) from the broker. Returns 0 with the plaintext in
 * cvm_secret_alloc() memory (cvm_secret_free()) and its length; -EINVAL for
 * a bad path; -EACCES when the broker refuses the attestation or the
 * resource (HTTP 401/403: the message carries the broker's own text);
 * -ENOENT when it has no such resource (404); -EPROTO for another HTTP
 * status; -EBADMSG for an answer that is not the protocol's (a nonce that is
 * not base64, no token, a JWE that cannot be read); -EKEYREJECTED when the
 * JWE does not decrypt with the ephemeral key; errors of the transport and
 * the evidence as they come.
 */
int cvm_kbs_get_resource(const struct cvm_kbs_client *c, const char *path, uint8_t **ret_buf,
			 size_t *ret_len, cvm_err *reterr);

/* ---- the SEV secret table (secret.c) ---------------------------------------------------- */

#define CVM_SEV_SECRET_MAX 4000u /* bytes of the table (OVMF's secret area is one 4 KiB page) */

struct cvm_sev_secret {
	const char *guid; /* "d6b38796-...": the file name under secrets/coco */
	const uint8_t *data; /* secret */
	size_t len;
};

/*
 * The EFI secret table for SEV/SEV-ES launch secret injection, as Linux's
 * efi_secret driver reads it: header GUID 1e74f542-71dd-4d66-963e-ef4287ff173b
 * and the table's length, then per entry its GUID (EFI byte order), the
 * entry's length (20 + data) and the data; zeros to a multiple of 16 bytes.
 * Returns 0 with the blob in cvm_secret_alloc() memory (cvm_secret_free());
 * -EINVAL for a bad GUID or an empty entry; -EFBIG over CVM_SEV_SECRET_MAX.
 */
int cvm_sev_secret_table(const struct cvm_sev_secret *entries, size_t n, uint8_t **ret_buf,
			 size_t *ret_len, cvm_err *reterr);

/* ---- the unlock agent's configuration and key check (unlock.c) ------------------------- */

#define CVM_UNLOCK_CONFIG_PATH "/etc/cvmimg/unlock.json"

/* SEV/SEV-ES: the GUID of the disk key in the injected secret table (efi_secret). */
#define CVM_SEV_SECRET_DISK_GUID "d6b38796-8a82-4b00-9184-4b6c4c4e41d7"

/*
 * /etc/cvmimg/unlock.json, the agent's measured configuration:
 * {"broker_url", "broker_ca" (a PEM file in the initrd) or "broker_pin"
 * ("sha256//<base64>", the broker's SPKI), "broker_resource", "luks_uuid",
 * "keyslot" (1), "timeout" (30: seconds for the whole attempt),
 * "request_timeout" (10), "allow_http" (false), "evidence" ("auto", "tsm",
 * "sev-guest", "efi-secret", "sample")}. broker_url and broker_resource are
 * required, except with "efi-secret" (the key the SEV guest owner injected).
 */
struct cvm_unlock_config {
	char *broker_url, *broker_ca, *broker_pin, *broker_resource, *luks_uuid, *evidence;
	unsigned keyslot, timeout, request_timeout;
	bool allow_http;
};

/*
 * Parse (at most 64 KiB) and check: required keys present, no unknown key,
 * an https URL with a CA or a pin, or an http URL with "allow_http": true.
 * Returns 0 (free with cvm_unlock_config_done()); -EBADMSG naming what is
 * wrong; -ENOENT/-EACCES for the file.
 */
int cvm_unlock_config_parse(const char *text, size_t len, struct cvm_unlock_config *ret,
			    cvm_err *reterr);
int cvm_unlock_config_load(const char *path, struct cvm_unlock_config *ret, cvm_err *reterr);
void cvm_unlock_config_done(struct cvm_unlock_config *c);

/* The configuration as the JSON text the agent reads (caller frees). */
int cvm_unlock_config_to_json(const struct cvm_unlock_config *c, char **ret, cvm_err *reterr);

/*
 * The broker keyslot's passphrase: the broker key (the CVM_BROKER_KEY_SIZE
 * bytes the broker serves and the bundle seals) as lowercase hex. Text,
 * because a systemd password agent's answer ends at the first NUL byte.
 * @ret holds CVM_BROKER_PASSPHRASE_LEN + 1 bytes (secret: the caller's
 * locked memory). Returns 0; -EBADMSG for a key of another length.
 */
#define CVM_BROKER_KEY_SIZE	   32
#define CVM_BROKER_PASSPHRASE_LEN (2 * CVM_BROKER_KEY_SIZE)
int cvm_broker_key_passphrase(const uint8_t *key, size_t len, char *ret, cvm_err *reterr);

/*
 * Check, without activating anything, that @key opens @keyslot of the LUKS2
 * device @device, and that the device's UUID is @luks_uuid (NULL: any).
 * Returns 0; -EKEYREJECTED for another device or a key that does not open
 * the keyslot; -EBADMSG for no LUKS2 header; errors of opening the device.
 */
int cvm_unlock_check_key(const char *device, const char *luks_uuid, unsigned keyslot,
			 const uint8_t *key, size_t len, cvm_err *reterr);

#endif
