/* backup_internal.h - state shared by the walker, the workers and the
 * assembler of one backup run (see backup.h). */
#ifndef RP_BACKUP_INTERNAL_H
#define RP_BACKUP_INTERNAL_H

#include "backup.h"
#include "fcache.h"
#include "fsmeta.h"
#include "idxwriter.h"
#include "packq.h"
#include "statahead.h"
#include "scan/detect.h"
#include "scan/pii.h"
#include "scan/pii_record.h"
#include "util/slab.h"

#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

#define BK_RING_SLOTS 2048u
#define BK_WAKE_BATCH 64u /* entries the assembler takes per wake-up */
#define BK_SCAN_BYTES RP_SCAN_RECORD_MAX_BYTES
#define BK_NAME_BYTES 256

enum { EV_ENTER = 1, EV_LEAVE, EV_NODE, EV_DELETED };
enum { JOB_NONE = 0, JOB_PENDING, JOB_RUNNING, JOB_DONE };

typedef struct bk_idseg bk_idseg;

/* One entry of the walk.  Slots are reused round the ring; their buffers
 * keep their capacity, so steady state allocates nothing. */
typedef struct bk_ev {
	int kind;
	int job;
	int skip;        /* dropped: vanished or unreadable (already warned) */
	uint8_t name[BK_NAME_BYTES];
	size_t name_len;
	struct stat st;
	rp_buf path;     /* full path, NUL-terminated */
	rp_buf xattrs;
	rp_buf target;
	uint32_t flags;  /* RP_NODE_F_* */
	const char *user, *group;
	uint64_t link_group;
	int link_follower;
	/* the previous version at this path, from the files cache */
	int has_prev;
	uint64_t prev_fp;
	rp_buf prev_content;
	uint8_t prev_scan[BK_SCAN_BYTES];
	size_t prev_scan_len;
	uint8_t prev_pii[RP_PII_RECORD_MAX_BYTES];
	size_t prev_pii_len;
	/* content: reused from the cache, or produced by a worker */
	int reused;
	int xattrs_cached; /* xattrs taken from the files cache, not read */
	rp_buf content;
	uint8_t scan[BK_SCAN_BYTES];
	size_t scan_len;
	uint8_t pii[RP_PII_RECORD_MAX_BYTES];
	size_t pii_len;
	uint64_t fp;
	uint32_t chunks_total, chunks_shared;
	/* chunks handed to other workers and not processed yet (under chunk_mu) */
	uint32_t pending;
	bk_idseg *segs;
} bk_ev;

/* An entry the assembler can take (read under b->mu). */
static inline int bk_ev_ready(const bk_ev *ev)
{
	return ev->job == JOB_NONE || ev->job == JOB_DONE;
}

/* Chunk ids of a file being read, filled in by whichever worker
 * processes each chunk: fixed-size segments, so they never move. */
#define BK_IDSEG_ITEMS 1024
struct bk_idseg {
	struct bk_idseg *next;
	uint8_t items[BK_IDSEG_ITEMS][RP_CONTENT_ITEM_BYTES];
};

/* A chunk cut from a file, waiting for a worker to hash, deduplicate,
 * compress, seal and queue it. */
typedef struct bk_chunk {
	struct bk_chunk *next;
	struct bk_ev *ev;
	uint8_t *slot; /* where its content item goes */
	uint32_t len;
	uint8_t data[];
} bk_chunk;

typedef struct bk_link {
	uint64_t dev, ino;
	uint64_t group;
	int have_content;
	int failed;
	rp_buf content;
	uint64_t fp;
	uint8_t scan[BK_SCAN_BYTES];
	size_t scan_len;
	uint8_t pii[RP_PII_RECORD_MAX_BYTES];
	size_t pii_len;
} bk_link;

typedef struct bk {
	/* the parent snapshot (find_parent) */
	int has_parent;
	rp_id parent;
	rp_id parent_tree; /* its root tree (for the analysis when no cache) */
	uint64_t parent_bytes;
	rp_repo *repo;
	rp_index *idx;
	rp_idxwriter *iw;
	rp_packq *dataq; /* data blobs, sealed by workers, packed by its thread */
	rp_packq *treeq; /* tree blobs, in packs of their own */
	const rp_backup_opts *o;

	pthread_mutex_t mu;
	pthread_cond_t slot_free; /* walker waits for room */
	pthread_cond_t job_ready; /* workers wait for jobs */
	pthread_cond_t ev_ready;  /* assembler waits for the next entry */
	bk_ev *ring;
	uint64_t head, tail;      /* published / consumed entries */
	uint64_t *jobs;           /* ring of entry numbers waiting for a worker */
	uint64_t job_head, job_tail;
	int walk_done;
	int asm_waiting; /* the assembler sleeps on ev_ready */
	rp_statahead *ahead;
	int abort;
	int fatal_rc;
	rp_err fatal;
	pthread_mutex_t warn_mu;

	/* chunks cut by readers, processed by any worker (queue under mu) */
	bk_chunk *chunk_head, *chunk_tail;
	rp_slab *chunk_slab; /* their buffers */
	pthread_cond_t chunk_cv; /* a file's last chunk done, or a buffer back */
	int buf_waiters;
	int reading; /* files being read right now */

	/* walker only */
	rp_idnames *names;
	rp_buf scratch;
	rp_fcache_reader *prev;
	rp_fcache_rec prev_rec;
	int prev_valid;
	pthread_mutex_t link_mu;
	bk_link **links;  /* open-addressing table on (dev, ino) */
	size_t cap_links, n_links;
	uint64_t next_link_group;
	dev_t root_dev;

	/* REMPART_DEBUG_STALL_OPEN="TEXT:MS": workers wait MS before opening
	 * files whose path contains TEXT (lets tests remove or change a file
	 * at a known moment) */
	char stall_text[256];
	unsigned stall_ms;

	/* personal data: counted while files stream (scan_pii) */
	rp_pii_distinct *pii_distinct;

	/* assembler only */
	rp_fcache_writer *cache_out;
	rp_analyzer *analyzer; /* compares this backup with the cached previous one */
	int analyze;           /* the previous backup's records are known */
	uint64_t pii_n[RP_PII_KINDS];
	uint64_t pii_files, pii_files_with, pii_scanned, pii_not_scanned;

	/* counters (atomic) */
	uint64_t n_files, n_dirs, n_others, n_bytes;
	uint64_t n_new, n_changed, n_unchanged;
	uint64_t n_read, n_blobs, n_added, n_stored, n_errors;
	double t0;
} bk;

/* Records a fatal error (the first one wins) and wakes everybody. */
void bk_fail(bk *b, int rc, const rp_err *e);
/* Reports a per-file problem and counts it. */
void bk_warn(bk *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
double bk_now(void);

/* Hard links: the walker registers each inode with several links; the
 * first path read carries the content, later ones copy it. */
bk_link *bk_link_get(bk *b, uint64_t dev, uint64_t ino, int *created);

/* Worker thread body (backup_file.c). */
void *bk_worker_main(void *arg);
/* Assembler thread body (backup_tree.c); returns the root tree id. */
typedef struct bk_asm_result {
	int rc;
	rp_err err;
	rp_id root;
} bk_asm_result;
void *bk_assembler_main(void *arg);
typedef struct bk_asm_args {
	bk *b;
	bk_asm_result *res;
} bk_asm_args;

#endif
