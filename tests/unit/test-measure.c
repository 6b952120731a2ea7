/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The SNP/SEV building blocks against the intermediate values published with
 * the vectors (../shared/vectors/snp/VECTORS.md, sections C and D).
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

#include <cvmimg/measure.h>
#include <cvmimg/util.h>

#include "measure/snp-gctx.h"
#include "measure/ovmf.h"
#include "measure/sev-hashes.h"
#include "measure/sev-vmsa.h"
#include "util/hash.h"
#include "vectors.h"

#define AMDSEV "snp/ovmf_AmdSev_suffix.bin"

/* C1: the table for kernel = initrd = empty and append "" */
static const char c1_table[] =
	"06d63894224fc94cb479a793d411fd21a800d82dd097"
	"20bd944caa78e7714d36ab2a32006e340b9cffb37a989ca544e6bb780a2c78901d3fb3373876"
	"8511a30617afa01d31f7ba442f3ad74b9af141e29169781d3200e3b0c44298fc1c149afbf4c8"
	"996fb92427ae41e4649b934ca495991b7852b8553794e74dd2ab7f42b835d5b172d2045b3200"
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8550000000000000000";

static void hashes_for(const char *cmdline, struct cvm_sev_hashes *h)
{
	assert_int_equal(cvm_sev_hashes_compute("/dev/null", NULL, cmdline, h, NULL), 0);
}

static void test_hashes_table(void **state)
{
	struct cvm_sev_hashes h;
	uint8_t table[CVM_SEV_HASHES_TABLE_SIZE], page[4096] = { 0 }, digest[48];

	(void)state;
	hashes_for("", &h);
	cvm_sev_hashes_table(&h, table);
	assert_string_equal(vec_hex(table, sizeof(table)), c1_table);
	memcpy(page + 0xc00, table, sizeof(table));
	cvm_sha384(page, sizeof(page), digest);
	assert_string_equal(vec_hex(digest, 48),
			    "7b581a6e6bc2ae2e8a0e875bd21d19d8b0cc96f035a9c8fb1d127d3ec75e21edbb830e"
			    "1f1b5c47bf7644d7f3561bece3");
	hashes_for("console=ttyS0 loglevel=7", &h);
	assert_string_equal(vec_hex(h.cmdline, 32),
			    "321c8eec6a77bad179511397f913a083067ad8cb737bb260aacbfe8df70fc50a");
	cvm_sev_hashes_table(&h, page + 0xc00);
	cvm_sha384(page, sizeof(page), digest);
	assert_string_equal(vec_hex(digest, 48),
			    "adbef9bc7385f7a6dcb8774523cf024b403f193a47962309b277c4109aa70b4ba0355d"
			    "1657b50e9625d5bd1129e7fd27");
}

static void test_cmdline_hashes(void **state)
{
	static const struct {
		const char *cmdline, *sha256;
	} cases[] = {
		{ "", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d" },
		{ "console=ttyS0",
		  "f18aae9b3c09e55bc3047ad361e2442d7c53372470b2958fb83293209a784f71" },
		{ "console=ttyS0 root=/dev/vda1 ro",
		  "767249922d8b51c7b2bb906ec2e2b830dd240dcf9d886789d9d6c9f9b1fab199" },
		{ "quiet \xc3\xa9", "4b09d006d846e57b5e95cb41748944d4c593a6f96960abfd92e0adec2e750d82" },
	};
	struct cvm_sev_hashes h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hashes_for(cases[i].cmdline, &h);
		assert_string_equal(vec_hex(h.cmdline, 32), cases[i].sha256);
	}
	/* no cmdline at all hashes like "" */
	hashes_for(NULL, &h);
	assert_string_equal(vec_hex(h.cmdline, 32), cases[0].sha256);
}

/*
 * C2: every VMSA page of the table in VECTORS.md, read from the file itself:
 * "| QEMU | 0x21 | AP | <sha384> | <sha256> |", sig 0x800f12, AP EIP 0x80b004.
 */
static bool parse_vmsa_row(const char *line, enum cvm_vmm *vmm, uint64_t *features, bool *ap,
			   char *sha384, char *sha256)
{
	char vmm_s[8], feat_s[16], page_s[8];

	if (sscanf(line, "| %7s | %15[^|]| %7s | %96[0-9a-f] | %64[0-9a-f] |", vmm_s, feat_s,
		   page_s, sha384, sha256) != 5)
		return false;
	*vmm = cvm_vmm_from_string(vmm_s);
	*features = strtoull(feat_s, NULL, 16);
	*ap = !strcmp(page_s, "AP");
	return *vmm != CVM_VMM_INVALID;
}

static void test_vmsa_pages(void **state)
{
	struct cvm_vmsa_overrides none = { 0 };
	FILE *f = fopen(vec_path("snp/VECTORS.md"), "re");
	char line[512], want384[97], want256[65];
	int rows = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		struct cvm_vmsa_regs regs;
		uint8_t page[CVM_VMSA_SIZE], d384[48], d256[32];
		enum cvm_vmm vmm;
		uint64_t features;
		bool ap;

		if (!parse_vmsa_row(line, &vmm, &features, &ap, want384, want256))
			continue;
		cvm_vmsa_regs_for_vmm(vmm, ap ? 0x80b004 : 0xfffffff0, 0x800f12, features, &regs);
		cvm_vmsa_regs_override(&regs, &none);
		cvm_vmsa_build(&regs, page);
		cvm_sha384(page, sizeof(page), d384);
		cvm_sha256(page, sizeof(page), d256);
		assert_string_equal(vec_hex(d384, 48), want384);
		assert_string_equal(vec_hex(d256, 32), want256);
		rows++;
	}
	fclose(f);
	assert_int_equal(rows, 16); /* QEMU and ec2 with 3 feature sets, gce with 2; BSP and AP */
}

static void test_vmsa_svsm(void **state)
{
	uint8_t page[CVM_VMSA_SIZE], d[48];

	(void)state;
	cvm_vmsa_build_svsm(0xffaea000, 0x800f12, page);
	cvm_sha384(page, sizeof(page), d);
	assert_string_equal(vec_hex(d, 48),
			    "9bcd6592450e93e379ffe14e5e9d4102377d162fddcfaa991c06b2c278e0057836e2c8"
			    "b6b8617641587b3acfd378eb7d");
}

static void test_vmsa_overrides(void **state)
{
	struct cvm_vmsa_overrides legacy = { .set_mxcsr = true, .set_fcw = true };
	struct cvm_vmsa_regs regs;
	uint8_t page[CVM_VMSA_SIZE];

	(void)state;
	cvm_vmsa_regs_for_vmm(CVM_VMM_QEMU, 0xfffffff0, 0x800f12, 1, &regs);
	cvm_vmsa_regs_override(&regs, &legacy);
	cvm_vmsa_build(&regs, page);
	assert_int_equal(page[0x408] | page[0x409] << 8, 0);
	assert_int_equal(page[0x410] | page[0x411] << 8, 0);
	/* the ec2 default RDX of 0x600 can be set back to the pre-2026 value */
	cvm_vmsa_regs_for_vmm(CVM_VMM_EC2, 0xfffffff0, 0, 1, &regs);
	assert_int_equal(regs.rdx, 0x600);
	cvm_vmsa_regs_override(&regs, &(struct cvm_vmsa_overrides){ .set_rdx = true, .rdx = 0 });
	assert_int_equal(regs.rdx, 0);
}

/* D1: the first PAGE_INFO of the AmdSev fixture */
static void test_page_info(void **state)
{
	struct cvm_fw *fw = NULL;
	uint8_t zero[48] = { 0 }, h[48], info[112];
	struct cvm_gctx g = { { 0 } };

	(void)state;
	assert_int_equal(cvm_fw_load(vec_path(AMDSEV), &fw, NULL), 0);
	cvm_sha384(fw->data, 4096, h);
	assert_string_equal(vec_hex(h, 48),
			    "161ace084859674ded7322ad102eb33f49457e0f7845a8f9ad0e03a59eac3e3e360f8b"
			    "78345363feaeac956ebba2d894");
	cvm_gctx_page_info(zero, h, CVM_SNP_PAGE_NORMAL, 0xfffff000, info);
	assert_string_equal(vec_hex(info + 0x60, 16), "700001000000000000f0ffff00000000");
	assert_int_equal(cvm_gctx_update_normal(&g, 0xfffff000, fw->data, 4096), 0);
	assert_string_equal(vec_hex(g.ld, 48),
			    "086e2e9149ebf45abdc3445fba5b2da8270bdbb04094d7a2c37faaa4b24af3aa16aff8"
			    "c374c2a55c467a50da6d466b74");
	cvm_fw_free(fw);
}

/* §2-3: what the footer table and the metadata of the AmdSev fixture hold */
static void test_fixture_tables(void **state)
{
	static const struct cvm_sev_section want[] = {
		{ 0x800000, 0x9000, CVM_SEV_SECTION_SNP_SEC_MEM },
		{ 0x80a000, 0x3000, CVM_SEV_SECTION_SNP_SEC_MEM },
		{ 0x80d000, 0x1000, CVM_SEV_SECTION_SNP_SECRETS },
		{ 0x80e000, 0x1000, CVM_SEV_SECTION_CPUID },
		{ 0x80f000, 0x1000, CVM_SEV_SECTION_SVSM_CAA },
		{ 0x810000, 0x1000, CVM_SEV_SECTION_SNP_KERNEL_HASHES },
		{ 0x811000, 0xf000, CVM_SEV_SECTION_SNP_SEC_MEM },
	};
	struct cvm_fw *fw = NULL;

	(void)state;
	assert_int_equal(cvm_fw_load(vec_path(AMDSEV), &fw, NULL), 0);
	assert_int_equal(fw->table.count, 5);
	assert_true(fw->has_reset_eip);
	assert_int_equal(fw->reset_eip, 0x80b004);
	assert_true(fw->has_hash_table);
	assert_int_equal(fw->hash_table_gpa, 0x810c00);
	assert_int_equal(fw->nsections, 7);
	for (size_t i = 0; i < 7; i++) {
		assert_int_equal(fw->sections[i].gpa, want[i].gpa);
		assert_int_equal(fw->sections[i].size, want[i].size);
		assert_int_equal(fw->sections[i].type, want[i].type);
	}
	cvm_fw_free(fw);
	assert_int_equal(cvm_fw_load(vec_path("snp/ovmf_OvmfX64_suffix.bin"), &fw, NULL), 0);
	assert_false(fw->has_hash_table);
	assert_int_equal(fw->nsections, 6);
	assert_int_equal(fw->sections[5].type, CVM_SEV_SECTION_SNP_SEC_MEM);
	cvm_fw_free(fw);
}

static void expect_ld(const struct cvm_gctx *g, const char *hex)
{
	assert_string_equal(vec_hex(g->ld, 48), hex);
}

/* D2: test #4 step by step, written from the vector table, not from our walk */
static void test_snp_steps(void **state)
{
	struct cvm_fw *fw = NULL;
	struct cvm_gctx g = { { 0 } };
	struct cvm_sev_hashes h;
	struct cvm_vmsa_regs regs;
	uint8_t page[4096] = { 0 };

	(void)state;
	assert_int_equal(cvm_fw_load(vec_path(AMDSEV), &fw, NULL), 0);
	cvm_gctx_update_normal(&g, 0xfffff000, fw->data, 4096);
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_ZERO, 0x800000, 0x9000);
	expect_ld(&g, "411a1360ae4001ab44e1c8a5f14115068566f56b565be90042aa16cc26de1492ef3025f1"
		      "0b7cdd14911ae69aaea7881a");
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_ZERO, 0x80a000, 0x3000);
	expect_ld(&g, "e0b2ff7ad80630d6c56ba3d43c7dd1cccca220d9cc60092fe69e5f31a6ab4e9537aa4774"
		      "97f03636ae29b18630df8477");
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_SECRETS, 0x80d000, 0x1000);
	expect_ld(&g, "230c05427474c0649ea31849fe3144dbbef0921570105732b69ff5463dee1fe8612dee2d"
		      "b0866719377099718ecb46d8");
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_CPUID, 0x80e000, 0x1000);
	expect_ld(&g, "17af371be37e5a8f0f3d83cd4195cfb47b60caabf8c209e6c68ab44d6484381a057812c0"
		      "760811d53f47b522a16e5574");
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_ZERO, 0x80f000, 0x1000);
	expect_ld(&g, "1de7f0d81360fb802b5e2a7327f58ed1a2c9d1947a2e3cf0ae34184e6e1b4cb102da9ac6"
		      "9f421cded3105d12d523e4e9");
	hashes_for("console=ttyS0 loglevel=7", &h);
	cvm_sev_hashes_table(&h, page + 0xc00);
	cvm_gctx_update_normal(&g, 0x810000, page, sizeof(page));
	expect_ld(&g, "ce06e9d69b176848cf5cbf7c89096ee2e45937a2721e168519ecbec9e0cc7b33df8b16c1"
		      "0c6004379d579d2ff03f528e");
	cvm_gctx_update_unhashed(&g, CVM_SNP_PAGE_ZERO, 0x811000, 0xf000);
	expect_ld(&g, "36fcd572bd473b23cdcce6f078026377e7b2d18ede30fe022d371f062ac1fbd73ba70c62"
		      "86951b488c864e3ff9392f43");
	cvm_vmsa_regs_for_vmm(CVM_VMM_QEMU, 0xfffffff0, 0x800f12, 0x21, &regs);
	cvm_vmsa_build(&regs, page);
	cvm_gctx_update_vmsa(&g, page);
	expect_ld(&g, "803f691094946e42068aaa3a8f9e26a5c89f36f7b73ecfb28c653360fe4b3aba7e534442"
		      "e7e1e17895dfe778d0228977");
	cvm_fw_free(fw);
}

/* D3: the SVSM case, and the FCW quirk that must not be reproduced */
static void test_svsm_steps(void **state)
{
	struct cvm_measure_input in = {
		.tee = CVM_TEE_SNP_SVSM, .vmm = CVM_VMM_QEMU, .vcpus = 2, .have_vcpu_sig = true,
		.vcpu_sig = 0x800f12, .vars_size = 540672,
	};
	struct cvm_measurement *m = calloc(1, sizeof(*m));
	char ovmf[4096], svsm[4096];

	(void)state;
	snprintf(ovmf, sizeof(ovmf), "%s", vec_path("snp/svsm_ovmf.fd"));
	snprintf(svsm, sizeof(svsm), "%s", vec_path("snp/svsm.bin"));
	in.ovmf_path = ovmf;
	in.svsm_path = svsm;
	assert_int_equal(cvm_measure(&in, m, NULL), 0);
	assert_string_equal(vec_hex(m->digest, 48),
			    "9b94745036aafddf4f7f8b00c7513abb5b7703178cb95aaa57928bd963d68d3bfcb715"
			    "d6019b9167ee2517b11b0d9be7");
	assert_true(m->vmsa[0][0x410] == 0 && m->vmsa[0][0x411] == 0);
	/* the SVSM RIP is its GPA plus the SVSM_INFO entry offset */
	assert_int_equal(m->vmsa[0][0x178] | m->vmsa[0][0x179] << 8 | m->vmsa[0][0x17a] << 16 |
				 (unsigned)m->vmsa[0][0x17b] << 24,
			 0xffaea000u);
	free(m);
}

/* cvm_measure() refuses what makes no sense before reading anything */
static void test_measure_input_checks(void **state)
{
	static const struct {
		struct cvm_measure_input in;
		int code;
		const char *phrase;
	} cases[] = {
		{ { .tee = CVM_TEE_INVALID, .ovmf_path = "x" }, -EINVAL, "unknown TEE" },
		{ { .tee = CVM_TEE_SEV }, -EINVAL, "no firmware" },
		{ { .tee = CVM_TEE_SEV, .ovmf_path = "x", .initrd_path = "i" }, -EINVAL,
		  "needs a kernel" },
		{ { .tee = CVM_TEE_SNP_OVMF_HASH, .ovmf_path = "x", .kernel_path = "k" }, -EINVAL,
		  "does not measure a kernel" },
		{ { .tee = CVM_TEE_SNP, .ovmf_path = "x", .vcpus = 0, .have_vcpu_sig = true },
		  -ERANGE, "vcpus must be between 1 and 1024" },
		{ { .tee = CVM_TEE_SNP, .ovmf_path = "x", .vcpus = 1 }, -EINVAL,
		  "needs the vCPU signature" },
		{ { .tee = CVM_TEE_SNP_SVSM, .ovmf_path = "x", .vcpus = 1 }, -EINVAL,
		  "SVSM binary goes with snp:svsm" },
		{ { .tee = CVM_TEE_SEV, .ovmf_path = "x", .vmm = CVM_VMM__COUNT }, -EINVAL,
		  "unknown VMM" },
	};
	struct cvm_measurement m;
	cvm_err e = { 0 };

	(void)state;
	assert_int_equal(cvm_measure(NULL, &m, &e), -EINVAL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(cvm_measure(&cases[i].in, &m, &e), cases[i].code);
		assert_non_null(strstr(e.msg, cases[i].phrase));
	}
}

static void test_names(void **state)
{
	uint32_t sig = 0;

	(void)state;
	assert_int_equal(cvm_tee_from_string("SEV-SNP"), CVM_TEE_SNP);
	assert_int_equal(cvm_tee_from_string("sev-snp:svsm"), CVM_TEE_SNP_SVSM);
	assert_int_equal(cvm_tee_from_string("tdx"), CVM_TEE_TDX);
	assert_int_equal(cvm_tee_from_string("tdx2"), CVM_TEE_INVALID);
	assert_string_equal(cvm_tee_to_string(CVM_TEE_SEV_ES), "sev-es");
	assert_null(cvm_tee_to_string(CVM_TEE__COUNT));
	assert_int_equal(cvm_vmm_from_string("EC2"), CVM_VMM_EC2);
	/* VECTORS.md B5 */
	assert_int_equal(cvm_vcpu_sig(14, 1, 2), 0x0e12);
	assert_int_equal(cvm_vcpu_sig(23, 1, 2), 0x800f12);
	assert_int_equal(cvm_vcpu_type_sig("EPYC-Milan", &sig), 0);
	assert_int_equal(sig, 0xa00f11);
	assert_int_equal(cvm_vcpu_type_sig("EPYC-Genoa", &sig), 0);
	assert_int_equal(sig, 0xa10f10);
	assert_int_equal(cvm_vcpu_type_sig("EPYC-Turin", &sig), 0);
	assert_int_equal(sig, 0xb00f00);
	assert_int_equal(cvm_vcpu_type_sig("EPYC-Rome-v3", &sig), 0);
	assert_int_equal(sig, 0x830f10);
	assert_int_equal(cvm_vcpu_type_sig("Skylake", &sig), -ENOENT);
	assert_int_equal(cvm_vcpu_type_sig(NULL, &sig), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hashes_table),  cmocka_unit_test(test_cmdline_hashes),
		cmocka_unit_test(test_vmsa_pages),    cmocka_unit_test(test_vmsa_svsm),
		cmocka_unit_test(test_vmsa_overrides), cmocka_unit_test(test_page_info),
		cmocka_unit_test(test_fixture_tables), cmocka_unit_test(test_snp_steps),
		cmocka_unit_test(test_svsm_steps), cmocka_unit_test(test_measure_input_checks),
		cmocka_unit_test(test_names),
	};

	vec_require();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
