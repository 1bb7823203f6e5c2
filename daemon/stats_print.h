/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stats_print.h - softnetctl's human output: rates between two `stats` replies in xdp-bench's
 * layout, and tables for the other replies.
 *
 * Terse: one line per interval, the columns xdp-bench users read:
 *   Summary                 2,370,437 rx/s      2,370,400 redir/s             37 err,drop/s      2,370,400 xmit/s
 * redir/s counts frames forwarded to another port (bridge or router), err,drop/s every drop,
 * rx/s and xmit/s what the ports (not the vlan/loop devices stacked on them) received and sent.
 * Extended (-e) adds, in xdp-bench's extended style, the per-CPU receive/redirect/xmit lines, the
 * drops by reason, per-port, per-port XDP (verdicts, redirect errors by errno, devmap/cpumap
 * bulk queues), per-queue (NAPI) and per-CPU softnet/softirq lines.
 *
 * Context: a single thread.
 */
#ifndef DAEMON_STATS_PRINT_H
#define DAEMON_STATS_PRINT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* Rates between @prev and @cur (two `stats` replies); @extended adds the detail lines. */
void stats_print_interval(FILE *f, const json_t *prev, const json_t *cur, bool extended);

/* Tables for the other replies. */
void stats_print_ports(FILE *f, const json_t *reply);
void stats_print_napi(FILE *f, const json_t *reply);
/* routes, fdb, neigh: one line per entry (its "text"), under @key. */
void stats_print_entries(FILE *f, const json_t *reply, const char *key, const char *empty);
void stats_print_routes(FILE *f, const json_t *reply);
void stats_print_profile(FILE *f, const json_t *reply);
void stats_print_maps(FILE *f, const json_t *reply);
/* softnetctl xdp, softnetctl maps (the list). */
void stats_print_xdp(FILE *f, const json_t *reply);
void stats_print_maps_list(FILE *f, const json_t *reply);

/* 1234567.0 -> "1,234,567" (rounded). */
const char *stats_fmt_num(double v, char *buf, size_t len);

#endif /* DAEMON_STATS_PRINT_H */
