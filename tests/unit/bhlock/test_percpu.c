// SPDX-License-Identifier: GPL-2.0-only
/* test_percpu.c - per-CPU units: static template copies, dynamic areas, this_cpu_ptr(). */
#include <sched.h>
#include <string.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"

DEFINE_PER_CPU(int, pcpu_int) = 42;
DEFINE_PER_CPU(struct { char name[10]; long v; }, pcpu_struct) = { .name = "template", .v = 7 };

static void test_static_copies_start_from_the_template(void **state)
{
	(void)state;
	int cpu;

	for_each_possible_cpu(cpu) {
		assert_int_equal(per_cpu(pcpu_int, cpu), 42);
		assert_string_equal(per_cpu_ptr(&pcpu_struct, cpu)->name, "template");
		assert_int_equal(per_cpu_ptr(&pcpu_struct, cpu)->v, 7);
	}
}

static void test_copies_are_separate_cache_lines(void **state)
{
	(void)state;
	int cpu;

	for_each_possible_cpu(cpu) {
		uintptr_t a = (uintptr_t)per_cpu_ptr(&pcpu_int, cpu);

		assert_int_equal(a % SMP_CACHE_BYTES, 0);
		for (int other = 0; other < cpu; other++) {
			uintptr_t b = (uintptr_t)per_cpu_ptr(&pcpu_int, other);

			assert_true(a > b ? a - b >= SMP_CACHE_BYTES : b - a >= SMP_CACHE_BYTES);
		}
	}
	/* Two variables of one CPU do not share a line either. */
	uintptr_t x = (uintptr_t)per_cpu_ptr(&pcpu_int, 0);
	uintptr_t y = (uintptr_t)per_cpu_ptr(&pcpu_struct, 0);

	assert_true(x > y ? x - y >= SMP_CACHE_BYTES : y - x >= SMP_CACHE_BYTES);
}

static void test_writes_stay_on_their_cpu(void **state)
{
	(void)state;
	if (nr_cpu_ids < 2)
		skip();
	per_cpu(pcpu_int, 0) = 1;
	per_cpu(pcpu_int, 1) = 2;
	assert_int_equal(per_cpu(pcpu_int, 0), 1);
	assert_int_equal(per_cpu(pcpu_int, 1), 2);
	assert_int_equal(bh_task_pin(1), 0);
	assert_int_equal(this_cpu_read(pcpu_int), 2);
	assert_int_equal(sched_getcpu(), 1);
	assert_int_equal(bh_task_pin(0), 0);
	assert_int_equal(this_cpu_read(pcpu_int), 1);
	this_cpu_inc(pcpu_int);
	assert_int_equal(per_cpu(pcpu_int, 0), 2);
}

static void test_dynamic_alloc_zeroed_distinct_and_freed(void **state)
{
	(void)state;
	size_t base = bh_percpu_dyn_used();
	long *a = alloc_percpu(long);
	struct { char buf[200]; } *b = alloc_percpu(__typeof__(*b));
	int cpu;

	assert_non_null(a);
	assert_non_null(b);
	for_each_possible_cpu(cpu) {
		assert_int_equal(*per_cpu_ptr(a, cpu), 0);
		*per_cpu_ptr(a, cpu) = cpu + 100;
		memset(per_cpu_ptr(b, cpu)->buf, 0xab, sizeof(b->buf));
	}
	for_each_possible_cpu(cpu)
		assert_int_equal(*per_cpu_ptr(a, cpu), cpu + 100);
	assert_true(bh_percpu_dyn_used() >= base + sizeof(long) + 200);
	free_percpu(a);
	free_percpu(b);
	assert_int_equal(bh_percpu_dyn_used(), base);
	/* A new allocation is zeroed again, wherever it lands. */
	long *c = alloc_percpu(long);

	for_each_possible_cpu(cpu)
		assert_int_equal(*per_cpu_ptr(c, cpu), 0);
	free_percpu(c);
	assert_null(__alloc_percpu(0, 8));
	assert_null(__alloc_percpu(8, 3));
}

static void test_many_allocations_coalesce(void **state)
{
	(void)state;
	size_t base = bh_percpu_dyn_used();
	void *p[256];

	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 256; i++) {
			p[i] = __alloc_percpu((size_t)(8 + (i % 7) * 24), 64);
			assert_non_null(p[i]);
			assert_int_equal((uintptr_t)per_cpu_ptr(p[i], 0) % 64, 0);
		}
		for (int i = 0; i < 256; i += 2)
			free_percpu(p[i]);
		for (int i = 1; i < 256; i += 2)
			free_percpu(p[i]);
		assert_int_equal(bh_percpu_dyn_used(), base);
	}
}

static void test_migrate_disable_binds_unpinned_task(void **state)
{
	(void)state;
	cpu_set_t before, during, after;

	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	migrate_disable();
	migrate_disable();
	assert_int_equal(sched_getaffinity(0, sizeof(during), &during), 0);
	assert_int_equal(CPU_COUNT(&during), 1);
	assert_true(CPU_ISSET(current->cpu, &during));
	assert_int_equal(smp_processor_id(), current->cpu);
	migrate_enable();
	assert_true(current->cpu >= 0); /* still bound: nested */
	migrate_enable();
	assert_int_equal(current->cpu, -1);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_static_copies_start_from_the_template),
		cmocka_unit_test(test_copies_are_separate_cache_lines),
		cmocka_unit_test(test_dynamic_alloc_zeroed_distinct_and_freed),
		cmocka_unit_test(test_many_allocations_coalesce),
		cmocka_unit_test(test_migrate_disable_binds_unpinned_task),
		cmocka_unit_test(test_writes_stay_on_their_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
