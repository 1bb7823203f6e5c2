/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * percpu.h - per-CPU variables, the way the kernel lays them out.
 *
 * A static per-CPU variable is defined once in the "bh_percpu" section (the template). At start-up
 * bhlock maps one unit per possible CPU, copies the template into each and records the distance
 * __bh_per_cpu_offset[cpu] between the template and the unit. A per-CPU pointer is therefore an
 * address in the template; per_cpu_ptr() adds the CPU's offset. Dynamic per-CPU memory
 * (alloc_percpu()) is carved from the same units, so one pointer form serves both.
 *
 * Every variable starts on its own cache line, so the copies of two CPUs never share one.
 *
 * Contract:
 * - this_cpu_ptr() may be used only by a task that cannot migrate (pinned by bh_task_pin() or inside
 *   migrate_disable()); debug builds report any other use. per_cpu_ptr(p, cpu) may be used anywhere.
 * - alloc_percpu()/free_percpu() are for thread context only (they take a mutex and may mmap).
 * - Per-CPU variables must not be const (one section, one type).
 */
#ifndef BHLOCK_PERCPU_H
#define BHLOCK_PERCPU_H

#include "compiler.h"
#include "task.h"

#define BH_NR_CPUS_MAX 64

extern int nr_cpu_ids;
extern uintptr_t __bh_per_cpu_offset[BH_NR_CPUS_MAX];

#define DECLARE_PER_CPU(type, name) extern __typeof__(type) name
#define DEFINE_PER_CPU(type, name)                                                                 \
	__attribute__((section("bh_percpu"), aligned(SMP_CACHE_BYTES))) __typeof__(type) name

#define per_cpu_ptr(ptr, cpu) ((__typeof__(ptr))((uintptr_t)(ptr) + __bh_per_cpu_offset[(cpu)]))
#define per_cpu(var, cpu) (*per_cpu_ptr(&(var), (cpu)))
#define raw_cpu_ptr(ptr) per_cpu_ptr(ptr, raw_smp_processor_id())
#define this_cpu_ptr(ptr) per_cpu_ptr(ptr, __bh_this_cpu(BH_THIS_SITE))
#define this_cpu_read(var) (*this_cpu_ptr(&(var)))
#define this_cpu_write(var, v) (*this_cpu_ptr(&(var)) = (v))
#define this_cpu_inc(var) ((*this_cpu_ptr(&(var)))++)
#define this_cpu_add(var, v) ((*this_cpu_ptr(&(var))) += (v))

#define for_each_possible_cpu(cpu) for ((cpu) = 0; (cpu) < nr_cpu_ids; (cpu)++)
#define for_each_online_cpu(cpu) for_each_possible_cpu(cpu)

int raw_smp_processor_id(void);
/* The CPU of a task that cannot migrate; debug builds report callers that can. */
int smp_processor_id_site(const char *site);
#define smp_processor_id() smp_processor_id_site(BH_THIS_SITE)

static __always_inline int __bh_this_cpu(const char *site)
{
	struct task_struct *t = current;

	/* t->cpu is set only while the task cannot migrate. */
	if (likely(t->cpu >= 0))
		return t->cpu;
	return smp_processor_id_site(site);
}

/**
 * __alloc_percpu() - allocate zeroed per-CPU memory, one copy per possible CPU.
 * Context: thread context only.
 * Return: a per-CPU pointer for per_cpu_ptr()/this_cpu_ptr(), or NULL with errno ENOMEM/EINVAL.
 */
void *__alloc_percpu(size_t size, size_t align);
#define alloc_percpu(type) ((__typeof__(type) *)__alloc_percpu(sizeof(type), _Alignof(type)))
void free_percpu(void *ptr);

/* Bytes of dynamic per-CPU memory in use (per CPU), for leak checks in tests. */
size_t bh_percpu_dyn_used(void);

#endif /* BHLOCK_PERCPU_H */
