/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include <openssl/rand.h>

#include <cvmimg/image.h>
#include <cvmimg/util.h>

#include "util/macro.h"

/*
 * ModHex (YubiKey's alphabet, also systemd's recovery keys): the sixteen
 * letters whose keys sit in the same place on QWERTY, AZERTY and QWERTZ, so
 * a passphrase typed at an early-boot console cannot be garbled by a keymap.
 */
static const char modhex[] = "cbdefghijklnrtuv";

CVM_PUBLIC int cvm_passphrase_generate(char out[CVM_PASSPHRASE_GENERATED_LEN + 1], cvm_err *reterr)
{
	uint8_t rnd[32];
	size_t n = 0;

	CVM_CHECK_ARG(out, reterr);
	if (RAND_priv_bytes(rnd, sizeof(rnd)) != 1)
		return cvm_err_set(reterr, -EIO, "the random generator failed");
	for (size_t i = 0; i < sizeof(rnd); i++) {
		if (i && i % 4 == 0)
			out[n++] = '-';
		out[n++] = modhex[rnd[i] >> 4];
		out[n++] = modhex[rnd[i] & 15];
	}
	out[n] = '\0';
	cvm_memzero(rnd, sizeof(rnd));
	return 0;
}
