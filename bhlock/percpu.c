// SPDX-License-Identifier: GPL-2.0-only
/*
 * percpu.c - per-CPU units: the static template copied once per CPU, and a dynamic area.
 *
 * Layout of one unit (one per possible CPU, all in one reserved mapping):
 *   [0, static_size)          copy of the "bh_percpu" section
 *   [dyn_start, BH_UNIT_SIZE) dynamic per-CPU memory, first-fit, shared offsets for all CPUs
 * The reservation is MAP_NORESERVE: pages are only backed once touched.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "percpu.h"
#include "task.h"

#define BH_UNIT_SIZE (256UL << 20)

extern char __start_bh_percpu[] __attribute__((weak));
extern char __stop_bh_percpu[] __attribute__((weak));

int nr_cpu_ids = 1;
uintptr_t __bh_per_cpu_offset[BH_NR_CPUS_MAX];

static char *bh_units;
static size_t bh_dyn_start;

struct pcpu_extent {
	size_t off, len;
};

/* pcpu_lock protects the free and used extent lists of the dynamic area. */
static pthread_mutex_t pcpu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pcpu_extent *pcpu_free, *pcpu_used;
static size_t pcpu_nfree, pcpu_nused, pcpu_cap_free, pcpu_cap_used;
static size_t pcpu_used_bytes;

static uintptr_t bh_template_base(void)
{
	/* Without any static per-CPU variable the section is absent; dynamic offsets still work. */
	return (uintptr_t)__start_bh_percpu;
}

__attribute__((constructor(101))) static void bh_percpu_init(void)
{
	size_t static_size = (size_t)(__stop_bh_percpu - __start_bh_percpu);
	long n = sysconf(_SC_NPROCESSORS_CONF);

	if (n < 1)
		n = 1;
	if (n > BH_NR_CPUS_MAX)
		n = BH_NR_CPUS_MAX;
	nr_cpu_ids = (int)n;
	bh_dyn_start = round_up(static_size + SMP_CACHE_BYTES, 4096UL);
	if (bh_dyn_start >= BH_UNIT_SIZE) {
		fprintf(stderr, "bhlock: static per-CPU data (%zu bytes) exceeds the unit\n", static_size);
		abort();
	}
	bh_units = mmap(NULL, BH_UNIT_SIZE * (size_t)nr_cpu_ids, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (bh_units == MAP_FAILED) {
		perror("bhlock: per-CPU units");
		abort();
	}
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		char *unit = bh_units + BH_UNIT_SIZE * (size_t)cpu;

		if (static_size)
			memcpy(unit, __start_bh_percpu, static_size);
		__bh_per_cpu_offset[cpu] = (uintptr_t)unit - bh_template_base();
	}
	pcpu_cap_free = 64;
	pcpu_free = calloc(pcpu_cap_free, sizeof(*pcpu_free));
	if (!pcpu_free)
		abort();
	pcpu_free[0] = (struct pcpu_extent){ bh_dyn_start, BH_UNIT_SIZE - bh_dyn_start };
	pcpu_nfree = 1;
}

int raw_smp_processor_id(void)
{
	struct task_struct *t = current;

	if (likely(t->cpu >= 0))
		return t->cpu;
	int cpu = sched_getcpu();

	return (cpu >= 0 && cpu < nr_cpu_ids) ? cpu : 0;
}

int smp_processor_id_site(const char *site)
{
	struct task_struct *t = current;

	if (likely(t->cpu >= 0 && bh_task_cannot_migrate(t)))
		return t->cpu;
	lockdep_assert_pinned(site);
	return raw_smp_processor_id();
}

static int pcpu_extent_insert(struct pcpu_extent **arr, size_t *n, size_t *cap, size_t at,
			      struct pcpu_extent e)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct pcpu_extent *na = realloc(*arr, ncap * sizeof(*na));

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	memmove(&(*arr)[at + 1], &(*arr)[at], (*n - at) * sizeof(**arr));
	(*arr)[at] = e;
	(*n)++;
	return 0;
}

static void pcpu_extent_remove(struct pcpu_extent *arr, size_t *n, size_t at)
{
	memmove(&arr[at], &arr[at + 1], (*n - at - 1) * sizeof(*arr));
	(*n)--;
}

/* Index of the first used extent with off >= @off (the used list is sorted by offset). */
static size_t pcpu_used_search(size_t off)
{
	size_t lo = 0, hi = pcpu_nused;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (pcpu_used[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void *__alloc_percpu(size_t size, size_t align)
{
	size_t off = 0;
	bool found = false;

	if (!size || align > 4096 || (align & (align - 1))) {
		errno = EINVAL;
		return NULL;
	}
	if (align < 8)
		align = 8;
	size = round_up(size, 8UL);
	pthread_mutex_lock(&pcpu_lock);
	for (size_t i = 0; i < pcpu_nfree; i++) {
		struct pcpu_extent *f = &pcpu_free[i];
		size_t start = round_up(f->off, align);

		if (start + size > f->off + f->len)
			continue;
		size_t tail = f->off + f->len - (start + size);
		size_t head = start - f->off;

		if (head && tail) {
			f->len = head;
			if (pcpu_extent_insert(&pcpu_free, &pcpu_nfree, &pcpu_cap_free, i + 1,
					       (struct pcpu_extent){ start + size, tail }))
				break;
		} else if (head) {
			f->len = head;
		} else if (tail) {
			f->off = start + size;
			f->len = tail;
		} else {
			pcpu_extent_remove(pcpu_free, &pcpu_nfree, i);
		}
		off = start;
		found = true;
		break;
	}
	if (found && pcpu_extent_insert(&pcpu_used, &pcpu_nused, &pcpu_cap_used,
					pcpu_used_search(off), (struct pcpu_extent){ off, size })) {
		found = false; /* leaks the extent; only on malloc failure of the bookkeeping */
	}
	if (found)
		pcpu_used_bytes += size;
	pthread_mutex_unlock(&pcpu_lock);
	if (!found) {
		errno = ENOMEM;
		return NULL;
	}
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++)
		memset(bh_units + BH_UNIT_SIZE * (size_t)cpu + off, 0, size);
	return (void *)(bh_template_base() + off);
}

void free_percpu(void *ptr)
{
	if (!ptr)
		return;
	size_t off = (uintptr_t)ptr - bh_template_base();

	pthread_mutex_lock(&pcpu_lock);
	size_t i = pcpu_used_search(off);

	if (i == pcpu_nused || pcpu_used[i].off != off) {
		pthread_mutex_unlock(&pcpu_lock);
		fprintf(stderr, "bhlock: free_percpu(%p): not a per-CPU allocation\n", ptr);
		abort();
	}
	struct pcpu_extent e = pcpu_used[i];

	pcpu_extent_remove(pcpu_used, &pcpu_nused, i);
	pcpu_used_bytes -= e.len;
	/* Insert sorted into the free list and merge with its neighbours. */
	size_t j = 0;

	while (j < pcpu_nfree && pcpu_free[j].off < e.off)
		j++;
	if (j > 0 && pcpu_free[j - 1].off + pcpu_free[j - 1].len == e.off) {
		pcpu_free[j - 1].len += e.len;
		if (j < pcpu_nfree && pcpu_free[j - 1].off + pcpu_free[j - 1].len == pcpu_free[j].off) {
			pcpu_free[j - 1].len += pcpu_free[j].len;
			pcpu_extent_remove(pcpu_free, &pcpu_nfree, j);
		}
	} else if (j < pcpu_nfree && e.off + e.len == pcpu_free[j].off) {
		pcpu_free[j].off = e.off;
		pcpu_free[j].len += e.len;
	} else {
		pcpu_extent_insert(&pcpu_free, &pcpu_nfree, &pcpu_cap_free, j, e);
	}
	pthread_mutex_unlock(&pcpu_lock);
}

size_t bh_percpu_dyn_used(void)
{
	size_t n;

	pthread_mutex_lock(&pcpu_lock);
	n = pcpu_used_bytes;
	pthread_mutex_unlock(&pcpu_lock);
	return n;
}
