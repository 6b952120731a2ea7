/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>
#include <string.h>

#include "boot/der.h"

void der_free(struct der *d)
{
	free(d->buf);
	d->buf = NULL;
}

static bool reserve(struct der *d, size_t n)
{
	uint8_t *b;
	size_t cap;

	if (d->failed)
		return false;
	if (d->len + n <= d->cap)
		return true;
	cap = (d->len + n) * 2 + 64;
	b = realloc(d->buf, cap);
	if (!b) {
		d->failed = true;
		return false;
	}
	d->buf = b;
	d->cap = cap;
	return true;
}

void der_raw(struct der *d, const void *p, size_t n)
{
	if (!n || !reserve(d, n))
		return;
	memcpy(d->buf + d->len, p, n);
	d->len += n;
}

size_t der_open(struct der *d, uint8_t tag)
{
	der_raw(d, &tag, 1);
	return d->len;
}

/* Definite length: short form below 128, else 0x8N and N big-endian bytes. */
static size_t encode_len(size_t n, uint8_t out[9])
{
	size_t k = 0;

	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	for (size_t v = n; v; v >>= 8)
		k++;
	out[0] = (uint8_t)(0x80 | k);
	for (size_t i = 0; i < k; i++)
		out[1 + i] = (uint8_t)(n >> (8 * (k - 1 - i)));
	return 1 + k;
}

void der_close(struct der *d, size_t start)
{
	uint8_t hdr[9];
	size_t n, h;

	if (d->failed)
		return;
	n = d->len - start;
	h = encode_len(n, hdr);
	if (!reserve(d, h))
		return;
	memmove(d->buf + start + h, d->buf + start, n);
	memcpy(d->buf + start, hdr, h);
	d->len += h;
}

void der_prim(struct der *d, uint8_t tag, const void *p, size_t n)
{
	size_t at = der_open(d, tag);

	der_raw(d, p, n);
	der_close(d, at);
}

/* Base-128 big-endian, high bit set on all but the last byte. */
static void put_base128(struct der *d, unsigned long v)
{
	uint8_t tmp[8];
	size_t k = 0;

	do {
		tmp[k++] = (uint8_t)(v & 0x7f);
		v >>= 7;
	} while (v && k < sizeof(tmp));
	while (k--) {
		uint8_t b = tmp[k] | (k ? 0x80 : 0);

		der_raw(d, &b, 1);
	}
}

void der_oid(struct der *d, const char *dotted)
{
	size_t at = der_open(d, DER_OID);
	char *end;
	unsigned long first = strtoul(dotted, &end, 10), second = strtoul(end + 1, &end, 10);

	put_base128(d, first * 40 + second);
	while (*end == '.')
		put_base128(d, strtoul(end + 1, &end, 10));
	der_close(d, at);
}

void der_alg(struct der *d, const char *dotted)
{
	size_t at = der_open(d, DER_SEQUENCE);

	der_oid(d, dotted);
	der_prim(d, DER_NULL, NULL, 0);
	der_close(d, at);
}

size_t der_header_len(const uint8_t *p, size_t len)
{
	size_t k, n = 0;

	if (len < 2)
		return 0;
	if (!(p[1] & 0x80))
		return p[1] + 2u <= len ? 2 : 0;
	k = p[1] & 0x7f;
	if (k == 0 || k > sizeof(size_t) || 2 + k > len)
		return 0;
	for (size_t i = 0; i < k; i++)
		n = n << 8 | p[2 + i];
	return n <= len - 2 - k ? 2 + k : 0;
}

bool der_read(const uint8_t **p, size_t *len, uint8_t tag, const uint8_t **ret, size_t *ret_len)
{
	size_t h = der_header_len(*p, *len), n;

	if (!h || (*p)[0] != tag)
		return false;
	n = h == 2 ? (*p)[1] : 0;
	for (size_t i = 2; i < h; i++)
		n = n << 8 | (*p)[i];
	*ret = *p + h;
	*ret_len = n;
	*p += h + n;
	*len -= h + n;
	return true;
}
