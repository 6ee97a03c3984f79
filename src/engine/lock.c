/* lock.c - repository locks. */
#include "lock.h"

#include "util/json.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rp_lock {
	rp_repo *repo;
	int exclusive;
	char id[65];
	pthread_t refresher;
	int running;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int stop;
};

static int lock_body(int exclusive, rp_buf *out)
{
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	rp_jw w;
	rp_jw_init(&w, out, 0);
	rp_jw_obj_begin(&w);
	rp_jw_key(&w, "time"), rp_jw_int(&w, (int64_t)time(NULL));
	rp_jw_key(&w, "host"), rp_jw_str(&w, host);
	rp_jw_key(&w, "pid"), rp_jw_int(&w, (int64_t)getpid());
	rp_jw_key(&w, "exclusive"), rp_jw_bool(&w, exclusive);
	rp_jw_obj_end(&w);
	return rp_jw_status(&w);
}

static int write_lock(rp_repo *r, int exclusive, char id[65], rp_err *e)
{
	rp_buf body = {0};
	rp_blob_codec *c = NULL;
	int rc = lock_body(exclusive, &body) ? rp_err_set(e, RP_ENOMEM, "out of memory") : 0;
	if (!rc)
		rc = rp_blob_codec_new(&c, 1, e);
	if (!rc)
		rc = rp_repo_save(r, c, RP_SF_LOCK, body.data, body.len, id, e);
	rp_blob_codec_free(c);
	rp_buf_free(&body);
	return rc;
}

static void remove_lock(rp_repo *r, const char *id)
{
	char name[RP_NAME_BYTES];
	rp_err e;
	rp_repo_name(name, "locks", id);
	rp_store_remove(r->store, name, &e);
}

int rp_lock_list(rp_repo *r, rp_lock_info **out, size_t *n, rp_err *e)
{
	char(*ids)[65] = NULL;
	size_t count = 0;
	rp_blob_codec *c = NULL;
	rp_buf body = {0};
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	*out = NULL;
	*n = 0;
	int rc = rp_repo_list_ids(r, "locks", &ids, &count, e);
	if (rc)
		return rc;
	rp_lock_info *v = calloc(count ? count : 1, sizeof *v);
	if (!v || (rc = rp_blob_codec_new(&c, 1, e))) {
		rc = rc ? rc : rp_err_set(e, RP_ENOMEM, "out of memory");
		goto done;
	}
	int64_t now = (int64_t)time(NULL);
	for (size_t i = 0; i < count; i++) {
		rp_err le;
		rp_json *j = NULL;
		rp_lock_info *li = &v[*n];
		rp_buf_reset(&body);
		memcpy(li->id, ids[i], 65);
		if (rp_repo_load(r, c, RP_SF_LOCK, ids[i], &body, &le) || rp_json_parse((char *)body.data, body.len, &j, &le)) {
			/* unreadable (vanished meanwhile, or damaged): stale */
			li->stale = 1;
			(*n)++;
			continue;
		}
		const char *h;
		int64_t t = 0, pid = 0;
		rp_json_get_int(j, "time", &t);
		rp_json_get_int(j, "pid", &pid);
		rp_json_get_bool(j, "exclusive", &li->exclusive);
		if (!rp_json_get_str(j, "host", &h, NULL))
			snprintf(li->host, sizeof li->host, "%s", h);
		li->time = t;
		li->pid = (long)pid;
		li->stale = now - t > LOCK_STALE_SECONDS ||
			    (!strcmp(li->host, host) && pid > 0 && kill((pid_t)pid, 0) && errno == ESRCH);
		rp_json_free(j);
		(*n)++;
	}
done:
	if (rc)
		free(v);
	else
		*out = v;
	rp_blob_codec_free(c);
	rp_buf_free(&body);
	free(ids);
	return rc;
}

static void *refresh_main(void *arg)
{
	rp_lock *l = arg;
	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += LOCK_REFRESH_SECONDS;
		if (pthread_cond_timedwait(&l->cv, &l->mu, &ts) == ETIMEDOUT && !l->stop) {
			char id[65];
			rp_err e;
			pthread_mutex_unlock(&l->mu);
			int rc = write_lock(l->repo, l->exclusive, id, &e);
			pthread_mutex_lock(&l->mu);
			if (!rc && strcmp(id, l->id)) {
				remove_lock(l->repo, l->id);
				memcpy(l->id, id, 65);
			}
		}
	}
	pthread_mutex_unlock(&l->mu);
	return NULL;
}

int rp_lock_acquire(rp_repo *r, int exclusive, rp_lock **out, rp_err *e)
{
	rp_lock *l = calloc(1, sizeof *l);
	if (!l)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	l->repo = r;
	l->exclusive = exclusive;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cv, NULL);
	int rc = write_lock(r, exclusive, l->id, e);
	if (rc) {
		rp_err_prefix(e, "cannot lock the repository");
		goto fail;
	}
	rp_lock_info *v = NULL;
	size_t n = 0;
	if ((rc = rp_lock_list(r, &v, &n, e))) {
		remove_lock(r, l->id);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i].stale || !strcmp(v[i].id, l->id))
			continue;
		if (exclusive || v[i].exclusive) {
			char t[64];
			time_t tt = (time_t)v[i].time;
			strftime(t, sizeof t, "%Y-%m-%d %H:%M:%S", localtime(&tt));
			rc = rp_err_set(e, RP_ELOCKED,
					"repository is locked %sby %s (pid %ld) since %s; wait for it to finish, or run "
					"'rempart unlock' if that process is gone",
					v[i].exclusive ? "exclusively " : "", v[i].host, v[i].pid, t);
			break;
		}
	}
	free(v);
	if (rc) {
		remove_lock(r, l->id);
		goto fail;
	}
	if (!pthread_create(&l->refresher, NULL, refresh_main, l))
		l->running = 1;
	*out = l;
	return 0;
fail:
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
	return rc;
}

void rp_lock_release(rp_lock *l)
{
	if (!l)
		return;
	if (l->running) {
		pthread_mutex_lock(&l->mu);
		l->stop = 1;
		pthread_cond_signal(&l->cv);
		pthread_mutex_unlock(&l->mu);
		pthread_join(l->refresher, NULL);
	}
	remove_lock(l->repo, l->id);
	pthread_mutex_destroy(&l->mu);
	pthread_cond_destroy(&l->cv);
	free(l);
}

int rp_lock_remove_stale(rp_repo *r, int all, size_t *removed, rp_err *e)
{
	rp_lock_info *v = NULL;
	size_t n = 0;
	*removed = 0;
	int rc = rp_lock_list(r, &v, &n, e);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if (!all && !v[i].stale)
			continue;
		char name[RP_NAME_BYTES];
		rp_repo_name(name, "locks", v[i].id);
		if (!(rc = rp_store_remove(r->store, name, e)))
			(*removed)++;
		else if (rc != RP_ENOTFOUND)
			break;
		rc = 0;
	}
	free(v);
	return rc;
}
