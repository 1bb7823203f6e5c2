// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_array.c - ARRAY and PERCPU_ARRAY (kernel/bpf/arraymap.c semantics).
 *
 * Fully preallocated at creation and zero-filled; the key is a u32 index. Elements cannot be
 * deleted (-EINVAL) and always exist, so BPF_EXIST always succeeds and BPF_NOEXIST always fails
 * (-EEXIST) for an index in range. Checks, in the kernel's order:
 *   update: unknown flags -EINVAL, index >= max_entries -E2BIG, BPF_NOEXIST -EEXIST;
 *   lookup: index >= max_entries: NULL (syscall: -ENOENT);
 *   get_next_key: NULL or out-of-range key -> 0, last index -> -ENOENT, else index + 1.
 *
 * Storage: ARRAY is one block of max_entries values, each round_up(value_size, 8) bytes.
 * PERCPU_ARRAY is one dynamic per-CPU area (alloc_percpu) holding the same block once per CPU;
 * the datapath touches this CPU's copy only, the syscall side all of them in CPU order. A per-CPU
 * slot keeps all round_up(value_size, 8) bytes it was given by bpf(2), padding included, and
 * gives them back (measured on 6.18).
 *
 * Concurrency: no lock, as in the kernel: a value is copied with memcpy and a reader may see a
 * value half-written by a concurrent update (BPF_F_LOCK, the kernel's cure, needs BTF-described
 * spin locks, which softnetd maps do not have). Any context.
 */
#include <limits.h>

#include "map_internal.h"

#define ARRAY_CREATE_FLAG_MASK                                                                     \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | SN_F_ACCESS_MASK | BPF_F_PRESERVE_ELEMS |           \
	 BPF_F_INNER_MAP)

struct sn_array {
	struct sn_map map;
	__u32 elem_size; /* round_up(value_size, 8) */
	union {
		unsigned char *value;  /* ARRAY: max_entries * elem_size */
		unsigned char *pvalue; /* PERCPU_ARRAY: per-CPU pointer to the same block per CPU */
	};
};

static struct sn_array *to_array(const struct sn_map *map)
{
	return container_of(map, struct sn_array, map);
}

static bool array_is_percpu(const struct sn_map *map)
{
	return map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* array_map_alloc_check() */
static int array_map_alloc_check(const struct sn_map_attr *attr)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;

	if (attr->max_entries == 0 || attr->key_size != 4 || attr->value_size == 0 ||
	    attr->map_flags & ~ARRAY_CREATE_FLAG_MASK || !sn_map_flags_access_ok(attr->map_flags) ||
	    (percpu && attr->numa_node != NUMA_NO_NODE))
		return -EINVAL;
	if (attr->map_type != BPF_MAP_TYPE_ARRAY &&
	    attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP))
		return -EINVAL;
	/* Only PERF_EVENT_ARRAY takes BPF_F_PRESERVE_ELEMS. */
	if (attr->map_flags & BPF_F_PRESERVE_ELEMS)
		return -EINVAL;
	if (attr->value_size > INT_MAX)
		return -E2BIG;
	if (percpu && round_up(attr->value_size, 8U) > SN_PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static struct sn_map *array_map_alloc(const struct sn_map_attr *attr, int *err)
{
	__u32 elem_size = round_up(attr->value_size, 8U);
	size_t total;
	struct sn_array *array;

	if (__builtin_mul_overflow((size_t)attr->max_entries, (size_t)elem_size, &total))
		goto nomem;
	array = calloc(1, sizeof(*array));
	if (!array)
		goto nomem;
	sn_map_init_from_attr(&array->map, attr);
	array->elem_size = elem_size;
	if (attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY)
		array->pvalue = __alloc_percpu(total, 8);
	else
		array->value = calloc(1, total);
	if (!array->value) {
		free(array);
		goto nomem;
	}
	return &array->map;
nomem:
	*err = -ENOMEM;
	return NULL;
}

static void array_map_free(struct sn_map *map)
{
	struct sn_array *array = to_array(map);

	if (array_is_percpu(map))
		free_percpu(array->pvalue);
	else
		free(array->value);
	free(array);
}

static __always_inline __u32 array_index(const void *key)
{
	__u32 index;

	memcpy(&index, key, sizeof(index));
	return index;
}

static void *array_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_array *array = to_array(map);
	__u32 index = array_index(key);

	if (unlikely(index >= map->max_entries))
		return NULL;
	return array->value + (size_t)array->elem_size * index;
}

static void *percpu_array_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_array *array = to_array(map);
	__u32 index = array_index(key);

	if (unlikely(index >= map->max_entries))
		return NULL;
	return this_cpu_ptr(array->pvalue) + (size_t)array->elem_size * index;
}

/* Datapath update (and syscall update of ARRAY): value_size bytes into the slot. */
static long array_map_update_elem(struct sn_map *map, const void *key, const void *value,
				  __u64 flags)
{
	struct sn_array *array = to_array(map);
	__u32 index = array_index(key);
	unsigned char *slot;

	if (unlikely((flags & ~(__u64)BPF_F_LOCK) > BPF_EXIST))
		return -EINVAL;
	if (unlikely(index >= map->max_entries))
		return -E2BIG;
	if (unlikely(flags & BPF_NOEXIST))
		return -EEXIST;
	if (unlikely(flags & BPF_F_LOCK))
		return -EINVAL;
	if (array_is_percpu(map))
		slot = this_cpu_ptr(array->pvalue);
	else
		slot = array->value;
	memcpy(slot + (size_t)array->elem_size * index, value, map->value_size);
	return 0;
}

static long array_map_delete_elem(struct sn_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -EINVAL;
}

/* bpf_percpu_array_copy(): every CPU's slot, elem_size bytes each, in CPU order. */
static int percpu_array_copy_value(const struct sn_map *map, const void *key, void *value)
{
	struct sn_array *array = to_array(map);
	__u32 index = array_index(key);
	size_t off = (size_t)array->elem_size * index;
	int cpu;

	if (unlikely(index >= map->max_entries))
		return -ENOENT;
	for_each_possible_cpu(cpu)
		memcpy((unsigned char *)value + (size_t)cpu * array->elem_size,
		       per_cpu_ptr(array->pvalue, cpu) + off, array->elem_size);
	return 0;
}

/* bpf_percpu_array_update() */
static long percpu_array_update_value(struct sn_map *map, const void *key, const void *value,
				      __u64 flags)
{
	struct sn_array *array = to_array(map);
	__u32 index = array_index(key);
	size_t off = (size_t)array->elem_size * index;
	int cpu;

	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;
	if (unlikely(index >= map->max_entries))
		return -E2BIG;
	if (unlikely(flags == BPF_NOEXIST))
		return -EEXIST;
	for_each_possible_cpu(cpu)
		memcpy(per_cpu_ptr(array->pvalue, cpu) + off,
		       (const unsigned char *)value + (size_t)cpu * array->elem_size,
		       array->elem_size);
	return 0;
}

const struct sn_map_ops sn_array_map_ops = {
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.lookup_elem = array_map_lookup_elem,
	.update_elem = array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.get_next_key = sn_map_index_get_next_key,
	.lookup_batch = sn_generic_lookup_batch,
	.update_batch = sn_generic_update_batch,
};

const struct sn_map_ops sn_percpu_array_map_ops = {
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.lookup_elem = percpu_array_map_lookup_elem,
	.update_elem = array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.get_next_key = sn_map_index_get_next_key,
	.copy_value = percpu_array_copy_value,
	.update_value = percpu_array_update_value,
	.lookup_batch = sn_generic_lookup_batch,
	.update_batch = sn_generic_update_batch,
};
