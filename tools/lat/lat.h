/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * lat.h - what the parts of softnet-lat share: running one profile of an experiment (in this
 * process or a forked child, since the profile is chosen once per process), the trace analysis,
 * the cyclictest baseline and the reports.
 *
 * Context: thread context of the tool's main thread.
 */
#ifndef TOOLS_LAT_LAT_H
#define TOOLS_LAT_LAT_H

#include <stdio.h>

#include "experiment.h"
#include "hist.h"
#include "bhlock/trace.h"

/* What the trace of one run shows (the talk's two traces). */
struct lat_trace_stats {
	long events;
	/* The measured vector's softirq_entry and softirq_exit, by another task, on the CPU and
	 * between the section vector's softirq_entry and softirq_exit (the talk's second trace). */
	long nested_runs;
	long lock_blocks;    /* lock_block events */
	long pi_boosts;      /* sched_pi_setprio events that raise a priority */
	char excerpt[3072];  /* the first nested run, or the first lock_block, in ftrace text */
};

/* A net_rx load's counts (netrx.c): every frame offered is accounted for. */
#define LAT_NETRX_MAX_REASONS 40
struct lat_netrx_stats {
	uint64_t offered, injected, ring_full; /* pacer: offered = injected + ring_full */
	uint64_t rx_packets, rx_ring_drops;    /* port: injected = rx_packets + rx_ring_drops */
	uint64_t consumed, rx_drops;           /* ... = consumed + rx_drops */
	uint64_t rx_drop_reason[LAT_NETRX_MAX_REASONS]; /* rx_drops by enum sn_drop_reason */
	uint64_t polls, irqs, repolls;         /* the port's NAPI */
	uint64_t rx_actions, time_squeeze;     /* net_rx_action() on the CPU */
	uint64_t deferred, ksoftirqd_runs;     /* softirq work handed to ksoftirqd on the CPU */
	int heads_check;                       /* sn_skb_cache_check() once stopped: 0 = all back */
};

struct lat_result {
	enum bh_profile profile;
	struct lat_hist *hist; /* the measured handler: interrupt -> end of its softirq */
	unsigned long samples, warmup_samples, missed_ticks;
	unsigned long sections; /* softirq sections run by the other loads */
	bool has_netrx;
	struct lat_netrx_stats netrx; /* the net_rx load's, if any */
	struct lat_trace_stats trace;
};

struct lat_run_opts {
	bool trace;             /* record the trace ring and analyse it */
	const char *trace_path; /* also write the whole trace there (ftrace text) */
	bool verbose;
};

/* Run one profile in this process (bh_profile_set() must still be possible). Return: 0/-errno. */
int lat_run_profile(const struct lat_experiment *x, enum bh_profile p,
		    const struct lat_run_opts *o, struct lat_result *r);
/* The same in a forked child; the result comes back through a pipe. Return: 0/-errno. */
int lat_run_profile_forked(const struct lat_experiment *x, enum bh_profile p,
			   const struct lat_run_opts *o, struct lat_result *r);
void lat_result__fini(struct lat_result *r);

/* Busy work of @ns thread CPU time (a section is preempted, not stretched). */
void lat_busy_cpu_ns(uint64_t ns);

/*
 * The net_rx load (netrx.c), in this order: init (after bh_profile_set(), before
 * bhlock_start(): the datapath core and the port on @cpu), open (after bhlock_start(): the
 * port's IRQ at @prio), start (the pacer from @t0 to @t_end), stop (join, drain, stop the port,
 * fill @s), fini (after bhlock_stop()). Return: 0 or -errno.
 */
int lat_netrx_init(const struct lat_load *l, int cpu);
int lat_netrx_open(int prio);
int lat_netrx_start(uint64_t t0, uint64_t t_end, int net_cpu);
void lat_netrx_stop(struct lat_netrx_stats *s);
void lat_netrx_fini(void);

/* Analyse a merged trace (bh_trace_snapshot()) for the section and measured vectors. */
void lat_trace_analyse(const struct bh_trace_event *v, long n, int section_vec, int measured_vec,
		       struct lat_trace_stats *s);

/* cyclictest on cpu at prio for duration_ns; fills h (µs bins as ns). Return: 0 or -errno. */
int lat_cyclictest_run(int cpu, int prio, uint64_t interval_ns, uint64_t duration_ns,
		       struct lat_hist *h, char *cmdline, size_t cmdlen);

/* Reports */
void lat_report_text(FILE *f, const struct lat_experiment *x, const struct lat_result *r, int n,
		     const struct lat_hist *cyclic, const char *cyclic_cmd);
int lat_report_json(const char *path, const struct lat_experiment *x, const struct lat_result *r,
		    int n, const struct lat_hist *cyclic, const char *cyclic_cmd);
int lat_report_plot(const char *prefix, const struct lat_experiment *x, const struct lat_result *r,
		    int n, const struct lat_hist *cyclic);

#endif
