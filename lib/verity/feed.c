/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Hashing the data blocks beside the writer (see tree.h). Layout of the work:
 * a ring of FEED_SLOTS slots, each room for FEED_SLOT_BLOCKS plaintext blocks
 * and their block numbers. The writer copies the blocks it is shown into the
 * slot it fills and hands the slot over when it is full (the last one at
 * finish); it waits only when every slot is queued. Small writes (metadata)
 * thus wake the thread once per 256 blocks, not once each. The thread takes slots in order and gives each block to
 * cvm_verity_tree_add() in the order it was written, so a block written
 * twice keeps its last content, as without the thread: the tree is the same
 * byte for byte. Slots are wiped when the feed is freed (they held plaintext).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <cvmimg/util.h>

#include "util/macro.h"
#include "verity/tree.h"

#define FEED_SLOTS	 4u
#define FEED_SLOT_BLOCKS 256u /* 1 MiB, the encrypting writer's batch */

struct feed_slot {
	uint64_t n;
	uint64_t block[FEED_SLOT_BLOCKS];
	uint8_t *data;
};

struct cvm_verity_feed {
	struct cvm_verity_tree *tree; /* borrowed; only the thread touches it while it runs */
	uint64_t data_blocks;
	uint8_t *mem; /* the slots' data, FEED_SLOTS * FEED_SLOT_BLOCKS blocks */
	struct feed_slot slot[FEED_SLOTS];
	unsigned fill; /* the slot the writer fills: (head + queued) % FEED_SLOTS */
	pthread_t thread;
	bool started;
	/* under lock */
	pthread_mutex_t lock;
	pthread_cond_t more, room;
	unsigned head, queued; /* the oldest queued slot; slots queued (the one hashed included) */
	bool done;	       /* no more slots will come */
	int err;	       /* the first failure of the thread */
};

static void *feed_thread(void *userdata)
{
	struct cvm_verity_feed *f = userdata;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct feed_slot *s;
		int r = 0;

		while (!f->queued && !f->done)
			pthread_cond_wait(&f->more, &f->lock);
		if (!f->queued)
			break;
		s = &f->slot[f->head];
		pthread_mutex_unlock(&f->lock);
		for (uint64_t k = 0; k < s->n && r >= 0; k++)
			r = cvm_verity_tree_add(f->tree, s->block[k],
						s->data + k * (uint64_t)CVM_VERITY_BLOCK, 1);
		pthread_mutex_lock(&f->lock);
		if (r < 0 && !f->err)
			f->err = r;
		s->n = 0;
		f->head = (f->head + 1) % FEED_SLOTS;
		f->queued--;
		pthread_cond_signal(&f->room);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int cvm_verity_feed_new(struct cvm_verity_tree *t, struct cvm_verity_feed **ret, cvm_err *reterr)
{
	struct cvm_verity_feed *f;
	int r;

	CVM_CHECK_ARG(t && ret, reterr);
	if (!(f = calloc(1, sizeof(*f))))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	f->tree = t;
	f->data_blocks = cvm_verity_tree_geometry(t)->data_blocks;
	if (!(f->mem = malloc((size_t)FEED_SLOTS * FEED_SLOT_BLOCKS * CVM_VERITY_BLOCK))) {
		free(f);
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	}
	for (unsigned i = 0; i < FEED_SLOTS; i++)
		f->slot[i].data = f->mem + (size_t)i * FEED_SLOT_BLOCKS * CVM_VERITY_BLOCK;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->more, NULL);
	pthread_cond_init(&f->room, NULL);
	if ((r = pthread_create(&f->thread, NULL, feed_thread, f))) {
		cvm_verity_feed_free(f);
		return cvm_err_set_errno(reterr, -r, "cannot start the verity hashing thread");
	}
	f->started = true;
	*ret = f;
	return 0;
}

/* Queue the slot being filled; wait for a free one to fill next. Returns the thread's error. */
static int submit(struct cvm_verity_feed *f)
{
	int r;

	pthread_mutex_lock(&f->lock);
	f->queued++;
	pthread_cond_signal(&f->more);
	while (f->queued == FEED_SLOTS)
		pthread_cond_wait(&f->room, &f->lock);
	f->fill = (f->head + f->queued) % FEED_SLOTS;
	r = f->err;
	pthread_mutex_unlock(&f->lock);
	return r;
}

int cvm_verity_feed_add(struct cvm_verity_feed *f, uint64_t first, const uint8_t *data, uint64_t n)
{
	int r;

	if (first >= f->data_blocks)
		return 0; /* the tree's own blocks, written after the data */
	if (n > f->data_blocks - first)
		n = f->data_blocks - first;
	if (f->done)
		return -EINVAL;
	for (uint64_t i = 0; i < n;) {
		struct feed_slot *s = &f->slot[f->fill];
		uint64_t k = n - i < FEED_SLOT_BLOCKS - s->n ? n - i : FEED_SLOT_BLOCKS - s->n;

		memcpy(s->data + s->n * CVM_VERITY_BLOCK, data + i * CVM_VERITY_BLOCK,
		       (size_t)k * CVM_VERITY_BLOCK);
		for (uint64_t j = 0; j < k; j++)
			s->block[s->n + j] = first + i + j;
		s->n += k;
		i += k;
		if (s->n == FEED_SLOT_BLOCKS && (r = submit(f)) < 0)
			return r;
	}
	return 0;
}

int cvm_verity_feed_finish(struct cvm_verity_feed *f, cvm_err *reterr)
{
	int r = 0;

	if (f->done)
		return cvm_err_set(reterr, -EINVAL, "the verity feed is finished");
	if (f->slot[f->fill].n)
		r = submit(f);
	pthread_mutex_lock(&f->lock);
	f->done = true;
	pthread_cond_signal(&f->more);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	f->started = false;
	if (r >= 0)
		r = f->err;
	/* the thread's OpenSSL error queue is its own: no text from it here */
	return r < 0 ? cvm_err_set(reterr, r, "cannot hash the data blocks of the verity tree") : 0;
}

struct cvm_verity_feed *cvm_verity_feed_free(struct cvm_verity_feed *f)
{
	if (!f)
		return NULL;
	if (f->started) {
		pthread_mutex_lock(&f->lock);
		f->done = true;
		pthread_cond_signal(&f->more);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
	}
	pthread_cond_destroy(&f->room);
	pthread_cond_destroy(&f->more);
	pthread_mutex_destroy(&f->lock);
	cvm_memzero(f->mem, (size_t)FEED_SLOTS * FEED_SLOT_BLOCKS * CVM_VERITY_BLOCK);
	free(f->mem);
	free(f);
	return NULL;
}
