/* fuzz_sfile.c - sealed repository files (rp_sfile_open), every kind.
 *
 * The first input byte: bits 0-1 the kind (config, index, lock,
 * snapshot), bits 2-3 the mode, bit 4 compression, bit 5 the AEAD.
 *   mode 0  the rest is a whole sealed file, opened with the fixed keys;
 *   mode 1  the rest is the plaintext behind the header (encoding byte and
 *           body), sealed first so the body decoder is reached;
 *   mode 2+ the rest is a body: sealed with rp_sfile_seal, it must open to
 *           exactly the same bytes.
 */
#include "format/sfile.h"
#include "fuzz_common.h"

#include <zstd.h>

static const char *magic_of(rp_sfile_kind k)
{
	static const char *m[] = {"RCFG", "RIDX", "RLCK", "RSNP"};
	return m[k];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_blob_codec *c = fuzz_codec();
	rp_buf file = {0}, out = {0};
	rp_err e;
	uint8_t pk[32], sk[32];
	if (size < 1)
		return 0;
	uint8_t ctl = data[0];
	data++, size--;
	rp_sfile_kind kind = (rp_sfile_kind)(ctl & 3);
	int mode = (ctl >> 2) & 3, compress = (ctl >> 4) & 1;
	int alg = ctl & 0x20 ? RP_AEAD_AES256GCM : RP_AEAD_XCHACHA20;
	const uint8_t *wkey = FUZZ_KEY, *rkey = FUZZ_KEY;
	fuzz_data_keys(pk, sk);
	if (kind == RP_SF_SNAPSHOT)
		wkey = pk, rkey = sk;
	if (mode == 0) {
		int rc = rp_sfile_open(c, kind, rkey, pk, data, size, &out, &e);
		FUZZ_CHECK(rc == 0 || rc == RP_ECORRUPT || rc == RP_ECRYPTO || rc == RP_EVERSION);
		/* a backup-only key never gets further than the header */
		if (kind == RP_SF_SNAPSHOT) {
			rp_buf_reset(&out);
			rc = rp_sfile_open(c, kind, NULL, pk, data, size, &out, &e);
			FUZZ_CHECK(rc != 0 && out.len == 0);
		}
	} else if (mode == 1) {
		uint8_t hdr[40], symkey[RP_KEY_BYTES];
		/* rp_zstd_decompress reserves what a frame claims (up to the 1 GiB
		 * body limit) before decoding it: fine once, too slow per input */
		if (size > 1 && data[0] == 1) {
			unsigned long long claim = ZSTD_getFrameContentSize(data + 1, size - 1);
			if (claim != ZSTD_CONTENTSIZE_ERROR && claim != ZSTD_CONTENTSIZE_UNKNOWN && claim > (16u << 20))
				return 0;
		}
		size_t hdr_len = 8;
		memcpy(hdr, magic_of(kind), 4);
		hdr[4] = RP_SFILE_VERSION;
		hdr[5] = kind == RP_SF_SNAPSHOT ? 2 : 1;
		hdr[6] = hdr[7] = 0;
		if (kind == RP_SF_SNAPSHOT) {
			FUZZ_CHECK(rp_seal_key_new(pk, hdr + 8, symkey, &e) == 0);
			hdr_len += 32;
		} else {
			memcpy(symkey, FUZZ_KEY, sizeof symkey);
		}
		FUZZ_CHECK(rp_buf_reserve(&file, hdr_len + size + RP_SEAL_OVERHEAD_MAX) == 0);
		memcpy(file.data, hdr, hdr_len);
		size_t env_len;
		FUZZ_CHECK(rp_seal(rp_blob_codec_aead(c), alg, symkey, hdr, hdr_len, data, size, file.data + hdr_len,
				   &env_len, &e) == 0);
		file.len = hdr_len + env_len;
		int rc = rp_sfile_open(c, kind, rkey, pk, file.data, file.len, &out, &e);
		if (rc == 0) {
			FUZZ_CHECK(size >= 1 && data[0] <= 1);
			if (data[0] == 0)
				FUZZ_CHECK(out.len == size - 1 && (!out.len || !memcmp(out.data, data + 1, out.len)));
			FUZZ_CHECK(out.len <= RP_SFILE_MAX_BODY_BYTES);
		} else {
			FUZZ_CHECK(rc == RP_ECORRUPT);
			FUZZ_CHECK(size == 0 || data[0] != 0); /* stored bodies always open */
		}
	} else {
		FUZZ_CHECK(rp_sfile_seal(c, alg, kind, wkey, data, size, compress, &file, &e) == 0);
		FUZZ_CHECK(rp_sfile_version(kind, file.data, file.len) == RP_SFILE_VERSION);
		FUZZ_CHECK(rp_sfile_open(c, kind, rkey, pk, file.data, file.len, &out, &e) == 0);
		FUZZ_CHECK(out.len == size && (!size || !memcmp(out.data, data, size)));
		/* one flipped bit anywhere is refused */
		if (file.len) {
			size_t at = size ? data[0] % file.len : 0;
			file.data[at] ^= 0x01;
			rp_buf_reset(&out);
			FUZZ_CHECK(rp_sfile_open(c, kind, rkey, pk, file.data, file.len, &out, &e) != 0);
		}
	}
	rp_buf_free(&file);
	rp_buf_free(&out);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	rp_blob_codec *c;
	rp_buf f = {0}, z = {0};
	uint8_t pk[32], sk[32];
	static const char body[] = "{\"version\":1,\"tree\":\"00\",\"paths\":[\"/srv/partages\"]}";
	char name[32];
	fuzz_data_keys(pk, sk);
	rp_blob_codec_new(&c, 3, NULL);
	for (int kind = 0; kind < 4; kind++) {
		const uint8_t *key = kind == RP_SF_SNAPSHOT ? pk : FUZZ_KEY;
		for (int comp = 0; comp < 2; comp++) {
			rp_buf_reset(&f);
			rp_sfile_seal(c, RP_AEAD_XCHACHA20, (rp_sfile_kind)kind, key, body, sizeof body - 1, comp, &f, NULL);
			snprintf(name, sizeof name, "file-%d-%d", kind, comp);
			fuzz_seed_mode(dir, name, (uint8_t)kind, f.data, f.len);
			snprintf(name, sizeof name, "body-%d-%d", kind, comp);
			fuzz_seed_mode(dir, name, (uint8_t)(kind | 8 | comp << 4), body, sizeof body - 1);
		}
		/* plaintexts: stored, and one zstd frame */
		rp_buf_reset(&z);
		rp_buf_put_u8(&z, 0);
		rp_buf_put(&z, body, sizeof body - 1);
		snprintf(name, sizeof name, "plain-stored-%d", kind);
		fuzz_seed_mode(dir, name, (uint8_t)(kind | 4), z.data, z.len);
		rp_buf_reset(&z);
		rp_buf_put_u8(&z, 1);
		rp_zstd_compress(c, body, sizeof body - 1, &z, NULL);
		snprintf(name, sizeof name, "plain-zstd-%d", kind);
		fuzz_seed_mode(dir, name, (uint8_t)(kind | 4), z.data, z.len);
	}
	rp_buf_free(&f);
	rp_buf_free(&z);
	rp_blob_codec_free(c);
}
