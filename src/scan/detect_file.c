/* detect_file.c - per-file signals computed while the file streams by.
 *
 * Cost model: a window costs one histogram increment per byte plus a few
 * passes over 256 counters, and skipped bytes cost nothing.  So the scanner
 * analyses every window of the first FULL_SCAN_BYTES (where file types and
 * small files live) and then at most MAX_SAMPLED_WINDOWS windows spread over
 * the rest, each at a jittered spot inside its stride so that striped
 * (intermittent) encryption of any period is sampled at every phase.  Files
 * whose magic names an already-compressed type get the sparse plan.
 */
#include "detect_internal.h"

#include <math.h>
#include <string.h>

#define FULL_SCAN_BYTES (64u << 10)
#define MAX_SAMPLED_WINDOWS 448u
#define MIN_STRIDE_BYTES (8u * RP_SCAN_WINDOW_BYTES)
/* Files whose first bytes name an already-compressed type (zip, JPEG, PDF,
 * video...) are judged by their structure, not by the noise in their body,
 * so their body is sampled sparsely. */
#define SPARSE_FULL_SCAN_BYTES RP_SCAN_HEAD_REGION_BYTES
#define SPARSE_MAX_SAMPLED_WINDOWS 128u
#define SPARSE_MIN_STRIDE_BYTES (64u * RP_SCAN_WINDOW_BYTES)
#define MIN_WINDOW_BYTES 32u /* the chi-square test still separates text from noise here */

/* Chi-square of a window's byte histogram against the uniform distribution
 * has mean 255 and standard deviation ~22.6 for random bytes, whatever the
 * window length.  Below this bound the window is as flat as random data (p of
 * a random window failing it ~1e-7); text is in the thousands. */
#define NOISE_CHI2_MAX 390u
/* Encoded noise (base64, hex, base32 of random bytes): at least this many
 * distinct symbols of those alphabets, spread as evenly as chance allows. */
#define ENCODED_MIN_SYMBOLS 14u

/* Distance between sampled windows after the fully scanned start. */
static uint64_t plan_stride(uint64_t size, uint64_t full, uint64_t max_windows, uint64_t min_stride)
{
	if (size <= full)
		return min_stride;
	uint64_t body = size - full;
	uint64_t stride = (body + max_windows - 1) / max_windows;
	return stride < min_stride ? min_stride : stride;
}

/* Where the next analysed window starts, given that the previous one ended
 * at s->pos. */
static void plan_next(rp_scan_file *s)
{
	if (s->pos < s->full_end) {
		s->next_win = s->pos;
		return;
	}
	for (;;) {
		uint64_t start = s->full_end + (uint64_t)s->sample * s->stride;
		uint64_t room = s->stride - RP_SCAN_WINDOW_BYTES + 1;
		uint64_t jitter = rp_scan_mix64(((uint64_t)s->sample << 32) ^ s->size ^ 0x5ca1ab1eULL) % room;
		s->sample++;
		if (start + jitter >= s->pos) {
			s->next_win = start + jitter;
			return;
		}
	}
}

/* After the first window: a compressed type read from the magic switches the
 * rest of the file to sparse sampling. */
static void choose_density(rp_scan_file *s)
{
	uint8_t flags;
	int type = rp_scan_magic(s->head, s->head_len, NULL, 0, s->size, &flags);
	if (type == RP_FT_UNKNOWN || !rp_scan_type_is_opaque(type))
		return;
	s->sparse = 1;
	s->full_end = SPARSE_FULL_SCAN_BYTES;
	s->stride = plan_stride(s->size, s->full_end, SPARSE_MAX_SAMPLED_WINDOWS, SPARSE_MIN_STRIDE_BYTES);
}

void rp_scan_file_begin(rp_scan_file *s, const uint8_t *name, size_t name_len, uint64_t size)
{
	(void)name;
	(void)name_len;
	memset(s, 0, offsetof(rp_scan_file, head));
	s->size = size;
	s->full_end = FULL_SCAN_BYTES;
	s->stride = plan_stride(size, FULL_SCAN_BYTES, MAX_SAMPLED_WINDOWS, MIN_STRIDE_BYTES);
	s->next_win = 0;
}

typedef struct win_stats {
	uint32_t n;
	uint64_t sumsq;
	uint32_t control, high;
	uint32_t cont, lead2, lead3, lead4, bad_utf8;
} win_stats;

static int is_control(unsigned b)
{
	return (b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f;
}

/* 1 for the symbols of base64 (standard and URL-safe), base32 and hex. */
static int is_b64_symbol(unsigned b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/' ||
	       b == '=' || b == '-' || b == '_';
}

/* Encoded noise: only base64/base32/hex symbols (and line breaks), at least
 * ENCODED_MIN_SYMBOLS of them, as evenly spread as chance allows. */
static int is_encoded_noise(const uint16_t h[256], uint32_t n)
{
	uint32_t symbols = 0, m = 0;
	uint64_t s2 = 0;
	for (unsigned b = 0; b < 256; b++) {
		uint32_t c = h[b];
		if (!c || b == '\n' || b == '\r')
			continue;
		if (!is_b64_symbol(b))
			return 0;
		symbols++;
		m += c;
		s2 += (uint64_t)c * c;
	}
	if (symbols < ENCODED_MIN_SYMBOLS || m < n / 2)
		return 0;
	double chi = (double)s2 * symbols / m - m;
	double dof = symbols - 1.0;
	return chi < dof + 6.0 * sqrt(2.0 * dof);
}

/* Classifies a histogram of n bytes (n >= MIN_WINDOW_BYTES).  The
 * statistic's mean (255 for random bytes) does not depend on n, so one bound
 * serves full windows, last partial windows and whole small files. */
static int classify(const uint16_t h[256], uint32_t n)
{
	win_stats w = {.n = n};
	for (unsigned b = 0; b < 256; b++) {
		uint32_t c = h[b];
		w.sumsq += (uint64_t)c * c;
	}
	for (unsigned b = 0; b < 0x20; b++)
		if (is_control(b))
			w.control += h[b];
	w.control += h[0x7f];
	for (unsigned b = 0x80; b < 0x100; b++)
		w.high += h[b];
	/* chi2 = 256 * sumsq / n - n; compare without division.  Random bytes
	 * are never all printable; a short run of base64 can pass the test */
	if (w.sumsq * 256 < ((uint64_t)NOISE_CHI2_MAX + n) * n && (w.control || w.high || h[0]))
		return RP_WIN_NOISE;
	if ((uint64_t)w.control * 100 > n)
		return RP_WIN_BINARY;
	if (w.high) {
		for (unsigned b = 0x80; b < 0x100; b++) {
			uint32_t c = h[b];
			if (b < 0xc0)
				w.cont += c;
			else if (b < 0xc2 || b > 0xf4)
				w.bad_utf8 += c;
			else if (b < 0xe0)
				w.lead2 += c;
			else if (b < 0xf0)
				w.lead3 += c;
			else
				w.lead4 += c;
		}
		/* UTF-8: continuation bytes match what the lead bytes announce
		 * (give or take characters cut by the window's edges); 8-bit
		 * text (latin-1) has few high bytes */
		int64_t want = (int64_t)w.lead2 + 2 * (int64_t)w.lead3 + 3 * (int64_t)w.lead4;
		int64_t diff = want - (int64_t)w.cont;
		int utf8 = w.bad_utf8 == 0 && diff <= 3 && diff >= -3;
		if (!utf8 && (uint64_t)w.high * 100 > (uint64_t)n * 15)
			return RP_WIN_BINARY;
		return RP_WIN_TEXT;
	}
	if (!w.control && !h[0] && is_encoded_noise(h, n))
		return RP_WIN_ENCODED;
	return h[0] * 100 > n ? RP_WIN_BINARY : RP_WIN_TEXT;
}

static void close_window(rp_scan_file *s, uint32_t n)
{
	int cls = classify(s->whist, n);
	for (unsigned b = 0; b < 256; b++)
		s->hist[b] += s->whist[b];
	memset(s->whist, 0, sizeof s->whist);
	s->analysed += n;
	uint64_t start = s->pos - n;
	if (s->windows == 0)
		s->first_class = (uint8_t)cls;
	if (s->windows < UINT16_MAX) {
		s->windows++;
		s->noise += cls == RP_WIN_NOISE;
		s->encoded += cls == RP_WIN_ENCODED;
		s->text += cls == RP_WIN_TEXT;
	}
	if (start < RP_SCAN_HEAD_REGION_BYTES) {
		s->head_windows++;
		s->head_noise += cls == RP_WIN_NOISE;
		s->head_encoded += cls == RP_WIN_ENCODED;
		s->head_text += cls == RP_WIN_TEXT;
	}
	s->win_fill = 0;
	if (s->windows == 1 && start == 0)
		choose_density(s);
	plan_next(s);
}

void rp_scan_file_update(rp_scan_file *s, const uint8_t *p, size_t n)
{
	if (n == 0)
		return;
	if (s->head_len < RP_SCAN_EDGE_BYTES) {
		size_t k = RP_SCAN_EDGE_BYTES - s->head_len;
		if (k > n)
			k = n;
		memcpy(s->head + s->head_len, p, k);
		s->head_len += (uint32_t)k;
	}
	/* keep the last RP_SCAN_EDGE_BYTES bytes in a ring */
	{
		size_t k = n < RP_SCAN_EDGE_BYTES ? n : RP_SCAN_EDGE_BYTES;
		const uint8_t *src = p + n - k;
		while (k) {
			size_t room = RP_SCAN_EDGE_BYTES - s->tail_at;
			size_t c = k < room ? k : room;
			memcpy(s->tail + s->tail_at, src, c);
			s->tail_at = (uint32_t)((s->tail_at + c) % RP_SCAN_EDGE_BYTES);
			src += c;
			k -= c;
			s->tail_len = s->tail_len + c > RP_SCAN_EDGE_BYTES ? RP_SCAN_EDGE_BYTES : s->tail_len + (uint32_t)c;
		}
	}
	while (n) {
		if (s->win_fill == 0 && s->pos < s->next_win) {
			uint64_t gap = s->next_win - s->pos;
			size_t skip = gap < n ? (size_t)gap : n;
			s->pos += skip;
			p += skip;
			n -= skip;
			continue;
		}
		size_t take = RP_SCAN_WINDOW_BYTES - s->win_fill;
		if (take > n)
			take = n;
		uint16_t *h = s->whist;
		for (size_t i = 0; i < take; i++)
			h[p[i]]++;
		s->win_fill += (uint32_t)take;
		s->pos += take;
		p += take;
		n -= take;
		if (s->win_fill == RP_SCAN_WINDOW_BYTES)
			close_window(s, RP_SCAN_WINDOW_BYTES);
	}
}

/* Class of the last min(size, 512) bytes. */
static int tail_class(const uint8_t *t, size_t n)
{
	if (n < MIN_WINDOW_BYTES)
		return RP_WIN_BINARY;
	uint16_t h[256] = {0};
	for (size_t i = 0; i < n; i++)
		h[t[i]]++;
	return classify(h, (uint32_t)n);
}

static uint8_t share_x255(uint64_t part, uint64_t whole)
{
	if (!whole)
		return 0;
	uint64_t v = (part * 255 + whole / 2) / whole;
	return (uint8_t)(v > 255 ? 255 : v);
}

size_t rp_scan_file_end(rp_scan_file *s, uint8_t rec[RP_SCAN_RECORD_MAX_BYTES])
{
	if (s->win_fill >= MIN_WINDOW_BYTES)
		close_window(s, s->win_fill);
	s->win_fill = 0;
	memset(s->whist, 0, sizeof s->whist);

	/* the tail ring in file order */
	uint8_t tail[RP_SCAN_EDGE_BYTES];
	size_t tn = s->tail_len;
	size_t first = (s->tail_at + RP_SCAN_EDGE_BYTES - tn) % RP_SCAN_EDGE_BYTES;
	size_t part = RP_SCAN_EDGE_BYTES - first < tn ? RP_SCAN_EDGE_BYTES - first : tn;
	memcpy(tail, s->tail + first, part);
	memcpy(tail + part, s->tail, tn - part);

	rp_scan_rec r;
	memset(&r, 0, sizeof r);
	r.version = RP_SCAN_RECORD_VERSION;
	r.size = s->pos;
	uint8_t flags = 0;
	r.type = (uint8_t)rp_scan_magic(s->head, s->head_len, tail, tn, s->pos, &flags);
	if (r.type == RP_FT_UNKNOWN) {
		if (s->windows ? s->first_class == RP_WIN_TEXT || s->first_class == RP_WIN_ENCODED : s->head_len > 0) {
			/* files too short for a window: text when every byte is */
			int text = 1;
			for (uint32_t i = 0; s->windows == 0 && i < s->head_len; i++)
				if (is_control(s->head[i]) || s->head[i] >= 0x80)
					text = 0;
			if (text)
				r.type = RP_FT_TEXT;
		}
		/* UTF-16's zero bytes make its windows binary, never text */
		if (r.type == RP_FT_UNKNOWN && rp_scan_looks_utf16(s->head, s->head_len))
			r.type = RP_FT_TEXT_UTF16;
	}
	r.flags = flags;
	if (s->analysed < s->pos)
		r.flags |= RP_REC_SAMPLED;
	r.first_class = s->first_class;
	/* a file that fits in one window has its tail class already */
	r.tail_class = s->pos <= RP_SCAN_WINDOW_BYTES && s->windows == 1 ? s->first_class : (uint8_t)tail_class(tail, tn);
	r.windows = s->windows;
	r.noise = s->noise;
	r.encoded = s->encoded;
	r.text = s->text;
	r.head_windows = s->head_windows;
	r.head_noise = s->head_noise;
	r.head_encoded = s->head_encoded;
	r.head_text = s->head_text;

	uint64_t a = s->analysed, sumsq = 0, control = 0, high = 0;
	double ent = 0;
	int top[4] = {-1, -1, -1, -1};
	for (unsigned b = 0; b < 256; b++) {
		uint64_t c = s->hist[b];
		if (!c)
			continue;
		sumsq += c * c;
		if (is_control(b))
			control += c;
		if (b >= 0x80)
			high += c;
		double p = (double)c / (double)a;
		ent -= p * log2(p);
		/* insert into the top four (ties: lower byte first) */
		for (int k = 0; k < 4; k++) {
			if (top[k] < 0 || c > s->hist[top[k]]) {
				for (int j = 3; j > k; j--)
					top[j] = top[j - 1];
				top[k] = (int)b;
				break;
			}
		}
	}
	if (a) {
		double chi = (double)sumsq * 256.0 / (double)a - (double)a;
		r.chi2 = chi < 0 ? 0 : chi > 65535 ? 65535 : (uint16_t)chi;
		double e4096 = ent * 4096.0 + 0.5;
		r.entropy_x4096 = (uint16_t)(e4096 > 32768 ? 32768 : e4096);
		uint64_t t4 = 0;
		for (int k = 0; k < 4; k++) {
			r.top[k] = top[k] < 0 ? 0 : (uint8_t)top[k];
			t4 += top[k] < 0 ? 0 : s->hist[top[k]];
		}
		r.top1_x255 = share_x255(top[0] < 0 ? 0 : s->hist[top[0]], a);
		r.top4_x255 = share_x255(t4, a);
		r.control_x255 = share_x255(control, a);
		r.high_x255 = share_x255(high, a);
	}
	return rp_scan_rec_encode(&r, rec);
}
