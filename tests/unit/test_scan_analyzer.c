/* test_scan_analyzer.c - the snapshot verdict on synthetic snapshots: every
 * verdict path, the thresholds' boundaries, moves, amendments, evidence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan_testlib.h"
#include "util/json.h"

/* A file of a synthetic snapshot: path, record, fingerprint. */
typedef struct sfile {
	char path[200];
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	size_t len;
	uint64_t fp;
} sfile;

/* Records reused by the tests (scanning is the slow part). */
typedef struct kit {
	uint8_t text[4][RP_SCAN_RECORD_MAX_BYTES], text_edit[4][RP_SCAN_RECORD_MAX_BYTES];
	uint8_t noise[4][RP_SCAN_RECORD_MAX_BYTES], pdf[RP_SCAN_RECORD_MAX_BYTES], zip[RP_SCAN_RECORD_MAX_BYTES];
	uint8_t gpg[RP_SCAN_RECORD_MAX_BYTES], note[RP_SCAN_RECORD_MAX_BYTES], zip_big[RP_SCAN_RECORD_MAX_BYTES];
	size_t text_n[4], text_edit_n[4], noise_n[4], pdf_n, zip_n, gpg_n, note_n;
} kit;

static int setup(void **state)
{
	kit *K = calloc(1, sizeof *K);
	if (!K)
		return -1;
	*state = K;
	for (int i = 0; i < 4; i++) {
		uint8_t *t = tl_text_new(100 + (uint64_t)i, 6000 + 1000 * (size_t)i);
		K->text_n[i] = tl_scan(t, 6000 + 1000 * (size_t)i, 0, K->text[i]);
		tl_text(&(tl_rng){200 + (uint64_t)i}, t + 3000, 500);
		K->text_edit_n[i] = tl_scan(t, 6000 + 1000 * (size_t)i, 0, K->text_edit[i]);
		free(t);
		uint8_t *x = tl_random_new(300 + (uint64_t)i, 6512 + 1000 * (size_t)i);
		K->noise_n[i] = tl_scan(x, 6512 + 1000 * (size_t)i, 0, K->noise[i]);
		free(x);
	}
	uint8_t *b = tl_random_new(400, 100000);
	memcpy(b, "%PDF-1.7\n", 9);
	memcpy(b + 100000 - 7, "\n%%EOF\n", 7);
	K->pdf_n = tl_scan(b, 100000, 0, K->pdf);
	memcpy(b, "PK\x03\x04\x14\x00\x00\x00\x08\x00", 10);
	memcpy(b + 100000 - 22, "PK\x05\x06", 4);
	K->zip_n = tl_scan(b, 100000, 0, K->zip);
	memcpy(b, "\x8c\x0d\x04\x09\x03\x02\x41\x00\x57\x1a\xcd\xcb\xb1\xd0\xff\xd2", 16);
	K->gpg_n = tl_scan(b, 20000, 0, K->gpg);
	free(b);
	const char *note = "Vos fichiers sont chiffrés. Contactez-nous pour les récupérer.\n";
	K->note_n = tl_scan((const uint8_t *)note, strlen(note), 0, K->note);
	/* a zip as big as the files it replaced (the size field is at offset 4) */
	memcpy(K->zip_big, K->zip, K->zip_n);
	rp_store_u64le(K->zip_big + 4, 12000000);
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static uint64_t fp_of(const char *s, int version)
{
	return rp_scan_hash(s, strlen(s), 1000 + (uint64_t)version);
}

static int add(rp_analyzer *a, const char *path, const uint8_t *rec, size_t len, uint64_t fp, const uint8_t *old,
	       size_t old_len, uint64_t old_fp)
{
	return rp_analyzer_file(a, (const uint8_t *)path, strlen(path), rec, len, fp, old, old_len, old_fp,
				old ? fp != old_fp : 1, 1, old && fp == old_fp ? 1 : 0);
}

static void del(rp_analyzer *a, const char *path, const uint8_t *rec, size_t len, uint64_t fp)
{
	rp_analyzer_deleted(a, (const uint8_t *)path, strlen(path), rec, len, fp);
}

/* A parent of n unchanged text files spread over folders. */
static void unchanged_tree(const kit *K, rp_analyzer *a, int n)
{
	char p[200];
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "Commun/Dossier %d/note %d.txt", i % 20, i);
		add(a, p, K->text[i % 4], K->text_n[i % 4], fp_of(p, 0), K->text[i % 4], K->text_n[i % 4], fp_of(p, 0));
	}
}

typedef struct result {
	int verdict;
	rp_json *ev;
} result;

static result finish(rp_analyzer *a)
{
	result r;
	rp_buf out = {0};
	rp_err e;
	assert_int_equal(rp_analyzer_finish(a, &r.verdict, &out, &e), 0);
	assert_int_equal(rp_json_parse((const char *)out.data, out.len, &r.ev, &e), 0);
	rp_buf_free(&out);
	const char *v;
	size_t vn;
	assert_int_equal(rp_json_get_str(r.ev, "verdict", &v, &vn), 0);
	assert_string_equal(v, rp_verdict_name(r.verdict));
	return r;
}

static int64_t signal_int(const result *r, const char *key)
{
	int64_t v = -1;
	rp_json_get_int(rp_json_get(r->ev, "signals"), key, &v);
	return v;
}

static rp_analyzer *fresh(void)
{
	rp_analyzer *a;
	rp_err e;
	assert_int_equal(rp_analyzer_new(&a, &e), 0);
	return a;
}

/* n text files encrypted in place (whole files). */
static result encrypted_in_place(const kit *K, int n, int note_folders)
{
	rp_analyzer *a = fresh();
	unchanged_tree(K, a, 300);
	char p[200];
	for (int i = 0; i < n; i++) {
		snprintf(p, sizeof p, "Finances/Factures/facture %d.txt", i);
		int j = add(a, p, K->noise[i % 4], K->noise_n[i % 4], fp_of(p, 1), K->text[i % 4], K->text_n[i % 4],
			    fp_of(p, 0));
		assert_int_equal(j, 1);
	}
	for (int i = 0; i < note_folders; i++) {
		snprintf(p, sizeof p, "Commun/Dossier %d/LISEZ-MOI.txt", i);
		add(a, p, K->note, K->note_n, 42, NULL, 0, 0);
	}
	result r = finish(a);
	rp_analyzer_free(a);
	return r;
}

static void test_clean_day(void **state)
{
	const kit *K = *state;
	rp_analyzer *a = fresh();
	unchanged_tree(K, a, 300);
	char p[200];
	for (int i = 0; i < 40; i++) {
		snprintf(p, sizeof p, "Conseil/compte rendu %d.txt", i);
		assert_int_equal(add(a, p, K->text_edit[i % 4], K->text_edit_n[i % 4], fp_of(p, 1), K->text[i % 4],
				     K->text_n[i % 4], fp_of(p, 0)),
				 0);
		snprintf(p, sizeof p, "Factures/f%d.pdf", i);
		assert_int_equal(add(a, p, K->pdf, K->pdf_n, fp_of(p, 1), K->pdf, K->pdf_n, fp_of(p, 0)), 0);
	}
	result r = finish(a);
	assert_int_equal(r.verdict, RP_VERDICT_CLEAN);
	assert_int_equal(signal_int(&r, "encrypted_files"), 0);
	assert_int_equal(rp_analyzer_amendments(a), 0);
	rp_json_free(r.ev);
	rp_analyzer_free(a);
}

/* Thresholds: 4 files clean, 5 suspicious, 19 suspicious, 20 attack. */
static void test_encrypted_count_boundaries(void **state)
{
	const kit *K = *state;
	int counts[] = {4, 5, 19, 20};
	int want[] = {RP_VERDICT_CLEAN, RP_VERDICT_SUSPICIOUS, RP_VERDICT_SUSPICIOUS, RP_VERDICT_ATTACK};
	for (int i = 0; i < 4; i++) {
		result r = encrypted_in_place(K, counts[i], 0);
		assert_int_equal(r.verdict, want[i]);
		assert_int_equal(signal_int(&r, "encrypted_files"), counts[i]);
		rp_json_free(r.ev);
	}
	/* five files and a note in 10 folders: attack */
	result r = encrypted_in_place(K, 5, 10);
	assert_int_equal(r.verdict, RP_VERDICT_ATTACK);
	const rp_json *note = rp_json_get(rp_json_get(r.ev, "signals"), "ransom_note");
	assert_non_null(note);
	const char *name;
	size_t nn;
	assert_int_equal(rp_json_get_str(note, "name", &name, &nn), 0);
	assert_string_equal(name, "LISEZ-MOI.txt");
	const rp_json *folders = rp_json_get(r.ev, "folders");
	assert_true(folders && folders->count >= 1);
	assert_int_equal(rp_json_get_str(folders->child, "path", &name, &nn), 0);
	assert_string_equal(name, "Finances/Factures");
	rp_json_free(r.ev);
}

/* Encrypted copies under a new extension, originals deleted. */
static void test_new_extension_and_deletion(void **state)
{
	const kit *K = *state;
	for (int order = 0; order < 2; order++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200], q[200];
		for (int i = 0; i < 30; i++) {
			snprintf(p, sizeof p, "RH/dossier %d.txt", i);
			snprintf(q, sizeof q, "RH/dossier %d.txt.lck", i);
			if (order == 0) {
				add(a, q, K->noise[i % 4], K->noise_n[i % 4], fp_of(q, 1), NULL, 0, 0);
				del(a, p, K->text[i % 4], K->text_n[i % 4], fp_of(p, 0));
			} else {
				del(a, p, K->text[i % 4], K->text_n[i % 4], fp_of(p, 0));
				add(a, q, K->noise[i % 4], K->noise_n[i % 4], fp_of(q, 1), NULL, 0, 0);
			}
		}
		result r = finish(a);
		assert_int_equal(r.verdict, RP_VERDICT_ATTACK);
		assert_int_equal(signal_int(&r, "noise_replacing_deleted"), 30);
		const rp_json *churn = rp_json_get(rp_json_get(r.ev, "signals"), "extension_churn");
		const char *ext;
		size_t n;
		assert_int_equal(rp_json_get_str(churn, "extension", &ext, &n), 0);
		assert_string_equal(ext, "lck");
		/* the deletions are explained by the new files: no mass deletion */
		assert_int_equal(rp_json_get(rp_json_get(r.ev, "signals"), "mass_deletion")->type, RP_JSON_NULL);
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

/* Noise of no known type replacing deleted files: candidates that the
 * snapshot view confirms. */
static void test_candidates_confirmed_in_attack(void **state)
{
	const kit *K = *state;
	rp_analyzer *a = fresh();
	unchanged_tree(K, a, 300);
	char p[200], q[200];
	for (int i = 0; i < 25; i++) {
		snprintf(p, sizeof p, "Photos/IMG_%d", i);
		snprintf(q, sizeof q, "Photos/IMG_%d.crypt", i);
		assert_int_equal(add(a, q, K->noise[i % 4], K->noise_n[i % 4], fp_of(q, 1), NULL, 0, 0), 0);
		del(a, p, K->pdf, K->pdf_n, fp_of(p, 0));
	}
	/* and files that were noise already, rewritten */
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof p, "Photos/Thumbs%d.db", i);
		assert_int_equal(add(a, p, K->noise[(i + 1) % 4], K->noise_n[(i + 1) % 4], fp_of(p, 1), K->noise[i % 4],
				     K->noise_n[i % 4], fp_of(p, 0)),
				 0);
	}
	result r = finish(a);
	assert_int_equal(r.verdict, RP_VERDICT_ATTACK);
	assert_int_equal(rp_analyzer_amendments(a), 28);
	for (size_t i = 0; i < 28; i++) {
		uint64_t h;
		int judged;
		assert_int_equal(rp_analyzer_amendment(a, i, &h, &judged), 0);
		assert_int_equal(judged, 1);
	}
	uint64_t h;
	int judged;
	assert_int_equal(rp_analyzer_amendment(a, 28, &h, &judged), -1);
	assert_int_equal(signal_int(&r, "unjudged_confirmed"), 28);
	rp_json_free(r.ev);
	rp_analyzer_free(a);
}

/* Candidates alone never alarm; five of them with a ransom note do. */
static void test_candidates_with_note(void **state)
{
	const kit *K = *state;
	for (int with_note = 0; with_note < 2; with_note++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200];
		for (int i = 0; i < 6; i++) {
			snprintf(p, sizeof p, "Archives/conteneur%d.bin", i);
			assert_int_equal(add(a, p, K->noise[(i + 1) % 4], K->noise_n[(i + 1) % 4], fp_of(p, 1),
					     K->noise[i % 4], K->noise_n[i % 4], fp_of(p, 0)),
					 0);
		}
		for (int i = 0; with_note && i < 10; i++) {
			snprintf(p, sizeof p, "Commun/Dossier %d/RESTORE.txt", i);
			add(a, p, K->note, K->note_n, 42, NULL, 0, 0);
		}
		result r = finish(a);
		assert_int_equal(r.verdict, with_note ? RP_VERDICT_ATTACK : RP_VERDICT_CLEAN);
		assert_int_equal(signal_int(&r, "unjudged_noise"), 6);
		assert_int_equal(rp_analyzer_amendments(a), with_note ? 6 : 0);
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

/* Moving files that are noise (litter, containers) is not an attack, in
 * either call order; flags given before the deletions were seen are
 * withdrawn by finish. */
static void test_moves_are_cleared(void **state)
{
	const kit *K = *state;
	for (int order = 0; order < 2; order++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200], q[200];
		int flagged = 0;
		for (int i = 0; i < 60; i++) {
			snprintf(p, sizeof p, "Projets/P%d/desktop.ini", i);
			snprintf(q, sizeof q, "Archives/Projets/P%d/desktop.ini", i);
			uint64_t fp = fp_of(p, 7);
			if (order == 0) {
				flagged += add(a, q, K->noise[i % 4], K->noise_n[i % 4], fp, NULL, 0, 0);
				del(a, p, K->noise[i % 4], K->noise_n[i % 4], fp);
			} else {
				del(a, p, K->noise[i % 4], K->noise_n[i % 4], fp);
				flagged += add(a, q, K->noise[i % 4], K->noise_n[i % 4], fp, NULL, 0, 0);
			}
		}
		assert_int_equal(flagged, order == 0 ? 60 : 0);
		result r = finish(a);
		assert_int_equal(r.verdict, RP_VERDICT_CLEAN);
		assert_int_equal(signal_int(&r, "encrypted_files"), 0);
		assert_int_equal(rp_analyzer_amendments(a), order == 0 ? 60 : 0);
		for (size_t i = 0; i < rp_analyzer_amendments(a); i++) {
			uint64_t h;
			int judged;
			rp_analyzer_amendment(a, i, &h, &judged);
			assert_int_equal(judged, 0);
		}
		int64_t moved;
		rp_json_get_int(rp_json_get(r.ev, "files"), "moved", &moved);
		assert_int_equal(moved, 60);
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

static void test_renames_to_new_extension(void **state)
{
	const kit *K = *state;
	for (int n = 19; n <= 20; n++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200], q[200];
		for (int i = 0; i < n; i++) {
			snprintf(p, sizeof p, "Scans/doc %d.pdf", i);
			snprintf(q, sizeof q, "Scans/doc %d.pdf.locked", i);
			add(a, q, K->pdf, K->pdf_n, fp_of(p, 0), NULL, 0, 0);
			del(a, p, K->pdf, K->pdf_n, fp_of(p, 0));
		}
		result r = finish(a);
		assert_int_equal(r.verdict, n == 20 ? RP_VERDICT_SUSPICIOUS : RP_VERDICT_CLEAN);
		int64_t renamed = 0;
		rp_json_get_int(rp_json_get(rp_json_get(r.ev, "signals"), "extension_churn"), "renamed", &renamed);
		assert_int_equal(renamed, n);
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

static void test_mass_deletion(void **state)
{
	const kit *K = *state;
	for (int variant = 0; variant < 3; variant++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200];
		for (int i = 0; i < 150; i++) {
			snprintf(p, sizeof p, "Factures/f%d.pdf", i);
			if (i < (variant == 1 ? 99 : 120))
				del(a, p, K->pdf, K->pdf_n, fp_of(p, 0));
			else
				add(a, p, K->pdf, K->pdf_n, fp_of(p, 0), K->pdf, K->pdf_n, fp_of(p, 0));
		}
		if (variant == 2) /* the files went into a new archive */
			add(a, "Archives/factures.zip", K->zip_big, K->zip_n, 5, NULL, 0, 0);
		result r = finish(a);
		assert_int_equal(r.verdict, variant == 0 ? RP_VERDICT_SUSPICIOUS : RP_VERDICT_CLEAN);
		const rp_json *m = rp_json_get(rp_json_get(r.ev, "signals"), "mass_deletion");
		if (variant == 1) {
			assert_int_equal(m->type, RP_JSON_NULL);
		} else {
			int explained;
			assert_int_equal(rp_json_get_bool(m, "explained_by_new_archives", &explained), 0);
			assert_int_equal(explained, variant == 2);
			const char *ext;
			size_t n;
			assert_int_equal(rp_json_get_str(m, "extension", &ext, &n), 0);
			assert_string_equal(ext, "pdf");
		}
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

static void test_ransom_note_alone(void **state)
{
	const kit *K = *state;
	for (int named = 0; named < 2; named++) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200];
		for (int i = 0; i < 20; i++) {
			snprintf(p, sizeof p, "Commun/Dossier %d/%s", i, named ? "HOW_TO_DECRYPT.txt" : "sommaire.txt");
			add(a, p, K->note, K->note_n, 42, NULL, 0, 0);
		}
		result r = finish(a);
		assert_int_equal(r.verdict, named ? RP_VERDICT_SUSPICIOUS : RP_VERDICT_CLEAN);
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

static void test_known_tool(void **state)
{
	const kit *K = *state;
	for (int n = 20; n <= 200; n += 180) {
		rp_analyzer *a = fresh();
		unchanged_tree(K, a, 300);
		char p[200], q[200];
		for (int i = 0; i < n; i++) {
			snprintf(p, sizeof p, "Utilisateurs/marie/doc %d.txt", i);
			snprintf(q, sizeof q, "Utilisateurs/marie/doc %d.txt.gpg", i);
			assert_int_equal(add(a, q, K->gpg, K->gpg_n, fp_of(q, 1), NULL, 0, 0), 0);
			del(a, p, K->text[i % 4], K->text_n[i % 4], fp_of(p, 0));
		}
		result r = finish(a);
		assert_int_equal(r.verdict, n < 200 ? RP_VERDICT_CLEAN : RP_VERDICT_SUSPICIOUS);
		const rp_json *kt = rp_json_get(rp_json_get(r.ev, "signals"), "known_tool_encryption");
		int64_t files;
		assert_int_equal(rp_json_get_int(kt, "files", &files), 0);
		assert_int_equal(files, n);
		assert_int_equal(rp_json_get_int(rp_json_get(kt, "tools"), "openpgp", &files), 0);
		const char *note;
		size_t nn;
		assert_int_equal(rp_json_get_str(kt, "note", &note, &nn), 0);
		assert_string_equal(note, "encryption by a known tool");
		rp_json_free(r.ev);
		rp_analyzer_free(a);
	}
}

static void test_no_parent(void **state)
{
	const kit *K = *state;
	rp_analyzer *a = fresh();
	char p[200];
	for (int i = 0; i < 50; i++) {
		snprintf(p, sizeof p, "x/%d.txt", i);
		add(a, p, K->noise[i % 4], K->noise_n[i % 4], (uint64_t)i, NULL, 0, 0);
	}
	result r = finish(a);
	assert_int_equal(r.verdict, RP_VERDICT_CLEAN);
	int parent = 1;
	rp_json_get_bool(r.ev, "parent", &parent);
	assert_false(parent);
	rp_json_free(r.ev);
	rp_analyzer_free(a);
}

/* Garbage records and misuse: counted, never fatal. */
static void test_robustness(void **state)
{
	const kit *K = *state;
	rp_analyzer *a = fresh();
	unchanged_tree(K, a, 10);
	uint8_t junk[40];
	tl_random(&(tl_rng){5}, junk, sizeof junk);
	add(a, "a/b", junk, sizeof junk, 1, junk, 3, 2);
	add(a, "", junk, 0, 1, NULL, 0, 0);
	del(a, "z", junk, 7, 9);
	rp_analyzer_file(a, (const uint8_t *)"c", 1, K->text[0], K->text_n[0], 3, K->text[0], K->text_n[0], 3, 0, 5, 9);
	/* a previous version that has no record: not new, not damage, not judged */
	assert_int_equal(rp_analyzer_file(a, (const uint8_t *)"d.pdf", 5, K->noise[0], K->noise_n[0], 4, junk, 0, 3, 1, 1,
					  0),
			 0);
	result r = finish(a);
	int64_t bad, fresh_paths;
	rp_json_get_int(rp_json_get(r.ev, "files"), "undecodable_records", &bad);
	assert_int_equal(bad, 3);
	rp_json_get_int(rp_json_get(r.ev, "files"), "new", &fresh_paths);
	assert_int_equal(fresh_paths, 1);
	rp_buf out = {0};
	int v;
	rp_err e;
	assert_int_equal(rp_analyzer_finish(a, &v, &out, &e), RP_EINVAL);
	assert_int_equal(add(a, "late", K->noise[0], K->noise_n[0], 1, K->text[0], K->text_n[0], 2), 0);
	rp_buf_free(&out);
	rp_json_free(r.ev);
	rp_analyzer_free(a);
	rp_analyzer_free(NULL);
	assert_string_equal(rp_verdict_name(7), "unknown");
}

/* Half a million new and deleted paths overflow the samples: the analyzer
 * keeps fixed memory, raises its sampling level, and still sees that the
 * deletions were moves. */
static void test_bounded_memory_many_files(void **state)
{
	const kit *K = *state;
	rp_analyzer *a = fresh();
	char p[64];
	for (int i = 0; i < 250000; i++) {
		snprintf(p, sizeof p, "old/d%d/f%d.pdf", i % 1000, i);
		del(a, p, K->pdf, K->pdf_n, (uint64_t)i * 7919);
		snprintf(p, sizeof p, "new/d%d/f%d.pdf", i % 1000, i);
		add(a, p, K->pdf, K->pdf_n, (uint64_t)i * 7919, NULL, 0, 0);
	}
	result r = finish(a);
	assert_int_equal(r.verdict, RP_VERDICT_CLEAN);
	int64_t level = 0, moved = 0;
	rp_json_get_int(rp_json_get(r.ev, "signals"), "sample_level", &level);
	rp_json_get_int(rp_json_get(r.ev, "files"), "moved", &moved);
	assert_true(level >= 2);
	assert_true(moved > 200000 && moved < 300000);
	rp_json_free(r.ev);
	rp_analyzer_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_day),
		cmocka_unit_test(test_encrypted_count_boundaries),
		cmocka_unit_test(test_new_extension_and_deletion),
		cmocka_unit_test(test_candidates_confirmed_in_attack),
		cmocka_unit_test(test_candidates_with_note),
		cmocka_unit_test(test_moves_are_cleared),
		cmocka_unit_test(test_renames_to_new_extension),
		cmocka_unit_test(test_mass_deletion),
		cmocka_unit_test(test_ransom_note_alone),
		cmocka_unit_test(test_known_tool),
		cmocka_unit_test(test_no_parent),
		cmocka_unit_test(test_robustness),
		cmocka_unit_test(test_bounded_memory_many_files),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
