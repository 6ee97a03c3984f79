/* pii_record.h - the per-file PII counts a backup keeps (in the file's
 * tree entry and in the local files cache), so that an unchanged file
 * keeps its counts without being read again.  Counts only, never values.
 *
 *   version(1)=1 flags(1) format(1) count(varint) x RP_PII_KINDS
 *   flags bit 0: the content was scanned (else: not scanned, format says why)
 */
#ifndef RP_PII_RECORD_H
#define RP_PII_RECORD_H

#include "pii.h"

#define RP_PII_RECORD_MAX_BYTES (3 + 10 * RP_PII_KINDS)

typedef struct rp_pii_record {
	int scanned;
	int format;
	uint64_t n[RP_PII_KINDS];
} rp_pii_record;

/* Encodes c; returns the record's length. */
size_t rp_pii_record_encode(const rp_pii_counts *c, uint8_t out[RP_PII_RECORD_MAX_BYTES]);
/* 0, or -1 for a malformed or unknown record. */
int rp_pii_record_decode(const uint8_t *p, size_t n, rp_pii_record *out);

#endif
