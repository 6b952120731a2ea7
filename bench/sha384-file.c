/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The floor bench/measure.sh holds `cvmimg measure` to: a minimal program that
 * only reads a file and prints its SHA-384, linked to libcrypto alone. What
 * cvmimg spends beyond it is start-up and its own work.
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>

int main(int argc, char **argv)
{
	unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	FILE *f;
	size_t n;

	if (argc != 2 || !ctx || !(f = fopen(argv[1], "rb")))
		return 1;
	if (!EVP_DigestInit_ex(ctx, EVP_sha384(), NULL))
		return 1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		if (!EVP_DigestUpdate(ctx, buf, n))
			return 1;
	if (ferror(f) || !EVP_DigestFinal_ex(ctx, md, &len))
		return 1;
	for (unsigned int i = 0; i < len; i++)
		printf("%02x", md[i]);
	putchar('\n');
	fclose(f);
	EVP_MD_CTX_free(ctx);
	return 0;
}
