/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * sigsafe_fmt.h - a printf that never allocates and never takes a lock, into a caller's buffer,
 * and a write(2) loop: for text produced inside signal handlers (the NMI-like context), the lock
 * validator's reports and trace output. Supports %s %c %d %i %u %x %lu %ld %llu %p %zu %% with
 * width, precision (also *), '-' and '0' flags; output that does not fit ends with a truncation mark.
 *
 * Context: any, including signal handlers.
 */
#ifndef BHLOCK_SIGSAFE_FMT_H
#define BHLOCK_SIGSAFE_FMT_H

#include <stdarg.h>
#include "compiler.h"

struct sigsafe_buf {
	char *s;
	size_t cap; /* usable bytes, the tail of the array is kept for the truncation mark */
	size_t len;
	bool truncated;
};

#define SIGSAFE_TRUNC_MARK "\n[... report truncated]\n"

void sigsafe_buf_init(struct sigsafe_buf *b, char *s, size_t size);
void sigsafe_putc(struct sigsafe_buf *b, char c);
void sigsafe_putsn(struct sigsafe_buf *b, const char *s, size_t max);
void sigsafe_puts(struct sigsafe_buf *b, const char *s);
void sigsafe_pad(struct sigsafe_buf *b, char c, int n);
void sigsafe_vprintf(struct sigsafe_buf *b, const char *fmt, va_list ap);
__printf(2, 3) void sigsafe_printf(struct sigsafe_buf *b, const char *fmt, ...);
/* Write all of s to stderr, retrying on EINTR; errno is preserved. */
void sigsafe_write_all(const char *s, size_t len);

#endif /* BHLOCK_SIGSAFE_FMT_H */
