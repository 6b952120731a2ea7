/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvm_uki_build() and cvm_uki_write(): systemd-stub plus the parts, as ukify
 * builds it, with the PCR 11 signature and the Secure Boot signature computed
 * here. Both write through uki_emit(), into memory or into a file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/uki.h>
#include <cvmimg/util.h>

#include "boot/emit.h"
#include "boot/kernel.h"
#include "boot/pcr.h"
#include "boot/pcrsig.h"
#include "boot/sbat.h"
#include "boot/sections.h"
#include "util/endian.h"
#include "util/log-internal.h"
#include "util/macro.h"

#define MAX_PARTS (UKI__COUNT + 32)
#define MAX_EXTRA 32

/* Everything the build owns until the image is written. */
struct build {
	const struct cvm_uki_input *in;
	const char *stub_path, *kernel_name;
	uint8_t *stub_buf;
	size_t stub_len;
	struct pe_image stub, kernel;
	char uname[UKI_UNAME_MAX];
	char *sbat, *pcrsig, *pcrpkey;
	size_t sbat_len, pcrsig_len, pcrpkey_len;
	struct cvm_uki_blob one[UKI__COUNT]; /* single-piece parts */
	struct uki_part parts[MAX_PARTS];
	size_t n_parts;
};

static void build_done(struct build **bp)
{
	struct build *b = *bp;

	if (!b)
		return;
	free(b->stub_buf);
	free(b->sbat);
	free(b->pcrsig);
	free(b->pcrpkey);
	free(b);
}

static int check_extra(const struct cvm_uki_extra *x, size_t i, cvm_err *reterr)
{
	size_t n = x->name ? strlen(x->name) : 0;

	if (n < 2 || n > CVM_UKI_NAME_MAX || x->name[0] != '.')
		return cvm_err_set(reterr, -EINVAL,
				   "section name '%s' must be '.' and 1 to %d more characters",
				   x->name ? x->name : "", CVM_UKI_NAME_MAX - 1);
	for (size_t k = 0; k < n; k++)
		if (x->name[k] <= ' ' || x->name[k] >= 0x7f)
			return cvm_err_set(reterr, -EINVAL,
					   "section name '%s' has a character that is not "
					   "printable ASCII",
					   x->name);
	if (uki_section_from_string(x->name) != UKI_INVALID || !strcmp(x->name, ".sdmagic"))
		return cvm_err_set(reterr, -EINVAL, "section name '%s' is reserved", x->name);
	if (!x->data.len || !x->data.data)
		return cvm_err_set(reterr, -EINVAL, "section %zu ('%s') is empty", i + 1, x->name);
	return 0;
}

static int check_input(const struct cvm_uki_input *in, cvm_err *reterr)
{
	const struct cvm_uki_blob *opt[] = { &in->osrel, &in->sbat,   &in->splash,
					     &in->dtb,   &in->pcrpkey };

	if (!in->kernel.len || !in->kernel.data)
		return cvm_err_set(reterr, -EINVAL, "no kernel given, or it is empty");
	CVM_CHECK_ARG(!in->n_initrds || in->initrds, reterr);
	CVM_CHECK_ARG(!in->n_extra || in->extra, reterr);
	CVM_CHECK_ARG(in->n_extra <= MAX_EXTRA, reterr);
	for (size_t i = 0; i < CVM_ARRAY_SIZE(opt); i++)
		CVM_CHECK_ARG(!opt[i]->len || opt[i]->data, reterr);
	for (size_t i = 0; i < in->n_initrds; i++)
		if (!in->initrds[i].len || !in->initrds[i].data)
			return cvm_err_set(reterr, -EINVAL, "initrd %zu of %zu is empty", i + 1,
					   in->n_initrds);
	for (size_t i = 0; i < in->n_extra; i++) {
		int r = check_extra(&in->extra[i], i, reterr);

		if (r < 0)
			return r;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(in->extra[k].name, in->extra[i].name))
				return cvm_err_set(reterr, -EINVAL, "section '%s' is given twice",
						   in->extra[i].name);
	}
	if (in->cmdline && !*in->cmdline)
		return cvm_err_set(reterr, -EINVAL, "the command line is empty");
	if (in->uname && !*in->uname)
		return cvm_err_set(reterr, -EINVAL, "the kernel release (uname) is empty");
	if (!in->pcr_private_key_path != !in->pcr_public_key_path)
		return cvm_err_set(reterr, -EINVAL,
				   "the PCR private and public keys go together");
	if (!in->sb_key_path != !in->sb_cert_path)
		return cvm_err_set(reterr, -EINVAL,
				   "the Secure Boot key and certificate go together");
	return 0;
}

static int load_stub(struct build *b, cvm_err *reterr)
{
	uint32_t va, size;
	int r;

	r = cvm_read_file(b->stub_path, CVM_UKI_STUB_MAX_SIZE, &b->stub_buf, &b->stub_len, reterr);
	if (r == -ENOENT)
		return cvm_err_set(reterr, r,
				   "systemd-stub '%s' not found (Debian installs it with the "
				   "package 'systemd-boot-efi')",
				   b->stub_path);
	if (r < 0)
		return r;
	r = pe_parse(b->stub_buf, b->stub_len, b->stub_path, &b->stub, reterr);
	if (r < 0)
		return r;
	pe_dir(&b->stub, PE_DIR_SECURITY, &va, &size);
	if (size)
		return cvm_err_set(reterr, -EBADMSG,
				   "stub '%s' is signed: a UKI must be built from an unsigned stub "
				   "and signed as a whole",
				   b->stub_path);
	if (!pe_find_section(&b->stub, ".sdmagic"))
		cvm_log_debug(CVM_LOG_BOOT, "'%s' has no .sdmagic section: not systemd-stub?",
			      b->stub_path);
	return 0;
}

static int load_kernel(struct build *b, cvm_err *reterr)
{
	const struct cvm_uki_input *in = b->in;
	int r;

	r = pe_parse(in->kernel.data, in->kernel.len, b->kernel_name, &b->kernel, NULL);
	if (r < 0)
		return cvm_err_set(reterr, r,
				   "'%s' is not a usable PE image: the kernel must be built with "
				   "an EFI stub (CONFIG_EFI_STUB)",
				   b->kernel_name);
	if (pe_machine(&b->kernel) != pe_machine(&b->stub))
		return cvm_err_set(reterr, -EBADMSG,
				   "'%s' is for machine 0x%04x but the stub is for 0x%04x",
				   b->kernel_name, pe_machine(&b->kernel), pe_machine(&b->stub));
	if (in->uname) {
		if (strlen(in->uname) >= UKI_UNAME_MAX)
			return cvm_err_set(reterr, -EINVAL, "the kernel release is too long");
		strcpy(b->uname, in->uname);
	} else if (!uki_kernel_release(in->kernel.data, in->kernel.len, b->uname)) {
		cvm_log_debug(CVM_LOG_BOOT, "no kernel release found in '%s'", b->kernel_name);
	} else {
		cvm_log_debug(CVM_LOG_BOOT, "kernel release of '%s': %s", b->kernel_name, b->uname);
	}
	return 0;
}

/* The stub's and the kernel's .sbat entries, then the caller's or ours. */
static int make_sbat(struct build *b, cvm_err *reterr)
{
	struct cvm_uki_blob stub_sbat = { 0 }, kernel_sbat = { 0 };
	const struct pe_section *s;
	size_t zeros;

	if ((s = pe_find_section(&b->stub, ".sbat")))
		stub_sbat.data = pe_section_data(&b->stub, s, &stub_sbat.len, &zeros);
	if ((s = pe_find_section(&b->kernel, ".sbat")))
		kernel_sbat.data = pe_section_data(&b->kernel, s, &kernel_sbat.len, &zeros);
	if (!stub_sbat.data)
		stub_sbat.len = 0;
	if (!kernel_sbat.data)
		kernel_sbat.len = 0;
	return uki_sbat_build(&stub_sbat, &kernel_sbat, &b->in->sbat,
			      b->in->sbat_name ? b->in->sbat_name : "SBAT data", &b->sbat,
			      &b->sbat_len, reterr);
}

static void add_part(struct build *b, enum uki_section sec, const void *data, size_t len)
{
	if (!len)
		return;
	b->one[sec] = (struct cvm_uki_blob){ .data = data, .len = len };
	b->parts[b->n_parts++] = (struct uki_part){ .sec = sec,
						    .name = uki_section_to_string(sec),
						    .pieces = &b->one[sec],
						    .n_pieces = 1,
						    .pad = 1,
						    .len = len };
}

/* The parts in placement order (.pcrsig once it has been computed). */
static void collect_parts(struct build *b)
{
	b->n_parts = 0;
	const struct cvm_uki_input *in = b->in;
	const struct cvm_uki_blob *pcrpkey = in->pcrpkey.len ? &in->pcrpkey : NULL;

	add_part(b, UKI_OSREL, in->osrel.data, in->osrel.len);
	add_part(b, UKI_CMDLINE, in->cmdline, in->cmdline ? strlen(in->cmdline) : 0);
	add_part(b, UKI_DTB, in->dtb.data, in->dtb.len);
	add_part(b, UKI_UNAME, b->uname, strlen(b->uname));
	add_part(b, UKI_SPLASH, in->splash.data, in->splash.len);
	add_part(b, UKI_PCRSIG, b->pcrsig, b->pcrsig_len);
	if (pcrpkey)
		add_part(b, UKI_PCRPKEY, pcrpkey->data, pcrpkey->len);
	else
		add_part(b, UKI_PCRPKEY, b->pcrpkey, b->pcrpkey_len);
	if (in->n_initrds) {
		struct uki_part *p = &b->parts[b->n_parts++];

		*p = (struct uki_part){ .sec = UKI_INITRD,
					.name = ".initrd",
					.pieces = in->initrds,
					.n_pieces = in->n_initrds,
					.pad = 4 };
		p->len = uki_part_len(p);
	}
	for (size_t i = 0; i < in->n_extra; i++)
		b->parts[b->n_parts++] = (struct uki_part){ .sec = UKI_INVALID,
							    .name = in->extra[i].name,
							    .pieces = &in->extra[i].data,
							    .n_pieces = 1,
							    .pad = 1,
							    .len = in->extra[i].data.len };
	add_part(b, UKI_LINUX, in->kernel.data, in->kernel.len);
	add_part(b, UKI_SBAT, b->sbat, b->sbat_len);
}

/* A size check before anything is hashed or allocated: PE fields are 32-bit. */
static int check_sizes(const struct build *b, cvm_err *reterr)
{
	uint64_t total = b->stub_len;

	for (size_t i = 0; i < b->n_parts; i++) {
		const struct uki_part *p = &b->parts[i];

		if (p->len > CVM_UKI_MAX_SIZE)
			return cvm_err_set(reterr, -EFBIG,
					   "section '%s' is too large for PE "
					   "(%llu bytes, limit %llu)",
					   p->name, (unsigned long long)p->len, CVM_UKI_MAX_SIZE);
		total += p->len;
	}
	if (total > CVM_UKI_MAX_SIZE)
		return cvm_err_set(reterr, -EFBIG,
				   "the UKI would be larger than the 4 GiB PE limit (%llu bytes of "
				   "parts)",
				   (unsigned long long)total);
	return 0;
}

/* .pcrsig: the signed PCR 11 policy for the sections this stub measures. */
static int make_pcrsig(struct build *b, cvm_err *reterr)
{
	const struct cvm_uki_input *in = b->in;
	const struct uki_part *by_sec[UKI__COUNT] = { 0 };
	uint8_t pcr[CVM_UKI_PHASES + 1][CVM_SHA512_LEN];
	const char *version;
	size_t vlen;
	unsigned mask = uki_stub_measured_mask(&b->stub, &version, &vlen);

	cvm_log_debug(CVM_LOG_BOOT, "stub version %.*s: PCR 11 section mask 0x%x", (int)vlen,
		      version ? version : "", mask);
	for (size_t i = 0; i < b->n_parts; i++)
		if (b->parts[i].sec != UKI_INVALID)
			by_sec[b->parts[i].sec] = &b->parts[i];
	if (uki_pcr11(by_sec, mask, CVM_HASH_SHA256, pcr) < 0)
		return cvm_err_set(reterr, -ENOMEM, "cannot compute PCR 11");
	return uki_pcrsig_build(pcr, in->pcr_private_key_path, in->pcr_public_key_path, &b->pcrsig,
				&b->pcrsig_len, reterr);
}

static int prepare(struct build *b, cvm_err *reterr)
{
	const struct cvm_uki_input *in = b->in;
	int r;

	r = load_stub(b, reterr);
	if (r < 0 || (r = load_kernel(b, reterr)) < 0 || (r = make_sbat(b, reterr)) < 0)
		return r;
	if (in->pcr_public_key_path && !in->pcrpkey.len) {
		r = cvm_read_file(in->pcr_public_key_path, CVM_UKI_STUB_MAX_SIZE,
				  (uint8_t **)&b->pcrpkey, &b->pcrpkey_len, reterr);
		if (r < 0)
			return r;
	}
	collect_parts(b);
	r = check_sizes(b, reterr);
	if (r < 0)
		return r;
	if (in->pcr_private_key_path) {
		r = make_pcrsig(b, reterr);
		if (r < 0)
			return r;
		collect_parts(b);
	}
	return 0;
}

/* Check, gather the parts and write the UKI to @sink: the one path of both entry points. */
static int run(const struct cvm_uki_input *in, struct uki_sink *sink, bool want_sha384,
	       struct uki_emitted *ret, cvm_err *reterr)
{
	CVM_CLEANUP(build_done) struct build *b = NULL;
	struct uki_emit_params p;
	int r;

	r = check_input(in, reterr);
	if (r < 0)
		return r;
	b = calloc(1, sizeof(*b));
	if (!b)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	b->in = in;
	b->stub_path = in->stub_path ? in->stub_path : CVM_UKI_DEFAULT_STUB;
	b->kernel_name = in->kernel_name ? in->kernel_name : "kernel";
	r = prepare(b, reterr);
	if (r < 0)
		return r;
	p = (struct uki_emit_params){ .stub = &b->stub,
				      .stub_name = b->stub_path,
				      .parts = b->parts,
				      .n_parts = b->n_parts,
				      .sb_key_path = in->sb_key_path,
				      .sb_cert_path = in->sb_cert_path,
				      .source_date_epoch = in->source_date_epoch,
				      .want_sha384 = want_sha384 };
	r = uki_emit(&p, sink, ret, reterr);
	if (r < 0)
		return r;
	cvm_log_debug(CVM_LOG_BOOT, "UKI of %llu bytes in %zu sections added to '%s'",
		      (unsigned long long)ret->size, b->n_parts, b->stub_path);
	return 0;
}

CVM_PUBLIC int cvm_uki_build(const struct cvm_uki_input *in, uint8_t **ret_uki, size_t *ret_len,
			     cvm_err *reterr)
{
	struct uki_sink sink = { .fd = -1, .name = "UKI" };
	struct uki_emitted done;
	int r;

	CVM_CHECK_ARG(in && ret_uki && ret_len, reterr);
	r = run(in, &sink, false, &done, reterr);
	if (r < 0) {
		free(sink.buf);
		return r;
	}
	*ret_len = (size_t)done.size;
	*ret_uki = sink.buf;
	return 0;
}

CVM_PUBLIC int cvm_uki_write(const struct cvm_uki_input *in, int fd, struct cvm_uki_result *ret,
			     cvm_err *reterr)
{
	struct uki_sink sink = { .fd = fd };
	struct uki_emitted done;
	struct stat st;
	int r, flags;

	CVM_CHECK_ARG(in && fd >= 0, reterr);
	sink.name = in->output_name ? in->output_name : "UKI";
	if (fstat(fd, &st) < 0 || (flags = fcntl(fd, F_GETFL)) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot examine '%s'", sink.name);
	/* pwrite() needs a regular file; with O_APPEND, Linux would append anyway */
	if (!S_ISREG(st.st_mode) || (flags & O_APPEND) || (flags & O_ACCMODE) == O_RDONLY)
		return cvm_err_set(reterr, -EINVAL,
				   "'%s' must be a regular file open for writing without O_APPEND",
				   sink.name);
	r = run(in, &sink, ret != NULL, &done, reterr);
	if (r < 0)
		return r;
	if ((uint64_t)st.st_size > done.size && ftruncate(fd, (off_t)done.size) < 0)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot truncate '%s'", sink.name);
	if (ret) {
		*ret = (struct cvm_uki_result){ .size = done.size };
		memcpy(ret->authenticode_sha256, done.sha256, sizeof(done.sha256));
		memcpy(ret->authenticode_sha384, done.sha384, sizeof(done.sha384));
	}
	return 0;
}
