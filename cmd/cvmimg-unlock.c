/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cvmimg-unlock(8): the initrd agent that unlocks the encrypted root with a
 * key from the key broker, and otherwise asks a person for the passphrase.
 *
 * As a crypttab keyscript (initramfs-tools' cryptroot): attest to the broker
 * named in the measured /etc/cvmimg/unlock.json (Trustee KBS, RCAR 0.4.0),
 * fetch the disk key, check that it opens the broker keyslot of the expected
 * LUKS2 device (nothing activated), and print it on stdout. When the broker
 * cannot be reached within the configured time, refuses, or returns a key
 * that does not open the keyslot, say why on stderr and run the normal
 * passphrase prompt (askpass) in its place. After a failed try
 * (CRYPTTAB_TRIED > 0) it goes straight to the prompt: a broker key is
 * never given unchecked, so a failure was a typed passphrase.
 *
 * As a systemd password agent (--password-agent, started by a .path unit in
 * dracut's systemd initrd): the same key, checked the same way, answers
 * systemd-cryptsetup's request while the person's prompt stays up.
 *
 * The keyslot's passphrase is the broker key in hex (cvm_broker_key_passphrase):
 * an answer to systemd ends at the first NUL byte.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cvmimg/broker.h>
#include <cvmimg/cleanup.h>
#include <cvmimg/log.h>
#include <cvmimg/util.h>

#include "unlock-ask.h"
#include "unlock.h"

#define ASKPASS "/lib/cryptsetup/askpass"

void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs(PROG ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int write_all(const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The normal prompt in our place: its answer goes to cryptroot as ours would. */
static int passphrase(const struct unlock_agent *a)
{
	const char *name = getenv("CRYPTTAB_NAME");
	char prompt[200];

	if (a->no_passphrase)
		return 1;
	snprintf(prompt, sizeof(prompt), "Please unlock disk %s: ", name && *name ? name : "root");
	fflush(stderr);
	execl(a->askpass, a->askpass, prompt, (char *)NULL);
	say("cannot run '%s': %s", a->askpass, strerror(errno));
	return 4;
}

/* Every interface but loopback down: the initrd's network ends with the broker. */
static int network_down(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	CVM_CLEANUP_CLOSE int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int rc = 0;

	if (!ifs || fd < 0) {
		say("cannot list the network interfaces: %s", strerror(errno));
		if_freenameindex(ifs);
		return 4;
	}
	for (i = ifs; i->if_index; i++) {
		struct ifreq r = {0};

		snprintf(r.ifr_name, sizeof(r.ifr_name), "%s", i->if_name);
		if (ioctl(fd, SIOCGIFFLAGS, &r) < 0 || (r.ifr_flags & IFF_LOOPBACK) ||
		    !(r.ifr_flags & IFF_UP))
			continue;
		r.ifr_flags &= ~IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &r) < 0) {
			say("cannot take '%s' down: %s", i->if_name, strerror(errno));
			rc = 4;
		} else {
			say("network interface '%s' down", i->if_name);
		}
	}
	if_freenameindex(ifs);
	return rc;
}

static int usage(int code)
{
	fprintf(code ? stderr : stdout,
		"Usage:\n"
		" " PROG " [--config FILE] [--device DEV] [--askpass PROG] [--no-passphrase]\n"
		" " PROG " --password-agent [--config FILE] [--device DEV] [--ask-dir DIR]\n"
		" " PROG " --network-down\n"
		"\n"
		"Print the disk key from the key broker (checked against the LUKS2 broker\n"
		"keyslot), or else the passphrase typed at the normal prompt: a crypttab keyscript.\n"
		"With --password-agent, give it to systemd-cryptsetup's passphrase request instead,\n"
		"while the prompt stays up.\n"
		"\n"
		"Options:\n"
		" -c, --config FILE      the configuration (default " CVM_UNLOCK_CONFIG_PATH ")\n"
		" -d, --device DEV       the LUKS2 device (default $CRYPTTAB_SOURCE, else by UUID)\n"
		"     --askpass PROG     the passphrase prompt (default " ASKPASS ")\n"
		"     --no-passphrase    exit 1 instead of asking for the passphrase\n"
		"     --evidence-root DIR  read TEE devices under DIR (tests)\n"
		"     --password-agent   answer systemd-cryptsetup's request (a systemd password agent)\n"
		"     --ask-dir DIR      its requests are in DIR (default " ASK_DIR ")\n"
		"     --network-down     take every interface but loopback down, and exit\n"
		"\n"
		" -h, --help             display this help\n"
		" -V, --version          display version\n"
		"\n"
		"For more details see cvmimg-unlock(8).\n");
	return code;
}

static int parse(struct unlock_agent *a, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'}, {"device", required_argument, NULL, 'd'},
	    {"askpass", required_argument, NULL, 'a'}, {"no-passphrase", no_argument, NULL, 'n'},
	    {"evidence-root", required_argument, NULL, 'r'}, {"help", no_argument, NULL, 'h'},
	    {"network-down", no_argument, NULL, 'N'},
	    {"password-agent", no_argument, NULL, 'P'}, {"ask-dir", required_argument, NULL, 'A'},
	    {"version", no_argument, NULL, 'V'},	       {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'c': a->config_path = optarg; break;
		case 'd': a->device = optarg; break;
		case 'a': a->askpass = optarg; break;
		case 'n': a->no_passphrase = true; break;
		case 'r': a->evidence_root = optarg; break;
		case 'N': a->network_down = true; break;
		case 'P': a->password_agent = true; break;
		case 'A': a->ask_dir = optarg; break;
		case 'h': return usage(0);
		case 'V': return printf(PROG " %s\n", cvm_version()) < 0 ? 4 : 0;
		default: return usage(2);
		}
	}
	if (optind < argc) {
		/* cryptroot passes the crypttab key field ("none") as the only argument */
		if (argc - optind > 1)
			return usage(2);
	}
	return -1;
}

/* A crypttab keyscript: the passphrase on stdout, the broker's or the one typed. */
static int keyscript(struct unlock_agent *a)
{
	CVM_CLEANUP(cvm_secret_freep) char *pass = NULL;
	const char *tried = getenv("CRYPTTAB_TRIED");
	cvm_err e = {0};

	if (tried && *tried && strcmp(tried, "0")) {
		say("try %s: the broker key was checked before; asking for the passphrase", tried);
		return passphrase(a);
	}
	if (cvm_unlock_config_load(a->config_path, &a->cfg, &e) < 0) {
		say("%s; asking for the passphrase", e.msg);
		return passphrase(a);
	}
	a->device = unlock_device(a);
	if (unlock_get_passphrase(a, &pass, &e) < 0) {
		say("the broker path failed: %s; asking for the passphrase", e.msg);
		cvm_unlock_config_done(&a->cfg);
		return passphrase(a);
	}
	say("the broker's key opens keyslot %u of %s", a->cfg.keyslot, a->device);
	cvm_unlock_config_done(&a->cfg);
	if (write_all(pass, CVM_BROKER_PASSPHRASE_LEN) < 0) {
		say("cannot write the key: %s", strerror(errno));
		return 4;
	}
	return 0;
}

/*
 * A systemd password agent: answer systemd-cryptsetup's request for the
 * device with the broker key's passphrase, once it opens the keyslot. The
 * prompt a person sees stays up all the while: the first answer wins. Every
 * outcome exits 0 and is logged, so that the .path unit does not start the
 * agent again while the prompt waits.
 */
static int password_agent(struct unlock_agent *a)
{
	CVM_CLEANUP(cvm_secret_freep) char *pass = NULL;
	struct ask ask;
	cvm_err e = {0};
	int r;

	if (cvm_unlock_config_load(a->config_path, &a->cfg, &e) < 0) {
		say("%s; the passphrase prompt stays", e.msg);
		return 0;
	}
	a->device = unlock_device(a);
	if ((r = ask_wait_for(a->ask_dir, a->device, a->cfg.timeout, &ask, &e)) <= 0) {
		say("no password request for %s in %s%s%s", a->device, a->ask_dir,
		    r < 0 ? ": " : "", r < 0 ? e.msg : "");
		goto out;
	}
	say("answering %s (%s)", ask.id, ask.file);
	if (unlock_get_passphrase(a, &pass, &e) < 0) {
		say("the broker path failed: %s; the passphrase prompt stays", e.msg);
		goto out;
	}
	/* a person may have answered in the meantime, or the request expired */
	if ((r = ask_find(a->ask_dir, a->device, &ask, &e)) <= 0) {
		say("the request for %s was answered before the broker's key came", a->device);
		goto out;
	}
	if (ask_answer(&ask, pass, CVM_BROKER_PASSPHRASE_LEN, &e) < 0)
		say("%s", e.msg);
	else
		say("the broker's key opens keyslot %u of %s: given to %s", a->cfg.keyslot,
		    a->device, ask.id);
out:
	cvm_unlock_config_done(&a->cfg);
	return 0;
}

int main(int argc, char **argv)
{
	struct unlock_agent a = {.config_path = CVM_UNLOCK_CONFIG_PATH, .askpass = ASKPASS,
			  .ask_dir = ASK_DIR};
	int r;

	prctl(PR_SET_DUMPABLE, 0);
	if ((r = parse(&a, argc, argv)) >= 0)
		return r;
	if (a.network_down)
		return network_down();
	if (a.password_agent)
		return password_agent(&a);
	return keyscript(&a);
}
