/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * trace.h - a per-CPU trace ring with the kernel's softirq/irq/lock events, dumped in ftrace's
 * text layout, and USDT probes (provider "softnetd") at the same points.
 *
 * Each CPU has a ring of fixed-size events. A writer reserves a slot with one atomic add on its
 * CPU's head and publishes it with a per-slot sequence word (a one-slot seqlock), so any number of
 * writers of one CPU may interleave: tasks preempting each other (rt-nested), a signal handler
 * interrupting a writer half-way, a task that migrated between reading its CPU and reserving.
 * Old events are overwritten; a reader skips slots that are being rewritten.
 *
 * Off by default. When off, every bh_trace_*() hook is one predicted-not-taken branch on a global
 * word plus its USDT probe (a NOP until a tracer attaches, e.g.
 * `bpftrace -e 'usdt:./softnet-lat:softnetd:softirq_entry { @[arg0] = count(); }'`).
 *
 * Context: bh_trace_enable()/disable()/reset()/snapshot()/dump() from thread context, not
 * concurrently with each other; the hooks from any context, including signal handlers (they
 * neither allocate nor lock).
 */
#ifndef BHLOCK_TRACE_H
#define BHLOCK_TRACE_H

#include <stdint.h>
#include <sys/sdt.h>

#include "compiler.h"
#include "sigsafe_fmt.h"

enum bh_trace_type {
	BH_TRACE_SOFTIRQ_RAISE = 1, /* a0 = vec */
	BH_TRACE_SOFTIRQ_ENTRY,     /* a0 = vec */
	BH_TRACE_SOFTIRQ_EXIT,      /* a0 = vec */
	BH_TRACE_IRQ_ENTRY,         /* a0 = irq, str = name */
	BH_TRACE_IRQ_EXIT,          /* a0 = irq, a1 = irqreturn */
	BH_TRACE_LOCK_BLOCK,        /* a0 = owner tid, str = lock */
	BH_TRACE_LOCK_UNBLOCK,      /* a0 = ns waited, str = lock */
	BH_TRACE_PI_SETPRIO,        /* a0 = tid, a1 = old << 8 | new (real-time priorities) */
	BH_TRACE_NAPI_POLL,         /* reserved: a0 = work, a1 = budget, str = napi */
	BH_TRACE_XDP_REDIRECT,      /* reserved: a0 = ifindex, a1 = to_ifindex */
	BH_TRACE_XDP_REDIRECT_ERR,  /* reserved: a0 = ifindex, a1 = err */
	BH_TRACE_MARK,              /* a0, a1, str: free use (tracing_mark_write) */
	BH_TRACE_NR_TYPES
};

#define BH_TRACE_STR_LEN 24

struct bh_trace_event {
	uint64_t seq; /* reservation number + 1 once published, 0 while being written */
	uint64_t ts;  /* CLOCK_MONOTONIC ns */
	int32_t tid;
	uint16_t cpu;
	uint8_t type;
	uint8_t migrate_depth;
	uint32_t preempt_count; /* the writer's context counts (preempt.h) */
	char comm[16];
	int64_t a0, a1;
	char str[BH_TRACE_STR_LEN];
};

extern int __bh_trace_on;

static __always_inline bool bh_trace_enabled(void)
{
	return unlikely(__atomic_load_n(&__bh_trace_on, __ATOMIC_RELAXED));
}

/**
 * bh_trace_enable() - allocate the rings (first call) and start recording.
 * @events_per_cpu: ring size, rounded up to a power of two; 0 = 16384.
 * Context: thread context. Return: 0, or -ENOMEM.
 */
int bh_trace_enable(size_t events_per_cpu);
void bh_trace_disable(void);
/* Forget all events (recording off or quiescent). */
void bh_trace_reset(void);
/*
 * Copy the published events of all CPUs into *out (malloc'ed), sorted by time (ties by CPU,
 * then reservation order). Return: the number of events, or -ENOMEM.
 */
long bh_trace_snapshot(struct bh_trace_event **out);
/* One event as an ftrace text line (with '\n'). */
void bh_trace_format(const struct bh_trace_event *e, struct sigsafe_buf *b);
/* Write the merged trace to fd, one line per event. Return: events written, or -errno. */
long bh_trace_dump(int fd);
const char *bh_trace_type_name(int type);

/* Slow path of every hook: fill and publish one event on this CPU's ring. */
void __bh_trace_emit(int type, int64_t a0, int64_t a1, const char *str);
/* Lock hooks: look up the owner's priority to record the PI boost. */
void __bh_trace_lock_block(const void *lock, uint32_t owner_tid, const char *name);

/* ---- hooks, at the kernel's tracepoints ---- */

static __always_inline void bh_trace_softirq_raise(unsigned int vec)
{
	DTRACE_PROBE1(softnetd, softirq_raise, vec);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_SOFTIRQ_RAISE, vec, 0, NULL);
}

static __always_inline void bh_trace_softirq_entry(unsigned int vec)
{
	DTRACE_PROBE1(softnetd, softirq_entry, vec);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_SOFTIRQ_ENTRY, vec, 0, NULL);
}

static __always_inline void bh_trace_softirq_exit(unsigned int vec)
{
	DTRACE_PROBE1(softnetd, softirq_exit, vec);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_SOFTIRQ_EXIT, vec, 0, NULL);
}

static __always_inline void bh_trace_irq_handler_entry(int irq, const char *name)
{
	DTRACE_PROBE2(softnetd, irq_handler_entry, irq, name);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_IRQ_ENTRY, irq, 0, name);
}

static __always_inline void bh_trace_irq_handler_exit(int irq, int ret)
{
	DTRACE_PROBE2(softnetd, irq_handler_exit, irq, ret);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_IRQ_EXIT, irq, ret, NULL);
}

/*
 * Before taking a PI lock: if it is owned by another task, record lock_block (and the owner's
 * PI boost when the waiter's priority is higher) and return nonzero; the caller passes the value
 * to bh_trace_lock_acquired() once it has the lock. Racy by nature (the owner may release between
 * the look and the lock): a trace, not a decision. Return: 0 when not traced or not contended.
 */
static __always_inline uint64_t bh_trace_lock_contended(const uint32_t *futex_word, const char *name)
{
	uint32_t owner = __atomic_load_n(futex_word, __ATOMIC_RELAXED) & 0x3fffffffU;

	if (owner) {
		DTRACE_PROBE2(softnetd, lock_block, owner, name);
	}
	if (bh_trace_enabled() && owner) {
		__bh_trace_lock_block(futex_word, owner, name);
		return 1;
	}
	return 0;
}
/* A lock's name for the trace: its validator class name in debug builds, else the call site. */
#ifdef BHLOCK_DEBUG
#define bh_trace_lock_name(m, site) ((m)->dep_map.name ? (m)->dep_map.name : (site))
#else
#define bh_trace_lock_name(m, site) (site)
#endif
uint64_t __bh_trace_now(void);
void __bh_trace_lock_acquired(uint64_t t0, const char *name);
/* Called with the value of bh_trace_lock_contended(): records lock_unblock. */
static __always_inline void bh_trace_lock_acquired(uint64_t t0, const char *name)
{
	if (unlikely(t0)) {
		DTRACE_PROBE1(softnetd, lock_unblock, name);
		__bh_trace_lock_acquired(t0, name);
	}
}
/* Before unlocking a PI lock that has queued waiters: the owner's priority is restored. */
void __bh_trace_pi_restore(const char *name);
static __always_inline void bh_trace_lock_release(const uint32_t *futex_word, const char *name)
{
	if (bh_trace_enabled() && (__atomic_load_n(futex_word, __ATOMIC_RELAXED) & 0x80000000U))
		__bh_trace_pi_restore(name);
}

static __always_inline void bh_trace_napi_poll(const char *napi, int work, int budget)
{
	DTRACE_PROBE3(softnetd, napi_poll, napi, work, budget);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_NAPI_POLL, work, budget, napi);
}

static __always_inline void bh_trace_xdp_redirect(int ifindex, int to_ifindex, int err)
{
	if (err) {
		DTRACE_PROBE3(softnetd, xdp_redirect_err, ifindex, to_ifindex, err);
	} else {
		DTRACE_PROBE2(softnetd, xdp_redirect, ifindex, to_ifindex);
	}
	if (bh_trace_enabled())
		__bh_trace_emit(err ? BH_TRACE_XDP_REDIRECT_ERR : BH_TRACE_XDP_REDIRECT, ifindex,
				err ? err : to_ifindex, NULL);
}

static __always_inline void bh_trace_mark(const char *what, int64_t a0, int64_t a1)
{
	DTRACE_PROBE3(softnetd, mark, what, a0, a1);
	if (bh_trace_enabled())
		__bh_trace_emit(BH_TRACE_MARK, a0, a1, what);
}

#endif /* BHLOCK_TRACE_H */
