/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * compiler.h - the small set of kernel compiler idioms bhlock and its users rely on.
 *
 * Contract: header only, no state. Safe from any context, including signal handlers.
 */
#ifndef BHLOCK_COMPILER_H
#define BHLOCK_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define SMP_CACHE_BYTES 64
#define ____cacheline_aligned __attribute__((aligned(SMP_CACHE_BYTES)))
#define __aligned(x) __attribute__((aligned(x)))
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif
#define __noinline __attribute__((noinline))
#define __maybe_unused __attribute__((unused))
#define __cold __attribute__((cold))
#define __printf(a, b) __attribute__((format(printf, a, b)))

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define barrier() __asm__ __volatile__("" ::: "memory")
/*
 * Marked accesses of a word other threads read or write at the same time: relaxed atomics,
 * plain loads and stores on x86, and seen as atomic by ThreadSanitizer (as KCSAN treats them).
 */
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)

#if defined(__x86_64__) || defined(__i386__)
#define cpu_relax() __builtin_ia32_pause()
#else
#define cpu_relax() barrier()
#endif

#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define round_up(x, y) ((((x) - 1) | ((__typeof__(x))((y) - 1))) + 1)

#define __PASTE_(a, b) a##b
#define __PASTE(a, b) __PASTE_(a, b)
#define __UNIQUE_ID(prefix) __PASTE(__PASTE(__UNIQUE_ID_, prefix), __COUNTER__)

#define __stringify_1(x) #x
#define __stringify(x) __stringify_1(x)

/* Where an acquisition happened, for the lock validator's reports. */
#define BH_THIS_SITE __FILE__ ":" __stringify(__LINE__)

/*
 * ThreadSanitizer cannot see synchronisation done by the kernel (PI futex hand-over) or by
 * hand-made locks; these tell it. Empty in other builds.
 */
#if defined(__SANITIZE_THREAD__)
#define BH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BH_TSAN 1
#endif
#endif
#ifdef BH_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define bh_tsan_acquire(p) __tsan_acquire((void *)(p))
#define bh_tsan_release(p) __tsan_release((void *)(p))
#else
#define bh_tsan_acquire(p) ((void)(p))
#define bh_tsan_release(p) ((void)(p))
#endif

/*
 * Seqlock fences around a sequence word. ThreadSanitizer does not model fences (gcc refuses them
 * with -fsanitize=thread); for it a read-modify-write of the sequence word gives the same order.
 */
#ifdef BH_TSAN
#define seq_write_fence(seqp) ((void)__atomic_fetch_add((seqp), 0, __ATOMIC_SEQ_CST))
#define seq_read_fence(seqp) ((void)__atomic_fetch_add((seqp), 0, __ATOMIC_SEQ_CST))
#else
#define seq_write_fence(seqp) __atomic_thread_fence(__ATOMIC_RELEASE)
#define seq_read_fence(seqp) __atomic_thread_fence(__ATOMIC_ACQUIRE)
#endif

#endif /* BHLOCK_COMPILER_H */
