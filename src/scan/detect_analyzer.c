/* detect_analyzer.c - the snapshot verdict: aggregates per-file judgements
 * and cross-file patterns (extension churn, ransom notes, mass deletion,
 * renames, known-tool encryption) with memory bounded whatever the snapshot
 * size:
 *  - per-extension counters in a fixed table (overflow goes to "(other)");
 *  - the most affected folders and the most repeated new names with the
 *    space-saving heavy-hitter algorithm (fixed number of slots);
 *  - Bloom filters over fingerprints and path hashes of new and deleted
 *    files, so joins (moves, "X.pdf" deleted while "X.pdf.locked" appeared)
 *    work in any call order;
 *  - uniform samples (by path hash) of new and deleted files, checked
 *    against those filters at the end; counts are scaled back up.
 * Thresholds and their reasons are in docs/DETECTION.md.
 */
#include "detect_internal.h"

#include "../util/json.h"

#include <stdlib.h>
#include <string.h>

/* ---- thresholds (see docs/DETECTION.md) ---- */
#define ATTACK_MIN_FILES 20      /* files encrypted or destroyed */
#define SUSPICIOUS_MIN_FILES 5
#define CORROBORATED_MIN_FILES 5 /* with a note or extension churn: attack */
#define CHURN_MIN_FILES 20       /* files renamed to / replaced under one new extension */
#define REPLACED_ATTACK_MIN_FILES 20 /* originals deleted, noise under a related name */
#define REPLACED_SUSPICIOUS_MIN_FILES 5
#define NOTE_MIN_FOLDERS 10
#define NOTE_ALONE_MIN_FOLDERS 20 /* a note-like file alone, with a ransom-like name */
#define NOTE_ALONE_ANY_NAME_MIN_FOLDERS 100
#define NOTE_MIN_BYTES 16
#define NOTE_MAX_BYTES (1u << 20)
#define MASS_DELETE_MIN_FILES 100
#define MASS_DELETE_EXT_MIN_FILES 50
#define MASS_DELETE_TREE_PERCENT 30
#define ARCHIVE_EXPLAINS_PERCENT 10 /* new archives this big vs deleted bytes explain deletions */
#define KNOWN_TOOL_SUSPICIOUS_FILES 200
#define CANDIDATES_SUSPICIOUS_MIN 100
#define CANDIDATES_SUSPICIOUS_PERCENT 30

/* ---- sizes ---- */
#define EXT_SLOTS 4096u /* power of two; at most half used */
#define EXT_NONE 0u     /* files without extension */
#define EXT_OTHER 1u    /* extensions beyond the table */
#define FOLDER_SLOTS 64
#define NAME_SLOTS 128
#define EXAMPLES_MAX 8
#define PATH_KEEP_BYTES 240
#define NAME_KEEP_BYTES 120
#define BLOOM_BITS_LOG2 24 /* 2 MiB each: ~0.2% false positives at a million entries */
#define BLOOM_HASHES 4
#define SAMPLE_CAP (1u << 16)
#define TRACK_CAP (1u << 17)
#define TOP_FOLDERS_SHOWN 5

enum { BL_NEW_FP, BL_NEW_STEM, BL_DEL_FP, BL_DEL_PATH, BL_DEL_STEM, BL_COUNT };

typedef struct ext_slot {
	char ext[RP_SCAN_EXT_MAX_BYTES + 1];
	uint8_t used;
	uint64_t parent, now, new_paths, flagged, deleted;
	uint64_t net_deleted, renamed_to, noise_replacing, moved_in; /* estimated at finish */
} ext_slot;

typedef struct hitter {
	uint64_t key;
	uint64_t count;
	uint64_t cand; /* folders: candidates counted here */
	uint64_t fp;   /* names: content of the first file seen */
	uint64_t same_fp;
	uint64_t size;
	uint16_t len;
	uint8_t trunc;
	uint8_t bytes[PATH_KEEP_BYTES];
} hitter;

typedef struct example {
	uint64_t path_h;
	uint8_t reason;
	uint8_t used;
	uint8_t trunc;
	uint16_t len;
	uint8_t bytes[PATH_KEEP_BYTES];
} example;

typedef struct new_sample {
	uint64_t fp, stem_h, path_h;
	uint32_t ext;
	uint8_t noise;
	uint8_t archive;
} new_sample;

typedef struct del_sample {
	uint64_t fp, path_h, stem_h, size;
	uint32_t ext;
} del_sample;

enum { TRACK_CLEARABLE = 1, TRACK_PROMOTABLE = 2 };

typedef struct tracked {
	uint64_t path_h, fp, dir_h;
	uint32_t ext;
	uint8_t reason;
	uint8_t how;
	uint8_t final_judged;
	uint8_t amended;
} tracked;

enum { TOOL_OPENPGP, TOOL_AGE, TOOL_ZIP, TOOL_7Z, TOOL_PDF, TOOL_KEEPASS, TOOL_OTHER, TOOL_COUNT };

struct rp_analyzer {
	uint64_t files, new_paths, changed, unchanged, deleted, bad_records, with_parent;
	uint64_t by_reason[RP_J_COUNT];
	uint64_t tools[TOOL_COUNT];
	uint64_t type_changes;
	uint64_t new_archive_bytes, new_encrypted_archive_bytes, deleted_bytes;
	ext_slot ext[EXT_SLOTS];
	uint32_t ext_used;
	hitter folders[FOLDER_SLOTS];
	hitter names[NAME_SLOTS];
	example examples[EXAMPLES_MAX];
	example cand_examples[EXAMPLES_MAX];
	uint8_t *bloom[BL_COUNT];
	new_sample *news;
	size_t news_n;
	del_sample *dels;
	size_t dels_n;
	unsigned level; /* samples keep paths whose hash has `level` top bits zero */
	tracked *track;
	size_t track_n;
	uint64_t track_dropped;
	/* results of finish */
	int finished;
	int verdict;
	size_t amend_n;
	uint64_t cleared, promoted;
};

/* ---- small helpers ---- */

static void bloom_add(uint8_t *b, uint64_t key)
{
	uint64_t h = rp_scan_mix64(key ^ 0x0b100f11e5ULL), step = rp_scan_mix64(h) | 1;
	for (int i = 0; i < BLOOM_HASHES; i++) {
		uint64_t bit = (h + (uint64_t)i * step) & ((1ULL << BLOOM_BITS_LOG2) - 1);
		b[bit >> 3] |= (uint8_t)(1u << (bit & 7));
	}
}

static int bloom_has(const uint8_t *b, uint64_t key)
{
	uint64_t h = rp_scan_mix64(key ^ 0x0b100f11e5ULL), step = rp_scan_mix64(h) | 1;
	for (int i = 0; i < BLOOM_HASHES; i++) {
		uint64_t bit = (h + (uint64_t)i * step) & ((1ULL << BLOOM_BITS_LOG2) - 1);
		if (!(b[bit >> 3] & (1u << (bit & 7))))
			return 0;
	}
	return 1;
}

static int sampled(uint64_t key, unsigned level)
{
	return level == 0 || (rp_scan_mix64(key ^ 0x5a3b1e5ULL) >> (64 - level)) == 0;
}

static uint32_t ext_id(rp_analyzer *a, const char *ext, size_t n)
{
	if (n == 0)
		return EXT_NONE;
	uint64_t h = rp_scan_hash(ext, n, 0xe47);
	uint32_t mask = EXT_SLOTS - 1;
	for (uint32_t i = (uint32_t)h & mask, probes = 0; probes < EXT_SLOTS; i = (i + 1) & mask, probes++) {
		if (i <= EXT_OTHER)
			continue;
		ext_slot *s = &a->ext[i];
		if (!s->used) {
			if (a->ext_used >= EXT_SLOTS / 2)
				return EXT_OTHER;
			s->used = 1;
			memcpy(s->ext, ext, n);
			s->ext[n] = 0;
			a->ext_used++;
			return i;
		}
		if (strlen(s->ext) == n && memcmp(s->ext, ext, n) == 0)
			return i;
	}
	return EXT_OTHER;
}

static void keep_bytes(uint8_t *dst, uint16_t *len, uint8_t *trunc, const uint8_t *src, size_t n, size_t cap)
{
	size_t k = n < cap ? n : cap;
	memcpy(dst, src, k);
	*len = (uint16_t)k;
	*trunc = n > cap;
}

/* Space-saving: count key in the table, replacing the smallest entry when
 * full.  Returns the slot. */
static hitter *hit(hitter *t, int slots, uint64_t key, const uint8_t *bytes, size_t n, size_t cap)
{
	int min = 0;
	for (int i = 0; i < slots; i++) {
		if (t[i].count && t[i].key == key)
			return &t[i];
		if (t[i].count < t[min].count)
			min = i;
	}
	hitter *h = &t[min];
	uint64_t base = h->count;
	memset(h, 0, sizeof *h);
	h->key = key;
	h->count = base; /* the caller adds one */
	keep_bytes(h->bytes, &h->len, &h->trunc, bytes, n, cap);
	return h;
}

static hitter *find_hitter(hitter *t, int slots, uint64_t key)
{
	for (int i = 0; i < slots; i++)
		if (t[i].count && t[i].key == key)
			return &t[i];
	return NULL;
}

static void add_example(example *ex, uint64_t path_h, int reason, const uint8_t *path, size_t n)
{
	for (int i = 0; i < EXAMPLES_MAX; i++) {
		if (!ex[i].used) {
			ex[i].used = 1;
			ex[i].path_h = path_h;
			ex[i].reason = (uint8_t)reason;
			keep_bytes(ex[i].bytes, &ex[i].len, &ex[i].trunc, path, n, PATH_KEEP_BYTES);
			return;
		}
	}
}

static int tool_of(int type)
{
	switch (type) {
	case RP_FT_OPENPGP: return TOOL_OPENPGP;
	case RP_FT_AGE: return TOOL_AGE;
	case RP_FT_ZIP:
	case RP_FT_OOXML:
	case RP_FT_ODF: return TOOL_ZIP;
	case RP_FT_7Z: return TOOL_7Z;
	case RP_FT_PDF: return TOOL_PDF;
	case RP_FT_KDBX: return TOOL_KEEPASS;
	default: return TOOL_OTHER;
	}
}

static const char *const TOOL_NAMES[TOOL_COUNT] = {"openpgp", "age", "zip", "7z", "pdf", "keepass", "other"};

/* ---- sampling tables ---- */

static void resample(rp_analyzer *a)
{
	a->level++;
	size_t k = 0;
	for (size_t i = 0; i < a->news_n; i++)
		if (sampled(a->news[i].stem_h, a->level))
			a->news[k++] = a->news[i];
	a->news_n = k;
	k = 0;
	for (size_t i = 0; i < a->dels_n; i++)
		if (sampled(a->dels[i].path_h, a->level))
			a->dels[k++] = a->dels[i];
	a->dels_n = k;
}

static void sample_new(rp_analyzer *a, const new_sample *s)
{
	if (!sampled(s->stem_h, a->level))
		return;
	while (a->news_n >= SAMPLE_CAP && a->level < 48) {
		resample(a);
		if (!sampled(s->stem_h, a->level))
			return;
	}
	if (a->news_n < SAMPLE_CAP)
		a->news[a->news_n++] = *s;
}

static void sample_del(rp_analyzer *a, const del_sample *s)
{
	if (!sampled(s->path_h, a->level))
		return;
	while (a->dels_n >= SAMPLE_CAP && a->level < 48) {
		resample(a);
		if (!sampled(s->path_h, a->level))
			return;
	}
	if (a->dels_n < SAMPLE_CAP)
		a->dels[a->dels_n++] = *s;
}

/* ---- lifecycle ---- */

int rp_analyzer_new(rp_analyzer **out, rp_err *e)
{
	*out = NULL;
	rp_analyzer *a = calloc(1, sizeof *a);
	if (!a)
		goto fail;
	for (int i = 0; i < BL_COUNT; i++)
		if (!(a->bloom[i] = calloc(1, (size_t)1 << (BLOOM_BITS_LOG2 - 3))))
			goto fail;
	a->news = malloc(SAMPLE_CAP * sizeof *a->news);
	a->dels = malloc(SAMPLE_CAP * sizeof *a->dels);
	a->track = malloc(TRACK_CAP * sizeof *a->track);
	if (!a->news || !a->dels || !a->track)
		goto fail;
	strcpy(a->ext[EXT_NONE].ext, "");
	a->ext[EXT_NONE].used = 1;
	strcpy(a->ext[EXT_OTHER].ext, "(other)");
	a->ext[EXT_OTHER].used = 1;
	*out = a;
	return 0;
fail:
	rp_analyzer_free(a);
	return rp_err_set(e, RP_ENOMEM, "ransomware analyzer: out of memory");
}

void rp_analyzer_free(rp_analyzer *a)
{
	if (!a)
		return;
	for (int i = 0; i < BL_COUNT; i++)
		free(a->bloom[i]);
	free(a->news);
	free(a->dels);
	free(a->track);
	free(a);
}

const char *rp_verdict_name(int verdict)
{
	switch (verdict) {
	case RP_VERDICT_CLEAN: return "clean";
	case RP_VERDICT_SUSPICIOUS: return "suspicious";
	case RP_VERDICT_ATTACK: return "attack";
	default: return "unknown";
	}
}

/* ---- per file ---- */

static void track(rp_analyzer *a, uint64_t path_h, uint64_t fp, uint64_t dir_h, uint32_t ext, int reason, int how)
{
	if (a->track_n >= TRACK_CAP) {
		a->track_dropped++;
		return;
	}
	tracked *t = &a->track[a->track_n++];
	memset(t, 0, sizeof *t);
	t->path_h = path_h;
	t->fp = fp;
	t->dir_h = dir_h;
	t->ext = ext;
	t->reason = (uint8_t)reason;
	t->how = (uint8_t)how;
	t->final_judged = rp_scan_reason_is_flag(reason);
}

int rp_analyzer_file(rp_analyzer *a, const uint8_t *path, size_t path_len, const uint8_t *rec, size_t rec_len,
		     uint64_t fp, const uint8_t *old_rec, size_t old_len, uint64_t old_fp, int changed,
		     uint32_t chunks_total, uint32_t chunks_shared)
{
	(void)old_fp;
	if (a->finished)
		return 0;
	rp_scan_path p;
	rp_scan_path_split(path, path_len, &p);
	uint32_t ext = ext_id(a, p.ext, p.ext_len);
	int is_new = old_rec == NULL;
	a->files++;
	a->ext[ext].now++;
	if (chunks_shared > chunks_total)
		chunks_shared = chunks_total;

	rp_scan_rec now, old;
	int now_ok = rp_scan_rec_decode(rec, rec_len, &now, NULL) == 0;
	int old_ok = !is_new && rp_scan_rec_decode(old_rec, old_len, &old, NULL) == 0;
	/* a previous version without a record (old_len 0) is not damage */
	if (!now_ok || (!is_new && !old_ok && old_len > 0))
		a->bad_records++;

	if (is_new) {
		a->new_paths++;
		a->ext[ext].new_paths++;
	} else {
		a->with_parent++;
		a->ext[ext].parent++;
		if (!changed) {
			a->unchanged++;
			return 0;
		}
		a->changed++;
	}
	if (!now_ok)
		return 0;
	if (old_ok && rp_scan_type_family(old.type) != rp_scan_type_family(now.type))
		a->type_changes++;

	uint64_t path_h = rp_scan_path_hash(path, path_len);
	uint64_t stem_h = rp_scan_path_hash(path, p.stem_len);
	uint64_t dir_h = rp_scan_path_hash(path, p.dir_len);
	int moved_here = is_new && bloom_has(a->bloom[BL_DEL_FP], fp);

	/* an undecodable old record: judge the file as if it were new, but
	 * never as a new file (it had a previous version) */
	int reason = rp_scan_judge(old_ok ? &old : NULL, &now, &p, chunks_total, chunks_shared);
	if (!is_new && !old_ok && (reason == RP_J_NEW_NOISE || reason == RP_J_NEW_NOISE_CLAIMED))
		reason = RP_J_NONE;
	if (moved_here && reason != RP_J_KNOWN_TOOL)
		reason = RP_J_NONE; /* the same bytes left a deleted path: a move */

	if (is_new) {
		bloom_add(a->bloom[BL_NEW_FP], fp);
		bloom_add(a->bloom[BL_NEW_STEM], stem_h);
		new_sample s = {.fp = fp, .stem_h = stem_h, .path_h = path_h, .ext = ext,
				.noise = reason == RP_J_NEW_NOISE || reason == RP_J_NEW_NOISE_CLAIMED ||
					 (reason == RP_J_ENCODED),
				.archive = rp_scan_type_is_archive(now.type)};
		sample_new(a, &s);
		if (rp_scan_type_is_archive(now.type)) {
			if (now.flags & RP_REC_ENCRYPTED)
				a->new_encrypted_archive_bytes += now.size;
			else
				a->new_archive_bytes += now.size;
		}
		/* ransom-note candidates: new, not noise, small, not a move */
		if (!moved_here && !rp_scan_rec_is_noise(&now) && now.size >= NOTE_MIN_BYTES &&
		    now.size <= NOTE_MAX_BYTES) {
			uint64_t name_h = rp_scan_hash(p.name, p.name_len, 0x6e6f7465);
			hitter *h = find_hitter(a->names, NAME_SLOTS, name_h);
			if (!h) {
				h = hit(a->names, NAME_SLOTS, name_h, p.name, p.name_len, NAME_KEEP_BYTES);
				h->fp = fp;
				h->size = now.size;
			}
			h->count++;
			h->same_fp += h->fp == fp;
		}
	}

	a->by_reason[reason]++;
	if (reason == RP_J_KNOWN_TOOL) {
		a->tools[tool_of(now.type)]++;
		return 0;
	}
	if (rp_scan_reason_is_flag(reason)) {
		a->ext[ext].flagged++;
		hitter *f = find_hitter(a->folders, FOLDER_SLOTS, dir_h);
		if (!f)
			f = hit(a->folders, FOLDER_SLOTS, dir_h, path, p.dir_len, PATH_KEEP_BYTES);
		f->count++;
		add_example(a->examples, path_h, reason, path, path_len);
		if (is_new)
			track(a, path_h, fp, dir_h, ext, reason, TRACK_CLEARABLE);
		return 1;
	}
	if (rp_scan_reason_is_candidate(reason)) {
		hitter *f = find_hitter(a->folders, FOLDER_SLOTS, dir_h);
		if (f)
			f->cand++;
		add_example(a->cand_examples, path_h, reason, path, path_len);
		track(a, path_h, fp, dir_h, ext, reason, TRACK_PROMOTABLE | (is_new ? TRACK_CLEARABLE : 0));
	}
	return 0;
}

void rp_analyzer_deleted(rp_analyzer *a, const uint8_t *path, size_t path_len, const uint8_t *old_rec, size_t old_len,
			 uint64_t old_fp)
{
	if (a->finished)
		return;
	rp_scan_path p;
	rp_scan_path_split(path, path_len, &p);
	uint32_t ext = ext_id(a, p.ext, p.ext_len);
	a->deleted++;
	a->ext[ext].parent++;
	a->ext[ext].deleted++;
	rp_scan_rec old;
	uint64_t size = 0;
	if (rp_scan_rec_decode(old_rec, old_len, &old, NULL) == 0)
		size = old.size;
	else if (old_len > 0)
		a->bad_records++;
	a->deleted_bytes += size;
	uint64_t path_h = rp_scan_path_hash(path, path_len);
	uint64_t stem_h = rp_scan_path_hash(path, p.stem_len);
	bloom_add(a->bloom[BL_DEL_FP], old_fp);
	bloom_add(a->bloom[BL_DEL_PATH], path_h);
	bloom_add(a->bloom[BL_DEL_STEM], stem_h);
	del_sample s = {.fp = old_fp, .path_h = path_h, .stem_h = stem_h, .size = size, .ext = ext};
	sample_del(a, &s);
}

/* ---- finish ---- */

typedef struct findings {
	uint64_t encrypted; /* flags after clearing */
	uint64_t candidates;
	uint64_t moved, net_deleted, net_deleted_bytes, replaced;
	uint32_t churn_ext; /* extension with the most renamed-to or noise-replacing files */
	uint64_t churn_renamed, churn_replacing;
	uint64_t replacing_total; /* noise files whose name continues a deleted file's */
	uint32_t del_ext;         /* extension that lost the largest share */
	uint64_t del_ext_files;
	double del_ext_share;
	int mass_deletion, deletion_explained;
	const hitter *note;
	int note_keyword;
	uint64_t known_tool;
	double changed_share;
	int no_parent;
} findings;

static int ascii_lower_contains(const uint8_t *s, size_t n, const char *word)
{
	size_t m = strlen(word);
	for (size_t i = 0; i + m <= n; i++) {
		size_t k = 0;
		while (k < m) {
			uint8_t c = s[i + k];
			if (c >= 'A' && c <= 'Z')
				c = (uint8_t)(c + 32);
			if (c != (uint8_t)word[k])
				break;
			k++;
		}
		if (k == m)
			return 1;
	}
	return 0;
}

/* Words ransom notes use in their names, in the languages seen here. */
static int ransom_like_name(const uint8_t *s, size_t n)
{
	static const char *const words[] = {"readme", "read_me", "read-me", "restore", "decrypt", "recover",
					    "ransom", "how_to", "how-to", "howto", "instruction", "unlock",
					    "files", "lisez", "dechiffr", "recuper", "!!!"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (ascii_lower_contains(s, n, words[i]))
			return 1;
	return 0;
}

static int novel_ext(const ext_slot *x)
{
	return x->parent * 4 < x->new_paths;
}

static void analyse_joins(rp_analyzer *a, findings *f)
{
	uint64_t scale = (uint64_t)1 << a->level;
	for (size_t i = 0; i < a->dels_n; i++) {
		const del_sample *d = &a->dels[i];
		if (bloom_has(a->bloom[BL_NEW_FP], d->fp)) {
			f->moved += scale;
			continue;
		}
		if (bloom_has(a->bloom[BL_NEW_STEM], d->path_h) ||
		    (d->stem_h != d->path_h && bloom_has(a->bloom[BL_NEW_STEM], d->stem_h))) {
			f->replaced += scale;
			continue;
		}
		f->net_deleted += scale;
		f->net_deleted_bytes += d->size * scale;
		a->ext[d->ext].net_deleted += scale;
	}
	for (size_t i = 0; i < a->news_n; i++) {
		const new_sample *s = &a->news[i];
		int moved = bloom_has(a->bloom[BL_DEL_FP], s->fp);
		int named = bloom_has(a->bloom[BL_DEL_PATH], s->stem_h) || bloom_has(a->bloom[BL_DEL_STEM], s->stem_h);
		if (moved)
			a->ext[s->ext].moved_in += scale;
		if (moved && named)
			a->ext[s->ext].renamed_to += scale;
		if (!moved && named && s->noise) {
			a->ext[s->ext].noise_replacing += scale;
			f->replacing_total += scale;
		}
	}
	for (uint32_t i = 0; i < EXT_SLOTS; i++) {
		ext_slot *x = &a->ext[i];
		if (!x->used)
			continue;
		if (i != EXT_NONE && novel_ext(x)) {
			uint64_t score = x->renamed_to + x->noise_replacing;
			if (score > f->churn_renamed + f->churn_replacing) {
				f->churn_ext = i;
				f->churn_renamed = x->renamed_to;
				f->churn_replacing = x->noise_replacing;
			}
		}
		if (x->parent && x->net_deleted >= MASS_DELETE_EXT_MIN_FILES) {
			double share = (double)x->net_deleted / (double)x->parent;
			if (share > f->del_ext_share) {
				f->del_ext_share = share > 1 ? 1 : share;
				f->del_ext = i;
				f->del_ext_files = x->net_deleted;
			}
		}
	}
	uint64_t parent_total = a->with_parent + a->deleted;
	if (f->net_deleted >= MASS_DELETE_MIN_FILES &&
	    ((f->del_ext_share > 0.5) || f->net_deleted * 100 >= parent_total * MASS_DELETE_TREE_PERCENT))
		f->mass_deletion = 1;
	if (f->mass_deletion && a->new_archive_bytes * 100 >= f->net_deleted_bytes * ARCHIVE_EXPLAINS_PERCENT &&
	    a->new_archive_bytes > 0)
		f->deletion_explained = 1;
}

static void find_note(rp_analyzer *a, findings *f)
{
	for (int i = 0; i < NAME_SLOTS; i++) {
		const hitter *h = &a->names[i];
		if (h->count < NOTE_MIN_FOLDERS || h->same_fp * 10 < h->count * 8)
			continue;
		if (bloom_has(a->bloom[BL_DEL_FP], h->fp))
			continue;
		if (!f->note || h->count > f->note->count)
			f->note = h;
	}
	if (f->note)
		f->note_keyword = ransom_like_name(f->note->bytes, f->note->len);
}

static int decide(const findings *f, rp_analyzer *a)
{
	if (f->no_parent)
		return RP_VERDICT_CLEAN;
	uint64_t churn = f->churn_renamed + f->churn_replacing;
	int note = f->note != NULL;
	if (f->encrypted >= ATTACK_MIN_FILES || f->replacing_total >= REPLACED_ATTACK_MIN_FILES)
		return RP_VERDICT_ATTACK;
	if ((f->encrypted >= CORROBORATED_MIN_FILES || f->candidates >= CORROBORATED_MIN_FILES) &&
	    (note || churn >= CORROBORATED_MIN_FILES))
		return RP_VERDICT_ATTACK;
	if ((churn >= CHURN_MIN_FILES || (f->mass_deletion && !f->deletion_explained)) && note)
		return RP_VERDICT_ATTACK;
	if (f->encrypted >= SUSPICIOUS_MIN_FILES || f->replacing_total >= REPLACED_SUSPICIOUS_MIN_FILES)
		return RP_VERDICT_SUSPICIOUS;
	if (churn >= CHURN_MIN_FILES)
		return RP_VERDICT_SUSPICIOUS;
	if (f->mass_deletion && !f->deletion_explained)
		return RP_VERDICT_SUSPICIOUS;
	if (note && ((f->note->count >= NOTE_ALONE_MIN_FOLDERS && f->note_keyword) ||
		     f->note->count >= NOTE_ALONE_ANY_NAME_MIN_FOLDERS))
		return RP_VERDICT_SUSPICIOUS;
	if (f->known_tool >= KNOWN_TOOL_SUSPICIOUS_FILES)
		return RP_VERDICT_SUSPICIOUS;
	uint64_t touched = a->changed + a->new_paths;
	if (f->candidates >= CANDIDATES_SUSPICIOUS_MIN &&
	    f->candidates * 100 >= touched * CANDIDATES_SUSPICIOUS_PERCENT)
		return RP_VERDICT_SUSPICIOUS;
	return RP_VERDICT_CLEAN;
}

static void amend(rp_analyzer *a, findings *f)
{
	uint64_t flagged = 0, cands = 0;
	for (int r = 0; r < RP_J_COUNT; r++) {
		if (rp_scan_reason_is_flag(r))
			flagged += a->by_reason[r];
		else if (rp_scan_reason_is_candidate(r))
			cands += a->by_reason[r];
	}
	/* moves first: bytes that only changed path are not this snapshot's damage */
	for (size_t i = 0; i < a->track_n; i++) {
		tracked *t = &a->track[i];
		if (!(t->how & TRACK_CLEARABLE) || !bloom_has(a->bloom[BL_DEL_FP], t->fp))
			continue;
		t->how = 0;
		a->by_reason[t->reason]--;
		if (t->final_judged) {
			t->final_judged = 0;
			t->amended = 1;
			a->cleared++;
			flagged--;
			a->ext[t->ext].flagged--;
			hitter *h = find_hitter(a->folders, FOLDER_SLOTS, t->dir_h);
			if (h && h->count)
				h->count--;
			for (int k = 0; k < EXAMPLES_MAX; k++)
				if (a->examples[k].used && a->examples[k].path_h == t->path_h)
					a->examples[k].used = 0;
		} else {
			cands--;
		}
	}
	f->encrypted = flagged;
	f->candidates = cands;
}

static void promote(rp_analyzer *a)
{
	for (size_t i = 0; i < a->track_n; i++) {
		tracked *t = &a->track[i];
		if (!(t->how & TRACK_PROMOTABLE) || t->final_judged)
			continue;
		t->final_judged = 1;
		t->amended = 1;
		a->promoted++;
		a->ext[t->ext].flagged++;
		hitter *h = find_hitter(a->folders, FOLDER_SLOTS, t->dir_h);
		if (h)
			h->count += 1;
	}
}

static void jw_bytes(rp_jw *w, const uint8_t *p, size_t n, int trunc)
{
	if (!trunc) {
		rp_jw_strn(w, (const char *)p, n);
		return;
	}
	char buf[PATH_KEEP_BYTES + 4];
	memcpy(buf, p, n);
	memcpy(buf + n, "...", 3);
	rp_jw_strn(w, buf, n + 3);
}

static void write_ext(rp_jw *w, const rp_analyzer *a, uint32_t id)
{
	rp_jw_str(w, a->ext[id].ext);
}

static int cmp_hitter_desc(const void *x, const void *y)
{
	const hitter *a = *(const hitter *const *)x, *b = *(const hitter *const *)y;
	return a->count < b->count ? 1 : a->count > b->count ? -1 : 0;
}

static void write_summary(rp_buf *s, const findings *f, const rp_analyzer *a, int verdict)
{
	rp_buf_putf(s, "%s", rp_verdict_name(verdict));
	const char *sep = ": ";
	if (f->no_parent) {
		rp_buf_putf(s, "%sno parent snapshot to compare with", sep);
		return;
	}
	if (f->encrypted)
		rp_buf_putf(s, "%s%llu files look encrypted or destroyed%s", sep, (unsigned long long)f->encrypted,
			    verdict == RP_VERDICT_CLEAN ? " (below the alarm threshold)" : ""),
			sep = "; ";
	if (f->replacing_total)
		rp_buf_putf(s, "%s%llu deleted files replaced by noise under a new name", sep,
			    (unsigned long long)f->replacing_total),
			sep = "; ";
	if (f->churn_renamed + f->churn_replacing >= CHURN_MIN_FILES)
		rp_buf_putf(s, "%snew extension .%s on %llu files", sep, a->ext[f->churn_ext].ext,
			    (unsigned long long)(f->churn_renamed + f->churn_replacing)),
			sep = "; ";
	if (f->note) {
		rp_buf_putf(s, "%sthe same new file \"", sep);
		for (size_t i = 0; i < f->note->len; i++) {
			uint8_t c = f->note->bytes[i];
			rp_buf_putf(s, c >= 0x20 && c != 0x7f && c != '"' ? "%c" : "\\x%02x", c);
		}
		rp_buf_putf(s, "\" in %llu folders", (unsigned long long)f->note->count);
		sep = "; ";
	}
	if (f->mass_deletion)
		rp_buf_putf(s, "%s%llu files deleted%s", sep, (unsigned long long)f->net_deleted,
			    f->deletion_explained ? " (new archives of a matching size appeared)" : ""),
			sep = "; ";
	if (f->known_tool)
		rp_buf_putf(s, "%s%llu files encrypted by a known tool", sep, (unsigned long long)f->known_tool),
			sep = "; ";
	if (sep[0] == ':')
		rp_buf_putf(s, ": nothing unusual");
}

int rp_analyzer_finish(rp_analyzer *a, int *verdict, rp_buf *out, rp_err *e)
{
	findings f;
	memset(&f, 0, sizeof f);
	rp_buf summary = {0};
	if (a->finished) {
		*verdict = a->verdict;
		return rp_err_set(e, RP_EINVAL, "ransomware analyzer: finish called twice");
	}
	a->finished = 1;
	f.no_parent = a->with_parent == 0 && a->deleted == 0;
	amend(a, &f);
	analyse_joins(a, &f);
	find_note(a, &f);
	for (int t = 0; t < TOOL_COUNT; t++)
		f.known_tool += a->tools[t];
	uint64_t parent_total = a->with_parent + a->deleted;
	uint64_t new_content = a->new_paths > f.moved ? a->new_paths - f.moved : 0;
	f.changed_share = parent_total ? (double)(a->changed + new_content + f.net_deleted) / (double)parent_total : 0;
	if (f.changed_share > 1)
		f.changed_share = 1;
	int v = decide(&f, a);
	if (v == RP_VERDICT_ATTACK)
		promote(a);
	a->verdict = v;
	*verdict = v;
	/* amended entries to the front, so rp_analyzer_amendment is O(1) */
	for (size_t i = 0; i < a->track_n; i++)
		if (a->track[i].amended)
			a->track[a->amend_n++] = a->track[i];

	rp_jw w;
	rp_jw_init(&w, out, 0);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "version"), rp_jw_int(&w, 1);
	rp_jw_key(&w, "verdict"), rp_jw_str(&w, rp_verdict_name(v));
	write_summary(&summary, &f, a, v);
	rp_jw_key(&w, "summary"), rp_jw_strn(&w, summary.data ? (const char *)summary.data : "", summary.len);
	rp_jw_key(&w, "parent"), rp_jw_bool(&w, !f.no_parent);

	rp_jw_key(&w, "files");
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "total"), rp_jw_uint(&w, a->files);
	rp_jw_key(&w, "new"), rp_jw_uint(&w, a->new_paths);
	rp_jw_key(&w, "changed"), rp_jw_uint(&w, a->changed);
	rp_jw_key(&w, "unchanged"), rp_jw_uint(&w, a->unchanged);
	rp_jw_key(&w, "deleted"), rp_jw_uint(&w, a->deleted);
	rp_jw_key(&w, "moved"), rp_jw_uint(&w, f.moved);
	rp_jw_key(&w, "net_deleted"), rp_jw_uint(&w, f.net_deleted);
	rp_jw_key(&w, "changed_share"), rp_jw_double(&w, (double)(int)(f.changed_share * 1000 + 0.5) / 1000);
	rp_jw_key(&w, "undecodable_records"), rp_jw_uint(&w, a->bad_records);
	rp_jw_obj_end(&w);

	rp_jw_key(&w, "signals");
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "encrypted_files"), rp_jw_uint(&w, f.encrypted + (v == RP_VERDICT_ATTACK ? a->promoted : 0));
	rp_jw_key(&w, "by_reason");
	rp_jw_obj_begin(&w);
	for (int r = RP_J_BECAME_NOISE; r < RP_J_COUNT; r++)
		if (a->by_reason[r])
			rp_jw_key(&w, rp_scan_reason_name(r)), rp_jw_uint(&w, a->by_reason[r]);
	rp_jw_obj_end(&w);
	rp_jw_key(&w, "cleared_as_moves"), rp_jw_uint(&w, a->cleared);
	rp_jw_key(&w, "unjudged_noise"), rp_jw_uint(&w, f.candidates);
	rp_jw_key(&w, "unjudged_confirmed"), rp_jw_uint(&w, a->promoted);
	rp_jw_key(&w, "type_changes"), rp_jw_uint(&w, a->type_changes);
	rp_jw_key(&w, "noise_replacing_deleted"), rp_jw_uint(&w, f.replacing_total);
	rp_jw_key(&w, "extension_churn");
	if (f.churn_ext && f.churn_renamed + f.churn_replacing) {
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "extension"), write_ext(&w, a, f.churn_ext);
		rp_jw_key(&w, "files"), rp_jw_uint(&w, a->ext[f.churn_ext].new_paths);
		rp_jw_key(&w, "renamed"), rp_jw_uint(&w, f.churn_renamed);
		rp_jw_key(&w, "replacing_deleted"), rp_jw_uint(&w, f.churn_replacing);
		rp_jw_obj_end(&w);
	} else {
		rp_jw_null(&w);
	}
	rp_jw_key(&w, "ransom_note");
	if (f.note) {
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "name"), jw_bytes(&w, f.note->bytes, f.note->len, f.note->trunc);
		rp_jw_key(&w, "folders"), rp_jw_uint(&w, f.note->count);
		rp_jw_key(&w, "same_content"), rp_jw_uint(&w, f.note->same_fp);
		rp_jw_key(&w, "ransom_like_name"), rp_jw_bool(&w, f.note_keyword);
		rp_jw_obj_end(&w);
	} else {
		rp_jw_null(&w);
	}
	rp_jw_key(&w, "mass_deletion");
	if (f.mass_deletion) {
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "files"), rp_jw_uint(&w, f.net_deleted);
		rp_jw_key(&w, "bytes"), rp_jw_uint(&w, f.net_deleted_bytes);
		if (f.del_ext) {
			rp_jw_key(&w, "extension"), write_ext(&w, a, f.del_ext);
			rp_jw_key(&w, "extension_files"), rp_jw_uint(&w, f.del_ext_files);
			rp_jw_key(&w, "share_of_extension"), rp_jw_double(&w, (double)(int)(f.del_ext_share * 1000) / 1000);
		}
		rp_jw_key(&w, "explained_by_new_archives"), rp_jw_bool(&w, f.deletion_explained);
		rp_jw_obj_end(&w);
	} else {
		rp_jw_null(&w);
	}
	rp_jw_key(&w, "known_tool_encryption");
	if (f.known_tool) {
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "files"), rp_jw_uint(&w, f.known_tool);
		rp_jw_key(&w, "tools");
		rp_jw_obj_begin(&w);
		for (int t = 0; t < TOOL_COUNT; t++)
			if (a->tools[t])
				rp_jw_key(&w, TOOL_NAMES[t]), rp_jw_uint(&w, a->tools[t]);
		rp_jw_obj_end(&w);
		rp_jw_key(&w, "note"), rp_jw_str(&w, "encryption by a known tool");
		rp_jw_obj_end(&w);
	} else {
		rp_jw_null(&w);
	}
	rp_jw_key(&w, "sample_level"), rp_jw_uint(&w, a->level);
	rp_jw_key(&w, "untracked_files"), rp_jw_uint(&w, a->track_dropped);
	rp_jw_obj_end(&w);

	const hitter *top[FOLDER_SLOTS];
	int nt = 0;
	for (int i = 0; i < FOLDER_SLOTS; i++)
		if (a->folders[i].count)
			top[nt++] = &a->folders[i];
	qsort(top, (size_t)nt, sizeof top[0], cmp_hitter_desc);
	rp_jw_key(&w, "folders");
	rp_jw_arr_begin(&w);
	for (int i = 0; i < nt && i < TOP_FOLDERS_SHOWN; i++) {
		rp_jw_obj_begin(&w);
		rp_jw_key(&w, "path"), jw_bytes(&w, top[i]->bytes, top[i]->len, top[i]->trunc);
		rp_jw_key(&w, "files"), rp_jw_uint(&w, top[i]->count);
		rp_jw_obj_end(&w);
	}
	rp_jw_arr_end(&w);

	rp_jw_key(&w, "examples");
	rp_jw_arr_begin(&w);
	for (int pass = 0; pass < 2; pass++) {
		const example *ex = pass == 0 ? a->examples : a->cand_examples;
		if (pass == 1 && v != RP_VERDICT_ATTACK)
			break;
		for (int i = 0; i < EXAMPLES_MAX; i++) {
			if (!ex[i].used)
				continue;
			rp_jw_obj_begin(&w);
			rp_jw_key(&w, "path"), jw_bytes(&w, ex[i].bytes, ex[i].len, ex[i].trunc);
			rp_jw_key(&w, "reason"), rp_jw_str(&w, rp_scan_reason_name(ex[i].reason));
			rp_jw_obj_end(&w);
		}
	}
	rp_jw_arr_end(&w);
	rp_jw_obj_end(&w);
	rp_buf_free(&summary);
	if (rp_jw_status(&w))
		return rp_err_set(e, RP_ENOMEM, "ransomware analyzer: out of memory writing the evidence");
	return 0;
}

size_t rp_analyzer_amendments(const rp_analyzer *a)
{
	return a->finished ? a->amend_n : 0;
}

int rp_analyzer_amendment(const rp_analyzer *a, size_t i, uint64_t *path_hash, int *judged)
{
	if (!a->finished || i >= a->amend_n)
		return -1;
	*path_hash = a->track[i].path_h;
	*judged = a->track[i].final_judged;
	return 0;
}
