// SPDX-License-Identifier: GPL-2.0-only
/*
 * trace.c - the per-CPU trace ring (see trace.h for the contract).
 *
 * Publication follows a per-slot seqlock: the writer reserves number n with an atomic add on its
 * CPU's head, stores seq = 0, fills the slot, and stores seq = n + 1 with release order. A reader
 * accepts a slot only if seq reads n + 1 before and after copying it, so a slot being rewritten
 * (the ring wrapped, or a writer was interrupted half-way) is skipped rather than torn. Writers
 * never wait for each other or for readers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"
#include "percpu.h"
#include "preempt.h"
#include "softirq.h"

int __bh_trace_on;

struct bh_trace_cpu {
	uint64_t head; /* reservations made on this CPU */
	/* Last PI boost recorded on this CPU, to show the old priority at its restore. */
	int boost_tid, boost_prio;
} ____cacheline_aligned;

DEFINE_PER_CPU(struct bh_trace_cpu, bh_trace_cpu);

/* One array of nr_cpu_ids rings; set once by the first bh_trace_enable(), never freed. */
static struct bh_trace_event *trace_events;
static size_t trace_size; /* events per CPU, a power of two */

uint64_t __bh_trace_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int bh_trace_enable(size_t events_per_cpu)
{
	if (!trace_events) {
		size_t n = 1;

		if (!events_per_cpu)
			events_per_cpu = 16384;
		while (n < events_per_cpu)
			n <<= 1;
		trace_events = calloc((size_t)nr_cpu_ids * n, sizeof(*trace_events));
		if (!trace_events)
			return -ENOMEM;
		trace_size = n;
	}
	__atomic_store_n(&__bh_trace_on, 1, __ATOMIC_RELEASE);
	return 0;
}

void bh_trace_disable(void)
{
	__atomic_store_n(&__bh_trace_on, 0, __ATOMIC_RELEASE);
}

void bh_trace_reset(void)
{
	int cpu;

	if (!trace_events)
		return;
	for_each_possible_cpu(cpu)
		__atomic_store_n(&per_cpu_ptr(&bh_trace_cpu, cpu)->head, 0, __ATOMIC_RELEASE);
	for (size_t i = 0; i < (size_t)nr_cpu_ids * trace_size; i++)
		__atomic_store_n(&trace_events[i].seq, 0, __ATOMIC_RELAXED);
}

/* Names are short; a longer string (a lock's file:line site) keeps its tail, the line. */
static void trace_copy_str(char *dst, const char *src)
{
	size_t len = 0, i;

	if (src)
		while (src[len])
			len++;
	if (len > BH_TRACE_STR_LEN - 1)
		src += len - (BH_TRACE_STR_LEN - 1), len = BH_TRACE_STR_LEN - 1;
	for (i = 0; i < len; i++)
		dst[i] = src[i];
	dst[i] = '\0';
}

static void trace_emit_on(int type, int64_t a0, int64_t a1, const char *str, uint64_t ts)
{
	struct task_struct *t = current;
	int cpu = raw_smp_processor_id();
	struct bh_trace_cpu *tc = per_cpu_ptr(&bh_trace_cpu, cpu);
	struct bh_trace_event *events = __atomic_load_n(&trace_events, __ATOMIC_ACQUIRE);
	uint64_t n;
	struct bh_trace_event *e;

	if (!events)
		return;
	n = __atomic_fetch_add(&tc->head, 1, __ATOMIC_RELAXED);
	e = &events[(size_t)cpu * trace_size + (n & (trace_size - 1))];
	__atomic_store_n(&e->seq, 0, __ATOMIC_RELAXED);
	seq_write_fence(&e->seq);
	e->ts = ts;
	e->tid = t->tid;
	e->cpu = (uint16_t)cpu;
	e->type = (uint8_t)type;
	e->migrate_depth = (uint8_t)(t->migrate_disable > 255 ? 255 : t->migrate_disable);
	e->preempt_count = t->preempt_count;
	memcpy(e->comm, t->comm, sizeof(e->comm));
	e->comm[sizeof(e->comm) - 1] = '\0';
	e->a0 = a0;
	e->a1 = a1;
	trace_copy_str(e->str, str);
	__atomic_store_n(&e->seq, n + 1, __ATOMIC_RELEASE);
}

void __bh_trace_emit(int type, int64_t a0, int64_t a1, const char *str)
{
	trace_emit_on(type, a0, a1, str, __bh_trace_now());
}

/* The task with this tid among bhlock's tasks, or NULL (racy: for the trace only). */
static struct task_struct *trace_task_by_tid(int tid)
{
	for (int slot = 1; slot < BH_MAX_TASKS; slot++) {
		struct task_struct *t = bh_task_by_slot(slot);

		if (t && READ_ONCE(t->tid) == tid)
			return t;
	}
	return NULL;
}

void __bh_trace_lock_block(const void *lock, uint32_t owner_tid, const char *name)
{
	struct task_struct *me = current, *owner;

	(void)lock;
	if ((int)owner_tid == me->tid)
		return;
	__bh_trace_emit(BH_TRACE_LOCK_BLOCK, owner_tid, 0, name);
	/* PI: a real-time waiter above the owner lends it its priority (sched_pi_setprio). */
	owner = trace_task_by_tid((int)owner_tid);
	if (owner && me->prio > READ_ONCE(owner->prio)) {
		struct bh_trace_cpu *tc = per_cpu_ptr(&bh_trace_cpu, raw_smp_processor_id());

		DTRACE_PROBE3(softnetd, pi_setprio, owner_tid, owner->prio, me->prio);
		__bh_trace_emit(BH_TRACE_PI_SETPRIO, owner_tid,
				(int64_t)READ_ONCE(owner->prio) << 8 | me->prio, name);
		WRITE_ONCE(tc->boost_tid, (int)owner_tid);
		WRITE_ONCE(tc->boost_prio, me->prio);
	}
}

void __bh_trace_lock_acquired(uint64_t t0, const char *name)
{
	(void)t0;
	if (!bh_trace_enabled())
		return;
	/* The wait is measured from the lock_block event of this task, found by the reader. */
	__bh_trace_emit(BH_TRACE_LOCK_UNBLOCK, 0, 0, name);
}

void __bh_trace_pi_restore(const char *name)
{
	struct task_struct *me = current;
	struct bh_trace_cpu *tc = per_cpu_ptr(&bh_trace_cpu, raw_smp_processor_id());
	int old = READ_ONCE(tc->boost_prio);

	/*
	 * Only a boost this ring saw: the waiters bit can outlive the waiter (the kernel hands
	 * the lock over with it still set), and then nothing is restored.
	 */
	if (READ_ONCE(tc->boost_tid) != me->tid)
		return;
	WRITE_ONCE(tc->boost_tid, 0);
	DTRACE_PROBE3(softnetd, pi_restore, me->tid, old, me->prio);
	__bh_trace_emit(BH_TRACE_PI_SETPRIO, me->tid, (int64_t)old << 8 | (me->prio & 0xff), name);
}

static int trace_cmp(const void *a, const void *b)
{
	const struct bh_trace_event *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->cpu != y->cpu)
		return x->cpu < y->cpu ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long bh_trace_snapshot(struct bh_trace_event **out)
{
	size_t cap = 0, n = 0;
	struct bh_trace_event *v;
	int cpu;

	*out = NULL;
	if (!trace_events)
		return 0;
	for_each_possible_cpu(cpu) {
		uint64_t head = __atomic_load_n(&per_cpu_ptr(&bh_trace_cpu, cpu)->head, __ATOMIC_ACQUIRE);

		cap += head < trace_size ? head : trace_size;
	}
	v = malloc((cap ? cap : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		uint64_t head = __atomic_load_n(&per_cpu_ptr(&bh_trace_cpu, cpu)->head, __ATOMIC_ACQUIRE);
		uint64_t first = head > trace_size ? head - trace_size : 0;

		for (uint64_t i = first; i < head && n < cap; i++) {
			const struct bh_trace_event *e =
				&trace_events[(size_t)cpu * trace_size + (i & (trace_size - 1))];

			if (__atomic_load_n(&e->seq, __ATOMIC_ACQUIRE) != i + 1)
				continue; /* being written, or already overwritten */
			memcpy(&v[n], e, sizeof(*e));
			seq_read_fence((uint64_t *)&e->seq);
			if (__atomic_load_n(&e->seq, __ATOMIC_RELAXED) != i + 1)
				continue;
			n++;
		}
	}
	qsort(v, n, sizeof(*v), trace_cmp);
	*out = v;
	return (long)n;
}

const char *bh_trace_type_name(int type)
{
	static const char *const names[BH_TRACE_NR_TYPES] = {
		[BH_TRACE_SOFTIRQ_RAISE] = "softirq_raise",
		[BH_TRACE_SOFTIRQ_ENTRY] = "softirq_entry",
		[BH_TRACE_SOFTIRQ_EXIT] = "softirq_exit",
		[BH_TRACE_IRQ_ENTRY] = "irq_handler_entry",
		[BH_TRACE_IRQ_EXIT] = "irq_handler_exit",
		[BH_TRACE_LOCK_BLOCK] = "lock_block",
		[BH_TRACE_LOCK_UNBLOCK] = "lock_unblock",
		[BH_TRACE_PI_SETPRIO] = "sched_pi_setprio",
		[BH_TRACE_NAPI_POLL] = "napi_poll",
		[BH_TRACE_XDP_REDIRECT] = "xdp_redirect",
		[BH_TRACE_XDP_REDIRECT_ERR] = "xdp_redirect_err",
		[BH_TRACE_MARK] = "tracing_mark_write",
	};

	return type > 0 && type < BH_TRACE_NR_TYPES ? names[type] : "unknown";
}

/*
 * ftrace's context columns, as far as they apply to a task here:
 *   1 irqs-off/BH-off: 'd' hardirq (vanilla handler), 'b' BH disabled, 'D' both, 'z' NMI
 *   2 need-resched: not observable from userspace, always '.'
 *   3 hardirq/softirq: 'Z' NMI in hardirq, 'z' NMI, 'H' hardirq in softirq, 'h' hardirq,
 *     's' serving softirq
 *   4 depth: local_bh_disable() nesting (hex), the nearest thing to preempt-depth here
 *   5 migrate-disable depth
 */
static void trace_ctx_columns(const struct bh_trace_event *e, char c[6])
{
	unsigned int pc = e->preempt_count;
	bool hard = pc & HARDIRQ_MASK, nmi = pc & NMI_MASK, serving = pc & SOFTIRQ_OFFSET;
	unsigned int bh = (pc & SOFTIRQ_MASK) / SOFTIRQ_DISABLE_OFFSET;

	c[0] = nmi ? 'z' : hard && bh ? 'D' : hard ? 'd' : bh ? 'b' : '.';
	c[1] = '.';
	c[2] = nmi ? (hard ? 'Z' : 'z') : hard ? (serving ? 'H' : 'h') : serving ? 's' : '.';
	c[3] = bh ? "0123456789abcdef"[bh > 15 ? 15 : bh] : '.';
	c[4] = e->migrate_depth ? "0123456789abcdef"[e->migrate_depth > 15 ? 15 : e->migrate_depth]
				: '.';
	c[5] = '\0';
}

static const char *trace_vec_name(int64_t vec)
{
	return vec >= 0 && vec < NR_SOFTIRQS ? softirq_to_name[vec] : "?";
}

void bh_trace_format(const struct bh_trace_event *e, struct sigsafe_buf *b)
{
	char ctx[6];
	int comm_len = (int)strnlen(e->comm, sizeof(e->comm));

	trace_ctx_columns(e, ctx);
	/* "<comm>-<tid>" right-aligned in 16 + 7 columns, as ftrace prints it. */
	sigsafe_pad(b, ' ', 16 - comm_len > 0 ? 16 - comm_len : 0);
	sigsafe_printf(b, "%s-%-7d [%03u] %s %5llu.%06llu: %s: ", e->comm, e->tid, e->cpu, ctx,
		       (unsigned long long)(e->ts / 1000000000ULL),
		       (unsigned long long)(e->ts % 1000000000ULL / 1000),
		       bh_trace_type_name(e->type));
	switch (e->type) {
	case BH_TRACE_SOFTIRQ_RAISE:
	case BH_TRACE_SOFTIRQ_ENTRY:
	case BH_TRACE_SOFTIRQ_EXIT:
		sigsafe_printf(b, "vec=%d [action=%s]", (int)e->a0, trace_vec_name(e->a0));
		break;
	case BH_TRACE_IRQ_ENTRY:
		sigsafe_printf(b, "irq=%d name=%s", (int)e->a0, e->str);
		break;
	case BH_TRACE_IRQ_EXIT:
		sigsafe_printf(b, "irq=%d ret=%s", (int)e->a0, e->a1 ? "handled" : "unhandled");
		break;
	case BH_TRACE_LOCK_BLOCK:
		sigsafe_printf(b, "lock=%s owner=%d", e->str, (int)e->a0);
		break;
	case BH_TRACE_LOCK_UNBLOCK:
		sigsafe_printf(b, "lock=%s", e->str);
		break;
	case BH_TRACE_PI_SETPRIO:
		/* Real-time priorities (1..99, higher wins), not the kernel's inverted numbers. */
		sigsafe_printf(b, "pid=%d rtprio=%d->%d lock=%s", (int)e->a0, (int)(e->a1 >> 8),
			       (int)(int8_t)(e->a1 & 0xff), e->str);
		break;
	case BH_TRACE_NAPI_POLL:
		sigsafe_printf(b, "napi=%s work=%d budget=%d", e->str, (int)e->a0, (int)e->a1);
		break;
	case BH_TRACE_XDP_REDIRECT:
		sigsafe_printf(b, "ifindex=%d to_ifindex=%d", (int)e->a0, (int)e->a1);
		break;
	case BH_TRACE_XDP_REDIRECT_ERR:
		sigsafe_printf(b, "ifindex=%d err=%d", (int)e->a0, (int)e->a1);
		break;
	default:
		sigsafe_printf(b, "%s a0=%ld a1=%ld", e->str, (long)e->a0, (long)e->a1);
		break;
	}
	sigsafe_putc(b, '\n');
}

long bh_trace_dump(int fd)
{
	struct bh_trace_event *v;
	long n = bh_trace_snapshot(&v);
	char line[256];

	if (n < 0)
		return n;
	for (long i = 0; i < n; i++) {
		struct sigsafe_buf b;
		const char *p = line;

		sigsafe_buf_init(&b, line, sizeof(line));
		bh_trace_format(&v[i], &b);
		for (size_t left = b.len; left;) {
			ssize_t w = write(fd, p, left);

			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0) {
				free(v);
				return -errno;
			}
			p += w;
			left -= (size_t)w;
		}
	}
	free(v);
	return n;
}
