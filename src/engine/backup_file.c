/* backup_file.c - backup workers: read, chunk, hash, deduplicate and
 * pack the content of one file at a time. */
#include "backup_internal.h"
#include "fprint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BYTES (512u << 10)
#define READ_ATTEMPTS 3

typedef struct prevset {
	uint64_t *keys; /* id prefixes; 0 marks an empty slot */
	size_t cap;
} prevset;

typedef struct bk_worker {
	bk *b;
	rp_hasher *hasher;
	rp_blob_codec *codec;
	uint8_t *buf;
	size_t buf_cap;
	prevset prev;
	rp_scan_file scan;   /* ransomware signals of the file being read */
	rp_pii_scanner *pii; /* when the backup counts personal data */
	int pii_on;          /* a file is open in the scanner */
	rp_err err;
} bk_worker;

#define id_key64 rp_fp_key

/* Fills the set with the previous version's chunk ids. */
static int prevset_load(prevset *s, const rp_buf *content)
{
	size_t n = content->len / RP_CONTENT_ITEM_BYTES, cap = 16;
	while (cap < n * 2)
		cap *= 2;
	if (cap > s->cap) {
		uint64_t *k = realloc(s->keys, cap * sizeof *k);
		if (!k)
			return RP_ENOMEM;
		s->keys = k;
		s->cap = cap;
	}
	memset(s->keys, 0, s->cap * sizeof *s->keys);
	for (size_t i = 0; i < n; i++) {
		rp_id id;
		memcpy(id.b, content->data + i * RP_CONTENT_ITEM_BYTES, RP_ID_BYTES);
		uint64_t k = id_key64(&id);
		size_t j = k & (s->cap - 1);
		while (s->keys[j] && s->keys[j] != k)
			j = (j + 1) & (s->cap - 1);
		s->keys[j] = k;
	}
	return 0;
}

static int prevset_has(const prevset *s, const rp_id *id)
{
	if (!s->cap)
		return 0;
	uint64_t k = id_key64(id);
	size_t j = k & (s->cap - 1);
	while (s->keys[j]) {
		if (s->keys[j] == k)
			return 1;
		j = (j + 1) & (s->cap - 1);
	}
	return 0;
}

/* Hashes, deduplicates, seals and queues the chunk data[0..len); fills
 * its content slot. */
static int process_data(bk_worker *w, const uint8_t *data, uint32_t len, uint8_t *slot)
{
	bk *b = w->b;
	rp_id id;
	if (rp_id_compute(b->repo->idkey, w->hasher, data, len, &id))
		return rp_err_set(&w->err, RP_EIO, "hashing failed");
	memcpy(slot, id.b, RP_ID_BYTES);
	int claimed = rp_index_claim(b->idx, &id);
	if (claimed < 0)
		return rp_err_set(&w->err, RP_ENOMEM, "out of memory");
	if (claimed == 0) {
		const uint8_t *sealed;
		size_t slen;
		uint8_t flags;
		int rc = rp_blob_seal(w->codec, b->repo->cfg.aead, rp_packq_key(b->dataq), RP_BLOB_DATA, &id, data, len,
				      1, &sealed, &slen, &flags, &w->err);
		if (!rc)
			rc = rp_packq_add(b->dataq, RP_BLOB_DATA, &id, flags, len, sealed, slen, &w->err);
		if (rc) {
			rp_index_unclaim(b->idx, &id);
			return rc;
		}
		__atomic_fetch_add(&b->n_blobs, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->n_added, len, __ATOMIC_RELAXED);
		__atomic_fetch_add(&b->n_stored, slen, __ATOMIC_RELAXED);
	}
	return 0;
}

static int process_chunk(bk_worker *w, bk_chunk *c)
{
	return process_data(w, c->data, c->len, c->slot);
}

/* Takes the oldest queued chunk (caller holds b->mu). */
static bk_chunk *pop_chunk(bk *b)
{
	bk_chunk *c = b->chunk_head;
	if (c) {
		b->chunk_head = c->next;
		if (!b->chunk_head)
			b->chunk_tail = NULL;
	}
	return c;
}

/* Processes c (b->mu not held) and accounts for it. */
static void run_chunk(bk_worker *w, bk_chunk *c)
{
	bk *b = w->b;
	if (!__atomic_load_n(&b->abort, __ATOMIC_RELAXED)) {
		rp_err_clear(&w->err);
		int rc = process_chunk(w, c);
		if (rc)
			bk_fail(b, rc, &w->err);
	}
	pthread_mutex_lock(&b->mu);
	/* wake only who can go on: the file's reader once its last chunk is
	 * done, or a reader waiting for a buffer */
	if (--c->ev->pending == 0 || b->buf_waiters)
		pthread_cond_broadcast(&b->chunk_cv);
	rp_slab_put(b->chunk_slab, c);
	pthread_mutex_unlock(&b->mu);
}

/* The slot for the next content item of ev (segments never move). */
static uint8_t *next_slot(bk_ev *ev)
{
	uint32_t i = ev->chunks_total;
	bk_idseg **tail = &ev->segs;
	uint32_t k = i / BK_IDSEG_ITEMS;
	for (uint32_t j = 0; j < k; j++)
		tail = &(*tail)->next;
	if (!*tail && !(*tail = calloc(1, sizeof **tail)))
		return NULL;
	ev->chunks_total++;
	return (*tail)->items[i % BK_IDSEG_ITEMS];
}

/* Cuts one chunk off the file and hands it to whichever worker is free;
 * the last chunk of a read range (all of a small file) is processed here,
 * which spares a copy and two thread hand-offs per small file. */
static int emit_chunk(bk_worker *w, bk_ev *ev, const uint8_t *p, size_t n, int last)
{
	bk *b = w->b;
	/* the scanners see the file in order, here, before the chunk leaves */
	rp_scan_file_update(&w->scan, p, n);
	if (w->pii_on && !rp_pii_file_skipping(w->pii) && rp_pii_file_update(w->pii, p, n, &w->err))
		return w->err.code;
	uint8_t *slot = next_slot(ev);
	if (!slot)
		return rp_err_set(&w->err, RP_ENOMEM, "out of memory");
	rp_store_u64le(slot + RP_ID_BYTES, n);
	__atomic_fetch_add(&b->n_read, n, __ATOMIC_RELAXED);
	if (last)
		return process_data(w, p, (uint32_t)n, slot);
	pthread_mutex_lock(&b->mu);
	/* no free buffer: help empty the queue rather than wait */
	bk_chunk *c;
	while (!(c = rp_slab_try_get(b->chunk_slab))) {
		if (rp_slab_failed(b->chunk_slab) || b->abort) {
			pthread_mutex_unlock(&b->mu);
			return rp_err_set(&w->err, b->abort ? RP_EINTR : RP_ENOMEM, "out of memory");
		}
		bk_chunk *other = pop_chunk(b);
		if (other) {
			pthread_mutex_unlock(&b->mu);
			run_chunk(w, other);
			pthread_mutex_lock(&b->mu);
		} else {
			b->buf_waiters++;
			pthread_cond_wait(&b->chunk_cv, &b->mu);
			b->buf_waiters--;
		}
	}
	pthread_mutex_unlock(&b->mu);
	c->next = NULL;
	c->ev = ev;
	c->slot = slot;
	c->len = (uint32_t)n;
	memcpy(c->data, p, n);
	pthread_mutex_lock(&b->mu);
	if (b->chunk_tail)
		b->chunk_tail->next = c;
	else
		b->chunk_head = c;
	b->chunk_tail = c;
	ev->pending++;
	pthread_cond_signal(&b->job_ready);
	pthread_mutex_unlock(&b->mu);
	return 0;
}

/* Waits until every chunk of ev is processed, processing chunks meanwhile. */
static void wait_chunks(bk_worker *w, bk_ev *ev)
{
	bk *b = w->b;
	pthread_mutex_lock(&b->mu);
	while (ev->pending) {
		bk_chunk *other = pop_chunk(b);
		if (other) {
			pthread_mutex_unlock(&b->mu);
			run_chunk(w, other);
			pthread_mutex_lock(&b->mu);
		} else {
			pthread_cond_wait(&b->chunk_cv, &b->mu);
		}
	}
	pthread_mutex_unlock(&b->mu);
}

/* Builds the content list, fingerprint and overlap with the previous
 * version from the processed slots. */
static int finish_content(bk_worker *w, bk_ev *ev)
{
	rp_buf_reset(&ev->content);
	ev->fp = RP_FP_SEED;
	ev->chunks_shared = 0;
	uint32_t left = ev->chunks_total;
	for (bk_idseg *sg = ev->segs; sg && left; sg = sg->next) {
		uint32_t k = left < BK_IDSEG_ITEMS ? left : BK_IDSEG_ITEMS;
		for (uint32_t i = 0; i < k; i++) {
			const uint8_t *item = sg->items[i];
			rp_id id;
			memcpy(id.b, item, RP_ID_BYTES);
			static const uint8_t zero[RP_ID_BYTES];
			if (memcmp(item, zero, RP_ID_BYTES)) { /* not a hole */
				ev->fp = rp_fp_add(ev->fp, &id);
				if (prevset_has(&w->prev, &id))
					ev->chunks_shared++;
			}
			if (rp_buf_put(&ev->content, item, RP_CONTENT_ITEM_BYTES))
				return rp_err_set(&w->err, RP_ENOMEM, "out of memory");
		}
		left -= k;
	}
	return 0;
}

static void free_segs(bk_ev *ev)
{
	while (ev->segs) {
		bk_idseg *n = ev->segs->next;
		free(ev->segs);
		ev->segs = n;
	}
	ev->chunks_total = 0;
}

/* A hole: recorded in order like a chunk, with an all-zero id. */
static int emit_hole(bk_worker *w, bk_ev *ev, uint64_t len)
{
	uint8_t *slot = next_slot(ev);
	if (!slot)
		return rp_err_set(&w->err, RP_ENOMEM, "out of memory");
	memset(slot, 0, RP_ID_BYTES);
	rp_store_u64le(slot + RP_ID_BYTES, len);
	return 0;
}

/* Reads [start, end) of fd (end == UINT64_MAX: to end of file), chunks it
 * and stores the chunks.  1 when a read error was warned about. */
static int read_range(bk_worker *w, bk_ev *ev, int fd, uint64_t start, uint64_t end, uint64_t *got)
{
	const rp_chunker *ch = &w->b->repo->chunker;
	size_t have = 0;
	uint64_t off = start;
	int eof = 0;
	*got = 0;
	while (!eof || have) {
		while (!eof && have < w->buf_cap) {
			size_t want = w->buf_cap - have;
			if (end != UINT64_MAX && end - off < want)
				want = (size_t)(end - off);
			if (want == 0) {
				eof = 1;
				break;
			}
			ssize_t k = pread(fd, w->buf + have, want, (off_t)off);
			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0) {
				bk_warn(w->b, "%s: read error at offset %llu: %s (file skipped)", (char *)ev->path.data,
					(unsigned long long)off, strerror(errno));
				return 1;
			}
			if (k == 0) {
				eof = 1;
				break;
			}
			have += (size_t)k;
			off += (uint64_t)k;
			*got += (uint64_t)k;
		}
		size_t pos = 0;
		while (have - pos >= ch->max_bytes || (eof && pos < have)) {
			size_t cut = rp_chunker_cut(ch, w->buf + pos, have - pos);
			int rc = emit_chunk(w, ev, w->buf + pos, cut, eof && pos + cut == have);
			if (rc)
				return rc;
			pos += cut;
		}
		if (pos) {
			memmove(w->buf, w->buf + pos, have - pos);
			have -= pos;
		}
		if (__atomic_load_n(&w->b->abort, __ATOMIC_RELAXED))
			return RP_EINTR;
	}
	return 0;
}

/* Reads the whole file, following holes in sparse files. */
static int read_content(bk_worker *w, bk_ev *ev, int fd, const struct stat *st)
{
	uint64_t got;
	int sparse = st->st_size > 0 && (uint64_t)st->st_blocks * 512 < (uint64_t)st->st_size;
	if (!sparse)
		return read_range(w, ev, fd, 0, UINT64_MAX, &got);
	uint64_t size = (uint64_t)st->st_size, pos = 0;
	while (pos < size) {
		off_t data = lseek(fd, (off_t)pos, SEEK_DATA);
		if (data < 0 && errno == ENXIO)
			data = (off_t)size;
		else if (data < 0)
			return read_range(w, ev, fd, pos, UINT64_MAX, &got); /* no SEEK_DATA: read it all */
		if ((uint64_t)data > pos) {
			int rc = emit_hole(w, ev, (uint64_t)data - pos);
			if (rc)
				return rc;
			pos = (uint64_t)data;
		}
		if (pos >= size)
			break;
		off_t hole = lseek(fd, (off_t)pos, SEEK_HOLE);
		uint64_t hend = hole < 0 ? size : (uint64_t)hole;
		if (hend > size)
			hend = size;
		int rc = read_range(w, ev, fd, pos, hend, &got);
		if (rc)
			return rc;
		if (got < hend - pos) /* shrank meanwhile: the stat check will see it */
			return 0;
		pos = hend;
	}
	return 0;
}

static int same_version(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_size == b->st_size && a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec && a->st_ctim.tv_sec == b->st_ctim.tv_sec &&
	       a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static int open_for_read(const char *path)
{
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC;
	int fd = rp_open_long(path, flags | O_NOATIME);
	if (fd < 0 && errno == EPERM)
		fd = rp_open_long(path, flags);
	return fd;
}

/* Produces ev's content.  0: done (or skipped with a warning), <0 fatal. */
static int process_file(bk_worker *w, bk_ev *ev)
{
	const char *path = (const char *)ev->path.data;
	if (w->b->stall_ms && strstr(path, w->b->stall_text))
		usleep(w->b->stall_ms * 1000u);
	int fd = open_for_read(path);
	if (fd < 0) {
		if (errno == ENOENT)
			bk_warn(w->b, "%s: file vanished before it could be read (skipped)", path);
		else
			bk_warn(w->b, "%s: cannot open: %s (skipped)", path, strerror(errno));
		ev->skip = 1;
		return 0;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	int rc = 0;
	if (ev->has_prev && prevset_load(&w->prev, &ev->prev_content)) {
		rc = rp_err_set(&w->err, RP_ENOMEM, "out of memory");
		goto done;
	}
	if (!ev->has_prev && w->prev.cap)
		memset(w->prev.keys, 0, w->prev.cap * sizeof *w->prev.keys);
	for (int attempt = 1;; attempt++) {
		struct stat before, after;
		if (fstat(fd, &before)) {
			bk_warn(w->b, "%s: cannot stat: %s (skipped)", path, strerror(errno));
			ev->skip = 1;
			goto done;
		}
		if (!S_ISREG(before.st_mode)) {
			bk_warn(w->b, "%s: is no longer a regular file (skipped)", path);
			ev->skip = 1;
			goto done;
		}
		free_segs(ev);
		rp_scan_file_begin(&w->scan, ev->name, ev->name_len, (uint64_t)before.st_size);
		if (w->pii) {
			if (w->pii_on) {
				rp_pii_counts junk;
				rp_pii_file_end(w->pii, &junk, &w->err);
			}
			if ((rc = rp_pii_file_begin(w->pii, ev->path.data, ev->path.len, (uint64_t)before.st_size, &w->err)))
				goto done;
			w->pii_on = 1;
		}
		rc = read_content(w, ev, fd, &before);
		wait_chunks(w, ev);
		if (!rc && (rc = finish_content(w, ev)))
			goto done;
		if (rc == 1) {
			ev->skip = 1;
			rc = 0;
			goto done;
		}
		if (rc)
			goto done;
		if (fstat(fd, &after)) {
			bk_warn(w->b, "%s: cannot stat: %s (skipped)", path, strerror(errno));
			ev->skip = 1;
			goto done;
		}
		if (same_version(&before, &after)) {
			ev->st = after;
			ev->scan_len = rp_scan_file_end(&w->scan, ev->scan);
			break;
		}
		if (attempt == READ_ATTEMPTS) {
			ev->st = after;
			ev->flags |= RP_NODE_F_CHANGED;
			ev->scan_len = rp_scan_file_end(&w->scan, ev->scan);
			bk_warn(w->b, "%s: changed while being read %d times; stored as last read (may mix versions)",
				path, READ_ATTEMPTS);
			break;
		}
	}
done:
	wait_chunks(w, ev);
	free_segs(ev);
	if (w->pii_on) {
		rp_pii_counts c;
		rp_err pe;
		w->pii_on = 0;
		if (!rp_pii_file_end(w->pii, &c, &pe) && !rc && !ev->skip)
			ev->pii_len = rp_pii_record_encode(&c, ev->pii);
	}
	close(fd);
	return rc;
}

static int worker_setup(bk_worker *w, rp_err *e)
{
	bk *b = w->b;
	int rc;
	if ((rc = rp_hasher_new(&w->hasher, e)) || (rc = rp_blob_codec_new(&w->codec, b->repo->cfg.zstd_level, e)))
		return rc;
	if (b->pii_distinct && (rc = rp_pii_scanner_new(&w->pii, b->pii_distinct, e)))
		return rc;
	w->buf_cap = b->repo->chunker.max_bytes + READ_BYTES;
	if (!(w->buf = malloc(w->buf_cap)))
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	return 0;
}

static void worker_teardown(bk_worker *w)
{
	rp_blob_codec_free(w->codec);
	rp_hasher_free(w->hasher);
	rp_pii_scanner_free(w->pii);
	free(w->buf);
	free(w->prev.keys);
}

/* Next file to read, or NULL when nothing more can come.  Queued chunks
 * are processed first: they finish files others are waiting for. */
static bk_ev *take_job(bk_worker *w)
{
	bk *b = w->b;
	bk_ev *ev = NULL;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		bk_chunk *c = pop_chunk(b);
		if (c) {
			pthread_mutex_unlock(&b->mu);
			run_chunk(w, c);
			pthread_mutex_lock(&b->mu);
			continue;
		}
		if (b->job_head != b->job_tail) {
			uint64_t n = b->jobs[b->job_tail % BK_RING_SLOTS];
			b->job_tail++;
			ev = &b->ring[n % BK_RING_SLOTS];
			ev->job = JOB_RUNNING;
			b->reading++;
			break;
		}
		if (b->walk_done && !b->reading)
			break;
		pthread_cond_wait(&b->job_ready, &b->mu);
	}
	pthread_mutex_unlock(&b->mu);
	return ev;
}

static void finish_job(bk *b, bk_ev *ev)
{
	pthread_mutex_lock(&b->mu);
	ev->job = JOB_DONE;
	b->reading--;
	/* the assembler waits for the oldest entry only; idle workers wait
	 * for work, or for the last reader to finish */
	if (b->asm_waiting && ev == &b->ring[b->tail % BK_RING_SLOTS])
		pthread_cond_broadcast(&b->ev_ready);
	if (b->walk_done && !b->reading)
		pthread_cond_broadcast(&b->job_ready);
	pthread_mutex_unlock(&b->mu);
}

void *bk_worker_main(void *arg)
{
	bk_worker w = {.b = arg};
	bk *b = w.b;
	int rc = worker_setup(&w, &w.err);
	bk_ev *ev;
	while ((ev = take_job(&w))) {
		if (!rc && !__atomic_load_n(&b->abort, __ATOMIC_RELAXED))
			rc = process_file(&w, ev);
		if (rc) {
			ev->skip = 1;
			bk_fail(b, rc, &w.err);
		}
		finish_job(b, ev);
	}
	worker_teardown(&w);
	return NULL;
}
