// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_lpm_trie.c - LPM_TRIE: longest-prefix-match trie with the semantics of the kernel's
 * kernel/bpf/lpm_trie.c as of 6.15+ (rqspinlock), read for behaviour and re-written here.
 *
 * Key: struct bpf_lpm_trie_key_u8 { __u32 prefixlen; __u8 data[]; }, data big-endian,
 * data_size = key_size - 4 (1..256 bytes), max_prefixlen = 8 * data_size. A node stores all
 * data_size bytes of the key it was created from, bits past its prefix included, and
 * get_next_key returns them as stored (measured on 6.18).
 *
 * Shape (the kernel's): a binary trie; a node's children extend its prefix by the next bit.
 * Intermediate (IM) nodes carry no value and exist only to split two subtrees; every IM node has
 * exactly two children, so a trie with n entries has at most n - 1 IM nodes.
 *
 * Semantics (kernel):
 * - create: BPF_F_NO_PREALLOC required (-EINVAL otherwise), key_size 5..260, value_size
 *   1..(4 MiB - 256 - 24), flags NO_PREALLOC | NUMA_NODE | access flags.
 * - lookup is a longest-prefix match (also from the syscall side), limited to the key's prefixlen;
 *   prefixlen > max_prefixlen -> NULL.
 * - update: flags > BPF_EXIST or prefixlen > max -> -EINVAL; an exact match is replaced in place
 *   (BPF_NOEXIST -> -EEXIST), even when the trie is full; a new entry with BPF_EXIST -> -ENOENT,
 *   with the trie full -> -ENOSPC; turning an IM node into an entry counts as a new entry.
 * - delete: prefixlen > max -> -EINVAL; no exact entry -> -ENOENT.
 * - get_next_key: postorder (more specific prefixes before less specific ones); a NULL, invalid or
 *   absent key gives the leftmost entry; -ENOENT when empty or after the last.
 * - batch lookup/update/delete: the generic ones; no lookup_and_delete.
 *
 * softnetd extension SOFTNET_F_LPM_PREALLOC (instead of BPF_F_NO_PREALLOC): all nodes are
 * allocated at creation, 2 * max_entries of them (max_entries entries, max_entries - 1 IM nodes
 * and one spare for the node a replace installs before it releases the old one), so updates and
 * lookups never allocate. Without it (BPF_F_NO_PREALLOC) nodes come from malloc on demand and are
 * recycled through the same free list; in NMI context an update that would need malloc fails
 * with -ENOMEM, as bpf_mem_alloc does when its per-CPU cache is empty.
 *
 * Locking: updates and deletes take trie->lock, an rqspinlock_t as in the kernel since 6.15
 * (47979314c0fe), so a writer re-entering from a signal handler gets -EDEADLK instead of
 * hanging, and the code reaches the caller. The free list is protected by the same lock.
 *
 * Readers (lookup, get_next_key) take no lock. The kernel frees nodes after an RCU grace period;
 * softnetd has no RCU, so here:
 * - a node's memory is never returned to libc before sn_map__free(): a released node goes to
 *   the tail of a FIFO free list, so it is reused as late as possible;
 * - writers bump trie->seq (odd while they change the trie); a reader that saw it change retries
 *   its walk, up to LPM_READ_RETRIES times;
 * - every walk is bounded by the trie's height (max_prefixlen + 1) and stops if prefix lengths
 *   stop growing, so a reader never loops or leaves the node area.
 * Caveat, stated as the kernel states it for preallocated hash maps: a reader that keeps
 * retrying past the limit (a writer preempted mid-update on the same CPU, or a signal handler
 * interrupting a writer) uses its last walk, which may miss, or return the value of a node
 * reused for another prefix; and a value pointer returned by the datapath lookup points into a
 * node that a later delete or replace may hand to another prefix at once.
 */
#include "bhlock/preempt.h"
#include "bhlock/rqspinlock.h"
#include "map_internal.h"

#define LPM_DATA_SIZE_MAX 256
#define LPM_DATA_SIZE_MIN 1
#define LPM_KEY_SIZE_MIN (4 + LPM_DATA_SIZE_MIN)
#define LPM_KEY_SIZE_MAX (4 + LPM_DATA_SIZE_MAX)
/* The kernel's KMALLOC_MAX_SIZE (4 MiB) - LPM_DATA_SIZE_MAX - sizeof(struct lpm_trie_node). */
#define LPM_VAL_SIZE_MAX ((4U << 20) - LPM_DATA_SIZE_MAX - 24U)
#define LPM_VAL_SIZE_MIN 1
#define LPM_CREATE_FLAG_MASK                                                                       \
	(BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | SN_F_ACCESS_MASK | SOFTNET_F_LPM_PREALLOC)

#define LPM_NODE_IM 1U
#define LPM_READ_RETRIES 16

struct lpm_node {
	struct lpm_node *child[2]; /* published with release stores, read with acquire loads */
	__u32 prefixlen;
	__u32 flags;               /* LPM_NODE_IM */
	struct lpm_node *free_next; /* free list link, only while free */
	unsigned char data[];      /* data_size key bytes, then the value at value_off */
};

struct lpm_trie {
	struct sn_map map;
	size_t data_size;
	__u32 max_prefixlen;
	size_t value_off;  /* offset of the value in data[] (8-aligned) */
	size_t node_size;

	/* lock protects root (writes), every node's links and fields, n_entries, seq, the free list. */
	rqspinlock_t lock;
	struct lpm_node *root;
	size_t n_entries;
	unsigned int seq;               /* odd while a writer changes the trie */
	struct lpm_node *free_head, *free_tail;
	bool prealloc;
	unsigned char *pool;            /* SOFTNET_F_LPM_PREALLOC: all nodes, one block */
	size_t n_malloced;              /* malloc mode: nodes allocated so far */
};

static struct lpm_trie *to_trie(const struct sn_map *map)
{
	return container_of(map, struct lpm_trie, map);
}

static __always_inline struct lpm_node *lpm_deref(struct lpm_node *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static __always_inline void lpm_assign(struct lpm_node **p, struct lpm_node *n)
{
	__atomic_store_n(p, n, __ATOMIC_RELEASE);
}

static __always_inline __u32 lpm_key_prefixlen(const void *key)
{
	__u32 pl;

	memcpy(&pl, key, sizeof(pl));
	return pl;
}

static __always_inline const unsigned char *lpm_key_data(const void *key)
{
	return (const unsigned char *)key + 4;
}

static __always_inline int lpm_bit(const unsigned char *data, size_t index)
{
	return (data[index / 8] >> (7 - (index % 8))) & 1;
}

/* Length of the common prefix of node and key data, at most min(node, key prefixlen). */
static size_t lpm_match(const struct lpm_trie *trie, const struct lpm_node *node,
			const unsigned char *kdata, __u32 kpl)
{
	__u32 npl = __atomic_load_n(&node->prefixlen, __ATOMIC_RELAXED);
	size_t limit = npl < kpl ? npl : kpl;

	for (size_t i = 0; i < trie->data_size && i * 8 < limit; i++) {
		unsigned int x = node->data[i] ^ kdata[i];

		if (x) {
			size_t pl = i * 8 + (size_t)(__builtin_clz(x) - 24);

			return pl < limit ? pl : limit;
		}
	}
	return limit;
}

static __always_inline unsigned int lpm_read_begin(const struct lpm_trie *trie)
{
	return __atomic_load_n(&trie->seq, __ATOMIC_ACQUIRE);
}

static __always_inline bool lpm_read_retry(const struct lpm_trie *trie, unsigned int start,
					   int tries)
{
	if (tries >= LPM_READ_RETRIES)
		return false;
#ifdef BH_TSAN
	/* ThreadSanitizer does not model fences: a read-modify-write gives it the same order. */
	return (start & 1) ||
	       __atomic_fetch_add((unsigned int *)&trie->seq, 0, __ATOMIC_ACQ_REL) != start;
#else
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return (start & 1) || __atomic_load_n(&trie->seq, __ATOMIC_RELAXED) != start;
#endif
}

static void lpm_write_begin(struct lpm_trie *trie)
{
#ifdef BH_TSAN
	__atomic_fetch_add(&trie->seq, 1, __ATOMIC_SEQ_CST);
#else
	__atomic_store_n(&trie->seq, trie->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
#endif
}

static void lpm_write_end(struct lpm_trie *trie)
{
	__atomic_store_n(&trie->seq, trie->seq + 1, __ATOMIC_RELEASE);
}

/* One longest-prefix walk (trie_lookup_elem()); bounded by the trie's height. */
static struct lpm_node *lpm_lookup_walk(const struct lpm_trie *trie, const unsigned char *kdata,
					__u32 kpl)
{
	struct lpm_node *node, *found = NULL;
	__u32 steps = 0, last_pl = 0;

	for (node = lpm_deref(&trie->root); node && steps <= trie->max_prefixlen; steps++) {
		__u32 npl = __atomic_load_n(&node->prefixlen, __ATOMIC_RELAXED);
		size_t matchlen;

		if (steps && npl <= last_pl)
			break; /* inconsistent (a node reused under us) */
		last_pl = npl;
		matchlen = lpm_match(trie, node, kdata, kpl);
		if (matchlen == trie->max_prefixlen) {
			found = node;
			break;
		}
		if (matchlen < npl)
			break;
		if (!(__atomic_load_n(&node->flags, __ATOMIC_RELAXED) & LPM_NODE_IM))
			found = node;
		node = lpm_deref(&node->child[lpm_bit(kdata, npl)]);
	}
	return found;
}

static void *trie_lookup_elem(struct sn_map *map, const void *key)
{
	struct lpm_trie *trie = to_trie(map);
	__u32 kpl = lpm_key_prefixlen(key);
	struct lpm_node *found;
	unsigned int seq;
	int tries = 0;

	if (kpl > trie->max_prefixlen)
		return NULL;
	do {
		seq = lpm_read_begin(trie);
		found = lpm_lookup_walk(trie, lpm_key_data(key), kpl);
	} while (lpm_read_retry(trie, seq, tries++));
	return found ? found->data + trie->value_off : NULL;
}

/* Take a node from the free list (or malloc, without prealloc). Caller holds the lock. */
static struct lpm_node *lpm_node_alloc(struct lpm_trie *trie, const void *value)
{
	struct lpm_node *node = trie->free_head;

	if (node) {
		trie->free_head = node->free_next;
		if (!trie->free_head)
			trie->free_tail = NULL;
	} else {
		if (trie->prealloc || in_nmi())
			return NULL;
		node = malloc(trie->node_size);
		if (!node)
			return NULL;
		trie->n_malloced++;
	}
	node->child[0] = NULL;
	node->child[1] = NULL;
	node->free_next = NULL;
	__atomic_store_n(&node->flags, 0, __ATOMIC_RELAXED);
	if (value)
		memcpy(node->data + trie->value_off, value, trie->map.value_size);
	return node;
}

/* Return a node to the tail of the free list, for the latest possible reuse. Lock held. */
static void lpm_node_release(struct lpm_trie *trie, struct lpm_node *node)
{
	if (!node)
		return;
	node->free_next = NULL;
	if (trie->free_tail)
		trie->free_tail->free_next = node;
	else
		trie->free_head = node;
	trie->free_tail = node;
}

/* trie_check_add_elem(): may a new entry be added? */
static int lpm_check_add(struct lpm_trie *trie, __u64 flags)
{
	if (flags == BPF_EXIST)
		return -ENOENT;
	if (trie->n_entries == trie->map.max_entries)
		return -ENOSPC;
	trie->n_entries++;
	return 0;
}

static long trie_update_elem(struct sn_map *map, const void *key, const void *value,
			     __u64 flags)
{
	struct lpm_trie *trie = to_trie(map);
	const unsigned char *kdata = lpm_key_data(key);
	__u32 kpl = lpm_key_prefixlen(key);
	struct lpm_node *node, *im_node, *new_node, *free_node = NULL;
	struct lpm_node **slot;
	unsigned long irq_flags;
	size_t matchlen = 0;
	int ret;

	if (unlikely(flags > BPF_EXIST))
		return -EINVAL;
	if (kpl > trie->max_prefixlen)
		return -EINVAL;

	ret = raw_res_spin_lock_irqsave(&trie->lock, irq_flags);
	if (ret)
		return ret;
	lpm_write_begin(trie);

	new_node = lpm_node_alloc(trie, value);
	if (!new_node) {
		ret = -ENOMEM;
		goto out;
	}
	__atomic_store_n(&new_node->prefixlen, kpl, __ATOMIC_RELAXED);
	memcpy(new_node->data, kdata, trie->data_size);

	/* Walk down while the node is a proper prefix of the key. */
	slot = &trie->root;
	while ((node = *slot)) {
		matchlen = lpm_match(trie, node, kdata, kpl);
		if (node->prefixlen != matchlen || node->prefixlen == kpl)
			break;
		slot = &node->child[lpm_bit(kdata, node->prefixlen)];
	}

	if (!node) {
		ret = lpm_check_add(trie, flags);
		if (!ret)
			lpm_assign(slot, new_node);
		goto out;
	}

	if (node->prefixlen == matchlen) {
		/* Exact prefix: replace the node (an IM node becomes an entry). */
		if (!(node->flags & LPM_NODE_IM)) {
			if (flags == BPF_NOEXIST) {
				ret = -EEXIST;
				goto out;
			}
		} else {
			ret = lpm_check_add(trie, flags);
			if (ret)
				goto out;
		}
		new_node->child[0] = node->child[0];
		new_node->child[1] = node->child[1];
		lpm_assign(slot, new_node);
		free_node = node;
		goto out;
	}

	ret = lpm_check_add(trie, flags);
	if (ret)
		goto out;

	if (matchlen == kpl) {
		/* The new prefix covers node: insert it above. */
		new_node->child[lpm_bit(node->data, matchlen)] = node;
		lpm_assign(slot, new_node);
		goto out;
	}

	/* Diverging prefixes: an IM node of the common length gets both as children. */
	im_node = lpm_node_alloc(trie, NULL);
	if (!im_node) {
		trie->n_entries--;
		ret = -ENOMEM;
		goto out;
	}
	__atomic_store_n(&im_node->prefixlen, (__u32)matchlen, __ATOMIC_RELAXED);
	__atomic_store_n(&im_node->flags, LPM_NODE_IM, __ATOMIC_RELAXED);
	memcpy(im_node->data, node->data, trie->data_size);
	if (lpm_bit(kdata, matchlen)) {
		im_node->child[0] = node;
		im_node->child[1] = new_node;
	} else {
		im_node->child[0] = new_node;
		im_node->child[1] = node;
	}
	lpm_assign(slot, im_node);

out:
	if (ret)
		lpm_node_release(trie, new_node);
	lpm_node_release(trie, free_node);
	lpm_write_end(trie);
	raw_res_spin_unlock_irqrestore(&trie->lock, irq_flags);
	return ret;
}

static long trie_delete_elem(struct sn_map *map, const void *key)
{
	struct lpm_trie *trie = to_trie(map);
	const unsigned char *kdata = lpm_key_data(key);
	__u32 kpl = lpm_key_prefixlen(key);
	struct lpm_node **trim, **trim2;
	struct lpm_node *node, *parent;
	unsigned long irq_flags;
	size_t matchlen = 0;
	int ret;

	if (kpl > trie->max_prefixlen)
		return -EINVAL;

	ret = raw_res_spin_lock_irqsave(&trie->lock, irq_flags);
	if (ret)
		return ret;
	lpm_write_begin(trie);

	/* Find the exact node, its slot, its parent and the parent's slot. */
	trim = &trie->root;
	trim2 = trim;
	parent = NULL;
	while ((node = *trim)) {
		matchlen = lpm_match(trie, node, kdata, kpl);
		if (node->prefixlen != matchlen || node->prefixlen == kpl)
			break;
		parent = node;
		trim2 = trim;
		trim = &node->child[lpm_bit(kdata, node->prefixlen)];
	}
	if (!node || node->prefixlen != kpl || node->prefixlen != matchlen ||
	    (node->flags & LPM_NODE_IM)) {
		ret = -ENOENT;
		goto out;
	}
	trie->n_entries--;

	/* Two children: the node stays as an IM node. */
	if (node->child[0] && node->child[1]) {
		__atomic_store_n(&node->flags, node->flags | LPM_NODE_IM, __ATOMIC_RELAXED);
		goto out;
	}
	/* A leaf under an IM parent: the parent goes too, its other child moves up. */
	if (parent && (parent->flags & LPM_NODE_IM) && !node->child[0] && !node->child[1]) {
		lpm_assign(trim2, node == parent->child[0] ? parent->child[1] : parent->child[0]);
		lpm_node_release(trie, parent);
		lpm_node_release(trie, node);
		goto out;
	}
	/* Zero or one child: the child (or nothing) takes the node's place. */
	lpm_assign(trim, node->child[0] ? node->child[0] : node->child[1]);
	lpm_node_release(trie, node);
out:
	lpm_write_end(trie);
	raw_res_spin_unlock_irqrestore(&trie->lock, irq_flags);
	return ret;
}

static void lpm_copy_key(const struct lpm_trie *trie, const struct lpm_node *node, void *next_key)
{
	__u32 pl = __atomic_load_n(&node->prefixlen, __ATOMIC_RELAXED);

	memcpy(next_key, &pl, sizeof(pl));
	memcpy((unsigned char *)next_key + 4, node->data, trie->data_size);
}

/* Leftmost entry of a subtree in postorder: IM nodes always have two children. Bounded. */
static struct lpm_node *lpm_leftmost(const struct lpm_trie *trie, struct lpm_node *node)
{
	struct lpm_node *next_node = NULL;

	for (__u32 steps = 0; node && steps <= trie->max_prefixlen + 1; steps++) {
		if (__atomic_load_n(&node->flags, __ATOMIC_RELAXED) & LPM_NODE_IM) {
			node = lpm_deref(&node->child[0]);
		} else {
			next_node = node;
			node = lpm_deref(&node->child[0]);
			if (!node)
				node = lpm_deref(&next_node->child[1]);
		}
	}
	return next_node;
}

/* One postorder successor search (trie_get_next_key()). stack: max_prefixlen + 1 entries. */
static int lpm_next_walk(const struct lpm_trie *trie, const void *key, void *next_key,
			 struct lpm_node **stack)
{
	struct lpm_node *node, *parent, *search_root, *next_node = NULL;
	const unsigned char *kdata;
	__u32 kpl;
	int sp = -1;
	size_t matchlen = 0;

	search_root = lpm_deref(&trie->root);
	if (!search_root)
		return -ENOENT;
	if (!key || lpm_key_prefixlen(key) > trie->max_prefixlen)
		goto find_leftmost;
	kdata = lpm_key_data(key);
	kpl = lpm_key_prefixlen(key);

	for (node = search_root; node;) {
		__u32 npl = __atomic_load_n(&node->prefixlen, __ATOMIC_RELAXED);

		if (sp + 1 > (int)trie->max_prefixlen)
			break; /* deeper than a consistent trie can be */
		stack[++sp] = node;
		matchlen = lpm_match(trie, node, kdata, kpl);
		if (npl != matchlen || npl == kpl)
			break;
		node = lpm_deref(&node->child[lpm_bit(kdata, npl)]);
	}
	if (!node || __atomic_load_n(&node->prefixlen, __ATOMIC_RELAXED) != matchlen ||
	    (__atomic_load_n(&node->flags, __ATOMIC_RELAXED) & LPM_NODE_IM))
		goto find_leftmost;

	/* Found the key's node: climb until a right sibling subtree or a non-IM parent. */
	node = stack[sp];
	while (sp > 0) {
		parent = stack[sp - 1];
		if (lpm_deref(&parent->child[0]) == node) {
			search_root = lpm_deref(&parent->child[1]);
			if (search_root)
				goto find_leftmost;
		}
		if (!(__atomic_load_n(&parent->flags, __ATOMIC_RELAXED) & LPM_NODE_IM)) {
			next_node = parent;
			goto copy;
		}
		node = parent;
		sp--;
	}
	return -ENOENT;

find_leftmost:
	next_node = lpm_leftmost(trie, search_root);
	if (!next_node)
		return -ENOENT; /* only when the trie changed under us */
copy:
	lpm_copy_key(trie, next_node, next_key);
	return 0;
}

static int trie_get_next_key(const struct sn_map *map, const void *key, void *next_key)
{
	const struct lpm_trie *trie = to_trie(map);
	struct lpm_node **stack;
	unsigned int seq;
	int tries = 0, err;

	stack = malloc(((size_t)trie->max_prefixlen + 1) * sizeof(*stack));
	if (!stack)
		return -ENOMEM;
	do {
		seq = lpm_read_begin(trie);
		err = lpm_next_walk(trie, key, next_key, stack);
	} while (lpm_read_retry(trie, seq, tries++));
	free(stack);
	return err;
}

static int trie_alloc_check(const struct sn_map_attr *attr)
{
	__u32 prealloc_flags = attr->map_flags & (BPF_F_NO_PREALLOC | SOFTNET_F_LPM_PREALLOC);

	/* Exactly one of the two: the kernel's rule, or softnetd's preallocated variant. */
	if (attr->max_entries == 0 || !prealloc_flags ||
	    prealloc_flags == (BPF_F_NO_PREALLOC | SOFTNET_F_LPM_PREALLOC) ||
	    attr->map_flags & ~LPM_CREATE_FLAG_MASK || !sn_map_flags_access_ok(attr->map_flags) ||
	    attr->key_size < LPM_KEY_SIZE_MIN || attr->key_size > LPM_KEY_SIZE_MAX ||
	    attr->value_size < LPM_VAL_SIZE_MIN || attr->value_size > LPM_VAL_SIZE_MAX)
		return -EINVAL;
	return 0;
}

static struct sn_map *trie_alloc(const struct sn_map_attr *attr, int *err)
{
	struct lpm_trie *trie = calloc(1, sizeof(*trie));
	size_t n_nodes;

	if (!trie)
		goto nomem;
	sn_map_init_from_attr(&trie->map, attr);
	trie->data_size = attr->key_size - 4;
	trie->max_prefixlen = (__u32)trie->data_size * 8;
	trie->value_off = round_up(trie->data_size, (size_t)8);
	trie->node_size = round_up(sizeof(struct lpm_node) + trie->value_off + attr->value_size,
				   (size_t)8);
	raw_res_spin_lock_init(&trie->lock);
	trie->prealloc = attr->map_flags & SOFTNET_F_LPM_PREALLOC;
	if (!trie->prealloc)
		return &trie->map;

	n_nodes = 2 * (size_t)attr->max_entries;
	trie->pool = calloc(n_nodes, trie->node_size);
	if (!trie->pool) {
		free(trie);
		goto nomem;
	}
	for (size_t i = 0; i < n_nodes; i++)
		lpm_node_release(trie, (struct lpm_node *)(trie->pool + i * trie->node_size));
	return &trie->map;
nomem:
	*err = -ENOMEM;
	return NULL;
}

/* malloc mode: free the trie's nodes, children first, without recursion. */
static void lpm_free_tree(struct lpm_node *root)
{
	while (root) {
		struct lpm_node **slot = &root, *node;

		for (;;) {
			node = *slot;
			if (node->child[0])
				slot = &node->child[0];
			else if (node->child[1])
				slot = &node->child[1];
			else
				break;
		}
		*slot = NULL;
		free(node);
	}
}

static void trie_free(struct sn_map *map)
{
	struct lpm_trie *trie = to_trie(map);

	if (trie->prealloc) {
		free(trie->pool);
	} else {
		struct lpm_node *n = trie->free_head;

		while (n) {
			struct lpm_node *next = n->free_next;

			free(n);
			n = next;
		}
		lpm_free_tree(trie->root);
	}
	free(trie);
}

const struct sn_map_ops sn_trie_map_ops = {
	.alloc_check = trie_alloc_check,
	.alloc = trie_alloc,
	.free = trie_free,
	.lookup_elem = trie_lookup_elem,
	.update_elem = trie_update_elem,
	.delete_elem = trie_delete_elem,
	.get_next_key = trie_get_next_key,
	.lookup_batch = sn_generic_lookup_batch,
	.update_batch = sn_generic_update_batch,
	.delete_batch = sn_generic_delete_batch,
};
