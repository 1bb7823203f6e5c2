/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * log.h - softnetd's log: levels err < warn < info < debug, to stderr (one line each, prefixed
 * "softnetd: LEVEL: ") or to the systemd journal (sd_journal_print, priority by level; a line
 * the journal does not take goes to stderr).
 *
 * Never from the datapath: the hot path counts, it does not log (STYLE.md). Any thread may log;
 * a line is written with one write(2), so lines of two threads never mix.
 *
 * Context: thread context.
 */
#ifndef DAEMON_LOG_H
#define DAEMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>

enum sn_log_level {
	SN_LOG_ERR,
	SN_LOG_WARN,
	SN_LOG_INFO,
	SN_LOG_DEBUG,
};

/* "err", "warn", "info", "debug" -> level. Return: 0 or -EINVAL. */
int sn_log_level_parse(const char *s, enum sn_log_level *out);
const char *sn_log_level_name(enum sn_log_level l);

/* Where and how much. Context: before other threads log, or at any time for the level. */
void sn_log_init(enum sn_log_level level, bool journal);
void sn_log_set_level(enum sn_log_level level);
enum sn_log_level sn_log_get_level(void);
bool sn_log_to_journal(void);

__attribute__((format(printf, 2, 3))) void sn_log(enum sn_log_level level, const char *fmt, ...);
void sn_vlog(enum sn_log_level level, const char *fmt, va_list ap);

#define sn_err(...) sn_log(SN_LOG_ERR, __VA_ARGS__)
#define sn_warn(...) sn_log(SN_LOG_WARN, __VA_ARGS__)
#define sn_info(...) sn_log(SN_LOG_INFO, __VA_ARGS__)
#define sn_dbg(...) sn_log(SN_LOG_DEBUG, __VA_ARGS__)

#endif /* DAEMON_LOG_H */
