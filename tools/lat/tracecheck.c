// SPDX-License-Identifier: GPL-2.0-only
/*
 * tracecheck.c - read a merged trace the way one reads the talk's traces: per CPU, follow the
 * section vector's softirq_entry .. softirq_exit of one task, and count the measured vector's
 * softirq_entry and softirq_exit by another task inside it (the handler was not held up by the
 * section: the BH-lock-free shape). Lock blocks and PI boosts are counted as well; the first
 * nested run (or else the first lock_block) is kept as an ftrace-text excerpt.
 */
#include <string.h>

#include "lat.h"

#define MAX_CPUS 64

static void excerpt_add(struct lat_trace_stats *s, const struct bh_trace_event *v, long from,
			long to)
{
	struct sigsafe_buf b;

	sigsafe_buf_init(&b, s->excerpt, sizeof(s->excerpt));
	for (long i = from; i <= to; i++)
		bh_trace_format(&v[i], &b);
	s->excerpt[b.len < sizeof(s->excerpt) ? b.len : sizeof(s->excerpt) - 1] = '\0';
}

void lat_trace_analyse(const struct bh_trace_event *v, long n, int section_vec, int measured_vec,
		       struct lat_trace_stats *s)
{
	struct {
		long open;   /* index of the section's softirq_entry, -1 if none */
		int tid;
		long inner;  /* index of the measured softirq_entry inside it, -1 if none */
		int inner_tid;
		long first_inner_done; /* the inner exit seen inside this section, -1 if none */
	} cpu[MAX_CPUS];
	bool have_nested_excerpt = false;

	memset(s, 0, sizeof(*s));
	s->events = n;
	for (int c = 0; c < MAX_CPUS; c++)
		cpu[c].open = cpu[c].inner = cpu[c].first_inner_done = -1;
	for (long i = 0; i < n; i++) {
		const struct bh_trace_event *e = &v[i];
		int c = e->cpu < MAX_CPUS ? e->cpu : MAX_CPUS - 1;

		switch (e->type) {
		case BH_TRACE_LOCK_BLOCK:
			s->lock_blocks++;
			if (!s->excerpt[0] && !have_nested_excerpt)
				excerpt_add(s, v, i > 3 ? i - 3 : 0, i + 6 < n ? i + 6 : n - 1);
			break;
		case BH_TRACE_PI_SETPRIO:
			if ((e->a1 >> 8) < (int8_t)(e->a1 & 0xff))
				s->pi_boosts++;
			break;
		case BH_TRACE_SOFTIRQ_ENTRY:
			if (e->a0 == section_vec) {
				cpu[c].open = i, cpu[c].tid = e->tid;
				cpu[c].inner = cpu[c].first_inner_done = -1;
			} else if (e->a0 == measured_vec && cpu[c].open >= 0 &&
				   e->tid != cpu[c].tid) {
				cpu[c].inner = i, cpu[c].inner_tid = e->tid;
			}
			break;
		case BH_TRACE_SOFTIRQ_EXIT:
			if (e->a0 == measured_vec && cpu[c].inner >= 0 &&
			    e->tid == cpu[c].inner_tid) {
				s->nested_runs++;
				cpu[c].first_inner_done = i;
				cpu[c].inner = -1;
			} else if (e->a0 == section_vec && cpu[c].open >= 0 && e->tid == cpu[c].tid) {
				if (cpu[c].first_inner_done >= 0 && !have_nested_excerpt &&
				    i - cpu[c].open < 40) {
					excerpt_add(s, v, cpu[c].open > 0 ? cpu[c].open - 1 : 0, i);
					have_nested_excerpt = true;
				}
				cpu[c].open = cpu[c].inner = cpu[c].first_inner_done = -1;
			}
			break;
		default:
			break;
		}
	}
}
