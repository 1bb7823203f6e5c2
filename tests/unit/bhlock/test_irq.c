// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_irq.c - fd interrupts: RT runs each in its own SCHED_FIFO thread irq/N-name with the
 * raised softirqs at the handler's end, in that thread; vanilla runs the handler in hardirq
 * context on cpu/N and the softirqs at irq_exit(), in the same thread.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

struct irq_seen {
	int handler_tid, handler_cpu, softirq_tid;
	bool handler_hardirq, handler_in_bh, softirq_serving;
	int handled, softirqs;
	int fd;
};
static struct irq_seen seen;

static irqreturn_t efd_handler(int irq, void *dev)
{
	struct irq_seen *s = dev;
	uint64_t v;

	(void)irq;
	if (read(s->fd, &v, sizeof(v)) != sizeof(v)) /* ack the "device" */
		return IRQ_NONE;
	s->handler_tid = current->tid;
	s->handler_cpu = sched_getcpu();
	s->handler_hardirq = in_hardirq();
	s->handler_in_bh = in_softirq();
	raise_softirq(NET_RX_SOFTIRQ);
	__atomic_add_fetch(&s->handled, 1, __ATOMIC_RELEASE);
	return IRQ_HANDLED;
}

static void net_rx(void)
{
	seen.softirq_tid = current->tid;
	seen.softirq_serving = in_serving_softirq();
	__atomic_add_fetch(&seen.softirqs, 1, __ATOMIC_RELEASE);
}

static bool wait_for(int *var, int value)
{
	for (int i = 0; i < 2000; i++) {
		if (__atomic_load_n(var, __ATOMIC_ACQUIRE) >= value)
			return true;
		usleep(1000);
	}
	return false;
}

static void kick(int fd)
{
	uint64_t one = 1;

	assert_int_equal(write(fd, &one, sizeof(one)), sizeof(one));
}

static int setup(void **state)
{
	(void)state;
	memset(&seen, 0, sizeof(seen));
	seen.fd = eventfd(0, EFD_NONBLOCK);
	open_softirq(NET_RX_SOFTIRQ, net_rx);
	return bhlock_start();
}

static int teardown(void **state)
{
	(void)state;
	bhlock_stop();
	close(seen.fd);
	return 0;
}

static void read_comm(int tid, char *buf, size_t len)
{
	char path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/task/%d/comm", tid);
	fd = open(path, O_RDONLY);
	n = fd >= 0 ? read(fd, buf, len - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n - 1 : 0] = '\0';
}

static void test_handler_and_its_softirq_context(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	struct bh_irq_opts o = { .sz = sizeof(o), .fd = seen.fd, .cpu = 1 % nr_cpu_ids,
				 .name = "eth-test", .handler = efd_handler, .dev = &seen };
	int irq = bh_request_irq(&o);
	char comm[32], want[32];

	assert_true(irq >= BH_IRQ_BASE);
	kick(seen.fd);
	assert_true(wait_for(&seen.softirqs, 1));
	assert_int_equal(seen.handled, 1);
	assert_int_equal(seen.handler_cpu, 1 % nr_cpu_ids);
	/* The softirq ran at the end of the handler, in the same thread. */
	assert_int_equal(seen.softirq_tid, seen.handler_tid);
	assert_true(seen.softirq_serving);
	assert_int_equal(irq_thread_tid(irq), seen.handler_tid);
	read_comm(seen.handler_tid, comm, sizeof(comm));
	if (tu_profile == BH_PROFILE_VANILLA) {
		assert_true(seen.handler_hardirq);
		assert_false(seen.handler_in_bh);
		snprintf(want, sizeof(want), "cpu/%d", 1 % nr_cpu_ids);
		assert_string_equal(comm, want);
	} else {
		assert_false(seen.handler_hardirq);
		assert_true(seen.handler_in_bh); /* inside local_bh_disable() */
		snprintf(want, sizeof(want), "irq/%d-eth-test", irq);
		want[15] = '\0';
		assert_string_equal(comm, want);
		struct sched_param sp;

		assert_int_equal(sched_getscheduler(seen.handler_tid), SCHED_FIFO);
		assert_int_equal(sched_getparam(seen.handler_tid, &sp), 0);
		assert_int_equal(sp.sched_priority, BH_IRQ_DEFAULT_PRIO);
	}
	free_irq(irq);
}

static void test_priority_is_configurable(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	if (tu_profile == BH_PROFILE_VANILLA)
		skip(); /* the handler runs on cpu/N, no thread of its own */
	struct bh_irq_opts o = { .sz = sizeof(o), .fd = seen.fd, .cpu = 0, .prio = 73,
				 .name = "prio", .handler = efd_handler, .dev = &seen };
	int irq = bh_request_irq(&o);
	struct sched_param sp;

	assert_true(irq >= BH_IRQ_BASE);
	assert_int_equal(sched_getparam(irq_thread_tid(irq), &sp), 0);
	assert_int_equal(sp.sched_priority, 73);
	free_irq(irq);
	o.prio = 100;
	assert_int_equal(bh_request_irq(&o), -EINVAL);
}

static void test_disable_enable(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	struct bh_irq_opts o = { .sz = sizeof(o), .fd = seen.fd, .cpu = 0, .name = "dis",
				 .handler = efd_handler, .dev = &seen };
	int irq = bh_request_irq(&o);

	assert_true(irq >= BH_IRQ_BASE);
	disable_irq_nosync(irq);
	usleep(5000);
	kick(seen.fd);
	usleep(30000);
	assert_int_equal(__atomic_load_n(&seen.handled, __ATOMIC_ACQUIRE), 0);
	enable_irq(irq);
	assert_true(wait_for(&seen.handled, 1));
	assert_int_equal(irq_count(irq), 1);
	free_irq(irq);
}

static int tfd_ticks;
static irqreturn_t tfd_handler(int irq, void *dev)
{
	uint64_t v;

	(void)irq;
	if (read(*(int *)dev, &v, sizeof(v)) == sizeof(v))
		__atomic_add_fetch(&tfd_ticks, (int)v, __ATOMIC_RELEASE);
	return IRQ_HANDLED;
}

static void test_timerfd_source(void **state)
{
	(void)state;
	TU_SKIP_UNLESS_RT();
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	struct itimerspec its = { .it_interval = { 0, 2000000 }, .it_value = { 0, 2000000 } };
	struct bh_irq_opts o = { .sz = sizeof(o), .fd = tfd, .cpu = 0, .name = "timer",
				 .handler = tfd_handler, .dev = &tfd };
	int irq;

	tfd_ticks = 0;
	irq = bh_request_irq(&o);
	assert_true(irq >= BH_IRQ_BASE);
	assert_int_equal(timerfd_settime(tfd, 0, &its, NULL), 0);
	assert_true(wait_for(&tfd_ticks, 5));
	free_irq(irq);
	close(tfd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handler_and_its_softirq_context, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_priority_is_configurable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disable_enable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timerfd_source, setup, teardown),
	};

	return tu_run_per_profile("irq", tests);
}
