// SPDX-License-Identifier: GPL-2.0-only
/*
 * alloc_check.c - the allocation checker of debug builds.
 *
 * Debug builds link bhlock and everything built on it with --wrap=malloc,calloc,realloc,free
 * (bhlock/meson.build), so every call our objects make to the allocator lands here first; libc's
 * own internal calls and other libraries are not affected. Under an RT profile an allocator call
 * in BH (BH disabled or serving softirq), hardirq or NMI context is reported as ALLOC_IN_BH,
 * once per caller until lockdep_reset(), and then done anyway: the check observes, it does not
 * change behaviour. The datapath's per-packet BH path must not allocate (STYLE.md: hot path), and
 * in the NMI-like context malloc is not even async-signal-safe (use the nolock pool).
 *
 * Cost when nothing is due: one load of the profile (vanilla stops there), one thread-local load
 * of the task's context counts. The task is read without being created: a thread bhlock never
 * saw cannot be in BH context.
 *
 * Recursion: the report path does not allocate (lockdep's formatter, dladdr, write(2)); a hook or
 * anything else running inside the validator (current->lockdep.off) is not checked.
 *
 * Context: any, like the allocator it wraps.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

#include "lockdep.h"
#include "preempt.h"
#include "profile.h"
#include "task.h"

#ifdef BHLOCK_DEBUG
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

static __always_inline bool alloc_check_due(void)
{
	if (likely(!bh_profile_is_rt()))
		return false;
	return unlikely(READ_ONCE(__bh_current_task.preempt_count) &
			(SOFTIRQ_MASK | HARDIRQ_MASK | NMI_MASK));
}

static const char *alloc_check_context(unsigned int pc)
{
	if (pc & NMI_MASK)
		return "NMI (signal handler)";
	if (pc & HARDIRQ_MASK)
		return "hardirq";
	if (pc & SOFTIRQ_OFFSET)
		return "serving-softirq";
	return "BH-disabled";
}

enum alloc_fn { AC_MALLOC, AC_CALLOC, AC_REALLOC, AC_FREE };

/* Tail of every report: context, profile, caller. */
#define AC_TAIL_FMT                                                                                \
	" called in %s context under the %s profile\n"                                           \
	"  return address %p, call at %s+%#lx in %s\n"                                              \
	"  (without a symbol the offset is from the start of the object, for addr2line -e)\n"     \
	"the allocator may sleep on a lock in RT; BH, hardirq and NMI code must use "              \
	"preallocated or nolock memory\n"
#define AC_TAIL_ARGS ctx, prof, caller, sym ? sym : "<object>", (unsigned long)off, obj

static __cold __noinline void alloc_check_report(enum alloc_fn fn, uintptr_t a, uintptr_t b,
						 const void *caller)
{
	struct task_struct *t = current;
	const char *sym = NULL, *obj = program_invocation_name;
	const char *ctx = alloc_check_context(READ_ONCE(t->preempt_count));
	const char *prof = bh_profile_name(bh_profile());
	uintptr_t off = 0;
	Dl_info info;

	if (t->lockdep.off || !__lockdep_report_once(LOCKDEP_ALLOC_IN_BH, caller))
		return;
	/* dladdr takes the loader's recursive lock and does not allocate. */
	if (dladdr(caller, &info)) {
		if (info.dli_fname && info.dli_fname[0])
			obj = info.dli_fname;
		if (info.dli_sname && info.dli_saddr) {
			sym = info.dli_sname;
			off = (uintptr_t)caller - 1 - (uintptr_t)info.dli_saddr;
		} else {
			off = (uintptr_t)caller - 1 - (uintptr_t)info.dli_fbase;
		}
	}
	switch (fn) {
	case AC_MALLOC:
		lockdep_report(LOCKDEP_ALLOC_IN_BH, "malloc(%lu)" AC_TAIL_FMT, (unsigned long)a,
			       AC_TAIL_ARGS);
		break;
	case AC_CALLOC:
		lockdep_report(LOCKDEP_ALLOC_IN_BH, "calloc(%lu, %lu)" AC_TAIL_FMT,
			       (unsigned long)a, (unsigned long)b, AC_TAIL_ARGS);
		break;
	case AC_REALLOC:
		lockdep_report(LOCKDEP_ALLOC_IN_BH, "realloc(%p, %lu)" AC_TAIL_FMT, (void *)a,
			       (unsigned long)b, AC_TAIL_ARGS);
		break;
	case AC_FREE:
		lockdep_report(LOCKDEP_ALLOC_IN_BH, "free(%p)" AC_TAIL_FMT, (void *)a, AC_TAIL_ARGS);
		break;
	}
}

void *__wrap_malloc(size_t n)
{
	if (unlikely(alloc_check_due()))
		alloc_check_report(AC_MALLOC, n, 0, __builtin_return_address(0));
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	if (unlikely(alloc_check_due()))
		alloc_check_report(AC_CALLOC, n, m, __builtin_return_address(0));
	return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (unlikely(alloc_check_due()))
		alloc_check_report(AC_REALLOC, (uintptr_t)p, n, __builtin_return_address(0));
	return __real_realloc(p, n);
}

void __wrap_free(void *p)
{
	/* free(NULL) does nothing, so it is allowed anywhere. */
	if (unlikely(p && alloc_check_due()))
		alloc_check_report(AC_FREE, (uintptr_t)p, 0, __builtin_return_address(0));
	__real_free(p);
}
#endif /* BHLOCK_DEBUG */
