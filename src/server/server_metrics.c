/* server_metrics.c - request counters, rendered in the Prometheus text
 * format.
 *
 * Label values come only from a fixed list (methods, statuses) or from an
 * authenticated token's tenant, so a client cannot grow the series without
 * bound by sending odd requests.
 */
#include "server_internal.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 206, 400, 401, 403, 404, 405, 409, 413, 416, 500, 503, 507};
#define N_STATUS (sizeof statuses / sizeof *statuses + 1) /* last: any other */

static const char *const method_names[SRV_M_COUNT] = {"GET", "HEAD", "PUT", "DELETE", "OTHER"};

typedef struct tenant_stats {
	char tenant[RP_TENANT_MAX_CHARS + 1];
	uint64_t requests[SRV_M_COUNT][N_STATUS];
	uint64_t bytes_in, bytes_out, errors;
} tenant_stats;

struct srv_metrics {
	pthread_mutex_t mu;
	tenant_stats *v;
	size_t n;
};

int srv_metrics_new(srv_metrics **out, rp_err *e)
{
	srv_metrics *m = calloc(1, sizeof *m);
	if (!m)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	pthread_mutex_init(&m->mu, NULL);
	*out = m;
	return 0;
}

void srv_metrics_free(srv_metrics *m)
{
	if (!m)
		return;
	pthread_mutex_destroy(&m->mu);
	free(m->v);
	free(m);
}

static size_t status_slot(int status)
{
	for (size_t i = 0; i < N_STATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return N_STATUS - 1;
}

void srv_metrics_record(srv_metrics *m, const char *tenant, int method, int status, uint64_t bytes_in,
			uint64_t bytes_out)
{
	const char *name = tenant ? tenant : "-";
	if (method < 0 || method >= SRV_M_COUNT)
		method = SRV_M_OTHER;
	pthread_mutex_lock(&m->mu);
	tenant_stats *t = NULL;
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].tenant, name)) {
			t = &m->v[i];
			break;
		}
	if (!t) {
		tenant_stats *v = realloc(m->v, (m->n + 1) * sizeof *v);
		if (!v)
			goto out; /* a lost count is better than a failed request */
		m->v = v;
		t = &m->v[m->n++];
		memset(t, 0, sizeof *t);
		snprintf(t->tenant, sizeof t->tenant, "%s", name);
	}
	t->requests[method][status_slot(status)]++;
	t->bytes_in += bytes_in;
	t->bytes_out += bytes_out;
	if (status >= 400)
		t->errors++;
out:
	pthread_mutex_unlock(&m->mu);
}

int srv_metrics_render(srv_metrics *m, const char *tenant, unsigned connections, unsigned in_flight, rp_buf *out)
{
	int rc = 0;
	pthread_mutex_lock(&m->mu);
	rc |= rp_buf_putf(out, "# HELP rempart_requests_total Requests answered, by tenant, method and status.\n"
			       "# TYPE rempart_requests_total counter\n");
	for (size_t i = 0; i < m->n; i++) {
		const tenant_stats *t = &m->v[i];
		if (tenant && strcmp(tenant, t->tenant))
			continue;
		for (int k = 0; k < SRV_M_COUNT; k++)
			for (size_t j = 0; j < N_STATUS; j++) {
				if (!t->requests[k][j])
					continue;
				char st[8];
				if (j < N_STATUS - 1)
					snprintf(st, sizeof st, "%d", statuses[j]);
				else
					strcpy(st, "other");
				rc |= rp_buf_putf(out,
						  "rempart_requests_total{tenant=\"%s\",method=\"%s\",status=\"%s\"} "
						  "%llu\n",
						  t->tenant, method_names[k], st, (unsigned long long)t->requests[k][j]);
			}
	}
	static const struct {
		const char *name, *help;
		size_t off;
	} per_tenant[] = {
		{"rempart_received_bytes_total", "Request body bytes received.", offsetof(tenant_stats, bytes_in)},
		{"rempart_sent_bytes_total", "Response body bytes sent.", offsetof(tenant_stats, bytes_out)},
		{"rempart_request_errors_total", "Requests answered with a 4xx or 5xx status.",
		 offsetof(tenant_stats, errors)},
	};
	for (size_t f = 0; f < sizeof per_tenant / sizeof *per_tenant; f++) {
		rc |= rp_buf_putf(out, "# HELP %s %s\n# TYPE %s counter\n", per_tenant[f].name, per_tenant[f].help,
				  per_tenant[f].name);
		for (size_t i = 0; i < m->n; i++) {
			const tenant_stats *t = &m->v[i];
			if (tenant && strcmp(tenant, t->tenant))
				continue;
			uint64_t v;
			memcpy(&v, (const char *)t + per_tenant[f].off, sizeof v);
			rc |= rp_buf_putf(out, "%s{tenant=\"%s\"} %llu\n", per_tenant[f].name, t->tenant,
					  (unsigned long long)v);
		}
	}
	if (!tenant)
		rc |= rp_buf_putf(out,
				  "# HELP rempart_connections_open Client connections open now.\n"
				  "# TYPE rempart_connections_open gauge\n"
				  "rempart_connections_open %u\n"
				  "# HELP rempart_requests_in_flight Requests being served now.\n"
				  "# TYPE rempart_requests_in_flight gauge\n"
				  "rempart_requests_in_flight %u\n",
				  connections, in_flight);
	pthread_mutex_unlock(&m->mu);
	return rc ? RP_ENOMEM : 0;
}
