/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Expected launch digests of AMD SEV, SEV-ES and SEV-SNP guests, computed from
 * the firmware (OVMF), the direct-boot kernel/initrd/cmdline, the vCPUs and the
 * VMM, bit-exact with the hardware and with virtee/sev-snp-measure.
 *
 * No secrets pass through these functions except the TIK given to
 * cvm_sev_launch_measure().
 */
#ifndef CVMIMG_MEASURE_H
#define CVMIMG_MEASURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

/* Limits on inputs, checked before anything is allocated. */
#define CVM_OVMF_MAX_SIZE (64u << 20) /* firmware and SVSM binaries */
#define CVM_VCPUS_MAX 1024u

#define CVM_VMSA_SIZE 4096

enum cvm_tee {
	CVM_TEE_SEV,
	CVM_TEE_SEV_ES,
	CVM_TEE_SNP,
	CVM_TEE_SNP_SVSM,      /* SNP with a pre-IGVM COCONUT-SVSM below the firmware */
	CVM_TEE_SNP_OVMF_HASH, /* only the firmware pages: a seed for --snp-ovmf-hash */
	CVM_TEE_TDX,           /* Intel TDX: MRTD and RTMR0..3 (struct cvm_tdx_values) */
	CVM_TEE__COUNT,
	CVM_TEE_INVALID = -22, /* -EINVAL */
};

/* Canonical names: "sev", "sev-es", "snp", "snp:svsm", "snp:ovmf-hash", "tdx". */
const char *cvm_tee_to_string(enum cvm_tee tee);
/*
 * Also accepts sev-snp-measure's mode spellings in any case ("seves", "SEV-ES",
 * "sev-snp", "sev-snp:svsm", ...). CVM_TEE_INVALID if unknown.
 */
enum cvm_tee cvm_tee_from_string(const char *s);

enum cvm_vmm {
	CVM_VMM_QEMU,
	CVM_VMM_EC2,
	CVM_VMM_GCE,
	CVM_VMM__COUNT,
	CVM_VMM_INVALID = -22,
};

const char *cvm_vmm_to_string(enum cvm_vmm vmm); /* "qemu", "ec2", "gce" */
enum cvm_vmm cvm_vmm_from_string(const char *s);

/* The CPUID(1).EAX signature QEMU puts in RDX, e.g. (23, 1, 2) -> 0x800f12. */
uint32_t cvm_vcpu_sig(unsigned family, unsigned model, unsigned stepping);

/*
 * Signature of a QEMU -cpu model name ("EPYC-v4", "EPYC-Milan", ...), case-
 * insensitive. Returns 0; -ENOENT if the name is unknown.
 */
int cvm_vcpu_type_sig(const char *name, uint32_t *ret_sig);

/* The @i-th known vCPU type name, or NULL past the end (for listings). */
const char *cvm_vcpu_type_name(size_t i);

/*
 * Register values that changed with host versions and VMMs. Each one set here
 * replaces the default of the chosen VMM (QEMU: MXCSR 0x1f80, FCW 0x37f as
 * with KVM_SEV_INIT2; ec2 and gce: 0 and 0; ec2/gce RDX 0x600).
 */
struct cvm_vmsa_overrides {
	bool set_mxcsr, set_fcw, set_rdx;
	uint32_t mxcsr;
	uint16_t fcw;
	uint64_t rdx; /* ec2 and gce only; QEMU puts the vCPU signature there */
};

struct cvm_measure_input {
	enum cvm_tee tee;
	enum cvm_vmm vmm;
	const char *ovmf_path;     /* single-file OVMF.fd (the code image for snp:svsm) */
	const char *svsm_path;     /* snp:svsm only */
	uint64_t vars_size;        /* snp:svsm only: bytes of OVMF_VARS between SVSM and OVMF */
	unsigned vcpus;            /* 1 .. CVM_VCPUS_MAX; unused for sev */
	bool have_vcpu_sig;        /* required for QEMU with sev-es, snp, snp:svsm */
	uint32_t vcpu_sig;
	uint64_t guest_features;   /* SNP sev_features; SEV-ES uses 0, snp:svsm 0x1 */
	const char *kernel_path;   /* direct boot (QEMU kernel-hashes=on); NULL if none */
	const char *initrd_path;   /* NULL: no initrd (hashes as empty) */
	const char *cmdline;       /* NULL: none (hashes as "") */
	const uint8_t *ovmf_hash;  /* snp: 48-byte seed replacing the firmware pages, or NULL */
	struct cvm_vmsa_overrides vmsa;
	bool firmware_sha256;      /* also fill ovmf_sha256/svsm_sha256 (an extra pass) */

	/* TDX only (tee CVM_TEE_TDX); a value left 0/NULL makes what it decides unknown. */
	uint64_t memory;            /* guest RAM in bytes (TD HOB; kernel header edits) */
	const char *qemu_version;   /* "8.2.2": MRTD page order (< 9: two-pass), kernel edits
				       (< 10.1) */
	const char *ovmf_version;   /* edk2 release of the firmware, "2024.11": event layout */
	const char *uki_path;       /* direct boot of a UKI (-kernel uki.efi) */
	const char *disk_path;      /* boot from the ESP of a GPT disk image */
	const char *ovmf_vars_path; /* the vars store (CFV) the TD starts with */
	const char *acpi_dir;       /* dump of etc/table-loader, etc/acpi/rsdp, etc/acpi/tables */
	const char *qemu_path;      /* or: dump them from this QEMU in qtest mode (needs memory) */
	const char *machine;        /* its -M value, e.g. "q35,hpet=off"; NULL: "q35" */
};

/* TDX: at most this many predicted events, each described in at most this many bytes. */
#define CVM_TDX_EVENTS_MAX 160
#define CVM_TDX_TEXT_MAX 200
#define CVM_TDX_REASON_MAX 600

struct cvm_tdx_event {
	unsigned rtmr;      /* 0..3 */
	uint32_t type;      /* TCG event type, e.g. 0x80000003 EV_EFI_BOOT_SERVICES_APPLICATION */
	bool known;         /* false: the digest depends on an input that was not given */
	uint8_t digest[48]; /* SHA-384 */
	char description[CVM_TDX_TEXT_MAX];
};

/*
 * MRTD and RTMR0..3 of a TD. Each register is known, or unknown with the reason
 * (unknown[0] for MRTD, unknown[1 + i] for RTMR i): never guessed. The events
 * are in the order the TD records them, across registers.
 */
struct cvm_tdx_values {
	bool mrtd_known;
	uint8_t mrtd[48];
	bool rtmr_known[4];
	uint8_t rtmr[4][48];
	char unknown[5][CVM_TDX_REASON_MAX]; /* reasons joined by "; " */
	bool two_pass;            /* MRTD page order used */
	bool kernel_patched;      /* RTMR1 measures the kernel with QEMU's header edits */
	uint8_t cfv_sha384[48];   /* the vars store measured into RTMR0 */
	uint8_t td_hob_sha384[48]; /* only with a memory size */
	size_t n_events;
	struct cvm_tdx_event events[CVM_TDX_EVENTS_MAX];
};

struct cvm_measurement {
	enum cvm_tee tee;
	size_t digest_len; /* 32 (sev, sev-es) or 48 (snp) */
	uint8_t digest[48];

	uint8_t ovmf_sha256[32]; /* only with firmware_sha256 */
	uint64_t ovmf_size;
	bool has_svsm;
	uint8_t svsm_sha256[32];

	bool has_kernel;
	uint8_t kernel_sha256[32];
	uint8_t initrd_sha256[32];
	uint8_t cmdline_sha256[32]; /* of the cmdline and its NUL terminator */

	unsigned vcpus;
	uint32_t vcpu_sig;
	uint64_t guest_features; /* the value placed in the VMSA */

	/* VMSA pages: [0] the BSP (vCPU 0), [1] every AP. vmsa_count is 0 for sev. */
	unsigned vmsa_count; /* number of vCPUs that have a VMSA */
	uint8_t vmsa[2][CVM_VMSA_SIZE];

	/* tee CVM_TEE_TDX: the registers and events (digest_len is 0) */
	struct cvm_tdx_values tdx;
};

/*
 * Compute the launch digest. Reads the firmware (at most CVM_OVMF_MAX_SIZE),
 * and streams the kernel and initrd.
 * Returns 0; -EINVAL for inconsistent input (e.g. a kernel-only option
 * without a kernel, a seed outside snp); -ENOENT/-EACCES for unreadable files;
 * -EFBIG for a firmware over the limit; -EBADMSG for a firmware whose tables
 * are missing or inconsistent, or which lacks what the input needs (kernel
 * hashes). The message names the file and the problem.
 */
int cvm_measure(const struct cvm_measure_input *in, struct cvm_measurement *ret,
		cvm_err *reterr);

struct json_object;

/*
 * The measurement object, the one JSON shape of a measurement for every TEE
 * (cvmimg-measure(1), "The measurement object"): "tee"; "measurement" (SEV
 * family) or "mrtd", "rtmr0".."rtmr3" (hex, null when unknown), "unknown"
 * (the reasons) and "events" (TDX); "inputs" (files, sizes, digests and
 * settings of @in). Returns 0 with a new object in *@ret; -EINVAL for NULL
 * arguments; -ENOMEM.
 */
int cvm_measurement_to_json(const struct cvm_measure_input *in, const struct cvm_measurement *m,
			    struct json_object **ret);

/*
 * SEV and SEV-ES LAUNCH_MEASURE: HMAC-SHA256 keyed with the 16-byte TIK over
 * 0x04 || api_major || api_minor || build || policy (u32 LE) || digest (32) ||
 * mnonce (16). The TIK is a secret: the caller keeps it in secure memory.
 */
int cvm_sev_launch_measure(const uint8_t digest[32], uint8_t api_major, uint8_t api_minor,
			   uint8_t build, uint32_t policy, const uint8_t mnonce[16],
			   const uint8_t tik[16], uint8_t ret_measure[32], cvm_err *reterr);

/*
 * SNP ID block and ID authentication information for a launch digest, signed
 * with the ID key and the author key (PEM, EC P-384 private keys).
 */
#define CVM_SNP_ID_BLOCK_SIZE 96
#define CVM_SNP_ID_AUTH_SIZE 4096
#define CVM_SNP_PUBKEY_SIZE 1028

struct cvm_snp_id_block_params {
	uint8_t family_id[16];
	uint8_t image_id[16];
	uint32_t version;   /* 1 */
	uint32_t guest_svn;
	uint64_t policy;    /* default 0x30000 */
};

struct cvm_snp_id {
	uint8_t id_block[CVM_SNP_ID_BLOCK_SIZE];
	uint8_t id_auth[CVM_SNP_ID_AUTH_SIZE];
	uint8_t id_key_digest[48];     /* SHA-384 of the 1028-byte ID public key */
	uint8_t author_key_digest[48]; /* SHA-384 of the author public key */
};

/* Fill @p with the defaults (version 1, policy 0x30000, zero ids and svn). */
void cvm_snp_id_block_params_init(struct cvm_snp_id_block_params *p);

/*
 * Build and sign. Returns 0; -ENOENT/-EACCES for unreadable key files;
 * -EBADMSG if a key is not a PEM EC P-384 private key.
 */
int cvm_snp_id_create(const uint8_t digest[48], const struct cvm_snp_id_block_params *p,
		      const char *id_key_path, const char *author_key_path,
		      struct cvm_snp_id *ret, cvm_err *reterr);

/*
 * Many SEV, SEV-ES and SNP launch digests of one firmware and one direct-boot
 * kernel (initrd, command line), as cvmimg build computes its VM shapes: the
 * firmware is read and measured once, the kernel, initrd and command line are
 * hashed once, and each digest costs only what depends on its shape (vCPUs,
 * vCPU type, guest features, VMM). The results equal cvm_measure()'s.
 * cvm_measure_batch_new() reads and hashes the files (errors as
 * cvm_measure()); cvm_measure_batch_run() takes an input that names the same
 * files (-EINVAL otherwise, or for another TEE, an SVSM or an SNP seed of its
 * own) and fills @ret as cvm_measure() would.
 */
struct cvm_measure_batch;
int cvm_measure_batch_new(const char *ovmf_path, const char *kernel_path,
			  const char *initrd_path, const char *cmdline,
			  struct cvm_measure_batch **ret, cvm_err *reterr);
int cvm_measure_batch_run(struct cvm_measure_batch *b, const struct cvm_measure_input *in,
			  struct cvm_measurement *ret, cvm_err *reterr);
struct cvm_measure_batch *cvm_measure_batch_free(struct cvm_measure_batch *b); /* NULL-safe */

#endif
