/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>
#include <cvmimg/json.h>

#include "cli.h"
#include "measure-output.h"

#define TIK_LEN 16

struct measure_extra_results {
	bool has_id;
	struct cvm_snp_id id;
	bool has_launch_measure;
	uint8_t launch_measure[32];
};


int measure_check_launch_measure_args(enum cvm_tee tee, const struct measure_extras *x)
{
	int given = !!x->tik + x->have_mnonce + x->have_api_major + x->have_api_minor +
		    x->have_build + x->have_policy;

	if (given == 0)
		return 0;
	if (given != 6)
		return cli_usage("measure", "LAUNCH_MEASURE needs all of --tik, --mnonce, "
					    "--api-major, --api-minor, --build and --policy");
	if (tee != CVM_TEE_SEV && tee != CVM_TEE_SEV_ES)
		return cli_usage("measure", "LAUNCH_MEASURE is for --tee sev and sev-es; SNP "
					    "reports carry the digest itself");
	return 0;
}

/*
 * The TIK file holds the 16-byte TIK, or TEK followed by TIK (32 bytes, as
 * sev-tool writes tmp_tk.bin). It is read straight into locked memory.
 */
static int read_tik(const char *path, uint8_t *tik)
{
	CVM_CLEANUP_FCLOSE FILE *f = fopen(path, "re");
	uint8_t buf[2 * TIK_LEN + 1];
	size_t n;

	if (!f) {
		cli_error("measure", "cannot open '%s': %s", path, strerror(errno));
		return cli_exit_code(-errno);
	}
	setvbuf(f, NULL, _IONBF, 0);
	n = fread(buf, 1, sizeof(buf), f);
	if (n != TIK_LEN && n != 2 * TIK_LEN) {
		cvm_memzero(buf, sizeof(buf));
		cli_error("measure", "'%s' must hold 16 bytes (TIK) or 32 bytes (TEK and TIK)",
			  path);
		return CLI_EXIT_INPUT;
	}
	memcpy(tik, buf + n - TIK_LEN, TIK_LEN);
	cvm_memzero(buf, sizeof(buf));
	return 0;
}

static int launch_measure(const struct cvm_measurement *m, const struct measure_extras *x,
			  struct measure_extra_results *res)
{
	CVM_CLEANUP(cvm_secret_freep) uint8_t *tik = cvm_secret_alloc(TIK_LEN);
	cvm_err e = { 0 };
	int r;

	if (!tik) {
		cli_error("measure", "out of memory");
		return CLI_EXIT_SYSTEM;
	}
	r = read_tik(x->tik, tik);
	if (r)
		return r;
	if (cvm_sev_launch_measure(m->digest, (uint8_t)x->api_major, (uint8_t)x->api_minor,
				   (uint8_t)x->build, (uint32_t)x->policy, x->mnonce, tik,
				   res->launch_measure, &e) < 0)
		return cli_fail("measure", &e);
	res->has_launch_measure = true;
	return 0;
}

/* Each vCPU's page as vmsa<i>.bin, written atomically. */
static int dump_vmsa(const struct cvm_measurement *m, const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cli_error("measure", "--dump-vmsa: '%s' is not a directory", dir);
		return CLI_EXIT_INPUT;
	}
	for (unsigned i = 0; i < m->vmsa_count; i++) {
		char path[4096];
		cvm_err e = { 0 };

		snprintf(path, sizeof(path), "%s/vmsa%u.bin", dir, i);
		if (cvm_write_file_atomic(path, m->vmsa[i == 0 ? 0 : 1], CVM_VMSA_SIZE, 0644, &e) <
		    0)
			return cli_fail("measure", &e);
	}
	return 0;
}

static void json_add_u64_hex(json_object *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, key, json_object_new_string(buf));
}

static void json_add_b64(json_object *o, const char *key, const uint8_t *buf, size_t len)
{
	CVM_CLEANUP_FREE char *b = cvm_base64_encode(buf, len);

	if (b)
		json_object_object_add(o, key, json_object_new_string(b));
}

static void add_extras(json_object *o, const struct cvm_measurement *m,
		       const struct measure_extras *x, const struct measure_extra_results *res)
{
	if (res->has_id) {
		json_object *id = json_object_new_object();

		json_add_b64(id, "id_block", res->id.id_block, CVM_SNP_ID_BLOCK_SIZE);
		json_add_b64(id, "id_auth", res->id.id_auth, CVM_SNP_ID_AUTH_SIZE);
		cvm_json_add_hex(id, "id_key_digest", res->id.id_key_digest, 48);
		cvm_json_add_hex(id, "author_key_digest", res->id.author_key_digest, 48);
		json_add_b64(id, "id_key_digest_base64", res->id.id_key_digest, 48);
		json_add_b64(id, "author_key_digest_base64", res->id.author_key_digest, 48);
		json_add_u64_hex(id, "policy", x->id_params.policy);
		json_object_object_add(o, "id_block", id);
	}
	if (res->has_launch_measure) {
		uint8_t qemu[48];

		cvm_json_add_hex(o, "launch_measure", res->launch_measure, 32);
		/* query-sev-launch-measure returns MEASURE || MNONCE in base64 */
		memcpy(qemu, res->launch_measure, 32);
		memcpy(qemu + 32, x->mnonce, 16);
		json_add_b64(o, "launch_measure_qemu", qemu, sizeof(qemu));
	}
	(void)m;
}

static int print_json(const struct cvm_measure_input *in, const struct cvm_measurement *m,
		      const struct measure_extras *x, const struct measure_extra_results *res)
{
	CVM_CLEANUP(cvm_jsonp) json_object *o = NULL;

	if (cvm_measurement_to_json(in, m, &o) < 0) {
		cli_error("measure", "out of memory");
		return CLI_EXIT_SYSTEM;
	}
	add_extras(o, m, x, res);
	cli_print_json(o);
	return 0;
}

/* "mrtd: <hex>" or "rtmr0: unknown: <why>", one register a line. */
static int print_tdx(const struct cvm_tdx_values *v)
{
	char hex[2 * 48 + 1];

	for (int i = 0; i < 5; i++) {
		bool known = i == 0 ? v->mrtd_known : v->rtmr_known[i - 1];
		char name[8];

		if (i == 0)
			snprintf(name, sizeof(name), "mrtd");
		else
			snprintf(name, sizeof(name), "rtmr%d", i - 1);
		if (!known) {
			printf("%s: unknown: %s\n", name, v->unknown[i]);
			continue;
		}
		cvm_hex_encode(i == 0 ? v->mrtd : v->rtmr[i - 1], 48, hex);
		printf("%s: %s\n", name, hex);
	}
	return 0;
}

static void print_b64_line(const char *label, const uint8_t *buf, size_t len)
{
	CVM_CLEANUP_FREE char *b = cvm_base64_encode(buf, len);

	printf("%s: %s\n", label, b ? b : "");
}

static int print_text(const struct cvm_measurement *m, const struct measure_extras *x,
		      const struct measure_extra_results *res)
{
	char hex[2 * 48 + 1];

	if (m->tee == CVM_TEE_TDX)
		return print_tdx(&m->tdx);
	if (x->base64) {
		CVM_CLEANUP_FREE char *b = cvm_base64_encode(m->digest, m->digest_len);

		puts(b ? b : "");
	} else {
		cvm_hex_encode(m->digest, m->digest_len, hex);
		puts(hex);
	}
	if (res->has_id) {
		print_b64_line("id-block", res->id.id_block, CVM_SNP_ID_BLOCK_SIZE);
		print_b64_line("id-auth", res->id.id_auth, CVM_SNP_ID_AUTH_SIZE);
		print_b64_line("id-key-digest", res->id.id_key_digest, 48);
		print_b64_line("author-key-digest", res->id.author_key_digest, 48);
	}
	if (res->has_launch_measure) {
		cvm_hex_encode(res->launch_measure, 32, hex);
		printf("launch-measure: %s\n", hex);
	}
	return 0;
}

static int vars_size_from_file(struct cvm_measure_input *in, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		cli_error("measure", "cannot stat '%s': %s", path, strerror(errno));
		return cli_exit_code(-errno);
	}
	in->vars_size = (uint64_t)st.st_size;
	return 0;
}

int measure_run(struct cvm_measure_input *in, const struct measure_extras *x)
{
	CVM_CLEANUP_FREE struct cvm_measurement *m = calloc(1, sizeof(*m));
	struct measure_extra_results res = { 0 };
	cvm_err e = { 0 };
	int r;

	if (!m) {
		cli_error("measure", "out of memory");
		return CLI_EXIT_SYSTEM;
	}
	if (x->vars_file && (r = vars_size_from_file(in, x->vars_file)))
		return r;
	in->firmware_sha256 = x->json;
	if (cvm_measure(in, m, &e) < 0)
		return cli_fail("measure", &e);
	if (x->id_key) {
		if (cvm_snp_id_create(m->digest, &x->id_params, x->id_key, x->author_key, &res.id,
				      &e) < 0)
			return cli_fail("measure", &e);
		res.has_id = true;
	}
	if (x->tik && (r = launch_measure(m, x, &res)))
		return r;
	if (x->dump_dir && (r = dump_vmsa(m, x->dump_dir)))
		return r;
	return x->json ? print_json(in, m, x, &res) : print_text(m, x, &res);
}
