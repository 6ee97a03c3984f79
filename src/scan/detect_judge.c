/* detect_judge.c - the per-file rules: was this file encrypted or destroyed?
 *
 * A file is judged against its previous version when there is one (a type
 * that vanished, text that now holds noise, a byte profile that was
 * relabelled) and against what its name promises when it is new.  Content
 * that was already noise and is rewritten with other noise cannot be judged
 * alone: such files are candidates that the snapshot view may confirm.
 */
#include "detect_internal.h"

#include <stdlib.h>

/* Share thresholds, as fractions of the analysed windows. */
#define NOISE_FILE_PERCENT 90   /* a "noise file": this share of windows and the first one */
#define ENCODED_FILE_PERCENT 80 /* an "encoded noise file" */
#define WAS_ENCODED_MAX_PERCENT 20
#define NOISIER_MIN_PERCENT 10 /* opaque file: noise share grew by this much */
/* Byte-profile relabelling (XOR with a constant keeps every frequency but
 * moves it to another byte): top byte differs, shares and entropy match. */
#define TRANSFORM_MIN_TOP1_X255 16
#define TRANSFORM_TOP1_SLACK_X255 2
#define TRANSFORM_TOP4_SLACK_X255 4
#define TRANSFORM_ENTROPY_SLACK_X4096 41 /* 0.01 bit: a relabelling keeps it exactly */
#define TRANSFORM_EXACT_ENTROPY_SLACK_X4096 2
/* Control bytes (not NUL, tab, CR, LF) appearing in text. */
#define TEXT_CONTROL_BEFORE_MAX_X255 1
#define TEXT_CONTROL_AFTER_MIN_X255 5
/* Text whose bytes became mostly high bytes that are not UTF-8. */
#define TEXT_HIGH_BEFORE_MAX_X255 40
#define TEXT_HIGH_AFTER_MIN_X255 128

int rp_scan_rec_is_noise(const rp_scan_rec *r)
{
	return r->windows > 0 && r->first_class == RP_WIN_NOISE &&
	       (uint32_t)r->noise * 100 >= (uint32_t)r->windows * NOISE_FILE_PERCENT;
}

static int is_encoded(const rp_scan_rec *r)
{
	return r->windows > 0 && r->first_class == RP_WIN_ENCODED &&
	       (uint32_t)r->encoded * 100 >= (uint32_t)r->windows * ENCODED_FILE_PERCENT;
}

static int was_encoded(const rp_scan_rec *r)
{
	return r->first_class == RP_WIN_ENCODED ||
	       (uint32_t)r->encoded * 100 > (uint32_t)r->windows * WAS_ENCODED_MAX_PERCENT;
}

static int in_top(const uint8_t top[4], uint8_t b)
{
	return top[0] == b || top[1] == b || top[2] == b || top[3] == b;
}

static int transformed(const rp_scan_rec *o, const rp_scan_rec *n)
{
	if (!o->windows || !n->windows || o->top1_x255 < TRANSFORM_MIN_TOP1_X255 || o->top[0] == n->top[0])
		return 0;
	/* same size, same sampled windows: a relabelling keeps every share and
	 * the entropy exactly, which an edit practically never does */
	if (o->size == n->size && o->top1_x255 == n->top1_x255 && o->top4_x255 == n->top4_x255 &&
	    abs((int)o->entropy_x4096 - (int)n->entropy_x4096) <= TRANSFORM_EXACT_ENTROPY_SLACK_X4096)
		return 1;
	/* otherwise (a footer, a few edits) the favourite must leave the old
	 * top four and a stranger must lead: an edit can swap two close
	 * favourites, not bring in a byte that was rare */
	if (in_top(n->top, o->top[0]) || in_top(o->top, n->top[0]))
		return 0;
	if (abs((int)o->top1_x255 - (int)n->top1_x255) > TRANSFORM_TOP1_SLACK_X255 ||
	    abs((int)o->top4_x255 - (int)n->top4_x255) > TRANSFORM_TOP4_SLACK_X255 ||
	    abs((int)o->entropy_x4096 - (int)n->entropy_x4096) > TRANSFORM_ENTROPY_SLACK_X4096)
		return 0;
	/* in place, maybe with a short footer: the size hardly moves */
	uint64_t lo = o->size - o->size / 64, hi = o->size + o->size / 64 + 1024;
	return n->size >= lo && n->size <= hi;
}

static int text_damage(const rp_scan_rec *o, const rp_scan_rec *n)
{
	if (n->noise > 0 && o->noise == 0)
		return RP_J_TEXT_DAMAGED;
	if (o->control_x255 <= TEXT_CONTROL_BEFORE_MAX_X255 && n->control_x255 >= TEXT_CONTROL_AFTER_MIN_X255)
		return RP_J_TEXT_DAMAGED;
	if (o->high_x255 < TEXT_HIGH_BEFORE_MAX_X255 && n->high_x255 >= TEXT_HIGH_AFTER_MIN_X255 &&
	    n->first_class != RP_WIN_TEXT)
		return RP_J_TEXT_DAMAGED;
	if (transformed(o, n))
		return RP_J_TRANSFORMED;
	return RP_J_NONE;
}

static int judge_new(const rp_scan_rec *n, const rp_scan_path *p)
{
	int claim = rp_scan_ext_claim(p->ext, p->ext_len);
	if (claim < 0)
		claim = rp_scan_ext_claim(p->inner, p->inner_len);
	/* no magic and a noise head: whatever the name promised is gone (the
	 * rest may be intact: intermittent encryption of a renamed file).  A
	 * .gpg promises little: signed-only OpenPGP is compressed data that
	 * cannot be recognised, so such files stay candidates */
	if (n->type == RP_FT_UNKNOWN && n->first_class == RP_WIN_NOISE && claim >= 0 && claim != RP_FT_OPENPGP)
		return RP_J_NEW_NOISE_CLAIMED;
	if (n->type == RP_FT_UNKNOWN && rp_scan_rec_is_noise(n))
		return RP_J_NEW_NOISE;
	if (rp_scan_type_family(n->type) == RP_FT_TEXT && is_encoded(n))
		return claim >= 0 && claim != RP_FT_TEXT ? RP_J_ENCODED : RP_J_NEW_NOISE;
	return RP_J_NONE;
}

static int judge_changed(const rp_scan_rec *o, const rp_scan_rec *n, uint32_t total, uint32_t shared)
{
	int of = rp_scan_type_family(o->type), nf = rp_scan_type_family(n->type);
	int o_known = o->type != RP_FT_UNKNOWN && o->type != RP_FT_EMPTY && of != RP_FT_TEXT;
	int n_known = n->type != RP_FT_UNKNOWN && n->type != RP_FT_EMPTY && nf != RP_FT_TEXT;
	if (n->type == RP_FT_EMPTY)
		return RP_J_NONE;
	if (n_known) {
		/* a body encrypted behind an intact header, or blocks written over
		 * the end of the file by a program: only the snapshot can tell */
		if (of == nf && (o->flags & RP_REC_TRAILER_OK) && !(n->flags & RP_REC_TRAILER_OK) &&
		    n->tail_class == RP_WIN_NOISE && (nf == RP_FT_PDF || nf == RP_FT_ZIP))
			return RP_J_TRAILER_LOST;
		return RP_J_NONE;
	}
	if (nf == RP_FT_TEXT) {
		if (is_encoded(n) && !was_encoded(o))
			return RP_J_ENCODED;
		if (of == RP_FT_TEXT)
			return text_damage(o, n);
		return RP_J_NONE;
	}
	/* now: binary of no known type */
	if (is_encoded(n) && !was_encoded(o))
		return RP_J_ENCODED;
	if (of == RP_FT_TEXT)
		return text_damage(o, n);
	if (o_known)
		return RP_J_TYPE_LOST;
	if (o->type == RP_FT_EMPTY)
		return rp_scan_rec_is_noise(n) ? RP_J_NOISE_REWRITTEN : RP_J_NONE;
	/* unknown before and after */
	if (o->windows == 0) /* too short to have been judged */
		return rp_scan_rec_is_noise(n) ? RP_J_NOISE_REWRITTEN : RP_J_NONE;
	if (!rp_scan_rec_is_noise(o) && (uint32_t)o->noise * 2 < o->windows && rp_scan_rec_is_noise(n))
		return RP_J_BECAME_NOISE;
	if ((uint32_t)o->noise * 2 < o->windows && transformed(o, n))
		return RP_J_TRANSFORMED;
	if (rp_scan_rec_is_noise(o) && rp_scan_rec_is_noise(n))
		return shared == 0 ? RP_J_NOISE_REWRITTEN : RP_J_NONE;
	if (o->windows && n->windows && (uint64_t)shared * 2 < total) {
		uint32_t os = (uint32_t)o->noise * 100 / o->windows, ns = (uint32_t)n->noise * 100 / n->windows;
		if (ns >= os + NOISIER_MIN_PERCENT)
			return RP_J_OPAQUE_NOISIER;
	}
	return RP_J_NONE;
}

int rp_scan_judge(const rp_scan_rec *old, const rp_scan_rec *now, const rp_scan_path *p, uint32_t chunks_total,
		  uint32_t chunks_shared)
{
	if (now->flags & RP_REC_ENCRYPTED)
		return old && (old->flags & RP_REC_ENCRYPTED) ? RP_J_NONE : RP_J_KNOWN_TOOL;
	if (!old)
		return judge_new(now, p);
	return judge_changed(old, now, chunks_total, chunks_shared);
}

const char *rp_scan_reason_name(int r)
{
	switch (r) {
	case RP_J_NONE: return "none";
	case RP_J_KNOWN_TOOL: return "known_tool_encryption";
	case RP_J_BECAME_NOISE: return "became_noise";
	case RP_J_TEXT_DAMAGED: return "text_damaged";
	case RP_J_TYPE_LOST: return "type_lost";
	case RP_J_TRAILER_LOST: return "trailer_lost";
	case RP_J_TRANSFORMED: return "bytes_transformed";
	case RP_J_ENCODED: return "encoded_noise";
	case RP_J_NEW_NOISE_CLAIMED: return "new_noise_wrong_type";
	case RP_J_NEW_NOISE: return "new_noise";
	case RP_J_NOISE_REWRITTEN: return "noise_rewritten";
	case RP_J_OPAQUE_NOISIER: return "binary_noisier";
	default: return "?";
	}
}
