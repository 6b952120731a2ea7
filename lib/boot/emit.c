/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The UKI written in one pass, never whole in memory: `cvmimg build` holds the
 * kernel and initrd in memory already, and a second copy of them inside a UKI
 * buffer was most of its peak memory. Everything that depends on the finished
 * bytes is computed as they go out. The PE checksum is a sum of 16-bit words
 * with end-around carry, so the order of the bytes does not matter and the
 * fields patched at the end are added when they are written. The Authenticode
 * digest skips exactly those fields (CheckSum, the Certificate Table entry)
 * and the certificate table, so it is final when the last section is out.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>

#include "boot/emit.h"
#include "boot/pe-layout.h"
#include "boot/sign.h"
#include "util/endian.h"
#include "util/pio.h"

struct emit {
	const struct uki_emit_params *p;
	struct uki_sink *sink;
	struct uki_layout layout;
	struct uki_signer signer;
	struct cvm_hash_ctx *sha256, *sha384;
	uint64_t csum;	     /* the sum of the little-endian words written */
	uint32_t hole[2][2]; /* [start, end) of the fields Authenticode skips */
	uint64_t hashed_end; /* the end of the last section */
};

static void emit_done(struct emit **ep)
{
	struct emit *e = *ep;

	if (!e)
		return;
	uki_signer_clear(&e->signer);
	cvm_hash_free(e->sha256);
	cvm_hash_free(e->sha384);
	free(e);
}

/* Bytes at even offsets are the low halves of the words, those at odd offsets the high. */
static uint64_t csum_add(uint64_t sum, uint64_t off, const uint8_t *p, size_t n)
{
	size_t i = 0;

	if (n && off % 2) {
		sum += (uint64_t)p[0] << 8;
		i = 1;
	}
	for (; i + 1 < n; i += 2)
		sum += cvm_le16(p + i);
	if (i < n)
		sum += p[i];
	return sum;
}

/* The final value, as imagehlp's sequential fold (same residue mod 0xffff, 0 only for 0). */
static uint32_t csum_final(uint64_t sum, uint64_t len)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)(sum + len);
}

/* @n bytes of @data, or zeros if it is NULL, into each digest. */
static int hash_run(struct emit *e, const uint8_t *data, size_t n)
{
	struct cvm_hash_ctx *c[2] = { e->sha256, e->sha384 };

	for (size_t i = 0; i < 2 && c[i]; i++)
		if ((data ? cvm_hash_update(c[i], data, n) : cvm_hash_zeros(c[i], n)) < 0)
			return -ENOMEM;
	return 0;
}

/* Feed the Authenticode digests the bytes at @off it covers. */
static int hash_at(struct emit *e, uint64_t off, const uint8_t *data, size_t n)
{
	while (n) {
		uint64_t k = off < e->hashed_end ? e->hashed_end - off : n;
		bool skip = off >= e->hashed_end;

		for (size_t h = 0; h < 2; h++) {
			if (off >= e->hole[h][0] && off < e->hole[h][1]) {
				skip = true;
				k = e->hole[h][1] - off < k ? e->hole[h][1] - off : k;
			} else if (off < e->hole[h][0] && e->hole[h][0] - off < k) {
				k = e->hole[h][0] - off;
			}
		}
		if (k > n)
			k = n;
		if (!skip && hash_run(e, data, (size_t)k) < 0)
			return -ENOMEM;
		off += k;
		n -= (size_t)k;
		if (data)
			data += k;
	}
	return 0;
}

static int sink_pwrite(struct uki_sink *s, uint64_t off, const uint8_t *data, size_t n)
{
	static const uint8_t zero[4096];

	if (s->fd < 0) {
		if (data)
			memcpy(s->buf + off, data, n);
		else
			memset(s->buf + off, 0, n);
		return 0;
	}
	if (data)
		return cvm_pwrite_full(s->fd, data, n, off);
	while (n) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);
		int r = cvm_pwrite_full(s->fd, zero, k, off);

		if (r < 0)
			return r;
		off += k;
		n -= k;
	}
	return 0;
}

/* Append @n bytes (zeros if @data is NULL), hashing and summing them. */
static int put(struct emit *e, const uint8_t *data, size_t n)
{
	struct uki_sink *s = e->sink;
	int r;

	if (!n)
		return 0;
	if (hash_at(e, s->len, data, n) < 0)
		return -ENOMEM;
	if (data)
		e->csum = csum_add(e->csum, s->len, data, n);
	r = sink_pwrite(s, s->len, data, n);
	if (r < 0)
		return r;
	s->len += n;
	return 0;
}

static int put_run(void *userdata, const uint8_t *data, size_t len)
{
	return put(userdata, data, len);
}

static int put_headers(struct emit *e)
{
	const struct uki_emit_params *p = e->p;
	CVM_CLEANUP_FREE uint8_t *h = malloc(e->layout.soh);

	if (!h)
		return -ENOMEM;
	uki_layout_headers(&e->layout, p->stub, p->parts, p->n_parts, h);
	/* patch() adds to the checksum what it writes over zeros */
	if (p->sb_key_path)
		memset(h + e->hole[1][0], 0, 8);
	return put(e, h, e->layout.soh);
}

/* The sections in file order: the stub's, re-packed, then the parts. */
static int put_sections(struct emit *e)
{
	const struct uki_layout *l = &e->layout;
	const struct uki_emit_params *p = e->p;
	int r;

	for (size_t i = 0; i < l->n_file_order; i++) {
		size_t k = l->file_order[i];
		const struct pe_section *s = &p->stub->sections[l->keep[k]];

		if (e->sink->len != l->keep_ptr[k])
			return -ENOTRECOVERABLE;
		if ((r = put(e, p->stub->data + s->raw_ptr, s->raw_size)) < 0 ||
		    (r = put(e, NULL, l->keep_raw[k] - s->raw_size)) < 0)
			return r;
	}
	for (size_t i = 0; i < p->n_parts; i++) {
		if (e->sink->len != l->part_ptr[i])
			return -ENOTRECOVERABLE;
		if ((r = uki_part_walk(&p->parts[i], put_run, e)) < 0 ||
		    (r = put(e, NULL, l->part_raw[i] - (size_t)p->parts[i].len)) < 0)
			return r;
	}
	return e->sink->len == l->file_len ? 0 : -ENOTRECOVERABLE;
}

/* Write @n bytes over the zeros at @off, and add them to the checksum. */
static int patch(struct emit *e, uint64_t off, const uint8_t *data, size_t n)
{
	e->csum = csum_add(e->csum, off, data, n);
	return sink_pwrite(e->sink, off, data, n);
}

/*
 * The certificate table after the sections (8-byte aligned, as it must be: the
 * sections end at FileAlignment, at least 512), and DataDirectory[4] pointing at it.
 */
static int put_signature(struct emit *e, const uint8_t digest[CVM_SHA256_LEN], cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *table = NULL;
	uint64_t at = e->sink->len;
	uint8_t dir[8];
	size_t len;
	int r;

	r = uki_sb_cert_table(&e->signer, digest, e->p->source_date_epoch, &table, &len, reterr);
	if (r < 0)
		return r;
	if (at + len > UINT32_MAX)
		return cvm_err_set(reterr, -EFBIG, "the signed image would exceed 4 GiB");
	if (e->sink->fd < 0) {
		uint8_t *b = realloc(e->sink->buf, (size_t)(at + len));

		if (!b)
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		e->sink->buf = b;
	}
	cvm_put_le32(dir, (uint32_t)at);
	cvm_put_le32(dir + 4, (uint32_t)len);
	if ((r = put(e, table, len)) < 0 || (r = patch(e, e->hole[1][0], dir, 8)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", e->sink->name);
	return 0;
}

/* Plan, load the signer, check the stub can be signed, and get the sink and hashes ready. */
static int start(struct emit *e, cvm_err *reterr)
{
	const struct uki_emit_params *p = e->p;
	const struct pe_image *stub = p->stub;
	int r;

	r = uki_layout_plan(stub, p->stub_name, p->parts, p->n_parts, &e->layout, reterr);
	if (r < 0)
		return r;
	if (p->sb_key_path) {
		r = uki_signer_load(p->sb_key_path, p->sb_cert_path, &e->signer, reterr);
		if (r < 0)
			return r;
		if (stub->n_dirs <= PE_DIR_SECURITY)
			return cvm_err_set(reterr, -EINVAL,
					   "'%s' has no certificate table entry to sign",
					   p->stub_name);
	}
	e->hole[0][0] = pe_checksum_off(stub);
	e->hole[0][1] = e->hole[0][0] + 4;
	if (stub->n_dirs > PE_DIR_SECURITY) {
		e->hole[1][0] = stub->dir_off + 8 * PE_DIR_SECURITY;
		e->hole[1][1] = e->hole[1][0] + 8;
	}
	e->hashed_end = e->layout.file_len;
	if (cvm_hash_new(CVM_HASH_SHA256, &e->sha256) < 0 ||
	    (p->want_sha384 && cvm_hash_new(CVM_HASH_SHA384, &e->sha384) < 0))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	e->sink->len = 0;
	if (e->sink->fd < 0 && !(e->sink->buf = malloc((size_t)e->layout.file_len)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory for a %llu-byte UKI",
				   (unsigned long long)e->layout.file_len);
	return 0;
}

int uki_emit(const struct uki_emit_params *p, struct uki_sink *sink, struct uki_emitted *ret,
	     cvm_err *reterr)
{
	CVM_CLEANUP(emit_done) struct emit *e = calloc(1, sizeof(*e));
	uint8_t sha256[CVM_SHA256_LEN], sha384[CVM_SHA384_LEN], cks[4];
	int r;

	if (!e)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	e->p = p;
	e->sink = sink;
	r = start(e, reterr);
	if (r < 0)
		return r;
	if ((r = put_headers(e)) < 0 || (r = put_sections(e)) < 0)
		return r == -ENOTRECOVERABLE
			   ? cvm_err_set(reterr, r, "the UKI layout has a gap (a bug)")
			   : cvm_err_set_errno(reterr, r, "cannot write '%s'", sink->name);
	if (cvm_hash_final(e->sha256, sha256) < 0 ||
	    (e->sha384 && cvm_hash_final(e->sha384, sha384) < 0))
		return cvm_err_set(reterr, -ENOMEM, "cannot hash the UKI");
	if (p->sb_key_path && (r = put_signature(e, sha256, reterr)) < 0)
		return r;
	cvm_put_le32(cks, csum_final(e->csum, sink->len));
	if ((r = sink_pwrite(sink, e->hole[0][0], cks, 4)) < 0)
		return cvm_err_set_errno(reterr, r, "cannot write '%s'", sink->name);
	ret->size = sink->len;
	memcpy(ret->sha256, sha256, sizeof(sha256));
	if (e->sha384)
		memcpy(ret->sha384, sha384, sizeof(sha384));
	else
		memset(ret->sha384, 0, sizeof(ret->sha384));
	return 0;
}
