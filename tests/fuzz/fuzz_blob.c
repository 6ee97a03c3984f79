/* fuzz_blob.c - opening blobs (rp_blob_open), zstd frames included.
 *
 * The input: flags(1) raw_len(u32le) type(1) payload.  The payload is
 * sealed as it is (uncompressed) and opened with the flags and raw_len of
 * the input, so with RP_BLOB_FLAG_ZSTD the payload reaches zstd as a
 * frame whose sizes may lie.  When the flags byte has bit 7 set, the
 * payload is also sealed normally (compressed when it pays) and must open
 * to exactly itself.
 * Properties: rp_blob_open gives exactly raw_len bytes or fails with
 * RP_ECORRUPT; stored blobs open to their payload.
 */
#include "format/blob.h"
#include "fuzz_common.h"

#include <zstd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_blob_codec *c = fuzz_codec();
	rp_err e;
	rp_id id = {{0x0b, 0x10, 0xb0}};
	const uint8_t *sealed, *out;
	size_t slen;
	uint8_t got_flags;
	if (size < 6)
		return 0;
	uint8_t flags = data[0], type = data[5] & 1;
	uint32_t raw_len = rp_load_u32le(data + 1);
	const uint8_t *payload = data + 6;
	size_t n = size - 6;
	FUZZ_CHECK(rp_blob_seal(c, RP_AEAD_XCHACHA20, FUZZ_KEY, type, &id, payload, n, 0, &sealed, &slen, &got_flags,
				&e) == 0);
	FUZZ_CHECK(got_flags == 0);
	uint8_t *copy = malloc(slen);
	FUZZ_CHECK(copy);
	memcpy(copy, sealed, slen);
	int rc = rp_blob_open(c, FUZZ_KEY, type, &id, flags & 0x7f, raw_len, copy, slen, &out, &e);
	if (rc == 0) {
		if (!(flags & RP_BLOB_FLAG_ZSTD)) {
			FUZZ_CHECK(raw_len == n && (!n || !memcmp(out, payload, n)));
		} else {
			/* the same frame decompressed by zstd alone */
			uint8_t *ref = malloc(raw_len ? raw_len : 1);
			FUZZ_CHECK(ref);
			size_t z = ZSTD_decompress(ref, raw_len, payload, n);
			FUZZ_CHECK(!ZSTD_isError(z) && z == raw_len && (!z || !memcmp(ref, out, z)));
			free(ref);
		}
	} else {
		FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_ENOMEM);
	}
	if (flags & 0x80) {
		FUZZ_CHECK(rp_blob_seal(c, RP_AEAD_AES256GCM, FUZZ_KEY, type, &id, payload, n, 1, &sealed, &slen,
					&got_flags, &e) == 0);
		uint8_t *copy2 = malloc(slen);
		FUZZ_CHECK(copy2);
		memcpy(copy2, sealed, slen);
		FUZZ_CHECK(rp_blob_open(c, FUZZ_KEY, type, &id, got_flags, (uint32_t)n, copy2, slen, &out, &e) == 0);
		FUZZ_CHECK(!n || !memcmp(out, payload, n));
		free(copy2);
	}
	free(copy);
	return 0;
}

static void add_seed(const char *dir, const char *name, uint8_t flags, uint32_t raw_len, const void *p, size_t n)
{
	rp_buf b = {0};
	rp_buf_put_u8(&b, flags);
	rp_buf_put_u32le(&b, raw_len);
	rp_buf_put_u8(&b, 0);
	rp_buf_put(&b, p, n);
	fuzz_seed(dir, name, b.data, b.len);
	rp_buf_free(&b);
}

static void fuzz_write_seeds(const char *dir)
{
	static const char text[] = "Registre des deliberations du conseil municipal, seance du 12 mars. "
				   "Registre des deliberations du conseil municipal, seance du 12 mars.";
	size_t n = sizeof text - 1;
	uint8_t frame[512], frames[1024];
	size_t z = ZSTD_compress(frame, sizeof frame, text, n, 3);
	if (ZSTD_isError(z))
		return;
	add_seed(dir, "stored", 0, (uint32_t)n, text, n);
	add_seed(dir, "zstd", RP_BLOB_FLAG_ZSTD, (uint32_t)n, frame, z);
	add_seed(dir, "zstd-short", RP_BLOB_FLAG_ZSTD, (uint32_t)n - 1, frame, z);
	add_seed(dir, "zstd-long", RP_BLOB_FLAG_ZSTD, (uint32_t)n + 1, frame, z);
	add_seed(dir, "roundtrip", 0x80 | RP_BLOB_FLAG_ZSTD, (uint32_t)n, frame, z);
	/* two frames back to back, and a frame without its size */
	memcpy(frames, frame, z);
	memcpy(frames + z, frame, z);
	add_seed(dir, "two-frames", RP_BLOB_FLAG_ZSTD, (uint32_t)(2 * n), frames, 2 * z);
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	if (cc) {
		ZSTD_CCtx_setParameter(cc, ZSTD_c_contentSizeFlag, 0);
		z = ZSTD_compress2(cc, frame, sizeof frame, text, n);
		if (!ZSTD_isError(z))
			add_seed(dir, "no-size", RP_BLOB_FLAG_ZSTD, (uint32_t)n, frame, z);
		ZSTD_freeCCtx(cc);
	}
}
