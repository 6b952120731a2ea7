/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_uki_build(), cvm_uki_write() and cvm_uki_inspect(): layout, errors,
 * reproducibility, the streamed file against the in-memory image, and
 * the signatures checked with OpenSSL's own verifiers (PKCS7_verify() for
 * Authenticode, EVP_DigestVerify() for .pcrsig). The stand-in kernel is
 * Debian's systemd-bootx64.efi from the shared vectors (any x86-64 PE will do
 * for the layout); Debian's kernel is used where its boot header matters.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "boot/der.h"
#include "boot/pe.h"
#include "util/endian.h"
#include "util/hash.h"
#include "vectors.h"

#define STUB "tdx/pe/linuxx64.efi.stub.debian-252.39"
#define FAKE_KERNEL "tdx/pe/systemd-bootx64.efi.debian-252.39"

static char dir[] = "/tmp/test-uki-XXXXXX";
static char stub_path[4096];
static uint8_t *kernel;
static size_t kernel_len;

static const char *tmp(const char *name)
{
	static char paths[8][4200];
	static unsigned next;
	char *p = paths[next++ % 8];

	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

/* A key pair and a self-signed certificate, as PEM files NAME.key, NAME.pub, NAME.crt. */
static void make_key(const char *name, bool rsa)
{
	EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	char path[4300];
	FILE *f;

	assert_non_null(k);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)name, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	assert_non_null(f = fopen(path, "we"));
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.pub", dir, name);
	assert_non_null(f = fopen(path, "we"));
	PEM_write_PUBKEY(f, k);
	fclose(f);
	snprintf(path, sizeof(path), "%s/%s.crt", dir, name);
	assert_non_null(f = fopen(path, "we"));
	PEM_write_X509(f, x);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static int setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(stub_path, sizeof(stub_path), "%s", vec_path(STUB));
	assert_int_equal(cvm_read_file(vec_path(FAKE_KERNEL), 1 << 20, &kernel, &kernel_len, NULL),
			 0);
	make_key("pcr", true);
	make_key("db", true);
	make_key("other", true);
	make_key("ec", false);
	return 0;
}

static int teardown(void **state)
{
	char cmd[4200];

	(void)state;
	free(kernel);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct cvm_uki_input base_input(void)
{
	return (struct cvm_uki_input){
		.stub_path = stub_path,
		.kernel = { kernel, kernel_len },
		.cmdline = "console=ttyS0",
		.uname = "6.1.0-test",
	};
}

/* A view of a built image; frees nothing, the caller owns @buf. */
static struct pe_image *parse(const uint8_t *buf, size_t len)
{
	struct pe_image *pe = malloc(sizeof(*pe));

	assert_int_equal(pe_parse(buf, len, "uki", pe, NULL), 0);
	return pe;
}

static const uint8_t *section(const struct pe_image *pe, const char *name, size_t *len)
{
	const struct pe_section *s = pe_find_section(pe, name);
	size_t zeros;

	assert_non_null(s);
	return pe_section_data(pe, s, len, &zeros);
}

/* No message may carry key material: not even a line of a PEM private key. */
static void assert_no_key_text(const char *msg)
{
	static const char *const keys[] = { "pcr.key", "db.key", "ec.key" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		uint8_t *pem;
		size_t len;
		char *line;

		assert_int_equal(cvm_read_file(tmp(keys[i]), 1 << 20, &pem, &len, NULL), 0);
		line = strchr((char *)pem, '\n') + 1;
		line[16] = '\0';
		assert_null(strstr(msg, line));
		free(pem);
	}
}

static void expect_build_error(const struct cvm_uki_input *in, int code, const char *phrase)
{
	uint8_t *out = (uint8_t *)"untouched";
	size_t len = 7;
	cvm_err e = { 0 };

	assert_int_equal(cvm_uki_build(in, &out, &len, &e), code);
	assert_int_equal(e.code, code);
	if (!strstr(e.msg, phrase))
		fail_msg("message '%s' lacks '%s'", e.msg, phrase);
	assert_no_key_text(e.msg);
	assert_string_equal((const char *)out, "untouched");
	assert_int_equal(len, 7);
}

static void test_build_errors(void **state)
{
	struct cvm_uki_input in;
	struct cvm_uki_blob empty_initrd[2] = { { (const uint8_t *)"x", 1 }, { NULL, 0 } };
	struct cvm_uki_blob huge[2] = { { (const uint8_t *)"x", 1 },
					{ (const uint8_t *)"x", 5ull << 30 } };
	struct cvm_uki_extra extra = { ".toolong1", { (const uint8_t *)"x", 1 } };
	uint8_t *out;
	size_t len;

	(void)state;
	assert_int_equal(cvm_uki_build(NULL, &out, &len, NULL), -EINVAL);
	in = base_input();
	in.kernel.len = 0;
	expect_build_error(&in, -EINVAL, "no kernel given");
	in = base_input();
	in.kernel = (struct cvm_uki_blob){ (const uint8_t *)"not a kernel at all", 19 };
	in.kernel_name = "vmlinuz";
	expect_build_error(&in, -EBADMSG, "'vmlinuz' is not a usable PE image");
	in = base_input();
	in.stub_path = tmp("missing.stub");
	expect_build_error(&in, -ENOENT, "systemd-boot-efi");
	in.stub_path = vec_path("tdx/VECTORS.md");
	expect_build_error(&in, -EBADMSG, "is not a PE image");
	in = base_input();
	in.initrds = empty_initrd;
	in.n_initrds = 2;
	expect_build_error(&in, -EINVAL, "initrd 2 of 2 is empty");
	in.initrds = huge;
	expect_build_error(&in, -EFBIG, "section '.initrd' is too large for PE");
	huge[1].len = 0xffffff00; /* fits a section, not the file with the stub and kernel */
	expect_build_error(&in, -EFBIG, "larger than the 4 GiB PE limit");
	in = base_input();
	in.extra = &extra;
	in.n_extra = 1;
	expect_build_error(&in, -EINVAL, "section name '.toolong1'");
	extra.name = ".linux";
	expect_build_error(&in, -EINVAL, "is reserved");
	extra.name = "nodot";
	expect_build_error(&in, -EINVAL, "must be '.'");
	in = base_input();
	in.cmdline = "";
	expect_build_error(&in, -EINVAL, "command line is empty");
	in = base_input();
	in.pcr_private_key_path = tmp("pcr.key");
	expect_build_error(&in, -EINVAL, "go together");
	in = base_input();
	in.sbat = (struct cvm_uki_blob){ (const uint8_t *)"foo,1,bar\n", 10 };
	in.sbat_name = "my.sbat";
	expect_build_error(&in, -EBADMSG, "my.sbat: line 1 has fewer than 6");
}

/* The stub is signed when a signed image (the kernel, if any) stands in for it. */
static void test_build_signed_stub(void **state)
{
	struct cvm_uki_input in = base_input();
	glob_t g;

	(void)state;
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) || access(g.gl_pathv[0], R_OK)) {
		globfree(&g);
		skip();
	}
	in.stub_path = g.gl_pathv[0];
	expect_build_error(&in, -EBADMSG, "is signed");
	globfree(&g);
}

static void test_build_layout(void **state)
{
	static const char sbat_stub[] = "systemd.debian,1,Debian GNU/Linux,systemd,"
					"252.39-1~deb12u2,https://bugs.debian.org/\n";
	struct cvm_uki_blob initrds[2] = { { (const uint8_t *)"12345", 5 },
					   { (const uint8_t *)"abc", 3 } };
	struct cvm_uki_input in = base_input();
	const char *want[] = { ".text", ".reloc", ".data", ".dynamic", ".rela", ".dynsym",
			       ".sdmagic", ".osrel", ".cmdline", ".uname", ".initrd", ".linux",
			       ".sbat" };
	uint8_t *out;
	const uint8_t *d;
	size_t len, n;
	struct pe_image *pe;

	(void)state;
	in.initrds = initrds;
	in.n_initrds = 2;
	in.osrel = (struct cvm_uki_blob){ (const uint8_t *)"ID=test\n", 8 };
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	pe = parse(out, len);
	assert_int_equal(pe->n_sections, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < pe->n_sections; i++) {
		const struct pe_section *s = &pe->sections[i];

		assert_string_equal(s->name, want[i]);
		assert_int_equal(s->raw_ptr % 0x200, 0);
		/* ours at SectionAlignment (the stub's .sdmagic is at 0x19100) */
		if (i >= 7)
			assert_int_equal(s->va % 0x200, 0);
		if (i)
			assert_true(s->va >= pe->sections[i - 1].va + pe->sections[i - 1].vsize);
	}
	/* the headers */
	assert_int_equal(len % 0x200, 0);
	assert_int_equal(pe->size_of_image,
			 (pe->sections[12].va + pe->sections[12].vsize + 0x1ff) / 0x200 * 0x200);
	assert_int_equal(cvm_le32(out + pe_checksum_off(pe)),
			 pe_compute_checksum(out, len, pe_checksum_off(pe)));
	/* the parts */
	d = section(pe, ".initrd", &n);
	assert_int_equal(n, 11);
	assert_memory_equal(d, "12345\0\0\0abc", 11);
	d = section(pe, ".cmdline", &n);
	assert_int_equal(n, 13);
	assert_memory_equal(d, "console=ttyS0", 13);
	d = section(pe, ".linux", &n);
	assert_int_equal(n, kernel_len);
	assert_memory_equal(d, kernel, kernel_len);
	d = section(pe, ".sbat", &n);
	assert_memory_equal(d, "sbat,1,SBAT Version,sbat,1,", 27);
	assert_non_null(memmem(d, n, sbat_stub, sizeof(sbat_stub) - 1));
	assert_non_null(memmem(d, n, "\ncvmimg,1,cvmimg,cvmimg,", 24));
	assert_int_equal(d[n - 1], '\n');
	free(pe);
	free(out);
}

static void test_build_reproducible(void **state)
{
	struct cvm_uki_input in = base_input();
	uint8_t *a, *b;
	size_t alen, blen;

	(void)state;
	in.sb_key_path = tmp("db.key");
	in.sb_cert_path = tmp("db.crt");
	in.pcr_private_key_path = tmp("pcr.key");
	in.pcr_public_key_path = tmp("pcr.pub");
	in.source_date_epoch = 1700000000;
	assert_int_equal(cvm_uki_build(&in, &a, &alen, NULL), 0);
	assert_int_equal(cvm_uki_build(&in, &b, &blen, NULL), 0);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	free(b);
	in.cmdline = "console=ttyS1";
	assert_int_equal(cvm_uki_build(&in, &b, &blen, NULL), 0);
	assert_true(alen != blen || memcmp(a, b, alen));
	free(a);
	free(b);
}

/* The PKCS#7 of a signed image and the DER of its SpcIndirectDataContent. */
static PKCS7 *signature_of(const uint8_t *buf, size_t len)
{
	struct pe_image *pe = parse(buf, len);
	uint32_t off, size;
	const unsigned char *p;
	PKCS7 *p7;

	pe_dir(pe, PE_DIR_SECURITY, &off, &size);
	assert_true(size > 8 && off % 8 == 0 && off + size == len);
	assert_int_equal(cvm_le16(buf + off + 4), 0x0200);
	assert_int_equal(cvm_le16(buf + off + 6), 0x0002);
	p = buf + off + 8;
	p7 = d2i_PKCS7(NULL, &p, (long)cvm_le32(buf + off) - 8);
	assert_non_null(p7);
	free(pe);
	return p7;
}

/* OpenSSL verifies the signature over the content without its tag and length, as sbverify. */
static void verify_pkcs7(PKCS7 *p7, const char *cert_path, const uint8_t digest[32])
{
	ASN1_STRING *seq = p7->d.sign->contents->d.other->value.sequence;
	const uint8_t *content = seq->data, *x;
	size_t h = der_header_len(seq->data, (size_t)seq->length), left = (size_t)seq->length, n;
	X509_STORE *store = X509_STORE_new();
	FILE *f = fopen(cert_path, "re");
	X509 *cert = PEM_read_X509(f, NULL, NULL, NULL);
	BIO *bio = BIO_new_mem_buf(content + h, seq->length - (int)h);

	fclose(f);
	assert_int_equal(OBJ_obj2nid(p7->d.sign->contents->type),
			 OBJ_txt2nid("1.3.6.1.4.1.311.2.1.4"));
	X509_STORE_add_cert(store, cert);
	assert_int_equal(PKCS7_verify(p7, NULL, store, bio, NULL, PKCS7_BINARY), 1);
	/* SpcIndirectDataContent ends with the image digest */
	assert_true(der_read(&content, &left, DER_SEQUENCE, &x, &n));
	assert_memory_equal(x + n - 32, digest, 32);
	BIO_free(bio);
	X509_free(cert);
	X509_STORE_free(store);
}

static void test_sign(void **state)
{
	struct cvm_uki_input in = base_input();
	struct cvm_uki_info *info;
	uint8_t *out, digest[32], unsigned_digest[32], *plain;
	size_t len, plain_len;
	PKCS7 *p7;
	ASN1_TYPE *t;

	(void)state;
	assert_int_equal(cvm_uki_build(&in, &plain, &plain_len, NULL), 0);
	assert_int_equal(cvm_pe_authenticode(plain, plain_len, NULL, unsigned_digest, NULL, NULL),
			 0);
	in.sb_key_path = tmp("db.key");
	in.sb_cert_path = tmp("db.crt");
	in.source_date_epoch = 1700000000; /* 2023-11-14 22:13:20 UTC */
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	assert_int_equal(cvm_pe_authenticode(out, len, NULL, digest, NULL, NULL), 0);
	/* signing adds only the certificate table, which the digest skips */
	assert_memory_equal(digest, unsigned_digest, 32);
	p7 = signature_of(out, len);
	verify_pkcs7(p7, tmp("db.crt"), digest);
	t = PKCS7_get_signed_attribute(sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0),
				       NID_pkcs9_signingTime);
	assert_non_null(t);
	assert_int_equal(t->type, V_ASN1_UTCTIME);
	assert_string_equal((const char *)t->value.utctime->data, "231114221320Z");
	PKCS7_free(p7);
	assert_int_equal(cvm_uki_inspect(out, len, NULL, &info, NULL), 0);
	assert_true(info->is_signed);
	assert_string_equal(info->signer_subject, "CN=db");
	assert_string_equal(info->signer_issuer, "CN=db");
	assert_true(info->signature_digest_matches);
	cvm_uki_info_free(info);
	free(out);
	/* without SOURCE_DATE_EPOCH, no signing time at all */
	in.source_date_epoch = 0;
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	p7 = signature_of(out, len);
	verify_pkcs7(p7, tmp("db.crt"), digest);
	assert_null(PKCS7_get_signed_attribute(
		sk_PKCS7_SIGNER_INFO_value(PKCS7_get_signer_info(p7), 0), NID_pkcs9_signingTime));
	PKCS7_free(p7);
	free(out);
	free(plain);
}

static void test_sign_errors(void **state)
{
	struct cvm_uki_input in = base_input();

	(void)state;
	in.sb_key_path = tmp("db.key");
	in.sb_cert_path = tmp("other.crt");
	expect_build_error(&in, -EINVAL, "is not the certificate of");
	in.sb_key_path = tmp("ec.key");
	in.sb_cert_path = tmp("ec.crt");
	expect_build_error(&in, -EBADMSG, "not an RSA key");
	in.sb_key_path = tmp("db.crt");
	expect_build_error(&in, -EBADMSG, "not an unencrypted PEM private key");
	in.sb_key_path = tmp("db.key");
	in.sb_cert_path = tmp("db.key");
	expect_build_error(&in, -EBADMSG, "not a PEM or DER X.509 certificate");
	in.sb_cert_path = tmp("none.crt");
	expect_build_error(&in, -ENOENT, "none.crt");
}

static EVP_PKEY *read_pub(const char *path)
{
	FILE *f = fopen(path, "re");
	EVP_PKEY *k = PEM_read_PUBKEY(f, NULL, NULL, NULL);

	fclose(f);
	assert_non_null(k);
	return k;
}

/* Each .pcrsig entry: PCR 11, the key's fingerprint, and a signature of "pol" by the key. */
static void check_pcrsig_entry(json_object *e, EVP_PKEY *pub, const char *pkfp)
{
	json_object *pcrs = json_object_object_get(e, "pcrs");
	const char *pol = json_object_get_string(json_object_object_get(e, "pol"));
	const char *sig64 = json_object_get_string(json_object_object_get(e, "sig"));
	uint8_t polbin[32], sig[512];
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int n;

	assert_int_equal(json_object_array_length(pcrs), 1);
	assert_int_equal(json_object_get_int(json_object_array_get_idx(pcrs, 0)), 11);
	assert_string_equal(json_object_get_string(json_object_object_get(e, "pkfp")), pkfp);
	vec_unhex(pol, polbin, 32);
	n = EVP_DecodeBlock(sig, (const unsigned char *)sig64, (int)strlen(sig64));
	/* RSA-2048: 256 bytes, which base64 pads with two '=' EVP_DecodeBlock counts as zeros */
	assert_int_equal(n, 258);
	assert_int_equal(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub), 1);
	assert_int_equal(EVP_DigestVerify(md, sig, 256, polbin, 32), 1);
	EVP_MD_CTX_free(md);
}

static void test_pcrsig(void **state)
{
	struct cvm_uki_input in = base_input();
	uint8_t *out, *pem, *der = NULL, fp[32];
	const uint8_t *d;
	size_t len, n, pem_len;
	struct pe_image *pe;
	json_object *root, *bank;
	EVP_PKEY *pub = read_pub(tmp("pcr.pub"));
	char pkfp[65], *text;
	int der_len = i2d_PublicKey(pub, &der);

	(void)state;
	cvm_sha256(der, (size_t)der_len, fp);
	cvm_hex_encode(fp, 32, pkfp);
	in.pcr_private_key_path = tmp("pcr.key");
	in.pcr_public_key_path = tmp("pcr.pub");
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	pe = parse(out, len);
	/* .pcrpkey defaults to the public key file */
	assert_int_equal(cvm_read_file(tmp("pcr.pub"), 1 << 20, &pem, &pem_len, NULL), 0);
	d = section(pe, ".pcrpkey", &n);
	assert_int_equal(n, pem_len);
	assert_memory_equal(d, pem, n);
	d = section(pe, ".pcrsig", &n);
	text = strndup((const char *)d, n);
	root = json_tokener_parse(text);
	free(text);
	assert_non_null(root);
	bank = json_object_object_get(root, "sha256");
	assert_int_equal(json_object_array_length(bank), CVM_UKI_PHASES);
	for (size_t i = 0; i < CVM_UKI_PHASES; i++)
		check_pcrsig_entry(json_object_array_get_idx(bank, i), pub, pkfp);
	json_object_put(root);
	OPENSSL_free(der);
	EVP_PKEY_free(pub);
	free(pem);
	free(pe);
	free(out);
	in.pcr_public_key_path = tmp("other.pub");
	expect_build_error(&in, -EINVAL, "is not the public key of");
	in.pcr_private_key_path = tmp("ec.key");
	in.pcr_public_key_path = tmp("ec.pub");
	expect_build_error(&in, -EBADMSG, "not an RSA private key");
}

static void test_inspect(void **state)
{
	struct cvm_uki_input in = base_input();
	struct cvm_uki_blob initrd = { (const uint8_t *)"initrd", 6 };
	struct cvm_uki_info *info;
	uint8_t *out;
	size_t len;
	cvm_err e = { 0 };

	(void)state;
	in.initrds = &initrd;
	in.n_initrds = 1;
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	assert_int_equal(cvm_uki_inspect(out, len, NULL, &info, NULL), 0);
	assert_true(info->is_uki);
	assert_false(info->is_signed);
	/* the stub's .sdmagic: Debian's systemd-boot-efi 252.39-1~deb12u2 */
	assert_string_equal(info->stub_version, "252.39-1~deb12u2");
	assert_string_equal(info->uname, "6.1.0-test");
	assert_int_equal(info->n_sections, 12);
	for (size_t i = 0; i < info->n_sections; i++) {
		const char *name = info->sections[i].name;
		/* systemd 252 measures neither .uname nor .sbat */
		bool measured = !strcmp(name, ".cmdline") || !strcmp(name, ".initrd") ||
				!strcmp(name, ".linux");

		assert_int_equal(info->sections[i].measured, measured);
	}
	cvm_uki_info_free(info);
	free(out);
	assert_int_equal(cvm_uki_inspect(NULL, 0, NULL, &info, &e), -EINVAL);
	assert_int_equal(cvm_uki_inspect((const uint8_t *)"text", 4, "t.efi", &info, &e), -EBADMSG);
	assert_non_null(strstr(e.msg, "'t.efi' is not a PE image"));
	assert_null(cvm_uki_info_free(NULL));
}

/* .uname from the boot header of Debian's kernel: /boot/vmlinuz-<release>. */
static void test_kernel_release(void **state)
{
	struct cvm_uki_input in = base_input();
	uint8_t *k = NULL, *out;
	const uint8_t *d;
	size_t klen = 0, len, n;
	struct pe_image *pe;
	glob_t g;

	(void)state;
	if (glob("/boot/vmlinuz-*", 0, NULL, &g) ||
	    cvm_read_file(g.gl_pathv[0], 64u << 20, &k, &klen, NULL) < 0) {
		globfree(&g);
		skip();
	}
	in.kernel = (struct cvm_uki_blob){ k, klen };
	in.uname = NULL;
	assert_int_equal(cvm_uki_build(&in, &out, &len, NULL), 0);
	pe = parse(out, len);
	d = section(pe, ".uname", &n);
	assert_int_equal(n, strlen(g.gl_pathv[0]) - strlen("/boot/vmlinuz-"));
	assert_memory_equal(d, g.gl_pathv[0] + strlen("/boot/vmlinuz-"), n);
	free(pe);
	free(out);
	free(k);
	globfree(&g);
}

/* cvm_uki_write() of @in into a file that held longer data: the bytes cvm_uki_build() gives. */
static void check_write(const struct cvm_uki_input *in)
{
	struct cvm_uki_result res;
	uint8_t *mem, *file, d256[32], d384[48];
	size_t mem_len, file_len;
	struct pe_image *pe;
	char junk[8192];
	int fd;

	assert_int_equal(cvm_uki_build(in, &mem, &mem_len, NULL), 0);
	fd = open(tmp("w.efi"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	memset(junk, 0xa5, sizeof(junk));
	for (size_t n = 0; n < mem_len + sizeof(junk); n += sizeof(junk))
		assert_int_equal(write(fd, junk, sizeof(junk)), sizeof(junk));
	assert_int_equal(cvm_uki_write(in, fd, &res, NULL), 0);
	close(fd);
	assert_int_equal(cvm_read_file(tmp("w.efi"), 1 << 30, &file, &file_len, NULL), 0);
	assert_int_equal(file_len, mem_len);
	assert_int_equal(res.size, mem_len);
	assert_memory_equal(file, mem, mem_len);
	/* the digests computed on the way are those of the finished file */
	assert_int_equal(cvm_pe_authenticode(file, file_len, NULL, d256, d384, NULL), 0);
	assert_memory_equal(res.authenticode_sha256, d256, 32);
	assert_memory_equal(res.authenticode_sha384, d384, 48);
	pe = parse(file, file_len);
	assert_int_equal(cvm_le32(file + pe_checksum_off(pe)),
			 pe_compute_checksum(file, file_len, pe_checksum_off(pe)));
	free(pe);
	free(file);
	free(mem);
}

static void test_write(void **state)
{
	/* odd lengths put words across piece boundaries for the checksum */
	struct cvm_uki_blob initrds[3] = { { (const uint8_t *)"12345", 5 },
					   { (const uint8_t *)"abcdefg", 7 },
					   { (const uint8_t *)"z", 1 } };
	struct cvm_uki_extra extra[2] = { { ".one", { (const uint8_t *)"odd", 3 } },
					  { ".two", { (const uint8_t *)"even", 4 } } };
	struct cvm_uki_input in = base_input();
	char pcr_key[4200], pcr_pub[4200], db_key[4200], db_crt[4200]; /* tmp() recycles */

	(void)state;
	snprintf(pcr_key, sizeof(pcr_key), "%s", tmp("pcr.key"));
	snprintf(pcr_pub, sizeof(pcr_pub), "%s", tmp("pcr.pub"));
	snprintf(db_key, sizeof(db_key), "%s", tmp("db.key"));
	snprintf(db_crt, sizeof(db_crt), "%s", tmp("db.crt"));
	check_write(&in);
	in.initrds = initrds;
	in.n_initrds = 3;
	in.extra = extra;
	in.n_extra = 2;
	in.osrel = (struct cvm_uki_blob){ (const uint8_t *)"ID=test\n", 8 };
	in.splash = (struct cvm_uki_blob){ (const uint8_t *)"BM", 2 };
	check_write(&in);
	in.pcr_private_key_path = pcr_key;
	in.pcr_public_key_path = pcr_pub;
	check_write(&in);
	in.sb_key_path = db_key;
	in.sb_cert_path = db_crt;
	check_write(&in);
	in.source_date_epoch = 1700000000;
	check_write(&in);
	in.pcr_private_key_path = in.pcr_public_key_path = NULL;
	in.n_initrds = 0;
	check_write(&in);
}

static void expect_write_error(const struct cvm_uki_input *in, int fd, int code, const char *phrase)
{
	struct cvm_uki_result res = { .size = 4242 };
	cvm_err e = { 0 };

	assert_int_equal(cvm_uki_write(in, fd, &res, &e), code);
	assert_int_equal(e.code, code);
	if (!strstr(e.msg, phrase))
		fail_msg("message '%s' lacks '%s'", e.msg, phrase);
	assert_int_equal(res.size, 4242);
}

static void test_write_errors(void **state)
{
	struct cvm_uki_input in = base_input();
	struct rlimit old, small;
	int fd, p[2];

	(void)state;
	in.output_name = "out.efi";
	assert_int_equal(cvm_uki_write(NULL, 1, NULL, NULL), -EINVAL);
	expect_write_error(&in, -1, -EINVAL, "invalid argument");
	assert_int_equal(pipe(p), 0);
	expect_write_error(&in, p[1], -EINVAL, "'out.efi' must be a regular file");
	close(p[0]);
	close(p[1]);
	fd = open(tmp("ro.efi"), O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
	expect_write_error(&in, fd, -EINVAL, "open for writing");
	close(fd);
	fd = open(tmp("ro.efi"), O_WRONLY | O_APPEND | O_CLOEXEC);
	expect_write_error(&in, fd, -EINVAL, "without O_APPEND");
	close(fd);
	/* the input is checked as cvm_uki_build() checks it */
	fd = open(tmp("w.efi"), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	in.cmdline = "";
	expect_write_error(&in, fd, -EINVAL, "command line is empty");
	in.cmdline = "console=ttyS0";
	/* a write that fails part way: a file size limit (SIGXFSZ ignored gives EFBIG) */
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	small = old;
	small.rlim_cur = 64 << 10;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	expect_write_error(&in, fd, -EFBIG, "cannot write 'out.efi'");
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_errors),   cmocka_unit_test(test_build_signed_stub),
		cmocka_unit_test(test_build_layout),   cmocka_unit_test(test_build_reproducible),
		cmocka_unit_test(test_sign),	       cmocka_unit_test(test_sign_errors),
		cmocka_unit_test(test_pcrsig),	       cmocka_unit_test(test_inspect),
		cmocka_unit_test(test_kernel_release), cmocka_unit_test(test_write),
		cmocka_unit_test(test_write_errors),
	};

	vec_require();
	return cmocka_run_group_tests(tests, setup, teardown);
}
