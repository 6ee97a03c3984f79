/* retention.c - forget policies (see retention.h). */
#include "retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rp_retention_any(const rp_retention *p)
{
	return p->last || p->hourly || p->daily || p->weekly || p->monthly || p->yearly || p->n_keep_tags;
}

static int same_group(const rp_snapshot *a, const rp_snapshot *b)
{
	if (strcmp(a->host ? a->host : "", b->host ? b->host : "") || a->n_paths != b->n_paths)
		return 0;
	for (size_t i = 0; i < a->n_paths; i++)
		if (strcmp(a->paths[i], b->paths[i]))
			return 0;
	return 1;
}

/* Period key of a time for a rule: snapshots with equal keys share a period. */
static long period(int64_t t, int rule)
{
	time_t tt = (time_t)t;
	struct tm tm;
	localtime_r(&tt, &tm);
	long y = tm.tm_year + 1900;
	switch (rule) {
	case 1: return ((y * 12 + tm.tm_mon) * 31 + tm.tm_mday) * 24 + tm.tm_hour;
	case 2: return (y * 12 + tm.tm_mon) * 31 + tm.tm_mday;
	case 3: {
		char buf[16];
		strftime(buf, sizeof buf, "%G%V", &tm); /* ISO year and week */
		return atol(buf);
	}
	case 4: return y * 12 + tm.tm_mon;
	default: return y;
	}
}

static int has_tag(const rp_snapshot *s, const rp_retention *p)
{
	for (size_t i = 0; i < p->n_keep_tags; i++)
		for (size_t j = 0; j < s->n_tags; j++)
			if (!strcmp(p->keep_tags[i], s->tags[j]))
				return 1;
	return 0;
}

static int is_clean(const rp_snapshot *s)
{
	return s->verdict && !strcmp(s->verdict, "clean");
}

static void keep(rp_retention_decision *d, const char *why)
{
	if (!d->keep)
		snprintf(d->reason, sizeof d->reason, "%s", why);
	else if (strlen(d->reason) + strlen(why) + 3 < sizeof d->reason)
		strcat(strcat(d->reason, ", "), why);
	d->keep = 1;
}

int rp_retention_apply(const rp_snap_list *l, const rp_retention *p, const uint8_t *clean,
		       rp_retention_decision *out, rp_err *e)
{
	static const char *names[] = {"", "hourly", "daily", "weekly", "monthly", "yearly"};
	size_t n = l->n;
	char *done = calloc(n ? n : 1, 1);
	size_t *members = calloc(n ? n : 1, sizeof *members);
	if (!done || !members) {
		free(done);
		free(members);
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	}
	memset(out, 0, n * sizeof *out);
	for (size_t g = 0; g < n; g++) {
		if (done[g])
			continue;
		/* the group, newest first (the list is oldest first) */
		size_t m = 0;
		for (size_t i = n; i-- > 0;)
			if (!done[i] && same_group(&l->v[i].s, &l->v[g].s)) {
				members[m++] = i;
				done[i] = 1;
			}
		int counts[6] = {p->last, p->hourly, p->daily, p->weekly, p->monthly, p->yearly};
		long last_period[6] = {0};
		int have_period[6] = {0};
		for (size_t k = 0; k < m; k++) {
			size_t i = members[k];
			const rp_snapshot *s = &l->v[i].s;
			if (counts[0] > 0) {
				keep(&out[i], "last");
				counts[0]--;
			}
			for (int r = 1; r <= 5; r++) {
				if (counts[r] <= 0)
					continue;
				long key = period(s->time_s, r);
				if (have_period[r] && key == last_period[r])
					continue;
				have_period[r] = 1;
				last_period[r] = key;
				keep(&out[i], names[r]);
				counts[r]--;
			}
			if (has_tag(s, p))
				keep(&out[i], "tag");
		}
		/* the newest clean state survives while newer ones are not clean */
		for (size_t k = 0; k < m; k++) {
			const rp_snapshot *s = &l->v[members[k]].s;
			if (clean ? clean[members[k]] : is_clean(s)) {
				if (k > 0)
					keep(&out[members[k]], "last clean snapshot, newer ones are not clean");
				break;
			}
		}
	}
	free(done);
	free(members);
	return 0;
}
