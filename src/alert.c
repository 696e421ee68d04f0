#include "alert.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "share.h"
#include "verdict.h"

extern char **environ;

enum pt_alert_kind pt_alert_kind_of(const struct pt_event *ev)
{
	switch (ev->kind) {
	case PT_EVENT_CONVERGED:
		return PT_ALERT_CONVERGED;
	case PT_EVENT_DIVERGED:
		return PT_ALERT_DIVERGED;
	case PT_EVENT_TRUTH:
		return PT_ALERT_TRUTH;
	case PT_EVENT_CHANGE:
		return ev->reverted ? PT_ALERT_FLAP : PT_ALERT_NONE;
	default:
		return PT_ALERT_NONE;
	}
}

const char *pt_alert_kind_name(enum pt_alert_kind k)
{
	static const char *const names[] = { "", "converged", "diverged", "truth", "flap" };

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "";
}

enum pt_alert_escape pt_alert_escape_for(const char *term, const char *vte_version)
{
	if ((vte_version != NULL && vte_version[0] != '\0') ||
	    (term != NULL && (strncmp(term, "rxvt", 4) == 0 || strncmp(term, "foot", 4) == 0))) {
		return PT_ESCAPE_OSC777;
	}
	return PT_ESCAPE_OSC9;
}

void pt_alert_argv_free(char **argv)
{
	if (argv == NULL) {
		return;
	}
	for (char **p = argv; *p != NULL; p++) {
		free(*p);
	}
	free(argv);
}

int pt_alert_split(char ***out, const char *cmd)
{
	size_t n = strlen(cmd), nw = 0;
	char **argv = calloc(n / 2 + 2, sizeof(char *)); /* at most one word per two bytes */
	char *word = malloc(n + 1);
	const char *p = cmd;

	*out = NULL;
	if (argv == NULL || word == NULL) {
		free(argv);
		free(word);
		return -2;
	}
	for (;;) {
		size_t len = 0;
		bool have = false;

		while (*p == ' ' || *p == '\t' || *p == '\n') {
			p++;
		}
		if (*p == '\0') {
			break;
		}
		while (*p != '\0' && *p != ' ' && *p != '\t' && *p != '\n') {
			have = true;
			if (*p == '\'') {
				const char *e = strchr(p + 1, '\'');

				if (e == NULL) {
					goto bad;
				}
				memcpy(word + len, p + 1, (size_t)(e - p - 1));
				len += (size_t)(e - p - 1);
				p = e + 1;
			} else if (*p == '"') {
				for (p++; *p != '"'; p++) {
					if (*p == '\0') {
						goto bad;
					}
					if (*p == '\\' && p[1] != '\0' && strchr("\"\\$`", p[1])) {
						p++;
					}
					word[len++] = *p;
				}
				p++;
			} else if (*p == '\\') {
				if (p[1] == '\0') {
					goto bad;
				}
				word[len++] = p[1];
				p += 2;
			} else {
				word[len++] = *p++;
			}
		}
		if (have) {
			argv[nw] = strndup(word, len);
			if (argv[nw] == NULL) {
				pt_alert_argv_free(argv);
				free(word);
				return -2;
			}
			nw++;
		}
	}
	free(word);
	*out = argv;
	return (int)nw;
bad:
	free(word);
	pt_alert_argv_free(argv);
	return -1;
}

char *pt_alert_which(const char *name, const char *path)
{
	const char *p = path != NULL ? path : "";

	if (strchr(name, '/') != NULL) {
		return NULL;
	}
	for (;;) {
		const char *e = strchr(p, ':');
		size_t n = e != NULL ? (size_t)(e - p) : strlen(p);
		char full[4096];
		struct stat sb;

		if ((size_t)snprintf(full, sizeof(full), "%.*s%s%s", (int)n, p, n ? "/" : "./",
				     name) < sizeof(full) &&
		    stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && access(full, X_OK) == 0) {
			return strdup(full);
		}
		if (e == NULL) {
			return NULL;
		}
		p = e + 1;
	}
}

void pt_alert_text(char *title, size_t tsize, char *body, size_t bsize, const struct pt_event *ev,
		   const char *domain, const char *type)
{
	enum pt_alert_kind k = pt_alert_kind_of(ev);
	struct pt_buf b = { 0 };

	snprintf(title, tsize, "proptrack: %s", pt_alert_kind_name(k));
	pt_buf_printf(&b, "%s %s: ", domain, type);
	switch (k) {
	case PT_ALERT_CONVERGED:
		pt_buf_printf(&b, "converged, %zu of %zu resolvers match",
			      ev->counts.by[PT_VERDICT_MATCH], ev->counts.total);
		break;
	case PT_ALERT_DIVERGED:
		pt_buf_puts(&b, "not converged any more (");
		for (unsigned bit = 1, n = 0; bit != 0; bit <<= 1) {
			if (ev->reasons & bit) {
				pt_buf_printf(&b, "%s%s", n++ ? ", " : "", pt_reason_name(bit));
			}
		}
		pt_buf_putc(&b, ')');
		break;
	case PT_ALERT_TRUTH:
		pt_buf_puts(&b, "the truth is now ");
		if (ev->answer.count == 0) {
			pt_buf_puts(&b, "no records");
		}
		for (size_t i = 0; i < ev->answer.count; i++) {
			pt_buf_printf(&b, "%s%s", i ? ", " : "", ev->answer.rdata[i]);
		}
		break;
	case PT_ALERT_FLAP:
		if (ev->resolver->label[0] &&
		    strcmp(ev->resolver->label, ev->resolver->address) != 0) {
			pt_buf_printf(&b, "%s (%s) ", ev->resolver->label, ev->resolver->address);
		} else {
			pt_buf_printf(&b, "%s ", ev->resolver->address);
		}
		pt_buf_puts(&b, "went back to an earlier answer");
		break;
	default:
		break;
	}
	pt_text_clean(body, bsize, b.oom ? "" : pt_buf_str(&b), b.len);
	pt_buf_fini(&b);
}

/* One program to run. */
struct job {
	/* owned words (a copy of --exec's, or notify-send's) */
	char **argv;
	/* search PATH for argv[0] */
	bool search;
	/* standard input: the event's line; owned */
	char *input;
	size_t len;
	/* PT_EVENT=, PT_DOMAIN=, PT_TYPE=; owned */
	char *env[3];
	/* the event's name, for reports */
	char event[16];
};

/* One program running (the runner thread's own). */
struct run {
	struct job *job;
	pid_t pid;
	/* write end of its standard input, -1 once written or abandoned */
	int fd;
	size_t off;
	uint64_t started_ns;
	bool killed;
};

struct pt_alert {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* ring of waiting jobs, guarded by mu */
	struct job **queue;
	size_t qhead, qn;
	/* terminal bytes and report lines for the controlling thread, guarded by mu */
	struct pt_buf term, reports;
	/* alerts that did not fit into the queue and are not reported yet, guarded by mu */
	uint64_t dropped;
	uint64_t count;
	bool ending;
	/* configuration, read-only after pt_alert_new() */
	char **argv;
	char *notify_send;
	enum pt_alert_escape escape;
	bool quiet;
	unsigned max_running;
	size_t queue_max;
	unsigned timeout_ms;
	unsigned end_wait_ms;
	pthread_t thread;
	bool started;
	bool ended;
};

static void job_free(struct job *j)
{
	if (j == NULL) {
		return;
	}
	pt_alert_argv_free(j->argv);
	free(j->input);
	for (int i = 0; i < 3; i++) {
		free(j->env[i]);
	}
	free(j);
}

static char **argv_copy(char *const *v)
{
	size_t n = 0;
	char **c;

	while (v[n] != NULL) {
		n++;
	}
	c = calloc(n + 1, sizeof(char *));
	for (size_t i = 0; c != NULL && i < n; i++) {
		if ((c[i] = strdup(v[i])) == NULL) {
			pt_alert_argv_free(c);
			return NULL;
		}
	}
	return c;
}

/* Under mu: a report line. */
__attribute__((format(printf, 2, 3))) static void report_locked(struct pt_alert *a, const char *fmt,
								...)
{
	char line[512], clean[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	pt_text_clean(clean, sizeof(clean), line, strlen(line));
	pt_buf_printf(&a->reports, "%s\n", clean);
}

static const char *job_name(const struct job *j)
{
	return j->search ? j->argv[0] : "notify-send";
}

/* "--exec: 'NAME' on EVENT: @p what" */
static void report_run(struct pt_alert *a, const struct job *j, const char *what)
{
	pthread_mutex_lock(&a->mu);
	report_locked(a, "%s: '%s' on %s: %s", j->search ? "--exec" : "--notify", job_name(j),
		      j->event, what);
	pthread_mutex_unlock(&a->mu);
}

/* The environment of a child: ours without PT_EVENT, PT_DOMAIN, PT_TYPE, plus the job's. */
static char **child_env(struct job *j)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n] != NULL) {
		n++;
	}
	env = calloc(n + 4, sizeof(char *));
	if (env == NULL) {
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (strncmp(environ[i], "PT_EVENT=", 9) != 0 &&
		    strncmp(environ[i], "PT_DOMAIN=", 10) != 0 &&
		    strncmp(environ[i], "PT_TYPE=", 8) != 0) {
			env[k++] = environ[i];
		}
	}
	for (int i = 0; i < 3; i++) {
		env[k++] = j->env[i];
	}
	return env;
}

/* Start @p j into @p r. @return false when it could not start (reported, @p j freed). */
static bool start(struct pt_alert *a, struct job *j, struct run *r)
{
	static const int reset[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD };
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	int p[2] = { -1, -1 }, rc;
	char **env = child_env(j), what[160];

	if (env == NULL || pipe(p) != 0) {
		rc = env == NULL ? ENOMEM : errno;
		free(env);
		snprintf(what, sizeof(what), "cannot run: %s", strerror(rc));
		report_run(a, j, what);
		job_free(j);
		return false;
	}
	/* not inherited by the other programs running at once */
	fcntl(p[0], F_SETFD, FD_CLOEXEC);
	fcntl(p[1], F_SETFD, FD_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	if (a->quiet) {
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
	} else {
		/* standard output may be the NDJSON stream: the program's output goes beside */
		posix_spawn_file_actions_adddup2(&fa, STDERR_FILENO, STDOUT_FILENO);
	}
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dflt);
	for (size_t i = 0; i < sizeof(reset) / sizeof(reset[0]); i++) {
		sigaddset(&dflt, reset[i]);
	}
	/* the runner blocks every signal and we ignore SIGPIPE: the program gets neither; its
	 * own process group lets a timeout kill what it started too */
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETPGROUP);
	rc = j->search ? posix_spawnp(&r->pid, j->argv[0], &fa, &attr, j->argv, env)
		       : posix_spawn(&r->pid, j->argv[0], &fa, &attr, j->argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	free(env);
	close(p[0]);
	if (rc != 0) {
		close(p[1]);
		snprintf(what, sizeof(what), "cannot run: %s", strerror(rc));
		report_run(a, j, what);
		job_free(j);
		return false;
	}
	fcntl(p[1], F_SETFL, fcntl(p[1], F_GETFL) | O_NONBLOCK);
	r->job = j;
	r->fd = p[1];
	r->off = 0;
	r->started_ns = pt_clock_monotonic();
	r->killed = false;
	return true;
}

static void stdin_feed(struct run *r)
{
	while (r->fd >= 0 && r->off < r->job->len) {
		ssize_t w = write(r->fd, r->job->input + r->off, r->job->len - r->off);

		if (w > 0) {
			r->off += (size_t)w;
		} else if (w < 0 && errno == EINTR) {
			continue;
		} else if (w < 0 && errno == EAGAIN) {
			return; /* the program reads slowly: the rest on the next round */
		} else {
			break; /* it closed its standard input (EPIPE): fine */
		}
	}
	if (r->fd >= 0) {
		close(r->fd);
		r->fd = -1;
	}
}

static void kill_run(struct run *r)
{
	kill(-r->pid, SIGKILL);
	kill(r->pid, SIGKILL);
	r->killed = true;
}

/* @return true when @p r ended (reaped, reported, freed). */
static bool reap(struct pt_alert *a, struct run *r, uint64_t now)
{
	int st = 0;
	pid_t w = waitpid(r->pid, &st, WNOHANG);
	char what[64];

	if (w == 0) {
		if (!r->killed && now - r->started_ns > (uint64_t)a->timeout_ms * PT_NS_PER_MS) {
			kill_run(r);
			snprintf(what, sizeof(what), "still running after %u ms: killed",
				 a->timeout_ms);
			report_run(a, r->job, what);
		}
		return false;
	}
	if (w == r->pid && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
		snprintf(what, sizeof(what), "exited with status %d", WEXITSTATUS(st));
		report_run(a, r->job, what);
	} else if (w == r->pid && WIFSIGNALED(st) && !r->killed) {
		snprintf(what, sizeof(what), "killed by signal %d", WTERMSIG(st));
		report_run(a, r->job, what);
	}
	if (r->fd >= 0) {
		close(r->fd);
	}
	job_free(r->job);
	return true;
}

static void timed_wait(struct pt_alert *a, unsigned ms)
{
	struct timespec ts = pt_clock_after(CLOCK_MONOTONIC, (uint64_t)ms * PT_NS_PER_MS);

	pthread_cond_timedwait(&a->cv, &a->mu, &ts);
}

static void *runner_main(void *arg)
{
	struct pt_alert *a = arg;
	struct run *runs = calloc(a->max_running, sizeof(*runs));
	size_t nrun = 0;
	uint64_t deadline = 0;

	pthread_mutex_lock(&a->mu);
	for (;;) {
		uint64_t now = pt_clock_monotonic();

		if (a->ending && deadline == 0) {
			deadline = now + (uint64_t)a->end_wait_ms * PT_NS_PER_MS;
		}
		if (a->ending && now >= deadline) {
			/* out of time at the end: what waits is dropped, what runs is killed */
			if (a->qn > 0) {
				report_locked(a, "%s: %zu alert%s not run: the program ended",
					      a->argv != NULL ? "--exec" : "--notify", a->qn,
					      a->qn == 1 ? "" : "s");
			}
			while (a->qn > 0) {
				job_free(a->queue[a->qhead]);
				a->qhead = (a->qhead + 1) % a->queue_max;
				a->qn--;
			}
			for (size_t i = 0; i < nrun; i++) {
				if (!runs[i].killed) {
					report_locked(
						a,
						"%s: '%s' on %s: still running at the end: killed",
						runs[i].job->search ? "--exec" : "--notify",
						job_name(runs[i].job), runs[i].job->event);
					kill_run(&runs[i]);
				}
			}
		}
		while (runs != NULL && nrun < a->max_running && a->qn > 0) {
			struct job *j = a->queue[a->qhead];

			a->qhead = (a->qhead + 1) % a->queue_max;
			a->qn--;
			a->count++;
			pthread_mutex_unlock(&a->mu);
			if (start(a, j, &runs[nrun])) {
				stdin_feed(&runs[nrun]);
				nrun++;
			}
			pthread_mutex_lock(&a->mu);
		}
		if (a->ending && a->qn == 0 && nrun == 0) {
			break;
		}
		if (runs == NULL && !a->ending) {
			pthread_cond_wait(&a->cv, &a->mu); /* out of memory: nothing can run */
			continue;
		}
		pthread_mutex_unlock(&a->mu);
		now = pt_clock_monotonic();
		for (size_t i = 0; i < nrun;) {
			stdin_feed(&runs[i]);
			if (reap(a, &runs[i], now)) {
				runs[i] = runs[--nrun];
			} else {
				i++;
			}
		}
		pthread_mutex_lock(&a->mu);
		if (nrun == 0 && a->qn == 0 && !a->ending) {
			pthread_cond_wait(&a->cv, &a->mu);
		} else if (nrun > 0 || a->qn > 0) {
			/* children are reaped by polling: 20 ms is quick enough for people */
			timed_wait(a, 20);
		}
	}
	pthread_mutex_unlock(&a->mu);
	free(runs);
	return NULL;
}

struct pt_alert *pt_alert_new(const struct pt_alert_config *cfg)
{
	struct pt_alert *a = calloc(1, sizeof(*a));
	pthread_condattr_t ca;

	if (a == NULL) {
		return NULL;
	}
	a->max_running = cfg->max_running ? cfg->max_running : 3;
	a->queue_max = cfg->queue_max ? cfg->queue_max : 16;
	a->timeout_ms = cfg->timeout_ms ? cfg->timeout_ms : 30000;
	a->end_wait_ms = cfg->end_wait_ms ? cfg->end_wait_ms : 5000;
	a->escape = cfg->escape;
	a->quiet = cfg->quiet;
	a->queue = calloc(a->queue_max, sizeof(*a->queue));
	if (cfg->argv != NULL) {
		a->argv = argv_copy(cfg->argv);
	}
	if (cfg->notify_send != NULL) {
		a->notify_send = strdup(cfg->notify_send);
	}
	if (a->queue == NULL || (cfg->argv != NULL && a->argv == NULL) ||
	    (cfg->notify_send != NULL && a->notify_send == NULL)) {
		pt_alert_free(a);
		return NULL;
	}
	pthread_mutex_init(&a->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&a->cv, &ca);
	pthread_condattr_destroy(&ca);
	a->started = pt_thread_start(&a->thread, NULL, runner_main, a) == 0;
	if (!a->started) {
		pt_alert_free(a);
		return NULL;
	}
	return a;
}

/* "NAME=VALUE", malloc'd; NULL without memory. */
static char *env_var(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 2;
	char *s = malloc(n);

	if (s != NULL) {
		snprintf(s, n, "%s=%s", name, value);
	}
	return s;
}

static struct job *job_new(char **argv, bool search, const char *line, size_t len,
			   const char *event, const char *domain, const char *type)
{
	struct job *j = calloc(1, sizeof(*j));

	if (j == NULL) {
		pt_alert_argv_free(argv);
		return NULL;
	}
	j->argv = argv;
	j->search = search;
	j->input = malloc(len ? len : 1);
	if (j->input != NULL) {
		memcpy(j->input, line, len);
	}
	j->len = len;
	snprintf(j->event, sizeof(j->event), "%s", event);
	j->env[0] = env_var("PT_EVENT", event);
	j->env[1] = env_var("PT_DOMAIN", domain);
	j->env[2] = env_var("PT_TYPE", type);
	if (argv == NULL || j->input == NULL || !j->env[0] || !j->env[1] || !j->env[2]) {
		job_free(j);
		return NULL;
	}
	return j;
}

/* Under mu: queue @p j, or drop it (counted) when the queue is full or it is NULL. */
static void enqueue_locked(struct pt_alert *a, struct job *j)
{
	if (j == NULL || a->qn == a->queue_max || a->ending) {
		job_free(j);
		a->dropped++;
		report_locked(a, "%s: an alert was dropped (%zu waiting already, %u running)",
			      a->argv != NULL ? "--exec" : "--notify", a->qn, a->max_running);
		return;
	}
	a->queue[(a->qhead + a->qn) % a->queue_max] = j;
	a->qn++;
}

void pt_alert_event(struct pt_alert *a, const struct pt_event *ev, const char *line, size_t len,
		    const char *domain, const char *type)
{
	enum pt_alert_kind k = pt_alert_kind_of(ev);
	const char *name = pt_alert_kind_name(k);
	struct job *exec = NULL, *notify = NULL;
	char title[64], body[512];

	if (a == NULL || k == PT_ALERT_NONE) {
		return;
	}
	/* built outside the lock: the writer's thread only waits for the queue's slot */
	if (a->argv != NULL) {
		exec = job_new(argv_copy(a->argv), true, line, len, name, domain, type);
	}
	if (a->notify_send != NULL || a->escape != PT_ESCAPE_NONE) {
		pt_alert_text(title, sizeof(title), body, sizeof(body), ev, domain, type);
	}
	if (a->notify_send != NULL) {
		char *v[] = { a->notify_send, "-a", "proptrack", title, body, NULL };

		notify = job_new(argv_copy(v), false, line, len, name, domain, type);
	}
	pthread_mutex_lock(&a->mu);
	if (a->argv != NULL) {
		enqueue_locked(a, exec);
	}
	if (a->notify_send != NULL) {
		enqueue_locked(a, notify);
	}
	if (a->escape == PT_ESCAPE_OSC777) {
		/* ';' separates the fields: the title has none, the body is the last field */
		pt_buf_printf(&a->term, "\033]777;notify;%s;%s\a", title, body);
		a->count++;
	} else if (a->escape == PT_ESCAPE_OSC9) {
		pt_buf_printf(&a->term, "\033]9;%s: %s\a", title, body);
		a->count++;
	}
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

void pt_alert_take(struct pt_alert *a, struct pt_buf *term, struct pt_buf *reports)
{
	if (a == NULL) {
		return;
	}
	pthread_mutex_lock(&a->mu);
	if (term != NULL && a->term.len > 0) {
		pt_buf_add(term, a->term.s, a->term.len);
		pt_buf_reset(&a->term);
	}
	if (reports != NULL && a->reports.len > 0) {
		pt_buf_add(reports, a->reports.s, a->reports.len);
		pt_buf_reset(&a->reports);
	}
	pthread_mutex_unlock(&a->mu);
}

uint64_t pt_alert_count(struct pt_alert *a)
{
	uint64_t n;

	if (a == NULL) {
		return 0;
	}
	pthread_mutex_lock(&a->mu);
	n = a->count;
	pthread_mutex_unlock(&a->mu);
	return n;
}

void pt_alert_end(struct pt_alert *a)
{
	if (a == NULL || a->ended || !a->started) {
		return;
	}
	a->ended = true;
	pthread_mutex_lock(&a->mu);
	a->ending = true;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->thread, NULL);
}

void pt_alert_free(struct pt_alert *a)
{
	if (a == NULL) {
		return;
	}
	if (a->started) {
		pt_alert_end(a);
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
	}
	while (a->qn > 0) {
		job_free(a->queue[a->qhead]);
		a->qhead = (a->qhead + 1) % a->queue_max;
		a->qn--;
	}
	free(a->queue);
	pt_alert_argv_free(a->argv);
	free(a->notify_send);
	pt_buf_fini(&a->term);
	pt_buf_fini(&a->reports);
	free(a);
}
