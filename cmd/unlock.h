/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cvmimg-unlock(8): what its files share. */
#ifndef CVMIMG_UNLOCK_H
#define CVMIMG_UNLOCK_H

#include <stdbool.h>

#include <cvmimg/broker.h>
#include <cvmimg/err.h>

#define PROG "cvmimg-unlock"

struct unlock_agent {
	const char *config_path, *device, *askpass, *evidence_root, *ask_dir;
	bool no_passphrase, network_down, password_agent;
	struct cvm_unlock_config cfg;
	char device_buf[128];
};

/* One line on stderr, "cvmimg-unlock: ..." (the console, cryptroot's or the journal's). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The LUKS2 device: --device, else $CRYPTTAB_SOURCE, else by the configured UUID. */
const char *unlock_device(struct unlock_agent *a);

/*
 * The broker key's passphrase (CVM_BROKER_PASSPHRASE_LEN characters, in
 * locked memory: free with cvm_secret_free), once it opens the broker
 * keyslot of @a->device (set from unlock_device()): from the broker, or
 * injected (SEV).
 */
int unlock_get_passphrase(struct unlock_agent *a, char **ret, cvm_err *e);

#endif
