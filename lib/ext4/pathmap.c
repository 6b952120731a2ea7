/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util/endian.h"
#include "ext4/pathmap.h"

struct slot {
	uint64_t hash; /* 0: empty */
	uint32_t ino;
	uint8_t type;
};

struct cvm_pathmap {
	uint8_t key[16];
	struct slot *slots;
	size_t cap; /* a power of two */
	size_t count;
};

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sipround(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

uint64_t cvm_siphash24(const uint8_t key[16], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t k0 = cvm_le64(key), k1 = cvm_le64(key + 8);
	uint64_t v[4] = {k0 ^ 0x736f6d6570736575ULL, k1 ^ 0x646f72616e646f6dULL,
			 k0 ^ 0x6c7967656e657261ULL, k1 ^ 0x7465646279746573ULL};
	uint64_t m, b = (uint64_t)len << 56;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = cvm_le64(p + i);
		v[3] ^= m;
		sipround(v);
		sipround(v);
		v[0] ^= m;
	}
	for (size_t j = 0; i + j < len; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sipround(v);
	sipround(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t key_hash(const struct cvm_pathmap *m, uint32_t parent, const char *name, size_t len)
{
	uint8_t key[16];
	uint64_t h;

	/* the parent inode is folded into the key, so no buffer is built per lookup */
	memcpy(key, m->key, 16);
	cvm_put_le32(key, cvm_le32(key) ^ parent);
	h = cvm_siphash24(key, name, len);
	return h ? h : 1;
}

struct cvm_pathmap *cvm_pathmap_new(void)
{
	struct cvm_pathmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->cap = 1024;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots || RAND_bytes(m->key, sizeof(m->key)) != 1)
		return cvm_pathmap_free(m);
	return m;
}

struct cvm_pathmap *cvm_pathmap_free(struct cvm_pathmap *m)
{
	if (m)
		free(m->slots);
	free(m);
	return NULL;
}

static struct slot *find(const struct cvm_pathmap *m, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);

	while (m->slots[i].hash && m->slots[i].hash != h)
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

int cvm_pathmap_get(const struct cvm_pathmap *m, uint32_t parent, const char *name, size_t len,
		    uint32_t *ret_ino, uint8_t *ret_type)
{
	struct slot *s = find(m, key_hash(m, parent, name, len));

	if (!s->hash)
		return 0;
	*ret_ino = s->ino;
	*ret_type = s->type;
	return 1;
}

static int grow(struct cvm_pathmap *m)
{
	struct slot *old = m->slots;
	size_t oldcap = m->cap;

	if (m->cap > SIZE_MAX / 2 / sizeof(*old))
		return -ENOMEM;
	m->slots = calloc(m->cap * 2, sizeof(*old));
	if (!m->slots) {
		m->slots = old;
		return -ENOMEM;
	}
	m->cap *= 2;
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].hash)
			*find(m, old[i].hash) = old[i];
	free(old);
	return 0;
}

int cvm_pathmap_put(struct cvm_pathmap *m, uint32_t parent, const char *name, size_t len,
		    uint32_t ino, uint8_t type)
{
	uint64_t h = key_hash(m, parent, name, len);
	struct slot *s;

	if ((m->count + 1) * 4 > m->cap * 3 && grow(m) < 0)
		return -ENOMEM;
	s = find(m, h);
	if (!s->hash)
		m->count++;
	*s = (struct slot){.hash = h, .ino = ino, .type = type};
	return 0;
}

size_t cvm_pathmap_count(const struct cvm_pathmap *m)
{
	return m->count;
}
