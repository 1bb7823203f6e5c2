/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config.h - softnetd's YAML configuration, checked against a schema.
 *
 * softnetd_config__load() reads a file, softnetd_config__parse() a buffer; both return a complete,
 * checked configuration or nothing: on error no partial configuration is returned, and errmsg holds
 * one line (no newline) naming the first error found:
 *
 *   FILE:LINE:COL: ports[1].queues: expected integer 1..64, got "x"
 *
 * LINE and COL are 1-based and point at the offending node (the mapping, for a missing key).
 * Sections are checked in a fixed order (profile, cpus, napi, log_level, irq_priority, memory,
 * ports, bridge, routes, neighbours, fdb, router, kernel_xdp), each in file order, so "first" means first
 * in that order.
 *
 * Context: any thread; no global state. The result is owned by the caller.
 */
#ifndef SOFTNETD_CONFIG_H
#define SOFTNETD_CONFIG_H

#include "config_types.h"

/**
 * softnetd_config__load() - read and check a configuration file.
 * @path: the file; errors name it exactly as given.
 * @errmsg: receives the error line on failure.
 * @errlen: size of errmsg.
 *
 * Context: process context, may allocate.
 * Return: the configuration, or NULL with errno set: EINVAL (invalid configuration), ENOMEM,
 * or the errno of open()/read() (ENOENT, EACCES, EISDIR, ...).
 */
struct softnetd_config *softnetd_config__load(const char *path, char *errmsg, size_t errlen);

/**
 * softnetd_config__parse() - check a configuration held in memory.
 * @name: the name errors give as FILE.
 *
 * Return: as softnetd_config__load().
 */
struct softnetd_config *softnetd_config__parse(const char *name, const char *text, size_t len,
					       char *errmsg, size_t errlen);

/* Free a configuration; NULL is a no-op. */
void softnetd_config__free(struct softnetd_config *cfg);

/* One line: "profile vanilla, cpus all, 2 ports (afxdp 2), 0 routes, ...". Return: as snprintf. */
int softnetd_config__summary(const struct softnetd_config *cfg, char *buf, size_t len);

const char *softnetd_port_type_name(enum cfg_port_type t);
const char *softnetd_xsk_mode_name(enum cfg_xsk_mode m);
/* "6.12", "6.19" */
const char *softnetd_skb_cache_gen_name(enum cfg_skb_cache_gen g);
/* "err", "warn", "info", "debug" */
const char *softnetd_log_level_name(enum cfg_log_level l);
/* "auto", "jit", "interp" */
const char *softnetd_xdp_engine_name(enum cfg_xdp_engine e);
/* "native", "skb" */
const char *softnetd_kernel_xdp_mode_name(enum cfg_kernel_xdp_mode m);

#endif /* SOFTNETD_CONFIG_H */
