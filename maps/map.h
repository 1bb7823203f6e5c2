/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * map.h - BPF-style maps with the kernel's semantics (DESIGN.md §6, KERNEL.md §7).
 *
 * The same XDP programs run against softnetd's maps and the kernel's, so every map here answers
 * like the kernel (reference: 6.18, measured by tests/unit/maps/test_differential.c): same
 * creation checks, same flags (BPF_ANY / BPF_NOEXIST / BPF_EXIST), same return codes, same
 * get_next_key order, same batch semantics. Constants are the kernel's, from <linux/bpf.h>.
 *
 * Two sides, as in the kernel:
 * - The syscall side, sn_map__*(): what bpf(2) and libbpf's bpf_map_*() do from user space.
 *   Values are copied in and out; a per-CPU map's value is one slot per possible CPU, each
 *   rounded up to 8 bytes (sn_map__value_size_sys()), exactly the buffer bpf(2) expects.
 *   Access flags of the map (BPF_F_RDONLY / BPF_F_WRONLY) act like those of a map fd.
 * - The datapath side, sn_map_*() (no double underscore, the helpers' names): what a program's
 *   bpf_map_lookup_elem() / _update_elem() / _delete_elem() do. Lookup returns a pointer into the
 *   map (this CPU's slot for a per-CPU map) and takes no lock. Per-CPU maps need a task that
 *   cannot migrate (bh_task_pin() or migrate_disable()), like a program that runs with
 *   migration disabled.
 *
 * Lifetime of a pointer returned by sn_map_lookup_elem(): the kernel keeps an element alive
 * until the RCU grace period after its removal. softnetd has no RCU; every map here keeps its
 * memory until sn_map__free() (preallocated or pooled), so a pointer never dangles, but an
 * element deleted or replaced while a reader holds it may be reused at once for another key (the
 * kernel's own caveat for preallocated hash maps). Each map type states its rule in its file.
 *
 * Context: sn_map__create()/sn_map__free() thread context. The syscall side: thread context.
 * The datapath side: any context the map type allows (see the type's file); lookups any.
 */
#ifndef MAPS_MAP_H
#define MAPS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/bpf.h>

/*
 * The kernel's internal "operation not supported" code (include/linux/errno.h), which bpf(2)
 * does return to user space for a command a map type lacks (e.g. batch ops on DEVMAP).
 */
#define SN_ENOTSUPP 524

/* bpf(2) object names: 15 characters + NUL; libbpf truncates longer names, so do we. */
#define SN_MAP_NAME_LEN 16

/*
 * softnetd extension flag, in a bit the kernel does not use. LPM_TRIE only, instead of
 * BPF_F_NO_PREALLOC (which the kernel requires): preallocate every node at creation so that
 * lookups and updates on the datapath never allocate. Rejected (-EINVAL) by the other types,
 * as the kernel rejects unknown flags. The kernel twin maps it to BPF_F_NO_PREALLOC.
 */
#define SOFTNET_F_LPM_PREALLOC (1U << 31)

/* The reference kernel's NR_CPUS: a CPUMAP may have at most this many entries (else -E2BIG). */
#define SN_CPUMAP_NR_CPUS 256

struct sn_map;

struct sn_map_create_opts {
	size_t sz;          /* sizeof(struct sn_map_create_opts) */
	__u32 map_flags;    /* BPF_F_* (and SOFTNET_F_* extensions) */
	__u32 numa_node;    /* only with BPF_F_NUMA_NODE */
};

/**
 * sn_map__create() - create a map, checking the parameters as the kernel's map_create() does.
 * @type: BPF_MAP_TYPE_ARRAY, _PERCPU_ARRAY, _LPM_TRIE, _DEVMAP, _DEVMAP_HASH or _CPUMAP.
 * @name: object name (NULL or ""), letters, digits, '_' and '.'; truncated to 15 characters.
 * @opts: may be NULL (no flags).
 * Context: thread context (allocates).
 * Return: the map, or NULL with errno set to the code the kernel returns for the same
 * definition: EINVAL (unknown type or flag, bad key/value size, max_entries 0, bad name,
 * RDONLY with WRONLY, bad NUMA node), E2BIG (value too large), ENOMEM.
 */
struct sn_map *sn_map__create(enum bpf_map_type type, const char *name, __u32 key_size,
			      __u32 value_size, __u32 max_entries,
			      const struct sn_map_create_opts *opts);
/* Context: thread context; no datapath user may still hold the map. NULL is ignored. */
void sn_map__free(struct sn_map *map);

enum bpf_map_type sn_map__type(const struct sn_map *map);
const char *sn_map__name(const struct sn_map *map);
__u32 sn_map__key_size(const struct sn_map *map);
__u32 sn_map__value_size(const struct sn_map *map);
/* Bytes of a value on the syscall side: value_size, or round_up(value_size, 8) * nr_cpu_ids. */
__u32 sn_map__value_size_sys(const struct sn_map *map);
__u32 sn_map__max_entries(const struct sn_map *map);
/* Flags as the kernel reports them (it adds BPF_F_RDONLY_PROG to DEVMAP/DEVMAP_HASH). */
__u32 sn_map__map_flags(const struct sn_map *map);
bool sn_map__is_percpu(const struct sn_map *map);

/*
 * Syscall side. Each returns 0 or the -errno that bpf(2) returns for the same call.
 * Common codes: -EPERM (access flags), -EINVAL (flags), -EFAULT (NULL buffer),
 * -SN_ENOTSUPP (command not implemented by the map type), and the type's own codes
 * (-ENOENT, -EEXIST, -E2BIG, -ENOSPC, ...).
 */
int sn_map__lookup_elem(const struct sn_map *map, const void *key, void *value);
/*
 * @flags: bpf(2) knows only BPF_F_LOCK, which none of these types supports: nonzero -EINVAL,
 * except that BPF_F_LOCK alone on a map the caller may not read is -EPERM (checked in between).
 */
int sn_map__lookup_elem_flags(const struct sn_map *map, const void *key, void *value,
			      __u64 flags);
int sn_map__update_elem(struct sn_map *map, const void *key, const void *value, __u64 flags);
int sn_map__delete_elem(struct sn_map *map, const void *key);
int sn_map__lookup_and_delete_elem(struct sn_map *map, const void *key, void *value,
				   __u64 flags);
/* @key NULL (or a key not in the map, for most types): the first key. -ENOENT after the last. */
int sn_map__get_next_key(const struct sn_map *map, const void *key, void *next_key);

struct sn_map_batch_opts {
	size_t sz;        /* sizeof(struct sn_map_batch_opts) */
	__u64 elem_flags; /* nonzero: -EINVAL (only BPF_F_LOCK exists, and no value has a lock) */
	__u64 flags;      /* hash-family lookup batches: nonzero -EINVAL; others ignore it */
};

/*
 * Batch operations, with libbpf's bpf_map_*_batch() signature. *count is in/out: how many
 * elements to do, then how many were done, also on error (an error stops the batch).
 * lookup: in_batch NULL starts at the first key; out_batch receives the last key copied
 * (written only when at least one was); -ENOENT once the end is reached (with *count valid).
 */
int sn_map__lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			 void *keys, void *values, __u32 *count,
			 const struct sn_map_batch_opts *opts);
int sn_map__lookup_and_delete_batch(struct sn_map *map, const void *in_batch, void *out_batch,
				    void *keys, void *values, __u32 *count,
				    const struct sn_map_batch_opts *opts);
int sn_map__update_batch(struct sn_map *map, const void *keys, const void *values,
			 __u32 *count, const struct sn_map_batch_opts *opts);
int sn_map__delete_batch(struct sn_map *map, const void *keys, __u32 *count,
			 const struct sn_map_batch_opts *opts);

/*
 * Walk every element in get_next_key order with its syscall-side value; stop when fn returns
 * nonzero. Return: fn's nonzero value, 0 at the end, or -errno.
 */
typedef int (*sn_map_elem_fn)(const void *key, const void *value, void *ctx);
int sn_map__for_each_elem(const struct sn_map *map, sn_map_elem_fn fn, void *ctx);
/* Print the map like `bpftool map dump` (hex key/value lines, one per CPU for per-CPU maps). */
int sn_map__dump(const struct sn_map *map, FILE *out);

/*
 * Datapath side: what the bpf_map_*_elem() helpers do inside a program.
 * sn_map_lookup_elem(): pointer to the value (this CPU's slot of a per-CPU map), or NULL.
 * sn_map_update_elem() / sn_map_delete_elem(): 0 or -errno as the helpers return; for a per-CPU
 * map the update writes this CPU's slot only (value_size bytes).
 * Context: see the type; per-CPU maps need a task that cannot migrate.
 */
void *sn_map_lookup_elem(struct sn_map *map, const void *key);
long sn_map_update_elem(struct sn_map *map, const void *key, const void *value, __u64 flags);
long sn_map_delete_elem(struct sn_map *map, const void *key);

#endif /* MAPS_MAP_H */
