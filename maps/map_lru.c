// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_lru.c - LRU_HASH and LRU_PERCPU_HASH (kernel/bpf/hashtab.c + bpf_lru_list.c semantics;
 * KERNEL.md §7). The table itself is map_hash.c's; this file adds the LRU lists.
 *
 * Always preallocated (BPF_F_NO_PREALLOC -> -ENOTSUPP at creation). max_entries elements, no
 * replace spares. Two list layouts:
 * - common LRU (default): one global list set {active, inactive, free} under one lock, plus per
 *   CPU a local {free, pending} pair under its own lock. A pop takes from this CPU's local free
 *   list; when empty it refills it under the global lock: pending nodes go back to the global
 *   lists (active if referenced, else inactive), the lists rotate, up to target_free nodes move
 *   from the global free list and, if fewer, the shrinker evicts the rest from the inactive tail
 *   (unreferenced nodes, at most nr_scans = LOCAL_FREE_TARGET looked at; if none, one node is
 *   evicted whatever its ref bit). target_free = clamp(max_entries / nr_cpus / 2, 1,
 *   LOCAL_FREE_TARGET) (the kernel's 6.16 fix against global starvation). Still nothing: steal a
 *   free, then a pending node from the CPUs' local lists round robin.
 * - BPF_F_NO_COMMON_LRU: one {active, inactive, free} set per CPU, max_entries / nr_cpus nodes
 *   each (max_entries is rounded to a multiple of the CPU count at creation, as the kernel does);
 *   a pop shrinks this CPU's list by PERCPU_FREE_TARGET when its free list is empty.
 * The "ref" bit approximates recency: a datapath lookup (or a replace) sets it, rotation moves
 * referenced nodes to the active head and clears it; eviction takes unreferenced nodes from the
 * inactive tail. Syscall-side lookups do not set it (the kernel's lookup_elem_sys_only).
 *
 * Update pops a node BEFORE taking the bucket lock (evicting takes other buckets' locks), so a
 * failing update (-EEXIST, -ENOENT, lock error) may still have evicted, as in the kernel; a pop
 * that finds nothing is -ENOMEM. PERCPU: BPF_EXIST updates in place and pops nothing.
 *
 * Locks: the kernel's LRU lists use raw_spinlock_t. Here they are rqspinlocks, because a signal
 * handler (NMI-like) that interrupts a holder would otherwise spin forever. Order: local list ->
 * global list -> bucket, as in the kernel. A pop whose lock fails finds nothing (-ENOMEM); a free
 * whose lock fails marks the node dead and leaves it where it is; whoever next scans that list
 * under its lock reclaims a dead node without asking the hash table (it is in no bucket).
 *
 * Exact eviction choices depend on per-CPU state and follow the kernel's algorithm; a single
 * thread on one CPU gets the kernel's choices (test_differential.c checks this).
 */
#include "map_hash_internal.h"

#define LOCAL_FREE_TARGET 128
#define LOCAL_NR_SCANS LOCAL_FREE_TARGET
#define PERCPU_FREE_TARGET 4
#define PERCPU_NR_SCANS PERCPU_FREE_TARGET

enum sn_lru_list_type {
	LRU_T_ACTIVE,
	LRU_T_INACTIVE,
	LRU_T_FREE,
	LRU_LOCAL_T_FREE,
	LRU_LOCAL_T_PENDING,
};
#define NR_LRU_LIST_T 3
#define NR_LRU_LIST_COUNT 2
#define LRU_LOCAL_OFFSET NR_LRU_LIST_T
#define IS_LOCAL_TYPE(t) ((t) >= LRU_LOCAL_OFFSET)

struct sn_lru_list {
	/* lock protects the lists, counts and next_inactive_rotation. */
	struct sn_lru_node lists[NR_LRU_LIST_T]; /* heads */
	unsigned int counts[NR_LRU_LIST_COUNT];
	struct sn_lru_node *next_inactive_rotation;
	rqspinlock_t lock;
} ____cacheline_aligned;

struct sn_lru_locallist {
	/* lock protects both lists and next_steal. */
	struct sn_lru_node lists[2]; /* LOCAL_FREE, LOCAL_PENDING */
	int next_steal;
	rqspinlock_t lock;
} ____cacheline_aligned;

struct sn_bpf_lru {
	bool percpu;
	unsigned int nr_scans, target_free;
	struct sn_htab *htab;
	struct sn_lru_list common;            /* common LRU */
	struct sn_lru_locallist *local_list; /* common LRU, per-CPU */
	struct sn_lru_list *percpu_lru;       /* NO_COMMON_LRU, per-CPU */
};

/* ---- node fields read without the list lock ---- */

static __always_inline __u8 node_type(const struct sn_lru_node *n)
{
	return __atomic_load_n(&n->type, __ATOMIC_RELAXED);
}

static __always_inline void node_set_type(struct sn_lru_node *n, __u8 t)
{
	__atomic_store_n(&n->type, t, __ATOMIC_RELAXED);
}

static __always_inline bool node_is_ref(const struct sn_lru_node *n)
{
	return __atomic_load_n(&n->ref, __ATOMIC_RELAXED);
}

static __always_inline void node_clear_ref(struct sn_lru_node *n)
{
	__atomic_store_n(&n->ref, 0, __ATOMIC_RELAXED);
}

static __always_inline void node_set_ref(struct sn_lru_node *n)
{
	/* Only write when it changes: lookups stay read-only on hot elements. */
	if (!__atomic_load_n(&n->ref, __ATOMIC_RELAXED))
		__atomic_store_n(&n->ref, 1, __ATOMIC_RELAXED);
}

/* ---- circular lists with a head node ---- */

static void list_init(struct sn_lru_node *h)
{
	h->next = h->prev = h;
}

static bool list_empty(const struct sn_lru_node *h)
{
	return h->next == h;
}

static void list_del(struct sn_lru_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void list_add(struct sn_lru_node *n, struct sn_lru_node *h)
{
	n->next = h->next;
	n->prev = h;
	h->next->prev = n;
	h->next = n;
}

static void list_move(struct sn_lru_node *n, struct sn_lru_node *h)
{
	list_del(n);
	list_add(n, h);
}

static struct htab_elem *node_elem(struct sn_lru_node *n)
{
	return container_of(n, struct htab_elem, lru_node);
}

/* ---- list moves (bpf_lru_list.c) ---- */

static void count_inc(struct sn_lru_list *l, __u8 t)
{
	if (t < NR_LRU_LIST_COUNT)
		l->counts[t]++;
}

static void count_dec(struct sn_lru_list *l, __u8 t)
{
	if (t < NR_LRU_LIST_COUNT)
		l->counts[t]--;
}

static void node_move_to_free(struct sn_lru_list *l, struct sn_lru_node *n,
			      struct sn_lru_node *free_list, __u8 tgt_free_type)
{
	if (n == l->next_inactive_rotation)
		l->next_inactive_rotation = n->prev;
	count_dec(l, node_type(n));
	node_set_type(n, tgt_free_type);
	__atomic_store_n(&n->dead, 0, __ATOMIC_RELAXED);
	list_move(n, free_list);
}

/* From a local list into the global lists. */
static void node_move_in(struct sn_lru_list *l, struct sn_lru_node *n, __u8 tgt)
{
	count_inc(l, tgt);
	node_set_type(n, tgt);
	node_clear_ref(n);
	list_move(n, &l->lists[tgt]);
}

static void node_move(struct sn_lru_list *l, struct sn_lru_node *n, __u8 tgt)
{
	if (node_type(n) != tgt) {
		count_dec(l, node_type(n));
		count_inc(l, tgt);
		node_set_type(n, tgt);
	}
	node_clear_ref(n);
	if (n == l->next_inactive_rotation)
		l->next_inactive_rotation = n->prev;
	list_move(n, &l->lists[tgt]);
}

/* htab_lru_map_delete_node(): evict n from the table if it is there. */
static bool lru_del_from_htab(struct sn_bpf_lru *lru, struct sn_lru_node *n)
{
	struct sn_htab *htab = lru->htab;
	struct htab_elem *tgt = node_elem(n);
	struct htab_bucket *b;
	bool found;

	if (__atomic_load_n(&n->dead, __ATOMIC_RELAXED))
		return true; /* freed without its list lock: in no bucket */
	b = htab_bucket(htab, __atomic_load_n(&tgt->hash, __ATOMIC_RELAXED));
	if (htab_lock_bucket(htab, b))
		return false;
	found = htab_chain_del(b, tgt);
	htab_unlock_bucket(htab, b);
	return found;
}

static void rotate_active(struct sn_bpf_lru *lru, struct sn_lru_list *l)
{
	struct sn_lru_node *head = &l->lists[LRU_T_ACTIVE];
	struct sn_lru_node *first = head->next, *n, *prev;
	unsigned int i = 0;

	for (n = head->prev; n != head; n = prev) {
		prev = n->prev;
		node_move(l, n, node_is_ref(n) ? LRU_T_ACTIVE : LRU_T_INACTIVE);
		if (++i == lru->nr_scans || n == first)
			break;
	}
}

/* Referenced nodes of the inactive list go to the active head; the walk resumes where it ended. */
static void rotate_inactive(struct sn_bpf_lru *lru, struct sn_lru_list *l)
{
	struct sn_lru_node *head = &l->lists[LRU_T_INACTIVE];
	struct sn_lru_node *cur, *next = head, *last;
	unsigned int i = 0;

	if (list_empty(head))
		return;
	last = l->next_inactive_rotation->next;
	if (last == head)
		last = last->next;
	cur = l->next_inactive_rotation;
	while (i < lru->nr_scans) {
		if (cur == head) {
			cur = cur->prev;
			continue;
		}
		next = cur->prev;
		if (node_is_ref(cur))
			node_move(l, cur, LRU_T_ACTIVE);
		if (cur == last)
			break;
		cur = next;
		i++;
	}
	l->next_inactive_rotation = next;
}

static void lru_rotate(struct sn_bpf_lru *lru, struct sn_lru_list *l)
{
	if (l->counts[LRU_T_INACTIVE] < l->counts[LRU_T_ACTIVE])
		rotate_active(lru, l);
	rotate_inactive(lru, l);
}

static unsigned int shrink_inactive(struct sn_bpf_lru *lru, struct sn_lru_list *l,
				    unsigned int tgt, struct sn_lru_node *free_list, __u8 free_type)
{
	struct sn_lru_node *head = &l->lists[LRU_T_INACTIVE], *n, *prev;
	unsigned int done = 0, i = 0;

	for (n = head->prev; n != head; n = prev) {
		prev = n->prev;
		if (node_is_ref(n) && !__atomic_load_n(&n->dead, __ATOMIC_RELAXED)) {
			node_move(l, n, LRU_T_ACTIVE);
		} else if (lru_del_from_htab(lru, n)) {
			node_move_to_free(l, n, free_list, free_type);
			if (++done == tgt)
				break;
		}
		if (++i == lru->nr_scans)
			break;
	}
	return done;
}

static unsigned int lru_shrink(struct sn_bpf_lru *lru, struct sn_lru_list *l, unsigned int tgt,
			       struct sn_lru_node *free_list, __u8 free_type)
{
	struct sn_lru_node *force, *n, *prev;
	unsigned int done = shrink_inactive(lru, l, tgt, free_list, free_type);

	if (done)
		return done;
	/* Nothing unreferenced: evict one node whatever its ref bit, inactive first. */
	force = !list_empty(&l->lists[LRU_T_INACTIVE]) ? &l->lists[LRU_T_INACTIVE]
						       : &l->lists[LRU_T_ACTIVE];
	for (n = force->prev; n != force; n = prev) {
		prev = n->prev;
		if (lru_del_from_htab(lru, n)) {
			node_move_to_free(l, n, free_list, free_type);
			return 1;
		}
	}
	return 0;
}

/* ---- common LRU ---- */

static struct sn_lru_node *local_free(struct sn_lru_locallist *loc)
{
	return &loc->lists[LRU_LOCAL_T_FREE - LRU_LOCAL_OFFSET];
}

static struct sn_lru_node *local_pending(struct sn_lru_locallist *loc)
{
	return &loc->lists[LRU_LOCAL_T_PENDING - LRU_LOCAL_OFFSET];
}

static void local_flush(struct sn_lru_list *l, struct sn_lru_locallist *loc)
{
	struct sn_lru_node *head = local_pending(loc), *n, *prev;

	for (n = head->prev; n != head; n = prev) {
		prev = n->prev;
		node_move_in(l, n, node_is_ref(n) ? LRU_T_ACTIVE : LRU_T_INACTIVE);
	}
}

/* Refill loc's free list from the global lists. Caller holds loc->lock. */
static void pop_free_to_local(struct sn_bpf_lru *lru, struct sn_lru_locallist *loc)
{
	struct sn_lru_list *l = &lru->common;
	struct sn_lru_node *head = &l->lists[LRU_T_FREE], *n, *next;
	unsigned int nfree = 0;

	if (raw_res_spin_lock(&l->lock))
		return;
	local_flush(l, loc);
	lru_rotate(lru, l);
	for (n = head->next; n != head && nfree < lru->target_free; n = next) {
		next = n->next;
		node_move_to_free(l, n, local_free(loc), LRU_LOCAL_T_FREE);
		nfree++;
	}
	if (nfree < lru->target_free)
		lru_shrink(lru, l, lru->target_free - nfree, local_free(loc), LRU_LOCAL_T_FREE);
	raw_res_spin_unlock(&l->lock);
}

static void local_add_pending(struct sn_lru_locallist *loc, int cpu, struct sn_lru_node *n,
			      __u32 hash)
{
	__atomic_store_n(&node_elem(n)->hash, hash, __ATOMIC_RELAXED);
	__atomic_store_n(&n->cpu, (__u16)cpu, __ATOMIC_RELAXED);
	node_set_type(n, LRU_LOCAL_T_PENDING);
	node_clear_ref(n);
	__atomic_store_n(&n->dead, 0, __ATOMIC_RELAXED);
	list_add(n, local_pending(loc));
}

static struct sn_lru_node *local_pop_free(struct sn_lru_locallist *loc)
{
	struct sn_lru_node *h = local_free(loc), *n;

	if (list_empty(h))
		return NULL;
	n = h->next;
	list_del(n);
	return n;
}

static struct sn_lru_node *local_pop_pending(struct sn_bpf_lru *lru, struct sn_lru_locallist *loc)
{
	struct sn_lru_node *head = local_pending(loc), *n;
	bool force = false;

again:
	/* Oldest first (the tail). */
	for (n = head->prev; n != head; n = n->prev) {
		if ((!node_is_ref(n) || force || __atomic_load_n(&n->dead, __ATOMIC_RELAXED)) && lru_del_from_htab(lru, n)) {
			list_del(n);
			return n;
		}
	}
	if (!force) {
		force = true;
		goto again;
	}
	return NULL;
}

static struct sn_lru_node *common_lru_pop_free(struct sn_bpf_lru *lru, __u32 hash)
{
	int cpu = raw_smp_processor_id(), steal, first_steal;
	struct sn_lru_locallist *loc = per_cpu_ptr(lru->local_list, cpu), *sl;
	struct sn_lru_node *n = NULL;

	if (!raw_res_spin_lock(&loc->lock)) {
		n = local_pop_free(loc);
		if (!n) {
			pop_free_to_local(lru, loc);
			n = local_pop_free(loc);
		}
		if (n)
			local_add_pending(loc, cpu, n, hash);
		raw_res_spin_unlock(&loc->lock);
		if (n)
			return n;
	}
	/*
	 * Nothing here nor globally: steal from the CPUs' local lists, round robin. The kernel
	 * re-locks its own local list to queue the stolen node as pending; here it is queued on
	 * the list it came from, under the lock already held, so that no second lock can fail
	 * with the node in no list. With one CPU in use both are the same list.
	 */
	first_steal = __atomic_load_n(&loc->next_steal, __ATOMIC_RELAXED);
	steal = first_steal;
	do {
		sl = per_cpu_ptr(lru->local_list, steal);
		if (!raw_res_spin_lock(&sl->lock)) {
			n = local_pop_free(sl);
			if (!n)
				n = local_pop_pending(lru, sl);
			if (n)
				local_add_pending(sl, steal, n, hash);
			raw_res_spin_unlock(&sl->lock);
		}
		steal = steal + 1 < nr_cpu_ids ? steal + 1 : 0;
	} while (!n && steal != first_steal);
	__atomic_store_n(&loc->next_steal, steal, __ATOMIC_RELAXED);
	return n;
}

static void common_lru_push_free(struct sn_bpf_lru *lru, struct sn_lru_node *n)
{
	struct sn_lru_list *l = &lru->common;

	if (node_type(n) == LRU_LOCAL_T_PENDING) {
		struct sn_lru_locallist *loc = per_cpu_ptr(lru->local_list,
							   __atomic_load_n(&n->cpu, __ATOMIC_RELAXED));

		if (raw_res_spin_lock(&loc->lock)) {
			__atomic_store_n(&n->dead, 1, __ATOMIC_RELAXED);
			return;
		}
		if (node_type(n) == LRU_LOCAL_T_PENDING) {
			node_set_type(n, LRU_LOCAL_T_FREE);
			node_clear_ref(n);
			__atomic_store_n(&n->dead, 0, __ATOMIC_RELAXED);
			list_move(n, local_free(loc));
			raw_res_spin_unlock(&loc->lock);
			return;
		}
		raw_res_spin_unlock(&loc->lock);
	}
	if (raw_res_spin_lock(&l->lock)) {
		__atomic_store_n(&n->dead, 1, __ATOMIC_RELAXED);
		return;
	}
	node_move(l, n, LRU_T_FREE);
	__atomic_store_n(&n->dead, 0, __ATOMIC_RELAXED);
	raw_res_spin_unlock(&l->lock);
}

/* ---- per-CPU LRU ---- */

static struct sn_lru_node *percpu_lru_pop_free(struct sn_bpf_lru *lru, __u32 hash)
{
	struct sn_lru_list *l = per_cpu_ptr(lru->percpu_lru, raw_smp_processor_id());
	struct sn_lru_node *fl = &l->lists[LRU_T_FREE], *n = NULL;

	if (raw_res_spin_lock(&l->lock))
		return NULL;
	lru_rotate(lru, l);
	if (list_empty(fl))
		lru_shrink(lru, l, PERCPU_FREE_TARGET, fl, LRU_T_FREE);
	if (!list_empty(fl)) {
		n = fl->next;
		__atomic_store_n(&node_elem(n)->hash, hash, __ATOMIC_RELAXED);
		node_clear_ref(n);
		node_move(l, n, LRU_T_INACTIVE);
	}
	raw_res_spin_unlock(&l->lock);
	return n;
}

static void percpu_lru_push_free(struct sn_bpf_lru *lru, struct sn_lru_node *n)
{
	struct sn_lru_list *l = per_cpu_ptr(lru->percpu_lru, n->cpu);

	if (raw_res_spin_lock(&l->lock)) {
		__atomic_store_n(&n->dead, 1, __ATOMIC_RELAXED);
		return;
	}
	node_move(l, n, LRU_T_FREE);
	__atomic_store_n(&n->dead, 0, __ATOMIC_RELAXED);
	raw_res_spin_unlock(&l->lock);
}

/* ---- glue ---- */

static void lru_list_init(struct sn_lru_list *l)
{
	for (int i = 0; i < NR_LRU_LIST_T; i++)
		list_init(&l->lists[i]);
	l->counts[0] = l->counts[1] = 0;
	l->next_inactive_rotation = &l->lists[LRU_T_INACTIVE];
	raw_res_spin_lock_init(&l->lock);
}

int sn_lru_init(struct sn_htab *htab, __u32 nr_elems)
{
	struct sn_bpf_lru *lru = calloc(1, sizeof(*lru));
	unsigned char *buf = htab->elems;
	__u32 i, ncpu = (__u32)nr_cpu_ids;
	int cpu;

	if (!lru)
		return -ENOMEM;
	htab->lru_state = lru;
	lru->htab = htab;
	lru->percpu = htab->map.map_flags & BPF_F_NO_COMMON_LRU;
	if (lru->percpu) {
		__u32 per = nr_elems / ncpu;

		lru->nr_scans = PERCPU_NR_SCANS;
		lru->percpu_lru = alloc_percpu(struct sn_lru_list);
		if (!lru->percpu_lru)
			return -ENOMEM;
		for_each_possible_cpu(cpu)
			lru_list_init(per_cpu_ptr(lru->percpu_lru, cpu));
		/* max_entries / nr_cpus nodes on each CPU's free list. */
		i = 0;
		for_each_possible_cpu(cpu) {
			struct sn_lru_list *l = per_cpu_ptr(lru->percpu_lru, cpu);

			for (__u32 k = 0; k < per && i < nr_elems; k++, i++) {
				struct sn_lru_node *n =
					&((struct htab_elem *)(buf + (size_t)i * htab->elem_size))->lru_node;

				n->cpu = (__u16)cpu;
				n->type = LRU_T_FREE;
				list_add(n, &l->lists[LRU_T_FREE]);
			}
		}
		return 0;
	}
	lru->nr_scans = LOCAL_NR_SCANS;
	lru->target_free = nr_elems / ncpu / 2;
	if (lru->target_free < 1)
		lru->target_free = 1;
	if (lru->target_free > LOCAL_FREE_TARGET)
		lru->target_free = LOCAL_FREE_TARGET;
	lru->local_list = alloc_percpu(struct sn_lru_locallist);
	if (!lru->local_list)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct sn_lru_locallist *loc = per_cpu_ptr(lru->local_list, cpu);

		list_init(&loc->lists[0]);
		list_init(&loc->lists[1]);
		loc->next_steal = cpu;
		raw_res_spin_lock_init(&loc->lock);
	}
	lru_list_init(&lru->common);
	for (i = 0; i < nr_elems; i++) {
		struct sn_lru_node *n =
			&((struct htab_elem *)(buf + (size_t)i * htab->elem_size))->lru_node;

		n->type = LRU_T_FREE;
		list_add(n, &lru->common.lists[LRU_T_FREE]);
	}
	return 0;
}

void sn_lru_destroy(struct sn_htab *htab)
{
	struct sn_bpf_lru *lru = htab->lru_state;

	if (!lru)
		return;
	if (lru->local_list)
		free_percpu(lru->local_list);
	if (lru->percpu_lru)
		free_percpu(lru->percpu_lru);
	free(lru);
	htab->lru_state = NULL;
}

static struct sn_lru_node *bpf_lru_pop_free(struct sn_bpf_lru *lru, __u32 hash)
{
	return lru->percpu ? percpu_lru_pop_free(lru, hash) : common_lru_pop_free(lru, hash);
}

void htab_lru_push_free(struct sn_htab *htab, struct htab_elem *l)
{
	struct sn_bpf_lru *lru = htab->lru_state;
	__u8 t = node_type(&l->lru_node);

	if (t == LRU_T_FREE || t == LRU_LOCAL_T_FREE)
		return;
	if (lru->percpu)
		percpu_lru_push_free(lru, &l->lru_node);
	else
		common_lru_push_free(lru, &l->lru_node);
}

static struct htab_elem *prealloc_lru_pop(struct sn_htab *htab, const void *key, __u32 hash)
{
	struct sn_lru_node *n = bpf_lru_pop_free(htab->lru_state, hash);
	struct htab_elem *l;

	if (!n)
		return NULL;
	l = node_elem(n);
	htab_copy_to_elem(l->key, key, htab->map.key_size);
	return l;
}

static long htab_lru_map_update_elem(struct sn_map *map, const void *key, const void *value,
				     __u64 map_flags)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l_new, *l_old;
	struct htab_bucket *b;
	__u32 hash;
	int ret;

	if (unlikely(map_flags > BPF_EXIST))
		return -EINVAL;
	hash = htab_map_hash(htab, key);
	b = htab_bucket(htab, hash);
	/* Before the bucket lock: the pop may evict, which takes bucket locks. */
	l_new = prealloc_lru_pop(htab, key, hash);
	if (!l_new)
		return -ENOMEM;
	htab_copy_to_elem(htab_elem_value(htab, l_new), value, map->value_size);
	ret = htab_lock_bucket(htab, b);
	if (ret)
		goto err_lock_bucket;
	l_old = htab_lookup_elem_raw(htab, b, hash, key);
	ret = htab_check_flags(l_old, map_flags);
	if (ret)
		goto err;
	htab_chain_add_head(htab, b, l_new);
	if (l_old) {
		node_set_ref(&l_new->lru_node);
		htab_chain_del(b, l_old);
	}
err:
	htab_unlock_bucket(htab, b);
err_lock_bucket:
	if (ret)
		htab_lru_push_free(htab, l_new);
	else if (l_old)
		htab_lru_push_free(htab, l_old);
	return ret;
}

static long __htab_lru_percpu_map_update_elem(struct sn_map *map, const void *key,
					      const void *value, __u64 map_flags, bool onallcpus)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l_new = NULL, *l_old;
	struct htab_bucket *b;
	__u32 hash;
	int ret;

	if (unlikely(map_flags > BPF_EXIST))
		return -EINVAL;
	hash = htab_map_hash(htab, key);
	b = htab_bucket(htab, hash);
	if (map_flags != BPF_EXIST) {
		l_new = prealloc_lru_pop(htab, key, hash);
		if (!l_new)
			return -ENOMEM;
	}
	ret = htab_lock_bucket(htab, b);
	if (ret)
		goto err_lock_bucket;
	l_old = htab_lookup_elem_raw(htab, b, hash, key);
	ret = htab_check_flags(l_old, map_flags);
	if (ret)
		goto err;
	if (l_old) {
		node_set_ref(&l_old->lru_node);
		htab_pcpu_copy_value(htab, htab_elem_pptr(htab, l_old), value, onallcpus);
	} else {
		htab_pcpu_init_value(htab, htab_elem_pptr(htab, l_new), value, onallcpus);
		htab_chain_add_head(htab, b, l_new);
		l_new = NULL;
	}
err:
	htab_unlock_bucket(htab, b);
err_lock_bucket:
	if (l_new)
		htab_lru_push_free(htab, l_new);
	return ret;
}

static long htab_lru_percpu_map_update_elem(struct sn_map *map, const void *key,
					    const void *value, __u64 map_flags)
{
	return __htab_lru_percpu_map_update_elem(map, key, value, map_flags, false);
}

static long htab_lru_percpu_map_update_value(struct sn_map *map, const void *key,
					     const void *value, __u64 map_flags)
{
	return __htab_lru_percpu_map_update_elem(map, key, value, map_flags, true);
}

static void *htab_lru_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l = __htab_map_lookup_elem(htab, key);

	if (!l)
		return NULL;
	node_set_ref(&l->lru_node);
	return htab_elem_value(htab, l);
}

static void *htab_lru_percpu_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l = __htab_map_lookup_elem(htab, key);

	if (!l)
		return NULL;
	node_set_ref(&l->lru_node);
	return this_cpu_ptr((unsigned char *)htab_elem_pptr(htab, l));
}

static int htab_lru_alloc_check(const struct sn_map_attr *attr)
{
	return htab_alloc_check(attr);
}

const struct sn_map_ops sn_htab_lru_map_ops = {
	.alloc_check = htab_lru_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_lru_map_lookup_elem,
	.update_elem = htab_lru_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.copy_value = htab_copy_value,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = sn_generic_update_batch,
	.delete_batch = sn_generic_delete_batch,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
};

const struct sn_map_ops sn_htab_lru_percpu_map_ops = {
	.alloc_check = htab_lru_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_lru_percpu_map_lookup_elem,
	.update_elem = htab_lru_percpu_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.copy_value = htab_percpu_copy_value,
	.update_value = htab_lru_percpu_map_update_value,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = sn_generic_update_batch,
	.delete_batch = sn_generic_delete_batch,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
};
