/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * napi.h - NAPI on softnetd's softirqs (KERNEL.md §3).
 *
 * One struct sn_napi per rx queue. napi_schedule() runs the SCHED/MISSED state machine and puts
 * the instance on this CPU's poll list (softnet_data) and raises NET_RX_SOFTIRQ, or wakes its
 * thread napi/<port>-<id> when threaded. net_rx_action() (the NET_RX softirq action) polls each
 * listed instance with its weight (64) out of a budget (netdev_budget, 300) within a time limit
 * (netdev_budget_usecs, 2000 µs); running out of either counts time_squeeze and leaves the rest
 * for the next round (softirq restart or ksoftirqd). After each poll the per-CPU tx flush list is
 * flushed (xmit.h) and then, once attached, the XDP flush runs. Every poll (softirq, thread, busy
 * poll) runs with the polling task's frame head stash (frame.h) and, around the poll callback,
 * its tx bulk (xmit.h): the napi_alloc_cache lock and each tx queue lock are taken per bulk.
 *
 * Interrupt mode: sn_napi_set_irq() attaches an fd (AF_XDP socket, DPDK rx-interrupt fd) through
 * bh_request_irq(); its handler masks the IRQ and schedules the NAPI; napi_complete_done()
 * unmasks it. Pure polling mode (SN_DEV_F_POLL_MODE, or no fd): napi_complete_done() keeps the
 * instance scheduled, so it is polled on every NET_RX round (ksoftirqd takes the load), until
 * napi_disable().
 *
 * Busy poll: sn_napi_busy_loop() claims the instance (SCHED|IN_BUSY_POLL) and polls it from the
 * calling task with BUSY_POLL_BUDGET (8) per pass.
 *
 * Context: napi_schedule*() from any task/BH/IRQ-handler context; poll and complete from the
 * poll; add/del/enable/disable/set_* from thread context.
 */
#ifndef NET_NAPI_H
#define NET_NAPI_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "net/list.h"

enum {
	NAPI_STATE_SCHED,          /* poll is scheduled (owned by one CPU/thread) */
	NAPI_STATE_MISSED,         /* reschedule was attempted while scheduled */
	NAPI_STATE_DISABLE,        /* disable pending */
	NAPI_STATE_THREADED,       /* polled by its own thread */
	NAPI_STATE_SCHED_THREADED, /* its thread has been woken to poll */
	NAPI_STATE_IN_BUSY_POLL,   /* a task busy-polls it */
	NAPI_STATE_PREFER_BUSY_POLL,
	NAPI_STATE_LISTED,         /* softnetd: added and not deleted */
};
#define NAPIF(s) (1UL << NAPI_STATE_##s)

#define NAPI_POLL_WEIGHT 64
#define BUSY_POLL_BUDGET 8

struct sn_napi;
struct sn_netdev;
typedef int (*sn_napi_poll_fn)(struct sn_napi *napi, int budget);

struct sn_napi_stats {
	uint64_t polls;      /* poll callbacks */
	uint64_t packets;    /* work reported by them */
	uint64_t completes;  /* napi_complete_done() that re-armed */
	uint64_t repolls;    /* work == weight: kept on the list */
	uint64_t missed;     /* MISSED found set at completion: rescheduled */
	uint64_t irqs;       /* interrupts taken */
	uint64_t busy_polls; /* busy-poll passes */
};

struct sn_napi {
	unsigned long state;       /* NAPIF_* bits, updated with atomics */
	struct list_head poll_list; /* on softnet_data.poll_list or the local/repoll list */
	int weight;
	int list_owner;            /* CPU whose poll list holds it, or -1 */
	int cpu;                   /* home CPU: where its IRQ and thread run */
	int irq;                   /* bhlock IRQ number, or -1 (polling) */
	int irq_fd;
	int irq_prio;
	unsigned int napi_id;      /* unique, > 64 (MIN_NAPI_ID) */
	sn_napi_poll_fn poll;
	struct sn_netdev *dev;
	unsigned int qid;          /* rx queue index */
	/* Threaded NAPI */
	pthread_t thread;
	int thread_tid;
	int thread_wake_fd;        /* eventfd the thread sleeps on */
	volatile bool thread_stop;
	char name[32];             /* "<port>-<qid>"; thread "napi/<port>-<napi_id>" */
	/*
	 * Written by whoever polls it, also just after a poll that gave SCHED up, when the next
	 * owner may already write them: relaxed atomics.
	 */
	struct sn_napi_stats stats;
	/*
	 * Threads inside a poll of this instance. A poll that completes still reads the instance
	 * afterwards; napi_disable() waits for this to drop to 0 once it owns SCHED, so a device can
	 * be freed after its stop (the kernel waits for an RCU grace period, synchronize_net()).
	 */
	int pollers;
	void *xdp;                 /* issue 5: the attached program's state for this queue */
};

/* Tunables (net.core sysctls); set before sn_net_init() or via sn_net_set_sysctl(). */
extern int netdev_budget;       /* 300 */
extern int netdev_budget_usecs; /* 2000 */
extern int dev_weight;          /* 64 */

/**
 * sn_netif_napi_add() - initialise @napi for rx queue @qid of @dev with @poll and @weight (0:
 * dev_weight; > 64 logs once, as the kernel), home CPU @cpu. Disabled (SCHED set) until
 * napi_enable(). Context: thread.
 */
void sn_netif_napi_add(struct sn_netdev *dev, struct sn_napi *napi, unsigned int qid,
		       sn_napi_poll_fn poll, int weight, int cpu);
/* Stop and free the thread/IRQ; the NAPI must be disabled. Context: thread. */
void sn_netif_napi_del(struct sn_napi *napi);
void napi_enable(struct sn_napi *napi);
/* Set DISABLE, wait until no poll runs (SCHED acquired by us), free of the list. Context: thread. */
void napi_disable(struct sn_napi *napi);

/*
 * Interrupt mode: request an IRQ on @fd (readable = work) on napi->cpu at SCHED_FIFO @prio (0:
 * default 50) named "<port>-rx<qid>". Return: 0 or -errno.
 */
int sn_napi_set_irq(struct sn_napi *napi, int fd, int prio);
/* Threaded mode on/off: thread napi/<port>-<napi_id>, pinned to napi->cpu. Return 0/-errno. */
int sn_napi_set_threaded(struct sn_napi *napi, bool threaded, int policy, int prio);

bool napi_schedule_prep(struct sn_napi *n);
void __napi_schedule(struct sn_napi *n);
static inline bool napi_schedule(struct sn_napi *n)
{
	if (napi_schedule_prep(n)) {
		__napi_schedule(n);
		return true;
	}
	return false;
}
/* Return: false when the NAPI stays scheduled (MISSED, polling mode, busy poll), true when done. */
bool napi_complete_done(struct sn_napi *n, int work_done);

/*
 * Busy poll: poll @n from the calling task for up to @usecs (or until a pass finds nothing and
 * @stop_on_idle). Return: packets polled, or -EBUSY if it could not claim the NAPI.
 */
int sn_napi_busy_loop(struct sn_napi *n, unsigned int usecs, bool stop_on_idle);

/* Per-CPU softnet state (the subset of struct softnet_data softnetd needs). */
struct sn_softnet_stats {
	uint64_t processed;    /* packets polled on this CPU */
	uint64_t time_squeeze; /* rounds that ran out of budget or time */
	uint64_t rx_actions;   /* net_rx_action() runs */
	uint64_t repoll;       /* instances re-listed after a full-weight poll */
};
void sn_softnet_stats_read(int cpu, struct sn_softnet_stats *out);

/*
 * Hook run after every poll of a NAPI on this CPU (xdp_do_flush() comes here with issue 5);
 * NULL for none. Set before traffic.
 */
extern void (*sn_napi_post_poll_hook)(struct sn_napi *n);

#endif /* NET_NAPI_H */
