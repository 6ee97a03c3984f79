/* pii_record.c - per-file PII counts as stored by backups. */
#include "pii_record.h"

#include "../util/buf.h"

#include <string.h>

size_t rp_pii_record_encode(const rp_pii_counts *c, uint8_t out[RP_PII_RECORD_MAX_BYTES])
{
	rp_buf b = {out, 0, RP_PII_RECORD_MAX_BYTES};
	rp_buf_put_u8(&b, 1);
	rp_buf_put_u8(&b, c->scanned ? 1 : 0);
	rp_buf_put_u8(&b, (uint8_t)c->format);
	for (int k = 0; k < RP_PII_KINDS; k++)
		rp_buf_put_varint(&b, c->n[k]);
	return b.len;
}

int rp_pii_record_decode(const uint8_t *p, size_t n, rp_pii_record *out)
{
	rp_rd r;
	uint8_t v, flags, fmt;
	memset(out, 0, sizeof *out);
	rp_rd_init(&r, p, n);
	if (rp_rd_u8(&r, &v) || v != 1 || rp_rd_u8(&r, &flags) || rp_rd_u8(&r, &fmt))
		return -1;
	for (int k = 0; k < RP_PII_KINDS; k++)
		if (rp_rd_varint(&r, &out->n[k]))
			return -1;
	out->scanned = flags & 1;
	out->format = fmt;
	return 0;
}
