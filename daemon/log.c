// SPDX-License-Identifier: GPL-2.0-only
/* log.c - leveled log lines to stderr or the journal (log.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

static const char *const sn_log_names[] = {"err", "warn", "info", "debug"};
static const int sn_log_prio[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};

/* Read by every logging thread, written by the main thread (SIGHUP may change the level). */
static int sn_log_level_cur = SN_LOG_INFO;
static bool sn_log_journal;

int sn_log_level_parse(const char *s, enum sn_log_level *out)
{
	for (int i = 0; i <= SN_LOG_DEBUG; i++) {
		if (s && !strcmp(s, sn_log_names[i])) {
			*out = (enum sn_log_level)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *sn_log_level_name(enum sn_log_level l)
{
	return (unsigned int)l <= SN_LOG_DEBUG ? sn_log_names[l] : "?";
}

void sn_log_init(enum sn_log_level level, bool journal)
{
	sn_log_set_level(level);
	sn_log_journal = journal;
}

void sn_log_set_level(enum sn_log_level level)
{
	__atomic_store_n(&sn_log_level_cur, (int)level, __ATOMIC_RELAXED);
}

enum sn_log_level sn_log_get_level(void)
{
	return (enum sn_log_level)__atomic_load_n(&sn_log_level_cur, __ATOMIC_RELAXED);
}

bool sn_log_to_journal(void)
{
	return sn_log_journal;
}

void sn_vlog(enum sn_log_level level, const char *fmt, va_list ap)
{
	char line[2048];
	int saved = errno;
	size_t o;
	int n;

	if ((int)level > __atomic_load_n(&sn_log_level_cur, __ATOMIC_RELAXED))
		return;
	if ((unsigned int)level > SN_LOG_DEBUG)
		level = SN_LOG_DEBUG;
	n = snprintf(line, sizeof(line), "softnetd: %s: ", sn_log_names[level]);
	o = n > 0 ? (size_t)n : 0;
	n = vsnprintf(line + o, sizeof(line) - o, fmt, ap);
	/* No journald to talk to (a container, early boot): stderr rather than nothing. */
	if (sn_log_journal && sd_journal_print(sn_log_prio[level], "%s", line + o) >= 0) {
		errno = saved;
		return;
	}
	o = n < 0 ? o : o + (size_t)n;
	if (o > sizeof(line) - 2)
		o = sizeof(line) - 2;
	line[o++] = '\n';
	for (size_t w = 0; w < o;) {
		ssize_t r = write(STDERR_FILENO, line + w, o - w);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		w += (size_t)r;
	}
	errno = saved;
}

void sn_log(enum sn_log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sn_vlog(level, fmt, ap);
	va_end(ap);
}
