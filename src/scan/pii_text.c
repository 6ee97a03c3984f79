/* pii_text.c - the sliding window that runs the detector over streamed text.
 *
 * Invariant: buf[0..pos) has been searched (positions before pos started no
 * identifier); buf[pos..len) has not.  When the window is full, positions
 * up to len - PII_LOOKAHEAD_BYTES are searched (every identifier starting
 * there ends inside the window), and the window slides keeping
 * PII_LOOKBEHIND_BYTES before the first unsearched position for keywords
 * and e-mail local parts.
 */
#include "pii_internal.h"

#include <stdlib.h>
#include <string.h>

int pii_text_init(pii_text *t, pii_hit_fn fn, void *ctx, rp_err *e)
{
	memset(t, 0, sizeof *t);
	t->buf = malloc(PII_TEXT_WINDOW_BYTES);
	if (!t->buf)
		return rp_err_set(e, RP_ENOMEM, "PII scanner: out of memory for the text window");
	t->fn = fn;
	t->ctx = ctx;
	return 0;
}

void pii_text_free(pii_text *t)
{
	free(t->buf);
	t->buf = NULL;
}

static void text_slide(pii_text *t)
{
	size_t limit = t->len - PII_LOOKAHEAD_BYTES;
	if (t->pos < limit)
		t->pos = pii_detect(t->buf, t->len, t->pos, limit, t->fn, t->ctx);
	size_t keep_from = t->pos < limit ? t->pos : limit;
	keep_from = keep_from > PII_LOOKBEHIND_BYTES ? keep_from - PII_LOOKBEHIND_BYTES : 0;
	memmove(t->buf, t->buf + keep_from, t->len - keep_from);
	t->len -= keep_from;
	t->pos -= keep_from;
}

void pii_text_write(pii_text *t, const uint8_t *p, size_t n)
{
	t->total += n;
	while (n) {
		size_t room = PII_TEXT_WINDOW_BYTES - t->len;
		size_t k = n < room ? n : room;
		memcpy(t->buf + t->len, p, k);
		t->len += k;
		p += k;
		n -= k;
		if (t->len == PII_TEXT_WINDOW_BYTES)
			text_slide(t);
	}
}

void pii_text_break(pii_text *t)
{
	if (t->pos < t->len)
		pii_detect(t->buf, t->len, t->pos, t->len, t->fn, t->ctx);
	t->len = t->pos = 0;
}
