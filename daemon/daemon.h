/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * daemon.h - softnetd's process: start-up, the signal loop, reload and drain, shared by the
 * daemon's files.
 *
 * Threads: the main thread runs the start sequence and then a signalfd/timerfd epoll loop
 * (SIGHUP reload, SIGTERM/SIGINT drain, FDB ageing every second); the control server has its own
 * thread (ctl_server.h); bhlock owns the datapath threads. Every signal the loop handles is
 * blocked in all threads before the first thread is created.
 *
 * Table edits (routes from the control socket, the whole table set on SIGHUP) are serialised by
 * softnetd.ctl_lock; reads of counters take no lock.
 */
#ifndef DAEMON_DAEMON_H
#define DAEMON_DAEMON_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "bhlock/profile.h"
#include "log.h"

#define SOFTNETD_CONFIG_DEFAULT "/etc/softnetd/softnetd.yaml"

struct softnetd_config;

struct softnetd_opts {
	const char *config_path;
	const char *runtime_dir;
	bool profile_set; /* --profile overrides the file's profile: */
	enum bh_profile profile;
	bool log_level_set; /* --log-level overrides the file's log_level: (also on reload) */
	enum sn_log_level log_level;
	bool journal;
	int xdp_engine; /* --xdp-engine: -1, or enum cfg_xdp_engine for every port's program */
};

struct softnetd {
	struct softnetd_opts opts;
	/* The configuration the ports and the stack were built from; kept until exit. */
	struct softnetd_config *boot_cfg;
	/* The configuration in force: boot_cfg, or the last one SIGHUP loaded. Main thread only. */
	struct softnetd_config *cfg;
	enum bh_profile profile; /* in force (never changes after start) */
	/* Serialises edits of the stack's tables: control socket routes vs SIGHUP reload. */
	pthread_mutex_t ctl_lock;
	uint64_t start_ns;         /* CLOCK_MONOTONIC at start */
	char sock_path[PATH_MAX];  /* the control socket, once created */
	unsigned long reloads, reload_failures;
};

/* The one daemon of this process (for the control server's handlers). */
extern struct softnetd softnetd;

/* Run the daemon in the foreground. Return: the process exit code (0 clean, 1 failed, 2 config). */
int softnetd_run(const struct softnetd_opts *opts);

/*
 * SIGHUP: re-read opts.config_path. A configuration with errors is logged (FILE:LINE:COL: ...)
 * and the running one kept; otherwise routes, neighbours, static FDB entries and addresses are
 * replaced live (sn_stack_reload) and what cannot change live is named in the log.
 * Context: main thread. Return: 0 or -errno (the running configuration is kept).
 */
int softnetd_reload(struct softnetd *d);

uint64_t softnetd_now_ns(void);

#endif /* DAEMON_DAEMON_H */
