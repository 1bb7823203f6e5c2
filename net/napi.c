// SPDX-License-Identifier: GPL-2.0-only
/*
 * napi.c - NAPI on bhlock's softirqs (KERNEL.md §3; net/core/dev.c: napi_schedule_prep(),
 * ____napi_schedule(), napi_complete_done(), net_rx_action(), __napi_poll(), the threaded-NAPI
 * loop and __napi_busy_loop()).
 *
 * Ownership: whoever sets NAPI_STATE_SCHED owns the instance until it clears it. The owner is
 * the poll list (and then the net_rx_action() that spliced it), the NAPI thread (SCHED_THREADED),
 * a busy-polling task (IN_BUSY_POLL) or napi_disable() (softnetd's NAPI_STATE_OFF below). Only
 * the owner polls and completes. A completing poll still reads the instance and counts its
 * stats after it gave SCHED up: the stats are relaxed atomics, and n->pollers lets
 * napi_disable() wait until no poll is left inside before the device can be freed.
 *
 * The poll list: each CPU's softnet_data.poll_list is changed by IRQ handlers (an irq/N thread in
 * the RT profiles, cpu/N in vanilla), by net_rx_action() in whichever task serves NET_RX
 * (ksoftirqd, an IRQ thread at its local_bh_enable(), a task leaving BH) and by napi_disable().
 * The kernel makes these exclusive with local_irq_save(); userspace cannot mask its own
 * preemption, so here a per-CPU PI rt_mutex (softnet_data.poll_lock) serialises them: a
 * high-priority IRQ thread that finds ksoftirqd inside boosts it for the few instructions of a
 * list update. It is never held across a poll or a softirq raise.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include "bhlock/bottom_half.h"
#include "bhlock/irq.h"
#include "bhlock/percpu.h"
#include "bhlock/preempt.h"
#include "bhlock/rt_mutex.h"
#include "bhlock/softirq.h"
#include "bhlock/task.h"
#include "bhlock/trace.h"
#include "net/frame.h"
#include "net/napi.h"
#include "net/netdev.h"
#include "net/xmit.h"

/* softnetd's own state bit: the instance is disabled (napi_add, napi_disable) until enabled. */
#define NAPI_STATE_OFF 16
#define NAPIF_OFF (1UL << NAPI_STATE_OFF)
/* MIN_NAPI_ID: ids below it are CPU numbers in the kernel's busy-poll API. */
#define SN_MIN_NAPI_ID (BH_NR_CPUS_MAX + 1)

int netdev_budget = 300;
int netdev_budget_usecs = 2000;
int dev_weight = NAPI_POLL_WEIGHT;

void (*sn_napi_post_poll_hook)(struct sn_napi *n);

struct sn_softnet_data {
	/* poll_lock protects poll_list and in_net_rx_action (see the file comment). */
	struct rt_mutex poll_lock;
	struct list_head poll_list;
	bool in_net_rx_action;
	/*
	 * Vanilla: this CPU's transmit recursion counter (softnet_data.xmit.recursion). Only the
	 * CPU's one BH thread uses it; the RT profiles count per task (current->xmit_recursion).
	 */
	struct {
		int recursion;
	} xmit;
	struct sn_softnet_stats stats; /* relaxed atomics: several tasks of one CPU on RT */
} ____cacheline_aligned;

#ifdef BHLOCK_DEBUG
static struct lock_class_key softnet_poll_lock_key;
#endif
static DEFINE_PER_CPU(struct sn_softnet_data, softnet_data) = {
#ifdef BHLOCK_DEBUG
	.poll_lock = { .dep_map = { .name = "softnet_data.poll_lock",
				    .key = &softnet_poll_lock_key } },
#endif
};

static unsigned int napi_id_next = SN_MIN_NAPI_ID;

/* Private to net/: xmit.c reads the vanilla counter, net_core.c installs the softirq. */
int *__sn_softnet_xmit_recursion(void);
void sn_napi_core_init(void);
void sn_net_rx_action(void);

int *__sn_softnet_xmit_recursion(void)
{
	return &this_cpu_ptr(&softnet_data)->xmit.recursion;
}

static uint64_t napi_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#define sd_stat_add(sd, field, v) __atomic_add_fetch(&(sd)->stats.field, (v), __ATOMIC_RELAXED)

static void sd_lock(struct sn_softnet_data *sd)
{
	rt_mutex_lock(&sd->poll_lock);
	/* The per-CPU template cannot point at each copy's own list head: set up on first use. */
	if (unlikely(!sd->poll_list.next))
		INIT_LIST_HEAD(&sd->poll_list);
}

static void sd_unlock(struct sn_softnet_data *sd)
{
	rt_mutex_unlock(&sd->poll_lock);
}

void sn_napi_core_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sn_softnet_data *sd = per_cpu_ptr(&softnet_data, cpu);

		sd_lock(sd);
		sd_unlock(sd);
	}
}

static __always_inline unsigned long napi_state(const struct sn_napi *n)
{
	return __atomic_load_n(&n->state, __ATOMIC_ACQUIRE);
}

/* The XDP flush (xdp/ installs it; changed while polls run, hence the atomic load). */
static __always_inline void napi_post_poll(struct sn_napi *n)
{
	void (*hook)(struct sn_napi *) = __atomic_load_n(&sn_napi_post_poll_hook, __ATOMIC_ACQUIRE);

	if (hook)
		hook(n);
}

#define napi_stat_add(n, field, v) __atomic_add_fetch(&(n)->stats.field, (v), __ATOMIC_RELAXED)

/*
 * Around every poll: entered before the poll can give SCHED up (that CAS is a release, so whoever
 * takes SCHED next sees the count), left after the last access to @n.
 */
static __always_inline void napi_poll_enter(struct sn_napi *n)
{
	__atomic_add_fetch(&n->pollers, 1, __ATOMIC_RELAXED);
}

static __always_inline void napi_poll_exit(struct sn_napi *n)
{
	__atomic_sub_fetch(&n->pollers, 1, __ATOMIC_RELEASE);
}

static __always_inline bool napi_cas_state(struct sn_napi *n, unsigned long *old, unsigned long new)
{
	return __atomic_compare_exchange_n(&n->state, old, new, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

/* Pure polling: the backend has no rx interrupt, so completing would lose the instance. */
static __always_inline bool napi_polling_mode(const struct sn_napi *n)
{
	return n->dev && (n->dev->flags & SN_DEV_F_POLL_MODE);
}

bool napi_schedule_prep(struct sn_napi *n)
{
	unsigned long val = napi_state(n), new;

	do {
		if (unlikely(val & NAPIF(DISABLE)))
			return false;
		new = val | NAPIF(SCHED);
		/* Already owned: leave a note so that the owner polls once more. */
		if (val & NAPIF(SCHED))
			new |= NAPIF(MISSED);
	} while (!napi_cas_state(n, &val, new));
	return !(val & NAPIF(SCHED));
}

static void napi_thread_wake(struct sn_napi *n)
{
	uint64_t one = 1;

	if (write(n->thread_wake_fd, &one, sizeof(one)) < 0)
		perror("napi: wake thread");
}

/* ____napi_schedule(): the caller owns SCHED; hand the instance to this CPU or to its thread. */
void __napi_schedule(struct sn_napi *n)
{
	struct sn_softnet_data *sd;
	bool raise;
	int cpu;

	if ((napi_state(n) & NAPIF(THREADED)) && READ_ONCE(n->thread_tid)) {
		__atomic_or_fetch(&n->state, NAPIF(SCHED_THREADED), __ATOMIC_RELEASE);
		napi_thread_wake(n);
		return;
	}
	migrate_disable();
	cpu = current->cpu;
	sd = per_cpu_ptr(&softnet_data, cpu);
	sd_lock(sd);
	list_add_tail(&n->poll_list, &sd->poll_list);
	WRITE_ONCE(n->list_owner, cpu);
	/* A running net_rx_action() looks at the list again before it returns. */
	raise = !sd->in_net_rx_action;
	sd_unlock(sd);
	if (raise)
		raise_softirq_irqoff(NET_RX_SOFTIRQ);
	migrate_enable();
}

/* Take @n off the poll list of its owner CPU if it sits there. Return: it was there. */
static bool napi_unlist(struct sn_napi *n)
{
	int cpu = READ_ONCE(n->list_owner);
	struct sn_softnet_data *sd;
	bool found = false;

	if (cpu < 0 || cpu >= nr_cpu_ids)
		return false;
	sd = per_cpu_ptr(&softnet_data, cpu);
	sd_lock(sd);
	for (struct list_head *p = sd->poll_list.next; p != &sd->poll_list; p = p->next) {
		if (p == &n->poll_list) {
			list_del_init(p);
			WRITE_ONCE(n->list_owner, -1);
			found = true;
			break;
		}
	}
	sd_unlock(sd);
	return found;
}

bool napi_complete_done(struct sn_napi *n, int work_done)
{
	unsigned long val, new;

	(void)work_done; /* no GRO and no IRQ deferral: nothing depends on it */
	val = napi_state(n);
	if (unlikely(val & NAPIF(IN_BUSY_POLL)))
		return false;
	if (napi_polling_mode(n) && !(val & NAPIF(DISABLE)))
		return false; /* stays scheduled: __napi_poll() lists it again */
	/* Only a busy poller leaves it listed while polling; the core's poll unlinks first. */
	if (unlikely(!list_empty(&n->poll_list)))
		napi_unlist(n);
	WRITE_ONCE(n->list_owner, -1);
	do {
		new = val & ~(NAPIF(MISSED) | NAPIF(SCHED) | NAPIF(SCHED_THREADED) |
			      NAPIF(PREFER_BUSY_POLL));
		/* Somebody tried to schedule while we owned it: keep SCHED and go round again. */
		if (val & NAPIF(MISSED))
			new |= NAPIF(SCHED);
	} while (!napi_cas_state(n, &val, new));
	if (val & NAPIF(MISSED)) {
		napi_stat_add(n, missed, 1);
		__napi_schedule(n);
		return false;
	}
	napi_stat_add(n, completes, 1);
	if (n->irq >= 0)
		enable_irq(n->irq);
	return true;
}

/*
 * One poll of an instance we own, in BH context (__napi_poll()). Return: the work done;
 * *repoll says the core still owns it and it must be polled again (full weight, or a
 * polling-mode instance).
 */
static int napi_poll_owned(struct sn_napi *n, bool *repoll)
{
	int weight = n->weight, work = 0;
	struct sn_frame_stash stash;
	struct sn_xmit_bulk bulk;
	unsigned long val;
	bool own_stash;

	*repoll = false;
	/*
	 * Heads freed and allocated from here to the flush go through this task's stash
	 * (frame.h; net_rx_action()'s when it polls); frames it transmits meanwhile, through its
	 * tx bulk (xmit.h).
	 */
	own_stash = sn_frame_stash_begin(&stash);
	if (napi_state(n) & NAPIF(SCHED)) {
		sn_xmit_bulk_begin(&bulk);
		work = n->poll(n, weight);
		sn_xmit_bulk_end(&bulk);
		napi_stat_add(n, polls, 1);
		napi_stat_add(n, packets, (uint64_t)(work > 0 ? work : 0));
		bh_trace_napi_poll(n->name, work, weight);
	}
	if (unlikely(work > weight)) {
		static int warned;

		if (!__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
			fprintf(stderr, "napi %s: poll returned %d, more than its weight %d\n",
				n->name, work, weight);
		work = weight;
	}
	/* Tx bulk first (start_xmit() only queued), then the XDP flush once attached. */
	sn_xmit_flush_pending();
	napi_post_poll(n);
	if (own_stash)
		sn_frame_stash_end(&stash);

	val = napi_state(n);
	if (work < weight) {
		/*
		 * The driver has completed, or a polling-mode instance kept SCHED: that one stays
		 * ours and goes round again, unless a disable is pending.
		 */
		if (!napi_polling_mode(n) || !(val & NAPIF(SCHED)) || (val & NAPIF(IN_BUSY_POLL)) ||
		    !list_empty(&n->poll_list))
			return work;
		if (val & NAPIF(DISABLE)) {
			napi_complete_done(n, 0);
			return work;
		}
		*repoll = true;
		return work;
	}
	/* Full weight: the driver did not complete, the core still owns the instance. */
	if (unlikely(val & NAPIF(DISABLE))) {
		napi_complete_done(n, 0);
		return work;
	}
	if (unlikely(val & NAPIF(PREFER_BUSY_POLL))) {
		if (napi_complete_done(n, work) && napi_schedule_prep(n))
			__napi_schedule(n);
		return work;
	}
	napi_stat_add(n, repolls, 1);
	*repoll = true;
	return work;
}

static int __napi_poll(struct sn_napi *n, bool *repoll)
{
	int work;

	napi_poll_enter(n);
	work = napi_poll_owned(n, repoll);
	napi_poll_exit(n);
	return work;
}

/* napi_poll(): net_rx_action()'s step for the first instance of its private list. */
static int napi_poll(struct sn_softnet_data *sd, struct sn_napi *n, struct list_head *repoll)
{
	bool again;
	int work;

	list_del_init(&n->poll_list); /* off the private list: nobody else sees that list */
	work = __napi_poll(n, &again);
	if (again) {
		if (work >= n->weight)
			sd_stat_add(sd, repoll, 1);
		list_add_tail(&n->poll_list, repoll);
	}
	sd_stat_add(sd, processed, (uint64_t)work);
	return work;
}

/*
 * The NET_RX_SOFTIRQ action. Budget and time limit as the kernel's; an early stop counts
 * time_squeeze. What is left goes back to the poll list — leftovers first, then instances
 * scheduled meanwhile, then the full-weight repolls — and NET_RX is raised again, for the
 * softirq restart loop or ksoftirqd.
 */
void sn_net_rx_action(void)
{
	struct sn_softnet_data *sd = this_cpu_ptr(&softnet_data);
	uint64_t time_limit = napi_now_ns() + (uint64_t)READ_ONCE(netdev_budget_usecs) * 1000;
	int budget = READ_ONCE(netdev_budget);
	struct list_head list, repoll;
	/*
	 * One head stash for all the polls of this run: frames received on one port and sent on
	 * another meet the napi_alloc_cache once per run, not once per poll (frame.h).
	 */
	struct sn_frame_stash stash;
	bool more, own_stash;

	INIT_LIST_HEAD(&list);
	INIT_LIST_HEAD(&repoll);
	sd_stat_add(sd, rx_actions, 1);
	own_stash = sn_frame_stash_begin(&stash);
	sd_lock(sd);
	sd->in_net_rx_action = true;
	list_splice_tail_init(&sd->poll_list, &list);
	sd_unlock(sd);

	for (;;) {
		if (list_empty(&list)) {
			if (!list_empty(&repoll))
				break;
			/* Idle round: take what was scheduled while we polled, or finish. */
			sd_lock(sd);
			if (list_empty(&sd->poll_list)) {
				sd->in_net_rx_action = false;
				sd_unlock(sd);
				goto out;
			}
			list_splice_tail_init(&sd->poll_list, &list);
			sd_unlock(sd);
			continue;
		}
		struct sn_napi *n = list_first_entry(&list, struct sn_napi, poll_list);

		budget -= napi_poll(sd, n, &repoll);
		if (unlikely(budget <= 0 || napi_now_ns() >= time_limit)) {
			sd_stat_add(sd, time_squeeze, 1);
			break;
		}
	}

	sd_lock(sd);
	list_splice_tail_init(&sd->poll_list, &list);
	list_splice_tail_init(&repoll, &list);
	list_splice_tail_init(&list, &sd->poll_list);
	more = !list_empty(&sd->poll_list);
	if (!more)
		sd->in_net_rx_action = false;
	sd_unlock(sd);
	if (more)
		__raise_softirq_irqoff(NET_RX_SOFTIRQ);
out:
	if (own_stash)
		sn_frame_stash_end(&stash);
}

/* ---- interrupts ---- */

/* The rx interrupt: mask it and schedule; napi_complete_done() unmasks it. */
static irqreturn_t napi_irq_handler(int irq, void *data)
{
	struct sn_napi *n = data;

	disable_irq_nosync(irq);
	__atomic_add_fetch(&n->stats.irqs, 1, __ATOMIC_RELAXED);
	napi_schedule(n);
	return IRQ_HANDLED;
}

int sn_napi_set_irq(struct sn_napi *n, int fd, int prio)
{
	char name[32];
	int irq;

	if (!n->dev || fd < 0 || n->irq >= 0)
		return -EINVAL;
	snprintf(name, sizeof(name), "%.*s-rx%u", SN_IFNAMSIZ, n->dev->name, n->qid);
	struct bh_irq_opts o = {
		.sz = sizeof(o), .fd = fd, .cpu = n->cpu, .prio = prio, .name = name,
		.handler = napi_irq_handler, .dev = n,
	};

	irq = bh_request_irq(&o);
	if (irq < 0)
		return irq;
	n->irq_fd = fd;
	n->irq_prio = prio;
	/* Masked until napi_enable(): a disabled instance cannot be scheduled. */
	if (napi_state(n) & NAPIF_OFF)
		disable_irq_nosync(irq);
	WRITE_ONCE(n->irq, irq);
	return 0;
}

/* ---- threaded NAPI ---- */

/* One pass of the thread, inside a BH section. Return: the instance is still ours to poll. */
static bool napi_thread_poll_once(struct sn_napi *n)
{
	bool again;

	local_bh_disable();
	__napi_poll(n, &again);
	local_bh_enable();
	return again;
}

static void *napi_thread_fn(void *arg)
{
	struct sn_napi *n = arg;

	for (;;) {
		uint64_t v;

		/* napi_thread_wait(): sleep until woken; SCHED_THREADED says there is work. */
		if (read(n->thread_wake_fd, &v, sizeof(v)) < 0 && errno != EINTR) {
			perror("napi thread: eventfd");
			break;
		}
		if (__atomic_load_n(&n->thread_stop, __ATOMIC_ACQUIRE))
			break;
		while (napi_state(n) & NAPIF(SCHED_THREADED)) {
			if (!napi_thread_poll_once(n))
				break;
			if (__atomic_load_n(&n->thread_stop, __ATOMIC_ACQUIRE))
				break;
		}
	}
	return NULL;
}

static int napi_thread_start(struct sn_napi *n, int policy, int prio)
{
	char tname[48];
	int err;

	n->thread_wake_fd = eventfd(0, EFD_CLOEXEC);
	if (n->thread_wake_fd < 0)
		return -errno;
	__atomic_store_n(&n->thread_stop, false, __ATOMIC_RELEASE);
	snprintf(tname, sizeof(tname), "napi/%.*s-%u", SN_IFNAMSIZ, n->dev ? n->dev->name : "?",
		 n->napi_id);
	struct bh_kthread_opts o = {
		.sz = sizeof(o), .name = tname, .cpu = n->cpu, .policy = policy, .prio = prio,
		.fn = napi_thread_fn, .arg = n, .tid_out = &n->thread_tid,
	};

	err = bh_kthread_run(&n->thread, &o);
	if (err) {
		close(n->thread_wake_fd);
		n->thread_wake_fd = -1;
		n->thread_tid = 0;
	}
	return err;
}

static void napi_thread_stop(struct sn_napi *n)
{
	if (!n->thread_tid)
		return;
	__atomic_store_n(&n->thread_stop, true, __ATOMIC_RELEASE);
	napi_thread_wake(n);
	pthread_join(n->thread, NULL);
	close(n->thread_wake_fd);
	n->thread_wake_fd = -1;
	WRITE_ONCE(n->thread_tid, 0);
}

int sn_napi_set_threaded(struct sn_napi *n, bool threaded, int policy, int prio)
{
	int err;

	if (threaded) {
		if (n->thread_tid)
			return 0;
		err = napi_thread_start(n, policy, prio);
		if (err)
			return err;
		__atomic_or_fetch(&n->state, NAPIF(THREADED), __ATOMIC_RELEASE);
		return 0;
	}
	/* The thread may own the instance: switch only while it is disabled. */
	if (n->thread_tid && !(napi_state(n) & NAPIF_OFF))
		return -EBUSY;
	__atomic_and_fetch(&n->state, ~NAPIF(THREADED), __ATOMIC_RELEASE);
	napi_thread_stop(n);
	return 0;
}

/* ---- add, enable, disable ---- */

void sn_netif_napi_add(struct sn_netdev *dev, struct sn_napi *n, unsigned int qid,
		       sn_napi_poll_fn poll, int weight, int cpu)
{
	static int warned;

	memset(n, 0, sizeof(*n));
	if (weight <= 0)
		weight = READ_ONCE(dev_weight);
	if (weight > NAPI_POLL_WEIGHT && !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
		fprintf(stderr, "napi %s-%u: weight %d is above %d\n", dev ? dev->name : "?", qid,
			weight, NAPI_POLL_WEIGHT);
	INIT_LIST_HEAD(&n->poll_list);
	n->weight = weight;
	n->list_owner = -1;
	n->cpu = cpu >= 0 && cpu < nr_cpu_ids ? cpu : 0;
	n->irq = -1;
	n->irq_fd = -1;
	n->thread_wake_fd = -1;
	n->poll = poll;
	n->dev = dev;
	n->qid = qid;
	n->napi_id = __atomic_fetch_add(&napi_id_next, 1, __ATOMIC_RELAXED);
	snprintf(n->name, sizeof(n->name), "%.*s-%u", SN_IFNAMSIZ, dev ? dev->name : "?", qid);
	__atomic_store_n(&n->state, NAPIF(SCHED) | NAPIF_OFF | NAPIF(LISTED), __ATOMIC_RELEASE);
}

void napi_enable(struct sn_napi *n)
{
	unsigned long val = napi_state(n), new;

	if (!(val & NAPIF_OFF))
		return;
	do {
		new = val & ~(NAPIF(SCHED) | NAPIF(MISSED) | NAPIF(SCHED_THREADED) |
			      NAPIF(PREFER_BUSY_POLL) | NAPIF_OFF);
		if (n->thread_tid)
			new |= NAPIF(THREADED);
	} while (!napi_cas_state(n, &val, new));
	if (n->irq >= 0)
		enable_irq(n->irq);
}

void napi_disable(struct sn_napi *n)
{
	unsigned long val;

	if (napi_state(n) & NAPIF_OFF)
		return;
	__atomic_or_fetch(&n->state, NAPIF(DISABLE), __ATOMIC_ACQ_REL);
	for (;;) {
		val = napi_state(n);
		if (!(val & NAPIF(SCHED))) {
			/* Nobody owns it: take it ourselves. */
			if (napi_cas_state(n, &val, val | NAPIF(SCHED) | NAPIF_OFF))
				break;
			continue;
		}
		/*
		 * Scheduled and waiting on a poll list that may not be served soon: it belongs to
		 * the list, so whoever unlinks it owns SCHED.
		 */
		if (napi_unlist(n)) {
			__atomic_or_fetch(&n->state, NAPIF_OFF, __ATOMIC_ACQ_REL);
			break;
		}
		usleep(100); /* a poll, a busy poller or the thread has it: wait for it */
	}
	/* Ours now; a poll that just gave it up may still be reading it. */
	while (__atomic_load_n(&n->pollers, __ATOMIC_ACQUIRE))
		usleep(50);
	__atomic_and_fetch(&n->state,
			   ~(NAPIF(DISABLE) | NAPIF(MISSED) | NAPIF(SCHED_THREADED) |
			     NAPIF(PREFER_BUSY_POLL)),
			   __ATOMIC_ACQ_REL);
	if (n->irq >= 0)
		disable_irq_nosync(n->irq);
}

void sn_netif_napi_del(struct sn_napi *n)
{
	if (!(napi_state(n) & NAPIF(LISTED)))
		return;
	napi_disable(n);
	sn_napi_set_threaded(n, false, 0, 0);
	if (n->irq >= 0) {
		free_irq(n->irq);
		n->irq = -1;
	}
	__atomic_and_fetch(&n->state, ~NAPIF(LISTED), __ATOMIC_RELEASE);
}

/* ---- busy poll ---- */

int sn_napi_busy_loop(struct sn_napi *n, unsigned int usecs, bool stop_on_idle)
{
	uint64_t end = napi_now_ns() + (uint64_t)usecs * 1000;
	unsigned long val = napi_state(n);
	struct sn_frame_stash stash;
	struct sn_xmit_bulk bulk;
	int total = 0, work;
	bool own_stash;

	/* Claim it like __napi_busy_loop(): only when nobody owns it. */
	do {
		if (val & (NAPIF(DISABLE) | NAPIF(SCHED) | NAPIF(IN_BUSY_POLL)))
			return -EBUSY;
	} while (!napi_cas_state(n, &val, val | NAPIF(SCHED) | NAPIF(IN_BUSY_POLL)));
	napi_poll_enter(n);

	for (;;) {
		local_bh_disable();
		own_stash = sn_frame_stash_begin(&stash);
		sn_xmit_bulk_begin(&bulk);
		work = n->poll(n, BUSY_POLL_BUDGET);
		sn_xmit_bulk_end(&bulk);
		napi_stat_add(n, busy_polls, 1);
		napi_stat_add(n, polls, 1);
		napi_stat_add(n, packets, (uint64_t)(work > 0 ? work : 0));
		bh_trace_napi_poll(n->name, work, BUSY_POLL_BUDGET);
		sn_xmit_flush_pending();
		napi_post_poll(n);
		if (own_stash)
			sn_frame_stash_end(&stash);
		local_bh_enable();
		total += work > 0 ? work : 0;
		if ((stop_on_idle && work <= 0) || napi_now_ns() >= end)
			break;
		if (napi_state(n) & NAPIF(DISABLE))
			break;
	}

	/*
	 * busy_poll_stop(): give up the busy-poll claim, poll once more with the full weight; a
	 * full poll means more work, so hand the instance to the softirq.
	 */
	__atomic_and_fetch(&n->state, ~(NAPIF(MISSED) | NAPIF(IN_BUSY_POLL)), __ATOMIC_ACQ_REL);
	local_bh_disable();
	own_stash = sn_frame_stash_begin(&stash);
	sn_xmit_bulk_begin(&bulk);
	work = n->poll(n, n->weight);
	sn_xmit_bulk_end(&bulk);
	napi_stat_add(n, polls, 1);
	napi_stat_add(n, packets, (uint64_t)(work > 0 ? work : 0));
	sn_xmit_flush_pending();
	napi_post_poll(n);
	if (own_stash)
		sn_frame_stash_end(&stash);
	if (work >= n->weight || (napi_polling_mode(n) && (napi_state(n) & NAPIF(SCHED))))
		__napi_schedule(n);
	napi_poll_exit(n);
	local_bh_enable();
	return total + (work > 0 ? work : 0);
}

void sn_softnet_stats_read(int cpu, struct sn_softnet_stats *out)
{
	int c;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(c) {
		if (cpu >= 0 && c != cpu)
			continue;
		const struct sn_softnet_stats *s = &per_cpu_ptr(&softnet_data, c)->stats;

		out->processed += __atomic_load_n(&s->processed, __ATOMIC_RELAXED);
		out->time_squeeze += __atomic_load_n(&s->time_squeeze, __ATOMIC_RELAXED);
		out->rx_actions += __atomic_load_n(&s->rx_actions, __ATOMIC_RELAXED);
		out->repoll += __atomic_load_n(&s->repoll, __ATOMIC_RELAXED);
	}
}
