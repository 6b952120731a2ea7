/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer harness for the ext4 writer (lib/ext4) fed from the tarball
 * reader (lib/archive), as `cvmimg build` feeds it (lib/image/populate.c:
 * boot files caught, /etc/crypttab and /etc/fstab written over the archive's,
 * mtimes clamped): the input is a tar archive, the filesystem a 16 MiB image
 * (the writer's smallest) held in memory by the io_manager below, so nothing
 * touches the disk and a run stays fast. Any input must be written or refused
 * with -EBADMSG, -ENAMETOOLONG or -EFBIG (a full filesystem, too many entries).
 *
 * A filesystem the writer finished is opened again with libext2fs and
 * checked as a small fsck would: superblock, group descriptor, bitmap, inode,
 * directory-block, extent and xattr checksums and bounds; every name reaches
 * an allocated inode of its type; link counts; every allocated inode has a
 * name; the free counts agree with the bitmaps. With FUZZ_EXT4_FSCK set, the
 * image is also given to `e2fsck -fn` (slow: for replaying a corpus, e.g.
 * `FUZZ_EXT4_FSCK=1 fuzz-ext4 -runs=0 CORPUS`).
 */
#include <errno.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ext2fs/ext2fs.h>

#include "archive/reader.h"
#include "ext4/writer.h"
#include "image/bootfiles.h"
#include "image/populate.h"

#define PAGE	    4096u
#define FS_BLOCKS   4096u /* 16 MiB, the least cvm_ext4_create takes */
#define IMAGE_BYTES ((uint64_t)FS_BLOCKS * CVM_EXT4_BLOCK)
#define MAX_ENTRIES 4096u
#define MEM_MAGIC   0x6d656d69 /* "memi" */
#define T0	    1700000000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern char **environ;

#define check(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz-ext4: " __VA_ARGS__);                                \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* ---- an io_manager over memory: 4 KiB pages allocated when a non-zero byte lands ---- */

static struct mem_image {
	uint32_t magic;
	uint8_t *page[IMAGE_BYTES / PAGE]; /* NULL: zeros */
} image = {.magic = MEM_MAGIC};

static void image_clear(void)
{
	for (size_t i = 0; i < IMAGE_BYTES / PAGE; i++) {
		free(image.page[i]);
		image.page[i] = NULL;
	}
}

static struct mem_image *mem_priv(io_channel ch)
{
	struct mem_image *m;

	if (!ch || ch->magic != EXT2_ET_MAGIC_IO_CHANNEL)
		return NULL;
	m = ch->private_data;
	return m && m->magic == MEM_MAGIC ? m : NULL;
}

static errcode_t mem_range(io_channel ch, unsigned long long block, long long count, uint64_t *off,
			   uint64_t *len)
{
	*len = count < 0 ? (uint64_t)-count : (uint64_t)count * (uint64_t)ch->block_size;
	*off = block * (uint64_t)ch->block_size;
	if (block > IMAGE_BYTES || *off > IMAGE_BYTES || *len > IMAGE_BYTES - *off)
		return EXT2_ET_LLSEEK_FAILED; /* past the end of the image */
	return 0;
}

static errcode_t mem_read(io_channel ch, unsigned long long block, int count, void *data)
{
	struct mem_image *m = mem_priv(ch);
	uint8_t *out = data;
	uint64_t off, len;
	errcode_t e;

	if (!m)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if ((e = mem_range(ch, block, count, &off, &len)))
		return e;
	while (len) {
		uint64_t in = off % PAGE, k = PAGE - in < len ? PAGE - in : len;
		const uint8_t *p = m->page[off / PAGE];

		if (p)
			memcpy(out, p + in, k);
		else
			memset(out, 0, k);
		off += k;
		out += k;
		len -= k;
	}
	return 0;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	return !n || (!p[0] && !memcmp(p, p + 1, n - 1));
}

/* @data NULL: zeros. */
static errcode_t mem_put(struct mem_image *m, uint64_t off, uint64_t len, const uint8_t *data)
{
	while (len) {
		uint64_t in = off % PAGE, k = PAGE - in < len ? PAGE - in : len;
		uint8_t **p = &m->page[off / PAGE];

		if (!*p && (!data || all_zero(data, k))) {
			/* nothing to store */
		} else if (k == PAGE && (!data || all_zero(data, k))) {
			free(*p);
			*p = NULL;
		} else {
			if (!*p && !(*p = calloc(1, PAGE)))
				return EXT2_ET_NO_MEMORY;
			if (data)
				memcpy(*p + in, data, k);
			else
				memset(*p + in, 0, k);
		}
		off += k;
		if (data)
			data += k;
		len -= k;
	}
	return 0;
}

static errcode_t mem_write(io_channel ch, unsigned long long block, int count, const void *data)
{
	struct mem_image *m = mem_priv(ch);
	uint64_t off, len;
	errcode_t e;

	if (!m)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if ((e = mem_range(ch, block, count, &off, &len)))
		return e;
	return mem_put(m, off, len, data);
}

static errcode_t mem_read32(io_channel ch, unsigned long block, int count, void *data)
{
	return mem_read(ch, block, count, data);
}

static errcode_t mem_write32(io_channel ch, unsigned long block, int count, const void *data)
{
	return mem_write(ch, block, count, data);
}

static errcode_t mem_zeroout(io_channel ch, unsigned long long block, unsigned long long count)
{
	struct mem_image *m = mem_priv(ch);
	uint64_t off, len;
	errcode_t e;

	if (!m)
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (count > IMAGE_BYTES)
		return EXT2_ET_LLSEEK_FAILED;
	if ((e = mem_range(ch, block, (long long)count, &off, &len)))
		return e;
	return mem_put(m, off, len, NULL);
}

static errcode_t mem_set_blksize(io_channel ch, int blksize)
{
	if (!mem_priv(ch))
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (blksize <= 0)
		return EXT2_ET_INVALID_ARGUMENT;
	ch->block_size = blksize;
	return 0;
}

static errcode_t mem_flush(io_channel ch)
{
	return mem_priv(ch) ? 0 : EXT2_ET_MAGIC_IO_CHANNEL;
}

static errcode_t mem_set_option(io_channel ch, const char *option, const char *arg)
{
	(void)ch;
	(void)option;
	(void)arg;
	return EXT2_ET_INVALID_ARGUMENT;
}

static errcode_t mem_close(io_channel ch)
{
	if (!mem_priv(ch))
		return EXT2_ET_MAGIC_IO_CHANNEL;
	if (--ch->refcount > 0)
		return 0;
	free(ch->name); /* the pages stay: the harness reads them again */
	free(ch);
	return 0;
}

static struct struct_io_manager mem_manager;

static errcode_t mem_open(const char *name, int flags, io_channel *ret)
{
	io_channel ch = calloc(1, sizeof(*ch));

	(void)flags;
	if (!ch || !(ch->name = strdup(name ? name : ""))) {
		free(ch);
		return EXT2_ET_NO_MEMORY;
	}
	ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
	ch->manager = &mem_manager;
	ch->block_size = 1024;
	ch->refcount = 1;
	ch->private_data = &image;
	*ret = ch;
	return 0;
}

static struct struct_io_manager mem_manager = {
    .magic = EXT2_ET_MAGIC_IO_MANAGER,
    .name = "fuzz memory I/O manager",
    .open = mem_open,
    .close = mem_close,
    .set_blksize = mem_set_blksize,
    .read_blk = mem_read32,
    .write_blk = mem_write32,
    .flush = mem_flush,
    .set_option = mem_set_option,
    .read_blk64 = mem_read,
    .write_blk64 = mem_write,
    .zeroout = mem_zeroout,
};

/* ---- the finished filesystem, checked ---- */

struct walk {
	ext2_filsys fs;
	uint32_t *queue; /* directories still to read */
	size_t queued, done;
	uint32_t *names;   /* per inode: names that lead to it */
	uint32_t *subdirs; /* per directory inode: subdirectories */
	uint8_t *ftype;	   /* per inode: the file type its names give */
};

static int walk_entry(ext2_ino_t dir, int entry, struct ext2_dir_entry *d, int offset,
		      int blocksize, char *buf, void *userdata)
{
	struct walk *w = userdata;
	ext2_ino_t ino = d->inode;
	int ft = ext2fs_dirent_file_type(d);

	(void)offset;
	(void)blocksize;
	(void)buf;
	if (entry == DIRENT_DOT_FILE || entry == DIRENT_DOT_DOT_FILE)
		return 0;
	check(ino >= EXT2_ROOT_INO && ino <= w->fs->super->s_inodes_count, "dir %u: inode %u", dir,
	      ino);
	check(ino != EXT2_ROOT_INO && ino >= EXT2_FIRST_INODE(w->fs->super),
	      "dir %u: name for reserved inode %u", dir, ino);
	check(ext2fs_test_inode_bitmap2(w->fs->inode_map, ino), "dir %u: free inode %u", dir, ino);
	check(ft > 0 && ft < EXT2_FT_MAX, "dir %u: file type %d", dir, ft);
	check(!w->names[ino] || w->ftype[ino] == ft, "inode %u: names of two types", ino);
	w->ftype[ino] = (uint8_t)ft;
	if (ft == EXT2_FT_DIR) {
		check(!w->names[ino], "directory %u has two names", ino);
		w->subdirs[dir]++;
		w->queue[w->queued++] = ino;
	}
	w->names[ino]++;
	return 0;
}

static void check_extents(ext2_filsys fs, ext2_ino_t ino, struct ext2_inode *inode)
{
	ext2_extent_handle_t h = NULL;
	struct ext2fs_extent ex;
	errcode_t e;
	int op = EXT2_EXTENT_ROOT;

	e = ext2fs_extent_open2(fs, ino, inode, &h);
	check(!e, "inode %u: extent tree: %s", ino, error_message(e));
	while (!(e = ext2fs_extent_get(h, op, &ex))) {
		op = EXT2_EXTENT_NEXT;
		check(ex.e_pblk >= fs->super->s_first_data_block &&
			  ex.e_pblk + ex.e_len <= ext2fs_blocks_count(fs->super) && ex.e_len,
		      "inode %u: extent %llu+%u out of the filesystem", ino,
		      (unsigned long long)ex.e_pblk, ex.e_len);
		for (uint64_t b = ex.e_pblk; b < ex.e_pblk + ex.e_len; b++)
			check(ext2fs_test_block_bitmap2(fs->block_map, b),
			      "inode %u: extent %llu+%u on free block %llu", ino,
			      (unsigned long long)ex.e_pblk, ex.e_len, (unsigned long long)b);
	}
	check(e == EXT2_ET_EXTENT_NO_NEXT, "inode %u: extent tree: %s", ino, error_message(e));
	ext2fs_extent_free(h);
}

static int file_type(uint16_t mode)
{
	switch (mode & LINUX_S_IFMT) {
	case LINUX_S_IFREG:
		return EXT2_FT_REG_FILE;
	case LINUX_S_IFDIR:
		return EXT2_FT_DIR;
	case LINUX_S_IFCHR:
		return EXT2_FT_CHRDEV;
	case LINUX_S_IFBLK:
		return EXT2_FT_BLKDEV;
	case LINUX_S_IFIFO:
		return EXT2_FT_FIFO;
	case LINUX_S_IFSOCK:
		return EXT2_FT_SOCK;
	case LINUX_S_IFLNK:
		return EXT2_FT_SYMLINK;
	}
	return EXT2_FT_UNKNOWN;
}

static void check_inode(struct walk *w, ext2_ino_t ino)
{
	ext2_filsys fs = w->fs;
	struct ext2_inode_large in;
	struct ext2_xattr_handle *x = NULL;
	unsigned want;
	errcode_t e;

	e = ext2fs_read_inode_full(fs, ino, (struct ext2_inode *)&in, sizeof(in));
	check(!e, "inode %u: %s", ino, error_message(e));
	check(file_type(in.i_mode) == (int)w->ftype[ino], "inode %u: mode %o, named as type %u",
	      ino, in.i_mode, w->ftype[ino]);
	if (LINUX_S_ISDIR(in.i_mode)) {
		want = 2 + w->subdirs[ino];
		if (want >= EXT2_LINK_MAX)
			want = 1;
	} else {
		want = w->names[ino];
	}
	check(in.i_links_count == want, "inode %u: %u links, %u expected", ino, in.i_links_count,
	      want);
	if (in.i_flags & EXT4_EXTENTS_FL)
		check_extents(fs, ino, (struct ext2_inode *)&in);
	e = ext2fs_xattrs_open(fs, ino, &x);
	check(!e, "inode %u: xattrs: %s", ino, error_message(e));
	e = ext2fs_xattrs_read_inode(x, &in);
	check(!e, "inode %u: xattrs: %s", ino, error_message(e));
	ext2fs_xattrs_close(&x);
}

static void check_counts(ext2_filsys fs)
{
	struct ext2_super_block *s = fs->super;
	uint64_t used_b = 0, used_i = 0;

	for (blk64_t b = s->s_first_data_block; b < ext2fs_blocks_count(s); b++)
		used_b += ext2fs_test_block_bitmap2(fs->block_map, b) != 0;
	for (ext2_ino_t i = 1; i <= s->s_inodes_count; i++)
		used_i += ext2fs_test_inode_bitmap2(fs->inode_map, i) != 0;

	check(used_b ==
		  ext2fs_blocks_count(s) - s->s_first_data_block - ext2fs_free_blocks_count(s),
	      "%llu blocks in use, the superblock says %llu free", (unsigned long long)used_b,
	      (unsigned long long)ext2fs_free_blocks_count(s));
	check(used_i == s->s_inodes_count - s->s_free_inodes_count,
	      "%llu inodes in use, the superblock says %u free", (unsigned long long)used_i,
	      s->s_free_inodes_count);
}

static void check_fs(void)
{
	ext2_filsys fs = NULL;
	struct walk w = {0};
	uint32_t n;
	errcode_t e;

	e = ext2fs_open("fuzz", EXT2_FLAG_64BITS, 0, 0, &mem_manager, &fs);
	check(!e, "cannot open the filesystem written: %s", error_message(e));
	e = ext2fs_read_bitmaps(fs);
	check(!e, "bitmaps: %s", error_message(e));
	check_counts(fs);
	n = fs->super->s_inodes_count + 1;
	w.fs = fs;
	w.queue = calloc(n, sizeof(*w.queue));
	w.names = calloc(n, sizeof(*w.names));
	w.subdirs = calloc(n, sizeof(*w.subdirs));
	w.ftype = calloc(n, 1);
	check(w.queue && w.names && w.subdirs && w.ftype, "out of memory");
	w.queue[w.queued++] = EXT2_ROOT_INO;
	w.ftype[EXT2_ROOT_INO] = EXT2_FT_DIR;
	while (w.done < w.queued) {
		ext2_ino_t dir = w.queue[w.done++];

		e = ext2fs_dir_iterate2(fs, dir, 0, NULL, walk_entry, &w);
		check(!e, "directory %u: %s", dir, error_message(e));
	}
	check_inode(&w, EXT2_ROOT_INO);
	for (ext2_ino_t ino = EXT2_FIRST_INODE(fs->super); ino < n; ino++) {
		bool used = ext2fs_test_inode_bitmap2(fs->inode_map, ino);

		check(used == (w.names[ino] > 0), "inode %u: %s", ino,
		      used ? "allocated but has no name" : "named but free");
		if (used)
			check_inode(&w, ino);
	}
	free(w.queue);
	free(w.names);
	free(w.subdirs);
	free(w.ftype);
	ext2fs_close_free(&fs);
}

/* FUZZ_EXT4_FSCK: e2fsck -fn on a copy of the image in a memfd. */
static void check_e2fsck(void)
{
	int fd = memfd_create("fuzz-ext4", 0), out = memfd_create("fuzz-ext4-log", 0), st;
	char path[64], log[4096];
	char *argv[] = {"e2fsck", "-fn", path, NULL};
	posix_spawn_file_actions_t fa;
	pid_t pid;
	ssize_t k;

	check(fd >= 0 && out >= 0 && ftruncate(fd, (off_t)IMAGE_BYTES) == 0, "memfd");
	for (size_t i = 0; i < IMAGE_BYTES / PAGE; i++)
		if (image.page[i])
			check(pwrite(fd, image.page[i], PAGE, (off_t)(i * PAGE)) == PAGE, "memfd");
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, out, 1);
	posix_spawn_file_actions_adddup2(&fa, out, 2);
	check(posix_spawnp(&pid, "e2fsck", &fa, NULL, argv, environ) == 0, "cannot run e2fsck");
	posix_spawn_file_actions_destroy(&fa);
	check(waitpid(pid, &st, 0) == pid, "waitpid");
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		k = pread(out, log, sizeof(log) - 1, 0);
		log[k > 0 ? k : 0] = 0;
		check(false, "e2fsck -fn: status %d\n%s", st, log);
	}
	close(fd);
	close(out);
}

/* ---- the harness ---- */

static void check_errno(int r, const cvm_err *e)
{
	check(r >= 0 || r == -EBADMSG || r == -ENAMETOOLONG || r == -EFBIG, "unexpected %d: %s", r,
	      e->msg);
}

static volatile size_t sink;

static void use_bootfiles(const struct cvm_bootfiles *b)
{
	struct cvm_boot_parts bp;
	size_t sum = 0;

	cvm_bootfiles_result(b, &bp);
	if (bp.version)
		sum += strlen(bp.version) + strlen(bp.kernel_path);
	if (bp.kernel_len)
		sum += bp.kernel[0] + bp.kernel[bp.kernel_len - 1];
	if (bp.initrd_len)
		sum += bp.initrd[0] + bp.initrd[bp.initrd_len - 1] + strlen(bp.initrd_path);
	if (bp.osrel_len)
		sum += bp.osrel[0] + bp.osrel[bp.osrel_len - 1];
	sink = sum;
}

/* Fill the filesystem from the archive: 0 when it was written and closed. */
static int write_fs(int fd, cvm_err *e)
{
	static const struct cvm_populate_overlay ov[] = {
	    {"etc/crypttab", "root UUID=00000000-0000-4000-8000-000000000000 none luks\n"},
	    {"etc/fstab", "/dev/mapper/root / ext4 defaults,errors=remount-ro 0 1\n"},
	};
	struct cvm_ext4_geometry g = {.blocks = FS_BLOCKS,
				      .uuid = {1, 2, 3},
				      .hash_seed = {4, 5, 6},
				      .label = "root",
				      .now = T0};
	struct cvm_tar *t = NULL;
	struct cvm_ext4 *fs = NULL;
	struct cvm_bootfiles *boot = cvm_bootfiles_new(true, true);
	int r;

	check(boot, "out of memory");
	r = cvm_ext4_create("fuzz", &mem_manager, &g, &fs, e);
	check(r == 0, "cannot create the filesystem: %s", e->msg);
	r = cvm_tar_open("fuzz.tar", fd, false, NULL, NULL, &t, e);
	if (r >= 0) {
		struct cvm_populate p = {
		    .archive = "fuzz.tar",
		    .tar = t,
		    .fs = fs,
		    .boot = boot,
		    .clamp = true,
		    .epoch = T0 + 1,
		    .max_entries = MAX_ENTRIES,
		    .overlays = ov,
		    .n_overlays = sizeof(ov) / sizeof(ov[0]),
		    .overlay_mtime = T0,
		};

		r = cvm_populate_run(&p, e);
	}
	if (r >= 0) {
		use_bootfiles(boot);
		r = cvm_ext4_close(fs, e);
		check(r == 0, "cannot close: %s", e->msg);
	} else {
		cvm_ext4_free(fs);
	}
	cvm_tar_free(t);
	cvm_bootfiles_free(boot);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cvm_err e = {0};
	int fd = memfd_create("fuzz", MFD_CLOEXEC), r;

	check(fd >= 0 && (!size || write(fd, data, size) == (ssize_t)size) &&
		  lseek(fd, 0, SEEK_SET) == 0,
	      "memfd");
	r = write_fs(fd, &e);
	check_errno(r, &e);
	if (r == 0) {
		check_fs();
		if (getenv("FUZZ_EXT4_FSCK"))
			check_e2fsck();
	}
	image_clear();
	close(fd);
	return 0;
}
