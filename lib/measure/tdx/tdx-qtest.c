/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ACPI blobs of a QEMU machine, read from QEMU itself in qtest mode
 * (reference/tdx-measurement.md §3.3, approach 4): QEMU starts with the TD's
 * machine, memory, vCPUs and firmware but no accelerator and no TDX object;
 * over the qtest protocol on its stdin/stdout we program what the firmware
 * programs before it first reads fw_cfg (PCIEXBAR 0xE0000000, PM base 0x600,
 * ACPI enabled: QEMU builds the tables on the first read), then read the
 * fw_cfg directory and the three files by DMA into guest RAM and out again.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cvmimg/cleanup.h>
#include <cvmimg/util.h>

#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/hash.h"
#include "util/macro.h"

extern char **environ;

#define FW_CFG_FILE_DIR 0x19u
#define FW_CFG_DMA_SELECT 0x08u
#define FW_CFG_DMA_READ 0x02u
#define DMA_DESC_GPA 0x100000u
#define DMA_BUF_GPA 0x200000u
#define BLOB_MAX (8u << 20)
#define FILES_MAX 256u

struct qtest {
	pid_t pid;
	FILE *in, *out;
	int err_fd;
	char *line;
	size_t cap;
	cvm_err *err;
};

static int qemu_failed(struct qtest *q, const char *what)
{
	char buf[200] = "";
	ssize_t n;

	if (q->pid > 0) {
		kill(q->pid, SIGTERM);
		waitpid(q->pid, NULL, 0);
		q->pid = -1;
	}
	n = read(q->err_fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return cvm_err_set(q->err, -EIO, "QEMU in qtest mode: %s%s%s", what, *buf ? ": " : "", buf);
}

/* Send one command; the reply's text after "OK" in q->line (e.g. "0x..."), or an error. */
static int cmd(struct qtest *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cmd(struct qtest *q, const char *fmt, ...)
{
	va_list ap;
	ssize_t n;

	va_start(ap, fmt);
	vfprintf(q->in, fmt, ap);
	va_end(ap);
	fputc('\n', q->in);
	if (fflush(q->in) != 0)
		return qemu_failed(q, "it stopped reading commands");
	do {
		n = getline(&q->line, &q->cap, q->out);
		if (n < 0)
			return qemu_failed(q, "it exited");
	} while (strncmp(q->line, "OK", 2) && strncmp(q->line, "FAIL", 4) &&
		 strncmp(q->line, "ERR", 3));
	if (strncmp(q->line, "OK", 2))
		return qemu_failed(q, "a command failed");
	q->line[strcspn(q->line, "\n")] = '\0';
	return 0;
}

/* What the firmware programs before it first reads fw_cfg, and the tables depend on. */
struct pci_reg {
	uint32_t addr, val;
	char size;
};
static const struct pci_reg machine_regs[] = {
	{ 0x80000064, 0, 'l' },		 /* q35 PCIEXBAR, high half */
	{ 0x80000060, 0xe0000001, 'l' }, /* PCIEXBAR at 0xE0000000, 256 MiB, enabled */
	{ 0x8000f840, 0x600, 'l' },	 /* ICH9 LPC: PM base 0x600 */
	{ 0x8000f844, 0x80, 'b' },	 /* ICH9 LPC: ACPI enabled */
};

/* Config access through 0xCF8/0xCFC: select @g's register, then write or read it. */
static int pci_write(struct qtest *q, const struct pci_reg *g)
{
	int r = cmd(q, "outl 0xcf8 0x%x", g->addr);

	return r < 0 ? r : cmd(q, "out%c 0xcfc 0x%x", g->size, g->val);
}

static int pci_read(struct qtest *q, const struct pci_reg *g)
{
	int r = cmd(q, "outl 0xcf8 0x%x", g->addr);

	return r < 0 ? r : cmd(q, "in%c 0xcfc", g->size);
}

/* Whether every register in machine_regs holds its value now. */
static int regs_hold(struct qtest *q, bool *ret)
{
	char want[16];
	int r;

	*ret = false;
	for (size_t i = 0; i < CVM_ARRAY_SIZE(machine_regs); i++) {
		if ((r = pci_read(q, &machine_regs[i])) < 0)
			return r;
		/* qtest's format for every width */
		snprintf(want, sizeof(want), "OK 0x%04x", machine_regs[i].val);
		if (strcmp(q->line, want))
			return 0;
	}
	*ret = true;
	return 0;
}

/*
 * Write all registers, then read them all back, until they hold together:
 * while QEMU is still settling after start (seen under CPU load, more often
 * with several vCPUs) a write may not stick, or land in the register
 * written just before it (PCIEXBAR's high half got the low half's value),
 * and the tables then describe another machine.
 */
static int program_regs(struct qtest *q)
{
	bool ok;
	int r;

	for (int i = 0; i < 100; i++) {
		for (size_t j = 0; j < CVM_ARRAY_SIZE(machine_regs); j++)
			if ((r = pci_write(q, &machine_regs[j])) < 0)
				return r;
		if ((r = regs_hold(q, &ok)) < 0 || ok)
			return r;
	}
	return cvm_err_set(q->err, -EIO, "QEMU in qtest mode: the machine's PCI registers do not "
					 "keep their values (is it a q35?)");
}

/* fw_cfg DMA of @len bytes of item @sel into guest RAM, then read back into @out. */
static int dma_read(struct qtest *q, uint16_t sel, uint32_t len, uint8_t *out)
{
	uint8_t d[16];
	char hex[33];
	const char *p;
	int r;

	cvm_put_le32(d, __builtin_bswap32(((uint32_t)sel << 16) | FW_CFG_DMA_SELECT |
					  FW_CFG_DMA_READ));
	cvm_put_le32(d + 4, __builtin_bswap32(len));
	cvm_put_le64(d + 8, __builtin_bswap64(DMA_BUF_GPA));
	cvm_hex_encode(d, sizeof(d), hex);
	/* the DMA address port is big-endian: the low half goes last and starts it */
	if ((r = cmd(q, "write 0x%x 16 0x%s", DMA_DESC_GPA, hex)) < 0 ||
	    (r = cmd(q, "outl 0x514 0x0")) < 0 ||
	    (r = cmd(q, "outl 0x518 0x%x", __builtin_bswap32(DMA_DESC_GPA))) < 0 ||
	    (r = cmd(q, "read 0x%x 4", DMA_DESC_GPA)) < 0)
		return r;
	if (strcmp(q->line, "OK 0x00000000"))
		return cvm_err_set(q->err, -EIO, "fw_cfg DMA of item 0x%x failed (%s)", sel,
				   q->line);
	if ((r = cmd(q, "read 0x%x 0x%x", DMA_BUF_GPA, len)) < 0)
		return r;
	p = q->line + 3;
	if (strncmp(p, "0x", 2) || strlen(p + 2) != 2 * (size_t)len ||
	    cvm_hex_decode(p + 2, out, len, NULL) < 0)
		return cvm_err_set(q->err, -EIO, "QEMU in qtest mode: unexpected reply to a read");
	return 0;
}

struct fw_file {
	uint32_t size;
	uint16_t sel;
};

static int find_files(struct qtest *q, const char *const names[3], struct fw_file files[3])
{
	CVM_CLEANUP_FREE uint8_t *dir = NULL;
	uint8_t head[4];
	uint32_t n;
	int r;

	if ((r = dma_read(q, FW_CFG_FILE_DIR, 4, head)) < 0)
		return r;
	n = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
	if (n > FILES_MAX || !(dir = malloc(4 + 64 * (size_t)n)))
		return cvm_err_set(q->err, -EIO, "fw_cfg lists %u files", n);
	if ((r = dma_read(q, FW_CFG_FILE_DIR, 4 + 64 * n, dir)) < 0)
		return r;
	for (int f = 0; f < 3; f++) {
		files[f].sel = 0;
		for (uint32_t i = 0; i < n; i++) {
			const uint8_t *e = dir + 4 + 64 * i;

			if (strncmp((const char *)e + 8, names[f], 56))
				continue;
			files[f].size = (uint32_t)e[0] << 24 | (uint32_t)e[1] << 16 |
					(uint32_t)e[2] << 8 | e[3];
			files[f].sel = (uint16_t)(e[4] << 8 | e[5]);
		}
		if (!files[f].sel || files[f].size > BLOB_MAX)
			return cvm_err_set(q->err, -EIO, "QEMU's fw_cfg has no usable '%s'",
					   names[f]);
	}
	return 0;
}

/*
 * The three blobs as QEMU builds them for the programmed machine; -EAGAIN when
 * the registers no longer held afterwards (a late reset: the tables may
 * have been built from its defaults).
 */
static int dump(struct qtest *q, struct cvm_tdx_acpi *ret)
{
	static const char *const names[3] = { "etc/table-loader", "etc/acpi/rsdp",
					      "etc/acpi/tables" };
	uint8_t *digests[3] = { ret->loader, ret->rsdp, ret->tables };
	struct fw_file files[3];
	bool held;
	int r;

	if ((r = program_regs(q)) < 0 || (r = find_files(q, names, files)) < 0)
		return r;
	for (int f = 0; f < 3; f++) {
		CVM_CLEANUP_FREE uint8_t *blob = malloc(files[f].size ? files[f].size : 1);

		if (!blob)
			return cvm_err_set(q->err, -ENOMEM, "out of memory");
		if ((r = dma_read(q, files[f].sel, files[f].size, blob)) < 0)
			return r;
		cvm_sha384(blob, files[f].size, digests[f]);
	}
	if ((r = regs_hold(q, &held)) < 0)
		return r;
	return held ? 0 : cvm_err_set(q->err, -EAGAIN, "QEMU in qtest mode reset the machine "
							"while its tables were read");
}

static int start(const char *const *argv, struct qtest *q)
{
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, r;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		r = -errno;
		for (int i = 0; i < 2; i++)
			close(in[i]), close(out[i]), close(err[i]);
		return cvm_err_set_errno(q->err, r, "cannot create pipes");
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_adddup2(&fa, err[1], 2);
	r = posix_spawn(&q->pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]), close(out[1]), close(err[1]);
	q->err_fd = err[0];
	q->in = fdopen(in[1], "w");
	q->out = fdopen(out[0], "r");
	if (r) {
		q->pid = -1;
		return cvm_err_set(q->err, r == ENOENT ? -ENOENT : -EIO, "cannot run '%s': %s",
				   argv[0], strerror(r));
	}
	if (!q->in || !q->out)
		return qemu_failed(q, "out of memory");
	return 0;
}

static void stop(struct qtest *q)
{
	if (q->in)
		fclose(q->in);
	if (q->pid > 0) {
		kill(q->pid, SIGTERM);
		waitpid(q->pid, NULL, 0);
	}
	if (q->out)
		fclose(q->out);
	if (q->err_fd >= 0)
		close(q->err_fd);
	free(q->line);
}

/* One QEMU process: start it in qtest mode, read the three blobs, stop it. */
static int dump_once(const char *const *argv, struct cvm_tdx_acpi *ret, cvm_err *reterr)
{
	struct qtest q = { .pid = -1, .err_fd = -1, .err = reterr };
	int r;

	memset(ret, 0, sizeof(*ret));
	r = start(argv, &q);
	if (r >= 0)
		r = dump(&q, ret);
	stop(&q);
	return r;
}

/*
 * Even with the registers checked, a digest nobody can reproduce is worse
 * than a slower answer: QEMU runs until two runs in a row agree, at most
 * QTEST_RUNS times; a run that saw a late reset does not count.
 */
#define QTEST_RUNS 6

int cvm_tdx_acpi_qemu(const char *qemu, const char *machine, uint64_t memory, unsigned vcpus,
		      const char *ovmf, struct cvm_tdx_acpi *ret, cvm_err *reterr)
{
	char mem[32], smp[16];
	const char *argv[] = { qemu, "-M", machine, "-m", mem, "-smp", smp, "-nodefaults",
			       "-display", "none", "-bios", ovmf, "-qtest", "stdio", "-qtest-log",
			       "/dev/null", NULL };
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	struct cvm_tdx_acpi prev, cur;
	bool have_prev = false;
	int r = 0;

	snprintf(mem, sizeof(mem), "%llub", (unsigned long long)memory);
	snprintf(smp, sizeof(smp), "%u", vcpus ? vcpus : 1);
	for (int run = 0;; run++) {
		if (run == QTEST_RUNS) {
			r = cvm_err_set(reterr, -EIO, "QEMU in qtest mode gave different ACPI "
						      "tables in %d runs: try again on a less "
						      "loaded machine", QTEST_RUNS);
			break;
		}
		r = dump_once(argv, &cur, reterr);
		if (r == -EAGAIN) {
			have_prev = false;
			continue;
		}
		if (r < 0)
			break;
		if (have_prev && !memcmp(&prev, &cur, sizeof(cur))) {
			*ret = cur;
			break;
		}
		prev = cur;
		have_prev = true;
	}
	signal(SIGPIPE, old);
	return r;
}
