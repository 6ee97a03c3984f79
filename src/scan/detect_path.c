/* detect_path.c - splitting paths into folder, name and extensions, and the
 * hash used for paths and names. */
#include "detect_internal.h"

#include <string.h>

/* Copies the extension p[0..n) lower-cased into out if it looks like one:
 * 1..RP_SCAN_EXT_MAX_BYTES bytes, no space.  Returns its length or 0. */
static size_t take_ext(const uint8_t *p, size_t n, char out[RP_SCAN_EXT_MAX_BYTES + 1])
{
	out[0] = 0;
	if (n == 0 || n > RP_SCAN_EXT_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i];
		if (c == ' ' || c < 0x21 || c == 0x7f)
			return 0;
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = 0;
	return n;
}

void rp_scan_path_split(const uint8_t *path, size_t n, rp_scan_path *out)
{
	memset(out, 0, sizeof *out);
	size_t slash = n;
	while (slash > 0 && path[slash - 1] != '/')
		slash--;
	out->name = path + slash;
	out->name_len = n - slash;
	out->dir_len = slash > 0 ? slash - 1 : 0;
	out->stem_len = n;
	/* a leading dot is a hidden file's name, not an extension */
	const uint8_t *nm = out->name;
	size_t len = out->name_len;
	size_t dot = len;
	while (dot > 1 && nm[dot - 1] != '.')
		dot--;
	if (dot <= 1)
		return;
	/* dot-1 is the index of the '.' */
	size_t ext_at = dot, ext_len = len - dot;
	out->ext_len = take_ext(nm + ext_at, ext_len, out->ext);
	if (!out->ext_len)
		return;
	out->stem_len = n - ext_len - 1;
	size_t stem_name = dot - 1; /* name[0..stem_name) is the name without .ext */
	size_t d2 = stem_name;
	while (d2 > 1 && nm[d2 - 1] != '.')
		d2--;
	if (d2 > 1)
		out->inner_len = take_ext(nm + d2, stem_name - d2, out->inner);
}

uint64_t rp_scan_hash(const void *p, size_t n, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (0x9e3779b97f4a7c15ULL * (n + 1));
	while (n >= 8) {
		uint64_t v;
		memcpy(&v, b, 8);
		h = rp_scan_mix64(h ^ v) + 0x632be59bd9b4e019ULL;
		b += 8;
		n -= 8;
	}
	uint64_t v = 0;
	for (size_t i = 0; i < n; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return rp_scan_mix64(h ^ v ^ 0xa0761d6478bd642fULL);
}

uint64_t rp_scan_path_hash(const uint8_t *path, size_t len)
{
	return rp_scan_hash(path, len, 0x7061746873ULL);
}
