// SPDX-License-Identifier: GPL-2.0-only
/*
 * xdp_map_prog.c - the references devmap and cpumap entries hold on their programs, and the
 * objects kept alive by them (xdp_map_prog.h).
 *
 * Kernel facts followed (kernel/bpf/devmap.c, kernel/bpf/cpumap.c, net/core/filter.c):
 * - a devmap entry's program must have expected_attach_type BPF_XDP_DEVMAP (SEC("xdp/devmap")),
 *   a cpumap entry's BPF_XDP_CPUMAP (SEC("xdp/cpumap")); __dev_map_alloc_node() answers every
 *   refusal (bad fd, wrong type) with -EINVAL, cpu_map_update_elem() answers a failed
 *   __cpu_map_entry_alloc() with -ENOMEM whatever the reason;
 * - the entry holds a reference (bpf_prog_get) until the entry is freed, and the value read back
 *   carries the program's id;
 * - such programs cannot be attached to a device (dev_xdp_attach(): -EINVAL).
 *
 * The reference counts live here, indexed by program id. get increments before it checks that
 * the id names a program, and sn_bpf_prog_unprepare() reads the count before it forgets the id
 * (both sequentially consistent): either unprepare sees the reference and keeps the program, or
 * get sees the id gone and fails. No lock is taken, so the maps may call in under their
 * rqspinlock.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "maps/map.h"
#include "xdp/bpf_prog.h"
#include "xdp/xdp.h"
#include "xdp/xdp_internal.h"
#include "xdp/xdp_map_prog.h"

static uint32_t map_prog_refs[SN_XDP_MAX_PROG_IDS]; /* id = index + 1 */

/* Objects closed while a map they do not own held one of their programs. */
struct map_prog_parked {
	struct map_prog_parked *next;
	struct sn_bpf_object *obj;
};
static pthread_mutex_t map_prog_park_lock = PTHREAD_MUTEX_INITIALIZER; /* protects parked */
static struct map_prog_parked *parked;

int sn_xdp_map_prog_get(uint32_t id, enum bpf_attach_type type)
{
	struct sn_bpf_prog *prog;

	if (id == 0 || id > SN_XDP_MAX_PROG_IDS)
		return -EBADF;
	__atomic_fetch_add(&map_prog_refs[id - 1], 1, __ATOMIC_SEQ_CST);
	prog = sn_xdp_prog_by_id(id);
	if (!prog || prog->expected_attach_type != type) {
		__atomic_fetch_sub(&map_prog_refs[id - 1], 1, __ATOMIC_SEQ_CST);
		return prog ? -EINVAL : -EBADF;
	}
	return 0;
}

void sn_xdp_map_prog_put(uint32_t id)
{
	if (id == 0 || id > SN_XDP_MAX_PROG_IDS)
		return;
	__atomic_fetch_sub(&map_prog_refs[id - 1], 1, __ATOMIC_SEQ_CST);
}

uint32_t sn_xdp_map_prog_refs(uint32_t id)
{
	if (id == 0 || id > SN_XDP_MAX_PROG_IDS)
		return 0;
	return __atomic_load_n(&map_prog_refs[id - 1], __ATOMIC_SEQ_CST);
}

/* The id @prog is registered under, or 0; registers nothing. */
static uint32_t map_prog_find_id(const struct sn_bpf_prog *prog)
{
	for (uint32_t id = 1; id <= SN_XDP_MAX_PROG_IDS; id++)
		if (sn_xdp_prog_by_id(id) == prog)
			return id;
	return 0;
}

bool __sn_xdp_map_prog_registered(const struct sn_bpf_prog *prog)
{
	return map_prog_find_id(prog) != 0;
}

bool __sn_xdp_map_prog_held(const struct sn_bpf_prog *prog)
{
	uint32_t id = map_prog_find_id(prog);

	return id && sn_xdp_map_prog_refs(id) > 0;
}

static bool map_holds_progs(const struct sn_map *map)
{
	enum bpf_map_type t = sn_map__type(map);

	return (t == BPF_MAP_TYPE_DEVMAP || t == BPF_MAP_TYPE_DEVMAP_HASH ||
		t == BPF_MAP_TYPE_CPUMAP) &&
	       sn_map__value_size(map) == 2 * sizeof(__u32);
}

/* References on @id held by entries of the maps @obj owns itself (they go with it). */
static uint32_t obj_own_refs(const struct sn_bpf_object *obj, uint32_t id)
{
	uint32_t n = 0;

	for (size_t i = 0; i < obj->nr_maps; i++) {
		const struct sn_map *map = obj->maps[i].map;
		__u32 key, next, val[2];
		bool first = true;

		if (!obj->maps[i].owned || !map || !map_holds_progs(map))
			continue;
		/* bpf_devmap_val and bpf_cpumap_val both end in the program id. */
		while (sn_map__get_next_key(map, first ? NULL : &key, &next) == 0) {
			first = false;
			key = next;
			if (sn_map__lookup_elem(map, &key, val) == 0 && val[1] == id)
				n++;
		}
	}
	return n;
}

/* Does a map @obj does not own hold one of its programs? */
static bool obj_held_from_outside(const struct sn_bpf_object *obj)
{
	for (size_t i = 0; i < obj->nr_progs; i++) {
		uint32_t id = map_prog_find_id(&obj->progs[i]);

		if (id && sn_xdp_map_prog_refs(id) > obj_own_refs(obj, id))
			return true;
	}
	return false;
}

bool __sn_xdp_map_prog_park(struct sn_bpf_object *obj)
{
	struct map_prog_parked *p;

	if (!obj_held_from_outside(obj))
		return false;
	p = calloc(1, sizeof(*p));
	if (!p)
		return false; /* cannot keep it: the caller frees it (as before this file) */
	p->obj = obj;
	pthread_mutex_lock(&map_prog_park_lock);
	p->next = parked;
	parked = p;
	pthread_mutex_unlock(&map_prog_park_lock);
	return true;
}

int sn_xdp_map_prog_reap(void)
{
	struct map_prog_parked *done = NULL, **pp, *p;
	int left = 0;

	pthread_mutex_lock(&map_prog_park_lock);
	for (pp = &parked; (p = *pp);) {
		if (obj_held_from_outside(p->obj)) {
			left++;
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		p->next = done;
		done = p;
	}
	pthread_mutex_unlock(&map_prog_park_lock);
	if (done)
		sn_xdp_synchronize(); /* a redirect may have looked the program up just before */
	while ((p = done)) {
		done = p->next;
		__sn_bpf_object_free(p->obj);
		free(p);
	}
	return left;
}
