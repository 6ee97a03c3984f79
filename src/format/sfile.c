/* sfile.c - sealed repository files. */
#include "sfile.h"

#include <string.h>

#define SFILE_HEADER_BYTES 8

static const char *kind_magic(rp_sfile_kind k)
{
	switch (k) {
	case RP_SF_CONFIG: return "RCFG";
	case RP_SF_INDEX: return "RIDX";
	case RP_SF_LOCK: return "RLCK";
	default: return "RSNP";
	}
}

static const char *kind_name(rp_sfile_kind k)
{
	switch (k) {
	case RP_SF_CONFIG: return "config";
	case RP_SF_INDEX: return "index";
	case RP_SF_LOCK: return "lock";
	default: return "snapshot";
	}
}

static int kind_mode(rp_sfile_kind k)
{
	return k == RP_SF_SNAPSHOT ? 2 : 1;
}

int rp_sfile_seal(rp_blob_codec *c, int alg, rp_sfile_kind kind, const uint8_t key[32], const void *body,
		  size_t n, int compress, rp_buf *out, rp_err *e)
{
	rp_buf plain = {0};
	uint8_t hdr[SFILE_HEADER_BYTES + 32];
	uint8_t symkey[RP_KEY_BYTES];
	size_t hdr_len = SFILE_HEADER_BYTES;
	int rc;
	memcpy(hdr, kind_magic(kind), 4);
	hdr[4] = RP_SFILE_VERSION;
	hdr[5] = (uint8_t)kind_mode(kind);
	hdr[6] = hdr[7] = 0;
	if (kind_mode(kind) == 2) {
		if ((rc = rp_seal_key_new(key, hdr + SFILE_HEADER_BYTES, symkey, e)))
			return rc;
		hdr_len += 32;
	} else {
		memcpy(symkey, key, RP_KEY_BYTES);
	}
	if (rp_buf_put_u8(&plain, compress ? 1 : 0)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	rc = compress ? rp_zstd_compress(c, body, n, &plain, e)
		      : (rp_buf_put(&plain, body, n) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0);
	if (rc)
		goto done;
	if (rp_buf_reserve(out, hdr_len + plain.len + RP_SEAL_OVERHEAD_MAX)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(out->data + out->len, hdr, hdr_len);
	size_t env_len;
	rc = rp_seal(rp_blob_codec_aead(c), alg, symkey, hdr, hdr_len, plain.data, plain.len,
		     out->data + out->len + hdr_len, &env_len, e);
	if (!rc)
		out->len += hdr_len + env_len;
done:
	rp_wipe(symkey, sizeof symkey);
	rp_buf_free(&plain);
	return rc;
}

int rp_sfile_version(rp_sfile_kind kind, const uint8_t *file, size_t n)
{
	if (n < SFILE_HEADER_BYTES || memcmp(file, kind_magic(kind), 4))
		return -1;
	return file[4];
}

int rp_sfile_open(rp_blob_codec *c, rp_sfile_kind kind, const uint8_t *key, const uint8_t *pk, const uint8_t *file,
		  size_t n, rp_buf *out, rp_err *e)
{
	const char *what = kind_name(kind);
	int v = rp_sfile_version(kind, file, n);
	if (v < 0)
		return rp_err_set(e, RP_ECORRUPT, "not a %s file (bad header)", what);
	if (v > RP_SFILE_VERSION)
		return rp_err_set(e, RP_EVERSION,
				  "%s written by a newer rempart (format version %d, this program reads %d)", what,
				  v, RP_SFILE_VERSION);
	if (v == 0 || file[5] != kind_mode(kind))
		return rp_err_set(e, RP_ECORRUPT, "%s file has an invalid header", what);
	size_t hdr_len = SFILE_HEADER_BYTES;
	uint8_t symkey[RP_KEY_BYTES];
	int rc;
	if (kind_mode(kind) == 2) {
		if (!key)
			return rp_err_set(e, RP_EPERM, "a backup-only key cannot read %s files", what);
		if (n < hdr_len + 32)
			return rp_err_set(e, RP_ECORRUPT, "%s file is truncated", what);
		if ((rc = rp_seal_key_open(key, pk, file + hdr_len, symkey, e)))
			return rc;
		hdr_len += 32;
	} else {
		memcpy(symkey, key, RP_KEY_BYTES);
	}
	rp_buf plain = {0};
	if (rp_buf_reserve(&plain, n)) {
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	rc = rp_open(rp_blob_codec_aead(c), symkey, file, hdr_len, file + hdr_len, n - hdr_len, plain.data,
		     &plain.len, e);
	if (rc) {
		rp_err_prefix(e, "%s file", what);
		goto done;
	}
	if (plain.len < 1 || plain.data[0] > 1) {
		rc = rp_err_set(e, RP_ECORRUPT, "%s file has an unknown encoding", what);
		goto done;
	}
	if (plain.data[0] == 1)
		rc = rp_zstd_decompress(c, plain.data + 1, plain.len - 1, RP_SFILE_MAX_BODY_BYTES, out, e);
	else if (rp_buf_put(out, plain.data + 1, plain.len - 1))
		rc = rp_err_set(e, RP_ENOMEM, "out of memory");
	if (rc)
		rp_err_prefix(e, "%s file", what);
done:
	rp_wipe(symkey, sizeof symkey);
	rp_buf_free(&plain);
	return rc;
}
