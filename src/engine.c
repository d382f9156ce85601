/* The engine: one libev loop, its observers, timers, signals and reaper. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <ev.h>
#include "conn.h"
#include "engine.h"
#include "util.h"

#define ENGINE_SIG_GRACE	1	/* seconds from a signal to the exit,
					   unless SOCKBENCH_SIGNAL_GRACE says */

/* A timer or fd watch made by engine_every/after/watch_fd. */
struct engine_timer {
	ev_timer		 t;
	ev_io			 io;
	int			 is_io;
	int			 once;
	void			(*fn)(struct engine *, void *);
	void			*arg;
	struct engine		*e;
	struct engine_timer	*next;
};

/* Private loop watchers. */
struct engine_priv {
	ev_prepare		 reaper;
	ev_signal		 sigint, sigterm;
	void			(*sigcb)(struct engine *, int);
	struct engine_timer	*timers;
};

void
engine_limits_default(struct engine_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_frame = CODEC_MAX_FRAME_DEFAULT;
	lim->max_buffer = 4 * 1024 * 1024;
	lim->connect_timeout = 10;
	lim->idle_timeout = 0;
	lim->max_conns = 0;
}

void
engine_reap(struct engine *e)
{
	while (e->dead != NULL) {
		struct conn *c = e->dead;

		e->dead = c->next;
		if (c->h->on_close != NULL)
			c->h->on_close(c);
		conn_destroy(c);
	}
	if (e->dead_held) {
		ev_unref(e->loop);
		e->dead_held = 0;
	}
}

/* Runs before the loop sleeps: nothing is on the stack, so free the dead. */
static void
engine_prepare_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	(void)loop;
	(void)revents;
	engine_reap(w->data);
}

/* SIGINT or SIGTERM: tell the front end, then stop the loop. */
static void
engine_signal_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	struct engine *e = w->data;
	struct engine_priv *p = e->priv;

	(void)loop;
	(void)revents;
	if (p->sigcb != NULL)
		p->sigcb(e, w->signum);
	engine_stop(e);
}

struct engine *
engine_new(const struct engine_limits *lim)
{
	struct engine *e = xcalloc(1, sizeof(*e));
	struct engine_priv *p = xcalloc(1, sizeof(*p));

	e->loop = ev_loop_new(EVFLAG_AUTO | EVFLAG_NOENV);
	if (e->loop == NULL) {
		fprintf(stderr, "sockbench: cannot create the event loop\n");
		exit(3);
	}
	if (lim != NULL)
		e->lim = *lim;
	else
		engine_limits_default(&e->lim);
	e->priv = p;
	ev_prepare_init(&p->reaper, engine_prepare_cb);
	p->reaper.data = e;
	ev_prepare_start(e->loop, &p->reaper);
	ev_unref(e->loop);	/* the reaper alone keeps nothing alive */
	return e;
}

void
engine_free(struct engine *e)
{
	struct engine_priv *p = e->priv;

	while (e->conns != NULL)
		conn_close(e->conns, "engine shut down");
	if (ev_is_active(&p->sigint)) {
		ev_ref(e->loop);
		ev_ref(e->loop);
		ev_signal_stop(e->loop, &p->sigint);
		ev_signal_stop(e->loop, &p->sigterm);
	}
	engine_reap(e);
	while (p->timers != NULL) {
		struct engine_timer *t = p->timers;

		p->timers = t->next;
		free(t);
	}
	free(p);
	ev_loop_destroy(e->loop);
	free(e);
}

void
engine_observe(struct engine *e, struct observer *o)
{
	o->next = e->observers;
	e->observers = o;
}

void
engine_unobserve(struct engine *e, struct observer *o)
{
	struct observer **pp;

	for (pp = &e->observers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == o) {
			*pp = o->next;
			return;
		}
}

void
engine_emit(struct engine *e, const struct conn_info *ci,
    const struct obs_event *ev)
{
	struct observer *o;

	for (o = e->observers; o != NULL; o = o->next)
		o->on_event(o->ctx, ci, ev);
}

/* The signal SIGINT/SIGTERM that arrived, 0 if none since the loop ran. */
static volatile sig_atomic_t engine_sig_pending;
/* Seconds the loop has to come back after a signal (read once, outside
 * the handler: getenv is not async-signal-safe). */
static unsigned engine_sig_grace = ENGINE_SIG_GRACE;

/* The loop did not come back within ENGINE_SIG_GRACE seconds of a signal:
 * something holds it (a step that does not yield). End the process. */
static void
engine_sig_backstop(int sig)
{
	static const char msg[] = "\nsockbench: interrupted, and a step did "
	    "not give the event loop back in time: exiting now\n";
	ssize_t w;

	(void)sig;
	w = write(2, msg, sizeof(msg) - 1);
	(void)w;
	_exit(128 + (engine_sig_pending ? engine_sig_pending : SIGTERM));
}

/* SIGINT/SIGTERM, before libev sees it: arm the backstop (alarm), and a
 * second signal while the first is not handled ends the process at once.
 * Only async-signal-safe calls (ev_feed_signal is documented as such). */
static void
engine_sig_handler(int sig)
{
	if (engine_sig_pending)
		engine_sig_backstop(sig);
	engine_sig_pending = sig;
	alarm(engine_sig_grace);
	ev_feed_signal(sig);
}

void
engine_run(struct engine *e)
{
	e->stopping = 0;
	ev_run(e->loop, 0);
	if (engine_sig_pending) {
		/* The loop came back: the front end writes its report. */
		alarm(0);
		engine_sig_pending = 0;
	}
	engine_reap(e);
}

void
engine_stop(struct engine *e)
{
	e->stopping = 1;
	ev_break(e->loop, EVBREAK_ALL);
}

unsigned
engine_signal_grace(void)
{
	const char *g = getenv("SOCKBENCH_SIGNAL_GRACE");
	char *end;
	unsigned long v;

	if (g == NULL || *g == '\0')
		return ENGINE_SIG_GRACE;
	v = strtoul(g, &end, 10);
	if (*end != '\0' || v < 1 || v > 3600)
		return ENGINE_SIG_GRACE;
	return (unsigned)v;
}

void
engine_handle_signals(struct engine *e, void (*cb)(struct engine *, int))
{
	struct engine_priv *p = e->priv;
	struct sigaction sa;

	signal(SIGPIPE, SIG_IGN);
	p->sigcb = cb;
	engine_sig_grace = engine_signal_grace();
	if (ev_is_active(&p->sigint))
		return;		/* already watched: only the callback changes */
	ev_signal_init(&p->sigint, engine_signal_cb, SIGINT);
	ev_signal_init(&p->sigterm, engine_signal_cb, SIGTERM);
	p->sigint.data = p->sigterm.data = e;
	ev_signal_start(e->loop, &p->sigint);
	ev_signal_start(e->loop, &p->sigterm);
	ev_unref(e->loop);
	ev_unref(e->loop);
	/* Take over libev's handlers (it installs them in ev_signal_start)
	 * to add a backstop: whatever a step does, a signal ends the run
	 * within ENGINE_SIG_GRACE seconds. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = engine_sig_handler;
	sigfillset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = engine_sig_backstop;
	sigaction(SIGALRM, &sa, NULL);
}

double
engine_loop_time(struct engine *e)
{
	return ev_now(e->loop);
}

void
engine_loop_time_update(struct engine *e)
{
	ev_now_update(e->loop);
}

uint64_t
engine_raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	return (uint64_t)rl.rlim_cur;
}

/* A timer made by engine_every or engine_after fired. */
static void
engine_timer_cb(struct ev_loop *loop, ev_timer *w, int revents)
{
	struct engine_timer *t = w->data;

	(void)loop;
	(void)revents;
	if (t->once) {
		/* Free a one-shot timer first: its callback may end the loop
		 * or free what the timer points to. */
		struct engine *e = t->e;
		void (*fn)(struct engine *, void *) = t->fn;
		void *arg = t->arg;

		engine_timer_cancel(e, t);
		fn(e, arg);
		return;
	}
	/* A repeating timer's callback may cancel it: do not touch t after. */
	t->fn(t->e, t->arg);
}

/* A watched fd is readable. */
static void
engine_io_cb(struct ev_loop *loop, ev_io *w, int revents)
{
	struct engine_timer *t = w->data;

	(void)loop;
	(void)revents;
	t->fn(t->e, t->arg);
}

/* Make and link a timer record. */
static struct engine_timer *
engine_timer_new(struct engine *e, void (*fn)(struct engine *, void *),
    void *arg)
{
	struct engine_priv *p = e->priv;
	struct engine_timer *t = xcalloc(1, sizeof(*t));

	t->fn = fn;
	t->arg = arg;
	t->e = e;
	t->next = p->timers;
	p->timers = t;
	return t;
}

struct engine_timer *
engine_every(struct engine *e, double interval,
    void (*fn)(struct engine *, void *), void *arg)
{
	struct engine_timer *t = engine_timer_new(e, fn, arg);

	ev_timer_init(&t->t, engine_timer_cb, interval, interval);
	t->t.data = t;
	ev_timer_start(e->loop, &t->t);
	return t;
}

struct engine_timer *
engine_after(struct engine *e, double delay,
    void (*fn)(struct engine *, void *), void *arg)
{
	struct engine_timer *t = engine_timer_new(e, fn, arg);

	t->once = 1;
	ev_timer_init(&t->t, engine_timer_cb, delay, 0.);
	t->t.data = t;
	ev_timer_start(e->loop, &t->t);
	return t;
}

struct engine_timer *
engine_watch_fd(struct engine *e, int fd, void (*fn)(struct engine *, void *),
    void *arg)
{
	struct engine_timer *t = engine_timer_new(e, fn, arg);

	t->is_io = 1;
	ev_io_init(&t->io, engine_io_cb, fd, EV_READ);
	t->io.data = t;
	ev_io_start(e->loop, &t->io);
	return t;
}

void
engine_timer_cancel(struct engine *e, struct engine_timer *t)
{
	struct engine_priv *p = e->priv;
	struct engine_timer **pp;

	if (t == NULL)
		return;
	if (t->is_io)
		ev_io_stop(e->loop, &t->io);
	else
		ev_timer_stop(e->loop, &t->t);
	for (pp = &p->timers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	free(t);
}
