// SPDX-License-Identifier: GPL-2.0-only
/*
 * stress_maps.c - the hash maps under 2, 4 and 8 threads pinned round-robin to the CPUs, with
 * signal handlers (NMI-like) re-entering the same map wherever a thread is, bucket locks and
 * freelist heads included. One adapter per map flavour (HASH, PERCPU_HASH, HASH with
 * BPF_F_NO_PREALLOC, LRU_HASH), one validator:
 *
 * - Each thread owns a key range, and its signal handler owns another; each side keeps its own
 *   view of which of its keys are in the map and checks every answer against it: update with
 *   BPF_ANY/NOEXIST/EXIST, delete, lookup (the value must carry the key, so an element shared by
 *   two keys shows). -EDEADLK / -ETIMEDOUT (lock errors, e.g. a holder interrupted by a handler)
 *   mean "not done"; -E2BIG only when the map may be full. NO_PREALLOC: the handler's writes
 *   must be refused (-EOPNOTSUPP). LRU: keys may vanish (eviction), never -E2BIG.
 * - Each thread also owns STABLE_KEYS keys inserted before the run and only ever replaced
 *   (BPF_EXIST); every thread looks up everybody's stable keys and must always find them with a
 *   value that names the key (the new element goes in before the old one leaves; a lookup that
 *   crosses into another chain restarts). Not for LRU (evictable).
 * - At the end, single-threaded: the map holds exactly the keys the views say (LRU: a subset,
 *   no more than max_entries), each once, in distinct elements; then everything is deleted and
 *   exactly max_entries new keys fit (nothing lost, nothing duplicated in the freelists).
 *
 * STRESS_MS sets the run time per configuration (default 700 ms). TSan-clean by design: every
 * field a lock-free reader may race on is an atomic in the maps module.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "stress_validate.h"
#include "bhlock/bhlock.h"
#include "bhlock/nmi.h"
#include "maps/map.h"

#define SIG_NMI SIGUSR2
#define MAX_THREADS 8
#define KEYS_PER_THREAD 96
#define KEYS_PER_HANDLER 16
#define MAX_ENTRIES 512 /* < 8 * (96 + 16): full maps happen with 8 threads */
#define STABLE_KEYS 4

struct flavour {
	const char *name;
	enum bpf_map_type type;
	__u32 flags;
};

static const struct flavour flavours[] = {
	{ "hash", BPF_MAP_TYPE_HASH, 0 },
	{ "percpu_hash", BPF_MAP_TYPE_PERCPU_HASH, 0 },
	{ "hash_no_prealloc", BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 0 },
};

struct view {
	uint8_t present[KEYS_PER_THREAD];
	uint32_t version;
};

struct worker {
	pthread_t thread;
	int idx;
	struct view own;
	struct view handler; /* touched only by this thread's signal handler (and at the end) */
	unsigned long ops, lock_errs, handler_runs, handler_deadlk;
} __attribute__((aligned(64)));

static const struct flavour *fl;
static struct sn_map *map;
static struct worker workers[MAX_THREADS];
static int nthreads, stop, ready;
static unsigned long errors;
static __thread struct worker *me;

static void report(const char *what, __u32 key, long got)
{
	char buf[160];
	int n;

	__atomic_fetch_add(&errors, 1, __ATOMIC_RELAXED);
	n = snprintf(buf, sizeof(buf), "stress_maps %s: %s (key %u, got %ld)\n", fl->name, what,
		     key, got);
	if (n > 0 && write(STDERR_FILENO, buf, (size_t)n) < 0)
		return;
}

static bool is_lru(void)
{
	return fl->type == BPF_MAP_TYPE_LRU_HASH;
}

static __u32 own_key(int t, int i)
{
	return (__u32)(t * 1000 + i);
}

static __u32 handler_key(int t, int i)
{
	return (__u32)(100000 + t * 1000 + i);
}

static __u32 stable_key(int t, int i)
{
	return (__u32)(200000 + t * 1000 + i);
}

/* A value that names its key: key in the high half, a version in the low. */
static void make_value(__u64 *v, __u32 key, __u32 version)
{
	int n = sn_map__value_size_sys(map) / 8;

	for (int c = 0; c < n; c++)
		v[c] = ((__u64)key << 32) | version;
}

static bool may_be_full(long r)
{
	return r == -E2BIG && !is_lru();
}

static bool lock_err(long r)
{
	return r == -EDEADLK || r == -ETIMEDOUT;
}

/* One random operation on key i of @v, checked against @v. */
static void one_op(struct view *v, __u32 key, int i, unsigned int rnd, bool in_handler,
		   unsigned long *lock_errs)
{
	__u64 val[BH_NR_CPUS_MAX], out[BH_NR_CPUS_MAX];
	bool refused_ctx = in_handler && (fl->flags & BPF_F_NO_PREALLOC);
	long r;

	switch (rnd % 6) {
	case 0:
	case 1: { /* update */
		__u64 flags = (rnd >> 3) % 3;

		make_value(val, key, ++v->version);
		r = sn_map__update_elem(map, &key, val, flags);
		if (refused_ctx) {
			if (r != -EOPNOTSUPP)
				report("NO_PREALLOC write from NMI not refused", key, r);
			return;
		}
		if (lock_err(r)) {
			(*lock_errs)++;
			return;
		}
		if (is_lru() && r == -ENOMEM) /* pop found nothing (all in flight / locks held) */
			return;
		if (flags == BPF_NOEXIST && v->present[i] && r != -EEXIST && !(is_lru() && !r))
			report("NOEXIST on a present key", key, r);
		else if (flags == BPF_EXIST && !v->present[i] && r != -ENOENT)
			report("EXIST on an absent key", key, r);
		else if (r && r != -EEXIST && r != -ENOENT && !may_be_full(r))
			report("update failed", key, r);
		if (!r)
			v->present[i] = 1;
		if (is_lru() && r == -ENOENT)
			v->present[i] = 0; /* evicted meanwhile */
		return;
	}
	case 2: /* delete */
		r = sn_map__delete_elem(map, &key);
		if (refused_ctx) {
			if (r != -EOPNOTSUPP)
				report("NO_PREALLOC delete from NMI not refused", key, r);
			return;
		}
		if (lock_err(r)) {
			(*lock_errs)++;
			return;
		}
		if (r != (v->present[i] ? 0 : -ENOENT) && !(is_lru() && r == -ENOENT))
			report("delete answer", key, r);
		v->present[i] = 0;
		return;
	default: /* lookup */
		r = sn_map__lookup_elem(map, &key, out);
		if (r == 0 && (out[0] >> 32) != key)
			report("lookup found another key's value", key, (long)(out[0] >> 32));
		if (!is_lru() && (r == 0) != (v->present[i] != 0))
			report("lookup disagrees with the view", key, r);
		if (is_lru() && r)
			v->present[i] = 0;
		return;
	}
}

static void nmi_handler(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	struct worker *w = me;
	unsigned long before;

	if (!w)
		return;
	w->handler_runs++;
	before = w->handler_deadlk;
	for (int n = 0; n < 3; n++) {
		unsigned int rnd = (unsigned int)(tu_now_ns() * 2654435761u);
		int i = (int)((rnd >> 8) % KEYS_PER_HANDLER);

		one_op(&w->handler, handler_key(w->idx, i), i, rnd, true, &w->handler_deadlk);
	}
	(void)before;
}

static void *worker_fn(void *arg)
{
	struct worker *w = arg;
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(w->idx + 1);

	bh_task_pin(w->idx % nr_cpu_ids);
	me = w;
	__atomic_fetch_add(&ready, 1, __ATOMIC_RELEASE);
	while (!__atomic_load_n(&stop, __ATOMIC_ACQUIRE)) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int i = (int)((x >> 20) % KEYS_PER_THREAD);

		if (!is_lru() && (x & 0xf) < 2) {
			/* Stable keys: replace one of mine, or look up anybody's. */
			int t = (x & 0xf) ? w->idx : (int)((x >> 40) % (uint64_t)nthreads);
			__u32 key = stable_key(t, (int)((x >> 50) % STABLE_KEYS));
			__u64 val[BH_NR_CPUS_MAX];
			long r;

			if (t == w->idx && (x & 0xf)) {
				make_value(val, key, ++w->own.version);
				r = sn_map__update_elem(map, &key, val, BPF_EXIST);
				if (r && !lock_err(r))
					report("replace of a stable key", key, r);
			} else {
				r = sn_map__lookup_elem(map, &key, val);
				if (r || (val[0] >> 32) != key)
					report("stable key not found by a lock-free lookup", key, r);
			}
			w->ops++;
			continue;
		}
		one_op(&w->own, own_key(w->idx, i), i, (unsigned int)x, false, &w->lock_errs);
		w->ops++;
	}
	return NULL;
}

/* The final, single-threaded validation. */
static void check_final(void)
{
	long expected = 0, found = 0;
	__u32 k, prev;
	void **ptrs = calloc(MAX_ENTRIES + 64, sizeof(void *));

	for (int t = 0; t < nthreads; t++) {
		expected += is_lru() ? 0 : STABLE_KEYS;
		for (int i = 0; i < KEYS_PER_THREAD; i++)
			expected += workers[t].own.present[i];
		for (int i = 0; i < KEYS_PER_HANDLER; i++)
			expected += workers[t].handler.present[i];
	}
	if (!sn_map__get_next_key(map, NULL, &k)) {
		do {
			int t = (int)((k % 100000) / 1000), i = (int)(k % 1000);
			bool h = k >= 100000 && k < 200000, st = k >= 200000;
			__u64 out[BH_NR_CPUS_MAX];

			if (t >= nthreads ||
			    i >= (st ? STABLE_KEYS : h ? KEYS_PER_HANDLER : KEYS_PER_THREAD))
				report("unknown key in the map", k, 0);
			else if (!st &&
				 !(h ? workers[t].handler.present[i] : workers[t].own.present[i]))
				report("key in the map that its owner deleted", k, 0);
			if (sn_map__lookup_elem(map, &k, out) || (out[0] >> 32) != k)
				report("final lookup", k, (long)(out[0] >> 32));
			if (found < MAX_ENTRIES + 64) {
				migrate_disable(); /* per-CPU maps: this CPU's slot */
				ptrs[found] = sn_map_lookup_elem(map, &k);
				migrate_enable();
			}
			for (long j = 0; j < found && j < MAX_ENTRIES + 64; j++)
				if (ptrs[j] == ptrs[found])
					report("two keys share one element", k, j);
			found++;
			prev = k;
		} while (!sn_map__get_next_key(map, &prev, &k) && found <= MAX_ENTRIES + 64);
	}
	if (is_lru() ? found > expected || found > MAX_ENTRIES : found != expected) {
		char what[96];

		snprintf(what, sizeof(what), "element count %ld, views say %ld", found, expected);
		report(what, 0, found);
	}
	/* Empty it, then exactly max_entries fresh keys must fit (LRU: never -E2BIG). */
	while (!sn_map__get_next_key(map, NULL, &k))
		if (sn_map__delete_elem(map, &k)) {
			report("final delete", k, 0);
			break;
		}
	for (__u32 n = 0; n <= MAX_ENTRIES; n++) {
		__u64 val[BH_NR_CPUS_MAX];
		__u32 key = 500000 + n;
		long r;

		make_value(val, key, 1);
		r = sn_map__update_elem(map, &key, val, BPF_NOEXIST);
		if (n < MAX_ENTRIES && r)
			report("capacity lost: insert into an emptied map failed", key, r);
		if (n == MAX_ENTRIES && !is_lru() && r != -E2BIG)
			report("capacity grew: insert past max_entries", key, r);
	}
	free(ptrs);
}

static void run(const struct flavour *f, int nthr, uint64_t ms)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = f->flags };
	unsigned long ops = 0, lock_errs = 0, hruns = 0, hlock = 0;
	uint64_t t0;

	fl = f;
	nthreads = nthr;
	map = sn_map__create(f->type, "stress", 4, 8, MAX_ENTRIES, &o);
	if (!map) {
		report("create", 0, -errno);
		return;
	}
	memset(workers, 0, sizeof(workers));
	__atomic_store_n(&stop, 0, __ATOMIC_RELAXED);
	if (!is_lru())
		for (int t = 0; t < nthr; t++)
			for (int i = 0; i < STABLE_KEYS; i++) {
				__u64 val[BH_NR_CPUS_MAX];
				__u32 key = stable_key(t, i);

				make_value(val, key, 0);
				if (sn_map__update_elem(map, &key, val, BPF_NOEXIST))
					report("stable key insert", key, 0);
			}
	__atomic_store_n(&ready, 0, __ATOMIC_RELAXED);
	for (int t = 0; t < nthr; t++) {
		workers[t].idx = t;
		pthread_create(&workers[t].thread, NULL, worker_fn, &workers[t]);
	}
	while (__atomic_load_n(&ready, __ATOMIC_ACQUIRE) < nthr)
		usleep(100);
	t0 = tu_now_ns();
	while (tu_now_ns() - t0 < ms * 1000000ULL) {
		bh_nmi_raise(workers[rand() % nthr].thread, SIG_NMI);
		usleep(50);
	}
	__atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
	for (int t = 0; t < nthr; t++) {
		pthread_join(workers[t].thread, NULL);
		ops += workers[t].ops;
		lock_errs += workers[t].lock_errs;
		hruns += workers[t].handler_runs;
		hlock += workers[t].handler_deadlk;
	}
	check_final();
	printf("%-17s %d threads: %9lu ops, %4lu lock errors; %5lu NMIs, %4lu lock errors in them\n",
	       f->name, nthr, ops, lock_errs, hruns, hlock);
	sn_map__free(map);
	map = NULL;
}

int main(void)
{
	uint64_t ms = stress_duration_ms(700);
	static const int counts[] = { 2, 4, 8 };

	if (bh_nmi_register(SIG_NMI, nmi_handler, NULL)) {
		fprintf(stderr, "cannot register the NMI signal\n");
		return 1;
	}
	for (size_t f = 0; f < sizeof(flavours) / sizeof(flavours[0]); f++)
		for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++)
			run(&flavours[f], counts[c], ms);
	bh_nmi_unregister(SIG_NMI);
	if (errors) {
		fprintf(stderr, "stress_maps: %lu errors\n", errors);
		return 1;
	}
	printf("stress_maps: all invariants held\n");
	return 0;
}
