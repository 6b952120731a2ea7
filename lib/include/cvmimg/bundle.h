/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The signed policy bundle for the key broker: a DSSE envelope (payloadType
 * application/vnd.in-toto+json) around an in-toto Statement v1 whose
 * predicate (type CVM_BUNDLE_PREDICATE_TYPE) says what an image is, how it is
 * launched, which launch measurements a broker may accept for it, the
 * broker's reference values and resource-policy rule in Trustee's own names,
 * and the broker key sealed as a JWE to the broker operator's public key.
 * The format is described field by field in cvmimg-bundle(5).
 *
 * Signatures: ECDSA P-256 with SHA-256 (DER) or Ed25519, over the DSSE
 * pre-authentication encoding (PAE) of the payload exactly as carried; a
 * signature's keyid is the lowercase hex SHA-256 of the signer's DER
 * SubjectPublicKeyInfo (a hint only: every signature is tried).
 *
 * Secrets that pass through: private keys (read into locked memory) and the
 * broker key given to cvm_bundle_create(), which leaves only sealed.
 */
#ifndef CVMIMG_BUNDLE_H
#define CVMIMG_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include <cvmimg/err.h>
#include <cvmimg/jose.h>
#include <cvmimg/measure.h>

#define CVM_DSSE_PAYLOAD_TYPE "application/vnd.in-toto+json"
#define CVM_INTOTO_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define CVM_BUNDLE_PREDICATE_TYPE "https://cvmimg.dev/broker-bundle/v1"

#define CVM_BUNDLE_MAX_SIZE (4u << 20) /* a bundle file, and the payload inside it */
#define CVM_DSSE_MAX_SIGNATURES 16
#define CVM_KEYID_LEN 64 /* hex characters */
#define CVM_BUNDLE_MAX_SHAPES 256 /* VM shapes, and values per reference value */
#define CVM_BUNDLE_NAME_MAX 64 /* image names and each part of a resource path */
#define CVM_BUNDLE_RESOURCE_MAX (3 * CVM_BUNDLE_NAME_MAX + 2) /* repo/type/tag */
#define CVM_BUNDLE_MAX_SUBJECTS 16

/* ---- keys ------------------------------------------------------------------ */

/*
 * Generate a key pair of @type (<cvmimg/jose.h>: P-256 for ECDSA signatures
 * and for the operator's ECDH key, Ed25519 for signatures). The private key (PEM PKCS#8, unencrypted) is
 * written to @private_path with mode 0600, the public key (PEM
 * SubjectPublicKeyInfo) to @public_path with mode 0644 if it is not NULL;
 * both are written completely under temporary names in their directories
 * before they are renamed into place (the public key first). The key id (hex SHA-256 of the SPKI) goes to @ret_keyid if not
 * NULL. Returns 0; -EINVAL for a bad type or the same path twice; -EEXIST
 * never (an existing file is replaced); other negative errno for I/O errors.
 */
int cvm_keygen(enum cvm_key_type type, const char *private_path, const char *public_path,
	       char ret_keyid[CVM_KEYID_LEN + 1], cvm_err *reterr);

/* ---- DSSE ------------------------------------------------------------------- */

/*
 * The DSSE v1 pre-authentication encoding of (@type, @body):
 * "DSSEv1 <len(type)> <type> <len(body)> <body>", lengths in ASCII decimal.
 * *@ret (caller frees) holds *@ret_len bytes. Returns 0 or -ENOMEM.
 */
int cvm_dsse_pae(const char *type, const uint8_t *body, size_t len, uint8_t **ret,
		 size_t *ret_len, cvm_err *reterr);

/*
 * A DSSE envelope (JSON text, caller frees) around @payload of @payload_type,
 * signed with each private key file in @key_paths (ECDSA P-256 or Ed25519,
 * PEM). Returns 0; -ENOENT/-EACCES/-EBADMSG/-EINVAL for an unusable key.
 */
int cvm_dsse_sign(const char *payload_type, const uint8_t *payload, size_t len,
		  const char *const *key_paths, size_t n_keys, char **ret_envelope,
		  cvm_err *reterr);

/*
 * Verify a DSSE envelope (JSON, at most CVM_BUNDLE_MAX_SIZE bytes) with the
 * public key in @public_key_path: the payloadType must be @payload_type, and
 * one signature must verify over the PAE of the payload's bytes. payload and
 * sig may use either base64 alphabet, padded or not. On success the payload
 * bytes, exactly as signed, go to *@ret_payload (caller frees; a NUL follows
 * them) and *@ret_len. Returns 0; -EBADMSG for a malformed envelope or
 * another payloadType; -EBADMSG/-ENOENT/-EACCES for an unusable key file;
 * -EKEYREJECTED when no signature verifies (the message says whether the
 * envelope has no signature by this key or a bad one).
 */
int cvm_dsse_verify(const char *envelope, size_t len, const char *payload_type,
		    const char *public_key_path, uint8_t **ret_payload, size_t *ret_len,
		    cvm_err *reterr);

/* ---- measurements ----------------------------------------------------------- */

/*
 * Parse and check a measurements document (measurements.json, at most
 * CVM_BUNDLE_MAX_SIZE bytes): {"measurements": [<VM shape>, ...]}, each shape
 * {"shape": name, "launch": {...}, "measurement": <the measure library's
 * object>} as cvmimg-bundle(5) describes; of the measurement object only
 * "tee", its values ("measurement"; "mrtd", "rtmr0".."rtmr3") and "unknown"
 * are read. @name names the file in messages. Returns 0 with the document in
 * *@ret (json_object_put()); -EBADMSG naming the shape and member at fault (no
 * shape at all, a wrong TEE, a value of the wrong length, an unknown value
 * without a reason, two shapes of the same name); -EFBIG over the limits.
 */
int cvm_bundle_measurements_load(const char *text, size_t len, const char *name,
				 json_object **ret, cvm_err *reterr);

/*
 * One VM shape, {"shape": @name, "launch": @launch, "measurement":
 * @measurement}, checked as in a measurements document (the objects gain a
 * reference; @launch may be NULL). @measurement is the measure library's
 * object (cvmimg measure --json). Returns 0 with a new object; -EBADMSG as
 * cvm_bundle_measurements_load() says.
 */
int cvm_bundle_shape_new(const char *name, json_object *launch, json_object *measurement,
			 json_object **ret, cvm_err *reterr);

/*
 * The VM shapes of a build (cvmimg build --tee ... --vcpus ... --vcpu-type
 * ...): for each TEE its firmware, and every vCPU type times every vCPU count
 * (SEV: one shape), measured as QEMU launches them with -kernel @uki_path and
 * no -initrd or -append. Shapes are named "sev", "sev-es/4xEPYC-Milan",
 * "snp/8xEPYC-Genoa"; their "launch" records the vCPU type, the memory sizes
 * and the QEMU version given. Each firmware and the UKI are hashed once.
 */
#define CVM_SHAPE_PLAN_MAX_TEES 4

struct cvm_shape_plan {
	enum cvm_tee tees[CVM_SHAPE_PLAN_MAX_TEES]; /* sev, sev-es, snp, tdx */
	const char *ovmf[CVM_SHAPE_PLAN_MAX_TEES];  /* the firmware of tees[i] */
	size_t n_tees;
	const unsigned *vcpus;
	size_t n_vcpus;
	const char *const *vcpu_types; /* QEMU -cpu names */
	size_t n_vcpu_types;
	const uint64_t *memory; /* bytes; recorded (the SEV family does not measure it) */
	size_t n_memory;
	enum cvm_vmm vmm;
	uint64_t guest_features; /* SNP; 0: 0x1 */
	const char *qemu_version; /* recorded; tdx: the MRTD page order, kernel edits */
	const char *uki_path;
	const char *ovmf_version; /* tdx: the firmware's edk2 release; NULL: unknown */
};

/*
 * Measure every shape of @p (tdx: one per memory size, the UKI booted with
 * -kernel, values the inputs cannot tell null with the reason): *@ret is a new array of shapes, as a
 * measurements document's "measurements"; the SHA-256 of each TEE's firmware
 * goes to @ret_fw_sha256[i] (may be NULL). Returns 0; -EINVAL for a plan that
 * lacks a firmware, vCPUs or vCPU types, names an unknown vCPU type or a TEE
 * it cannot measure yet; measurement errors as cvm_measure(); -EFBIG for more
 * than CVM_BUNDLE_MAX_SHAPES shapes.
 */
int cvm_bundle_measure_plan(const struct cvm_shape_plan *p, json_object **ret,
			    uint8_t (*ret_fw_sha256)[32], cvm_err *reterr);

/* ---- creating a bundle -------------------------------------------------------- */

/* An artifact the statement names: a file to hash, or its SHA-256. */
struct cvm_bundle_subject {
	const char *name; /* printable, e.g. "disk.raw" */
	const char *path; /* hashed unless have_sha256 */
	bool have_sha256;
	uint8_t sha256[32];
};

struct cvm_bundle_input {
	const char *image_name;	   /* [A-Za-z0-9._-], 1 to 64: names the broker resource */
	const char *image_version; /* NULL: none */
	const char *luks_uuid;	   /* NULL: none */
	json_object *verity; /* build.json's "verity" object (cvm_verity_params_to_json()); NULL: none */
	const struct cvm_bundle_subject *subjects; /* 1 to CVM_BUNDLE_MAX_SUBJECTS */
	size_t n_subjects;
	json_object *shapes; /* the "measurements" array of a measurements document */
	const char *broker_url;	       /* recorded; NULL: none */
	const char *resource;	       /* REPO/TYPE/TAG; NULL: "cvmimg/<image_name>/luks-key" */
	json_object *reference_values; /* more Trustee reference values (TCB...); NULL: none */
	const uint8_t *broker_key;     /* secret; sealed, never stored in clear; NULL: none */
	size_t broker_key_len;
	const char *operator_key_path; /* EC P-256 public key (PEM), needed with broker_key */
	int64_t created, not_after;    /* seconds since the epoch */
	const char *const *signing_keys; /* private keys (PEM): P-256 or Ed25519 */
	size_t n_signing_keys;
};

/*
 * Make a bundle: hash the subjects, build the predicate (reference values and
 * resource-policy rule from the shapes, the broker key sealed as a JWE to the
 * operator's key, the verity object carried as given), serialize the statement
 * once, sign its bytes. The JSON text of the envelope goes to *@ret_text
 * (caller frees). Returns 0; -EINVAL for inconsistent input (a bad name or
 * resource path, not_after not after created, a broker key without an
 * operator key, a reference value the measurements already give); -EBADMSG
 * for bad shapes, a verity object not of build.json's shape or a bad key file;
 * -ENOENT/-EACCES for unreadable files.
 */
int cvm_bundle_create(const struct cvm_bundle_input *in, char **ret_text, cvm_err *reterr);

/* ---- reading a bundle --------------------------------------------------------- */

struct cvm_bundle;

/*
 * Read a bundle (at most CVM_BUNDLE_MAX_SIZE bytes; @name names it in
 * messages). With @public_key_path, one signature must verify with that key
 * before the payload is parsed; NULL only parses (cvm_bundle_verified() then
 * says false). The statement and predicate are checked in full. Returns 0;
 * key file errors as cvm_key_load_pem(); without a key -EBADMSG for a
 * malformed envelope, statement or predicate, another payloadType or
 * predicateType, -EFBIG over the limit; with a key, -EKEYREJECTED for those
 * too (this file is not a valid bundle by that key), as for a signature that
 * does not verify; the message says which.
 */
int cvm_bundle_load(const char *text, size_t len, const char *name,
		    const char *public_key_path, struct cvm_bundle **ret, cvm_err *reterr);
struct cvm_bundle *cvm_bundle_free(struct cvm_bundle *b); /* NULL-safe */

/* Whether the signature was checked; the key id of the key that verified it. */
bool cvm_bundle_verified(const struct cvm_bundle *b, char ret_keyid[CVM_KEYID_LEN + 1]);

/* The statement (borrowed, valid until cvm_bundle_free()). */
json_object *cvm_bundle_statement(const struct cvm_bundle *b);
const char *cvm_bundle_image_name(const struct cvm_bundle *b);
/* The broker section for Trustee: REPO/TYPE/TAG, reference values, policy rule. */
const char *cvm_bundle_resource(const struct cvm_bundle *b);
json_object *cvm_bundle_reference_values(const struct cvm_bundle *b);
const char *cvm_bundle_policy_rule(const struct cvm_bundle *b);

/* -EKEYREJECTED "expired at ..." when @now is after not_after. */
int cvm_bundle_check_time(const struct cvm_bundle *b, int64_t now, cvm_err *reterr);

/*
 * The file at @path is one of the subjects (same SHA-256); its name goes to
 * *@ret_subject (borrowed; may be NULL). Returns 0; -EKEYREJECTED if not;
 * -ENOENT/-EACCES.
 */
int cvm_bundle_check_artifact(const struct cvm_bundle *b, const char *path,
			      const char **ret_subject, cvm_err *reterr);

/* What a report or quote measured; NULL where it says nothing. */
struct cvm_bundle_evidence {
	const char *tee;	    /* "snp", "tdx" (or "sev", "sev-es") */
	const uint8_t *measurement; /* snp: 48 bytes; sev, sev-es: 32 */
	const uint8_t *mr_td;	    /* tdx: 48 bytes each */
	const uint8_t *rtmr[4];
};

struct cvm_bundle_match {
	bool matched;	    /* every known register of @shape equals the evidence */
	json_object *shape; /* the shape matched, or the closest (most registers equal,
			       the first of equals); NULL if the bundle has none of this TEE */
	unsigned equal, known; /* registers equal, and compared (known in the shape) */
};

/* Which VM shape of the bundle @ev matches. Returns 0; -EINVAL for an unknown TEE. */
int cvm_bundle_match(const struct cvm_bundle *b, const struct cvm_bundle_evidence *ev,
		     struct cvm_bundle_match *ret, cvm_err *reterr);

/*
 * Decrypt the sealed broker key with the operator's private key (PEM, P-256).
 * *@ret_key is in cvm_secret_alloc() memory (cvm_secret_free()). Returns 0;
 * -ENOENT if the bundle seals no key; -EKEYREJECTED if it is sealed to
 * another key or does not decrypt; key file errors.
 */
int cvm_bundle_unseal(const struct cvm_bundle *b, const char *operator_key_path,
		      uint8_t **ret_key, size_t *ret_len, cvm_err *reterr);

/* ---- Trustee ------------------------------------------------------------------ */

/* The claims of a Trustee admin token (kbs/docs/admin.md). */
struct cvm_admin_claims {
	const char *issuer, *subject, *role;
	const char *audience; /* NULL: no "aud" */
	unsigned lifetime;    /* seconds from @now to "exp" */
};

/*
 * A JWT for Trustee's admin API signed with the private key at @key_path:
 * EdDSA for Ed25519, ES256 for P-256; "iat" is @now. *@ret (caller frees).
 * Returns 0; key file errors as cvm_key_load_pem().
 */
int cvm_trustee_admin_token(const char *key_path, const struct cvm_admin_claims *c,
			    int64_t now, char **ret, cvm_err *reterr);

/* One request to the broker's admin API, made by the caller's transport. */
struct cvm_http_request {
	const char *method;	  /* "GET", "POST" */
	const char *path;	  /* "/kbs/v0/resource-policy", appended to the broker URL */
	const char *content_type; /* NULL for GET */
	const void *body;
	size_t len;
	bool secret; /* the body is a key: never log it */
	const char *cookie; /* NULL, or "name=value" pairs sent as the Cookie header */
};

#define CVM_HTTP_COOKIE_MAX 512

struct cvm_http_response {
	long status;
	char *body; /* malloc()ed by the transport, NUL-terminated; freed by the caller */
	size_t len;
	char cookie[CVM_HTTP_COOKIE_MAX]; /* "name=value" of each Set-Cookie, "; "-joined */
};

/* Make @req; 0 with any HTTP status in @ret, or a negative errno if no answer came. */
typedef int (*cvm_http_func)(void *ctx, const struct cvm_http_request *req,
			     struct cvm_http_response *ret, cvm_err *reterr);

struct cvm_trustee_apply {
	const char *operator_key_path; /* unseals the broker key */
	cvm_http_func http;
	void *ctx;
	void (*note)(void *ctx, const char *text); /* each step done; NULL: none */
};

/*
 * Register a verified bundle with Trustee through @o->http: read the broker's
 * reference values and resource policy, union the values (a single value
 * that differs is refused), merge the image's rule, then write the values,
 * the broker key (resource) and the policy, in that order. Nothing is written
 * when a read, the unsealing or a merge fails. Returns 0; -EINVAL for an
 * unverified bundle; -EKEYREJECTED for a conflicting value or a key sealed to
 * another operator; -EACCES when the broker refuses the admin token (HTTP 401
 * or 403); -EIO for another HTTP error (the message has the status and the
 * broker's text); -EBADMSG for a broker answer or policy cvmimg cannot read.
 */
int cvm_trustee_apply(const struct cvm_bundle *b, const struct cvm_trustee_apply *o,
		      cvm_err *reterr);

/*
 * Write into @dir (created if missing): rv-message.json (the RVPS sample
 * message), reference-values.json, resource-policy.rego (a complete policy
 * with the image's rule), resource.key (0600; only with @operator_key_path,
 * which unseals it) and kbs-client.sh. Each file is written atomically.
 * Returns 0; unsealing errors as cvm_bundle_unseal(); I/O errors.
 */
int cvm_trustee_export(const struct cvm_bundle *b, const char *operator_key_path,
		       const char *dir, cvm_err *reterr);

#endif
