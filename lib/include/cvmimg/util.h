/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small helpers the library and its command line share: hex and base64,
 * bounded file reads, atomic file writes and secure memory for secrets.
 */
#ifndef CVMIMG_UTIL_H
#define CVMIMG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cvmimg/err.h>

/* Lowercase hex of @len bytes into @out, which must hold 2 * @len + 1 bytes. */
void cvm_hex_encode(const uint8_t *buf, size_t len, char *out);

/*
 * Decode exactly @len bytes of hex from @s (upper or lower case; an optional
 * "0x" prefix is accepted). Returns 0; -EINVAL on a bad digit or a length
 * other than 2 * @len.
 */
int cvm_hex_decode(const char *s, uint8_t *out, size_t len, cvm_err *reterr);

/*
 * Decode a hex string of any even length into a new buffer (freed with free()).
 * At most @max bytes. Returns 0; -EINVAL on bad input; -ERANGE if too long.
 */
int cvm_hex_decode_alloc(const char *s, size_t max, uint8_t **ret_buf, size_t *ret_len,
			 cvm_err *reterr);

/* Standard base64 (RFC 4648, padded) of @len bytes; caller frees. NULL on ENOMEM. */
char *cvm_base64_encode(const uint8_t *buf, size_t len);

/*
 * Parse an unsigned integer in decimal or 0x-hex that must lie in [min, max].
 * Returns 0; -EINVAL if malformed; -ERANGE if out of range.
 */
int cvm_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret);

/*
 * Read a whole regular file (or character device such as /dev/null) of at
 * most @max bytes into a new buffer (freed with free(); one extra NUL byte
 * follows the data). Returns 0; -ENOENT/-EACCES/-EISDIR if unreadable;
 * -EFBIG if larger than @max; other negative errno on I/O errors.
 */
int cvm_read_file(const char *path, size_t max, uint8_t **ret_buf, size_t *ret_len,
		  cvm_err *reterr);

/*
 * Write @len bytes to @path atomically: into a temporary file in the same
 * directory, fsync, then rename over @path. On failure nothing exists at
 * @path that was not there before, and the temporary file is removed.
 * @mode is the file mode (e.g. 0644, 0600 for secrets).
 */
int cvm_write_file_atomic(const char *path, const void *buf, size_t len, unsigned mode,
			  cvm_err *reterr);

/*
 * Secure memory for keys and passphrases: zeroed, mlock()ed when the limit
 * allows, excluded from core dumps, wiped before it is freed.
 */
void *cvm_secret_alloc(size_t len);
void cvm_secret_free(void *p); /* NULL-safe */
void cvm_secret_freep(void *pp); /* cleanup form: takes a pointer to the pointer */

/*
 * Put the key schedules OpenSSL expands from our keys (the AES-XTS one of the
 * disk's volume key) into such memory too. Call it before anything uses
 * OpenSSL (a program's first step); -EBUSY if OpenSSL has allocated already,
 * and then they stay on the ordinary heap.
 */
int cvm_secret_openssl_init(void);

/* Wipe @len bytes at @p in a way the compiler cannot drop. */
void cvm_memzero(void *p, size_t len);

#endif
