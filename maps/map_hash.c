// SPDX-License-Identifier: GPL-2.0-only
/*
 * map_hash.c - HASH and PERCPU_HASH (kernel/bpf/hashtab.c semantics, >= 6.15; KERNEL.md §7),
 * and the table code LRU_HASH / LRU_PERCPU_HASH share (map_lru.c adds the LRU lists).
 *
 * Creation (htab_map_alloc_check order): ZERO_SEED without CAP_SYS_ADMIN -EPERM; unknown flag
 * or RDONLY_PROG|WRONLY_PROG -EINVAL; NO_COMMON_LRU on a non-LRU map -EINVAL; LRU with
 * NO_PREALLOC -ENOTSUPP; NUMA node on a per-CPU map -EINVAL; max_entries, key_size or
 * value_size 0 -EINVAL; key + value >= KMALLOC_MAX_SIZE - sizeof(elem) -E2BIG; per-CPU value
 * > PCPU_MIN_UNIT_SIZE -E2BIG; then max_entries > 2^31 -E2BIG. n_buckets is
 * roundup_pow_of_two(max_entries); the hash is jhash2 (key_size % 4 == 0) or jhash with a
 * random seed, 0 with BPF_F_ZERO_SEED, so a ZERO_SEED map walks its keys in the kernel's order.
 *
 * Preallocated (default): N elements in one area at creation, N = max_entries + nr_cpu_ids for
 * HASH (one spare per CPU for replace-updates) and max_entries for the per-CPU and LRU types,
 * spread over the CPUs' pcpu_freelist heads. Then one element per CPU is popped as that CPU's
 * spare.
 *   update  lock the bucket (rqspinlock: -EDEADLK / -ETIMEDOUT go back to the caller), look
 *           up, check_flags (-EEXIST / -ENOENT). A replace takes this CPU's spare and the old
 *           element becomes a spare once unlinked (see htab_take_spare() for why not before);
 *           an insert pops the freelist, and an empty freelist is -E2BIG. The pop skips
 *           heads that look empty without taking their locks, so a full map answers -E2BIG
 *           at once (ANCHORS.md D2). The new element goes in at the
 *           head of the chain BEFORE the old one is unlinked: a lock-free reader finds the old
 *           or the new value, never neither. PERCPU_HASH replaces in place (no spare).
 *           (softnetd: a per-CPU one-element stash slot sits in front of the freelist; an
 *           insert takes the element a delete on this CPU parked there, see sn_htab.free_stash,
 *           and looks at the other CPUs' slots before answering -E2BIG.)
 *   delete  lock, unlink, free the element at once (stash slot or freelist). Kernel caveat,
 *           kept: there is no grace period, so an element may be reused for another key
 *           while a reader still holds a pointer to its value. The reader never touches
 *           freed memory (the area lives until the map is freed), it may read the other
 *           key's value.
 *   lookup  lock-free. softnetd first reads the bucket's filter byte (htab_bucket.filter): no
 *           element of the chain has the key's filter bit, the key is absent, and no element
 *           is touched. Otherwise the chain walk as the kernel's:
 *           restarts when the walk ends on another bucket's nulls marker. A miss
 *           that overlapped a change of the chain walks again (a per-bucket sequence, bounded
 *           retries): the kernel's walker can miss a key while it is being replaced (the new
 *           element lands at the head behind the walker, the old one is unlinked ahead of
 *           it); softnetd's cannot, except when a signal handler interrupts the writer itself.
 *
 * BPF_F_NO_PREALLOC: elements are malloc'ed on insert (alloc_percpu for the per-CPU value),
 * counted (-E2BIG at max_entries unless the update replaces; per CPU in a large map, as the
 * kernel's percpu_counter, see map_hash_count.h), and allocated under the bucket
 * lock, which therefore is a PI mutex (rt_mutex) in the RT profiles: the split of the seed patch
 * "bpf: Prepare hashtab locking for PREEMPT_RT" (prealloc maps keep the raw/rq lock because they
 * are used from atomic contexts; maps that allocate are used from thread context only). In the
 * vanilla profile the bucket lock stays an rqspinlock, as the kernel's spinlock_t is raw there.
 * Context rule: an update or delete of a NO_PREALLOC map from NMI-like context (any profile:
 * malloc is not async-signal-safe) or from BH / hardirq context in an RT profile is refused with
 * -EOPNOTSUPP and counted (sn_htab__ctx_refused()); the kernel's verifier refuses such programs
 * at load time instead, an errno a map call cannot give. Lookups are allowed everywhere.
 * Freeing: a deleted or replaced element is never given back to libc while the map lives (a
 * lock-free reader may stand on it); it goes to a recycle freelist that later inserts take from
 * before calling malloc. All elements are freed by sn_map__free(). So memory grows to the
 * largest number of live elements and stays there, and the reuse caveat above applies as well.
 *
 * Context: prealloc maps: any, including NMI-like signal handlers (nmi.h). Lookups: any.
 */
#include <limits.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "bhlock/preempt.h"
#include "bhlock/profile.h"
#include "map_hash_count.h"
#include "map_hash_fast.h"
#include "map_hash_internal.h"

/*
 * Word-wise atomic copies: dst (resp. src) is the 8-aligned element side. Stores are release and
 * loads acquire (plain moves on x86): a reader that saw a word written for a new key also sees
 * the new key, which the writer stored first; htab_copy_value() relies on that.
 */
void __htab_copy_to_elem(void *dst, const void *src, size_t n)
{
	uint64_t *d = dst;
	const unsigned char *s = src;
	size_t i = 0;

	if (n == 4) { /* the common u32 key */
		uint32_t w;

		memcpy(&w, src, 4);
		__atomic_store_n((uint32_t *)dst, w, __ATOMIC_RELEASE);
		return;
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		__atomic_store_n(&d[i / 8], w, __ATOMIC_RELEASE);
	}
	for (; i < n; i++)
		__atomic_store_n((unsigned char *)dst + i, s[i], __ATOMIC_RELEASE);
}

void __htab_copy_from_elem(void *dst, const void *src, size_t n)
{
	const uint64_t *s = src;
	unsigned char *d = dst;
	size_t i = 0;

	if (n == 4) {
		uint32_t w = __atomic_load_n((const uint32_t *)src, __ATOMIC_ACQUIRE);

		memcpy(dst, &w, 4);
		return;
	}
	for (; i + 8 <= n; i += 8) {
		uint64_t w = __atomic_load_n(&s[i / 8], __ATOMIC_ACQUIRE);

		memcpy(d + i, &w, 8);
	}
	for (; i < n; i++)
		d[i] = __atomic_load_n((const unsigned char *)src + i, __ATOMIC_ACQUIRE);
}

/* Walks again after a miss that overlapped a change of the chain (see htab_bucket.seq). */
#define HTAB_MISS_RETRIES 64

__u32 htab_jh_bytes(const unsigned char *k, __u32 len, __u32 seed)
{
	__u32 a, b, c, w[3];

	a = b = c = HTAB_JH_INITVAL + len + seed;
	while (len > 12) {
		memcpy(w, k, 12);
		a += w[0];
		b += w[1];
		c += w[2];
		HTAB_JH_MIX(a, b, c);
		len -= 12;
		k += 12;
	}
	if (!len)
		return c;
	/* The tail, little-endian, as the kernel's byte-wise switch adds it. */
	{
		unsigned char t[12] = { 0 };

		memcpy(t, k, len);
		memcpy(w, t, 12);
	}
	c += w[2];
	b += w[1];
	a += w[0];
	HTAB_JH_FINAL(a, b, c);
	return c;
}

/*
 * The walk of htab_lookup_elem_raw() when its first pass ended anywhere but a clean miss: it
 * restarts when the walk ends on another bucket's marker (an element it stood on was moved),
 * and walks again after a miss that overlapped a change of the chain. The chain loads are
 * acquire loads, so a change they saw is ordered after the seq bump that opened it. Bounded:
 * a signal handler may interrupt the writer itself.
 */
struct htab_elem *htab_lookup_elem_retry(struct sn_htab *htab, const struct htab_bucket *b,
					 __u32 hash, const void *key)
{
	__u32 idx = (__u32)(b - htab->buckets);
	int retries = HTAB_MISS_RETRIES;
	struct htab_elem *l;
	__u16 seq;

again:
	seq = __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE);
	for (l = htab_load_next(&b->first); !htab_is_nulls(l); l = htab_load_next(&l->next))
		if (__atomic_load_n(&l->hash, __ATOMIC_RELAXED) == hash &&
		    htab_key_eq(l, key, htab->map.key_size))
			return l;
	if (unlikely(htab_nulls_value(l) != idx))
		goto again;
	if (unlikely((seq & 1) || __atomic_load_n(&b->seq, __ATOMIC_ACQUIRE) != seq) &&
	    retries-- > 0)
		goto again;
	return NULL;
}

/*
 * Syscall side (onallcpus): every CPU's 8-byte-rounded slot from the user buffer. Datapath:
 * value_size bytes into this CPU's slot.
 */
void htab_pcpu_copy_value(struct sn_htab *htab, void *pptr, const void *value, bool onallcpus)
{
	__u32 size = htab_pcpu_size(htab);
	int cpu;

	if (!onallcpus) {
		htab_copy_to_elem(per_cpu_ptr(pptr, htab_this_cpu()), value, htab->map.value_size);
		return;
	}
	for_each_possible_cpu(cpu)
		htab_copy_to_elem(per_cpu_ptr(pptr, cpu), (const unsigned char *)value +
							   (size_t)cpu * size, size);
}

/* A new element: the datapath writes this CPU's slot and zeroes the others (pcpu_init_value). */
void htab_pcpu_init_value(struct sn_htab *htab, void *pptr, const void *value, bool onallcpus)
{
	static const uint64_t zero[64];
	int cpu, me;

	if (onallcpus) {
		htab_pcpu_copy_value(htab, pptr, value, true);
		return;
	}
	me = htab_this_cpu();
	for_each_possible_cpu(cpu) {
		unsigned char *slot = per_cpu_ptr(pptr, cpu);

		if (cpu == me) {
			htab_copy_to_elem(slot, value, htab->map.value_size);
			continue;
		}
		for (__u32 off = 0; off < htab->map.value_size; off += sizeof(zero))
			htab_copy_to_elem(slot + off, zero,
					  (htab->map.value_size - off < sizeof(zero) ? htab->map.value_size - off : (__u32)sizeof(zero)));
	}
}

/* ---- creation ---- */

int htab_alloc_check(const struct sn_map_attr *attr)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_HASH ||
		      attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool lru = attr->map_type == BPF_MAP_TYPE_LRU_HASH ||
		   attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	bool percpu_lru = attr->map_flags & BPF_F_NO_COMMON_LRU;
	bool prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);

	/* ZERO_SEED needs CAP_SYS_ADMIN; softnetd runs as root or not at all: not checked. */
	if (attr->map_flags & ~HTAB_CREATE_FLAG_MASK || !sn_map_flags_access_ok(attr->map_flags))
		return -EINVAL;
	if (!lru && percpu_lru)
		return -EINVAL;
	if (lru && !prealloc)
		return -SN_ENOTSUPP;
	if (attr->numa_node != NUMA_NO_NODE && (percpu || percpu_lru))
		return -EINVAL;
	if (attr->max_entries == 0 || attr->key_size == 0 || attr->value_size == 0)
		return -EINVAL;
	if ((__u64)attr->key_size + attr->value_size >=
	    HTAB_KMALLOC_MAX_SIZE - 48 /* the kernel's sizeof(struct htab_elem) */)
		return -E2BIG;
	if (percpu && round_up(attr->value_size, 8U) > SN_PCPU_MIN_UNIT_SIZE)
		return -E2BIG;
	return 0;
}

static __u32 htab_roundup_pow2(__u32 n)
{
	__u32 p = 1;

	while (p < n)
		p <<= 1;
	return p;
}

/*
 * The preallocated element area, zeroed (bpf_map_area_alloc()). Cache-line aligned (calloc's
 * large blocks are not): see struct htab_elem. An area of 2 MiB or more is 2 MiB aligned and its
 * whole 2 MiB chunks are offered to transparent huge pages: a lookup walks random elements, and
 * with 4 KiB pages a 64k-element map needs a TLB entry per 64 elements (the kernel's own
 * kmalloc'd memory sits in the huge-page direct map). The tail stays in small pages, so the
 * resident size grows by less than one page.
 */
static void *htab_area_alloc(size_t bytes)
{
	const size_t huge = 2UL << 20;
	size_t align = bytes >= huge ? huge : (size_t)SMP_CACHE_BYTES;
	void *p;

	bytes = round_up(bytes, (size_t)SMP_CACHE_BYTES);
	if (posix_memalign(&p, align, bytes))
		return NULL;
	/* Advice only: without THP the area works the same, in small pages. */
	if (align == huge)
		(void)madvise(p, bytes / huge * huge, MADV_HUGEPAGE);
	memset(p, 0, bytes);
	return p;
}

static struct htab_elem *htab_elem_at(struct sn_htab *htab, __u32 i)
{
	return (struct htab_elem *)((unsigned char *)htab->elems + (size_t)i * htab->elem_size);
}

static int htab_prealloc_init(struct sn_htab *htab)
{
	__u32 n = htab->map.max_entries, i;
	int cpu, err;

	if (!htab->percpu && !htab->lru)
		n += (__u32)nr_cpu_ids; /* htab_has_extra_elems() */
	htab->elems = htab_area_alloc((size_t)n * htab->elem_size);
	if (!htab->elems)
		return -ENOMEM;
	if (htab->percpu) {
		htab->pptrs = __alloc_percpu((size_t)n * htab_pcpu_size(htab), 8);
		if (!htab->pptrs)
			return -ENOMEM;
		for (i = 0; i < n; i++) {
			void *p = (unsigned char *)htab->pptrs + (size_t)i * htab_pcpu_size(htab);

			memcpy(htab_elem_value(htab, htab_elem_at(htab, i)), &p, sizeof(p));
		}
	}
	if (htab->lru)
		return sn_lru_init(htab, n);
	err = pcpu_freelist_init(&htab->freelist);
	if (err)
		return err;
	pcpu_freelist_populate(&htab->freelist,
			       (unsigned char *)htab->elems + offsetof(struct htab_elem, fnode),
			       htab->elem_size, n);
	htab->free_stash = alloc_percpu(struct htab_elem *); /* zeroed: every slot empty */
	if (!htab->free_stash)
		return -ENOMEM;
	if (htab->percpu)
		return 0;
	/* alloc_extra_elems(): one spare per CPU for replace-updates. */
	htab->extra_elems = alloc_percpu(struct htab_elem *);
	if (!htab->extra_elems)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct pcpu_freelist_node *node = pcpu_freelist_pop(&htab->freelist);

		if (!node)
			return -ENOMEM;
		*per_cpu_ptr(htab->extra_elems, cpu) = container_of(node, struct htab_elem, fnode);
	}
	return 0;
}

struct sn_map *htab_map_alloc(const struct sn_map_attr *attr, int *err)
{
	struct sn_htab *htab;
	__u32 i;

	htab = calloc(1, sizeof(*htab));
	if (!htab) {
		*err = -ENOMEM;
		return NULL;
	}
	sn_map_init_from_attr(&htab->map, attr);
	htab->percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_HASH ||
		       attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	htab->lru = attr->map_type == BPF_MAP_TYPE_LRU_HASH ||
		    attr->map_type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	htab->prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);
	htab->use_raw_lock = htab->prealloc || !bh_profile_is_rt();
	if (htab->lru && (attr->map_flags & BPF_F_NO_COMMON_LRU)) {
		/* Every CPU's LRU list gets the same number of elements, at least one. */
		__u32 ncpu = (__u32)nr_cpu_ids;
		__u64 up = ((__u64)attr->max_entries + ncpu - 1) / ncpu * ncpu;

		htab->map.max_entries = up <= UINT32_MAX ? (__u32)up : attr->max_entries / ncpu * ncpu;
	}
	*err = -E2BIG;
	if (htab->map.max_entries > (1U << 31))
		goto free_htab;
	htab->n_buckets = htab_roundup_pow2(htab->map.max_entries);
	htab->elem_size = (__u32)sizeof(struct htab_elem) + round_up(attr->key_size, 8U);
	if (htab->percpu)
		htab->elem_size += (__u32)sizeof(void *);
	else
		htab->elem_size += round_up(attr->value_size, 8U);
	if (!(attr->map_flags & BPF_F_ZERO_SEED) &&
	    getrandom(&htab->hashrnd, sizeof(htab->hashrnd), 0) != sizeof(htab->hashrnd))
		htab->hashrnd = (__u32)(uintptr_t)htab ^ 0x9e3779b9U;
	*err = -ENOMEM;
	htab->buckets = calloc(htab->n_buckets, sizeof(*htab->buckets));
	if (!htab->buckets)
		goto free_htab;
	for (i = 0; i < htab->n_buckets; i++) {
		htab->buckets[i].first = htab_nulls(i);
		if (htab->use_raw_lock)
			raw_res_spin_lock_init(&htab->buckets[i].raw_lock);
		else
			rt_mutex_init(&htab->buckets[i].lock);
	}
	if (htab->prealloc) {
		*err = htab_prealloc_init(htab);
		if (*err)
			goto free_htab;
	} else {
		/* The recycle list of deleted elements (see the header comment). */
		*err = pcpu_freelist_init(&htab->freelist);
		if (*err)
			goto free_htab;
		*err = htab_count_init(htab);
		if (*err)
			goto free_htab;
	}
	*err = 0;
	return &htab->map;

free_htab:
	htab_map_free(&htab->map);
	return NULL;
}

void htab_map_free(struct sn_map *map)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l, *next;

	if (htab->lru)
		sn_lru_destroy(htab);
	else if (htab->freelist.freelist)
		pcpu_freelist_destroy(&htab->freelist);
	for (l = htab->np_all; l; l = next) {
		next = l->alloc_next;
		if (htab->percpu)
			free_percpu(htab_elem_pptr(htab, l));
		free(l);
	}
	if (htab->extra_elems)
		free_percpu(htab->extra_elems);
	if (htab->free_stash)
		free_percpu(htab->free_stash);
	htab_count_destroy(htab);
	if (htab->pptrs)
		free_percpu(htab->pptrs);
	free(htab->elems);
	free(htab->buckets);
	free(htab);
}

long htab_pcount_sum(struct sn_htab *htab)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += __atomic_load_n(per_cpu_ptr(htab->pcount, cpu), __ATOMIC_SEQ_CST);
	return sum + __atomic_load_n(&htab->count, __ATOMIC_SEQ_CST);
}

unsigned long sn_htab__ctx_refused(const struct sn_map *map)
{
	return __atomic_load_n(&to_htab(map)->nr_ctx_refused, __ATOMIC_RELAXED);
}

/* ---- elements ---- */

/*
 * A NO_PREALLOC map allocates under its bucket lock: a sleeping lock in the RT profiles, and
 * malloc in any case. Refuse the contexts where that is not allowed (see the header).
 */
static __always_inline int htab_np_context_ok(struct sn_htab *htab)
{
	if (likely(htab->prealloc))
		return 0;
	if (in_nmi() || (bh_profile_is_rt() && (in_softirq() || in_hardirq()))) {
		__atomic_fetch_add(&htab->nr_ctx_refused, 1, __ATOMIC_RELAXED);
		return -EOPNOTSUPP;
	}
	return 0;
}

static struct htab_elem *htab_np_alloc(struct sn_htab *htab)
{
	struct pcpu_freelist_node *node = pcpu_freelist_pop(&htab->freelist);
	struct htab_elem *l;

	if (node)
		return container_of(node, struct htab_elem, fnode);
	l = calloc(1, htab->elem_size);
	if (!l)
		return NULL;
	if (htab->percpu) {
		void *p = __alloc_percpu(htab_pcpu_size(htab), 8);

		if (!p) {
			free(l);
			return NULL;
		}
		memcpy(htab_elem_value(htab, l), &p, sizeof(p));
	}
	/* Push-only list of every allocation, walked at map free. */
	l->alloc_next = __atomic_load_n(&htab->np_all, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&htab->np_all, &l->alloc_next, l, false,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return l;
}

/* Prealloc: take the element parked in @cpu's stash slot, if any (sn_htab.free_stash). */
static __always_inline struct htab_elem *htab_stash_take(struct sn_htab *htab, int cpu)
{
	struct htab_elem **slot = per_cpu_ptr(htab->free_stash, cpu);

	if (!__atomic_load_n(slot, __ATOMIC_RELAXED))
		return NULL;
	return __atomic_exchange_n(slot, NULL, __ATOMIC_ACQUIRE);
}

/* The freelist and the other CPUs' slots, when this CPU's slot was empty. */
static __attribute__((noinline)) struct htab_elem *htab_prealloc_pop_slow(struct sn_htab *htab,
									 int me)
{
	struct pcpu_freelist_node *node = __pcpu_freelist_pop(&htab->freelist);
	struct htab_elem *l;
	int cpu;

	if (node)
		return container_of(node, struct htab_elem, fnode);
	for_each_possible_cpu(cpu) {
		if (cpu != me && (l = htab_stash_take(htab, cpu)))
			return l;
	}
	return NULL;
}

/*
 * Prealloc: a free element, or NULL when every element is in use: this CPU's stash slot, the
 * freelist (all heads, skipping empty ones without their locks), then the other slots.
 */
static __always_inline struct htab_elem *htab_prealloc_pop(struct sn_htab *htab)
{
	int me = htab_this_cpu();
	struct htab_elem *l = htab_stash_take(htab, me);

	if (likely(l))
		return l;
	return htab_prealloc_pop_slow(htab, me);
}

/* Prealloc: park @l in this CPU's empty stash slot, else push it on the freelist. */
static __always_inline void htab_prealloc_push(struct sn_htab *htab, struct htab_elem *l)
{
	struct htab_elem **slot = per_cpu_ptr(htab->free_stash, htab_this_cpu());
	struct htab_elem *empty = NULL;

	/* Release: the element's last uses come before its next owner's. */
	if (likely(!__atomic_load_n(slot, __ATOMIC_RELAXED)) &&
	    likely(__atomic_compare_exchange_n(slot, &empty, l, false, __ATOMIC_RELEASE,
					       __ATOMIC_RELAXED)))
		return;
	pcpu_freelist_push(&htab->freelist, &l->fnode);
}

/* free_htab_elem(): prealloc: free again at once; NO_PREALLOC: recycle, uncount. */
static __always_inline void free_htab_elem(struct sn_htab *htab, struct htab_elem *l)
{
	if (likely(htab->prealloc)) {
		htab_prealloc_push(htab, l);
		return;
	}
	htab_count_dec(htab);
	pcpu_freelist_push(&htab->freelist, &l->fnode);
}

/*
 * The replace spare. The kernel swaps this CPU's spare with the old element while it still sits
 * in its chain, safe there because nothing else runs on that CPU under the bucket lock (IRQs
 * off). Here another task on the same CPU, or a signal handler, may run between the swap and the
 * unlink and would take the still-linked element as its new one. So the spare is taken out of
 * its slot (exchange with NULL) and the old element is put back into an empty slot only once it
 * is unlinked. The slot of another CPU, then the freelist, serve when this CPU's spare is in
 * flight; with none of them (full map, every spare in flight) the value is written in place (a
 * lock-free reader may then see a mix of the two values, as with the kernel's BPF_F_LOCK
 * in-place updates). Counted in nr_inplace.
 */
enum htab_spare_src { SPARE_SLOT, SPARE_FREELIST, SPARE_INPLACE };

static struct htab_elem *htab_take_spare(struct sn_htab *htab, enum htab_spare_src *src)
{
	int me = htab_this_cpu(), cpu;
	struct htab_elem *l;

	*src = SPARE_SLOT;
	l = __atomic_exchange_n(per_cpu_ptr(htab->extra_elems, me), NULL, __ATOMIC_ACQ_REL);
	if (likely(l))
		return l;
	for_each_possible_cpu(cpu) {
		if (cpu == me)
			continue;
		l = __atomic_exchange_n(per_cpu_ptr(htab->extra_elems, cpu), NULL, __ATOMIC_ACQ_REL);
		if (l)
			return l;
	}
	*src = SPARE_FREELIST;
	l = htab_prealloc_pop(htab);
	if (l)
		return l;
	*src = SPARE_INPLACE;
	__atomic_fetch_add(&htab->nr_inplace, 1, __ATOMIC_RELAXED);
	return NULL;
}

/* The unlinked old element takes the place of the spare it replaced. */
static void htab_return_spare(struct sn_htab *htab, struct htab_elem *old, enum htab_spare_src src)
{
	int me = htab_this_cpu(), cpu;

	if (src == SPARE_FREELIST) {
		htab_prealloc_push(htab, old);
		return;
	}
	/* There are always at least as many empty slots as spares in flight (ours included). */
	for (;;) {
		for (int i = 0; i < nr_cpu_ids; i++) {
			struct htab_elem *expected = NULL;

			cpu = (me + i) % nr_cpu_ids;
			if (__atomic_compare_exchange_n(per_cpu_ptr(htab->extra_elems, cpu), &expected,
							old, false, __ATOMIC_ACQ_REL,
							__ATOMIC_RELAXED))
				return;
		}
		cpu_relax();
	}
}

static __always_inline void htab_fill_elem(struct sn_htab *htab, struct htab_elem *l,
					   const void *key, const void *value, __u32 hash,
					   bool percpu, bool onallcpus)
{
	htab_copy_to_elem(l->key, key, htab->map.key_size);
	__atomic_store_n(&l->hash, hash, __ATOMIC_RELAXED);
	if (percpu)
		htab_pcpu_init_value(htab, htab_elem_pptr(htab, l), value, onallcpus);
	else
		htab_copy_to_elem(htab_elem_value(htab, l), value, htab->map.value_size);
}

/* alloc_htab_elem() for an insert (no old element, or NO_PREALLOC), under the bucket lock. */
static __always_inline struct htab_elem *alloc_htab_elem(struct sn_htab *htab, const void *key,
							 const void *value, __u32 hash,
							 bool percpu, bool onallcpus,
							 struct htab_elem *old_elem, int *err)
{
	struct htab_elem *l;

	if (htab->prealloc) {
		l = htab_prealloc_pop(htab);
		if (!l) {
			*err = -E2BIG; /* all preallocated elements are in use */
			return NULL;
		}
	} else {
		if (!htab_count_inc(htab, old_elem)) {
			*err = -E2BIG;
			return NULL;
		}
		l = htab_np_alloc(htab);
		if (!l) {
			htab_count_dec(htab);
			*err = -ENOMEM;
			return NULL;
		}
	}
	htab_fill_elem(htab, l, key, value, hash, percpu, onallcpus);
	return l;
}

static long htab_map_update_elem(struct sn_map *map, const void *key, const void *value,
				 __u64 map_flags)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l_new, *l_old;
	struct htab_bucket *b;
	__u32 hash;
	int ret;

	if (unlikely((map_flags & ~(__u64)BPF_F_LOCK) > BPF_EXIST))
		return -EINVAL;
	if (unlikely(map_flags & BPF_F_LOCK))
		return -EINVAL; /* no value here has a bpf_spin_lock */
	ret = htab_np_context_ok(htab);
	if (ret)
		return ret;
	hash = htab_map_hash(htab, key);
	b = htab_bucket(htab, hash);
	ret = htab_lock_bucket(htab, b);
	if (ret)
		return ret;
	l_old = htab_lookup_elem_raw(htab, b, hash, key);
	ret = htab_check_flags(l_old, map_flags);
	if (ret)
		goto err;
	if (l_old && htab->prealloc) {
		enum htab_spare_src src;

		l_new = htab_take_spare(htab, &src);
		if (unlikely(!l_new)) {
			htab_copy_to_elem(htab_elem_value(htab, l_old), value, map->value_size);
			htab_unlock_bucket(htab, b);
			return 0;
		}
		htab_fill_elem(htab, l_new, key, value, hash, false, false);
		/* New first, old out second: a concurrent reader finds one of them. */
		htab_chain_add_head(htab, b, l_new);
		htab_chain_del(b, l_old);
		htab_unlock_bucket(htab, b);
		htab_return_spare(htab, l_old, src);
		return 0;
	}
	l_new = alloc_htab_elem(htab, key, value, hash, false, false, l_old, &ret);
	if (!l_new)
		goto err;
	htab_chain_add_head(htab, b, l_new);
	if (l_old)
		htab_chain_del(b, l_old);
	htab_unlock_bucket(htab, b);
	if (l_old)
		free_htab_elem(htab, l_old);
	return 0;
err:
	htab_unlock_bucket(htab, b);
	return ret;
}

static long __htab_percpu_map_update_elem(struct sn_map *map, const void *key,
					  const void *value, __u64 map_flags, bool onallcpus)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l_new, *l_old;
	struct htab_bucket *b;
	__u32 hash;
	int ret;

	if (unlikely(map_flags > BPF_EXIST))
		return -EINVAL;
	ret = htab_np_context_ok(htab);
	if (ret)
		return ret;
	hash = htab_map_hash(htab, key);
	b = htab_bucket(htab, hash);
	ret = htab_lock_bucket(htab, b);
	if (ret)
		return ret;
	l_old = htab_lookup_elem_raw(htab, b, hash, key);
	ret = htab_check_flags(l_old, map_flags);
	if (ret)
		goto out;
	if (l_old) {
		/* Per-CPU values are updated in place. */
		htab_pcpu_copy_value(htab, htab_elem_pptr(htab, l_old), value, onallcpus);
	} else {
		l_new = alloc_htab_elem(htab, key, value, hash, true, onallcpus, NULL, &ret);
		if (l_new)
			htab_chain_add_head(htab, b, l_new);
	}
out:
	htab_unlock_bucket(htab, b);
	return ret;
}

static long htab_percpu_map_update_elem(struct sn_map *map, const void *key, const void *value,
					__u64 map_flags)
{
	return __htab_percpu_map_update_elem(map, key, value, map_flags, false);
}

static long htab_percpu_map_update_value(struct sn_map *map, const void *key, const void *value,
					 __u64 map_flags)
{
	return __htab_percpu_map_update_elem(map, key, value, map_flags, true);
}

static __always_inline void htab_free_after_unlock(struct sn_htab *htab, struct htab_elem *l)
{
	if (htab->lru)
		htab_lru_push_free(htab, l);
	else
		free_htab_elem(htab, l);
}

static int __htab_map_lookup_and_delete_elem(struct sn_map *map, const void *key, void *value);

/* Delete is lookup-and-delete without a value to copy out. */
long htab_map_delete_elem(struct sn_map *map, const void *key)
{
	return __htab_map_lookup_and_delete_elem(map, key, NULL);
}

/*
 * The datapath lookup of a HASH map: one copy per common key size (an IPv4 address; two of them
 * or a MAC; an IPv6 address) with the hash and the compare unrolled for it, each its own small
 * function so that the hit path keeps a short prologue (bench_maps, lookup_ns).
 */
static __attribute__((noinline)) void *htab_map_lookup_elem_k4(struct sn_htab *htab,
							       const void *key)
{
	struct htab_elem *l = htab_lookup_elem_ks(htab, key, 4);

	return l ? l->key + 8 : NULL;
}

static __attribute__((noinline)) void *htab_map_lookup_elem_k8(struct sn_htab *htab,
							       const void *key)
{
	struct htab_elem *l = htab_lookup_elem_ks(htab, key, 8);

	return l ? l->key + 8 : NULL;
}

static __attribute__((noinline)) void *htab_map_lookup_elem_k16(struct sn_htab *htab,
								const void *key)
{
	struct htab_elem *l = htab_lookup_elem_ks(htab, key, 16);

	return l ? l->key + 16 : NULL;
}

static __attribute__((noinline)) void *htab_map_lookup_elem_any(struct sn_htab *htab,
								const void *key)
{
	struct htab_elem *l = __htab_map_lookup_elem(htab, key);

	return l ? htab_elem_value(htab, l) : NULL;
}

static void *htab_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_htab *htab = to_htab(map);

	switch (map->key_size) {
	case 4:
		return htab_map_lookup_elem_k4(htab, key);
	case 8:
		return htab_map_lookup_elem_k8(htab, key);
	case 16:
		return htab_map_lookup_elem_k16(htab, key);
	default:
		return htab_map_lookup_elem_any(htab, key);
	}
}

static void *htab_percpu_map_lookup_elem(struct sn_map *map, const void *key)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l = __htab_map_lookup_elem(htab, key);

	return l ? this_cpu_ptr((unsigned char *)htab_elem_pptr(htab, l)) : NULL;
}

/*
 * Syscall-side copy: a lock-free read of an element that may be reused for another key while it
 * is copied. The key is checked again after the copy, and the copy redone if it changed, so the
 * syscall side never returns another key's value (the datapath pointer keeps the caveat).
 */
#define HTAB_COPY_RETRIES 16

int htab_copy_value(const struct sn_map *map, const void *key, void *value)
{
	struct sn_htab *htab = to_htab(map);

	for (int n = 0; n < HTAB_COPY_RETRIES; n++) {
		struct htab_elem *l = __htab_map_lookup_elem(htab, key);

		if (!l)
			return -ENOENT;
		htab_copy_from_elem(value, htab_elem_value(htab, l), map->value_size);
		if (likely(htab_key_eq(l, key, map->key_size)))
			return 0;
	}
	return -ENOENT; /* reused under us every time: the key is being churned away */
}

static void htab_pcpu_copy_out(struct sn_htab *htab, struct htab_elem *l, void *value)
{
	__u32 size = htab_pcpu_size(htab);
	void *pptr = htab_elem_pptr(htab, l);
	int cpu;

	for_each_possible_cpu(cpu)
		htab_copy_from_elem((unsigned char *)value + (size_t)cpu * size,
				    per_cpu_ptr(pptr, cpu), size);
}

/* bpf_percpu_hash_copy(): every CPU's 8-byte-rounded slot, in CPU order. */
int htab_percpu_copy_value(const struct sn_map *map, const void *key, void *value)
{
	struct sn_htab *htab = to_htab(map);

	for (int n = 0; n < HTAB_COPY_RETRIES; n++) {
		struct htab_elem *l = __htab_map_lookup_elem(htab, key);

		if (!l)
			return -ENOENT;
		htab_pcpu_copy_out(htab, l, value);
		if (likely(htab_key_eq(l, key, map->key_size)))
			return 0;
	}
	return -ENOENT;
}

/*
 * htab_map_get_next_key(): the next element in its chain, else the first of the next
 * non-empty bucket; a key not in the map (or NULL) starts from bucket 0.
 */
int htab_map_get_next_key(const struct sn_map *map, const void *key, void *next_key)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l, *next;
	__u32 hash, i = 0;

	if (key) {
		hash = htab_map_hash(htab, key);
		l = htab_lookup_elem_raw(htab, htab_bucket(htab, hash), hash, key);
		if (l) {
			next = htab_load_next(&l->next);
			if (!htab_is_nulls(next)) {
				htab_copy_from_elem(next_key, next->key, map->key_size);
				return 0;
			}
			i = (hash & (htab->n_buckets - 1)) + 1;
		}
	}
	for (; i < htab->n_buckets; i++) {
		next = htab_load_next(&htab->buckets[i].first);
		if (!htab_is_nulls(next)) {
			htab_copy_from_elem(next_key, next->key, map->key_size);
			return 0;
		}
	}
	return -ENOENT;
}

/* __htab_map_lookup_and_delete_elem(); value may be NULL (plain delete). */
static __always_inline int __htab_map_lookup_and_delete_elem(struct sn_map *map,
							      const void *key, void *value)
{
	struct sn_htab *htab = to_htab(map);
	struct htab_elem *l;
	struct htab_bucket *b;
	__u32 hash;
	int ret;

	ret = htab_np_context_ok(htab);
	if (ret)
		return ret;
	hash = htab_map_hash(htab, key);
	b = htab_bucket(htab, hash);
	ret = htab_lock_bucket(htab, b);
	if (ret)
		return ret;
	l = htab_lookup_elem_raw(htab, b, hash, key);
	if (!l) {
		ret = -ENOENT;
	} else {
		if (value && htab->percpu)
			htab_pcpu_copy_out(htab, l, value);
		else if (value)
			htab_copy_from_elem(value, htab_elem_value(htab, l), map->value_size);
		htab_chain_del(b, l);
	}
	htab_unlock_bucket(htab, b);
	if (l)
		htab_free_after_unlock(htab, l);
	return ret;
}

int htab_map_lookup_and_delete_elem(struct sn_map *map, const void *key, void *value)
{
	return __htab_map_lookup_and_delete_elem(map, key, value);
}

/*
 * __htab_map_lookup_and_delete_batch(): whole buckets at a time. Nonzero batch flags are
 * -EINVAL, even with *count 0 (elem_flags were checked by map.c). in_batch/out_batch hold a u32
 * bucket index. A bucket that does not fit in what is left of *count ends the batch, with
 * -ENOSPC if nothing was copied yet; -ENOENT once the last bucket was done. out_batch is
 * written whenever the batch started (also with 0 elements).
 */
static int htab_batch(struct sn_map *map, const void *in_batch, void *out_batch, void *keys,
		      void *values, __u32 *count, __u64 flags, bool do_delete)
{
	struct sn_htab *htab = to_htab(map);
	__u32 max_count = *count, total = 0, batch = 0, ks = map->key_size;
	__u32 vs = map->value_size_sys;
	struct htab_elem *to_free = NULL;
	int ret = 0;

	if (flags)
		return -EINVAL;
	if (!max_count)
		return 0;
	*count = 0;
	if (in_batch)
		memcpy(&batch, in_batch, sizeof(batch));
	if (batch >= htab->n_buckets)
		return -ENOENT;
	if (do_delete) {
		ret = htab_np_context_ok(htab);
		if (ret)
			return ret;
	}
	for (;;) {
		struct htab_bucket *b = &htab->buckets[batch];
		struct htab_elem *l, *n;
		__u32 bucket_cnt = 0;

		/* Empty buckets are skipped without the lock. */
		if (!htab_is_nulls(htab_load_next(&b->first))) {
			ret = htab_lock_bucket(htab, b);
			if (ret)
				break;
			for (l = b->first; !htab_is_nulls(l); l = l->next)
				bucket_cnt++;
			if (bucket_cnt > max_count - total) {
				if (total == 0)
					ret = -ENOSPC;
				htab_unlock_bucket(htab, b);
				break;
			}
			for (l = b->first; !htab_is_nulls(l); l = n) {
				unsigned char *dk = (unsigned char *)keys + (size_t)total * ks;
				unsigned char *dv = (unsigned char *)values + (size_t)total * vs;

				n = l->next;
				htab_copy_from_elem(dk, l->key, ks);
				if (htab->percpu)
					htab_pcpu_copy_out(htab, l, dv);
				else
					htab_copy_from_elem(dv, htab_elem_value(htab, l),
							    map->value_size);
				if (do_delete) {
					htab_chain_del(b, l);
					l->batch_flink = to_free;
					to_free = l;
				}
				total++;
			}
			htab_unlock_bucket(htab, b);
			while (to_free) {
				l = to_free;
				to_free = l->batch_flink;
				htab_free_after_unlock(htab, l);
			}
		}
		batch++;
		if (batch >= htab->n_buckets) {
			ret = -ENOENT;
			break;
		}
	}
	if (out_batch)
		memcpy(out_batch, &batch, sizeof(batch));
	*count = total;
	return ret;
}

int htab_map_lookup_batch(const struct sn_map *map, const void *in_batch, void *out_batch,
			  void *keys, void *values, __u32 *count, __u64 flags)
{
	return htab_batch((struct sn_map *)map, in_batch, out_batch, keys, values, count, flags,
			  false);
}

int htab_map_lookup_and_delete_batch(struct sn_map *map, const void *in_batch, void *out_batch,
				     void *keys, void *values, __u32 *count, __u64 flags)
{
	return htab_batch(map, in_batch, out_batch, keys, values, count, flags, true);
}

static int htab_only_alloc_check(const struct sn_map_attr *attr)
{
	return htab_alloc_check(attr);
}

const struct sn_map_ops sn_htab_map_ops = {
	.alloc_check = htab_only_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_map_lookup_elem,
	.update_elem = htab_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.copy_value = htab_copy_value,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = sn_generic_update_batch,
	.delete_batch = sn_generic_delete_batch,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
};

const struct sn_map_ops sn_htab_percpu_map_ops = {
	.alloc_check = htab_only_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.lookup_elem = htab_percpu_map_lookup_elem,
	.update_elem = htab_percpu_map_update_elem,
	.delete_elem = htab_map_delete_elem,
	.get_next_key = htab_map_get_next_key,
	.copy_value = htab_percpu_copy_value,
	.update_value = htab_percpu_map_update_value,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = sn_generic_update_batch,
	.delete_batch = sn_generic_delete_batch,
	.lookup_and_delete_elem = htab_map_lookup_and_delete_elem,
};

/* HASH with a 4-byte key, out of line (see map_hash_fast.h). */
void *sn_htab_lookup_elem_key4(struct sn_map *map, const void *key)
{
	return __sn_htab_lookup_elem_key4(map, key);
}

sn_map_lookup_fn sn_map__lookup_fn(const struct sn_map *map)
{
	if (map->ops == &sn_htab_map_ops && map->key_size == 4)
		return sn_htab_lookup_elem_key4;
	return map->ops->lookup_elem;
}
