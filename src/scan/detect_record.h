/* detect_record.h - the per-file scan record: what rp_scan_file_end writes
 * and the analyzer reads back.  It is part of the repository format (tree
 * entries and the local cache), documented byte by byte in docs/DETECTION.md.
 *
 * Version 1 is RP_SCAN_RECORD_V1_BYTES long.  A later version that only
 * appends fields keeps version 1 and decoders ignore the extra bytes; a
 * version byte above RP_SCAN_RECORD_VERSION means the layout changed and the
 * decoder refuses it (RP_EVERSION), so an old reader never misreads a field.
 */
#ifndef RP_DETECT_RECORD_H
#define RP_DETECT_RECORD_H

#include "../util/err.h"

#include <stddef.h>
#include <stdint.h>

#define RP_SCAN_RECORD_VERSION 1
#define RP_SCAN_RECORD_V1_BYTES 36
#define RP_SCAN_HEAD_REGION_BYTES 4096 /* the "head" counters cover windows starting here */

/* File types found from magic bytes (and text detection).  The numbers are
 * stored on disk: never renumber, only append. */
enum {
	RP_FT_UNKNOWN = 0, /* binary with no recognised structure */
	RP_FT_EMPTY = 1,
	RP_FT_TEXT = 2, /* ASCII, UTF-8 or 8-bit text */
	RP_FT_TEXT_UTF16 = 3,
	RP_FT_PDF = 4,
	RP_FT_ZIP = 5,
	RP_FT_OOXML = 6, /* zip with [Content_Types].xml: docx, xlsx, pptx */
	RP_FT_ODF = 7,   /* zip with an OpenDocument mimetype */
	RP_FT_OLE = 8,   /* compound file: doc, xls, ppt, msg, msi */
	RP_FT_JPEG = 9,
	RP_FT_PNG = 10,
	RP_FT_GIF = 11,
	RP_FT_TIFF = 12,
	RP_FT_BMP = 13,
	RP_FT_RIFF = 14, /* webp, wav, avi */
	RP_FT_SQLITE = 15,
	RP_FT_GZIP = 16,
	RP_FT_XZ = 17,
	RP_FT_ZSTD = 18,
	RP_FT_BZIP2 = 19,
	RP_FT_7Z = 20,
	RP_FT_RAR = 21,
	RP_FT_LZ4 = 22,
	RP_FT_TAR = 23,
	RP_FT_CAB = 24,
	RP_FT_OPENPGP = 25,
	RP_FT_AGE = 26,
	RP_FT_KDBX = 27, /* KeePass database */
	RP_FT_ELF = 28,
	RP_FT_PE = 29,
	RP_FT_MACHO = 30,
	RP_FT_MP4 = 31, /* ISO base media: mp4, mov, m4a, heic */
	RP_FT_MATROSKA = 32,
	RP_FT_MP3 = 33, /* with an ID3 tag */
	RP_FT_OGG = 34,
	RP_FT_FLAC = 35,
	RP_FT_VDISK = 36, /* qcow, vmdk, vhd, vhdx */
	RP_FT_PST = 37,   /* Outlook data file */
	RP_FT_COUNT
};

/* Window classes (2 bits each in `classes`). */
enum { RP_WIN_BINARY = 0, RP_WIN_TEXT = 1, RP_WIN_NOISE = 2, RP_WIN_ENCODED = 3 };

/* Record flags. */
enum {
	RP_REC_SAMPLED = 0x01,    /* windows were sampled: not every byte was analysed */
	RP_REC_TRAILER_OK = 0x02, /* the end of the file matches its type (PDF, zip, JPEG, PNG, GIF) */
	RP_REC_ENCRYPTED = 0x04,  /* encrypted by a known tool (type says which) */
	RP_REC_KNOWN_FLAGS = 0x07,
};

typedef struct rp_scan_rec {
	uint8_t version;
	uint8_t type;        /* RP_FT_* */
	uint8_t flags;       /* RP_REC_* */
	uint8_t first_class; /* RP_WIN_* of the first window (BINARY when no window) */
	uint8_t tail_class;  /* RP_WIN_* of the last 512 bytes */
	uint64_t size;
	uint16_t windows, noise, encoded, text; /* analysed windows and their classes */
	uint8_t head_windows, head_noise, head_encoded, head_text; /* windows of the first 4 KiB */
	uint16_t entropy_x4096; /* bits per byte of the analysed bytes, times 4096 */
	uint16_t chi2;          /* chi-square of all analysed bytes, saturated at 65535 */
	uint8_t control_x255;   /* share of control bytes (not tab/CR/LF) */
	uint8_t high_x255;      /* share of bytes >= 0x80 */
	uint8_t top[4];         /* the four most frequent byte values */
	uint8_t top1_x255;      /* share of top[0] */
	uint8_t top4_x255;      /* share of the four together */
} rp_scan_rec;

/* Writes r as version RP_SCAN_RECORD_VERSION into out; returns the length. */
size_t rp_scan_rec_encode(const rp_scan_rec *r, uint8_t out[RP_SCAN_RECORD_V1_BYTES]);
/* Reads p[0..n).  0, RP_EVERSION for a newer layout, RP_ECORRUPT for
 * anything else that is not a record (message in e, which may be NULL). */
int rp_scan_rec_decode(const uint8_t *p, size_t n, rp_scan_rec *r, rp_err *e);

/* A short name for a type ("pdf", "zip", "text", ...; "?" if unknown). */
const char *rp_scan_type_name(int type);

#endif
