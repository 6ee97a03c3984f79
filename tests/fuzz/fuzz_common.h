/* fuzz_common.h - shared by the libFuzzer targets in tests/fuzz/.
 *
 * Every target defines fuzz_write_seeds(): when RP_FUZZ_SEED_DIR names a
 * folder, the target writes a few valid inputs made by the project's own
 * encoders there before fuzzing starts (libFuzzer reads corpus folders
 * after LLVMFuzzerInitialize), so no binary corpus needs to be committed.
 *
 * Keys are fixed: the targets look for decoder bugs, not for keys.
 */
#ifndef RP_FUZZ_COMMON_H
#define RP_FUZZ_COMMON_H

#include "format/blob.h"
#include "format/crypto.h"
#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every target stops on a violated property with this: libFuzzer reports
 * the abort as a crash and keeps the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static const uint8_t FUZZ_KEY[RP_KEY_BYTES] = {
	0x52, 0x45, 0x4d, 0x50, 0x41, 0x52, 0x54, 0x20, 0x66, 0x75, 0x7a, 0x7a, 0x20, 0x6b, 0x65, 0x79,
	0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
};

/* The data key pair of the fuzz repository, derived from a fixed secret. */
static inline void fuzz_data_keys(uint8_t pk[32], uint8_t sk[32])
{
	for (int i = 0; i < 32; i++)
		sk[i] = (uint8_t)(0xa5 ^ (i * 7));
	rp_x25519_public(pk, sk);
}

static inline void fuzz_seed(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/seed-%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	if (n)
		fwrite(p, 1, n, f);
	fclose(f);
}

/* A seed made of a one-byte mode followed by a body. */
static inline void fuzz_seed_mode(const char *dir, const char *name, uint8_t mode, const void *p, size_t n)
{
	rp_buf b = {0};
	rp_buf_put_u8(&b, mode);
	rp_buf_put(&b, p, n);
	fuzz_seed(dir, name, b.data, b.len);
	rp_buf_free(&b);
}

/* One codec for the whole run, as a worker thread keeps one across
 * blobs (state carried from input to input is part of what is tested). */
static inline rp_blob_codec *fuzz_codec(void)
{
	static rp_blob_codec *c;
	if (!c && rp_blob_codec_new(&c, 1, NULL))
		abort();
	return c;
}

static void fuzz_write_seeds(const char *dir);

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (rp_crypto_init(NULL))
		abort();
	const char *dir = getenv("RP_FUZZ_SEED_DIR");
	if (dir && *dir)
		fuzz_write_seeds(dir);
	return 0;
}

#endif
