/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The three fw_cfg files OVMF measures into RTMR0 as "ACPI DATA"
 * (reference/tdx-measurement.md §3.3): etc/table-loader, etc/acpi/rsdp and
 * etc/acpi/tables, each hashed as QEMU serves it (before the firmware patches
 * pointers and checksums). They come from a dump of the same QEMU with the
 * same machine options.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cvmimg/cleanup.h>

#include "measure/tdx/tdx.h"
#include "util/endian.h"
#include "util/file.h"
#include "util/hash.h"

#define ACPI_TABLES_MAX (16u << 20)


/* The first of the names a dump may use for fw_cfg file @name that exists. */
static int find_blob(const char *dir, const char *name, char *path, size_t cap,
		     cvm_err *reterr)
{
	char flat[64];
	const char *forms[3];
	struct stat st;

	snprintf(flat, sizeof(flat), "%s", name);
	for (char *p = flat; *p; p++)
		if (*p == '/')
			*p = '_';
	forms[0] = flat;
	forms[1] = name;
	forms[2] = NULL;
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, cap, "%s/%s", dir, forms[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
		snprintf(path, cap, "%s/%s/raw", dir, forms[i]);
		if (i == 1 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return cvm_err_set(reterr, -ENOENT,
			   "no '%s' in the ACPI dump '%s' (looked for %s, %s and %s/raw)", name,
			   dir, flat, name, name);
}

static int blob_digest(const char *dir, const char *name, uint8_t out[48], cvm_err *reterr)
{
	char path[4096];
	int r;

	if ((r = find_blob(dir, name, path, sizeof(path), reterr)) < 0)
		return r;
	return cvm_hash_file(CVM_HASH_SHA384, path, out, reterr);
}

/* Only the tables were dumped: the loader and RSDP follow from them. */
static int rebuild_from(const char *dir, struct cvm_tdx_acpi *ret, cvm_err *reterr)
{
	struct cvm_mapped_file t = { 0 };
	uint8_t loader[4096], rsdp[20];
	char path[4096];
	int r;

	if ((r = find_blob(dir, "etc/acpi/tables", path, sizeof(path), reterr)) < 0 ||
	    (r = cvm_map_file(path, ACPI_TABLES_MAX, &t, reterr)) < 0)
		return r;
	r = cvm_tdx_acpi_rebuild(t.data, t.len, loader, rsdp, reterr);
	if (r >= 0)
		cvm_sha384(t.data, t.len, ret->tables);
	cvm_unmap_file(&t);
	if (r < 0)
		return r;
	cvm_sha384(loader, sizeof(loader), ret->loader);
	cvm_sha384(rsdp, sizeof(rsdp), ret->rsdp);
	ret->rebuilt = true;
	return 0;
}

int cvm_tdx_acpi_dir(const char *dir, struct cvm_tdx_acpi *ret, cvm_err *reterr)
{
	char path[4096];
	int r;

	memset(ret, 0, sizeof(*ret));
	if (find_blob(dir, "etc/table-loader", path, sizeof(path), NULL) < 0 &&
	    find_blob(dir, "etc/acpi/rsdp", path, sizeof(path), NULL) < 0)
		return rebuild_from(dir, ret, reterr);
	if ((r = blob_digest(dir, "etc/table-loader", ret->loader, reterr)) < 0 ||
	    (r = blob_digest(dir, "etc/acpi/rsdp", ret->rsdp, reterr)) < 0 ||
	    (r = blob_digest(dir, "etc/acpi/tables", ret->tables, reterr)) < 0)
		return r;
	return 0;
}

/*
 * The table loader QEMU writes for its q35 table set (hw/acpi/bios-linker-loader.c
 * command layout: 128-byte entries, zero-padded to 4 KiB), rebuilt from the
 * tables blob: both blobs allocated, then for each table in blob order its
 * pointers and its checksum (FACS has none; FACP points at FACS and DSDT, the
 * RSDT at every other table), then the RSDP's pointer and checksum.
 */
#define LOADER_SIZE 4096u
#define CMD_SIZE 128u
#define CMD_ALLOCATE 1u
#define CMD_ADD_POINTER 2u
#define CMD_ADD_CHECKSUM 3u
#define ZONE_HIGH 1u
#define ZONE_FSEG 2u
#define FILE_LEN 56u
#define TABLE_HDR 36u
#define TABLES_MAX 64

static const char blob_rsdp[] = "etc/acpi/rsdp";
static const char blob_tables[] = "etc/acpi/tables";

struct loader {
	uint8_t *out;
	size_t n;
};

static int next_cmd(struct loader *l, uint32_t type, uint8_t **ret)
{
	if ((l->n + 1) * CMD_SIZE > LOADER_SIZE)
		return -E2BIG;
	*ret = l->out + l->n++ * CMD_SIZE;
	cvm_put_le32(*ret, type);
	return 0;
}

static int allocate(struct loader *l, const char *file, uint32_t align, uint8_t zone)
{
	uint8_t *c;

	if (next_cmd(l, CMD_ALLOCATE, &c) < 0)
		return -E2BIG;
	memcpy(c + 4, file, strlen(file));
	cvm_put_le32(c + 4 + FILE_LEN, align);
	c[8 + FILE_LEN] = zone;
	return 0;
}

static int pointer(struct loader *l, const char *dst, uint32_t offset, uint8_t size)
{
	uint8_t *c;

	if (next_cmd(l, CMD_ADD_POINTER, &c) < 0)
		return -E2BIG;
	memcpy(c + 4, dst, strlen(dst));
	memcpy(c + 4 + FILE_LEN, blob_tables, sizeof(blob_tables) - 1);
	cvm_put_le32(c + 4 + 2 * FILE_LEN, offset);
	c[8 + 2 * FILE_LEN] = size;
	return 0;
}

static int checksum(struct loader *l, const char *file, uint32_t result, uint32_t start,
		    uint32_t len)
{
	uint8_t *c;

	if (next_cmd(l, CMD_ADD_CHECKSUM, &c) < 0)
		return -E2BIG;
	memcpy(c + 4, file, strlen(file));
	cvm_put_le32(c + 4 + FILE_LEN, result);
	cvm_put_le32(c + 8 + FILE_LEN, start);
	cvm_put_le32(c + 12 + FILE_LEN, len);
	return 0;
}

struct acpi_table {
	char sig[5];
	uint32_t off, len;
};

static int find_tables(const uint8_t *t, size_t len, struct acpi_table *tab, size_t *ret_n,
		       cvm_err *reterr)
{
	size_t n = 0, off = 0;

	while (off + 8 <= len && cvm_le32(t + off) != 0) {
		uint32_t l = cvm_le32(t + off + 4);

		if (n == TABLES_MAX || l < 8 || l > len - off)
			return cvm_err_set(reterr, -EBADMSG,
					   "ACPI tables blob: the table at 0x%zx (length %u) runs "
					   "past the blob or there are more than %d",
					   off, l, TABLES_MAX);
		memcpy(tab[n].sig, t + off, 4);
		tab[n].sig[4] = '\0';
		tab[n].off = (uint32_t)off;
		tab[n++].len = l;
		off += l;
	}
	*ret_n = n;
	return 0;
}

static const struct acpi_table *by_sig(const struct acpi_table *tab, size_t n, const char *sig)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].sig, sig))
			return &tab[i];
	return NULL;
}

static int table_commands(struct loader *l, const struct acpi_table *tab, size_t n,
			  const struct acpi_table *t)
{
	const struct acpi_table *facs = by_sig(tab, n, "FACS"), *dsdt = by_sig(tab, n, "DSDT");
	int r = 0;

	if (!strcmp(t->sig, "FACS"))
		return 0;
	if (!strcmp(t->sig, "FACP")) {
		if (facs)
			r |= pointer(l, blob_tables, t->off + 36, 4);
		if (dsdt)
			r |= pointer(l, blob_tables, t->off + 40, 4);
		if (dsdt && t->len >= 148)
			r |= pointer(l, blob_tables, t->off + 140, 8);
	} else if (!strcmp(t->sig, "RSDT") || !strcmp(t->sig, "XSDT")) {
		uint8_t size = t->sig[0] == 'R' ? 4 : 8;

		for (uint32_t e = TABLE_HDR; e + size <= t->len; e += size)
			r |= pointer(l, blob_tables, t->off + e, size);
	}
	return r | checksum(l, blob_tables, t->off + 9, t->off, t->len);
}

int cvm_tdx_acpi_rebuild(const uint8_t *tables, size_t len, uint8_t loader[4096],
			 uint8_t rsdp[20], cvm_err *reterr)
{
	struct acpi_table tab[TABLES_MAX];
	struct loader l = { .out = loader };
	const struct acpi_table *rsdt;
	size_t n;
	int r;

	if ((r = find_tables(tables, len, tab, &n, reterr)) < 0)
		return r;
	if (!(rsdt = by_sig(tab, n, "RSDT")))
		return cvm_err_set(reterr, -EBADMSG, "ACPI tables blob has no RSDT");
	for (size_t i = 0; i < n; i++)
		if (!strcmp(tab[i].sig, "TPM2") || !strcmp(tab[i].sig, "TCPA"))
			return cvm_err_set(reterr, -EBADMSG,
					   "ACPI tables blob has a %s table, whose log pointer "
					   "the rebuild does not model: dump the loader too",
					   tab[i].sig);
	memset(loader, 0, LOADER_SIZE);
	r = allocate(&l, blob_rsdp, 16, ZONE_FSEG) | allocate(&l, blob_tables, 64, ZONE_HIGH);
	for (size_t i = 0; i < n; i++)
		r |= table_commands(&l, tab, n, &tab[i]);
	r |= pointer(&l, blob_rsdp, 16, 4) | checksum(&l, blob_rsdp, 8, 0, 20);
	if (r)
		return cvm_err_set(reterr, -EBADMSG, "ACPI tables blob needs more than %u loader "
						     "commands",
				   LOADER_SIZE / CMD_SIZE);
	memset(rsdp, 0, 20);
	memcpy(rsdp, "RSD PTR ", 8);
	memcpy(rsdp + 9, "BOCHS ", 6);
	cvm_put_le32(rsdp + 16, rsdt->off);
	return 0;
}
