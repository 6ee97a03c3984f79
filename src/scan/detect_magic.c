/* detect_magic.c - file types from magic bytes, trailers, and what an
 * extension promises.
 *
 * Magic numbers shorter than four bytes are only accepted with a second
 * check (BMP's size field, PE's header pointer), so that random data (an
 * encrypted file) is almost never taken for a structured type: a false match
 * would hide that file from the content rules.
 */
#include "detect_internal.h"

#include "../util/buf.h"

#include <string.h>

static int has(const uint8_t *h, size_t hn, size_t off, const void *magic, size_t mn)
{
	return hn >= off + mn && memcmp(h + off, magic, mn) == 0;
}

/* 1 when needle occurs in hay[0..n). */
static int contains(const uint8_t *hay, size_t n, const char *needle)
{
	size_t m = strlen(needle);
	if (m == 0 || n < m)
		return 0;
	for (size_t i = 0; i + m <= n; i++)
		if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, m) == 0)
			return 1;
	return 0;
}

/* Length in bytes of the MPI at p (2-byte bit count, then the bytes), or 0
 * when it does not fit in n. */
static size_t mpi_len(const uint8_t *p, size_t n)
{
	if (n < 2)
		return 0;
	size_t bytes = (((size_t)p[0] << 8 | p[1]) + 7) / 8;
	return bytes && 2 + bytes <= n ? 2 + bytes : 0;
}

/* The session-key material of a v3 PKESK packet fills its body exactly:
 * RSA one MPI, ElGamal two, ECDH an MPI and a sized key, X25519 32 bytes
 * and a sized key.  Random bytes almost never line up like this. */
static int pkesk_fits(const uint8_t *m, size_t n, uint8_t algo)
{
	size_t a, b;
	switch (algo) {
	case 1:
	case 2: return mpi_len(m, n) == n;
	case 16: return (a = mpi_len(m, n)) && (b = mpi_len(m + a, n - a)) && a + b == n;
	case 18: return (a = mpi_len(m, n)) && a < n && a + 1 + (size_t)m[a] == n;
	case 25: return n > 33 && 33 + (size_t)m[32] == n;
	default: return 0;
	}
}

/* OpenPGP binary message: a plausible first packet.  Returns 0 (not
 * OpenPGP), 1 (OpenPGP, not encrypted: signed or compressed) or 2 (an
 * encrypted message).  The checks are strict on purpose: one random file in
 * a few million may pass them, and a file taken for OpenPGP is no longer
 * judged as noise. */
static int openpgp_kind(const uint8_t *h, size_t hn)
{
	if (hn < 16 || !(h[0] & 0x80))
		return 0;
	unsigned tag;
	size_t off, len;
	int indeterminate = 0;
	if (h[0] & 0x40) { /* new format */
		tag = h[0] & 0x3f;
		if (h[1] < 192)
			len = h[1], off = 2;
		else if (h[1] < 224)
			len = ((size_t)(h[1] - 192) << 8) + h[2] + 192, off = 3;
		else
			return 0;
	} else {
		tag = (h[0] >> 2) & 0x0f;
		switch (h[0] & 3) {
		case 0: len = h[1], off = 2; break;
		case 1: len = (size_t)h[1] << 8 | h[2], off = 3; break;
		case 2: return 0;
		default: len = 0, off = 1, indeterminate = 1; break;
		}
	}
	const uint8_t *b = h + off;
	switch (tag) {
	case 1: /* public-key encrypted session key v3: key id, algorithm, MPIs */
		if (len >= 12 && len <= 1100 && b[0] == 3 && off + len <= hn)
			return pkesk_fits(b + 10, len - 10, b[9]) ? 2 : 0;
		return 0;
	case 3: /* symmetric-key encrypted session key v4: cipher, S2K, hash */
		if (len >= 4 && len <= 64 && b[0] == 4 && b[1] >= 1 && b[1] <= 13 &&
		    (b[2] == 0 || b[2] == 1 || b[2] == 3) && b[3] >= 1 && b[3] <= 11)
			return 2;
		return 0;
	case 4: /* one-pass signature v3 (signed file) */
		if (len == 13 && b[0] == 3 && b[1] <= 1 && b[2] >= 1 && b[2] <= 11 && (b[3] == 1 || b[3] == 17 ||
											  b[3] == 19 || b[3] == 22))
			return 1;
		return 0;
	case 8: /* compressed data (gpg --sign): zlib or bzip2 stream follows.  A raw
		 * deflate stream (gpg's default) has nothing to check: 1 random file
		 * in 65536 would pass, so it is left unrecognised */
		if (indeterminate && ((b[0] == 2 && b[1] == 0x78) || (b[0] == 3 && b[1] == 'B' && b[2] == 'Z')))
			return 1;
		return 0;
	default: return 0;
	}
}

int rp_scan_looks_utf16(const uint8_t *h, size_t n)
{
	if (n >= 2 && ((h[0] == 0xff && h[1] == 0xfe) || (h[0] == 0xfe && h[1] == 0xff)))
		return 1;
	if (n < 16)
		return 0;
	/* zero high bytes at odd (LE) or even (BE) positions, printable others */
	size_t pairs = n / 2, le = 0, be = 0;
	for (size_t i = 0; i + 1 < n; i += 2) {
		uint8_t a = h[i], b = h[i + 1];
		if (b == 0 && (a >= 0x20 || a == '\n' || a == '\r' || a == '\t'))
			le++;
		if (a == 0 && (b >= 0x20 || b == '\n' || b == '\r' || b == '\t'))
			be++;
	}
	return le * 10 >= pairs * 9 || be * 10 >= pairs * 9;
}

/* 7z: when the header database is encrypted (-mhe), the next header is an
 * encoded header whose coder list names AES (06 F1 07 01).  It sits at
 * 32 + next_header_offset, normally inside the tail we keep. */
static int sevenzip_encrypted(const uint8_t *h, size_t hn, const uint8_t *t, size_t tn, uint64_t size)
{
	if (hn < 32)
		return 0;
	uint64_t off = rp_load_u64le(h + 12), len = rp_load_u64le(h + 20);
	/* the coder id needs 4 bytes; len >= 4 and len <= tn also keep t non-null */
	if (len < 4 || off > size || len > size || 32 + off + len > size || len > tn)
		return 0;
	uint64_t start = 32 + off;
	if (start < size - tn)
		return 0;
	const uint8_t *p = t + (start - (size - tn));
	for (uint64_t i = 0; i + 4 <= len; i++)
		if (p[i] == 0x06 && p[i + 1] == 0xf1 && p[i + 2] == 0x07 && p[i + 3] == 0x01)
			return 1;
	return 0;
}

int rp_scan_magic(const uint8_t *h, size_t hn, const uint8_t *t, size_t tn, uint64_t size, uint8_t *flags)
{
	*flags = 0;
	if (size == 0)
		return RP_FT_EMPTY;
	if (has(h, hn, 0, "%PDF-", 5)) {
		if (contains(t, tn, "%%EOF"))
			*flags |= RP_REC_TRAILER_OK;
		if (contains(t, tn, "/Encrypt"))
			*flags |= RP_REC_ENCRYPTED;
		return RP_FT_PDF;
	}
	if (has(h, hn, 0, "PK\x03\x04", 4) || has(h, hn, 0, "PK\x05\x06", 4) || has(h, hn, 0, "PK\x07\x08", 4)) {
		if (contains(t, tn, "PK\x05\x06"))
			*flags |= RP_REC_TRAILER_OK;
		/* general-purpose flag bit 0 (encrypted) or WinZip AES (method 99) */
		if (has(h, hn, 0, "PK\x03\x04", 4) && hn >= 10 && ((h[6] & 1) || (h[8] == 99 && h[9] == 0)))
			*flags |= RP_REC_ENCRYPTED;
		if (contains(h, hn, "[Content_Types].xml") || contains(h, hn, "_rels/.rels"))
			return RP_FT_OOXML;
		if (contains(h, hn, "mimetypeapplication/vnd.oasis.opendocument"))
			return RP_FT_ODF;
		return RP_FT_ZIP;
	}
	if (has(h, hn, 0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
		return RP_FT_OLE;
	if (has(h, hn, 0, "\xff\xd8\xff", 3)) {
		if (tn >= 2 && contains(t, tn, "\xff\xd9"))
			*flags |= RP_REC_TRAILER_OK;
		return RP_FT_JPEG;
	}
	if (has(h, hn, 0, "\x89PNG\r\n\x1a\n", 8)) {
		if (contains(t, tn, "IEND"))
			*flags |= RP_REC_TRAILER_OK;
		return RP_FT_PNG;
	}
	if (has(h, hn, 0, "GIF87a", 6) || has(h, hn, 0, "GIF89a", 6)) {
		if (tn && t[tn - 1] == 0x3b)
			*flags |= RP_REC_TRAILER_OK;
		return RP_FT_GIF;
	}
	if (has(h, hn, 0, "II*\0", 4) || has(h, hn, 0, "MM\0*", 4) || has(h, hn, 0, "II+\0", 4))
		return RP_FT_TIFF;
	if (has(h, hn, 0, "BM", 2) && hn >= 6 && rp_load_u32le(h + 2) == size)
		return RP_FT_BMP;
	if (has(h, hn, 0, "RIFF", 4) &&
	    (has(h, hn, 8, "WEBP", 4) || has(h, hn, 8, "WAVE", 4) || has(h, hn, 8, "AVI ", 4)))
		return RP_FT_RIFF;
	if (has(h, hn, 0, "SQLite format 3\0", 16))
		return RP_FT_SQLITE;
	if (has(h, hn, 0, "\x1f\x8b\x08", 3) && hn >= 4 && h[3] < 0x20)
		return RP_FT_GZIP;
	if (has(h, hn, 0, "\xfd" "7zXZ\0", 6))
		return RP_FT_XZ;
	if (has(h, hn, 0, "\x28\xb5\x2f\xfd", 4) || (hn >= 4 && (h[0] & 0xf0) == 0x50 && has(h, hn, 1, "\x2a\x4d\x18", 3)))
		return RP_FT_ZSTD;
	if (has(h, hn, 0, "BZh", 3) && hn >= 10 && h[3] >= '1' && h[3] <= '9' &&
	    (has(h, hn, 4, "\x31\x41\x59\x26\x53\x59", 6) || has(h, hn, 4, "\x17\x72\x45\x38\x50\x90", 6)))
		return RP_FT_BZIP2;
	if (has(h, hn, 0, "7z\xbc\xaf\x27\x1c", 6)) {
		if (sevenzip_encrypted(h, hn, t, tn, size))
			*flags |= RP_REC_ENCRYPTED;
		return RP_FT_7Z;
	}
	if (has(h, hn, 0, "Rar!\x1a\x07", 6))
		return RP_FT_RAR;
	if (has(h, hn, 0, "\x04\x22\x4d\x18", 4))
		return RP_FT_LZ4;
	if (has(h, hn, 0, "MSCF\0\0\0\0", 8))
		return RP_FT_CAB;
	if (has(h, hn, 257, "ustar", 5))
		return RP_FT_TAR;
	if (has(h, hn, 0, "age-encryption.org/v1\n", 22) || has(h, hn, 0, "-----BEGIN AGE ENCRYPTED FILE-----", 34)) {
		*flags |= RP_REC_ENCRYPTED;
		return RP_FT_AGE;
	}
	if (has(h, hn, 0, "-----BEGIN PGP MESSAGE-----", 27)) {
		*flags |= RP_REC_ENCRYPTED;
		return RP_FT_OPENPGP;
	}
	if (has(h, hn, 0, "\x03\xd9\xa2\x9a", 4) && hn >= 8 && (h[4] == 0x65 || h[4] == 0x66 || h[4] == 0x67) &&
	    has(h, hn, 5, "\xfb\x4b\xb5", 3)) {
		*flags |= RP_REC_ENCRYPTED;
		return RP_FT_KDBX;
	}
	if (has(h, hn, 0, "\x7f" "ELF", 4))
		return RP_FT_ELF;
	if (has(h, hn, 0, "MZ", 2) && hn >= 0x40) {
		uint32_t pe = rp_load_u32le(h + 0x3c);
		if (pe + 4 <= hn ? has(h, hn, pe, "PE\0\0", 4) : (pe >= 0x40 && pe < 0x1000 && !(pe & 3)))
			return RP_FT_PE;
	}
	if (has(h, hn, 0, "\xfe\xed\xfa\xce", 4) || has(h, hn, 0, "\xfe\xed\xfa\xcf", 4) ||
	    has(h, hn, 0, "\xce\xfa\xed\xfe", 4) || has(h, hn, 0, "\xcf\xfa\xed\xfe", 4))
		return RP_FT_MACHO;
	if (has(h, hn, 4, "ftyp", 4) || has(h, hn, 4, "moov", 4) || has(h, hn, 4, "mdat", 4) || has(h, hn, 4, "wide", 4))
		return RP_FT_MP4;
	if (has(h, hn, 0, "\x1a\x45\xdf\xa3", 4))
		return RP_FT_MATROSKA;
	if (has(h, hn, 0, "ID3", 3) && hn >= 4 && h[3] >= 2 && h[3] <= 4)
		return RP_FT_MP3;
	if (has(h, hn, 0, "OggS", 4))
		return RP_FT_OGG;
	if (has(h, hn, 0, "fLaC", 4))
		return RP_FT_FLAC;
	if (has(h, hn, 0, "QFI\xfb", 4) || has(h, hn, 0, "KDMV", 4) || has(h, hn, 0, "vhdxfile", 8) ||
	    has(h, hn, 0, "conectix", 8) || (tn >= 512 && has(t + tn - 512, 512, 0, "conectix", 8)))
		return RP_FT_VDISK;
	if (has(h, hn, 0, "!BDN", 4))
		return RP_FT_PST;
	int pgp = openpgp_kind(h, hn);
	if (pgp) {
		if (pgp == 2)
			*flags |= RP_REC_ENCRYPTED;
		return RP_FT_OPENPGP;
	}
	return RP_FT_UNKNOWN;
}

int rp_scan_type_family(int type)
{
	switch (type) {
	case RP_FT_OOXML:
	case RP_FT_ODF: return RP_FT_ZIP;
	case RP_FT_TEXT_UTF16: return RP_FT_TEXT;
	default: return type;
	}
}

int rp_scan_type_is_archive(int type)
{
	switch (type) {
	case RP_FT_ZIP:
	case RP_FT_GZIP:
	case RP_FT_XZ:
	case RP_FT_ZSTD:
	case RP_FT_BZIP2:
	case RP_FT_7Z:
	case RP_FT_RAR:
	case RP_FT_LZ4:
	case RP_FT_TAR:
	case RP_FT_CAB: return 1;
	default: return 0;
	}
}

int rp_scan_type_is_opaque(int type)
{
	switch (type) {
	case RP_FT_UNKNOWN:
	case RP_FT_EMPTY:
	case RP_FT_TEXT:
	case RP_FT_TEXT_UTF16:
	case RP_FT_SQLITE:
	case RP_FT_ELF:
	case RP_FT_PE:
	case RP_FT_MACHO:
	case RP_FT_BMP:
	case RP_FT_TAR:
	case RP_FT_PST:
	case RP_FT_OLE:
	case RP_FT_VDISK: return 0;
	default: return 1;
	}
}

typedef struct ext_claim {
	const char *ext;
	int type;
} ext_claim;

/* Extensions whose promise we can check.  Ambiguous ones (.db, .dat, .bin,
 * .img, .mp3 without tag...) are left out on purpose. */
static const ext_claim EXT_CLAIMS[] = {
	{"txt", RP_FT_TEXT},   {"csv", RP_FT_TEXT},   {"tsv", RP_FT_TEXT},   {"xml", RP_FT_TEXT},
	{"html", RP_FT_TEXT},  {"htm", RP_FT_TEXT},   {"xhtml", RP_FT_TEXT}, {"eml", RP_FT_TEXT},
	{"log", RP_FT_TEXT},   {"md", RP_FT_TEXT},    {"ini", RP_FT_TEXT},   {"json", RP_FT_TEXT},
	{"sql", RP_FT_TEXT},   {"rtf", RP_FT_TEXT},   {"sh", RP_FT_TEXT},    {"bat", RP_FT_TEXT},
	{"cmd", RP_FT_TEXT},   {"ps1", RP_FT_TEXT},   {"py", RP_FT_TEXT},    {"c", RP_FT_TEXT},
	{"h", RP_FT_TEXT},     {"js", RP_FT_TEXT},    {"css", RP_FT_TEXT},   {"yml", RP_FT_TEXT},
	{"yaml", RP_FT_TEXT},  {"conf", RP_FT_TEXT},  {"cfg", RP_FT_TEXT},   {"ics", RP_FT_TEXT},
	{"vcf", RP_FT_TEXT},   {"svg", RP_FT_TEXT},   {"pdf", RP_FT_PDF},    {"docx", RP_FT_ZIP},
	{"xlsx", RP_FT_ZIP},   {"pptx", RP_FT_ZIP},   {"docm", RP_FT_ZIP},   {"xlsm", RP_FT_ZIP},
	{"pptm", RP_FT_ZIP},   {"dotx", RP_FT_ZIP},   {"xltx", RP_FT_ZIP},   {"potx", RP_FT_ZIP},
	{"odt", RP_FT_ZIP},    {"ods", RP_FT_ZIP},    {"odp", RP_FT_ZIP},    {"odg", RP_FT_ZIP},
	{"ott", RP_FT_ZIP},    {"zip", RP_FT_ZIP},    {"jar", RP_FT_ZIP},    {"epub", RP_FT_ZIP},
	{"doc", RP_FT_OLE},    {"xls", RP_FT_OLE},    {"ppt", RP_FT_OLE},    {"msg", RP_FT_OLE},
	{"msi", RP_FT_OLE},    {"jpg", RP_FT_JPEG},   {"jpeg", RP_FT_JPEG},  {"jpe", RP_FT_JPEG},
	{"jfif", RP_FT_JPEG},  {"png", RP_FT_PNG},    {"gif", RP_FT_GIF},    {"tif", RP_FT_TIFF},
	{"tiff", RP_FT_TIFF},  {"bmp", RP_FT_BMP},    {"webp", RP_FT_RIFF},  {"wav", RP_FT_RIFF},
	{"avi", RP_FT_RIFF},   {"sqlite", RP_FT_SQLITE}, {"sqlite3", RP_FT_SQLITE}, {"gz", RP_FT_GZIP},
	{"tgz", RP_FT_GZIP},   {"xz", RP_FT_XZ},      {"txz", RP_FT_XZ},     {"zst", RP_FT_ZSTD},
	{"bz2", RP_FT_BZIP2},  {"7z", RP_FT_7Z},      {"rar", RP_FT_RAR},    {"lz4", RP_FT_LZ4},
	{"tar", RP_FT_TAR},    {"cab", RP_FT_CAB},    {"gpg", RP_FT_OPENPGP}, {"pgp", RP_FT_OPENPGP},
	{"age", RP_FT_AGE},    {"kdbx", RP_FT_KDBX},  {"exe", RP_FT_PE},     {"dll", RP_FT_PE},
	{"mp4", RP_FT_MP4},    {"m4v", RP_FT_MP4},    {"mov", RP_FT_MP4},    {"m4a", RP_FT_MP4},
	{"mkv", RP_FT_MATROSKA}, {"webm", RP_FT_MATROSKA}, {"ogg", RP_FT_OGG}, {"flac", RP_FT_FLAC},
	{"qcow2", RP_FT_VDISK}, {"vmdk", RP_FT_VDISK}, {"vhdx", RP_FT_VDISK}, {"vhd", RP_FT_VDISK},
	{"pst", RP_FT_PST},    {"ost", RP_FT_PST},
};

int rp_scan_ext_claim(const char *ext, size_t n)
{
	if (n == 0)
		return -1;
	for (size_t i = 0; i < sizeof EXT_CLAIMS / sizeof EXT_CLAIMS[0]; i++)
		if (strlen(EXT_CLAIMS[i].ext) == n && memcmp(EXT_CLAIMS[i].ext, ext, n) == 0)
			return EXT_CLAIMS[i].type;
	return -1;
}
