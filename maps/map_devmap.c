// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_devmap.c - DEVMAP and DEVMAP_HASH as containers (kernel/bpf/devmap.c semantics); the
 * redirect side (bulk queues, flush lists, running the egress program) is xdp/xdp_redirect.c.
 *
 * Value: struct bpf_devmap_val { __u32 ifindex; union { int fd; __u32 id; } bpf_prog; }, of
 * which a map keeps 4 bytes (ifindex) or 8 (ifindex + program). The syscall side reads back
 * { ifindex, program id }. softnetd has no program fds: the fd field carries a softnetd program
 * id (xdp/xdp_map_prog.h), which must name a loaded program of expected attach type
 * BPF_XDP_DEVMAP (SEC("xdp/devmap")); the entry holds a reference on it until the entry is
 * replaced, deleted or the map freed, and reads back the same id.
 *
 * Semantics (kernel, measured on 6.18):
 * - create: key_size 4, value_size 4 or 8, max_entries > 0, flags NUMA_NODE | RDONLY | WRONLY
 *   (else -EINVAL); DEVMAP_HASH max_entries > 2^31 -> -EINVAL. The kernel adds
 *   BPF_F_RDONLY_PROG to the flags (programs may not write a devmap); so do we.
 * - The ifindex must name a device of the caller's network namespace (if_indextoname()) or a
 *   softnetd port by its XDP ifindex (net/netdev.h: 0x10000 + index for a port with no kernel
 *   interface), else -EINVAL; a program fd > 0 (8-byte values) that is no softnetd program id
 *   or names a program of another attach type -> -EINVAL (the kernel's __dev_map_alloc_node()
 *   answers -EINVAL for a bad fd and for a wrong type alike). Without xdp/ linked in (the map
 *   tests, the differential test) no id names a program, so every fd > 0 gets -EINVAL, as the
 *   kernel answers for an fd that is not a program.
 * - DEVMAP (an array): update: flags > BPF_EXIST -EINVAL, index >= max -E2BIG, BPF_NOEXIST
 *   -EEXIST (BPF_EXIST succeeds on an empty slot); ifindex 0 empties the slot (with an fd > 0:
 *   -EINVAL). delete: index >= max -EINVAL, else 0 even when empty. lookup of an empty slot:
 *   -ENOENT. get_next_key: as ARRAY (walks empty slots too).
 * - DEVMAP_HASH: update: flags > BPF_EXIST or ifindex 0 -EINVAL; BPF_NOEXIST on a present key
 *   -EEXIST; BPF_EXIST on an absent key inserts (the kernel does not check it); the new entry is
 *   checked (-EINVAL) before fullness (-E2BIG). A replaced entry moves to the head of its
 *   bucket. delete of an absent key -ENOENT. Bucket = key & (n_buckets - 1), n_buckets =
 *   roundup_pow_of_two(max_entries), newest first: get_next_key follows that order exactly.
 * - No batch operations and no lookup_and_delete (-ENOTSUPP).
 *
 * Memory and concurrency: entries are preallocated (max_entries + 1: one spare for the entry a
 * replace installs before it releases the old one) and recycled through a FIFO free list.
 * Updates and deletes take dtab->lock (an rqspinlock_t: -EDEADLK/-ETIMEDOUT instead of a
 * hang). Lookups take no lock: a slot or a bucket is replaced with one release store, so a
 * reader sees the old entry or the new one. DEVMAP_HASH chains end in a "nulls" marker that
 * names the bucket; a reader that ends in another bucket's chain (its entry was moved) restarts,
 * as hlist_nulls lookups do. The kernel frees a removed entry after an RCU grace period; here a
 * released entry goes to the tail of the free list and may be reused for another key while a
 * reader still holds it (the prealloc caveat, see map.h).
 */
#include <net/if.h>

#include "bhlock/rqspinlock.h"
#include "map_internal.h"

/*
 * net/netdev.c's lookup, when the program links the datapath (the map module does not depend on
 * it: alone, as in the map tests, only the kernel's interfaces are accepted).
 */
struct sn_netdev;
extern struct sn_netdev *sn_dev_get_by_ifindex(uint32_t ifindex) __attribute__((weak));
/* xdp/xdp_map_prog.c's program references, likewise (absent: no program can be named). */
extern int sn_xdp_map_prog_get(uint32_t id, enum bpf_attach_type type) __attribute__((weak));
extern void sn_xdp_map_prog_put(uint32_t id) __attribute__((weak));

#define DEV_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)
#define DEV_LOOKUP_RESTARTS 8
/* offsetofend(struct bpf_devmap_val, ifindex): the 4-byte value form */
#define DEV_VAL_SIZE_IFINDEX offsetof(struct bpf_devmap_val, bpf_prog)

struct sn_dtab_netdev {
	struct bpf_devmap_val val; /* first: the datapath lookup returns its address */
	__u32 idx;
	struct sn_dtab_netdev *hnext; /* DEVMAP_HASH chain; ends in a nulls marker */
	struct sn_dtab_netdev *free_next;
};

struct sn_dtab {
	struct sn_map map;
	/* lock protects the slots/buckets (writes), items and the free list. */
	rqspinlock_t lock;
	struct sn_dtab_netdev **netdev_map; /* DEVMAP: max_entries slots */
	struct sn_dtab_netdev **dev_index_head; /* DEVMAP_HASH: n_buckets chains */
	__u32 n_buckets;
	__u32 items;
	struct sn_dtab_netdev *entries; /* the preallocated entries */
	struct sn_dtab_netdev *free_head, *free_tail;
};

static struct sn_dtab *to_dtab(const struct sn_map *map)
{
	return container_of(map, struct sn_dtab, map);
}

static __always_inline __u32 dev_key(const void *key)
{
	__u32 k;

	memcpy(&k, key, sizeof(k));
	return k;
}

static __always_inline struct sn_dtab_netdev *dev_nulls(__u32 bucket)
{
	return (struct sn_dtab_netdev *)(((uintptr_t)bucket << 1) | 1);
}

static __always_inline bool dev_is_nulls(const struct sn_dtab_netdev *n)
{
	return (uintptr_t)n & 1;
}

static __always_inline struct sn_dtab_netdev *dev_load(struct sn_dtab_netdev *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static __always_inline void dev_store(struct sn_dtab_netdev **p, struct sn_dtab_netdev *n)
{
	__atomic_store_n(p, n, __ATOMIC_RELEASE);
}

/* Recycle @e and drop its program reference. Lock held (or the map being freed). */
static void dev_entry_release(struct sn_dtab *dtab, struct sn_dtab_netdev *e)
{
	if (!e)
		return;
	if (e->val.bpf_prog.id && sn_xdp_map_prog_put)
		sn_xdp_map_prog_put(e->val.bpf_prog.id);
	e->val.bpf_prog.id = 0;
	e->free_next = NULL;
	if (dtab->free_tail)
		dtab->free_tail->free_next = e;
	else
		dtab->free_head = e;
	dtab->free_tail = e;
}

/* A softnetd port by its XDP ifindex, or a kernel interface of this namespace. */
static bool dev_ifindex_valid(__u32 ifindex, char name[IF_NAMESIZE])
{
	if (sn_dev_get_by_ifindex && sn_dev_get_by_ifindex(ifindex))
		return true;
	return if_indextoname(ifindex, name) != NULL;
}

/*
 * __dev_map_alloc_node(): check the value and fill a free entry. Caller holds the lock.
 * Return: the entry, or NULL with *err = -EINVAL (no such device, or bpf_prog.fd > 0 that
 * names no BPF_XDP_DEVMAP program) / -ENOMEM. The entry holds a reference on its program.
 */
static struct sn_dtab_netdev *dev_entry_alloc(struct sn_dtab *dtab,
					      const struct bpf_devmap_val *val, __u32 idx, int *err)
{
	char name[IF_NAMESIZE];
	struct sn_dtab_netdev *e;

	if (!dev_ifindex_valid(val->ifindex, name)) {
		*err = -EINVAL;
		return NULL;
	}
	e = dtab->free_head;
	if (!e) {
		*err = -ENOMEM;
		return NULL;
	}
	if (val->bpf_prog.fd > 0 &&
	    (!sn_xdp_map_prog_get || sn_xdp_map_prog_get((__u32)val->bpf_prog.fd, BPF_XDP_DEVMAP))) {
		*err = -EINVAL;
		return NULL;
	}
	dtab->free_head = e->free_next;
	if (!dtab->free_head)
		dtab->free_tail = NULL;
	e->val.ifindex = val->ifindex;
	e->val.bpf_prog.id = val->bpf_prog.fd > 0 ? (__u32)val->bpf_prog.fd : 0;
	e->idx = idx;
	e->hnext = NULL;
	e->free_next = NULL;
	return e;
}

static int dev_map_alloc_check(const struct sn_map_attr *attr)
{
	__u32 vs = attr->value_size;

	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (vs != DEV_VAL_SIZE_IFINDEX && vs != sizeof(struct bpf_devmap_val)) ||
	    attr->map_flags & ~DEV_CREATE_FLAG_MASK)
		return -EINVAL;
	if (attr->map_type == BPF_MAP_TYPE_DEVMAP_HASH && attr->max_entries > (1U << 31))
		return -EINVAL;
	return 0;
}

static __u32 dev_roundup_pow_of_two(__u32 n)
{
	__u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

static struct sn_map *dev_map_alloc(const struct sn_map_attr *attr, int *err)
{
	struct sn_dtab *dtab = calloc(1, sizeof(*dtab));
	size_t n_entries = (size_t)attr->max_entries + 1;

	if (!dtab)
		goto nomem;
	sn_map_init_from_attr(&dtab->map, attr);
	dtab->map.map_flags |= BPF_F_RDONLY_PROG;
	raw_res_spin_lock_init(&dtab->lock);
	if (attr->map_type == BPF_MAP_TYPE_DEVMAP_HASH) {
		dtab->n_buckets = dev_roundup_pow_of_two(attr->max_entries);
		dtab->dev_index_head = calloc(dtab->n_buckets, sizeof(*dtab->dev_index_head));
		if (!dtab->dev_index_head)
			goto free_dtab;
		for (__u32 b = 0; b < dtab->n_buckets; b++)
			dtab->dev_index_head[b] = dev_nulls(b);
	} else {
		dtab->netdev_map = calloc(attr->max_entries, sizeof(*dtab->netdev_map));
		if (!dtab->netdev_map)
			goto free_dtab;
	}
	dtab->entries = calloc(n_entries, sizeof(*dtab->entries));
	if (!dtab->entries)
		goto free_dtab;
	for (size_t i = 0; i < n_entries; i++)
		dev_entry_release(dtab, &dtab->entries[i]);
	return &dtab->map;

free_dtab:
	free(dtab->dev_index_head);
	free(dtab->netdev_map);
	free(dtab);
nomem:
	*err = -ENOMEM;
	return NULL;
}

static void dev_map_free(struct sn_map *map)
{
	struct sn_dtab *dtab = to_dtab(map);

	/* dev_map_free(): the entries still in the map drop their program references. */
	for (__u32 i = 0; dtab->netdev_map && i < map->max_entries; i++)
		dev_entry_release(dtab, dtab->netdev_map[i]);
	for (__u32 b = 0; dtab->dev_index_head && b < dtab->n_buckets; b++) {
		struct sn_dtab_netdev *e = dtab->dev_index_head[b], *next;

		for (; !dev_is_nulls(e); e = next) {
			next = e->hnext;
			dev_entry_release(dtab, e);
		}
	}
	free(dtab->entries);
	free(dtab->dev_index_head);
	free(dtab->netdev_map);
	free(dtab);
}

/* The value as the caller wrote it: value_size bytes over a zeroed struct. */
static struct bpf_devmap_val dev_read_val(const struct sn_map *map, const void *value)
{
	struct bpf_devmap_val val = { 0 };

	memcpy(&val, value, map->value_size);
	return val;
}

/* ---- DEVMAP ---- */

static void *dev_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_dtab *dtab = to_dtab(map);
	__u32 k = dev_key(key);
	struct sn_dtab_netdev *e;

	if (k >= map->max_entries)
		return NULL;
	e = dev_load(&dtab->netdev_map[k]);
	return e ? &e->val : NULL;
}

static long dev_map_update_elem(struct sn_map *map, const void *key, const void *value,
				__u64 flags)
{
	struct sn_dtab *dtab = to_dtab(map);
	struct bpf_devmap_val val = dev_read_val(map, value);
	struct sn_dtab_netdev *e = NULL, *old;
	__u32 i = dev_key(key);
	unsigned long irq_flags;
	int err = 0;

	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;
	if (unlikely(i >= map->max_entries))
		return -E2BIG;
	if (unlikely(flags == BPF_NOEXIST))
		return -EEXIST;
	if (!val.ifindex && val.bpf_prog.fd > 0)
		return -EINVAL;

	err = raw_res_spin_lock_irqsave(&dtab->lock, irq_flags);
	if (err)
		return err;
	if (val.ifindex) {
		e = dev_entry_alloc(dtab, &val, i, &err);
		if (!e)
			goto out;
	}
	old = dtab->netdev_map[i];
	dev_store(&dtab->netdev_map[i], e);
	dev_entry_release(dtab, old);
out:
	raw_res_spin_unlock_irqrestore(&dtab->lock, irq_flags);
	return err;
}

static long dev_map_delete_elem(struct sn_map *map, const void *key)
{
	struct sn_dtab *dtab = to_dtab(map);
	__u32 k = dev_key(key);
	unsigned long irq_flags;
	int err;

	if (k >= map->max_entries)
		return -EINVAL;
	err = raw_res_spin_lock_irqsave(&dtab->lock, irq_flags);
	if (err)
		return err;
	dev_entry_release(dtab, dtab->netdev_map[k]);
	dev_store(&dtab->netdev_map[k], NULL);
	raw_res_spin_unlock_irqrestore(&dtab->lock, irq_flags);
	return 0;
}

/* ---- DEVMAP_HASH ---- */

static __always_inline __u32 dev_bucket(const struct sn_dtab *dtab, __u32 idx)
{
	return idx & (dtab->n_buckets - 1);
}

/* Lock-free chain walk with the nulls restart rule. */
static struct sn_dtab_netdev *dev_hash_lookup(const struct sn_dtab *dtab, __u32 idx)
{
	__u32 b = dev_bucket(dtab, idx);

	for (int restarts = 0; restarts <= DEV_LOOKUP_RESTARTS; restarts++) {
		struct sn_dtab_netdev *e = dev_load(&dtab->dev_index_head[b]);
		__u32 steps = 0;

		for (; !dev_is_nulls(e) && steps <= dtab->map.max_entries; steps++) {
			if (__atomic_load_n(&e->idx, __ATOMIC_RELAXED) == idx)
				return e;
			e = dev_load(&e->hnext);
		}
		if (dev_is_nulls(e) && e == dev_nulls(b))
			return NULL;
	}
	return NULL;
}

static void *dev_map_hash_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_dtab_netdev *e = dev_hash_lookup(to_dtab(map), dev_key(key));

	return e ? &e->val : NULL;
}

/* Unlink e from its bucket. Lock held. */
static void dev_hash_unlink(struct sn_dtab *dtab, struct sn_dtab_netdev *e)
{
	struct sn_dtab_netdev **pp = &dtab->dev_index_head[dev_bucket(dtab, e->idx)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	dev_store(pp, e->hnext);
}

static long dev_map_hash_update_elem(struct sn_map *map, const void *key, const void *value,
				     __u64 flags)
{
	struct sn_dtab *dtab = to_dtab(map);
	struct bpf_devmap_val val = dev_read_val(map, value);
	struct sn_dtab_netdev *e, *old;
	__u32 idx = dev_key(key), b;
	unsigned long irq_flags;
	int err;

	if (unlikely(flags > BPF_EXIST || !val.ifindex))
		return -EINVAL;
	err = raw_res_spin_lock_irqsave(&dtab->lock, irq_flags);
	if (err)
		return err;
	old = dev_hash_lookup(dtab, idx);
	if (old && (flags & BPF_NOEXIST)) {
		err = -EEXIST;
		goto out;
	}
	e = dev_entry_alloc(dtab, &val, idx, &err);
	if (!e)
		goto out;
	if (old) {
		dev_hash_unlink(dtab, old);
	} else if (dtab->items >= map->max_entries) {
		dev_entry_release(dtab, e);
		err = -E2BIG;
		goto out;
	} else {
		dtab->items++;
	}
	b = dev_bucket(dtab, idx);
	e->hnext = dtab->dev_index_head[b];
	dev_store(&dtab->dev_index_head[b], e);
	dev_entry_release(dtab, old);
out:
	raw_res_spin_unlock_irqrestore(&dtab->lock, irq_flags);
	return err;
}

static long dev_map_hash_delete_elem(struct sn_map *map, const void *key)
{
	struct sn_dtab *dtab = to_dtab(map);
	struct sn_dtab_netdev *old;
	unsigned long irq_flags;
	int err;

	err = raw_res_spin_lock_irqsave(&dtab->lock, irq_flags);
	if (err)
		return err;
	old = dev_hash_lookup(dtab, dev_key(key));
	if (old) {
		dtab->items--;
		dev_hash_unlink(dtab, old);
		dev_entry_release(dtab, old);
	} else {
		err = -ENOENT;
	}
	raw_res_spin_unlock_irqrestore(&dtab->lock, irq_flags);
	return err;
}

/* dev_map_hash_get_next_key(): the chain after the key, then the next non-empty bucket. */
static int dev_map_hash_get_next_key(const struct sn_map *map, const void *key, void *next_key)
{
	const struct sn_dtab *dtab = to_dtab(map);
	struct sn_dtab_netdev *e, *next;
	__u32 i = 0;

	if (key) {
		__u32 idx = dev_key(key);

		e = dev_hash_lookup(dtab, idx);
		if (e) {
			next = dev_load(&e->hnext);
			if (!dev_is_nulls(next)) {
				__u32 k = __atomic_load_n(&next->idx, __ATOMIC_RELAXED);

				memcpy(next_key, &k, sizeof(k));
				return 0;
			}
			i = dev_bucket(dtab, idx) + 1;
		}
	}
	for (; i < dtab->n_buckets; i++) {
		e = dev_load(&dtab->dev_index_head[i]);
		if (!dev_is_nulls(e)) {
			__u32 k = __atomic_load_n(&e->idx, __ATOMIC_RELAXED);

			memcpy(next_key, &k, sizeof(k));
			return 0;
		}
	}
	return -ENOENT;
}

const struct sn_map_ops sn_dev_map_ops = {
	.alloc_check = dev_map_alloc_check,
	.alloc = dev_map_alloc,
	.free = dev_map_free,
	.lookup_elem = dev_map_lookup_elem,
	.update_elem = dev_map_update_elem,
	.delete_elem = dev_map_delete_elem,
	.get_next_key = sn_map_index_get_next_key,
};

const struct sn_map_ops sn_dev_map_hash_ops = {
	.alloc_check = dev_map_alloc_check,
	.alloc = dev_map_alloc,
	.free = dev_map_free,
	.lookup_elem = dev_map_hash_lookup_elem,
	.update_elem = dev_map_hash_update_elem,
	.delete_elem = dev_map_hash_delete_elem,
	.get_next_key = dev_map_hash_get_next_key,
};
