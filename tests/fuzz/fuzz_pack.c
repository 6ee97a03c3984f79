/* fuzz_pack.c - pack header and trailer codecs.
 *
 * The first input byte picks a mode:
 *   0  header: rp_pack_header_decode on the rest, and rp_pack_trailer_len
 *      on its first 4 bytes with the pack size from the next 8;
 *   1  envelope: the rest is a trailer envelope, opened with a fixed key
 *      (exercises the envelope parsing in front of the AEAD);
 *   2+ plaintext: blobs_end(u32le) then a trailer table, sealed with the
 *      fixed key first so the table decoder behind the AEAD is reached.
 * Properties: every accepted entry lies inside [header, blobs_end) and
 * holds exactly the numbers written in the table (nothing truncated); an
 * accepted table, encoded again, decodes to the same entries.
 */
#include "format/pack.h"
#include "fuzz_common.h"

static void check_entries(rp_aead *a, const uint8_t hdr[RP_PACK_HEADER_BYTES], const rp_pack_entry *ents, size_t n,
			  uint64_t blobs_end)
{
	rp_buf again = {0};
	rp_pack_entry *back = NULL;
	size_t m = 0;
	rp_err e;
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(ents[i].offset >= RP_PACK_HEADER_BYTES);
		FUZZ_CHECK((uint64_t)ents[i].offset + ents[i].sealed_len <= blobs_end);
	}
	FUZZ_CHECK(rp_pack_trailer_encode(a, RP_AEAD_XCHACHA20, FUZZ_KEY, hdr, ents, n, &again, &e) == 0);
	uint32_t len = (uint32_t)(again.len - 4);
	if (blobs_end >= RP_PACK_HEADER_BYTES) { /* a real pack holds its header */
		FUZZ_CHECK(rp_pack_trailer_len(again.data + again.len - 4, blobs_end + again.len, &len, &e) == 0);
		FUZZ_CHECK(len == again.len - 4);
	}
	FUZZ_CHECK(rp_pack_trailer_decode(a, FUZZ_KEY, hdr, again.data, len, blobs_end, &back, &m, &e) == 0);
	FUZZ_CHECK(m == n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(!memcmp(&back[i].id, &ents[i].id, RP_ID_BYTES) && back[i].type == ents[i].type &&
			   back[i].flags == ents[i].flags && back[i].offset == ents[i].offset &&
			   back[i].sealed_len == ents[i].sealed_len && back[i].raw_len == ents[i].raw_len);
	free(back);
	rp_buf_free(&again);
}

/* The table read again with the plain reader: the decoder must have kept
 * every number exactly. */
static void same_as_table(const uint8_t *plain, size_t n_plain, const rp_pack_entry *ents, size_t n)
{
	rp_rd r;
	uint8_t version, type, flags;
	uint64_t count, off, slen, rlen;
	const uint8_t *id;
	rp_rd_init(&r, plain, n_plain);
	FUZZ_CHECK(!rp_rd_u8(&r, &version) && !rp_rd_varint(&r, &count) && count == n);
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(!rp_rd_u8(&r, &type) && !rp_rd_u8(&r, &flags) && !rp_rd_raw(&r, &id, RP_ID_BYTES) &&
			   !rp_rd_varint(&r, &off) && !rp_rd_varint(&r, &slen) && !rp_rd_varint(&r, &rlen));
		FUZZ_CHECK(type == ents[i].type && flags == ents[i].flags && !memcmp(id, ents[i].id.b, RP_ID_BYTES));
		FUZZ_CHECK(off == ents[i].offset && slen == ents[i].sealed_len && rlen == ents[i].raw_len);
	}
	FUZZ_CHECK(rp_rd_left(&r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_aead *a = NULL;
	rp_err e;
	uint8_t hdr[RP_PACK_HEADER_BYTES], eph[32] = {0x42}, got[32];
	if (size < 1)
		return 0;
	uint8_t mode = data[0];
	data++, size--;
	if (mode == 0) {
		int rc = rp_pack_header_decode(data, size, got, &e);
		if (!rc)
			FUZZ_CHECK(size >= RP_PACK_HEADER_BYTES && !memcmp(got, data + 8, 32));
		if (size >= 12) {
			uint32_t len;
			uint64_t pack_size = rp_load_u64le(data + 4);
			if (!rp_pack_trailer_len(data, pack_size, &len, &e))
				FUZZ_CHECK((uint64_t)len + RP_PACK_HEADER_BYTES + 4 <= pack_size &&
					   len <= RP_PACK_MAX_TRAILER_BYTES);
		}
		return 0;
	}
	FUZZ_CHECK(rp_aead_new(&a, &e) == 0);
	rp_pack_header_encode(hdr, eph);
	rp_pack_entry *ents = NULL;
	size_t n = 0;
	if (mode == 1) {
		uint64_t blobs_end = 1u << 30;
		if (!rp_pack_trailer_decode(a, FUZZ_KEY, hdr, data, size, blobs_end, &ents, &n, &e))
			check_entries(a, hdr, ents, n, blobs_end);
	} else if (size >= 4) {
		uint64_t blobs_end = rp_load_u32le(data);
		if (mode & 0x80)
			blobs_end <<= 8; /* also reach pack sizes past 4 GiB */
		int alg = mode & 1 ? RP_AEAD_AES256GCM : RP_AEAD_XCHACHA20;
		uint8_t *env = malloc(size - 4 + RP_SEAL_OVERHEAD_MAX);
		size_t env_len;
		FUZZ_CHECK(env);
		FUZZ_CHECK(rp_seal(a, alg, FUZZ_KEY, hdr, sizeof hdr, data + 4, size - 4, env, &env_len, &e) == 0);
		int rc = rp_pack_trailer_decode(a, FUZZ_KEY, hdr, env, env_len, blobs_end, &ents, &n, &e);
		if (!rc) {
			same_as_table(data + 4, size - 4, ents, n);
			check_entries(a, hdr, ents, n, blobs_end);
		} else
			FUZZ_CHECK(rc == RP_ECORRUPT || rc == RP_EVERSION);
		free(env);
	}
	free(ents);
	rp_aead_free(a);
	return 0;
}

static void fuzz_write_seeds(const char *dir)
{
	uint8_t hdr[RP_PACK_HEADER_BYTES], eph[32] = {0x42};
	rp_pack_entry ents[3] = {
		{{{1}}, 0, 1, 40, 100, 200},
		{{{2}}, 0, 0, 140, 50, 21},
		{{{3}}, 1, 1, 190, 10, 5},
	};
	rp_pack_header_encode(hdr, eph);
	rp_buf b = {0};
	rp_buf_put(&b, hdr, sizeof hdr);
	rp_buf_put_u64le(&b, 1000);
	fuzz_seed_mode(dir, "header", 0, b.data, b.len);
	/* a real trailer envelope under the fixed key */
	rp_aead *a;
	rp_aead_new(&a, NULL);
	rp_buf_reset(&b);
	rp_pack_trailer_encode(a, RP_AEAD_XCHACHA20, FUZZ_KEY, hdr, ents, 3, &b, NULL);
	fuzz_seed_mode(dir, "envelope", 1, b.data, b.len - 4);
	rp_aead_free(a);
	/* the plaintext table: version, count, entries */
	rp_buf_reset(&b);
	rp_buf_put_u32le(&b, 200);
	rp_buf_put_u8(&b, RP_PACK_VERSION);
	rp_buf_put_varint(&b, 3);
	for (int i = 0; i < 3; i++) {
		rp_buf_put_u8(&b, ents[i].type);
		rp_buf_put_u8(&b, ents[i].flags);
		rp_buf_put(&b, ents[i].id.b, RP_ID_BYTES);
		rp_buf_put_varint(&b, ents[i].offset);
		rp_buf_put_varint(&b, ents[i].sealed_len);
		rp_buf_put_varint(&b, ents[i].raw_len);
	}
	fuzz_seed_mode(dir, "table", 2, b.data, b.len);
	fuzz_seed_mode(dir, "table-gcm", 3, b.data, b.len);
	fuzz_seed_mode(dir, "table-big", 0x82, b.data, b.len);
	rp_buf_free(&b);
}
