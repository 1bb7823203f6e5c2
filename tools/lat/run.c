// SPDX-License-Identifier: GPL-2.0-only
/*
 * run.c - one profile of an experiment: every load is a timerfd "interrupt" on its thread's CPU,
 * force-threaded as irq/N-name at the thread's priority (RT profiles) or served by cpu/N
 * (vanilla). The handler acknowledges the timer, notes the expiry time (the moment the interrupt
 * was raised) and raises the load's vector; the vector's action runs the section: hold_ns of
 * busy work under local_lock_nested_bh() of the load's per-CPU resources, then the rest of
 * length_ns without them. The measured load records, at the end of its softirq action, the time
 * since its expiry.
 *
 * Busy work is thread CPU time, so a section preempted by a higher-priority handler still does
 * all its work, as a preempted softirq does.
 *
 * A net_rx load has no timer: its thread is a test port's IRQ and its softirq is softnetd's own
 * net_rx_action() (netrx.c); the runner only places it in the start/stop order.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include "lat.h"
#include "bhlock/bhlock.h"

struct lat_resource {
	local_lock_t bh_lock; /* protects touched, per CPU */
	uint64_t touched;
};

/* The state of one running load; the softirq action finds it by vector (actions take no args). */
struct lat_load_rt {
	const struct lat_load *l;
	int tfd, irq;
	uint64_t start_ns;    /* first expiry */
	uint64_t expirations; /* so far, from the timerfd counter */
	uint64_t irq_ts;      /* latest expiry the pending softirq answers */
	uint64_t batch;       /* expiries that softirq answers (> 1: ticks were late) */
	uint64_t record_from; /* end of warm-up */
	unsigned long samples, warmup_samples, missed, sections;
	struct lat_hist *hist;
};

static struct lat_load_rt *vec_load[NR_SOFTIRQS];
static struct lat_resource *resources[LAT_MAX_RESOURCES]; /* per-CPU pointers */
static struct lock_class_key resource_keys[LAT_MAX_RESOURCES];

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void lat_busy_cpu_ns(uint64_t ns)
{
	uint64_t end = thread_cpu_ns() + ns;

	while (thread_cpu_ns() < end)
		;
}

/* Hardirq part: acknowledge the timer, note which expiry this is, raise the vector. */
static irqreturn_t lat_handler(int irq, void *dev)
{
	struct lat_load_rt *rt = dev;
	uint64_t n;

	(void)irq;
	if (read(rt->tfd, &n, sizeof(n)) != sizeof(n))
		return IRQ_NONE;
	rt->expirations += n;
	rt->missed += n - 1;
	rt->batch = n;
	/* The latest expiry: the one this run of the softirq answers. */
	rt->irq_ts = rt->start_ns + (rt->expirations - 1) * rt->l->period_ns;
	raise_softirq(rt->l->vector);
	return IRQ_HANDLED;
}

static void lat_section(struct lat_load_rt *rt)
{
	const struct lat_load *l = rt->l;

	for (int i = 0; i < l->nr_resources; i++)
		local_lock_nested_bh(&resources[l->resources[i]]->bh_lock);
	for (int i = 0; i < l->nr_resources; i++)
		this_cpu_ptr(resources[l->resources[i]])->touched++;
	lat_busy_cpu_ns(l->hold_ns);
	for (int i = l->nr_resources - 1; i >= 0; i--)
		local_unlock_nested_bh(&resources[l->resources[i]]->bh_lock);
	lat_busy_cpu_ns(l->length_ns - l->hold_ns);
	rt->sections++;
}

static void lat_action(int vec)
{
	struct lat_load_rt *rt = vec_load[vec];

	if (!rt)
		return;
	lat_section(rt);
	if (!rt->l->measured)
		return;
	uint64_t now = mono_ns();

	/* Every expiry is a sample: a tick that came while an earlier one was still waiting
	 * waited longer, not less. */
	for (uint64_t j = 0; j < rt->batch; j++) {
		uint64_t ts = rt->irq_ts - j * rt->l->period_ns;

		if (ts < rt->record_from) {
			rt->warmup_samples++;
			continue;
		}
		lat_hist__record(rt->hist, now - ts);
		rt->samples++;
	}
	bh_trace_mark("latency_ns", (int64_t)(now - rt->irq_ts), vec);
}

/* One action per vector: the kernel's softirq_action takes no argument. */
#define LAT_ACTION(v)                                                                              \
	static void lat_action_##v(void)                                                           \
	{                                                                                          \
		lat_action(v);                                                                     \
	}
LAT_ACTION(0) LAT_ACTION(1) LAT_ACTION(2) LAT_ACTION(3) LAT_ACTION(4)
LAT_ACTION(5) LAT_ACTION(6) LAT_ACTION(7) LAT_ACTION(8) LAT_ACTION(9)
static const softirq_action_fn lat_actions[NR_SOFTIRQS] = {
	lat_action_0, lat_action_1, lat_action_2, lat_action_3, lat_action_4,
	lat_action_5, lat_action_6, lat_action_7, lat_action_8, lat_action_9,
};

static int lat_resources_alloc(const struct lat_experiment *x)
{
	int cpu;

	for (int i = 0; i < x->nr_resources; i++) {
		resources[i] = alloc_percpu(struct lat_resource);
		if (!resources[i])
			return -ENOMEM;
		for_each_possible_cpu(cpu)
			__local_lock_init(&per_cpu_ptr(resources[i], cpu)->bh_lock,
					  x->resources[i], &resource_keys[i]);
	}
	return 0;
}

static void lat_resources_free(const struct lat_experiment *x)
{
	for (int i = 0; i < x->nr_resources; i++) {
		free_percpu(resources[i]);
		resources[i] = NULL;
	}
}

static void lat_sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ULL),
			       .tv_nsec = (long)(t % 1000000000ULL) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

int lat_run_profile(const struct lat_experiment *x, enum bh_profile p,
		    const struct lat_run_opts *o, struct lat_result *r)
{
	struct lat_load_rt rts[LAT_MAX_LOADS] = { 0 };
	const struct lat_load *ml = &x->loads[x->measured];
	bool netrx_inited = false, netrx_opened = false;
	uint64_t t0;
	int err, i, nl = -1;

	memset(r, 0, sizeof(*r));
	r->profile = p;
	r->hist = lat_hist__new(x->hist_max_ns);
	if (!r->hist)
		return -ENOMEM;
	err = bh_profile_set(p);
	if (err) {
		fprintf(stderr, "softnet-lat: profile '%s': %s\n", bh_profile_name(p), strerror(-err));
		return err;
	}
	if (o && o->trace && (err = bh_trace_enable(1 << 16)))
		return err;
	if ((err = lat_resources_alloc(x)))
		goto out_res;
	for (i = 0; i < x->nr_loads; i++) {
		rts[i].tfd = -1;
		if (x->loads[i].type == LAT_LOAD_NET_RX)
			nl = i;
	}
	if (nl >= 0) {
		/* Before bhlock_start(): sn_net_init() opens NET_RX, the port is registered. */
		if ((err = lat_netrx_init(&x->loads[nl], x->threads[x->loads[nl].thread].cpu)))
			goto out_res;
		netrx_inited = true;
	}
	for (i = 0; i < x->nr_loads; i++) {
		rts[i].l = &x->loads[i];
		rts[i].hist = r->hist;
		if (i == nl)
			continue;
		rts[i].tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (rts[i].tfd < 0) {
			err = -errno;
			goto out_fds;
		}
		vec_load[x->loads[i].vector] = &rts[i];
		open_softirq(x->loads[i].vector, lat_actions[x->loads[i].vector]);
	}
	if ((err = bhlock_start())) {
		fprintf(stderr, "softnet-lat: bhlock_start: %s\n", strerror(-err));
		goto out_fds;
	}
	for (i = 0; i < x->nr_loads; i++) {
		const struct lat_thread *t = &x->threads[x->loads[i].thread];

		if (i == nl) {
			if ((err = lat_netrx_open(t->priority)))
				goto out_irqs;
			netrx_opened = true;
			continue;
		}
		struct bh_irq_opts io = { .sz = sizeof(io), .fd = rts[i].tfd, .cpu = t->cpu,
					  .prio = t->priority, .name = t->name,
					  .handler = lat_handler, .dev = &rts[i] };

		rts[i].irq = bh_request_irq(&io);
		if (rts[i].irq < 0) {
			err = rts[i].irq;
			fprintf(stderr, "softnet-lat: thread '%s': interrupt setup failed: %s\n",
				t->name, strerror(-err));
			goto out_irqs;
		}
	}
	/*
	 * Vanilla: cpu/N is the CPU's hardirq and softirq context, which no task preempts on a
	 * non-RT kernel; give it the priority of the highest handler on it, so that it is not
	 * stretched by ordinary tasks (it is SCHED_OTHER as bhlock starts it).
	 */
	if (p == BH_PROFILE_VANILLA) {
		for (i = 0; i < x->nr_loads; i++) {
			const struct lat_thread *t = &x->threads[x->loads[i].thread];
			struct sched_param sp = { .sched_priority = 0 };
			int top = 0;

			for (int j = 0; j < x->nr_loads; j++)
				if (x->threads[x->loads[j].thread].cpu == t->cpu &&
				    x->threads[x->loads[j].thread].priority > top)
					top = x->threads[x->loads[j].thread].priority;
			sp.sched_priority = top;
			if (sched_setscheduler(ksoftirqd_tid(t->cpu), SCHED_FIFO, &sp)) {
				err = -errno;
				fprintf(stderr, "softnet-lat: cpu/%d: SCHED_FIFO %d: %s\n", t->cpu,
					top, strerror(errno));
				goto out_irqs;
			}
		}
	}
	/*
	 * All timers start together 50 ms from now; the measured one is offset by a third of its
	 * period and the periods are chosen not to divide each other, so its expiries sweep the
	 * whole cycle of the sections.
	 */
	t0 = mono_ns() + 50000000ULL;
	for (i = 0; i < x->nr_loads; i++) {
		if (i == nl)
			continue;
		uint64_t start = t0 + (x->loads[i].measured ? x->loads[i].period_ns / 3 : 0);
		struct itimerspec its = {
			.it_value = { (time_t)(start / 1000000000ULL), (long)(start % 1000000000ULL) },
			.it_interval = { (time_t)(x->loads[i].period_ns / 1000000000ULL),
					 (long)(x->loads[i].period_ns % 1000000000ULL) },
		};

		rts[i].start_ns = start;
		rts[i].record_from = t0 + x->warmup_ns;
		if (timerfd_settime(rts[i].tfd, TFD_TIMER_ABSTIME, &its, NULL)) {
			err = -errno;
			goto out_irqs;
		}
	}
	if (nl >= 0 && (err = lat_netrx_start(t0, t0 + x->duration_ns,
					       x->threads[x->loads[nl].thread].cpu))) {
		fprintf(stderr, "softnet-lat: net_rx pacer: %s\n", strerror(-err));
		goto out_irqs;
	}
	lat_sleep_until(t0 + x->duration_ns);
	err = 0;
out_irqs:
	for (i = 0; i < x->nr_loads; i++) {
		struct itimerspec off = { 0 };

		if (rts[i].tfd >= 0)
			timerfd_settime(rts[i].tfd, 0, &off, NULL);
	}
	for (i = 0; i < x->nr_loads; i++)
		if (rts[i].irq > 0)
			free_irq(rts[i].irq);
	if (netrx_opened) {
		lat_netrx_stop(&r->netrx);
		r->has_netrx = true;
	}
	bhlock_stop();
	if (o && o->trace) {
		struct bh_trace_event *v;
		long n;

		bh_trace_disable();
		n = bh_trace_snapshot(&v);
		if (n >= 0) {
			const struct lat_load *sl = NULL;

			for (i = 0; i < x->nr_loads; i++)
				if (!x->loads[i].measured && !sl)
					sl = &x->loads[i];
			lat_trace_analyse(v, n, sl ? sl->vector : -1, ml->vector, &r->trace);
			free(v);
		}
		if (o->trace_path) {
			int fd = open(o->trace_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			if (fd < 0 || bh_trace_dump(fd) < 0)
				fprintf(stderr, "softnet-lat: trace '%s': %s\n", o->trace_path,
					strerror(errno));
			if (fd >= 0)
				close(fd);
		}
	}
	for (i = 0; i < x->nr_loads; i++) {
		r->samples += rts[i].samples;
		r->warmup_samples += rts[i].warmup_samples;
		if (x->loads[i].measured)
			r->missed_ticks += rts[i].missed;
		else if (i == nl)
			r->sections += r->netrx.polls; /* a section of a net_rx load is a poll */
		else
			r->sections += rts[i].sections;
	}
out_fds:
	for (i = 0; i < x->nr_loads; i++) {
		if (rts[i].tfd >= 0)
			close(rts[i].tfd);
		if (i != nl)
			vec_load[x->loads[i].vector] = NULL;
	}
	if (netrx_inited)
		lat_netrx_fini();
out_res:
	lat_resources_free(x);
	return err;
}

void lat_result__fini(struct lat_result *r)
{
	lat_hist__free(r->hist);
	r->hist = NULL;
}

/* ---- the forked form: the child writes its result and histogram to a pipe ---- */

struct lat_wire {
	int err;
	struct lat_result r; /* hist pointer not used */
	struct lat_hist h;   /* buckets pointer not used */
};

static int write_all(int fd, const void *p, size_t len)
{
	const char *c = p;

	while (len) {
		ssize_t w = write(fd, c, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w, len -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len)
{
	char *c = p;

	while (len) {
		ssize_t n = read(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c += n, len -= (size_t)n;
	}
	return 0;
}

int lat_run_profile_forked(const struct lat_experiment *x, enum bh_profile p,
			   const struct lat_run_opts *o, struct lat_result *r)
{
	int pfd[2], status;
	pid_t pid;
	struct lat_wire *w;

	memset(r, 0, sizeof(*r));
	if (pipe(pfd))
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		struct lat_wire cw = { 0 };

		close(pfd[0]);
		cw.err = lat_run_profile(x, p, o, &cw.r);
		if (cw.r.hist)
			cw.h = *cw.r.hist;
		if (write_all(pfd[1], &cw, sizeof(cw)) ||
		    (cw.r.hist && write_all(pfd[1], cw.r.hist->buckets,
					    cw.h.nbuckets * sizeof(uint64_t))))
			_exit(2);
		_exit(cw.err ? 1 : 0);
	}
	close(pfd[1]);
	w = calloc(1, sizeof(*w));
	r->hist = lat_hist__new(x->hist_max_ns);
	int err = -EIO;

	if (w && r->hist && !read_all(pfd[0], w, sizeof(*w))) {
		struct lat_hist *h = r->hist;

		err = w->err;
		*r = w->r;
		r->hist = h;
		if (w->h.nbuckets == h->nbuckets &&
		    !read_all(pfd[0], h->buckets, h->nbuckets * sizeof(uint64_t))) {
			h->count = w->h.count, h->overflow = w->h.overflow;
			h->min = w->h.min, h->max = w->h.max, h->sum = w->h.sum;
		} else if (!err) {
			err = -EIO;
		}
	}
	close(pfd[0]);
	free(w);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!err && (!WIFEXITED(status) || WEXITSTATUS(status)))
		err = -ECHILD;
	return err;
}
