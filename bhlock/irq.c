// SPDX-License-Identifier: GPL-2.0-only
/* irq.c - fd interrupts: a SCHED_FIFO thread per source (RT) or the cpu/N epoll set (vanilla). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "irq.h"
#include "profile.h"
#include "softirq_internal.h"
#include "trace.h" /* latency lab (issue 6): trace hooks, marked "trace:" */

struct bh_irq {
	int irq, fd, cpu, prio;
	char name[32];
	irq_handler_t handler;
	void *dev;
	bool threaded;
	pthread_t thread;
	int tid;
	int ctlfd;   /* wakes the thread for enable/stop */
	int enabled; /* the fd is being waited on */
	int stop;
	unsigned long count;
	struct bh_irq *next_dead;
};

/* irq_table_lock serialises request and free; lookups by number read the table. */
static pthread_mutex_t irq_table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bh_irq *irq_table[BH_NR_IRQS];
static struct bh_irq *irq_graveyard; /* freed vanilla sources, released by bhlock_stop() */

static struct bh_irq *irq_get(int irq)
{
	if (irq < BH_IRQ_BASE || irq >= BH_IRQ_BASE + BH_NR_IRQS)
		return NULL;
	return __atomic_load_n(&irq_table[irq - BH_IRQ_BASE], __ATOMIC_ACQUIRE);
}

void irq_enter(void)
{
	current->preempt_count += HARDIRQ_OFFSET;
}

/* Leaving hardirq: run pending softirqs here unless ksoftirqd has taken over (vanilla). */
void irq_exit(void)
{
	struct task_struct *t = current;

	t->preempt_count -= HARDIRQ_OFFSET;
	if (in_interrupt() || !softirq_pending_on(t->cpu))
		return;
	if (bh_profile_is_rt()) {
		if (should_wake_ksoftirqd(t->cpu))
			wakeup_softirqd(t->cpu);
		return;
	}
	if (ksoftirqd_running(t->cpu))
		return;
	__local_bh_disable_ip(SOFTIRQ_OFFSET, BH_THIS_SITE);
	handle_softirqs(false);
	__local_bh_enable_noinvoke(SOFTIRQ_OFFSET, BH_THIS_SITE);
}

void irq_vanilla_dispatch(void *data)
{
	struct bh_irq *d = data;
	irqreturn_t ret; /* trace: */

	irq_enter();
	bh_trace_irq_handler_entry(d->irq, d->name); /* trace: */
	ret = d->handler(d->irq, d->dev);
	bh_trace_irq_handler_exit(d->irq, ret); /* trace: */
	__atomic_add_fetch(&d->count, 1, __ATOMIC_RELAXED);
	irq_exit();
}

static void *irq_thread_fn(void *arg)
{
	struct bh_irq *d = arg;

	__atomic_store_n(&d->tid, current->tid, __ATOMIC_RELEASE);
	for (;;) {
		bool enabled = __atomic_load_n(&d->enabled, __ATOMIC_ACQUIRE);
		struct pollfd p[2] = {
			{ .fd = d->ctlfd, .events = POLLIN },
			{ .fd = d->fd, .events = enabled ? POLLIN : 0 },
		};

		if (poll(p, 2, -1) < 0 && errno != EINTR) {
			perror("irq thread: poll");
			break;
		}
		if (p[0].revents & POLLIN) {
			uint64_t v;

			if (read(d->ctlfd, &v, sizeof(v)) < 0 && errno != EAGAIN)
				perror("irq thread: eventfd");
		}
		if (__atomic_load_n(&d->stop, __ATOMIC_ACQUIRE))
			break;
		/* disable_irq_nosync() may have come while we slept in poll(). */
		if (!__atomic_load_n(&d->enabled, __ATOMIC_ACQUIRE) ||
		    !(p[1].revents & (POLLIN | POLLERR | POLLHUP)))
			continue;
		/* irq_forced_thread_fn(): the handler's softirqs run at this enable. */
		local_bh_disable();
		bh_trace_irq_handler_entry(d->irq, d->name); /* trace: */
		irqreturn_t ret = d->handler(d->irq, d->dev);
		bh_trace_irq_handler_exit(d->irq, ret); /* trace: */
		__atomic_add_fetch(&d->count, 1, __ATOMIC_RELAXED);
		local_bh_enable();
	}
	return NULL;
}

static int irq_slot_alloc(struct bh_irq *d)
{
	for (int i = 0; i < BH_NR_IRQS; i++) {
		if (!irq_table[i]) {
			d->irq = BH_IRQ_BASE + i;
			__atomic_store_n(&irq_table[i], d, __ATOMIC_RELEASE);
			return 0;
		}
	}
	return -ENOSPC;
}

int bh_request_irq(const struct bh_irq_opts *opts)
{
	struct bh_irq *d;
	int err;

	if (!opts || opts->fd < 0 || !opts->handler || !opts->name || opts->cpu < 0 ||
	    opts->cpu >= nr_cpu_ids || opts->prio < 0 || opts->prio > 99)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = opts->fd;
	d->cpu = opts->cpu;
	d->prio = opts->prio ? opts->prio : BH_IRQ_DEFAULT_PRIO;
	snprintf(d->name, sizeof(d->name), "%s", opts->name);
	d->handler = opts->handler;
	d->dev = opts->dev;
	d->enabled = 1;
	d->ctlfd = -1;
	d->threaded = bh_profile_is_rt();
	__bh_profile_freeze();

	pthread_mutex_lock(&irq_table_lock);
	err = irq_slot_alloc(d);
	pthread_mutex_unlock(&irq_table_lock);
	if (err)
		goto err_free;

	if (!d->threaded) {
		int epfd = ksoftirqd_epoll_fd(d->cpu);
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = d };

		if (epfd < 0) {
			err = -EAGAIN;
			goto err_slot;
		}
		d->tid = ksoftirqd_tid(d->cpu);
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, d->fd, &ev)) {
			err = -errno;
			goto err_slot;
		}
		return d->irq;
	}

	char tname[48]; /* the kernel's form irq/N-name; bh_kthread_run() keeps 15 characters */

	d->ctlfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (d->ctlfd < 0) {
		err = -errno;
		goto err_slot;
	}
	snprintf(tname, sizeof(tname), "irq/%d-%s", d->irq, d->name);
	struct bh_kthread_opts o = {
		.sz = sizeof(o), .name = tname, .cpu = d->cpu, .policy = SCHED_FIFO,
		.prio = d->prio, .fn = irq_thread_fn, .arg = d, .tid_out = &d->tid,
	};

	err = bh_kthread_run(&d->thread, &o);
	if (err)
		goto err_ctl;
	return d->irq;

err_ctl:
	close(d->ctlfd);
err_slot:
	pthread_mutex_lock(&irq_table_lock);
	__atomic_store_n(&irq_table[d->irq - BH_IRQ_BASE], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&irq_table_lock);
err_free:
	free(d);
	return err;
}

int request_threaded_irq(int fd, irq_handler_t handler, irq_handler_t thread_fn,
			 unsigned long flags, const char *name, void *dev)
{
	(void)flags;
	if (thread_fn)
		return -EINVAL;
	struct bh_irq_opts o = {
		.sz = sizeof(o), .fd = fd, .cpu = raw_smp_processor_id(), .name = name,
		.handler = handler, .dev = dev,
	};

	return bh_request_irq(&o);
}

static void irq_kick(struct bh_irq *d)
{
	uint64_t one = 1;

	if (d->ctlfd >= 0 && write(d->ctlfd, &one, sizeof(one)) < 0)
		perror("irq: eventfd");
}

void free_irq(int irq)
{
	struct bh_irq *d = irq_get(irq);

	if (!d)
		return;
	if (d->threaded) {
		__atomic_store_n(&d->stop, 1, __ATOMIC_RELEASE);
		irq_kick(d);
		pthread_join(d->thread, NULL);
		close(d->ctlfd);
	} else {
		int epfd = ksoftirqd_epoll_fd(d->cpu);

		if (epfd >= 0)
			epoll_ctl(epfd, EPOLL_CTL_DEL, d->fd, NULL);
	}
	pthread_mutex_lock(&irq_table_lock);
	__atomic_store_n(&irq_table[irq - BH_IRQ_BASE], NULL, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&irq_table_lock);
	/*
	 * Vanilla: cpu/N may have taken an event for d from epoll_wait already and still run its
	 * handler; d is freed once cpu/N has stopped (bhlock_stop()).
	 */
	if (d->threaded) {
		free(d);
		return;
	}
	pthread_mutex_lock(&irq_table_lock);
	d->next_dead = irq_graveyard;
	irq_graveyard = d;
	pthread_mutex_unlock(&irq_table_lock);
}

void irq_graveyard_free(void)
{
	pthread_mutex_lock(&irq_table_lock);
	while (irq_graveyard) {
		struct bh_irq *d = irq_graveyard;

		irq_graveyard = d->next_dead;
		free(d);
	}
	pthread_mutex_unlock(&irq_table_lock);
}

static void irq_set_enabled(struct bh_irq *d, bool on)
{
	__atomic_store_n(&d->enabled, on, __ATOMIC_RELEASE);
	if (d->threaded) {
		irq_kick(d); /* re-poll with or without the fd */
		return;
	}
	int epfd = ksoftirqd_epoll_fd(d->cpu);
	struct epoll_event ev = { .events = on ? EPOLLIN : 0, .data.ptr = d };

	if (epfd >= 0)
		epoll_ctl(epfd, EPOLL_CTL_MOD, d->fd, &ev);
}

void disable_irq_nosync(int irq)
{
	struct bh_irq *d = irq_get(irq);

	if (d)
		irq_set_enabled(d, false);
}

void enable_irq(int irq)
{
	struct bh_irq *d = irq_get(irq);

	if (d)
		irq_set_enabled(d, true);
}

int irq_thread_tid(int irq)
{
	struct bh_irq *d = irq_get(irq);

	return d ? __atomic_load_n(&d->tid, __ATOMIC_ACQUIRE) : 0;
}

unsigned long irq_count(int irq)
{
	struct bh_irq *d = irq_get(irq);

	return d ? __atomic_load_n(&d->count, __ATOMIC_RELAXED) : 0;
}
