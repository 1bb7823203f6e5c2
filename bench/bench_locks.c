// SPDX-License-Identifier: GPL-2.0-only
/*
 * bench_locks.c - ns per lock+unlock for bhlock's locks and their peers, all in one run, as
 * ratios against the peer measured in the same run (this machine is noisy).
 *
 *   guard      nested-BH guard around a per-CPU increment, per profile, vs the bare increment
 *   local_lock local_lock()+unlock per profile vs pthread mutex (plain and PTHREAD_PRIO_INHERIT)
 *   spin       rqspinlock vs pthread spinlock vs concurrencykit MCS (bench_spin.c)
 *
 * The profile is chosen once per process, so each profile is measured in a forked child that
 * sends its results back over a pipe. Each figure is the best of several repetitions.
 *
 * Usage: bench_locks [--short] [--json FILE]
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "bench_util.h"
#include "bhlock/bhlock.h"

#define REPS 7

/* Like napi_alloc_cache: a per-CPU stack of object pointers and its nested-BH lock. */
#define CACHE_SLOTS 64
DEFINE_PER_CPU(struct {
	local_lock_t bh_lock;
	unsigned long counter;
	unsigned int count;
	void *slot[CACHE_SLOTS];
}, bench_pcpu) = {
	.bh_lock = INIT_LOCAL_LOCK(bench_pcpu.bh_lock),
};
DEFINE_PER_CPU(local_lock_t, bench_llock) = INIT_LOCAL_LOCK(bench_llock);

/* Best-of-REPS ns per iteration of body, run iters times. */
#define MEASURE(iters, body)                                                                       \
	({                                                                                         \
		double __best = INFINITY;                                                          \
		for (int __r = 0; __r < REPS; __r++) {                                             \
			uint64_t __t0 = bench_now_ns();                                            \
			for (uint64_t __i = 0; __i < (iters); __i++) {                             \
				body;                                                              \
				__asm__ __volatile__("" ::: "memory");                             \
			}                                                                          \
			double __ns = (double)(bench_now_ns() - __t0) / (double)(iters);           \
			if (__ns < __best)                                                         \
				__best = __ns;                                                     \
		}                                                                                  \
		__best;                                                                            \
	})

/* Take an object from the per-CPU cache and give it back: the work a nested-BH lock guards. */
static __always_inline void cache_pop_push(__typeof__(bench_pcpu) *c)
{
	void *obj = c->count ? c->slot[--c->count] : NULL;

	/* Give back a different object, so the compiler cannot fold the pair into nothing. */
	if (c->count < CACHE_SLOTS)
		c->slot[c->count++] = (void *)((uintptr_t)obj ^ 64);
}

static void emit(FILE *out, const char *group, const char *name, double ns)
{
	fprintf(out, "%s %s %.4f\n", group, name, ns);
}

/* In a child: everything that depends on the profile. */
static void measure_profile(enum bh_profile p, FILE *out)
{
	const char *pn = bh_profile_name(p);
	uint64_t n = bench_iters(20000000);
	char name[64];

	bh_profile_set(p);
	bh_task_pin(0);

	local_bh_disable();
	double bare = MEASURE(n, this_cpu_ptr(&bench_pcpu)->counter++);
	double guarded = MEASURE(n, {
		guard(local_lock_nested_bh)(&bench_pcpu.bh_lock);
		this_cpu_ptr(&bench_pcpu)->counter++;
	});
	this_cpu_ptr(&bench_pcpu)->count = CACHE_SLOTS / 2;
	double cache_bare = MEASURE(n, cache_pop_push(this_cpu_ptr(&bench_pcpu)));
	double cache_guarded = MEASURE(n, {
		guard(local_lock_nested_bh)(&bench_pcpu.bh_lock);
		cache_pop_push(this_cpu_ptr(&bench_pcpu));
	});
	local_bh_enable();
	snprintf(name, sizeof(name), "no_lock/%s", pn);
	emit(out, "guard", name, bare);
	snprintf(name, sizeof(name), "nested_bh_guard/%s", pn);
	emit(out, "guard", name, guarded);
	snprintf(name, sizeof(name), "cache_no_lock/%s", pn);
	emit(out, "guard", name, cache_bare);
	snprintf(name, sizeof(name), "cache_nested_bh_guard/%s", pn);
	emit(out, "guard", name, cache_guarded);

	double ll = MEASURE(n, {
		local_lock(&bench_llock);
		local_unlock(&bench_llock);
	});
	snprintf(name, sizeof(name), "local_lock/%s", pn);
	emit(out, "local_lock", name, ll);
	double bh = MEASURE(n / 4, {
		local_bh_disable();
		local_bh_enable();
	});
	snprintf(name, sizeof(name), "local_bh_disable/%s", pn);
	emit(out, "bh", name, bh);
}

static void measure_pthread_mutexes(void)
{
	uint64_t n = bench_iters(20000000);
	pthread_mutex_t plain = PTHREAD_MUTEX_INITIALIZER, pi;
	pthread_mutexattr_t a;
	struct rt_mutex rt = RT_MUTEX_INITIALIZER;

	pthread_mutexattr_init(&a);
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&pi, &a);
	bh_task_pin(0);
	bench_record("local_lock", "pthread_mutex", 1, MEASURE(n, {
			     pthread_mutex_lock(&plain);
			     pthread_mutex_unlock(&plain);
		     }), NAN);
	bench_record("local_lock", "pthread_mutex_pi", 1, MEASURE(n, {
			     pthread_mutex_lock(&pi);
			     pthread_mutex_unlock(&pi);
		     }), NAN);
	bench_record("local_lock", "rt_mutex", 1, MEASURE(n, {
			     rt_mutex_lock(&rt);
			     rt_mutex_unlock(&rt);
		     }), NAN);
	pthread_mutex_destroy(&pi);
}

static void run_profile_child(enum bh_profile p)
{
	int fds[2];
	char line[256];

	if (pipe(fds))
		return;
	fflush(NULL);
	pid_t pid = fork();

	if (pid == 0) {
		FILE *out = fdopen(fds[1], "w");

		close(fds[0]);
		measure_profile(p, out);
		fclose(out);
		_exit(0);
	}
	close(fds[1]);
	FILE *in = fdopen(fds[0], "r");

	while (in && fgets(line, sizeof(line), in)) {
		char group[64], name[128];
		double ns;

		if (sscanf(line, "%63s %127s %lf", group, name, &ns) == 3)
			bench_record(strdup(group), strdup(name), 1, ns, NAN);
	}
	if (in)
		fclose(in);
	waitpid(pid, NULL, 0);
}

struct goal {
	const char *what;
	double ratio, limit;
	bool at_most; /* ratio <= limit, else ratio >= limit */
};

static void print_json(FILE *f, const struct goal *g, int ng)
{
	fprintf(f, "{\n  \"benchmark\": \"locks\",\n  \"short\": %s,\n  \"cpus\": %d,\n",
		bench_short ? "true" : "false", nr_cpu_ids);
	bench_print_results_json(f);
	fprintf(f, ",\n  \"goals\": [\n");
	for (int i = 0; i < ng; i++)
		fprintf(f, "    {\"what\": \"%s\", \"ratio\": %.3f, \"goal\": \"%s %.2f\", \"met\": %s}%s\n",
			g[i].what, g[i].ratio, g[i].at_most ? "<=" : ">=", g[i].limit,
			(g[i].at_most ? g[i].ratio <= g[i].limit : g[i].ratio >= g[i].limit) ?
				"true" : "false",
			i + 1 < ng ? "," : "");
	fprintf(f, "  ]\n}\n");
}

int main(int argc, char **argv)
{
	const char *json_path = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--short"))
			bench_short = true;
		else if (!strcmp(argv[i], "--json") && i + 1 < argc)
			json_path = argv[++i];
		else {
			fprintf(stderr, "usage: %s [--short] [--json FILE]\n", argv[0]);
			return 2;
		}
	}
	fprintf(stderr, "bench_locks: %d CPUs%s%s\n", nr_cpu_ids, bench_short ? ", short" : "",
		LOCKDEP_ENABLED ? ", WITH the lock validator (debug build: numbers not comparable)" :
				  "");
	run_profile_child(BH_PROFILE_VANILLA);
	run_profile_child(BH_PROFILE_RT_BHLOCK);
	run_profile_child(BH_PROFILE_RT_NESTED);
	measure_pthread_mutexes();
	bench_spinlocks();

	struct goal goals[] = {
		{ "vanilla nested-BH guard / no lock (per-CPU cache pop+push)",
		  bench_ns("guard", "cache_nested_bh_guard/vanilla", 1) /
			  bench_ns("guard", "cache_no_lock/vanilla", 1),
		  1.05, true },
		{ "vanilla nested-BH guard / no lock (bare increment)",
		  bench_ns("guard", "nested_bh_guard/vanilla", 1) / bench_ns("guard", "no_lock/vanilla", 1),
		  1.05, true },
		{ "rt-nested nested-BH guard / pthread PI mutex (uncontended)",
		  bench_ns("guard", "nested_bh_guard/rt-nested", 1) /
			  bench_ns("local_lock", "pthread_mutex_pi", 1),
		  1.2, true },
		{ "rqspinlock / pthread spin (uncontended ns)",
		  bench_ns("spin", "rqspinlock", 1) / bench_ns("spin", "pthread_spin", 1), 1.2, true },
		{ "rqspinlock / pthread spin (2-thread contended throughput)",
		  bench_ops("spin", "rqspinlock", 2) / bench_ops("spin", "pthread_spin", 2), 0.8, false },
	};
	int ng = (int)ARRAY_SIZE(goals);

	for (int i = 0; i < ng; i++)
		fprintf(stderr, "  goal: %-60s %.3f (%s %.2f)\n", goals[i].what, goals[i].ratio,
			goals[i].at_most ? "<=" : ">=", goals[i].limit);
	print_json(stdout, goals, ng);
	if (json_path) {
		FILE *f = fopen(json_path, "w");

		if (!f) {
			perror(json_path);
			return 1;
		}
		print_json(f, goals, ng);
		fclose(f);
	}
	return 0;
}
