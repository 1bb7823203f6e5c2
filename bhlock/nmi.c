// SPDX-License-Identifier: GPL-2.0-only
/* nmi.c - signal handlers run as the NMI-like context. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "nmi.h"
#include "preempt.h"

struct bh_nmi_slot {
	bh_nmi_fn fn;
	void *arg;
};

static struct bh_nmi_slot bh_nmi_slots[_NSIG];

void nmi_enter(void)
{
	struct task_struct *t = current;

	__atomic_add_fetch(&t->preempt_count, NMI_OFFSET + HARDIRQ_OFFSET, __ATOMIC_RELAXED);
	barrier();
}

void nmi_exit(void)
{
	struct task_struct *t = current;

	barrier();
	__atomic_sub_fetch(&t->preempt_count, NMI_OFFSET + HARDIRQ_OFFSET, __ATOMIC_RELAXED);
}

static void bh_nmi_handler(int sig)
{
	int saved_errno = errno;
	struct bh_nmi_slot *s = &bh_nmi_slots[sig];
	bh_nmi_fn fn = __atomic_load_n(&s->fn, __ATOMIC_ACQUIRE);

	nmi_enter();
	if (fn)
		fn(sig, s->arg);
	nmi_exit();
	errno = saved_errno;
}

int bh_nmi_register(int sig, bh_nmi_fn fn, void *arg)
{
	struct sigaction sa;

	if (sig <= 0 || sig >= _NSIG || !fn)
		return -EINVAL;
	bh_nmi_slots[sig].arg = arg;
	__atomic_store_n(&bh_nmi_slots[sig].fn, fn, __ATOMIC_RELEASE);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bh_nmi_handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	if (sigaction(sig, &sa, NULL))
		return -errno;
	return 0;
}

int bh_nmi_unregister(int sig)
{
	if (sig <= 0 || sig >= _NSIG)
		return -EINVAL;
	signal(sig, SIG_IGN);
	__atomic_store_n(&bh_nmi_slots[sig].fn, NULL, __ATOMIC_RELEASE);
	return 0;
}

int bh_nmi_raise(pthread_t thread, int sig)
{
	return -pthread_kill(thread, sig);
}
