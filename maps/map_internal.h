/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map_internal.h - the map object and the per-type ops table (the kernel's struct bpf_map and
 * struct bpf_map_ops, kernel/bpf/syscall.c for the common checks).
 *
 * Each type defines a const struct sn_map_ops; sn_map__create() picks it by type once, so no
 * call switches on the type afterwards (STYLE.md: ops tables chosen at creation).
 *
 * Which op serves which side:
 *   lookup_elem / update_elem / delete_elem  datapath helpers (per-CPU: this CPU's slot); the
 *                                            syscall side also uses update/delete when the type
 *                                            has no update_value
 *   copy_value / update_value                syscall side of per-CPU and struct-valued types
 *                                            (NULL: generic copy of value_size bytes / update_elem)
 *   *_batch                                  NULL: -ENOTSUPP, as the kernel's BPF_DO_BATCH
 *
 * Batch flags: map.c checks elem_flags for every type (6.18: each batch command refuses any bit
 * but BPF_F_LOCK, and BPF_F_LOCK on a value without a bpf_spin_lock, i.e. on every map here);
 * the batch-level flags go to the lookup commands, whose hash implementation refuses nonzero
 * ones before looking at the count, while the generic ones ignore them.
 */
#ifndef MAPS_MAP_INTERNAL_H
#define MAPS_MAP_INTERNAL_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bhlock/compiler.h"
#include "bhlock/percpu.h"
#include "map.h"

#ifndef NUMA_NO_NODE
#define NUMA_NO_NODE (-1)
#endif
/* The kernel's PCPU_MIN_UNIT_SIZE: largest per-CPU value. */
#define SN_PCPU_MIN_UNIT_SIZE (32 << 10)
#define SN_F_ACCESS_MASK (BPF_F_RDONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY | BPF_F_WRONLY_PROG)

/* The subset of union bpf_attr (BPF_MAP_CREATE) that map types look at. */
struct sn_map_attr {
	enum bpf_map_type map_type;
	__u32 key_size, value_size, max_entries, map_flags;
	int numa_node; /* NUMA_NO_NODE unless BPF_F_NUMA_NODE */
};

struct sn_map_ops {
	/* Creation: checks that need no memory, then the allocation (map is zeroed by alloc). */
	int (*alloc_check)(const struct sn_map_attr *attr);
	struct sn_map *(*alloc)(const struct sn_map_attr *attr, int *err);
	void (*free)(struct sn_map *map);

	void *(*lookup_elem)(struct sn_map *map, const void *key);
	long (*update_elem)(struct sn_map *map, const void *key, const void *value, __u64 flags);
	long (*delete_elem)(struct sn_map *map, const void *key);
	int (*get_next_key)(const struct sn_map *map, const void *key, void *next_key);

	int (*copy_value)(const struct sn_map *map, const void *key, void *value);
	long (*update_value)(struct sn_map *map, const void *key, const void *value, __u64 flags);

	int (*lookup_batch)(const struct sn_map *map, const void *in_batch, void *out_batch,
			    void *keys, void *values, __u32 *count, __u64 flags);
	int (*lookup_and_delete_batch)(struct sn_map *map, const void *in_batch, void *out_batch,
				       void *keys, void *values, __u32 *count, __u64 flags);
	int (*update_batch)(struct sn_map *map, const void *keys, const void *values,
			    __u32 *count, __u64 elem_flags);
	int (*delete_batch)(struct sn_map *map, const void *keys, __u32 *count);
	int (*lookup_and_delete_elem)(struct sn_map *map, const void *key, void *value);
};

struct sn_map {
	const struct sn_map_ops *ops;
	enum bpf_map_type map_type;
	__u32 key_size;
	__u32 value_size;
	__u32 max_entries;
	__u32 map_flags;
	int numa_node;
	__u32 value_size_sys; /* bpf_map_value_size(): per-CPU maps carry one slot per CPU */
	char name[SN_MAP_NAME_LEN];
};

/* bpf_map_flags_access_ok(): a program may not be both denied reads and denied writes. */
static inline bool sn_map_flags_access_ok(__u32 flags)
{
	return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !=
	       (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/* Copy the creation attributes into the common part (bpf_map_init_from_attr()). */
void sn_map_init_from_attr(struct sn_map *map, const struct sn_map_attr *attr);

/*
 * get_next_key of the maps indexed by a u32 (ARRAY, PERCPU_ARRAY, DEVMAP, CPUMAP): a NULL or
 * out-of-range key gives index 0, the last index -ENOENT, any other index + 1.
 */
int sn_map_index_get_next_key(const struct sn_map *map, const void *key, void *next_key);

/* Generic batch operations over get_next_key/copy_value/update/delete (kernel/bpf/syscall.c). */
/* @flags: ignored, as generic_map_lookup_batch() does. */
int sn_generic_lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			    void *keys, void *values, __u32 *count, __u64 flags);
int sn_generic_update_batch(struct sn_map *map, const void *keys, const void *values,
			    __u32 *count, __u64 elem_flags);
int sn_generic_delete_batch(struct sn_map *map, const void *keys, __u32 *count);

/* Syscall-side copy-out of one element, as bpf_map_copy_value(). */
int sn_map_copy_value(const struct sn_map *map, const void *key, void *value);

extern const struct sn_map_ops sn_array_map_ops;
extern const struct sn_map_ops sn_percpu_array_map_ops;
extern const struct sn_map_ops sn_trie_map_ops;
extern const struct sn_map_ops sn_dev_map_ops;
extern const struct sn_map_ops sn_dev_map_hash_ops;
extern const struct sn_map_ops sn_cpu_map_ops;

#endif /* MAPS_MAP_INTERNAL_H */
