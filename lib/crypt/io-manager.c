/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The encrypting io_manager (see crypt-io.h). Layout of the work:
 *  - byte ranges from libext2fs (block * block_size, or -count bytes) are
 *    split into 4096-byte sectors of the LUKS2 segment;
 *  - large aligned writes (file data) are encrypted in batches and written
 *    with one pwrite per batch;
 *  - small writes (inodes, bitmaps, directory blocks) go through a small
 *    write-back cache of plaintext sectors, because libext2fs rewrites the
 *    same inode-table block once per inode change;
 *  - a sparse bitmap remembers which sectors hold ciphertext.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "crypt/io-manager.h"
#include "util/pio.h"
#include "crypt/xts.h"

#define SECTOR	       CVM_XTS_SECTOR
#define CRYPT_IO_MAGIC 0x63766d63 /* "cvmc" */
#define CACHE_SLOTS    64u
#define BATCH_SECTORS  256u   /* 1 MiB per pwrite */
#define BYPASS_SECTORS 4u     /* writes of at least this many sectors skip the cache */
#define CHUNK_SECTORS  32768u /* sectors per bitmap chunk (4 KiB of bits) */

struct slot {
	uint64_t sector;
	bool valid;
	bool dirty;
	uint8_t *data;
};

struct crypt_io {
	uint32_t magic;
	int fd;
	uint64_t offset;
	uint64_t nsectors;
	struct cvm_xts *xts;
	cvm_crypt_io_observer observe;
	void *observe_data;
	uint64_t **written; /* chunk pointers, allocated when first touched */
	uint64_t nchunks;
	uint64_t sectors_written;
	struct slot cache[CACHE_SLOTS];
	uint8_t *cache_mem;
	uint8_t *batch;
	struct struct_io_stats stats;
};

/* Parameters waiting for the next open (cvm_crypt_io_prepare). */
static struct {
	bool set;
	int fd;
	uint64_t offset, size;
	uint8_t *key; /* secure memory */
	cvm_crypt_io_observer observe;
	void *observe_data;
} pending;

void cvm_crypt_io_unprepare(void)
{
	cvm_secret_free(pending.key);
	memset(&pending, 0, sizeof(pending));
}

int cvm_crypt_io_prepare(const struct cvm_crypt_io_params *p, cvm_err *reterr)
{
	if (!p || p->fd < 0 || !p->key || p->offset % SECTOR || p->size % SECTOR || !p->size)
		return cvm_err_set(reterr, -EINVAL, "invalid parameters for the encrypting writer");
	cvm_crypt_io_unprepare();
	pending.key = cvm_secret_alloc(CVM_XTS_KEY_SIZE);
	if (!pending.key)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	memcpy(pending.key, p->key, CVM_XTS_KEY_SIZE);
	pending.fd = p->fd;
	pending.offset = p->offset;
	pending.size = p->size;
	pending.observe = p->observe;
	pending.observe_data = p->observe_data;
	pending.set = true;
	return 0;
}

static struct crypt_io *priv(io_channel ch)
{
	struct crypt_io *c;

	if (!ch || ch->magic != EXT2_ET_MAGIC_IO_CHANNEL)
		return NULL;
	c = ch->private_data;
	return c && c->magic == CRYPT_IO_MAGIC ? c : NULL;
}

/* --- the written-sector bitmap --- */

static bool is_written(struct crypt_io *c, uint64_t s)
{
	uint64_t *chunk = c->written[s / CHUNK_SECTORS];
	uint64_t bit = s % CHUNK_SECTORS;

	return chunk && (chunk[bit / 64] >> (bit % 64)) & 1;
}

static errcode_t mark_written(struct crypt_io *c, uint64_t s, uint64_t n)
{
	for (; n; s++, n--) {
		uint64_t **chunk = &c->written[s / CHUNK_SECTORS];
		uint64_t bit = s % CHUNK_SECTORS;

		if (!*chunk && !(*chunk = calloc(CHUNK_SECTORS / 64, sizeof(uint64_t))))
			return EXT2_ET_NO_MEMORY;
		if (!((*chunk)[bit / 64] >> (bit % 64) & 1))
			c->sectors_written++;
		(*chunk)[bit / 64] |= UINT64_C(1) << (bit % 64);
	}
	return 0;
}

/* --- raw sector I/O: encrypt/decrypt at the segment position --- */

static errcode_t put_sectors(struct crypt_io *c, uint64_t s, const uint8_t *plain, uint64_t n)
{
	while (n) {
		uint64_t k = n < BATCH_SECTORS ? n : BATCH_SECTORS;
		int r;

		if (c->observe && c->observe(c->observe_data, s, plain, k) < 0)
			return EXT2_ET_NO_MEMORY;
		if (cvm_xts_crypt(c->xts, true, s * SECTOR, plain, c->batch, k * SECTOR) < 0)
			return EXT2_ET_SHORT_WRITE;
		r = cvm_pwrite_full(c->fd, c->batch, k * SECTOR, c->offset + s * SECTOR);
		if (r < 0)
			return (errcode_t)-r;
		r = (int)mark_written(c, s, k);
		if (r)
			return (errcode_t)r;
		c->stats.bytes_written += k * SECTOR;
		s += k;
		plain += k * SECTOR;
		n -= k;
	}
	return 0;
}

static errcode_t get_sector(struct crypt_io *c, uint64_t s, uint8_t *out)
{
	int r;

	if (!is_written(c, s)) {
		memset(out, 0, SECTOR);
		return 0;
	}
	r = cvm_pread_full(c->fd, out, SECTOR, c->offset + s * SECTOR);
	if (r < 0)
		return (errcode_t)-r;
	c->stats.bytes_read += SECTOR;
	return cvm_xts_crypt(c->xts, false, s * SECTOR, out, out, SECTOR) < 0 ? EXT2_ET_SHORT_READ
									      : 0;
}

/* --- the write-back cache of plaintext sectors --- */

static errcode_t slot_flush(struct crypt_io *c, struct slot *sl)
{
	errcode_t e;

	if (!sl->valid || !sl->dirty)
		return 0;
	e = put_sectors(c, sl->sector, sl->data, 1);
	if (!e)
		sl->dirty = false;
	return e;
}

static errcode_t cache_flush(struct crypt_io *c)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		errcode_t e = slot_flush(c, &c->cache[i]);

		if (e)
			return e;
	}
	return 0;
}

/* The slot holding sector @s, loaded unless @overwrite (the caller fills all of it). */
static errcode_t cache_get(struct crypt_io *c, uint64_t s, bool overwrite, struct slot **ret)
{
	struct slot *sl = &c->cache[s % CACHE_SLOTS];
	errcode_t e;

	if (sl->valid && sl->sector == s) {
		*ret = sl;
		return 0;
	}
	e = slot_flush(c, sl);
	if (e)
		return e;
	sl->valid = false;
	if (!overwrite && (e = get_sector(c, s, sl->data)))
		return e;
	sl->sector = s;
	sl->valid = true;
	sl->dirty = false;
	*ret = sl;
	return 0;
}

/* A large write replaces these sectors: cached copies are stale. */
static void cache_drop(struct crypt_io *c, uint64_t s, uint64_t n)
{
	for (unsigned i = 0; i < CACHE_SLOTS; i++) {
		struct slot *sl = &c->cache[i];

		if (sl->valid && sl->sector >= s && sl->sector - s < n)
			sl->valid = sl->dirty = false;
	}
}

/* --- byte ranges --- */

static errcode_t range_of(io_channel ch, struct crypt_io *c, unsigned long long block, int count,
			  uint64_t *off, uint64_t *len)
{
	*len = count < 0 ? (uint64_t) - (int64_t)count : (uint64_t)count * (uint64_t)ch->block_size;
	*off = block * (uint64_t)ch->block_size;
	if (*off / SECTOR >= c->nsectors || *len > c->nsectors * SECTOR - *off)
		return EFBIG; /* past the end of the segment */
	return 0;
}

static errcode_t crypt_read(io_channel ch, unsigned long long block, int count, void *data)
{
	struct crypt_io *c = priv(ch);
	uint8_t *out = data;
	uint64_t off, len;
	errcode_t e;

	if (!c)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if ((e = range_of(ch, c, block, count, &off, &len)))
		return e;
	while (len) {
		uint64_t s = off / SECTOR, in = off % SECTOR;
		uint64_t k = SECTOR - in < len ? SECTOR - in : len;
		struct slot *sl = &c->cache[s % CACHE_SLOTS];

		if (sl->valid && sl->sector == s) {
			memcpy(out, sl->data + in, k);
		} else if (k == SECTOR) {
			if ((e = get_sector(c, s, out)))
				return e;
		} else {
			if ((e = cache_get(c, s, false, &sl)))
				return e;
			memcpy(out, sl->data + in, k);
		}
		off += k;
		out += k;
		len -= k;
	}
	return 0;
}

static errcode_t crypt_write(io_channel ch, unsigned long long block, int count, const void *data)
{
	struct crypt_io *c = priv(ch);
	const uint8_t *in = data;
	uint64_t off, len;
	errcode_t e;

	if (!c)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if ((e = range_of(ch, c, block, count, &off, &len)))
		return e;
	if (off % SECTOR == 0 && len % SECTOR == 0 && len / SECTOR >= BYPASS_SECTORS) {
		cache_drop(c, off / SECTOR, len / SECTOR);
		return put_sectors(c, off / SECTOR, in, len / SECTOR);
	}
	while (len) {
		uint64_t s = off / SECTOR, at = off % SECTOR;
		uint64_t k = SECTOR - at < len ? SECTOR - at : len;
		struct slot *sl;

		if ((e = cache_get(c, s, k == SECTOR, &sl)))
			return e;
		memcpy(sl->data + at, in, k);
		sl->dirty = true;
		off += k;
		in += k;
		len -= k;
	}
	return 0;
}

static errcode_t crypt_read32(io_channel ch, unsigned long block, int count, void *data)
{
	return crypt_read(ch, block, count, data);
}

static errcode_t crypt_write32(io_channel ch, unsigned long block, int count, const void *data)
{
	return crypt_write(ch, block, count, data);
}

/* Encrypted zeros: a hole would decrypt to noise, not to zeros. */
static errcode_t crypt_zeroout(io_channel ch, unsigned long long block, unsigned long long count)
{
	struct crypt_io *c = priv(ch);
	CVM_CLEANUP_FREE uint8_t *zero = NULL;
	uint64_t per = BATCH_SECTORS * SECTOR / (uint64_t)ch->block_size;

	if (!c)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (ch->block_size % SECTOR)
		return EXT2_ET_UNIMPLEMENTED;
	zero = calloc(BATCH_SECTORS, SECTOR);
	if (!zero)
		return EXT2_ET_NO_MEMORY;
	while (count) {
		uint64_t k = count < per ? count : per;
		errcode_t e = crypt_write(ch, block, (int)k, zero);

		if (e)
			return e;
		block += k;
		count -= k;
	}
	return 0;
}

static errcode_t crypt_set_blksize(io_channel ch, int blksize)
{
	if (!priv(ch))
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	ch->block_size = blksize;
	return 0;
}

static errcode_t crypt_flush(io_channel ch)
{
	struct crypt_io *c = priv(ch);

	return c ? cache_flush(c) : EXT2_ET_MAGIC_IO_CHANNEL;
}

static errcode_t crypt_set_option(io_channel ch, const char *option, const char *arg)
{
	(void)ch;
	(void)option;
	(void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t crypt_get_stats(io_channel ch, io_stats *stats)
{
	struct crypt_io *c = priv(ch);

	if (!c)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	c->stats.num_fields = 2;
	*stats = &c->stats;
	return 0;
}

static void crypt_io_free(struct crypt_io *c)
{
	if (!c)
		return;
	cvm_xts_free(c->xts);
	for (uint64_t i = 0; c->written && i < c->nchunks; i++)
		free(c->written[i]);
	free(c->written);
	if (c->cache_mem)
		cvm_memzero(c->cache_mem, (size_t)CACHE_SLOTS * SECTOR);
	free(c->cache_mem);
	if (c->batch)
		cvm_memzero(c->batch, (size_t)BATCH_SECTORS * SECTOR);
	free(c->batch);
	free(c);
}

static errcode_t crypt_close(io_channel ch)
{
	struct crypt_io *c = priv(ch);
	errcode_t e;

	if (!c)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (--ch->refcount > 0)
		return 0;
	e = cache_flush(c);
	crypt_io_free(c);
	free(ch->name);
	free(ch);
	return e;
}

static errcode_t crypt_alloc(struct crypt_io **ret)
{
	struct crypt_io *c = calloc(1, sizeof(*c));

	if (!c)
		return EXT2_ET_NO_MEMORY;
	c->magic = CRYPT_IO_MAGIC;
	c->fd = pending.fd;
	c->offset = pending.offset;
	c->nsectors = pending.size / SECTOR;
	c->observe = pending.observe;
	c->observe_data = pending.observe_data;
	c->nchunks = (c->nsectors + CHUNK_SECTORS - 1) / CHUNK_SECTORS;
	c->written = calloc(c->nchunks, sizeof(*c->written));
	c->cache_mem = calloc(CACHE_SLOTS, SECTOR);
	c->batch = malloc((size_t)BATCH_SECTORS * SECTOR);
	if (!c->written || !c->cache_mem || !c->batch ||
	    cvm_xts_new(pending.key, &c->xts, NULL) < 0) {
		crypt_io_free(c);
		return EXT2_ET_NO_MEMORY;
	}
	for (unsigned i = 0; i < CACHE_SLOTS; i++)
		c->cache[i].data = c->cache_mem + (size_t)i * SECTOR;
	*ret = c;
	return 0;
}

static errcode_t crypt_open(const char *name, int flags, io_channel *ret)
{
	struct crypt_io *c = NULL;
	io_channel ch;
	errcode_t e;

	(void)flags;
	if (!pending.set)
		return EXT2_ET_BAD_DEVICE_NAME;
	e = crypt_alloc(&c);
	cvm_crypt_io_unprepare(); /* the key now lives only in the cipher contexts */
	if (e)
		return e;
	ch = calloc(1, sizeof(*ch));
	if (!ch || !(ch->name = strdup(name ? name : ""))) {
		free(ch);
		crypt_io_free(c);
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = cvm_crypt_io_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = c;
	*ret = ch;
	return 0;
}

static struct struct_io_manager crypt_io_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "cvmimg AES-XTS I/O manager",
    .open = crypt_open,
    .close = crypt_close,
    .set_blksize = crypt_set_blksize,
    .read_blk = crypt_read32,
    .write_blk = crypt_write32,
    .flush = crypt_flush,
    .set_option = crypt_set_option,
    .get_stats = crypt_get_stats,
    .read_blk64 = crypt_read,
    .write_blk64 = crypt_write,
    .zeroout = crypt_zeroout,
};

io_manager cvm_crypt_io_manager = &crypt_io_manager;

uint64_t cvm_crypt_io_sectors_written(io_channel ch)
{
	struct crypt_io *c = priv(ch);

	return c ? c->sectors_written : 0;
}

int cvm_crypt_io_wipe_first(io_channel ch, uint64_t nsectors, cvm_crypt_io_wipe_progress progress,
			    void *userdata, cvm_err *reterr)
{
	struct crypt_io *c = priv(ch);
	CVM_CLEANUP_FREE uint8_t *zero = calloc(BATCH_SECTORS, SECTOR);
	uint64_t end;
	errcode_t e;

	if (!c)
		return cvm_err_set(reterr, -EINVAL, "not an encrypting channel");
	if (!zero)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((e = cache_flush(c)))
		return cvm_err_set(reterr, -EIO, "cannot write the image: %s", error_message(e));
	end = nsectors < c->nsectors ? nsectors : c->nsectors;
	for (uint64_t s = 0; s < end;) {
		uint64_t n = 0;

		while (s < end && is_written(c, s))
			s++;
		while (s + n < end && n < BATCH_SECTORS && !is_written(c, s + n))
			n++;
		if (n && (e = put_sectors(c, s, zero, n)))
			return cvm_err_set(reterr, -EIO, "cannot wipe the image: %s",
					   error_message(e));
		s += n;
		if (progress && (n || s >= end) && progress(s, end, userdata))
			return cvm_err_set(reterr, -ECANCELED, "cancelled");
	}
	return 0;
}

int cvm_crypt_io_wipe(io_channel ch, cvm_crypt_io_wipe_progress progress, void *userdata,
		      cvm_err *reterr)
{
	return cvm_crypt_io_wipe_first(ch, UINT64_MAX, progress, userdata, reterr);
}
