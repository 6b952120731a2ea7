/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * In-process timing of cvm_measure() against the SHA-384 floor: the firmware
 * file read in 64 KiB chunks into one SHA-384 context (what `openssl dgst`
 * does), in the same process.
 *
 *   bench-measure-compute FIRMWARE VCPUS ITERATIONS
 *
 * Prints "ours_us floor_us" (medians per call).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <openssl/evp.h>

#include <cvmimg/measure.h>

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int sha384_file(const char *path, uint8_t *md)
{
	static uint8_t buf[65536];
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!c || !f || !EVP_DigestInit_ex(c, EVP_sha384(), NULL))
		return -1;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(c, buf, n);
	EVP_DigestFinal_ex(c, md, NULL);
	EVP_MD_CTX_free(c);
	fclose(f);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return v[n / 2];
}

int main(int argc, char **argv)
{
	struct cvm_measure_input in = { .tee = CVM_TEE_SNP, .vmm = CVM_VMM_QEMU,
					.have_vcpu_sig = true, .vcpu_sig = 0x800f12,
					.guest_features = 1 };
	struct cvm_measurement *m = malloc(sizeof(*m));
	uint8_t md[64];
	int n;
	double *ours, *floor;

	if (argc != 4 || !m)
		return 2;
	in.ovmf_path = argv[1];
	in.vcpus = (unsigned)atoi(argv[2]);
	n = atoi(argv[3]);
	ours = calloc((size_t)n, sizeof(double));
	floor = calloc((size_t)n, sizeof(double));
	if (n < 1 || !ours || !floor)
		return 2;
	for (int i = 0; i < n; i++) {
		double t0 = now_us();

		if (cvm_measure(&in, m, NULL) < 0)
			return 1;
		ours[i] = now_us() - t0;
		t0 = now_us();
		if (sha384_file(argv[1], md) < 0)
			return 1;
		floor[i] = now_us() - t0;
	}
	printf("%.0f %.0f\n", median(ours, n), median(floor, n));
	return 0;
}
