/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * fuzz_check.h - CHECK(cond, fmt, ...) for the fuzz targets: a property every input must keep.
 * When it does not hold, the target's name, the place, the condition and the message go to
 * stderr and abort() ends the run, so that libFuzzer reports the crash and keeps the input.
 * Define FUZZ_TARGET (the target's name, e.g. "fuzz_config") before including this file.
 */
#ifndef TESTS_FUZZ_FUZZ_CHECK_H
#define TESTS_FUZZ_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#ifndef FUZZ_TARGET
#error "define FUZZ_TARGET before including fuzz_check.h"
#endif

#define CHECK(cond, ...)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, FUZZ_TARGET ": %s:%d: check failed: %s: ", __FILE__,      \
				__LINE__, #cond);                                                  \
			fprintf(stderr, __VA_ARGS__);                                              \
			fputc('\n', stderr);                                                       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

#endif /* TESTS_FUZZ_FUZZ_CHECK_H */
