// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_cpumap.c - CPUMAP as a container (kernel/bpf/cpumap.c semantics); the per-entry thread,
 * ptr_ring and redirect come with the XDP work.
 *
 * Key: a CPU number. Value: struct bpf_cpumap_val { __u32 qsize; union { int fd; __u32 id; }
 * bpf_prog; }, 4 bytes (qsize) or 8 (qsize + program). The syscall side reads back { qsize,
 * program id }. softnetd has no program fds: the fd field carries a softnetd program id
 * (xdp/xdp_map_prog.h), which must name a loaded program of expected attach type
 * BPF_XDP_CPUMAP (SEC("xdp/cpumap")); the entry holds a reference on it until it is replaced,
 * deleted or the map freed. xdp/xdp_cpumap.c runs it on the entry's thread.
 *
 * Semantics (kernel, measured on 6.18):
 * - create: key_size 4, value_size 4 or 8, max_entries 1..NR_CPUS (SN_CPUMAP_NR_CPUS = 256 on
 *   the reference kernel; above it -E2BIG), flags BPF_F_NUMA_NODE only (else -EINVAL).
 * - update, in this order: flags > BPF_EXIST -EINVAL; key >= max_entries -E2BIG; BPF_NOEXIST
 *   -EEXIST (BPF_EXIST succeeds on an empty slot); qsize > 16384 -EOVERFLOW; key not a
 *   possible CPU -ENODEV; qsize 0 empties the slot; a program fd > 0 that names no
 *   BPF_XDP_CPUMAP program -ENOMEM (cpu_map_update_elem() answers any failure of
 *   __cpu_map_entry_alloc() with -ENOMEM, a bad fd or a wrong type included). Without xdp/
 *   linked in (map tests, differential test) every fd > 0 gets -ENOMEM, as in the kernel for
 *   an fd that is not a program.
 * - delete: key >= max_entries -EINVAL, else 0 (also when empty). lookup of an empty slot or an
 *   out-of-range key: -ENOENT. get_next_key: as ARRAY. No batch operations.
 *
 * Memory and concurrency: as DEVMAP (map_devmap.c): max_entries + 1 preallocated entries on a
 * FIFO free list, updates under an rqspinlock_t, lookups lock-free on a slot replaced with one
 * release store; the prealloc reuse caveat of map.h applies.
 */
#include "bhlock/rqspinlock.h"
#include "map_internal.h"

/* xdp/xdp_map_prog.c's program references: weak, the map module does not link xdp/. */
extern int sn_xdp_map_prog_get(uint32_t id, enum bpf_attach_type type) __attribute__((weak));
extern void sn_xdp_map_prog_put(uint32_t id) __attribute__((weak));

#define CPU_MAP_QSIZE_MAX 16384
/* offsetofend(struct bpf_cpumap_val, qsize): the 4-byte value form */
#define CPU_VAL_SIZE_QSIZE offsetof(struct bpf_cpumap_val, bpf_prog)

struct sn_cpu_map_entry {
	struct bpf_cpumap_val value; /* first: the datapath lookup returns its address */
	__u32 cpu;
	struct sn_cpu_map_entry *free_next;
};

struct sn_cmap {
	struct sn_map map;
	/* lock protects cpu_map[] (writes) and the free list. */
	rqspinlock_t lock;
	struct sn_cpu_map_entry **cpu_map;
	struct sn_cpu_map_entry *entries;
	struct sn_cpu_map_entry *free_head, *free_tail;
};

static struct sn_cmap *to_cmap(const struct sn_map *map)
{
	return container_of(map, struct sn_cmap, map);
}

static __always_inline __u32 cpu_key(const void *key)
{
	__u32 k;

	memcpy(&k, key, sizeof(k));
	return k;
}

/* Recycle @e and drop its program reference. Lock held (or the map being freed). */
static void cpu_entry_release(struct sn_cmap *cmap, struct sn_cpu_map_entry *e)
{
	if (!e)
		return;
	if (e->value.bpf_prog.id && sn_xdp_map_prog_put)
		sn_xdp_map_prog_put(e->value.bpf_prog.id);
	e->value.bpf_prog.id = 0;
	e->free_next = NULL;
	if (cmap->free_tail)
		cmap->free_tail->free_next = e;
	else
		cmap->free_head = e;
	cmap->free_tail = e;
}

static struct sn_cpu_map_entry *cpu_entry_alloc(struct sn_cmap *cmap)
{
	struct sn_cpu_map_entry *e = cmap->free_head;

	if (e) {
		cmap->free_head = e->free_next;
		if (!cmap->free_head)
			cmap->free_tail = NULL;
		e->free_next = NULL;
	}
	return e;
}

static int cpu_map_alloc_check(const struct sn_map_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->value_size != CPU_VAL_SIZE_QSIZE &&
	     attr->value_size != sizeof(struct bpf_cpumap_val)) ||
	    attr->map_flags & ~BPF_F_NUMA_NODE)
		return -EINVAL;
	if (attr->max_entries > SN_CPUMAP_NR_CPUS)
		return -E2BIG;
	return 0;
}

static struct sn_map *cpu_map_alloc(const struct sn_map_attr *attr, int *err)
{
	struct sn_cmap *cmap = calloc(1, sizeof(*cmap));
	size_t n_entries = (size_t)attr->max_entries + 1;

	if (!cmap)
		goto nomem;
	sn_map_init_from_attr(&cmap->map, attr);
	raw_res_spin_lock_init(&cmap->lock);
	cmap->cpu_map = calloc(attr->max_entries, sizeof(*cmap->cpu_map));
	cmap->entries = calloc(n_entries, sizeof(*cmap->entries));
	if (!cmap->cpu_map || !cmap->entries) {
		free(cmap->cpu_map);
		free(cmap->entries);
		free(cmap);
		goto nomem;
	}
	for (size_t i = 0; i < n_entries; i++)
		cpu_entry_release(cmap, &cmap->entries[i]);
	return &cmap->map;
nomem:
	*err = -ENOMEM;
	return NULL;
}

static void cpu_map_free(struct sn_map *map)
{
	struct sn_cmap *cmap = to_cmap(map);

	for (__u32 i = 0; i < map->max_entries; i++)
		cpu_entry_release(cmap, cmap->cpu_map[i]);
	free(cmap->entries);
	free(cmap->cpu_map);
	free(cmap);
}

static void *cpu_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_cmap *cmap = to_cmap(map);
	__u32 k = cpu_key(key);
	struct sn_cpu_map_entry *e;

	if (k >= map->max_entries)
		return NULL;
	e = __atomic_load_n(&cmap->cpu_map[k], __ATOMIC_ACQUIRE);
	return e ? &e->value : NULL;
}

/* __cpu_map_entry_replace(): publish e (or NULL) and recycle the old entry. Lock held. */
static void cpu_map_entry_replace(struct sn_cmap *cmap, struct sn_cpu_map_entry *e, __u32 k)
{
	struct sn_cpu_map_entry *old = cmap->cpu_map[k];

	__atomic_store_n(&cmap->cpu_map[k], e, __ATOMIC_RELEASE);
	cpu_entry_release(cmap, old);
}

static long cpu_map_update_elem(struct sn_map *map, const void *key, const void *value,
				__u64 flags)
{
	struct sn_cmap *cmap = to_cmap(map);
	struct bpf_cpumap_val val = { 0 };
	struct sn_cpu_map_entry *e = NULL;
	__u32 key_cpu = cpu_key(key);
	unsigned long irq_flags;
	int err;

	memcpy(&val, value, map->value_size);
	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;
	if (unlikely(key_cpu >= map->max_entries))
		return -E2BIG;
	if (unlikely(flags == BPF_NOEXIST))
		return -EEXIST;
	if (unlikely(val.qsize > CPU_MAP_QSIZE_MAX))
		return -EOVERFLOW;
	if (key_cpu >= (__u32)nr_cpu_ids)
		return -ENODEV;

	err = raw_res_spin_lock_irqsave(&cmap->lock, irq_flags);
	if (err)
		return err;
	if (val.qsize) {
		e = cpu_entry_alloc(cmap);
		if (!e) {
			err = -ENOMEM;
			goto out;
		}
		/* __cpu_map_load_bpf_program(): its errno is lost, the update says -ENOMEM. */
		if (val.bpf_prog.fd > 0 &&
		    (!sn_xdp_map_prog_get ||
		     sn_xdp_map_prog_get((__u32)val.bpf_prog.fd, BPF_XDP_CPUMAP))) {
			cpu_entry_release(cmap, e);
			err = -ENOMEM;
			goto out;
		}
		e->value.qsize = val.qsize;
		e->value.bpf_prog.id = val.bpf_prog.fd > 0 ? (__u32)val.bpf_prog.fd : 0;
		e->cpu = key_cpu;
	}
	cpu_map_entry_replace(cmap, e, key_cpu);
out:
	raw_res_spin_unlock_irqrestore(&cmap->lock, irq_flags);
	return err;
}

static long cpu_map_delete_elem(struct sn_map *map, const void *key)
{
	struct sn_cmap *cmap = to_cmap(map);
	__u32 k = cpu_key(key);
	unsigned long irq_flags;
	int err;

	if (k >= map->max_entries)
		return -EINVAL;
	err = raw_res_spin_lock_irqsave(&cmap->lock, irq_flags);
	if (err)
		return err;
	cpu_map_entry_replace(cmap, NULL, k);
	raw_res_spin_unlock_irqrestore(&cmap->lock, irq_flags);
	return 0;
}

const struct sn_map_ops sn_cpu_map_ops = {
	.alloc_check = cpu_map_alloc_check,
	.alloc = cpu_map_alloc,
	.free = cpu_map_free,
	.lookup_elem = cpu_map_lookup_elem,
	.update_elem = cpu_map_update_elem,
	.delete_elem = cpu_map_delete_elem,
	.get_next_key = sn_map_index_get_next_key,
};
