// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_maps.c - the hash map benchmark, peers in the same run (ANCHORS.md D2, issue 3):
 *
 * 1. churn: the seed patch's table ("bpf: pre-allocate hash map elements"), update followed by
 *    delete, from 1, 2, 4 and 8 threads pinned round-robin (4 and 8 oversubscribe this 2-CPU
 *    machine): preallocated HASH (pcpu_freelist) vs BPF_F_NO_PREALLOC (malloc, then recycled)
 *    vs a peer written here with the same buckets (rqspinlock) but one global freelist under
 *    one spinlock. Two key choices, each its own table: random keys (each thread its own range,
 *    all buckets shared by all threads; the goals of issue 3 are checked on this one), and the
 *    seed's own work, samples/bpf/map_perf_test's stress_hmap, where every task updates and
 *    deletes one key of its own (bpf_get_current_pid_tgid()), so that threads share no bucket.
 * 2. lookup ns, hit and miss, against liburcu's rculfhash with the same keys, the same hash
 *    function (jhash) and the same load factor (N keys in N buckets), one thread.
 * 3. churn memory (the kernel's htab-mem bench): ops/s and peak RSS, prealloc vs malloc, each in
 *    a child process.
 * 4. full-map update rate: -E2BIG answers per second on a full preallocated map (the kernel's
 *    bpf-hashmap-full-update, 16k/s per CPU before the empty-head check, 550k/s after).
 *
 * Churn and lookups run NR_REPS interleaved rounds and report medians (the machine is shared).
 * Prints one JSON object with results, ratios and goals. Usage: bench_maps [--short]
 * (BENCH_MAPS_PROFILE=<variant 0-2> runs one churn variant for 2 s, for perf, on one thread or
 * BENCH_MAPS_THREADS=<n>, BENCH_MAPS_KEYS=random|ownlines for the bucket-line diagnostic;
 * BENCH_MAPS_PROFILE=lookup runs only the lookup comparison).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <urcu.h>
#include <urcu/rculfhash.h>

#include "bhlock/bhlock.h"
#include "maps/map.h"
#include "maps/map_hash_internal.h"

#define MAX_THR 8
#define CHURN_ENTRIES (1U << 16)
#define KEY_TAB_N (1U << 16) /* diagnostic key tables, see churn_key_tables() */

static bool short_run;
#define NR_REPS 3
static int nr_reps = 1;

/* Median of n values (sorts them). */
static double median(double *x, int n)
{
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && x[j - 1] > x[j]; j--) {
			double t = x[j];

			x[j] = x[j - 1];
			x[j - 1] = t;
		}
	return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}
static double churn_ms = 400;

static uint64_t thread_cpu_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static inline uint64_t xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* ---- the single-lock peer: same buckets and chains, one global freelist, one spinlock ---- */

struct gl_elem {
	struct gl_elem *next; /* chain or freelist */
	__u32 key;
	__u64 value;
};

struct gl_bucket {
	struct gl_elem *first;
	rqspinlock_t lock;
};

struct gl_htab {
	struct gl_bucket *buckets;
	__u32 n_buckets;
	struct gl_elem *elems;
	pthread_spinlock_t free_lock; /* protects free_list */
	struct gl_elem *free_list;
};

static int gl_init(struct gl_htab *h, __u32 max)
{
	h->n_buckets = max;
	h->buckets = calloc(max, sizeof(*h->buckets));
	h->elems = calloc(max, sizeof(*h->elems));
	if (!h->buckets || !h->elems)
		return -ENOMEM;
	for (__u32 i = 0; i < max; i++) {
		raw_res_spin_lock_init(&h->buckets[i].lock);
		h->elems[i].next = h->free_list;
		h->free_list = &h->elems[i];
	}
	return pthread_spin_init(&h->free_lock, PTHREAD_PROCESS_PRIVATE);
}

static __u32 gl_hash(__u32 key)
{
	/* jhash2 of one word, seed 0: the same cost as the map's. */
	__u32 a, b, c;

	a = b = c = 0xdeadbeefU + 4;
	a += key;
	c ^= b; c -= (b << 14) | (b >> 18);
	a ^= c; a -= (c << 11) | (c >> 21);
	b ^= a; b -= (a << 25) | (a >> 7);
	c ^= b; c -= (b << 16) | (b >> 16);
	a ^= c; a -= (c << 4) | (c >> 28);
	b ^= a; b -= (a << 14) | (a >> 18);
	c ^= b; c -= (b << 24) | (b >> 8);
	return c;
}

static int gl_update(struct gl_htab *h, __u32 key, __u64 value)
{
	struct gl_bucket *b = &h->buckets[gl_hash(key) & (h->n_buckets - 1)];
	struct gl_elem *l, *n;
	int err = res_spin_lock(&b->lock);

	if (err)
		return err;
	for (l = b->first; l; l = l->next)
		if (l->key == key) {
			__atomic_store_n(&l->value, value, __ATOMIC_RELAXED);
			res_spin_unlock(&b->lock);
			return 0;
		}
	pthread_spin_lock(&h->free_lock);
	n = h->free_list;
	if (n)
		h->free_list = n->next;
	pthread_spin_unlock(&h->free_lock);
	if (!n) {
		res_spin_unlock(&b->lock);
		return -E2BIG;
	}
	n->key = key;
	n->value = value;
	__atomic_store_n(&n->next, b->first, __ATOMIC_RELAXED);
	__atomic_store_n(&b->first, n, __ATOMIC_RELEASE);
	res_spin_unlock(&b->lock);
	return 0;
}

static int gl_delete(struct gl_htab *h, __u32 key)
{
	struct gl_bucket *b = &h->buckets[gl_hash(key) & (h->n_buckets - 1)];
	struct gl_elem **pp, *l;
	int err = res_spin_lock(&b->lock);

	if (err)
		return err;
	for (pp = &b->first; (l = *pp); pp = &l->next)
		if (l->key == key)
			break;
	if (l)
		__atomic_store_n(pp, l->next, __ATOMIC_RELEASE);
	res_spin_unlock(&b->lock);
	if (!l)
		return -ENOENT;
	pthread_spin_lock(&h->free_lock);
	l->next = h->free_list;
	h->free_list = l;
	pthread_spin_unlock(&h->free_lock);
	return 0;
}

/* ---- 1. churn ---- */

enum variant { V_PREALLOC, V_MALLOC, V_GLOBAL_LOCK, V_NR };
static const char *const vnames[] = { "prealloc_pcpu_freelist", "no_prealloc_malloc",
				      "global_freelist_one_lock" };

struct churn {
	enum variant v;
	struct sn_map *map;
	struct gl_htab *gl;
	int nthr;
	bool seed_keys; /* one key per thread, as the seed's map_perf_test */
	__u32 *key_tab[MAX_THR]; /* diagnostic key tables (BENCH_MAPS_KEYS), else NULL */
	volatile int go, stop;
	unsigned long ops[MAX_THR];
	uint64_t cpu_ns[MAX_THR]; /* each worker's own CPU time while it ran the loop */
	unsigned long errs;
};

struct churn_arg {
	struct churn *c;
	int idx;
};

static void *churn_fn(void *p)
{
	struct churn_arg *a = p;
	struct churn *c = a->c;
	uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(a->idx + 1);
	unsigned long n = 0, errs = 0;

	bh_task_pin(a->idx % nr_cpu_ids);
	uint64_t cpu0;

	while (!__atomic_load_n(&c->go, __ATOMIC_ACQUIRE))
		;
	cpu0 = thread_cpu_ns();
	while (!__atomic_load_n(&c->stop, __ATOMIC_RELAXED)) {
		for (int i = 0; i < 64; i++) {
			/* Disjoint key ranges: each pair is one insert and one delete. */
			__u32 key = c->key_tab[a->idx] ? c->key_tab[a->idx][(n + (unsigned long)i) &
									     (KEY_TAB_N - 1)]
				    : c->seed_keys ? (__u32)(a->idx + 1) * 2654435761U
						   : (__u32)(a->idx << 24) | (__u32)(xorshift(&x) & 0xffffff);
			__u64 val = key;

			if (c->v == V_GLOBAL_LOCK) {
				errs += gl_update(c->gl, key, val) != 0;
				errs += gl_delete(c->gl, key) != 0;
			} else {
				errs += sn_map_update_elem(c->map, &key, &val, BPF_ANY) != 0;
				errs += sn_map_delete_elem(c->map, &key) != 0;
			}
		}
		n += 64;
	}
	c->ops[a->idx] = n;
	c->cpu_ns[a->idx] = thread_cpu_ns() - cpu0;
	__atomic_fetch_add(&c->errs, errs, __ATOMIC_RELAXED);
	return NULL;
}

/*
 * Diagnostic (perf mode only, BENCH_MAPS_KEYS=random|ownlines): each thread takes its keys from
 * a table of KEY_TAB_N random keys of its own range; "ownlines" keeps only keys whose bucket lies
 * in a cache line no other thread's keys use (16-byte buckets, 4 to a line). Comparing the two
 * gives the cost of moving bucket lines between CPUs, which perf c2c cannot show on this VM
 * (no PMU). Both variants pay the same table read.
 */
static int churn_key_tables(struct churn *c, const char *mode)
{
	struct sn_htab *htab = to_htab(c->map);
	bool own = !strcmp(mode, "ownlines");

	for (int t = 0; t < c->nthr; t++) {
		uint64_t x = 0x9e3779b97f4a7c15ULL * (uint64_t)(t + 1);

		c->key_tab[t] = malloc(KEY_TAB_N * sizeof(__u32));
		if (!c->key_tab[t])
			return -ENOMEM;
		for (__u32 j = 0; j < KEY_TAB_N;) {
			__u32 key = (__u32)(t << 24) | (__u32)(xorshift(&x) & 0xffffff);
			__u32 line = (htab_map_hash(htab, &key) & (htab->n_buckets - 1)) / 4;

			if (!own || line % (__u32)c->nthr == (__u32)t)
				c->key_tab[t][j++] = key;
		}
	}
	return 0;
}

/*
 * Return: update+delete pairs per second of wall time; *per_cpu_s: pairs per second of the
 * workers' own CPU time, which leaves out the time other processes on this shared machine
 * took the CPU from them (not the cache they evicted).
 */
static double run_churn(enum variant v, int nthr, bool seed_keys, unsigned long *errs,
			double *per_cpu_s)
{
	struct churn c = { .v = v, .nthr = nthr, .seed_keys = seed_keys };
	struct churn_arg args[MAX_THR];
	pthread_t t[MAX_THR];
	struct gl_htab gl = { 0 };
	unsigned long total = 0;
	uint64_t t0, t1, cpu = 0;

	if (v == V_GLOBAL_LOCK) {
		if (gl_init(&gl, CHURN_ENTRIES))
			return 0;
		c.gl = &gl;
	} else {
		struct sn_map_create_opts o = { .sz = sizeof(o),
						.map_flags = v == V_MALLOC ? BPF_F_NO_PREALLOC : 0 };

		c.map = sn_map__create(BPF_MAP_TYPE_HASH, "churn", 4, 8, CHURN_ENTRIES, &o);
		if (!c.map)
			return 0;
		if (getenv("BENCH_MAPS_KEYS") && churn_key_tables(&c, getenv("BENCH_MAPS_KEYS"))) {
			for (int i = 0; i < nthr; i++)
				free(c.key_tab[i]);
			sn_map__free(c.map);
			return 0;
		}
	}
	for (int i = 0; i < nthr; i++) {
		args[i] = (struct churn_arg){ &c, i };
		pthread_create(&t[i], NULL, churn_fn, &args[i]);
	}
	usleep(20000);
	t0 = now_ns();
	__atomic_store_n(&c.go, 1, __ATOMIC_RELEASE);
	usleep((useconds_t)(churn_ms * 1000));
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELAXED);
	for (int i = 0; i < nthr; i++) {
		pthread_join(t[i], NULL);
		total += c.ops[i];
		cpu += c.cpu_ns[i];
	}
	t1 = now_ns();
	*errs = c.errs;
	for (int i = 0; i < nthr; i++)
		free(c.key_tab[i]);
	if (c.map)
		sn_map__free(c.map);
	if (c.gl) {
		free(gl.buckets);
		free(gl.elems);
	}
	*per_cpu_s = cpu ? (double)total / ((double)cpu / 1e9) : 0;
	return (double)total / ((double)(t1 - t0) / 1e9);
}

/* ---- 2. lookups vs rculfhash ---- */

struct lf_node {
	struct cds_lfht_node node;
	__u32 key;
	__u64 value;
};

static int lf_match(struct cds_lfht_node *n, const void *key)
{
	return caa_container_of(n, struct lf_node, node)->key == *(const __u32 *)key;
}

/*
 * The rculfhash nodes in the same kind of memory as the map's element area (htab_area_alloc()
 * in map_hash.c: 2 MiB aligned, whole 2 MiB chunks advised to transparent huge pages), so that
 * neither side has the TLB advantage. Zeroed.
 */
static struct lf_node *lf_nodes_alloc(__u32 n)
{
	const size_t huge = 2UL << 20;
	size_t bytes = (size_t)n * sizeof(struct lf_node);
	void *p;

	if (posix_memalign(&p, bytes >= huge ? huge : 64, bytes))
		return NULL;
	if (bytes >= huge)
		(void)madvise(p, bytes / huge * huge, MADV_HUGEPAGE);
	memset(p, 0, bytes);
	return p;
}

static void bench_lookup(double *sn_hit, double *sn_miss, double *lf_hit, double *lf_miss)
{
	const __u32 n = 1U << 16, iters = short_run ? 1U << 20 : 1U << 23;
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_HASH, "lk", 4, 8, n, NULL);
	struct sn_htab *htab = to_htab(m);
	struct cds_lfht *ht = cds_lfht_new(n, n, n, 0, NULL);
	struct lf_node *nodes = lf_nodes_alloc(n);
	__u32 *hit = malloc(iters * sizeof(__u32)), *miss = malloc(iters * sizeof(__u32));
	uint64_t x = 12345, t0;
	volatile unsigned long sink = 0;

	if (!m || !ht || !nodes || !hit || !miss) {
		fprintf(stderr, "bench_maps: lookup set-up: out of memory\n");
		exit(1);
	}
	rcu_register_thread();
	for (__u32 i = 0; i < n; i++) {
		__u32 k = i * 2654435761U; /* spread keys; odd multiplier: distinct */
		__u64 v = i;

		sn_map__update_elem(m, &k, &v, BPF_NOEXIST);
		nodes[i].key = k;
		nodes[i].value = v;
		cds_lfht_node_init(&nodes[i].node);
		rcu_read_lock();
		cds_lfht_add(ht, htab_map_hash(htab, &k), &nodes[i].node);
		rcu_read_unlock();
	}
	for (__u32 i = 0; i < iters; i++) {
		hit[i] = nodes[xorshift(&x) % n].key;
		miss[i] = (__u32)(xorshift(&x) % n) * 2654435761U + 1; /* not a multiple: absent */
	}
	/*
	 * The two tables take turns, a chunk of the same keys each, so that outside load on this
	 * shared machine lands on both alike.
	 */
	for (int pass = 0; pass < 2; pass++) {
		const __u32 chunk = 1U << 14;
		__u32 *keys = pass ? miss : hit;
		uint64_t sn_ns = 0, lf_ns = 0;

		for (__u32 c = 0; c < iters; c += chunk) {
			t0 = now_ns();
			for (__u32 i = c; i < c + chunk; i++)
				sink += (unsigned long)sn_map_lookup_elem(m, &keys[i]);
			sn_ns += now_ns() - t0;
			t0 = now_ns();
			rcu_read_lock();
			for (__u32 i = c; i < c + chunk; i++) {
				struct cds_lfht_iter it;

				cds_lfht_lookup(ht, htab_map_hash(htab, &keys[i]), lf_match,
						&keys[i], &it);
				sink += (unsigned long)cds_lfht_iter_get_node(&it);
			}
			rcu_read_unlock();
			lf_ns += now_ns() - t0;
		}
		*(pass ? sn_miss : sn_hit) = (double)sn_ns / iters;
		*(pass ? lf_miss : lf_hit) = (double)lf_ns / iters;
	}
	(void)sink;
	/* Unlink every node, wait out the readers (this thread only), then free the table. */
	rcu_read_lock();
	for (__u32 i = 0; i < n; i++)
		cds_lfht_del(ht, &nodes[i].node);
	rcu_read_unlock();
	rcu_unregister_thread();
	synchronize_rcu();
	if (cds_lfht_destroy(ht, NULL))
		fprintf(stderr, "bench_maps: cds_lfht_destroy failed\n");
	free(nodes);
	sn_map__free(m);
	free(hit);
	free(miss);
}

/* ---- 3. churn memory, in a child process ---- */

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = 0, rss = 0;

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

struct mem_result {
	double ops;
	long rss_before_kb, rss_created_kb, rss_peak_kb;
};

static void churn_mem_child(__u32 flags, int fd)
{
	struct mem_result r = { 0 };
	const __u32 max = 1U << 18;
	struct sn_map_create_opts o = { .sz = sizeof(o), .map_flags = flags };
	struct sn_map *m;
	struct rusage ru;
	uint64_t t0, x = 99, n = 0;

	r.rss_before_kb = rss_kb();
	m = sn_map__create(BPF_MAP_TYPE_HASH, "mem", 4, 64, max, &o);
	r.rss_created_kb = rss_kb();
	bh_task_pin(0);
	/* htab-mem "overwrite": keep the map half full and overwrite/replace random keys. */
	t0 = now_ns();
	while (now_ns() - t0 < (uint64_t)(churn_ms * 2e6)) {
		for (int i = 0; i < 64; i++) {
			__u32 k = (__u32)(xorshift(&x) % max);
			__u64 v[8] = { k };

			if (xorshift(&x) & 1)
				sn_map_update_elem(m, &k, v, BPF_ANY);
			else
				sn_map_delete_elem(m, &k);
		}
		n += 64;
	}
	r.ops = (double)n / ((double)(now_ns() - t0) / 1e9);
	getrusage(RUSAGE_SELF, &ru);
	r.rss_peak_kb = ru.ru_maxrss;
	if (write(fd, &r, sizeof(r)) != sizeof(r))
		_exit(1);
	_exit(0);
}

static int churn_mem(__u32 flags, struct mem_result *r)
{
	int p[2];
	pid_t pid;

	if (pipe(p))
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		churn_mem_child(flags, p[1]);
	}
	close(p[1]);
	if (read(p[0], r, sizeof(*r)) != sizeof(*r))
		memset(r, 0, sizeof(*r));
	close(p[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* ---- 4. full-map updates ---- */

struct full_arg {
	struct sn_map *m;
	int idx;
	volatile int *stop;
	unsigned long n, e2big;
};

static void *full_fn(void *p)
{
	struct full_arg *a = p;
	uint64_t x = 777 + (uint64_t)a->idx;

	bh_task_pin(a->idx % nr_cpu_ids);
	while (!__atomic_load_n(a->stop, __ATOMIC_RELAXED)) {
		__u32 k = 0x80000000U | (__u32)(xorshift(&x) & 0x7fffffff);
		__u64 v = 1;

		a->e2big += sn_map_update_elem(a->m, &k, &v, BPF_ANY) == -E2BIG;
		a->n++;
	}
	return NULL;
}

static double full_update_rate(int nthr, double *per_thread)
{
	const __u32 max = 1U << 14;
	struct sn_map *m = sn_map__create(BPF_MAP_TYPE_HASH, "full", 4, 8, max, NULL);
	struct full_arg a[MAX_THR];
	pthread_t t[MAX_THR];
	volatile int stop = 0;
	unsigned long total = 0, e2big = 0;
	uint64_t t0;

	for (__u32 k = 0; k < max; k++) {
		__u64 v = k;

		sn_map__update_elem(m, &k, &v, BPF_ANY);
	}
	t0 = now_ns();
	for (int i = 0; i < nthr; i++) {
		a[i] = (struct full_arg){ .m = m, .idx = i, .stop = &stop };
		pthread_create(&t[i], NULL, full_fn, &a[i]);
	}
	usleep((useconds_t)(churn_ms * 1000));
	stop = 1;
	for (int i = 0; i < nthr; i++) {
		pthread_join(t[i], NULL);
		total += a[i].n;
		e2big += a[i].e2big;
	}
	sn_map__free(m);
	if (e2big != total)
		fprintf(stderr, "full map: %lu of %lu updates were not -E2BIG\n", total - e2big,
			total);
	*per_thread = (double)total / ((double)(now_ns() - t0) / 1e9) / nthr;
	return (double)total / ((double)(now_ns() - t0) / 1e9);
}

int main(int argc, char **argv)
{
	static const int thr[] = { 1, 2, 4, 8 };
	/* [0]: random keys (the goals), [1]: the seed's one key per thread */
	double churn_k[2][V_NR][4], churn_cpu_k[2][V_NR][4], sh = 0, sm = 0, lh = 1, lm = 1;
	double (*churn)[4] = churn_k[0], (*churn_cpu)[4] = churn_cpu_k[0];
	double full1, full1pt, full2, full2pt;
	unsigned long errs[V_NR][4]; /* both key choices */
	struct mem_result mem[2];

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--short"))
			short_run = true;
	if (short_run)
		churn_ms = 100;
	if (getenv("BENCH_MAPS_PROFILE") && !strcmp(getenv("BENCH_MAPS_PROFILE"), "lookup")) {
		bench_lookup(&sh, &sm, &lh, &lm);
		printf("hit %.1f / %.1f ns (%.2f), miss %.1f / %.1f ns (%.2f)\n", sh, lh, sh / lh,
		       sm, lm, sm / lm);
		return 0;
	}
	if (getenv("BENCH_MAPS_PROFILE")) { /* one variant, one thread, for perf */
		unsigned long e;
		double cpu_rate;

		int nthr = getenv("BENCH_MAPS_THREADS") ? atoi(getenv("BENCH_MAPS_THREADS")) : 1;

		churn_ms = 2000;
		if (nthr < 1 || nthr > MAX_THR)
			nthr = 1;
		printf("%.0f", run_churn((enum variant)atoi(getenv("BENCH_MAPS_PROFILE")), nthr,
					 getenv("BENCH_MAPS_SEED_KEYS") != NULL, &e, &cpu_rate));
		printf(" (%.0f per CPU second, %lu errors)\n", cpu_rate, e);
		return 0;
	}
	/*
	 * The machine is shared: the peers run interleaved (per thread count, one variant after
	 * the other, NR_REPS rounds) and each result is the median of its rounds, so that a burst
	 * of outside load hits all peers alike instead of one.
	 */
	{
		double cr[2][NR_REPS][V_NR][4], cc[2][NR_REPS][V_NR][4], lk[NR_REPS][4];
		int reps = short_run ? 1 : NR_REPS;

		memset(errs, 0, sizeof(errs));
		for (int r = 0; r < reps; r++) {
			for (int k = 0; k < 2; k++)
				for (int i = 0; i < 4; i++)
					for (int v = 0; v < V_NR; v++) {
						unsigned long e = 0;

						cr[k][r][v][i] = run_churn((enum variant)v, thr[i], k,
									   &e, &cc[k][r][v][i]);
						errs[v][i] += e;
					}
			bench_lookup(&lk[r][0], &lk[r][1], &lk[r][2], &lk[r][3]);
		}
		for (int k = 0; k < 2; k++)
			for (int v = 0; v < V_NR; v++)
				for (int i = 0; i < 4; i++) {
					double x[NR_REPS];

					for (int r = 0; r < reps; r++)
						x[r] = cr[k][r][v][i];
					churn_k[k][v][i] = median(x, reps);
					for (int r = 0; r < reps; r++)
						x[r] = cc[k][r][v][i];
					churn_cpu_k[k][v][i] = median(x, reps);
				}
		{
			double x[4][NR_REPS];

			for (int k = 0; k < 4; k++)
				for (int r = 0; r < reps; r++)
					x[k][r] = lk[r][k];
			sh = median(x[0], reps);
			sm = median(x[1], reps);
			lh = median(x[2], reps);
			lm = median(x[3], reps);
		}
		nr_reps = reps;
	}
	churn_mem(0, &mem[0]);
	churn_mem(BPF_F_NO_PREALLOC, &mem[1]);
	full1 = full_update_rate(1, &full1pt);
	full2 = full_update_rate(2, &full2pt);

	printf("{\n  \"machine\": {\"cpus\": %d, \"note\": \"4 and 8 threads oversubscribe the %d "
	       "CPUs\"},\n",
	       nr_cpu_ids, nr_cpu_ids);
	printf("  \"method\": {\"rounds\": %d, \"note\": \"churn and lookup peers interleaved, "
	       "median of the rounds\"},\n",
	       nr_reps);
	printf("  \"churn_update_delete_pairs_per_sec\": {\n");
	for (int v = 0; v < V_NR; v++) {
		printf("    \"%s\": {", vnames[v]);
		for (int i = 0; i < 4; i++)
			printf("\"%d\": %.0f%s", thr[i], churn[v][i], i < 3 ? ", " : "");
		printf("}%s\n", v < V_NR - 1 ? "," : "");
	}
	printf("  },\n  \"churn_pairs_per_cpu_sec\": {\n");
	for (int v = 0; v < V_NR; v++) {
		printf("    \"%s\": {", vnames[v]);
		for (int i = 0; i < 4; i++)
			printf("\"%d\": %.0f%s", thr[i], churn_cpu[v][i], i < 3 ? ", " : "");
		printf("}%s\n", v < V_NR - 1 ? "," : "");
	}
	printf("  },\n  \"churn_ratios_cpu_time\": {\"prealloc_over_malloc_1t\": %.2f, "
	       "\"prealloc_over_malloc_2t\": %.2f, \"prealloc_over_global_lock_2t\": %.2f},\n",
	       churn_cpu[V_PREALLOC][0] / churn_cpu[V_MALLOC][0],
	       churn_cpu[V_PREALLOC][1] / churn_cpu[V_MALLOC][1],
	       churn_cpu[V_PREALLOC][1] / churn_cpu[V_GLOBAL_LOCK][1]);
	printf("  \"churn_errors\": {");
	for (int v = 0; v < V_NR; v++) {
		unsigned long e = 0;

		for (int i = 0; i < 4; i++)
			e += errs[v][i];
		printf("\"%s\": %lu%s", vnames[v], e, v < V_NR - 1 ? ", " : "");
	}
	printf("},\n  \"churn_ratios\": {\n");
	for (int i = 0; i < 4; i++)
		printf("    \"prealloc_over_malloc_%dt\": %.2f, \"prealloc_over_global_lock_%dt\": "
		       "%.2f%s\n",
		       thr[i], churn[V_PREALLOC][i] / churn[V_MALLOC][i], thr[i],
		       churn[V_PREALLOC][i] / churn[V_GLOBAL_LOCK][i], i < 3 ? "," : "");
	printf("  },\n  \"churn_seed_work_one_key_per_thread\": {\n    \"note\": \"map_perf_test's "
	       "stress_hmap: each thread updates and deletes one key of its own; threads share "
	       "no bucket\",\n    \"pairs_per_sec\": {\n");
	for (int v = 0; v < V_NR; v++) {
		printf("      \"%s\": {", vnames[v]);
		for (int i = 0; i < 4; i++)
			printf("\"%d\": %.0f%s", thr[i], churn_k[1][v][i], i < 3 ? ", " : "");
		printf("}%s\n", v < V_NR - 1 ? "," : "");
	}
	printf("    },\n    \"pairs_per_cpu_sec\": {\n");
	for (int v = 0; v < V_NR; v++) {
		printf("      \"%s\": {", vnames[v]);
		for (int i = 0; i < 4; i++)
			printf("\"%d\": %.0f%s", thr[i], churn_cpu_k[1][v][i], i < 3 ? ", " : "");
		printf("}%s\n", v < V_NR - 1 ? "," : "");
	}
	printf("    },\n    \"ratios\": {");
	for (int i = 0; i < 4; i++)
		printf("\"prealloc_over_malloc_%dt\": %.2f, \"prealloc_over_global_lock_%dt\": %.2f%s",
		       thr[i], churn_k[1][V_PREALLOC][i] / churn_k[1][V_MALLOC][i], thr[i],
		       churn_k[1][V_PREALLOC][i] / churn_k[1][V_GLOBAL_LOCK][i], i < 3 ? ", " : "");
	printf("}\n  },\n  \"lookup_ns\": {\"softnetd_hit\": %.1f, \"softnetd_miss\": %.1f, "
	       "\"rculfhash_hit\": %.1f, \"rculfhash_miss\": %.1f, \"keys\": 65536, "
	       "\"load_factor\": 1.0},\n",
	       sh, sm, lh, lm);
	printf("  \"lookup_ratios\": {\"hit\": %.2f, \"miss\": %.2f},\n", sh / lh, sm / lm);
	printf("  \"churn_memory\": {\n");
	for (int i = 0; i < 2; i++)
		printf("    \"%s\": {\"ops_per_sec\": %.0f, \"rss_before_kb\": %ld, "
		       "\"rss_after_create_kb\": %ld, \"peak_rss_kb\": %ld}%s\n",
		       i ? "no_prealloc_malloc" : "prealloc", mem[i].ops, mem[i].rss_before_kb,
		       mem[i].rss_created_kb, mem[i].rss_peak_kb, i ? "" : ",");
	printf("  },\n  \"full_map_update\": {\"1t_per_sec\": %.0f, \"2t_per_sec\": %.0f, "
	       "\"2t_per_thread_per_sec\": %.0f, \"kernel_after_fix_per_cpu\": 550000},\n",
	       full1, full2, full2pt);
	(void)full1pt;
	printf("  \"goals\": {\n");
	printf("    \"prealloc_ge_1.5x_malloc_1t\": %s,\n",
	       churn[V_PREALLOC][0] >= 1.5 * churn[V_MALLOC][0] ? "true" : "false");
	printf("    \"prealloc_ge_3x_malloc_ge2t\": %s,\n",
	       churn[V_PREALLOC][1] >= 3 * churn[V_MALLOC][1] &&
			       churn[V_PREALLOC][2] >= 3 * churn[V_MALLOC][2] &&
			       churn[V_PREALLOC][3] >= 3 * churn[V_MALLOC][3]
		       ? "true"
		       : "false");
	printf("    \"prealloc_ge_2x_global_lock_2t\": %s,\n",
	       churn[V_PREALLOC][1] >= 2 * churn[V_GLOBAL_LOCK][1] ? "true" : "false");
	printf("    \"lookup_le_1.0x_rculfhash\": %s,\n",
	       sh <= lh && sm <= lm ? "true" : "false");
	printf("    \"seed_work_prealloc_ge_1.5x_malloc_1t\": %s,\n",
	       churn_k[1][V_PREALLOC][0] >= 1.5 * churn_k[1][V_MALLOC][0] ? "true" : "false");
	printf("    \"seed_work_prealloc_ge_3x_malloc_ge2t\": %s\n",
	       churn_k[1][V_PREALLOC][1] >= 3 * churn_k[1][V_MALLOC][1] &&
			       churn_k[1][V_PREALLOC][2] >= 3 * churn_k[1][V_MALLOC][2] &&
			       churn_k[1][V_PREALLOC][3] >= 3 * churn_k[1][V_MALLOC][3]
		       ? "true"
		       : "false");
	printf("  }\n}\n");
	return 0;
}
