// SPDX-License-Identifier: GPL-2.0-only
/* sigsafe_fmt.c - see sigsafe_fmt.h. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sigsafe_fmt.h"

void sigsafe_buf_init(struct sigsafe_buf *b, char *s, size_t size)
{
	b->s = s;
	b->cap = size - sizeof(SIGSAFE_TRUNC_MARK) - 1;
	b->len = 0;
	b->truncated = false;
}

void sigsafe_putc(struct sigsafe_buf *b, char c)
{
	if (b->len < b->cap)
		b->s[b->len++] = c;
	else
		b->truncated = true;
}

void sigsafe_putsn(struct sigsafe_buf *b, const char *s, size_t max)
{
	if (!s)
		s = "(null)";
	for (size_t i = 0; i < max && s[i]; i++)
		sigsafe_putc(b, s[i]);
}

void sigsafe_puts(struct sigsafe_buf *b, const char *s)
{
	sigsafe_putsn(b, s, (size_t)-1);
}

void sigsafe_pad(struct sigsafe_buf *b, char c, int n)
{
	while (n-- > 0)
		sigsafe_putc(b, c);
}

static void sigsafe_put_num(struct sigsafe_buf *b, unsigned long long v, bool neg, unsigned int base,
		       bool upper, int width, int prec, bool left, bool zero, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0, plen = prefix ? (int)strlen(prefix) : 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	int zeros = prec > n ? prec - n : 0;
	int body = n + zeros + plen + (neg ? 1 : 0);

	if (!left && !zero)
		sigsafe_pad(b, ' ', width - body);
	if (neg)
		sigsafe_putc(b, '-');
	if (prefix)
		sigsafe_puts(b, prefix);
	if (!left && zero)
		sigsafe_pad(b, '0', width - body);
	sigsafe_pad(b, '0', zeros);
	while (n)
		sigsafe_putc(b, tmp[--n]);
	if (left)
		sigsafe_pad(b, ' ', width - body);
}

void sigsafe_vprintf(struct sigsafe_buf *b, const char *fmt, va_list ap)
{
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			sigsafe_putc(b, *p);
			continue;
		}
		bool left = false, zero = false, alt = false;
		int width = 0, prec = -1, lng = 0;

		for (p++;; p++) {
			if (*p == '-')
				left = true;
			else if (*p == '0')
				zero = true;
			else if (*p == '#')
				alt = true;
			else if (*p != ' ' && *p != '+')
				break;
		}
		if (*p == '*') {
			width = va_arg(ap, int);
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				width = width * 10 + (*p++ - '0');
		}
		if (*p == '.') {
			prec = 0;
			if (*++p == '*') {
				prec = va_arg(ap, int);
				p++;
			} else {
				while (*p >= '0' && *p <= '9')
					prec = prec * 10 + (*p++ - '0');
			}
		}
		for (;; p++) {
			if (*p == 'l')
				lng++;
			else if (*p == 'z' || *p == 't' || *p == 'j')
				lng = 2;
			else if (*p != 'h')
				break;
		}
		switch (*p) {
		case 'd':
		case 'i': {
			long long v = lng >= 2 ? va_arg(ap, long long) :
				      lng == 1 ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v
						     : (unsigned long long)v;

			sigsafe_put_num(b, u, v < 0, 10, false, width, prec, left, zero, NULL);
			break;
		}
		case 'u':
		case 'x':
		case 'X': {
			unsigned long long v = lng >= 2 ? va_arg(ap, unsigned long long) :
					       lng == 1 ? va_arg(ap, unsigned long) :
							  va_arg(ap, unsigned int);

			sigsafe_put_num(b, v, false, *p == 'u' ? 10 : 16, *p == 'X', width, prec, left,
				   zero, alt && v && *p != 'u' ? (*p == 'X' ? "0X" : "0x") : NULL);
			break;
		}
		case 'p':
			sigsafe_put_num(b, (uintptr_t)va_arg(ap, void *), false, 16, false, width, prec,
				   left, zero, "0x");
			break;
		case 'c':
			sigsafe_putc(b, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			size_t max = prec >= 0 ? (size_t)prec : (size_t)-1;
			size_t n = 0;

			if (!s)
				s = "(null)";
			while (n < max && s[n])
				n++;
			if (!left)
				sigsafe_pad(b, ' ', width - (int)n);
			sigsafe_putsn(b, s, n);
			if (left)
				sigsafe_pad(b, ' ', width - (int)n);
			break;
		}
		case '%':
			sigsafe_putc(b, '%');
			break;
		case '\0':
			return;
		default:
			sigsafe_putc(b, '%');
			sigsafe_putc(b, *p);
			break;
		}
	}
}

__printf(2, 3) void sigsafe_printf(struct sigsafe_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sigsafe_vprintf(b, fmt, ap);
	va_end(ap);
}

void sigsafe_write_all(const char *s, size_t len)
{
	int saved_errno = errno;

	while (len) {
		ssize_t n = write(STDERR_FILENO, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		s += n;
		len -= (size_t)n;
	}
	errno = saved_errno;
}

