/* statahead.c - stat-ahead threads for the backup walker. */
#include "statahead.h"

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SA_NAMES_PER_JOB 16
#define SA_MAX_JOBS 1024 /* 16,384 names ahead of the walker at most */
#define SA_MAX_THREADS 16

/* One listed directory, shared by its jobs. */
typedef struct sa_dir {
	int fd;
	size_t refs; /* jobs still holding it (under the lock) */
	char **names;
} sa_dir;

typedef struct sa_job {
	sa_dir *d;
	uint32_t begin, end;
} sa_job;

struct rp_statahead {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* a deque: the walker goes depth first, so the newest directory is
	 * the one it needs next (taken from the top); when full, the oldest
	 * jobs (the bottom) are dropped */
	sa_job jobs[SA_MAX_JOBS];
	size_t bottom, count;
	int stop;
	pthread_t threads[SA_MAX_THREADS];
	int n_threads;
};

/* Drops one reference (caller holds the lock); the last closes the fd. */
static void dir_unref(sa_dir *d)
{
	if (--d->refs)
		return;
	close(d->fd);
	free(d);
}

/* Reads a directory's entries into the cache and drops them. */
static void list_subdir(int dirfd, const char *name)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	DIR *dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return;
	}
	while (readdir(dp))
		;
	closedir(dp);
}

static void run_job(const sa_job *j)
{
	for (uint32_t i = j->begin; i < j->end; i++) {
		struct stat st;
		if (fstatat(j->d->fd, j->d->names[i], &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
			list_subdir(j->d->fd, j->d->names[i]);
	}
}

static void *sa_main(void *arg)
{
	rp_statahead *s = arg;
	pthread_mutex_lock(&s->mu);
	for (;;) {
		while (!s->stop && !s->count)
			pthread_cond_wait(&s->cv, &s->mu);
		if (s->stop)
			break;
		sa_job j = s->jobs[(s->bottom + --s->count) % SA_MAX_JOBS];
		pthread_mutex_unlock(&s->mu);
		run_job(&j);
		pthread_mutex_lock(&s->mu);
		dir_unref(j.d);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

int rp_statahead_new(rp_statahead **out, int threads, rp_err *e)
{
	*out = NULL;
	if (threads <= 0)
		return 0;
	rp_statahead *s = calloc(1, sizeof *s);
	if (!s)
		return rp_err_set(e, RP_ENOMEM, "out of memory");
	pthread_mutex_init(&s->mu, NULL);
	pthread_cond_init(&s->cv, NULL);
	for (int i = 0; i < threads && i < SA_MAX_THREADS; i++) {
		if (pthread_create(&s->threads[i], NULL, sa_main, s))
			break;
		s->n_threads++;
	}
	*out = s;
	return 0;
}

/* A copy of dirfd and names in one allocation. */
static sa_dir *dir_copy(int dirfd, char *const *names, size_t n)
{
	size_t bytes = sizeof(sa_dir) + n * sizeof(char *);
	for (size_t i = 0; i < n; i++)
		bytes += strlen(names[i]) + 1;
	sa_dir *d = malloc(bytes);
	if (!d)
		return NULL;
	d->fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	d->refs = 0;
	d->names = (char **)(d + 1);
	char *p = (char *)(d->names + n);
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(names[i]) + 1;
		memcpy(p, names[i], k);
		d->names[i] = p;
		p += k;
	}
	return d;
}

void rp_statahead_dir(rp_statahead *s, int dirfd, char *const *names, size_t n)
{
	if (!s || !s->n_threads || !n || n > UINT32_MAX)
		return;
	sa_dir *d = dir_copy(dirfd, names, n);
	if (!d)
		return;
	size_t jobs = (n + SA_NAMES_PER_JOB - 1) / SA_NAMES_PER_JOB;
	if (jobs > SA_MAX_JOBS)
		jobs = SA_MAX_JOBS;
	pthread_mutex_lock(&s->mu);
	/* make room by dropping the oldest jobs: the walker is past them */
	while (s->count + jobs > SA_MAX_JOBS) {
		dir_unref(s->jobs[s->bottom].d);
		s->bottom = (s->bottom + 1) % SA_MAX_JOBS;
		s->count--;
	}
	/* the first names on top: pushed last */
	d->refs = jobs;
	for (size_t k = jobs; k-- > 0;) {
		size_t begin = k * SA_NAMES_PER_JOB, end = begin + SA_NAMES_PER_JOB < n ? begin + SA_NAMES_PER_JOB : n;
		s->jobs[(s->bottom + s->count++) % SA_MAX_JOBS] = (sa_job){d, (uint32_t)begin, (uint32_t)end};
	}
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

void rp_statahead_free(rp_statahead *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	s->stop = 1;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
	for (int i = 0; i < s->n_threads; i++)
		pthread_join(s->threads[i], NULL);
	while (s->count) {
		dir_unref(s->jobs[s->bottom].d);
		s->bottom = (s->bottom + 1) % SA_MAX_JOBS;
		s->count--;
	}
	pthread_cond_destroy(&s->cv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}
