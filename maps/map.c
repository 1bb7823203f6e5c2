// SPDX-License-Identifier: GPL-2.0-only
/*
 * map.c - the common map object: creation checks, the syscall side (access, flag and batch
 * checks in the kernel's order) and the datapath entry points.
 *
 * Follows kernel/bpf/syscall.c (map_create, map_lookup_elem, map_update_elem, map_delete_elem,
 * map_get_next_key, map_lookup_and_delete_elem, bpf_map_do_batch, generic_map_*_batch). The
 * order of the checks matters as much as the codes, because a call with two faults must fail
 * with the kernel's code; where the order was not obvious from the source it was measured on
 * 6.18 (test_differential.c keeps measuring it).
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_internal.h"

/* Ops tables of the hash family (map_hash.c, map_lru.c). */
extern const struct sn_map_ops sn_htab_map_ops;
extern const struct sn_map_ops sn_htab_percpu_map_ops;
extern const struct sn_map_ops sn_htab_lru_map_ops;
extern const struct sn_map_ops sn_htab_lru_percpu_map_ops;

static const struct sn_map_ops *sn_map_type_ops(enum bpf_map_type type)
{
	switch (type) {
	case BPF_MAP_TYPE_ARRAY:
		return &sn_array_map_ops;
	case BPF_MAP_TYPE_PERCPU_ARRAY:
		return &sn_percpu_array_map_ops;
	case BPF_MAP_TYPE_LPM_TRIE:
		return &sn_trie_map_ops;
	case BPF_MAP_TYPE_DEVMAP:
		return &sn_dev_map_ops;
	case BPF_MAP_TYPE_DEVMAP_HASH:
		return &sn_dev_map_hash_ops;
	case BPF_MAP_TYPE_CPUMAP:
		return &sn_cpu_map_ops;
	case BPF_MAP_TYPE_HASH:
		return &sn_htab_map_ops;
	case BPF_MAP_TYPE_PERCPU_HASH:
		return &sn_htab_percpu_map_ops;
	case BPF_MAP_TYPE_LRU_HASH:
		return &sn_htab_lru_map_ops;
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return &sn_htab_lru_percpu_map_ops;
	default:
		return NULL;
	}
}

static bool sn_map_type_is_percpu(enum bpf_map_type type)
{
	return type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

void sn_map_init_from_attr(struct sn_map *map, const struct sn_map_attr *attr)
{
	map->map_type = attr->map_type;
	map->key_size = attr->key_size;
	map->value_size = attr->value_size;
	map->max_entries = attr->max_entries;
	map->map_flags = attr->map_flags;
	map->numa_node = attr->numa_node;
}

/* bpf_obj_name_cpy(), after libbpf's truncation to 15 characters. */
static int sn_map_name_cpy(char *dst, const char *src)
{
	size_t i;

	memset(dst, 0, SN_MAP_NAME_LEN);
	if (!src)
		return 0;
	for (i = 0; src[i] && i < SN_MAP_NAME_LEN - 1; i++) {
		unsigned char c = (unsigned char)src[i];

		if (!isalnum(c) && c != '_' && c != '.')
			return -EINVAL;
		dst[i] = (char)c;
	}
	return 0;
}

/* The kernel's nr_node_ids / node_online(): softnetd assumes one node, node 0. */
static bool sn_numa_node_ok(int node)
{
	return node == NUMA_NO_NODE || node == 0;
}

struct sn_map *sn_map__create(enum bpf_map_type type, const char *name, __u32 key_size,
			      __u32 value_size, __u32 max_entries,
			      const struct sn_map_create_opts *opts)
{
	struct sn_map_attr attr = {
		.map_type = type,
		.key_size = key_size,
		.value_size = value_size,
		.max_entries = max_entries,
	};
	const struct sn_map_ops *ops;
	struct sn_map *map;
	int err = 0;

	if (opts && opts->sz && opts->sz < offsetof(struct sn_map_create_opts, numa_node) +
					   sizeof(opts->numa_node)) {
		errno = EINVAL;
		return NULL;
	}
	if (opts) {
		attr.map_flags = opts->map_flags;
		attr.numa_node = (attr.map_flags & BPF_F_NUMA_NODE) ? (int)opts->numa_node
								    : NUMA_NO_NODE;
	} else {
		attr.numa_node = NUMA_NO_NODE;
	}

	/* map_create(): file flags, NUMA node, type, then the type's own checks. */
	if ((attr.map_flags & BPF_F_RDONLY) && (attr.map_flags & BPF_F_WRONLY))
		err = -EINVAL;
	else if (!sn_numa_node_ok(attr.numa_node))
		err = -EINVAL;
	if (err)
		goto out_err;
	ops = sn_map_type_ops(type);
	if (!ops) {
		err = -EINVAL;
		goto out_err;
	}
	if (ops->alloc_check) {
		err = ops->alloc_check(&attr);
		if (err)
			goto out_err;
	}
	map = ops->alloc(&attr, &err);
	if (!map)
		goto out_err;
	map->ops = ops;
	map->value_size_sys = map->value_size;
	if (sn_map_type_is_percpu(type))
		map->value_size_sys = round_up(map->value_size, 8U) * (__u32)nr_cpu_ids;
	/* The kernel checks the name only once the map exists. */
	err = sn_map_name_cpy(map->name, name);
	if (err) {
		ops->free(map);
		goto out_err;
	}
	return map;

out_err:
	errno = -err;
	return NULL;
}

void sn_map__free(struct sn_map *map)
{
	if (map)
		map->ops->free(map);
}

enum bpf_map_type sn_map__type(const struct sn_map *map)
{
	return map->map_type;
}

const char *sn_map__name(const struct sn_map *map)
{
	return map->name;
}

__u32 sn_map__key_size(const struct sn_map *map)
{
	return map->key_size;
}

__u32 sn_map__value_size(const struct sn_map *map)
{
	return map->value_size;
}

__u32 sn_map__value_size_sys(const struct sn_map *map)
{
	return map->value_size_sys;
}

__u32 sn_map__max_entries(const struct sn_map *map)
{
	return map->max_entries;
}

__u32 sn_map__map_flags(const struct sn_map *map)
{
	return map->map_flags;
}

bool sn_map__is_percpu(const struct sn_map *map)
{
	return sn_map_type_is_percpu(map->map_type);
}

/* map_get_sys_perms(): what a map fd created with these flags may do. */
static bool sn_map_can_read(const struct sn_map *map)
{
	return !(map->map_flags & BPF_F_WRONLY);
}

static bool sn_map_can_write(const struct sn_map *map)
{
	return !(map->map_flags & BPF_F_RDONLY);
}

int sn_map_copy_value(const struct sn_map *map, const void *key, void *value)
{
	const void *ptr;

	if (map->ops->copy_value)
		return map->ops->copy_value(map, key, value);
	ptr = map->ops->lookup_elem((struct sn_map *)map, key);
	if (!ptr)
		return -ENOENT;
	memcpy(value, ptr, map->value_size);
	return 0;
}

static long sn_map_update_value(struct sn_map *map, const void *key, const void *value,
				__u64 flags)
{
	if (map->ops->update_value)
		return map->ops->update_value(map, key, value, flags);
	return map->ops->update_elem(map, key, value, flags);
}

int sn_map__lookup_elem(const struct sn_map *map, const void *key, void *value)
{
	return sn_map__lookup_elem_flags(map, key, value, 0);
}

int sn_map__lookup_elem_flags(const struct sn_map *map, const void *key, void *value,
			      __u64 flags)
{
	/*
	 * map_lookup_elem(): unknown bits before the access check, BPF_F_LOCK after it (no value
	 * here has a bpf_spin_lock).
	 */
	if (flags & ~(__u64)BPF_F_LOCK)
		return -EINVAL;
	if (!sn_map_can_read(map))
		return -EPERM;
	if (flags & BPF_F_LOCK)
		return -EINVAL;
	if (!key || !value)
		return -EFAULT;
	return sn_map_copy_value(map, key, value);
}

int sn_map__update_elem(struct sn_map *map, const void *key, const void *value, __u64 flags)
{
	if (!sn_map_can_write(map))
		return -EPERM;
	if (flags & BPF_F_LOCK)
		return -EINVAL;
	if (!key || !value)
		return -EFAULT;
	return (int)sn_map_update_value(map, key, value, flags);
}

int sn_map__delete_elem(struct sn_map *map, const void *key)
{
	if (!sn_map_can_write(map))
		return -EPERM;
	if (!key)
		return -EFAULT;
	return (int)map->ops->delete_elem(map, key);
}

int sn_map__lookup_and_delete_elem(struct sn_map *map, const void *key, void *value,
				   __u64 flags)
{
	/* Same order as the lookup: unknown bits, access, then BPF_F_LOCK, then the type. */
	if (flags & ~(__u64)BPF_F_LOCK)
		return -EINVAL;
	if (!sn_map_can_read(map) || !sn_map_can_write(map))
		return -EPERM;
	if (flags & BPF_F_LOCK)
		return -EINVAL;
	if (!map->ops->lookup_and_delete_elem)
		return -SN_ENOTSUPP;
	if (!key || !value)
		return -EFAULT;
	return map->ops->lookup_and_delete_elem(map, key, value);
}

int sn_map__get_next_key(const struct sn_map *map, const void *key, void *next_key)
{
	if (!sn_map_can_read(map))
		return -EPERM;
	if (!next_key)
		return -EFAULT;
	return map->ops->get_next_key(map, key, next_key);
}

/* Retries of a batch lookup when an element vanished between get_next_key and the copy. */
#define SN_MAP_LOOKUP_RETRIES 3

int sn_generic_lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			    void *keys, void *values, __u32 *count, __u64 flags)
{
	__u32 max_count = *count, cp = 0;
	int retry = SN_MAP_LOOKUP_RETRIES;
	unsigned char *bufs, *prev_key = NULL, *key, *other;
	int err = 0;

	(void)flags; /* not checked by the kernel either */
	if (!max_count)
		return 0;
	*count = 0;
	/* Two key buffers that swap roles: the key just copied becomes the previous one. */
	bufs = malloc(2 * (size_t)map->key_size);
	if (!bufs)
		return -ENOMEM;
	key = bufs;
	other = bufs + map->key_size;
	if (in_batch) {
		memcpy(other, in_batch, map->key_size);
		prev_key = other;
	}
	while (cp < max_count) {
		unsigned char *tmp;

		err = map->ops->get_next_key(map, prev_key, key);
		if (err)
			break;
		err = sn_map_copy_value(map, key, (char *)values + (size_t)cp * map->value_size_sys);
		if (err == -ENOENT) {
			if (retry) {
				retry--;
				continue;
			}
			err = -EINTR;
			break;
		}
		if (err)
			goto out_free;
		memcpy((char *)keys + (size_t)cp * map->key_size, key, map->key_size);
		tmp = key;
		key = prev_key ? prev_key : other;
		prev_key = tmp;
		retry = SN_MAP_LOOKUP_RETRIES;
		cp++;
	}
	*count = cp;
	if (cp && out_batch)
		memcpy(out_batch, prev_key, map->key_size);
out_free:
	free(bufs);
	return err;
}

int sn_generic_update_batch(struct sn_map *map, const void *keys, const void *values,
			    __u32 *count, __u64 elem_flags)
{
	__u32 max_count = *count, cp;
	int err = 0;

	if (!max_count)
		return 0;
	*count = 0;
	for (cp = 0; cp < max_count; cp++) {
		err = (int)sn_map_update_value(map, (const char *)keys + (size_t)cp * map->key_size,
					       (const char *)values +
						       (size_t)cp * map->value_size_sys,
					       elem_flags);
		if (err)
			break;
	}
	*count = cp;
	return err;
}

int sn_generic_delete_batch(struct sn_map *map, const void *keys, __u32 *count)
{
	__u32 max_count = *count, cp;
	int err = 0;

	if (!max_count)
		return 0;
	*count = 0;
	for (cp = 0; cp < max_count; cp++) {
		err = (int)map->ops->delete_elem(map, (const char *)keys + (size_t)cp * map->key_size);
		if (err)
			break;
	}
	*count = cp;
	return err;
}

/*
 * bpf_map_do_batch(): access first, then whether the type has the command, then the command's
 * own elem_flags check, the same in every 6.18 batch command: a bit other than BPF_F_LOCK is
 * -EINVAL, and so is BPF_F_LOCK itself on a value without a bpf_spin_lock (every value here).
 * The batch-level flags are the command's business: the hash lookups refuse them (-EINVAL, even
 * with *count 0), the generic commands ignore them; they go to the lookup ops.
 */
static int sn_batch_check(const struct sn_map *map, bool reads, bool writes, const void *fn,
			  const struct sn_map_batch_opts *opts, const __u32 *count)
{
	if (reads && !sn_map_can_read(map))
		return -EPERM;
	if (writes && !sn_map_can_write(map))
		return -EPERM;
	if (!fn)
		return -SN_ENOTSUPP;
	if (opts && (opts->elem_flags & ~(__u64)BPF_F_LOCK))
		return -EINVAL;
	if (opts && (opts->elem_flags & BPF_F_LOCK))
		return -EINVAL; /* no value here has a bpf_spin_lock */
	if (!count)
		return -EFAULT;
	return 0;
}

int sn_map__lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			 void *keys, void *values, __u32 *count,
			 const struct sn_map_batch_opts *opts)
{
	int err = sn_batch_check(map, true, false, (const void *)map->ops->lookup_batch, opts,
				 count);

	if (err)
		return err;
	if (*count && (!keys || !values))
		return -EFAULT;
	return map->ops->lookup_batch(map, in_batch, out_batch, keys, values, count,
				      opts ? opts->flags : 0);
}

int sn_map__lookup_and_delete_batch(struct sn_map *map, const void *in_batch, void *out_batch,
				    void *keys, void *values, __u32 *count,
				    const struct sn_map_batch_opts *opts)
{
	int err = sn_batch_check(map, true, true,
				 (const void *)map->ops->lookup_and_delete_batch, opts, count);

	if (err)
		return err;
	if (*count && (!keys || !values))
		return -EFAULT;
	return map->ops->lookup_and_delete_batch(map, in_batch, out_batch, keys, values, count,
						 opts ? opts->flags : 0);
}

int sn_map__update_batch(struct sn_map *map, const void *keys, const void *values,
			 __u32 *count, const struct sn_map_batch_opts *opts)
{
	int err = sn_batch_check(map, false, true, (const void *)map->ops->update_batch, opts,
				 count);

	if (err)
		return err;
	if (*count && (!keys || !values))
		return -EFAULT;
	return map->ops->update_batch(map, keys, values, count, opts ? opts->elem_flags : 0);
}

int sn_map__delete_batch(struct sn_map *map, const void *keys, __u32 *count,
			 const struct sn_map_batch_opts *opts)
{
	int err = sn_batch_check(map, false, true, (const void *)map->ops->delete_batch, opts,
				 count);

	if (err)
		return err;
	if (*count && !keys)
		return -EFAULT;
	return map->ops->delete_batch(map, keys, count);
}

int sn_map__for_each_elem(const struct sn_map *map, sn_map_elem_fn fn, void *ctx)
{
	unsigned char *buf, *key, *prev, *value;
	bool first = true;
	int err;

	buf = malloc(2 * (size_t)map->key_size + map->value_size_sys);
	if (!buf)
		return -ENOMEM;
	key = buf;
	prev = buf + map->key_size;
	value = buf + 2 * (size_t)map->key_size;
	for (;;) {
		err = map->ops->get_next_key(map, first ? NULL : prev, key);
		if (err) {
			if (err == -ENOENT)
				err = 0;
			break;
		}
		first = false;
		err = sn_map_copy_value(map, key, value);
		if (!err)
			err = fn(key, value, ctx);
		else if (err == -ENOENT)
			err = 0; /* an empty DEVMAP/CPUMAP slot, or gone meanwhile */
		if (err)
			break;
		memcpy(prev, key, map->key_size);
	}
	free(buf);
	return err;
}

struct sn_dump_ctx {
	const struct sn_map *map;
	FILE *out;
};

static void sn_dump_hex(FILE *out, const unsigned char *p, __u32 n)
{
	for (__u32 i = 0; i < n; i++)
		fprintf(out, "%s%02x", i ? " " : "", p[i]);
}

static int sn_dump_one(const void *key, const void *value, void *arg)
{
	struct sn_dump_ctx *d = arg;
	const struct sn_map *map = d->map;

	fprintf(d->out, "key: ");
	sn_dump_hex(d->out, key, map->key_size);
	if (!sn_map__is_percpu(map)) {
		fprintf(d->out, "  value: ");
		sn_dump_hex(d->out, value, map->value_size);
		fprintf(d->out, "\n");
		return 0;
	}
	fprintf(d->out, "\n");
	for (int cpu = 0; cpu < nr_cpu_ids; cpu++) {
		fprintf(d->out, "value (CPU %02d): ", cpu);
		sn_dump_hex(d->out,
			    (const unsigned char *)value + (size_t)cpu * round_up(map->value_size, 8U),
			    map->value_size);
		fprintf(d->out, "\n");
	}
	return 0;
}

int sn_map__dump(const struct sn_map *map, FILE *out)
{
	struct sn_dump_ctx d = { .map = map, .out = out };

	if (!sn_map_can_read(map))
		return -EPERM;
	return sn_map__for_each_elem(map, sn_dump_one, &d);
}

void *sn_map_lookup_elem(struct sn_map *map, const void *key)
{
	return map->ops->lookup_elem(map, key);
}

long sn_map_update_elem(struct sn_map *map, const void *key, const void *value, __u64 flags)
{
	return map->ops->update_elem(map, key, value, flags);
}

long sn_map_delete_elem(struct sn_map *map, const void *key)
{
	return map->ops->delete_elem(map, key);
}

int sn_map_index_get_next_key(const struct sn_map *map, const void *key, void *next_key)
{
	__u32 index = UINT32_MAX;
	__u32 next;

	if (key)
		memcpy(&index, key, sizeof(index));
	if (index >= map->max_entries) {
		next = 0;
	} else {
		if (index == map->max_entries - 1)
			return -ENOENT;
		next = index + 1;
	}
	memcpy(next_key, &next, sizeof(next));
	return 0;
}
