/* detect_record.c - scan record codec (layout in docs/DETECTION.md). */
#include "detect_record.h"

#include "../util/buf.h"

#include <string.h>

#define ENTROPY_MAX_X4096 (8 * 4096)

size_t rp_scan_rec_encode(const rp_scan_rec *r, uint8_t out[RP_SCAN_RECORD_V1_BYTES])
{
	out[0] = RP_SCAN_RECORD_VERSION;
	out[1] = r->type;
	out[2] = r->flags;
	out[3] = (uint8_t)((r->first_class & 3) | (r->tail_class & 3) << 2);
	rp_store_u64le(out + 4, r->size);
	out[12] = (uint8_t)r->windows, out[13] = (uint8_t)(r->windows >> 8);
	out[14] = (uint8_t)r->noise, out[15] = (uint8_t)(r->noise >> 8);
	out[16] = (uint8_t)r->encoded, out[17] = (uint8_t)(r->encoded >> 8);
	out[18] = (uint8_t)r->text, out[19] = (uint8_t)(r->text >> 8);
	out[20] = r->head_windows;
	out[21] = r->head_noise;
	out[22] = r->head_encoded;
	out[23] = r->head_text;
	out[24] = (uint8_t)r->entropy_x4096, out[25] = (uint8_t)(r->entropy_x4096 >> 8);
	out[26] = (uint8_t)r->chi2, out[27] = (uint8_t)(r->chi2 >> 8);
	out[28] = r->control_x255;
	out[29] = r->high_x255;
	memcpy(out + 30, r->top, 4);
	out[34] = r->top1_x255;
	out[35] = r->top4_x255;
	return RP_SCAN_RECORD_V1_BYTES;
}

static uint16_t load_u16le(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int rp_scan_rec_decode(const uint8_t *p, size_t n, rp_scan_rec *r, rp_err *e)
{
	memset(r, 0, sizeof *r);
	if (n < 1 || !p)
		return rp_err_set(e, RP_ECORRUPT, "scan record: empty");
	if (p[0] > RP_SCAN_RECORD_VERSION)
		return rp_err_set(e, RP_EVERSION, "scan record: version %u is newer than this program (%u)", p[0],
				  RP_SCAN_RECORD_VERSION);
	if (p[0] == 0)
		return rp_err_set(e, RP_ECORRUPT, "scan record: version 0");
	if (n < RP_SCAN_RECORD_V1_BYTES)
		return rp_err_set(e, RP_ECORRUPT, "scan record: %zu bytes, version 1 needs %d", n,
				  RP_SCAN_RECORD_V1_BYTES);
	r->version = p[0];
	r->type = p[1];
	r->flags = p[2];
	r->first_class = p[3] & 3;
	r->tail_class = (p[3] >> 2) & 3;
	r->size = rp_load_u64le(p + 4);
	r->windows = load_u16le(p + 12);
	r->noise = load_u16le(p + 14);
	r->encoded = load_u16le(p + 16);
	r->text = load_u16le(p + 18);
	r->head_windows = p[20];
	r->head_noise = p[21];
	r->head_encoded = p[22];
	r->head_text = p[23];
	r->entropy_x4096 = load_u16le(p + 24);
	r->chi2 = load_u16le(p + 26);
	r->control_x255 = p[28];
	r->high_x255 = p[29];
	memcpy(r->top, p + 30, 4);
	r->top1_x255 = p[34];
	r->top4_x255 = p[35];
	/* every field must be one the encoder can produce: the analyzer's
	 * arithmetic relies on these bounds */
	const char *bad = NULL;
	if (r->type >= RP_FT_COUNT)
		bad = "unknown file type";
	else if (r->flags & ~RP_REC_KNOWN_FLAGS)
		bad = "unknown flags";
	else if (p[3] & 0xf0)
		bad = "reserved class bits set";
	else if ((uint32_t)r->noise + r->encoded + r->text > r->windows)
		bad = "window classes exceed the window count";
	else if (r->head_windows > RP_SCAN_HEAD_REGION_BYTES / 512 || r->head_windows > r->windows ||
		 r->head_noise + r->head_encoded + r->head_text > r->head_windows)
		bad = "head window counts out of range";
	else if (r->head_noise > r->noise || r->head_encoded > r->encoded || r->head_text > r->text)
		bad = "head windows exceed file windows";
	else if (r->entropy_x4096 > ENTROPY_MAX_X4096)
		bad = "entropy above 8 bits per byte";
	else if (r->top1_x255 > r->top4_x255)
		bad = "top byte share above the top four's";
	else if ((r->type == RP_FT_EMPTY) != (r->size == 0))
		bad = "empty type and size disagree";
	if (bad) {
		memset(r, 0, sizeof *r);
		return rp_err_set(e, RP_ECORRUPT, "scan record: %s", bad);
	}
	return 0;
}

const char *rp_scan_type_name(int type)
{
	static const char *const names[RP_FT_COUNT] = {
		[RP_FT_UNKNOWN] = "unknown", [RP_FT_EMPTY] = "empty",   [RP_FT_TEXT] = "text",
		[RP_FT_TEXT_UTF16] = "utf16-text", [RP_FT_PDF] = "pdf", [RP_FT_ZIP] = "zip",
		[RP_FT_OOXML] = "ooxml",     [RP_FT_ODF] = "odf",       [RP_FT_OLE] = "ole",
		[RP_FT_JPEG] = "jpeg",       [RP_FT_PNG] = "png",       [RP_FT_GIF] = "gif",
		[RP_FT_TIFF] = "tiff",       [RP_FT_BMP] = "bmp",       [RP_FT_RIFF] = "riff",
		[RP_FT_SQLITE] = "sqlite",   [RP_FT_GZIP] = "gzip",     [RP_FT_XZ] = "xz",
		[RP_FT_ZSTD] = "zstd",       [RP_FT_BZIP2] = "bzip2",   [RP_FT_7Z] = "7z",
		[RP_FT_RAR] = "rar",         [RP_FT_LZ4] = "lz4",       [RP_FT_TAR] = "tar",
		[RP_FT_CAB] = "cab",         [RP_FT_OPENPGP] = "openpgp", [RP_FT_AGE] = "age",
		[RP_FT_KDBX] = "keepass",    [RP_FT_ELF] = "elf",       [RP_FT_PE] = "pe",
		[RP_FT_MACHO] = "mach-o",    [RP_FT_MP4] = "mp4",       [RP_FT_MATROSKA] = "matroska",
		[RP_FT_MP3] = "mp3",         [RP_FT_OGG] = "ogg",       [RP_FT_FLAC] = "flac",
		[RP_FT_VDISK] = "disk-image", [RP_FT_PST] = "pst",
	};
	if (type < 0 || type >= RP_FT_COUNT)
		return "?";
	return names[type];
}
