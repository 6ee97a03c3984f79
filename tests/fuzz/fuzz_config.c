/* fuzz_config.c - config bodies (rp_config_decode).
 *
 * Properties: an accepted config has its values in range, and encoding it
 * again gives a body that decodes to the same config.
 */
#include "format/chunker.h"
#include "format/config.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_config a, b;
	rp_buf again = {0};
	rp_err e;
	int rc = rp_config_decode(data, size, &a, &e);
	if (rc) {
		FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_EVERSION);
		return 0;
	}
	FUZZ_CHECK(a.version <= RP_REPO_VERSION);
	FUZZ_CHECK(a.aead == RP_AEAD_AES256GCM || a.aead == RP_AEAD_XCHACHA20);
	FUZZ_CHECK(a.zstd_level >= -7 && a.zstd_level <= 19);
	FUZZ_CHECK(a.pack_bytes >= (1u << 20) && a.pack_bytes <= (1u << 30));
	FUZZ_CHECK(a.chunk_max <= RP_CHUNK_MAX_LIMIT_BYTES);
	FUZZ_CHECK(rp_config_encode(&a, &again, &e) == 0);
	FUZZ_CHECK(rp_config_decode(again.data, again.len, &b, &e) == 0);
	FUZZ_CHECK(a.version == b.version && !memcmp(a.repo_id, b.repo_id, 32));
	FUZZ_CHECK(a.chunk_min == b.chunk_min && a.chunk_avg == b.chunk_avg && a.chunk_max == b.chunk_max);
	FUZZ_CHECK(!memcmp(a.chunker_seed, b.chunker_seed, 32));
	FUZZ_CHECK(a.zstd_level == b.zstd_level && a.aead == b.aead && a.pack_bytes == b.pack_bytes);
	FUZZ_CHECK(!!a.scan_pii == !!b.scan_pii && a.created == b.created);
	rp_buf_free(&again);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	rp_config c;
	rp_buf b = {0};
	uint8_t id[32] = {0xde, 0xad};
	rp_config_default(&c, id, 1700000000);
	rp_config_encode(&c, &b, NULL);
	fuzz_seed(dir, "default", b.data, b.len);
	c.aead = RP_AEAD_AES256GCM;
	c.scan_pii = 1;
	c.zstd_level = -7;
	c.chunk_min = 64;
	c.chunk_avg = 128;
	c.chunk_max = RP_CHUNK_MAX_LIMIT_BYTES;
	c.pack_bytes = 1u << 30;
	rp_buf_reset(&b);
	rp_config_encode(&c, &b, NULL);
	fuzz_seed(dir, "extremes", b.data, b.len);
	rp_buf_free(&b);
}
