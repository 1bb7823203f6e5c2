/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * stress_validate.h - the shared validator of the lock stress programs (the concurrencykit
 * regressions pattern: one validator, one adapter per lock flavour, pinned threads).
 *
 * A critical section run under the lock being tested:
 *   - claims `owner` with an atomic exchange: it must find 0 (nobody else inside), else it counts
 *     a violation;
 *   - does a read-modify-write of plain, non-atomic counters spread over two cache lines, so that
 *     a broken lock loses increments (the total check) and ThreadSanitizer sees a data race;
 *   - gives `owner` back and checks nobody replaced it meanwhile.
 * After the run, sv_check() compares the counters with the number of critical sections the
 * threads report, which must match exactly.
 *
 * Context: any, including signal handlers (only atomics and plain memory).
 */
#ifndef TESTS_STRESS_VALIDATE_H
#define TESTS_STRESS_VALIDATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bhlock/lockdep.h"

#define SV_CACHE_LINE 64

struct sv_state {
	/* Updated with atomics: who is inside, and what went wrong. */
	unsigned int owner __attribute__((aligned(SV_CACHE_LINE)));
	unsigned long violations;
	/* Protected only by the lock under test: plain accesses on purpose. */
	unsigned long count __attribute__((aligned(SV_CACHE_LINE)));
	unsigned long sum;
	unsigned long shadow __attribute__((aligned(SV_CACHE_LINE)));
};

static inline void sv_init(struct sv_state *s)
{
	*s = (struct sv_state){ 0 };
}

/* The critical section; @id identifies the caller (any nonzero value, e.g. thread index + 1). */
static inline void sv_critical(struct sv_state *s, unsigned int id)
{
	unsigned long c;

	if (__atomic_exchange_n(&s->owner, id, __ATOMIC_RELAXED) != 0)
		__atomic_add_fetch(&s->violations, 1, __ATOMIC_RELAXED);
	c = s->count;
	__asm__ __volatile__("" ::: "memory"); /* keep the window open: read, then write later */
	s->sum += id;
	s->shadow = c + 1;
	s->count = c + 1;
	if (__atomic_exchange_n(&s->owner, 0, __ATOMIC_RELAXED) != id)
		__atomic_add_fetch(&s->violations, 1, __ATOMIC_RELAXED);
}

/*
 * After all threads are joined: @expected critical sections with ids summing to @id_sum.
 * Return: true if all is consistent; prints what is not.
 */
static inline bool sv_check(const struct sv_state *s, const char *what, unsigned long expected,
			    unsigned long id_sum)
{
	bool ok = true;

	if (s->violations) {
		fprintf(stderr, "%s: %lu exclusion violations\n", what, s->violations);
		ok = false;
	}
	if (s->count != expected || s->shadow != expected) {
		fprintf(stderr, "%s: count %lu (shadow %lu), expected %lu\n", what, s->count,
			s->shadow, expected);
		ok = false;
	}
	if (s->sum != id_sum) {
		fprintf(stderr, "%s: id sum %lu, expected %lu\n", what, s->sum, id_sum);
		ok = false;
	}
	if (s->owner) {
		fprintf(stderr, "%s: owner %u left inside\n", what, s->owner);
		ok = false;
	}
	return ok;
}

/* Run length of a time-bounded stress program: $STRESS_MS, else def_ms. */
static inline unsigned int stress_duration_ms(unsigned int def_ms)
{
	const char *env = getenv("STRESS_MS");

	return env && atoi(env) > 0 ? (unsigned int)atoi(env) : def_ms;
}

/* False (and says so) if the lock validator reported anything during the run. */
static inline bool stress_validator_clean(void)
{
#ifdef BHLOCK_DEBUG
	if (lockdep_report_total()) {
		fprintf(stderr, "%lu lock validator reports\n", lockdep_report_total());
		return false;
	}
#endif
	return true;
}

#endif /* TESTS_STRESS_VALIDATE_H */
