/* fuzz_scan_record.c - libFuzzer target for the scan record decoder, the
 * per-file scanner and the snapshot analyzer fed with arbitrary records.
 *
 * Input: the first byte picks the scanner's piece size; the whole input is
 * decoded as a record and scanned as file content (its record must decode);
 * then it is read as a list of entries for the analyzer:
 *   op(1) path_len(1) path  new_len(1) new  old_len(1) old  fp(1)
 * op bit 0: deleted file; bit 1: the records are scanned from those bytes
 * (valid records) instead of taken raw; bit 2: changed.
 */
#include "fuzz_common.h"
#include "scan/detect.h"
#include "scan/detect_record.h"
#include "util/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct reader {
	const uint8_t *p;
	size_t n;
} reader;

static int take(reader *r, size_t k, const uint8_t **out)
{
	if (r->n < k)
		return -1;
	*out = r->p;
	r->p += k;
	r->n -= k;
	return 0;
}

static size_t scan(rp_scan_file *s, const uint8_t *p, size_t n, size_t piece, uint8_t rec[RP_SCAN_RECORD_MAX_BYTES])
{
	rp_scan_file_begin(s, p, n < 8 ? n : 8, n);
	for (size_t off = 0; off < n; off += piece)
		rp_scan_file_update(s, p + off, n - off < piece ? n - off : piece);
	return rp_scan_file_end(s, rec);
}

/* Appends one analyzer entry (see the layout above). */
static void seed_entry(rp_buf *b, uint8_t op, const char *path, const void *nw, size_t nn, const void *old, size_t on,
		       uint8_t fp)
{
	rp_buf_put_u8(b, op);
	rp_buf_put_u8(b, (uint8_t)strlen(path));
	rp_buf_put(b, path, strlen(path));
	rp_buf_put_u8(b, (uint8_t)nn);
	rp_buf_put(b, nw, nn);
	rp_buf_put_u8(b, (uint8_t)on);
	rp_buf_put(b, old, on);
	rp_buf_put_u8(b, fp);
}

/* A day of edits, and an attack: files rewritten as noise under a new
 * extension, the originals deleted, a ransom note added. */
static void fuzz_write_seeds(const char *dir)
{
	static const char doc[] = "Compte rendu du conseil municipal du 12 mars: budget, voirie, \xc3\xa9" "cole.";
	uint8_t noise[200];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	for (size_t i = 0; i < sizeof noise; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		noise[i] = (uint8_t)x;
	}
	rp_buf b = {0};
	seed_entry(&b, 2 | 4, "/srv/partages/cr-conseil.odt", doc, sizeof doc - 1, doc, 40, 3);
	seed_entry(&b, 2, "/srv/partages/budget.csv", "poste;montant\n", 14, "", 0, 9);
	fuzz_seed(dir, "edits", b.data, b.len);
	rp_buf_reset(&b);
	for (int i = 0; i < 6; i++) {
		char path[64];
		snprintf(path, sizeof path, "/srv/partages/acte-%d.pdf.locked", i);
		seed_entry(&b, 2, path, noise + i, 150, "", 0, (uint8_t)(i * 37));
		snprintf(path, sizeof path, "/srv/partages/acte-%d.pdf", i);
		seed_entry(&b, 1 | 2, path, "", 0, doc, sizeof doc - 1, (uint8_t)(i * 37));
	}
	static const char note[] = "YOUR FILES ARE ENCRYPTED. Pay 2 BTC to recover them. Contact: decrypt@example.onion";
	seed_entry(&b, 2, "/srv/partages/README-DECRYPT.txt", note, sizeof note - 1, "", 0, 1);
	fuzz_seed(dir, "attack", b.data, b.len);
	fuzz_seed(dir, "noise", noise, sizeof noise);
	rp_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rp_scan_rec r;
	rp_scan_rec_decode(data, size, &r, NULL);
	rp_scan_file *s = malloc(sizeof *s);
	if (!s)
		return 0;
	uint8_t rec[RP_SCAN_RECORD_MAX_BYTES];
	size_t piece = size ? 1 + data[0] : 1;
	size_t len = scan(s, data, size, piece, rec);
	if (len > RP_SCAN_RECORD_MAX_BYTES || rp_scan_rec_decode(rec, len, &r, NULL) != 0 || r.size != size)
		abort();

	rp_analyzer *a;
	if (rp_analyzer_new(&a, NULL)) {
		free(s);
		return 0;
	}
	reader rd = {data, size};
	const uint8_t *op, *pl, *path, *nl, *nrec, *ol, *orec, *fp;
	while (take(&rd, 1, &op) == 0 && take(&rd, 1, &pl) == 0 && take(&rd, *pl, &path) == 0 &&
	       take(&rd, 1, &nl) == 0 && take(&rd, *nl, &nrec) == 0 && take(&rd, 1, &ol) == 0 &&
	       take(&rd, *ol, &orec) == 0 && take(&rd, 1, &fp) == 0) {
		uint8_t nb[RP_SCAN_RECORD_MAX_BYTES], ob[RP_SCAN_RECORD_MAX_BYTES];
		size_t nn = *nl, on = *ol;
		if (*op & 2) {
			nn = scan(s, nrec, nn, 1 + (*op >> 3), nb);
			nrec = nb;
			if (on) {
				on = scan(s, orec, on, 7, ob);
				orec = ob;
			}
		}
		if (*op & 1)
			rp_analyzer_deleted(a, path, *pl, orec, on, *fp);
		else
			rp_analyzer_file(a, path, *pl, nrec, nn, (uint64_t)*fp * 0x9e3779b97f4a7c15ULL, on ? orec : NULL,
					 on, *fp, (*op >> 2) & 1, *fp & 7, *fp >> 5);
	}
	int verdict;
	rp_buf ev = {0};
	if (rp_analyzer_finish(a, &verdict, &ev, NULL) == 0) {
		rp_json *doc = NULL;
		if (verdict < RP_VERDICT_CLEAN || verdict > RP_VERDICT_ATTACK ||
		    rp_json_parse((const char *)ev.data, ev.len, &doc, NULL) != 0)
			abort();
		rp_json_free(doc);
		for (size_t i = 0; i < rp_analyzer_amendments(a); i++) {
			uint64_t h;
			int j;
			if (rp_analyzer_amendment(a, i, &h, &j) != 0 || (j != 0 && j != 1))
				abort();
		}
	}
	rp_buf_free(&ev);
	rp_analyzer_free(a);
	free(s);
	return 0;
}
