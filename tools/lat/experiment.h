/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * experiment.h - a latency experiment as read from YAML (docs/latency.md, "Experiment files").
 *
 * An experiment names the profiles to run, the threads (each an IRQ source force-threaded as
 * irq/N-name in the RT profiles, with its policy, priority and CPU), the loads those threads
 * carry, the per-CPU resources the loads take under local_lock_nested_bh(), the duration and the
 * warm-up. A net_rx load is instead a port whose threaded IRQ handler runs softnetd's real NAPI
 * poll and net_rx_action() on frames injected at a rate (netrx.c). One load is "measured": its
 * latency from the interrupt (timerfd expiry) to the end of its softirq is what the histograms
 * hold.
 *
 * Context: thread context; lat_experiment__load() reports one error, file:line:col and the key.
 */
#ifndef TOOLS_LAT_EXPERIMENT_H
#define TOOLS_LAT_EXPERIMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "bhlock/profile.h"

#define LAT_MAX_THREADS 8
#define LAT_MAX_LOADS 8
#define LAT_MAX_RESOURCES 8
#define LAT_MAX_PROFILES 3
#define LAT_NAME_LEN 32

enum lat_role { LAT_ROLE_NET_RX, LAT_ROLE_BLOCK, LAT_ROLE_OTHER };

struct lat_thread {
	char name[LAT_NAME_LEN];
	enum lat_role role;
	int policy; /* SCHED_FIFO (the only policy of a force-threaded handler) */
	int priority;
	int cpu;
};

enum lat_load_type {
	LAT_LOAD_SOFTIRQ_SECTION, /* a handler re-triggered every period; its softirq runs a section */
	LAT_LOAD_PERIODIC_HANDLER, /* a handler firing from a timerfd; latency measured */
	LAT_LOAD_NET_RX,           /* frames into a port at a rate; its NAPI poll is the section */
};

enum lat_port_type { LAT_PORT_TEST }; /* ports/port_test.c: in-process rx ring, eventfd IRQ */

/* A net_rx load's port and traffic (tools/lat/netrx.c). */
struct lat_netrx_cfg {
	enum lat_port_type port_type;
	char ifname[16];        /* the port's name (SN_IFNAMSIZ); IRQ thread irq/N-<ifname>-rx0 */
	uint64_t rate_pps;
	uint32_t frame_size;    /* bytes on the wire without FCS, 60..1514 */
	uint32_t burst;         /* frames injected back to back (a NIC's coalesced batch) */
	uint64_t per_frame_ns;  /* extra busy work per frame in the rx handler */
};

struct lat_load {
	enum lat_load_type type;
	int thread;        /* index into threads */
	int vector;        /* softirq the handler raises (NET_RX for a net_rx load) */
	uint64_t period_ns; /* timer loads only */
	uint64_t length_ns; /* busy work in the softirq */
	uint64_t hold_ns;   /* of which under the resources' local_lock_nested_bh (0 = all) */
	int resources[LAT_MAX_RESOURCES];
	int nr_resources;
	bool measured;
	struct lat_netrx_cfg rx; /* LAT_LOAD_NET_RX only */
};

struct lat_experiment {
	char file[256];
	char name[LAT_NAME_LEN];
	enum bh_profile profiles[LAT_MAX_PROFILES];
	int nr_profiles;
	uint64_t duration_ns, warmup_ns;
	uint64_t hist_max_ns;
	struct lat_thread threads[LAT_MAX_THREADS];
	int nr_threads;
	struct lat_load loads[LAT_MAX_LOADS];
	int nr_loads;
	char resources[LAT_MAX_RESOURCES][LAT_NAME_LEN];
	int nr_resources;
	/* cyclictest baseline */
	bool cyclictest;
	uint64_t cyclictest_interval_ns;
	int cyclictest_cpu, cyclictest_prio; /* default: the measured thread's */
	int measured; /* index of the measured load */
};

/*
 * lat_experiment__load() - read and check an experiment file.
 * Return: 0, or -EINVAL with errmsg "file:line:col: key 'k': what is wrong" (or -errno for I/O).
 */
int lat_experiment__load(const char *path, struct lat_experiment *x, char *errmsg, size_t errlen);
/* Parse from memory (tests); name is used in messages. */
int lat_experiment__parse(const char *name, const char *text, size_t len, struct lat_experiment *x,
			  char *errmsg, size_t errlen);

#endif
