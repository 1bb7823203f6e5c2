// SPDX-License-Identifier: GPL-2.0-only
/*
 * test_reentry.c - a signal handler run as NMI (bhlock/nmi.h) that writes a map while the thread
 * it interrupted holds that map's lock gets -EDEADLK at once; it never hangs.
 *
 * 1. Deterministic (HASH, LRU_HASH): the thread takes the bucket lock of key K itself, raises the
 *    NMI on itself; the handler's update and delete of K answer -EDEADLK within milliseconds,
 *    while a key of another bucket is written normally. After unlock the map is intact.
 * 2. Racing (HASH, LRU_HASH, LPM_TRIE, DEVMAP, CPUMAP): a worker thread writes the map in a loop
 *    while the main thread sends it NMIs, one at a time (the next only once the previous
 *    handler returned, a few us later); each handler writes the same map (one bucket / the
 *    map's single lock). Every handler must return within its bounded wait (no hang), answer
 *    -EDEADLK at least once, and nothing but -EDEADLK or the map's own codes: never
 *    -ETIMEDOUT. (The kernel's rqspinlock lists a lock in the held table just after the
 *    acquiring cmpxchg and unlists it just before the releasing store; a handler landing in
 *    either window found the lock held but not listed and waited out the timeout, about a third
 *    of the handlers here, since the interrupt is taken right after the atomic instruction.
 *    softnetd's rqspinlock lists the lock before the cmpxchg and until after the release.)
 *    The run ends after enough handlers or a time budget; pacing keeps one signal in flight.
 * 3. The window itself, on a bare rqspinlock: a worker nests two locks in a tight loop, the
 *    handler takes one of them. Every handler gets the lock (it was free) or -EDEADLK, within a
 *    fraction of the timeout; never -ETIMEDOUT.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "lib/test_util.h"
#include "bhlock/bhlock.h"
#include "bhlock/nmi.h"
#include "maps/map.h"
#include "maps/map_hash_internal.h"

#define NMI_SIG SIGUSR1

static struct sn_map *mk(enum bpf_map_type t, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };

	return sn_map__create(t, "re", ks, vs, max, &o);
}

/* ---- 1. deterministic ---- */

struct det_ctx {
	struct sn_map *map;
	__u32 key, other;
	long upd, del, upd_other;
	uint64_t ns;
};
static struct det_ctx det;

static void det_handler(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	uint64_t t0 = tu_now_ns();
	__u64 v = 42;

	det.upd = sn_map_update_elem(det.map, &det.key, &v, BPF_ANY);
	det.del = sn_map_delete_elem(det.map, &det.key);
	det.upd_other = sn_map_update_elem(det.map, &det.other, &v, BPF_ANY);
	det.ns = tu_now_ns() - t0;
}

static void deterministic(enum bpf_map_type type)
{
	struct sn_map *m = mk(type, 4, 8, 64, 0);
	struct sn_htab *htab = to_htab(m);
	struct htab_bucket *b;
	__u64 v = 7, out;

	assert_non_null(m);
	det = (struct det_ctx){ .map = m, .key = 5 };
	b = htab_bucket(htab, htab_map_hash(htab, &det.key));
	/* A key of another bucket. */
	for (det.other = 6; htab_bucket(htab, htab_map_hash(htab, &det.other)) == b; det.other++)
		;
	assert_int_equal(sn_map__update_elem(m, &det.key, &v, BPF_ANY), 0);
	assert_int_equal(bh_nmi_register(NMI_SIG, det_handler, NULL), 0);
	assert_int_equal(res_spin_lock(&b->raw_lock), 0);
	assert_int_equal(bh_nmi_raise(pthread_self(), NMI_SIG), 0);
	res_spin_unlock(&b->raw_lock);
	bh_nmi_unregister(NMI_SIG);
	print_message("handler: update %ld delete %ld other %ld in %lu ns\n", det.upd, det.del,
		      det.upd_other, (unsigned long)det.ns);
	assert_int_equal(det.upd, -EDEADLK);
	assert_int_equal(det.del, -EDEADLK);
	assert_int_equal(det.upd_other, 0);
	assert_true(det.ns < 50 * 1000 * 1000ULL);
	/* The map is intact: K kept its value, the other key is there. */
	assert_int_equal(sn_map__lookup_elem(m, &det.key, &out), 0);
	assert_int_equal(out, 7);
	assert_int_equal(sn_map__lookup_elem(m, &det.other, &out), 0);
	assert_int_equal(sn_map__update_elem(m, &det.key, &v, BPF_EXIST), 0);
	sn_map__free(m);
}

static void test_hash_deterministic(void **state)
{
	(void)state;
	deterministic(BPF_MAP_TYPE_HASH);
}

static void test_lru_deterministic(void **state)
{
	(void)state;
	deterministic(BPF_MAP_TYPE_LRU_HASH);
}

/* ---- 2. racing ---- */

enum { RR_OK, RR_DEADLK, RR_TIMEDOUT, RR_MAPCODE, RR_OTHER, RR_NR };

struct race {
	enum bpf_map_type type;
	struct sn_map *map;
	volatile int stop;
	long worker_ops;
	long res[RR_NR]; /* handler results; only the handler writes, on the worker's thread */
	long hits;
};
static struct race rc;

static void key_for(enum bpf_map_type t, unsigned char *key, __u32 i)
{
	if (t == BPF_MAP_TYPE_LPM_TRIE) {
		__u32 pl = 24;

		memcpy(key, &pl, 4);
		key[4] = 10;
		key[5] = (unsigned char)i;
		key[6] = 0;
		key[7] = 0;
	} else {
		memcpy(key, &i, 4);
	}
}

static long write_one(enum bpf_map_type t, struct sn_map *m, __u32 i, bool del)
{
	unsigned char key[8];
	__u64 v = 1;

	key_for(t, key, i);
	if (t == BPF_MAP_TYPE_DEVMAP) {
		struct bpf_devmap_val d = { .ifindex = 1 }; /* lo */

		return del ? sn_map_delete_elem(m, key) : sn_map__update_elem(m, key, &d, BPF_ANY);
	}
	if (t == BPF_MAP_TYPE_CPUMAP) {
		struct bpf_cpumap_val q = { .qsize = 64 };

		return del ? sn_map_delete_elem(m, key) : sn_map__update_elem(m, key, &q, BPF_ANY);
	}
	return del ? sn_map_delete_elem(m, key) : sn_map_update_elem(m, key, &v, BPF_ANY);
}

static void race_handler(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	/* Hash maps: any write. Others: delete (takes the lock, allocates nothing). */
	bool del = rc.type != BPF_MAP_TYPE_HASH && rc.type != BPF_MAP_TYPE_LRU_HASH;
	long r = write_one(rc.type, rc.map, 1, del ? true : (rc.hits & 1));
	/* LRU: a pop whose local-list lock is held by the interrupted thread finds nothing. */
	bool mapcode = r == -ENOENT || r == -E2BIG || r == -EEXIST ||
		       (rc.type == BPF_MAP_TYPE_LRU_HASH && r == -ENOMEM);
	int slot = r == 0 ? RR_OK : r == -EDEADLK ? RR_DEADLK : r == -ETIMEDOUT ? RR_TIMEDOUT :
		   mapcode ? RR_MAPCODE : RR_OTHER;

	rc.res[slot]++;
	__atomic_store_n(&rc.hits, rc.hits + 1, __ATOMIC_RELEASE);
}

static void *race_worker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&rc.stop, __ATOMIC_ACQUIRE)) {
		write_one(rc.type, rc.map, 0, false);
		write_one(rc.type, rc.map, 0, true);
		rc.worker_ops += 2;
	}
	return NULL;
}

static void racing(enum bpf_map_type type, __u32 ks, __u32 vs, __u32 max, __u32 flags)
{
	uint64_t t0, dur = 600 * 1000 * 1000ULL, budget = 6000 * 1000 * 1000ULL, worst = 0;
	pthread_t t;

	memset(&rc, 0, sizeof(rc));
	rc.type = type;
	rc.map = mk(type, ks, vs, max, flags);
	assert_non_null(rc.map);
	assert_int_equal(bh_nmi_register(NMI_SIG, race_handler, NULL), 0);
	assert_int_equal(pthread_create(&t, NULL, race_worker, NULL), 0);
	t0 = tu_now_ns();
	while ((tu_now_ns() - t0 < dur || rc.res[RR_DEADLK] == 0) && tu_now_ns() - t0 < budget) {
		long before = __atomic_load_n(&rc.hits, __ATOMIC_ACQUIRE);
		uint64_t t1 = tu_now_ns();

		bh_nmi_raise(t, NMI_SIG);
		while (__atomic_load_n(&rc.hits, __ATOMIC_ACQUIRE) == before &&
		       tu_now_ns() - t1 < 2000 * 1000 * 1000ULL)
			;
		if (tu_now_ns() - t1 > worst)
			worst = tu_now_ns() - t1;
		tu_busy_ns(2000 + (tu_now_ns() % 20) * 1000);
	}
	__atomic_store_n(&rc.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	bh_nmi_unregister(NMI_SIG);
	{
		struct rqspinlock_stats st;

		rqspinlock_stats_read(&st);
		print_message("rqspinlock: aa %lu abba %lu timeout %lu unwound %lu\n", st.aa,
			      st.abba, st.timeout, st.unwound);
	}
	print_message("%d: worker %ld ops; handler %ld: ok %ld EDEADLK %ld ETIMEDOUT %ld map codes "
		      "%ld other %ld\n",
		      type, rc.worker_ops, rc.hits, rc.res[RR_OK], rc.res[RR_DEADLK],
		      rc.res[RR_TIMEDOUT], rc.res[RR_MAPCODE], rc.res[RR_OTHER]);
	print_message("longest handler round trip %lu us\n", (unsigned long)(worst / 1000));
	/* Never hung: every handler returned within the queue head's bounded wait (2 x 0.25 s). */
	assert_true(worst < 1000 * 1000 * 1000ULL);
	assert_true(rc.res[RR_DEADLK] >= 1);
	assert_int_equal(rc.res[RR_TIMEDOUT], 0);
	assert_int_equal(rc.res[RR_OTHER], 0);
	sn_map__free(rc.map);
}

static void test_race_hash(void **state)
{
	(void)state;
	racing(BPF_MAP_TYPE_HASH, 4, 8, 1, 0); /* one bucket */
}

static void test_race_lru(void **state)
{
	(void)state;
	racing(BPF_MAP_TYPE_LRU_HASH, 4, 8, 1, 0);
}

static void test_race_lpm(void **state)
{
	(void)state;
	racing(BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16, SOFTNET_F_LPM_PREALLOC);
}

static void test_race_devmap(void **state)
{
	(void)state;
	racing(BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0);
}

static void test_race_cpumap(void **state)
{
	(void)state;
	racing(BPF_MAP_TYPE_CPUMAP, 4, 4, 4, 0);
}

/* ---- 3. the lock/unlock window of a bare rqspinlock ---- */

struct window {
	rqspinlock_t a, b;
	volatile int stop;
	long worker_loops, worker_fail;
	long ok, deadlk, timedout, other, hits; /* written by the handler only */
	uint64_t worst_ns;                       /* longest single attempt in the handler */
};
static struct window win;

static void window_handler(int sig, void *arg)
{
	(void)sig;
	(void)arg;
	rqspinlock_t *l = (win.hits & 1) ? &win.b : &win.a;
	uint64_t t0 = tu_now_ns(), dt;
	int r = res_spin_lock(l);

	if (!r)
		res_spin_unlock(l);
	dt = tu_now_ns() - t0;
	if (dt > win.worst_ns)
		win.worst_ns = dt;
	if (!r)
		win.ok++;
	else if (r == -EDEADLK)
		win.deadlk++;
	else if (r == -ETIMEDOUT)
		win.timedout++;
	else
		win.other++;
	__atomic_store_n(&win.hits, win.hits + 1, __ATOMIC_RELEASE);
}

static void *window_worker(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&win.stop, __ATOMIC_ACQUIRE)) {
		if (res_spin_lock(&win.a)) {
			win.worker_fail++;
			continue;
		}
		if (res_spin_lock(&win.b))
			win.worker_fail++;
		else
			res_spin_unlock(&win.b);
		res_spin_unlock(&win.a);
		win.worker_loops++;
	}
	return NULL;
}

static void test_rqspinlock_window(void **state)
{
	uint64_t t0, dur = 1500 * 1000 * 1000ULL, budget = 20000 * 1000 * 1000ULL;
	pthread_t t;

	(void)state;
	memset(&win, 0, sizeof(win));
	raw_res_spin_lock_init(&win.a);
	raw_res_spin_lock_init(&win.b);
	assert_int_equal(bh_nmi_register(NMI_SIG, window_handler, NULL), 0);
	assert_int_equal(pthread_create(&t, NULL, window_worker, NULL), 0);
	t0 = tu_now_ns();
	/* Enough handlers, and as long as the old window's timeouts took to show. */
	while ((tu_now_ns() - t0 < dur || win.hits < 2000) && tu_now_ns() - t0 < budget &&
	       win.timedout < 3) {
		long before = __atomic_load_n(&win.hits, __ATOMIC_ACQUIRE);
		uint64_t t1 = tu_now_ns();

		bh_nmi_raise(t, NMI_SIG);
		while (__atomic_load_n(&win.hits, __ATOMIC_ACQUIRE) == before &&
		       tu_now_ns() - t1 < 2000 * 1000 * 1000ULL)
			;
		tu_busy_ns(1000 + (tu_now_ns() % 16) * 500);
	}
	__atomic_store_n(&win.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	bh_nmi_unregister(NMI_SIG);
	print_message("worker %ld loops (%ld failed); handler %ld: ok %ld EDEADLK %ld "
		      "ETIMEDOUT %ld other %ld; longest attempt %lu us\n",
		      win.worker_loops, win.worker_fail, win.hits, win.ok, win.deadlk,
		      win.timedout, win.other, (unsigned long)(win.worst_ns / 1000));
	assert_int_equal(win.timedout, 0);
	assert_int_equal(win.other, 0);
	assert_int_equal(win.worker_fail, 0);
	assert_true(win.deadlk >= 1);
	/* "At once": well below one waiting phase (0.25 s), scheduling noise included. */
	assert_true(win.worst_ns < RES_DEF_TIMEOUT_NS / 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_deterministic),
		cmocka_unit_test(test_lru_deterministic),
		cmocka_unit_test(test_race_hash),
		cmocka_unit_test(test_race_lru),
		cmocka_unit_test(test_race_lpm),
		cmocka_unit_test(test_race_devmap),
		cmocka_unit_test(test_race_cpumap),
		cmocka_unit_test(test_rqspinlock_window),
	};

	return cmocka_run_group_tests_name("maps_reentry", tests, NULL, NULL);
}
