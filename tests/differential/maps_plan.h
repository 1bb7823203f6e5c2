/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * maps_plan.h - the one set of map contents both sides load (included by kern_side.c and
 * sn_side.c): every value that names a device is a kernel ifindex of the suite's veths (or of
 * lo: a kernel interface that is no port, accepted by both maps, a failed redirect on both sides).
 * @set writes one entry of the map called @name if the object has it: 0 or -errno.
 */
#ifndef TESTS_DIFFERENTIAL_MAPS_PLAN_H
#define TESTS_DIFFERENTIAL_MAPS_PLAN_H

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <net/if.h>
#include <unistd.h>

#include "diff.h"

typedef int (*diff_map_set_t)(void *arg, const char *name, const void *key, const void *val);

/*
 * In "egress_ports" values, bpf_prog.fd DIFF_EGRESS_PROG stands for the object's SEC("xdp/devmap")
 * program: each side's @set puts its own reference there (a kernel fd, a softnetd program id).
 */
#define DIFF_EGRESS_PROG (-1)

static inline int diff_maps_fill(const struct diff_maps_plan *plan, uint32_t cfg_ifindex,
				 uint32_t cfg_fallback, diff_map_set_t set, void *arg)
{
	const uint32_t *p = plan->ifindex;
	uint32_t lo = if_nametoindex("lo");
	struct { uint32_t ifindex, fallback; } cfg = { cfg_ifindex, cfg_fallback };
	/* dev_ports: keys 0..4 set (4 = lo), 5..7 empty; keys 8..15 fall off the map. */
	const uint32_t dev_ports[5] = { p[1], p[2], p[3], p[0], lo };
	/* hash_ports: a few scattered keys; fwd_ports: the forwarding program's ports 1..3. */
	const uint32_t hash_keys[5] = { 7, 42, 200, 255, 128 };
	const uint32_t hash_vals[5] = { p[1], p[2], p[3], p[0], lo };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	uint32_t zero = 0;
	int rc = 0;

	rc = rc ?: set(arg, "cfg", &zero, &cfg);
	for (uint32_t k = 0; k < 5; k++)
		rc = rc ?: set(arg, "dev_ports", &k, &dev_ports[k]);
	for (int i = 0; i < 5; i++)
		rc = rc ?: set(arg, "hash_ports", &hash_keys[i], &hash_vals[i]);
	for (uint32_t k = 1; k <= 3; k++)
		rc = rc ?: set(arg, "fwd_ports", &k, &p[k]);
	/* egress_ports: keys 0..4 as dev_ports, each with the egress program; 5..7 empty. */
	for (uint32_t k = 0; k < 5; k++) {
		struct bpf_devmap_val v = { .ifindex = dev_ports[k] };

		v.bpf_prog.fd = DIFF_EGRESS_PROG;
		rc = rc ?: set(arg, "egress_ports", &k, &v);
	}
	/* cpumap (key = the CPU): CPUs 0 and 1 when there are two; keys 2 and 3 miss. */
	for (uint32_t cpu = 0; cpu < 2 && cpu < (uint32_t)ncpu; cpu++) {
		struct bpf_cpumap_val v = { .qsize = 192 };

		rc = rc ?: set(arg, "cpus", &cpu, &v);
	}
	/* Routes: 10.0.0.1-3 and ...::1-3 to ports 1..3; .4 / ::4 to port key 9 (a devmap miss). */
	for (uint32_t i = 1; i <= 4; i++) {
		struct { uint32_t prefixlen, addr; } k4 = { 32, htonl(0x0a000000u | i) };
		uint32_t port = i <= 3 ? i : 9;

		rc = rc ?: set(arg, "routes_v4", &k4, &port);
		rc = rc ?: set(arg, "routes_v6", &i, &port);
	}
	return rc;
}

#endif /* TESTS_DIFFERENTIAL_MAPS_PLAN_H */
