/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * static_key.h - the rt-nested profile test as a patched branch (the jump-label technique).
 *
 * bh_rt_nested_branch() compiles to a 5-byte NOP that falls through to the "no" path; each site
 * is listed in the section "bh_jump_rt_nested". When the profile is set to rt-nested, bhlock
 * rewrites every listed NOP into a jump to the "yes" path (and back if the profile changes before
 * it is frozen). So in vanilla and rt-bhlock release builds a nested-BH lock costs no load and no
 * conditional branch. Other architectures read the profile instead.
 *
 * Context: the result is only valid after bh_profile_set(); patching happens there, before any
 * BH section runs.
 */
#ifndef BHLOCK_STATIC_KEY_H
#define BHLOCK_STATIC_KEY_H

#include "compiler.h"
#include "profile.h"

#if defined(__x86_64__) && !defined(BH_NO_STATIC_KEYS)
#define BH_HAVE_STATIC_KEYS 1
static __always_inline bool bh_rt_nested_branch(void)
{
	__asm__ goto("1: .byte 0x0f, 0x1f, 0x44, 0x00, 0x00\n\t" /* nopl 0(%%rax,%%rax,1) */
		     ".pushsection bh_jump_rt_nested, \"aw\"\n\t"
		     ".balign 8\n\t"
		     ".quad 1b, %l[yes]\n\t"
		     ".popsection\n\t"
		     : : : : yes);
	return false;
yes:
	return true;
}
#else
static __always_inline bool bh_rt_nested_branch(void)
{
	return bh_profile() == BH_PROFILE_RT_NESTED;
}
#endif

/* Point every site at its "yes" path (on) or back at the NOP (off). Return: 0 or -errno. */
int bh_static_keys_set_rt_nested(bool on);

#endif /* BHLOCK_STATIC_KEY_H */
