/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The unlock agent in the image's initrd (cvmimg-unlock(8)), when the build
 * names a broker and how to trust it: the agent with its libraries and
 * loader, /etc/cvmimg/unlock.json, the broker's CA and the keyscript go into
 * the overlay cpio the kernel lays over the initrd, so the UKI's measurement
 * covers them. initramfs-tools: the command line gets keyscript= in
 * cryptopts=. dracut (a systemd initrd): the agent's units go along, and it
 * answers systemd-cryptsetup's request as a password agent. With a broker,
 * ip=dhcp brings the network up (initramfs-tools' configure_networking,
 * systemd-networkd's generator).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/initrd.h>
#include <cvmimg/util.h>

#include "image/build.h"
#include "util/macro.h"
#include "util/template.h"

#define AGENT_DIR	"usr/lib/cvmimg"
#define UNIT_DIR	"usr/lib/systemd/system"
#define AGENT_UNIT	"cvmimg-unlock-agent"
#define WANTS		UNIT_DIR "/sysinit.target.wants"

CVM_DEFINE_CLEANUP(DIR, closedir, unlock_dir)
#define AGENT_FILE_MAX	(32u << 20)
#define AGENT_FILES_MAX 128

bool cvm_build_unlock_wanted(const struct cvm_build_options *o)
{
	return o->broker_ca || o->broker_pin || o->broker_allow_http || o->broker_evidence;
}

/* SEV and SEV-ES: the key the guest owner injected at launch, read through efi_secret. */
static bool efi_secret(const struct cvm_build_options *o)
{
	return o->broker_evidence && !strcmp(o->broker_evidence, "efi-secret");
}

static int check(const struct cvm_build_options *o, cvm_err *reterr)
{
	if (!o->unlock_agent_dir)
		return cvm_err_set(reterr, -EINVAL, "no directory with the unlock agent");
	if (efi_secret(o))
		return 0;
	if (!o->kbs_url || !o->kbs_resource)
		return cvm_err_set(reterr, -EINVAL, "the unlock agent needs the broker's URL and "
				   "the resource path of the key");
	if (!strncmp(o->kbs_url, "http://", 7) && !o->broker_allow_http)
		return cvm_err_set(reterr, -EINVAL, "the broker URL '%s' is plain http: say so "
				   "with the allow-http option, or use https", o->kbs_url);
	if (strncmp(o->kbs_url, "https://", 8) && strncmp(o->kbs_url, "http://", 7))
		return cvm_err_set(reterr, -EINVAL, "the broker URL '%s' is neither https:// nor "
				   "http://", o->kbs_url);
	if (!strncmp(o->kbs_url, "https://", 8) && !o->broker_ca && !o->broker_pin)
		return cvm_err_set(reterr, -EINVAL, "an https broker needs a CA certificate or an "
				   "SPKI pin");
	return 0;
}

static int add_file(struct build *b, const char *path, unsigned mode, const char *src,
		    cvm_err *reterr)
{
	CVM_CLEANUP_FREE uint8_t *buf = NULL;
	size_t len = 0;
	int r;

	if ((r = cvm_read_file(src, AGENT_FILE_MAX, &buf, &len, reterr)) < 0)
		return r;
	return cvm_cpio_add(b->overlay, path, S_IFREG | mode, buf, len, reterr);
}

static int cmp_names(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
}

/* Every regular file of the agent's directory, in name order (the same bytes each build). */
static int add_agent(struct build *b, cvm_err *reterr)
{
	const char *dir = b->o->unlock_agent_dir;
	char *names[AGENT_FILES_MAX], src[600], dst[300];
	CVM_CLEANUP(unlock_dirp) DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	int r = 0;

	if (!d)
		return cvm_err_set_errno(reterr, cvm_negative_errno(), "cannot read the unlock "
					 "agent's directory '%s'", dir);
	while ((de = readdir(d)) && n < AGENT_FILES_MAX)
		if (de->d_name[0] != '.' && !(names[n++] = strdup(de->d_name))) {
			free_names(names, n - 1);
			return cvm_err_set(reterr, -ENOMEM, "out of memory");
		}
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n && r >= 0; i++) {
		snprintf(src, sizeof(src), "%s/%s", dir, names[i]);
		snprintf(dst, sizeof(dst), AGENT_DIR "/%s", names[i]);
		r = add_file(b, dst, 0755, src, reterr);
	}
	free_names(names, n);
	if (r < 0)
		return r;
	snprintf(src, sizeof(src), "%s/cvmimg-unlock", dir);
	if (access(src, X_OK) < 0)
		return cvm_err_set(reterr, -ENOENT, "'%s' has no cvmimg-unlock", dir);
	return 0;
}

static int add_config(struct build *b, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	struct cvm_unlock_config c = {
	    .broker_url = (char *)o->kbs_url,
	    .broker_ca = o->broker_ca ? (char *)"/etc/cvmimg/broker-ca.pem" : NULL,
	    .broker_pin = (char *)o->broker_pin,
	    .broker_resource = (char *)o->kbs_resource,
	    .luks_uuid = b->luks.uuid,
	    .keyslot = 1,
	    .timeout = o->broker_timeout ? o->broker_timeout : 30,
	    .request_timeout = 10,
	    .allow_http = o->broker_allow_http,
	    .evidence = (char *)o->broker_evidence,
	};
	CVM_CLEANUP(cvm_unlock_config_done) struct cvm_unlock_config back = {0};
	CVM_CLEANUP_FREE char *json = NULL;
	cvm_err e = {0};
	int r;

	if (c.request_timeout > c.timeout)
		c.request_timeout = c.timeout;
	if ((r = cvm_unlock_config_to_json(&c, &json, reterr)) < 0)
		return r;
	/* what the agent will read must be what it accepts */
	if ((r = cvm_unlock_config_parse(json, strlen(json), &back, &e)) < 0)
		return cvm_err_set(reterr, -EINVAL, "the unlock configuration: %s", e.msg);
	if ((r = cvm_cpio_add(b->overlay, "etc/cvmimg/unlock.json", S_IFREG | 0644, json,
			      strlen(json), reterr)) < 0)
		return r;
	if (o->broker_ca)
		return add_file(b, "etc/cvmimg/broker-ca.pem", 0644, o->broker_ca, reterr);
	return 0;
}

static bool is_dracut(const struct build *b)
{
	return !strcmp(b->res->boot.initrd_flavour, "dracut");
}

int cvm_build_unlock_check_initrd(struct build *b, const struct cvm_initrd_info *info,
				  const char *name, cvm_err *reterr)
{
	bool efi = efi_secret(b->o), dracut = is_dracut(b);
	bool net = info->has_network_driver && (!dracut || info->has_systemd_networkd);

	b->res->boot.initrd_has_efi_secret = efi && info->has_efi_secret;
	b->res->boot.initrd_has_network_driver = !efi && info->has_network_driver;
	if (efi ? info->has_efi_secret : net)
		return 0;
	return cvm_err_set(reterr, -EBADMSG,
			   "the initrd '%s' has no %s: %s, or pass --initrd", name,
			   efi ? "efi_secret module to read the injected key (a kernel built "
				 "with CONFIG_EFI_SECRET; Debian 12's is not)"
			   : !info->has_network_driver
			       ? "network driver to reach the key broker (virtio_net, gve, ena, "
				 "hv_netvsc or mana)"
			       : "systemd-networkd to reach the key broker",
			   dracut ? "install cvmimg's dracut module (templates/dracut/90cvmimg-unlock "
				    "and cvmimg-unlock.conf) and dracut-network in the rootfs and run "
				    "dracut"
				  : "install cvmimg's hook (templates/initramfs-tools/hooks/"
				    "cvmimg-unlock) in the rootfs and run update-initramfs");
}

/* initramfs-tools: cryptopts=...,keyscript=<agent>; with a broker, ip=dhcp. */
static int edit_cmdline(struct build *b, cvm_err *reterr)
{
	const char *ks = is_dracut(b) ? "" : ",keyscript=/" AGENT_DIR "/keyscript";
	char *p = strstr(b->cmdline, "cryptopts="), *end, *n;
	size_t at;

	if (!p)
		return cvm_err_set(reterr, -EINVAL, "the command line has no cryptopts= for the "
				   "unlock agent's keyscript");
	end = p + strcspn(p, " ");
	at = (size_t)(end - b->cmdline);
	if (asprintf(&n, "%.*s%s%s%s", (int)at, b->cmdline, ks, b->cmdline + at,
		     efi_secret(b->o) ? "" : " ip=dhcp") < 0)
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	free(b->cmdline);
	b->cmdline = n;
	return 0;
}

/* A systemd initrd: the password agent's units, the .path one wanted by sysinit.target. */
static int add_units(struct build *b, const struct cvm_template_var *vars, size_t n_vars,
		     cvm_err *reterr)
{
	static const char *const units[] = {AGENT_UNIT ".path", AGENT_UNIT ".service"};
	static const char link[] = "../" AGENT_UNIT ".path";
	char tpl[64], dst[128];
	int r;

	if ((r = cvm_cpio_add(b->overlay, "usr/lib/systemd", S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, UNIT_DIR, S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, WANTS, S_IFDIR | 0755, NULL, 0, reterr)) < 0)
		return r;
	for (size_t i = 0; i < CVM_ARRAY_SIZE(units); i++) {
		CVM_CLEANUP_FREE char *text = NULL;

		snprintf(tpl, sizeof(tpl), "systemd/%s", units[i]);
		snprintf(dst, sizeof(dst), UNIT_DIR "/%s", units[i]);
		if ((r = cvm_template_read(b->o->templates_dir, tpl, vars, n_vars, &text,
					   reterr)) < 0 ||
		    (r = cvm_cpio_add(b->overlay, dst, S_IFREG | 0644, text, strlen(text),
				      reterr)) < 0)
			return r;
	}
	return cvm_cpio_add(b->overlay, WANTS "/" AGENT_UNIT ".path", S_IFLNK | 0777, link,
			    strlen(link), reterr);
}

int cvm_build_unlock(struct build *b, cvm_err *reterr)
{
	const struct cvm_build_options *o = b->o;
	const struct cvm_template_var vars[] = {
	    {"AGENT_DIR", "/" AGENT_DIR},
	    {"EVIDENCE", o->broker_evidence ? o->broker_evidence : "auto"}};
	CVM_CLEANUP_FREE char *ks = NULL;
	int r;

	if (!cvm_build_unlock_wanted(o))
		return 0;
	if ((r = check(o, reterr)) < 0)
		return r;
	if (!b->overlay && !(b->overlay = cvm_cpio_new(b->now)))
		return cvm_err_set(reterr, -ENOMEM, "out of memory");
	if ((r = cvm_template_read(o->templates_dir, "unlock-keyscript", vars,
				   CVM_ARRAY_SIZE(vars), &ks, reterr)) < 0)
		return r;
	/* the parents first: an existing directory (or /usr/lib's symlink) stays as it is */
	if ((r = cvm_cpio_add(b->overlay, "etc", S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, "etc/cvmimg", S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, "usr", S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, "usr/lib", S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, AGENT_DIR, S_IFDIR | 0755, NULL, 0, reterr)) < 0 ||
	    (r = add_agent(b, reterr)) < 0 ||
	    (r = cvm_cpio_add(b->overlay, AGENT_DIR "/keyscript", S_IFREG | 0755, ks, strlen(ks),
			      reterr)) < 0 ||
	    (r = add_config(b, reterr)) < 0 ||
	    (is_dracut(b) && (r = add_units(b, vars, CVM_ARRAY_SIZE(vars), reterr)) < 0))
		return r;
	return edit_cmdline(b, reterr);
}
