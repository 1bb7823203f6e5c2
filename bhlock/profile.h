/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * profile.h - the locking profile, chosen once at start-up (same binary, no rebuild):
 *
 *   vanilla    one thread per CPU does all BH work, run to completion; local_bh_disable() counts;
 *              local_lock_nested_bh() is an assertion only (free in release builds).
 *   rt-bhlock  PREEMPT_RT with the per-CPU BH lock (CONFIG_PREEMPT_RT_NEEDS_BH_LOCK=y, 6.12):
 *              a task's outermost local_bh_disable() takes this CPU's PI lock;
 *              local_lock_nested_bh() is an assertion only (the BH lock covers it).
 *   rt-nested  PREEMPT_RT after the BH-lock replacement (6.18 default): local_bh_disable() pins
 *              and counts, no lock; local_lock_nested_bh() takes a real per-CPU PI lock.
 *
 * Context: bh_profile_set() before any BH section or bhlock thread exists; reads from anywhere.
 */
#ifndef BHLOCK_PROFILE_H
#define BHLOCK_PROFILE_H

#include "compiler.h"

enum bh_profile {
	BH_PROFILE_VANILLA,
	BH_PROFILE_RT_BHLOCK,
	BH_PROFILE_RT_NESTED,
};

extern enum bh_profile __bh_profile;

static __always_inline enum bh_profile bh_profile(void)
{
	return __bh_profile;
}
static __always_inline bool bh_profile_is_rt(void)
{
	return __bh_profile != BH_PROFILE_VANILLA;
}

/* Return: 0, or -EBUSY once a BH section or bhlock thread has run, -EINVAL for a bad value. */
int bh_profile_set(enum bh_profile p);
/* "vanilla", "rt-bhlock", "rt-nested" -> profile; Return: 0 or -EINVAL. */
int bh_profile_parse(const char *name, enum bh_profile *out);
const char *bh_profile_name(enum bh_profile p);
/* Internal: marks the profile as in use (first BH section, first thread). */
void __bh_profile_freeze(void);

#endif /* BHLOCK_PROFILE_H */
